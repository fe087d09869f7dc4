//! Progress reporting and cancellation for long work.
//!
//! Long operations take a [`Progress`] sink and a [`Cancel`] flag. The CLI
//! renders events as progress bars; the app forwards them over IPC.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

/// Something that happened during a long operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Folders walked; `files` will be looked at, `bytes` in total.
    Planned { files: u64, bytes: u64 },
    /// One file finished.
    File {
        path: String,
        bytes: u64,
        outcome: Outcome,
    },
    /// Work so far is durable.
    Committed,
    /// Stored chunks being given vectors after the files were indexed.
    Embedding { done: u64, total: u64 },
    /// A download, copy or hash check began: `done` bytes are already there
    /// (a resumed download), `total` when known.
    Transfer {
        what: String,
        done: u64,
        total: Option<u64>,
    },
    /// Bytes done so far of the current transfer.
    Bytes { done: u64 },
    /// A step of answering began (`retrieve`, `read`, `generate`, ...), with
    /// a short human-readable detail.
    Stage { stage: Stage, detail: String },
    /// The next piece of generated text, as it is streamed.
    Token { text: String },
    /// Audio transcribed so far, seconds, of `total` when the file says.
    Heard { seconds: f64, total: Option<f64> },
}

/// The steps of answering, writing or drafting slides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Searching the knowledge base.
    Retrieve,
    /// Loading the chat model.
    Load,
    /// Reading a whole document part by part (summaries, comparisons).
    Read { part: usize, parts: usize },
    /// Writing the reply the user sees.
    Generate,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Indexed {
        chunks: u64,
    },
    Unchanged,
    /// Same content as a file that disappeared: its chunks were moved over.
    Moved {
        from: String,
    },
    Failed {
        reason: String,
    },
    Removed,
}

/// Receives events. Implementations must be cheap: they run on the hot path.
pub trait Progress: Send + Sync {
    fn event(&self, event: &Event);
}

/// A sink that drops everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn event(&self, _: &Event) {}
}

/// A shared flag asking a long operation to stop at the next safe point.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The shared flag itself, for code below the core (whisper.cpp's abort
    /// callback) that cannot know this type.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}
