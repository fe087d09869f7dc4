//! Why a file could not be read. Every variant is a one-line reason a person can act on.

use std::fmt;

/// The result of reading one file.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a file yielded no document.
///
/// These are properties of the input, not of Whisker: the file is empty,
/// damaged, locked or of a kind we do not read. `Display` is the one-line
/// reason the CLI and the app show next to the file name.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unsupported file type{}", ext_suffix(.0))]
    Unsupported(Option<String>),
    #[error("file is empty")]
    Empty,
    #[error(
        "file is {size} bytes, over the {limit}-byte limit (raise `max_file_size` to index it)"
    )]
    TooLarge { size: u64, limit: u64 },
    #[error("binary content in a file named as {0} text")]
    Binary(&'static str),
    #[error("encrypted {0}: it needs a password to open")]
    Encrypted(&'static str),
    #[error("damaged {format} file: {detail}")]
    Corrupt {
        format: &'static str,
        detail: String,
    },
    #[error("{format} expands past the safety limit ({detail}); possible zip bomb")]
    Bomb {
        format: &'static str,
        detail: String,
    },
    #[error("no extractable text: {0}")]
    NoText(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A reader crashed: Whisker's fault, not the file's.
    #[error("internal error while reading this file (please report it): {0}")]
    Bug(String),
}

fn ext_suffix(ext: &Option<String>) -> String {
    match ext {
        Some(ext) => format!(" (.{ext})"),
        None => String::new(),
    }
}

impl Error {
    /// Shorthand for [`Error::Corrupt`].
    pub fn corrupt(format: &'static str, detail: impl fmt::Display) -> Self {
        Error::Corrupt {
            format,
            detail: detail.to_string(),
        }
    }

    /// Shorthand for [`Error::Bomb`].
    pub fn bomb(format: &'static str, detail: impl fmt::Display) -> Self {
        Error::Bomb {
            format,
            detail: detail.to_string(),
        }
    }
}
