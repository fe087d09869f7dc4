//! Sentence embeddings with candle (BERT family).
//!
//! PLACEHOLDER API — the embedder work fills this in. The signatures are the
//! contract `whisker-core` codes against.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How a sentence vector is made from token vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pooling {
    /// Average over the real (non-padding) tokens: all-MiniLM, e5.
    Mean,
    /// The first token's vector: bge.
    Cls,
}

/// Per-model embedding settings, from the `[models.embed]` table of the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbedSpec {
    pub pooling: Pooling,
    /// Output dimensions (384 for all-MiniLM-L6-v2).
    pub dims: usize,
    /// Longest input in tokens; longer text is truncated.
    pub max_tokens: usize,
    /// L2-normalise the output (all our models: yes).
    #[serde(default = "default_true")]
    pub normalize: bool,
    /// Text put before a query ("query: " for e5, an instruction for bge).
    #[serde(default)]
    pub query_prefix: String,
    /// Text put before a passage ("passage: " for e5).
    #[serde(default)]
    pub passage_prefix: String,
}

fn default_true() -> bool {
    true
}

/// A loaded sentence-embedding model. `Send + Sync`: one is shared by the
/// indexing pipeline and by queries.
#[derive(Debug)]
pub struct Embedder {
    id: String,
    spec: EmbedSpec,
}

impl Embedder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`.
    pub fn load(id: &str, dir: &Path, spec: &EmbedSpec) -> Result<Embedder> {
        let _ = dir;
        Err(Error::Model {
            id: id.to_string(),
            message: format!("not built yet ({:?})", spec.pooling),
        })
    }

    /// The model id (from the manifest), recorded with the vectors it made.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Vector length.
    pub fn dims(&self) -> usize {
        self.spec.dims
    }

    /// Embeds passages (documents, chunks); one normalised vector per text, in order.
    pub fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let _ = texts;
        Err(Error::Model {
            id: self.id.clone(),
            message: "not built yet".into(),
        })
    }

    /// Embeds one search query (with the model's query prefix).
    pub fn embed_query(&self, text: &str) -> Result<Vec<f32>> {
        let _ = text;
        Err(Error::Model {
            id: self.id.clone(),
            message: "not built yet".into(),
        })
    }
}
