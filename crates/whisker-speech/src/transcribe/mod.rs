//! Speech to text with whisper.cpp: files or 16 kHz samples in, timed
//! segments out.
//!
//! [`Transcriber::load`] opens a whisper.cpp GGML model. Then:
//!
//! - [`Transcriber::transcribe_file`] decodes any audio file window by window
//!   ([`crate::audio::AudioReader`]), cutting each window at its quietest
//!   moment near the end so no word is split, and transcribes the windows in
//!   turn: a two-hour file needs one window of memory, reports progress after
//!   each, and stops when cancelled (whisper.cpp is asked to abort too);
//! - [`Transcriber::transcribe_samples`] takes 16 kHz mono `f32` samples,
//!   for input that is already in memory (a microphone, a test), and stops
//!   when cancelled as well;
//! - [`Transcriber::session`] is the piece both are built on: push windows,
//!   get their segments as they are recognised, with times that run on from
//!   window to window — the shape a live, partial transcript will need.
//!
//! Language: `auto` detects it once, from the first window with sound (an
//! encoder pass over that sound and 2 s, not a whole 30 s window), and
//! keeps it for the rest of the file; the detected code is reported. Chinese
//! is decoded after a Simplified-Chinese prompt and converted to Simplified
//! characters (Whisper often writes Traditional). Silence gives no text:
//! windows with no sound above -50 dBFS never reach the model (and of the
//! others only the sound and half a second around it does), nor do windows
//! of steady noise, where no 100 ms stands out (hiss, a fan), and a
//! segment Whisper itself thinks is not speech (no-speech probability above
//! 0.6 with low confidence, as in OpenAI's decoder) is dropped, and so is
//! one of Whisper's stock phrases ("Thank you for watching.",
//! "字幕by索兰娅") when anything says it was not speech
//! ([`hallucination`]).
//!
//! Built without the `whisper` feature, [`Transcriber::load`] fails with
//! [`Error::Unavailable`]; audio decoding still works.

mod ggml;
pub mod hallucination;
mod text;
#[cfg(feature = "whisper")]
mod whisper;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

pub use text::{join_segments, to_simplified};

use crate::audio::{AudioReader, SAMPLE_RATE};
use crate::error::{Error, Result};

/// A shared flag that stops transcription at the next safe point.
pub type CancelFlag = Arc<AtomicBool>;

/// The language to transcribe in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Detect it from the first sound.
    #[default]
    Auto,
    Zh,
    En,
}

impl Language {
    /// Whisper's code, `None` for auto.
    pub fn code(self) -> Option<&'static str> {
        match self {
            Language::Auto => None,
            Language::Zh => Some("zh"),
            Language::En => Some("en"),
        }
    }
}

impl std::str::FromStr for Language {
    type Err = Error;

    fn from_str(s: &str) -> Result<Language> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(Language::Auto),
            "zh" | "chinese" | "zh-cn" | "zh-hans" => Ok(Language::Zh),
            "en" | "english" => Ok(Language::En),
            other => Err(Error::Invalid(format!(
                "unknown language '{other}' (expected auto, zh or en)"
            ))),
        }
    }
}

/// How to transcribe.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub language: Language,
    /// CPU threads for whisper.cpp; 0 = what the machine has (at most 8).
    pub threads: usize,
    /// Longest piece of a file given to whisper.cpp at once, seconds.
    pub window_seconds: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            language: Language::Auto,
            threads: 0,
            window_seconds: 120.0,
        }
    }
}

impl Options {
    /// The thread count to use.
    pub fn threads(&self) -> usize {
        if self.threads > 0 {
            return self.threads;
        }
        std::thread::available_parallelism().map_or(2, |n| n.get().min(8))
    }
}

/// A stretch of recognised speech; times in seconds from the start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    pub start: f64,
    pub end: f64,
    pub text: String,
}

/// The whole transcript. Serialises as `{"text", "language", "segments"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transcript {
    pub text: String,
    /// Whisper's code of the language transcribed ("en", "zh", ...), or ""
    /// when there was no sound to detect it from.
    pub language: String,
    pub segments: Vec<Segment>,
    /// Seconds of audio heard.
    #[serde(skip)]
    pub audio_seconds: f64,
    /// Why part of the file could not be heard, when it could not.
    #[serde(skip)]
    pub damage: Option<String>,
}

