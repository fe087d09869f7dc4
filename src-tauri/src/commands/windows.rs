//! Showing and hiding the two windows.

use tauri::{AppHandle, Emitter, Manager, WebviewWindow};

use crate::error::{CommandError, CommandResult};

pub const POPUP: &str = "popup";
pub const MAIN: &str = "main";

fn window(app: &AppHandle, label: &str) -> CommandResult<WebviewWindow> {
    app.get_webview_window(label)
        .ok_or_else(|| CommandError::internal(format!("the {label} window is gone")))
}

#[tauri::command]
pub fn hide_popup(app: AppHandle) -> CommandResult<()> {
    window(&app, POPUP)?.hide().map_err(CommandError::internal)
}

#[tauri::command]
pub fn show_main(app: AppHandle, section: Option<String>) -> CommandResult<()> {
    let main = window(&app, MAIN)?;
    main.show().map_err(CommandError::internal)?;
    main.set_focus().map_err(CommandError::internal)?;
    if let Some(section) = section {
        let _ = main.emit("section", section);
    }
    Ok(())
}

/// What the popup should do when it appears (see ui/src/api/backend.ts).
#[derive(Debug, Clone, serde::Serialize)]
pub struct PopupRequest {
    pub mode: &'static str,
    pub hold: bool,
    pub released: bool,
}

/// Shows the popup near the pointer, focused, in `mode`.
pub fn open_popup(app: &AppHandle, request: PopupRequest) -> CommandResult<()> {
    let popup = window(app, POPUP)?;
    if !request.released {
        place_near_pointer(app, &popup);
        popup.show().map_err(CommandError::internal)?;
        popup.set_focus().map_err(CommandError::internal)?;
    }
    popup.emit("popup", request).map_err(CommandError::internal)
}

/// Below and right of the pointer, kept inside the monitor it is on.
fn place_near_pointer(app: &AppHandle, popup: &WebviewWindow) {
    let (Ok(pointer), Ok(size)) = (app.cursor_position(), popup.outer_size()) else {
        return;
    };
    let monitor = app.monitor_from_point(pointer.x, pointer.y).ok().flatten();
    let (mut x, mut y) = (pointer.x + 12.0, pointer.y + 12.0);
    if let Some(m) = monitor {
        let (origin, area) = (m.position(), m.size());
        let right = f64::from(origin.x) + f64::from(area.width);
        let bottom = f64::from(origin.y) + f64::from(area.height);
        x = x
            .min(right - f64::from(size.width))
            .max(f64::from(origin.x));
        y = y
            .min(bottom - f64::from(size.height))
            .max(f64::from(origin.y));
    }
    let _ = popup.set_position(tauri::PhysicalPosition::new(x, y));
}
