//! Query latency of an existing Whisker library, in process: each query runs
//! as `whisker search` would (top k, snippets; BM25 unless `--mode`). Prints JSON with the
//! same keys as `bench/fts5.py query`, for `bench/run.sh`.

mod stats;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;
use serde_json::json;
use whisker_core::{Library, Mode};

use crate::stats::percentile;

#[derive(Debug, Parser)]
struct Args {
    #[arg(long)]
    data_dir: PathBuf,
    /// One query per line.
    #[arg(long)]
    queries: PathBuf,
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// bm25 | vector | hybrid (vector and hybrid need the embedding model).
    #[arg(long, default_value = "bm25")]
    mode: String,
    /// Timed passes over all queries (after one warm-up pass).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Accepted for symmetry with fts5.py; output is always JSON.
    #[arg(long)]
    json: bool,
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
            eprintln!("whisker-bench-query: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<()> {
    let library = Library::open(&args.data_dir)?;
    let mode: Mode = serde_json::from_value(json!(args.mode)).context("--mode")?;
    let text = std::fs::read_to_string(&args.queries)
        .with_context(|| format!("reading {}", args.queries.display()))?;
    let queries: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .collect();
    // Warm-up pass; its hit counts are reported.
    let mut hits = Vec::with_capacity(queries.len());
    for q in &queries {
        let found = library.search(q, args.k, Some(mode))?;
        anyhow::ensure!(found.mode == mode, "{}", found.note.unwrap_or_default());
        hits.push(found.hits.len());
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); queries.len()];
    for _ in 0..args.repeat {
        for (q, t) in queries.iter().zip(&mut times) {
            let start = Instant::now();
            library.search(q, args.k, Some(mode))?;
            t.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    let mut by_kind: BTreeMap<&str, (usize, usize, usize, Vec<f64>)> = BTreeMap::new();
    for ((q, n), t) in queries.iter().zip(&hits).zip(&times) {
        let entry = by_kind.entry(kind_of(q)).or_default();
        entry.0 += 1;
        entry.1 += usize::from(*n > 0);
        entry.2 += n;
        entry.3.extend(t);
    }
    let by_kind: serde_json::Map<String, serde_json::Value> = by_kind
        .into_iter()
        .map(|(kind, (n, with_hits, total, mut t))| {
            let (p50, p99) = (percentile(&mut t, 0.50), percentile(&mut t, 0.99));
            let v = json!({"queries": n, "with_hits": with_hits, "hits": total, "p50_ms": p50, "p99_ms": p99});
            (kind.to_string(), v)
        })
        .collect();
    let mut all: Vec<f64> = times.into_iter().flatten().collect();
    let stats = library.store().stats()?;
    let out = json!({
        "engine": "whisker",
        "queries": queries.len(),
        "repeat": args.repeat,
        "k": args.k,
        "chunks": stats.chunks,
        "hits": hits.iter().sum::<usize>(),
        "queries_with_hits": hits.iter().filter(|&&n| n > 0).count(),
        "by_kind": by_kind,
        "p50_ms": percentile(&mut all, 0.50),
        "p99_ms": percentile(&mut all, 0.99),
        "mean_ms": all.iter().sum::<f64>() / all.len().max(1) as f64,
    });
    println!("{out}");
    Ok(())
}

/// The query classes of `gen_queries.py`: unique tokens, Chinese, English.
fn kind_of(query: &str) -> &'static str {
    let token = query.len() > 2
        && query.starts_with("zq")
        && query[2..].bytes().all(|b| b.is_ascii_digit());
    if token {
        "token"
    } else if query
        .chars()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    {
        "zh"
    } else {
        "en"
    }
}
