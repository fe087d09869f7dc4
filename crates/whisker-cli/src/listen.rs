//! `listen`: one utterance from the microphone. On a terminal, stderr shows
//! what has been heard so far on one line; stdout gets the final text (or
//! the `transcribe --json` document). Enter stops listening, Ctrl-C cancels.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Result;
use whisker_core::Speech;
use whisker_core::listen::{Input, ListenOptions, Listening, LiveEvent};
use whisker_core::speech::Language;

use crate::commands::interruptible;
use crate::render;

/// Partial text longer than this shows only its end, so it fits one line.
const PARTIAL_CHARS: usize = 70;

pub fn listen(
    speech: &Speech,
    from_file: Option<PathBuf>,
    language: Option<Language>,
    json: bool,
) -> Result<ExitCode> {
    let cancel = interruptible()?;
    let input = from_file.map_or(Input::Microphone, Input::Recording);
    let terminal = std::io::stderr().is_terminal();
    let options = ListenOptions {
        language,
        partials: terminal,
        ..ListenOptions::default()
    };
    let listening = speech.listen(&input, options, move |event| {
        if terminal {
            show(&event);
        }
    })?;
    if terminal {
        eprint!("Listening… (speak; Enter stops)");
    }
    let enter = enter_pressed();
    while !listening.is_finished() {
        if cancel.is_cancelled() {
            listening.cancel();
        } else if enter.try_recv().is_ok() {
            listening.stop();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    print(listening, json)
}

fn print(listening: Listening, json: bool) -> Result<ExitCode> {
    let heard = listening.wait()?;
    if json {
        render::json(&heard.transcript)?;
    } else if heard.transcript.text.is_empty() {
        eprintln!("(no speech heard)");
    } else {
        println!("{}", heard.transcript.text);
    }
    Ok(ExitCode::SUCCESS)
}

/// A channel that receives once a line is read from stdin. End of input (a
/// script's closed stdin) is not Enter and never stops listening.
fn enter_pressed() -> mpsc::Receiver<()> {
    let (tx, rx) = mpsc::channel();
    // The thread stays blocked in read_line until a line or the process ends.
    let _ = std::thread::Builder::new()
        .name("whisker-enter".into())
        .spawn(move || {
            let mut line = String::new();
            if matches!(std::io::stdin().read_line(&mut line), Ok(n) if n > 0) {
                let _ = tx.send(());
            }
        });
    rx
}

/// One status line on stderr: the partial text, cleared at the end.
fn show(event: &LiveEvent) {
    let line = match event {
        LiveEvent::Partial { text, .. } => format!("… {}", tail(text, PARTIAL_CHARS)),
        LiveEvent::SpeechEnded(_) => "… recognising".into(),
        LiveEvent::Final(_) | LiveEvent::NoSpeech(_) | LiveEvent::Cancelled => String::new(),
        LiveEvent::Failed(_) => String::new(),
        _ => return,
    };
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K{line}");
    let _ = err.flush();
}

/// The last `n` characters of `text`.
fn tail(text: &str, n: usize) -> &str {
    let count = text.chars().count();
    match text.char_indices().nth(count.saturating_sub(n)) {
        Some((at, _)) if count > n => &text[at..],
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::tail;

    #[test]
    fn a_long_partial_keeps_its_end() {
        assert_eq!(tail("hello", 10), "hello");
        assert_eq!(tail("hello world", 5), "world");
        assert_eq!(tail("广州市房地产", 3), "房地产");
    }
}
