//! Files to text with locations, and the chunker.
//!
//! `whisker-ingest` turns the bytes of one file into a [`Document`]: a title
//! and a list of [`Section`]s in reading order, each with a [`Location`] (page,
//! slide, sheet and rows, heading path and lines, chapter) precise enough to
//! cite. [`chunk`] then cuts a document into retrieval-sized [`Chunk`]s that
//! never cross a page, slide or heading.
//!
//! PDFs are read through pdfium, a native library loaded at run time
//! (`make pdfium`, or `WHISKER_PDFIUM`); without it a PDF gives
//! [`Error::MissingLibrary`] and every other format still works.
//!
//! It does not walk folders, hash files, or store anything: that is
//! `whisker-core` and `whisker-index`. It never panics on bad input: every
//! failure is an [`Error`] whose `Display` is a one-line reason.
//!
//! ```
//! use std::path::Path;
//! use whisker_ingest::{ChunkOptions, Limits, chunk, extract};
//!
//! let doc = extract(Path::new("notes.md"), "# Notes\n\n向量检索 and retrieval.".as_bytes(), &Limits::default())?;
//! assert_eq!(doc.title, "Notes");
//! let chunks = chunk(&doc, &ChunkOptions::default());
//! assert_eq!(chunks[0].location.to_string(), "lines 1–3 · Notes");
//! # Ok::<(), whisker_ingest::Error>(())
//! ```

mod chunk;
mod csv;
mod detect;
mod document;
mod docx;
pub mod encoding;
mod epub;
mod error;
mod html;
mod markdown;
mod ooxml;
mod pdf;
mod pptx;
mod text;
mod xlsx;
mod xml;
mod zipped;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

pub use chunk::{Chunk, ChunkOptions, chunk, estimate_tokens, is_cjk, sentences};
pub use detect::{detect, extension};
pub use document::{Document, Kind, Limits, Location, Section};
pub use error::{Error, Fault, Result};
pub use pdf::ENV_VAR as PDFIUM_ENV_VAR;

/// Reads one file's bytes into a [`Document`].
///
/// `path` picks the reader (with the content signature) and gives the
/// fallback title; nothing is read from disk here. The size limit is checked
/// against `bytes`; callers that read from disk should check it first too.
pub fn extract(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Document> {
    if bytes.len() as u64 > limits.max_file_size {
        return Err(Error::TooLarge {
            size: bytes.len() as u64,
            limit: limits.max_file_size,
        });
    }
    let Some(kind) = detect(path, bytes) else {
        return Err(Error::Unsupported(extension(path)));
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Empty);
    }
    let mut doc = catch_unwind(AssertUnwindSafe(|| read(kind, path, bytes, limits)))
        .map_err(|panic| Error::Bug(panic_message(&panic)))??;
    if !doc.has_text() {
        return Err(Error::NoText(no_text_reason(doc.kind)));
    }
    doc.sections.retain(|s| !s.text.trim().is_empty());
    if doc.title.trim().is_empty() {
        doc.title = file_stem(path);
    }
    Ok(doc)
}

fn read(kind: Kind, path: &Path, bytes: &[u8], limits: &Limits) -> Result<Document> {
    match kind {
        Kind::Text | Kind::Code => text::extract(bytes, kind),
        Kind::Markdown => markdown::extract(bytes),
        Kind::Csv => {
            let tab = extension(path).as_deref() == Some("tsv");
            csv::extract(bytes, if tab { b'\t' } else { b',' })
        }
        Kind::Html => html::extract(bytes),
        Kind::Docx | Kind::Pptx | Kind::Xlsx | Kind::Epub => read_package(kind, bytes, limits),
        Kind::Pdf => pdf::extract(bytes, limits),
    }
}

/// ZIP-based formats: the parts inside decide the reader, so an .xlsx saved
/// as .docx is still read as a workbook.
fn read_package(named: Kind, bytes: &[u8], limits: &Limits) -> Result<Document> {
    match zipped::sniff(bytes, limits).unwrap_or(named) {
        Kind::Docx => docx::extract(bytes, limits),
        Kind::Pptx => pptx::extract(bytes, limits),
        Kind::Xlsx => xlsx::extract(bytes, limits),
        Kind::Epub => epub::extract(bytes, limits),
        other => Err(Error::Unsupported(Some(other.as_str().to_string()))),
    }
}

fn no_text_reason(kind: Kind) -> String {
    match kind {
        Kind::Pdf => {
            "the PDF has no text layer (a scan or images only; OCR is not supported)".into()
        }
        Kind::Pptx => "the slides hold no text (only pictures or empty slides)".into(),
        Kind::Xlsx | Kind::Csv => "every cell is empty".into(),
        Kind::Docx => "the document holds no text (only pictures or empty paragraphs)".into(),
        Kind::Epub => "the book's chapters hold no text (only pictures?)".into(),
        Kind::Html => "the page holds only markup, scripts or styles".into(),
        _ => "the file holds only whitespace or markup".into(),
    }
}

fn file_stem(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".into()
    }
}
