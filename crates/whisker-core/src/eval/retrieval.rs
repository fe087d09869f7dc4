//! `whisker eval retrieval --beir DIR`: retrieval quality on a BEIR dataset.
//!
//! The corpus goes through the real path: every document is written as a text
//! file (title, blank line, text), indexed by [`Library::add`] into a store of
//! its own (embedded when a model is available), and every test query is run
//! through [`Library::search`] in each mode. Chunk hits are mapped back to
//! their documents (a document's first hit counts) and scored with nDCG@10,
//! Recall@100 and MRR@10.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use whisker_index::{Mode, SearchOptions};

use super::metrics::{Judged, mrr_at, ndcg_at, recall_at};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::events::{Cancel, Progress};
use crate::library::Library;

/// Chunks fetched per query: enough for 100 distinct documents.
const CHUNKS_PER_QUERY: usize = 300;

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct RetrievalEval {
    /// A BEIR folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv.
    pub dir: PathBuf,
    /// "test" (the usual), "dev" or "train".
    pub split: String,
    /// Modes to score; empty means every mode the installed models allow.
    pub modes: Vec<Mode>,
    /// Where to build the store; reused (incrementally) when it exists.
    pub work_dir: PathBuf,
    pub config: Config,
}

/// The scores of one mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeScore {
    pub mode: Mode,
    #[serde(rename = "ndcg@10")]
    pub ndcg_10: f64,
    #[serde(rename = "recall@100")]
    pub recall_100: f64,
    #[serde(rename = "mrr@10")]
    pub mrr_10: f64,
    pub queries: usize,
    /// Mean time per query, milliseconds (search only, model warm).
    pub ms_per_query: f64,
}

/// The whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetrievalReport {
    pub documents: usize,
    pub chunks: u64,
    pub embedded_chunks: u64,
    pub index_seconds: f64,
    /// Why vector modes were left out, when they were.
    pub note: Option<String>,
    pub scores: Vec<ModeScore>,
}

#[derive(Deserialize)]
struct CorpusLine {
    #[serde(rename = "_id")]
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct QueryLine {
    #[serde(rename = "_id")]
    id: String,
    text: String,
}

impl RetrievalEval {
    /// Indexes the corpus, runs the queries, scores them.
    pub fn run(&self, progress: &dyn Progress, cancel: &Cancel) -> Result<RetrievalReport> {
        let qrels = read_qrels(&self.dir.join("qrels").join(format!("{}.tsv", self.split)))?;
        let queries = read_queries(&self.dir.join("queries.jsonl"), &qrels)?;
        let docs_dir = self.work_dir.join("docs");
        let ids = write_corpus(&self.dir.join("corpus.jsonl"), &docs_dir)?;
        let library = Library::with_config(&self.work_dir.join("data"), self.config.clone())?;
        let started = Instant::now();
        let added = library.add(std::slice::from_ref(&docs_dir), progress, cancel)?;
        if added.cancelled || cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let index_seconds = started.elapsed().as_secs_f64();
        let status = library.status()?;
        let (modes, note) = self.modes(&library, &status)?;
        let mut scores = Vec::new();
        for mode in modes {
            scores.push(score(&library, mode, &queries, &qrels, &ids, cancel)?);
        }
        Ok(RetrievalReport {
            documents: ids.len(),
            chunks: status.stats.chunks,
            embedded_chunks: status.embedded_chunks,
            index_seconds,
            note,
            scores,
        })
    }

