//! The library's embedding model: chosen in the config, loaded on first use.
//!
//! Opening a library never loads a model (status and remove stay instant).
//! The first `add` or search that wants vectors loads the configured model
//! from the models folder; when it is missing, Whisker works on with BM25
//! alone and says why once, through [`Embedding::note`].

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

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
    /// The last query embedded and its vector: `ask` searches twice for
    /// one question (fused ranking, then cosines), and embeds it once.
    last_query: Mutex<Option<(String, Vec<f32>)>>,
}

impl Embedding {
    pub(crate) fn new(config: EmbeddingConfig, models_dir: &Path) -> Embedding {
        Embedding {
            config,
            models_dir: models_dir.to_path_buf(),
            loaded: OnceLock::new(),
            last_query: Mutex::new(None),
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

    /// `embedder`'s vector for the query `text` (the last one is kept).
    pub(crate) fn embed_query(
        &self,
        embedder: &Embedder,
        text: &str,
    ) -> whisker_models::Result<Vec<f32>> {
        let key = format!("{}\n{text}", embedder.id());
        if let Ok(last) = self.last_query.lock()
            && let Some((k, v)) = last.as_ref()
            && *k == key
        {
            return Ok(v.clone());
        }
        let vector = embedder.embed_query(text)?;
        if let Ok(mut last) = self.last_query.lock() {
            *last = Some((key, vector.clone()));
        }
        Ok(vector)
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
