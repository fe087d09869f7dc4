//! Speech models made from CTranslate2 (faster-whisper) models: the
//! converter the model fetcher uses for `kind = "convert"` sources, and
//! `models import --ct2`, which converts any Whisper folder a user has.
//!
//! The orchestration sits here, not in `whisker-models`, because this is
//! the crate that knows both sides: `whisker-models` fetches and verifies
//! (and must not depend on speech code), `whisker-speech` converts.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use whisker_models::convert::Converter;
use whisker_models::manifest::Source;
use whisker_models::{Manifest, Model, Observer, Store};
use whisker_speech::convert::{Conversion, Ct2Whisper, Weights};

use crate::error::{Error, Result};
use crate::models::{ModelInfo, Presence, Role};

/// The file name of an imported GGML model in its folder (a manifest model
/// keeps the name its manifest entry gives).
pub const GGML_FILE: &str = "ggml-model.bin";

/// What `models import --ct2` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConvertReport {
    pub id: String,
    /// The CTranslate2 folder read.
    pub from: String,
    /// The GGML file written.
    pub file: String,
    /// "Whisper base, multilingual" and the like.
    pub model: String,
    /// The id is a manifest model and the file is the one it pins.
    pub in_manifest: bool,
    #[serde(flatten)]
    pub conversion: Conversion,
}

/// Converts CTranslate2 Whisper models for the fetcher.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpeechConverter;

impl Converter for SpeechConverter {
    fn convert(
        &self,
        from: &Model,
        from_dir: &Path,
        to: &Model,
        _file: &str,
        out: &Path,
        observer: &dyn Observer,
    ) -> whisker_models::Result<String> {
        if (from.format.as_str(), to.format.as_str()) != ("ctranslate2", "ggml") {
            return Err(whisker_models::Error::Model {
                id: to.id.clone(),
                message: format!("no converter from {} to {}", from.format, to.format),
            });
        }
        let mut progress = |done: u64, _total: u64| {
            observer.advance(done);
            !observer.cancelled()
        };
        let weights =
            convert_weights(from, to).map_err(|message| whisker_models::Error::Model {
                id: to.id.clone(),
                message,
            })?;
        match whisker_speech::convert::convert(from_dir, weights, out, &mut progress) {
            Ok(done) => Ok(done.sha256),
            Err(whisker_speech::Error::Cancelled) => Err(whisker_models::Error::Cancelled),
            Err(e) => Err(whisker_models::Error::Model {
                id: to.id.clone(),
                message: format!("converting {}: {e}", from.id),
            }),
        }
    }
}

/// The weight type `to`'s manifest entry asks of its conversion from
/// `from` (the converter's default when it names none).
fn convert_weights(from: &Model, to: &Model) -> std::result::Result<Weights, String> {
    let asked = to.sources.iter().find_map(|s| match s {
        Source::Convert {
            from: id, weights, ..
        } if *id == from.id => weights.as_deref(),
        _ => None,
    });
    asked.map_or(Ok(Weights::default()), str::parse)
}

/// The weight type the manifest's default speech model is converted to
/// (bf16 in the bundled manifest); the converter's default when that model
/// is no conversion.
fn default_weights(manifest: &Manifest) -> Result<Weights> {
    let asked = manifest
        .defaults(Some(Role::Speech))
        .into_iter()
        .find_map(|to| {
            Some(convert_weights(
                manifest.get(to.converted_from()?).ok()?,
                to,
            ))
        });
    asked
        .unwrap_or(Ok(Weights::default()))
        .map_err(|e| Error::Invalid(format!("the manifest's default speech model: {e}")))
}

