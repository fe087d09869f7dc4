//! BM25 search with highlighted snippets.
//!
//! The query is analysed like the text. Every word is optional (OR), so a
//! question in natural language still matches; an exact run of the query's
//! characters and words scores extra, which puts the source of a quoted
//! phrase first.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, EnableScoring, Occur, PhraseQuery, Query, Scorer, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, DocSet, Searcher, TantivyDocument, Term};
use whisker_ingest::Location;

use crate::analyzer::analyzer;
use crate::catalog::StoredChunk;
use crate::error::Result;
use crate::hybrid::Collapse;
use crate::store::{Store, number, text};

/// Weight of the exact-phrase clause relative to single terms.
const PHRASE_BOOST: f32 = 2.0;
/// Candidates taken from each half of the query before combining.
const CANDIDATES: usize = 50;
/// Snippet length in characters.
const SNIPPET_CHARS: usize = 240;

/// One search result: a chunk and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub path: String,
    pub title: String,
    pub kind: String,
    pub location: Location,
    pub score: f32,
    /// A short passage around the best match.
    pub snippet: String,
    /// Byte ranges of matched words inside `snippet`.
    pub highlights: Vec<[usize; 2]>,
    /// The whole chunk.
    pub text: String,
    pub chunk_id: u64,
    /// The chunk's position in its file, from 0.
    pub ord: u64,
}

/// The two halves of a query: BM25 over its words, and its exact phrase.
pub(crate) struct Plan {
    /// OR of the query's words; only term clauses, so Tantivy can use block-max WAND.
    terms: Option<BooleanQuery>,
    /// The query's characters (Han) and words (other scripts) in order.
    phrase: Option<PhraseQuery>,
    /// The terms of `terms`, to check they exist.
    words: Vec<Term>,
}

impl Plan {
    fn all_words_known(&self, searcher: &Searcher) -> Result<bool> {
        for word in &self.words {
            if searcher.doc_freq(word)? == 0 {
                return Ok(false);
            }
        }
        Ok(!self.words.is_empty())
    }
}

impl Store {
    /// The `k` best chunks for `query`, best first. An empty query (or one
    /// with no searchable words) finds nothing.
    ///
    /// Score = BM25 of the words + [`PHRASE_BOOST`] × the phrase score. The
    /// two are searched separately (each cheap) and combined over the union of
    /// their top candidates, which ranks like one OR-query with a phrase clause
    /// without scoring every chunk that contains a common word.
    pub fn search(&self, query: &str, k: usize) -> Result<Vec<Hit>> {
        let searcher = self.reader.searcher();
        let plan = self.plan(query);
        let ranked = self.bm25(&searcher, &plan, k)?;
        self.hits(&searcher, &plan, ranked, true, None)
    }

    /// BM25 (words + phrase bonus) ranking of the best `k` chunks.
    pub(crate) fn bm25(
        &self,
        searcher: &Searcher,
        plan: &Plan,
        k: usize,
    ) -> Result<Vec<(DocAddress, f32)>> {
        let pool = TopDocs::with_limit((k * 4).max(CANDIDATES)).order_by_score();
        let mut scores: HashMap<DocAddress, f32> = HashMap::new();
        if let Some(terms) = &plan.terms {
            scores.extend(
                searcher
                    .search(terms, &pool)?
                    .into_iter()
                    .map(|(s, a)| (a, s)),
            );
        }
        if let Some(phrase) = &plan.phrase {
            let phrased = if plan.all_words_known(searcher)? {
                // Every word is in the index, so the best phrase matches are
                // among the word candidates: score the phrase on those only.
                let candidates = scores.keys().copied().collect();
                scores_of(searcher, phrase, candidates)?
            } else {
                // A word of the query is unknown (jieba cut the text
                // differently): find the phrase itself, then add word scores.
                let found = searcher.search(phrase, &pool)?;
                let unscored = found
                    .iter()
                    .map(|(_, a)| *a)
                    .filter(|a| !scores.contains_key(a));
                if let Some(terms) = &plan.terms {
                    scores.extend(scores_of(searcher, terms, unscored.collect())?);
                }
                found.into_iter().map(|(s, a)| (a, s)).collect()
            };
            for (address, score) in phrased {
                *scores.entry(address).or_default() += PHRASE_BOOST * score;
            }
        }
        let mut ranked: Vec<(DocAddress, f32)> = scores.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(k);
        Ok(ranked)
    }

