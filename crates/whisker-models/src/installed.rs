//! The models folder: `<dir>/<id>/<file>`, what is installed, and `verify`.
//!
//! A model is installed when all its files are present. Files are only ever
//! put in place after their hash matched (`fetch`, `import`), and `verify`
//! re-hashes them. For a file the manifest has no hash for ("unpinned"), the
//! hash seen at the first download is recorded in `<id>/.unpinned.json` and
//! checked from then on (trust on first use).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::hash::sha256_file;
use crate::manifest::{FileSpec, Model};
use crate::observe::Observer;
use crate::{Error, Result};

/// Where trusted-on-first-use hashes are recorded, inside a model's folder.
const RECORD: &str = ".unpinned.json";

/// A models folder.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// How much of a model is on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    Installed,
    /// Some files, not all (an interrupted fetch, or files deleted).
    Partial,
    Missing,
}

/// What `verify` found for one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileCheck {
    pub file: String,
    pub status: CheckStatus,
    /// The manifest's hash, or the recorded one for an unpinned file.
    pub expected: Option<String>,
    /// The hash of the file on disk (absent when the file is missing).
    pub actual: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// Matches the manifest.
    Ok,
    /// Unpinned: matches the hash recorded at its first download.
    OkUnpinned,
    /// Unpinned and no hash recorded (copied in by hand): `actual` is shown.
    Unrecorded,
    Missing,
    Mismatch,
}

