//! `add` is incremental: changed files are re-read, touched ones are not,
//! deleted ones leave, renamed ones keep their chunks under the new path,
//! and `remove` drops a file from the library without touching the disk.

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use whisker_e2e::{add, hit_paths, num, status, whisker_json};

/// Each file carries one word found nowhere else.
const FILES: [(&str, &str); 5] = [
    ("alpha.md", "quokkaold"),
    ("beta.md", "wombatbeta"),
    ("gamma.txt", "numbatgamma"),
    ("delta.txt", "dingodelta"),
    ("epsilon.md", "bilbyepsilon"),
];

fn note(word: &str) -> String {
    format!("# Field notes\n\nToday the survey recorded a {word} near the creek.\n")
}

/// `add DIR`, asserting it succeeded without failures.
fn sync(data: &Path, dir: &Path) -> Value {
    let (report, out) = add(data, &[dir], &["--strict"]);
    assert!(out.status.success(), "add failed: {report:#}");
    report
}

/// Asserts the report's counts; keys not named must be 0.
fn assert_counts(report: &Value, expected: &[(&str, u64)]) {
    for key in ["indexed", "unchanged", "moved", "removed", "failed"] {
        let want = expected
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(0, |(_, n)| *n);
        assert_eq!(num(report, key), want, "{key} in {report:#}");
    }
}

fn found_in(data: &Path, word: &str) -> Vec<String> {
    hit_paths(data, word, 5)
}

#[test]
fn add_reindexes_changed_skips_touched_drops_deleted_and_follows_renames() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let (dir, data) = (dir.path(), data.path());
    for (name, word) in FILES {
        fs::write(dir.join(name), note(word)).unwrap();
    }
    assert_counts(&sync(data, dir), &[("indexed", 5)]);

    // A content change is re-read: the old word is gone, the new one found.
    fs::write(
        dir.join("alpha.md"),
        note("quokkanew and a longer tail of text"),
    )
    .unwrap();
    assert_counts(&sync(data, dir), &[("indexed", 1), ("unchanged", 4)]);
    assert_eq!(found_in(data, "quokkaold"), Vec::<String>::new());
    assert_only(&found_in(data, "quokkanew"), "alpha.md");

    // A new mtime with the same content is not a change.
    let past = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let beta = fs::File::options()
        .write(true)
        .open(dir.join("beta.md"))
        .unwrap();
    beta.set_modified(past).unwrap();
    drop(beta);
    assert_counts(&sync(data, dir), &[("unchanged", 5)]);
    assert_only(&found_in(data, "wombatbeta"), "beta.md");

    // A deleted file leaves the library.
    fs::remove_file(dir.join("gamma.txt")).unwrap();
    assert_counts(&sync(data, dir), &[("removed", 1), ("unchanged", 4)]);
    assert_eq!(found_in(data, "numbatgamma"), Vec::<String>::new());
    let before_move = status(data);
    assert_eq!(num(&before_move, "documents"), 4);

    // A renamed file keeps its chunks under the new path.
    fs::rename(dir.join("delta.txt"), dir.join("delta-renamed.txt")).unwrap();
    assert_counts(&sync(data, dir), &[("moved", 1), ("unchanged", 3)]);
    assert_only(&found_in(data, "dingodelta"), "delta-renamed.txt");
    let after_move = status(data);
    assert_eq!(num(&after_move, "documents"), 4);
    assert_eq!(num(&after_move, "chunks"), num(&before_move, "chunks"));

    // `remove` forgets the file but leaves it on disk.
    let renamed = dir.join("delta-renamed.txt");
    let removed = whisker_json(data, &["remove", renamed.to_str().unwrap()]);
    assert_eq!(num(&removed, "removed"), 1, "{removed:#}");
    assert!(renamed.exists());
    assert_eq!(found_in(data, "dingodelta"), Vec::<String>::new());
    assert_eq!(num(&status(data), "documents"), 3);
}

/// Asserts `paths` is exactly one hit, in the file `name`.
fn assert_only(paths: &[String], name: &str) {
    assert_eq!(paths.len(), 1, "want one hit in {name}, got {paths:?}");
    assert!(
        paths[0].ends_with(&format!("/{name}")),
        "want {name}, got {paths:?}"
    );
}