/// Progress of a file: seconds transcribed, of `total` when known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Done {
    pub seconds: f64,
    pub total: Option<f64>,
}

/// A loaded whisper.cpp model.
#[derive(Debug)]
pub struct Transcriber {
    #[cfg(feature = "whisper")]
    engine: whisper::Engine,
}

impl Transcriber {
    /// Loads a whisper.cpp GGML model file: [`Error::Missing`] if there is
    /// none, [`Error::BadModel`] for another format (such as a CTranslate2
    /// `model.bin`) or a damaged file.
    pub fn load(model: &Path) -> Result<Transcriber> {
        check_model_file(model)?;
        #[cfg(feature = "whisper")]
        {
            Ok(Transcriber {
                engine: whisper::Engine::load(model)?,
            })
        }
        #[cfg(not(feature = "whisper"))]
        {
            Err(Error::Unavailable)
        }
    }

    /// A session: push 16 kHz mono windows in order, get segments back.
    pub fn session(&self, options: &Options, cancel: &CancelFlag) -> Result<Session<'_>> {
        #[cfg(feature = "whisper")]
        {
            Ok(Session {
                inner: self.engine.session(options, cancel)?,
                segments: Vec::new(),
                samples: 0,
            })
        }
        #[cfg(not(feature = "whisper"))]
        {
            let _ = (options, cancel);
            Err(Error::Unavailable)
        }
    }

    /// Transcribes 16 kHz mono samples held in memory; stops with
    /// [`Error::Cancelled`] when `cancel` is set.
    pub fn transcribe_samples(
        &self,
        samples: &[f32],
        options: &Options,
        cancel: &CancelFlag,
    ) -> Result<Transcript> {
        let mut session = self.session(options, cancel)?;
        let window = window_samples(options);
        let mut rest = samples;
        while !rest.is_empty() {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            let cut = if rest.len() > window {
                quiet_cut(&rest[..window])
            } else {
                rest.len()
            };
            session.push(&rest[..cut])?;
            rest = &rest[cut..];
        }
        Ok(session.finish())
    }

    /// Transcribes an audio file window by window, calling `progress` after
    /// each; stops with [`Error::Cancelled`] when `cancel` is set.
    pub fn transcribe_file(
        &self,
        path: &Path,
        options: &Options,
        progress: &mut dyn FnMut(Done),
        cancel: &CancelFlag,
    ) -> Result<Transcript> {
        let mut reader = AudioReader::open(path)?;
        let total = reader.info().duration;
        let mut session = self.session(options, cancel)?;
        let window = window_samples(options);
        let mut carry: Vec<f32> = Vec::new();
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            // The window is cut at a pause only when more follows, else a
            // file shorter than a window would be cut in two (twice
            // Whisper's 30 s encoder pass, and a word heard on both sides).
            // `read` hands out fewer samples than asked only at the end.
            let wanted = window - carry.len().min(window - 1);
            let next = reader.read(wanted)?;
            let last = match &next {
                Some(n) if n.len() == wanted => reader.finished()?,
                _ => true,
            };
            carry.extend(next.unwrap_or_default());
            if carry.is_empty() {
                break;
            }
            let cut = if last { carry.len() } else { quiet_cut(&carry) };
            session.push(&carry[..cut])?;
            carry.drain(..cut);
            progress(Done {
                seconds: session.seconds(),
                total,
            });
            if last && carry.is_empty() {
                break;
            }
        }
        let mut transcript = session.finish();
        transcript.damage = reader.damage().map(str::to_string);
        Ok(transcript)
    }
}

/// Windows being transcribed in order.
#[derive(Debug)]
pub struct Session<'a> {
    #[cfg(feature = "whisper")]
    inner: whisper::Run<'a>,
    #[cfg(not(feature = "whisper"))]
    inner: std::marker::PhantomData<&'a ()>,
    segments: Vec<Segment>,
    samples: u64,
}

