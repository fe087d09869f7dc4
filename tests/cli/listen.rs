//! `whisker listen`: one utterance, ended by the silence after it, through
//! the same live session the microphone uses (`--from-file` plays a
//! recording into it, then silence, as an open microphone would), with the
//! default whisper.cpp model (`make models MODEL_ROLES=speech`); and a clear
//! error, not a panic, when there is no input device.

use std::path::{Path, PathBuf};

use serde_json::Value;
use whisker_core::eval::wer::{edit_distance, words};
use whisker_e2e::audio::{read_wav, write_wav};
use whisker_e2e::{assert_no_panic, parse, str_of, whisker_cmd, whisker_json};

fn eval_clip(name: &str) -> PathBuf {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/eval/audio")
        .join(name);
    assert!(
        file.is_file(),
        "{} is missing: the shared evaluation kit must sit beside the repository",
        file.display()
    );
    file
}

#[test]
fn listen_ends_at_the_end_of_the_first_utterance() {
    // "He was not an ill-disposed young man", two seconds of silence, then
    // another sentence that listening must not wait for.
    let dir = tempfile::tempdir().unwrap();
    let mut samples = read_wav(&eval_clip("en_librivox_sense_and_sensibility_0880.wav"));
    let first_end = samples.len() as f64 / 16_000.0;
    samples.extend(std::iter::repeat_n(0, 32_000));
    samples.extend(read_wav(&eval_clip(
        "en_librivox_sense_and_sensibility_0920.wav",
    )));
    let two = dir.path().join("two-sentences.wav");
    write_wav(&two, &samples);

    let t = whisker_json(
        dir.path(),
        &[
            "listen",
            "--from-file",
            two.to_str().unwrap(),
            "--lang",
            "en",
        ],
    );
    let keys: Vec<&String> = t.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["language", "segments", "text"], "{t:#}");
    assert_eq!(t["language"], "en");
    let heard = words(str_of(&t, "text"));
    let said = words("he was not an ill disposed young man");
    assert!(edit_distance(&heard, &said) <= 1, "heard {heard:?}");
    assert!(!heard.contains(&"married".to_string()), "heard {heard:?}");
    let segments = t["segments"].as_array().unwrap();
    assert!(!segments.is_empty(), "{t:#}");
    for s in segments {
        let (start, end) = (s["start"].as_f64().unwrap(), s["end"].as_f64().unwrap());
        assert!(
            0.0 <= start && start < end && end <= first_end + 0.5,
            "{s:#}"
        );
    }
}

#[test]
fn listen_prints_chinese_text_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let clip = eval_clip("zh_aishell1_BAC009S0764W0121.wav");
    let out = std::process::Command::new(whisker_e2e::whisker_bin())
        .arg("--data-dir")
        .arg(dir.path())
        .args(["listen", "--from-file", clip.to_str().unwrap()])
        .output()
        .unwrap();
    assert_no_panic(&out);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text: Vec<char> = String::from_utf8(out.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_ascii_punctuation() && !c.is_whitespace() && !"，。".contains(*c))
        .collect();
    let said: Vec<char> = "甚至出现交易几乎停滞的情况".chars().collect();
    assert!(edit_distance(&text, &said) <= 2, "heard {text:?}");
}

#[test]
fn listen_to_silence_hears_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let quiet = dir.path().join("quiet.wav");
    write_wav(&quiet, &vec![0; 16_000]);
    let t = whisker_json(
        dir.path(),
        &["listen", "--from-file", quiet.to_str().unwrap()],
    );
    assert_eq!(t["text"], "");
    assert_eq!(t["segments"], Value::Array(vec![]));
}

#[test]
#[cfg(target_os = "linux")]
fn listen_without_an_input_device_is_a_clear_error() {
    // An empty ALSA configuration has no default device, whatever sound
    // cards the machine has (CI has none at all).
    let dir = tempfile::tempdir().unwrap();
    let alsa = dir.path().join("asound.conf");
    std::fs::write(&alsa, "").unwrap();
    let out = whisker_cmd(dir.path(), &["listen"])
        .env("ALSA_CONFIG_PATH", &alsa)
        .output()
        .unwrap();
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let error = parse(&out);
    assert_eq!(error["error"]["code"], "not_found", "{error:#}");
    assert!(
        str_of(&error["error"], "message").contains("no microphone"),
        "{error:#}"
    );
}
