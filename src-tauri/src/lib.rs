//! Whisker's desktop app: the popup (Ask, Write, Slides, Voice) and the main
//! window (library, models, settings), a tray icon, the global hotkey and
//! extra mouse buttons.
//!
//! It is a thin face on `whisker_core`: every command in [`commands`] makes
//! one core call, and the UI (ui/, built to ui/dist) does only display. It
//! does not index, search or generate by itself, and it sends nothing over
//! the network except model downloads the user starts.

pub mod commands;
mod error;
mod opener;
mod selection;
mod state;
mod tray;
mod triggers;

use std::process::ExitCode;
use std::sync::Arc;

use tauri::{Manager, WindowEvent};

use crate::commands::windows::{MAIN, POPUP};
use crate::state::{AppState, lock};
use crate::triggers::buttons::{self, ButtonEvent};

pub use error::CommandError;

/// Starts the app; returns when it quits.
pub fn run() -> ExitCode {
    // GTK would panic with "Failed to initialize GTK": say what is missing.
    #[cfg(target_os = "linux")]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!(
            "whisker-app: no display (neither DISPLAY nor WAYLAND_DISPLAY is set): \
             start it from a desktop session; the `whisker` command works without one"
        );
        return ExitCode::from(2);
    }
    let data_dir = whisker_core::paths::data_dir(None);
    let state = match AppState::open(data_dir) {
        Ok(state) => Arc::new(state),
        Err(e) => {
            eprintln!("whisker-app: {e:#}");
            return ExitCode::from(2);
        }
    };
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            let _ = commands::windows::show_main(app.clone(), None);
        }))
        .plugin(tauri_plugin_dialog::init())
        .plugin(triggers::hotkey::plugin())
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::assist::ask,
            commands::assist::write,
            commands::assist::outline,
            commands::assist::cancel,
            commands::library::library_status,
            commands::library::library_documents,
            commands::library::library_add,
            commands::library::library_remove,
            commands::library::indexing,
            commands::library::set_paused,
            commands::models::models_list,
            commands::models::models_verify,
            commands::models::models_fetch,
            commands::models::models_import,
            commands::settings::settings_get,
            commands::settings::settings_set,
            commands::system::open_source,
            commands::system::open_path,
            commands::system::export_deck,
            commands::system::selection,
            commands::system::copy_text,
            commands::system::paste_back,
            commands::system::pick_paths,
            commands::voice::voice_start,
            commands::voice::voice_stop,
            commands::voice::voice_cancel,
            commands::windows::hide_popup,
            commands::windows::show_main,
        ])
        .setup(|app| {
            setup(app.handle());
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the main window keeps Whisker in the tray, behind the hotkey.
            if let WindowEvent::CloseRequested { api, .. } = event
                && window.label() == MAIN
            {
                api.prevent_close();
                let _ = window.hide();
            }
            // The popup goes away when the user clicks elsewhere.
            if let WindowEvent::Focused(false) = event
                && window.label() == POPUP
                && std::env::var_os("WHISKER_POPUP_KEEP").is_none()
            {
                let _ = window.hide();
            }
        })
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("whisker-app: {e}");
            ExitCode::from(2)
        }
    }
}

/// The popup, tray, hotkey and mouse buttons. None of them is essential:
/// each failure is reported and the app runs on.
fn setup(app: &tauri::AppHandle) {
    if let Err(e) = create_popup(app) {
        eprintln!("whisker-app: no popup window: {e}");
    }
    paint_in_software(app);
    if let Err(e) = tray::create(app) {
        eprintln!("whisker-app: no tray icon: {e}");
    }
    let state = app.state::<Arc<AppState>>();
    let settings = state.settings();
    if let Err(e) = triggers::hotkey::register(app, &settings.hotkey) {
        eprintln!("whisker-app: {}", e.message);
    }
    start_buttons(app, &state);
}

