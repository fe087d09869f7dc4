//! `ask` and `write`: the answer streams to stdout as it is generated; the
//! sources follow. With `--json`, nothing streams and one JSON document is
//! printed at the end.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use whisker_core::assistant::{
    Answer, Assistant, Lang, Outline, Question, Rewrite, SlidesRequest, WriteMode, WriteRequest,
};
use whisker_core::slides;
use whisker_core::speech::Transcript;
use whisker_core::{Cancel, Event, Progress, Stage};

use crate::commands::interruptible;
use crate::render;

/// Prints generated text as it comes, and each stage on stderr.
struct Stream {
    json: bool,
    stages: bool,
}

impl Stream {
    fn new(json: bool) -> Stream {
        Stream {
            json,
            stages: !json && std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for Stream {
    fn event(&self, event: &Event) {
        match event {
            Event::Token { text } if !self.json => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            }
            Event::Stage { stage, detail } if self.stages => {
                let what = match stage {
                    Stage::Retrieve => "searching…".to_string(),
                    Stage::Load => "loading the model…".to_string(),
                    Stage::Read { part, parts } => {
                        format!("reading {detail}, part {part}/{parts}…")
                    }
                    Stage::Generate => String::new(),
                };
                // One status line, overwritten; cleared when the text starts.
                eprint!("\r\x1b[2K{what}");
            }
            _ => {}
        }
    }
}

/// Asks `question`; `heard` is the transcript it came from, when asked aloud
/// (under `--json` it is printed beside the answer).
pub fn ask(
    assistant: &Assistant,
    question: &str,
    heard: Option<&Transcript>,
    cancel: &Cancel,
    json: bool,
) -> Result<ExitCode> {
    let stream = Stream::new(json);
    let answer = assistant.ask(&Question::new(question), &stream, cancel)?;
    if let (true, Some(heard)) = (json, heard) {
        render::json(&serde_json::json!({ "heard": heard, "answer": answer }))?;
    } else if json {
        render::json(&answer)?;
    } else {
        print_sources(&answer);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_sources(answer: &Answer) {
    println!();
    if let Some(note) = &answer.note {
        println!("\nNote: {note}");
    }
    let cited: Vec<_> = answer.cited().collect();
    if !cited.is_empty() {
        println!("\nSources:");
        for s in cited {
            println!("  [{}] {}", s.n, s.label);
            println!("      {}", s.path);
        }
    } else if !answer.sources.is_empty() {
        println!("\nSources consulted (none cited):");
        for s in &answer.sources {
            println!("  [{}] {}", s.n, s.label);
        }
    }
}

/// Where `write` takes its text from.
pub struct WriteInput {
    pub text: Option<String>,
    pub file: Option<PathBuf>,
}

impl WriteInput {
    fn read(self) -> Result<String> {
        if let Some(text) = self.text {
            return Ok(text);
        }
        if let Some(file) = self.file {
            return std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()));
        }
        if std::io::stdin().is_terminal() {
            anyhow::bail!("give the text as an argument, with --file, or on standard input");
        }
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
        Ok(text)
    }
}

pub fn write(
    assistant: &Assistant,
    mode: WriteMode,
    input: WriteInput,
    to: Option<Lang>,
    grounded: bool,
    json: bool,
) -> Result<ExitCode> {
    let request = WriteRequest {
        mode,
        text: input.read()?,
        to,
        grounded,
    };
    let cancel = interruptible()?;
    let stream = Stream::new(json);
    let rewrite = assistant.write(&request, &stream, &cancel)?;
    if json {
        render::json(&rewrite)?;
    } else {
        print_rewrite_sources(&rewrite);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_rewrite_sources(rewrite: &Rewrite) {
    println!();
    let cited: Vec<_> = rewrite.sources.iter().filter(|s| s.cited).collect();
    if !cited.is_empty() {
        eprintln!("\nSources:");
        for s in cited {
            eprintln!("  [{}] {}", s.n, s.label);
        }
    }
}

pub fn slides(
    assistant: &Assistant,
    topic: &str,
    count: usize,
    out: Option<PathBuf>,
    md: Option<PathBuf>,
    json: bool,
) -> Result<ExitCode> {
    let request = SlidesRequest {
        topic: topic.to_string(),
        slides: count,
    };
    let cancel = interruptible()?;
    // The outline's raw JSON is not worth streaming: show the stages only.
    let stages = Stream::new(json);
    let outline = assistant.outline(&request, &StagesOnly(&stages), &cancel)?;
    let pptx = out.unwrap_or_else(|| free_path(&slug(topic), "pptx"));
    slides::pptx::write(&outline.deck, &pptx)?;
    if let Some(md) = &md {
        slides::markdown::write(&outline.deck, md)?;
    }
    if json {
        let report = SlidesReport {
            outline: &outline,
            pptx: pptx.display().to_string(),
            markdown: md.as_ref().map(|p| p.display().to_string()),
        };
        render::json(&report)?;
    } else {
        eprint!("\r\x1b[2K");
        print_outline(&outline);
        println!("\nWrote {}", pptx.display());
        if let Some(md) = &md {
            println!("Wrote {}", md.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Passes on stage events, not tokens.
struct StagesOnly<'a>(&'a Stream);

impl Progress for StagesOnly<'_> {
    fn event(&self, event: &Event) {
        if !matches!(event, Event::Token { .. }) {
            self.0.event(event);
        }
    }
}

#[derive(serde::Serialize)]
struct SlidesReport<'a> {
    #[serde(flatten)]
    outline: &'a Outline,
    pptx: String,
    markdown: Option<String>,
}

fn print_outline(outline: &Outline) {
    println!("{}", outline.deck.title);
    for (i, slide) in outline.deck.slides.iter().enumerate() {
        println!("\n{}. {}", i + 1, slide.title);
        for bullet in &slide.bullets {
            println!("   • {bullet}");
        }
    }
    if !outline.deck.sources.is_empty() {
        println!("\nSources:");
        for s in &outline.deck.sources {
            println!("  [{}] {}", s.n, s.label);
        }
    }
}

/// A file name from a topic: letters, digits and CJK kept, the rest dashes.
fn slug(topic: &str) -> String {
    let mut out = String::new();
    for c in topic.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(60).collect();
    if out.is_empty() { "deck".into() } else { out }
}

/// `name.ext` in the current folder, or `name (2).ext`, ... if it exists.
fn free_path(name: &str, ext: &str) -> PathBuf {
    let mut path = PathBuf::from(format!("{name}.{ext}"));
    let mut n = 2;
    while path.exists() {
        path = PathBuf::from(format!("{name} ({n}).{ext}"));
        n += 1;
    }
    path
}
