//! The tray icon and its menu: open, pause/resume indexing, quit.

use std::sync::Arc;

use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};

use crate::state::AppState;
use crate::triggers;

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Whisker", true, None::<&str>)?;
    let ask = MenuItem::with_id(app, "ask", "Ask…", true, None::<&str>)?;
    let pause = MenuItem::with_id(app, "pause", "Pause or resume indexing", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &ask, &pause, &quit])?;
    let mut tray = TrayIconBuilder::with_id("whisker")
        .tooltip("Whisker")
        .menu(&menu);
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .build(app)?;
    Ok(())
}

fn on_menu(app: &AppHandle, id: &str) {
    match id {
        "open" => {
            if let Some(main) = app.get_webview_window("main") {
                let _ = main.show();
                let _ = main.set_focus();
            }
        }
        "ask" => triggers::fire(app, whisker_core::settings::ButtonAction::Popup, true),
        "pause" => {
            let state = app.state::<Arc<AppState>>();
            if state.indexer.progress().paused {
                state.indexer.resume();
            } else {
                state.indexer.pause();
            }
        }
        "quit" => app.exit(0),
        _ => {}
    }
}