/// Converts the CTranslate2 Whisper folder `dir` into `<models>/<id>/`.
///
/// Without `id`, the id is `whisper-<size>[.en]` from the model's shape. An
/// id the manifest lists must convert to exactly the file it pins (the
/// default `whisper-base` from `whisper-base-ct2`); when a derived id's
/// manifest entry pins another file (an int8 model, or f16 weights), the
/// source's and the weights' types are added to the id instead
/// (`whisper-base-int8-bf16`). `weights`: how the weight matrices are
/// stored; by default as the manifest's default speech model's are.
pub fn import_ct2(
    manifest: &Manifest,
    store: &Store,
    dir: &Path,
    id: Option<&str>,
    weights: Option<Weights>,
    observer: &dyn Observer,
) -> Result<ConvertReport> {
    let weights = match weights {
        Some(w) => w,
        None => default_weights(manifest)?,
    };
    let model = Ct2Whisper::open(dir)
        .map_err(as_input)?
        .with_weights(weights);
    let derived = derived_id(&model);
    let target = id.unwrap_or(&derived).to_string();
    check_id(&target)?;
    let part = store.dir().join(format!(".{target}.ggml.part"));
    fs::create_dir_all(store.dir()).map_err(|e| Error::io(store.dir(), e))?;
    observer.begin(
        &format!("convert {}", dir.display()),
        0,
        Some(model.output_size()),
    );
    let mut progress = |done: u64, _total: u64| {
        observer.advance(done);
        !observer.cancelled()
    };
    let conversion = match model.write_ggml(&part, &mut progress) {
        Err(whisker_speech::Error::Cancelled) => return Err(Error::Cancelled),
        other => other.map_err(as_input)?,
    };
    let placed = match placement(manifest, &target, &conversion) {
        Err(_) if id.is_none() => {
            let fallback = format!("{target}-{}-{weights}", model.source_dtype());
            placement(manifest, &fallback, &conversion)
        }
        other => other,
    };
    let (id, pinned) = placed.inspect_err(|_| {
        let _ = fs::remove_file(&part);
    })?;
    let file = install(store, &id, pinned.as_deref().unwrap_or(GGML_FILE), &part)?;
    let hp = model.hparams();
    let language = if hp.is_multilingual() {
        "multilingual"
    } else {
        "English-only"
    };
    Ok(ConvertReport {
        id,
        from: dir.display().to_string(),
        file: file.display().to_string(),
        model: format!("Whisper {}, {language}", hp.size_name()),
        in_manifest: pinned.is_some(),
        conversion,
    })
}

/// `whisper-<size>`, plus `.en` for English-only models.
/// A folder the user named for import: what is wrong with it is the user's
/// input (`not_found`, `invalid`), not a broken installed model (`model`).
fn as_input(error: whisker_speech::Error) -> Error {
    use whisker_speech::Error as S;
    match error {
        S::Missing { path, .. } => Error::NotFound(path),
        e @ (S::BadModel { .. } | S::Unsupported { .. }) => Error::Invalid(e.to_string()),
        e => e.into(),
    }
}

fn derived_id(model: &Ct2Whisper) -> String {
    let hp = model.hparams();
    let suffix = if hp.is_multilingual() { "" } else { ".en" };
    format!("whisper-{}{suffix}", hp.size_name())
}

/// Where the conversion goes: `(id, Some(file name))` for the manifest model
/// it matches, `(id, None)` for an id the manifest does not list.
fn placement(manifest: &Manifest, id: &str, done: &Conversion) -> Result<(String, Option<String>)> {
    let Ok(model) = manifest.get(id) else {
        return Ok((id.to_string(), None));
    };
    let file = model
        .files
        .first()
        .filter(|_| model.format == "ggml" && model.files.len() == 1);
    match file {
        Some(f) if f.sha256 == done.sha256 => Ok((id.to_string(), Some(f.name.clone()))),
        Some(f) => Err(Error::Invalid(format!(
            "'{id}' in the manifest is another conversion (sha256 {}), this one is {}: \
             choose another id with --id",
            f.sha256, done.sha256
        ))),
        None => Err(Error::Invalid(format!(
            "'{id}' is a {} model in the manifest, not a GGML file: choose another id with --id",
            model.format
        ))),
    }
}

/// Moves the converted file into `<models>/<id>/<name>`.
fn install(store: &Store, id: &str, name: &str, part: &Path) -> Result<PathBuf> {
    let dir = store.model_dir(id);
    fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let dest = dir.join(name);
    fs::rename(part, &dest).map_err(|e| Error::io(&dest, e))?;
    Ok(dest)
}

/// An id is a plain folder name.
fn check_id(id: &str) -> Result<()> {
    if id.is_empty() || id.starts_with('.') || id.contains(['/', '\\', '\0']) {
        return Err(Error::Invalid(format!(
            "'{id}' cannot be a model id: use a plain folder name"
        )));
    }
    Ok(())
}

