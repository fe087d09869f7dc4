//! Indexing in the background, for the app: paths are queued, one `add` runs
//! at a time on its own thread, it can be paused and resumed, and its
//! progress (files done of planned, the file being read, time left) can be
//! read at any moment.
//!
//! Each job is a [`Library::sync`]: new and changed files are indexed, and
//! queued paths that no longer exist are dropped from the library (a watched
//! folder's deleted file). Pausing cancels the running job at its next safe
//! point and keeps its paths queued; since syncing is incremental, resuming
//! skips what was done.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use serde::Serialize;

use super::Library;
use crate::error::Error;
use crate::events::{Cancel, Event, Progress};

/// What the indexer is doing, as the app shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IndexProgress {
    /// A job is running or waiting to resume.
    pub running: bool,
    pub paused: bool,
    /// Files looked at, of `total` planned, in the current job.
    pub done: u64,
    pub total: u64,
    /// Seconds left, once enough is done to estimate it.
    pub eta_s: Option<f64>,
    /// The file last finished.
    pub current: Option<String>,
    /// Why the last job stopped, when it failed.
    pub error: Option<String>,
    /// Jobs finished since the indexer started: when it grows, the library
    /// changed (a watched folder's new file, indexed between two looks).
    pub jobs: u64,
}

/// Something that owns a [`Library`] and can be shared with a thread.
pub type SharedLibrary = Arc<dyn AsRef<Library> + Send + Sync>;

/// The background indexer. Cheap to clone; clones share the queue.
#[derive(Clone)]
pub struct Indexer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Indexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexer")
            .field("progress", &self.progress())
            .finish()
    }
}

struct Shared {
    library: SharedLibrary,
    listener: Arc<dyn Progress>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    pending: BTreeSet<PathBuf>,
    worker: bool,
    paused: bool,
    cancel: Cancel,
    progress: IndexProgress,
    bytes_total: u64,
    bytes_done: u64,
    started: Option<Instant>,
    jobs: u64,
}

impl Indexer {
    /// An idle indexer; `listener` sees every event of every job.
    pub fn new(library: SharedLibrary, listener: Arc<dyn Progress>) -> Indexer {
        let shared = Shared {
            library,
            listener,
            state: Mutex::new(State::default()),
        };
        Indexer {
            shared: Arc::new(shared),
        }
    }

    /// Queues files or folders; starts indexing unless paused.
    pub fn add(&self, paths: impl IntoIterator<Item = PathBuf>) {
        let mut state = self.shared.lock();
        state.pending.extend(paths);
        self.start_if_idle(&mut state);
    }

    pub fn pause(&self) {
        let mut state = self.shared.lock();
        state.paused = true;
        state.progress.paused = true;
        state.cancel.cancel();
    }

    pub fn resume(&self) {
        let mut state = self.shared.lock();
        state.paused = false;
        state.progress.paused = false;
        self.start_if_idle(&mut state);
    }

    pub fn progress(&self) -> IndexProgress {
        let state = self.shared.lock();
        let mut progress = state.progress.clone();
        progress.running = state.worker || !state.pending.is_empty();
        progress.eta_s = eta(&state);
        progress.jobs = state.jobs;
        progress
    }

    /// The library this indexer fills.
    pub(super) fn library(&self) -> &Library {
        (*self.shared.library).as_ref()
    }

    /// Shows `error` in the progress, as a failed job's (a watch that could
    /// not be set up, for one).
    pub fn fail(&self, error: Error) {
        self.shared.lock().progress.error = Some(error.to_string());
    }

