//! The mel filter bank Whisper's log-mel spectrogram uses, stored in every
//! whisper.cpp model file.
//!
//! It is librosa's `filters.mel(sr=16000, n_fft=400, n_mels=N)`: triangular
//! filters on the Slaney mel scale (linear below 1 kHz, logarithmic above),
//! each scaled to unit area ("slaney" norm). OpenAI ships the same numbers as
//! `whisper/assets/mel_filters.npz`; the integration tests compare the two.
//! The arithmetic follows librosa step by step (f64, with the same rounding
//! to f32) so the bank matches to the last bit or very nearly.

/// Whisper's audio sample rate.
pub const SAMPLE_RATE: u32 = 16_000;
/// Whisper's FFT size: 25 ms windows.
pub const N_FFT: usize = 400;

/// Hz per mel below 1 kHz on the Slaney scale.
const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;

fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

fn hz_to_mel(hz: f64) -> f64 {
    let min_log_mel = MIN_LOG_HZ / F_SP;
    if hz >= MIN_LOG_HZ {
        min_log_mel + (hz / MIN_LOG_HZ).ln() / log_step()
    } else {
        hz / F_SP
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    let min_log_mel = MIN_LOG_HZ / F_SP;
    if mel >= min_log_mel {
        MIN_LOG_HZ * (log_step() * (mel - min_log_mel)).exp()
    } else {
        F_SP * mel
    }
}

/// `count` frequencies evenly spaced in mels from `fmin` to `fmax` Hz
/// (numpy's `linspace`: `i * step + start`, the last one exactly `stop`).
fn mel_frequencies(count: usize, fmin: f64, fmax: f64) -> Vec<f64> {
    let (lo, hi) = (hz_to_mel(fmin), hz_to_mel(fmax));
    let step = (hi - lo) / (count - 1) as f64;
    (0..count)
        .map(|i| {
            if i + 1 == count {
                hi
            } else {
                i as f64 * step + lo
            }
        })
        .map(mel_to_hz)
        .collect()
}

/// The centre frequency of each FFT bin, 0 Hz to Nyquist (librosa's
/// `fft_frequencies`: a `linspace`, which is exact for Whisper's 40 Hz bins).
fn fft_frequencies(sample_rate: u32, n_fft: usize) -> Vec<f64> {
    let bins = n_fft / 2 + 1;
    let nyquist = f64::from(sample_rate) / 2.0;
    let step = nyquist / (bins - 1) as f64;
    (0..bins)
        .map(|i| {
            if i + 1 == bins {
                nyquist
            } else {
                i as f64 * step
            }
        })
        .collect()
}

/// The `n_mels x (n_fft / 2 + 1)` bank, row-major, for 0 Hz to Nyquist.
pub fn mel_filters(sample_rate: u32, n_fft: usize, n_mels: usize) -> Vec<f32> {
    let fft = fft_frequencies(sample_rate, n_fft);
    let mel = mel_frequencies(n_mels + 2, 0.0, f64::from(sample_rate) / 2.0);
    let mut bank = Vec::with_capacity(n_mels * fft.len());
    for i in 0..n_mels {
        let (below, above) = (mel[i + 1] - mel[i], mel[i + 2] - mel[i + 1]);
        // Slaney normalisation: each triangle has unit area.
        let norm = 2.0 / (mel[i + 2] - mel[i]);
        for &f in &fft {
            let lower = -(mel[i] - f) / below;
            let upper = (mel[i + 2] - f) / above;
            // librosa stores the triangle as f32, then scales it in f64.
            let weight = numpy_max0(if upper < lower { upper } else { lower }) as f32;
            bank.push((f64::from(weight) * norm) as f32);
        }
    }
    bank
}

/// `np.maximum(0, x)` to the sign of zero: numpy's vector maximum keeps
/// `x` when the two are equal, so -0.0 stays -0.0 (the first filter's first
/// weight in OpenAI's file). Rust's `f64::max` may return either zero, and
/// did differently in debug and release builds, which changed the converted
/// model's hash.
fn numpy_max0(x: f64) -> f64 {
    if x >= 0.0 { x } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slaney_scale_is_linear_below_1khz_and_round_trips() {
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(500.0) - 7.5).abs() < 1e-12);
        for hz in [0.0, 123.0, 999.0, 1000.0, 4321.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-9, "{hz}");
        }
    }

    #[test]
    fn bank_has_whisper_shape_and_triangles_of_unit_area() {
        let bank = mel_filters(SAMPLE_RATE, N_FFT, 80);
        assert_eq!(bank.len(), 80 * 201);
        assert!(bank.iter().all(|&w| w >= 0.0));
        // Area in Hz (40 Hz per bin) of a filter well inside the range is ~1.
        let area: f32 = bank[40 * 201..41 * 201].iter().sum::<f32>() * 40.0;
        assert!((area - 1.0).abs() < 0.1, "area {area}");
        // The first filter starts at 0 Hz and is zero there: -0.0, as in
        // OpenAI's file (every other zero is +0.0).
        assert_eq!(bank[0].to_bits(), (-0.0f32).to_bits());
        assert_eq!(
            bank.iter()
                .filter(|w| w.to_bits() == (-0.0f32).to_bits())
                .count(),
            1
        );
        assert!(bank[1] > 0.0);
    }
}
