//! Helpers for the end-to-end tests: run the `whisker` binary, parse its
//! JSON, wait for a condition, and clean up processes left running;
//! [`audio`] makes test recordings.

pub mod audio;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The `whisker` binary built by this workspace (`cargo build --workspace`).
pub fn whisker_bin() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let bin = target.join(profile).join("whisker");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --workspace` first (make test does)",
        bin.display()
    );
    bin
}

/// The default embedding model, which the vector tests use.
pub const EMBED_MODEL: &str = "all-minilm-l6-v2";

/// `whisker --data-dir DATA ARGS... --json`, not yet run, with vectors off:
/// tests about files, the store and words need no model (and embedding
/// 20,000 files would make them slow). Tests about vectors use
/// [`with_vectors`].
pub fn whisker_cmd(data: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(whisker_bin());
    cmd.arg("--data-dir").arg(data).args(args).arg("--json");
    without_vectors(&mut cmd);
    cmd
}

/// Turns vectors off for a command that runs `whisker` (directly or not).
pub fn without_vectors(cmd: &mut Command) -> &mut Command {
    cmd.env("WHISKER_EMBED_MODEL", "none")
}

/// Turns the default embedding model on; it must be installed (`make models`).
pub fn with_vectors(mut cmd: Command) -> Command {
    cmd.env("WHISKER_EMBED_MODEL", EMBED_MODEL);
    cmd
}

/// `whisker --data-dir DATA ARGS... --json`, returning the output.
pub fn whisker(data: &Path, args: &[&str]) -> Output {
    whisker_cmd(data, args).output().expect("run whisker")
}

/// Runs whisker and parses stdout as JSON, failing the test with stderr on a bad exit.
pub fn whisker_json(data: &Path, args: &[&str]) -> Value {
    let out = whisker(data, args);
    assert!(
        out.status.success(),
        "whisker {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_no_panic(&out);
    parse(&out)
}

/// Stdout as the one JSON document `--json` promises.
pub fn parse(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Bad input is an error message, never a crash.
pub fn assert_no_panic(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "whisker panicked:\n{stderr}");
}

/// `add PATHS...` with extra flags; the report, whatever the exit status.
pub fn add(data: &Path, paths: &[&Path], flags: &[&str]) -> (Value, Output) {
    let mut args = vec!["add"];
    args.extend(paths.iter().map(|p| p.to_str().expect("UTF-8 test path")));
    args.extend(flags);
    let out = whisker(data, &args);
    assert_no_panic(&out);
    (parse(&out), out)
}

/// `status --json`.
pub fn status(data: &Path) -> Value {
    whisker_json(data, &["status"])
}

/// The hits of `search QUERY -k K`.
pub fn search(data: &Path, query: &str, k: usize) -> Vec<Value> {
    let k = k.to_string();
    let found = whisker_json(data, &["search", query, "-k", &k]);
    found["hits"].as_array().expect("hits array").clone()
}

/// The paths of the hits for `query`.
pub fn hit_paths(data: &Path, query: &str, k: usize) -> Vec<String> {
    search(data, query, k)
        .iter()
        .map(|h| str_of(h, "path").to_string())
        .collect()
}

/// A count field of a JSON report.
pub fn num(value: &Value, key: &str) -> u64 {
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key:?} is not a count in {value:#}"))
}

/// A string field of a JSON object.
pub fn str_of<'v>(value: &'v Value, key: &str) -> &'v str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key:?} is not a string in {value:#}"))
}

/// `failures` of an add report as (file name, reason).
pub fn failures(report: &Value) -> Vec<(String, String)> {
    report["failures"]
        .as_array()
        .expect("failures array")
        .iter()
        .map(|f| {
            (
                file_name(str_of(f, "path")),
                str_of(f, "reason").to_string(),
            )
        })
        .collect()
}

/// The last component of a path as reported by whisker.
pub fn file_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_string()
}

/// Asserts that no two hits share a chunk id.
pub fn assert_unique_chunks(hits: &[Value]) {
    let mut seen = HashSet::new();
    for hit in hits {
        let id = hit["chunk_id"].as_u64().expect("chunk_id");
        assert!(seen.insert(id), "chunk {id} returned twice: {hit:#}");
    }
}

/// Polls `done` every 100 ms until it holds. The timeout only guards
/// against a hang; it is generous on purpose and never a speed assertion.
pub fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < timeout,
            "gave up after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A spawned process that is killed (SIGKILL) and reaped when dropped, so
/// a failing test leaves nothing running.
#[derive(Debug)]
pub struct Running(pub Child);

impl Running {
    /// Whether the process has not exited yet.
    pub fn is_running(&mut self) -> bool {
        matches!(self.0.try_wait(), Ok(None))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The shared evaluation documents beside the clone (`WHISKER_EVAL_DOCS`
/// overrides). CI has them; a missing folder fails with how to get it.
pub fn eval_docs() -> PathBuf {
    let dir = std::env::var_os("WHISKER_EVAL_DOCS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/eval/docs"));
    assert!(
        dir.is_dir(),
        "evaluation documents not found at {}: check out `shared/eval` beside the \
         repository or set WHISKER_EVAL_DOCS to its docs folder",
        dir.display()
    );
    dir
}
