//! The store's one error type.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong opening, writing or searching the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Another process holds the writer lock.
    #[error("the library at {} is being updated by another Whisker process; wait for it to finish or stop it", .0.display())]
    Busy(PathBuf),
    /// The folder exists but is not a store this version can read.
    #[error("cannot open the library at {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: tantivy::TantivyError,
    },
    /// The folder holds a store in an older layout (before chunk vectors).
    #[error("the library at {} was made by an older version of Whisker; move it away (or delete it) and add your files again", .0.display())]
    OldStore(PathBuf),
    /// A stored record could not be decoded: a bug or a damaged store.
    #[error("damaged record in the library: {0}")]
    Record(String),
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}
