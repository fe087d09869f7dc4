//! `models import`: model files the user already has, checked against the
//! manifest and copied (or hard-linked) into the models folder.
//!
//! A single file is recognised by its sha256. A folder is matched by file
//! name when the model id is given, else each candidate file is recognised
//! by its hash. Nothing is put in place before its hash matched.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::fetch::part_path;
use crate::hash::{BLOCK, copy_hashed, sha256_file};
use crate::installed::{Store, accept};
use crate::manifest::{FileSpec, Manifest, Model};
use crate::observe::Observer;
use crate::{Error, Result};

/// What `import` put in place for one model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub id: String,
    pub dir: String,
    pub imported: Vec<ImportedFile>,
    /// Files of the model still missing after the import.
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedFile {
    pub file: String,
    pub from: String,
    pub sha256: String,
    /// Hard-linked rather than copied.
    pub linked: bool,
}

/// Imports a file or a folder; `id` names the model when known.
pub fn import(
    manifest: &Manifest,
    store: &Store,
    path: &Path,
    id: Option<&str>,
    observer: &dyn Observer,
) -> Result<Vec<ImportReport>> {
    let model = id.map(|id| manifest.get(id)).transpose()?;
    let path = &path.canonicalize().map_err(|e| Error::io(path, e))?;
    let meta = fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let found = if meta.is_dir() {
        match model {
            Some(model) => by_name(store, model, path, observer)?,
            None => by_hash(manifest, path, observer)?,
        }
    } else {
        vec![recognise(manifest, store, model, path, observer)?]
    };
    place_all(store, manifest, found, observer)
}

/// A file to import: which model and file it is, and its checked hash.
struct Found<'m> {
    model: &'m Model,
    file: &'m FileSpec,
    from: PathBuf,
    sha256: String,
}

fn recognise<'m>(
    manifest: &'m Manifest,
    store: &Store,
    model: Option<&'m Model>,
    path: &Path,
    observer: &dyn Observer,
) -> Result<Found<'m>> {
    observer.begin(&format!("hash {}", path.display()), 0, None);
    let sha256 = sha256_file(path, observer)?;
    let candidates = manifest
        .models
        .iter()
        .filter(|m| model.is_none_or(|only| only.id == m.id));
    for m in candidates {
        if let Some(file) = m.files.iter().find(|f| f.sha256 == sha256) {
            return Ok(found(m, file, path, sha256));
        }
        if let Some(file) = m
            .files
            .iter()
            .find(|f| f.parts.iter().any(|p| p.sha256 == sha256))
        {
            return Err(unrecognised(
                path,
                format!(
                    "this is a part of {}/{}: join the parts in order and import the whole file",
                    m.id, file.name
                ),
            ));
        }
    }
    // An unpinned file can only be told by its name, for a given model.
    if let Some(model) = model {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if let Some(file) = model.file(&name).filter(|f| f.is_unpinned()) {
            check_unpinned(store, model, file, path, &sha256)?;
            return Ok(found(model, file, path, sha256));
        }
    }
    Err(unrecognised(path, no_match(&sha256, model)))
}

fn found<'m>(model: &'m Model, file: &'m FileSpec, path: &Path, sha256: String) -> Found<'m> {
    Found {
        model,
        file,
        from: path.to_path_buf(),
        sha256,
    }
}

fn no_match(sha256: &str, model: Option<&Model>) -> String {
    match model {
        Some(m) => format!(
            "sha256 {sha256} matches no file of {} ({}); check the file, or run `whisker models fetch {}`",
            m.id,
            names(m),
            m.id
        ),
        None => format!(
            "sha256 {sha256} matches no file in the model manifest (see `whisker models list`); \
             for a file whose hash the manifest does not pin, pass --id and keep the file's name"
        ),
    }
}

fn names(model: &Model) -> String {
    let names: Vec<_> = model.files.iter().map(|f| f.name.as_str()).collect();
    names.join(", ")
}

fn unrecognised(path: &Path, message: String) -> Error {
    Error::Unrecognised {
        path: path.to_path_buf(),
        message,
    }
}

/// An unpinned file must still match a hash recorded at an earlier fetch.
fn check_unpinned(
    store: &Store,
    model: &Model,
    file: &FileSpec,
    path: &Path,
    sha256: &str,
) -> Result<()> {
    match store.expected(model, &file.name, "") {
        Some(recorded) if recorded != sha256 => Err(unrecognised(
            path,
            format!(
                "sha256 mismatch for {}/{}: the installed copy was recorded as {recorded}, \
                 this file is {sha256} — not imported",
                model.id, file.name
            ),
        )),
        _ => Ok(()),
    }
}

