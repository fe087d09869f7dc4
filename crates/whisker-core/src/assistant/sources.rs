//! The numbered sources an answer may cite: found, judged, and fitted into
//! the model's context window.

use std::collections::HashMap;

use serde::Serialize;
use whisker_index::{Hit, Mode, SearchOptions};
use whisker_ingest::Location;
use whisker_models::generate::Generator;

use crate::error::Result;
use crate::library::Library;

/// One numbered source given to the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    /// The number the answer cites it by (`[n]`), from 1.
    pub n: usize,
    pub path: String,
    pub title: String,
    pub kind: String,
    pub location: Location,
    /// "report.pdf, page 3": what the sources list shows.
    pub label: String,
    /// The text the model was given (a chunk, or a part of a document).
    pub text: String,
    /// The chunk it came from (the first chunk of a part).
    pub chunk_id: u64,
    /// Whether the answer cites it.
    pub cited: bool,
}

impl Source {
    pub fn from_hit(n: usize, hit: &Hit) -> Source {
        Source {
            n,
            label: label(&hit.path, &hit.location),
            path: hit.path.clone(),
            title: hit.title.clone(),
            kind: hit.kind.clone(),
            location: hit.location.clone(),
            text: hit.text.clone(),
            chunk_id: hit.chunk_id,
            cited: false,
        }
    }
}

/// "report.pdf, page 3".
pub fn label(path: &str, location: &Location) -> String {
    let name = std::path::Path::new(path)
        .file_name()
        .map_or(path.into(), |n| n.to_string_lossy().into_owned());
    format!("{name}, {location}")
}

/// How sure retrieval is that the library holds an answer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Relevance {
    /// Best cosine similarity of the question to a chunk (vector modes).
    pub similarity: Option<f32>,
    /// Best IDF-weighted share of the question's words found in one chunk.
    pub coverage: f32,
}

/// Limits on what counts as relevant (`[ask]` in the config).
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub min_similarity: f32,
    pub min_coverage: f32,
}

impl Relevance {
    pub fn is_relevant(&self, t: Thresholds) -> bool {
        self.similarity.is_some_and(|s| s >= t.min_similarity) || self.coverage >= t.min_coverage
    }
}

/// The best chunks for `query` (at most `k`), and how relevant the best of
/// them is. Chunks far less relevant than the best are left out: a small
/// model answers better from two good passages than from two good and four
/// stray ones, and reads them sooner.
pub fn retrieve(
    library: &Library,
    query: &str,
    k: usize,
    thresholds: Thresholds,
) -> Result<(Vec<Hit>, Relevance)> {
    let found = library.search(query, k, None)?;
    // The model sees each passage's title and place too ("Hardware budget
    // 2026, sheet Budget"), so they count towards covering the question.
    let texts: Vec<String> = found
        .hits
        .iter()
        .map(|h| format!("{} {} {}", h.title, h.location, h.text))
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let coverage = library.coverage(query, &texts)?;
    let cosines = if found.mode == Mode::Bm25 {
        HashMap::new()
    } else {
        // Vector mode scores are cosines; the fused ranking's are not.
        let options = SearchOptions {
            k: k * 2,
            mode: Mode::Vector,
            snippets: false,
            ..library.search_options()
        };
        let near = library.search_with(query, options)?.hits;
        near.into_iter().map(|h| (h.chunk_id, h.score)).collect()
    };
    let best_coverage = coverage.iter().copied().fold(0.0, f32::max);
    let relevance = Relevance {
        similarity: cosines.values().copied().reduce(f32::max),
        coverage: best_coverage,
    };
    let enough = (thresholds.min_coverage / 2.0).max(best_coverage / 2.0);
    let kept = found
        .hits
        .into_iter()
        .zip(coverage)
        .enumerate()
        .filter(|(i, (hit, covered))| {
            let near = cosines
                .get(&hit.chunk_id)
                .is_some_and(|&c| c >= thresholds.min_similarity);
            *i == 0 || near || *covered >= enough
        })
        .map(|(_, (hit, _))| hit)
        .collect();
    Ok((kept, relevance))
}

/// Keeps the hits that fit in `budget` tokens, each cut to at most
/// `per_source` tokens, numbered from 1 in rank order.
pub fn fit(
    generator: &Generator,
    hits: &[Hit],
    budget: usize,
    per_source: usize,
) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    let mut left = budget;
    for hit in hits {
        // The label line and blank line around each source.
        let overhead = 24;
        if left < overhead + 48 {
            break;
        }
        let room = per_source.min(left - overhead);
        let mut source = Source::from_hit(sources.len() + 1, hit);
        source.text = truncate_to_tokens(generator, &source.text, room)?;
        left -= overhead + generator.count_tokens(&source.text)?;
        sources.push(source);
    }
    Ok(sources)
}

/// `text` cut at a word boundary so it takes at most `max` tokens.
pub fn truncate_to_tokens(generator: &Generator, text: &str, max: usize) -> Result<String> {
    let mut count = generator.count_tokens(text)?;
    let mut text = text.to_string();
    while count > max {
        let keep = (text.len() as f64 * max as f64 / count as f64 * 0.95) as usize;
        let mut cut = keep.min(text.len().saturating_sub(1));
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        if let Some(space) = text[..cut]
            .rfind(char::is_whitespace)
            .filter(|&s| s > cut / 2)
        {
            cut = space;
        }
        text.truncate(cut);
        text.push_str(" …");
        count = generator.count_tokens(&text)?;
    }
    Ok(text)
}

/// The sources block of a prompt: `[n] label` then the text, for each.
pub fn render(sources: &[Source]) -> String {
    let mut out = String::new();
    for s in sources {
        out.push_str(&format!("[{}] {}\n{}\n\n", s.n, s.label, s.text.trim()));
    }
    out.trim_end().to_string()
}
