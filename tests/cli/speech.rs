//! `whisker transcribe`, `ask --audio` and `eval asr` with the default
//! whisper.cpp model (`make models MODEL_ROLES=speech`): the JSON shape,
//! every audio format, Chinese in Simplified characters, silence, clear
//! errors with exit code 2, and the evaluation table on ../shared/eval/audio.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use whisker_e2e::{
    assert_no_panic, parse, str_of, whisker, whisker_bin, whisker_cmd, whisker_json,
};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/whisker-speech/tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn eval_audio() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/eval/audio");
    assert!(
        dir.join("transcripts.tsv").is_file(),
        "{} is missing: the shared evaluation kit must sit beside the repository",
        dir.display()
    );
    dir
}

fn transcribe(args: &[&str]) -> Value {
    let data = tempfile::tempdir().unwrap();
    let mut all = vec!["transcribe"];
    all.extend(args);
    whisker_json(data.path(), &all)
}

fn words(text: &str) -> String {
    text.to_lowercase()
        .replace('-', " ")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Words of `heard` that differ from `said` (substituted, missing or extra).
fn word_errors(heard: &str, said: &str) -> usize {
    let heard = words(heard);
    let heard: Vec<&str> = heard.split(' ').collect();
    let said: Vec<&str> = said.split(' ').collect();
    whisker_core::eval::wer::edit_distance(&said, &heard)
}

#[test]
fn transcribe_json_is_text_language_and_timed_segments() {
    let t = transcribe(&[&fixture("stereo_48k.opus"), "--lang", "en"]);
    let keys: Vec<&String> = t.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["language", "segments", "text"], "{t:#}");
    assert_eq!(t["language"], "en");
    assert_eq!(
        words(str_of(&t, "text")),
        "he was not an ill disposed young man"
    );
    let segments = t["segments"].as_array().unwrap();
    assert!(!segments.is_empty());
    for s in segments {
        let keys: Vec<&String> = s.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["end", "start", "text"], "{s:#}");
        let (start, end) = (s["start"].as_f64().unwrap(), s["end"].as_f64().unwrap());
        assert!(0.0 <= start && start < end && end <= 3.2, "{s:#}");
    }
}

#[test]
fn every_format_gives_the_same_words_with_language_detection() {
    for name in [
        "stereo_44k.flac",
        "stereo_44k.mp3",
        "mono_22k.ogg",
        "mono_8k.m4a",
    ] {
        let t = transcribe(&[&fixture(name)]);
        assert_eq!(t["language"], "en", "{name}: {t:#}");
        // One word of eight may differ: a lossy 8 kHz or Vorbis copy can
        // shift a syllable ("ill-sposed").
        let text = str_of(&t, "text");
        assert!(
            word_errors(text, "he was not an ill disposed young man") <= 1,
            "{name}: {text}"
        );
    }
}

#[test]
fn chinese_comes_out_in_simplified_characters() {
    let file = eval_audio().join("zh_aishell1_BAC009S0724W0121.wav");
    let t = transcribe(&[file.to_str().unwrap(), "--lang", "zh"]);
    assert_eq!(t["language"], "zh");
    let text = str_of(&t, "text");
    // 广州 (not 廣州), 地产 (not 地產); base hears 房 as 佛 here.
    assert!(text.contains("广州") && text.contains("地产"), "{text}");
    assert!(!text.contains('廣') && !text.contains('產'), "{text}");
}

#[test]
fn silence_is_empty_text() {
    let t = transcribe(&[&fixture("silence_2s.wav")]);
    assert_eq!(t["text"], "");
    assert_eq!(t["segments"], Value::Array(vec![]));
}

