//! A two-hour recording through `Speech::transcribe_file` (what `whisker
//! transcribe` runs): bounded memory, steady progress, and the words of the
//! one sentence in it at the right time.
//!
//! The file is made in a temporary folder: two hours of digital silence as
//! FLAC (constant blocks, under a megabyte) with the LibriSpeech recording
//! from `../shared/eval/audio` placed at 1:23:00. Silent windows are
//! skipped by the -50 dBFS check without reaching the model, so the test
//! takes about as long as decoding two hours of FLAC plus one window of
//! Whisper. It has a binary of its own so that the peak resident memory
//! it reads from /proc/self/status is this transcription's alone. Needs
//! the default speech model (`make models MODEL_ROLES=speech`).

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Mutex;

use whisker_core::eval::wer::{edit_distance, words};
use whisker_core::speech::Language;
use whisker_core::{Cancel, Event, Progress, Speech};
use whisker_e2e::audio::{RATE, read_wav, write_sparse_flac};

const HOURS_2: u64 = 2 * 3600 * RATE as u64;
/// 1:23:00.
const CLIP_AT: f64 = 4980.0;
const SAID: &str = "it was the first great sorrow of his life it was not so much the loss \
                    of the cotton itself but the fantasy the hopes the dreams built around it";
/// Streaming needs the model (~150 MB), whisper.cpp's state and buffers
/// and one two-minute window (7.7 MB): about 380 MB here. Decoding the
/// whole file at once would add 2 h x 16 kHz x 4 bytes = 461 MB for the
/// samples alone.
const PEAK_RSS_LIMIT_MB: u64 = 550;

#[derive(Default)]
struct Heard(Mutex<Vec<(f64, Option<f64>)>>);

impl Progress for Heard {
    fn event(&self, event: &Event) {
        if let Event::Heard { seconds, total } = event {
            self.0.lock().unwrap().push((*seconds, *total));
        }
    }
}

/// Peak resident memory of this process, MB.
fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb / 1024
}

#[test]
#[cfg(target_os = "linux")]
fn a_two_hour_recording_streams_with_progress_and_bounded_memory() {
    let clip_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/eval/audio/en_librispeech_1995-1837-0001.wav");
    assert!(
        clip_path.is_file(),
        "{} is missing: the shared evaluation kit must sit beside the repository",
        clip_path.display()
    );
    let clip = read_wav(&clip_path);
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("two-hours.flac");
    let at = (CLIP_AT * f64::from(RATE)) as u64;
    write_sparse_flac(&long, HOURS_2, &[(at, &clip)]);
    let size = std::fs::metadata(&long).unwrap().len();
    assert!(size < 2_000_000, "{size} bytes");

    let speech = Speech::open(dir.path()).unwrap();
    let heard = Heard::default();
    let t = speech
        .transcribe_file(&long, Some(Language::Auto), &heard, &Cancel::new())
        .unwrap();
    let peak = peak_rss_mb();
    eprintln!(
        "peak RSS {peak} MB; {} segments: {:?}",
        t.segments.len(),
        t.segments
    );

    assert_eq!(t.language, "en");
    let said = words(SAID);
    let got = words(&t.text);
    assert!(edit_distance(&said, &got) <= 3, "heard {:?}", t.text);
    let first = t.segments.first().unwrap();
    let last = t.segments.last().unwrap();
    let clip_end = CLIP_AT + clip.len() as f64 / f64::from(RATE);
    assert!((first.start - CLIP_AT).abs() < 2.0, "{first:?}");
    assert!(last.end <= clip_end + 2.0 && last.end > CLIP_AT, "{last:?}");
    assert!(
        (t.audio_seconds - 7200.0).abs() < 0.01,
        "{}",
        t.audio_seconds
    );

    // Progress after every window (at most 2 minutes each), in order, to the end.
    let events = heard.0.lock().unwrap().clone();
    assert!(events.len() >= 60, "{} progress events", events.len());
    assert!(events.windows(2).all(|w| w[0].0 < w[1].0), "{events:?}");
    assert!(events.windows(2).all(|w| w[1].0 - w[0].0 <= 120.0 + 1e-6));
    assert!(
        events.iter().all(|e| e.1 == Some(7200.0)),
        "{:?}",
        events[0]
    );
    assert!((events.last().unwrap().0 - 7200.0).abs() < 0.01);

    assert!(
        peak < PEAK_RSS_LIMIT_MB,
        "peak RSS {peak} MB (limit {PEAK_RSS_LIMIT_MB} MB)"
    );
}
