//! `ask`, `write` and `slides` end to end with the real default chat model
//! (SmolLM2-135M-Instruct, installed by `make models`). The model is tiny,
//! so the tests check structure, not wisdom: every `[n]` names a source that
//! was given, sources point at real files and places, a question the library
//! cannot answer is refused without generating, rewrites carry no chatter,
//! decks are valid PPTX. Replies are short (`max_tokens` in the config) and
//! greedy (temperature 0), so runs repeat.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use whisker_e2e::{parse, str_of, whisker_cmd};

/// A data folder with a short-reply, greedy config and a few sample files
/// indexed (words only: vectors have their own tests).
fn library(tmp: &Path) -> PathBuf {
    let data = tmp.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("config.toml"),
        "[generation]\nmax_tokens = 40\ntemperature = 0.0\n",
    )
    .unwrap();
    let docs = tmp.join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples");
    for name in [
        "meeting_notes.md",
        "hardware_budget_2026.xlsx",
        "whisker_product_review.pptx",
    ] {
        std::fs::copy(samples.join(name), docs.join(name)).unwrap();
    }
    run(&data, &["add", docs.to_str().unwrap()]);
    data
}

fn run(data: &Path, args: &[&str]) -> Value {
    let out = whisker_cmd(data, args).output().unwrap();
    assert!(
        out.status.success(),
        "whisker {args:?} exited {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    parse(&out)
}

/// The `[n]` markers in a text.
fn markers(text: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        rest = &rest[open + 1..];
        if let Some(close) = rest.find(']')
            && let Ok(n) = rest[..close].parse()
        {
            found.push(n);
        }
    }
    found
}

/// Every marker names a source that was given, and `cited` says which.
fn assert_citations_valid(answer: &Value) {
    let text = str_of(answer, "text");
    let sources = answer["sources"].as_array().unwrap();
    for n in markers(text) {
        assert!(
            (1..=sources.len()).contains(&n),
            "[{n}] names no source (there are {}): {text}",
            sources.len()
        );
        assert_eq!(
            sources[n - 1]["cited"],
            true,
            "[{n}] is cited but not marked"
        );
    }
    for (i, source) in sources.iter().enumerate() {
        assert_eq!(source["n"], i + 1);
        assert!(Path::new(str_of(source, "path")).is_file());
        assert!(!str_of(source, "label").is_empty());
        if source["cited"] == true {
            assert!(
                markers(text).contains(&(i + 1)),
                "source {} marked cited: {text}",
                i + 1
            );
        }
    }
}

#[test]
fn ask_answers_from_the_library_with_valid_citations() {
    let tmp = tempfile::tempdir().unwrap();
    let data = library(tmp.path());
    let answer = run(
        &data,
        &[
            "ask",
            "What does holding the spare thumb button on the mouse do?",
        ],
    );
    assert_eq!(answer["basis"], "passages");
    assert!(!str_of(&answer, "text").trim().is_empty());
    let sources = answer["sources"].as_array().unwrap();
    assert!(!sources.is_empty());
    assert!(
        sources
            .iter()
            .any(|s| str_of(s, "path").ends_with("meeting_notes.md")),
        "the meeting notes are among the sources: {sources:?}"
    );
    assert_citations_valid(&answer);
    assert!(answer["stats"]["first_token_ms"].as_f64().is_some());
    assert!(answer["stats"]["prompt_tokens"].as_u64().unwrap() > 100);
}

#[test]
fn ask_says_so_when_the_library_does_not_cover_the_question() {
    let tmp = tempfile::tempdir().unwrap();
    let data = library(tmp.path());
    let answer = run(
        &data,
        &["ask", "What is the boiling point of mercury on Venus?"],
    );
    assert_eq!(answer["basis"], "not_found");
    assert!(str_of(&answer, "text").contains("could not find"));
    assert!(answer["sources"].as_array().unwrap().is_empty());
    assert!(answer["finish"].is_null(), "nothing was generated");
}

#[test]
fn summarise_a_named_document_reads_it_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let data = library(tmp.path());
    let answer = run(&data, &["ask", "Summarise meeting_notes.md"]);
    assert_eq!(answer["basis"], "documents");
    let sources = answer["sources"].as_array().unwrap();
    assert!(!sources.is_empty());
    for source in sources {
        assert!(str_of(source, "path").ends_with("meeting_notes.md"));
        assert!(
            !str_of(source, "text").is_empty(),
            "each part was summarised"
        );
    }
    assert_citations_valid(&answer);
}

