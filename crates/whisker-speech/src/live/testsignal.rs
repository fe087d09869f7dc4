//! Synthetic test signals at 16 kHz: silence, tones and white noise.

use super::SAMPLE_RATE;

pub fn silence(seconds: f32) -> Vec<f32> {
    vec![0.0; (seconds * SAMPLE_RATE as f32) as usize]
}

pub fn tone(seconds: f32, hz: f32, amplitude: f32) -> Vec<f32> {
    tone_at(SAMPLE_RATE, seconds, hz, amplitude)
}

pub fn tone_at(rate: u32, seconds: f32, hz: f32, amplitude: f32) -> Vec<f32> {
    let n = (seconds * rate as f32) as usize;
    (0..n)
        .map(|i| amplitude * (std::f32::consts::TAU * hz * i as f32 / rate as f32).sin())
        .collect()
}

/// Uniform white noise with the given RMS, reproducible from `seed`.
pub fn noise(seconds: f32, rms: f32, seed: u64) -> Vec<f32> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let n = (seconds * SAMPLE_RATE as f32) as usize;
    let scale = rms * 3f32.sqrt();
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let unit = (state >> 40) as f32 / (1u64 << 24) as f32;
            (unit * 2.0 - 1.0) * scale
        })
        .collect()
}
