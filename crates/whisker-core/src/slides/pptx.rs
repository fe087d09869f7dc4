//! PowerPoint export: an editable 16:9 `.pptx` (Office Open XML) with a
//! title slide, one Title and Content slide per outline slide (real
//! placeholders and bullet paragraphs), speaker notes on notes slides, and
//! the sources at the end.
//!
//! The package is built by hand (zip + escaped XML) from the fixed parts in
//! `template` and the deck's slides; text is sized to fit its placeholder by
//! an estimate, and `normAutofit` lets PowerPoint and LibreOffice shrink it
//! further. It writes atomically. It does not add images, charts or
//! animations, and holds no design beyond one theme.

mod template;

use std::io::{self, Seek, Write};
use std::path::Path;

use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use super::deck::has_cjk;
use super::xml::escape;
use super::{Deck, write_atomic};
use crate::{Error, Result};
use template::{NS, TREE_START, XML_DECL};

const PACKAGE_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const CT: &str = "application/vnd.openxmlformats-officedocument";

/// Writes `deck` to `path` as a `.pptx`, atomically.
pub fn write(deck: &Deck, path: &Path) -> Result<()> {
    let parts = parts(deck);
    write_atomic(path, |file| {
        write_zip(file, &parts).map_err(|e| Error::io(path, e))
    })
}

fn write_zip(file: impl Write + Seek, parts: &[(String, String)]) -> io::Result<()> {
    let mut zip = ZipWriter::new(file);
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, xml) in parts {
        zip.start_file(name.as_str(), options)
            .map_err(io::Error::other)?;
        zip.write_all(xml.as_bytes())?;
    }
    zip.finish().map_err(io::Error::other)?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Layout {
    Title,
    Content,
}

/// One slide as written: the title slide has its subtitle as `lines`.
#[derive(Debug)]
struct Page {
    layout: Layout,
    title: String,
    lines: Vec<String>,
    notes: String,
}

fn pages(deck: &Deck) -> Vec<Page> {
    let title = Page {
        layout: Layout::Title,
        title: deck.title.clone(),
        lines: deck.subtitle.iter().cloned().collect(),
        notes: String::new(),
    };
    let content = deck.slides_with_sources().into_iter().map(|s| Page {
        layout: Layout::Content,
        title: s.title,
        lines: s.bullets,
        notes: s.notes,
    });
    std::iter::once(title).chain(content).collect()
}

/// Every part of the package, `[Content_Types].xml` first.
fn parts(deck: &Deck) -> Vec<(String, String)> {
    let pages = pages(deck);
    let mut parts = vec![
        ("[Content_Types].xml".to_string(), content_types(&pages)),
        ("_rels/.rels".into(), root_rels()),
        ("docProps/core.xml".into(), core_props(&deck.title)),
        ("docProps/app.xml".into(), app_props(&pages)),
        ("ppt/presentation.xml".into(), presentation(&pages)),
        (
            "ppt/_rels/presentation.xml.rels".into(),
            presentation_rels(&pages),
        ),
        ("ppt/presProps.xml".into(), template::pres_props()),
        ("ppt/viewProps.xml".into(), template::view_props()),
        ("ppt/tableStyles.xml".into(), template::table_styles()),
        ("ppt/theme/theme1.xml".into(), template::theme()),
        ("ppt/theme/theme2.xml".into(), template::theme()),
        (
            "ppt/slideMasters/slideMaster1.xml".into(),
            template::slide_master(),
        ),
        (
            "ppt/slideMasters/_rels/slideMaster1.xml.rels".into(),
            master_rels(),
        ),
        (
            "ppt/slideLayouts/slideLayout1.xml".into(),
            template::title_layout(),
        ),
        (
            "ppt/slideLayouts/slideLayout2.xml".into(),
            template::content_layout(),
        ),
        (
            "ppt/slideLayouts/_rels/slideLayout1.xml.rels".into(),
            layout_rels(),
        ),
        (
            "ppt/slideLayouts/_rels/slideLayout2.xml.rels".into(),
            layout_rels(),
        ),
        (
            "ppt/notesMasters/notesMaster1.xml".into(),
            template::notes_master(),
        ),
        (
            "ppt/notesMasters/_rels/notesMaster1.xml.rels".into(),
            notes_master_rels(),
        ),
    ];
    for (i, page) in (1..).zip(&pages) {
        parts.push((format!("ppt/slides/slide{i}.xml"), slide(page)));
        parts.push((
            format!("ppt/slides/_rels/slide{i}.xml.rels"),
            slide_rels(i, page),
        ));
        if has_notes(page) {
            parts.push((
                format!("ppt/notesSlides/notesSlide{i}.xml"),
                notes_slide(page),
            ));
            parts.push((
                format!("ppt/notesSlides/_rels/notesSlide{i}.xml.rels"),
                notes_rels(i),
            ));
        }
    }
    parts
}

