//! Bytes to text: BOMs, UTF-8, legacy Chinese encodings, and binary detection.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

use crate::error::{Error, Result};

/// How much of the file is sniffed for binary content.
const SNIFF_LEN: usize = 64 * 1024;

/// Decodes a text file whose encoding is not declared.
///
/// Order: a byte-order mark wins; then valid UTF-8; then a statistical guess
/// (chardetng) between legacy encodings such as GB18030/GBK, Big5 and
/// Windows-1252. Content that looks binary is refused with `Error::Binary`
/// naming `what` ("plain", "Markdown", ...).
pub fn decode(bytes: &[u8], what: &'static str) -> Result<String> {
    decode_with_hint(bytes, None, what)
}

/// Like [`decode`], but an encoding declared by the file itself (an HTML
/// `<meta charset>`, say) is used when there is no BOM and the bytes are not UTF-8.
pub fn decode_with_hint(
    bytes: &[u8],
    declared: Option<&'static Encoding>,
    what: &'static str,
) -> Result<String> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return Ok(text.into_owned());
    }
    if looks_binary(bytes) {
        return Err(Error::Binary(what));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let encoding = declared
        .filter(|e| *e != UTF_8 && *e != UTF_16LE && *e != UTF_16BE)
        .unwrap_or_else(|| guess(bytes));
    let (text, _, _) = encoding.decode(bytes);
    if replacement_ratio(&text) > 0.05 {
        return Err(Error::Binary(what));
    }
    Ok(text.into_owned())
}

fn guess(bytes: &[u8]) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

/// NUL bytes or a high share of control characters in the first 64 KiB.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(SNIFF_LEN)];
    if head.contains(&0) {
        return true;
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
        .count();
    controls * 10 > head.len()
}

fn replacement_ratio(text: &str) -> f64 {
    let total = text.chars().count().max(1);
    let bad = text.chars().filter(|&c| c == '\u{FFFD}').count();
    bad as f64 / total as f64
}

/// Normalises line ends and removes terminal control sequences (ANSI colour
/// codes, as in fortune files) and stray C0 controls, keeping tabs and newlines.
pub fn clean_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\u{1b}' => skip_escape(&mut chars),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Skips one escape sequence: CSI (`ESC [ ... final`), or `ESC` plus one char.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    if chars.peek() == Some(&'[') {
        chars.next();
        for c in chars.by_ref() {
            if ('@'..='~').contains(&c) {
                break;
            }
        }
    } else {
        chars.next();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "向量检索 retrieval".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode(&bytes, "plain").unwrap(), "向量检索 retrieval");
    }

    #[test]
    fn gbk_and_big5_are_guessed() {
        let text = "知识库是一个私人的助手，它可以回答你的问题，并且给出引用的来源。";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode(&gbk, "plain").unwrap(), text);
        let trad = "知識庫是一個私人的助手，它可以回答你的問題，並且給出引用的來源。";
        let (big5, _, _) = encoding_rs::BIG5.encode(trad);
        assert_eq!(decode(&big5, "plain").unwrap(), trad);
    }

    #[test]
    fn nul_bytes_mean_binary() {
        let bytes = b"ELF\0\0\0\x01\x02 some text";
        assert!(matches!(
            decode(bytes, "plain"),
            Err(Error::Binary("plain"))
        ));
    }

    #[test]
    fn ansi_colour_codes_are_removed() {
        assert_eq!(
            clean_text("\u{1b}[1;32m静夜思\u{1b}[0m\r\n床前明月光"),
            "静夜思\n床前明月光"
        );
    }
}
