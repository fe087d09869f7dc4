//! Live speech input: a microphone (or a file standing in for one), a
//! voice-activity detector, and push-to-talk sessions that turn an
//! utterance into text.
//!
//! - [`AudioSource`]: pulls 16 kHz mono chunks; [`MicSource`] (the default
//!   input device, any rate and channel count, through cpal) and
//!   [`FileSource`] (samples or a WAV file, in real time or as fast as read);
//! - [`Vad`]: energy against an adaptive noise floor, 20 ms frames, with
//!   hangover, end-of-utterance silence and a maximum length;
//! - [`LevelMeter`]: the 0..1 level a push-to-talk button shows;
//! - [`Session`]: `start` / `stop` / `cancel`, with level, partial and final
//!   results as [`Event`]s, in [`Mode::PushToTalk`] or [`Mode::UntilSilence`].
//!
//! Recognition is whatever implements [`Recognizer`] (the whisper
//! transcriber, in the app). This module does not load models or decode
//! compressed audio files.
//!
//! ```no_run
//! use std::sync::Arc;
//! use whisker_speech::live::{MicSource, Mode, Recognizer, Session, SessionConfig, Event};
//!
//! # fn run(recognizer: Arc<dyn Recognizer>) -> whisker_speech::Result<()> {
//! let config = SessionConfig { mode: Mode::UntilSilence, ..SessionConfig::default() };
//! let session = Session::start(MicSource::open()?, recognizer, config, |event| match event {
//!     Event::Level(level) => eprint!("\r{:<20}", "#".repeat((level * 20.0) as usize)),
//!     Event::Partial { text, .. } => eprintln!("\n... {text}"),
//!     _ => {}
//! })?;
//! // A push-to-talk button would call `session.stop()` on release instead.
//! println!("{:?}", session.wait()?);
//! # Ok(()) }
//! ```

mod events;
mod level;
mod mic;
mod resample;
mod session;
mod source;
mod vad;
mod wav;

#[cfg(test)]
pub(crate) mod testsignal;

pub use events::{Event, EventSink, Mode, Outcome, SessionConfig, Stop, Utterance};
pub use level::{LevelMeter, level};
pub use mic::MicSource;
pub use resample::To16k;
pub use session::Session;
pub use source::{AudioSource, FileSource, Pace, Tail};
pub use vad::{EndReason, Vad, VadConfig, VadEvent, energy_db};
pub use wav::{Wav, read_wav};

use crate::error::Result;
use crate::transcribe::CancelFlag;

/// The sample rate of everything live: Whisper's 16 kHz.
pub const SAMPLE_RATE: u32 = 16_000;

/// Turns an utterance (16 kHz mono) into text. Called from a worker thread,
/// possibly many times per session on a growing prefix of the utterance.
pub trait Recognizer: Send + Sync {
    /// Should give up soon (with any error) once `cancel` is set: a partial
    /// result when the final one is wanted, anything when the session is
    /// cancelled.
    fn recognize(&self, samples_16k: &[f32], cancel: &CancelFlag) -> Result<String>;
}
