//! Live input on real recordings: the voice-activity detector finds where
//! the speech is, sessions stop, cancel and report levels, partial and final
//! results as a push-to-talk button needs, and a machine without a
//! microphone gets a clear error.
//!
//! The recordings are the evaluation kit's 16 kHz WAVs in
//! `../shared/eval/audio` beside the workspace; they are padded with room
//! tone (white noise at each recording's own background level) generated
//! here. Recognition is [`VoicedProfile`], a real recogniser that needs no
//! model: it reports how many voiced stretches it was given and how long
//! they are, so the tests can check what audio reached it.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use whisker_speech::live::{
    AudioSource, Event, FileSource, MicSource, Mode, Outcome, Pace, Recognizer, Session,
    SessionConfig, Stop, Tail, Utterance, Vad, VadConfig, energy_db, read_wav,
};
use whisker_speech::transcribe::CancelFlag;
use whisker_speech::{Error, Result};

const RATE: f32 = 16_000.0;
const FRAME: usize = 320;
/// Room tone before and after each recording, in seconds.
const LEAD: f32 = 1.0;
const TRAIL: f32 = 1.5;
/// Tolerance on where speech starts and ends: a soft onset, or a tail that fades
/// (breath, reverberation, a last noise) is louder than the room tone, and
/// the detector, which only compares with the room tone, keeps it.
const ONSET: f32 = 0.35;
const TAIL: f32 = 0.8;

fn audio_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/eval/audio")
}

/// The kit's recordings; panics with how to get them when missing.
fn recordings() -> Vec<PathBuf> {
    let dir = audio_dir();
    let mut found: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (the evaluation kit goes in ../shared/eval)",
                dir.display()
            )
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    found.sort();
    assert!(found.len() >= 4, "{found:?}");
    found
}

/// Frame energies (dBFS) of `x`.
fn energies(x: &[f32]) -> Vec<f32> {
    x.chunks_exact(FRAME).map(energy_db).collect()
}

/// The level below which `percent` of the recording's frames lie.
fn percentile_db(x: &[f32], percent: usize) -> f32 {
    let mut e = energies(x);
    e.sort_by(f32::total_cmp);
    e[e.len() * percent / 100]
}

/// The recording's background level: its quietest frames (the room tone
/// between words).
fn background_db(x: &[f32]) -> f32 {
    percentile_db(x, 2)
}

/// Where the speech is, by energy: the first and last frame louder than
/// halfway (in dB) between the quietest tenth of frames and the loudest
/// (seconds into `x`).
fn speech_by_energy(x: &[f32]) -> (f32, f32) {
    let e = energies(x);
    let peak = e.iter().copied().fold(-100.0, f32::max);
    let threshold = (percentile_db(x, 10) + peak) / 2.0;
    let first = e.iter().position(|&v| v > threshold).unwrap();
    let last = e.iter().rposition(|&v| v > threshold).unwrap();
    (seconds(first * FRAME), seconds((last + 1) * FRAME))
}

fn seconds(samples: usize) -> f32 {
    samples as f32 / RATE
}

/// White noise at `db` dBFS, reproducible.
fn room_tone(secs: f32, db: f32, seed: u64) -> Vec<f32> {
    let rms = 10f32.powf(db / 20.0);
    let mut state = seed | 1;
    (0..(secs * RATE) as usize)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * rms * 3f32.sqrt()
        })
        .collect()
}

/// A recording between room tone: (samples, speech start, speech end).
fn padded(path: &Path) -> (Vec<f32>, f32, f32) {
    let speech = read_wav(path).unwrap();
    assert_eq!(speech.sample_rate, 16_000, "{}", path.display());
    let db = background_db(&speech.samples);
    let (start, end) = speech_by_energy(&speech.samples);
    let mut all = room_tone(LEAD, db, 1);
    all.extend(&speech.samples);
    all.extend(room_tone(TRAIL, db, 2));
    (all, LEAD + start, LEAD + end)
}

