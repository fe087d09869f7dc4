//! The input level meter a push-to-talk button shows: 0 for silence, 1 for
//! full scale.
//!
//! Each 20 ms block's RMS level in dBFS is mapped linearly from
//! `FLOOR_DB` (0) to 0 dBFS (1), then smoothed the way a VU meter is: it
//! rises at once and falls back with a 300 ms time constant, so it neither
//! flickers nor lags behind the voice. It reports every `interval`. It does
//! not decide what is speech (that is [`super::vad`]).

use std::time::Duration;

use super::SAMPLE_RATE;
use super::vad::{energy_db, samples};

/// Levels at or below this are shown as 0.
const FLOOR_DB: f32 = -60.0;
/// Release time constant.
const RELEASE_S: f32 = 0.3;
/// Block over which RMS is measured.
const BLOCK: usize = 320;

/// A smoothed RMS level meter for 16 kHz mono input.
#[derive(Debug, Clone)]
pub struct LevelMeter {
    interval: u64,
    since_report: u64,
    block: Vec<f32>,
    value: f32,
}

impl LevelMeter {
    /// A meter that reports every `interval` (at least one 20 ms block).
    pub fn new(interval: Duration) -> LevelMeter {
        LevelMeter {
            interval: samples(interval).max(BLOCK as u64),
            since_report: 0,
            block: Vec::with_capacity(BLOCK),
            value: 0.0,
        }
    }

    /// The current smoothed level, 0..=1.
    pub fn value(&self) -> f32 {
        self.value
    }

    /// Feeds samples; returns the levels due for display within them.
    pub fn push(&mut self, mut input: &[f32]) -> Vec<f32> {
        let mut reports = Vec::new();
        while !input.is_empty() {
            let take = (BLOCK - self.block.len()).min(input.len());
            self.block.extend_from_slice(&input[..take]);
            input = &input[take..];
            if self.block.len() < BLOCK {
                continue;
            }
            self.update(level(&self.block));
            self.block.clear();
            self.since_report += BLOCK as u64;
            if self.since_report >= self.interval {
                self.since_report -= self.interval;
                reports.push(self.value);
            }
        }
        reports
    }

    fn update(&mut self, now: f32) {
        let block_s = BLOCK as f32 / SAMPLE_RATE as f32;
        self.value = if now >= self.value {
            now
        } else {
            self.value + (now - self.value) * (block_s / RELEASE_S)
        };
    }
}

/// The unsmoothed level of one block, 0..=1. A full-scale sine (-3 dBFS)
/// reads 0.95.
pub fn level(block: &[f32]) -> f32 {
    ((energy_db(block) - FLOOR_DB) / -FLOOR_DB).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::testsignal::{noise, silence, tone};

    #[test]
    fn silence_reads_zero_and_full_scale_nearly_one() {
        let mut meter = LevelMeter::new(Duration::from_millis(100));
        assert!(meter.push(&silence(0.5)).iter().all(|&v| v == 0.0));
        let loud = meter.push(&tone(0.5, 440.0, 1.0));
        assert!(loud.iter().all(|&v| v > 0.9 && v <= 1.0), "{loud:?}");
    }

    #[test]
    fn reports_several_times_a_second() {
        let mut meter = LevelMeter::new(Duration::from_millis(100));
        assert_eq!(meter.push(&noise(2.0, 0.1, 1)).len(), 20);
    }

    #[test]
    fn rises_at_once_with_a_voice_and_falls_back_smoothly() {
        let mut meter = LevelMeter::new(Duration::from_millis(20));
        let quiet = *meter.push(&noise(0.5, 0.003, 2)).last().unwrap();
        let up = meter.push(&tone(0.2, 300.0, 0.3));
        assert!(up[0] > quiet + 0.4, "{quiet} -> {up:?}");
        let down = meter.push(&noise(1.0, 0.003, 3));
        assert!(down[..10].windows(2).all(|w| w[1] <= w[0]), "{down:?}");
        assert!(down[0] > down[5] && down[5] > quiet);
        assert!((down.last().unwrap() - quiet).abs() < 0.05);
    }

    #[test]
    fn louder_input_reads_higher() {
        let a = level(&tone(0.1, 440.0, 0.05));
        let b = level(&tone(0.1, 440.0, 0.5));
        assert!(b > a + 0.3, "{a} {b}");
    }
}
