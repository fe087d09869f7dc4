//! Opening the store and reading from it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tantivy::collector::{Count, DocSetCollector};
use tantivy::directory::MmapDirectory;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::analyzer::{ANALYZER, analyzer};
use crate::catalog::{Embedding, FileRecord, FileStatus, StoredChunk};
use crate::error::{Error, Result};
use crate::schema::{CHUNK, FILE, Fields, VECTOR};
use crate::vectors::{self, VectorCache};
use crate::writer::StoreWriter;

/// A knowledge store in one folder on disk.
pub struct Store {
    dir: PathBuf,
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    pub(crate) vectors: VectorCache,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir).finish()
    }
}

/// Counts for `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Stats {
    /// Files whose chunks are in the store.
    pub documents: u64,
    pub chunks: u64,
    /// Files that could not be read.
    pub failed: u64,
    /// Bytes on disk.
    pub size_bytes: u64,
}

impl Store {
    /// Opens the store in `dir`, creating the folder and an empty store if needed.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir)?;
        let open_err = |source| Error::Open {
            path: dir.to_path_buf(),
            source,
        };
        let (schema, fields) = Fields::schema();
        let directory = MmapDirectory::open(dir).map_err(|e| open_err(e.into()))?;
        let index = Index::open_or_create(directory, schema).map_err(|e| match e {
            tantivy::TantivyError::SchemaError(_) => Error::OldStore(dir.to_path_buf()),
            e => open_err(e),
        })?;
        index.tokenizers().register(ANALYZER, analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(open_err)?;
        Ok(Store {
            dir: dir.to_path_buf(),
            index,
            reader,
            fields,
            vectors: VectorCache::default(),
        })
    }

    /// The folder this store lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes the single writer; fails with [`Error::Busy`] if another process has it.
    pub fn writer(&self) -> Result<StoreWriter<'_>> {
        StoreWriter::new(self)
    }

    /// Sees the latest commit, including those of other processes.
    pub fn refresh(&self) -> Result<()> {
        Ok(self.reader.reload()?)
    }

    /// Every file record, keyed by path.
    pub fn files(&self) -> Result<HashMap<String, FileRecord>> {
        let searcher = self.reader.searcher();
        let query = self.type_query(FILE);
        let addresses = searcher.search(&query, &DocSetCollector)?;
        let mut out = HashMap::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            let json = text(&doc, self.fields.record);
            let record: FileRecord =
                serde_json::from_str(json).map_err(|e| Error::Record(e.to_string()))?;
            out.insert(record.path.clone(), record);
        }
        Ok(out)
    }

    /// The stored chunks of one file, in order.
    pub fn chunks_of(&self, path: &str) -> Result<Vec<StoredChunk>> {
        let searcher = self.reader.searcher();
        let term = Term::from_field_text(self.fields.path, path);
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        let mut chunks = Vec::new();
        for address in searcher.search(&query, &DocSetCollector)? {
            let doc: TantivyDocument = searcher.doc(address)?;
            if doc.get_first(self.fields.chunk_id).is_some() {
                let mut chunk = self.stored_chunk(&doc)?;
                chunk.embedding = self.embedding_of(&searcher, address, &doc)?;
                chunks.push(chunk);
            }
        }
        chunks.sort_by_key(|c| c.ord);
        Ok(chunks)
    }

    pub(crate) fn stored_chunk(&self, doc: &TantivyDocument) -> Result<StoredChunk> {
        let f = &self.fields;
        let location = serde_json::from_str(text(doc, f.location))
            .map_err(|e| Error::Record(format!("chunk location: {e}")))?;
        Ok(StoredChunk {
            chunk_id: number(doc, f.chunk_id),
            ord: number(doc, f.ord),
            text: text(doc, f.text).to_string(),
            location,
            embedding: None,
        })
    }

    /// The stored vector of the chunk at `address`, if it has one.
    fn embedding_of(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        doc: &TantivyDocument,
    ) -> Result<Option<Embedding>> {
        let model = text(doc, self.fields.embedder);
        if model.is_empty() {
            return Ok(None);
        }
        let reader = searcher.segment_reader(address.segment_ord);
        let Some(column) = reader.fast_fields().bytes(VECTOR)? else {
            return Ok(None);
        };
        let Some(vector) = vectors::read(&column, address.doc_id, &mut Vec::new())? else {
            return Ok(None);
        };
        Ok(Some(Embedding {
            model: model.to_string(),
            vector,
        }))
    }

    /// Document, chunk and failure counts, and size on disk.
    pub fn stats(&self) -> Result<Stats> {
        self.stats_of(&self.files()?)
    }

    /// Like [`Store::stats`], for a caller that already holds [`Store::files`].
    pub fn stats_of(&self, files: &HashMap<String, FileRecord>) -> Result<Stats> {
        let searcher = self.reader.searcher();
        let chunks = searcher.search(&self.type_query(CHUNK), &Count)? as u64;
        let failed = files
            .values()
            .filter(|r| r.status == FileStatus::Failed)
            .count() as u64;
        Ok(Stats {
            documents: files.len() as u64 - failed,
            chunks,
            failed,
            size_bytes: dir_size(&self.dir),
        })
    }

    pub(crate) fn type_query(&self, value: &str) -> TermQuery {
        let term = Term::from_field_text(self.fields.kind_of_record, value);
        TermQuery::new(term, IndexRecordOption::Basic)
    }
}

pub(crate) fn text(doc: &TantivyDocument, field: tantivy::schema::Field) -> &str {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("")
}

pub(crate) fn number(doc: &TantivyDocument, field: tantivy::schema::Field) -> u64 {
    doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0)
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}
