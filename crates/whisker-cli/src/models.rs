//! `whisker models list|fetch|import|verify`: call whisker-core, print the result.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;
use whisker_core::Models;
use whisker_core::models::{
    CheckStatus, ConvertReport, FetchReport, ImportReport, ModelInfo, VerifyReport,
};

use crate::cli::ModelsCommand;
use crate::commands::interruptible;
use crate::progress::TransferBar;
use crate::render::json;

/// One JSON document: the models folder and the per-model results.
#[derive(Serialize)]
struct Output<'a, T> {
    dir: String,
    models: &'a [T],
}

pub fn run(command: ModelsCommand, data_dir: &Path, as_json: bool) -> Result<ExitCode> {
    let models = Models::open(data_dir);
    let dir = models.dir().display().to_string();
    match command {
        ModelsCommand::List => {
            let list = models.list();
            if as_json {
                json(&Output { dir, models: &list })?;
            } else {
                print_list(&dir, &list);
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::Fetch { ids, role } => {
            let cancel = interruptible()?;
            let bar = TransferBar::new(as_json);
            let fetched = models.fetch(&ids, role, &bar, &cancel);
            bar.finish();
            let reports = fetched?;
            if as_json {
                json(&Output {
                    dir,
                    models: &reports,
                })?;
            } else {
                print_fetched(&reports);
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::Import {
            ct2: Some(ct2),
            id,
            weights,
            ..
        } => {
            let cancel = interruptible()?;
            let bar = TransferBar::new(as_json);
            let converted = models.import_ct2(&ct2, id.as_deref(), weights, &bar, &cancel);
            bar.finish();
            let report = converted?;
            if as_json {
                json(&Output {
                    dir,
                    models: std::slice::from_ref(&report),
                })?;
            } else {
                print_converted(&report);
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::Import { path, id, .. } => {
            let path = path.unwrap_or_default();
            let cancel = interruptible()?;
            let bar = TransferBar::new(as_json);
            let imported = models.import(&path, id.as_deref(), &bar, &cancel);
            bar.finish();
            let reports = imported?;
            if as_json {
                json(&Output {
                    dir,
                    models: &reports,
                })?;
            } else {
                print_imported(&reports);
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::Verify { ids } => {
            let cancel = interruptible()?;
            let bar = TransferBar::new(as_json);
            let verified = models.verify(&ids, &bar, &cancel);
            bar.finish();
            let reports = verified?;
            if as_json {
                json(&Output {
                    dir: dir.clone(),
                    models: &reports,
                })?;
            } else {
                print_verified(&dir, &reports);
            }
            let ok = reports.iter().all(|r| r.ok);
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn print_list(dir: &str, list: &[ModelInfo]) {
    println!("Models folder: {dir}\n");
    println!("{:<32} {:<9} {:>9}  STATUS", "ID", "ROLE", "SIZE");
    for m in list {
        let id = if m.default {
            format!("{} *", m.id)
        } else {
            m.id.clone()
        };
        let size = m.size.map_or("?".into(), megabytes);
        let mut status = format!("{:?}", m.status).to_lowercase();
        if m.unpinned {
            status.push_str(" (unpinned)");
        }
        println!("{id:<32} {:<9} {size:>9}  {status}", m.role.as_str());
    }
    println!("\n* the default of its role: `whisker models fetch` gets these.");
    if list.iter().any(|m| m.unpinned) {
        println!("unpinned: the manifest has no sha256; the first download's hash is recorded.");
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn print_fetched(reports: &[FetchReport]) {
    if reports.is_empty() {
        println!("Nothing to fetch.");
    }
    for report in reports {
        println!("{}: installed in {}", report.id, report.dir);
        for f in &report.files {
            let from = match f.source.as_str() {
                "present" => "already there, verified".to_string(),
                source => format!("from {source}"),
            };
            let pin = if f.unpinned {
                " (unpinned: hash recorded)"
            } else {
                ""
            };
            println!("  {} {from}{pin}", f.file);
        }
    }
}

fn print_imported(reports: &[ImportReport]) {
    for report in reports {
        println!("{}: imported into {}", report.id, report.dir);
        for f in &report.imported {
            let how = if f.linked { "linked" } else { "copied" };
            println!("  {} ({how} from {})", f.file, f.from);
        }
        if !report.missing.is_empty() {
            println!("  still missing: {}", report.missing.join(", "));
        }
    }
}

fn print_converted(report: &ConvertReport) {
    let c = &report.conversion;
    let hp = &c.hparams;
    println!(
        "{}: converted {} (CTranslate2 {}) to whisper.cpp format",
        report.id, report.from, c.source_dtype
    );
    println!("  {}", report.file);
    println!(
        "  {}: {} encoder + {} decoder layers, width {}, {} mel bins, {} tokens",
        report.model, hp.n_audio_layer, hp.n_text_layer, hp.n_audio_state, hp.n_mels, hp.n_vocab
    );
    println!(
        "  {} tensors, {}, sha256 {}",
        c.tensors,
        megabytes(c.size),
        c.sha256
    );
    if report.in_manifest {
        println!(
            "  the manifest's {} exactly: `whisker models verify` checks it",
            report.id
        );
    }
}

fn print_verified(dir: &str, reports: &[VerifyReport]) {
    if reports.is_empty() {
        println!("No models installed in {dir}.");
    }
    for report in reports {
        let verdict = if report.ok { "ok" } else { "PROBLEMS" };
        println!("{}: {verdict}", report.id);
        for f in &report.files {
            let detail = match f.status {
                CheckStatus::Ok => "ok".to_string(),
                CheckStatus::OkUnpinned => {
                    format!(
                        "ok, unpinned: sha256 {}",
                        f.actual.as_deref().unwrap_or("?")
                    )
                }
                CheckStatus::Unrecorded => format!(
                    "unpinned, no hash recorded: sha256 {}",
                    f.actual.as_deref().unwrap_or("?")
                ),
                CheckStatus::Missing => "missing".to_string(),
                CheckStatus::Mismatch => format!(
                    "sha256 mismatch: expected {}, got {}",
                    f.expected.as_deref().unwrap_or("?"),
                    f.actual.as_deref().unwrap_or("?")
                ),
            };
            println!("  {}: {detail}", f.file);
        }
    }
    if reports.iter().any(|r| !r.ok) {
        println!("\nRun `whisker models fetch ID` to replace missing or damaged files.");
    }
}
