//! whisker-speech on real files: every format decodes to the same sound,
//! bad files fail clearly, and (with the model) every format and every
//! evaluation recording is heard correctly.
//!
//! The transcription tests need the whisper.cpp model at
//! `models/whisper-base/ggml-model.bin` in the workspace (`make models
//! MODEL_ROLES=speech` converts the default one there), or the path in
//! `WHISKER_SPEECH_MODEL`. The evaluation recordings are read from
//! `../shared/eval/audio` beside the workspace.

// As in `#[test]` functions (clippy.toml): in this binary's helpers too, a
// panic is the failure report.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use whisker_speech::audio::{AudioReader, SAMPLE_RATE, read_all};
use whisker_speech::transcribe::{Options, Transcriber};
use whisker_speech::{Error, Language};

/// Words of the fixtures' recording (LibriVox, utterance 0880).
const SPOKEN: &str = "he was not an ill disposed young man";
/// Every format of it in `tests/fixtures` (see the README there).
const VARIANTS: [&str; 6] = [
    "mono_16k.flac",
    "stereo_44k.flac",
    "stereo_44k.mp3",
    "mono_22k.ogg",
    "stereo_48k.opus",
    "mono_8k.m4a",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn eval_audio() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/eval/audio");
    assert!(
        dir.join("transcripts.tsv").is_file(),
        "{} is missing: the evaluation kit must sit beside the clone (../shared/eval)",
        dir.display()
    );
    dir
}

fn original() -> Vec<f32> {
    read_all(&eval_audio().join("en_librivox_sense_and_sensibility_0880.wav")).unwrap()
}

