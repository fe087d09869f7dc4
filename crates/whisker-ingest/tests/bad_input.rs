//! Hostile and broken files: each must come back as a clear `Err` (or, where
//! the file is merely odd, as text) and never as a panic, a hang or a huge
//! allocation. The files are generated here with the `zip` writer.

use std::io::{Cursor, Write};
use std::path::Path;
use std::sync::OnceLock;

use whisker_ingest::{Error, Kind, Limits, extract};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

const GIB: usize = 1024 * 1024 * 1024;

fn read(name: &str, bytes: &[u8]) -> Result<whisker_ingest::Document, Error> {
    extract(Path::new(name), bytes, &Limits::default())
}

/// The error for `name`, with its message checked against `expected`.
fn refused(name: &str, bytes: &[u8], expected: &str) -> Error {
    match read(name, bytes) {
        Ok(doc) => panic!(
            "{name}: expected an error, got {} sections",
            doc.sections.len()
        ),
        Err(err) => {
            assert_eq!(err.to_string(), expected, "{name}");
            err
        }
    }
}

fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    add(&mut writer, entries);
    writer.finish().expect("finish zip").into_inner()
}

fn add(writer: &mut ZipWriter<Cursor<Vec<u8>>>, entries: &[(&str, &str)]) {
    for (name, data) in entries {
        let options = SimpleFileOptions::default();
        writer.start_file(*name, options).expect("start entry");
        writer.write_all(data.as_bytes()).expect("write entry");
    }
}

fn docx_with(body: &str) -> Vec<u8> {
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    zip_of(&[("word/document.xml", &document)])
}

/// A ZIP holding one entry, `bomb`: 1 GiB of zeros deflated to about 1 MiB.
/// Built once by streaming zeros into the writer, then copied raw.
fn bomb_zip() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        writer.start_file("bomb", options).expect("start bomb");
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..GIB / zeros.len() {
            writer.write_all(&zeros).expect("write zeros");
        }
        writer.finish().expect("finish bomb").into_inner()
    })
}

/// A package with small `entries` and the bomb stored as `bomb_as`.
fn with_bomb(entries: &[(&str, &str)], bomb_as: &str) -> Vec<u8> {
    let mut bomb = ZipArchive::new(Cursor::new(bomb_zip())).expect("open bomb");
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    add(&mut writer, entries);
    let entry = bomb.by_name("bomb").expect("bomb entry");
    writer
        .raw_copy_file_rename(entry, bomb_as)
        .expect("copy bomb");
    writer.finish().expect("finish zip").into_inner()
}

#[test]
fn truncated_docx_is_damaged() {
    let text = "<w:p><w:r><w:t>Some text that fills the document.</w:t></w:r></w:p>".repeat(50);
    let bytes = docx_with(&text);
    refused(
        "report.docx",
        &bytes[..bytes.len() / 2],
        "damaged DOCX file: the ZIP directory is missing or damaged (the file may be truncated)",
    );
}

#[test]
fn random_bytes_named_xlsx_are_not_a_zip() {
    let mut state = 0x2545_f491_u32;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    refused(
        "budget.xlsx",
        &bytes,
        "damaged XLSX file: it is not a ZIP package, so not a real .xlsx",
    );
}

#[test]
fn docx_zip_bomb_is_refused() {
    let bytes = with_bomb(&[], "word/document.xml");
    assert!(bytes.len() < 8 * 1024 * 1024, "the bomb should pack small");
    let err = refused(
        "bomb.docx",
        &bytes,
        "DOCX expands past the safety limit (word/document.xml inflates to over 200× its packed size); possible zip bomb",
    );
    assert!(matches!(err, Error::Bomb { format: "DOCX", .. }));
}

#[test]
fn xlsx_zip_bomb_is_refused() {
    let workbook =
        r#"<workbook><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let rels = r#"<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let bytes = with_bomb(
        &[
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", rels),
        ],
        "xl/worksheets/sheet1.xml",
    );
    let err = read("bomb.xlsx", &bytes).unwrap_err();
    assert!(matches!(err, Error::Bomb { format: "XLSX", .. }), "{err}");
}

