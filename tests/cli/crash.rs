//! Crash safety: `add` killed with SIGKILL after a mid-run commit leaves a
//! store that reopens consistent, and the next `add` finishes the job with
//! no file lost, none counted twice, and no duplicate chunks.

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use whisker_e2e::{
    Running, add, assert_unique_chunks, num, parse, search, status, str_of, whisker, whisker_bin,
    without_vectors,
};

use crate::sys;

/// Files in the corpus. `add` commits every 5 s; pinned to one CPU, a
/// debug build takes about three times that for these (about 18 s on the
/// machine this was tuned on, since whisker-index runs optimised in debug
/// builds), so the kill lands after a commit and well before the end. If a
/// machine gets through them before the first commit, the test says so and
/// this number must grow.
const FILES: usize = 60_000;
/// Words per file: below the chunker's 300-token target, so exactly one
/// chunk per file, but enough that each file takes a while to index.
const WORDS_PER_FILE: usize = 250;
/// Files whose unique word is looked up after recovery.
const SAMPLE: usize = 200;
/// Unique words per query: the query ORs its words, so each must bring
/// back its own file's single chunk and nothing else.
const BATCH: usize = 25;
/// A word in every file.
const SHARED: &str = "commonword";
/// How many hits for the shared word are checked for duplicates. Not all:
/// snippets for every chunk take long in a debug build, and the chunk count
/// in `status` already rules duplicates out store-wide.
const SHARED_K: usize = 2_000;
/// Polls of `status` (100 ms apart) before killing anyway.
const MAX_POLLS: usize = 1200;

/// A word that exists only in file `i`.
fn token(i: usize) -> String {
    format!("kwq{i}q")
}

fn file_name(i: usize) -> String {
    format!("note{i:05}.md")
}

/// The unique word, the shared one and filler: one chunk's worth of text.
fn note(i: usize) -> String {
    const WORDS: [&str; 16] = [
        "river", "stone", "cloud", "forest", "lantern", "harbor", "meadow", "copper", "violet",
        "signal", "orbit", "willow", "ember", "quarry", "thistle", "beacon",
    ];
    let mut state = (i as u32).wrapping_mul(2_654_435_761) | 1;
    let mut text = format!("Note {} keeps the {SHARED} marker.", token(i));
    for _ in 0..WORDS_PER_FILE {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        text.push(' ');
        text.push_str(WORDS[state as usize % WORDS.len()]);
    }
    text.push_str(".\n");
    text
}

/// `whisker add DIR`, pinned to one CPU when possible so its speed does not
/// grow with the machine's core count.
fn spawn_add(data: &Path, dir: &Path) -> Running {
    let mut cmd = match sys::first_allowed_cpu().filter(|_| sys::has_program("taskset")) {
        Some(cpu) => {
            let mut cmd = Command::new("taskset");
            cmd.arg("-c").arg(cpu.to_string()).arg(whisker_bin());
            cmd
        }
        None => Command::new(whisker_bin()),
    };
    without_vectors(&mut cmd)
        .arg("--data-dir")
        .arg(data)
        .arg("add")
        .arg(dir)
        .arg("--json")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Running(cmd.spawn().expect("spawn whisker add"))
}

/// Chunks in the store now, or `None` if `status` did not answer.
fn chunks_now(data: &Path) -> Option<u64> {
    let out = whisker(data, &["status"]);
    if !out.status.success() {
        eprintln!(
            "status while adding: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    parse(&out)["chunks"].as_u64()
}

/// Polls until the running `add` has committed something; the chunk count
/// then, or `None` if the polls ran out first.
fn wait_for_commit(data: &Path, child: &mut Running) -> Option<u64> {
    for _ in 0..MAX_POLLS {
        if !child.is_running() {
            return None;
        }
        if let Some(chunks) = chunks_now(data).filter(|&c| c > 0) {
            return Some(chunks);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

/// While one `add` writes, another is refused as busy.
fn assert_second_writer_is_busy(data: &Path, child: &mut Running) {
    let other = tempfile::tempdir().unwrap();
    fs::write(other.path().join("other.md"), "another writer").unwrap();
    let out = whisker(data, &["add", other.path().to_str().unwrap()]);
    assert!(
        child.is_running() || out.status.code() == Some(2),
        "`add` of {FILES} files finished before it could be killed: enlarge FILES"
    );
    assert_eq!(out.status.code(), Some(2), "second writer was not refused");
    let error = &parse(&out)["error"];
    assert_eq!(str_of(error, "code"), "busy", "{error:#}");
}

#[test]
fn add_killed_mid_run_recovers_without_loss_or_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let (dir, data) = (dir.path(), data.path());
    for i in 0..FILES {
        fs::write(dir.join(file_name(i)), note(i)).unwrap();
    }

    let mut child = spawn_add(data, dir);
    let committed = wait_for_commit(data, &mut child);
    if committed.is_some() {
        assert_second_writer_is_busy(data, &mut child);
    }
    assert!(
        child.is_running(),
        "`add` of {FILES} files finished before it could be killed: enlarge FILES"
    );
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    match committed {
        Some(chunks) => eprintln!("killed `add` after a commit of {chunks} chunks"),
        None => eprintln!("killed `add` before its first commit ({MAX_POLLS} polls)"),
    }

    // The killed run's last commit is whole: one record, one chunk per file.
    let killed = status(data);
    let kept = num(&killed, "documents");
    assert_eq!(num(&killed, "chunks"), kept, "after kill: {killed:#}");
    assert_eq!(num(&killed, "failed"), 0, "after kill: {killed:#}");
    assert!(
        (kept as usize) < FILES,
        "the kill landed after the final commit: enlarge FILES"
    );

    // The next run redoes exactly what was not committed.
    let (report, out) = add(data, &[dir], &["--strict"]);
    assert!(out.status.success(), "re-run failed: {report:#}");
    assert_eq!(num(&report, "unchanged"), kept, "{report:#}");
    assert_eq!(num(&report, "indexed"), FILES as u64 - kept, "{report:#}");
    assert_eq!(
        num(&report, "chunks"),
        FILES as u64 - kept,
        "one chunk per file"
    );
    let done = status(data);
    assert_eq!(num(&done, "documents"), FILES as u64, "{done:#}");
    assert_eq!(num(&done, "chunks"), FILES as u64, "{done:#}");

    assert_sample_found_once(data);
    let shared = search(data, SHARED, SHARED_K);
    assert_eq!(shared.len(), SHARED_K, "chunks holding the shared word");
    assert_unique_chunks(&shared);
    let paths: HashSet<&str> = shared.iter().map(|h| str_of(h, "path")).collect();
    assert_eq!(paths.len(), SHARED_K, "no file twice among {SHARED_K} hits");
}

/// Each sampled file's unique word finds that file's one chunk, and no other.
fn assert_sample_found_once(data: &Path) {
    let sample: Vec<usize> = (0..FILES).step_by(FILES / SAMPLE).collect();
    for batch in sample.chunks(BATCH) {
        let query: Vec<String> = batch.iter().map(|&i| token(i)).collect();
        let hits = search(data, &query.join(" "), BATCH * 2);
        assert_unique_chunks(&hits);
        let mut found: Vec<String> = hits
            .iter()
            .map(|h| whisker_e2e::file_name(str_of(h, "path")))
            .collect();
        found.sort();
        let expected: Vec<String> = batch.iter().map(|&i| file_name(i)).collect();
        assert_eq!(found, expected, "hits for {query:?}");
    }
}
