//! The desktop app end to end, in a real window: the built `whisker-app`
//! under Xvfb, driven by tauri-driver and WebKitWebDriver over WebDriver.
//!
//! Needs a display (`make test` runs the suite under `dbus-run-session --
//! xvfb-run -a`), `tauri-driver` on PATH (`cargo install tauri-driver`),
//! WebKitWebDriver (Debian `webkit2gtk-driver`), xdotool, and the app built
//! with its UI (`make app-build`). Screenshots of every screen are written
//! to target/app-screenshots/.

#[path = "app/flows.rs"]
mod flows;
#[path = "app/webdriver.rs"]
mod webdriver;
