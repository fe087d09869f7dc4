//! PPTX: one section per slide (its text frames and tables), plus one for
//! the slide's speaker notes, in presentation order.
//!
//! The order comes from `ppt/presentation.xml` (`sldIdLst`) through its
//! relationships; when that is unusable the slides are taken in the numeric
//! order of `ppt/slides/slideN.xml`. Slide numbers in locations are positions
//! in that order, as PowerPoint shows them. Text inside charts, SmartArt and
//! embedded objects lives in other parts and is not read.

use quick_xml::events::{BytesStart, Event};

use crate::document::{Document, Kind, Limits, Location, Section};
use crate::error::{Error, Result};
use crate::ooxml::{Rel, core_title, open_main, rels, target};
use crate::xml::{Xml, attr, clean, collapse, end_local, local, rel_id, text};
use crate::zipped::{Package, Salvage};

const FORMAT: &str = "PPTX";

pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Document> {
    let (mut package, mut salvage, main) =
        open_main(bytes, limits, FORMAT, "ppt/presentation.xml")?;
    let slides = slide_order(&mut package, &mut salvage, &main)?;
    let mut sections = Vec::new();
    let mut first_title = None;
    for (i, part) in slides.iter().enumerate() {
        let location = Location::Slide {
            slide: i as u32 + 1,
        };
        if let Some(slide) = salvage.part(read_part(&mut package, part))? {
            first_title = first_title.or(slide.title);
            push(&mut sections, &slide.paragraphs, &location);
        }
        if let Some(notes) = salvage.part(notes_of(&mut package, part))? {
            push(&mut sections, &notes.paragraphs, &location);
        }
    }
    let title = salvage.part(core_title(&mut package))?;
    let title = title.filter(|t| !is_generic(t)).or(first_title);
    salvage.finish(Document {
        title: title.unwrap_or_default(),
        kind: Kind::Pptx,
        sections,
    })
}

/// One slide or notes part, or `None` when it is missing.
fn read_part(package: &mut Package<'_>, part: &str) -> Result<Option<SlideText>> {
    match package.read_text(part)? {
        Some(xml) => read_slide(&xml, part).map(Some),
        None => Ok(None),
    }
}

fn push(sections: &mut Vec<Section>, paragraphs: &[String], location: &Location) {
    if !paragraphs.is_empty() {
        sections.push(Section::new(paragraphs.join("\n"), location.clone()));
    }
}

/// Titles PowerPoint fills in by itself say nothing about the deck.
fn is_generic(title: &str) -> bool {
    let lower = title.trim().to_lowercase();
    let slide_n = lower
        .strip_prefix("slide")
        .is_some_and(|n| n.trim().chars().all(|c| c.is_ascii_digit()));
    lower.contains("powerpoint") || slide_n
}

/// Slide parts in presentation order.
fn slide_order(
    package: &mut Package<'_>,
    salvage: &mut Salvage,
    main: &str,
) -> Result<Vec<String>> {
    let listed = match salvage.part(package.read_text(main))? {
        Some(xml) => {
            let main_rels = salvage.part(rels(package, main).map(Some))?;
            listed_slides(&xml, main, &main_rels.unwrap_or_default())
        }
        None => Vec::new(),
    };
    let listed: Vec<String> = listed.into_iter().filter(|p| package.has(p)).collect();
    if !listed.is_empty() {
        return Ok(listed);
    }
    let mut numbered: Vec<(u32, String)> = package
        .names()
        .into_iter()
        .filter_map(|name| slide_number(&name).map(|n| (n, name)))
        .collect();
    numbered.sort();
    if numbered.is_empty() && !package.has(main) {
        let detail = format!("it has no {main} and no slides (is it really a .pptx?)");
        return Err(Error::corrupt(FORMAT, detail));
    }
    Ok(numbered.into_iter().map(|(_, name)| name).collect())
}

/// The targets of `sldIdLst`; a malformed presentation.xml lists none.
fn listed_slides(xml: &str, part: &str, rels: &[Rel]) -> Vec<String> {
    let mut reader = Xml::new(xml, FORMAT, part);
    let mut out = Vec::new();
    loop {
        match reader.next() {
            Ok(Event::Start(e) | Event::Empty(e)) if local(&e) == "sldId" => {
                if let Some(t) = rel_id(&e).and_then(|id| target(rels, &id)) {
                    out.push(t.to_string());
                }
            }
            Ok(Event::Eof) | Err(_) => return out,
            _ => {}
        }
    }
}

/// `ppt/slides/slide12.xml` → 12.
fn slide_number(name: &str) -> Option<u32> {
    name.strip_prefix("ppt/slides/slide")?
        .strip_suffix(".xml")?
        .parse()
        .ok()
}

fn notes_of(package: &mut Package<'_>, slide: &str) -> Result<Option<SlideText>> {
    let slide_rels = rels(package, slide)?;
    match slide_rels.iter().find(|r| r.kind == "notesSlide") {
        Some(rel) => read_part(package, &rel.target.clone()),
        None => Ok(None),
    }
}

