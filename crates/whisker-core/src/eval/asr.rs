//! `whisker eval asr DIR`: speech recognition quality on recordings with
//! reference transcripts.
//!
//! `DIR/transcripts.tsv` lists `file`, `language`, `transcript` (a header
//! line is optional). Every file goes through [`Speech::transcribe_file`],
//! as `whisker transcribe` would, and is scored against its reference:
//! word error rate for English (and other spaced languages), character
//! error rate for Chinese (see [`super::wer`] for the normalisation). The
//! real-time factor is transcription time over audio time (model loading
//! excluded: it happens once, before the first file).

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use whisker_speech::Language;

use super::wer::{Errors, errors_for, is_chinese};
use crate::error::{Error, Result};
use crate::events::{Cancel, Event, Outcome, Progress, Silent};
use crate::speech::Speech;

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct AsrEval {
    /// A folder with `transcripts.tsv` and the recordings it names.
    pub dir: PathBuf,
    /// Transcribe in this language; `None`: the language each line gives.
    pub language: Option<Language>,
}

/// One recording.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AsrFileScore {
    pub file: String,
    /// The language the reference is in (from the TSV).
    pub language: String,
    /// The language Whisper transcribed in (detected under auto).
    pub detected: String,
    /// "wer" or "cer".
    pub metric: &'static str,
    pub rate: f64,
    pub errors: usize,
    pub units: usize,
    pub reference: String,
    pub hypothesis: String,
    pub audio_seconds: f64,
    pub seconds: f64,
    /// seconds / audio_seconds.
    pub rtf: f64,
}

/// All recordings of one language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AsrTotal {
    pub language: String,
    pub metric: &'static str,
    pub files: usize,
    /// Errors over all files / reference units over all files.
    pub rate: f64,
    pub errors: usize,
    pub units: usize,
    pub audio_seconds: f64,
    pub seconds: f64,
    pub rtf: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AsrReport {
    pub files: Vec<AsrFileScore>,
    pub totals: Vec<AsrTotal>,
    /// Seconds to load the model.
    pub load_seconds: f64,
}

/// One line of transcripts.tsv.
#[derive(Debug, Clone, PartialEq)]
struct Item {
    file: String,
    language: String,
    reference: String,
}

impl AsrEval {
    pub fn run(
        &self,
        speech: &Speech,
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<AsrReport> {
        let items = read_list(&self.dir.join("transcripts.tsv"))?;
        let start = Instant::now();
        speech.get()?;
        let load_seconds = start.elapsed().as_secs_f64();
        progress.event(&Event::Planned {
            files: items.len() as u64,
            bytes: 0,
        });
        let mut files = Vec::with_capacity(items.len());
        for item in &items {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            files.push(self.score(speech, item, cancel)?);
            progress.event(&Event::File {
                path: item.file.clone(),
                bytes: 0,
                outcome: Outcome::Indexed { chunks: 0 },
            });
        }
        let totals = totals(&files);
        Ok(AsrReport {
            files,
            totals,
            load_seconds,
        })
    }

    fn score(&self, speech: &Speech, item: &Item, cancel: &Cancel) -> Result<AsrFileScore> {
        let language = match self.language {
            Some(l) => l,
            None => item.language.parse().unwrap_or_default(),
        };
        let start = Instant::now();
        let path = self.dir.join(&item.file);
        let transcript = speech.transcribe_file(&path, Some(language), &Silent, cancel)?;
        let seconds = start.elapsed().as_secs_f64();
        let e = errors_for(&item.language, &item.reference, &transcript.text);
        Ok(AsrFileScore {
            file: item.file.clone(),
            language: item.language.clone(),
            detected: transcript.language,
            metric: metric(&item.language),
            rate: e.rate(),
            errors: e.errors,
            units: e.units,
            reference: item.reference.clone(),
            hypothesis: transcript.text,
            audio_seconds: transcript.audio_seconds,
            seconds,
            rtf: seconds / transcript.audio_seconds.max(1e-9),
        })
    }
}

fn metric(language: &str) -> &'static str {
    if is_chinese(language) { "cer" } else { "wer" }
}

fn totals(files: &[AsrFileScore]) -> Vec<AsrTotal> {
    let mut languages: Vec<&str> = files.iter().map(|f| f.language.as_str()).collect();
    languages.sort_unstable();
    languages.dedup();
    languages
        .into_iter()
        .map(|language| {
            let of: Vec<_> = files.iter().filter(|f| f.language == language).collect();
            let e = of.iter().fold(Errors::default(), |acc, f| {
                acc.plus(Errors {
                    errors: f.errors,
                    units: f.units,
                })
            });
            let audio: f64 = of.iter().map(|f| f.audio_seconds).sum();
            let seconds: f64 = of.iter().map(|f| f.seconds).sum();
            AsrTotal {
                language: language.to_string(),
                metric: metric(language),
                files: of.len(),
                rate: e.rate(),
                errors: e.errors,
                units: e.units,
                audio_seconds: audio,
                seconds,
                rtf: seconds / audio.max(1e-9),
            }
        })
        .collect()
}

/// `file<TAB>language<TAB>transcript` lines; a `file` header line and blank
/// lines are skipped.
fn read_list(path: &Path) -> Result<Vec<Item>> {
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound(path.to_path_buf()),
        _ => Error::io(path, e),
    })?;
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || (n == 0 && line.starts_with("file\t")) {
            continue;
        }
        let mut cols = line.splitn(3, '\t');
        match (cols.next(), cols.next(), cols.next()) {
            (Some(file), Some(language), Some(reference)) => items.push(Item {
                file: file.trim().into(),
                language: language.trim().into(),
                reference: reference.trim().into(),
            }),
            _ => {
                return Err(Error::Invalid(format!(
                    "{} line {}: expected file, language and transcript separated by tabs",
                    path.display(),
                    n + 1
                )));
            }
        }
    }
    if items.is_empty() {
        return Err(Error::Invalid(format!(
            "{} lists no recordings",
            path.display()
        )));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_read_with_or_without_a_header_and_bad_lines_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("transcripts.tsv");
        std::fs::write(
            &path,
            "file\tlanguage\ttranscript\na.wav\ten\thello world\r\n\nb.wav\tzh\t你好\n",
        )
        .unwrap();
        let items = read_list(&path).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].reference, "你好");
        std::fs::write(&path, "a.wav\ten\n").unwrap();
        assert!(read_list(&path).unwrap_err().to_string().contains("line 1"));
        assert_eq!(
            read_list(&dir.path().join("none.tsv")).unwrap_err().code(),
            "not_found"
        );
    }

    #[test]
    fn totals_pool_errors_per_language() {
        let file = |language: &str, errors, units| AsrFileScore {
            file: String::new(),
            language: language.into(),
            detected: language.into(),
            metric: metric(language),
            rate: 0.0,
            errors,
            units,
            reference: String::new(),
            hypothesis: String::new(),
            audio_seconds: 2.0,
            seconds: 1.0,
            rtf: 0.5,
        };
        let t = totals(&[file("en", 1, 10), file("zh", 3, 12), file("en", 1, 30)]);
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].language.as_str(), t[0].files, t[0].metric),
            ("en", 2, "wer")
        );
        assert!((t[0].rate - 0.05).abs() < 1e-9);
        assert!((t[0].rtf - 0.5).abs() < 1e-9);
        assert_eq!((t[1].errors, t[1].units, t[1].metric), (3, 12, "cer"));
    }
}
