//! Vectors end to end with the real default model (installed by `make
//! models`): `add` embeds every chunk, hybrid search finds a paraphrased
//! question that BM25 misses, vectors follow changed and deleted files, and
//! without a model search falls back to BM25 and says so.

use std::path::Path;

use serde_json::Value;
use whisker_e2e::{num, parse, str_of, whisker_cmd, with_vectors};

/// `whisker --data-dir DATA ARGS... --json` with the default embedding model on.
fn run(data: &Path, args: &[&str]) -> Value {
    let out = with_vectors(whisker_cmd(data, args)).output().unwrap();
    assert!(
        out.status.success(),
        "whisker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse(&out)
}

fn names(found: &Value) -> Vec<String> {
    found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| str_of(h, "path").rsplit('/').next().unwrap().to_string())
        .collect()
}

/// The English evaluation documents, copied into a folder of their own.
fn english_docs(into: &Path) {
    let eval = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/eval/docs");
    for entry in std::fs::read_dir(&eval).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.starts_with("en_") {
            std::fs::copy(&path, into.join(&name)).unwrap();
        }
    }
}

#[test]
fn hybrid_finds_a_paraphrase_that_bm25_misses_and_vectors_follow_the_files() {
    let data = tempfile::tempdir().unwrap();
    let docs = tempfile::tempdir().unwrap();
    english_docs(docs.path());
    let report = run(data.path(), &["add", docs.path().to_str().unwrap()]);
    assert!(num(&report, "chunks") > 100, "{report:#}");
    assert_eq!(
        num(&report, "embedded"),
        num(&report, "chunks"),
        "{report:#}"
    );
    assert!(report["vectors_note"].is_null(), "{report:#}");

    // No word of the question names the Chapter 13 trustee handbook.
    let question =
        "What does the official who supervises repayment plans for people in debt have to do?";
    let words = run(
        data.path(),
        &["search", question, "-k", "3", "--mode", "bm25"],
    );
    assert!(
        !names(&words).contains(&"en_chapter13_trustee_handbook.docx".to_string()),
        "BM25 alone already finds it: {:?}",
        names(&words)
    );
    let hybrid = run(data.path(), &["search", question, "-k", "3"]);
    assert_eq!(hybrid["mode"], "hybrid");
    assert_eq!(names(&hybrid)[0], "en_chapter13_trustee_handbook.docx");

    // A new file is embedded; a deleted one takes its vectors with it.
    let note = docs.path().join("zz_note.md");
    std::fs::write(
        &note,
        "# Bread\n\nSourdough needs a starter, flour, water and salt.\n",
    )
    .unwrap();
    let report = run(data.path(), &["add", docs.path().to_str().unwrap()]);
    assert_eq!((num(&report, "indexed"), num(&report, "embedded")), (1, 1));
    let found = run(
        data.path(),
        &["search", "baking a loaf", "-k", "1", "--mode", "vector"],
    );
    assert_eq!(names(&found), ["zz_note.md"]);
    std::fs::remove_file(&note).unwrap();
    run(data.path(), &["add", docs.path().to_str().unwrap()]);
    let status = run(data.path(), &["status"]);
    assert_eq!(num(&status, "embedded_chunks"), num(&status, "chunks"));
    let found = run(
        data.path(),
        &["search", "baking a loaf", "-k", "1", "--mode", "vector"],
    );
    assert_ne!(names(&found), ["zz_note.md"]);
}

#[test]
fn without_a_model_search_uses_bm25_and_says_why() {
    let data = tempfile::tempdir().unwrap();
    let docs = tempfile::tempdir().unwrap();
    std::fs::write(
        docs.path().join("a.md"),
        "# Tea\n\nGreen tea is steeped briefly.\n",
    )
    .unwrap();
    let empty_models = tempfile::tempdir().unwrap();
    let run_without = |args: &[&str]| {
        let out = with_vectors(whisker_cmd(data.path(), args))
            .env("WHISKER_MODELS_DIR", empty_models.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        parse(&out)
    };
    let report = run_without(&["add", docs.path().to_str().unwrap()]);
    assert_eq!(num(&report, "embedded"), 0);
    let why = str_of(&report, "vectors_note");
    assert!(why.contains("whisker models fetch"), "{why}");
    let found = run_without(&["search", "green tea"]);
    assert_eq!(found["mode"], "bm25");
    assert!(
        str_of(&found, "note").contains("keywords only"),
        "{found:#}"
    );
    assert_eq!(names(&found), ["a.md"]);
}
