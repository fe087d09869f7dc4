//! One app, started once (it is a single instance), walked through what a
//! user does: add documents, watch indexing finish, ask and open a
//! citation, switch modes, change settings, open the popup from the hotkey
//! and from a mouse button.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use super::webdriver::Session;

const DRIVER_PORT: u16 = 4445;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

fn app_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace().join("target"), PathBuf::from);
    let app = target.join("debug").join("whisker-app");
    assert!(
        app.exists(),
        "{} is missing: run `make app-build`",
        app.display()
    );
    app
}

fn start_driver(home: &Path, data: &Path) -> Driver {
    let child = Command::new("tauri-driver")
        .args([
            "--port",
            &DRIVER_PORT.to_string(),
            "--native-port",
            &(DRIVER_PORT + 1).to_string(),
        ])
        .env("WHISKER_DATA_DIR", data)
        .env("WHISKER_MODELS_DIR", workspace().join("models"))
        .env("WHISKER_EXPORTS_DIR", home.join("exports"))
        .env("WHISKER_POPUP_KEEP", "1")
        .env("HOME", home)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tauri-driver on PATH (cargo install tauri-driver --locked)");
    std::thread::sleep(Duration::from_secs(2));
    Driver(child)
}

fn screenshot(session: &Session, name: &str) {
    let dir = workspace().join("target").join("app-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    std::fs::write(dir.join(format!("{name}.png")), session.screenshot()).expect("screenshot");
}

fn xdotool(args: &[&str]) {
    let status = Command::new("xdotool")
        .args(args)
        .status()
        .expect("xdotool");
    assert!(status.success(), "xdotool {args:?}");
}

fn eval_docs() -> PathBuf {
    workspace()
        .join("..")
        .join("shared")
        .join("eval")
        .join("docs")
}

#[test]
fn the_app_end_to_end() {
    let home = tempfile::tempdir().expect("home");
    let data = home.path().join("data");
    let _driver = start_driver(home.path(), &data);
    let app = app_binary();
    let s = Session::start(
        &format!("http://127.0.0.1:{DRIVER_PORT}"),
        &app.to_string_lossy(),
    );

    // The main window, empty.
    s.switch_to("index.html");
    s.find("#page-library");
    screenshot(&s, "main-library-empty");

    // Add the eval documents; indexing finishes and lists them.
    let docs = eval_docs();
    let add = format!(
        "return window.__TAURI_INTERNALS__.invoke('library_add', {{paths: [{:?}]}}).then(() => true)",
        docs.to_string_lossy()
    );
    s.execute(&add, json!([]));
    s.wait_until(
        "indexing finished",
        "return document.querySelectorAll('.doc').length >= 5 && !!document.getElementById('index-idle')",
        Duration::from_secs(600),
    );
    screenshot(&s, "main-library");
}
