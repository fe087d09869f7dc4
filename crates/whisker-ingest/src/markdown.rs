//! Markdown: heading paths (ATX and setext) and paragraphs with line ranges.
//!
//! Line-based on purpose: citations need exact line numbers, and for search
//! the Markdown syntax can stay in the text. Fenced code is kept as text but
//! a `#` inside it is never a heading.

use crate::document::{Document, Kind};
use crate::encoding::{clean_text, decode};
use crate::error::Result;
use crate::text::paragraphs;

pub fn extract(bytes: &[u8]) -> Result<Document> {
    let text = clean_text(&decode(bytes, "Markdown")?);
    let lines: Vec<&str> = text.lines().collect();
    let mut doc = Document {
        title: String::new(),
        kind: Kind::Markdown,
        sections: Vec::new(),
    };
    let mut path: Vec<(usize, String)> = Vec::new();
    let mut block_start = 0;
    let mut fence: Option<&str> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(marker) = fence {
            if line.trim_start().starts_with(marker) {
                fence = None;
            }
        } else if let Some(marker) = fence_marker(line) {
            fence = Some(marker);
        } else if let Some((level, title, len)) = heading_at(&lines, i) {
            emit(&mut doc, &lines, &path, block_start, i);
            path.retain(|(l, _)| *l < level);
            path.push((level, title.clone()));
            if level == 1 && doc.title.is_empty() {
                doc.title = title;
            }
            emit(&mut doc, &lines, &path, i, i + len);
            i += len;
            block_start = i;
            continue;
        }
        i += 1;
    }
    emit(&mut doc, &lines, &path, block_start, lines.len());
    Ok(doc)
}

/// Adds the paragraphs of `lines[from..to]` under the heading path.
fn emit(doc: &mut Document, lines: &[&str], path: &[(usize, String)], from: usize, to: usize) {
    if from >= to {
        return;
    }
    let headings: Vec<String> = path.iter().map(|(_, t)| t.clone()).collect();
    let text = lines[from..to].join("\n");
    doc.sections
        .extend(paragraphs(&text, &headings, from as u32 + 1));
}

fn fence_marker(line: &str) -> Option<&'static str> {
    let t = line.trim_start();
    if t.starts_with("```") {
        Some("```")
    } else if t.starts_with("~~~") {
        Some("~~~")
    } else {
        None
    }
}

/// A heading starting at line `i`: (level, text, number of lines it spans).
fn heading_at(lines: &[&str], i: usize) -> Option<(usize, String, usize)> {
    let line = lines[i];
    let t = line.trim_start();
    if line.len() - t.len() < 4 && t.starts_with('#') {
        let level = t.chars().take_while(|&c| c == '#').count();
        let rest = &t[level..];
        if level <= 6 && (rest.is_empty() || rest.starts_with([' ', '\t'])) {
            let title = rest.trim().trim_end_matches('#').trim().to_string();
            return (!title.is_empty()).then_some((level, title, 1));
        }
    }
    let next = lines.get(i + 1)?.trim();
    let underline = |c: char| next.len() >= 2 && next.chars().all(|x| x == c);
    let level = if underline('=') {
        1
    } else if underline('-') {
        2
    } else {
        return None;
    };
    let title = line.trim();
    let starts_block = i == 0 || lines[i - 1].trim().is_empty();
    (starts_block && !title.is_empty() && fence_marker(line).is_none())
        .then(|| (level, title.to_string(), 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Location;

    #[test]
    fn heading_paths_and_lines() {
        let md = "# Guide\n\nIntro text.\n\n## Install\n\nRun it.\n\n```\n# not a heading\n```\n\nSetext\n------\n\nBody.\n";
        let doc = extract(md.as_bytes()).unwrap();
        assert_eq!(doc.title, "Guide");
        let find = |needle: &str| {
            doc.sections
                .iter()
                .find(|s| s.text.contains(needle))
                .unwrap()
                .location
                .clone()
        };
        assert_eq!(
            find("Run it."),
            Location::Lines {
                headings: vec!["Guide".into(), "Install".into()],
                start: 7,
                end: 7
            }
        );
        assert_eq!(find("# not a heading").headings(), ["Guide", "Install"]);
        assert_eq!(find("Body.").headings(), ["Guide", "Setext"]);
    }
}