/// Paints the app's pages without GPU compositing (WebKit's hardware
/// acceleration policy "never"): our pages are text and a few controls, and
/// compositing through software GL (no GPU, or Xvfb) costs ~75 MB in the web
/// process at idle (bench/RESULTS.md, desktop app). `WHISKER_GPU=1` keeps
/// WebKit's default. Not under WebDriver (`TAURI_WEBVIEW_AUTOMATION`):
/// there, without compositing, WebKit's automation never returns a
/// screenshot of the settings page.
///
/// This is WebKit's settings API rather than `WEBKIT_DISABLE_DMABUF_RENDERER`,
/// which other Tauri apps set: from WebKitGTK 2.52 that variable leaves the
/// UI process without a backing store for composited pages, and it crashes.
fn paint_in_software(app: &tauri::AppHandle) {
    #[cfg(target_os = "linux")]
    {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if std::env::var_os("WHISKER_GPU").is_some_and(|v| v == "1")
            || std::env::var_os("TAURI_WEBVIEW_AUTOMATION").is_some()
        {
            return;
        }
        for window in app.webview_windows().values() {
            let done = window.with_webview(|view| {
                if let Some(settings) = view.inner().settings() {
                    settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                }
            });
            if let Err(e) = done {
                eprintln!("whisker-app: {}: {e}", window.label());
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}

/// Creates the popup from its entry in tauri.conf.json (`"create": false`
/// there). On Linux it shares the main window's web process: WebKitGTK
/// otherwise gives each window a process of its own (~70 MB more at idle,
/// bench/RESULTS.md). Not under WebDriver (tauri-driver sets
/// `TAURI_WEBVIEW_AUTOMATION`): WebKit cannot automate a related view, so
/// the end-to-end tests drive a popup with its own process.
fn create_popup(app: &tauri::AppHandle) -> tauri::Result<()> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == POPUP)
        .cloned()
        .ok_or_else(|| tauri::Error::WindowNotFound)?;
    #[cfg(target_os = "linux")]
    if let Some(main) = app
        .get_webview_window(MAIN)
        .filter(|_| std::env::var_os("TAURI_WEBVIEW_AUTOMATION").is_none())
    {
        let app = app.clone();
        // Runs at once: setup is on the main thread.
        return main.with_webview(move |view| {
            let related = tauri::WebviewWindowBuilder::from_config(&app, &config)
                .and_then(|b| b.with_related_view(view.inner()).build());
            if let Err(e) = related {
                eprintln!("whisker-app: popup beside the main window: {e}; opening it alone");
                if let Err(e) = build_alone(&app, &config) {
                    eprintln!("whisker-app: no popup window: {e}");
                }
            }
        });
    }
    build_alone(app, &config)
}

/// A window from its configuration, in a web process of its own.
fn build_alone(
    app: &tauri::AppHandle,
    config: &tauri::utils::config::WindowConfig,
) -> tauri::Result<()> {
    tauri::WebviewWindowBuilder::from_config(app, config)?.build()?;
    Ok(())
}

fn start_buttons(app: &tauri::AppHandle, state: &AppState) {
    let source = match buttons::system_source() {
        Ok(source) => source,
        Err(e) => {
            eprintln!("whisker-app: mouse buttons: {e}");
            return;
        }
    };
    let watched = Arc::clone(&state.buttons);
    *lock(&watched) = state.button_codes();
    let app = app.clone();
    let on_event = Box::new(move |event: ButtonEvent| {
        let state = app.state::<Arc<AppState>>();
        if let Some(action) = state.settings().buttons.get(&event.code.to_string()) {
            triggers::fire(&app, *action, event.pressed);
        }
    });
    let spawned = std::thread::Builder::new()
        .name("whisker-buttons".into())
        .spawn(move || {
            if let Err(e) = source.run(watched, on_event) {
                eprintln!("whisker-app: mouse buttons: {e}");
            }
        });
    if let Err(e) = spawned {
        eprintln!("whisker-app: mouse buttons: {e}");
    }
}
