//! `add`: bring the store in line with some files and folders.
//!
//! Walk, compare with the catalog, then extract on worker threads while this
//! thread writes. New and changed files are (re)indexed, touched files get a
//! new record, moved files keep their chunks under the new path, and catalog
//! entries under the given paths that no longer exist are removed. The store
//! commits every few seconds and at the end; a kill between commits loses
//! only the work since the last one, which the next run redoes.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::bounded;
use serde::Serialize;
use whisker_index::{FileRecord, FileStatus, NewChunk, StoreWriter};

use std::sync::Mutex;

use whisker_models::embed::Embedder;

use super::Library;
use super::embed::{self, Tally};
use super::job::{Context, Work, extract_into, fail, process, unchanged_on_disk};
use super::scan::{Found, Scan, scan};
use crate::error::Result;
use crate::events::{Cancel, Event, Outcome, Progress};

/// How often work in progress is committed.
pub(crate) const COMMIT_EVERY: Duration = Duration::from_secs(5);

/// One file that could not be indexed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub path: String,
    pub reason: String,
}

/// What an `add` run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AddReport {
    /// Files looked at (not counting skipped types).
    pub files: u64,
    pub indexed: u64,
    pub unchanged: u64,
    pub moved: u64,
    pub removed: u64,
    /// Number of failures in this run; the reasons are in `failures`.
    pub failed: u64,
    pub failures: Vec<Failure>,
    /// Unchanged files that failed before and so still have no chunks
    /// (counted in `unchanged`; see `whisker status` for their reasons).
    pub still_failing: u64,
    /// Files of types Whisker does not read, left alone.
    pub skipped: u64,
    /// Chunks written in this run.
    pub chunks: u64,
    /// Chunks given a vector in this run (new ones, and older ones caught up).
    pub embedded: u64,
    /// Why chunks were stored without vectors, when they were (no model
    /// installed, or the model failed): search falls back to keywords.
    pub vectors_note: Option<String>,
    /// Bytes of the files indexed in this run.
    pub bytes: u64,
    pub seconds: f64,
    pub cancelled: bool,
}

impl AddReport {
    fn record(&mut self, path: &str, bytes: u64, outcome: &Outcome) {
        match outcome {
            Outcome::Indexed { chunks } => {
                self.indexed += 1;
                self.chunks += chunks;
                self.bytes += bytes;
            }
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Moved { .. } => self.moved += 1,
            Outcome::Removed => self.removed += 1,
            Outcome::Failed { reason } => {
                self.failed += 1;
                self.failures.push(Failure {
                    path: path.to_string(),
                    reason: reason.clone(),
                });
            }
        }
    }
}

/// The writing side of a run: applies work, reports it, commits on a timer.
struct Sink<'a> {
    writer: StoreWriter<'a>,
    library: &'a Library,
    progress: &'a dyn Progress,
    report: AddReport,
    claimed: HashSet<String>,
    last_commit: Instant,
}

pub(crate) fn sync(
    library: &Library,
    roots: &[PathBuf],
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<AddReport> {
    let started = Instant::now();
    let scan = scan(roots, library.data_dir());
    let catalog = library.store().files()?;
    let missing = missing(&catalog, &scan, roots);
    let missing_by_hash = by_hash(&missing);
    let (fresh, todo): (Vec<&Found>, Vec<&Found>) = scan.files.iter().partition(|f| {
        catalog
            .get(&f.path.display().to_string())
            .is_some_and(|r| unchanged_on_disk(r, f))
    });
    let bytes = scan.files.iter().map(|f| f.size).sum();
    progress.event(&Event::Planned {
        files: scan.files.len() as u64,
        bytes,
    });

    let mut sink = Sink {
        writer: library.store().writer()?,
        library,
        progress,
        report: AddReport {
            files: scan.files.len() as u64,
            skipped: scan.skipped,
            ..AddReport::default()
        },
        claimed: HashSet::new(),
        last_commit: Instant::now(),
    };
    sink.known(&scan.errors, &fresh, &catalog);
    let cx = Context {
        config: library.config(),
        catalog: &catalog,
        missing_by_hash: &missing_by_hash,
    };
    let embedder = library.embedding().get();
    let mut tally = Mutex::new(Tally::default());
    run_workers(&todo, &cx, cancel, &mut sink, embedder.as_deref(), &tally)?;
    if cancel.is_cancelled() {
        sink.report.cancelled = true;
    } else {
        sink.remove_unclaimed(&missing);
    }
    sink.writer.commit()?;
    progress.event(&Event::Committed);
    let tally = tally.get_mut().unwrap_or_else(|e| e.into_inner());
    if let Some(embedder) = &embedder
        && !cancel.is_cancelled()
    {
        let store = library.store();
        embed::catch_up(store, &mut sink.writer, embedder, progress, cancel, tally)?;
        sink.writer.commit()?;
        progress.event(&Event::Committed);
    }
    sink.writer.finish()?;
    let mut report = sink.report;
    report.cancelled |= cancel.is_cancelled();
    report.embedded = tally.chunks;
    report.vectors_note = tally.error.take().or_else(|| library.embedding().note());
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Catalog entries under `roots` that the walk did not find.
fn missing<'c>(
    catalog: &'c HashMap<String, FileRecord>,
    scan: &Scan,
    roots: &[PathBuf],
) -> Vec<&'c FileRecord> {
    let seen: HashSet<String> = scan
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    catalog
        .values()
        .filter(|r| !seen.contains(&r.path) && under_any(&r.path, roots))
        .collect()
}

