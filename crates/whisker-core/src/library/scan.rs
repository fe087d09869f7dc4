//! Walking the folders given to `add`: which files to look at, and which
//! entries could not be walked (symlink loops, unreadable folders).

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// A file found by the walk, with the metadata used for the fast unchanged check.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
}

/// The result of walking all roots.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub files: Vec<Found>,
    /// (path, reason) for entries that could not be walked.
    pub errors: Vec<(String, String)>,
    /// Files of a type Whisker does not read, left alone.
    pub skipped: u64,
}

/// Walks `roots` (existing or not; a missing root yields nothing).
///
/// Hidden files and folders and anything a `.gitignore` excludes are left
/// out, as are files of unknown type inside folders; a file named directly
/// is always taken. Symlinks are followed, and a loop is reported, not walked.
pub(crate) fn scan(roots: &[PathBuf], exclude: &Path) -> Scan {
    let mut scan = Scan::default();
    for root in roots {
        if root.is_file() {
            if let Some(found) = found(root) {
                scan.files.push(found);
            }
            continue;
        }
        if !root.exists() {
            continue;
        }
        walk(root, exclude, &mut scan);
    }
    scan.files.sort_by(|a, b| a.path.cmp(&b.path));
    scan.files.dedup_by(|a, b| a.path == b.path);
    scan
}

fn walk(root: &Path, exclude: &Path, scan: &mut Scan) {
    let walker = ignore::WalkBuilder::new(root)
        .follow_links(true)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                scan.errors
                    .push((error_path(&err, root), walk_reason(&err)));
                continue;
            }
        };
        let path = entry.path();
        if path.starts_with(exclude) || !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        if whisker_ingest::detect(path, b"").is_none() {
            scan.skipped += 1;
            continue;
        }
        match found(path) {
            Some(found) => scan.files.push(found),
            None => scan.errors.push((
                path.display().to_string(),
                "cannot read file metadata".into(),
            )),
        }
    }
}

fn found(path: &Path) -> Option<Found> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64);
    Some(Found {
        path: path.to_path_buf(),
        size: meta.len(),
        mtime_ns,
        ctime_ns: ctime_ns(&meta),
    })
}

#[cfg(unix)]
fn ctime_ns(meta: &std::fs::Metadata) -> i64 {
    use std::os::unix::fs::MetadataExt;
    meta.ctime() * 1_000_000_000 + meta.ctime_nsec()
}

#[cfg(not(unix))]
fn ctime_ns(_: &std::fs::Metadata) -> i64 {
    0
}

fn error_path(err: &ignore::Error, root: &Path) -> String {
    match err {
        ignore::Error::WithPath { path, .. } => path.display().to_string(),
        ignore::Error::Loop { child, .. } => child.display().to_string(),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err, root)
        }
        _ => root.display().to_string(),
    }
}

fn walk_reason(err: &ignore::Error) -> String {
    match err {
        ignore::Error::Loop { ancestor, .. } => {
            format!("symlink loop (points back to {})", ancestor.display())
        }
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => walk_reason(err),
        ignore::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}
