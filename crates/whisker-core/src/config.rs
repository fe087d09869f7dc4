//! Settings, layered: defaults < `config.toml` in the data folder < environment.
//! Command-line flags are applied last by the caller.

use std::path::Path;

use serde::{Deserialize, Serialize};
use whisker_ingest::{ChunkOptions, Limits};

use whisker_index::{Fusion, Mode, Precision};

use crate::embedding::{EMBED_MODEL_ENV, EmbeddingConfig};
use crate::error::{Error, Result};
use crate::generation::{GENERATE_MODEL_ENV, GenerationConfig};
use crate::paths::config_file;
use crate::speech::{SPEECH_MODEL_ENV, SpeechConfig};

/// Environment variable overriding `max_file_size` (bytes).
pub const MAX_FILE_SIZE_ENV: &str = "WHISKER_MAX_FILE_SIZE";

/// Everything configurable about building the library.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub chunking: ChunkOptions,
    pub limits: Limits,
    pub embedding: EmbeddingConfig,
    pub search: SearchConfig,
    pub generation: GenerationConfig,
    pub ask: AskConfig,
    pub speech: SpeechConfig,
}

/// `[ask]`: when retrieval counts as having found something to answer from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AskConfig {
    /// A passage this similar to the question (cosine, vector modes) is relevant.
    pub min_similarity: f32,
    /// A passage holding this share of the question's words (IDF-weighted,
    /// 0..1) is relevant.
    pub min_coverage: f32,
    /// Passages retrieved per question.
    pub k: usize,
    /// Most tokens of passages given to the model. More can help a large
    /// model; it slows the first token (the prompt is read first) and
    /// confuses small ones. The default keeps the default model's first
    /// token under 1.5 s on a 2-core machine: on the evaluation questions
    /// 300 gave the passage holding the answer for 15 of 27, 600 for 16,
    /// at 1.4 s against 3.5 s (bench/RESULTS.md).
    pub sources_tokens: usize,
}

impl Default for AskConfig {
    fn default() -> Self {
        AskConfig {
            min_similarity: 0.35,
            min_coverage: 0.6,
            k: 6,
            sources_tokens: 300,
        }
    }
}

/// `[search]`: how queries are ranked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchConfig {
    /// bm25 | vector | hybrid.
    pub mode: Mode,
    /// How hybrid combines the two rankings.
    pub fusion: Fusion,
    /// f32 | int8: how vectors are held in memory for search.
    pub precision: Precision,
}

impl Config {
    /// Loads defaults, then `config.toml` in `data_dir` if present, then the environment.
    pub fn load(data_dir: &Path) -> Result<Config> {
        let path = config_file(data_dir);
        let mut config = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| Error::Config {
                path: path.clone(),
                detail: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => return Err(Error::io(path, e)),
        };
        if let Ok(value) = std::env::var(MAX_FILE_SIZE_ENV) {
            config.limits.max_file_size = value.trim().parse().map_err(|_| Error::Config {
                path: MAX_FILE_SIZE_ENV.into(),
                detail: format!("expected a number of bytes, got {value:?}"),
            })?;
        }
        if let Ok(value) = std::env::var(EMBED_MODEL_ENV) {
            config.embedding.model = value;
        }
        if let Ok(value) = std::env::var(GENERATE_MODEL_ENV) {
            config.generation.model = value;
        }
        if let Ok(value) = std::env::var(SPEECH_MODEL_ENV) {
            config.speech.model = value;
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_overrides_defaults_and_typos_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(config_file(dir.path()), "[chunking]\ntarget_tokens = 120\n").unwrap();
        let config = Config::load(dir.path()).unwrap();
        assert_eq!(config.chunking.target_tokens, 120);
        assert_eq!(
            config.chunking.overlap_tokens,
            ChunkOptions::default().overlap_tokens
        );

        std::fs::write(config_file(dir.path()), "[chunking]\ntarget_tokenz = 1\n").unwrap();
        let err = Config::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains("target_tokenz"), "{err}");
    }
}
