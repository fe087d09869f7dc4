//! Whisker's models: which exist, where they come from, and running them.
//!
//! - [`manifest`]: `models/manifest.toml`, every model Whisker knows (id, role,
//!   files with sha256 and size, sources: Hugging Face hub, Python package).
//! - [`installed`]: the models folder: what is installed, verify, import.
//! - [`fetch`]: downloads with resume and hash check before use.
//! - [`embed`]: the candle sentence embedder (BERT family).
//!
//! It does not decide *when* to embed or how vectors are stored and searched:
//! that is `whisker-core` and `whisker-index`.

pub mod embed;
mod error;
pub mod fetch;
pub mod installed;
pub mod manifest;

pub use error::{Error, Result};
