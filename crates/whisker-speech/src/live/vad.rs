//! Voice-activity detection on 16 kHz mono samples, frame by frame.
//!
//! Each frame (20 ms by default) is voiced when its energy stands
//! `margin_db` above an adaptive noise floor (and above an absolute minimum,
//! so digital silence never counts), or, for weak fricatives such as "s",
//! three quarters of that margin with a high zero-crossing rate. The floor follows the
//! quietest frame of the last two seconds (minimum statistics): down at once,
//! up with a short time constant. Speech always has pauses that short, so a
//! sentence does not raise it, while a fan switching on is learnt within
//! about two seconds. Speech starts after
//! `min_speech` of voiced frames; short dips up to `hangover` stay inside a
//! segment; `end_silence` of unvoiced frames, or `max_utterance` of speech,
//! ends the utterance, after which the detector waits for the next one.
//!
//! It does not buffer audio, resample or recognise anything: it reports
//! sample positions, and the caller cuts its own buffer.

use std::collections::VecDeque;
use std::ops::Range;
use std::time::Duration;

use super::SAMPLE_RATE;
use crate::error::{Error, Result};

/// How the detector decides; durations are rounded to whole frames.
#[derive(Debug, Clone, PartialEq)]
pub struct VadConfig {
    /// Analysis frame length (10-50 ms).
    pub frame: Duration,
    /// How far above the noise floor a frame must be to be voiced.
    pub margin_db: f32,
    /// Frames quieter than this (dBFS) are never voiced.
    pub min_speech_db: f32,
    /// Voiced time needed before speech is declared (clicks are shorter).
    pub min_speech: Duration,
    /// Unvoiced dips shorter than this stay inside a speech segment.
    pub hangover: Duration,
    /// Silence after the last voiced frame that ends the utterance.
    pub end_silence: Duration,
    /// An utterance is cut after this much time from its start.
    pub max_utterance: Duration,
}

impl Default for VadConfig {
    fn default() -> Self {
        VadConfig {
            frame: Duration::from_millis(20),
            margin_db: 12.0,
            min_speech_db: -55.0,
            min_speech: Duration::from_millis(60),
            hangover: Duration::from_millis(200),
            end_silence: Duration::from_millis(800),
            max_utterance: Duration::from_secs(30),
        }
    }
}

/// Why an utterance ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// `end_silence` passed without a voiced frame.
    Silence,
    /// The utterance reached `max_utterance`.
    MaxLength,
}

/// What the detector found in the samples just pushed. Positions are sample
/// indices since the detector was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VadEvent {
    /// An utterance began at this sample (the first voiced frame).
    SpeechStart(u64),
    /// The utterance ended; `at` is the end of its last voiced frame.
    SpeechEnd { at: u64, reason: EndReason },
}

/// A streaming voice-activity detector for 16 kHz mono input.
#[derive(Debug, Clone)]
pub struct Vad {
    cfg: VadConfig,
    frame_len: usize,
    /// Samples of a frame not yet complete.
    pending: Vec<f32>,
    /// Samples consumed into whole frames so far.
    pos: u64,
    floor_db: Option<f32>,
    /// Energies (dBFS) of the frames in the floor's window.
    recent: VecDeque<f32>,
    /// Start of the current run of voiced frames (before speech is declared).
    run_start: Option<u64>,
    /// Start of the current utterance, once declared.
    start: Option<u64>,
    /// End of the last voiced frame.
    last_voiced: u64,
}

/// The floor never starts higher than this, so input that opens with speech
/// is still heard (the floor then falls to the first pause).
const INITIAL_FLOOR_MAX_DB: f32 = -45.0;
/// The floor is the quietest frame in this window.
const FLOOR_WINDOW: Duration = Duration::from_secs(2);
/// Time constant of the floor rising to a louder window minimum.
const FLOOR_RISE_S: f32 = 0.3;
/// Frames this quiet are digital silence, not room noise.
const DIGITAL_SILENCE_DB: f32 = -90.0;
/// Zero-crossing rate (crossings per sample) of noisy consonants.
const FRICATIVE_ZCR: f32 = 0.3;

impl Vad {
    pub fn new(cfg: VadConfig) -> Result<Vad> {
        let frame_ms = cfg.frame.as_millis();
        if !(10..=50).contains(&frame_ms) {
            return Err(Error::Invalid(format!(
                "VAD frame of {frame_ms} ms (10-50 ms)"
            )));
        }
        if cfg.end_silence < cfg.hangover {
            return Err(Error::Invalid(
                "VAD end_silence is shorter than its hangover".into(),
            ));
        }
        let frame_len = samples(cfg.frame) as usize;
        Ok(Vad {
            cfg,
            frame_len,
            pending: Vec::with_capacity(frame_len),
            pos: 0,
            floor_db: None,
            recent: VecDeque::new(),
            run_start: None,
            start: None,
            last_voiced: 0,
        })
    }

