//! The library's speech model: chosen in the config, loaded on first use.
//!
//! `[speech]` in `config.toml` picks the model (a speech model id from the
//! manifest whose format is `ggml`, or a path to any whisper.cpp `.bin`
//! file), the language (auto | zh | en) and the CPU threads. Like answers,
//! speech cannot fall back to anything: a missing model is an error (code
//! `model`) that says how to get one.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use whisker_models::installed;
use whisker_models::manifest::{Manifest, Model, Role};
use whisker_speech::Transcriber;
use whisker_speech::transcribe::{Done, Options};
pub use whisker_speech::{Language, Segment, Transcript};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::events::{Cancel, Event, Progress};
use crate::paths::models_dir;

/// Environment variable overriding `[speech] model`.
pub const SPEECH_MODEL_ENV: &str = "WHISKER_SPEECH_MODEL";

/// The model id used when the manifest names no whisper.cpp model, and the
/// file inside its folder.
pub const FALLBACK_ID: &str = "whisper-base";
pub const FALLBACK_FILE: &str = "ggml-model.bin";

/// `[speech]` in `config.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpeechConfig {
    /// A speech model id (format ggml) from `whisker models list`, or a path
    /// to a whisper.cpp `.bin` file. Empty: the default.
    pub model: String,
    /// auto | zh | en.
    pub language: String,
    /// CPU threads; 0 = what the machine has.
    pub threads: usize,
}

impl Default for SpeechConfig {
    fn default() -> Self {
        SpeechConfig {
            model: String::new(),
            language: "auto".into(),
            threads: 0,
        }
    }
}

/// Speech to text for one data folder: the model, loaded on first use and kept.
#[derive(Debug)]
pub struct Speech {
    config: SpeechConfig,
    models_dir: PathBuf,
    loaded: Mutex<Option<Arc<Transcriber>>>,
}

impl Speech {
    /// With the settings of `data_dir` (its `config.toml` and the environment).
    pub fn open(data_dir: &Path) -> Result<Speech> {
        let config = Config::load(data_dir)?;
        Ok(Speech::new(config.speech, &models_dir(data_dir)))
    }

    pub fn new(config: SpeechConfig, models_dir: &Path) -> Speech {
        Speech {
            config,
            models_dir: models_dir.to_path_buf(),
            loaded: Mutex::new(None),
        }
    }

    pub fn config(&self) -> &SpeechConfig {
        &self.config
    }

    /// Transcribes an audio file; `language` overrides the config. Reports
    /// [`Event::Heard`] after each window and stops on `cancel`.
    pub fn transcribe_file(
        &self,
        path: &Path,
        language: Option<Language>,
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<Transcript> {
        if !path.exists() {
            return Err(Error::NotFound(path.to_path_buf()));
        }
        let options = self.options(language)?;
        // Decode errors (not audio, empty) come before the model is needed.
        whisker_speech::audio::AudioReader::open(path)?;
        let transcriber = self.get()?;
        let mut report = |done: Done| {
            progress.event(&Event::Heard {
                seconds: done.seconds,
                total: done.total,
            })
        };
        Ok(transcriber.transcribe_file(path, &options, &mut report, &cancel.flag())?)
    }

    /// Options from the config, with `language` on top.
    pub fn options(&self, language: Option<Language>) -> Result<Options> {
        let language = match language {
            Some(l) => l,
            None => self.config.language.parse().map_err(|e| Error::Config {
                path: "[speech] language".into(),
                detail: format!("{e}"),
            })?,
        };
        Ok(Options {
            language,
            threads: self.config.threads,
            ..Options::default()
        })
    }

    /// The model, loading it on first call. A failed load is not cached.
    pub fn get(&self) -> Result<Arc<Transcriber>> {
        let mut slot = self
            .loaded
            .lock()
            .map_err(|_| Error::Invalid("the speech model lock was poisoned".into()))?;
        if let Some(t) = slot.as_ref() {
            return Ok(t.clone());
        }
        let path = self.locate()?;
        if !path.is_file() {
            return Err(Error::Speech(whisker_speech::Error::Missing {
                path,
                what: "the speech model: run `whisker models fetch --role speech`, \
                       or point [speech] model at a whisper.cpp .bin file",
            }));
        }
        let transcriber = Arc::new(Transcriber::load(&path)?);
        *slot = Some(transcriber.clone());
        Ok(transcriber)
    }

    /// The whisper.cpp file to load.
    pub fn locate(&self) -> Result<PathBuf> {
        let wanted = self.config.model.trim();
        if wanted.ends_with(".bin") || wanted.contains(std::path::MAIN_SEPARATOR) {
            return Ok(PathBuf::from(wanted));
        }
        let manifest = Manifest::builtin();
        let model = if wanted.is_empty() {
            default_ggml(&manifest)
        } else {
            let model = manifest.get(wanted)?;
            check_speech_model(model)?;
            Some(model)
        };
        let Some(model) = model else {
            return Ok(self.models_dir.join(FALLBACK_ID).join(FALLBACK_FILE));
        };
        let dir = installed::Store::new(&self.models_dir).installed(model)?;
        let file = model
            .files
            .iter()
            .find(|f| f.name.ends_with(".bin"))
            .ok_or_else(|| Error::Invalid(format!("'{}' lists no .bin file", model.id)))?;
        Ok(dir.join(&file.name))
    }
}

/// The default whisper.cpp model: the default speech model if it is GGML,
/// else the first GGML speech model listed.
fn default_ggml(manifest: &Manifest) -> Option<&Model> {
    let ggml = |m: &&Model| m.role == Role::Speech && m.format == "ggml";
    manifest
        .models
        .iter()
        .filter(ggml)
        .find(|m| m.default)
        .or_else(|| manifest.models.iter().find(ggml))
}

fn check_speech_model(model: &Model) -> Result<()> {
    if model.role != Role::Speech {
        return Err(Error::Invalid(format!(
            "'{}' is not a speech model (see `whisker models list`); check [speech] model",
            model.id
        )));
    }
    if model.format != "ggml" {
        return Err(Error::Invalid(format!(
            "'{}' is a {} model; whisper.cpp needs a GGML one (see `whisker models list`)",
            model.id, model.format
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bin_path_is_used_as_it_is_and_a_missing_one_is_a_model_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ggml-tiny.bin");
        let speech = Speech::new(
            SpeechConfig {
                model: path.display().to_string(),
                ..SpeechConfig::default()
            },
            dir.path(),
        );
        assert_eq!(speech.locate().unwrap(), path);
        let err = speech.get().unwrap_err();
        assert_eq!(err.code(), "model", "{err}");
        assert!(err.to_string().contains("missing"), "{err}");
    }

    #[test]
    fn a_chat_model_is_not_a_speech_model() {
        let speech = Speech::new(
            SpeechConfig {
                model: "all-minilm-l6-v2".into(),
                ..SpeechConfig::default()
            },
            Path::new("/nonexistent"),
        );
        let err = speech.locate().unwrap_err();
        assert!(err.to_string().contains("not a speech model"), "{err}");
    }

    #[test]
    fn a_bad_language_in_the_config_is_a_config_error() {
        let speech = Speech::new(
            SpeechConfig {
                language: "klingon".into(),
                ..SpeechConfig::default()
            },
            Path::new("/nonexistent"),
        );
        assert_eq!(speech.options(None).unwrap_err().code(), "config");
        let options = speech.options(Some(Language::Zh)).unwrap();
        assert_eq!(options.language, Language::Zh);
    }
}
