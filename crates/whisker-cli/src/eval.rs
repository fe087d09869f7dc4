//! `whisker eval`: run a benchmark through whisker-core and print its table.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use whisker_core::eval::{AsrEval, AsrReport, RetrievalEval, RetrievalReport};
use whisker_core::speech::Language;
use whisker_core::{Config, Fusion, Precision, Speech};

use crate::cli::{EvalCommand, FusionArg, PrecisionArg, RetrievalArgs};
use crate::commands::interruptible;
use crate::progress::Bar;

pub fn run(command: EvalCommand, data_dir: &Path, json: bool) -> Result<ExitCode> {
    match command {
        EvalCommand::Retrieval(args) => retrieval(args, data_dir, json),
        EvalCommand::Asr { dir, lang } => asr(dir, lang.map(Into::into), data_dir, json),
    }
}

fn retrieval(args: RetrievalArgs, data_dir: &Path, json: bool) -> Result<ExitCode> {
    let RetrievalArgs {
        beir,
        mode,
        split,
        work_dir,
        fusion,
        vector_weight,
        rrf_k,
        precision,
    } = args;
    let mut config = Config::load(data_dir)?;
    config.search.fusion = fusion_of(config.search.fusion, fusion, vector_weight, rrf_k);
    if let Some(p) = precision {
        config.search.precision = match p {
            PrecisionArg::F32 => Precision::F32,
            PrecisionArg::Int8 => Precision::Int8,
        };
    }
    // Deleted when dropped; unused when --work-dir is given.
    let temp = tempfile::tempdir()?;
    let work_dir = work_dir.unwrap_or_else(|| temp.path().to_path_buf());
    let eval = RetrievalEval {
        dir: beir,
        split,
        modes: mode.into_iter().map(Into::into).collect(),
        work_dir,
        config,
    };
    let cancel = interruptible()?;
    let bar = Bar::new(json);
    let report = eval.run(&bar, &cancel);
    bar.finish();
    let report = report?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report.scores)?);
    } else {
        print_table(&report, &eval);
    }
    Ok(ExitCode::SUCCESS)
}

/// The configured fusion with the flags applied on top.
fn fusion_of(
    base: Fusion,
    method: Option<FusionArg>,
    weight: Option<f32>,
    rrf_k: Option<f32>,
) -> Fusion {
    let base = match (method, base) {
        (Some(FusionArg::Convex), Fusion::Rrf { .. }) => Fusion::Convex { vector_weight: 0.5 },
        (Some(FusionArg::Rrf), Fusion::Convex { .. }) => Fusion::default(),
        _ => base,
    };
    match base {
        Fusion::Rrf { k, vector_weight } => Fusion::Rrf {
            k: rrf_k.unwrap_or(k),
            vector_weight: weight.unwrap_or(vector_weight),
        },
        Fusion::Convex { vector_weight } => Fusion::Convex {
            vector_weight: weight.unwrap_or(vector_weight),
        },
    }
}

fn print_table(report: &RetrievalReport, eval: &RetrievalEval) {
    println!(
        "{}: {} documents, {} chunks ({} embedded), indexed in {:.1} s; split {}",
        eval.dir.display(),
        report.documents,
        report.chunks,
        report.embedded_chunks,
        report.index_seconds,
        eval.split
    );
    if let Some(note) = &report.note {
        println!("Note: {note}");
    }
    println!();
    println!(
        "{:<8} {:>8} {:>11} {:>8} {:>8} {:>10}",
        "mode", "nDCG@10", "Recall@100", "MRR@10", "queries", "ms/query"
    );
    for s in &report.scores {
        println!(
            "{:<8} {:>8.4} {:>11.4} {:>8.4} {:>8} {:>10.2}",
            s.mode.name(),
            s.ndcg_10,
            s.recall_100,
            s.mrr_10,
            s.queries,
            s.ms_per_query
        );
    }
}

fn asr(dir: PathBuf, language: Option<Language>, data_dir: &Path, json: bool) -> Result<ExitCode> {
    let speech = Speech::open(data_dir)?;
    let eval = AsrEval { dir, language };
    let cancel = interruptible()?;
    let bar = Bar::new(json);
    let report = eval.run(&speech, &bar, &cancel);
    bar.finish();
    let report = report?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_asr(&report, &eval);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_asr(report: &AsrReport, eval: &AsrEval) {
    println!(
        "{}: {} recordings; model loaded in {:.1} s",
        eval.dir.display(),
        report.files.len(),
        report.load_seconds
    );
    println!();
    println!(
        "{:<44} {:<4} {:>3} {:>7} {:>7} {:>6}  hypothesis",
        "file", "lang", "", "error", "audio s", "RTF"
    );
    for f in &report.files {
        println!(
            "{:<44} {:<4} {:>3} {:>6.1}% {:>7.1} {:>6.3}  {}",
            f.file,
            f.detected,
            f.metric.to_uppercase(),
            f.rate * 100.0,
            f.audio_seconds,
            f.rtf,
            f.hypothesis
        );
    }
    println!();
    for t in &report.totals {
        println!(
            "{:<44} {:<4} {:>3} {:>6.1}% {:>7.1} {:>6.3}  {} errors in {} {}",
            format!("total {} ({} files)", t.language, t.files),
            t.language,
            t.metric.to_uppercase(),
            t.rate * 100.0,
            t.audio_seconds,
            t.rtf,
            t.errors,
            t.units,
            if t.metric == "cer" {
                "characters"
            } else {
                "words"
            }
        );
    }
}
