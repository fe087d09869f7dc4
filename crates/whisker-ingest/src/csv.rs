//! CSV and TSV: one section per row, cells joined with " | ", rows numbered from 1.

use crate::document::{Document, Kind, Location, Section};
use crate::encoding::decode;
use crate::error::{Error, Result};

pub fn extract(bytes: &[u8], delimiter: u8) -> Result<Document> {
    let text = decode(bytes, "CSV")?;
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut sections = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::corrupt("CSV", e))?;
        let cells: Vec<&str> = record
            .iter()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        if cells.is_empty() {
            continue;
        }
        let row = record.position().map_or(0, |p| p.line() as u32);
        let location = Location::Rows {
            sheet: None,
            start: row,
            end: row,
        };
        sections.push(Section::new(cells.join(" | "), location));
    }
    Ok(Document {
        title: String::new(),
        kind: Kind::Csv,
        sections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_numbered_and_quoted_cells_kept() {
        let doc = extract(
            b"team,cups\n\"Maple Leafs, Toronto\",13\n\n,\nCanadiens,24\n",
            b',',
        )
        .unwrap();
        assert_eq!(doc.sections.len(), 3);
        assert_eq!(doc.sections[1].text, "Maple Leafs, Toronto | 13");
        assert_eq!(
            doc.sections[2].location,
            Location::Rows {
                sheet: None,
                start: 5,
                end: 5
            }
        );
    }
}
