//! The index schema: one Tantivy document per chunk and one per file.
//!
//! File records live in the same index as their chunks so that replacing a
//! file (delete by path, add the record and its chunks) is one atomic commit:
//! after a crash the catalog and the chunks always agree.

use tantivy::schema::{
    FAST, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analyzer::ANALYZER;

/// Name of the chunk vector field (read as a fast field).
pub const VECTOR: &str = "vector";

/// `type` values.
pub const CHUNK: &str = "chunk";
pub const FILE: &str = "file";

/// Handles to the schema's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// "chunk" or "file".
    pub kind_of_record: tantivy::schema::Field,
    /// The file's absolute path; the delete key for a file and its chunks.
    pub path: tantivy::schema::Field,
    /// Chunk: analysed text, with positions, stored for snippets.
    pub text: tantivy::schema::Field,
    /// Chunk: the document title, stored (shown with hits, not searched).
    pub title: tantivy::schema::Field,
    /// Chunk: the file kind ("pdf", "markdown", ...).
    pub kind: tantivy::schema::Field,
    /// Chunk: the location as JSON.
    pub location: tantivy::schema::Field,
    /// Chunk: its position in the file, from 0.
    pub ord: tantivy::schema::Field,
    /// Chunk: a stable id (hash of path, position and text).
    pub chunk_id: tantivy::schema::Field,
    /// Chunk: its embedding, f32 little-endian (see [`crate::vectors`]).
    pub vector: tantivy::schema::Field,
    /// Chunk: the id of the model that made `vector`.
    pub embedder: tantivy::schema::Field,
    /// File: the catalog record as JSON.
    pub record: tantivy::schema::Field,
    /// File: the path again, so a record can be replaced without its chunks.
    pub record_key: tantivy::schema::Field,
}

impl Fields {
    /// Builds the schema and returns it with its field handles.
    pub fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let analysed = TextOptions::default().set_stored().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let stored = TextOptions::default().set_stored();
        let fields = Fields {
            kind_of_record: b.add_text_field("type", STRING),
            path: b.add_text_field("path", STRING | STORED),
            text: b.add_text_field("text", analysed),
            title: b.add_text_field("title", stored.clone()),
            kind: b.add_text_field("kind", STRING | STORED),
            location: b.add_text_field("location", stored.clone()),
            ord: b.add_u64_field("ord", STORED),
            chunk_id: b.add_u64_field("chunk_id", INDEXED | STORED | FAST),
            vector: b.add_bytes_field(VECTOR, FAST),
            embedder: b.add_text_field("embedder", STRING | STORED),
            record: b.add_text_field("record", stored),
            record_key: b.add_text_field("record_key", STRING),
        };
        (b.build(), fields)
    }
}
