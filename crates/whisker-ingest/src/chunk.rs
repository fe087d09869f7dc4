//! The structure-aware chunker.
//!
//! Chunks never cross a block boundary (a page, slide, sheet, chapter or
//! heading; see [`Location::same_block`]). Inside a block, whole sections
//! (paragraphs, rows) are packed up to the target size; a section too long
//! for one chunk is split at sentence ends (。！？ as well as . ! ?), and a
//! sentence too long for one chunk at the target size. Consecutive chunks of
//! one block share their trailing/leading sentences up to the overlap.

use serde::{Deserialize, Serialize};

use crate::document::{Document, Location, Section};

/// Chunk sizes, in estimated tokens (see [`estimate_tokens`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChunkOptions {
    pub target_tokens: usize,
    pub overlap_tokens: usize,
}

impl Default for ChunkOptions {
    fn default() -> Self {
        ChunkOptions {
            target_tokens: 300,
            overlap_tokens: 40,
        }
    }
}

/// A piece of a document sized for retrieval, with the place it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    pub text: String,
    pub location: Location,
}

/// A rough token count: one per CJK character, one per run of other letters
/// or digits. Close to what sub-word tokenisers give for English prose and
/// to what they give for Chinese, without needing a model.
pub fn estimate_tokens(text: &str) -> usize {
    let mut count = 0;
    let mut in_word = false;
    for c in text.chars() {
        if is_cjk(c) {
            count += 1;
            in_word = false;
        } else if c.is_alphanumeric() {
            count += usize::from(!in_word);
            in_word = true;
        } else {
            in_word = false;
        }
    }
    count
}

/// Han ideographs, kana, Hangul and CJK punctuation blocks.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Splits `doc` into chunks.
pub fn chunk(doc: &Document, options: &ChunkOptions) -> Vec<Chunk> {
    let target = options.target_tokens.max(1);
    let mut out = Vec::new();
    let mut block: Vec<&Section> = Vec::new();
    for section in &doc.sections {
        if let Some(last) = block.last()
            && !last.location.same_block(&section.location)
        {
            pack(
                &block,
                target,
                options.overlap_tokens.min(target / 2),
                &mut out,
            );
            block.clear();
        }
        block.push(section);
    }
    pack(
        &block,
        target,
        options.overlap_tokens.min(target / 2),
        &mut out,
    );
    out
}

/// A sentence-or-smaller piece; `opens` marks the first piece of a section.
struct Unit<'a> {
    text: &'a str,
    tokens: usize,
    location: &'a Location,
    opens: bool,
}

fn pack(block: &[&Section], target: usize, overlap: usize, out: &mut Vec<Chunk>) {
    let units = units(block, target);
    let mut current: Vec<&Unit> = Vec::new();
    let mut tokens = 0;
    for unit in &units {
        if !current.is_empty() && tokens + unit.tokens > target {
            out.push(render(&current));
            current = tail(&current, overlap);
            tokens = current.iter().map(|u| u.tokens).sum();
        }
        tokens += unit.tokens;
        current.push(unit);
    }
    if current.iter().any(|u| !u.text.trim().is_empty()) {
        out.push(render(&current));
    }
}

fn units<'a>(block: &[&'a Section], target: usize) -> Vec<Unit<'a>> {
    let mut units = Vec::new();
    for section in block {
        let tokens = estimate_tokens(&section.text);
        let pieces = if tokens <= target {
            vec![(section.text.as_str(), tokens)]
        } else {
            sentences(&section.text)
                .flat_map(|s| split_long(s, target))
                .map(|s| (s, estimate_tokens(s)))
                .collect()
        };
        for (i, (text, tokens)) in pieces.into_iter().enumerate() {
            units.push(Unit {
                text,
                tokens,
                location: &section.location,
                opens: i == 0,
            });
        }
    }
    units
}

/// The trailing units of a full chunk that fit in the overlap budget.
fn tail<'a>(current: &[&'a Unit<'a>], overlap: usize) -> Vec<&'a Unit<'a>> {
    let mut kept = Vec::new();
    let mut tokens = 0;
    for unit in current.iter().rev() {
        if tokens + unit.tokens > overlap || kept.len() + 1 == current.len() {
            break;
        }
        tokens += unit.tokens;
        kept.push(*unit);
    }
    kept.reverse();
    kept
}

fn render(units: &[&Unit]) -> Chunk {
    let mut text = String::new();
    for unit in units {
        if unit.opens && !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(unit.text);
    }
    let first = units[0].location;
    let last = units[units.len() - 1].location;
    Chunk {
        text: text.trim().to_string(),
        location: first.merge(last),
    }
}