/// The GGML file of speech model `id` (a manifest model converted or
/// imported, or a folder `models import --ct2` made).
pub fn ggml_file(manifest: &Manifest, store: &Store, id: &str) -> Result<PathBuf> {
    if let Ok(model) = manifest.get(id) {
        let dir = store.installed(model)?;
        let file = model.files.first().filter(|_| model.format == "ggml");
        return match file {
            Some(f) => Ok(dir.join(&f.name)),
            None => Err(Error::Invalid(format!(
                "'{id}' is a {} model; whisper.cpp needs a GGML one (see `whisker models list`)",
                model.format
            ))),
        };
    }
    let path = store.model_dir(id).join(GGML_FILE);
    if path.is_file() {
        return Ok(path);
    }
    Err(Error::Model(whisker_models::Error::UnknownModel(
        id.to_string(),
    )))
}

/// Folders `import_ct2` made under ids the manifest does not list.
pub fn imported(manifest: &Manifest, store: &Store) -> Vec<ModelInfo> {
    let Ok(entries) = fs::read_dir(store.dir()) else {
        return Vec::new();
    };
    let mut found: Vec<ModelInfo> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let id = e.file_name().to_str()?.to_string();
            let size = fs::metadata(e.path().join(GGML_FILE)).ok()?.len();
            let unlisted = manifest.get(&id).is_err() && !id.starts_with('.');
            unlisted.then(|| ModelInfo {
                id,
                role: Role::Speech,
                format: "ggml".into(),
                default: false,
                description: "converted by `models import --ct2` (not in the manifest)".into(),
                license: String::new(),
                size: Some(size),
                status: Presence::Installed,
                unpinned: false,
                files: vec![GGML_FILE.to_string()],
            })
        })
        .collect();
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_conversion_in_the_manifest_names_a_weight_type_the_converter_has() {
        let manifest = Manifest::builtin();
        let mut conversions = 0;
        for to in &manifest.models {
            let Some(from) = to.converted_from() else {
                continue;
            };
            convert_weights(manifest.get(from).unwrap(), to)
                .unwrap_or_else(|e| panic!("{}: {e}", to.id));
            conversions += 1;
        }
        assert!(conversions >= 1);
        assert_eq!(default_weights(&manifest).unwrap(), Weights::Bf16);
    }

    #[test]
    fn speech_files_are_found_for_manifest_and_imported_ids() {
        let dir = tempfile::tempdir().unwrap();
        let (manifest, store) = (Manifest::builtin(), Store::new(dir.path()));
        let err = ggml_file(&manifest, &store, "whisper-base").unwrap_err();
        assert!(
            err.to_string()
                .contains("whisker models fetch whisper-base"),
            "{err}"
        );
        let err = ggml_file(&manifest, &store, "whisper-small").unwrap_err();
        assert_eq!(err.code(), "invalid");

        fs::create_dir_all(dir.path().join("whisper-base")).unwrap();
        fs::write(dir.path().join("whisper-base/ggml-model.bin"), "x").unwrap();
        fs::create_dir_all(dir.path().join("whisper-small")).unwrap();
        fs::write(dir.path().join("whisper-small").join(GGML_FILE), "xy").unwrap();
        let base = ggml_file(&manifest, &store, "whisper-base").unwrap();
        assert_eq!(base, dir.path().join("whisper-base/ggml-model.bin"));
        let small = ggml_file(&manifest, &store, "whisper-small").unwrap();
        assert_eq!(small, dir.path().join("whisper-small").join(GGML_FILE));

        let listed: Vec<_> = imported(&manifest, &store)
            .into_iter()
            .map(|m| (m.id, m.size))
            .collect();
        assert_eq!(listed, [("whisper-small".to_string(), Some(2))]);
    }

    #[test]
    fn a_ctranslate2_model_is_no_speech_file() {
        let dir = tempfile::tempdir().unwrap();
        let (manifest, store) = (Manifest::builtin(), Store::new(dir.path()));
        let ct2 = manifest.get("whisper-base-ct2").unwrap();
        for f in &ct2.files {
            fs::create_dir_all(dir.path().join(&ct2.id)).unwrap();
            fs::write(dir.path().join(&ct2.id).join(&f.name), "x").unwrap();
        }
        let err = ggml_file(&manifest, &store, "whisper-base-ct2").unwrap_err();
        assert!(err.to_string().contains("needs a GGML one"), "{err}");
    }
}