    /// Loads ranked chunks as hits, in order, with snippets around the
    /// query's words (or the chunk's start when none of them occurs in it).
    /// With `collapse_to`, hits that repeat a better one are dropped (see
    /// [`Collapse`]) and the first `k` kept are returned: later documents
    /// are not even read.
    pub(crate) fn hits(
        &self,
        searcher: &Searcher,
        plan: &Plan,
        ranked: Vec<(DocAddress, f32)>,
        snippets: bool,
        collapse_to: Option<usize>,
    ) -> Result<Vec<Hit>> {
        let snippet_query: Option<&dyn Query> = match (&plan.terms, &plan.phrase) {
            _ if !snippets => None,
            (Some(terms), _) => Some(terms),
            (None, Some(phrase)) => Some(phrase),
            (None, None) => None,
        };
        let mut snippets = match snippet_query {
            Some(q) => Some(SnippetGenerator::create(searcher, q, self.fields.text)?),
            None => None,
        };
        if let Some(s) = snippets.as_mut() {
            s.set_max_num_chars(SNIPPET_CHARS);
        }
        let mut seen = Collapse::default();
        let mut hits = Vec::with_capacity(collapse_to.unwrap_or(ranked.len()));
        for (address, score) in ranked {
            if collapse_to.is_some_and(|k| hits.len() >= k) {
                break;
            }
            let doc: TantivyDocument = searcher.doc(address)?;
            let chunk = self.stored_chunk(&doc)?;
            if collapse_to.is_some()
                && !seen.admit(text(&doc, self.fields.path), chunk.ord, &chunk.text)
            {
                continue;
            }
            hits.push(self.hit(&doc, chunk, score, snippets.as_ref()));
        }
        Ok(hits)
    }

    fn hit(
        &self,
        doc: &TantivyDocument,
        chunk: StoredChunk,
        score: f32,
        snippets: Option<&SnippetGenerator>,
    ) -> Hit {
        let f = &self.fields;
        let snippet = snippets.map(|s| s.snippet_from_doc(doc));
        let (snippet_text, highlights) = match snippet.filter(|s| !s.fragment().is_empty()) {
            None => (lead(&chunk.text, SNIPPET_CHARS), Vec::new()),
            Some(snippet) => {
                let ranges = snippet.highlighted().iter().map(|r| [r.start, r.end]);
                (snippet.fragment().to_string(), ranges.collect())
            }
        };
        Hit {
            path: text(doc, f.path).to_string(),
            title: text(doc, f.title).to_string(),
            kind: text(doc, f.kind).to_string(),
            location: chunk.location,
            score,
            snippet: snippet_text,
            highlights,
            text: chunk.text,
            chunk_id: number(doc, f.chunk_id),
            ord: chunk.ord,
        }
    }

    /// Analyses the query like the text. Words (and Han characters that no
    /// word covers) become BM25 terms; characters and words in order become
    /// the phrase.
    pub(crate) fn plan(&self, query: &str) -> Plan {
        let f = self.fields;
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream(query);
        let mut tokens: Vec<(usize, String)> = Vec::new();
        while stream.advance() {
            let t = stream.token();
            tokens.push((t.position, t.text.clone()));
        }
        let is_char = |t: &str| t.chars().count() == 1 && t.chars().all(is_han);
        let mut covered = std::collections::HashSet::new();
        for (p, t) in tokens
            .iter()
            .filter(|(_, t)| !is_char(t) && t.chars().all(is_han))
        {
            covered.extend(*p..*p + t.chars().count());
        }
        let mut terms: Vec<&str> = Vec::new();
        // position -> the finest token there (a character, or the one word)
        let mut sequence: BTreeMap<usize, &str> = BTreeMap::new();
        for (p, t) in &tokens {
            if (!is_char(t) || !covered.contains(p)) && !terms.contains(&t.as_str()) {
                terms.push(t);
            }
            let finest = sequence.entry(*p).or_insert(t);
            if t.chars().count() < finest.chars().count() {
                *finest = t;
            }
        }
        let words: Vec<Term> = terms
            .iter()
            .map(|t| Term::from_field_text(f.text, t))
            .collect();
        let terms = (!words.is_empty()).then(|| {
            let clauses: Vec<(Occur, Box<dyn Query>)> = words
                .iter()
                .map(|t| {
                    let q = TermQuery::new(t.clone(), IndexRecordOption::WithFreqs);
                    (Occur::Should, Box::new(q) as Box<dyn Query>)
                })
                .collect();
            BooleanQuery::new(clauses)
        });
        let phrase = (sequence.len() > 1).then(|| {
            let first = sequence.keys().next().copied().unwrap_or(0);
            let words = sequence
                .iter()
                .map(|(p, t)| (p - first, Term::from_field_text(f.text, t)))
                .collect();
            PhraseQuery::new_with_offset(words)
        });
        Plan {
            terms,
            phrase,
            words,
        }
    }
}