/// Correlation of two signals' 20 ms loudness envelopes (1 = same shape),
/// at the best shift of `b` by up to 300 ms (AAC keeps its encoder priming).
fn envelope_similarity(a: &[f32], b: &[f32]) -> f64 {
    let env = |x: &[f32]| -> Vec<f64> {
        x.chunks(320)
            .map(|f| (f.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / f.len() as f64).sqrt())
            .collect()
    };
    let (a, b) = (env(a), env(b));
    (0..15)
        .map(|lag| correlation(&a, &b[lag.min(b.len())..]))
        .fold(f64::MIN, f64::max)
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let mean = |v: &[f64]| v[..n].iter().sum::<f64>() / n as f64;
    let (ma, mb) = (mean(a), mean(b));
    let cov: f64 = (0..n).map(|i| (a[i] - ma) * (b[i] - mb)).sum();
    let va: f64 = (0..n).map(|i| (a[i] - ma).powi(2)).sum();
    let vb: f64 = (0..n).map(|i| (b[i] - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

#[test]
fn every_format_decodes_to_the_same_sound_at_16_khz() {
    let reference = original();
    assert_eq!(reference.len(), 47_840);
    for name in VARIANTS {
        let samples = read_all(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let seconds = samples.len() as f64 / f64::from(SAMPLE_RATE);
        // MP3's padding is trimmed (gapless); M4A's AAC priming is not
        // (symphonia ignores MP4 edit lists), a frame or two more.
        assert!((2.95..3.3).contains(&seconds), "{name}: {seconds} s");
        let similarity = envelope_similarity(&reference, &samples);
        // 8 kHz AAC keeps only the band below 4 kHz, so its envelope strays
        // further from the 16 kHz original (measured 0.93) than the others.
        let floor = if name.contains("8k") { 0.9 } else { 0.95 };
        assert!(
            similarity > floor,
            "{name}: envelope similarity {similarity}"
        );
    }
}

#[test]
fn lossless_flac_decodes_to_exactly_the_wav_samples() {
    assert_eq!(read_all(&fixture("mono_16k.flac")).unwrap(), original());
}

#[test]
fn the_container_describes_the_stream() {
    let reader = AudioReader::open(&fixture("stereo_44k.flac")).unwrap();
    assert_eq!(reader.info().sample_rate, 44_100);
    assert_eq!(reader.info().channels, 2);
    let duration = reader.info().duration.unwrap();
    assert!((duration - 2.99).abs() < 0.01, "{duration}");
    let opus = AudioReader::open(&fixture("stereo_48k.opus")).unwrap();
    assert_eq!(opus.info().channels, 2);
}

#[test]
fn windows_cover_the_file_in_order() {
    let mut reader = AudioReader::open(&fixture("stereo_44k.mp3")).unwrap();
    let mut sizes = Vec::new();
    let mut all = Vec::new();
    while let Some(window) = reader.read(16_000).unwrap() {
        sizes.push(window.len());
        all.extend(window);
    }
    assert!(
        sizes[..sizes.len() - 1].iter().all(|&n| n == 16_000),
        "{sizes:?}"
    );
    assert_eq!(all, read_all(&fixture("stereo_44k.mp3")).unwrap());
    assert!((reader.position() - all.len() as f64 / 16_000.0).abs() < 1e-9);
    assert!(reader.damage().is_none());
}

#[test]
fn files_that_are_not_audio_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.wav");
    std::fs::write(
        &text,
        "these are not the samples you are looking for\n".repeat(50),
    )
    .unwrap();
    let empty = dir.path().join("empty.mp3");
    std::fs::write(&empty, b"").unwrap();
    for path in [&text, &empty] {
        let err = AudioReader::open(path).unwrap_err();
        assert!(
            matches!(err, Error::NotAudio { .. }),
            "{}: {err}",
            path.display()
        );
        assert!(err.to_string().contains("not an audio file"), "{err}");
    }
    let err = AudioReader::open(dir.path()).unwrap_err();
    assert!(
        matches!(err, Error::NotAudio { .. } | Error::Io { .. }),
        "{err}"
    );
    let err = AudioReader::open(&dir.path().join("missing.ogg")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
}

#[test]
fn a_wav_with_no_samples_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("header_only.wav");
    let wav = std::fs::read(fixture("silence_2s.wav")).unwrap();
    let mut header = wav[..44].to_vec();
    header[40..44].copy_from_slice(&0u32.to_le_bytes());
    std::fs::write(&path, header).unwrap();
    let err = read_all(&path).unwrap_err();
    assert!(matches!(err, Error::Empty { .. }), "{err}");
}

#[test]
fn a_file_cut_short_keeps_what_decoded_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["mono_16k.flac", "stereo_44k.mp3", "stereo_48k.opus"] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let mut reader = AudioReader::open(&path).unwrap();
        let mut samples = 0;
        while let Some(window) = reader.read(8_000).unwrap() {
            samples += window.len();
        }
        let seconds = samples as f64 / 16_000.0;
        assert!((0.8..2.5).contains(&seconds), "{name}: {seconds} s");
        if name.ends_with(".flac") {
            // FLAC's header gives the length, so the cut is noticed.
            let damage = reader
                .damage()
                .unwrap_or_else(|| panic!("{name}: no damage noted"));
            assert!(damage.contains("ends early"), "{damage}");
        }
    }
}

#[test]
fn garbage_in_the_middle_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(fixture("stereo_44k.mp3")).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 2_000]
        .iter_mut()
        .for_each(|b| *b = 0x55);
    let path = dir.path().join("scratched.mp3");
    std::fs::write(&path, bytes).unwrap();
    let samples = read_all(&path).unwrap();
    let seconds = samples.len() as f64 / 16_000.0;
    assert!(seconds > 2.0, "{seconds} s");
}

// ── With the model ──────────────────────────────────────────────────────────

fn model_path() -> PathBuf {
    if let Some(path) = std::env::var_os("WHISKER_SPEECH_MODEL").filter(|p| !p.is_empty()) {
        return path.into();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/whisper-base/ggml-model.bin")
}

fn whisper() -> &'static Transcriber {
    static MODEL: OnceLock<Transcriber> = OnceLock::new();
    MODEL.get_or_init(|| {
        let path = model_path();
        assert!(
            path.is_file(),
            "{} is missing: run `make models MODEL_ROLES=speech` (or set WHISKER_SPEECH_MODEL \
             to a whisper.cpp GGML file)",
            path.display()
        );
        Transcriber::load(&path).unwrap_or_else(|e| panic!("{e}"))
    })
}

/// The 0880 sentence `times` times, each followed by `pause_s` of silence.
fn said_over_and_over(times: usize, pause_s: f32) -> Vec<f32> {
    let sentence = original();
    let pause = (pause_s * 16_000.0) as usize;
    let mut samples = Vec::new();
    for _ in 0..times {
        samples.extend_from_slice(&sentence);
        samples.extend(std::iter::repeat_n(0.0, pause));
    }
    samples
}

fn english() -> Options {
    Options {
        language: Language::En,
        ..Options::default()
    }
}

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn edits(a: &[String], b: &[String]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y {
                diag
            } else {
                1 + diag.min(above).min(row[j])
            };
            diag = above;
        }
    }
    row[b.len()]
}

