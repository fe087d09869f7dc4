//! `whisker eval retrieval --beir` on BEIR SciFact (../shared/eval/retrieval):
//! the table's JSON form, the BM25 goal, and clear errors for a bad folder.

use std::path::{Path, PathBuf};

use serde_json::Value;
use whisker_e2e::{assert_no_panic, parse, whisker, whisker_json};

fn scifact() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/eval/retrieval");
    assert!(
        dir.join("corpus.jsonl").is_file(),
        "{} is missing: the shared evaluation kit must sit beside the repository",
        dir.display()
    );
    dir
}

fn metric(row: &Value, key: &str) -> f64 {
    row[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing in {row:#}"))
}

#[test]
fn scifact_bm25_meets_the_published_baseline() {
    let data = tempfile::tempdir().unwrap();
    let beir = scifact();
    let rows = whisker_json(
        data.path(),
        &[
            "eval",
            "retrieval",
            "--beir",
            beir.to_str().unwrap(),
            "--mode",
            "bm25",
        ],
    );
    let rows = rows.as_array().expect("a list of per-mode objects");
    assert_eq!(rows.len(), 1);
    let bm25 = &rows[0];
    assert_eq!(bm25["mode"], "bm25");
    assert_eq!(bm25["queries"], 300);
    // BEIR paper: BM25 nDCG@10 0.665 on SciFact; the goal is >= 0.66.
    let ndcg = metric(bm25, "ndcg@10");
    assert!(ndcg >= 0.66, "nDCG@10 {ndcg}");
    let recall = metric(bm25, "recall@100");
    let mrr = metric(bm25, "mrr@10");
    assert!((0.8..=1.0).contains(&recall), "Recall@100 {recall}");
    assert!(mrr > 0.5 && mrr <= ndcg + 0.1, "MRR@10 {mrr}");
}

#[test]
fn a_folder_that_is_not_beir_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let out = whisker(
        data.path(),
        &[
            "eval",
            "retrieval",
            "--beir",
            empty.path().to_str().unwrap(),
        ],
    );
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let err = parse(&out);
    assert_eq!(err["error"]["code"], "not_found", "{err:#}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("test.tsv"),
        "{err:#}"
    );

    // Broken JSON in the corpus names the file and the line.
    let bad = tempfile::tempdir().unwrap();
    std::fs::create_dir(bad.path().join("qrels")).unwrap();
    std::fs::write(
        bad.path().join("qrels/test.tsv"),
        "query-id\tcorpus-id\tscore\nq1\td1\t1\n",
    )
    .unwrap();
    std::fs::write(
        bad.path().join("queries.jsonl"),
        "{\"_id\": \"q1\", \"text\": \"x\"}\n",
    )
    .unwrap();
    std::fs::write(
        bad.path().join("corpus.jsonl"),
        "{\"_id\": \"d1\", \"text\": \"ok\"}\n{oops\n",
    )
    .unwrap();
    let out = whisker(
        data.path(),
        &["eval", "retrieval", "--beir", bad.path().to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = parse(&out);
    assert_eq!(err["error"]["code"], "invalid", "{err:#}");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("corpus.jsonl line 2"), "{message}");
}
