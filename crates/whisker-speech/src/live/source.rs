//! Where live audio comes from: the [`AudioSource`] trait, and
//! [`FileSource`], which plays samples as if a microphone were hearing them.
//!
//! A source is pulled: each [`AudioSource::read`] returns the next mono
//! 16 kHz chunk, waiting at most about 100 ms so the caller can check
//! whether it should stop, and `None` at the end of the stream. The
//! microphone is in [`super::mic`]. Sources do not detect speech or keep
//! what they delivered.

use std::path::Path;
use std::time::{Duration, Instant};

use super::SAMPLE_RATE;
use super::resample::To16k;
use super::vad::samples;
use super::wav::read_wav;
use crate::error::Result;

/// A stream of mono samples at [`AudioSource::sample_rate`].
pub trait AudioSource: Send {
    /// Samples per second of what [`AudioSource::read`] returns.
    fn sample_rate(&self) -> u32;

    /// The next samples (possibly none yet), or `None` once the stream has
    /// ended. Waits at most about 100 ms.
    fn read(&mut self) -> Result<Option<Vec<f32>>>;
}

/// How fast a [`FileSource`] plays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// As fast as the reader reads (tests, batch use).
    Fast,
    /// In time with a clock running `speed` times faster than real time
    /// (1.0 behaves like a microphone).
    RealTime { speed: f32 },
}

/// What a [`FileSource`] does after its last sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tail {
    /// The stream ends.
    End,
    /// Digital silence follows for ever, as from a microphone that stays open.
    Silence,
}

/// Plays 16 kHz mono samples (from memory or a WAV file) in chunks.
#[derive(Debug, Clone)]
pub struct FileSource {
    samples: Vec<f32>,
    /// Samples delivered, the silent tail included.
    played: u64,
    chunk: usize,
    pace: Pace,
    tail: Tail,
    started: Option<Instant>,
}

impl FileSource {
    /// Plays `samples` (16 kHz mono) in 20 ms chunks, as fast as it is read,
    /// then ends.
    pub fn new(samples: Vec<f32>) -> FileSource {
        FileSource {
            samples,
            played: 0,
            chunk: 320,
            pace: Pace::Fast,
            tail: Tail::End,
            started: None,
        }
    }

    /// Plays a WAV file (16-bit PCM or 32-bit float, any rate and channel
    /// count; converted to 16 kHz mono).
    pub fn open_wav(path: &Path) -> Result<FileSource> {
        let wav = read_wav(path)?;
        let mut resampler = To16k::new(wav.sample_rate)?;
        Ok(FileSource::new(resampler.push(&wav.samples)?))
    }

    pub fn pace(mut self, pace: Pace) -> FileSource {
        self.pace = pace;
        self
    }

    pub fn tail(mut self, tail: Tail) -> FileSource {
        self.tail = tail;
        self
    }

    /// Chunk length (at least one sample).
    pub fn chunk(mut self, chunk: Duration) -> FileSource {
        self.chunk = (samples(chunk) as usize).max(1);
        self
    }

    /// The samples this source plays before its tail.
    pub fn samples(&self) -> &[f32] {
        &self.samples
    }

    /// Sleeps until sample `upto` is due.
    fn wait_for(&mut self, upto: u64) {
        let Pace::RealTime { speed } = self.pace else {
            return;
        };
        let started = *self.started.get_or_insert_with(Instant::now);
        let due = upto as f64 / (f64::from(SAMPLE_RATE) * f64::from(speed.max(1e-3)));
        let wait = Duration::from_secs_f64(due).saturating_sub(started.elapsed());
        std::thread::sleep(wait.min(Duration::from_millis(100)));
    }
}

impl AudioSource for FileSource {
    fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }

    fn read(&mut self) -> Result<Option<Vec<f32>>> {
        let at = self.played as usize;
        let chunk = if at < self.samples.len() {
            let end = (at + self.chunk).min(self.samples.len());
            self.samples[at..end].to_vec()
        } else if self.tail == Tail::Silence {
            vec![0.0; self.chunk]
        } else {
            return Ok(None);
        };
        self.wait_for(self.played + chunk.len() as u64);
        self.played += chunk.len() as u64;
        Ok(Some(chunk))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(source: &mut FileSource, limit: usize) -> Vec<f32> {
        let mut all = Vec::new();
        while let Some(chunk) = source.read().unwrap() {
            all.extend(chunk);
            if all.len() >= limit {
                break;
            }
        }
        all
    }

    #[test]
    fn plays_every_sample_then_ends() {
        let input: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        let mut source = FileSource::new(input.clone());
        assert_eq!(drain(&mut source, usize::MAX), input);
        assert!(source.read().unwrap().is_none());
    }

    #[test]
    fn a_silent_tail_goes_on_like_an_open_microphone() {
        let mut source = FileSource::new(vec![1.0; 100]).tail(Tail::Silence);
        let all = drain(&mut source, 10_000);
        assert!(all.len() >= 10_000);
        assert!(all[100..].iter().all(|&x| x == 0.0));
    }
}
