//! Streaming conversion of live mono input from any rate to 16 kHz.
//!
//! rubato's FFT resampler low-passes below the new Nyquist frequency (so a
//! 48 kHz microphone does not alias into the speech band) and works on
//! fixed chunks; input is gathered until a chunk is whole. The filter's
//! delay (a few milliseconds) is dropped from the start. It does not flush
//! a tail: live input ends when the user stops, and the last few
//! milliseconds after the voice are silence anyway.

use rubato::{FftFixedIn, Resampler as _};

use super::SAMPLE_RATE;
use crate::error::{Error, Result};

/// Input frames per FFT chunk (~10 ms at 48 kHz).
const CHUNK: usize = 480;

/// A streaming resampler from `from` Hz to 16 kHz (a copy when `from` is 16 kHz).
pub struct To16k {
    inner: Option<FftFixedIn<f32>>,
    gathered: Vec<f32>,
    skip: usize,
    from: u32,
}

impl std::fmt::Debug for To16k {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("To16k").field("from", &self.from).finish()
    }
}

impl To16k {
    pub fn new(from: u32) -> Result<To16k> {
        if from == 0 {
            return Err(Error::Invalid("sample rate 0 Hz".into()));
        }
        let inner = if from == SAMPLE_RATE {
            None
        } else {
            let r = FftFixedIn::new(from as usize, SAMPLE_RATE as usize, CHUNK, 1, 1)
                .map_err(|e| Error::Invalid(format!("resampling {from} Hz to 16 kHz: {e}")))?;
            Some(r)
        };
        let skip = inner.as_ref().map_or(0, |r| r.output_delay());
        Ok(To16k {
            inner,
            gathered: Vec::new(),
            skip,
            from,
        })
    }

    /// Converts `input`, returning the 16 kHz samples that are ready.
    pub fn push(&mut self, input: &[f32]) -> Result<Vec<f32>> {
        let Some(inner) = self.inner.as_mut() else {
            return Ok(input.to_vec());
        };
        self.gathered.extend_from_slice(input);
        let mut out = Vec::new();
        let mut used = 0;
        while self.gathered.len() - used >= CHUNK {
            let chunk = &self.gathered[used..used + CHUNK];
            let result = inner
                .process(&[chunk], None)
                .map_err(|e| Error::Invalid(format!("resampling: {e}")))?;
            for channel in result {
                let drop = self.skip.min(channel.len());
                self.skip -= drop;
                out.extend_from_slice(&channel[drop..]);
            }
            used += CHUNK;
        }
        self.gathered.drain(..used);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::testsignal::tone_at;

    /// Frequency of a clean sine from its zero crossings.
    fn frequency(x: &[f32], rate: f32) -> f32 {
        let crossings = x.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        crossings as f32 * rate / x.len() as f32
    }

    #[test]
    fn a_48k_tone_keeps_its_pitch_and_length_at_16k() {
        let mut r = To16k::new(48_000).unwrap();
        let input = tone_at(48_000, 1.0, 440.0, 0.5);
        let mut out = Vec::new();
        for piece in input.chunks(1000) {
            out.extend(r.push(piece).unwrap());
        }
        assert!(out.len().abs_diff(16_000) < 400, "{}", out.len());
        let f = frequency(&out[1000..15_000], 16_000.0);
        assert!((f - 440.0).abs() < 3.0, "{f}");
    }

    #[test]
    fn tones_above_8k_are_filtered_out_not_folded_down() {
        let mut r = To16k::new(44_100).unwrap();
        let out = r.push(&tone_at(44_100, 1.0, 12_000.0, 0.5)).unwrap();
        let rms = (out.iter().map(|x| x * x).sum::<f32>() / out.len() as f32).sqrt();
        assert!(rms < 0.01, "{rms}");
    }

    #[test]
    fn sixteen_khz_passes_through() {
        let mut r = To16k::new(16_000).unwrap();
        assert_eq!(r.push(&[0.5, -0.5]).unwrap(), vec![0.5, -0.5]);
    }
}
