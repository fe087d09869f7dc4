//! Models: list, verify, download with progress, import from disk.

use std::path::PathBuf;
use std::sync::Arc;

use tauri::State;
use tauri::ipc::Channel;
use tauri_plugin_dialog::DialogExt;
use whisker_core::models::ModelInfo;
use whisker_core::{Cancel, Event, Models};

use super::blocking;
use crate::error::{CommandError, CommandResult};
use crate::state::{AppState, ChannelSink};

type AppStateRef<'a> = State<'a, Arc<AppState>>;

fn models(state: &AppState) -> Models {
    Models::open(&state.data_dir)
}

#[tauri::command]
pub fn models_list(state: AppStateRef<'_>) -> Vec<ModelInfo> {
    models(&state).list()
}

/// Re-hashes an installed model; false when a file does not match.
#[tauri::command]
pub async fn models_verify(state: AppStateRef<'_>, id: String) -> CommandResult<bool> {
    let state = Arc::clone(&state);
    blocking(move || {
        let reports = models(&state).verify(&[id], &whisker_core::Silent, &Cancel::new())?;
        Ok(reports.iter().all(|r| r.ok))
    })
    .await
}

#[tauri::command]
pub async fn models_fetch(
    state: AppStateRef<'_>,
    id: String,
    events: Channel<Event>,
) -> CommandResult<()> {
    let state = Arc::clone(&state);
    blocking(move || {
        models(&state).fetch(&[id], None, &ChannelSink(events), &Cancel::new())?;
        Ok(())
    })
    .await
}

/// Asks for a model file or folder and imports it (recognised by hash).
#[tauri::command]
pub async fn models_import(
    app: tauri::AppHandle,
    state: AppStateRef<'_>,
    events: Channel<Event>,
) -> CommandResult<Vec<String>> {
    let Some(picked) = app.dialog().file().blocking_pick_folder() else {
        return Ok(Vec::new());
    };
    let path: PathBuf = picked
        .into_path()
        .map_err(|e| CommandError::new("invalid", e.to_string()))?;
    let state = Arc::clone(&state);
    blocking(move || {
        let reports = models(&state).import(&path, None, &ChannelSink(events), &Cancel::new())?;
        Ok(reports.into_iter().map(|r| r.id).collect())
    })
    .await
}
