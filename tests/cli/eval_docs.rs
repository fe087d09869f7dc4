//! The shared evaluation documents: everything with a text layer indexes,
//! the rest fails with the right reason, a re-run reads nothing, and a
//! phrase from each document finds that document first, at the right place.

use serde_json::{Value, json};
use whisker_e2e::{add, eval_docs, failures, num, search, str_of};

/// The documents that cannot be indexed, and a word their reason must hold.
const EXPECTED_FAILURES: [(&str, &str); 3] = [
    ("en_crazy_ones_password_protected.pdf", "password"),
    ("en_huck_finn_ch3_scanned.pdf", "no text layer"),
    (
        "en_wipo_patent_scan_encrypted_malformed.pdf",
        "no text layer",
    ),
];

/// A phrase taken from one document's extracted text, the file that must
/// rank first for it, and fields its location must have.
fn rank_one_table() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "根据真实姓名自动生成用户名",
            "zh_debian_edu_bullseye_manual.epub",
            json!({"type": "chapter", "chapter": 7}),
        ),
        (
            "它无法往回滚动",
            "zh_debian_reference.pdf",
            json!({"type": "page", "page": 50}),
        ),
        (
            "志愿者持续贡献新代码",
            "zh_debian_faq_basic_defs.html",
            json!({"type": "paragraphs", "headings": ["第 1 章 定义和概览", "1.2. 什么是 Debian GNU/Linux？"]}),
        ),
        (
            "在文字两旁加上星号",
            "zh_markdown_syntax_guide.docx",
            json!({"type": "paragraphs", "headings": ["Markdown 语法说明 (简体中文版)", "一、概述", "1、宗旨"]}),
        ),
        (
            "Sala Baker",
            "en_dpr_paper_two_column.pdf",
            json!({"type": "page", "page": 1}),
        ),
        (
            "a mere disbursing agent",
            "en_chapter13_trustee_handbook.docx",
            json!({"type": "paragraphs"}),
        ),
        (
            "Heliophysics Science Division",
            "en_nasa_gsfc_science_directorate.pptx",
            json!({"type": "slide", "slide": 1}),
        ),
        (
            "Maple Leafs TOR 13",
            "en_stanley_cups.xlsx",
            json!({"type": "rows", "sheet": "Stanley Cups"}),
        ),
        (
            "curler should be accommodated with a separate rink",
            "en_winter_sports_gutenberg.epub",
            json!({"type": "chapter", "chapter": 4, "title": "CHAPTER III TEES AND CRAMPITS"}),
        ),
    ]
}

#[test]
fn eval_docs_index_rerun_unchanged_and_rank_first() {
    let docs = eval_docs();
    let files = std::fs::read_dir(&docs).expect("read eval docs").count() as u64;
    let data = tempfile::tempdir().unwrap();

    let (first, out) = add(data.path(), &[&docs], &[]);
    assert!(out.status.success(), "add failed: {first:#}");
    let mut failed = failures(&first);
    failed.sort();
    let names: Vec<&str> = failed.iter().map(|(name, _)| name.as_str()).collect();
    let expected: Vec<&str> = EXPECTED_FAILURES.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, expected, "unexpected failures: {failed:#?}");
    for ((name, reason), (_, word)) in failed.iter().zip(EXPECTED_FAILURES) {
        assert!(
            reason.contains(word),
            "{name}: reason {reason:?} lacks {word:?}"
        );
    }
    assert_eq!(num(&first, "files"), files);
    assert_eq!(num(&first, "indexed"), files - 3, "{first:#}");
    assert_eq!(num(&first, "failed"), 3);
    assert!(num(&first, "chunks") >= files - 3);

    let (again, _) = add(data.path(), &[&docs], &[]);
    for key in ["indexed", "failed", "moved", "removed"] {
        assert_eq!(num(&again, key), 0, "re-run {key}: {again:#}");
    }
    assert_eq!(num(&again, "unchanged"), files, "re-run: {again:#}");
    // The three unreadable files are unchanged, but not forgotten: --strict
    // still fails on them.
    assert_eq!(num(&again, "still_failing"), 3, "re-run: {again:#}");
    let (_, strict) = add(data.path(), &[&docs], &["--strict"]);
    assert_eq!(
        strict.status.code(),
        Some(1),
        "--strict on a re-run with unreadable files"
    );

    let misses: Vec<String> = rank_one_table()
        .into_iter()
        .filter_map(|(query, file, location)| rank_one(data.path(), query, file, &location).err())
        .collect();
    assert!(misses.is_empty(), "rank-1 misses:\n{}", misses.join("\n"));
}

/// Whether `file` is the first hit for `query` with a location matching `expected`.
fn rank_one(
    data: &std::path::Path,
    query: &str,
    file: &str,
    expected: &Value,
) -> Result<(), String> {
    let hits = search(data, query, 3);
    let Some(top) = hits.first() else {
        return Err(format!("{query:?}: no hits (want {file})"));
    };
    let path = str_of(top, "path");
    if !path.ends_with(&format!("/{file}")) {
        return Err(format!("{query:?}: rank 1 is {path} (want {file})"));
    }
    let location = &top["location"];
    let fits = expected
        .as_object()
        .expect("expected location is an object")
        .iter()
        .all(|(key, value)| &location[key.as_str()] == value);
    if fits {
        Ok(())
    } else {
        Err(format!(
            "{query:?}: {file} found at {location} (want {expected})"
        ))
    }
}