/// A recogniser that needs no model: it finds the voiced stretches of what
/// it is given (frames within 30 dB of the loudest, joined across gaps
/// under 300 ms) and reports "N voiced, V s of T s".
#[derive(Debug, Default)]
struct VoicedProfile {
    calls: Mutex<Vec<usize>>,
}

impl Recognizer for VoicedProfile {
    fn recognize(&self, samples: &[f32], _: &CancelFlag) -> Result<String> {
        self.calls.lock().unwrap().push(samples.len());
        let e = energies(samples);
        let peak = e.iter().copied().fold(-100.0, f32::max);
        let voiced: Vec<bool> = e.iter().map(|&v| v > peak - 30.0 && v > -60.0).collect();
        let (mut stretches, mut gap, mut total) = (0, usize::MAX, 0);
        for &v in &voiced {
            if v {
                stretches += usize::from(gap >= 15);
                gap = 0;
                total += 1;
            } else {
                gap = gap.saturating_add(1);
            }
        }
        Ok(format!(
            "{stretches} voiced, {:.2} s of {:.2} s",
            seconds(total * FRAME),
            seconds(samples.len())
        ))
    }
}

/// A recogniser whose first `hold` runs go on until they are stopped (or a
/// minute passes) and whose later runs answer at once. It says when each
/// run starts and records how each ended.
struct Holding {
    hold: usize,
    calls: AtomicUsize,
    started: Mutex<mpsc::Sender<()>>,
    ended: Mutex<Vec<&'static str>>,
}

impl Holding {
    fn new(hold: usize) -> (Arc<Holding>, Receiver<()>) {
        let (tx, rx) = mpsc::channel();
        let holding = Holding {
            hold,
            calls: AtomicUsize::new(0),
            started: Mutex::new(tx),
            ended: Mutex::new(Vec::new()),
        };
        (Arc::new(holding), rx)
    }

    fn ended(&self) -> Vec<&'static str> {
        self.ended.lock().unwrap().clone()
    }
}

impl Recognizer for Holding {
    fn recognize(&self, _: &[f32], cancel: &CancelFlag) -> Result<String> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let _ = self.started.lock().unwrap().send(());
        if call >= self.hold {
            self.ended.lock().unwrap().push("answered");
            return Ok("answered".into());
        }
        let give_up = Instant::now() + Duration::from_secs(60);
        while !cancel.load(Ordering::SeqCst) && Instant::now() < give_up {
            std::thread::sleep(Duration::from_millis(5));
        }
        if cancel.load(Ordering::SeqCst) {
            self.ended.lock().unwrap().push("stopped");
            Err(Error::Cancelled)
        } else {
            self.ended.lock().unwrap().push("not stopped");
            Ok("held".into())
        }
    }
}

/// Seconds of voice in a [`VoicedProfile`] text.
fn voiced_seconds(text: &str) -> f32 {
    text.split(", ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn begin(source: impl AudioSource + 'static, cfg: SessionConfig) -> (Session, Receiver<Event>) {
    begin_with(source, cfg, Arc::new(VoicedProfile::default()))
}

fn begin_with(
    source: impl AudioSource + 'static,
    cfg: SessionConfig,
    recognizer: Arc<dyn Recognizer>,
) -> (Session, Receiver<Event>) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let session = Session::start(source, recognizer, cfg, move |e| {
        let _ = tx.lock().unwrap().send(e);
    })
    .unwrap();
    (session, rx)
}

fn until_silence() -> SessionConfig {
    SessionConfig {
        mode: Mode::UntilSilence,
        ..SessionConfig::default()
    }
}