#[test]
fn epub_zip_bomb_is_refused() {
    let container =
        r#"<container><rootfiles><rootfile full-path="content.opf"/></rootfiles></container>"#;
    let opf = r#"<package><manifest><item id="c1" href="ch1.xhtml" media-type="application/xhtml+xml"/></manifest><spine><itemref idref="c1"/></spine></package>"#;
    let bytes = with_bomb(
        &[
            ("mimetype", "application/epub+zip"),
            ("META-INF/container.xml", container),
            ("content.opf", opf),
        ],
        "ch1.xhtml",
    );
    let err = read("bomb.epub", &bytes).unwrap_err();
    assert!(matches!(err, Error::Bomb { format: "EPUB", .. }), "{err}");
}

#[test]
fn encrypted_docx_needs_a_password() {
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.extend_from_slice(&[0; 504]);
    for unit in "EncryptedPackage".encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    refused(
        "salaries.docx",
        &bytes,
        "encrypted DOCX: it needs a password to open",
    );
}

#[test]
fn legacy_doc_renamed_docx_says_so() {
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.extend_from_slice(&[0; 504]);
    for unit in "WordDocument".encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let err = read("old.docx", &bytes).unwrap_err();
    assert!(
        err.to_string().contains("legacy binary Office file"),
        "{err}"
    );
}

#[test]
fn epub_with_missing_opf_is_damaged() {
    let container = r#"<container><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>"#;
    let bytes = zip_of(&[
        ("mimetype", "application/epub+zip"),
        ("META-INF/container.xml", container),
        ("OEBPS/ch1.xhtml", "<html><body><p>orphan</p></body></html>"),
    ]);
    refused(
        "book.epub",
        &bytes,
        "damaged EPUB file: the package document OEBPS/content.opf named in META-INF/container.xml is missing",
    );
}

#[test]
fn pptx_with_no_text_says_so() {
    let presentation = r#"<p:presentation><p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst></p:presentation>"#;
    let rels = r#"<Relationships><Relationship Id="rId2" Type="x/slide" Target="slides/slide1.xml"/></Relationships>"#;
    let slide = r#"<p:sld><p:cSld><p:spTree><p:pic/><p:sp><p:txBody><a:p/></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#;
    let bytes = zip_of(&[
        ("ppt/presentation.xml", presentation),
        ("ppt/_rels/presentation.xml.rels", rels),
        ("ppt/slides/slide1.xml", slide),
    ]);
    refused(
        "photos.pptx",
        &bytes,
        "no extractable text: the slides hold no text (only pictures or empty slides)",
    );
}

#[test]
fn docx_with_no_text_says_so() {
    let bytes = docx_with("<w:p/><w:p><w:r><w:drawing/></w:r></w:p>");
    refused(
        "scan.docx",
        &bytes,
        "no extractable text: the document holds no text (only pictures or empty paragraphs)",
    );
}

#[test]
fn deeply_nested_html_neither_overflows_nor_loses_text() {
    let depth = 100_000;
    let empty = format!("{}{}", "<div>".repeat(depth), "</div>".repeat(depth));
    refused(
        "deep.html",
        empty.as_bytes(),
        "no extractable text: the page holds only markup, scripts or styles",
    );
    let unclosed = format!("<title>Deep</title>{}bottom", "<div><span>".repeat(depth));
    let doc = read("deep.html", unclosed.as_bytes()).unwrap();
    assert_eq!(doc.title, "Deep");
    assert_eq!(doc.sections[0].text, "bottom");
}

#[test]
fn malformed_document_xml_names_the_part() {
    let bytes = zip_of(&[(
        "word/document.xml",
        "<w:document><w:body><w:p attr=\"x></w:body>",
    )]);
    let err = read("broken.docx", &bytes).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("damaged DOCX file: word/document.xml is not well-formed XML"),
        "{err}"
    );
}

#[test]
fn zip_without_the_main_part_is_not_a_docx() {
    let bytes = zip_of(&[("notes.txt", "hello")]);
    refused(
        "notes.docx",
        &bytes,
        "damaged DOCX file: it has no word/document.xml (is it really a .docx?)",
    );
}

