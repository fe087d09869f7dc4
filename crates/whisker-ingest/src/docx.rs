//! DOCX: paragraphs with heading paths, table rows, footnotes and endnotes.
//!
//! `word/document.xml` is streamed with quick-xml. Runs (`w:t`, tabs,
//! breaks) make paragraphs (`w:p`); a table row becomes one paragraph with
//! its cells joined by " | ". Headings come from the paragraph's own outline
//! level or its style, resolved through `word/styles.xml` so localised style
//! ids (a Chinese Word's `1`, `2`, … named "heading 1", …) still count.
//! Deleted revisions, field codes and VML fallbacks are skipped so no text
//! appears twice. Numbering (list bullets, "1.2.3") is not reproduced.

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};

use crate::document::{Document, Kind, Limits, Section};
use crate::error::Result;
use crate::ooxml::{core_title, open_main, part_for, rels};
use crate::xml::{Xml, attr, clean, end_local, local, text};

const FORMAT: &str = "DOCX";
/// Longer paragraphs are body text in a heading style, not headings.
const MAX_HEADING: usize = 200;
/// Subtrees whose text is not part of the current document.
const SKIPPED: &[&str] = &[
    "del",
    "moveFrom",
    "delText",
    "instrText",
    "pPrChange",
    "rPrChange",
    "tblPrChange",
    "trPrChange",
    "tcPrChange",
    "sectPrChange",
    "Fallback",
];

/// Note parts read after the body, with the heading their paragraphs sit under.
const NOTES: &[(&str, &str, &str)] = &[
    ("footnotes", "word/footnotes.xml", "Footnotes"),
    ("endnotes", "word/endnotes.xml", "Endnotes"),
];

pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Document> {
    let (mut package, mut salvage, main) = open_main(bytes, limits, FORMAT, "word/document.xml")?;
    let xml = package.require_text(&main)?;
    let doc_rels = salvage
        .part(rels(&mut package, &main).map(Some))?
        .unwrap_or_default();
    let styles_part = part_for(&doc_rels, "styles", "word/styles.xml");
    let styles = salvage
        .part(package.read_text(&styles_part))?
        .map_or_else(Styles::default, |xml| Styles::parse(&xml));
    let mut paragraphs = read_part(&styles, &xml, &main, Vec::new())?;
    let title = first_title(&paragraphs);
    for (kind, fallback, label) in NOTES {
        let part = part_for(&doc_rels, kind, fallback);
        let notes = package.read_text(&part).and_then(|xml| match xml {
            Some(xml) => read_part(&styles, &xml, &part, vec![(0, label.to_string())]).map(Some),
            None => Ok(None),
        });
        paragraphs.extend(salvage.part(notes)?.unwrap_or_default());
    }
    let title = salvage.part(core_title(&mut package))?.or(title);
    salvage.finish(Document {
        title: title.unwrap_or_default(),
        kind: Kind::Docx,
        sections: Section::paragraphs(paragraphs.into_iter().map(|p| (p.text, p.headings))),
    })
}

/// The paragraphs of one part, under the heading path `path`.
fn read_part(styles: &Styles, xml: &str, part: &str, path: Vec<(u8, String)>) -> Result<Vec<Para>> {
    let mut walker = Walker::new(styles, path);
    walker.read(xml, part)?;
    Ok(walker.finish())
}

fn first_title(paragraphs: &[Para]) -> Option<String> {
    let by_role = |wanted: fn(Role) -> bool| {
        paragraphs
            .iter()
            .find(|p| wanted(p.role))
            .map(|p| p.text.clone())
    };
    by_role(|r| r == Role::Title).or_else(|| by_role(|r| r == Role::Heading(1)))
}

/// What a paragraph is, by its style or outline level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Body,
    Title,
    Heading(u8),
}

#[derive(Debug)]
struct Para {
    text: String,
    headings: Vec<String>,
    role: Role,
}

/// Paragraph styles: what each style id means, following `basedOn`.
#[derive(Debug, Default)]
struct Styles {
    by_id: HashMap<String, StyleInfo>,
}

#[derive(Debug, Default)]
struct StyleInfo {
    role: Option<Role>,
    based_on: Option<String>,
}

