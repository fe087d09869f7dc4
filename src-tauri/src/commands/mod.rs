//! The IPC commands. Each is `State` plus arguments, one whisker-core call,
//! and `?` into a `CommandError` (STYLE.md rule 2). Long calls run on the
//! blocking pool so the UI thread never waits.

pub mod assist;
pub mod library;
pub mod models;
pub mod settings;
pub mod system;
pub mod voice;
pub mod windows;

use crate::error::{CommandError, CommandResult};

/// Runs blocking core work off the async runtime.
pub async fn blocking<T, F>(work: F) -> CommandResult<T>
where
    F: FnOnce() -> CommandResult<T> + Send + 'static,
    T: Send + 'static,
{
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(CommandError::internal)?
}
