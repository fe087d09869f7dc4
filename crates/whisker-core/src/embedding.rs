//! The library's embedding model: chosen in the config, loaded on first use.
//!
//! Opening a library never loads a model (status and remove stay instant).
//! The first `add` or search that wants vectors loads the configured model
//! from the models folder; when it is missing, Whisker works on with BM25
//! alone and says why once, through [`Embedding::note`].

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use whisker_models::embed::Embedder;
use whisker_models::installed;
use whisker_models::manifest::Manifest;

/// Environment variable overriding `[embedding] model` ("none" turns vectors off).
pub const EMBED_MODEL_ENV: &str = "WHISKER_EMBED_MODEL";

/// The default sentence-embedding model.
pub const DEFAULT_EMBED_MODEL: &str = "all-minilm-l6-v2";

/// `[embedding]` in `config.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbeddingConfig {
    /// A model id from `whisker models list`, or "none".
    pub model: String,
}

impl Default for EmbeddingConfig {
    fn default() -> Self {
        EmbeddingConfig {
            model: DEFAULT_EMBED_MODEL.to_string(),
        }
    }
}

impl EmbeddingConfig {
    /// The configured model id, `None` when vectors are turned off.
    pub fn model(&self) -> Option<&str> {
        let id = self.model.trim();
        (!id.is_empty() && id != "none").then_some(id)
    }
}

/// The embedder of one library, loaded at most once.
#[derive(Debug)]
pub(crate) struct Embedding {
    config: EmbeddingConfig,
    models_dir: PathBuf,
    loaded: OnceLock<Result<Arc<Embedder>, String>>,
}

impl Embedding {
    pub(crate) fn new(config: EmbeddingConfig, models_dir: &Path) -> Embedding {
        Embedding {
            config,
            models_dir: models_dir.to_path_buf(),
            loaded: OnceLock::new(),
        }
    }

    /// The model, loading it on first call; `None` when turned off or unusable.
    pub(crate) fn get(&self) -> Option<Arc<Embedder>> {
        self.loaded
            .get_or_init(|| self.load())
            .as_ref()
            .ok()
            .cloned()
    }

    /// Why there is no model, once [`Embedding::get`] returned `None`.
    pub(crate) fn note(&self) -> Option<String> {
        match self.loaded.get()? {
            Ok(_) => None,
            Err(reason) => Some(reason.clone()),
        }
    }

    fn load(&self) -> Result<Arc<Embedder>, String> {
        let Some(id) = self.config.model() else {
            return Err("vector search is turned off ([embedding] model = \"none\")".into());
        };
        let manifest = Manifest::builtin();
        let model = manifest
            .get(id)
            .map_err(|e| format!("{e}; check [embedding] model in the config"))?;
        let spec = model.embed.clone().ok_or_else(|| {
            format!("'{id}' is not an embedding model (see `whisker models list`)")
        })?;
        let dir = installed::Store::new(&self.models_dir)
            .installed(model)
            .map_err(|_| {
                format!(
                    "no embedding model installed ({id} is not in {}); searching by keywords only — run `whisker models fetch {id}`",
                    self.models_dir.display()
                )
            })?;
        Embedder::load(id, &dir, &spec).map(Arc::new).map_err(|e| {
            format!("cannot load the embedding model: {e}; searching by keywords only")
        })
    }
}
