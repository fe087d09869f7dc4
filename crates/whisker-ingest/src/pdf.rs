//! PDF text through pdfium: one section per page, in pdfium's reading order.
//!
//! pdfium (Chromium's PDF engine) is loaded at run time, not linked: see
//! [`library`] for where it is looked for. Without it, reading a PDF fails
//! with [`Error::MissingLibrary`], which says how to install it.
//!
//! Only the text layer is read. A scan without one yields a document with no
//! text (no OCR here); so does a PDF with no pages. A PDF that needs a user
//! password is [`Error::Encrypted`]; one that has only an owner password
//! (copy or print restrictions) is read, as every PDF viewer does.

mod library;
mod text;

use pdfium_render::prelude::{
    PdfDocument, PdfDocumentMetadataTagType, PdfPage, PdfPageIndex, PdfiumError,
    PdfiumInternalError,
};

use crate::document::{Document, Kind, Limits, Location, Section};
use crate::error::{Error, Result};

pub use library::ENV_VAR;

/// Reads the text layer of a PDF, one [`Section`] per page that has text.
///
/// `limits.max_unpacked_size` caps the total text, since a small PDF can
/// hold a great deal of compressed content.
pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Document> {
    library::with_pdfium(|pdfium| {
        let doc = pdfium
            .load_pdf_from_byte_slice(bytes, None)
            .map_err(|e| open_error(e, bytes))?;
        read_document(&doc, limits)
    })
}

fn read_document(doc: &PdfDocument<'_>, limits: &Limits) -> Result<Document> {
    let pages = doc.pages();
    let mut sections = Vec::new();
    let mut total: u64 = 0;
    for index in 0..pages.len() {
        // A page that fails to load is skipped: the rest are still worth having.
        let Ok(page) = pages.get(index) else { continue };
        let text = page_text(&page);
        total += text.len() as u64;
        if total > limits.max_unpacked_size {
            return Err(Error::bomb(
                "PDF",
                format!("over {} bytes of text", limits.max_unpacked_size),
            ));
        }
        if !text.is_empty() {
            sections.push(Section::new(text, page_location(index)));
        }
    }
    Ok(Document {
        title: title(doc).unwrap_or_default(),
        kind: Kind::Pdf,
        sections,
    })
}

fn page_location(index: PdfPageIndex) -> Location {
    let page = u32::try_from(index).unwrap_or(0).saturating_add(1);
    Location::Page { page }
}

/// The page's characters in pdfium's order, including the spaces and line
/// breaks pdfium infers from glyph positions, then tidied.
fn page_text(page: &PdfPage<'_>) -> String {
    let Ok(text) = page.text() else {
        return String::new();
    };
    let chars = text.chars();
    let raw = chars.iter().map(|c| text::Glyph {
        code: c.unicode_value(),
        hyphen: c.is_hyphen().unwrap_or(false),
    });
    text::tidy(raw)
}

/// The Title metadata, unless it is empty or a placeholder such as a file name.
fn title(doc: &PdfDocument<'_>) -> Option<String> {
    let tag = doc.metadata().get(PdfDocumentMetadataTagType::Title)?;
    text::meaningful_title(tag.value())
}

fn open_error(e: PdfiumError, bytes: &[u8]) -> Error {
    use PdfiumInternalError::*;
    match e {
        PdfiumError::PdfiumLibraryInternalError(PasswordError | SecurityError) => {
            Error::Encrypted("PDF")
        }
        PdfiumError::PdfiumLibraryInternalError(FormatError) if is_cut_short(bytes) => {
            Error::corrupt("PDF", "the file is cut short (no end-of-file marker)")
        }
        PdfiumError::PdfiumLibraryInternalError(FormatError) => {
            Error::corrupt("PDF", "its structure could not be parsed")
        }
        PdfiumError::PdfiumLibraryInternalError(FileError) => {
            Error::corrupt("PDF", "it could not be read as a PDF")
        }
        other => Error::corrupt("PDF", format!("pdfium could not open it ({other:?})")),
    }
}

/// Whether the last KiB lacks the `%%EOF` marker every complete PDF ends with.
fn is_cut_short(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    !tail.windows(5).any(|w| w == b"%%EOF")
}
