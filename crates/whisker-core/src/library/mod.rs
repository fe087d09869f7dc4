//! The knowledge library: one data folder, its store and its settings.

mod add;
mod embed;
mod indexer;
mod job;
mod scan;
mod watch;

use std::path::{Path, PathBuf};

use serde::Serialize;
use whisker_index::{FileStatus, Hit, Mode, SearchOptions, Stats, Store, StoredChunk, VectorQuery};

pub use add::{AddReport, Failure};
pub use indexer::{IndexProgress, Indexer, SharedLibrary};
pub use watch::FolderWatch;

use crate::config::Config;
use crate::embedding::Embedding;
use crate::error::{Error, Result};
use crate::events::{Cancel, Progress};
use crate::paths::{models_dir, store_dir};

/// How many recent failures `status` lists.
const STATUS_FAILURES: usize = 20;

/// A person's knowledge base: files in, search out.
#[derive(Debug)]
pub struct Library {
    data_dir: PathBuf,
    config: Config,
    store: Store,
    embedding: Embedding,
}

/// What a search found, and how.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    /// The ranking actually used: `bm25` when vectors were asked for but no
    /// embedding model is available.
    pub mode: Mode,
    /// Why the mode differs from the one asked for, in one sentence.
    pub note: Option<String>,
    pub hits: Vec<Hit>,
}

/// An indexed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    pub path: String,
    pub title: String,
    pub kind: String,
    pub chunks: u64,
}

/// What `remove` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RemoveReport {
    pub removed: u64,
    pub paths: Vec<String>,
}

/// What `status` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub data_dir: String,
    #[serde(flatten)]
    pub stats: Stats,
    /// The configured embedding model, `None` when vectors are off.
    pub embedding_model: Option<String>,
    /// Chunks that have a vector from that model.
    pub embedded_chunks: u64,
    /// Files that failed, most recent first (at most 20).
    pub failures: Vec<Failure>,
}

impl Library {
    /// Opens (or creates) the library in `data_dir` with the settings found there.
    pub fn open(data_dir: &Path) -> Result<Library> {
        let config = Config::load(data_dir)?;
        Self::with_config(data_dir, config)
    }

