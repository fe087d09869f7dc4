//! The one error type of `whisker-models`.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong finding, fetching or running a model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A model id the manifest does not list.
    #[error("unknown model '{0}' (see `whisker models list`)")]
    UnknownModel(String),
    /// A model that is listed but not installed in the models folder.
    #[error("model '{id}' is not installed in {dir} (run `whisker models fetch {id}`)")]
    NotInstalled { id: String, dir: PathBuf },
    /// The manifest file could not be parsed.
    #[error("model manifest {path}: {message}")]
    Manifest { path: PathBuf, message: String },
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Loading or running a model failed.
    #[error("model '{id}': {message}")]
    Model { id: String, message: String },
    /// The connection failed: refused, reset, timed out, TLS, DNS.
    #[error("{url}: {message}")]
    Network { url: String, message: String },
    /// The server answered with an error status.
    #[error("{url}: HTTP {status}")]
    Http { url: String, status: u16 },
    /// The transfer stopped before the end; the `.part` file is kept.
    #[error(
        "{url}: the server closed the connection after {got} of {} bytes — run the command again to resume",
        expected.map_or_else(|| "?".to_string(), |n| n.to_string())
    )]
    Interrupted {
        url: String,
        got: u64,
        expected: Option<u64>,
    },
    /// A downloaded or imported file is not the expected one.
    #[error("sha256 mismatch for {file}: expected {expected}, got {actual} — the file was deleted")]
    HashMismatch {
        file: String,
        expected: String,
        actual: String,
    },
    /// A file has the wrong length (checked before hashing).
    #[error("{file} is {actual} bytes, expected {expected} — the file was deleted")]
    SizeMismatch {
        file: String,
        expected: u64,
        actual: u64,
    },
    /// A package index or wheel is not what the manifest says.
    #[error("{what}: {message}")]
    Package { what: String, message: String },
    /// Every source of a file failed; each one's reason, in order.
    #[error("could not fetch {file}:{}", Failures(.failures))]
    AllSourcesFailed {
        file: String,
        failures: Vec<(String, String)>,
    },
    /// A file to import matches nothing in the manifest.
    #[error("{path}: {message}")]
    Unrecognised { path: PathBuf, message: String },
    /// The user asked to stop; partial downloads are kept for resuming.
    #[error("cancelled: partial downloads are kept; run the command again to resume")]
    Cancelled,
}

struct Failures<'a>(&'a [(String, String)]);

impl fmt::Display for Failures<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (source, reason) in self.0 {
            // A reason may be a list itself (a conversion's origin failed).
            write!(f, "\n  - {source}: {}", reason.replace('\n', "\n    "))?;
        }
        Ok(())
    }
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The network or a server is at fault (retrying may help).
    pub fn is_network(&self) -> bool {
        matches!(
            self,
            Error::Network { .. }
                | Error::Http { .. }
                | Error::Interrupted { .. }
                | Error::AllSourcesFailed { .. }
        )
    }
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
