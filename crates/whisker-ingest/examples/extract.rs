//! Prints the text Whisker extracts from one file, section after section.
//!
//! Sections on a new page are separated by a form feed (as `pdftotext`
//! does), other sections by a blank line; the title goes to stderr. Used by
//! `bench/pdf_quality.py`.
//!
//! ```text
//! cargo run -p whisker-ingest --example extract -- paper.pdf
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use whisker_ingest::{Limits, Location, extract};

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: extract FILE");
        return Ok(ExitCode::from(2));
    };
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let doc = extract(&path, &bytes, &Limits::default())
        .with_context(|| format!("extracting {}", path.display()))?;
    eprintln!("title: {}", doc.title);
    let mut previous: Option<&Location> = None;
    for section in &doc.sections {
        if let Some(prev) = previous {
            let new_page = matches!((prev, &section.location), (Location::Page { page: a }, Location::Page { page: b }) if a != b);
            print!("{}", if new_page { "\n\x0c" } else { "\n\n" });
        }
        print!("{}", section.text);
        previous = Some(&section.location);
    }
    println!();
    Ok(ExitCode::SUCCESS)
}