    fn start_if_idle(&self, state: &mut State) {
        if state.worker || state.paused || state.pending.is_empty() {
            return;
        }
        state.worker = true;
        let shared = Arc::clone(&self.shared);
        std::thread::Builder::new()
            .name("whisker-indexer".into())
            .spawn(move || shared.work())
            .map_err(|e| self.shared.lock().progress.error = Some(e.to_string()))
            .ok();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data; keep going.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs jobs until the queue is empty or the indexer is paused.
    fn work(self: Arc<Self>) {
        loop {
            let (paths, cancel) = {
                let mut state = self.lock();
                if state.paused || state.pending.is_empty() {
                    state.worker = false;
                    return;
                }
                state.cancel = Cancel::new();
                let paths: Vec<PathBuf> = std::mem::take(&mut state.pending).into_iter().collect();
                reset(&mut state);
                (paths, state.cancel.clone())
            };
            let result = (*self.library).as_ref().sync(&paths, &*self, &cancel);
            let mut state = self.lock();
            state.jobs += 1;
            match result {
                Err(Error::Cancelled) => state.pending.extend(paths),
                Err(e) => state.progress.error = Some(e.to_string()),
                Ok(_) => {}
            }
        }
    }
}

fn reset(state: &mut State) {
    state.progress = IndexProgress {
        paused: state.paused,
        ..IndexProgress::default()
    };
    state.bytes_total = 0;
    state.bytes_done = 0;
    state.started = Some(Instant::now());
}

/// Seconds left at the byte rate so far; none until a second has passed.
fn eta(state: &State) -> Option<f64> {
    let elapsed = state.started?.elapsed().as_secs_f64();
    if state.paused || elapsed < 1.0 || state.bytes_done == 0 || state.bytes_total == 0 {
        return None;
    }
    let rate = state.bytes_done as f64 / elapsed;
    Some(state.bytes_total.saturating_sub(state.bytes_done) as f64 / rate)
}

impl Progress for Shared {
    fn event(&self, event: &Event) {
        {
            let mut state = self.lock();
            match event {
                Event::Planned { files, bytes } => {
                    state.progress.total = *files;
                    state.bytes_total = *bytes;
                }
                Event::File { path, bytes, .. } => {
                    state.progress.done += 1;
                    state.bytes_done += bytes;
                    state.progress.current = Some(path.clone());
                }
                _ => {}
            }
        }
        self.listener.event(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Silent;
    use std::time::Duration;

    struct Owned(Library);
    impl AsRef<Library> for Owned {
        fn as_ref(&self) -> &Library {
            &self.0
        }
    }

    fn wait_idle(indexer: &Indexer) -> IndexProgress {
        for _ in 0..600 {
            let p = indexer.progress();
            if !p.running || p.paused {
                return p;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("indexing did not finish: {:?}", indexer.progress());
    }

    #[test]
    fn indexes_queued_folders_and_resumes_after_a_pause() {
        let data = tempfile::tempdir().unwrap();
        let docs = tempfile::tempdir().unwrap();
        for i in 0..40 {
            std::fs::write(
                docs.path().join(format!("note{i}.md")),
                format!("# Note {i}\n\nkiwi {i}\n"),
            )
            .unwrap();
        }
        let library = Library::with_config(data.path(), crate::Config::default()).unwrap();
        let library: SharedLibrary = Arc::new(Owned(library));
        let indexer = Indexer::new(Arc::clone(&library), Arc::new(Silent));
        indexer.pause();
        indexer.add([docs.path().to_path_buf()]);
        let paused = indexer.progress();
        assert!(paused.running && paused.paused, "{paused:?}");
        indexer.resume();
        let done = wait_idle(&indexer);
        assert_eq!((done.done, done.total, done.error), (40, 40, None));
        assert_eq!((*library).as_ref().status().unwrap().stats.documents, 40);
    }

    #[test]
    fn a_deleted_file_leaves_the_library() {
        let data = tempfile::tempdir().unwrap();
        let docs = tempfile::tempdir().unwrap();
        let note = docs.path().join("gone.md");
        std::fs::write(&note, "# Gone\n\nsoon\n").unwrap();
        let library = Library::with_config(data.path(), crate::Config::default()).unwrap();
        let library: SharedLibrary = Arc::new(Owned(library));
        let indexer = Indexer::new(Arc::clone(&library), Arc::new(Silent));
        indexer.add([note.clone()]);
        wait_idle(&indexer);
        assert_eq!((*library).as_ref().status().unwrap().stats.documents, 1);
        std::fs::remove_file(&note).unwrap();
        indexer.add([note]);
        let done = wait_idle(&indexer);
        assert_eq!(done.error, None);
        assert_eq!((*library).as_ref().status().unwrap().stats.documents, 0);
    }

    /// Polls `done` for up to 30 s.
    fn eventually(what: &str, done: impl Fn() -> bool) {
        for _ in 0..300 {
            if done() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{what} did not happen within 30 s");
    }

    #[test]
    fn a_watched_folder_follows_new_changed_and_deleted_files() {
        let data = tempfile::tempdir().unwrap();
        let docs = tempfile::tempdir().unwrap();
        let library = Library::with_config(data.path(), crate::Config::default()).unwrap();
        let library: SharedLibrary = Arc::new(Owned(library));
        let indexer = Indexer::new(Arc::clone(&library), Arc::new(Silent));
        let lib = || (*library).as_ref();
        let finds = |word: &str| {
            let options = crate::SearchOptions {
                mode: crate::Mode::Bm25,
                ..lib().search_options()
            };
            !lib().search_with(word, options).unwrap().hits.is_empty()
        };
        let watch = indexer.watch(&[docs.path().to_path_buf()]).unwrap();
        assert_eq!(watch.roots(), [docs.path().canonicalize().unwrap()]);

        let note = docs.path().join("sub").join("note.md");
        std::fs::create_dir(note.parent().unwrap()).unwrap();
        std::fs::write(&note, "# Note\n\nA quokka smiles.\n").unwrap();
        eventually("the new file indexed", || finds("quokka"));
        std::fs::write(&note, "# Note\n\nA wombat digs.\n").unwrap();
        eventually("the change indexed", || finds("wombat") && !finds("quokka"));
        std::fs::remove_file(&note).unwrap();
        eventually("the deleted file gone", || {
            lib().status().unwrap().stats.documents == 0
        });

        drop(watch);
        std::fs::write(docs.path().join("later.md"), "# Later\n\nA numbat.\n").unwrap();
        std::thread::sleep(Duration::from_secs(2));
        wait_idle(&indexer);
        assert!(!finds("numbat"), "no longer watched");
        assert_eq!(indexer.progress().error, None);

        let missing = indexer.watch(&[docs.path().join("nowhere")]).unwrap_err();
        assert!(missing.to_string().contains("nowhere"), "{missing}");
    }
}
