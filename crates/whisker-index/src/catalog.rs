//! The file catalog: what the store knows about each file it has seen.

use serde::{Deserialize, Serialize};
use whisker_ingest::Location;

/// Whether a file's chunks are in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    Indexed,
    Failed,
}

/// One file as last seen by `add`: enough to tell whether it changed, moved
/// or failed, without reading it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    pub path: String,
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// Status-change time, nanoseconds since the Unix epoch (0 where unknown).
    #[serde(default)]
    pub ctime_ns: i64,
    /// BLAKE3 of the content, hex.
    pub hash: String,
    pub status: FileStatus,
    /// The one-line reason when `status` is `Failed`.
    pub error: Option<String>,
    /// The failure was the runtime's (a missing library, an I/O error), not
    /// the file's: try again next time even if the file is unchanged.
    #[serde(default)]
    pub retry: bool,
    pub title: String,
    pub kind: Option<String>,
    pub chunks: u64,
    /// When this record was written, seconds since the Unix epoch.
    pub indexed_at: i64,
}

/// A chunk to store for a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewChunk {
    pub text: String,
    pub location: Location,
    /// Its vector, when an embedding model is in use.
    pub embedding: Option<Embedding>,
}

/// A chunk's vector and the model that made it (vectors of different models
/// are not comparable, so search uses only the current model's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Embedding {
    pub model: String,
    pub vector: Vec<f32>,
}

/// A chunk as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredChunk {
    pub chunk_id: u64,
    pub ord: u64,
    pub text: String,
    pub location: Location,
    pub embedding: Option<Embedding>,
}

/// A stable chunk id: the first 8 bytes of BLAKE3(path, position, text).
pub fn chunk_id(path: &str, ord: u64, text: &str) -> u64 {
    let mut h = blake3::Hasher::new();
    h.update(path.as_bytes());
    h.update(&[0]);
    h.update(&ord.to_le_bytes());
    h.update(text.as_bytes());
    let bytes = h.finalize();
    let mut id = [0u8; 8];
    id.copy_from_slice(&bytes.as_bytes()[..8]);
    u64::from_le_bytes(id)
}
