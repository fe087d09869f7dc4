//! Turning pdfium's characters into clean text, and judging PDF titles.
//!
//! Pure functions, so they are tested without pdfium.

/// One character as pdfium reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Glyph {
    /// The Unicode scalar pdfium maps the glyph to (0 when it has none).
    pub code: u32,
    /// pdfium judged this a hyphen that splits a word at a line end.
    pub hyphen: bool,
}

/// Page text from pdfium's glyphs: `\r\n` becomes `\n`, ligatures are
/// spelled out, control codes go, line-end spaces and blank-line runs shrink.
///
/// A word that pdfium saw hyphenated across a line end is joined again
/// (`imple-` + `mented` gives `implemented`), as `pdftotext` does: search
/// needs whole words far more than it suffers from the rare compound
/// (`dual-` + `encoder`) that loses its hyphen.
pub fn tidy(glyphs: impl IntoIterator<Item = Glyph>) -> String {
    let mut raw = String::new();
    let mut after_hyphen = false;
    for glyph in glyphs {
        if glyph.hyphen || glyph.code == HYPHEN_MARK {
            after_hyphen = true;
            continue;
        }
        if after_hyphen && matches!(glyph.code, 0x0A | 0x0D) {
            continue;
        }
        push_glyph(&mut raw, glyph.code);
        after_hyphen = false;
    }
    squeeze_lines(&raw)
}

/// What pdfium reports, in some fonts, for the hyphen it found at a line end.
const HYPHEN_MARK: u32 = 0x02;

fn push_glyph(out: &mut String, code: u32) {
    let Some(c) = char::from_u32(code) else {
        return;
    };
    match c {
        '\r' => {}
        '\n' | '\t' => out.push(c),
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{3000}' => out.push(' '),
        '\u{FB00}'..='\u{FB06}' => out.push_str(ligature(c)),
        // Zero-width and byte-order marks only confuse search.
        '\u{200B}' | '\u{FEFF}' => {}
        c if c.is_control() => {}
        c => out.push(c),
    }
}

/// The letters of a Latin typographic ligature (U+FB00–U+FB06).
fn ligature(c: char) -> &'static str {
    match c {
        '\u{FB00}' => "ff",
        '\u{FB01}' => "fi",
        '\u{FB02}' => "fl",
        '\u{FB03}' => "ffi",
        '\u{FB04}' => "ffl",
        _ => "st",
    }
}

/// Trims each line's ends of spaces and keeps at most one blank line in a row.
fn squeeze_lines(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut blank_run = 0;
    for line in raw.lines() {
        let line = line.trim_end();
        if line.trim_start().is_empty() {
            blank_run += 1;
            if blank_run > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.truncate(out.trim_end().len());
    out
}

/// File names and placeholders that tools write into a PDF's Title field.
const PLACEHOLDER_TITLES: &[&str] = &["untitled", "untitled document", "title", "document", "none"];

/// Title prefixes that mark a printer driver's file name, not a title.
const FILE_NAME_PREFIXES: &[&str] = &[
    "microsoft word - ",
    "microsoft powerpoint - ",
    "microsoft excel - ",
];

/// Extensions that show a Title is really the name of the source file.
const FILE_EXTENSIONS: &[&str] = &[
    "pdf", "doc", "docx", "odt", "rtf", "txt", "tex", "dvi", "ps", "eps", "ppt", "pptx", "xls",
    "xlsx", "indd", "qxd", "qxp", "htm", "html", "md", "pages", "key",
];

/// `raw` as a title, or `None` when it is empty, a placeholder or a file name.
pub fn meaningful_title(raw: &str) -> Option<String> {
    let title = raw
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let lower = title.to_lowercase();
    let informative = title.chars().any(char::is_alphanumeric)
        && !PLACEHOLDER_TITLES.contains(&lower.as_str())
        && !FILE_NAME_PREFIXES.iter().any(|p| lower.starts_with(p))
        && !has_file_extension(&lower);
    informative.then_some(title)
}

fn has_file_extension(lower: &str) -> bool {
    lower
        .rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && FILE_EXTENSIONS.contains(&ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyphs(s: &str) -> Vec<Glyph> {
        s.chars()
            .map(|c| Glyph {
                code: c as u32,
                hyphen: false,
            })
            .collect()
    }

    #[test]
    fn tidy_normalises_line_breaks_and_blank_runs() {
        let text = tidy(glyphs("\r\n  Title  \r\n\r\n\r\n\r\nBody\u{0}text \r\n"));
        assert_eq!(text, "  Title\n\nBodytext");
    }

    #[test]
    fn tidy_spells_out_ligatures_and_drops_invisible_marks() {
        let text = tidy(glyphs("\u{FB01}nd \u{FB03}ce\u{200B}\u{FEFF}\u{00A0}ok"));
        assert_eq!(text, "find ffice ok");
    }

    #[test]
    fn tidy_joins_words_pdfium_saw_hyphenated_at_a_line_end() {
        let mut g = glyphs("data-base");
        g[4].hyphen = true;
        assert_eq!(tidy(g), "database");
        assert_eq!(tidy(glyphs("ex\u{2}\r\nample")), "example");
        assert_eq!(
            tidy(glyphs("a\u{2}\r\n\r\nb, end-to-end")),
            "ab, end-to-end"
        );
    }

    #[test]
    fn tidy_skips_codes_that_are_not_characters() {
        let mut g = glyphs("ab");
        g.insert(
            1,
            Glyph {
                code: 0xD800,
                hyphen: false,
            },
        );
        assert_eq!(tidy(g), "ab");
    }

    #[test]
    fn meaningful_title_keeps_real_titles() {
        assert_eq!(
            meaningful_title("  Debian 参考手册\n").as_deref(),
            Some("Debian 参考手册")
        );
        assert_eq!(
            meaningful_title("Version 2.0").as_deref(),
            Some("Version 2.0")
        );
    }

    #[test]
    fn meaningful_title_rejects_file_names_and_placeholders() {
        for raw in [
            "",
            "   ",
            "Binder1.pdf",
            "Untitled",
            "Microsoft Word - memo",
            "report.docx",
            "--",
        ] {
            assert_eq!(meaningful_title(raw), None, "{raw:?}");
        }
    }
}
