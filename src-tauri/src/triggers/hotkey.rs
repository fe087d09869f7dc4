//! The global hotkey, through tauri-plugin-global-shortcut. A press toggles
//! the popup; holding it talks (the popup listens in Voice mode until the
//! hotkey is released). A hotkey another program holds cannot be
//! registered: that is reported, never fatal.

use std::sync::Mutex;
use std::time::Duration;

use tauri::AppHandle;
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};
use whisker_core::settings::ButtonAction;

use crate::error::{CommandError, CommandResult};
use crate::state::lock;

/// Held this long, the hotkey is a talk button.
const HOLD: Duration = Duration::from_millis(400);

/// The hotkey's state: which press it is, whether it is down, whether that
/// press turned into talking.
#[derive(Debug)]
struct Held {
    press: u64,
    down: bool,
    talking: bool,
}

static HELD: Mutex<Held> = Mutex::new(Held {
    press: 0,
    down: false,
    talking: false,
});

/// The plugin: a press toggles the popup ([`super::toggle`]), a hold talks.
pub fn plugin() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(|app, _shortcut, event| match event.state() {
            ShortcutState::Pressed => pressed(app),
            ShortcutState::Released => released(app),
        })
        .build()
}

fn pressed(app: &AppHandle) {
    let press = {
        let mut held = lock(&HELD);
        held.press += 1;
        held.down = true;
        held.press
    };
    super::toggle(app);
    let app = app.clone();
    let spawned = std::thread::Builder::new()
        .name("whisker-hotkey-hold".into())
        .spawn(move || {
            std::thread::sleep(HOLD);
            let talk = {
                let mut held = lock(&HELD);
                held.talking = held.down && held.press == press;
                held.talking
            };
            if talk {
                super::fire(&app, ButtonAction::Talk, true);
            }
        });
    if let Err(e) = spawned {
        eprintln!("whisker-app: hotkey hold: {e}");
    }
}

fn released(app: &AppHandle) {
    let was_talking = {
        let mut held = lock(&HELD);
        held.down = false;
        std::mem::take(&mut held.talking)
    };
    if was_talking {
        super::fire(app, ButtonAction::Talk, false);
    }
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