/// The model's files found in `dir` by name, each checked.
fn by_name<'m>(
    store: &Store,
    model: &'m Model,
    dir: &Path,
    observer: &dyn Observer,
) -> Result<Vec<Found<'m>>> {
    let mut found = Vec::new();
    for file in &model.files {
        let path = dir.join(&file.name);
        if !path.is_file() {
            continue;
        }
        observer.begin(&format!("hash {}", path.display()), 0, file.size);
        let sha256 = sha256_file(&path, observer)?;
        if file.is_unpinned() {
            check_unpinned(store, model, file, &path, &sha256)?;
        } else if sha256 != file.sha256 {
            return Err(unrecognised(
                &path,
                format!(
                    "sha256 mismatch for {}/{}: expected {}, got {sha256} — not imported",
                    model.id, file.name, file.sha256
                ),
            ));
        }
        found.push(self::found(model, file, &path, sha256));
    }
    if found.is_empty() {
        return Err(unrecognised(
            dir,
            format!("has none of {}'s files ({})", model.id, names(model)),
        ));
    }
    Ok(found)
}

/// Files in `dir` recognised by their hash. Only files whose size or name
/// matches some manifest file are hashed, so a big folder stays cheap.
fn by_hash<'m>(
    manifest: &'m Manifest,
    dir: &Path,
    observer: &dyn Observer,
) -> Result<Vec<Found<'m>>> {
    let pinned: Vec<(&Model, &FileSpec)> = manifest
        .models
        .iter()
        .flat_map(|m| m.files.iter().map(move |f| (m, f)))
        .filter(|(_, f)| !f.is_unpinned())
        .collect();
    let mut found = Vec::new();
    for path in candidate_files(dir, &pinned)? {
        observer.begin(&format!("hash {}", path.display()), 0, None);
        let sha256 = sha256_file(&path, observer)?;
        if let Some((model, file)) = pinned.iter().find(|(_, f)| f.sha256 == sha256) {
            found.push(self::found(model, file, &path, sha256));
        }
    }
    if found.is_empty() {
        return Err(unrecognised(
            dir,
            "no file here matches the model manifest by sha256; pass --id ID to import \
             a model's files by name"
                .into(),
        ));
    }
    Ok(found)
}

fn candidate_files(dir: &Path, pinned: &[(&Model, &FileSpec)]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let plausible = pinned
            .iter()
            .any(|(_, f)| f.name == name || f.size == Some(meta.len()));
        if meta.is_file() && plausible {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

fn place_all(
    store: &Store,
    manifest: &Manifest,
    found: Vec<Found>,
    observer: &dyn Observer,
) -> Result<Vec<ImportReport>> {
    let mut reports: BTreeMap<String, ImportReport> = BTreeMap::new();
    for item in found {
        let imported = place(store, &item, observer)?;
        let dir = store.model_dir(&item.model.id);
        reports
            .entry(item.model.id.clone())
            .or_insert_with(|| ImportReport {
                id: item.model.id.clone(),
                dir: dir.display().to_string(),
                imported: Vec::new(),
                missing: Vec::new(),
            })
            .imported
            .push(imported);
    }
    for report in reports.values_mut() {
        let model = manifest.get(&report.id)?;
        let dir = store.model_dir(&model.id);
        report.missing = model
            .files
            .iter()
            .filter(|f| !dir.join(&f.name).is_file())
            .map(|f| f.name.clone())
            .collect();
    }
    Ok(reports.into_values().collect())
}

/// Hard-links (or copies, re-hashing the copy) the file into the store.
fn place(store: &Store, item: &Found, observer: &dyn Observer) -> Result<ImportedFile> {
    let dir = store.model_dir(&item.model.id);
    fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let dest = dir.join(&item.file.name);
    let tmp = part_path(&dest);
    let _ = fs::remove_file(&tmp);
    let label = format!("{}/{}", item.model.id, item.file.name);
    let linked = fs::hard_link(&item.from, &tmp).is_ok();
    let hash = if linked {
        item.sha256.clone()
    } else {
        copy(&item.from, &tmp, &label, item.file.size, observer)?
    };
    accept(
        &tmp,
        &dest,
        &label,
        item.file.size,
        Some(&item.sha256),
        &hash,
    )?;
    if item.file.is_unpinned() {
        store.remember(&item.model.id, &item.file.name, &hash)?;
    }
    Ok(ImportedFile {
        file: item.file.name.clone(),
        from: item.from.display().to_string(),
        sha256: hash,
        linked,
    })
}

fn copy(
    from: &Path,
    to: &Path,
    label: &str,
    size: Option<u64>,
    observer: &dyn Observer,
) -> Result<String> {
    observer.begin(&format!("copy {label}"), 0, size);
    let reader = File::open(from).map_err(|e| Error::io(from, e))?;
    let file = File::create(to).map_err(|e| Error::io(to, e))?;
    let mut writer = BufWriter::with_capacity(BLOCK, file);
    let (hash, _) = copy_hashed(reader, &mut writer, 0, observer).map_err(|e| e.at(to))?;
    let file = writer
        .into_inner()
        .map_err(|e| Error::io(to, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(to, e))?;
    Ok(hash)
}
