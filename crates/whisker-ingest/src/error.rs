//! Why a file could not be read. Every variant is a one-line reason a person can act on.

use std::fmt;

/// The result of reading one file.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a file yielded no document.
///
/// Most are properties of the input: the file is empty, damaged, locked or of
/// a kind we do not read. Two are not the file's fault, and [`Error::fault`]
/// says so: [`Error::MissingLibrary`] (this installation lacks a native
/// library; the same file reads once it is installed) and [`Error::Bug`].
/// `Display` is the one-line reason the CLI and the app show next to the file
/// name.
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
    #[error("cannot read the file: {}", io_reason(.0))]
    Io(#[from] std::io::Error),
    /// A native library a reader needs could not be loaded: the installation's
    /// fault, not the file's. The message says how to install it.
    #[error("{0}")]
    MissingLibrary(String),
    /// A reader crashed: Whisker's fault, not the file's.
    #[error("internal error while reading this file (please report it): {0}")]
    Bug(String),
}

/// The OS message without its "(os error N)" tail.
fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

fn ext_suffix(ext: &Option<String>) -> String {
    match ext {
        Some(ext) => format!(" (.{ext})"),
        None => String::new(),
    }
}

/// Whose fault an [`Error`] is, so callers know whether retrying can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The file itself: reading it again gives the same answer.
    File,
    /// This installation or machine (a missing library, an I/O failure):
    /// the file may read fine once that is fixed.
    Environment,
    /// Whisker has a bug.
    Whisker,
}

impl Error {
    /// Whose fault this error is.
    pub fn fault(&self) -> Fault {
        match self {
            Error::MissingLibrary(_) | Error::Io(_) => Fault::Environment,
            Error::Bug(_) => Fault::Whisker,
            _ => Fault::File,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_read_as_a_sentence_without_the_errno() {
        let err = Error::Io(std::io::Error::from_raw_os_error(13));
        assert_eq!(err.to_string(), "cannot read the file: Permission denied");
    }
}
