//! Progress bars: `add` (files done of files planned, files/s, ETA) and
//! model transfers (bytes, bytes/s, ETA).

use std::fmt;
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use whisker_core::{Event, Outcome, Progress};

/// Renders [`Event`]s on stderr; invisible with `--json` or when stderr is not a terminal.
pub struct Bar(ProgressBar);

const TEMPLATE: &str = "{spinner} {bar:30} {pos}/{len} files · {rate} · ETA {eta} {wide_msg}";
const EMBED_TEMPLATE: &str =
    "{spinner} {bar:30} {pos}/{len} chunks embedded · {rate} · ETA {eta} {wide_msg}";

impl Bar {
    pub fn new(json: bool) -> Bar {
        let target = if json {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        set_style(&bar, TEMPLATE, "files");
        Bar(bar)
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn event(&self, event: &Event) {
        match event {
            Event::Planned { files, .. } => self.0.set_length(*files),
            Event::File {
                outcome: Outcome::Removed,
                ..
            } => {}
            Event::File { path, .. } => {
                self.0.inc(1);
                let name = path.rsplit('/').next().unwrap_or(path);
                self.0.set_message(name.to_string());
            }
            Event::Committed
            | Event::Transfer { .. }
            | Event::Bytes { .. }
            | Event::Stage { .. }
            | Event::Token { .. }
            | Event::Heard { .. } => {}
            Event::Embedding { done, total } => {
                if *done == 0 {
                    set_style(&self.0, EMBED_TEMPLATE, "chunks");
                    self.0.reset();
                    self.0.set_length(*total);
                    self.0.set_message("");
                }
                self.0.set_position(*done);
            }
        }
    }
}

/// Downloads, copies and hash checks of model files: one bar at a time.
/// When stderr is not a terminal, each transfer is one line instead.
pub struct TransferBar {
    bar: ProgressBar,
    lines: bool,
}

const TRANSFER_TEMPLATE: &str =
    "{spinner} {msg:44!} {bar:24} {bytes}/{total_bytes} · {bytes_per_sec} · ETA {eta}";

impl TransferBar {
    pub fn new(json: bool) -> TransferBar {
        let terminal = std::io::stderr().is_terminal();
        let target = if json || !terminal {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        if let Ok(style) = ProgressStyle::with_template(TRANSFER_TEMPLATE) {
            bar.set_style(style.progress_chars("━╸ "));
        }
        TransferBar {
            bar,
            lines: !json && !terminal,
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for TransferBar {
    fn event(&self, event: &Event) {
        match event {
            Event::Transfer { what, done, total } => {
                self.bar.reset();
                match total {
                    Some(total) => self.bar.set_length(*total),
                    None => self.bar.unset_length(),
                }
                self.bar.set_position(*done);
                self.bar.set_message(what.clone());
                if self.lines {
                    eprintln!("{what}");
                }
            }
            Event::Bytes { done } => self.bar.set_position(*done),
            _ => {}
        }
    }
}

fn set_style(bar: &ProgressBar, template: &str, unit: &'static str) {
    if let Ok(style) = ProgressStyle::with_template(template) {
        let style = style.with_key(
            "rate",
            move |state: &ProgressState, w: &mut dyn fmt::Write| {
                let _ = write!(w, "{:.1} {unit}/s", state.per_sec());
            },
        );
        bar.set_style(style.progress_chars("━╸ "));
    }
}
