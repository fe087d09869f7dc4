//! A small, bounded ZIP layer for the ZIP-based formats (DOCX, PPTX, XLSX, EPUB).
//!
//! Every entry is read through a `take`, so a hostile archive cannot make us
//! allocate more than [`Limits::max_unpacked_size`] for the whole file, and an
//! entry that inflates past [`Limits::max_compression_ratio`] times its packed
//! size is refused as a zip bomb (entries up to 1 MiB are exempt: small XML
//! parts legitimately compress 100:1). Declared sizes are checked first so the
//! usual bomb fails before anything is inflated; the `take` catches archives
//! that lie about their sizes.
//!
//! It also tells the ZIP-based formats apart by content ([`sniff`]), spots
//! password-protected Office files (which are OLE2 compound files, not ZIPs),
//! and resolves the relative, percent-encoded paths packages use internally.
//! It does not write archives, and it never extracts to disk.

use std::io::{Cursor, Read};

use zip::ZipArchive;
use zip::result::ZipError;

use crate::document::{Document, Kind, Limits};
use crate::error::{Error, Result};

/// Entries at most this large are never refused for their compression ratio.
const RATIO_EXEMPT: u64 = 1024 * 1024;
/// The signature of an OLE2 compound file (legacy Office, and encrypted OOXML).
const OLE2: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// An opened ZIP package with a budget of bytes it may still unpack.
pub(crate) struct Package<'a> {
    archive: ZipArchive<Cursor<&'a [u8]>>,
    format: &'static str,
    left: u64,
    limits: Limits,
}

impl<'a> Package<'a> {
    /// Opens `bytes` as a ZIP package; `format` ("DOCX", ...) names it in errors.
    pub fn open(bytes: &'a [u8], limits: &Limits, format: &'static str) -> Result<Self> {
        if bytes.starts_with(OLE2) {
            return Err(ole2_error(bytes, format));
        }
        let archive =
            ZipArchive::new(Cursor::new(bytes)).map_err(|e| open_error(bytes, format, e))?;
        Ok(Package {
            archive,
            format,
            left: limits.max_unpacked_size,
            limits: *limits,
        })
    }

    /// The format name used in errors.
    pub fn format(&self) -> &'static str {
        self.format
    }

    /// The names of all entries, in archive order.
    pub fn names(&self) -> Vec<String> {
        self.archive
            .file_names()
            .filter_map(|n| n.ok())
            .map(|n| n.into_owned())
            .collect()
    }

    /// Whether an entry named `name` exists (ASCII case-insensitively, as OPC allows).
    pub fn has(&self, name: &str) -> bool {
        self.index_of(name).is_some()
    }

    /// Reads one entry, or `None` when there is no such entry.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>> {
        match self.index_of(name) {
            Some(index) => self.read_index(index, name).map(Some),
            None => Ok(None),
        }
    }

    /// Reads one entry as text (an XML or XHTML part), or `None` when absent.
    pub fn read_text(&mut self, name: &str) -> Result<Option<String>> {
        Ok(self.read(name)?.map(|bytes| crate::xml::decode(&bytes)))
    }

    /// Reads a part the format cannot do without; its absence is `Corrupt`.
    pub fn require_text(&mut self, name: &str) -> Result<String> {
        let format = self.format;
        self.read_text(name)?.ok_or_else(|| {
            Error::corrupt(
                format,
                format!("it has no {name} (is it really a .{}?)", ext(format)),
            )
        })
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        let name = name.trim_start_matches('/');
        self.archive.index_for_name(name).or_else(|| {
            self.archive
                .file_names()
                .position(|n| n.is_ok_and(|n| same_name(&n, name)))
        })
    }

    fn read_index(&mut self, index: usize, name: &str) -> Result<Vec<u8>> {
        let (format, limits) = (self.format, self.limits);
        let mut file = self
            .archive
            .by_index(index)
            .map_err(|e| zip_error(format, e))?;
        if file.encrypted() {
            return Err(Error::Encrypted(format));
        }
        let (cap, by_ratio) = cap(self.left, file.compressed_size(), &self.limits);
        if file.size() > cap {
            return Err(bomb(format, &limits, name, by_ratio));
        }
        let mut out = Vec::with_capacity(file.size().min(16 * 1024 * 1024) as usize);
        (&mut file)
            .take(cap.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| Error::corrupt(format, format!("cannot unpack {name}: {e}")))?;
        if out.len() as u64 > cap {
            return Err(bomb(format, &limits, name, by_ratio));
        }
        self.left -= out.len() as u64;
        Ok(out)
    }
}

