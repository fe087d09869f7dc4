//! XLSX: one section per non-empty row, "cell | cell | …", cited by sheet
//! name and row number.
//!
//! Sheets are read in workbook order (`xl/workbook.xml` and its
//! relationships), strings resolved through `xl/sharedStrings.xml` (rich-text
//! runs concatenated, phonetic guides dropped). Values are shown as stored,
//! except that numbers get their shortest form ("13.0" → "13",
//! "4.0999999999999996" → "4.1"). Number formats are not applied, so dates
//! appear as Excel serial numbers.

use quick_xml::events::{BytesStart, Event};

use crate::document::{Document, Kind, Limits, Location, Section};
use crate::error::Result;
use crate::ooxml::{core_title, open_main, part_for, rels, target};
use crate::xml::{Xml, attr, collapse, end_local, local, rel_id, text};
use crate::zipped::Package;

const FORMAT: &str = "XLSX";

pub fn extract(bytes: &[u8], limits: &Limits) -> Result<Document> {
    let (mut package, mut salvage, main) = open_main(bytes, limits, FORMAT, "xl/workbook.xml")?;
    let workbook = package.require_text(&main)?;
    let sheets = sheet_list(&workbook, &main)?;
    let book_rels = salvage
        .part(rels(&mut package, &main).map(Some))?
        .unwrap_or_default();
    let strings_part = part_for(&book_rels, "sharedStrings", "xl/sharedStrings.xml");
    let shared = match package.read_text(&strings_part)? {
        Some(xml) => shared_strings(&xml, &strings_part)?,
        None => Vec::new(),
    };
    let mut sections = Vec::new();
    for (i, (name, id)) in sheets.iter().enumerate() {
        // Without relationships, sheets usually sit at their default paths.
        let part = target(&book_rels, id).map_or_else(
            || format!("xl/worksheets/sheet{}.xml", i + 1),
            str::to_string,
        );
        let rows = read_sheet_part(&mut package, &part, name, &shared);
        sections.extend(salvage.part(rows)?.unwrap_or_default());
    }
    let title = salvage.part(core_title(&mut package))?;
    salvage.finish(Document {
        title: title.unwrap_or_default(),
        kind: Kind::Xlsx,
        sections,
    })
}

fn read_sheet_part(
    package: &mut Package<'_>,
    part: &str,
    name: &str,
    shared: &[String],
) -> Result<Option<Vec<Section>>> {
    match package.read_text(part)? {
        Some(xml) => read_sheet(&xml, part, name, shared).map(Some),
        None => Ok(None),
    }
}