#[test]
fn ask_streams_the_answer_then_lists_sources_in_text_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let data = library(tmp.path());
    let out = Command::new(whisker_e2e::whisker_bin())
        .arg("--data-dir")
        .arg(&data)
        .args(["ask", "Who measures ingest throughput against SQLite FTS5?"])
        .env("WHISKER_EMBED_MODEL", "none")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("meeting_notes.md"), "{stdout}");
    assert!(stdout.contains("Sources"), "{stdout}");
}

#[test]
fn write_prints_only_the_new_text() {
    let tmp = tempfile::tempdir().unwrap();
    let data = library(tmp.path());
    let text = "the popup shows answer with citations, clicking one open the PDF at page";
    let rewrite = run(&data, &["write", "--mode", "polish", text]);
    let out = str_of(&rewrite, "text");
    assert!(!out.is_empty());
    let lower = out.to_lowercase();
    for chatter in ["sure", "here is", "here's", "certainly"] {
        assert!(!lower.starts_with(chatter), "preamble left in: {out}");
    }
    assert!(rewrite["sources"].as_array().unwrap().is_empty());

    // From standard input, in text mode: stdout is the text and nothing else.
    let mut child = Command::new(whisker_e2e::whisker_bin())
        .arg("--data-dir")
        .arg(&data)
        .args(["write", "--mode", "shorten"])
        .env("WHISKER_EMBED_MODEL", "none")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Holding the spare thumb button starts push-to-talk, and releasing it sends the question to Whisker, which answers it.")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.trim().is_empty());
    assert!(!stdout.contains("Sources"), "{stdout}");
}

#[test]
fn write_grounded_cites_only_given_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let data = library(tmp.path());
    let text = "Our five-button mice cost money and we need several for the AI button.";
    let rewrite = run(&data, &["write", "--mode", "expand", "--grounded", text]);
    assert!(!rewrite["sources"].as_array().unwrap().is_empty());
    assert_citations_valid(&rewrite);
}

#[test]
fn slides_writes_a_deck_python_pptx_can_read() {
    let tmp = tempfile::tempdir().unwrap();
    let data = library(tmp.path());
    let pptx = tmp.path().join("deck.pptx");
    let md = tmp.path().join("deck.md");
    let report = run(
        &data,
        &[
            "slides",
            "the mouse button and push-to-talk",
            "--slides",
            "3",
            "--out",
            pptx.to_str().unwrap(),
            "--md",
            md.to_str().unwrap(),
        ],
    );
    let deck = &report["deck"];
    let slides = deck["slides"].as_array().unwrap();
    assert!((1..=3).contains(&slides.len()), "{deck}");
    for slide in slides {
        assert!(!str_of(slide, "title").is_empty());
        for text in std::iter::once(str_of(slide, "notes")).chain(
            slide["bullets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b.as_str().unwrap()),
        ) {
            for n in markers(text) {
                assert!(
                    (1..=deck["sources"].as_array().unwrap().len()).contains(&n),
                    "{text}"
                );
            }
        }
    }
    let read = super::slides_export::read_with_python_pptx(&pptx);
    let titles: Vec<&str> = read["slides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap_or_default())
        .collect();
    // Title slide, the content slides, then the sources.
    assert_eq!(titles[0], str_of(deck, "title"));
    for (i, slide) in slides.iter().enumerate() {
        assert_eq!(titles[i + 1], str_of(slide, "title"));
    }
    assert!(titles.last().unwrap().starts_with("Sources"), "{titles:?}");
    let markdown = std::fs::read_to_string(&md).unwrap();
    assert!(markdown.starts_with("---\nmarp: true"));
}

#[test]
fn a_missing_chat_model_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let data = library(tmp.path());
    let empty = tmp.path().join("no-models");
    std::fs::create_dir_all(&empty).unwrap();
    let out = whisker_cmd(&data, &["ask", "What does the spare thumb button do?"])
        .env("WHISKER_MODELS_DIR", &empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let error = parse(&out);
    assert_eq!(error["error"]["code"], "model");
    let message = str_of(&error["error"], "message");
    assert!(message.contains("whisker models fetch"), "{message}");
}