#[test]
fn mislabelled_workbook_is_read_as_a_workbook() {
    let workbook =
        r#"<workbook><sheets><sheet name="Cups" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let rels = r#"<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let sheet = r#"<worksheet><sheetData><row r="3"><c t="inlineStr"><is><t>Maple Leafs</t></is></c><c><v>13.0</v></c></row></sheetData></worksheet>"#;
    let bytes = zip_of(&[
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", rels),
        ("xl/worksheets/sheet1.xml", sheet),
    ]);
    let doc = read("cups.docx", &bytes).unwrap();
    assert_eq!(doc.kind, Kind::Xlsx);
    assert_eq!(doc.sections[0].text, "Maple Leafs | 13");
    assert_eq!(doc.sections[0].location.to_string(), "sheet “Cups”, row 3");
}

#[test]
fn zip_named_pptx_without_slides_is_not_a_presentation() {
    let bytes = zip_of(&[("readme.txt", "hello")]);
    refused(
        "deck.pptx",
        &bytes,
        "damaged PPTX file: it has no ppt/presentation.xml and no slides (is it really a .pptx?)",
    );
}

#[test]
fn epub_whose_chapters_are_missing_is_damaged() {
    let container =
        r#"<container><rootfiles><rootfile full-path="content.opf"/></rootfiles></container>"#;
    let opf = r#"<package><manifest><item id="c1" href="ch1.xhtml" media-type="application/xhtml+xml"/></manifest><spine><itemref idref="c1"/></spine></package>"#;
    let bytes = zip_of(&[
        ("mimetype", "application/epub+zip"),
        ("META-INF/container.xml", container),
        ("content.opf", opf),
    ]);
    refused(
        "book.epub",
        &bytes,
        "damaged EPUB file: none of the 1 chapter files its package document lists are in the archive",
    );
}

#[test]
fn epub_with_one_damaged_chapter_keeps_the_rest() {
    let container =
        r#"<container><rootfiles><rootfile full-path="content.opf"/></rootfiles></container>"#;
    let opf = r#"<package><manifest><item id="c1" href="ch1.xhtml" media-type="application/xhtml+xml"/>
        <item id="c2" href="ch2.xhtml" media-type="application/xhtml+xml"/></manifest>
        <spine><itemref idref="c1"/><itemref idref="c2"/></spine></package>"#;
    let mut bytes = zip_of(&[
        ("mimetype", "application/epub+zip"),
        ("META-INF/container.xml", container),
        ("content.opf", opf),
        (
            "ch1.xhtml",
            "<html><body><p>DAMAGED-CHAPTER-MARKER</p></body></html>",
        ),
        (
            "ch2.xhtml",
            "<html><body><p>Intact chapter.</p></body></html>",
        ),
    ]);
    // Corrupt the end of the first chapter's deflated data, just before the
    // next entry's local header.
    let name = b"ch1.xhtml";
    let header = bytes
        .windows(name.len())
        .position(|w| w == name)
        .expect("entry");
    let next = header
        + bytes[header..]
            .windows(4)
            .position(|w| w == b"PK\x03\x04")
            .expect("next entry");
    for b in &mut bytes[next - 6..next - 1] {
        *b ^= 0xA5;
    }
    let doc = read("book.epub", &bytes).expect("the intact chapter is kept");
    assert_eq!(doc.sections.len(), 1);
    assert_eq!(doc.sections[0].text, "Intact chapter.");
}

#[test]
fn pptx_with_one_malformed_slide_keeps_the_others() {
    let slide = |text: &str| {
        format!("<p:sld><p:txBody><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sld>")
    };
    let good = slide("Second slide");
    let bytes = zip_of(&[
        (
            "ppt/slides/slide1.xml",
            "<p:sld><a:t attr=\"broken></p:sld>",
        ),
        ("ppt/slides/slide2.xml", &good),
    ]);
    let doc = read("deck.pptx", &bytes).expect("slide 2 is kept");
    assert_eq!(doc.sections[0].text, "Second slide");
    assert_eq!(doc.sections[0].location.to_string(), "slide 2");
}
