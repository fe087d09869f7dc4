//! From token vectors to one sentence vector: pooling and L2 normalisation,
//! on plain slices (the model's output copied out of the tensor once).

use super::Pooling;

/// Pools one sequence: `tokens` holds its `len` real token vectors of `dims`
/// values each, row after row (padding rows, if any, come after them and are
/// ignored). Mean over the real tokens, or the first token's vector. An empty
/// sequence pools to zeros.
pub(crate) fn pool(tokens: &[f32], len: usize, dims: usize, pooling: Pooling) -> Vec<f32> {
    let rows = tokens.chunks_exact(dims).take(len);
    match pooling {
        Pooling::Cls => rows
            .take(1)
            .next()
            .map_or_else(|| vec![0.0; dims], <[f32]>::to_vec),
        Pooling::Mean => {
            let mut sum = vec![0.0f32; dims];
            let mut n = 0usize;
            for row in rows {
                sum.iter_mut().zip(row).for_each(|(s, x)| *s += x);
                n += 1;
            }
            if n > 0 {
                let inv = 1.0 / n as f32;
                sum.iter_mut().for_each(|s| *s *= inv);
            }
            sum
        }
    }
}

/// Scales `v` to unit length; a zero vector stays zero (no NaN).
pub(crate) fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    // sentence-transformers divides by max(norm, 1e-12): the same here.
    let inv = 1.0 / norm.max(1e-12);
    v.iter_mut().for_each(|x| *x *= inv);
}

#[cfg(test)]
mod tests {
    use super::*;

    // Three tokens of two dims, then one padding row that must be ignored.
    const TOKENS: [f32; 8] = [1.0, 2.0, 3.0, 4.0, 5.0, 9.0, 100.0, 100.0];

    #[test]
    fn mean_ignores_padding_rows() {
        assert_eq!(pool(&TOKENS, 3, 2, Pooling::Mean), vec![3.0, 5.0]);
    }

    #[test]
    fn cls_takes_the_first_token() {
        assert_eq!(pool(&TOKENS, 3, 2, Pooling::Cls), vec![1.0, 2.0]);
    }

    #[test]
    fn an_empty_sequence_pools_to_zeros() {
        assert_eq!(pool(&TOKENS, 0, 2, Pooling::Mean), vec![0.0, 0.0]);
        assert_eq!(pool(&[], 0, 2, Pooling::Cls), vec![0.0, 0.0]);
    }

    #[test]
    fn normalize_gives_unit_length() {
        let mut v = vec![3.0, 4.0];
        normalize(&mut v);
        assert_eq!(v, vec![0.6, 0.8]);
    }

    #[test]
    fn normalize_leaves_zero_alone() {
        let mut v = vec![0.0, 0.0];
        normalize(&mut v);
        assert_eq!(v, vec![0.0, 0.0]);
    }
}
