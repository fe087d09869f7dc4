//! `[n]` citation markers: normalised and checked while the answer streams.
//!
//! Small models cite loosely: `[Source 2]`, `【1】`, `[1, 3]`, `[1-2]`, or a
//! number for a source they were never given. [`CitationFilter`] sits between
//! the model and the user: it holds back anything that opens with a bracket
//! until it closes, then emits a clean `[n]` for every number that names a
//! given source and drops the rest. Brackets that are not citations
//! (`[note]`, `arr[i]`) pass through unchanged. The streamed text and the
//! final text are therefore the same, and every marker in them is valid.

use std::collections::BTreeSet;

/// Longest bracketed text still considered a possible citation.
const MAX_MARKER: usize = 24;

#[derive(Debug)]
pub struct CitationFilter {
    sources: usize,
    /// A bracket opened and not yet closed.
    pending: Option<String>,
    /// Spaces not yet shown: dropped with a marker that follows them
    /// ("claim [7]." becomes "claim.").
    spaces: String,
    text: String,
    cited: BTreeSet<usize>,
    dropped: usize,
}

impl CitationFilter {
    /// A filter for answers that were given sources `1..=sources`.
    pub fn new(sources: usize) -> CitationFilter {
        CitationFilter {
            sources,
            pending: None,
            spaces: String::new(),
            text: String::new(),
            cited: BTreeSet::new(),
            dropped: 0,
        }
    }

    /// Takes the next piece of model output; returns what can be shown now.
    pub fn push(&mut self, piece: &str) -> String {
        let start = self.text.len();
        for c in piece.chars() {
            self.push_char(c);
        }
        self.text[start..].to_string()
    }

    /// The end of the output: a bracket left open is shown as it was.
    pub fn finish(&mut self) -> String {
        let start = self.text.len();
        let spaces = std::mem::take(&mut self.spaces);
        self.text.push_str(&spaces);
        if let Some(open) = self.pending.take() {
            self.text.push_str(&open);
        }
        self.text[start..].to_string()
    }

    /// Everything shown so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Sources the answer cites, in order of number.
    pub fn cited(&self) -> Vec<usize> {
        self.cited.iter().copied().collect()
    }

    /// Markers removed because they named no given source.
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    fn push_char(&mut self, c: char) {
        match self.pending.as_mut() {
            None if c == ' ' => self.spaces.push(c),
            None if is_open(c) => self.pending = Some(c.to_string()),
            None => {
                self.flush_spaces();
                self.text.push(c);
            }
            Some(open) if is_close(c) => {
                let inner = open[open.chars().next().map_or(0, char::len_utf8)..].to_string();
                let raw = format!("{open}{c}");
                self.pending = None;
                self.close(&inner, &raw);
            }
            Some(open) if is_open(c) => {
                // `[[1]`: the first bracket was text.
                let open = std::mem::replace(open, c.to_string());
                self.flush_spaces();
                self.text.push_str(&open);
            }
            Some(open) => {
                open.push(c);
                if open.len() > MAX_MARKER || c == '\n' {
                    let open = std::mem::take(open);
                    self.pending = None;
                    self.flush_spaces();
                    self.text.push_str(&open);
                }
            }
        }
    }

    fn flush_spaces(&mut self) {
        self.text.push_str(&self.spaces);
        self.spaces.clear();
    }

    fn close(&mut self, inner: &str, raw: &str) {
        let Some(numbers) = marker_numbers(inner) else {
            self.flush_spaces();
            self.text.push_str(raw);
            return;
        };
        let valid: Vec<usize> = numbers
            .into_iter()
            .filter(|&n| (1..=self.sources).contains(&n))
            .collect();
        if valid.is_empty() {
            // "claim [7]." -> "claim."
            self.dropped += 1;
            self.spaces.clear();
            return;
        }
        self.flush_spaces();
        for n in valid {
            self.cited.insert(n);
            self.text.push_str(&format!("[{n}]"));
        }
    }
}

fn is_open(c: char) -> bool {
    matches!(c, '[' | '【' | '［')
}

fn is_close(c: char) -> bool {
    matches!(c, ']' | '】' | '］')
}

/// The numbers a bracketed marker names, or `None` if it is not a citation.
/// Accepts `1`, `1, 3`, `1-3`, `Source 2`, `sources 1 and 2`, `来源1`.
fn marker_numbers(inner: &str) -> Option<Vec<usize>> {
    let lower = inner.trim().to_lowercase();
    let body = ["sources", "source", "src", "ref", "来源", "资料", "文档"]
        .iter()
        .find_map(|w| lower.strip_prefix(w))
        .unwrap_or(&lower);
    let body = body.replace(" and ", ",").replace(['和', '、'], ",");
    let mut numbers = Vec::new();
    for part in body.split([',', ';', '，', '；']) {
        let part = part.trim().trim_start_matches([':', '：', '#']).trim();
        if part.is_empty() {
            continue;
        }
        if let Some((a, b)) = part.split_once(['-', '–']) {
            let (a, b) = (number(a)?, number(b)?);
            if b < a || b - a > 10 {
                return None;
            }
            numbers.extend(a..=b);
        } else {
            numbers.push(number(part)?);
        }
    }
    (!numbers.is_empty()).then_some(numbers)
}

fn number(text: &str) -> Option<usize> {
    let text = text.trim();
    if text.is_empty() || text.len() > 3 || !text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(sources: usize, pieces: &[&str]) -> (String, String, Vec<usize>) {
        let mut filter = CitationFilter::new(sources);
        let mut streamed: String = pieces.iter().map(|p| filter.push(p)).collect();
        streamed.push_str(&filter.finish());
        (streamed, filter.text().to_string(), filter.cited())
    }

    #[test]
    fn valid_markers_pass_and_invalid_ones_are_dropped() {
        let (streamed, text, cited) = run(3, &["Paris is big [", "1]. It rains [7]", "."]);
        assert_eq!(text, "Paris is big [1]. It rains.");
        assert_eq!(streamed, text);
        assert_eq!(cited, [1]);
    }

    #[test]
    fn loose_forms_are_normalised() {
        let (_, text, cited) = run(4, &["A [Source 2]; B 【3】, C [1, 4], D [1-2], E [来源3]."]);
        assert_eq!(text, "A [2]; B [3], C [1][4], D [1][2], E [3].");
        assert_eq!(cited, [1, 2, 3, 4]);
    }

    #[test]
    fn brackets_that_are_not_citations_are_left_alone() {
        let (_, text, cited) = run(2, &["use arr[i] and [note] or [x", "y"]);
        assert_eq!(text, "use arr[i] and [note] or [xy");
        assert!(cited.is_empty());
    }

    #[test]
    fn a_marker_split_across_pieces_is_held_until_it_closes() {
        let mut filter = CitationFilter::new(2);
        assert_eq!(filter.push("yes ["), "yes");
        assert_eq!(filter.push("2"), "");
        assert_eq!(filter.push("] done"), " [2] done");
    }

    #[test]
    fn spaces_before_a_dropped_marker_go_with_it() {
        let (streamed, text, _) = run(1, &["big ", " [", "9", "] and [1] ", "end"]);
        assert_eq!(text, "big and [1] end");
        assert_eq!(streamed, text);
    }
}
