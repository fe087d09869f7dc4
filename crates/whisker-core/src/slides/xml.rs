//! XML text escaping for the PPTX parts: entities for markup characters, and
//! characters XML 1.0 cannot hold (most C0 controls, U+FFFE, U+FFFF) dropped,
//! since one of them makes PowerPoint refuse the whole file.
//!
//! It does not build elements; the writers format their own markup.

/// `text` safe inside an element or a double- or single-quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// The XML 1.0 `Char` production; Rust `char`s already exclude surrogates.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_entities() {
        assert_eq!(
            escape(r#"R&D <b> "q" 'a'"#),
            "R&amp;D &lt;b&gt; &quot;q&quot; &apos;a&apos;"
        );
    }

    #[test]
    fn characters_illegal_in_xml_are_dropped() {
        assert_eq!(escape("a\u{0}b\u{8}c\u{1B}d\u{FFFE}e\u{FFFF}f"), "abcdef");
        assert_eq!(escape("tab\tline\ncr\r"), "tab\tline\ncr\r");
    }

    #[test]
    fn emoji_and_chinese_pass_through() {
        assert_eq!(escape("向量检索 🐱 “引号”"), "向量检索 🐱 “引号”");
        assert_eq!(
            escape("\u{E000}\u{FFFD}\u{10FFFF}"),
            "\u{E000}\u{FFFD}\u{10FFFF}"
        );
    }

    #[test]
    fn escaped_text_reads_back_as_the_legal_input() {
        let input = "a & b < c > d \" e ' f &amp; 向量 🐱\u{7}";
        let legal: String = input.chars().filter(|c| *c != '\u{7}').collect();
        let escaped = escape(input);
        let back = quick_xml::escape::unescape(&escaped).unwrap();
        assert_eq!(back, legal);
        // Inside an element and an attribute of a well-formed document too.
        let doc = format!("<t a=\"{0}\" b='{0}'>{0}</t>", escape(input));
        let mut reader = quick_xml::Reader::from_str(&doc);
        while !matches!(reader.read_event().unwrap(), quick_xml::events::Event::Eof) {}
    }
}
