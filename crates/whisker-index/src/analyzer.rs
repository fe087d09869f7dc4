//! The text analyser for mixed Chinese and Latin text.
//!
//! Han runs are indexed twice over: every character at its own position, so
//! an exact phrase query finds any substring however jieba segments its
//! context, and jieba's search-mode words (a long word such as "向量检索" and
//! its dictionary parts "向量", "检索") at the position of their first
//! character, for BM25 ranking. Kana are indexed one character at a time.
//! Runs of other letters and digits (Latin, Cyrillic, Hangul, ...) are words,
//! lower-cased; purely ASCII-alphabetic words are stemmed (English).
//!
//! Lower-casing and stemming happen inside the tokenizer rather than in
//! Tantivy filters so that Han tokens skip them, and tokens are produced
//! lazily into one reused buffer: indexing speed is bound by this code.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use jieba_rs::{Jieba, TokenizeMode};
use rust_stemmers::{Algorithm, Stemmer};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};

/// The name the analyser is registered under in the index.
pub const ANALYZER: &str = "whisker_mixed";

/// Words longer than this many bytes (hashes, base64) are not indexed.
const MAX_WORD_BYTES: usize = 48;

/// The analyser used for both text and queries.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(MixedTokenizer).build()
}

/// jieba's dictionary takes a moment to load; every tokenizer shares one.
fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// Splits text into tokens by script; see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct MixedTokenizer;

/// Tokens of one text, produced on demand.
#[derive(Debug)]
pub struct MixedTokenStream<'a> {
    text: &'a str,
    /// Byte offset where scanning resumes.
    cursor: usize,
    /// Position of the next word or character.
    position: usize,
    /// Tokens of the current Han run still to emit, last first: (from, to, position).
    pending: Vec<(usize, usize, usize)>,
    token: Token,
}

impl Tokenizer for MixedTokenizer {
    type TokenStream<'a> = MixedTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> MixedTokenStream<'a> {
        MixedTokenStream {
            text,
            cursor: 0,
            position: 0,
            pending: Vec::new(),
            token: Token::default(),
        }
    }
}

impl TokenStream for MixedTokenStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            if let Some((from, to, position)) = self.pending.pop() {
                self.set(from, to, position);
                return true;
            }
            let Some((kind, from, to)) = self.next_run() else {
                return false;
            };
            match kind {
                Script::Han => self.segment_han(from, to),
                Script::Kana => {
                    self.set(from, to, self.position);
                    self.position += 1;
                    return true;
                }
                _ if to - from > MAX_WORD_BYTES => self.position += 1,
                _ => {
                    self.set(from, to, self.position);
                    self.position += 1;
                    normalise_word(&mut self.token.text);
                    return true;
                }
            }
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

impl MixedTokenStream<'_> {
    fn set(&mut self, from: usize, to: usize, position: usize) {
        let token = &mut self.token;
        token.offset_from = from;
        token.offset_to = to;
        token.position = position;
        token.position_length = 1;
        token.text.clear();
        token.text.push_str(&self.text[from..to]);
    }

    /// The next run of one script from the cursor: (script, from, to).
    /// Kana runs are one character long.
    fn next_run(&mut self) -> Option<(Script, usize, usize)> {
        let rest = &self.text[self.cursor..];
        let mut chars = rest.char_indices();
        let (start, kind) = loop {
            let (i, c) = chars.next()?;
            let kind = script(c);
            if kind != Script::Other {
                break (i, kind);
            }
        };
        let mut end = rest.len();
        if kind == Script::Kana {
            end = start + rest[start..].chars().next().map_or(0, char::len_utf8);
        } else {
            for (i, c) in chars {
                if script(c) != kind {
                    end = i;
                    break;
                }
            }
        }
        let base = self.cursor;
        self.cursor += end;
        Some((kind, base + start, base + end))
    }

    /// Queues one Han run: every character, plus jieba's words of two or
    /// more characters at the position of their first character.
    fn segment_han(&mut self, from: usize, to: usize) {
        let run = &self.text[from..to];
        let starts: Vec<usize> = run
            .char_indices()
            .map(|(i, _)| from + i)
            .chain(std::iter::once(to))
            .collect();
        let chars = starts.len() - 1;
        let mut words = jieba().tokenize(run, TokenizeMode::Search, true);
        words.retain(|w| w.end - w.start >= 2);
        words.sort_by_key(|w| (w.start, std::cmp::Reverse(w.end)));
        let mut words = words.into_iter().peekable();
        let mut queue = Vec::with_capacity(chars * 2);
        for c in 0..chars {
            queue.push((starts[c], starts[c + 1], self.position + c));
            while let Some(w) = words.next_if(|w| w.start == c) {
                queue.push((starts[w.start], starts[w.end], self.position + c));
            }
        }
        queue.reverse();
        self.pending = queue;
        self.position += chars;
    }
}

/// Lower-cases a word in place and stems it if it is plain ASCII letters.
fn normalise_word(word: &mut String) {
    if word.is_ascii() {
        word.make_ascii_lowercase();
        if word.bytes().all(|b| b.is_ascii_alphabetic()) {
            stem(word);
        }
    } else {
        *word = word.to_lowercase();
    }
}

/// Stems in place. Words follow Zipf's law, so a per-thread memo of recent
/// stems saves most of the stemmer's work.
fn stem(word: &mut String) {
    const MEMO_LIMIT: usize = 50_000;
    thread_local! {
        static MEMO: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
    }
    MEMO.with_borrow_mut(|memo| {
        if let Some(stem) = memo.get(word.as_str()) {
            word.clone_from(stem);
            return;
        }
        let stem = stemmer().stem(word).into_owned();
        if memo.len() >= MEMO_LIMIT {
            memo.clear();
        }
        memo.insert(std::mem::replace(word, stem.clone()), stem);
    });
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

/// All tokens of `text`, for tests and tools.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokenizer = MixedTokenizer;
    let mut stream = tokenizer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().clone());
    }
    out
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
            let original = &text[token.offset_from..token.offset_to];
            assert_eq!(original.to_lowercase(), token.text);
        }
    }

    #[test]
    fn very_long_words_are_dropped_but_kana_and_cyrillic_kept() {
        let long = "a".repeat(100);
        assert_eq!(terms(&format!("{long} ok")), ["ok"]);
        assert_eq!(terms("カナ Привет"), ["カ", "ナ", "привет"]);
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
        assert_eq!((at("用"), at("rust"), at("写")), (0, 1, 2));
    }
}
