//! Causal self-attention over a KV cache that grows in place, with grouped
//! query heads reading their shared K/V head directly (no repeated copies),
//! and the small per-token passes around it: RMS norm, rotary embeddings.

use crate::embed::exp;

use super::super::team::Team;

/// Keys and values of one layer, one row of `kv_heads × head_dim` per
/// position; appended to, never copied.
#[derive(Debug, Clone, Default)]
pub struct KvCache {
    k: Vec<f32>,
    v: Vec<f32>,
}

impl KvCache {
    pub fn clear(&mut self) {
        self.k.clear();
        self.v.clear();
    }

    /// Positions held (`width` values each).
    pub fn len(&self, width: usize) -> usize {
        self.k.len() / width
    }

    /// Forgets every position from `len` on.
    pub fn truncate(&mut self, len: usize, width: usize) {
        self.k.truncate(len * width);
        self.v.truncate(len * width);
    }

    pub fn push(&mut self, k: &[f32], v: &[f32]) {
        self.k.extend_from_slice(k);
        self.v.extend_from_slice(v);
    }
}

/// The attention shape of a model.
#[derive(Debug, Clone, Copy)]
pub struct Heads {
    pub q: usize,
    pub kv: usize,
    pub dim: usize,
}

/// `out` (tokens × q·dim) = softmax(q·kᵀ/√dim, causal) · v for tokens at
/// positions `start..`, whose keys and values are already in `cache`.
pub fn attend(
    q: &[f32],
    cache: &KvCache,
    heads: Heads,
    start: usize,
    out: &mut [f32],
    team: &Team,
) {
    let group = heads.q / heads.kv;
    let width = heads.kv * heads.dim;
    let scale = 1.0 / (heads.dim as f32).sqrt();
    // The query heads that share a KV head go together, so each key and
    // value row is read once for all of them. One group per task for a
    // single token; a whole token (every group, one score buffer) per task
    // when there are many.
    let tokens = q.len() / (heads.q * heads.dim);
    let per_task = if tokens == 1 { 1 } else { heads.kv };
    let size = group * heads.dim;
    team.for_chunks(out, per_task * size, |task, out| {
        let mut scores = Vec::new();
        for (i, out) in out.chunks_exact_mut(size).enumerate() {
            let index = task * per_task + i;
            let (t, g) = (index / heads.kv, index % heads.kv);
            let span = start + t + 1;
            scores.clear();
            scores.resize(group * span, 0.0);
            one_group(
                &q[index * size..(index + 1) * size],
                &cache.k[..span * width],
                &cache.v[..span * width],
                (width, g * heads.dim, heads.dim),
                scale,
                &mut scores,
                out,
            );
        }
    });
}

