//! Chunks waiting for a vector from the current embedding model.
//!
//! A library indexed before a model was installed, or with another model,
//! has chunks without a usable vector. [`Store::unembedded`] lists them from
//! one snapshot of the store; the caller embeds them in batches and writes
//! each back with [`crate::StoreWriter::embed`].

use std::ops::Range;

use tantivy::collector::{Count, DocSetCollector};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::error::Result;
use crate::schema::CHUNK;
use crate::store::{Store, number, text};

/// The chunks of one store snapshot that lack a vector from a given model.
pub struct Pending {
    searcher: Searcher,
    addresses: Vec<DocAddress>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("chunks", &self.addresses.len())
            .finish()
    }
}

/// One chunk to embed: its text, and the stored document to rewrite.
#[derive(Debug, Clone)]
pub struct PendingChunk {
    pub chunk_id: u64,
    pub text: String,
    pub(crate) doc: TantivyDocument,
}

impl Pending {
    pub fn len(&self) -> usize {
        self.addresses.len()
    }

    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty()
    }

    /// The chunks at positions `range` of the list.
    pub fn chunks(&self, store: &Store, range: Range<usize>) -> Result<Vec<PendingChunk>> {
        let f = &store.fields;
        let mut out = Vec::with_capacity(range.len());
        for address in &self.addresses[range] {
            let doc: TantivyDocument = self.searcher.doc(*address)?;
            out.push(PendingChunk {
                chunk_id: number(&doc, f.chunk_id),
                text: text(&doc, f.text).to_string(),
                doc,
            });
        }
        Ok(out)
    }
}

impl Store {
    /// Every chunk without a vector from `model`, in index order.
    pub fn unembedded(&self, model: &str) -> Result<Pending> {
        let searcher = self.reader.searcher();
        let mut addresses: Vec<DocAddress> = searcher
            .search(&self.without_model(model), &DocSetCollector)?
            .into_iter()
            .collect();
        addresses.sort();
        Ok(Pending {
            searcher,
            addresses,
        })
    }

    /// How many chunks have a vector from `model`.
    pub fn embedded_count(&self, model: &str) -> Result<u64> {
        let searcher = self.reader.searcher();
        Ok(searcher.search(&self.with_model(model), &Count)? as u64)
    }

    fn with_model(&self, model: &str) -> TermQuery {
        let term = Term::from_field_text(self.fields.embedder, model);
        TermQuery::new(term, IndexRecordOption::Basic)
    }

    fn without_model(&self, model: &str) -> BooleanQuery {
        BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(self.type_query(CHUNK)) as Box<dyn Query>,
            ),
            (Occur::MustNot, Box::new(self.with_model(model))),
        ])
    }
}
