//! Word and character error rates, after the normalisation ASR scoring uses.
//!
//! Both sides go through the same steps: full-width forms to ASCII,
//! lower case, Chinese to Simplified characters, punctuation to spaces,
//! a few English spellings made canonical ("mr" -> "mister"). English is
//! then compared word by word; Chinese character by character with spaces
//! ignored (word boundaries are not written in Chinese).

/// Errors (substitutions + deletions + insertions) and the reference length.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Errors {
    pub errors: usize,
    pub units: usize,
}

impl Errors {
    /// errors / reference units; 0 for an empty reference that was matched.
    pub fn rate(self) -> f64 {
        match (self.errors, self.units) {
            (0, _) => 0.0,
            (e, 0) => e as f64,
            (e, n) => e as f64 / n as f64,
        }
    }

    pub fn plus(self, other: Errors) -> Errors {
        Errors {
            errors: self.errors + other.errors,
            units: self.units + other.units,
        }
    }
}

/// Word errors of `hypothesis` against `reference` (English and other
/// space-separated languages).
pub fn word_errors(reference: &str, hypothesis: &str) -> Errors {
    let r = words(reference);
    let h = words(hypothesis);
    Errors {
        errors: edit_distance(&r, &h),
        units: r.len(),
    }
}

/// Character errors (Chinese): spaces do not count.
pub fn char_errors(reference: &str, hypothesis: &str) -> Errors {
    let chars = |t: &str| -> Vec<char> {
        normalize(t)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    let r = chars(reference);
    let h = chars(hypothesis);
    Errors {
        errors: edit_distance(&r, &h),
        units: r.len(),
    }
}

/// Errors by the language's usual measure: CER for Chinese, WER otherwise.
pub fn errors_for(language: &str, reference: &str, hypothesis: &str) -> Errors {
    if is_chinese(language) {
        char_errors(reference, hypothesis)
    } else {
        word_errors(reference, hypothesis)
    }
}

pub fn is_chinese(language: &str) -> bool {
    matches!(
        language.to_ascii_lowercase().as_str(),
        "zh" | "zh-cn" | "zh-hans" | "yue" | "cmn"
    )
}

/// The words of `text` after normalisation, English spellings made canonical.
pub fn words(text: &str) -> Vec<String> {
    normalize(text)
        .split_whitespace()
        .map(|w| canonical(w).to_string())
        .collect()
}

/// Full-width to ASCII, lower case, Simplified Chinese, punctuation and
/// symbols to spaces; apostrophes inside words are dropped ("don't" -> "dont").
pub fn normalize(text: &str) -> String {
    let simplified = whisker_speech::transcribe::to_simplified(text);
    let mut out = String::with_capacity(simplified.len());
    for c in simplified.chars().map(half_width) {
        if c == '\'' || c == '’' {
            continue;
        }
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else {
            out.push(' ');
        }
    }
    out
}

/// Full-width ASCII variants (U+FF01..U+FF5E) and the ideographic space.
fn half_width(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

/// Spellings that mean the same word, as in Whisper's English normaliser.
fn canonical(word: &str) -> &str {
    match word {
        "mr" => "mister",
        "mrs" => "missus",
        "dr" => "doctor",
        "ok" | "okay" => "okay",
        other => other,
    }
}

/// Levenshtein distance over any comparable items, in O(min) memory.
pub fn edit_distance<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_substitutions_insertions_deletions() {
        assert_eq!(edit_distance(&[1, 2, 3], &[1, 2, 3]), 0);
        assert_eq!(edit_distance(&[1, 2, 3], &[1, 9, 3]), 1);
        assert_eq!(edit_distance(&[1, 2, 3], &[1, 3]), 1);
        assert_eq!(edit_distance(&[1, 3], &[1, 2, 3]), 1);
        assert_eq!(edit_distance::<u8>(&[], &[1, 2]), 2);
        assert_eq!(edit_distance(&["a", "b"], &[]), 2);
    }

    #[test]
    fn wer_ignores_case_and_punctuation() {
        let e = word_errors(
            "he was not an ill disposed young man",
            "He was not an ill-disposed young man.",
        );
        assert_eq!(
            e,
            Errors {
                errors: 0,
                units: 8
            }
        );
        let e = word_errors(
            "IT WAS THE FIRST GREAT SORROW",
            "It was the first great sorrow!",
        );
        assert_eq!(e.errors, 0);
    }

    #[test]
    fn wer_counts_word_errors_and_canonical_spellings_match() {
        let e = word_errors(
            "and mister john dashwood had then",
            "And Mr. John Dashwood had them",
        );
        assert_eq!(
            e,
            Errors {
                errors: 1,
                units: 6
            }
        );
        assert!((e.rate() - 1.0 / 6.0).abs() < 1e-9);
        assert_eq!(word_errors("a b c d", "").errors, 4);
        assert_eq!(word_errors("", "").rate(), 0.0);
    }

    #[test]
    fn cer_compares_simplified_characters_without_spaces_or_punctuation() {
        let e = char_errors("广州市房地产中介协会分析", "廣州市房地產中介協會，分析。");
        assert_eq!(
            e,
            Errors {
                errors: 0,
                units: 12
            }
        );
        let e = char_errors("甚至出现交易几乎停滞的情况", "甚至出現交易幾乎停止的情況");
        assert_eq!(
            e,
            Errors {
                errors: 1,
                units: 13
            }
        );
        // Spaces and full-width forms are not errors.
        assert_eq!(char_errors("ＡＢＣ 你好", "abc你 好").errors, 0);
    }

    #[test]
    fn normalisation_folds_full_width_and_apostrophes() {
        assert_eq!(
            normalize("Ｄｏｎ’t　ＳＴＯＰ！")
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["dont", "stop"]
        );
        assert_eq!(errors_for("zh", "你好", "你号").errors, 1);
        assert_eq!(errors_for("en", "you good", "you goods").errors, 1);
    }
}
