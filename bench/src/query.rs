//! Query latency of an existing Whisker library, in process: each query runs
//! as `whisker search` would (BM25, top k, snippets). Prints JSON with the
//! same keys as `bench/fts5.py query`, for `bench/run.sh`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;
use whisker_core::Library;

#[derive(Debug, Parser)]
struct Args {
    #[arg(long)]
    data_dir: PathBuf,
    /// One query per line.
    #[arg(long)]
    queries: PathBuf,
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Timed passes over all queries (after one warm-up pass).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Accepted for symmetry with fts5.py; output is always JSON.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
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
    let text = std::fs::read_to_string(&args.queries)
        .with_context(|| format!("reading {}", args.queries.display()))?;
    let queries: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .collect();
    let mut hits = 0;
    for q in &queries {
        hits += library.search(q, args.k)?.len();
    }
    let mut millis = Vec::with_capacity(queries.len() * args.repeat);
    for _ in 0..args.repeat {
        for q in &queries {
            let start = Instant::now();
            library.search(q, args.k)?;
            millis.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    millis.sort_by(f64::total_cmp);
    let pct = |p: f64| millis[((millis.len() - 1) as f64 * p).round() as usize];
    let stats = library.store().stats()?;
    let out = serde_json::json!({
        "engine": "whisker",
        "queries": queries.len(),
        "repeat": args.repeat,
        "k": args.k,
        "chunks": stats.chunks,
        "hits": hits,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "mean_ms": millis.iter().sum::<f64>() / millis.len() as f64,
    });
    println!("{out}");
    Ok(())
}
