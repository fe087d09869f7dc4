//! Whole-document questions ("summarise report.pdf", "compare A and B"):
//! each named document is read part by part (map), and the answer is written
//! from the parts' summaries (reduce), citing the parts.
//!
//! Top-k retrieval cannot answer these: the best five passages of a report
//! are not its summary. A long document is read in at most [`MAX_PARTS`]
//! evenly spaced parts, and the answer says so.

use std::time::Instant;

use whisker_index::StoredChunk;
use whisker_models::generate::{Flow, GenerateParams, Generator, Message};

use super::Assistant;
use super::ask::{Answer, Basis, Question};
use super::prompts::{self, Lang};
use super::sources::{self, Source};
use crate::error::{Error, Result};
use crate::events::{Cancel, Event, Progress, Stage};
use crate::library::{Document, Library};

/// Most parts read per document.
const MAX_PARTS: usize = 6;
/// Most documents one question can name.
const MAX_DOCUMENTS: usize = 3;
/// Tokens of a part's summary.
const PART_SUMMARY_TOKENS: usize = 160;
/// Shortest name (file stem or title) matched in a question.
const MIN_NAME_CHARS: usize = 4;

const INTENTS: &[&str] = &[
    "summarise",
    "summarize",
    "summary",
    "overview",
    "compare",
    "comparison",
    "contrast",
    "difference between",
    "differences between",
    "tl;dr",
    "tldr",
    "总结",
    "概括",
    "摘要",
    "概述",
    "比较",
    "对比",
    "区别",
    "归纳",
];

/// The documents a whole-document question names, or `None` when the
/// question is not one.
pub fn targets(library: &Library, question: &str) -> Result<Option<Vec<Document>>> {
    let lower = question.to_lowercase();
    if !INTENTS.iter().any(|w| lower.contains(w)) {
        return Ok(None);
    }
    let mut named: Vec<(usize, Document)> = Vec::new();
    for doc in library.documents()? {
        let name = file_name(&doc.path).to_lowercase();
        let stem = name
            .rsplit_once('.')
            .map_or(name.as_str(), |(s, _)| s)
            .to_string();
        let title = doc.title.to_lowercase();
        let at = [name.as_str(), stem.as_str(), title.as_str()]
            .into_iter()
            .filter(|n| n.chars().count() >= MIN_NAME_CHARS)
            .find_map(|n| lower.find(n));
        if let Some(at) = at {
            named.push((at, doc));
        }
    }
    // In the order the question names them.
    named.sort_by_key(|(at, _)| *at);
    named.dedup_by(|a, b| a.1.path == b.1.path);
    named.truncate(MAX_DOCUMENTS);
    Ok((!named.is_empty()).then(|| named.into_iter().map(|(_, d)| d).collect()))
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or(path.into(), |n| n.to_string_lossy().into_owned())
}

impl Assistant {
    pub(super) fn ask_documents(
        &self,
        question: &Question,
        documents: &[Document],
        lang: Lang,
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<Answer> {
        let started = Instant::now();
        let generator = self.generator(progress)?;
        let mut parts = Vec::new();
        let mut notes = Vec::new();
        for doc in documents {
            let chunks = self.library.chunks_of(&doc.path)?;
            let (groups, total) = self.parts(&generator, chunks)?;
            if groups.len() < total {
                notes.push(format!(
                    "{} is long: {} of its {total} parts were read (evenly spaced)",
                    file_name(&doc.path),
                    groups.len()
                ));
            }
            parts.extend(groups.into_iter().map(|g| (doc, g)));
        }
        let mut summaries = Vec::new();
        for (i, (doc, group)) in parts.iter().enumerate() {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            progress.event(&Event::Stage {
                stage: Stage::Read {
                    part: i + 1,
                    parts: parts.len(),
                },
                detail: file_name(&doc.path),
            });
            summaries.push(self.summarise_part(&generator, doc, group, i + 1, lang)?);
        }
        let reply = self.reply_tokens();
        let messages = vec![
            Message::system(prompts::ask_system(lang)),
            Message::user(prompts::ask_user(
                lang,
                &sources::render(&summaries),
                question.text.trim(),
            )),
        ];
        let mut answer = self.generate_cited(
            &generator, &messages, summaries, reply, started, progress, cancel,
        )?;
        answer.question = question.text.trim().to_string();
        answer.basis = Basis::Documents;
        answer.note = (!notes.is_empty()).then(|| notes.join("; "));
        Ok(answer)
    }

    /// The document's chunks in groups that fit one summarising prompt; at
    /// most [`MAX_PARTS`], evenly spaced. Also returns how many there were.
    fn parts(
        &self,
        generator: &Generator,
        chunks: Vec<StoredChunk>,
    ) -> Result<(Vec<Vec<StoredChunk>>, usize)> {
        let budget = generator
            .context_len()
            .saturating_sub(PART_SUMMARY_TOKENS + 160)
            .clamp(256, 2048);
        let mut groups = Vec::new();
        let (mut start, mut used) = (0, 0);
        for (i, chunk) in chunks.iter().enumerate() {
            let n = generator.count_tokens(&chunk.text)?.min(budget);
            if used + n > budget && i > start {
                groups.push(chunks[start..i].to_vec());
                (start, used) = (i, 0);
            }
            used += n;
        }
        if start < chunks.len() {
            groups.push(chunks[start..].to_vec());
        }
        let total = groups.len();
        if total > MAX_PARTS {
            let picked = (0..MAX_PARTS).map(|i| groups[i * (total - 1) / (MAX_PARTS - 1)].clone());
            groups = picked.collect();
        }
        Ok((groups, total))
    }

    fn summarise_part(
        &self,
        generator: &Generator,
        doc: &Document,
        group: &[StoredChunk],
        n: usize,
        lang: Lang,
    ) -> Result<Source> {
        let (first, last) = (&group[0], &group[group.len() - 1]);
        let mut label = sources::label(&doc.path, &first.location);
        if last.location != first.location {
            label = format!("{label} – {}", last.location);
        }
        let text: Vec<&str> = group.iter().map(|c| c.text.as_str()).collect();
        let budget = generator
            .context_len()
            .saturating_sub(PART_SUMMARY_TOKENS + 160);
        let text = sources::truncate_to_tokens(generator, &text.join("\n\n"), budget)?;
        let messages = [
            Message::system(prompts::part_system(lang)),
            Message::user(prompts::part_user(lang, &doc.title, &label, &text)),
        ];
        let params = GenerateParams {
            max_tokens: PART_SUMMARY_TOKENS,
            ..self.generation.config().params(PART_SUMMARY_TOKENS)
        };
        let summary = generator.chat(&messages, &params, &mut |_| Flow::Continue)?;
        Ok(Source {
            n,
            path: doc.path.clone(),
            title: doc.title.clone(),
            kind: doc.kind.clone(),
            location: first.location.clone(),
            label,
            text: summary.text.trim().to_string(),
            chunk_id: first.chunk_id,
            cited: false,
        })
    }
}
