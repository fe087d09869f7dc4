//! One function per subcommand: open the library, call it, print the result.

use std::process::ExitCode;

use anyhow::Result;
use whisker_core::{Assistant, Cancel, Config, Library, Silent, Speech, paths};

use crate::assist;
use crate::cli::{Cli, Command};
use crate::models;
use crate::progress::Bar;
use crate::render;
use crate::speech;

pub fn run(cli: Cli) -> Result<ExitCode> {
    let data_dir = paths::data_dir(cli.data_dir.as_deref());
    let json = cli.json;
    match cli.command {
        Command::Add {
            paths,
            strict,
            max_file_size,
        } => {
            let mut config = Config::load(&data_dir)?;
            if let Some(max) = max_file_size {
                config.limits.max_file_size = max;
            }
            let library = Library::with_config(&data_dir, config)?;
            let cancel = interruptible()?;
            let bar = Bar::new(json);
            let report = library.add(&paths, &bar, &cancel)?;
            bar.finish();
            render::add(&report, json)?;
            let failed = strict && report.failed + report.still_failing > 0;
            Ok(if failed || report.cancelled {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Watch { paths } => {
            let library = Library::open(&data_dir)?;
            let cancel = interruptible()?;
            if !json {
                eprintln!("Watching {} path(s); press Ctrl-C to stop.", paths.len());
            }
            library.watch(&paths, &Silent, &cancel, &mut |report| {
                render::sync(report, json);
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Remove { paths } => {
            let library = Library::open(&data_dir)?;
            let report = library.remove(&paths)?;
            render::remove(&report, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Status => {
            let library = Library::open(&data_dir)?;
            render::status(&library.status()?, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Search { query, k, mode } => {
            let library = Library::open(&data_dir)?;
            let query = query.join(" ");
            let found = library.search(&query, k, mode.map(Into::into))?;
            render::hits(&query, &found, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ask {
            question,
            audio: None,
            ..
        } => {
            let assistant = Assistant::open(&data_dir)?;
            assist::ask(
                &assistant,
                &question.join(" "),
                None,
                &interruptible()?,
                json,
            )
        }
        Command::Ask {
            audio: Some(audio),
            lang,
            ..
        } => {
            let assistant = Assistant::open(&data_dir)?;
            speech::ask_aloud(&assistant, &audio, lang.map(Into::into), json)
        }
        Command::Transcribe { file, lang } => {
            let speech = Speech::open(&data_dir)?;
            speech::transcribe(&speech, &file, lang.map(Into::into), json)
        }
        Command::Listen { lang, from_file } => {
            let speech = Speech::open(&data_dir)?;
            crate::listen::listen(&speech, from_file, lang.map(Into::into), json)
        }
        Command::Write {
            mode,
            text,
            file,
            to,
            grounded,
        } => {
            let assistant = Assistant::open(&data_dir)?;
            let text = (!text.is_empty()).then(|| text.join(" "));
            let input = assist::WriteInput { text, file };
            assist::write(
                &assistant,
                mode.into(),
                input,
                to.map(Into::into),
                grounded,
                json,
            )
        }
        Command::Slides {
            topic,
            slides,
            out,
            md,
        } => {
            let assistant = Assistant::open(&data_dir)?;
            assist::slides(&assistant, &topic.join(" "), slides, out, md, json)
        }
        Command::Eval(command) => crate::eval::run(command, &data_dir, json),
        Command::Models { command } => models::run(command, &data_dir, json),
    }
}

/// A cancel flag that Ctrl-C sets: long work stops at the next safe point
/// and keeps what it has committed.
pub fn interruptible() -> Result<Cancel> {
    let cancel = Cancel::new();
    let flag = cancel.clone();
    ctrlc::set_handler(move || flag.cancel())?;
    Ok(cancel)
}
