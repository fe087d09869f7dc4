//! Sentence embeddings with candle: BERT-family encoders (all-MiniLM-L6-v2,
//! bge-small-en/zh-v1.5, multilingual-e5-small) on the CPU.
//!
//! [`Embedder::load`] reads a model folder the way candle's examples do:
//! `config.json` into a config struct, `model.safetensors` memory-mapped,
//! `tokenizer.json` with the `tokenizers` crate. [`Embedder::embed_passages`]
//! tokenizes (in parallel, truncating at [`EmbedSpec::max_tokens`]), sorts
//! the inputs by token count and cuts them into batches, runs the encoder on
//! each batch packed end to end (no padding), pools ([`Pooling`]) and
//! L2-normalises, and returns the vectors in input order. Threads: all
//! physical cores (candle's default; `RAYON_NUM_THREADS` overrides), except
//! for a few tokens — a query — which run on the calling thread alone
//! (see `embed/few_rows.rs`).
//!
//! It does not download models (that is [`crate::fetch`]) nor store vectors.
//!
//! ```no_run
//! use std::path::Path;
//! use whisker_models::embed::{EmbedSpec, Embedder};
//!
//! let spec = EmbedSpec::all_minilm_l6_v2();
//! let dir = Path::new("models/all-minilm-l6-v2");
//! let embedder = Embedder::load("all-minilm-l6-v2", dir, &spec)?;
//! let docs = embedder.embed_passages(&["A man is eating food.", "今天天气很好。"])?;
//! let query = embedder.embed_query("someone having a meal")?;
//! let score: f32 = docs[0].iter().zip(&query).map(|(a, b)| a * b).sum();
//! # let _ = score;
//! # Ok::<(), whisker_models::Error>(())
//! ```

mod attention;
mod batch;
mod bert;
mod few_rows;
mod kernels;
mod pool;

pub(crate) use kernels::exp;

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use candle_core::Device;
use serde::{Deserialize, Serialize};
use tokenizers::{Tokenizer, TruncationParams};

use crate::{Error, Result};
use batch::BatchLimits;

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

impl EmbedSpec {
    /// sentence-transformers/all-MiniLM-L6-v2: mean pooling, 256 tokens (as
    /// its sentence-transformers config), no prefixes.
    pub fn all_minilm_l6_v2() -> Self {
        Self::new(Pooling::Mean, 256, "", "")
    }

    /// BAAI/bge-small-en-v1.5: CLS pooling, an instruction before queries.
    pub fn bge_small_en_v1_5() -> Self {
        let instruction = "Represent this sentence for searching relevant passages: ";
        Self::new(Pooling::Cls, 512, instruction, "")
    }

    /// BAAI/bge-small-zh-v1.5: 512 dimensions, CLS pooling, an instruction
    /// before queries.
    pub fn bge_small_zh_v1_5() -> Self {
        let instruction = "为这个句子生成表示以用于检索相关文章：";
        Self {
            dims: 512,
            ..Self::new(Pooling::Cls, 512, instruction, "")
        }
    }

    /// intfloat/multilingual-e5-small: mean pooling, "query: " / "passage: ".
    pub fn multilingual_e5_small() -> Self {
        Self::new(Pooling::Mean, 512, "query: ", "passage: ")
    }

    /// Settings of a 384-dimension model.
    fn new(pooling: Pooling, max_tokens: usize, query: &str, passage: &str) -> Self {
        Self {
            pooling,
            dims: 384,
            max_tokens,
            normalize: true,
            query_prefix: query.to_string(),
            passage_prefix: passage.to_string(),
        }
    }
}

/// Default batches: at most this many sequences, and this many padded tokens.
const LIMITS: BatchLimits = BatchLimits {
    max_seqs: 32,
    max_tokens: 32 * 256,
};

/// A loaded sentence-embedding model. `Send + Sync`: one is shared by the
/// indexing pipeline and by queries.
pub struct Embedder {
    id: String,
    spec: EmbedSpec,
    tokenizer: Tokenizer,
    encoder: bert::Encoder,
    limits: BatchLimits,
}

impl fmt::Debug for Embedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Embedder")
            .field("id", &self.id)
            .field("spec", &self.spec)
            .field("config", &self.encoder.config)
            .finish_non_exhaustive()
    }
}

