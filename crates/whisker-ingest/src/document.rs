//! What extraction produces: a titled list of sections, each with its location.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The file formats Whisker reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Text,
    Code,
    Markdown,
    Html,
    Pdf,
    Docx,
    Pptx,
    Xlsx,
    Csv,
    Epub,
}

impl Kind {
    /// The lower-case name used in the store and in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Code => "code",
            Kind::Markdown => "markdown",
            Kind::Html => "html",
            Kind::Pdf => "pdf",
            Kind::Docx => "docx",
            Kind::Pptx => "pptx",
            Kind::Xlsx => "xlsx",
            Kind::Csv => "csv",
            Kind::Epub => "epub",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a piece of text sits in its file, precise enough to open it there.
///
/// Line, row and paragraph numbers are 1-based and inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Location {
    /// Plain text, source code and Markdown: the heading path and a line range.
    Lines {
        headings: Vec<String>,
        start: u32,
        end: u32,
    },
    /// A PDF page.
    Page { page: u32 },
    /// A presentation slide.
    Slide { slide: u32 },
    /// Spreadsheet rows; `sheet` is `None` for CSV.
    Rows {
        sheet: Option<String>,
        start: u32,
        end: u32,
    },
    /// An EPUB chapter (spine position, 1-based) and the heading path inside it.
    Chapter {
        chapter: u32,
        title: Option<String>,
        headings: Vec<String>,
    },
    /// HTML and DOCX: the heading path and a paragraph range.
    Paragraphs {
        headings: Vec<String>,
        start: u32,
        end: u32,
    },
}

impl Location {
    /// Whether text at `self` and at `next` may share one chunk.
    ///
    /// Chunks never cross pages, slides, sheets, chapters or headings, so a
    /// citation always names one place.
    pub fn same_block(&self, next: &Location) -> bool {
        use Location::*;
        match (self, next) {
            (Lines { headings: a, .. }, Lines { headings: b, .. }) => a == b,
            (Page { page: a }, Page { page: b }) => a == b,
            (Slide { slide: a }, Slide { slide: b }) => a == b,
            (Rows { sheet: a, .. }, Rows { sheet: b, .. }) => a == b,
            (
                Chapter {
                    chapter: a,
                    headings: ha,
                    ..
                },
                Chapter {
                    chapter: b,
                    headings: hb,
                    ..
                },
            ) => a == b && ha == hb,
            (Paragraphs { headings: a, .. }, Paragraphs { headings: b, .. }) => a == b,
            _ => false,
        }
    }

    /// The location covering `self` followed by `next` (same block).
    pub fn merge(&self, next: &Location) -> Location {
        use Location::*;
        match (self, next) {
            (
                Lines {
                    headings, start, ..
                },
                Lines { end, .. },
            ) => Lines {
                headings: headings.clone(),
                start: *start,
                end: *end,
            },
            (Rows { sheet, start, .. }, Rows { end, .. }) => Rows {
                sheet: sheet.clone(),
                start: *start,
                end: *end,
            },
            (
                Paragraphs {
                    headings, start, ..
                },
                Paragraphs { end, .. },
            ) => Paragraphs {
                headings: headings.clone(),
                start: *start,
                end: *end,
            },
            _ => self.clone(),
        }
    }

    /// The heading path, if this kind of location has one.
    pub fn headings(&self) -> &[String] {
        match self {
            Location::Lines { headings, .. }
            | Location::Chapter { headings, .. }
            | Location::Paragraphs { headings, .. } => headings,
            _ => &[],
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Lines {
                headings,
                start,
                end,
            } => {
                write!(f, "{}", range("line", "lines", *start, *end))?;
                write_headings(f, headings)
            }
            Location::Page { page } => write!(f, "page {page}"),
            Location::Slide { slide } => write!(f, "slide {slide}"),
            Location::Rows { sheet, start, end } => {
                if let Some(sheet) = sheet {
                    write!(f, "sheet “{sheet}”, ")?;
                }
                write!(f, "{}", range("row", "rows", *start, *end))
            }
            Location::Chapter {
                chapter,
                title,
                headings,
            } => {
                write!(f, "chapter {chapter}")?;
                if let Some(title) = title {
                    write!(f, " “{title}”")?;
                }
                let inner: Vec<String> = headings
                    .iter()
                    .filter(|h| Some(*h) != title.as_ref())
                    .cloned()
                    .collect();
                write_headings(f, &inner)
            }
            Location::Paragraphs {
                headings,
                start,
                end,
            } => {
                write!(f, "{}", range("paragraph", "paragraphs", *start, *end))?;
                write_headings(f, headings)
            }
        }
    }
}

fn range(one: &str, many: &str, start: u32, end: u32) -> String {
    if start == end {
        format!("{one} {start}")
    } else {
        format!("{many} {start}–{end}")
    }
}

fn write_headings(f: &mut fmt::Formatter<'_>, headings: &[String]) -> fmt::Result {
    if headings.is_empty() {
        return Ok(());
    }
    write!(f, " · {}", headings.join(" › "))
}

/// A run of text from one place in a file: a paragraph, a page, a slide, some rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub text: String,
    pub location: Location,
}

impl Section {
    pub fn new(text: impl Into<String>, location: Location) -> Self {
        Section {
            text: text.into(),
            location,
        }
    }

    /// Paragraphs (text, heading path) in order, numbered from 1.
    pub fn paragraphs(paragraphs: impl IntoIterator<Item = (String, Vec<String>)>) -> Vec<Section> {
        paragraphs
            .into_iter()
            .zip(1..)
            .map(|((text, headings), n)| {
                let location = Location::Paragraphs {
                    headings,
                    start: n,
                    end: n,
                };
                Section::new(text, location)
            })
            .collect()
    }
}

/// The text of one file, in reading order, with locations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// The document's own title when it has one, else the file name.
    pub title: String,
    pub kind: Kind,
    pub sections: Vec<Section>,
}

impl Document {
    /// Total characters of text, for "no extractable text" checks and stats.
    pub fn text_len(&self) -> usize {
        self.sections.iter().map(|s| s.text.len()).sum()
    }

    /// Whether any section holds something other than whitespace.
    pub fn has_text(&self) -> bool {
        self.sections
            .iter()
            .any(|s| s.text.chars().any(|c| !c.is_whitespace()))
    }
}

/// Safety limits applied while reading one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Files larger than this are refused before reading.
    pub max_file_size: u64,
    /// Total bytes that may be decompressed from one archive-based file
    /// (DOCX, PPTX, XLSX, EPUB).
    pub max_unpacked_size: u64,
    /// Largest ratio of unpacked to packed size accepted for one archive entry.
    pub max_compression_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: 256 * 1024 * 1024,
            max_unpacked_size: 512 * 1024 * 1024,
            max_compression_ratio: 200,
        }
    }
}