#[test]
fn every_format_is_heard_as_the_same_words() {
    let expected = words(SPOKEN);
    for name in VARIANTS {
        let cancel = Default::default();
        let t = whisper()
            .transcribe_file(&fixture(name), &english(), &mut |_| {}, &cancel)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // "ill disposed" may come back as "ill-disposed": one word or two.
        let got = words(&t.text.replace('-', " "));
        assert!(edits(&expected, &got) <= 1, "{name}: {:?}", t.text);
        assert_eq!(t.language, "en");
        let last = t.segments.last().unwrap();
        assert!(
            last.end <= 3.2 && t.segments[0].start < 1.0,
            "{:?}",
            t.segments
        );
    }
}

#[test]
fn silence_gives_no_text() {
    let cancel = Default::default();
    let auto = Options::default();
    let t = whisper()
        .transcribe_file(&fixture("silence_2s.wav"), &auto, &mut |_| {}, &cancel)
        .unwrap();
    assert_eq!(t.text, "");
    assert!(t.segments.is_empty());
    // Thirty seconds of a quiet room's hiss (-55 dBFS): not speech either.
    let mut seed = 7u32;
    let noise: Vec<f32> = (0..30 * 16_000)
        .map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 * 0.006 - 0.003
        })
        .collect();
    let t = whisper()
        .transcribe_samples(&noise, &english(), &Default::default())
        .unwrap();
    assert_eq!(t.text, "", "{:?}", t.segments);
}

/// Ten seconds of noise at `db` dBFS: white, or low-passed (one-pole,
/// coefficient `smooth`) like a fan or a distant road.
fn noise(db: f32, smooth: f32, seed: u32) -> Vec<f32> {
    let mut state = seed;
    let mut y = 0.0f32;
    let raw: Vec<f32> = (0..10 * 16_000)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let x = (state >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0;
            y = smooth * y + (1.0 - smooth) * x;
            y
        })
        .collect();
    let rms = (raw.iter().map(|v| v * v).sum::<f32>() / raw.len() as f32).sqrt();
    let gain = 10f32.powf(db / 20.0) / rms;
    raw.iter().map(|v| v * gain).collect()
}

#[test]
fn noise_without_a_voice_gives_no_text() {
    // All above the -50 dBFS gate. Given to Whisper, base writes "Thank
    // you." or "ご視聴ありがとうございました" for some, and for others whole
    // confident sentences: "I'm going to put it on the top of the head."
    // five times (hiss, en), "这些东西都不太好,但我会让你做的。" (hiss, zh),
    // "So, I'm going to go to the next room." (fan, en).
    for seed in [1, 2, 3, 7] {
        let cases = [
            (
                "near-silent hiss, en",
                noise(-48.0, 0.0, seed),
                Language::En,
            ),
            ("fan noise, en", noise(-40.0, 0.95, seed), Language::En),
            (
                "quieter fan noise, en",
                noise(-44.0, 0.9, seed),
                Language::En,
            ),
            ("fan noise, auto", noise(-40.0, 0.95, seed), Language::Auto),
            ("hiss, zh", noise(-40.0, 0.0, seed), Language::Zh),
            ("quieter hiss, zh", noise(-46.0, 0.0, seed), Language::Zh),
        ];
        for (name, samples, language) in cases {
            let options = Options {
                language,
                ..Options::default()
            };
            let t = whisper()
                .transcribe_samples(&samples, &options, &Default::default())
                .unwrap();
            assert_eq!(t.text, "", "{name}, seed {seed}: {:?}", t.segments);
        }
    }
}

#[test]
fn a_voice_in_steady_noise_is_still_heard() {
    // The sentence (about -23 dBFS at its loudest) over a fan at -26 dBFS
    // throughout, which Whisper still hears word for word: the noise gate
    // must not take the voice for noise (an 8 dB gate did).
    let mut samples = original();
    samples.extend(std::iter::repeat_n(0.0, 16_000));
    let fan = noise(-26.0, 0.95, 5);
    for (s, n) in samples.iter_mut().zip(fan) {
        *s += n;
    }
    let t = whisper()
        .transcribe_samples(&samples, &english(), &Default::default())
        .unwrap();
    let expected = words(SPOKEN);
    let got = words(&t.text.replace('-', " "));
    assert!(edits(&expected, &got) <= 2, "{:?}", t.text);
}

#[test]
fn a_stock_phrase_really_spoken_is_kept() {
    let cancel = Default::default();
    let t = whisper()
        .transcribe_file(
            &fixture("thank_you_for_watching.wav"),
            &english(),
            &mut |_| {},
            &cancel,
        )
        .unwrap();
    assert_eq!(words(&t.text), ["thank", "you", "for", "watching"]);
}