fn utterance(outcome: Outcome) -> Utterance {
    match outcome {
        Outcome::Recognized(u) => u,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_vad_finds_speech_in_every_recording() {
    for path in recordings() {
        let (samples, start, end) = padded(&path);
        let found = Vad::segments(&VadConfig::default(), &samples).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        assert_eq!(found.len(), 1, "{name}: {found:?}");
        let (got_start, got_end) = (seconds(found[0].start), seconds(found[0].end));
        assert!(
            (got_start - start).abs() <= ONSET,
            "{name}: start {got_start} vs {start}"
        );
        // A recording's tail fades (breath, reverberation) and where it
        // ends depends on the threshold: the detector may keep more of it.
        assert!(
            (got_end - end).abs() <= TAIL,
            "{name}: end {got_end} vs {end}"
        );
    }
}

#[test]
fn until_silence_stops_after_the_configured_silence() {
    for silence_ms in [800, 1500] {
        let path = &recordings()[0];
        let (samples, start, end) = padded(path);
        let mut cfg = until_silence();
        cfg.vad.end_silence = Duration::from_millis(silence_ms);
        let source = FileSource::new(samples).tail(Tail::Silence);
        let (session, _events) = begin(source, cfg);
        let u = utterance(session.wait().unwrap());
        assert_eq!(u.stop, Stop::Silence);
        let after = (u.captured - u.speech_end).as_secs_f32();
        let wanted = silence_ms as f32 / 1000.0;
        assert!(
            after >= wanted && after <= wanted + 0.06,
            "{silence_ms} ms: stopped {after} s after"
        );
        assert!(
            (u.speech_start.as_secs_f32() - start).abs() <= ONSET,
            "{u:?} vs {start}"
        );
        assert!(
            (u.speech_end.as_secs_f32() - end).abs() <= TAIL,
            "{u:?} vs {end}"
        );
    }
}

#[test]
fn the_final_result_is_the_trimmed_utterance_and_hears_all_of_it() {
    for path in recordings() {
        let (samples, start, end) = padded(&path);
        let source = FileSource::new(samples.clone());
        let (session, _events) = begin(source, SessionConfig::default());
        let u = utterance(session.wait().unwrap());
        assert_eq!(u.stop, Stop::EndOfStream);
        // The speech plus 200 ms either side, not the 2.5 s of room tone.
        let expected = (u.speech_end - u.speech_start).as_secs_f32() + 0.4;
        assert!((u.audio.as_secs_f32() - expected).abs() < 0.01, "{u:?}");
        assert!(
            (u.speech_start.as_secs_f32() - start).abs() <= ONSET,
            "{u:?}"
        );
        assert!((u.speech_end.as_secs_f32() - end).abs() <= TAIL, "{u:?}");
        assert!(
            u.audio.as_secs_f32() < seconds(samples.len()) - 2.0,
            "{u:?}"
        );
        // The recogniser heard the same voice as in the whole padded file
        // (within 5%: frames fall differently on the cut audio).
        let whole = VoicedProfile::default()
            .recognize(&samples, &CancelFlag::default())
            .unwrap();
        let (heard, all) = (voiced_seconds(&u.text), voiced_seconds(&whole));
        assert!((heard - all).abs() <= 0.05 * all, "{u:?} vs {whole}");
    }
}

/// A recording between room tone, played at 4x real time, then silence
/// for as long as the session listens.
fn played(path: &Path) -> FileSource {
    let (samples, ..) = padded(path);
    FileSource::new(samples)
        .pace(Pace::RealTime { speed: 4.0 })
        .tail(Tail::Silence)
}

/// Plays a recording at 4x real time into a push-to-talk session and
/// collects its events until `until` says stop (or the session ends).
fn push_to_talk(
    path: &Path,
    until: impl Fn(&[Event], &Session) -> bool,
) -> (Vec<Event>, Result<Outcome>) {
    let (session, rx) = begin(played(path), SessionConfig::default());
    let mut events = Vec::new();
    while let Ok(e) = rx.recv_timeout(Duration::from_secs(20)) {
        let last = matches!(
            e,
            Event::Final(_) | Event::NoSpeech(_) | Event::Cancelled | Event::Failed(_)
        );
        events.push(e);
        if last || until(&events, &session) {
            break;
        }
    }
    (events, session.wait())
}

fn levels(events: &[Event]) -> Vec<f32> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Level(v) => Some(*v),
            _ => None,
        })
        .collect()
}

