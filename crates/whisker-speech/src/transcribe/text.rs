//! Tidying what Whisper writes: Simplified Chinese, segments joined.

use super::Segment;

/// Chinese in Simplified characters. Whisper often writes Traditional even
/// for Mandarin; zhconv's table (from OpenCC and MediaWiki) maps characters
/// and common phrases (`zh-Hans`: script only, vocabulary left alone).
pub fn to_simplified(text: &str) -> String {
    zhconv::zhconv(text, zhconv::Variant::ZhHans)
}

/// The full text: Chinese segments run together, others joined by a space.
pub fn join_segments(segments: &[Segment], language: &str) -> String {
    let separator = if is_chinese(language) { "" } else { " " };
    segments
        .iter()
        .map(|s| s.text.as_str())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(separator)
}

pub(crate) fn is_chinese(language: &str) -> bool {
    matches!(language, "zh" | "yue")
}

/// One segment's text: trimmed; for Chinese, Simplified and without the
/// spaces Whisper puts between characters.
pub(crate) fn clean(text: &str, language: &str) -> String {
    let text = text.trim();
    if !is_chinese(language) {
        return text.to_string();
    }
    let simplified = to_simplified(text);
    let chars: Vec<char> = simplified.chars().collect();
    let mut out = String::with_capacity(simplified.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_cjk = c == ' '
            && i > 0
            && chars.get(i + 1).is_some_and(|n| is_cjk(*n))
            && is_cjk(chars[i - 1]);
        if !between_cjk {
            out.push(c);
        }
    }
    out
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_becomes_simplified() {
        assert_eq!(
            to_simplified("廣州市房地產中介協會分析"),
            "广州市房地产中介协会分析"
        );
        assert_eq!(
            to_simplified("甚至出現交易幾乎停滯的情況"),
            "甚至出现交易几乎停滞的情况"
        );
        // Already Simplified text is left as it is.
        assert_eq!(
            to_simplified("以下是普通话的句子。"),
            "以下是普通话的句子。"
        );
    }

    #[test]
    fn chinese_segments_lose_inner_spaces_and_english_keeps_them() {
        assert_eq!(clean(" 廣州 市房 地產 ", "zh"), "广州市房地产");
        assert_eq!(clean("用 Rust 写", "zh"), "用 Rust 写");
        assert_eq!(clean("  He was not ill. ", "en"), "He was not ill.");
    }

    #[test]
    fn segments_join_by_language() {
        let seg = |t: &str| Segment {
            start: 0.0,
            end: 1.0,
            text: t.into(),
        };
        let segs = [seg("广州市"), seg(""), seg("房地产")];
        assert_eq!(join_segments(&segs, "zh"), "广州市房地产");
        assert_eq!(
            join_segments(&[seg("Hello."), seg("Bye.")], "en"),
            "Hello. Bye."
        );
    }
}
