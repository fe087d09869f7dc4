//! Outline parsing on what small models really write: fenced, chatty,
//! truncated, aliased, mistyped, and in Chinese.

use super::*;

const CLEAN: &str = r#"{"title": "Vector search", "subtitle": "How Whisker finds things",
 "slides": [
  {"title": "Why vectors", "bullets": ["Match meaning, not words", "Work across languages"], "notes": "Start with the mouse demo [1]."},
  {"title": "How it works", "bullets": ["Embed chunks", "Search by cosine similarity"], "notes": ""}
 ]}"#;

fn ok(text: &str) -> (Deck, Vec<String>) {
    parse(text).unwrap_or_else(|e| panic!("{e}\n--- input:\n{text}"))
}

fn problems(text: &str) -> Vec<String> {
    match parse(text) {
        Err(OutlineError::Invalid(problems)) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

fn has(repairs: &[String], needle: &str) -> bool {
    repairs.iter().any(|r| r.contains(needle))
}

#[test]
fn clean_json_needs_no_repairs() {
    let (deck, repairs) = ok(CLEAN);
    assert!(repairs.is_empty(), "{repairs:?}");
    assert_eq!(deck.title, "Vector search");
    assert_eq!(deck.subtitle.as_deref(), Some("How Whisker finds things"));
    assert_eq!(deck.slides.len(), 2);
    assert_eq!(deck.slides[0].bullets[1], "Work across languages");
    assert_eq!(deck.slides[0].notes, "Start with the mouse demo [1].");
    assert_eq!(deck.slides[1].notes, "");
}

#[test]
fn the_schema_hint_is_itself_a_clean_outline() {
    let (deck, repairs) = ok(schema_hint());
    assert!(repairs.is_empty(), "{repairs:?}");
    assert_eq!(deck.slides[0].bullets.len(), 2);
}

#[test]
fn fenced_with_commentary_before_and_after() {
    let text = format!(
        "Sure! Here is the outline you asked for:\n\n```json\n{CLEAN}\n```\n\nLet me know if you want changes."
    );
    let (deck, repairs) = ok(&text);
    assert_eq!(deck, ok(CLEAN).0);
    assert_eq!(repairs, ["removed the Markdown code fence"]);
}

#[test]
fn prose_around_bare_json_even_with_brackets_in_it() {
    let text = format!("Here are [2] slides {{as requested}}:\n{CLEAN}\nHope this helps [smile]");
    let (deck, repairs) = ok(&text);
    assert_eq!(deck.slides.len(), 2);
    assert!(has(&repairs, "ignored text before the JSON"), "{repairs:?}");
    assert!(has(&repairs, "ignored text after the JSON"), "{repairs:?}");
}

#[test]
fn a_think_block_full_of_braces_is_skipped() {
    let thinking = "I could use {\"title\": ...} or [a, b]. ".repeat(20);
    let text = format!("<think>{thinking}</think>\n\n{CLEAN}");
    let (deck, repairs) = ok(&text);
    assert_eq!(deck, ok(CLEAN).0);
    assert_eq!(repairs, ["ignored the model's <think> block"]);
}

#[test]
fn truncated_mid_notes_keeps_every_slide() {
    let text = r#"```json
{"title": "Indexing", "slides": [
  {"title": "Watch folders", "bullets": ["New files are indexed", "Moves are detected"], "notes": "Show the tray"},
  {"title": "Crash safety", "bullets": ["No duplicate chunks", "Reopens consistent"], "notes": "Explain the commit log and wh"#;
    let (deck, repairs) = ok(text);
    assert_eq!(deck.slides.len(), 2);
    assert_eq!(deck.slides[1].notes, "Explain the commit log and wh");
    assert!(has(&repairs, "closed a string cut off"), "{repairs:?}");
    assert!(has(&repairs, "closed 3 bracket(s)"), "{repairs:?}");
}

#[test]
fn truncated_mid_slide_drops_the_unfinished_slide() {
    let text = r#"{"title": "Indexing", "slides": [
  {"title": "Watch folders", "bullets": ["New files are indexed"]},
  {"title": "Crash safety", "bul"#;
    let (deck, repairs) = ok(text);
    assert_eq!(deck.slides.len(), 1);
    assert!(has(&repairs, "dropped the last slide"), "{repairs:?}");
}

#[test]
fn every_truncation_point_parses_without_panic() {
    let text = r#"{"title": "混合检索", "slides": [{"title": "为什么", "bullets": ["关键词“精确”", "向量懂意思"], "notes": "先演示[1]"}, {"title": "How", "bullets": ["Fuse ranks", "Tune k"]}]}"#;
    let first_bullet_done = text.find("”\"").unwrap() + "”\"".len();
    for (end, _) in text.char_indices() {
        let result = parse(&text[..end]);
        if end >= first_bullet_done {
            let (deck, _) = result.unwrap_or_else(|e| panic!("cut at {end}: {e}"));
            assert_eq!(deck.title, "混合检索");
            assert_eq!(deck.slides[0].bullets[0], "关键词“精确”");
        }
    }
}

#[test]
fn python_style_single_quotes_unquoted_keys_trailing_commas() {
    let text = "{title: 'Whisker', slides: [{title: 'Setup', bullets: ['Run make demo', 'It's local',], notes: 'None needed',},],}";
    let (deck, repairs) = ok(text);
    assert_eq!(deck.slides[0].bullets, ["Run make demo", "It's local"]);
    for repair in [
        "quoted unquoted keys",
        "replaced single quotes",
        "removed trailing or doubled commas",
    ] {
        assert!(has(&repairs, repair), "{repair}: {repairs:?}");
    }
}

#[test]
fn key_aliases_and_a_bare_slides_array() {
    let text = r#"[{"Title": "One", "points": ["a"], "speaker_notes": "say a"},
                   {"title": "Two", "content": "- b\n- c\n- d", "Speaker Notes": "say b"}]"#;
    let (deck, repairs) = ok(text);
    assert_eq!(deck.title, "One");
    assert_eq!(deck.slides[0].notes, "say a");
    assert_eq!(deck.slides[1].bullets, ["b", "c", "d"]);
    assert_eq!(deck.slides[1].notes, "say b");
    for repair in [
        "took a bare list as the slides",
        "no deck title: used the first slide's title",
        r#"read "points" as "bullets""#,
        r#"read "content" as "bullets""#,
        r#"read "speaker_notes" as "notes""#,
        "split a string of several bullets into bullets",
    ] {
        assert!(has(&repairs, repair), "{repair}: {repairs:?}");
    }
}

#[test]
fn deck_inside_a_wrapper_object() {
    let text = r#"{"presentation": {"title": "T", "pages": [{"title": "A", "bullets": ["x"]}]}}"#;
    let (deck, repairs) = ok(text);
    assert_eq!(deck.title, "T");
    assert!(has(&repairs, "wrapper"), "{repairs:?}");
    assert!(has(&repairs, r#"read "pages" as "slides""#), "{repairs:?}");
}

#[test]
fn nested_wrong_types_are_coerced() {
    let text = r#"{"title": 2024, "slides": [
      {"title": ["Results"], "bullets": [{"text": "Recall up"}, {"heading": "Speed", "detail": "5 ms"},
         ["Latency", "down"], 42, null, true],
       "notes": ["First line", "Second line"]},
      {"title": {"text": "Plan"}, "bullets": {"1": "Ship", "2": "Measure"}, "notes": 7}
    ]}"#;
    let (deck, repairs) = ok(text);
    assert_eq!(deck.title, "2024");
    assert_eq!(deck.slides[0].title, "Results");
    assert_eq!(
        deck.slides[0].bullets,
        ["Recall up", "Speed: 5 ms", "Latency", "down", "42", "true"]
    );
    assert_eq!(deck.slides[0].notes, "First line\nSecond line");
    assert_eq!(deck.slides[1].title, "Plan");
    assert_eq!(deck.slides[1].bullets, ["Ship", "Measure"]);
    assert_eq!(deck.slides[1].notes, "7");
    for repair in [
        "objects",
        "flattened",
        "as an object",
        "joined notes",
        "wrong type",
    ] {
        assert!(has(&repairs, repair), "{repair}: {repairs:?}");
    }
}

#[test]
fn too_many_and_too_long_bullets_are_trimmed() {
    let long = "This bullet keeps going ".repeat(15);
    let bullets: Vec<String> = (1..=9).map(|i| format!("\"- point {i}\"")).collect();
    let text = format!(
        r#"{{"title": "T", "slides": [{{"title": "Slide 1: Many", "bullets": [{}]}}, {{"title": "Long", "bullets": ["{long}"]}}]}}"#,
        bullets.join(", ")
    );
    let (deck, repairs) = ok(&text);
    assert_eq!(deck.slides[0].title, "Many");
    assert_eq!(deck.slides[0].bullets.len(), MAX_BULLETS);
    assert_eq!(deck.slides[0].bullets[0], "point 1");
    let cut = &deck.slides[1].bullets[0];
    assert!(
        cut.chars().count() <= MAX_BULLET_CHARS && cut.ends_with("…"),
        "{cut}"
    );
    assert!(
        has(&repairs, "kept the first 6 of 9 bullets"),
        "{repairs:?}"
    );
    assert!(has(&repairs, "shortened bullets"), "{repairs:?}");
}

#[test]
fn more_than_twenty_slides_keeps_twenty() {
    let slides: Vec<String> = (1..=23)
        .map(|i| format!(r#"{{"title": "S{i}", "bullets": ["b"]}}"#))
        .collect();
    let text = format!(r#"{{"title": "T", "slides": [{}]}}"#, slides.join(","));
    let (deck, repairs) = ok(&text);
    assert_eq!(deck.slides.len(), MAX_SLIDES);
    assert!(
        has(&repairs, "kept the first 20 of 23 slides"),
        "{repairs:?}"
    );
}

#[test]
fn chinese_outline_with_chinese_keys_and_full_width_punctuation() {
    let text = "好的，以下是大纲：\n{“标题”：“向量检索入门”，“幻灯片”：[{“标题”：“第1页：什么是向量”，“要点”：[“把文本变成数字”，“意思相近，距离就近”，“……”]，“备注”：“先讲“语义”二字【1】”}]}";
    let (deck, repairs) = ok(text);
    assert_eq!(deck.title, "向量检索入门");
    assert_eq!(deck.slides[0].title, "什么是向量");
    assert_eq!(
        deck.slides[0].bullets,
        ["把文本变成数字", "意思相近，距离就近"]
    );
    assert_eq!(deck.slides[0].notes, "先讲“语义”二字【1】");
    for repair in [
        "smart quotes",
        "full-width",
        "dropped empty bullets",
        r#""要点" as "bullets""#,
    ] {
        assert!(has(&repairs, repair), "{repair}: {repairs:?}");
    }
}

#[test]
fn chinese_bullets_are_cut_at_a_clause() {
    let long = "混合检索结合关键词与向量两种信号，".repeat(15);
    let text =
        format!(r#"{{"title": "检索", "slides": [{{"title": "概览", "bullets": ["{long}"]}}]}}"#);
    let (deck, _) = ok(&text);
    let cut = &deck.slides[0].bullets[0];
    assert!(cut.ends_with("信号…"), "{cut}");
}

#[test]
fn problems_are_all_listed_for_the_retry() {
    let text = r#"{"title": "T", "slides": [
      {"title": "Good", "bullets": ["x"]},
      {"title": "", "bullets": []},
      "Just a title",
      {"title": "No points", "notes": "hmm"}
    ]}"#;
    assert_eq!(
        problems(text),
        [
            "slide 2 has no \"title\"",
            "slide 2 has no \"bullets\" (1 to 6 short points are needed)",
            "slide 3 is a string, not an object with \"title\" and \"bullets\"",
            "slide 4 (\"No points\") has no \"bullets\" (1 to 6 short points are needed)",
        ]
    );
    let message = parse(text).unwrap_err().to_string();
    assert!(
        message.starts_with("the outline does not fit the schema:\n- slide 2"),
        "{message}"
    );
}

#[test]
fn missing_or_empty_slides_is_a_problem() {
    assert_eq!(
        problems(r#"{"title": "T", "bullets": ["x"]}"#),
        ["no \"slides\" list of slide objects was found"]
    );
    assert_eq!(
        problems(r#"{"title": "T", "slides": []}"#),
        ["the outline has no slides (1 to 20 are needed)"]
    );
    assert_eq!(
        problems(r#"{"title": "T", "slides": "one, two"}"#),
        ["\"slides\" is a string; it must be a list of slide objects"]
    );
}

#[test]
fn no_json_at_all_says_what_to_send() {
    let err = parse("I'm sorry, I can't help with that.").unwrap_err();
    assert_eq!(err, OutlineError::NoJson);
    assert!(err.to_string().contains(schema_hint()));
    assert_eq!(crate::Error::from(err).code(), "invalid");
    assert!(parse("").is_err());
}
