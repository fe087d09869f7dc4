//! The one error type of `whisker-models`.

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
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
