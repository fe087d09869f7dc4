//! What the end-to-end test sets up around the app: a home folder with
//! documents and a short-reply config, a recorder standing in for the
//! system's file opener, tauri-driver, xdotool, and the screenshot folder.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use super::webdriver::{Session, wait_for_driver};

pub const DRIVER_PORT: u16 = 4445;

/// The voice the test speaks with: "he was not an ill disposed young man" (3 s).
const VOICE_WAV: &str = "en_librivox_sense_and_sensibility_0880.wav";

pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace().join("target"), PathBuf::from)
}

pub fn app_binary() -> PathBuf {
    let app = target_dir().join("debug").join("whisker-app");
    assert!(
        app.exists(),
        "{} is missing: run `make app-build`",
        app.display()
    );
    app
}

/// The speech recordings of the evaluation kit, beside the clone.
fn voice_wav() -> PathBuf {
    let wav = workspace().join("../shared/eval/audio").join(VOICE_WAV);
    assert!(
        wav.exists(),
        "{} is missing: the evaluation kit must sit beside the clone (../shared/eval)",
        wav.display()
    );
    wav
}

/// The folders of one run, inside a temporary home.
pub struct Home {
    pub root: PathBuf,
    pub data: PathBuf,
    pub docs: PathBuf,
    /// Where the opener recorder writes what it was asked to open.
    pub opened: PathBuf,
    opener: PathBuf,
}

impl Home {
    /// A data folder with short, greedy replies, a documents folder with a
    /// few samples (English and Chinese), and the opener recorder.
    pub fn prepare(root: &Path) -> Home {
        let data = root.join("data");
        std::fs::create_dir_all(&data).expect("data folder");
        std::fs::write(
            data.join("config.toml"),
            "[generation]\nmax_tokens = 40\ntemperature = 0.0\n",
        )
        .expect("config");
        let docs = root.join("docs");
        std::fs::create_dir_all(&docs).expect("docs folder");
        let samples = workspace().join("samples");
        for name in [
            "meeting_notes.md",
            "hardware_budget_2026.xlsx",
            "whisker_product_review.pptx",
            "团队周报_第47周.docx",
        ] {
            std::fs::copy(samples.join(name), docs.join(name)).expect("copy sample");
        }
        let opened = root.join("opened.txt");
        let opener = root.join("opener.sh");
        let script = format!("#!/bin/sh\necho \"$@\" >> '{}'\n", opened.display());
        std::fs::write(&opener, script).expect("opener recorder");
        make_executable(&opener);
        Home {
            root: root.to_path_buf(),
            data,
            docs,
            opened,
            opener,
        }
    }

    /// tauri-driver, which starts the app (with this home's environment)
    /// for each WebDriver session.
    pub fn start_driver(&self) -> Driver {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "the app test needs a display: run it under `dbus-run-session -- xvfb-run -a` (as `make test` does)"
        );
        let child = Command::new("tauri-driver")
            .args([
                "--port",
                &DRIVER_PORT.to_string(),
                "--native-port",
                &(DRIVER_PORT + 1).to_string(),
            ])
            .env("WHISKER_DATA_DIR", &self.data)
            .env("WHISKER_MODELS_DIR", workspace().join("models"))
            .env("WHISKER_EXPORTS_DIR", self.root.join("exports"))
            .env("WHISKER_POPUP_KEEP", "1")
            .env("WHISKER_OPENER", &self.opener)
            .env("WHISKER_VOICE_INPUT", voice_wav())
            .env("HOME", &self.root)
            .env("LANG", "C.UTF-8")
            .env("LANGUAGE", "en")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tauri-driver on PATH (make tauri-driver)");
        let driver = Driver(child);
        wait_for_driver(&driver_url(), Duration::from_secs(30));
        driver
    }

    /// What the opener recorder was asked to open so far.
    pub fn opened(&self) -> String {
        std::fs::read_to_string(&self.opened).unwrap_or_default()
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

pub fn driver_url() -> String {
    format!("http://127.0.0.1:{DRIVER_PORT}")
}

/// Saves a PNG of the current window as target/test-artifacts/screenshots/`name`.png.
pub fn screenshot(session: &Session, name: &str) {
    let dir = target_dir().join("test-artifacts").join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    let png = session.screenshot();
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot");
}

/// Runs xdotool (synthetic keys and mouse buttons on the X server).
pub fn xdotool(args: &[&str]) {
    let status = Command::new("xdotool")
        .args(args)
        .status()
        .expect("xdotool (Debian package xdotool)");
    assert!(status.success(), "xdotool {args:?}");
}

/// Clicks the element `css` names once it exists. The views redraw their
/// buttons when anything changes, so the element is looked up and clicked
/// in one step in the page (a WebDriver element reference could go stale
/// between the two).
pub fn click(s: &Session, css: &str) {
    s.find(css);
    let clicked = s.execute(
        "const e = document.querySelector(arguments[0]); if (!e) return false; e.click(); return true",
        json!([css]),
    );
    assert_eq!(clicked, json!(true), "{css} is gone");
}

/// Reloads the current window and waits for the new page.
pub fn reload(s: &Session, css: &str) {
    s.execute(
        "window.beforeReload = true; location.reload(); return true",
        json!([]),
    );
    s.wait_until(
        "the page reloads",
        &format!("return !window.beforeReload && !!document.querySelector('{css}')"),
        Duration::from_secs(30),
    );
}

/// Sets a <select> the way a user's choice does (value, then `change`).
pub fn choose(s: &Session, css: &str, value: &str) {
    let script = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                  e.dispatchEvent(new Event('change')); return e.value";
    assert_eq!(
        s.execute(script, json!([css, value])),
        json!(value),
        "{css}"
    );
}

/// Whether the current window is shown (WebKit reports a hidden window's
/// page as hidden).
pub fn shown(s: &Session) -> bool {
    s.execute("return document.visibilityState", json!([])) == json!("visible")
}

/// Calls a Whisker command from the current window: `Ok(value)` or the
/// rejection as text.
pub fn invoke(s: &Session, command: &str, args: serde_json::Value) -> Result<String, String> {
    let script = "const done = arguments[arguments.length - 1]; \
        window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]) \
          .then(v => done({ok: JSON.stringify(v)}), e => done({err: JSON.stringify(e)}));";
    let reply = s.execute_async(script, json!([command, args]));
    match (reply["ok"].as_str(), reply["err"].as_str()) {
        (Some(ok), _) => Ok(ok.to_owned()),
        (_, Some(err)) => Err(err.to_owned()),
        _ => Err(format!("no reply: {reply}")),
    }
}
