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
    app.emit_to(POPUP, "popup", request)
        .map_err(CommandError::internal)
}

/// Beside the pointer (below-right, else above or left when it would not
/// fit), inside the monitor the pointer is on.
fn place_near_pointer(app: &AppHandle, popup: &WebviewWindow) {
    let (Ok(pointer), Ok(size)) = (app.cursor_position(), popup.outer_size()) else {
        return;
    };
    let monitor = app
        .monitor_from_point(pointer.x, pointer.y)
        .ok()
        .flatten()
        .or_else(|| app.primary_monitor().ok().flatten());
    let (w, h) = (f64::from(size.width), f64::from(size.height));
    let (mut x, mut y) = (pointer.x + 12.0, pointer.y + 12.0);
    if let Some(m) = monitor {
        let (left, top) = (f64::from(m.position().x), f64::from(m.position().y));
        let right = left + f64::from(m.size().width);
        let bottom = top + f64::from(m.size().height);
        if x + w > right {
            x = pointer.x - 12.0 - w;
        }
        if y + h > bottom {
            y = pointer.y - 12.0 - h;
        }
        x = x.clamp(left, (right - w).max(left));
        y = y.clamp(top, (bottom - h).max(top));
    }
    let _ = popup.set_position(tauri::PhysicalPosition::new(x, y));
}