    /// Opens the library with explicit settings.
    pub fn with_config(data_dir: &Path, config: Config) -> Result<Library> {
        let store = Store::open(&store_dir(data_dir))?;
        let embedding = Embedding::new(config.embedding.clone(), &models_dir(data_dir));
        Ok(Library {
            // Canonical like the walked paths, so `add` and `watch` can tell
            // the library's own files apart even given `--data-dir kb`.
            data_dir: absolute(data_dir),
            config,
            store,
            embedding,
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn embedding(&self) -> &Embedding {
        &self.embedding
    }

    /// Indexes files and folders (recursively), incrementally. Every path must exist.
    pub fn add(
        &self,
        paths: &[PathBuf],
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<AddReport> {
        let roots = absolute_existing(paths)?;
        add::sync(self, &roots, progress, cancel)
    }

    /// Like [`Library::add`], but paths that no longer exist are removed from
    /// the library instead of being an error. Used by `watch`.
    pub fn sync(
        &self,
        paths: &[PathBuf],
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<AddReport> {
        let roots: Vec<PathBuf> = paths.iter().map(|p| absolute(p)).collect();
        add::sync(self, &roots, progress, cancel)
    }

    /// Drops files, or everything under folders, from the library. The files
    /// on disk are not touched and need not exist.
    pub fn remove(&self, paths: &[PathBuf]) -> Result<RemoveReport> {
        let roots: Vec<PathBuf> = paths.iter().map(|p| absolute(p)).collect();
        let mut doomed: Vec<String> = self
            .store
            .files()?
            .into_keys()
            .filter(|p| add::under_any(p, &roots))
            .collect();
        doomed.sort();
        let mut writer = self.store.writer()?;
        for path in &doomed {
            writer.remove(path);
        }
        writer.commit()?;
        writer.finish()?;
        Ok(RemoveReport {
            removed: doomed.len() as u64,
            paths: doomed,
        })
    }

    /// Counts and recent failures.
    pub fn status(&self) -> Result<Status> {
        self.store.refresh()?;
        let files = self.store.files()?;
        let stats = self.store.stats_of(&files)?;
        let mut failed: Vec<_> = files
            .into_values()
            .filter(|r| r.status == FileStatus::Failed)
            .collect();
        failed.sort_by(|a, b| b.indexed_at.cmp(&a.indexed_at).then(a.path.cmp(&b.path)));
        let failures = failed
            .into_iter()
            .take(STATUS_FAILURES)
            .map(|r| Failure {
                path: r.path,
                reason: r.error.unwrap_or_default(),
            })
            .collect();
        let embedding_model = self.config.embedding.model().map(str::to_string);
        let embedded_chunks = match &embedding_model {
            Some(model) => self.store.embedded_count(model)?,
            None => 0,
        };
        Ok(Status {
            data_dir: self.data_dir.display().to_string(),
            stats,
            embedding_model,
            embedded_chunks,
            failures,
        })
    }

    /// Every indexed document, sorted by path.
    pub fn documents(&self) -> Result<Vec<Document>> {
        let mut docs: Vec<Document> = self
            .store
            .files()?
            .into_values()
            .filter(|r| r.status == FileStatus::Indexed && r.chunks > 0)
            .map(|r| Document {
                path: r.path,
                title: r.title,
                kind: r.kind.unwrap_or_default(),
                chunks: r.chunks,
            })
            .collect();
        docs.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(docs)
    }

    /// The chunks of one document, in order.
    pub fn chunks_of(&self, path: &str) -> Result<Vec<StoredChunk>> {
        let mut chunks = self.store.chunks_of(path)?;
        chunks.sort_by_key(|c| c.ord);
        Ok(chunks)
    }

    /// How much of `query` each text contains (see [`Store::coverage`]).
    pub fn coverage(&self, query: &str, texts: &[&str]) -> Result<Vec<f32>> {
        Ok(self.store.coverage(query, texts)?)
    }

    /// The configured search options (top 10, snippets on).
    pub fn search_options(&self) -> SearchOptions {
        let search = &self.config.search;
        SearchOptions {
            k: 10,
            mode: search.mode,
            fusion: search.fusion,
            precision: search.precision,
            snippets: true,
        }
    }

    /// The `k` best chunks for `query`, ranked as `mode` says (the
    /// configured mode, hybrid by default, when `None`). Vector and hybrid
    /// ranking need the embedding model; without it the search uses BM25
    /// and [`Found::note`] says why.
    pub fn search(&self, query: &str, k: usize, mode: Option<Mode>) -> Result<Found> {
        let defaults = self.search_options();
        let options = SearchOptions {
            k,
            mode: mode.unwrap_or(defaults.mode),
            ..defaults
        };
        self.search_with(query, options)
    }

    /// [`Library::search`] with every option explicit.
    pub fn search_with(&self, query: &str, mut options: SearchOptions) -> Result<Found> {
        let embedder = match options.mode {
            Mode::Bm25 => None,
            Mode::Vector | Mode::Hybrid => self.embedding.get(),
        };
        let Some(embedder) = embedder else {
            let note = match options.mode {
                Mode::Bm25 => None,
                Mode::Vector | Mode::Hybrid => self.embedding.note(),
            };
            options.mode = Mode::Bm25;
            let hits = self.store.search_with(query, None, &options)?;
            return Ok(Found {
                mode: options.mode,
                note,
                hits,
            });
        };
        // The query's embedding on a second core while the words are ranked
        // on this one (each takes a few milliseconds; see bench/RESULTS.md).
        let (vector, begun) = std::thread::scope(|s| {
            let vector = s.spawn(|| self.embedding.embed_query(&embedder, query));
            let begun = self.store.begin_search(query, &options);
            (vector.join(), begun)
        });
        let vector = vector
            .map_err(|_| Error::Invalid("embedding the query failed (a bug: it panicked)".into()))?
            .map_err(Error::Model)?;
        let vector = VectorQuery {
            model: embedder.id(),
            vector: &vector,
        };
        let hits = self.store.finish_search(begun?, Some(vector), &options)?;
        Ok(Found {
            mode: options.mode,
            note: None,
            hits,
        })
    }
}

/// `path` made absolute without touching the disk more than needed: an
/// existing path is canonicalised (so symlinked and relative spellings agree),
/// a missing one is joined to the current directory.
fn absolute(path: &Path) -> PathBuf {
    path.canonicalize()
        .unwrap_or_else(|_| std::path::absolute(path).unwrap_or(path.to_path_buf()))
}

fn absolute_existing(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    if paths.is_empty() {
        return Err(Error::Invalid("give at least one file or folder".into()));
    }
    paths
        .iter()
        .map(|p| p.canonicalize().map_err(|_| Error::NotFound(p.clone())))
        .collect()
}
