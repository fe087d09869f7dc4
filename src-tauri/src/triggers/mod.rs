//! What opens Whisker from anywhere: the global hotkey and extra mouse
//! buttons. Both end in [`fire`], which maps an action to the popup.

pub mod buttons;
pub mod hotkey;

use tauri::{AppHandle, Manager};
use whisker_core::settings::ButtonAction;

use crate::commands::windows::{POPUP, PopupRequest, open_popup};

/// A trigger went down (`pressed`) or up.
pub fn fire(app: &AppHandle, action: ButtonAction, pressed: bool) {
    let request = match (action, pressed) {
        (ButtonAction::Talk, _) => PopupRequest {
            mode: "voice",
            hold: true,
            released: !pressed,
        },
        (_, false) | (ButtonAction::None, _) => return,
        (ButtonAction::Popup, true) => PopupRequest {
            mode: "ask",
            hold: false,
            released: false,
        },
        (ButtonAction::Rewrite, true) => PopupRequest {
            mode: "write",
            hold: false,
            released: false,
        },
        (ButtonAction::Slides, true) => PopupRequest {
            mode: "slides",
            hold: false,
            released: false,
        },
    };
    if let Err(e) = open_popup(app, request) {
        eprintln!("whisker: could not open the popup: {}", e.message);
    }
}

/// The hotkey toggles the popup: it hides it when it is in front.
pub fn toggle(app: &AppHandle) {
    let popup = app.get_webview_window(POPUP);
    let shown = popup
        .as_ref()
        .is_some_and(|w| w.is_visible().unwrap_or(false) && w.is_focused().unwrap_or(false));
    match popup {
        Some(popup) if shown => {
            let _ = popup.hide();
        }
        _ => fire(app, ButtonAction::Popup, true),
    }
}