impl Embedder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`.
    pub fn load(id: &str, dir: &Path, spec: &EmbedSpec) -> Result<Embedder> {
        let err = |e: &dyn fmt::Display| model_error(id, e);
        let config_path = dir.join("config.json");
        let text = std::fs::read_to_string(&config_path).map_err(|source| Error::Io {
            path: config_path.clone(),
            source,
        })?;
        let config: bert::Config = serde_json::from_str(&text)
            .map_err(|e| err(&format!("{}: {e}", config_path.display())))?;
        if config.hidden_size != spec.dims {
            return Err(err(&format!(
                "config.json says {} dimensions, the manifest {}",
                config.hidden_size, spec.dims
            )));
        }
        let max_tokens = spec.max_tokens.min(config.max_tokens());
        let tokenizer =
            load_tokenizer(&dir.join("tokenizer.json"), max_tokens).map_err(|e| err(&e))?;
        let encoder = bert::Encoder::load(config, &dir.join("model.safetensors"), &Device::Cpu)
            .map_err(|e| err(&e))?;
        Ok(Embedder {
            id: id.to_string(),
            spec: spec.clone(),
            tokenizer,
            encoder,
            limits: LIMITS,
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

    /// Threads the encoder's matrix products use.
    pub fn threads(&self) -> usize {
        candle_core::utils::get_num_threads()
    }

    /// Sets the batch size: at most `max_seqs` texts and `max_tokens`
    /// padded tokens (texts × longest) per forward pass.
    pub fn set_batch_limits(&mut self, max_seqs: usize, max_tokens: usize) {
        self.limits = BatchLimits {
            max_seqs: max_seqs.max(1),
            max_tokens: max_tokens.max(1),
        };
    }

    /// Embeds passages (documents, chunks); one normalised vector per text, in order.
    pub fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        self.embed(&self.spec.passage_prefix, texts)
    }

    /// Embeds one search query (with the model's query prefix).
    pub fn embed_query(&self, text: &str) -> Result<Vec<f32>> {
        let mut out = self.embed(&self.spec.query_prefix, &[text])?;
        Ok(out.pop().unwrap_or_default())
    }

    /// Token ids of each text (with `prefix`, special tokens, truncated).
    pub fn tokenize(&self, prefix: &str, texts: &[&str]) -> Result<Vec<Vec<u32>>> {
        let inputs: Vec<Cow<'_, str>> = texts
            .iter()
            .map(|t| match prefix {
                "" => Cow::Borrowed(*t),
                p => Cow::Owned(format!("{p}{t}")),
            })
            .collect();
        // One text (a query) is tokenized here: no hand-off to the pool.
        let encodings = match &inputs[..] {
            [one] => self
                .tokenizer
                .encode_fast(one.as_ref(), true)
                .map(|e| vec![e]),
            _ => self.tokenizer.encode_batch_fast(inputs, true),
        }
        .map_err(|e| model_error(&self.id, &e))?;
        Ok(encodings
            .into_iter()
            .map(|e| e.get_ids().to_vec())
            .collect())
    }

    fn embed(&self, prefix: &str, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let ids = self.tokenize(prefix, texts)?;
        let lens: Vec<usize> = ids.iter().map(Vec::len).collect();
        let mut out = vec![Vec::new(); texts.len()];
        for batch in batch::plan(&lens, self.limits) {
            let seqs: Vec<&[u32]> = batch.iter().map(|&i| ids[i].as_slice()).collect();
            let vectors = self
                .run_batch(&seqs)
                .map_err(|e| model_error(&self.id, &e))?;
            for (i, v) in batch.into_iter().zip(vectors) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    /// Encodes one batch into pooled, normalised vectors.
    fn run_batch(&self, seqs: &[&[u32]]) -> candle_core::Result<Vec<Vec<f32>>> {
        // An empty sequence (a tokenizer without special tokens, empty text)
        // is not sent to the model; it pools to zeros.
        let lens: Vec<usize> = seqs.iter().map(|s| s.len()).collect();
        let ids: Vec<u32> = seqs.concat();
        let dims = self.encoder.config.hidden_size;
        let hidden = match ids.is_empty() {
            true => Vec::new(),
            false => self
                .encoder
                .forward(&ids, &lens)?
                .flatten_all()?
                .to_vec1::<f32>()?,
        };
        let mut start = 0;
        let vectors = lens
            .iter()
            .map(|&len| {
                let tokens = &hidden[start * dims..(start + len) * dims];
                start += len;
                let mut v = pool::pool(tokens, len, dims, self.spec.pooling);
                if self.spec.normalize {
                    pool::normalize(&mut v);
                }
                v
            })
            .collect();
        Ok(vectors)
    }
}

/// Reads `tokenizer.json`, truncating at `max_tokens` and never padding
/// (batches are padded here, to their own longest sequence).
fn load_tokenizer(path: &Path, max_tokens: usize) -> std::result::Result<Tokenizer, String> {
    let mut tokenizer =
        Tokenizer::from_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let truncation = TruncationParams {
        max_length: max_tokens,
        ..TruncationParams::default()
    };
    tokenizer
        .with_truncation(Some(truncation))
        .map_err(|e| e.to_string())?;
    tokenizer.with_padding(None);
    Ok(tokenizer)
}

fn model_error(id: &str, e: &dyn fmt::Display) -> Error {
    Error::Model {
        id: id.to_string(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedder_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Embedder>();
    }

    #[test]
    fn presets_match_their_model_cards() {
        assert_eq!(EmbedSpec::all_minilm_l6_v2().max_tokens, 256);
        assert_eq!(EmbedSpec::bge_small_en_v1_5().pooling, Pooling::Cls);
        assert_eq!(EmbedSpec::bge_small_zh_v1_5().dims, 512);
        let e5 = EmbedSpec::multilingual_e5_small();
        assert_eq!(
            (e5.query_prefix.as_str(), e5.passage_prefix.as_str()),
            ("query: ", "passage: ")
        );
    }
}
