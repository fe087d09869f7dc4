//! Whisker's core: the knowledge library behind both the CLI and the app.
//!
//! [`Library`] owns a data folder: it walks files and folders, decides what is
//! new, changed, moved or gone, extracts and chunks on worker threads
//! (`whisker-ingest`), and writes the Tantivy store (`whisker-index`). It
//! keeps folders in sync (`watch`), searches, and reports [`Status`]. Long
//! work reports [`Event`]s to a [`Progress`] sink and stops on [`Cancel`].
//! Every error is an [`Error`] with a stable [`Error::code`] and a [`Fault`].
//!
//! [`Models`] lists, fetches, imports and verifies the models in the models
//! folder (`whisker-models` does the work), and converts CTranslate2 Whisper
//! models to whisper.cpp's format (`whisker-speech` does that).
//!
//! [`Speech`] turns audio files (or 16 kHz samples) into text with the
//! configured whisper.cpp model (`whisker-speech` does the work);
//! [`Speech::listen`] hears one utterance from the microphone ([`listen`]).
//!
//! [`slides`] reads a model's JSON outline into a deck and exports it as
//! PowerPoint or Marp Markdown.
//!
//! It knows nothing of terminals or windows: the CLI and the Tauri app are
//! thin faces on this crate.
//!
//! ```no_run
//! use whisker_core::{Cancel, Library, Silent};
//!
//! let library = Library::open("/tmp/whisker-data".as_ref())?;
//! let report = library.add(&["/home/me/Documents".into()], &Silent, &Cancel::new())?;
//! println!("{} indexed, {} failed", report.indexed, report.failed);
//! for hit in library.search("向量检索", 5, None)?.hits {
//!     println!("{} ({})", hit.title, hit.location);
//! }
//! # Ok::<(), whisker_core::Error>(())
//! ```

pub mod assistant;
pub mod config;
pub mod embedding;
mod error;
pub mod eval;
mod events;
mod generation;
mod library;
pub mod listen;
pub mod models;
pub mod paths;
pub mod settings;
pub mod slides;
pub mod speech;
mod speech_models;

pub use assistant::Assistant;
pub use config::Config;
pub use error::{Error, Fault, Result};
pub use events::{Cancel, Event, Outcome, Progress, Silent, Stage};
pub use generation::GenerationConfig;
pub use library::{
    AddReport, Document, Failure, FolderWatch, Found, IndexProgress, Indexer, Library,
    RemoveReport, SharedLibrary, Status,
};
pub use models::Models;
pub use speech::{Speech, SpeechConfig};
pub use whisker_index::{Fusion, Hit, Mode, Precision, SearchOptions, Stats};
pub use whisker_ingest::{ChunkOptions, Limits, Location};
pub use whisker_models::fix_thread_count;
