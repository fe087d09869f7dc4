//! Vector search at scale, without spending an hour embedding 100,000 chunks.
//!
//! `fill` gives every chunk of an existing library a seeded random unit
//! vector under a model id (exact search costs the same whatever the values
//! are), and writes the same vectors, plus query vectors, as raw
//! little-endian f32 files so a peer (LanceDB, `bench/vectors_peer.py`)
//! searches exactly the same data. `search` times Whisker's exact
//! nearest-neighbour search for those query vectors, in process, and prints
//! JSON like `whisker-bench-query`.
//!
//! End-to-end latency with the real model embedding each query is measured
//! by `whisker-bench-query --mode vector|hybrid` on the filled library.

mod stats;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use serde_json::json;
use whisker_core::paths::store_dir;
use whisker_index::{Embedding, Fusion, Mode, Precision, SearchOptions, Store, VectorQuery};

use crate::stats::percentile;

#[derive(Debug, Parser)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Give every chunk without a vector from MODEL a random unit vector.
    Fill {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        model: String,
        #[arg(long, default_value_t = 384)]
        dims: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write vectors.f32 (all chunk vectors) and queries.f32 here.
        #[arg(long)]
        export: PathBuf,
        #[arg(long, default_value_t = 200)]
        queries: usize,
    },
    /// Time exact vector search for the vectors in queries.f32.
    Search {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        model: String,
        #[arg(long)]
        queries: PathBuf,
        #[arg(long, default_value_t = 10)]
        k: usize,
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        /// f32 or int8.
        #[arg(long, default_value = "f32")]
        precision: String,
    },
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
            eprintln!("whisker-bench-vectors: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Fill {
            data_dir,
            model,
            dims,
            seed,
            export,
            queries,
        } => fill(&data_dir, &model, dims, seed, &export, queries),
        Command::Search {
            data_dir,
            model,
            queries,
            k,
            repeat,
            precision,
        } => search(&data_dir, &model, &queries, k, repeat, &precision),
    }
}

fn fill(
    data_dir: &Path,
    model: &str,
    dims: usize,
    seed: u64,
    export: &Path,
    n: usize,
) -> Result<()> {
    let store = Store::open(&store_dir(data_dir))?;
    let mut rng = SplitMix(seed);
    let pending = store.unembedded(model)?;
    let mut writer = store.writer()?;
    for start in (0..pending.len()).step_by(1000) {
        let end = (start + 1000).min(pending.len());
        for chunk in pending.chunks(&store, start..end)? {
            let vector = rng.unit(dims);
            writer.embed(
                &chunk,
                &Embedding {
                    model: model.into(),
                    vector,
                },
            )?;
        }
        eprintln!("filled {end}/{}", pending.len());
    }
    writer.commit()?;
    writer.finish()?;
    std::fs::create_dir_all(export)?;
    export_vectors(&store, model, &export.join("vectors.f32"))?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(export.join("queries.f32"))?);
    for _ in 0..n {
        for x in rng.unit(dims) {
            out.write_all(&x.to_le_bytes())?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Every stored vector of `model`, as found by searching with k = all.
fn export_vectors(store: &Store, model: &str, path: &Path) -> Result<()> {
    let count = store.embedded_count(model)? as usize;
    let files = store.files()?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut written = 0;
    for file in files.keys() {
        for chunk in store.chunks_of(file)? {
            if let Some(e) = chunk.embedding.filter(|e| e.model == model) {
                for x in e.vector {
                    out.write_all(&x.to_le_bytes())?;
                }
                written += 1;
            }
        }
    }
    out.flush()?;
    anyhow::ensure!(written == count, "exported {written} of {count} vectors");
    eprintln!("exported {written} vectors to {}", path.display());
    Ok(())
}

fn search(
    data_dir: &Path,
    model: &str,
    queries: &Path,
    k: usize,
    repeat: usize,
    precision: &str,
) -> Result<()> {
    let store = Store::open(&store_dir(data_dir))?;
    let bytes = std::fs::read(queries).with_context(|| queries.display().to_string())?;
    let floats: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let dims = 384;
    let precision = match precision {
        "int8" => Precision::Int8,
        _ => Precision::F32,
    };
    let options = SearchOptions {
        k,
        mode: Mode::Vector,
        fusion: Fusion::default(),
        precision,
        snippets: false,
    };
    let started = Instant::now();
    let first = VectorQuery {
        model,
        vector: &floats[..dims],
    };
    let found = store.search_with("", Some(first), &options)?.len();
    let cold_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut times = Vec::new();
    for _ in 0..repeat {
        for vector in floats.chunks_exact(dims) {
            let start = Instant::now();
            store.search_with("", Some(VectorQuery { model, vector }), &options)?;
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    let (p50, p99) = (percentile(&mut times, 0.5), percentile(&mut times, 0.99));
    let record = json!({
        "engine": "whisker", "precision": format!("{precision:?}").to_lowercase(),
        "vectors": store.embedded_count(model)?, "queries": floats.len() / dims,
        "k": k, "found": found, "first_query_ms": cold_ms,
        "p50_ms": p50, "p99_ms": p99,
        "mean_ms": times.iter().sum::<f64>() / times.len() as f64,
    });
    println!("{record}");
    Ok(())
}

/// A small seeded generator (SplitMix64): the same vectors on every run.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A random unit vector (uniform components, then normalised).
    fn unit(&mut self, dims: usize) -> Vec<f32> {
        let v: Vec<f32> = (0..dims)
            .map(|_| (self.next() >> 40) as f32 / (1u64 << 24) as f32 - 0.5)
            .collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        v.into_iter().map(|x| x / norm).collect()
    }
}