/// OPC names are ASCII case-insensitive; some Windows tools separate with `\`.
fn same_name(entry: &str, wanted: &str) -> bool {
    entry.len() == wanted.len()
        && entry
            .bytes()
            .zip(wanted.bytes())
            .all(|(a, b)| a.eq_ignore_ascii_case(&b) || (a == b'\\' && b == b'/'))
}

fn bomb(format: &'static str, limits: &Limits, name: &str, by_ratio: bool) -> Error {
    let detail = if by_ratio {
        format!(
            "{name} inflates to over {}× its packed size",
            limits.max_compression_ratio
        )
    } else {
        format!(
            "{name} would unpack past {} MiB for the whole file",
            limits.max_unpacked_size / (1024 * 1024)
        )
    };
    Error::bomb(format, detail)
}

/// Reads independent parts (chapters, slides, sheets, notes, metadata) one
/// by one: a damaged part is skipped, and only when the file yields no text
/// at all does the first damage become the error. Bombs, encryption and
/// I/O errors still stop reading at once.
#[derive(Debug, Default)]
pub(crate) struct Salvage {
    first: Option<Error>,
}

impl Salvage {
    /// `Ok(None)` in place of a damaged part.
    pub fn part<T>(&mut self, result: Result<Option<T>>) -> Result<Option<T>> {
        match result {
            Err(err @ Error::Corrupt { .. }) => {
                self.first.get_or_insert(err);
                Ok(None)
            }
            other => other,
        }
    }

    /// The document, or the first damage when nothing could be read.
    pub fn finish(self, doc: Document) -> Result<Document> {
        match self.first {
            Some(err) if !doc.has_text() => Err(err),
            _ => Ok(doc),
        }
    }
}

/// How much one entry may unpack to, and whether the ratio (not the budget) set it.
fn cap(left: u64, packed: u64, limits: &Limits) -> (u64, bool) {
    let by_ratio = packed
        .saturating_mul(limits.max_compression_ratio)
        .max(RATIO_EXEMPT);
    if by_ratio < left {
        (by_ratio, true)
    } else {
        (left, false)
    }
}

/// Office saves password-protected DOCX/XLSX/PPTX as an OLE2 file holding an
/// `EncryptedPackage` stream; a legacy .doc/.xls/.ppt renamed is OLE2 too.
fn ole2_error(bytes: &[u8], format: &'static str) -> Error {
    let has = |name: &str| {
        let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        bytes.windows(utf16.len()).any(|w| w == utf16.as_slice())
    };
    if !has("EncryptedPackage")
        && (has("WordDocument") || has("Workbook") || has("PowerPoint Document"))
    {
        let detail = "it is a legacy binary Office file (.doc, .xls or .ppt) with a new-style \
                      extension; save it again in the new format";
        return Error::corrupt(format, detail);
    }
    Error::Encrypted(format)
}

fn open_error(bytes: &[u8], format: &'static str, err: ZipError) -> Error {
    if !bytes.starts_with(b"PK") {
        return Error::corrupt(
            format,
            format!("it is not a ZIP package, so not a real .{}", ext(format)),
        );
    }
    match err {
        ZipError::InvalidArchive(_) | ZipError::Io(_) => Error::corrupt(
            format,
            "the ZIP directory is missing or damaged (the file may be truncated)",
        ),
        other => zip_error(format, other),
    }
}

fn zip_error(format: &'static str, err: ZipError) -> Error {
    match err {
        ZipError::UnsupportedArchive(ZipError::PASSWORD_REQUIRED) | ZipError::InvalidPassword => {
            Error::Encrypted(format)
        }
        ZipError::CompressionMethodNotSupported(method) => Error::corrupt(
            format,
            format!("it uses ZIP compression method {method}, which Whisker does not read"),
        ),
        other => Error::corrupt(format, format!("the ZIP archive is damaged ({other})")),
    }
}

/// The lower-case extension for a format name ("DOCX" → "docx").
fn ext(format: &str) -> String {
    format.to_ascii_lowercase()
}

/// Which ZIP-based format `bytes` really is, by its parts, whatever its name says.
pub(crate) fn sniff(bytes: &[u8], limits: &Limits) -> Option<Kind> {
    if !bytes.starts_with(b"PK") {
        return None;
    }
    let mut package = Package::open(bytes, limits, "ZIP").ok()?;
    let by_part = [
        ("word/document.xml", Kind::Docx),
        ("ppt/presentation.xml", Kind::Pptx),
        ("xl/workbook.xml", Kind::Xlsx),
    ];
    if let Some((_, kind)) = by_part.iter().find(|(part, _)| package.has(part)) {
        return Some(*kind);
    }
    if let Ok(Some(mimetype)) = package.read("mimetype")
        && mimetype.trim_ascii().starts_with(b"application/epub+zip")
    {
        return Some(Kind::Epub);
    }
    if package
        .names()
        .iter()
        .any(|n| n.ends_with("META-INF/container.xml"))
    {
        return Some(Kind::Epub);
    }
    sniff_content_types(&mut package)
}

