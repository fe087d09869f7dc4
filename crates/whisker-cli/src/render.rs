//! Output: human-readable text, or one JSON document with `--json`.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use serde::Serialize;
use whisker_core::{AddReport, Found, RemoveReport, Status};

pub fn json<T: Serialize>(value: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

pub fn add(report: &AddReport, as_json: bool) -> Result<()> {
    if as_json {
        return json(report);
    }
    let mb = report.bytes as f64 / 1e6;
    let secs = report.seconds.max(1e-3);
    println!(
        "Indexed {} file(s), {} chunks, {:.1} MB in {:.1} s ({:.1} files/s, {:.1} MB/s)",
        report.indexed,
        report.chunks,
        mb,
        report.seconds,
        report.indexed as f64 / secs,
        mb / secs
    );
    println!(
        "Unchanged {} · moved {} · removed {} · failed {} · skipped (unsupported type) {}",
        report.unchanged, report.moved, report.removed, report.failed, report.skipped
    );
    if report.embedded > 0 {
        println!("Embedded {} chunk(s) for vector search.", report.embedded);
    }
    if let Some(note) = &report.vectors_note {
        println!("Note: {note}");
    }
    if report.still_failing > 0 {
        println!(
            "{} unchanged file(s) still cannot be read; `whisker status` lists why.",
            report.still_failing
        );
    }
    if !report.failures.is_empty() {
        println!("Failed:");
        for f in &report.failures {
            println!("  {}: {}", f.path, f.reason);
        }
    }
    if report.cancelled {
        println!("Interrupted: work up to the last commit is kept; run `add` again to finish.");
    }
    Ok(())
}

/// One line per sync during `watch` (one JSON object per line with `--json`).
pub fn sync(report: &AddReport, as_json: bool) {
    if as_json {
        if let Ok(line) = serde_json::to_string(report) {
            println!("{line}");
        }
        return;
    }
    println!(
        "synced: {} indexed · {} unchanged · {} moved · {} removed · {} failed",
        report.indexed, report.unchanged, report.moved, report.removed, report.failed
    );
    for f in &report.failures {
        println!("  failed {}: {}", f.path, f.reason);
    }
}

pub fn remove(report: &RemoveReport, as_json: bool) -> Result<()> {
    if as_json {
        return json(report);
    }
    if report.removed == 0 {
        println!("Nothing in the library under the given path(s).");
    } else {
        println!("Removed {} file(s) from the library.", report.removed);
    }
    Ok(())
}

pub fn status(status: &Status, as_json: bool) -> Result<()> {
    if as_json {
        return json(status);
    }
    let s = &status.stats;
    println!("Library:   {}", status.data_dir);
    println!(
        "Documents: {}   Chunks: {}   Failed: {}   Size: {:.1} MB",
        s.documents,
        s.chunks,
        s.failed,
        s.size_bytes as f64 / 1e6
    );
    match &status.embedding_model {
        Some(model) => println!(
            "Vectors:   {} of {} chunks embedded with {model}",
            status.embedded_chunks, s.chunks
        ),
        None => println!("Vectors:   off (keyword search only)"),
    }
    if !status.failures.is_empty() {
        println!("Files that could not be read:");
        for f in &status.failures {
            println!("  {}: {}", f.path, f.reason);
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct SearchOutput<'a> {
    query: &'a str,
    #[serde(flatten)]
    found: &'a Found,
}

pub fn hits(query: &str, found: &Found, as_json: bool) -> Result<()> {
    if as_json {
        return json(&SearchOutput { query, found });
    }
    if let Some(note) = &found.note {
        eprintln!("note: {note}");
    }
    let hits = &found.hits;
    if hits.is_empty() {
        println!("No results for “{query}”.");
        return Ok(());
    }
    let bold = std::io::stdout().is_terminal();
    for (rank, hit) in hits.iter().enumerate() {
        println!(
            "{:>2}. {} — {}  ({:.2})",
            rank + 1,
            hit.title,
            hit.location,
            hit.score
        );
        println!("    {}", hit.path);
        println!("    {}\n", highlight(&hit.snippet, &hit.highlights, bold));
    }
    Ok(())
}

/// The snippet on one line, matched words in bold on a terminal.
fn highlight(snippet: &str, ranges: &[[usize; 2]], bold: bool) -> String {
    let mut out = String::new();
    let mut at = 0;
    for &[start, end] in ranges {
        if start < at
            || end > snippet.len()
            || !snippet.is_char_boundary(start)
            || !snippet.is_char_boundary(end)
        {
            continue;
        }
        out.push_str(&snippet[at..start]);
        if bold {
            out.push_str("\x1b[1m");
            out.push_str(&snippet[start..end]);
            out.push_str("\x1b[0m");
        } else {
            out.push_str(&snippet[start..end]);
        }
        at = end;
    }
    out.push_str(&snippet[at..]);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Serialize)]
struct ErrorOutput<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    fault: &'a str,
    message: String,
}

/// Prints an error on stderr (and as JSON on stdout with `--json`).
pub fn error(err: &anyhow::Error, as_json: bool) {
    let (code, fault) = match err.downcast_ref::<whisker_core::Error>() {
        Some(e) => (e.code(), fault_name(e.fault())),
        None => ("error", "runtime"),
    };
    eprintln!("whisker: {err:#}");
    if as_json {
        let body = ErrorBody {
            code,
            fault,
            message: format!("{err:#}"),
        };
        let _ = json(&ErrorOutput { error: body });
    }
}

fn fault_name(fault: whisker_core::Fault) -> &'static str {
    match fault {
        whisker_core::Fault::User => "user",
        whisker_core::Fault::Runtime => "runtime",
        whisker_core::Fault::Bug => "bug",
    }
}