/// (sheet name, relationship id) in workbook order.
fn sheet_list(xml: &str, part: &str) -> Result<Vec<(String, String)>> {
    let mut reader = Xml::new(xml, FORMAT, part);
    let mut out = Vec::new();
    loop {
        match reader.next()? {
            Event::Start(e) | Event::Empty(e) if local(&e) == "sheet" => {
                if let (Some(name), Some(id)) = (attr(&e, "name"), rel_id(&e)) {
                    out.push((name, id));
                }
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// The shared string table: one entry per `si`, its `t` runs concatenated.
fn shared_strings(xml: &str, part: &str) -> Result<Vec<String>> {
    let mut reader = Xml::new(xml, FORMAT, part);
    let mut out = Vec::new();
    let mut current = String::new();
    let (mut in_t, mut in_phonetic) = (false, false);
    loop {
        let event = reader.next()?;
        match &event {
            Event::Start(e) => match local(e) {
                "si" => current.clear(),
                "t" => in_t = true,
                "rPh" => in_phonetic = true,
                _ => {}
            },
            Event::Empty(e) if local(e) == "si" => out.push(String::new()),
            Event::End(e) => match end_local(e) {
                "si" => out.push(std::mem::take(&mut current)),
                "t" => in_t = false,
                "rPh" => in_phonetic = false,
                _ => {}
            },
            Event::Eof => return Ok(out),
            _ if in_t && !in_phonetic => {
                if let Some(t) = text(&event) {
                    current.push_str(&t);
                }
            }
            _ => {}
        }
    }
}

/// One cell being read: its type and raw value or inline string.
#[derive(Debug, Default)]
struct Cell {
    kind: String,
    value: String,
    inline: String,
}

#[derive(Debug, Default)]
struct Sheet<'a> {
    name: &'a str,
    shared: &'a [String],
    out: Vec<Section>,
    row: u32,
    cells: Vec<String>,
    cell: Option<Cell>,
    in_v: bool,
    in_t: bool,
}

fn read_sheet(xml: &str, part: &str, name: &str, shared: &[String]) -> Result<Vec<Section>> {
    let mut reader = Xml::new(xml, FORMAT, part);
    let mut sheet = Sheet {
        name,
        shared,
        ..Sheet::default()
    };
    loop {
        let event = reader.next()?;
        match &event {
            Event::Eof => return Ok(sheet.out),
            Event::Start(e) => sheet.start(e),
            Event::Empty(e) if local(e) == "row" => sheet.start_row(e),
            Event::End(e) => sheet.end(end_local(e)),
            _ => sheet.text(&event),
        }
    }
}

impl Sheet<'_> {
    fn start(&mut self, e: &BytesStart<'_>) {
        match local(e) {
            "row" => self.start_row(e),
            "c" => {
                self.cell = Some(Cell {
                    kind: attr(e, "t").unwrap_or_default(),
                    ..Cell::default()
                });
            }
            "v" => self.in_v = true,
            "t" => self.in_t = true,
            _ => {}
        }
    }

    fn start_row(&mut self, e: &BytesStart<'_>) {
        let next = self.row + 1;
        self.row = attr(e, "r").and_then(|r| r.parse().ok()).unwrap_or(next);
        self.cells.clear();
    }

    fn text(&mut self, event: &Event<'_>) {
        let (Some(cell), Some(t)) = (self.cell.as_mut(), text(event)) else {
            return;
        };
        if self.in_v {
            cell.value.push_str(&t);
        } else if self.in_t {
            cell.inline.push_str(&t);
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            "v" => self.in_v = false,
            "t" => self.in_t = false,
            "c" => {
                if let Some(cell) = self.cell.take() {
                    let shown = collapse(&self.render(cell));
                    if !shown.is_empty() {
                        self.cells.push(shown);
                    }
                }
            }
            "row" => self.end_row(),
            _ => {}
        }
    }

    fn render(&self, cell: Cell) -> String {
        match cell.kind.as_str() {
            "s" => cell
                .value
                .trim()
                .parse::<usize>()
                .ok()
                .and_then(|i| self.shared.get(i).cloned())
                .unwrap_or_default(),
            "inlineStr" => cell.inline,
            "b" => match cell.value.trim() {
                "1" => "TRUE".into(),
                "0" => "FALSE".into(),
                other => other.into(),
            },
            "str" | "e" | "d" => cell.value,
            _ => number(cell.value.trim()),
        }
    }

    fn end_row(&mut self) {
        if self.cells.is_empty() {
            return;
        }
        let location = Location::Rows {
            sheet: Some(self.name.to_string()),
            start: self.row,
            end: self.row,
        };
        let text = std::mem::take(&mut self.cells).join(" | ");
        self.out.push(Section::new(text, location));
    }
}

/// A stored number in its shortest form; anything else as written.
fn number(raw: &str) -> String {
    if raw.contains(['e', 'E']) {
        return raw.to_string();
    }
    match raw.parse::<f64>() {
        Ok(n) if n.is_finite() => format!("{n}"),
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_take_their_shortest_form() {
        assert_eq!(number("13.0"), "13");
        assert_eq!(number("4.0999999999999996"), "4.1");
        assert_eq!(number("-0.5"), "-0.5");
        assert_eq!(number("1E+20"), "1E+20");
        assert_eq!(number("n/a"), "n/a");
    }

    #[test]
    fn cells_of_every_type_and_row_numbers() {
        let shared = shared_strings(
            "<sst><si><t>Maple Leafs</t></si><si><r><t>Tor</t></r><r><t>onto</t></r><rPh><t>x</t></rPh></si></sst>",
            "s.xml",
        )
        .unwrap();
        assert_eq!(shared, ["Maple Leafs", "Toronto"]);
        let xml = r#"<worksheet><sheetData>
            <row r="2"><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c><v>13.0</v></c></row>
            <row r="5"><c t="inlineStr"><is><t>inline</t></is></c><c t="b"><v>1</v></c><c t="str"><f>A1</f><v>calc</v></c></row>
            <row r="6"><c><v></v></c></row><row/>
            </sheetData></worksheet>"#;
        let rows = read_sheet(xml, "sheet1.xml", "Cups", &shared).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].text, "Maple Leafs | Toronto | 13");
        assert_eq!(rows[1].text, "inline | TRUE | calc");
        assert_eq!(
            rows[1].location,
            Location::Rows {
                sheet: Some("Cups".into()),
                start: 5,
                end: 5
            }
        );
    }
}
