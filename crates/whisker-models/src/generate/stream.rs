//! Tokens to text as they come: whole characters only, and nothing of a stop
//! string.
//!
//! A token can end in the middle of a UTF-8 character (byte-level BPE splits
//! Chinese characters across tokens), and decoding a token alone loses the
//! space some tokenizers put before it. So each step decodes a short window
//! of recent tokens twice — with and without the new one — and emits the
//! difference once it no longer ends in a replacement character (the method
//! of Hugging Face's text-generation-inference). Text that could be the start
//! of a stop string is held back until it is clear it is not one.

use tokenizers::Tokenizer;

pub struct TextStream<'a> {
    tokenizer: &'a Tokenizer,
    stop: &'a [String],
    tokens: Vec<u32>,
    /// Window start: tokens before it are already in `text`.
    prefix: usize,
    /// Tokens up to here are in `text`.
    read: usize,
    /// All decoded text so far.
    text: String,
    /// Bytes of `text` handed out.
    emitted: usize,
    /// Where the stop string began, once one was found.
    stopped_at: Option<usize>,
}

impl<'a> TextStream<'a> {
    pub fn new(tokenizer: &'a Tokenizer, stop: &'a [String]) -> TextStream<'a> {
        TextStream {
            tokenizer,
            stop,
            tokens: Vec::new(),
            prefix: 0,
            read: 0,
            text: String::new(),
            emitted: 0,
            stopped_at: None,
        }
    }

    /// Adds a token; returns the text that is now certain (maybe empty).
    pub fn push(&mut self, token: u32) -> Result<String, String> {
        self.tokens.push(token);
        let before = self.decode(self.prefix, self.read)?;
        let after = self.decode(self.prefix, self.tokens.len())?;
        if after.len() > before.len()
            && !after.ends_with('\u{FFFD}')
            && after.is_char_boundary(before.len())
        {
            self.text.push_str(&after[before.len()..]);
            self.prefix = self.read;
            self.read = self.tokens.len();
        }
        Ok(self.release())
    }

    /// True once a stop string has appeared.
    pub fn stopped(&self) -> bool {
        self.stopped_at.is_some()
    }

    /// The text held back at the end (a possible stop-string start, or a
    /// trailing partial character, decoded as best it can be).
    pub fn finish(&mut self) -> String {
        if self.read < self.tokens.len()
            && let Ok(rest) = self.decode(self.prefix, self.tokens.len())
        {
            let before = self.decode(self.prefix, self.read).unwrap_or_default();
            if rest.is_char_boundary(before.len()) {
                self.text.push_str(&rest[before.len()..]);
            }
            self.read = self.tokens.len();
        }
        let end = self.end();
        let rest = self.text[self.emitted..end].to_string();
        self.emitted = end;
        rest
    }

    /// Everything generated, up to a stop string.
    pub fn text(&self) -> &str {
        &self.text[..self.end()]
    }

    fn end(&self) -> usize {
        self.stopped_at.unwrap_or(self.text.len())
    }

    /// Hands out new text, up to a stop string or a possible start of one.
    fn release(&mut self) -> String {
        if self.stopped_at.is_none() {
            // A stop string may straddle what was emitted and what is new.
            let longest = self.stop.iter().map(String::len).max().unwrap_or(0);
            let mut from = self.emitted.saturating_sub(longest);
            while !self.text.is_char_boundary(from) {
                from -= 1;
            }
            self.stopped_at = self
                .stop
                .iter()
                .filter(|s| !s.is_empty())
                .filter_map(|s| self.text[from..].find(s.as_str()).map(|i| from + i))
                .min();
        }
        let end = match self.stopped_at {
            Some(at) => at,
            None => self.text.len() - held_back(&self.text, self.stop),
        };
        if end <= self.emitted {
            return String::new();
        }
        let piece = self.text[self.emitted..end].to_string();
        self.emitted = end;
        piece
    }

    fn decode(&self, from: usize, to: usize) -> Result<String, String> {
        self.tokenizer
            .decode(&self.tokens[from..to], true)
            .map_err(|e| format!("decoding: {e}"))
    }
}

/// Bytes at the end of `text` that begin some stop string.
fn held_back(text: &str, stop: &[String]) -> usize {
    let mut longest = 0;
    for s in stop {
        for (i, _) in s.char_indices().skip(1) {
            if i > longest && text.ends_with(&s[..i]) {
                longest = i;
            }
        }
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_stop_string_is_held_back() {
        let stop = ["</answer>".to_string()];
        assert_eq!(held_back("the end </ans", &stop), 5);
        assert_eq!(held_back("the end <", &stop), 1);
        assert_eq!(held_back("the end", &stop), 0);
        assert_eq!(
            held_back("x</answer", &["</answer>".into(), "er".into()]),
            8
        );
    }

    #[test]
    fn held_back_respects_char_boundaries() {
        let stop = ["答案：".to_string()];
        assert_eq!(held_back("好的答", &stop), "答".len());
        assert_eq!(held_back("好的", &stop), 0);
    }
}
