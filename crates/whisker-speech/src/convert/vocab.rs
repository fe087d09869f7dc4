//! The token list of a CTranslate2 Whisper model, as the raw bytes
//! whisper.cpp stores.
//!
//! CTranslate2 keeps the Hugging Face tokens: GPT-2's byte-level alphabet,
//! where every byte is shown as a printable character (`Ġ` for a space).
//! whisper.cpp wants the bytes themselves, and only the ordinary tokens
//! (those before `<|endoftext|>`: 50,257 for multilingual models; English-only
//! ones have 50,256 and keep `<|endoftext|>` after them, as in whisper.cpp's
//! own files); it makes up the special tokens itself. The list comes
//! from `vocabulary.json` (recent CTranslate2), `vocabulary.txt` (older), or
//! the Hugging Face `tokenizer.json`, in that order.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The first special token: everything before it is an ordinary token.
pub const END_OF_TEXT: &str = "<|endoftext|>";
/// Ordinary tokens of GPT-2's vocabulary (English-only Whisper).
const GPT2_ORDINARY: usize = 50_256;

/// The ordinary tokens as bytes, and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    pub path: PathBuf,
    /// Ordinary tokens, by id.
    pub tokens: Vec<Vec<u8>>,
    /// Every token the file lists (ordinary and special).
    pub listed: usize,
}

/// Reads the vocabulary of the model in `dir`.
pub fn read(dir: &Path) -> Result<Vocabulary> {
    let candidates = ["vocabulary.json", "vocabulary.txt", "tokenizer.json"];
    let Some(path) = candidates.iter().map(|n| dir.join(n)).find(|p| p.is_file()) else {
        return Err(Error::Missing {
            path: dir.join("vocabulary.json"),
            what: "the token list: vocabulary.json, vocabulary.txt or tokenizer.json",
        });
    };
    let text = fs::read_to_string(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidData => Error::bad(&path, "not UTF-8 text"),
        _ => Error::io(&path, e),
    })?;
    let tokens = match path.file_name().and_then(|n| n.to_str()) {
        Some("vocabulary.json") => serde_json::from_str::<Vec<String>>(&text)
            .map_err(|e| Error::bad(&path, format!("not a JSON list of tokens: {e}")))?,
        Some("vocabulary.txt") => lines(&text),
        _ => tokenizer_tokens(&text).map_err(|m| Error::bad(&path, m))?,
    };
    let listed = tokens.len();
    let end = tokens
        .iter()
        .position(|t| t == END_OF_TEXT)
        .ok_or_else(|| {
            Error::bad(
                &path,
                format!("no {END_OF_TEXT} token: not a Whisper vocabulary"),
            )
        })?;
    // English-only Whisper uses GPT-2's vocabulary, whose 50,257 entries
    // end with <|endoftext|>; whisper.cpp's published files keep all of them.
    let keep = if end == GPT2_ORDINARY { end + 1 } else { end };
    let decoder = byte_decoder();
    let tokens = tokens[..keep]
        .iter()
        .enumerate()
        .map(|(id, t)| {
            byte_decode(&decoder, t).ok_or_else(|| {
                Error::bad(
                    &path,
                    format!("token {id} ({t:?}) is not in GPT-2's byte-level alphabet"),
                )
            })
        })
        .collect::<Result<_>>()?;
    Ok(Vocabulary {
        path,
        tokens,
        listed,
    })
}

/// One token per line; an empty line is the empty token (id 50256 of the
/// multilingual vocabulary), only the final newline ends the list.
fn lines(text: &str) -> Vec<String> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    body.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
        .collect()
}