impl Styles {
    /// Reads `word/styles.xml`; a malformed one just means no style information.
    fn parse(xml: &str) -> Styles {
        let mut styles = Styles::default();
        let mut reader = Xml::new(xml, FORMAT, "word/styles.xml");
        let mut current: Option<(String, StyleInfo)> = None;
        while let Ok(event) = reader.next() {
            match event {
                Event::Start(e) if local(&e) == "style" => {
                    current = attr(&e, "styleId").map(|id| (id, StyleInfo::default()));
                }
                Event::Start(e) | Event::Empty(e) => {
                    if let Some((_, info)) = current.as_mut() {
                        info.read(&e);
                    }
                }
                Event::End(e) if end_local(&e) == "style" => {
                    if let Some((id, info)) = current.take() {
                        styles.by_id.insert(id, info);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        styles
    }

    fn role(&self, id: &str) -> Role {
        let mut id = id;
        for _ in 0..10 {
            let Some(info) = self.by_id.get(id) else {
                return role_from_name(id).unwrap_or(Role::Body);
            };
            if let Some(role) = info.role {
                return role;
            }
            match &info.based_on {
                Some(parent) => id = parent,
                None => break,
            }
        }
        Role::Body
    }
}

impl StyleInfo {
    fn read(&mut self, e: &BytesStart<'_>) {
        match local(e) {
            "name" => {
                if let Some(role) = attr(e, "val").and_then(|n| role_from_name(&n)) {
                    self.role = Some(role);
                }
            }
            "basedOn" => self.based_on = attr(e, "val"),
            "outlineLvl" if self.role.is_none() => self.role = outline_role(e),
            _ => {}
        }
    }
}

/// "heading 2", "Heading2", "标题 2" → level 2; "Title" → the title.
fn role_from_name(name: &str) -> Option<Role> {
    let lower = name.to_lowercase();
    if lower == "title" {
        return Some(Role::Title);
    }
    let rest = ["heading", "标题", "標題"]
        .iter()
        .find_map(|prefix| lower.strip_prefix(prefix))?;
    let level: u8 = rest.trim().parse().ok()?;
    (1..=9).contains(&level).then_some(Role::Heading(level))
}

/// `w:outlineLvl` 0–8 is heading level 1–9; 9 means body text.
fn outline_role(e: &BytesStart<'_>) -> Option<Role> {
    let level: u8 = attr(e, "val")?.parse().ok()?;
    Some(if level < 9 {
        Role::Heading(level + 1)
    } else {
        Role::Body
    })
}

/// One table being read: the cells of its current row.
#[derive(Debug, Default)]
struct Table {
    cells: Vec<String>,
    cell: String,
}

/// Streams one part (body, footnotes or endnotes) into paragraphs.
struct Walker<'s> {
    styles: &'s Styles,
    out: Vec<Para>,
    path: Vec<(u8, String)>,
    text: String,
    style: Option<String>,
    outline: Option<Role>,
    /// `w:p` nesting: text boxes put paragraphs inside paragraphs.
    depth: u32,
    in_ppr: bool,
    in_t: bool,
    skip: u32,
    tables: Vec<Table>,
}

impl<'s> Walker<'s> {
    fn new(styles: &'s Styles, path: Vec<(u8, String)>) -> Self {
        Walker {
            styles,
            out: Vec::new(),
            path,
            text: String::new(),
            style: None,
            outline: None,
            depth: 0,
            in_ppr: false,
            in_t: false,
            skip: 0,
            tables: Vec::new(),
        }
    }

    fn read(&mut self, xml: &str, part: &str) -> Result<()> {
        let mut reader = Xml::new(xml, FORMAT, part);
        loop {
            let event = reader.next()?;
            match &event {
                Event::Eof => return Ok(()),
                _ if self.skip > 0 => self.skipping(&event),
                Event::Start(e) => self.start(e),
                Event::Empty(e) => self.empty(e),
                Event::End(e) => self.end(end_local(e)),
                _ if self.in_t => {
                    if let Some(t) = text(&event) {
                        self.text.push_str(&t);
                    }
                }
                _ => {}
            }
        }
    }

    fn skipping(&mut self, event: &Event<'_>) {
        match event {
            Event::Start(_) => self.skip += 1,
            Event::End(_) => self.skip -= 1,
            _ => {}
        }
    }

    fn start(&mut self, e: &BytesStart<'_>) {
        match local(e) {
            name if SKIPPED.contains(&name) => self.skip = 1,
            "p" => {
                if self.depth == 0 {
                    self.text.clear();
                    self.style = None;
                    self.outline = None;
                } else {
                    self.text.push(' ');
                }
                self.depth += 1;
            }
            "pPr" => self.in_ppr = true,
            "t" => self.in_t = true,
            "tbl" => self.tables.push(Table::default()),
            "tr" => self.with_table(|t| t.cells.clear()),
            "tc" => self.with_table(|t| t.cell.clear()),
            _ => self.empty(e),
        }
    }

    fn empty(&mut self, e: &BytesStart<'_>) {
        match local(e) {
            "pStyle" if self.depth == 1 => self.style = attr(e, "val"),
            "outlineLvl" if self.depth == 1 && self.in_ppr => self.outline = outline_role(e),
            "tab" | "ptab" if !self.in_ppr => self.text.push('\t'),
            "br" | "cr" if !self.in_ppr => self.text.push('\n'),
            "noBreakHyphen" => self.text.push('-'),
            _ => {}
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            "t" => self.in_t = false,
            "pPr" => self.in_ppr = false,
            "p" => {
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 {
                    self.end_paragraph();
                }
            }
            "tc" => self.with_table(|t| {
                let cell = std::mem::take(&mut t.cell);
                t.cells.push(cell);
            }),
            "tr" => self.end_row(),
            "tbl" => {
                self.tables.pop();
            }
            _ => {}
        }
    }

    fn with_table(&mut self, f: impl FnOnce(&mut Table)) {
        if let Some(table) = self.tables.last_mut() {
            f(table);
        }
    }

    fn end_paragraph(&mut self) {
        let text = clean(&std::mem::take(&mut self.text));
        if text.is_empty() {
            return;
        }
        if let Some(table) = self.tables.last_mut() {
            join(&mut table.cell, &text, " ");
            return;
        }
        let role = match (self.outline, &self.style) {
            (Some(role), _) => role,
            (None, Some(style)) => self.styles.role(style),
            (None, None) => Role::Body,
        };
        let role = if text.chars().count() > MAX_HEADING {
            Role::Body
        } else {
            role
        };
        if let Role::Heading(level) = role {
            self.path.retain(|(l, _)| *l < level);
            self.path.push((level, text.clone()));
        }
        self.push(text, role);
    }

    fn end_row(&mut self) {
        let Some(table) = self.tables.last_mut() else {
            return;
        };
        let cells: Vec<String> = std::mem::take(&mut table.cells)
            .into_iter()
            .filter(|c| !c.trim().is_empty())
            .collect();
        let row = cells.join(" | ");
        let depth = self.tables.len();
        if row.is_empty() {
            return;
        }
        if depth > 1 {
            join(&mut self.tables[depth - 2].cell, &row, " ");
        } else {
            self.push(row, Role::Body);
        }
    }

    fn push(&mut self, text: String, role: Role) {
        let headings = self.path.iter().map(|(_, h)| h.clone()).collect();
        self.out.push(Para {
            text,
            headings,
            role,
        });
    }

    fn finish(self) -> Vec<Para> {
        self.out
    }
}

fn join(buf: &mut String, text: &str, sep: &str) {
    if !buf.is_empty() {
        buf.push_str(sep);
    }
    buf.push_str(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(body: &str, styles: &Styles) -> Vec<Para> {
        let xml = format!("<w:document><w:body>{body}</w:body></w:document>");
        let mut walker = Walker::new(styles, Vec::new());
        walker.read(&xml, "word/document.xml").unwrap();
        walker.finish()
    }

    fn p(style: &str, text: &str) -> String {
        format!(
            r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
        )
    }

    #[test]
    fn localised_style_ids_resolve_through_style_names() {
        let styles = Styles::parse(
            r#"<w:styles><w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/></w:style>
            <w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/></w:style>
            <w:style w:type="paragraph" w:styleId="a5"><w:name w:val="Title"/></w:style>
            <w:style w:type="paragraph" w:styleId="MyHead"><w:name w:val="My Head"/><w:basedOn w:val="2"/></w:style></w:styles>"#,
        );
        let body = [
            p("a5", "手册"),
            p("1", "第一章"),
            p("MyHead", "安装"),
            p("Normal", "正文"),
        ]
        .concat();
        let paras = walk(&body, &styles);
        assert_eq!(paras[0].role, Role::Title);
        assert_eq!(paras[3].headings, ["第一章", "安装"]);
        assert_eq!(first_title(&paras).as_deref(), Some("手册"));
    }

    #[test]
    fn outline_level_and_builtin_ids_without_styles_xml() {
        let body = format!(
            r#"{}<w:p><w:pPr><w:outlineLvl w:val="1"/></w:pPr><w:r><w:t>Sub</w:t></w:r></w:p>{}"#,
            p("Heading1", "Top"),
            p("Normal", "Body")
        );
        let paras = walk(&body, &Styles::default());
        assert_eq!(paras[2].headings, ["Top", "Sub"]);
    }

    #[test]
    fn runs_tabs_breaks_and_skipped_revisions() {
        let body = r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>
            <w:r><w:t xml:space="preserve">Bank</w:t></w:r><w:r><w:t>ruptcy</w:t><w:tab/><w:t>Act</w:t><w:br/><w:t>1978</w:t></w:r>
            <w:del><w:r><w:delText>gone</w:delText></w:r></w:del>
            <w:r><w:fldChar/><w:instrText> PAGE </w:instrText></w:r></w:p>"#;
        let paras = walk(body, &Styles::default());
        assert_eq!(paras[0].text, "Bankruptcy Act\n1978");
    }

    #[test]
    fn table_rows_become_paragraphs_and_nested_tables_stay_inside() {
        let cell = |t: &str| format!("<w:tc><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:tc>");
        let inner = format!("<w:tbl><w:tr>{}{}</w:tr></w:tbl>", cell("x"), cell("y"));
        let body = format!(
            "<w:tbl><w:tr>{}{}</w:tr><w:tr>{}<w:tc>{inner}</w:tc></w:tr></w:tbl>",
            cell("Team"),
            cell("Cups"),
            cell("Leafs")
        );
        let texts: Vec<_> = walk(&body, &Styles::default())
            .into_iter()
            .map(|p| p.text)
            .collect();
        assert_eq!(texts, ["Team | Cups", "Leafs | x | y"]);
    }
}