#[test]
fn text_output_is_one_timed_line_per_segment() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(whisker_bin())
        .arg("--data-dir")
        .arg(data.path())
        .args(["transcribe", &fixture("mono_16k.flac"), "--lang", "en"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let first = stdout.lines().next().unwrap();
    assert!(
        first.starts_with("[0:0") && first.contains(" --> "),
        "{stdout}"
    );
    assert!(words(&stdout).contains("young man"), "{stdout}");
}

#[test]
fn a_file_that_is_not_audio_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let notes = data.path().join("notes.mp3");
    std::fs::write(
        &notes,
        "# Meeting notes\n\nNot a sound in here.\n".repeat(20),
    )
    .unwrap();
    let out = whisker(data.path(), &["transcribe", notes.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let error = parse(&out);
    assert_eq!(error["error"]["code"], "invalid");
    assert_eq!(error["error"]["fault"], "user");
    assert!(
        str_of(&error["error"], "message").contains("not an audio file"),
        "{error:#}"
    );

    let missing = data.path().join("nothing-here.wav");
    let out = whisker(data.path(), &["transcribe", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(parse(&out)["error"]["code"], "not_found");
}

#[test]
fn a_missing_model_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let empty = data.path().join("no-models");
    std::fs::create_dir_all(&empty).unwrap();
    for env in [
        ("WHISKER_MODELS_DIR", empty.display().to_string()),
        (
            "WHISKER_SPEECH_MODEL",
            empty.join("ggml-gone.bin").display().to_string(),
        ),
    ] {
        let out = whisker_cmd(data.path(), &["transcribe", &fixture("mono_16k.flac")])
            .env(env.0, &env.1)
            .output()
            .unwrap();
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "{env:?}");
        let error = parse(&out);
        assert_eq!(error["error"]["code"], "model", "{error:#}");
        let message = str_of(&error["error"], "message");
        assert!(
            message.contains("missing") || message.contains("not installed"),
            "{error:#}"
        );
    }
}

#[test]
fn ask_audio_says_what_it_heard_then_asks() {
    let data = tempfile::tempdir().unwrap();
    let out = whisker_cmd(
        data.path(),
        &["ask", "--audio", &fixture("mono_16k.flac"), "--lang", "en"],
    )
    .output()
    .unwrap();
    assert_no_panic(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let reply = parse(&out);
    assert_eq!(
        words(str_of(&reply["heard"], "text")),
        "he was not an ill disposed young man"
    );
    assert!(reply["answer"].is_object(), "{reply:#}");
}

#[test]
fn eval_asr_meets_the_goals_and_prints_the_table() {
    let dir = eval_audio();
    let data = tempfile::tempdir().unwrap();
    let report = whisker_json(data.path(), &["eval", "asr", dir.to_str().unwrap()]);
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 6);
    for f in files {
        assert!(f["rtf"].as_f64().unwrap() > 0.0, "{f:#}");
        assert_eq!(f["detected"], f["language"], "{f:#}");
    }
    let total = |lang: &str| {
        report["totals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["language"] == lang)
            .unwrap_or_else(|| panic!("no {lang} total in {report:#}"))
            .clone()
    };
    let en = total("en");
    assert_eq!(en["metric"], "wer");
    assert!(en["rate"].as_f64().unwrap() <= 0.10, "English WER {en:#}");
    let zh = total("zh");
    assert_eq!(zh["metric"], "cer");
    assert!(zh["rate"].as_f64().unwrap() <= 0.15, "Chinese CER {zh:#}");

    let out = Command::new(whisker_bin())
        .arg("--data-dir")
        .arg(data.path())
        .args(["eval", "asr", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    for needle in ["file", "RTF", "WER", "CER", "total en", "total zh", "广州"] {
        assert!(table.contains(needle), "{needle} missing in:\n{table}");
    }
}

#[test]
fn the_demo_question_is_heard_word_for_word() {
    // samples/voice: the spoken question `make demo` asks (see samples/README.md).
    let question = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples/voice/spare_mouse_button_question.wav");
    let t = transcribe(&[question.to_str().unwrap()]);
    assert_eq!(t["language"], "en");
    assert_eq!(
        words(str_of(&t, "text")),
        "what happens when you hold the spare mouse button"
    );
}
