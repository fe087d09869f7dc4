//! The library: status, documents, adding (queued to the background
//! indexer, folders also watched), removing, pause/resume.

use std::path::PathBuf;
use std::sync::Arc;

use tauri::State;
use whisker_core::{Document, IndexProgress, Status};

use super::blocking;
use crate::error::CommandResult;
use crate::state::{AppState, lock};

type AppStateRef<'a> = State<'a, Arc<AppState>>;

#[tauri::command]
pub async fn library_status(state: AppStateRef<'_>) -> CommandResult<Status> {
    let state = Arc::clone(&state);
    blocking(move || Ok(state.assistant.library().status()?)).await
}

#[tauri::command]
pub async fn library_documents(state: AppStateRef<'_>) -> CommandResult<Vec<Document>> {
    let state = Arc::clone(&state);
    blocking(move || Ok(state.assistant.library().documents()?)).await
}

/// Queues `paths` for indexing; folders are remembered and watched.
#[tauri::command]
pub fn library_add(state: AppStateRef<'_>, paths: Vec<PathBuf>) -> CommandResult<()> {
    // The settings lock is let go before re-watching, which takes it again.
    let watch_more = {
        let mut settings = lock(&state.settings);
        let mut new_folders: Vec<PathBuf> = paths
            .iter()
            .filter(|p| p.is_dir() && !settings.watched.contains(p))
            .cloned()
            .collect();
        new_folders.sort();
        new_folders.dedup();
        if !new_folders.is_empty() {
            let mut next = settings.clone();
            next.watched.extend(new_folders);
            next.save(&state.data_dir)?;
            *settings = next;
            true
        } else {
            false
        }
    };
    if watch_more {
        state.rewatch();
    }
    state.indexer.add(paths);
    Ok(())
}

#[tauri::command]
pub async fn library_remove(state: AppStateRef<'_>, path: PathBuf) -> CommandResult<()> {
    let state = Arc::clone(&state);
    blocking(move || {
        state.assistant.library().remove(&[path])?;
        Ok(())
    })
    .await
}

#[tauri::command]
pub fn indexing(state: AppStateRef<'_>) -> IndexProgress {
    state.indexer.progress()
}

#[tauri::command]
pub fn set_paused(state: AppStateRef<'_>, paused: bool) {
    if paused {
        state.indexer.pause();
    } else {
        state.indexer.resume();
    }
}