/// Sentences of `text`, each with its trailing whitespace, covering all of it.
pub fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = sentence_end(rest);
        let (head, tail) = rest.split_at(end);
        rest = tail;
        Some(head)
    })
}

/// Byte length of the first sentence of `text`.
fn sentence_end(text: &str) -> usize {
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let ends = match c {
            '。' | '！' | '？' | '\n' | '…' => true,
            '.' | '!' | '?' => chars
                .peek()
                .is_none_or(|(_, n)| n.is_whitespace() || is_closer(*n)),
            _ => false,
        };
        if !ends {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, n)) = chars.peek() {
            if is_closer(n) || n.is_whitespace() || n == c {
                end = j + n.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        return end;
    }
    text.len()
}

fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | ')' | ']' | '”' | '’' | '」' | '』' | '）' | '》' | '】'
    )
}

/// Cuts a sentence longer than `target` tokens into pieces of about `target`.
fn split_long(sentence: &str, target: usize) -> Vec<&str> {
    if estimate_tokens(sentence) <= target {
        return vec![sentence];
    }
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut count = 0;
    let mut in_word = false;
    for (i, c) in sentence.char_indices() {
        let starts_token = is_cjk(c) || (c.is_alphanumeric() && !in_word);
        in_word = c.is_alphanumeric() && !is_cjk(c);
        if starts_token {
            if count == target {
                pieces.push(&sentence[start..i]);
                start = i;
                count = 0;
            }
            count += 1;
        }
    }
    pieces.push(&sentence[start..]);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Kind;

    fn doc(sections: Vec<Section>) -> Document {
        Document {
            title: "t".into(),
            kind: Kind::Text,
            sections,
        }
    }

    fn page(page: u32, text: &str) -> Section {
        Section::new(text, Location::Page { page })
    }

    #[test]
    fn tokens_count_cjk_chars_and_words() {
        assert_eq!(estimate_tokens("向量检索 works well, 2024."), 4 + 3);
    }

    #[test]
    fn sentences_split_on_cjk_and_latin_ends() {
        let s: Vec<&str> = sentences("你好。今天怎么样？Fine. Version 1.5 ok!").collect();
        assert_eq!(s, ["你好。", "今天怎么样？", "Fine. ", "Version 1.5 ok!"]);
    }

    #[test]
    fn chunks_never_cross_pages() {
        let d = doc(vec![page(1, "Alpha beta."), page(2, "Gamma delta.")]);
        let chunks = chunk(&d, &ChunkOptions::default());
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[1].location, Location::Page { page: 2 });
    }

    #[test]
    fn long_sections_split_with_overlap_and_cover_everything() {
        let text: String = (0..200)
            .map(|i| format!("Sentence number {i} is here. "))
            .collect();
        let d = doc(vec![page(1, &text)]);
        let options = ChunkOptions {
            target_tokens: 50,
            overlap_tokens: 10,
        };
        let chunks = chunk(&d, &options);
        assert!(chunks.len() > 10);
        for c in &chunks {
            assert!(estimate_tokens(&c.text) <= 50, "{}", c.text);
        }
        for i in 0..200 {
            let needle = format!("number {i} is");
            assert!(chunks.iter().any(|c| c.text.contains(&needle)), "{needle}");
        }
        // Overlap: the next chunk opens with sentences that closed this one.
        let opening = sentences(&chunks[1].text).next().unwrap();
        assert!(chunks[0].text.ends_with(opening.trim()) || chunks[0].text.contains(opening));
        assert!(
            !chunks[0]
                .text
                .contains(sentences(&chunks[1].text).last().unwrap().trim())
        );
    }

    #[test]
    fn small_paragraphs_are_packed_and_line_ranges_merged() {
        let lines = |start, end| Location::Lines {
            headings: vec![],
            start,
            end,
        };
        let d = doc(vec![
            Section::new("one", lines(1, 1)),
            Section::new("two", lines(3, 4)),
        ]);
        let chunks = chunk(&d, &ChunkOptions::default());
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].text, "one\n\ntwo");
        assert_eq!(chunks[0].location, lines(1, 4));
    }

    #[test]
    fn unbroken_cjk_text_is_cut_to_size() {
        let text = "知".repeat(1000);
        let chunks = chunk(&doc(vec![page(1, &text)]), &ChunkOptions::default());
        assert_eq!(chunks.len(), 4);
        assert!(chunks.iter().all(|c| c.text.chars().count() <= 300));
    }
}