/// Attention of the query heads of one group (side by side in `queries`
/// and `out`, `dim` values each) over `scores.len() / heads` positions of
/// keys and values laid out `width` apart, theirs at `offset`.
#[allow(unsafe_code)]
fn one_group(
    queries: &[f32],
    k: &[f32],
    v: &[f32],
    layout: (usize, usize, usize),
    scale: f32,
    scores: &mut [f32],
    out: &mut [f32],
) {
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::avx2_fma() {
        // SAFETY: a `target_feature` function needs only that the CPU has
        // the features, which `avx2_fma` checked.
        return unsafe { one_group_avx2(queries, k, v, layout, scale, scores, out) };
    }
    one_group_any(queries, k, v, layout, scale, scores, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn one_group_avx2(
    queries: &[f32],
    k: &[f32],
    v: &[f32],
    layout: (usize, usize, usize),
    scale: f32,
    scores: &mut [f32],
    out: &mut [f32],
) {
    one_group_any(queries, k, v, layout, scale, scores, out);
}

#[inline(always)]
fn one_group_any(
    queries: &[f32],
    k: &[f32],
    v: &[f32],
    (width, offset, dim): (usize, usize, usize),
    scale: f32,
    scores: &mut [f32],
    out: &mut [f32],
) {
    let heads = queries.len() / dim;
    let span = scores.len() / heads;
    for p in 0..span {
        let key = &k[p * width + offset..p * width + offset + dim];
        for (h, query) in queries.chunks_exact(dim).enumerate() {
            scores[h * span + p] = dot(query, key) * scale;
        }
    }
    // Loops rather than closures: a closure would not inherit the target
    // features of `one_group_avx2`.
    for row in scores.chunks_exact_mut(span) {
        let mut max = f32::NEG_INFINITY;
        for &s in row.iter() {
            max = max.max(s);
        }
        let mut sum = 0.0;
        for s in row.iter_mut() {
            *s = exp(*s - max);
            sum += *s;
        }
        let inv = 1.0 / sum;
        for s in row.iter_mut() {
            *s *= inv;
        }
    }
    out.fill(0.0);
    for p in 0..span {
        let value = &v[p * width + offset..p * width + offset + dim];
        for (h, out) in out.chunks_exact_mut(dim).enumerate() {
            let w = scores[h * span + p];
            for (o, v) in out.iter_mut().zip(value) {
                *o += w * v;
            }
        }
    }
}

/// Eight partial sums, so the compiler keeps them in vector registers.
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 8;
    let mut acc = [0f32; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let mut tail = 0f32;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    for (x, y) in ca.zip(cb) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// In place on rows of `weight.len()`: `x ← x / rms(x) · weight`, as
/// candle's `rms_norm`.
pub fn rms_norm(xs: &[f32], weight: &[f32], eps: f32, out: &mut Vec<f32>) {
    out.clear();
    for x in xs.chunks_exact(weight.len()) {
        let sum2: f32 = x.iter().map(|v| v * v).sum();
        let m = (sum2 / weight.len() as f32 + eps).sqrt();
        out.extend(x.iter().zip(weight).map(|(v, w)| v / m * w));
    }
}

/// Rotary position embeddings: cos and sin of `position · θᵢ`, computed in
/// f32 as candle does.
#[derive(Debug, Clone)]
pub struct Rope {
    theta: Vec<f32>,
    /// Pairs `(i, i + dim/2)` (NeoX, Qwen) rather than `(2i, 2i + 1)`.
    neox: bool,
}

impl Rope {
    pub fn new(dim: usize, base: f32, neox: bool) -> Rope {
        let theta = (0..dim)
            .step_by(2)
            .map(|i| 1f32 / base.powf(i as f32 / dim as f32))
            .collect();
        Rope { theta, neox }
    }

    /// Rotates every head (`dim` values) of one token's `x` at `position`.
    pub fn apply(&self, x: &mut [f32], position: usize) {
        let half = self.theta.len();
        let angles: Vec<(f32, f32)> = self
            .theta
            .iter()
            .map(|theta| {
                let angle = position as f32 * theta;
                (angle.sin(), angle.cos())
            })
            .collect();
        for head in x.chunks_exact_mut(2 * half) {
            for (i, &(sin, cos)) in angles.iter().enumerate() {
                let (a, b) = if self.neox {
                    (i, i + half)
                } else {
                    (2 * i, 2 * i + 1)
                };
                let (x0, x1) = (head[a], head[b]);
                head[a] = x0 * cos - x1 * sin;
                head[b] = x0 * sin + x1 * cos;
            }
        }
    }
}

/// `silu(gate) · up`, in place over `gate`.
pub fn swiglu(gate: &mut [f32], up: &[f32]) {
    for (g, u) in gate.iter_mut().zip(up) {
        *g = *g / (1.0 + exp(-*g)) * u;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_position_returns_its_value() {
        let heads = Heads {
            q: 2,
            kv: 1,
            dim: 4,
        };
        let mut cache = KvCache::default();
        cache.push(&[1.0, 0.0, 0.0, 0.0], &[0.5, -1.0, 2.0, 3.0]);
        let mut out = vec![0f32; 8];
        attend(&[1.0; 8], &cache, heads, 0, &mut out, &Team::new(1));
        assert_eq!(out, [0.5, -1.0, 2.0, 3.0, 0.5, -1.0, 2.0, 3.0]);
    }

    #[test]
    fn later_positions_are_masked_in_prefill() {
        let heads = Heads {
            q: 1,
            kv: 1,
            dim: 2,
        };
        let mut cache = KvCache::default();
        cache.push(&[0.0, 0.0], &[1.0, 1.0]);
        cache.push(&[0.0, 0.0], &[3.0, 5.0]);
        let mut out = vec![0f32; 4];
        attend(&[0.0; 4], &cache, heads, 0, &mut out, &Team::new(1));
        // Token 0 sees only itself; token 1 averages both (equal scores).
        assert_eq!(out, [1.0, 1.0, 2.0, 3.0]);
    }
}
