//! What the app keeps while it runs: the Assistant (library + models), the
//! background indexer and the watch on the watched folders, the settings,
//! and a cancel flag per running request.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use whisker_core::settings::AppSettings;
use whisker_core::{Assistant, Cancel, Event, FolderWatch, Indexer, Progress};

#[derive(Debug)]
pub struct AppState {
    pub data_dir: PathBuf,
    pub assistant: Arc<Assistant>,
    pub indexer: Indexer,
    /// Changes in the watched folders go to the indexer while this lives.
    watch: Mutex<Option<FolderWatch>>,
    pub settings: Mutex<AppSettings>,
    /// The mouse buttons the button source watches (codes from the settings).
    pub buttons: crate::triggers::buttons::Watched,
    /// The push-to-talk session while someone holds the talk button.
    pub voice: Mutex<Option<whisker_core::listen::Listening>>,
    requests: Mutex<HashMap<String, Cancel>>,
}

impl AppState {
    pub fn open(data_dir: PathBuf) -> whisker_core::Result<AppState> {
        let assistant = Arc::new(Assistant::open(&data_dir)?);
        let indexer = Indexer::new(assistant.clone(), Arc::new(whisker_core::Silent));
        let settings = AppSettings::load(&data_dir)?;
        indexer.add(settings.watched.iter().cloned());
        let state = AppState {
            data_dir,
            assistant,
            indexer,
            watch: Mutex::new(None),
            settings: Mutex::new(settings),
            buttons: Arc::default(),
            voice: Mutex::new(None),
            requests: Mutex::new(HashMap::new()),
        };
        state.rewatch();
        Ok(state)
    }

    /// Watches the settings' watched folders that exist, in place of the
    /// previous watch (a folder on a drive not mounted is skipped; it is
    /// synced again at the next start). A watch that cannot be set up
    /// shows as the indexer's error.
    pub fn rewatch(&self) {
        let folders: Vec<PathBuf> = lock(&self.settings)
            .watched
            .iter()
            .filter(|f| f.is_dir())
            .cloned()
            .collect();
        let mut watch = lock(&self.watch);
        *watch = None;
        if folders.is_empty() {
            return;
        }
        match self.indexer.watch(&folders) {
            Ok(new) => *watch = Some(new),
            Err(e) => self.indexer.fail(e),
        }
    }

    /// A cancel flag for request `id`, forgotten when the guard drops.
    pub fn request(&self, id: &str) -> RequestGuard<'_> {
        let cancel = Cancel::new();
        lock(&self.requests).insert(id.to_owned(), cancel.clone());
        RequestGuard {
            state: self,
            id: id.to_owned(),
            cancel,
        }
    }

    pub fn cancel(&self, id: &str) {
        if let Some(cancel) = lock(&self.requests).get(id) {
            cancel.cancel();
        }
    }

    pub fn settings(&self) -> AppSettings {
        lock(&self.settings).clone()
    }

    /// The button codes mapped to an action in the settings.
    pub fn button_codes(&self) -> std::collections::BTreeSet<u8> {
        use whisker_core::settings::ButtonAction;
        let settings = lock(&self.settings);
        let mapped = settings
            .buttons
            .iter()
            .filter(|(_, a)| **a != ButtonAction::None);
        mapped.filter_map(|(code, _)| code.parse().ok()).collect()
    }
}

#[derive(Debug)]
pub struct RequestGuard<'a> {
    state: &'a AppState,
    id: String,
    pub cancel: Cancel,
}

impl Drop for RequestGuard<'_> {
    fn drop(&mut self) {
        lock(&self.state.requests).remove(&self.id);
    }
}

/// Locks a mutex; a panic elsewhere leaves plain data, so keep going.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Forwards core events to the window over a Tauri channel.
pub struct ChannelSink(pub tauri::ipc::Channel<Event>);

impl Progress for ChannelSink {
    fn event(&self, event: &Event) {
        // The window may be gone; the work goes on regardless.
        let _ = self.0.send(event.clone());
    }
}