impl Session<'_> {
    /// Transcribes the next window (16 kHz mono, following the previous one)
    /// and returns its segments.
    pub fn push(&mut self, window: &[f32]) -> Result<&[Segment]> {
        let offset = self.seconds();
        self.samples += window.len() as u64;
        let before = self.segments.len();
        if let Some(sound) = sound_range(window)
            && !hallucination::is_steady_noise(&window[sound.clone()])
        {
            let offset = offset + sound.start as f64 / f64::from(SAMPLE_RATE);
            #[cfg(feature = "whisper")]
            {
                let new = self.inner.transcribe(&window[sound], offset)?;
                self.segments.extend(new);
            }
            #[cfg(not(feature = "whisper"))]
            let _ = (offset, sound);
        }
        Ok(&self.segments[before..])
    }

    /// Seconds pushed so far.
    pub fn seconds(&self) -> f64 {
        self.samples as f64 / f64::from(SAMPLE_RATE)
    }

    /// The language detected or chosen ("" before any sound).
    pub fn language(&self) -> String {
        #[cfg(feature = "whisper")]
        {
            self.inner.language().to_string()
        }
        #[cfg(not(feature = "whisper"))]
        String::new()
    }

    pub fn finish(self) -> Transcript {
        let language = self.language();
        Transcript {
            text: join_segments(&self.segments, &language),
            language,
            audio_seconds: self.seconds(),
            segments: self.segments,
            damage: None,
        }
    }
}

fn window_samples(options: &Options) -> usize {
    let seconds = options.window_seconds.clamp(10.0, 600.0);
    (seconds * f64::from(SAMPLE_RATE)) as usize
}

/// Loudness under which a window is silence: -50 dBFS. Speech at any usable
/// recording level has 20 ms frames well above it; a quiet room's hiss does not.
const SILENCE_RMS: f32 = 0.003;
/// 20 ms frames for loudness.
const FRAME: usize = SAMPLE_RATE as usize / 50;

/// Whether any 20 ms frame is louder than [`SILENCE_RMS`].
pub fn has_sound(samples: &[f32]) -> bool {
    samples.chunks(FRAME).any(|f| rms(f) > SILENCE_RMS)
}

/// Silence kept around the sound of a window (onsets and tails quieter
/// than the -50 dBFS gate are never this long).
const SOUND_PAD: usize = SAMPLE_RATE as usize / 2;

/// The part of `window` from half a second before its first frame louder
/// than [`SILENCE_RMS`] to half a second after its last, or `None` if no
/// frame is. Whisper is given only that: it is faster, and Whisper dates
/// speech that follows a long silence seconds too early (its segment opens
/// in the silence).
pub fn sound_range(window: &[f32]) -> Option<std::ops::Range<usize>> {
    let loud = |f: &&[f32]| rms(f) > SILENCE_RMS;
    let first = window.chunks(FRAME).position(|f| loud(&f))?;
    let last = window.chunks(FRAME).rposition(|f| loud(&f))?;
    let start = (first * FRAME).saturating_sub(SOUND_PAD);
    let end = ((last + 1) * FRAME + SOUND_PAD).min(window.len());
    Some(start..end)
}

fn rms(frame: &[f32]) -> f32 {
    if frame.is_empty() {
        return 0.0;
    }
    (frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32).sqrt()
}

/// Where to end a window: the middle of the quietest 20 ms frame in its last
/// 5 seconds (a pause between words), or its end if it is shorter than that.
pub fn quiet_cut(window: &[f32]) -> usize {
    let search = 5 * SAMPLE_RATE as usize;
    if window.len() <= search + FRAME {
        return window.len();
    }
    let from = window.len() - search;
    (from..window.len() - FRAME)
        .step_by(FRAME / 2)
        .min_by(|&a, &b| rms(&window[a..a + FRAME]).total_cmp(&rms(&window[b..b + FRAME])))
        .map_or(window.len(), |start| start + FRAME / 2)
}

