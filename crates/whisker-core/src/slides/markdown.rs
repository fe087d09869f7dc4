//! Marp Markdown export: front matter `marp: true`, `---` between slides,
//! `# title`, `- bullets`, and speaker notes as `<!-- ... -->` comments,
//! which Marp shows as presenter notes. Sources close the deck.
//!
//! Text is escaped so that it reads as written: emphasis, code, math (`$`)
//! and HTML characters, and list or heading marks at the start of a bullet.
//! It does not style the deck (Marp's default theme applies).

use std::io::Write;
use std::path::Path;

use super::{Deck, Slide, write_atomic};
use crate::{Error, Result};

/// Writes [`render`]`(deck)` to `path` atomically.
pub fn write(deck: &Deck, path: &Path) -> Result<()> {
    let text = render(deck);
    write_atomic(path, |file| {
        file.write_all(text.as_bytes())
            .map_err(|e| Error::io(path, e))
    })
}

/// The deck as Marp Markdown.
pub fn render(deck: &Deck) -> String {
    let title = serde_json::to_string(&one_line(&deck.title)).unwrap_or_default();
    let mut out = format!("---\nmarp: true\ntitle: {title}\npaginate: true\n---\n\n");
    out.push_str(&format!("# {}\n", inline(&deck.title)));
    if let Some(subtitle) = deck.subtitle.as_deref().filter(|s| !s.trim().is_empty()) {
        out.push_str(&format!("\n{}\n", inline(subtitle)));
    }
    for slide in deck.slides_with_sources() {
        out.push_str("\n---\n\n");
        out.push_str(&render_slide(&slide));
    }
    out
}

fn render_slide(slide: &Slide) -> String {
    let mut out = format!("# {}\n\n", inline(&slide.title));
    for bullet in &slide.bullets {
        out.push_str(&format!("- {}\n", inline(bullet)));
    }
    if !slide.notes.trim().is_empty() {
        // `-->` would end the comment early.
        let notes = slide.notes.trim().replace("-->", "-- >");
        out.push_str(&format!("\n<!--\n{notes}\n-->\n"));
    }
    out
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One line of Markdown text that renders as `text` reads: inline marks
/// escaped, and so is a mark at the start that would open a heading, list,
/// quote or rule inside the heading or list item (`# x`, `- x`, `1. x`).
fn inline(text: &str) -> String {
    let line = one_line(text);
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    let ordered = digits > 0 && line[digits..].starts_with(['.', ')']);
    let mut out = String::with_capacity(line.len() + 8);
    for (i, c) in line.chars().enumerate() {
        let block_mark = (i == 0 && matches!(c, '#' | '-' | '+' | '=')) || (ordered && i == digits);
        if block_mark || matches!(c, '\\' | '`' | '*' | '_' | '$' | '<' | '>' | '~' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slides::SourceRef;

    fn deck() -> Deck {
        Deck {
            title: "向量检索 & search".into(),
            subtitle: Some("A *short* tour".into()),
            slides: vec![
                Slide {
                    title: "Why".into(),
                    bullets: vec!["Meaning, not words".into(), "Costs $5 <per> month".into()],
                    notes: "Open with the demo [1].".into(),
                },
                Slide {
                    title: "# Numbers".into(),
                    bullets: vec![
                        "- dash first".into(),
                        "snake_case_name".into(),
                        "2024. A year".into(),
                    ],
                    notes: "tricky --> end".into(),
                },
            ],
            sources: vec![SourceRef {
                n: 1,
                label: "demo.pdf, p. 2".into(),
            }],
        }
    }

    #[test]
    fn front_matter_and_one_section_per_slide() {
        let md = render(&deck());
        assert!(
            md.starts_with("---\nmarp: true\ntitle: \"向量检索 & search\"\n"),
            "{md}"
        );
        // Front matter (2) + 2 slides + 1 sources slide.
        assert_eq!(md.lines().filter(|l| *l == "---").count(), 5, "{md}");
        assert!(
            md.contains("# 向量检索 & search\n\nA \\*short\\* tour\n"),
            "{md}"
        );
        assert!(
            md.ends_with("\n---\n\n# 参考来源\n\n- [1] demo.pdf, p. 2\n"),
            "{md}"
        );
    }

    #[test]
    fn notes_are_comments_with_cited_sources_spelled_out() {
        let md = render(&deck());
        assert!(
            md.contains("<!--\nOpen with the demo [1].\n\n[1] demo.pdf, p. 2\n-->"),
            "{md}"
        );
        assert!(md.contains("<!--\ntricky -- > end\n-->"), "{md}");
        assert_eq!(md.matches("<!--").count(), md.matches("-->").count());
    }

    #[test]
    fn markdown_characters_are_escaped() {
        let md = render(&deck());
        assert!(md.contains("- Costs \\$5 \\<per\\> month\n"), "{md}");
        assert!(md.contains("# \\# Numbers\n"), "{md}");
        assert!(md.contains("- \\- dash first\n"), "{md}");
        assert!(md.contains("- snake\\_case\\_name\n"), "{md}");
        assert!(md.contains("- 2024\\. A year\n"), "{md}");
    }

    #[test]
    fn slide_without_notes_has_no_comment() {
        let deck = Deck {
            title: "T".into(),
            slides: vec![Slide {
                title: "S".into(),
                bullets: vec!["b".into()],
                notes: String::new(),
            }],
            ..Deck::default()
        };
        let md = render(&deck);
        assert!(!md.contains("<!--"), "{md}");
        assert!(md.ends_with("# S\n\n- b\n"), "{md}");
    }

    #[test]
    fn write_creates_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deck.md");
        write(&deck(), &path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), render(&deck()));
    }
}