#[test]
fn samples_in_memory_give_what_the_file_gives() {
    let samples = original();
    let from_samples = whisper()
        .transcribe_samples(&samples, &english(), &Default::default())
        .unwrap();
    let expected = words(SPOKEN);
    assert!(edits(&expected, &words(&from_samples.text.replace('-', " "))) <= 1);
    assert!((from_samples.audio_seconds - 2.99).abs() < 0.01);
}

#[test]
fn a_file_shorter_than_a_window_is_transcribed_in_one_piece() {
    // 7.1 s, one sentence with pauses: it used to be cut at its quietest
    // moment as if the window were full, and Whisper then heard "might be"
    // at the end of the first piece and "be prudently" at the start of the
    // second, after two 30 s encoder passes.
    let cancel = Default::default();
    let mut windows = 0;
    let t = whisper()
        .transcribe_file(
            &eval_audio().join("en_librivox_sense_and_sensibility_0870.wav"),
            &english(),
            &mut |_| windows += 1,
            &cancel,
        )
        .unwrap();
    assert_eq!(windows, 1, "{:?}", t.segments);
    let expected = words(
        "And Mr. John Dashwood had then leisure to consider how much there \
         might be prudently in his power to do for them.",
    );
    let got = words(&t.text);
    assert!(edits(&expected, &got) <= 1, "{:?}", t.text);
}

/// `samples` (16 kHz mono) as a 16-bit PCM WAV file.
fn write_wav(path: &Path, samples: &[f32]) {
    let data: Vec<u8> = samples
        .iter()
        .flat_map(|s| ((s.clamp(-1.0, 1.0) * 32_767.0) as i16).to_le_bytes())
        .collect();
    let mut wav = Vec::with_capacity(44 + data.len());
    wav.extend(b"RIFF");
    wav.extend((36 + data.len() as u32).to_le_bytes());
    wav.extend(b"WAVEfmt ");
    wav.extend(16u32.to_le_bytes());
    wav.extend(1u16.to_le_bytes()); // PCM
    wav.extend(1u16.to_le_bytes()); // mono
    wav.extend(16_000u32.to_le_bytes());
    wav.extend(32_000u32.to_le_bytes());
    wav.extend(2u16.to_le_bytes());
    wav.extend(16u16.to_le_bytes());
    wav.extend(b"data");
    wav.extend((data.len() as u32).to_le_bytes());
    wav.extend(data);
    std::fs::write(path, wav).unwrap();
}

