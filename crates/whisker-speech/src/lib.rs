//! Whisker's speech input: sound in, text out.
//!
//! - audio files of any common format, sample rate and channel count are
//!   decoded and resampled to 16 kHz mono;
//! - whisper.cpp (through whisper-rs) transcribes them, in Chinese or English,
//!   with segment timestamps;
//! - live input (microphone, or a file standing in for one) goes through a
//!   voice-activity detector into push-to-talk sessions;
//! - a CTranslate2 (faster-whisper) Whisper model is converted to the GGML
//!   file whisper.cpp loads.
//!
//! It does not know where models live or which one is the default (that is
//! `whisker-models` and `whisker-core`), and it never asks questions: the
//! text it returns goes to `whisker_core::Assistant` like typed text.
//!
//! ```no_run
//! use whisker_speech::transcribe::{CancelFlag, Options, Transcriber};
//!
//! let whisper = Transcriber::load("models/whisper-base/ggml-model.bin".as_ref())?;
//! let cancel = CancelFlag::default();
//! let transcript =
//!     whisper.transcribe_file("memo.m4a".as_ref(), &Options::default(), &mut |_| {}, &cancel)?;
//! println!("[{}] {}", transcript.language, transcript.text);
//! # Ok::<(), whisker_speech::Error>(())
//! ```

pub mod audio;
pub mod convert;
mod error;
pub mod live;
pub mod transcribe;

pub use error::{Error, Result};
pub use transcribe::{Language, Options, Segment, Transcriber, Transcript};
