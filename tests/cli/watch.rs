//! `watch`: after the first sync, new, renamed and deleted files show up in
//! search while it runs. `search` and `status` read the store from other
//! processes while the watcher writes between syncs.

use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use whisker_e2e::{Running, parse, whisker, whisker_cmd};

/// A hang guard, not a speed assertion: events are debounced and synced
/// within a second or two; this only stops a broken watcher from hanging CI.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The paths (file names) of hits for `word`, or `None` if search failed.
fn found(data: &Path, word: &str) -> Option<Vec<String>> {
    let out = whisker(data, &["search", word, "-k", "5"]);
    if !out.status.success() {
        eprintln!(
            "search during watch: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let hits = parse(&out)["hits"].as_array()?.clone();
    Some(
        hits.iter()
            .filter_map(|h| h["path"].as_str())
            .map(whisker_e2e::file_name)
            .collect(),
    )
}

/// Polls search for `word` until its hits are exactly `files`.
fn wait_for(data: &Path, watcher: &mut Running, word: &str, files: &[&str]) {
    let start = Instant::now();
    let mut last = None;
    loop {
        assert!(watcher.is_running(), "the watcher exited");
        let now = found(data, word);
        if now.as_deref().is_some_and(|f| f == files) {
            return;
        }
        last = now.or(last);
        assert!(
            start.elapsed() < TIMEOUT,
            "{word}: want hits in {files:?}, still {last:?} after {TIMEOUT:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn watch_follows_new_renamed_and_deleted_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let (dir, data) = (dir.path(), data.path());
    fs::write(
        dir.join("first.md"),
        "# First\n\nAn echidnafirst was here.\n",
    )
    .unwrap();

    let dir_arg = dir.to_str().unwrap();
    let mut cmd = whisker_cmd(data, &["watch", dir_arg]);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    let mut watcher = Running(cmd.spawn().expect("spawn whisker watch"));
    wait_for(data, &mut watcher, "echidnafirst", &["first.md"]);

    fs::write(dir.join("second.md"), "# Second\n\nA kiwisecond arrived.\n").unwrap();
    wait_for(data, &mut watcher, "kiwisecond", &["second.md"]);

    fs::rename(dir.join("second.md"), dir.join("renamed.md")).unwrap();
    wait_for(data, &mut watcher, "kiwisecond", &["renamed.md"]);

    fs::remove_file(dir.join("renamed.md")).unwrap();
    wait_for(data, &mut watcher, "kiwisecond", &[]);
    wait_for(data, &mut watcher, "echidnafirst", &["first.md"]);
}
