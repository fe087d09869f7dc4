//! `watch`: keep the library in sync with folders while running.
//!
//! One full sync at start, then file-system events, debounced, trigger a sync
//! of just the paths that changed. A rename shows up as a remove plus a new
//! file with the same hash, which `add` turns into a move.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify_debouncer_full::notify::RecursiveMode;
use notify_debouncer_full::notify::event::{AccessKind, AccessMode, EventKind};
use notify_debouncer_full::{DebounceEventResult, new_debouncer};

use super::{AddReport, Library, absolute_existing};
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
            let changed: BTreeSet<PathBuf> = events
                .iter()
                .filter(|e| may_change(&e.kind))
                .flat_map(|e| e.paths.iter())
                .filter(|p| self.wanted(p, &roots))
                .cloned()
                .collect();
            if !changed.is_empty() {
                let changed: Vec<PathBuf> = changed.into_iter().collect();
                on_sync(&self.sync(&changed, progress, cancel)?);
            }
        }
        Ok(())
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
