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
