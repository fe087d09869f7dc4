//! Text clean-up for outline fields: one line per title or bullet, list
//! markers and Markdown emphasis removed, `Slide 3:` prefixes dropped, long
//! text cut at a word (or Chinese clause) boundary, and one string of
//! several bullets split into items.
//!
//! It knows nothing of JSON or of the schema's limits; the caller passes
//! the lengths.

/// Splits text holding several bullets (`"- a\n- b"`, `"• a • b"`,
/// `"- a - b"`) into items, markers still on them. Plain text stays whole.
pub fn split_items(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    for line in text.lines() {
        for piece in line.split('•') {
            let dashed = piece.trim_start().starts_with("- ");
            if dashed {
                items.extend(piece.split(" - ").map(str::to_string));
            } else {
                items.push(piece.to_string());
            }
        }
    }
    items
}

/// One line of text: white space runs collapsed, `**` emphasis and leading
/// list markers (`- `, `* `, `1.`, `2)`, `3、`, `(4)`) removed.
pub fn item(text: &str) -> String {
    strip_marker(&one_line(text)).to_string()
}

/// A slide or deck title: one line, no Markdown heading marks or emphasis,
/// no `Slide 3:` / `第3页：` prefix.
pub fn title(text: &str) -> String {
    let line = one_line(text);
    let line = line.trim_start_matches('#').trim_start();
    strip_slide_number(line).to_string()
}

/// True when nothing readable is left: no letter, digit or ideograph.
pub fn is_blank(text: &str) -> bool {
    !text.chars().any(char::is_alphanumeric)
}

/// `text` cut to at most `max` characters, at the last space or Chinese
/// punctuation in its second half when there is one, ending in `…`.
/// `None` when it already fits.
pub fn shorten(text: &str, max: usize) -> Option<String> {
    if text.chars().count() <= max {
        return None;
    }
    let head: Vec<char> = text.chars().take(max.saturating_sub(1)).collect();
    let boundary = head
        .iter()
        .rposition(|c| c.is_whitespace() || "，。；、：,;".contains(*c))
        .filter(|at| *at >= head.len() / 2);
    let kept: String = match boundary {
        Some(at) if head[at].is_whitespace() => head[..at].iter().collect(),
        Some(at) => head[..=at].iter().collect(),
        None => head.iter().collect(),
    };
    let kept = kept.trim_end_matches([',', ';', '，', '；', '、', '：', ' ']);
    Some(format!("{kept}…"))
}

fn one_line(text: &str) -> String {
    text.replace("**", "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn strip_marker(text: &str) -> &str {
    for marker in ["- ", "* ", "• ", "+ ", "– ", "— ", "· "] {
        if let Some(rest) = text.strip_prefix(marker) {
            return rest.trim_start();
        }
    }
    strip_number(text).unwrap_or(text)
}

/// `1. x`, `2) x`, `3、x`, `(4) x`, `（5）x`: one or two digits, then the mark.
fn strip_number(text: &str) -> Option<&str> {
    const PARENS: &[char] = &[')', '）'];
    const MARKS: &[char] = &['.', ')', '、', '．'];
    let (rest, closers) = match text.strip_prefix(['(', '（']) {
        Some(rest) => (rest, PARENS),
        None => (text, MARKS),
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if !(1..=2).contains(&digits) {
        return None;
    }
    let rest = rest[digits..].strip_prefix(closers)?;
    // `1.5 GB` is a number, not a marker.
    match rest.chars().next() {
        Some(c) if c.is_whitespace() || !c.is_ascii() => Some(rest.trim_start()),
        _ => None,
    }
}

/// `Slide 3: Costs`, `slide 3 - Costs`, `第3页：成本`, `幻灯片3：成本` -> the
/// rest; a title that is only the prefix stays as it was.
fn strip_slide_number(title: &str) -> &str {
    let english = title.get(..5).filter(|w| w.eq_ignore_ascii_case("slide"));
    let rest = if english.is_some() {
        &title[5..]
    } else if let Some(rest) = title.strip_prefix("幻灯片") {
        rest
    } else if let Some(rest) = title.strip_prefix('第') {
        rest
    } else {
        return title;
    };
    let rest = rest.trim_start();
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return title;
    }
    let rest = rest[digits..].trim_start_matches(['页', '张']);
    let stripped = rest.trim_start_matches([':', '：', '.', '-', '–', '—', ' ', '|']);
    let no_separator = stripped.len() == rest.len() && !rest.is_empty();
    if no_separator || is_blank(stripped) {
        return title;
    }
    stripped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_items_on_lines_bullets_and_inline_dashes() {
        assert_eq!(split_items("- a\n- b\n\nc"), ["- a", "- b", "", "c"]);
        assert_eq!(split_items("• a • b"), ["", " a ", " b"]);
        assert_eq!(split_items("- fast - cheap"), ["- fast", "cheap"]);
        // A hyphen inside a sentence is not a list.
        assert_eq!(
            split_items("state-of-the-art - really"),
            ["state-of-the-art - really"]
        );
    }

    #[test]
    fn item_removes_markers_and_emphasis() {
        assert_eq!(item("  - **Fast**   search\n"), "Fast search");
        assert_eq!(item("2) second"), "second");
        assert_eq!(item("3、第三点"), "第三点");
        assert_eq!(item("（4）括号"), "括号");
        assert_eq!(item("1.5 GB of RAM"), "1.5 GB of RAM");
        assert_eq!(item("2024. A year"), "2024. A year");
    }

    #[test]
    fn title_drops_slide_numbers_and_heading_marks() {
        assert_eq!(title("## Slide 3: Costs"), "Costs");
        assert_eq!(title("slide 10 - Summary"), "Summary");
        assert_eq!(title("第3页：成本"), "成本");
        assert_eq!(title("幻灯片 2 | 背景"), "背景");
        assert_eq!(title("Slide 3"), "Slide 3");
        assert_eq!(title("Slides and decks"), "Slides and decks");
        assert_eq!(title("第一部分"), "第一部分");
        assert_eq!(title("Slide 5ive"), "Slide 5ive");
        assert_eq!(title("向量检索"), "向量检索");
        assert_eq!(title("Slid向"), "Slid向");
    }

    #[test]
    fn shorten_cuts_at_a_word_boundary() {
        let long = "word ".repeat(60);
        let cut = shorten(&long, 200).unwrap();
        assert!(cut.chars().count() <= 200, "{cut}");
        assert!(cut.ends_with("word…"), "{cut}");
        assert!(shorten("short", 200).is_none());
    }

    #[test]
    fn shorten_cuts_chinese_after_a_clause() {
        let long = "向量检索把文本映射到向量空间，".repeat(20);
        let cut = shorten(&long, 200).unwrap();
        assert!(cut.chars().count() <= 200);
        assert!(cut.ends_with("空间…"), "{cut}");
        let unbroken = "字".repeat(300);
        assert_eq!(shorten(&unbroken, 200).unwrap().chars().count(), 200);
    }

    #[test]
    fn blank_means_nothing_readable() {
        assert!(is_blank(" ... — "));
        assert!(!is_blank("向"));
        assert!(!is_blank("5"));
    }
}