#[test]
fn push_to_talk_sends_levels_and_partials_then_the_final_on_stop() {
    let path = &recordings()[0];
    let (samples, start, end) = padded(path);
    // Release the button 1.5 s after the recording (levels come every 100 ms):
    // longer than the 800 ms that would end an until-silence session.
    let release = ((seconds(samples.len()) + 1.5) * 10.0) as usize;
    let (mut events, outcome) = push_to_talk(path, |events, session| {
        if levels(events).len() == release {
            session.stop();
        }
        false
    });
    while !matches!(events.last(), Some(Event::Final(_))) {
        assert!(!events.is_empty(), "no final event");
        events.pop();
    }
    let u = utterance(outcome.unwrap());
    assert_eq!(u.stop, Stop::Requested);
    assert!(
        u.captured.as_secs_f32() >= seconds(samples.len()) + 1.4,
        "{u:?}"
    );
    assert!(
        (u.speech_start.as_secs_f32() - start).abs() <= ONSET
            && (u.speech_end.as_secs_f32() - end).abs() <= TAIL
    );
    assert_eq!(events.last(), Some(&Event::Final(u.clone())));

    let partials: Vec<f32> = events
        .iter()
        .filter_map(|e| match e {
            Event::Partial { audio, text } => Some((audio.as_secs_f32(), voiced_seconds(text))),
            _ => None,
        })
        .map(|(audio, voiced)| {
            assert!(voiced <= audio);
            audio
        })
        .collect();
    assert!(partials.len() >= 2, "{partials:?}");
    assert!(
        partials.windows(2).all(|w| w[0] < w[1]),
        "partials grow: {partials:?}"
    );
    assert!(*partials.last().unwrap() <= u.audio.as_secs_f32() + 1.0);

    let levels = levels(&events);
    let lead = levels[..(LEAD * 10.0) as usize - 2]
        .iter()
        .copied()
        .fold(0.0, f32::max);
    let speech = levels[(start * 10.0) as usize + 2..(end * 10.0) as usize]
        .iter()
        .copied()
        .fold(0.0, f32::max);
    assert!(
        speech > lead + 0.3,
        "level {lead} in room tone, {speech} while speaking"
    );
}

#[test]
fn cancel_discards_the_utterance() {
    let path = &recordings()[1];
    let (events, outcome) = push_to_talk(path, |events, session| {
        if matches!(events.last(), Some(Event::SpeechStarted(_))) {
            session.cancel();
        }
        false
    });
    assert_eq!(outcome.unwrap(), Outcome::Cancelled);
    assert!(!events.iter().any(|e| matches!(e, Event::Final(_))));
}

#[test]
fn the_final_result_does_not_wait_for_a_partial_still_running() {
    let (recognizer, started) = Holding::new(1);
    let (session, events) = begin_with(
        played(&recordings()[0]),
        SessionConfig::default(),
        recognizer.clone(),
    );
    // The button is released while the first partial runs.
    started.recv_timeout(Duration::from_secs(30)).unwrap();
    session.stop();
    let u = utterance(session.wait().unwrap());
    assert_eq!(u.text, "answered");
    assert_eq!(recognizer.ended(), ["stopped", "answered"]);
    let events: Vec<Event> = events.try_iter().collect();
    assert!(
        !events.iter().any(|e| matches!(e, Event::Partial { .. })),
        "{events:?}"
    );
}

#[test]
fn a_source_that_fails_mid_utterance_stops_the_partial_run_first() {
    /// The recording, until the first partial run has started; then an error.
    struct Unplugged {
        inner: FileSource,
        started: Receiver<()>,
    }
    impl AudioSource for Unplugged {
        fn sample_rate(&self) -> u32 {
            self.inner.sample_rate()
        }
        fn read(&mut self) -> Result<Option<Vec<f32>>> {
            match self.started.try_recv() {
                Ok(()) => Err(Error::Invalid("the microphone went away".into())),
                Err(_) => self.inner.read(),
            }
        }
    }
    let (recognizer, started) = Holding::new(1);
    let source = Unplugged {
        inner: played(&recordings()[0]),
        started,
    };
    let (session, events) = begin_with(source, SessionConfig::default(), recognizer.clone());
    let err = session.wait().unwrap_err();
    assert!(err.to_string().contains("went away"), "{err}");
    // The held run was stopped before the session ended, so nothing of it
    // follows the failure.
    assert_eq!(recognizer.ended(), ["stopped"]);
    let last = events.try_iter().last();
    assert!(matches!(last, Some(Event::Failed(_))), "{last:?}");
}

