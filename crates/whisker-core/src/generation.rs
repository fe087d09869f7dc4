//! The library's chat model: chosen in the config, loaded on first use.
//!
//! Unlike embeddings, answers cannot fall back to anything: when the model
//! is missing, asking fails with an error that says how to get it.
//!
//! `[generation]` in `config.toml` picks the model (a GGUF id from the
//! manifest, or a path to any `.gguf` file) and the sampling settings.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use whisker_models::generate::{GenerateParams, Generator};
use whisker_models::installed;
use whisker_models::manifest::{Manifest, Role};

use crate::error::{Error, Result};

/// Environment variable overriding `[generation] model`.
pub const GENERATE_MODEL_ENV: &str = "WHISKER_GENERATE_MODEL";

/// `[generation]` in `config.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerationConfig {
    /// A model id from `whisker models list` (role generate), or a path to a
    /// `.gguf` file. Empty: the manifest's default.
    pub model: String,
    /// Longest reply, in tokens.
    pub max_tokens: usize,
    pub temperature: f64,
    pub top_p: f64,
    pub top_k: usize,
    pub repeat_penalty: f32,
    pub seed: u64,
}

impl Default for GenerationConfig {
    fn default() -> Self {
        let params = GenerateParams::default();
        GenerationConfig {
            model: String::new(),
            max_tokens: params.max_tokens,
            temperature: params.temperature,
            top_p: params.top_p,
            top_k: params.top_k,
            repeat_penalty: params.repeat_penalty,
            seed: params.seed,
        }
    }
}

impl GenerationConfig {
    /// Sampling settings for a reply of at most `max_tokens`.
    pub fn params(&self, max_tokens: usize) -> GenerateParams {
        GenerateParams {
            max_tokens: max_tokens.min(self.max_tokens).max(1),
            temperature: self.temperature,
            top_p: self.top_p,
            top_k: self.top_k,
            repeat_penalty: self.repeat_penalty,
            seed: self.seed,
            ..GenerateParams::default()
        }
    }
}

/// The generator of one library, loaded on first use and kept.
#[derive(Debug)]
pub(crate) struct Generation {
    config: GenerationConfig,
    models_dir: PathBuf,
    loaded: Mutex<Option<Arc<Generator>>>,
}

impl Generation {
    pub(crate) fn new(config: GenerationConfig, models_dir: &Path) -> Generation {
        Generation {
            config,
            models_dir: models_dir.to_path_buf(),
            loaded: Mutex::new(None),
        }
    }

    pub(crate) fn config(&self) -> &GenerationConfig {
        &self.config
    }

    /// The model, loading it on first call. A failed load is not cached: the
    /// user may fetch the model and try again in the same app session.
    pub(crate) fn get(&self) -> Result<Arc<Generator>> {
        let mut slot = self
            .loaded
            .lock()
            .map_err(|_| Error::Invalid("the generator lock was poisoned".into()))?;
        if let Some(generator) = slot.as_ref() {
            return Ok(generator.clone());
        }
        let (id, path) = self.locate()?;
        let generator = Arc::new(Generator::load(&id, &path)?);
        *slot = Some(generator.clone());
        Ok(generator)
    }

    /// The model's id and GGUF file.
    fn locate(&self) -> Result<(String, PathBuf)> {
        let wanted = self.config.model.trim();
        let as_path = Path::new(wanted);
        if wanted.ends_with(".gguf") {
            if !as_path.is_file() {
                return Err(Error::NotFound(as_path.to_path_buf()));
            }
            let id = as_path
                .file_stem()
                .map_or(wanted.into(), |s| s.to_string_lossy().into());
            return Ok((id, as_path.to_path_buf()));
        }
        let manifest = Manifest::builtin();
        let model = if wanted.is_empty() {
            manifest
                .defaults(Some(Role::Generate))
                .into_iter()
                .next()
                .ok_or_else(|| Error::Invalid("the manifest has no default chat model".into()))?
        } else {
            manifest.get(wanted)?
        };
        if model.role != Role::Generate {
            return Err(Error::Invalid(format!(
                "'{}' is not a chat model (see `whisker models list`); check [generation] model",
                model.id
            )));
        }
        let dir = installed::Store::new(&self.models_dir).installed(model)?;
        let file = model
            .files
            .iter()
            .find(|f| f.name.ends_with(".gguf"))
            .ok_or_else(|| Error::Invalid(format!("'{}' lists no .gguf file", model.id)))?;
        Ok((model.id.clone(), dir.join(&file.name)))
    }
}