#[test]
fn a_file_exactly_one_window_long_is_one_window() {
    // The sentence twice with a pause, padded to exactly 10 s, in 10 s
    // windows: the reader hands out the whole window without knowing yet
    // that nothing follows.
    let sentence = original();
    let mut samples = sentence.clone();
    samples.extend(std::iter::repeat_n(0.0, 32_000));
    samples.extend_from_slice(&sentence);
    samples.resize(160_000, 0.0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ten_seconds.wav");
    write_wav(&path, &samples);
    let options = Options {
        window_seconds: 10.0,
        ..english()
    };
    let cancel = Default::default();
    let mut windows = 0;
    let t = whisper()
        .transcribe_file(&path, &options, &mut |_| windows += 1, &cancel)
        .unwrap();
    assert_eq!(windows, 1, "{:?}", t.segments);
    let young = words(&t.text.replace('-', " "));
    assert_eq!(
        young.iter().filter(|w| *w == "young").count(),
        2,
        "{}",
        t.text
    );
}

#[test]
fn long_input_is_cut_into_windows_with_running_times() {
    // The same sentence five times with 2 s pauses, in 10 s windows: every
    // sentence is heard once, at its own time.
    let samples = said_over_and_over(5, 2.0);
    let options = Options {
        window_seconds: 10.0,
        ..english()
    };
    let t = whisper()
        .transcribe_samples(&samples, &options, &Default::default())
        .unwrap();
    let text = words(&t.text.replace('-', " "));
    assert_eq!(
        text.iter().filter(|w| *w == "young").count(),
        5,
        "{:?}",
        t.text
    );
    assert!(
        t.segments.windows(2).all(|w| w[0].start <= w[1].start),
        "{:?}",
        t.segments
    );
    let last = t.segments.last().unwrap();
    // The fifth sentence is at 19.96..22.95 s; Whisper may open its segment
    // during the pause before it.
    assert!(last.start > 17.0 && last.end < 25.5, "{last:?}");
}

#[test]
fn a_window_longer_than_30_s_is_heard_whole() {
    // The sentence ten times with 1 s pauses (40 s) in one window: whisper.cpp
    // steps through it in 30 s passes of the full 1500 encoder positions,
    // which are not whole steps of the bf16 kernels (patch 0008 in
    // third_party/whisper-rs-sys.patches).
    let samples = said_over_and_over(10, 1.0);
    assert!(samples.len() > 35 * 16_000);
    let t = whisper()
        .transcribe_samples(&samples, &english(), &Default::default())
        .unwrap();
    let text = words(&t.text.replace('-', " "));
    let young = text.iter().filter(|w| *w == "young").count();
    assert!((9..=10).contains(&young), "{young} times: {:?}", t.text);
    let last = t.segments.last().unwrap();
    assert!(last.end > 35.0, "{last:?}");
}

#[test]
fn auto_detection_hears_the_language_of_each_recording() {
    let dir = eval_audio();
    let list = std::fs::read_to_string(dir.join("transcripts.tsv")).unwrap();
    let mut checked = 0;
    for line in list.lines().filter(|l| !l.starts_with("file\t")) {
        let mut fields = line.split('\t');
        let (Some(file), Some(language)) = (fields.next(), fields.next()) else {
            continue;
        };
        let cancel = Default::default();
        let t = whisper()
            .transcribe_file(&dir.join(file), &Options::default(), &mut |_| {}, &cancel)
            .unwrap();
        assert_eq!(t.language, language, "{file}: {}", t.text);
        assert!(!t.text.is_empty(), "{file}");
        checked += 1;
    }
    assert!(checked >= 6, "{checked} recordings in the list");
}

#[test]
fn chinese_is_written_in_simplified_characters() {
    let dir = eval_audio();
    for (file, reference) in [
        (
            "zh_aishell1_BAC009S0724W0121.wav",
            "广州市房地产中介协会分析",
        ),
        (
            "zh_aishell1_BAC009S0764W0121.wav",
            "甚至出现交易几乎停滞的情况",
        ),
    ] {
        let cancel = Default::default();
        let t = whisper()
            .transcribe_file(&dir.join(file), &Options::default(), &mut |_| {}, &cancel)
            .unwrap();
        assert_eq!(t.language, "zh", "{file}: detected {}", t.language);
        assert_eq!(whisker_speech::transcribe::to_simplified(&t.text), t.text);
        let got: Vec<String> = t
            .text
            .chars()
            .filter(|c| c.is_alphanumeric())
            .map(String::from)
            .collect();
        let want: Vec<String> = reference.chars().map(String::from).collect();
        let cer = edits(&want, &got) as f64 / want.len() as f64;
        assert!(cer <= 0.25, "{file}: CER {cer:.2}: {}", t.text);
    }
}

#[test]
fn cancelling_stops_a_file() {
    let cancel = whisker_speech::transcribe::CancelFlag::default();
    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
    let err = whisper()
        .transcribe_file(&fixture("mono_16k.flac"), &english(), &mut |_| {}, &cancel)
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err}");
}

#[test]
fn cancelling_a_run_already_going_ends_it_as_cancelled() {
    // A minute of speech takes seconds; the flag is set a moment into the
    // run (the model is loaded first).
    let once = read_all(&eval_audio().join("en_librispeech_1995-1837-0001.wav")).unwrap();
    let samples: Vec<f32> = once.iter().copied().cycle().take(60 * 16_000).collect();
    let whisper = whisper();
    let cancel = whisker_speech::transcribe::CancelFlag::default();
    let setter = {
        let cancel = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        })
    };
    let err = whisper
        .transcribe_samples(&samples, &english(), &cancel)
        .unwrap_err();
    setter.join().unwrap();
    assert!(matches!(err, Error::Cancelled), "{err}");
}

#[test]
fn a_truncated_model_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ggml-cut.bin");
    let bytes = std::fs::read(model_path()).unwrap_or_else(|_| b"lmgg".repeat(1000));
    // Cut in the vocabulary (whisper.cpp alone would load it as an empty
    // model), and cut in the tensors.
    for cut in [200_000, bytes.len() / 2] {
        std::fs::write(&path, &bytes[..bytes.len().min(cut)]).unwrap();
        let err = Transcriber::load(&path).unwrap_err();
        assert!(matches!(err, Error::BadModel { .. }), "{err}");
        assert!(err.to_string().contains("truncated"), "{err}");
    }
}
