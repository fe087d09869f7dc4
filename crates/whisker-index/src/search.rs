//! BM25 search with highlighted snippets.
//!
//! The query is analysed like the text. Every term is optional (OR), so a
//! question in natural language still matches; an exact run of the query's
//! words scores extra through a boosted phrase clause, and title matches
//! count a little.

use std::collections::BTreeMap;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::snippet::SnippetGenerator;
use tantivy::{TantivyDocument, Term};
use whisker_ingest::Location;

use crate::analyzer::analyzer;
use crate::error::Result;
use crate::store::{Store, number, text};

/// Weight of the exact-phrase clause relative to single terms.
const PHRASE_BOOST: f32 = 2.0;
/// Weight of title matches.
const TITLE_BOOST: f32 = 0.3;
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
}

impl Store {
    /// The `k` best chunks for `query`, best first. An empty query (or one
    /// with no searchable words) finds nothing.
    pub fn search(&self, query: &str, k: usize) -> Result<Vec<Hit>> {
        let Some(query) = self.build_query(query) else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(k.max(1)).order_by_score())?;
        let mut snippets = SnippetGenerator::create(&searcher, &query, self.fields.text)?;
        snippets.set_max_num_chars(SNIPPET_CHARS);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            hits.push(self.hit(&doc, score, &snippets)?);
        }
        Ok(hits)
    }

    fn hit(&self, doc: &TantivyDocument, score: f32, snippets: &SnippetGenerator) -> Result<Hit> {
        let f = &self.fields;
        let chunk = self.stored_chunk(doc)?;
        let snippet = snippets.snippet_from_doc(doc);
        let (snippet_text, highlights) = if snippet.fragment().is_empty() {
            (lead(&chunk.text, SNIPPET_CHARS), Vec::new())
        } else {
            let ranges = snippet.highlighted().iter().map(|r| [r.start, r.end]);
            (snippet.fragment().to_string(), ranges.collect())
        };
        Ok(Hit {
            path: text(doc, f.path).to_string(),
            title: text(doc, f.title).to_string(),
            kind: text(doc, f.kind).to_string(),
            location: chunk.location,
            score,
            snippet: snippet_text,
            highlights,
            text: chunk.text,
            chunk_id: number(doc, f.chunk_id),
        })
    }

    /// Terms OR-ed, plus a boosted phrase of the query's words in order.
    fn build_query(&self, query: &str) -> Option<Box<dyn Query>> {
        let f = &self.fields;
        let mut stream_owner = analyzer();
        let mut stream = stream_owner.token_stream(query);
        // position -> first (longest) term at that position
        let mut words: BTreeMap<usize, String> = BTreeMap::new();
        let mut terms: Vec<String> = Vec::new();
        while stream.advance() {
            let token = stream.token();
            words
                .entry(token.position)
                .or_insert_with(|| token.text.clone());
            if !terms.contains(&token.text) {
                terms.push(token.text.clone());
            }
        }
        if terms.is_empty() {
            return None;
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in &terms {
            let in_text = Term::from_field_text(f.text, term);
            let in_title = Term::from_field_text(f.title, term);
            let title = TermQuery::new(in_title, IndexRecordOption::WithFreqs);
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(in_text, IndexRecordOption::WithFreqs)),
            ));
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(title), TITLE_BOOST)),
            ));
        }
        if words.len() > 1 {
            let first = *words.keys().next()?;
            let phrase: Vec<(usize, Term)> = words
                .iter()
                .map(|(p, w)| (p - first, Term::from_field_text(f.text, w)))
                .collect();
            let phrase = PhraseQuery::new_with_offset(phrase);
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(phrase), PHRASE_BOOST)),
            ));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }
}

/// The first `chars` characters of `text`, cut at a character boundary.
fn lead(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}
