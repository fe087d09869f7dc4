//! Writing to the store: replace or remove a file's record and chunks.
//!
//! Changes become visible, and durable, only at [`StoreWriter::commit`]; a
//! process killed before that leaves the store exactly as the last commit
//! left it. Each file is deleted by path and re-added in the same commit, so
//! no file can end up with two sets of chunks.

use tantivy::directory::error::LockError;
use tantivy::{IndexWriter, TantivyDocument, TantivyError, Term};

use crate::catalog::{Embedding, FileRecord, NewChunk, chunk_id};
use crate::error::{Error, Result};
use crate::pending::PendingChunk;
use crate::schema::Fields;
use crate::schema::{CHUNK, FILE};
use crate::store::Store;
use crate::vectors;

fn add_embedding(doc: &mut TantivyDocument, f: &Fields, embedding: &Embedding) {
    doc.add_bytes(f.vector, &vectors::encode(&embedding.vector));
    doc.add_text(f.embedder, &embedding.model);
}

/// Indexing memory budget shared by the writer's threads.
const WRITER_MEMORY: usize = 128 * 1024 * 1024;

/// The single writer of a store.
pub struct StoreWriter<'a> {
    store: &'a Store,
    writer: IndexWriter,
}

impl std::fmt::Debug for StoreWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreWriter")
            .field("store", self.store)
            .finish()
    }
}

impl<'a> StoreWriter<'a> {
    pub(crate) fn new(store: &'a Store) -> Result<Self> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let writer = store
            .index
            .writer_with_num_threads(threads, WRITER_MEMORY)
            .map_err(|e| match e {
                TantivyError::LockFailure(LockError::LockBusy, _) => {
                    Error::Busy(store.dir().to_path_buf())
                }
                e => Error::Tantivy(e),
            })?;
        Ok(StoreWriter { store, writer })
    }

    /// Replaces everything stored for `record.path` with `record` and `chunks`.
    pub fn put(&mut self, record: &FileRecord, chunks: &[NewChunk]) -> Result<()> {
        self.remove(&record.path);
        self.add_record(record)?;
        for (ord, chunk) in chunks.iter().enumerate() {
            self.add_chunk(record, ord as u64, chunk)?;
        }
        Ok(())
    }

    /// Replaces only the catalog record of a file, keeping its chunks (a
    /// touched but unchanged file gets its new mtime this way).
    pub fn update_record(&mut self, record: &FileRecord) -> Result<()> {
        let term = Term::from_field_text(self.store.fields.record_key, &record.path);
        self.writer.delete_term(term);
        self.add_record(record)
    }

    fn add_record(&mut self, record: &FileRecord) -> Result<()> {
        let f = &self.store.fields;
        let mut doc = TantivyDocument::new();
        doc.add_text(f.kind_of_record, FILE);
        doc.add_text(f.path, &record.path);
        doc.add_text(f.record_key, &record.path);
        let json = serde_json::to_string(record).map_err(|e| Error::Record(e.to_string()))?;
        doc.add_text(f.record, json);
        self.writer.add_document(doc)?;
        Ok(())
    }

    fn add_chunk(&mut self, record: &FileRecord, ord: u64, chunk: &NewChunk) -> Result<()> {
        let f = &self.store.fields;
        let location =
            serde_json::to_string(&chunk.location).map_err(|e| Error::Record(e.to_string()))?;
        let mut doc = TantivyDocument::new();
        doc.add_text(f.kind_of_record, CHUNK);
        doc.add_text(f.path, &record.path);
        doc.add_text(f.title, &record.title);
        doc.add_text(f.kind, record.kind.as_deref().unwrap_or(""));
        doc.add_text(f.text, &chunk.text);
        doc.add_text(f.location, location);
        doc.add_u64(f.ord, ord);
        doc.add_u64(f.chunk_id, chunk_id(&record.path, ord, &chunk.text));
        if let Some(embedding) = &chunk.embedding {
            add_embedding(&mut doc, f, embedding);
        }
        self.writer.add_document(doc)?;
        Ok(())
    }

    /// Gives a stored chunk a vector (replacing any older one), keeping
    /// everything else about it. Used to embed chunks indexed without a model,
    /// or with another one.
    pub fn embed(&mut self, chunk: &PendingChunk, embedding: &Embedding) -> Result<()> {
        let f = &self.store.fields;
        let mut doc = TantivyDocument::new();
        // `type` is indexed, not stored: put it back.
        doc.add_text(f.kind_of_record, CHUNK);
        for (field, value) in chunk.doc.field_values() {
            if field != f.vector && field != f.embedder && field != f.kind_of_record {
                doc.add_field_value(field, value);
            }
        }
        add_embedding(&mut doc, f, embedding);
        self.writer
            .delete_term(Term::from_field_u64(f.chunk_id, chunk.chunk_id));
        self.writer.add_document(doc)?;
        Ok(())
    }

    /// Drops a file's record and chunks.
    pub fn remove(&mut self, path: &str) {
        let term = Term::from_field_text(self.store.fields.path, path);
        self.writer.delete_term(term);
    }

    /// Makes every change so far durable and visible, atomically.
    pub fn commit(&mut self) -> Result<()> {
        self.writer.commit()?;
        self.store.refresh()
    }

    /// Waits for merges and releases the writer lock.
    pub fn finish(self) -> Result<()> {
        self.writer.wait_merging_threads()?;
        Ok(())
    }
}
