//! The error every Whisker operation returns, with a stable code and an owner.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Whose fault an error is: decides the wording and whether to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fault {
    /// The input or the request: fix it and try again.
    User,
    /// The machine or environment: disk, permissions, another process.
    Runtime,
    /// Whisker itself: please report it.
    Bug,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no such file or folder: {}", .0.display())]
    NotFound(PathBuf),
    #[error("invalid configuration in {}: {detail}", path.display())]
    Config { path: PathBuf, detail: String },
    #[error("{0}")]
    Invalid(String),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cancelled")]
    Cancelled,
    #[error(transparent)]
    Store(#[from] whisker_index::Error),
    #[error("file watching failed: {0}")]
    Watch(String),
    #[error(transparent)]
    Model(#[from] whisker_models::Error),
    #[error(transparent)]
    Speech(#[from] whisker_speech::Error),
}

impl Error {
    /// A short, stable code the CLI and the app show and match on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound(_) => "not_found",
            Error::Config { .. } => "config",
            Error::Invalid(_) => "invalid",
            Error::Io { .. } => "io",
            Error::Cancelled => "cancelled",
            Error::Store(whisker_index::Error::Busy(_)) => "busy",
            Error::Store(_) => "store",
            Error::Watch(_) => "watch",
            Error::Model(e) => model_code(e),
            Error::Speech(e) => speech_code(e),
        }
    }

    /// Whose fault it is.
    pub fn fault(&self) -> Fault {
        match self {
            Error::NotFound(_) | Error::Config { .. } | Error::Invalid(_) | Error::Cancelled => {
                Fault::User
            }
            Error::Store(whisker_index::Error::Record(_)) => Fault::Bug,
            Error::Io { .. } | Error::Store(_) | Error::Watch(_) => Fault::Runtime,
            Error::Model(e) => model_fault(e),
            Error::Speech(e) => speech_fault(e),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// `network`: retrying or another mirror may help. `model`: a model is
/// missing or its files are wrong; fetch or import it.
fn model_code(error: &whisker_models::Error) -> &'static str {
    use whisker_models::Error as M;
    match error {
        e if e.is_network() => "network",
        M::UnknownModel(_) | M::Unrecognised { .. } => "invalid",
        M::Io { .. } => "io",
        M::Cancelled => "cancelled",
        _ => "model",
    }
}

fn model_fault(error: &whisker_models::Error) -> Fault {
    use whisker_models::Error as M;
    match error {
        M::UnknownModel(_) | M::Unrecognised { .. } | M::NotInstalled { .. } | M::Cancelled => {
            Fault::User
        }
        M::Manifest { .. } => Fault::Bug,
        _ => Fault::Runtime,
    }
}

/// Audio the user gave that cannot be heard is `invalid`; a speech model that
/// is missing, foreign, broken or not built in is `model`.
fn speech_code(error: &whisker_speech::Error) -> &'static str {
    use whisker_speech::Error as S;
    match error {
        S::Io { .. } | S::Microphone(_) => "io",
        S::NotAudio { .. }
        | S::UnsupportedCodec { .. }
        | S::Empty { .. }
        | S::Corrupt { .. }
        | S::Wav { .. }
        | S::Invalid(_) => "invalid",
        S::Missing { .. }
        | S::BadModel { .. }
        | S::Unsupported { .. }
        | S::Whisper(_)
        | S::Unavailable => "model",
        // No microphone is like a missing file: the user can plug one in.
        S::NoMicrophone(_) => "not_found",
        S::Cancelled => "cancelled",
    }
}

fn speech_fault(error: &whisker_speech::Error) -> Fault {
    use whisker_speech::Error as S;
    match error {
        e if e.is_bad_input() => Fault::User,
        S::Cancelled | S::Unavailable => Fault::User,
        _ => Fault::Runtime,
    }
}
