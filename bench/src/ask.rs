//! Time to first token of `ask`: the questions of `../shared/eval/qa`
//! against a library that already holds `../shared/eval/docs`, through
//! `Assistant::ask` exactly as the CLI and the app call it.
//!
//! Two figures: *cold*, the first question of a process (loading the chat
//! model included, as one `whisker ask` on the command line pays), and
//! *warm*, every later question (the app keeps the model loaded). Prints
//! one JSON record: per-question times, the stage split, whether the
//! question's document was among the sources given, and whether the
//! answer itself was in them (one of the question's `answer_must_contain`
//! words in a given passage: what a smaller passage budget could lose).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;
use serde::Deserialize;
use serde_json::json;
use whisker_core::assistant::{Assistant, Basis, Question};
use whisker_core::{Cancel, Silent};

#[derive(Debug, Parser)]
struct Args {
    /// A data folder where `whisker add ../shared/eval/docs` was run.
    #[arg(long)]
    data_dir: PathBuf,
    /// Questions, one JSON object per line with `question` and `doc`.
    #[arg(long, default_value = "/work/shared/eval/qa/questions.jsonl")]
    questions: PathBuf,
    /// Only questions in this language (en, zh); all by default.
    #[arg(long)]
    lang: Option<String>,
    /// Most tokens of each answer (the first token is what is timed).
    #[arg(long, default_value_t = 16)]
    max_tokens: usize,
    /// Most tokens of passages per prompt (`[ask] sources_tokens`); the
    /// library's setting by default.
    #[arg(long)]
    sources_tokens: Option<usize>,
}

#[derive(Deserialize)]
struct QaLine {
    id: String,
    lang: String,
    question: String,
    doc: String,
    #[serde(default)]
    answer_must_contain: Vec<String>,
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
            eprintln!("whisker-bench-ask: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<()> {
    let mut config = whisker_core::Config::load(&args.data_dir)?;
    config.generation.max_tokens = args.max_tokens;
    if let Some(tokens) = args.sources_tokens {
        config.ask.sources_tokens = tokens;
    }
    let sources_tokens = config.ask.sources_tokens;
    let assistant = Assistant::with_config(&args.data_dir, config)?;
    let text = std::fs::read_to_string(&args.questions)
        .with_context(|| format!("reading {}", args.questions.display()))?;
    let mut records = Vec::new();
    let started = Instant::now();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let qa: QaLine = serde_json::from_str(line)?;
        if args.lang.as_ref().is_some_and(|l| *l != qa.lang) {
            continue;
        }
        let answer = assistant.ask(&Question::new(&qa.question), &Silent, &Cancel::new())?;
        let found = answer.sources.iter().any(|s| s.path.ends_with(&qa.doc));
        let answer_given = answer.sources.iter().any(|s| {
            let text = s.text.to_lowercase();
            qa.answer_must_contain
                .iter()
                .any(|word| text.contains(&word.to_lowercase()))
        });
        records.push(json!({
            "id": qa.id,
            "lang": qa.lang,
            "basis": answer.basis,
            "doc_among_sources": found,
            "answer_among_sources": answer_given,
            "sources": answer.sources.len(),
            "prompt_tokens": answer.stats.prompt_tokens,
            "reused_tokens": answer.stats.reused_tokens,
            "first_token_ms": answer.stats.first_token_ms,
            "total_ms": answer.stats.total_ms,
            "generated": answer.basis != Basis::NotFound,
        }));
    }
    let record = json!({
        "bench": "ask_ttft",
        "questions": records.len(),
        "sources_tokens": sources_tokens,
        "wall_s": started.elapsed().as_secs_f64(),
        "load_average": load_average(),
        "asks": records,
    });
    println!("{}", serde_json::to_string_pretty(&record)?);
    Ok(())
}

fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}
