//! The `whisker` binary: parses arguments and hands over to `whisker-core`.

mod assist;
mod cli;
mod commands;
mod eval;
mod listen;
mod models;
mod progress;
mod render;
mod speech;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // SAFETY: the first thing the process does; no other thread exists yet.
    #[allow(unsafe_code)]
    unsafe {
        whisker_core::fix_thread_count()
    };
    let cli = cli::Cli::parse();
    let json = cli.json;
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            render::error(&err, json);
            ExitCode::from(2)
        }
    }
}