    pub fn config(&self) -> &VadConfig {
        &self.cfg
    }

    /// Feeds samples; returns what happened in them, in order.
    pub fn push(&mut self, mut input: &[f32]) -> Vec<VadEvent> {
        let mut events = Vec::new();
        while !input.is_empty() {
            let take = (self.frame_len - self.pending.len()).min(input.len());
            self.pending.extend_from_slice(&input[..take]);
            input = &input[take..];
            if self.pending.len() == self.frame_len {
                let frame = std::mem::take(&mut self.pending);
                events.extend(self.frame(&frame));
                self.pending = frame;
                self.pending.clear();
            }
        }
        events
    }

    /// Whether an utterance is under way (declared and not yet ended).
    pub fn in_speech(&self) -> bool {
        self.start.is_some()
    }

    /// Whether the last frame counts as speech, allowing for the hangover.
    pub fn is_speech(&self) -> bool {
        self.in_speech() && self.pos - self.last_voiced < samples(self.cfg.hangover)
    }

    /// End of the last voiced frame (0 before any).
    pub fn last_voiced_end(&self) -> u64 {
        self.last_voiced
    }

    /// Estimated noise floor in dBFS (`None` before the first frame).
    pub fn noise_floor_db(&self) -> Option<f32> {
        self.floor_db
    }

    /// Speech segments in a whole recording (sample ranges), the last one
    /// closed at the end of the input if it is still open.
    pub fn segments(cfg: &VadConfig, input: &[f32]) -> Result<Vec<Range<usize>>> {
        let mut vad = Vad::new(cfg.clone())?;
        let mut found = Vec::new();
        let mut open = None;
        for event in vad.push(input) {
            match event {
                VadEvent::SpeechStart(at) => open = Some(at as usize),
                VadEvent::SpeechEnd { at, .. } => {
                    found.extend(open.take().map(|s| s..at as usize));
                }
            }
        }
        found.extend(open.map(|s| s..vad.last_voiced as usize));
        Ok(found)
    }

    fn frame(&mut self, frame: &[f32]) -> Option<VadEvent> {
        let start = self.pos;
        self.pos += frame.len() as u64;
        let voiced = self.classify(frame);
        if voiced {
            self.last_voiced = self.pos;
        }
        match self.start {
            None => self.idle_frame(start, voiced),
            Some(begin) => self.speech_frame(begin),
        }
    }

    fn idle_frame(&mut self, start: u64, voiced: bool) -> Option<VadEvent> {
        if !voiced {
            self.run_start = None;
            return None;
        }
        let run = *self.run_start.get_or_insert(start);
        if self.pos - run < samples(self.cfg.min_speech) {
            return None;
        }
        self.run_start = None;
        self.start = Some(run);
        Some(VadEvent::SpeechStart(run))
    }

    fn speech_frame(&mut self, begin: u64) -> Option<VadEvent> {
        let reason = if self.pos - self.last_voiced >= samples(self.cfg.end_silence) {
            EndReason::Silence
        } else if self.pos - begin >= samples(self.cfg.max_utterance) {
            EndReason::MaxLength
        } else {
            return None;
        };
        self.start = None;
        Some(VadEvent::SpeechEnd {
            at: self.last_voiced.max(begin),
            reason,
        })
    }

    /// Decides one frame and updates the noise floor.
    fn classify(&mut self, frame: &[f32]) -> bool {
        let energy = energy_db(frame);
        let floor = self.floor_db.unwrap_or(energy.min(INITIAL_FLOOR_MAX_DB));
        let loud = energy > (floor + self.cfg.margin_db).max(self.cfg.min_speech_db);
        let hiss = energy > (floor + self.cfg.margin_db * 0.75).max(self.cfg.min_speech_db)
            && zero_crossing_rate(frame) > FRICATIVE_ZCR;
        self.update_floor(energy, frame.len());
        loud || hiss
    }

    fn update_floor(&mut self, energy: f32, frame_len: usize) {
        if energy <= DIGITAL_SILENCE_DB {
            return; // zeros say nothing about the room's noise
        }
        let window = (samples(FLOOR_WINDOW) as usize).div_ceil(frame_len);
        if self.recent.len() == window {
            self.recent.pop_front();
        }
        self.recent.push_back(energy);
        let low = self.recent.iter().copied().fold(f32::INFINITY, f32::min);
        let floor = self.floor_db.unwrap_or(low.min(INITIAL_FLOOR_MAX_DB));
        let frame_s = frame_len as f32 / SAMPLE_RATE as f32;
        let next = if low < floor {
            low
        } else if self.recent.len() < window {
            floor // too little history to tell a steady voice from noise
        } else {
            floor + (low - floor) * (frame_s / FLOOR_RISE_S).min(1.0)
        };
        self.floor_db = Some(next);
    }
}

