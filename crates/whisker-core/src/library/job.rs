//! One file's trip through the pipeline: read, hash, compare, extract, chunk.
//! Runs on worker threads; it reads the catalog but never writes the store.

use std::collections::HashMap;
use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

use whisker_index::{FileRecord, FileStatus, NewChunk};
use whisker_ingest::{Error as IngestError, chunk, extract};

use super::scan::Found;
use crate::config::Config;

/// What the writer should do for one file.
#[derive(Debug)]
pub(crate) enum Work {
    /// Content unchanged; only the record (mtime) is refreshed.
    Touch(FileRecord),
    /// New or changed: store the record and chunks.
    Index(FileRecord, Vec<NewChunk>),
    /// Same content as `from`, a file that disappeared in this run.
    Move(FileRecord, String),
    /// Could not be read; the record says why.
    Fail(FileRecord),
}

/// Everything a worker needs to decide about a file.
pub(crate) struct Context<'a> {
    pub config: &'a Config,
    pub catalog: &'a HashMap<String, FileRecord>,
    /// Content hash -> path of an indexed file missing in this run.
    pub missing_by_hash: &'a HashMap<String, String>,
}

/// Whether the walk metadata alone shows the file is as last seen.
pub(crate) fn unchanged_on_disk(record: &FileRecord, found: &Found) -> bool {
    record.size == found.size
        && record.mtime_ns == found.mtime_ns
        && record.ctime_ns == found.ctime_ns
        && !record.retry
}

pub(crate) fn process(found: &Found, cx: &Context) -> Work {
    let path = found.path.display().to_string();
    let mut record = new_record(&path, found);
    let limits = &cx.config.limits;
    if found.size > limits.max_file_size {
        let err = IngestError::TooLarge {
            size: found.size,
            limit: limits.max_file_size,
        };
        return fail(record, &err);
    }
    let bytes = match read_capped(found, limits.max_file_size) {
        Ok(bytes) => bytes,
        Err(err) => return fail(record, &err),
    };
    record.size = bytes.len() as u64;
    record.hash = blake3::hash(&bytes).to_hex().to_string();
    if let Some(old) = cx.catalog.get(&path)
        && old.hash == record.hash
        && old.status == FileStatus::Indexed
    {
        record.title = old.title.clone();
        record.kind = old.kind.clone();
        record.chunks = old.chunks;
        return Work::Touch(record);
    }
    if let Some(from) = cx.missing_by_hash.get(&record.hash) {
        return Work::Move(record, from.clone());
    }
    extract_into(record, &bytes, cx.config)
}

/// Extracts and chunks `bytes`, filling in `record`.
pub(crate) fn extract_into(mut record: FileRecord, bytes: &[u8], config: &Config) -> Work {
    let doc = match extract(std::path::Path::new(&record.path), bytes, &config.limits) {
        Ok(doc) => doc,
        Err(err) => return fail(record, &err),
    };
    let chunks: Vec<NewChunk> = chunk(&doc, &config.chunking)
        .into_iter()
        .map(|c| NewChunk {
            text: c.text,
            location: c.location,
            embedding: None,
        })
        .collect();
    record.title = doc.title;
    record.kind = Some(doc.kind.to_string());
    record.chunks = chunks.len() as u64;
    Work::Index(record, chunks)
}

fn read_capped(found: &Found, cap: u64) -> Result<Vec<u8>, IngestError> {
    let file = std::fs::File::open(&found.path)?;
    let mut bytes = Vec::with_capacity(found.size.min(cap) as usize);
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(IngestError::TooLarge {
            size: bytes.len() as u64,
            limit: cap,
        });
    }
    Ok(bytes)
}

pub(crate) fn fail(mut record: FileRecord, err: &IngestError) -> Work {
    record.status = FileStatus::Failed;
    record.error = Some(err.to_string());
    record.retry = err.fault() != whisker_ingest::Fault::File;
    Work::Fail(record)
}

fn new_record(path: &str, found: &Found) -> FileRecord {
    FileRecord {
        path: path.to_string(),
        size: found.size,
        mtime_ns: found.mtime_ns,
        ctime_ns: found.ctime_ns,
        hash: String::new(),
        status: FileStatus::Indexed,
        error: None,
        retry: false,
        title: String::new(),
        kind: None,
        chunks: 0,
        indexed_at: now_secs(),
    }
}

pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
