//! Generation speed of Whisker's candle generator on a GGUF chat model:
//! prefill tok/s, decode tok/s and time to first token, for one JSON record
//! with the same keys as `bench/llama_peer.py` (llama.cpp on the same file),
//! for `bench/generate.sh`.
//!
//! The prompt is plain text, not a chat: the sample document repeated, cut to
//! at most `--prompt-tokens` tokens by the model's tokenizer. Each round opens
//! a fresh session (empty KV cache), feeds it, and generates `--max-tokens`
//! greedily with no repeat penalty and no stop string, so both engines do the
//! same work: one prefill, then one forward pass per token.
//!
//! Besides wall-clock time, each round records the CPU time the process used
//! (all threads, from `/proc/self/stat`): on a shared machine tokens per
//! CPU-second are steadier than tokens per second, though spinning threads
//! count as busy.
//!
//! Threads: candle sizes its pools from `CANDLE_NUM_THREADS` (matmul barrier
//! pool) and `RAYON_NUM_THREADS` (everything else) when it first uses them;
//! `--threads N` sets both before the model is loaded.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use clap::Parser;
use serde_json::{Value, json};
use whisker_models::generate::{Flow, GenerateParams, Generator};

#[derive(Debug, Parser)]
struct Args {
    /// The GGUF file (a tokenizer.json beside it is used when present).
    #[arg(
        long,
        default_value = "models/smollm2-135m-instruct-q4_1/SmolLM2-135M-Instruct.Q4_1.gguf"
    )]
    model: PathBuf,
    /// English text repeated to make the prompt.
    #[arg(long, default_value = "samples/meeting_notes.md")]
    text: PathBuf,
    /// Prompt length: the longest prefix of the repeated text with at most
    /// this many tokens.
    #[arg(long, default_value_t = 512)]
    prompt_tokens: usize,
    /// Tokens generated per round.
    #[arg(long, default_value_t = 128)]
    max_tokens: usize,
    /// Timed rounds (after one short warm-up).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Threads for candle (CANDLE_NUM_THREADS and RAYON_NUM_THREADS);
    /// default: the environment's, else candle's (physical cores).
    #[arg(long)]
    threads: Option<usize>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(n) = args.threads {
        set_thread_env(n);
    }
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("whisker-bench-generate: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// candle reads these once, when it first builds its thread pools.
#[allow(unsafe_code)]
fn set_thread_env(n: usize) {
    // SAFETY: called at the top of `main`, before any other thread exists,
    // so nothing can read the environment concurrently.
    unsafe {
        std::env::set_var("CANDLE_NUM_THREADS", n.to_string());
        std::env::set_var("RAYON_NUM_THREADS", n.to_string());
    }
}

fn run(args: Args) -> Result<()> {
    let load_before = load_average();
    let start = Instant::now();
    let generator = Generator::load("bench", &args.model)
        .with_context(|| format!("loading {}", args.model.display()))?;
    let load_s = start.elapsed().as_secs_f64();
    let text = std::fs::read_to_string(&args.text)
        .with_context(|| format!("reading {}", args.text.display()))?;
    let prompt = prompt_of(&generator, &text, args.prompt_tokens)?;
    let params = GenerateParams {
        max_tokens: args.max_tokens,
        temperature: 0.0,
        repeat_penalty: 1.0,
        stop: Vec::new(),
        ..GenerateParams::default()
    };
    let warm_up = prompt_of(&generator, &text, 16)?;
    round(
        &generator,
        &warm_up,
        &GenerateParams {
            max_tokens: 4,
            ..params.clone()
        },
    )?;
    let rounds = (0..args.rounds.max(1))
        .map(|_| round(&generator, &prompt, &params))
        .collect::<Result<Vec<_>>>()?;
    let record = json!({
        "engine": "whisker",
        "model": args.model.file_name().map(|n| n.to_string_lossy()),
        "threads": args.threads.unwrap_or_else(candle_core::utils::get_num_threads),
        "prompt_tokens": rounds[0].prompt_tokens,
        "max_tokens": args.max_tokens,
        "tokens": rounds[0].tokens,
        "prefill_tok_s": median(&rounds, Round::prefill_tok_s),
        "decode_tok_s": median(&rounds, Round::decode_tok_s),
        "ttft_ms": median(&rounds, |r| r.ttft.as_secs_f64() * 1e3),
        "prefill_tok_cpu_s": median(&rounds, |r| r.prompt_tokens as f64 / r.cpu_prefill),
        "decode_tok_cpu_s": median(&rounds, |r| r.tokens.saturating_sub(1) as f64 / r.cpu_decode),
        "rounds": rounds.iter().map(Round::to_json).collect::<Vec<_>>(),
        "load_s": load_s,
        "load_before": load_before,
        "text": args.text.file_name().map(|n| n.to_string_lossy()),
        "reply_start": rounds[0].text.chars().take(80).collect::<String>(),
    });
    println!("{record}");
    Ok(())
}

/// One timed generation.
#[derive(Debug)]
struct Round {
    prompt_tokens: usize,
    tokens: usize,
    prefill: Duration,
    decode: Duration,
    ttft: Duration,
    /// CPU seconds up to the first token, and after it.
    cpu_prefill: f64,
    cpu_decode: f64,
    text: String,
}

impl Round {
    fn prefill_tok_s(&self) -> f64 {
        self.prompt_tokens as f64 / self.prefill.as_secs_f64()
    }

    /// The first token comes out of the prefill: decode timed the rest.
    fn decode_tok_s(&self) -> f64 {
        self.tokens.saturating_sub(1) as f64 / self.decode.as_secs_f64()
    }

    fn to_json(&self) -> Value {
        json!({
            "prefill_s": self.prefill.as_secs_f64(),
            "decode_s": self.decode.as_secs_f64(),
            "ttft_ms": self.ttft.as_secs_f64() * 1e3,
            "prefill_tok_s": self.prefill_tok_s(),
            "decode_tok_s": self.decode_tok_s(),
            "tokens": self.tokens,
            "cpu_prefill_s": self.cpu_prefill,
            "cpu_decode_s": self.cpu_decode,
        })
    }
}

fn round(generator: &Generator, prompt: &str, params: &GenerateParams) -> Result<Round> {
    // Every round reads the whole prompt, as llama.cpp's does.
    generator.forget();
    let mut session = generator.session();
    session.feed(prompt)?;
    let (start, cpu_start) = (Instant::now(), cpu_seconds());
    let mut first = None;
    let generation = session.generate(params, &mut |_| {
        first.get_or_insert_with(|| (start.elapsed(), cpu_seconds()));
        Flow::Continue
    })?;
    let cpu_end = cpu_seconds();
    let (ttft, cpu_first) = first.unwrap_or((generation.prefill, cpu_end));
    if generation.tokens < params.max_tokens {
        eprintln!(
            "whisker-bench-generate: the model ended after {} of {} tokens ({:?})",
            generation.tokens, params.max_tokens, generation.finish
        );
    }
    Ok(Round {
        prompt_tokens: generation.prompt_tokens,
        tokens: generation.tokens,
        prefill: generation.prefill,
        decode: generation.decode,
        ttft,
        cpu_prefill: cpu_first - cpu_start,
        cpu_decode: cpu_end - cpu_first,
        text: generation.text,
    })
}

/// The longest prefix of `text`, repeated as often as needed, that the
/// generator's tokenizer makes at most `max_tokens` tokens of.
fn prompt_of(generator: &Generator, text: &str, max_tokens: usize) -> Result<String> {
    let text = text.trim();
    ensure!(!text.is_empty(), "the prompt text is empty");
    let mut long = text.to_string();
    while generator.count_tokens(&long)? <= max_tokens {
        long.push_str("\n\n");
        long.push_str(text);
    }
    let ends: Vec<usize> = long.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
    // Token counts grow with the prefix: the first end that overshoots.
    let (mut lo, mut hi) = (0, ends.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if generator.count_tokens(&long[..ends[mid]])? <= max_tokens {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let end = if lo == 0 { 0 } else { ends[lo - 1] };
    Ok(long[..end].to_string())
}

fn median(rounds: &[Round], metric: impl Fn(&Round) -> f64) -> f64 {
    let mut values: Vec<f64> = rounds.iter().map(metric).collect();
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// User and system CPU time of this process, all threads, in seconds
/// (clock ticks of 10 ms).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses: utime is the
    // 12th, stime the 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => (user + system) / 100.0,
        _ => f64::NAN,
    }
}

fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}
