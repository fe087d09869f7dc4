//! The desktop app end to end, in a real window: the built `whisker-app`
//! under Xvfb, driven by tauri-driver and WebKitWebDriver over WebDriver,
//! with the real core and the default models (`make models`).
//!
//! Needs a display and a session bus (`make test` runs the suite under
//! `dbus-run-session -- xvfb-run -a`), `tauri-driver` on PATH (`make
//! tauri-driver`), WebKitWebDriver (Debian `webkit2gtk-driver`), xdotool, the
//! app built with its UI (`make app-build`) and the evaluation kit's speech
//! recordings in ../shared/eval/audio. Screenshots of every screen are
//! written to target/test-artifacts/screenshots/.

#[path = "app/flows.rs"]
mod flows;
#[path = "app/harness.rs"]
mod harness;
#[path = "app/webdriver.rs"]
mod webdriver;
