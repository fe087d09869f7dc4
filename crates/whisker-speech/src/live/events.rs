//! What a live session is told and what it reports: its configuration,
//! modes, events and outcome. Plain data; the behaviour is in
//! [`super::session`].

use std::sync::Arc;
use std::time::Duration;

use super::vad::VadConfig;

/// When a session ends by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Only on [`Session::stop`] (the button is released), the end of the
    /// source, or the utterance reaching its maximum length.
    PushToTalk,
    /// Also when the detector says the utterance has ended (`whisker listen`).
    UntilSilence,
}

/// How a session listens.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionConfig {
    pub mode: Mode,
    pub vad: VadConfig,
    /// How often [`Event::Level`] is sent.
    pub level_every: Duration,
    /// New audio after which a partial result is computed (`None`: never).
    pub partial_every: Option<Duration>,
    /// Audio kept before the speech starts and after it ends.
    pub pad: Duration,
    /// With no speech after this long, the session ends with no speech.
    pub max_wait: Duration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            mode: Mode::PushToTalk,
            vad: VadConfig::default(),
            level_every: Duration::from_millis(100),
            partial_every: Some(Duration::from_millis(1500)),
            pad: Duration::from_millis(200),
            max_wait: Duration::from_secs(10),
        }
    }
}

/// Why capturing stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// [`Session::stop`] was called.
    Requested,
    /// The utterance was followed by the configured silence.
    Silence,
    /// The utterance reached the maximum length.
    MaxLength,
    /// The source ended.
    EndOfStream,
    /// Nobody spoke within `max_wait`.
    Timeout,
}

/// A recognised utterance. Times count from the start of the capture.
#[derive(Debug, Clone, PartialEq)]
pub struct Utterance {
    pub text: String,
    /// Where the detector found the speech.
    pub speech_start: Duration,
    pub speech_end: Duration,
    /// Length of the audio given to the recogniser (the speech plus padding).
    pub audio: Duration,
    /// Everything captured until the session stopped.
    pub captured: Duration,
    pub stop: Stop,
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Recognized(Utterance),
    NoSpeech(Stop),
    Cancelled,
}

/// What a session reports while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The smoothed input level, 0..=1, several times a second.
    Level(f32),
    /// The detector heard speech begin (capture time).
    SpeechStarted(Duration),
    /// Speech ended (capture time); recognition of the utterance follows.
    SpeechEnded(Duration),
    /// The recogniser's reading of the audio so far.
    Partial {
        text: String,
        audio: Duration,
    },
    Final(Utterance),
    NoSpeech(Stop),
    Cancelled,
    Failed(String),
}

/// The event callback; called from the session's threads.
pub type EventSink = Arc<dyn Fn(Event) + Send + Sync>;
