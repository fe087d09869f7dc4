//! The text the user selected in another app, and giving text back: the X11
//! primary selection (what is highlighted) else the clipboard; copying; and
//! pasting with a synthetic Ctrl+V into whatever has focus.

use arboard::Clipboard;

/// The highlighted text (primary selection on Linux), else the clipboard.
pub fn selected_text() -> Option<String> {
    let mut clipboard = Clipboard::new().ok()?;
    #[cfg(target_os = "linux")]
    {
        use arboard::{GetExtLinux, LinuxClipboardKind};
        let primary = clipboard
            .get()
            .clipboard(LinuxClipboardKind::Primary)
            .text();
        if let Ok(text) = primary
            && !text.trim().is_empty()
        {
            return Some(text);
        }
    }
    clipboard.get_text().ok().filter(|t| !t.trim().is_empty())
}

pub fn copy(text: &str) -> Result<(), String> {
    let mut clipboard = Clipboard::new().map_err(|e| e.to_string())?;
    clipboard.set_text(text).map_err(|e| e.to_string())
}

/// Presses Ctrl+V in the focused window.
pub fn paste() -> Result<(), String> {
    use enigo::{Direction, Enigo, Key, Keyboard, Settings};
    // Give the window manager a moment to return focus after the popup hides.
    std::thread::sleep(std::time::Duration::from_millis(150));
    let mut enigo = Enigo::new(&Settings::default()).map_err(|e| e.to_string())?;
    let press =
        |enigo: &mut Enigo, key, direction| enigo.key(key, direction).map_err(|e| e.to_string());
    press(&mut enigo, Key::Control, Direction::Press)?;
    let typed = press(&mut enigo, Key::Unicode('v'), Direction::Click);
    press(&mut enigo, Key::Control, Direction::Release)?;
    typed
}
