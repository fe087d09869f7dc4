//! Tauri's build step, with an app manifest: each of Whisker's commands gets
//! an `allow-<command>` permission, and a command no capability in
//! capabilities/ allows cannot be called from a window at all.

/// Every command in `tauri::generate_handler!` (src/lib.rs).
const COMMANDS: &[&str] = &[
    // The popup.
    "ask",
    "write",
    "outline",
    "cancel",
    "export_deck",
    "open_source",
    "open_path",
    "selection",
    "copy_text",
    "paste_back",
    "voice_start",
    "voice_stop",
    "voice_cancel",
    "hide_popup",
    // The main window.
    "library_status",
    "library_documents",
    "library_add",
    "library_remove",
    "indexing",
    "set_paused",
    "pick_paths",
    "models_list",
    "models_verify",
    "models_fetch",
    "models_import",
    "settings_set",
    // Both.
    "settings_get",
    "show_main",
];

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    let attributes = tauri_build::Attributes::new().app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build: {e:#}");
        std::process::exit(1);
    }
}