/// whisper.cpp files start with the magic 0x67676d6c ("ggml", little-endian).
fn check_model_file(model: &Path) -> Result<()> {
    use std::io::Read;
    let mut file = std::fs::File::open(model).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Missing {
            path: model.into(),
            what: "the whisper.cpp speech model",
        },
        _ => Error::io(model, e),
    })?;
    let mut magic = [0u8; 4];
    file.read_exact(&mut magic)
        .map_err(|_| Error::bad(model, "too short to be a speech model"))?;
    if u32::from_le_bytes(magic) != 0x6767_6d6c {
        return Err(Error::bad(
            model,
            "not a whisper.cpp GGML model (a CTranslate2/faster-whisper model.bin must be converted first)",
        ));
    }
    // whisper.cpp takes a file cut short before its tensors for an empty
    // test model, and transcribes garbage with it: walk the layout first.
    let size = file.metadata().map_err(|e| Error::io(model, e))?.len();
    let reader = std::io::BufReader::new(file);
    ggml::check_layout(reader, size).map_err(|detail| Error::bad(model, detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse() {
        assert_eq!("auto".parse::<Language>().unwrap(), Language::Auto);
        assert_eq!("ZH".parse::<Language>().unwrap(), Language::Zh);
        assert_eq!(" en ".parse::<Language>().unwrap(), Language::En);
        assert!("fr".parse::<Language>().is_err());
    }

    #[test]
    fn silence_has_no_sound_and_a_tone_has() {
        assert!(!has_sound(&vec![0.0; 16_000]));
        assert!(!has_sound(&vec![0.002; 16_000]));
        let mut tone = vec![0.0; 16_000];
        tone[8_000..8_400].iter_mut().for_each(|s| *s = 0.1);
        assert!(has_sound(&tone));
    }

    #[test]
    fn whisper_hears_the_sound_and_half_a_second_around_it() {
        let mut w = vec![0.0; 60 * 16_000];
        w[40 * 16_000..41 * 16_000]
            .iter_mut()
            .for_each(|s| *s = 0.1);
        assert_eq!(
            sound_range(&w),
            Some(39 * 16_000 + 8_000..41 * 16_000 + 8_000)
        );
        w[100] = 0.5;
        assert_eq!(sound_range(&w).map(|r| r.start), Some(0));
        assert_eq!(sound_range(&[0.0; 16_000]), None);
    }

    #[test]
    fn windows_are_cut_in_the_pause() {
        // Loud everywhere except a pause 3 s before the end.
        let n = 60 * 16_000;
        let mut w: Vec<f32> = (0..n).map(|i| ((i % 50) as f32 / 50.0) - 0.5).collect();
        let pause = n - 3 * 16_000;
        w[pause..pause + 1_600].iter_mut().for_each(|s| *s = 0.0);
        let cut = quiet_cut(&w);
        assert!(cut > pause && cut < pause + 1_600, "cut at {cut}");
        assert_eq!(quiet_cut(&w[..1000]), 1000);
    }

    #[test]
    fn a_missing_or_foreign_model_is_a_model_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.bin");
        let err = Transcriber::load(&missing).unwrap_err();
        assert!(matches!(err, Error::Missing { .. }), "{err}");
        assert!(err.to_string().contains("missing"), "{err}");
        let foreign = dir.path().join("model.bin");
        std::fs::write(&foreign, b"\x00\x01\x02\x03 some CTranslate2 bytes").unwrap();
        let err = Transcriber::load(&foreign).unwrap_err();
        assert!(
            err.to_string().contains("not a whisper.cpp GGML model"),
            "{err}"
        );
    }
}

/// A [`Transcriber`] with fixed options, as the recogniser of live
/// push-to-talk and until-silence sessions ([`crate::live::Session`]).
#[derive(Debug)]
pub struct LiveRecognizer {
    pub transcriber: Transcriber,
    pub options: Options,
}

impl crate::live::Recognizer for LiveRecognizer {
    fn recognize(&self, samples_16k: &[f32], cancel: &CancelFlag) -> Result<String> {
        Ok(self
            .transcriber
            .transcribe_samples(samples_16k, &self.options, cancel)?
            .text)
    }
}