/// The text of one slide or notes page.
#[derive(Debug, Default)]
struct SlideText {
    title: Option<String>,
    paragraphs: Vec<String>,
}

#[derive(Debug, Default)]
struct Walker {
    out: SlideText,
    para: String,
    in_t: bool,
    /// Inside a subtree whose text is not shown (a fallback, a slide number).
    skip: u32,
    in_title: bool,
    title: Vec<String>,
    /// Cells of the current table row, and the cell being read.
    row: Option<(Vec<String>, String)>,
}

fn read_slide(xml: &str, part: &str) -> Result<SlideText> {
    let mut reader = Xml::new(xml, FORMAT, part);
    let mut walker = Walker::default();
    loop {
        let event = reader.next()?;
        match &event {
            Event::Eof => break,
            Event::Start(_) if walker.skip > 0 => walker.skip += 1,
            Event::End(_) if walker.skip > 0 => walker.skip -= 1,
            _ if walker.skip > 0 => {}
            Event::Start(e) => walker.start(e),
            Event::Empty(e) => walker.empty(e),
            Event::End(e) => walker.end(end_local(e)),
            _ if walker.in_t => {
                if let Some(t) = text(&event) {
                    walker.para.push_str(&t);
                }
            }
            _ => {}
        }
    }
    Ok(walker.out)
}

impl Walker {
    fn start(&mut self, e: &BytesStart<'_>) {
        match local(e) {
            "Fallback" => self.skip = 1,
            "fld" if attr(e, "type").as_deref() == Some("slidenum") => self.skip = 1,
            "sp" => self.in_title = false,
            "p" => self.para.clear(),
            "t" => self.in_t = true,
            "tr" => self.row = Some((Vec::new(), String::new())),
            _ => self.empty(e),
        }
    }

    fn empty(&mut self, e: &BytesStart<'_>) {
        match local(e) {
            "ph" => {
                let kind = attr(e, "type").unwrap_or_default();
                self.in_title = matches!(kind.as_str(), "title" | "ctrTitle");
            }
            "br" => self.para.push('\n'),
            _ => {}
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            "t" => self.in_t = false,
            "p" => self.end_paragraph(),
            "sp" => self.end_shape(),
            "tc" => {
                if let Some((cells, cell)) = &mut self.row {
                    cells.push(std::mem::take(cell));
                }
            }
            "tr" => self.end_row(),
            _ => {}
        }
    }

    fn end_paragraph(&mut self) {
        let text = clean(&std::mem::take(&mut self.para));
        if text.is_empty() {
            return;
        }
        if let Some((_, cell)) = &mut self.row {
            if !cell.is_empty() {
                cell.push(' ');
            }
            cell.push_str(&text);
            return;
        }
        if self.in_title {
            self.title.push(text.clone());
        }
        self.out.paragraphs.push(text);
    }

    fn end_shape(&mut self) {
        if !self.title.is_empty() && self.out.title.is_none() {
            self.out.title = Some(collapse(&self.title.join(" ")));
        }
        self.title.clear();
        self.in_title = false;
    }

    fn end_row(&mut self) {
        let Some((cells, _)) = self.row.take() else {
            return;
        };
        let cells: Vec<String> = cells.into_iter().filter(|c| !c.is_empty()).collect();
        if !cells.is_empty() {
            self.out.paragraphs.push(cells.join(" | "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_placeholder_tables_and_slide_numbers() {
        let xml = r#"<p:sld><p:cSld><p:spTree>
            <p:sp><p:nvSpPr><p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr>
              <p:txBody><a:p><a:r><a:t>Quarterly</a:t></a:r><a:r><a:t> review</a:t></a:r></a:p></p:txBody></p:sp>
            <p:sp><p:txBody><a:p><a:r><a:t>Revenue up</a:t></a:r><a:br/><a:r><a:t>Costs flat</a:t></a:r></a:p>
              <a:p><a:fld type="slidenum"><a:t>‹#›</a:t></a:fld></a:p></p:txBody></p:sp>
            <p:graphicFrame><a:tbl><a:tr><a:tc><a:txBody><a:p><a:r><a:t>Q1</a:t></a:r></a:p></a:txBody></a:tc>
              <a:tc><a:txBody><a:p><a:r><a:t>10</a:t></a:r></a:p></a:txBody></a:tc></a:tr></a:tbl></p:graphicFrame>
            </p:spTree></p:cSld></p:sld>"#;
        let slide = read_slide(xml, "ppt/slides/slide1.xml").unwrap();
        assert_eq!(slide.title.as_deref(), Some("Quarterly review"));
        assert_eq!(
            slide.paragraphs,
            ["Quarterly review", "Revenue up\nCosts flat", "Q1 | 10"]
        );
    }

    #[test]
    fn generic_titles_and_slide_file_numbers() {
        assert!(is_generic("PowerPoint Presentation"));
        assert!(is_generic("Slide 1"));
        assert!(!is_generic("Slides for the board"));
        assert_eq!(slide_number("ppt/slides/slide12.xml"), Some(12));
        assert_eq!(slide_number("ppt/slides/_rels/slide1.xml.rels"), None);
    }
}