fn has_notes(page: &Page) -> bool {
    !page.notes.trim().is_empty()
}

fn rels(list: &[(String, String, String)]) -> String {
    let items: String = list
        .iter()
        .map(|(id, kind, target)| {
            format!(r#"<Relationship Id="{id}" Type="{kind}" Target="{target}"/>"#)
        })
        .collect();
    format!(r#"{XML_DECL}<Relationships xmlns="{PACKAGE_REL}">{items}</Relationships>"#)
}

/// A relationship; `kind` is the last segment of its type URI.
fn rel(id: &str, kind: &str, target: &str) -> (String, String, String) {
    let kind = match kind {
        "core-properties" => format!("{PACKAGE_REL}/metadata/core-properties"),
        kind => format!("{REL}/{kind}"),
    };
    (id.to_string(), kind, target.to_string())
}

fn root_rels() -> String {
    rels(&[
        rel("rId1", "officeDocument", "ppt/presentation.xml"),
        rel("rId2", "core-properties", "docProps/core.xml"),
        rel("rId3", "extended-properties", "docProps/app.xml"),
    ])
}

fn content_types(pages: &[Page]) -> String {
    let ct =
        |part: &str, kind: &str| format!(r#"<Override PartName="/{part}" ContentType="{kind}"/>"#);
    let pml = |kind: &str| format!("{CT}.presentationml.{kind}+xml");
    let mut types = vec![
        ct("ppt/presentation.xml", &pml("presentation.main")),
        ct("ppt/presProps.xml", &pml("presProps")),
        ct("ppt/viewProps.xml", &pml("viewProps")),
        ct("ppt/tableStyles.xml", &pml("tableStyles")),
        ct("ppt/slideMasters/slideMaster1.xml", &pml("slideMaster")),
        ct("ppt/slideLayouts/slideLayout1.xml", &pml("slideLayout")),
        ct("ppt/slideLayouts/slideLayout2.xml", &pml("slideLayout")),
        ct("ppt/notesMasters/notesMaster1.xml", &pml("notesMaster")),
        ct("ppt/theme/theme1.xml", &format!("{CT}.theme+xml")),
        ct("ppt/theme/theme2.xml", &format!("{CT}.theme+xml")),
        ct(
            "docProps/core.xml",
            "application/vnd.openxmlformats-package.core-properties+xml",
        ),
        ct("docProps/app.xml", &format!("{CT}.extended-properties+xml")),
    ];
    for (i, page) in (1..).zip(pages) {
        types.push(ct(&format!("ppt/slides/slide{i}.xml"), &pml("slide")));
        if has_notes(page) {
            types.push(ct(
                &format!("ppt/notesSlides/notesSlide{i}.xml"),
                &pml("notesSlide"),
            ));
        }
    }
    format!(
        r#"{XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>{}</Types>"#,
        types.concat()
    )
}

fn core_props(title: &str) -> String {
    format!(
        r#"{XML_DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:creator>Whisker</dc:creator><cp:lastModifiedBy>Whisker</cp:lastModifiedBy></cp:coreProperties>"#,
        escape(title)
    )
}

fn app_props(pages: &[Page]) -> String {
    let notes = pages.iter().filter(|p| has_notes(p)).count();
    format!(
        r#"{XML_DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>Whisker</Application><PresentationFormat>Widescreen</PresentationFormat><Slides>{}</Slides><Notes>{notes}</Notes></Properties>"#,
        pages.len()
    )
}

/// Slide `i` is relationship `rId{i + 10}`; ids below are the fixed parts.
fn presentation(pages: &[Page]) -> String {
    let ids: String = (1..=pages.len())
        .map(|i| format!(r#"<p:sldId id="{}" r:id="rId{}"/>"#, 255 + i, i + 10))
        .collect();
    format!(
        r#"{XML_DECL}<p:presentation {NS} saveSubsetFonts="1"><p:sldMasterIdLst><p:sldMasterId id="2147483648" r:id="rId1"/></p:sldMasterIdLst><p:notesMasterIdLst><p:notesMasterId r:id="rId2"/></p:notesMasterIdLst><p:sldIdLst>{ids}</p:sldIdLst><p:sldSz cx="{}" cy="{}"/><p:notesSz cx="6858000" cy="9144000"/></p:presentation>"#,
        template::SLIDE_CX,
        template::SLIDE_CY
    )
}

fn presentation_rels(pages: &[Page]) -> String {
    let mut list = vec![
        rel("rId1", "slideMaster", "slideMasters/slideMaster1.xml"),
        rel("rId2", "notesMaster", "notesMasters/notesMaster1.xml"),
        rel("rId3", "theme", "theme/theme1.xml"),
        rel("rId4", "presProps", "presProps.xml"),
        rel("rId5", "viewProps", "viewProps.xml"),
        rel("rId6", "tableStyles", "tableStyles.xml"),
    ];
    for i in 1..=pages.len() {
        list.push(rel(
            &format!("rId{}", i + 10),
            "slide",
            &format!("slides/slide{i}.xml"),
        ));
    }
    rels(&list)
}

fn master_rels() -> String {
    rels(&[
        rel("rId1", "slideLayout", "../slideLayouts/slideLayout1.xml"),
        rel("rId2", "slideLayout", "../slideLayouts/slideLayout2.xml"),
        rel("rId3", "theme", "../theme/theme1.xml"),
    ])
}

fn layout_rels() -> String {
    rels(&[rel(
        "rId1",
        "slideMaster",
        "../slideMasters/slideMaster1.xml",
    )])
}

fn notes_master_rels() -> String {
    rels(&[rel("rId1", "theme", "../theme/theme2.xml")])
}

fn slide_rels(i: usize, page: &Page) -> String {
    let layout = match page.layout {
        Layout::Title => "../slideLayouts/slideLayout1.xml",
        Layout::Content => "../slideLayouts/slideLayout2.xml",
    };
    let mut list = vec![rel("rId1", "slideLayout", layout)];
    if has_notes(page) {
        let notes = format!("../notesSlides/notesSlide{i}.xml");
        list.push(rel("rId2", "notesSlide", &notes));
    }
    rels(&list)
}

fn notes_rels(i: usize) -> String {
    rels(&[
        rel("rId1", "notesMaster", "../notesMasters/notesMaster1.xml"),
        rel("rId2", "slide", &format!("../slides/slide{i}.xml")),
    ])
}

/// Where a layout's text goes and the sizes (hundredths of a point) it may take.
struct Frame {
    title_ph: &'static str,
    body_ph: &'static str,
    title_area: (f32, f32),
    body_area: (f32, f32),
    title_sizes: &'static [u32],
    body_sizes: &'static [u32],
    /// Paragraph properties of each body line: the bullet level.
    body_ppr: &'static str,
}

const TITLE_FRAME: Frame = Frame {
    title_ph: r#"<p:ph type="ctrTitle"/>"#,
    body_ph: r#"<p:ph type="subTitle" idx="1"/>"#,
    title_area: template::CENTER_TITLE_AREA,
    body_area: template::SUBTITLE_AREA,
    title_sizes: &[5400, 4800, 4400, 4000, 3600, 3200],
    body_sizes: &[2400, 2000, 1800, 1600],
    body_ppr: "",
};

const CONTENT_FRAME: Frame = Frame {
    title_ph: r#"<p:ph type="title"/>"#,
    body_ph: r#"<p:ph idx="1"/>"#,
    title_area: template::TITLE_AREA,
    body_area: template::BODY_AREA,
    title_sizes: &[4000, 3600, 3200, 2800, 2400],
    body_sizes: &[2400, 2200, 2000, 1800, 1600, 1400, 1200],
    body_ppr: r#"<a:pPr lvl="0"/>"#,
};

fn slide(page: &Page) -> String {
    let frame = match page.layout {
        Layout::Title => &TITLE_FRAME,
        Layout::Content => &CONTENT_FRAME,
    };
    let titles = std::slice::from_ref(&page.title);
    let title_size = fit(titles, frame.title_area, frame.title_sizes, 0.9, 0);
    let title = paragraph(&page.title, "", Some(title_size));
    let mut shapes = shape(2, "Title 1", frame.title_ph, &title);
    // A text body needs at least one paragraph: no lines, no body shape.
    if !page.lines.is_empty() {
        let size = fit(&page.lines, frame.body_area, frame.body_sizes, 1.0, 1000);
        let body: String = page
            .lines
            .iter()
            .map(|line| paragraph(line, frame.body_ppr, Some(size)))
            .collect();
        shapes += &shape(3, "Content 2", frame.body_ph, &body);
    }
    format!(
        r#"{XML_DECL}<p:sld {NS}><p:cSld><p:spTree>{TREE_START}{shapes}</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>"#
    )
}

fn notes_slide(page: &Page) -> String {
    let image = r#"<p:sp><p:nvSpPr><p:cNvPr id="2" name="Slide Image Placeholder 1"/><p:cNvSpPr><a:spLocks noGrp="1" noRot="1" noChangeAspect="1"/></p:cNvSpPr><p:nvPr><p:ph type="sldImg"/></p:nvPr></p:nvSpPr><p:spPr/></p:sp>"#;
    let text: String = page.notes.lines().map(|l| paragraph(l, "", None)).collect();
    let body = shape(
        3,
        "Notes Placeholder 2",
        r#"<p:ph type="body" idx="1"/>"#,
        &text,
    );
    format!(
        r#"{XML_DECL}<p:notes {NS}><p:cSld><p:spTree>{TREE_START}{image}{body}</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:notes>"#
    )
}

/// A placeholder shape holding `paragraphs`, placed by its layout.
fn shape(id: u32, name: &str, ph: &str, paragraphs: &str) -> String {
    format!(
        r#"<p:sp><p:nvSpPr><p:cNvPr id="{id}" name="{name}"/><p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr>{ph}</p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr><a:normAutofit/></a:bodyPr><a:lstStyle/>{paragraphs}</p:txBody></p:sp>"#
    )
}

/// One `<a:p>`: line breaks in `text` become `<a:br/>`, the language is
/// marked Chinese when the text has CJK so the East Asian font applies.
fn paragraph(text: &str, ppr: &str, size: Option<u32>) -> String {
    let lang = match has_cjk(text) {
        true => r#"lang="zh-CN" altLang="en-US""#,
        false => r#"lang="en-US""#,
    };
    let sz = size.map(|s| format!(r#" sz="{s}""#)).unwrap_or_default();
    let props = format!(r#"<a:rPr {lang}{sz} dirty="0"/>"#);
    let runs: Vec<String> = text
        .split('\n')
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.is_empty())
        .map(|line| format!("<a:r>{props}<a:t>{}</a:t></a:r>", escape(line)))
        .collect();
    let end = format!(r#"<a:endParaRPr {lang}{sz} dirty="0"/>"#);
    format!(
        "<a:p>{ppr}{}{end}</a:p>",
        runs.join(&format!("<a:br>{props}</a:br>"))
    )
}

/// The largest of `sizes` (hundredths of a point) at which `paragraphs`
/// fit an `area` (inches), given line spacing and space before each
/// paragraph (hundredths of a point); the smallest when none fits.
fn fit(paragraphs: &[String], area: (f32, f32), sizes: &[u32], spacing: f32, before: u32) -> u32 {
    let (width, height) = area;
    let fits = |size: u32| {
        let points = size as f32 / 100.0;
        let ems_per_line = width * 72.0 / points;
        let lines: f32 = paragraphs
            .iter()
            .map(|p| (text_width(p) / ems_per_line).ceil().max(1.0))
            .sum();
        let gaps = paragraphs.len() as f32 * before as f32 / 100.0;
        (lines * points * 1.2 * spacing + gaps) / 72.0 <= height
    };
    let smallest = sizes.last().copied().unwrap_or(1800);
    sizes.iter().copied().find(|s| fits(*s)).unwrap_or(smallest)
}

/// Estimated width in ems: East Asian characters are square, others about half.
fn text_width(text: &str) -> f32 {
    text.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF => 1.0,
            0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1FAFF => 1.0,
            0x20000..=0x3FFFD => 1.0,
            _ if c.is_uppercase() => 0.65,
            _ => 0.5,
        })
        .sum()
}

#[cfg(test)]
mod tests;