impl CheckStatus {
    pub fn is_ok(self) -> bool {
        matches!(self, Self::Ok | Self::OkUnpinned | Self::Unrecorded)
    }
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    /// The models folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The folder of one model.
    pub fn model_dir(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// Whether all, some or none of the model's files are there.
    pub fn presence(&self, model: &Model) -> Presence {
        let dir = self.model_dir(&model.id);
        let present = model
            .files
            .iter()
            .filter(|f| dir.join(&f.name).is_file())
            .count();
        match present {
            0 => Presence::Missing,
            n if n == model.files.len() => Presence::Installed,
            _ => Presence::Partial,
        }
    }

    /// The model's folder if it is installed, else [`Error::NotInstalled`].
    pub fn installed(&self, model: &Model) -> Result<PathBuf> {
        match self.presence(model) {
            Presence::Installed => Ok(self.model_dir(&model.id)),
            _ => Err(Error::NotInstalled {
                id: model.id.clone(),
                dir: self.dir.clone(),
            }),
        }
    }

    /// Re-hashes every file of the model (streaming).
    pub fn verify(&self, model: &Model, observer: &dyn Observer) -> Result<Vec<FileCheck>> {
        let dir = self.model_dir(&model.id);
        let record = self.record(&model.id);
        model
            .files
            .iter()
            .map(|file| check(&dir, file, record.get(&file.name), observer))
            .collect()
    }

    /// The hash a file must have: the manifest's, else the recorded one.
    pub(crate) fn expected(&self, model: &Model, name: &str, pinned: &str) -> Option<String> {
        if !pinned.is_empty() {
            return Some(pinned.to_string());
        }
        self.record(&model.id).remove(name)
    }

    /// The recorded hashes of a model's unpinned files (empty if none).
    pub fn record(&self, id: &str) -> BTreeMap<String, String> {
        fs::read(self.model_dir(id).join(RECORD))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Records the hash seen for an unpinned file.
    pub(crate) fn remember(&self, id: &str, name: &str, sha256: &str) -> Result<()> {
        let mut record = self.record(id);
        record.insert(name.to_string(), sha256.to_string());
        let path = self.model_dir(id).join(RECORD);
        let tmp = path.with_extension("json.part");
        let text = serde_json::to_vec_pretty(&record).unwrap_or_default();
        fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
    }
}

fn check(
    dir: &Path,
    file: &FileSpec,
    recorded: Option<&String>,
    observer: &dyn Observer,
) -> Result<FileCheck> {
    let path = dir.join(&file.name);
    let expected = if file.is_unpinned() {
        recorded.cloned()
    } else {
        Some(file.sha256.clone())
    };
    if !path.is_file() {
        return Ok(FileCheck {
            file: file.name.clone(),
            status: CheckStatus::Missing,
            expected,
            actual: None,
        });
    }
    observer.begin(&format!("verify {}", file.name), 0, file.size);
    let actual = sha256_file(&path, observer)?;
    let status = match (&expected, file.is_unpinned()) {
        (None, _) => CheckStatus::Unrecorded,
        (Some(e), _) if *e != actual => CheckStatus::Mismatch,
        (Some(_), true) => CheckStatus::OkUnpinned,
        (Some(_), false) => CheckStatus::Ok,
    };
    Ok(FileCheck {
        file: file.name.clone(),
        status,
        expected,
        actual: Some(actual),
    })
}

/// Checks a freshly written `part` against the expected size and hash, then
/// moves it to `dest`. A bad file is deleted, never put in place.
pub(crate) fn accept(
    part: &Path,
    dest: &Path,
    label: &str,
    size: Option<u64>,
    expected: Option<&str>,
    actual: &str,
) -> Result<()> {
    let len = part.metadata().map_err(|e| Error::io(part, e))?.len();
    if let Some(size) = size.filter(|&s| s != len) {
        let _ = fs::remove_file(part);
        return Err(Error::SizeMismatch {
            file: label.to_string(),
            expected: size,
            actual: len,
        });
    }
    if let Some(expected) = expected.filter(|&e| e != actual) {
        let _ = fs::remove_file(part);
        return Err(Error::HashMismatch {
            file: label.to_string(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        });
    }
    fs::rename(part, dest).map_err(|e| Error::io(dest, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Manifest;
    use crate::observe::Quiet;

    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn manifest() -> Manifest {
        let text = format!(
            r#"
            [[models]]
            id = "m"
            role = "generate"
            format = "gguf"
            [[models.files]]
            name = "a.bin"
            sha256 = "{ABC}"
            [[models.files]]
            name = "b.bin"
            sha256 = ""
            [[models.sources]]
            kind = "hf"
            repo = "x/y"
        "#
        );
        Manifest::parse(&text, "test").unwrap()
    }

    #[test]
    fn presence_and_verify_report_each_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let manifest = manifest();
        let model = manifest.get("m").unwrap();
        assert_eq!(store.presence(model), Presence::Missing);
        fs::create_dir_all(store.model_dir("m")).unwrap();
        fs::write(store.model_dir("m").join("a.bin"), "abc").unwrap();
        assert_eq!(store.presence(model), Presence::Partial);
        assert!(store.installed(model).is_err());

        fs::write(store.model_dir("m").join("b.bin"), "xyz").unwrap();
        let checks = store.verify(model, &Quiet).unwrap();
        let statuses: Vec<_> = checks.iter().map(|c| c.status).collect();
        assert_eq!(statuses, [CheckStatus::Ok, CheckStatus::Unrecorded]);

        store.remember("m", "b.bin", ABC).unwrap();
        fs::write(store.model_dir("m").join("a.bin"), "abd").unwrap();
        let statuses: Vec<_> = store
            .verify(model, &Quiet)
            .unwrap()
            .iter()
            .map(|c| c.status)
            .collect();
        assert_eq!(statuses, [CheckStatus::Mismatch, CheckStatus::Mismatch]);
        assert_eq!(store.expected(model, "b.bin", ""), Some(ABC.to_string()));
    }

    #[test]
    fn a_bad_part_file_is_deleted_not_installed() {
        let dir = tempfile::tempdir().unwrap();
        let (part, dest) = (dir.path().join("f.part"), dir.path().join("f"));
        fs::write(&part, "abc").unwrap();
        let err = accept(&part, &dest, "m/f", Some(3), Some("00"), ABC).unwrap_err();
        assert!(err.to_string().contains("the file was deleted"), "{err}");
        assert!(!part.exists() && !dest.exists());
    }
}
