//! The global hotkey, through tauri-plugin-global-shortcut. A hotkey another
//! program holds cannot be registered: that is reported, never fatal.

use tauri::AppHandle;
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};

use crate::error::{CommandError, CommandResult};

/// The plugin, calling [`super::toggle`] when any registered hotkey goes down.
pub fn plugin() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(|app, _shortcut, event| {
            if event.state() == ShortcutState::Pressed {
                super::toggle(app);
            }
        })
        .build()
}

fn parse(hotkey: &str) -> CommandResult<Shortcut> {
    hotkey.parse::<Shortcut>().map_err(|e| {
        CommandError::new(
            "invalid",
            format!("'{hotkey}' is not a hotkey Whisker understands: {e}"),
        )
    })
}

pub fn register(app: &AppHandle, hotkey: &str) -> CommandResult<()> {
    let shortcut = parse(hotkey)?;
    app.global_shortcut().register(shortcut).map_err(|e| {
        CommandError::new(
            "hotkey",
            format!("{hotkey} could not be registered ({e}); another program may use it — pick another in Settings"),
        )
    })
}

/// Swaps the hotkey; the old one stays when the new one cannot be had.
pub fn replace(app: &AppHandle, old: &str, new: &str) -> CommandResult<()> {
    register(app, new)?;
    if let Ok(shortcut) = parse(old) {
        let _ = app.global_shortcut().unregister(shortcut);
    }
    Ok(())
}
