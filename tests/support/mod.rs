//! Helpers for the end-to-end tests: run the `whisker` binary, parse its JSON.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `whisker` binary built by this workspace (`cargo build --workspace`).
pub fn whisker_bin() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    let bin = target.join(profile).join("whisker");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --workspace` first (make test does)",
        bin.display()
    );
    bin
}

/// `whisker --data-dir DATA ARGS... --json`, returning the output.
pub fn whisker(data: &Path, args: &[&str]) -> Output {
    Command::new(whisker_bin())
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .arg("--json")
        .output()
        .expect("run whisker")
}

/// Runs whisker and parses stdout as JSON, failing the test with stderr on a bad exit.
pub fn whisker_json(data: &Path, args: &[&str]) -> serde_json::Value {
    let out = whisker(data, args);
    assert!(
        out.status.success(),
        "whisker {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

/// The shared evaluation documents, beside the clone.
pub fn eval_docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/eval/docs")
}
