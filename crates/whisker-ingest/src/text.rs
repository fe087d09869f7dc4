//! Plain text and source code: paragraphs with line ranges.

use crate::document::{Document, Kind, Location, Section};
use crate::encoding::{clean_text, decode};
use crate::error::Result;

/// Paragraphs longer than this are cut at line boundaries so that every
/// section, and so every chunk, cites a short line range.
const MAX_SECTION_BYTES: usize = 1200;

pub fn extract(bytes: &[u8], kind: Kind) -> Result<Document> {
    let what = if kind == Kind::Code {
        "source"
    } else {
        "plain"
    };
    let text = clean_text(&decode(bytes, what)?);
    Ok(Document {
        title: String::new(),
        kind,
        sections: paragraphs(&text, &[], 1),
    })
}

/// Splits `text` into blank-line separated paragraphs. `first_line` is the
/// 1-based number of the first line of `text` in its file.
pub(crate) fn paragraphs(text: &str, headings: &[String], first_line: u32) -> Vec<Section> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut start = first_line;
    for (i, line) in text.lines().enumerate() {
        let number = first_line + i as u32;
        if line.trim().is_empty() {
            flush(&mut out, &mut buf, headings, start, number - 1);
            continue;
        }
        if buf.is_empty() {
            start = number;
        } else if buf.len() + line.len() > MAX_SECTION_BYTES {
            flush(&mut out, &mut buf, headings, start, number - 1);
            start = number;
        }
        if !buf.is_empty() {
            buf.push('\n');
        }
        buf.push_str(line.trim_end());
    }
    let last = first_line + text.lines().count() as u32 - 1;
    flush(&mut out, &mut buf, headings, start, last.max(start));
    out
}

fn flush(out: &mut Vec<Section>, buf: &mut String, headings: &[String], start: u32, end: u32) {
    if buf.is_empty() {
        return;
    }
    let location = Location::Lines {
        headings: headings.to_vec(),
        start,
        end,
    };
    out.push(Section::new(std::mem::take(buf), location));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(section: &Section) -> (u32, u32) {
        match section.location {
            Location::Lines { start, end, .. } => (start, end),
            _ => unreachable!(),
        }
    }

    #[test]
    fn paragraphs_carry_line_ranges() {
        let doc = extract(b"one\ntwo\n\n\nthree\n", Kind::Text).unwrap();
        assert_eq!(doc.sections.len(), 2);
        assert_eq!(doc.sections[0].text, "one\ntwo");
        assert_eq!(lines(&doc.sections[0]), (1, 2));
        assert_eq!(lines(&doc.sections[1]), (5, 5));
    }

    #[test]
    fn long_paragraphs_are_cut_at_lines() {
        let text = "a line of some length that repeats\n".repeat(100);
        let doc = extract(text.as_bytes(), Kind::Text).unwrap();
        assert!(doc.sections.len() > 1);
        assert!(
            doc.sections
                .iter()
                .all(|s| s.text.len() <= MAX_SECTION_BYTES)
        );
        let (_, end) = lines(doc.sections.last().unwrap());
        assert_eq!(end, 100);
    }
}
