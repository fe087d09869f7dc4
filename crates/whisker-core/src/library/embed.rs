//! Embedding during `add`.
//!
//! Two places: a pipeline stage between extraction and writing, so that a
//! file's chunks are stored together with their vectors (one commit, crash
//! safe like the rest) while the next files are being extracted; and a
//! catch-up pass afterwards for chunks stored without a vector from the
//! current model (indexed before a model was installed, moved in from a file
//! embedded by another model, or with another model configured).
//!
//! A model failure never loses text: the file is stored without vectors and
//! the catch-up pass of a later run tries again.

use std::sync::Mutex;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};
use whisker_index::{Embedding, NewChunk, Store, StoreWriter};
use whisker_models::embed::Embedder;

use super::job::Work;
use crate::error::Result;
use crate::events::{Cancel, Event, Progress};

/// Chunks embedded together: enough to keep the matrix code busy, few enough
/// that progress moves smoothly.
const BATCH_CHUNKS: usize = 32;

/// What embedding did in one run.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub chunks: u64,
    /// The first model error, if any (the files were stored without vectors).
    pub error: Option<String>,
}

/// The pipeline stage: takes extracted work, adds vectors, passes it on.
pub(crate) fn stage(
    input: Receiver<(u64, Work)>,
    output: Sender<(u64, Work)>,
    embedder: &Embedder,
    cancel: &Cancel,
    tally: &Mutex<Tally>,
) {
    while let Ok(first) = input.recv() {
        let mut batch = vec![first];
        while chunk_count(&batch) < BATCH_CHUNKS {
            match input.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        if !cancel.is_cancelled() {
            embed_batch(&mut batch, embedder, tally);
        }
        for item in batch {
            if output.send(item).is_err() {
                return;
            }
        }
    }
}

fn chunk_count(batch: &[(u64, Work)]) -> usize {
    batch
        .iter()
        .map(|(_, w)| match w {
            Work::Index(_, chunks) => chunks.len(),
            _ => 0,
        })
        .sum()
}

/// Embeds every chunk of the batch's indexed files in one call.
fn embed_batch(batch: &mut [(u64, Work)], embedder: &Embedder, tally: &Mutex<Tally>) {
    let mut chunks: Vec<&mut NewChunk> = batch
        .iter_mut()
        .filter_map(|(_, w)| match w {
            Work::Index(_, chunks) => Some(chunks.iter_mut()),
            _ => None,
        })
        .flatten()
        .collect();
    if chunks.is_empty() {
        return;
    }
    let texts: Vec<&str> = chunks.iter().map(|c| c.text.as_str()).collect();
    let result = embedder.embed_passages(&texts);
    let mut tally = tally.lock().unwrap_or_else(|e| e.into_inner());
    match result {
        Ok(vectors) => {
            tally.chunks += vectors.len() as u64;
            for (chunk, vector) in chunks.iter_mut().zip(vectors) {
                chunk.embedding = Some(Embedding {
                    model: embedder.id().to_string(),
                    vector,
                });
            }
        }
        Err(err) => {
            tally.error.get_or_insert(err.to_string());
        }
    }
}

/// Gives every stored chunk without a current vector one. Commits as it
/// goes (every `commit_every`), so a kill loses at most that much work.
pub(crate) fn catch_up(
    store: &Store,
    writer: &mut StoreWriter,
    embedder: &Embedder,
    progress: &dyn Progress,
    cancel: &Cancel,
    tally: &mut Tally,
) -> Result<()> {
    let pending = store.unembedded(embedder.id())?;
    let total = pending.len() as u64;
    if total == 0 {
        return Ok(());
    }
    let mut last_commit = Instant::now();
    let mut done = 0u64;
    progress.event(&Event::Embedding { done, total });
    for start in (0..pending.len()).step_by(BATCH_CHUNKS) {
        if cancel.is_cancelled() {
            break;
        }
        let end = (start + BATCH_CHUNKS).min(pending.len());
        let chunks = pending.chunks(store, start..end)?;
        let texts: Vec<&str> = chunks.iter().map(|c| c.text.as_str()).collect();
        let vectors = match embedder.embed_passages(&texts) {
            Ok(vectors) => vectors,
            Err(err) => {
                tally.error.get_or_insert(err.to_string());
                break;
            }
        };
        for (chunk, vector) in chunks.iter().zip(vectors) {
            let model = embedder.id().to_string();
            writer.embed(chunk, &Embedding { model, vector })?;
        }
        done += chunks.len() as u64;
        tally.chunks += chunks.len() as u64;
        progress.event(&Event::Embedding { done, total });
        if last_commit.elapsed() >= super::add::COMMIT_EVERY {
            writer.commit()?;
            progress.event(&Event::Committed);
            last_commit = Instant::now();
        }
    }
    Ok(())
}
