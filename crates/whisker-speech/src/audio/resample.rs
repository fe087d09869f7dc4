//! Any sample rate to 16 kHz, in pieces, with a band-limited FFT resampler.
//!
//! rubato's `FftFixedIn` filters out everything above the new Nyquist
//! frequency (so 44.1 kHz music does not alias into the speech band) and
//! works on fixed-size chunks, so a two-hour file streams through it in
//! constant memory. Its filter delay is trimmed from the start and flushed
//! at the end, so the output lines up with the input sample for sample.

use rubato::{FftFixedIn, Resampler as _};

use crate::error::{Error, Result};

/// Input frames per FFT chunk: ~20 ms at 48 kHz, a small latency for live input.
const CHUNK: usize = 1024;

/// Converts one mono stream from `from` Hz to `to` Hz.
pub struct Resampler {
    inner: Option<FftFixedIn<f32>>,
    /// Input waiting for a whole chunk.
    pending: Vec<f32>,
    /// Output samples still to drop (the filter's delay).
    skip: usize,
    consumed: u64,
    produced: u64,
    ratio: f64,
}

impl std::fmt::Debug for Resampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resampler")
            .field("ratio", &self.ratio)
            .field("passthrough", &self.inner.is_none())
            .finish()
    }
}

impl Resampler {
    pub fn new(from: u32, to: u32) -> Result<Resampler> {
        if from == 0 || to == 0 {
            return Err(Error::Invalid(format!("sample rate {from} Hz -> {to} Hz")));
        }
        let inner = if from == to {
            None
        } else {
            let r = FftFixedIn::new(from as usize, to as usize, CHUNK, 2, 1)
                .map_err(|e| Error::Invalid(format!("resampler {from} -> {to} Hz: {e}")))?;
            Some(r)
        };
        let skip = inner.as_ref().map_or(0, |r| r.output_delay());
        Ok(Resampler {
            inner,
            pending: Vec::new(),
            skip,
            consumed: 0,
            produced: 0,
            ratio: f64::from(to) / f64::from(from),
        })
    }

    /// Resamples `input`, appending what is ready to `out`.
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<()> {
        self.consumed += input.len() as u64;
        let Some(inner) = self.inner.as_mut() else {
            out.extend_from_slice(input);
            self.produced += input.len() as u64;
            return Ok(());
        };
        self.pending.extend_from_slice(input);
        let mut start = 0;
        while self.pending.len() - start >= CHUNK {
            let chunk = &self.pending[start..start + CHUNK];
            let mut result = inner
                .process(&[chunk], None)
                .map_err(|e| Error::Invalid(format!("resampling: {e}")))?;
            let produced = result.pop().unwrap_or_default();
            let drop = self.skip.min(produced.len());
            self.skip -= drop;
            out.extend_from_slice(&produced[drop..]);
            self.produced += (produced.len() - drop) as u64;
            start += CHUNK;
        }
        self.pending.drain(..start);
        Ok(())
    }

    /// Flushes the tail: pads with silence until every input sample has come
    /// out, then cuts the output to the exact expected length.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<()> {
        if self.inner.is_none() {
            return Ok(());
        }
        let expected = (self.consumed as f64 * self.ratio).round() as u64;
        let mut guard = 0;
        while self.produced < expected && guard < 64 {
            let zeros = vec![0.0; CHUNK - self.pending.len() % CHUNK];
            let before = self.consumed;
            self.push(&zeros, out)?;
            self.consumed = before;
            guard += 1;
        }
        let extra = (self.produced - expected.min(self.produced)) as usize;
        out.truncate(out.len() - extra.min(out.len()));
        self.produced = expected.min(self.produced);
        Ok(())
    }
}

/// Resamples a whole buffer (tests, short clips).
pub fn resample(input: &[f32], from: u32, to: u32) -> Result<Vec<f32>> {
    let mut r = Resampler::new(from, to)?;
    let mut out = Vec::with_capacity((input.len() as f64 * r.ratio) as usize + CHUNK);
    r.push(input, &mut out)?;
    r.finish(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, rate: u32, seconds: f32) -> Vec<f32> {
        let n = (rate as f32 * seconds) as usize;
        (0..n)
            .map(|i| (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin() * 0.5)
            .collect()
    }

    /// Frequency from zero crossings (upward), over the steady middle part.
    fn frequency(samples: &[f32], rate: u32) -> f32 {
        let mid = &samples[samples.len() / 10..samples.len() * 9 / 10];
        let ups = mid.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        ups as f32 * rate as f32 / mid.len() as f32
    }

    #[test]
    fn a_sine_keeps_its_frequency_and_length() {
        for from in [8_000, 22_050, 44_100, 48_000] {
            let input = sine(440.0, from, 2.0);
            let out = resample(&input, from, 16_000).unwrap();
            assert_eq!(out.len(), 32_000, "from {from}");
            let f = frequency(&out, 16_000);
            assert!((f - 440.0).abs() < 3.0, "from {from}: {f} Hz");
        }
    }

    #[test]
    fn output_is_aligned_with_input() {
        // A click at 1.0 s stays at 1.0 s: the filter delay is trimmed.
        let mut input = vec![0.0f32; 48_000 * 2];
        input[48_000] = 1.0;
        let out = resample(&input, 48_000, 16_000).unwrap();
        let peak = out
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|(i, _)| i)
            .unwrap();
        assert!(peak.abs_diff(16_000) <= 2, "peak at {peak}");
    }

    #[test]
    fn content_above_the_new_nyquist_is_removed() {
        // 12 kHz is above 8 kHz: it must not alias down to 4 kHz.
        let out = resample(&sine(12_000.0, 48_000, 1.0), 48_000, 16_000).unwrap();
        let rms = (out.iter().map(|s| s * s).sum::<f32>() / out.len() as f32).sqrt();
        assert!(rms < 0.01, "rms {rms}");
    }

    #[test]
    fn pushing_in_odd_pieces_equals_one_push() {
        let input = sine(300.0, 44_100, 1.0);
        let whole = resample(&input, 44_100, 16_000).unwrap();
        let mut r = Resampler::new(44_100, 16_000).unwrap();
        let mut out = Vec::new();
        for piece in input.chunks(777) {
            r.push(piece, &mut out).unwrap();
        }
        r.finish(&mut out).unwrap();
        assert_eq!(out.len(), whole.len());
        assert!(out.iter().zip(&whole).all(|(a, b)| (a - b).abs() < 1e-5));
    }

    #[test]
    fn same_rate_passes_through() {
        let input = sine(100.0, 16_000, 0.1);
        assert_eq!(resample(&input, 16_000, 16_000).unwrap(), input);
    }
}