/// Scores of `query` for documents found some other way (those it does not
/// match are left out).
fn scores_of(
    searcher: &Searcher,
    query: &dyn Query,
    mut docs: Vec<DocAddress>,
) -> Result<Vec<(DocAddress, f32)>> {
    docs.sort();
    let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
    let mut out = Vec::with_capacity(docs.len());
    let mut current: Option<(u32, Box<dyn Scorer>)> = None;
    for address in docs {
        if current
            .as_ref()
            .is_none_or(|(seg, _)| *seg != address.segment_ord)
        {
            let reader = searcher.segment_reader(address.segment_ord);
            current = Some((address.segment_ord, weight.scorer(reader, 1.0)?));
        }
        if let Some((_, scorer)) = current.as_mut()
            && scorer.doc() <= address.doc_id
            && scorer.seek(address.doc_id) == address.doc_id
        {
            out.push((address, scorer.score()));
        }
    }
    Ok(out)
}

fn is_han(c: char) -> bool {
    whisker_ingest::is_cjk(c) && !matches!(c as u32, 0x3040..=0x30FF | 0xAC00..=0xD7AF)
}

/// The first `chars` characters of `text`, cut at a character boundary.
fn lead(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

impl Store {
    /// How much of the query each text contains, from 0 to 1: the
    /// IDF-weighted share of the query's terms that occur in the text.
    ///
    /// Common words ("the", "是") weigh little and a word the index has never
    /// seen weighs most, so a question about something the library does not
    /// hold scores low even when its filler words match. `whisker-core` uses
    /// it to decide whether a search found anything worth answering from.
    pub fn coverage(&self, query: &str, texts: &[&str]) -> Result<Vec<f32>> {
        let searcher = self.reader.searcher();
        let plan = self.plan(query);
        let total = searcher.num_docs().max(1) as f32;
        let stop = stop_terms();
        let mut weights = Vec::with_capacity(plan.words.len());
        for term in &plan.words {
            let text = term.value().as_str().unwrap_or_default().to_string();
            if stop.contains(&text) {
                continue;
            }
            let df = searcher.doc_freq(term)? as f32;
            weights.push((text, idf(df, total)));
        }
        let sum: f32 = weights.iter().map(|(_, w)| w).sum();
        if sum <= 0.0 {
            return Ok(vec![0.0; texts.len()]);
        }
        let mut analyzer = analyzer();
        let mut covered = |text: &str| {
            let mut present = std::collections::HashSet::new();
            let mut stream = analyzer.token_stream(text);
            while stream.advance() {
                present.insert(stream.token().text.clone());
            }
            let hit: f32 = weights
                .iter()
                .filter(|(t, _)| present.contains(t))
                .map(|(_, w)| w)
                .sum();
            hit / sum
        };
        Ok(texts.iter().map(|t| covered(t)).collect())
    }
}

/// Question words and function words, which say nothing about whether a
/// passage answers: in a small library even "what" is rare enough to weigh.
const STOP_WORDS: &str = "a an and are as at be by can could did do does for from had has have \
    how i in is it its me my of on or should that the their there these this those to was \
    we were what when where which who whom whose why will with would you your about tell \
    please explain describe give list show 的 了 是 在 和 与 吗 呢 吧 啊 什么 怎么 怎样 如何 \
    为什么 哪些 哪个 哪里 谁 请 告诉 我 我们 你 有 有没有 一下 关于 请问";

/// [`STOP_WORDS`] as the analyser indexes them (lower-cased, stemmed).
fn stop_terms() -> &'static std::collections::HashSet<String> {
    static TERMS: std::sync::OnceLock<std::collections::HashSet<String>> =
        std::sync::OnceLock::new();
    TERMS.get_or_init(|| {
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream(STOP_WORDS);
        let mut terms = std::collections::HashSet::new();
        while stream.advance() {
            terms.insert(stream.token().text.clone());
        }
        terms
    })
}

/// BM25's inverse document frequency (never negative).
fn idf(df: f32, total: f32) -> f32 {
    (1.0 + (total - df + 0.5) / (df + 0.5)).ln()
}
