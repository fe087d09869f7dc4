//! Settings: read, and save (checked, written atomically, applied: the
//! hotkey is re-registered, the watched folders re-watched, and every
//! window hears the change).

use std::sync::Arc;

use tauri::{AppHandle, Emitter, State};
use whisker_core::settings::AppSettings;

use crate::error::CommandResult;
use crate::state::{AppState, lock};
use crate::triggers;

type AppStateRef<'a> = State<'a, Arc<AppState>>;

#[tauri::command]
pub fn settings_get(state: AppStateRef<'_>) -> AppSettings {
    state.settings()
}

#[tauri::command]
pub fn settings_set(
    app: AppHandle,
    state: AppStateRef<'_>,
    settings: AppSettings,
) -> CommandResult<AppSettings> {
    let previous = state.settings();
    if settings.hotkey != previous.hotkey {
        triggers::hotkey::replace(&app, &previous.hotkey, &settings.hotkey)?;
    }
    settings.save(&state.data_dir)?;
    *lock(&state.settings) = settings.clone();
    *lock(&state.buttons) = state.button_codes();
    if settings.watched != previous.watched {
        state.rewatch();
    }
    let _ = app.emit("settings", &settings);
    Ok(settings)
}