/// Samples at 16 kHz in `d`.
pub(crate) fn samples(d: Duration) -> u64 {
    (d.as_secs_f64() * f64::from(SAMPLE_RATE)).round() as u64
}

/// Mean-square energy in dBFS (a full-scale square wave is 0 dB), at least -100.
pub fn energy_db(frame: &[f32]) -> f32 {
    if frame.is_empty() {
        return -100.0;
    }
    let mean_sq = frame.iter().map(|x| x * x).sum::<f32>() / frame.len() as f32;
    (10.0 * (mean_sq + 1e-10).log10()).max(-100.0)
}

/// Sign changes per sample.
fn zero_crossing_rate(frame: &[f32]) -> f32 {
    let crossings = frame
        .windows(2)
        .filter(|w| (w[0] >= 0.0) != (w[1] >= 0.0))
        .count();
    crossings as f32 / frame.len().max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::testsignal::{noise, silence, tone};

    fn cfg() -> VadConfig {
        VadConfig::default()
    }

    #[test]
    fn silence_and_quiet_noise_are_never_speech() {
        let mut input = silence(2.0);
        input.extend(noise(3.0, 0.003, 1));
        assert!(Vad::segments(&cfg(), &input).unwrap().is_empty());
    }

    #[test]
    fn a_tone_burst_in_noise_is_found_within_a_frame() {
        let mut input = noise(1.0, 0.003, 2);
        input.extend(tone(0.7, 220.0, 0.3));
        input.extend(noise(2.0, 0.003, 3));
        let found = Vad::segments(&cfg(), &input).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        let frame = 320;
        assert!(found[0].start.abs_diff(16_000) <= frame, "{found:?}");
        assert!(found[0].end.abs_diff(16_000 + 11_200) <= frame, "{found:?}");
    }

    #[test]
    fn bursts_closer_than_end_silence_are_one_utterance_with_dips_inside() {
        let mut input = silence(0.5);
        for _ in 0..3 {
            input.extend(tone(0.3, 440.0, 0.2));
            input.extend(silence(0.4));
        }
        input.extend(silence(1.0));
        let found = Vad::segments(&cfg(), &input).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        let short = VadConfig {
            end_silence: Duration::from_millis(300),
            ..cfg()
        };
        assert_eq!(Vad::segments(&short, &input).unwrap().len(), 3);
    }

    #[test]
    fn a_click_shorter_than_min_speech_is_ignored() {
        let mut input = silence(0.5);
        input.extend(tone(0.02, 1000.0, 0.5));
        input.extend(silence(1.0));
        assert!(Vad::segments(&cfg(), &input).unwrap().is_empty());
    }

    #[test]
    fn the_floor_learns_a_louder_background_and_speech_above_it_is_heard() {
        // Quiet room, then a fan 25 dB louder for 4 s, then a voice over it.
        let mut input = noise(1.0, 0.002, 4);
        input.extend(noise(4.0, 0.035, 5));
        let mut with_voice = input.clone();
        with_voice.extend(tone(0.5, 300.0, 0.4));
        with_voice.extend(noise(1.5, 0.035, 6));
        let mut vad = Vad::new(cfg()).unwrap();
        vad.push(&input);
        let floor = vad.noise_floor_db().unwrap();
        assert!(
            (floor - energy_db(&noise(1.0, 0.035, 5))).abs() < 3.0,
            "{floor}"
        );
        let found = Vad::segments(&cfg(), &with_voice).unwrap();
        let last = found.last().unwrap();
        assert!(last.start.abs_diff(5 * 16_000) <= 320, "{found:?}");
    }

    #[test]
    fn a_long_utterance_is_cut_at_max_length() {
        let mut input = tone(3.0, 200.0, 0.3);
        input.extend(silence(1.0));
        let max = VadConfig {
            max_utterance: Duration::from_secs(1),
            ..cfg()
        };
        let mut vad = Vad::new(max).unwrap();
        let events = vad.push(&input);
        assert_eq!(events[0], VadEvent::SpeechStart(0));
        assert!(
            matches!(
                events[1],
                VadEvent::SpeechEnd {
                    at: 16_000,
                    reason: EndReason::MaxLength
                }
            ),
            "{events:?}"
        );
    }

    #[test]
    fn bad_frame_lengths_are_refused() {
        let tiny = VadConfig {
            frame: Duration::from_millis(2),
            ..cfg()
        };
        assert!(matches!(Vad::new(tiny), Err(Error::Invalid(_))));
    }
}