    /// The modes to run: those asked for (vector ones need the model), or
    /// all that are possible.
    fn modes(
        &self,
        library: &Library,
        status: &crate::Status,
    ) -> Result<(Vec<Mode>, Option<String>)> {
        let vectors = library.embedding().get().is_some() && status.embedded_chunks > 0;
        let note = (!vectors).then(|| {
            library
                .embedding()
                .note()
                .unwrap_or_else(|| "no chunk has a vector".into())
        });
        if self.modes.is_empty() {
            let all = if vectors {
                vec![Mode::Bm25, Mode::Vector, Mode::Hybrid]
            } else {
                vec![Mode::Bm25]
            };
            return Ok((all, note));
        }
        if !vectors && self.modes.iter().any(|m| *m != Mode::Bm25) {
            return Err(Error::Invalid(format!(
                "vector and hybrid modes need the embedding model: {}",
                note.unwrap_or_default()
            )));
        }
        Ok((self.modes.clone(), None))
    }
}

fn score(
    library: &Library,
    mode: Mode,
    queries: &[(String, String)],
    qrels: &HashMap<String, Judged>,
    ids: &HashMap<String, String>,
    cancel: &Cancel,
) -> Result<ModeScore> {
    let search = &library.config().search;
    let options = SearchOptions {
        k: CHUNKS_PER_QUERY,
        mode,
        fusion: search.fusion,
        precision: search.precision,
        snippets: false,
    };
    let (mut ndcg, mut recall, mut mrr) = (0.0, 0.0, 0.0);
    let started = Instant::now();
    for (qid, text) in queries {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let found = library.search_with(text, options)?;
        let mut ranked: Vec<String> = Vec::with_capacity(100);
        for hit in &found.hits {
            if let Some(id) = ids.get(&hit.path)
                && !ranked.contains(id)
            {
                ranked.push(id.clone());
            }
        }
        let judged = &qrels[qid];
        ndcg += ndcg_at(&ranked, judged, 10);
        recall += recall_at(&ranked, judged, 100);
        mrr += mrr_at(&ranked, judged, 10);
    }
    let n = queries.len().max(1) as f64;
    Ok(ModeScore {
        mode,
        ndcg_10: ndcg / n,
        recall_100: recall / n,
        mrr_10: mrr / n,
        queries: queries.len(),
        ms_per_query: started.elapsed().as_secs_f64() * 1e3 / n,
    })
}

/// Writes each corpus document as `docs/<n>.txt`; returns file path -> doc id.
/// Files already holding the same text are left alone, so a reused work
/// folder is indexed incrementally (nothing to do the second time).
fn write_corpus(corpus: &Path, docs_dir: &Path) -> Result<HashMap<String, String>> {
    std::fs::create_dir_all(docs_dir).map_err(|e| Error::io(docs_dir, e))?;
    let docs_dir = docs_dir
        .canonicalize()
        .map_err(|e| Error::io(docs_dir, e))?;
    let mut ids = HashMap::new();
    for (n, (line_no, line)) in lines(corpus)?.into_iter().enumerate() {
        let doc: CorpusLine = parse(corpus, line_no, &line)?;
        let path = docs_dir.join(format!("{n}.txt"));
        let body = format!("{}\n\n{}\n", doc.title.trim(), doc.text.trim());
        if std::fs::read_to_string(&path).ok().as_deref() != Some(body.as_str()) {
            std::fs::write(&path, body).map_err(|e| Error::io(&path, e))?;
        }
        ids.insert(path.display().to_string(), doc.id);
    }
    if ids.is_empty() {
        return Err(Error::Invalid(format!(
            "{} has no documents",
            corpus.display()
        )));
    }
    Ok(ids)
}

/// The queries that have judgements, in file order.
fn read_queries(path: &Path, qrels: &HashMap<String, Judged>) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (n, line) in lines(path)? {
        let q: QueryLine = parse(path, n, &line)?;
        if qrels.contains_key(&q.id) {
            out.push((q.id, q.text));
        }
    }
    if out.is_empty() {
        return Err(Error::Invalid(format!(
            "no query in {} has a judgement in the qrels",
            path.display()
        )));
    }
    Ok(out)
}

/// `query-id <tab> corpus-id <tab> score`, with a header line.
fn read_qrels(path: &Path) -> Result<HashMap<String, Judged>> {
    let mut qrels: HashMap<String, Judged> = HashMap::new();
    for (n, line) in lines(path)? {
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        if n == 0 && fields.first() == Some(&"query-id") {
            continue;
        }
        let [query, doc, grade] = fields[..] else {
            return Err(bad_line(path, n, "expected query-id, corpus-id and score"));
        };
        let grade: i64 = grade
            .parse()
            .map_err(|_| bad_line(path, n, "the score is not a number"))?;
        let grade = u32::try_from(grade.max(0)).unwrap_or(u32::MAX);
        qrels
            .entry(query.to_string())
            .or_default()
            .insert(doc.to_string(), grade);
    }
    Ok(qrels)
}

/// The non-empty lines of a file with their index; a missing file is a clear error.
fn lines(path: &Path) -> Result<Vec<(usize, String)>> {
    let file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound(path.to_path_buf()),
        _ => Error::io(path, e),
    })?;
    let mut out = Vec::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if !line.trim().is_empty() {
            out.push((n, line));
        }
    }
    Ok(out)
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path, n: usize, line: &str) -> Result<T> {
    serde_json::from_str(line).map_err(|e| bad_line(path, n, &e.to_string()))
}

fn bad_line(path: &Path, n: usize, why: &str) -> Error {
    Error::Invalid(format!("{} line {}: {why}", path.display(), n + 1))
}