#[test]
fn cancelling_stops_the_final_run() {
    let source = played(&recordings()[0]);
    let cfg = SessionConfig {
        partial_every: None,
        ..SessionConfig::default()
    };
    let (recognizer, started) = Holding::new(usize::MAX);
    let (session, events) = begin_with(source, cfg, recognizer.clone());
    while !matches!(
        events.recv_timeout(Duration::from_secs(30)).unwrap(),
        Event::SpeechStarted(_)
    ) {}
    session.stop();
    started.recv_timeout(Duration::from_secs(30)).unwrap();
    session.cancel();
    assert_eq!(session.wait().unwrap(), Outcome::Cancelled);
    assert_eq!(recognizer.ended(), ["stopped"]);
    assert_eq!(events.try_iter().last(), Some(Event::Cancelled));
}

#[test]
fn dropping_a_running_session_cancels_it() {
    let source = FileSource::new(Vec::new())
        .pace(Pace::RealTime { speed: 1.0 })
        .tail(Tail::Silence);
    let (session, rx) = begin(source, SessionConfig::default());
    drop(session);
    let last = rx.iter().last();
    assert_eq!(last, Some(Event::Cancelled));
}

#[test]
fn room_tone_alone_is_no_speech() {
    let quiet = room_tone(3.0, -50.0, 7);
    let (session, _) = begin(FileSource::new(quiet.clone()), SessionConfig::default());
    assert_eq!(
        session.wait().unwrap(),
        Outcome::NoSpeech(Stop::EndOfStream)
    );
    let mut cfg = until_silence();
    cfg.max_wait = Duration::from_secs(2);
    let (session, _) = begin(FileSource::new(quiet).tail(Tail::Silence), cfg);
    assert_eq!(session.wait().unwrap(), Outcome::NoSpeech(Stop::Timeout));
}

#[test]
fn a_long_utterance_stops_at_the_maximum_length() {
    let path = &recordings()[0];
    let (samples, start, _) = padded(path);
    let mut cfg = SessionConfig::default();
    cfg.vad.max_utterance = Duration::from_secs(2);
    let (session, _) = begin(FileSource::new(samples), cfg);
    let u = utterance(session.wait().unwrap());
    assert_eq!(u.stop, Stop::MaxLength);
    let length = (u.speech_end - u.speech_start).as_secs_f32();
    assert!((1.8..=2.05).contains(&length), "{u:?}");
    assert!((u.speech_start.as_secs_f32() - start).abs() <= ONSET);
}

#[test]
fn a_source_at_another_rate_is_refused() {
    struct At8k;
    impl AudioSource for At8k {
        fn sample_rate(&self) -> u32 {
            8_000
        }
        fn read(&mut self) -> Result<Option<Vec<f32>>> {
            Ok(None)
        }
    }
    let err = Session::start(
        At8k,
        Arc::new(VoicedProfile::default()),
        SessionConfig::default(),
        |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("16 kHz"), "{err}");
}

#[test]
fn the_microphone_without_a_device_is_a_clear_error() {
    match MicSource::open() {
        Err(e @ (Error::NoMicrophone(_) | Error::Microphone(_))) => {
            let message = e.to_string();
            assert!(
                message.starts_with("no microphone") || message.starts_with("microphone"),
                "{message}"
            );
            eprintln!("as expected on a machine without sound hardware: {message}");
        }
        Err(other) => panic!("not a microphone error: {other:?}"),
        Ok(mic) => eprintln!(
            "this machine has a microphone ({}); skipped",
            mic.device_name
        ),
    }
}

#[test]
fn a_wav_that_is_not_one_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.wav");
    std::fs::write(&path, "not audio").unwrap();
    let err = FileSource::open_wav(&path).unwrap_err();
    assert!(
        matches!(err, Error::Wav { .. }) && err.to_string().contains("notes.wav"),
        "{err}"
    );
}
