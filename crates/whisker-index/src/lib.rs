//! The knowledge store: chunks in a Tantivy index on disk, searched with BM25.
//!
//! `whisker-index` keeps, in one folder, every chunk Whisker has extracted
//! (text, path, title, kind, location) and a catalog record per file (size,
//! mtime, content hash, status, error). Text is analysed for mixed Chinese
//! and Latin script (see [`analyzer`]), so "向量检索" and "retrieval" both
//! find their documents. A file's record and chunks change together in one
//! commit, so the store is consistent after a crash at any point.
//!
//! It does not read files, decide what changed, or embed anything: that is
//! `whisker-core` (walking, hashing, incremental logic) and `whisker-ingest`.
//!
//! ```
//! use whisker_index::{FileRecord, FileStatus, NewChunk, Store};
//! use whisker_ingest::Location;
//!
//! let dir = tempfile::tempdir()?;
//! let store = Store::open(dir.path())?;
//! let mut writer = store.writer()?;
//! let record = FileRecord {
//!     path: "/notes/a.md".into(), size: 10, mtime_ns: 0, ctime_ns: 0, hash: "h".into(),
//!     status: FileStatus::Indexed, error: None, retry: false, title: "A".into(),
//!     kind: Some("markdown".into()), chunks: 1, indexed_at: 0,
//! };
//! let location = Location::Lines { headings: vec![], start: 1, end: 1 };
//! writer.put(&record, &[NewChunk { text: "向量检索 makes retrieval fast".into(), location, embedding: None }])?;
//! writer.commit()?;
//! assert_eq!(store.search("检索", 5)?[0].path, "/notes/a.md");
//! assert_eq!(store.search("retrieving", 5)?.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod analyzer;
mod catalog;
mod error;
mod hybrid;
mod pending;
mod schema;
mod search;
mod store;
mod vectors;
mod writer;

pub use catalog::{Embedding, FileRecord, FileStatus, NewChunk, StoredChunk, chunk_id};
pub use error::{Error, Result};
pub use hybrid::{Begun, Fusion, Mode, SearchOptions, VectorQuery};
pub use pending::{Pending, PendingChunk};
pub use search::Hit;
pub use store::{Stats, Store};
pub use vectors::{Precision, dot};
pub use writer::StoreWriter;
