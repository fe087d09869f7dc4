//! Embedding throughput: passages/s of Whisker's candle embedder on SciFact
//! abstracts ("title. text", the first `--n` of the corpus). Prints one JSON
//! record with the same keys as `bench/st_embed.py bench`, for `bench/run.sh`.
//!
//! With `--queries FILE` (a BEIR queries.jsonl) it times search queries
//! instead: each embedded alone, as `whisker search` does, p50/p99 in ms.

mod stats;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;
use serde_json::json;
use whisker_models::embed::{EmbedSpec, Embedder};

use crate::stats::percentile;

#[derive(Debug, Parser)]
struct Args {
    /// Folder with config.json, model.safetensors, tokenizer.json.
    #[arg(long, default_value = "models/all-minilm-l6-v2")]
    model_dir: PathBuf,
    /// BEIR corpus.jsonl (fields _id, title, text).
    #[arg(long, default_value = "/work/shared/eval/retrieval/corpus.jsonl")]
    corpus: PathBuf,
    /// Passages: the first N of the corpus.
    #[arg(long, default_value_t = 1000)]
    n: usize,
    /// Most texts per batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Most padded tokens per batch (texts × longest).
    #[arg(long, default_value_t = 8192)]
    batch_tokens: usize,
    /// Timed passes (after one warm-up batch); the best is reported.
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    /// Time query embedding instead: a BEIR queries.jsonl (field `text`).
    #[arg(long)]
    queries: Option<PathBuf>,
}

fn main() -> ExitCode {
    // SAFETY: the first thing the process does; no other thread exists yet.
    #[allow(unsafe_code)]
    unsafe {
        whisker_models::fix_thread_count()
    };
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("whisker-bench-embed: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<()> {
    let spec = EmbedSpec::all_minilm_l6_v2();
    let start = Instant::now();
    let mut embedder = Embedder::load("all-minilm-l6-v2", &args.model_dir, &spec)?;
    embedder.set_batch_limits(args.batch_size, args.batch_tokens);
    let load_s = start.elapsed().as_secs_f64();
    if let Some(path) = &args.queries {
        return time_queries(&embedder, &spec.query_prefix, path, args.repeat);
    }
    let passages = read_passages(&args.corpus, args.n)?;
    let texts: Vec<&str> = passages.iter().map(String::as_str).collect();
    let start = Instant::now();
    let tokens: usize = embedder.tokenize("", &texts)?.iter().map(Vec::len).sum();
    let tokenize_s = start.elapsed().as_secs_f64();
    embedder.embed_passages(&texts[..texts.len().min(32)])?; // warm-up
    let load_before = load_average();
    let mut runs = Vec::new();
    let mut dims = 0;
    for _ in 0..args.repeat.max(1) {
        let start = Instant::now();
        let vectors = embedder.embed_passages(&texts)?;
        runs.push(start.elapsed().as_secs_f64());
        dims = vectors.first().map_or(0, Vec::len);
    }
    let best = runs.iter().copied().fold(f64::INFINITY, f64::min);
    let record = json!({
        "engine": "whisker",
        "passages": texts.len(),
        "tokens": tokens,
        "seconds": best,
        "runs_s": runs,
        "passages_per_s": texts.len() as f64 / best,
        "tokens_per_s": tokens as f64 / best,
        "threads": embedder.threads(),
        "batch_size": args.batch_size,
        "batch_tokens": args.batch_tokens,
        "max_tokens": spec.max_tokens,
        "dims": dims,
        "load_s": load_s,
        "tokenize_s": tokenize_s,
        "load_before": load_before,
    });
    println!("{record}");
    Ok(())
}

/// Embeds each query alone, `repeat` times over (after one warm-up pass).
fn time_queries(embedder: &Embedder, prefix: &str, path: &PathBuf, repeat: usize) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let queries: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let doc: serde_json::Value = serde_json::from_str(l)?;
            Ok(doc["text"].as_str().unwrap_or_default().to_string())
        })
        .collect::<Result<_>>()?;
    let tokens: usize = queries
        .iter()
        .map(|q| Ok(embedder.tokenize(prefix, &[q])?[0].len()))
        .sum::<Result<usize>>()?;
    for q in &queries {
        embedder.embed_query(q)?;
    }
    let mut times = Vec::new();
    for _ in 0..repeat.max(1) {
        for q in &queries {
            let start = Instant::now();
            embedder.embed_query(q)?;
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    let (p50, p99) = (percentile(&mut times, 0.5), percentile(&mut times, 0.99));
    let record = json!({
        "engine": "whisker",
        "queries": queries.len(),
        "mean_tokens": tokens as f64 / queries.len().max(1) as f64,
        "p50_ms": p50,
        "p99_ms": p99,
        "mean_ms": mean,
        "threads": embedder.threads(),
    });
    println!("{record}");
    Ok(())
}

/// "title. text", the same rule as `passage_text` in bench/st_embed.py.
fn passage_text(doc: &serde_json::Value) -> String {
    let field = |k: &str| doc.get(k).and_then(|v| v.as_str()).unwrap_or("").trim();
    let title = field("title").trim_end_matches('.');
    let text = field("text");
    if title.is_empty() {
        text.to_string()
    } else {
        format!("{title}. {text}")
    }
}

fn read_passages(path: &PathBuf, n: usize) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .take(n)
        .map(|l| Ok(passage_text(&serde_json::from_str(l)?)))
        .collect()
}

fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}
