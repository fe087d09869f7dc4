//! Regression tests, each named after what broke.

use std::fs;
use std::process::Stdio;
use std::time::Duration;

use whisker_e2e::{Running, hit_paths, num, parse, wait_until, whisker_cmd};

/// `--data-dir kb` (relative) with `add .` from the folder that holds it:
/// the walk compared absolute paths with the relative data folder, so the
/// store's own `meta.json` was indexed, and re-indexed after every commit.
#[test]
fn relative_data_dir_inside_the_added_folder_is_not_indexed() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("note.md"), "# Note\n\nA lyrebirdnote.\n").unwrap();
    let add = || {
        let out = whisker_cmd("kb".as_ref(), &["add", "."])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        parse(&out)
    };
    let first = add();
    assert_eq!(num(&first, "files"), 1, "{first:#}");
    let again = add();
    assert_eq!(num(&again, "unchanged"), 1, "{again:#}");
    assert_eq!(num(&again, "indexed"), 0, "{again:#}");
    let data = dir.path().join("kb");
    assert_eq!(hit_paths(&data, "opstamp", 5), Vec::<String>::new());
}

/// `watch` re-synced every half second with nothing changing: each sync
/// opens the folder and files, inotify reports the opens, and the watcher
/// took them for changes. Nothing changes here after the first sync, so
/// in a few debounce periods there must be no second one.
#[test]
fn watch_does_not_resync_on_its_own_reads() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("note.md"), "# Note\n\nA kakapoquiet.\n").unwrap();
    let log = logs.path().join("syncs.jsonl");
    let mut cmd = whisker_cmd(data.path(), &["watch", dir.path().to_str().unwrap()]);
    cmd.stdout(fs::File::create(&log).unwrap())
        .stderr(Stdio::null());
    let mut watcher = Running(cmd.spawn().unwrap());
    let syncs = || fs::read_to_string(&log).unwrap().lines().count();
    wait_until("the first sync", Duration::from_secs(60), || syncs() >= 1);
    // Quiet time, not a speed assertion: six debounce periods of 500 ms.
    std::thread::sleep(Duration::from_secs(3));
    assert!(watcher.is_running(), "the watcher exited");
    let lines = fs::read_to_string(&log).unwrap();
    assert_eq!(syncs(), 1, "syncs with nothing changed:\n{lines}");
    assert_eq!(hit_paths(data.path(), "kakapoquiet", 5).len(), 1);
}
