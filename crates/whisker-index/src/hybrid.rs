//! Vector and hybrid search: nearest chunks by embedding, and their fusion
//! with the BM25 ranking.
//!
//! Keyword search misses paraphrases; vector search misses exact names and
//! numbers. Hybrid search ranks the union of both candidate lists. Fusion is
//! reciprocal-rank fusion by default (robust: it needs no score calibration);
//! a convex combination of min-max-normalised scores is the alternative, and
//! `whisker eval retrieval` measures both.
//!
//! Results are de-duplicated: a chunk whose text is the same as a better one
//! (the same passage in two files, or a copy) and a chunk that overlaps a
//! better-ranked neighbour of the same file are dropped.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use tantivy::DocAddress;

use crate::error::Result;
use crate::search::{Hit, Plan};
use crate::store::Store;
use crate::vectors::Precision;

/// Which ranking answers a search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Words only.
    Bm25,
    /// Embedding similarity only.
    Vector,
    /// Both, fused.
    #[default]
    Hybrid,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Bm25 => "bm25",
            Mode::Vector => "vector",
            Mode::Hybrid => "hybrid",
        }
    }
}

/// How the BM25 and vector rankings are combined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "lowercase")]
pub enum Fusion {
    /// Σ weight / (k + rank): each list's weight, `k` damps the top ranks.
    Rrf { k: f32, vector_weight: f32 },
    /// (1 - w) · bm25 + w · cosine, each min-max normalised over its list.
    Convex { vector_weight: f32 },
}

impl Default for Fusion {
    fn default() -> Self {
        Fusion::Rrf {
            k: 60.0,
            vector_weight: 1.0,
        }
    }
}

/// A query's embedding and the model that made it.
#[derive(Debug, Clone, Copy)]
pub struct VectorQuery<'a> {
    pub model: &'a str,
    pub vector: &'a [f32],
}

/// Everything about a search except the query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchOptions {
    pub k: usize,
    pub mode: Mode,
    pub fusion: Fusion,
    pub precision: Precision,
    /// Cut a highlighted snippet for each hit (else the chunk's start).
    /// Evaluations that only need the ranking turn this off.
    pub snippets: bool,
}

/// A search half done: the query analysed and, in BM25 and hybrid modes,
/// ranked by its words. [`Store::search_with`] is [`Store::begin_search`]
/// then [`Store::finish_search`]; a caller that still has to embed the
/// query does that meanwhile, on another core.
pub struct Begun {
    searcher: tantivy::Searcher,
    plan: Plan,
    /// The BM25 ranking; `None` in vector mode.
    words: Option<Vec<(DocAddress, f32)>>,
}

impl std::fmt::Debug for Begun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Begun").field("words", &self.words).finish()
    }
}

impl Store {
    /// Searches in `options.mode`. Vector and hybrid modes need `vector`;
    /// without it they rank by BM25 alone (the caller says so to the user).
    pub fn search_with(
        &self,
        text: &str,
        vector: Option<VectorQuery>,
        options: &SearchOptions,
    ) -> Result<Vec<Hit>> {
        let begun = self.begin_search(text, options)?;
        self.finish_search(begun, vector, options)
    }

    /// The first half of [`Store::search_with`]: everything that does not
    /// need the query's vector.
    pub fn begin_search(&self, text: &str, options: &SearchOptions) -> Result<Begun> {
        let searcher = self.reader.searcher();
        let plan = self.plan(text);
        let words = match options.mode {
            Mode::Vector => None,
            Mode::Bm25 | Mode::Hybrid => Some(self.bm25(&searcher, &plan, depth(options.k))?),
        };
        Ok(Begun {
            searcher,
            plan,
            words,
        })
    }

    /// The second half of [`Store::search_with`]: the vector ranking, the
    /// fusion and the hits. `begun` must come from the same `options`.
    pub fn finish_search(
        &self,
        begun: Begun,
        vector: Option<VectorQuery>,
        options: &SearchOptions,
    ) -> Result<Vec<Hit>> {
        let Begun {
            searcher,
            plan,
            words,
        } = begun;
        let ranked = match (options.mode, vector, words) {
            (Mode::Vector | Mode::Hybrid, Some(v), words) => {
                let near = self.nearest(&searcher, v, depth(options.k), options.precision)?;
                match words {
                    Some(words) => fuse(&words, &near, options.fusion),
                    None => near,
                }
            }
            // BM25 mode, or no vector: the words' ranking.
            (_, _, Some(words)) => words,
            // Vector mode without a vector.
            (_, _, None) => self.bm25(&searcher, &plan, depth(options.k))?,
        };
        self.hits(&searcher, &plan, ranked, options.snippets, Some(options.k))
    }

