//! Interleaved frames of any channel count to one channel.

/// Appends the mean of each frame's channels to `out`. Averaging (rather than
/// summing) keeps the level in range; a channel that is silent only halves
/// the other, which Whisper does not mind (it normalises its input).
pub fn downmix(interleaved: &[f32], channels: usize, out: &mut Vec<f32>) {
    match channels {
        0 => {}
        1 => out.extend_from_slice(interleaved),
        n => {
            let scale = 1.0 / n as f32;
            out.extend(
                interleaved
                    .chunks_exact(n)
                    .map(|frame| frame.iter().sum::<f32>() * scale),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stereo_frames_become_their_mean() {
        let mut out = Vec::new();
        downmix(&[1.0, 0.0, 0.5, 0.5, -1.0, 1.0], 2, &mut out);
        assert_eq!(out, [0.5, 0.5, 0.0]);
    }

    #[test]
    fn mono_is_copied_and_six_channels_are_averaged() {
        let mut out = vec![9.0];
        downmix(&[0.25, -0.25], 1, &mut out);
        assert_eq!(out, [9.0, 0.25, -0.25]);
        out.clear();
        downmix(&[0.6; 12], 6, &mut out);
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|s| (s - 0.6).abs() < 1e-6));
    }
}
