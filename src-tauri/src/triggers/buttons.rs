//! Extra mouse buttons (back, forward, side buttons, any code) as triggers.
//!
//! A [`ButtonSource`] reports presses and releases of the buttons it is told
//! to watch. On Linux the X11 source grabs those buttons on the root window,
//! so pressing one does not also make the browser go back. Wayland gives no
//! global button access; an evdev source (reading /dev/input, which needs
//! the `input` group) or Windows/macOS hooks can be added behind the trait.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// A mouse button went down or up; `code` in X11 numbering (8 back, 9 forward).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ButtonEvent {
    pub code: u8,
    pub pressed: bool,
}

/// The buttons to watch, shared with the source so settings can change them.
pub type Watched = Arc<Mutex<BTreeSet<u8>>>;

pub trait ButtonSource: Send {
    /// Runs until the program ends, calling `on_event` for watched buttons.
    fn run(
        self: Box<Self>,
        watched: Watched,
        on_event: Box<dyn FnMut(ButtonEvent) + Send>,
    ) -> Result<(), String>;
}

/// The source for this desktop, when there is one.
pub fn system_source() -> Result<Box<dyn ButtonSource>, String> {
    #[cfg(target_os = "linux")]
    {
        if std::env::var_os("DISPLAY").is_none() {
            return Err(
                "no X11 display (on Wayland, mouse buttons cannot be watched system-wide)".into(),
            );
        }
        Ok(Box::new(x11::X11Buttons))
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err("mouse-button triggers are not available on this system yet".into())
    }
}

#[cfg(target_os = "linux")]
mod x11 {
    use std::collections::BTreeSet;
    use std::time::Duration;

    use x11rb::connection::Connection;
    use x11rb::protocol::Event;
    use x11rb::protocol::xproto::{ButtonIndex, ConnectionExt, EventMask, GrabMode, ModMask};

    use super::{ButtonEvent, ButtonSource, Watched};
    use crate::state::lock;

    pub struct X11Buttons;

    impl ButtonSource for X11Buttons {
        fn run(
            self: Box<Self>,
            watched: Watched,
            mut on_event: Box<dyn FnMut(ButtonEvent) + Send>,
        ) -> Result<(), String> {
            let (conn, screen) =
                x11rb::connect(None).map_err(|e| format!("cannot reach the X server: {e}"))?;
            let root = conn.setup().roots[screen].root;
            let mut grabbed = BTreeSet::new();
            loop {
                let wanted = lock(&watched).clone();
                if wanted != grabbed {
                    regrab(&conn, root, &grabbed, &wanted)?;
                    grabbed = wanted;
                }
                while let Some(event) = conn.poll_for_event().map_err(|e| e.to_string())? {
                    match event {
                        Event::ButtonPress(e) => on_event(ButtonEvent {
                            code: e.detail,
                            pressed: true,
                        }),
                        Event::ButtonRelease(e) => on_event(ButtonEvent {
                            code: e.detail,
                            pressed: false,
                        }),
                        _ => {}
                    }
                }
                std::thread::sleep(Duration::from_millis(8));
            }
        }
    }

    fn regrab(
        conn: &impl Connection,
        root: u32,
        old: &BTreeSet<u8>,
        new: &BTreeSet<u8>,
    ) -> Result<(), String> {
        for &code in old.difference(new) {
            conn.ungrab_button(ButtonIndex::from(code), root, ModMask::ANY)
                .map_err(|e| e.to_string())?;
        }
        for &code in new.difference(old) {
            let mask = EventMask::BUTTON_PRESS | EventMask::BUTTON_RELEASE;
            conn.grab_button(
                false,
                root,
                mask,
                GrabMode::ASYNC,
                GrabMode::ASYNC,
                0u32,
                0u32,
                ButtonIndex::from(code),
                ModMask::ANY,
            )
            .map_err(|e| e.to_string())?
            .check()
            .map_err(|e| format!("mouse button {code} is taken by another program: {e}"))?;
        }
        conn.flush().map_err(|e| e.to_string())
    }
}