    fn nearest(
        &self,
        searcher: &tantivy::Searcher,
        query: VectorQuery,
        k: usize,
        precision: Precision,
    ) -> Result<Vec<(DocAddress, f32)>> {
        let found = self.vectors.search(
            searcher,
            &self.fields,
            query.model,
            query.vector,
            k,
            precision,
        )?;
        Ok(found.into_iter().map(|s| (s.address, s.score)).collect())
    }
}

/// Candidates taken from each ranking for `k` hits: extra, so
/// de-duplication still leaves `k`.
fn depth(k: usize) -> usize {
    (k + k / 2 + 4).max(50)
}

/// Combines two rankings (each best first) into one, best first.
pub(crate) fn fuse(
    words: &[(DocAddress, f32)],
    near: &[(DocAddress, f32)],
    fusion: Fusion,
) -> Vec<(DocAddress, f32)> {
    let mut scores: HashMap<DocAddress, f32> = HashMap::new();
    match fusion {
        Fusion::Rrf { k, vector_weight } => {
            for (list, weight) in [(words, 1.0), (near, vector_weight)] {
                for (rank, (address, _)) in list.iter().enumerate() {
                    *scores.entry(*address).or_default() += weight / (k + rank as f32 + 1.0);
                }
            }
        }
        Fusion::Convex { vector_weight } => {
            for (list, weight) in [(words, 1.0 - vector_weight), (near, vector_weight)] {
                for (address, score) in normalised(list) {
                    *scores.entry(address).or_default() += weight * score;
                }
            }
        }
    }
    let mut ranked: Vec<(DocAddress, f32)> = scores.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
}

/// Scores mapped to 0..=1 over the list (all 1 when they are equal).
fn normalised(list: &[(DocAddress, f32)]) -> impl Iterator<Item = (DocAddress, f32)> + '_ {
    let max = list.iter().map(|x| x.1).fold(f32::NEG_INFINITY, f32::max);
    let min = list.iter().map(|x| x.1).fold(f32::INFINITY, f32::min);
    let span = max - min;
    list.iter().map(move |(a, s)| {
        let n = if span > 0.0 { (s - min) / span } else { 1.0 };
        (*a, n)
    })
}

/// Drops hits that repeat a better one: the same text, or a chunk next to a
/// better-ranked chunk of the same file (they share their overlap). Hits are
/// offered best first; [`Store::hits`] asks before it cuts a snippet, so only
/// the hits kept pay for one.
#[derive(Debug, Default)]
pub(crate) struct Collapse {
    texts: HashSet<blake3::Hash>,
    /// The chunks kept so far, by file.
    taken: HashMap<String, HashSet<u64>>,
}

impl Collapse {
    /// Whether chunk `ord` of `path`, holding `text`, is new; remembers it if so.
    pub(crate) fn admit(&mut self, path: &str, ord: u64, text: &str) -> bool {
        let kept = self.taken.get(path);
        let taken = |o: Option<u64>| o.is_some_and(|o| kept.is_some_and(|k| k.contains(&o)));
        if taken(ord.checked_sub(1)) || taken(ord.checked_add(1)) {
            return false;
        }
        if !self.texts.insert(blake3::hash(text.trim().as_bytes())) {
            return false;
        }
        self.taken.entry(path.to_string()).or_default().insert(ord);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(doc: u32) -> DocAddress {
        DocAddress::new(0, doc)
    }

    #[test]
    fn rrf_puts_what_both_lists_agree_on_first() {
        let words = [(addr(1), 9.0), (addr(2), 5.0), (addr(3), 1.0)];
        let near = [(addr(2), 0.9), (addr(3), 0.8), (addr(4), 0.7)];
        let fused = fuse(&words, &near, Fusion::default());
        let order: Vec<u32> = fused.iter().map(|(a, _)| a.doc_id).collect();
        assert_eq!(order, [2, 3, 1, 4]);
    }

    #[test]
    fn collapse_drops_neighbours_of_a_kept_chunk_and_repeated_text() {
        let mut c = Collapse::default();
        assert!(c.admit("/a", 3, "three"));
        assert!(!c.admit("/a", 2, "two"), "the chunk before a kept one");
        assert!(!c.admit("/a", 4, "four"), "the chunk after a kept one");
        assert!(c.admit("/a", 5, "five"), "two away is not a neighbour");
        assert!(c.admit("/b", 4, "other file"));
        assert!(!c.admit("/c", 9, "  three "), "the same text elsewhere");
        assert!(c.admit("/a", 0, "zero"));
    }

    #[test]
    fn convex_weight_one_is_the_vector_ranking() {
        let words = [(addr(1), 9.0), (addr(2), 5.0)];
        let near = [(addr(2), 0.9), (addr(1), 0.1)];
        let fused = fuse(&words, &near, Fusion::Convex { vector_weight: 1.0 });
        assert_eq!(fused[0].0, addr(2));
    }
}
