//! Keeping the library in sync with folders while running.
//!
//! [`Library::watch`] (the CLI's `whisker watch`): one full sync at start,
//! then file-system events, debounced, trigger a sync of just the paths that
//! changed. A rename shows up as a remove plus a new file with the same
//! hash, which `add` turns into a move.
//!
//! [`Indexer::watch`] (the app's watched folders): the same events, queued
//! to the background [`Indexer`] instead, so they wait while indexing is
//! paused and show in its progress.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify_debouncer_full::notify::RecommendedWatcher;
use notify_debouncer_full::notify::RecursiveMode;
use notify_debouncer_full::notify::event::{AccessKind, AccessMode, EventKind};
use notify_debouncer_full::{
    DebounceEventResult, DebouncedEvent, Debouncer, RecommendedCache, new_debouncer,
};

use super::{AddReport, Indexer, Library, absolute_existing};
use crate::error::{Error, Result};
use crate::events::{Cancel, Progress};

/// Quiet time before a burst of changes is acted on.
const DEBOUNCE: Duration = Duration::from_millis(500);
/// How often the cancel flag is checked while waiting.
const POLL: Duration = Duration::from_millis(200);

impl Library {
    /// Syncs `paths`, then keeps them in sync until `cancel` is set.
    /// `on_sync` sees the report of every sync, including the first.
    pub fn watch(
        &self,
        paths: &[PathBuf],
        progress: &dyn Progress,
        cancel: &Cancel,
        on_sync: &mut dyn FnMut(&AddReport),
    ) -> Result<()> {
        let roots = absolute_existing(paths)?;
        let (tx, rx) = mpsc::channel::<DebounceEventResult>();
        let mut debouncer =
            new_debouncer(DEBOUNCE, None, tx).map_err(|e| Error::Watch(e.to_string()))?;
        for root in &roots {
            debouncer
                .watch(root, RecursiveMode::Recursive)
                .map_err(|e| Error::Watch(format!("{}: {e}", root.display())))?;
        }
        on_sync(&self.sync(&roots, progress, cancel)?);
        while !cancel.is_cancelled() {
            let events = match rx.recv_timeout(POLL) {
                Ok(Ok(events)) => events,
                Ok(Err(errors)) => {
                    let detail: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                    return Err(Error::Watch(detail.join("; ")));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            };
            let changed = self.changed(&events, &roots);
            if !changed.is_empty() {
                on_sync(&self.sync(&changed, progress, cancel)?);
            }
        }
        Ok(())
    }

    /// The paths in `events` worth a sync, each once.
    fn changed(&self, events: &[DebouncedEvent], roots: &[PathBuf]) -> Vec<PathBuf> {
        let changed: BTreeSet<PathBuf> = events
            .iter()
            .filter(|e| may_change(&e.kind))
            .flat_map(|e| e.paths.iter())
            .filter(|p| self.wanted(p, roots))
            .cloned()
            .collect();
        changed.into_iter().collect()
    }

    /// Whether an event path is worth a sync: under a root, not hidden, not
    /// in the data folder, and a folder or a readable type (or gone).
    fn wanted(&self, path: &Path, roots: &[PathBuf]) -> bool {
        if path.starts_with(self.data_dir()) {
            return false;
        }
        let Some(root) = roots.iter().find(|r| path.starts_with(r)) else {
            return false;
        };
        let hidden = path
            .strip_prefix(root)
            .into_iter()
            .flat_map(|rel| rel.components())
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
        !hidden && (!path.is_file() || whisker_ingest::detect(path, b"").is_some())
    }
}

/// Folders watched for the [`Indexer`]; watching stops when this is dropped.
pub struct FolderWatch {
    _debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    roots: Vec<PathBuf>,
}

impl std::fmt::Debug for FolderWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FolderWatch")
            .field("roots", &self.roots)
            .finish()
    }
}

impl FolderWatch {
    /// The folders watched (absolute).
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }
}

impl Indexer {
    /// Watches `folders` until the returned [`FolderWatch`] is dropped: new,
    /// changed and deleted files under them are queued to this indexer
    /// (debounced, as [`Library::watch`] does). Watching does not sync the
    /// folders first; queue them with [`Indexer::add`] for that. A folder
    /// that does not exist or cannot be watched is an error naming it.
    pub fn watch(&self, folders: &[PathBuf]) -> Result<FolderWatch> {
        let roots = absolute_existing(folders)?;
        let indexer = self.clone();
        let watched = roots.clone();
        let mut debouncer =
            new_debouncer(
                DEBOUNCE,
                None,
                move |result: DebounceEventResult| match result {
                    Ok(events) => {
                        let changed = indexer.library().changed(&events, &watched);
                        if !changed.is_empty() {
                            indexer.add(changed);
                        }
                    }
                    Err(errors) => {
                        let detail: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                        indexer.fail(Error::Watch(detail.join("; ")));
                    }
                },
            )
            .map_err(|e| Error::Watch(e.to_string()))?;
        for root in &roots {
            debouncer
                .watch(root, RecursiveMode::Recursive)
                .map_err(|e| Error::Watch(format!("{}: {e}", root.display())))?;
        }
        Ok(FolderWatch {
            _debouncer: debouncer,
            roots,
        })
    }
}

/// Whether an event can mean new content. Opening or reading cannot: every
/// sync opens the folders and files it reads, so acting on those made the
/// watcher re-sync forever. A close after writing can.
fn may_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}