/// Content hash -> path, for the missing files whose chunks a moved file can take.
fn by_hash(missing: &[&FileRecord]) -> HashMap<String, String> {
    missing
        .iter()
        .filter(|r| r.status == FileStatus::Indexed && !r.hash.is_empty())
        .map(|r| (r.hash.clone(), r.path.clone()))
        .collect()
}

/// Extracts on worker threads, embeds on another (when there is a model),
/// and applies results here as they come.
fn run_workers(
    todo: &[&Found],
    cx: &Context,
    cancel: &Cancel,
    sink: &mut Sink,
    embedder: Option<&Embedder>,
    tally: &Mutex<Tally>,
) -> Result<()> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (job_tx, job_rx) = bounded::<&Found>(workers * 4);
    let (extracted_tx, extracted_rx) = bounded::<(u64, Work)>(workers * 2);
    let (done_tx, done_rx) = bounded::<(u64, Work)>(workers * 2);
    std::thread::scope(|s| {
        // Without a model, extracted work goes straight to the writer.
        let done_tx = match embedder {
            Some(embedder) => {
                s.spawn(move || embed::stage(extracted_rx, done_tx, embedder, cancel, tally));
                extracted_tx
            }
            None => done_tx,
        };
        for _ in 0..workers {
            let (job_rx, done_tx) = (job_rx.clone(), done_tx.clone());
            s.spawn(move || {
                for found in job_rx {
                    if cancel.is_cancelled()
                        || done_tx.send((found.size, process(found, cx))).is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        s.spawn(move || {
            for found in todo {
                if cancel.is_cancelled() || job_tx.send(found).is_err() {
                    break;
                }
            }
        });
        let mut result = Ok(());
        for (size, work) in done_rx.iter() {
            if let Err(err) = sink.apply(work, size, cx) {
                result = Err(err);
                cancel.cancel();
                break;
            }
        }
        // Drain so workers blocked on a full channel can finish.
        for _ in done_rx.iter() {}
        result
    })
}

impl Sink<'_> {
    fn apply(&mut self, work: Work, size: u64, cx: &Context) -> Result<()> {
        let (path, outcome) = match work {
            Work::Touch(record) => {
                self.writer.update_record(&record)?;
                (record.path, Outcome::Unchanged)
            }
            Work::Index(record, chunks) => self.index(record, &chunks)?,
            Work::Fail(record) => {
                self.writer.put(&record, &[])?;
                let reason = record.error.clone().unwrap_or_default();
                (record.path, Outcome::Failed { reason })
            }
            Work::Move(record, from) if self.claimed.insert(from.clone()) => {
                self.relocate(record, from, cx)?
            }
            Work::Move(record, _) => {
                // Another new file already took those chunks (a copy): read this one.
                let work = match std::fs::read(&record.path) {
                    Ok(bytes) => extract_into(record, &bytes, cx.config),
                    Err(err) => fail(record, &err.into()),
                };
                return self.apply(work, size, cx);
            }
        };
        self.emit(&path, size, outcome);
        if self.last_commit.elapsed() >= COMMIT_EVERY {
            self.writer.commit()?;
            self.progress.event(&Event::Committed);
            self.last_commit = Instant::now();
        }
        Ok(())
    }

    fn index(&mut self, record: FileRecord, chunks: &[NewChunk]) -> Result<(String, Outcome)> {
        self.writer.put(&record, chunks)?;
        let outcome = Outcome::Indexed {
            chunks: chunks.len() as u64,
        };
        Ok((record.path, outcome))
    }

    /// Moves the stored chunks of `from` to `record.path` without re-extracting.
    fn relocate(
        &mut self,
        mut record: FileRecord,
        from: String,
        cx: &Context,
    ) -> Result<(String, Outcome)> {
        let store = self.library.store();
        let chunks: Vec<NewChunk> = store
            .chunks_of(&from)?
            .into_iter()
            .map(|c| NewChunk {
                text: c.text,
                location: c.location,
                embedding: c.embedding,
            })
            .collect();
        if let Some(old) = cx.catalog.get(&from) {
            record.title = old.title.clone();
            record.kind = old.kind.clone();
        }
        record.chunks = chunks.len() as u64;
        self.writer.remove(&from);
        self.writer.put(&record, &chunks)?;
        Ok((record.path, Outcome::Moved { from }))
    }

    /// Reports what the walk already settled: entries it could not walk,
    /// and files unchanged on disk (noting those that failed before).
    fn known(
        &mut self,
        errors: &[(String, String)],
        fresh: &[&Found],
        catalog: &HashMap<String, FileRecord>,
    ) {
        for (path, reason) in errors {
            let reason = reason.clone();
            self.emit(path, 0, Outcome::Failed { reason });
        }
        for found in fresh {
            let path = found.path.display().to_string();
            if catalog
                .get(&path)
                .is_some_and(|r| r.status == FileStatus::Failed)
            {
                self.report.still_failing += 1;
            }
            self.emit(&path, found.size, Outcome::Unchanged);
        }
    }

    /// Drops the missing files whose chunks no moved file took.
    fn remove_unclaimed(&mut self, missing: &[&FileRecord]) {
        for record in missing {
            if !self.claimed.contains(&record.path) {
                self.writer.remove(&record.path);
                self.emit(&record.path, 0, Outcome::Removed);
            }
        }
    }

    fn emit(&mut self, path: &str, bytes: u64, outcome: Outcome) {
        self.report.record(path, bytes, &outcome);
        self.progress.event(&Event::File {
            path: path.to_string(),
            bytes,
            outcome,
        });
    }
}

/// Whether `path` is one of `roots` or inside one of them.
pub(crate) fn under_any(path: &str, roots: &[PathBuf]) -> bool {
    let path = Path::new(path);
    roots.iter().any(|root| path.starts_with(root))
}
