//! The text analyser for mixed Chinese and Latin text.
//!
//! Han runs are indexed twice over: every character at its own position, so
//! an exact phrase query finds any substring however jieba segments its
//! context, and jieba's search-mode words (a long word such as "向量检索" and
//! its dictionary parts "向量", "检索") at the position of their first
//! character, for BM25 ranking. Kana are indexed one character at a time. Runs of other letters
//! and digits (Latin, Cyrillic, Hangul, ...) are words; the filters after the
//! tokenizer lower-case them and apply the English stemmer.

use std::sync::OnceLock;

use jieba_rs::{Jieba, TokenizeMode};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// The name the analyser is registered under in the index.
pub const ANALYZER: &str = "whisker_mixed";

/// The full analyser: mixed-script tokenizer, long-token removal, lower-casing, stemming.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(MixedTokenizer)
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// jieba's dictionary takes a moment to load; every tokenizer shares one.
fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// Splits text into tokens by script; see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct MixedTokenizer;

/// The tokens of one text, produced up front.
#[derive(Debug)]
pub struct MixedTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for MixedTokenizer {
    type TokenStream<'a> = MixedTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> MixedTokenStream {
        MixedTokenStream {
            tokens: tokenize(text),
            next: 0,
        }
    }
}

impl TokenStream for MixedTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Han,
    Kana,
    Word,
    Other,
}

fn script(c: char) -> Script {
    match c as u32 {
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => Script::Han,
        0x3040..=0x30FF | 0x31F0..=0x31FF => Script::Kana,
        _ if c.is_alphanumeric() => Script::Word,
        _ => Script::Other,
    }
}

/// Tokens of `text` with byte offsets and positions.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut position = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let kind = script(c);
        let mut end = start + c.len_utf8();
        if kind == Script::Other {
            continue;
        }
        if kind != Script::Kana {
            while let Some(&(i, n)) = chars.peek() {
                if script(n) != kind {
                    break;
                }
                end = i + n.len_utf8();
                chars.next();
            }
        }
        if kind == Script::Han {
            segment_han(&text[start..end], start, &mut position, &mut out);
        } else {
            push(&mut out, text, start, end, position);
            position += 1;
        }
    }
    out
}

fn push(out: &mut Vec<Token>, text: &str, from: usize, to: usize, position: usize) {
    out.push(Token {
        offset_from: from,
        offset_to: to,
        position,
        text: text[from..to].to_string(),
        position_length: 1,
    });
}

/// One Han run: every character on its own, at its own position, plus
/// jieba's search-mode words of two or more characters at the position of
/// their first character. Characters make any substring findable as a phrase
/// whatever jieba does with its context; words give BM25 something better
/// than characters to rank by.
fn segment_han(run: &str, base: usize, position: &mut usize, out: &mut Vec<Token>) {
    let starts: Vec<usize> = run
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(run.len()))
        .collect();
    let chars = starts.len() - 1;
    let mut words = jieba().tokenize(run, TokenizeMode::Search, true);
    words.retain(|w| w.end - w.start >= 2);
    words.sort_by_key(|w| (w.start, std::cmp::Reverse(w.end)));
    let mut words = words.into_iter().peekable();
    let mut emit = |from: usize, to: usize, at: usize| {
        out.push(Token {
            offset_from: base + starts[from],
            offset_to: base + starts[to],
            position: *position + at,
            text: run[starts[from]..starts[to]].to_string(),
            position_length: 1,
        });
    };
    for c in 0..chars {
        emit(c, c + 1, c);
        while let Some(word) = words.next_if(|w| w.start == c) {
            emit(word.start, word.end, c);
        }
    }
    *position += chars;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn latin_is_lowercased_and_stemmed() {
        assert_eq!(
            terms("Retrieval of Indexed DOCUMENTS"),
            ["retriev", "of", "index", "document"]
        );
    }

    #[test]
    fn han_runs_are_segmented_with_parts() {
        let t = terms("向量检索很快");
        assert!(t.contains(&"向量".to_string()), "{t:?}");
        assert!(t.contains(&"检索".to_string()), "{t:?}");
    }

    #[test]
    fn mixed_text_keeps_offsets() {
        let text = "用 Rust 写的知识库";
        for token in tokenize(text) {
            assert_eq!(&text[token.offset_from..token.offset_to], token.text);
        }
    }

    #[test]
    fn han_characters_have_consecutive_positions_and_words_sit_on_their_first() {
        let tokens = tokenize("中华人民共和国成立");
        let at = |text: &str| tokens.iter().find(|t| t.text == text).unwrap().position;
        assert_eq!(at("中"), 0);
        assert_eq!(at("中华人民共和国"), 0);
        assert_eq!(at("人民"), 2);
        assert_eq!(at("人"), 2);
        assert_eq!(at("成立"), 7);
        assert_eq!(at("立"), 8);
    }

    #[test]
    fn positions_continue_across_scripts() {
        let tokens = tokenize("用 Rust 写");
        let at = |text: &str| tokens.iter().find(|t| t.text == text).unwrap().position;
        assert_eq!((at("用"), at("Rust"), at("写")), (0, 1, 2));
    }
}
