//! `transcribe` and `ask --audio`: a seconds-heard bar on stderr, the text
//! (or one JSON document) on stdout.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use whisker_core::speech::{Language, Transcript};
use whisker_core::{Assistant, Cancel, Event, Progress, Speech};

use crate::assist;
use crate::commands::interruptible;
use crate::render;

/// Seconds transcribed of the file's length.
struct Heard(ProgressBar);

impl Heard {
    fn new(json: bool) -> Heard {
        let target = if json {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {bar:30} {pos}/{len} s heard · ETA {eta}")
        {
            bar.set_style(style);
        }
        Heard(bar)
    }
}

impl Progress for Heard {
    fn event(&self, event: &Event) {
        if let Event::Heard { seconds, total } = event {
            if let Some(total) = total {
                self.0.set_length(total.ceil() as u64);
            }
            self.0.set_position(*seconds as u64);
        }
    }
}

fn hear(
    speech: &Speech,
    file: &Path,
    language: Option<Language>,
    cancel: &Cancel,
    json: bool,
) -> Result<Transcript> {
    let bar = Heard::new(json);
    let transcript = speech.transcribe_file(file, language, &bar, cancel);
    bar.0.finish_and_clear();
    let transcript = transcript?;
    if let Some(damage) = &transcript.damage {
        eprintln!(
            "whisker: {}: {damage}; the rest was transcribed",
            file.display()
        );
    }
    Ok(transcript)
}

pub fn transcribe(
    speech: &Speech,
    file: &Path,
    language: Option<Language>,
    json: bool,
) -> Result<ExitCode> {
    let transcript = hear(speech, file, language, &interruptible()?, json)?;
    if json {
        render::json(&transcript)?;
    } else {
        for s in &transcript.segments {
            println!("[{} --> {}] {}", clock(s.start), clock(s.end), s.text);
        }
        if transcript.segments.is_empty() {
            eprintln!("(no speech heard)");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Transcribes `audio`, shows what was heard, then asks it like `ask`.
pub fn ask_aloud(
    assistant: &Assistant,
    audio: &Path,
    language: Option<Language>,
    json: bool,
) -> Result<ExitCode> {
    // One Ctrl-C handler for both steps (a process can only set one).
    let cancel = interruptible()?;
    let heard = hear(assistant.speech(), audio, language, &cancel, json)?;
    if heard.text.trim().is_empty() {
        anyhow::bail!(whisker_core::Error::Invalid(format!(
            "no speech heard in {}",
            audio.display()
        )));
    }
    if !json {
        println!("Heard: {}\n", heard.text);
    }
    assist::ask(assistant, &heard.text, Some(&heard), &cancel, json)
}

/// Seconds as h:mm:ss.ss (or m:ss.ss under an hour).
fn clock(seconds: f64) -> String {
    let total = seconds.max(0.0);
    let h = (total / 3600.0).floor();
    let m = ((total - h * 3600.0) / 60.0).floor();
    let s = total - h * 3600.0 - m * 60.0;
    if h > 0.0 {
        format!("{h:.0}:{m:02.0}:{s:05.2}")
    } else {
        format!("{m:.0}:{s:05.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::clock;

    #[test]
    fn clock_shows_minutes_and_hours() {
        assert_eq!(clock(3.5), "0:03.50");
        assert_eq!(clock(125.25), "2:05.25");
        assert_eq!(clock(7322.0), "2:02:02.00");
    }
}