/// Tokens by id from a Hugging Face `tokenizer.json` (its BPE vocabulary
/// plus the added tokens); ids nobody names become empty tokens.
fn tokenizer_tokens(text: &str) -> std::result::Result<Vec<String>, String> {
    #[derive(serde::Deserialize)]
    struct Added {
        id: usize,
        content: String,
    }
    #[derive(serde::Deserialize)]
    struct BpeModel {
        vocab: HashMap<String, usize>,
    }
    #[derive(serde::Deserialize)]
    struct Tokenizer {
        model: BpeModel,
        #[serde(default)]
        added_tokens: Vec<Added>,
    }
    let parsed: Tokenizer = serde_json::from_str(text)
        .map_err(|e| format!("not a tokenizer.json with a vocabulary: {e}"))?;
    let named = parsed
        .model
        .vocab
        .into_iter()
        .chain(parsed.added_tokens.into_iter().map(|a| (a.content, a.id)));
    let mut tokens = Vec::new();
    for (token, id) in named {
        if id >= 1 << 20 {
            return Err(format!("token id {id} is out of range"));
        }
        if tokens.len() <= id {
            tokens.resize(id + 1, String::new());
        }
        tokens[id] = token;
    }
    Ok(tokens)
}

/// GPT-2's byte -> printable character table (`bytes_to_unicode`): printable
/// Latin-1 bytes stand for themselves, the others map to U+0100 onwards.
fn byte_to_char() -> [char; 256] {
    let printable = |b: u32| {
        (0x21..=0x7e).contains(&b) || (0xa1..=0xac).contains(&b) || (0xae..=0xff).contains(&b)
    };
    let mut table = ['\0'; 256];
    let mut next = 0x100;
    for b in 0..256u32 {
        let c = if printable(b) {
            b
        } else {
            next += 1;
            next - 1
        };
        table[b as usize] = char::from_u32(c).unwrap_or('\0');
    }
    table
}

/// Character -> byte, the inverse of [`byte_to_char`].
fn byte_decoder() -> HashMap<char, u8> {
    let table = byte_to_char();
    table
        .iter()
        .enumerate()
        .map(|(b, &c)| (c, b as u8))
        .collect()
}

/// The bytes a byte-level token stands for; `None` if a character is not in
/// the alphabet.
fn byte_decode(decoder: &HashMap<char, u8>, token: &str) -> Option<Vec<u8>> {
    token.chars().map(|c| decoder.get(&c).copied()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_level_tokens_decode_to_their_bytes() {
        let d = byte_decoder();
        let byte_decode = |t: &str| byte_decode(&d, t);
        assert_eq!(byte_decode("Ġthe").unwrap(), b" the");
        assert_eq!(byte_decode("Ċ").unwrap(), b"\n");
        assert_eq!(byte_decode("").unwrap(), b"");
        // "场" is three UTF-8 bytes, shown as three Latin characters.
        assert_eq!(byte_decode("åľº").unwrap(), "场".as_bytes());
        assert_eq!(byte_decode("中"), None);
    }

    #[test]
    fn vocabulary_lines_keep_the_empty_token() {
        assert_eq!(lines("a\n\nb\n"), ["a", "", "b"]);
        assert_eq!(lines("a\r\nb"), ["a", "b"]);
    }

    #[test]
    fn english_only_vocabulary_keeps_gpt2s_end_of_text() {
        let dir = tempfile::tempdir().unwrap();
        let write = |ordinary: usize| {
            let mut text = "Ġa\n".repeat(ordinary);
            text.push_str("<|endoftext|>\n<|startoftranscript|>\n");
            fs::write(dir.path().join("vocabulary.txt"), text).unwrap();
            read(dir.path()).unwrap()
        };
        let english = write(GPT2_ORDINARY);
        assert_eq!(english.tokens.len(), 50_257);
        assert_eq!(english.tokens[50_256], END_OF_TEXT.as_bytes());
        assert_eq!(english.tokens[0], b" a");
        assert_eq!(write(GPT2_ORDINARY + 1).tokens.len(), 50_257);
        assert_eq!(write(7).tokens.len(), 7);
    }

    #[test]
    fn tokenizer_json_gives_tokens_by_id() {
        let json = r#"{"model": {"type": "BPE", "vocab": {"a": 0, "Ġb": 1}},
                       "added_tokens": [{"id": 3, "content": "<|endoftext|>"}]}"#;
        assert_eq!(
            tokenizer_tokens(json).unwrap(),
            ["a", "Ġb", "", END_OF_TEXT]
        );
    }
}
