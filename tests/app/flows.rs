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

/// A data folder with short, greedy replies and a documents folder with a
/// few samples (English and Chinese).
fn prepare(home: &Path) -> (PathBuf, PathBuf) {
    let data = home.join("data");
    std::fs::create_dir_all(&data).expect("data folder");
    std::fs::write(
        data.join("config.toml"),
        "[generation]\nmax_tokens = 40\ntemperature = 0.0\n",
    )
    .expect("config");
    let docs = home.join("docs");
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
    (data, docs)
}

fn click(s: &Session, css: &str) {
    let element = s.find(css);
    s.click(&element);
}

/// Sets a <select> the way a user's choice does (value, then `change`).
fn choose(s: &Session, css: &str, value: &str) {
    let script = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                  e.dispatchEvent(new Event('change')); return true";
    s.execute(script, json!([css, value]));
}

fn visible(s: &Session) -> bool {
    s.execute(
        "return document.visibilityState === 'visible' && document.hasFocus()",
        json!([]),
    ) == json!(true)
}

#[test]
fn the_app_end_to_end() {
    let home = tempfile::tempdir().expect("home");
    let (data, docs) = prepare(home.path());
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

    // Add the documents through the folder picker (GTK's dialog, typed into).
    click(&s, "#choose-folder");
    std::thread::sleep(Duration::from_secs(2));
    xdotool(&["key", "--clearmodifiers", "ctrl+l"]);
    xdotool(&["type", "--delay", "20", &format!("{}/", docs.display())]);
    std::thread::sleep(Duration::from_millis(500));
    xdotool(&["key", "Return"]);
    std::thread::sleep(Duration::from_millis(800));
    xdotool(&["key", "Return"]);
    s.wait_until(
        "the documents are indexed and listed",
        "return document.querySelectorAll('.doc:not(.failed)').length >= 3 && !!document.getElementById('index-idle')",
        Duration::from_secs(600),
    );
    let watched = s.text(&s.find("#watched"));
    assert!(
        watched.contains(
            &docs
                .file_name()
                .expect("name")
                .to_string_lossy()
                .to_string()
        ),
        "{watched}"
    );
    screenshot(&s, "main-library");

    click(&s, "#nav-models");
    s.find("#models .model");
    screenshot(&s, "main-models");
    click(&s, "#nav-settings");
    s.find("#setting-theme");
    screenshot(&s, "main-settings");

    // The popup from the hotkey (a synthetic key press on the X server).
    xdotool(&["key", "--clearmodifiers", "ctrl+alt+space"]);
    s.switch_to("popup.html");
    s.wait_until(
        "the popup shows",
        "return document.visibilityState === 'visible'",
        Duration::from_secs(10),
    );
    assert!(
        visible(&s) || s.execute("return document.visibilityState", json!([])) == json!("visible")
    );

    // Ask: a streamed, cited answer; a source opens and shows its passage.
    let input = s.find("#ask-input");
    s.type_text(
        &input,
        "What does holding the spare thumb button on the mouse do?\n",
    );
    s.wait_until(
        "an answer with sources",
        "return !!document.querySelector('.exchange .sources .source') && document.getElementById('ask-stop').hidden",
        Duration::from_secs(300),
    );
    let answer = s.text(&s.find(".exchange .answer"));
    assert!(!answer.trim().is_empty());
    let sources = s.text(&s.find(".exchange .sources"));
    assert!(sources.contains("meeting_notes.md"), "{sources}");
    screenshot(&s, "popup-ask");
    click(&s, ".exchange .sources .source");
    let passage = s.text(&s.find(".exchange .passage"));
    assert!(passage.len() > 20, "{passage}");
    screenshot(&s, "popup-ask-passage");

    // The other modes.
    for mode in ["write", "slides", "voice"] {
        click(&s, &format!("#tab-{mode}"));
        s.find(&format!("#mode-{mode}"));
        screenshot(&s, &format!("popup-{mode}"));
    }

    // Dark theme and Chinese, from Settings, reach the popup too.
    s.switch_to("index.html");
    choose(&s, "#setting-theme", "dark");
    choose(&s, "#setting-language", "zh");
    s.wait_until(
        "the UI is in Chinese",
        "return document.getElementById('nav-settings').textContent === '设置'",
        Duration::from_secs(10),
    );
    screenshot(&s, "main-settings-dark-zh");
    click(&s, "#nav-library");
    s.find(".doc");
    screenshot(&s, "main-library-dark-zh");
    s.switch_to("popup.html");
    s.wait_until(
        "the popup is in Chinese",
        "return document.getElementById('tab-ask').textContent === '问答'",
        Duration::from_secs(10),
    );
    for mode in ["ask", "write", "slides", "voice"] {
        click(&s, &format!("#tab-{mode}"));
        s.find(&format!("#mode-{mode}"));
        screenshot(&s, &format!("popup-{mode}-dark-zh"));
    }

    // Esc hides the popup; the forward mouse button (9, "open popup" by default) brings it back.
    let body = s.find("body");
    s.type_text(&body, "\u{E00C}");
    s.wait_until(
        "Esc hides the popup",
        "return document.visibilityState === 'hidden'",
        Duration::from_secs(10),
    );
    xdotool(&["click", "9"]);
    s.wait_until(
        "button 9 shows the popup",
        "return document.visibilityState === 'visible'",
        Duration::from_secs(10),
    );
}
