//! The one error type of `whisker-speech`.
//!
//! (The model converter's variants — `Missing`, `BadModel`, `Unsupported` —
//! are shared with transcription: a missing or damaged model is the same
//! failure whichever code finds it.)

use std::path::PathBuf;

/// Everything that can go wrong in speech work. Each variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed (permissions, disk full, ...).
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file a model needs is not there.
    #[error("{}: missing ({what})", path.display())]
    Missing { path: PathBuf, what: &'static str },
    /// A model file is damaged or is not the kind of file it should be
    /// (truncated, garbage, inconsistent sizes, another format).
    #[error("{}: {message}", path.display())]
    BadModel { path: PathBuf, message: String },
    /// A well-formed model this build cannot use: another architecture,
    /// a data type or format version it does not know.
    #[error("{}: {message}", path.display())]
    Unsupported { path: PathBuf, message: String },
    /// The file is not audio in any container this build reads.
    #[error("{}: not an audio file Whisker can read ({detail}); use WAV, FLAC, MP3, OGG (Vorbis or Opus) or M4A", path.display())]
    NotAudio { path: PathBuf, detail: String },
    /// A known container holding a codec this build cannot decode.
    #[error("{}: unsupported audio codec ({codec})", path.display())]
    UnsupportedCodec { path: PathBuf, codec: String },
    /// Readable, but without a single sample of sound.
    #[error("{}: contains no audio", path.display())]
    Empty { path: PathBuf },
    /// Damaged before anything could be decoded. (Damage after some sound
    /// was decoded keeps what was decoded; see [`crate::audio`].)
    #[error("{}: damaged audio: {detail}", path.display())]
    Corrupt { path: PathBuf, detail: String },
    /// whisper.cpp failed while transcribing.
    #[error("transcription failed: {0}")]
    Whisper(String),
    /// This build was made without the `whisper` feature.
    #[error(
        "speech recognition is not in this build (rebuild with the `speech` feature, which is on by default)"
    )]
    Unavailable,
    /// A WAV file the live file source cannot play (not RIFF/WAVE, or not
    /// 16-bit PCM or 32-bit float).
    #[error("{}: {detail}", path.display())]
    Wav { path: PathBuf, detail: String },
    /// There is no microphone: no default audio input device (or this build
    /// has no microphone support).
    #[error("no microphone: {0}")]
    NoMicrophone(String),
    /// The microphone is there but could not be opened or stopped working.
    #[error("microphone: {0}")]
    Microphone(String),
    /// A bad argument, such as an unknown language code or a zero frame length.
    #[error("{0}")]
    Invalid(String),
    /// The caller asked to stop; nothing was left behind.
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn bad(path: impl Into<PathBuf>, message: impl Into<String>) -> Error {
        Error::BadModel {
            path: path.into(),
            message: message.into(),
        }
    }

    pub(crate) fn unsupported(path: impl Into<PathBuf>, message: impl Into<String>) -> Error {
        Error::Unsupported {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The input is at fault (a damaged, foreign or missing model, or audio
    /// that cannot be heard), not the machine.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Error::Missing { .. }
                | Error::BadModel { .. }
                | Error::Unsupported { .. }
                | Error::NotAudio { .. }
                | Error::UnsupportedCodec { .. }
                | Error::Empty { .. }
                | Error::Corrupt { .. }
                | Error::Invalid(_)
                | Error::Wav { .. }
        )
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