/// OOXML packages whose main part is not at the usual path still declare it here.
fn sniff_content_types(package: &mut Package<'_>) -> Option<Kind> {
    let types = package.read_text("[Content_Types].xml").ok()??;
    let by_type = [
        ("wordprocessingml.document.main+xml", Kind::Docx),
        ("presentationml.presentation.main+xml", Kind::Pptx),
        ("spreadsheetml.sheet.main+xml", Kind::Xlsx),
    ];
    by_type
        .iter()
        .find(|(t, _)| types.contains(t))
        .map(|(_, kind)| *kind)
}

/// The folder of a part, with its trailing slash ("ppt/slides/slide1.xml" → "ppt/slides/").
pub(crate) fn folder(part: &str) -> &str {
    part.rfind('/').map_or("", |i| &part[..=i])
}

/// Resolves `href` (relative, percent-encoded, maybe with a `#fragment`)
/// against the folder `base` to a package path; `None` for external URLs.
pub(crate) fn resolve(base: &str, href: &str) -> Option<String> {
    let href = href.split(['#', '?']).next().unwrap_or_default();
    if href.is_empty() || href.contains("://") || href.starts_with("mailto:") {
        return None;
    }
    let href = percent_decode(href);
    let joined = match href.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("{base}{href}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// Decodes `%XX` escapes (as UTF-8); malformed escapes are kept as written.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            writer
                .start_file(*name, SimpleFileOptions::default())
                .unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn paths_resolve_like_urls() {
        assert_eq!(
            resolve("ppt/", "slides/slide1.xml").unwrap(),
            "ppt/slides/slide1.xml"
        );
        assert_eq!(
            resolve("ppt/", "../customXml/item1.xml").unwrap(),
            "customXml/item1.xml"
        );
        assert_eq!(
            resolve("xl/", "/xl/worksheets/sheet1.xml").unwrap(),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve("OEBPS/", "Text/ch%201.xhtml#p3").unwrap(),
            "OEBPS/Text/ch 1.xhtml"
        );
        assert_eq!(resolve("", "https://example.com/a"), None);
        assert_eq!(percent_decode("%E7%AB%A0%zz"), "章%zz");
        assert_eq!(folder("a/b/c.xml"), "a/b/");
        assert!(same_name("Word\\Document.XML", "word/document.xml"));
    }

    #[test]
    fn sniff_finds_the_real_format() {
        let xlsx = zip_of(&[("xl/workbook.xml", b"<workbook/>")]);
        assert_eq!(sniff(&xlsx, &Limits::default()), Some(Kind::Xlsx));
        let epub = zip_of(&[("mimetype", b"application/epub+zip")]);
        assert_eq!(sniff(&epub, &Limits::default()), Some(Kind::Epub));
        let plain = zip_of(&[("notes.txt", b"hello")]);
        assert_eq!(sniff(&plain, &Limits::default()), None);
    }

    #[test]
    fn budget_for_the_whole_file_is_enforced() {
        let bytes = zip_of(&[("a.xml", &[b'a'; 600]), ("b.xml", &[b'b'; 600])]);
        let limits = Limits {
            max_unpacked_size: 1000,
            ..Limits::default()
        };
        let mut package = Package::open(&bytes, &limits, "DOCX").unwrap();
        assert_eq!(package.read("a.xml").unwrap().unwrap().len(), 600);
        let err = package.read("b.xml").unwrap_err();
        assert!(matches!(err, Error::Bomb { .. }), "{err}");
    }

    #[test]
    fn lying_sizes_are_caught_while_inflating() {
        let zeros = vec![0u8; 8 * 1024 * 1024];
        let mut bytes = zip_of(&[("big.xml", &zeros)]);
        // Claim 100 bytes unpacked in both the local and the central header.
        for (sig, offset) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
            let at = bytes.windows(4).position(|w| w == sig).unwrap() + offset;
            bytes[at..at + 4].copy_from_slice(&100u32.to_le_bytes());
        }
        let mut package = Package::open(&bytes, &Limits::default(), "DOCX").unwrap();
        match package.read("big.xml") {
            Err(Error::Bomb { .. } | Error::Corrupt { .. }) => {}
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn ole2_without_office_streams_is_encrypted() {
        let mut bytes = OLE2.to_vec();
        bytes.extend_from_slice(&[0; 512]);
        let err = Package::open(&bytes, &Limits::default(), "XLSX")
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "encrypted XLSX: it needs a password to open"
        );
    }
}
