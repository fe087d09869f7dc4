//! Matrix products with few rows on the left: a search query is 5–30
//! tokens, so each linear layer multiplies a handful of rows by a weight
//! matrix of hundreds of thousands of values.
//!
//! A general matrix product (candle's, via the `gemm` crate) first copies
//! ("packs") both operands into cache-friendly panels and splits the work
//! across threads. With a few rows, packing the weights again for every
//! query copies more than it saves, and waking the other threads costs
//! more than their share of the work (profiled: a fifth of a query's time
//! went to thread hand-offs). What is left is bound by how fast the weights
//! come in from memory: all-MiniLM's layers are 42 MB of f32, more than the
//! L3 cache, all read for every query.
//!
//! So a [`Weight`] keeps a second copy of its values, packed once at load:
//! in f16 (half the bytes; the sums are still f32) and in the order the
//! kernel reads them, three weight rows interleaved eight values at a time,
//! so the whole matrix streams in as one sequential read (read row by row
//! instead, each row is too short for the hardware prefetcher to follow:
//! measured 2.3x slower). The kernel keeps a block of up to [`ROWS`] input
//! rows × [`OUTS`] outputs of sums in registers, so each value loaded is
//! used several times. It is single-threaded, so the caller's other core
//! is free (search runs the BM25 ranking there meanwhile). Bigger batches
//! (passages at `add`) use the f32 weights and candle's product, as before.

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor, bail};
use half::f16;

/// Up to this many rows take the few-rows kernel; more go to candle's
/// parallel product. Measured on 2 cores: the kernel alone is faster up to
/// 24 tokens (6.4 against 7.1 ms a query), candle's two threads from ~30
/// (7.0 against 8.2).
pub(crate) const FEW_ROWS: usize = 24;

/// Input rows per block, at most.
const ROWS: usize = 4;

/// Weight rows interleaved in the packed copy: a block's 4 × 3 sums of 8
/// lanes take 12 of AVX2's 16 vector registers, and each step loads 7
/// vectors for 12 multiply-adds.
const OUTS: usize = 3;

/// Values of one weight row per step: an AVX2 vector.
const LANES: usize = 8;

/// How far ahead of the kernel the next weights are asked for, in f16
/// values (2 KiB; measured best of 0, 1 and 2 KiB).
const PREFETCH: usize = 1024;

/// A linear layer's weight: f32 for batches, a packed f16 copy for a few rows.
pub(crate) struct Weight {
    /// Transposed to `(in, out)` and contiguous, so candle's product reads
    /// a row-major right-hand side (handed a transposed view instead, it
    /// copies the whole matrix on every call).
    pub f32: Tensor,
    /// Strips of [`OUTS`] rows (the last padded with zeros), each `in /
    /// LANES` steps of `OUTS × LANES` values. Empty when `in` is not a
    /// multiple of [`LANES`]: then every product goes to candle.
    packed: Vec<f16>,
    out: usize,
    inp: usize,
}

impl Weight {
    /// `w` as a linear layer stores it: `(out, in)`.
    pub fn new(w: Tensor) -> Result<Self> {
        let (out, inp) = w.dims2()?;
        let packed = if inp.is_multiple_of(LANES) {
            pack(&w.flatten_all()?.to_vec1::<f32>()?, out, inp)
        } else {
            Vec::new()
        };
        Ok(Self {
            f32: w.t()?.contiguous()?,
            packed,
            out,
            inp,
        })
    }

    /// `xs · wᵀ`: `(M, in)` → `(M, out)`.
    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        if xs.dim(0)? <= FEW_ROWS && !self.packed.is_empty() {
            xs.apply_op1_no_bwd(self)
        } else {
            xs.matmul(&self.f32)
        }
    }
}

/// The packed copy of a row-major `(out, inp)` matrix (see [`Weight::packed`]).
fn pack(w: &[f32], out: usize, inp: usize) -> Vec<f16> {
    let steps = inp / LANES;
    let mut packed = vec![f16::ZERO; out.div_ceil(OUTS) * OUTS * inp];
    for (row, values) in w.chunks_exact(inp).enumerate() {
        let (strip, o) = (row / OUTS, row % OUTS);
        for (step, lanes) in values.chunks_exact(LANES).enumerate() {
            let at = ((strip * steps + step) * OUTS + o) * LANES;
            for (d, v) in packed[at..at + LANES].iter_mut().zip(lanes) {
                *d = f16::from_f32(*v);
            }
        }
    }
    packed
}

impl CustomOp1 for Weight {
    fn name(&self) -> &'static str {
        "few-rows-matmul"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = match (s, l.contiguous_offsets()) {
            (CpuStorage::F32(x), Some((a, b))) => &x[a..b],
            _ => bail!("few-rows matmul: expects a contiguous f32 tensor"),
        };
        let (k, n) = (self.inp, self.out);
        let m = match l.dims() {
            &[m, inp] if inp == k && k > 0 => m,
            dims => bail!("few-rows matmul: {dims:?} times a weight of {k} inputs"),
        };
        let mut y = vec![0f32; m * n];
        matmul(x, &self.packed, k, n, &mut y);
        Ok((CpuStorage::F32(y), Shape::from((m, n))))
    }
}

/// `y = x · wᵀ` from the packed `w` (`y` is `m × n`; `k`, the shared
/// length, a non-zero multiple of [`LANES`]), with the widest instructions
/// the CPU has.
#[allow(unsafe_code)]
fn matmul(x: &[f32], w: &[f16], k: usize, n: usize, y: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::avx2_fma() && crate::cpu::f16c() {
        // SAFETY: a `target_feature` function needs only that the CPU has
        // the features, which was just checked.
        return unsafe { avx2::matmul(x, w, k, n, y) };
    }
    matmul_any(x, w, k, n, y)
}

/// Strip by strip, each passed over by every block of input rows (the
/// strip, 3 × 0.75–3 KiB, stays in cache meanwhile, so the weights, the
/// bulk of the bytes, are read from memory once); `block(strip, row, rows)`
/// returns the sums of `rows` input rows from `row` with that strip, which
/// land in `y`.
#[inline(always)]
fn for_each_block(
    m: usize,
    n: usize,
    y: &mut [f32],
    mut block: impl FnMut(usize, usize, usize) -> [[f32; OUTS]; ROWS],
) {
    for strip in 0..n.div_ceil(OUTS) {
        for row in (0..m).step_by(ROWS) {
            let rows = (m - row).min(ROWS);
            let sums = block(strip, row, rows);
            for (r, sums) in sums.iter().take(rows).enumerate() {
                let out = strip * OUTS;
                let outs = (n - out).min(OUTS);
                y[(row + r) * n + out..][..outs].copy_from_slice(&sums[..outs]);
            }
        }
    }
}

/// Plain Rust, for CPUs without AVX2 and F16C (and as the reference in tests).
fn matmul_any(x: &[f32], w: &[f16], k: usize, n: usize, y: &mut [f32]) {
    let steps = k / LANES;
    for_each_block(x.len() / k, n, y, |strip, row, rows| {
        let ws = &w[strip * steps * OUTS * LANES..][..steps * OUTS * LANES];
        let mut sums = [[0f32; OUTS]; ROWS];
        for (r, sums) in sums.iter_mut().take(rows).enumerate() {
            let xr = &x[(row + r) * k..][..k];
            for (xs, ws) in xr.chunks_exact(LANES).zip(ws.chunks_exact(OUTS * LANES)) {
                for (sum, ws) in sums.iter_mut().zip(ws.chunks_exact(LANES)) {
                    *sum += xs.iter().zip(ws).map(|(a, b)| a * b.to_f32()).sum::<f32>();
                }
            }
        }
        sums
    });
}

/// The kernel in AVX2 intrinsics: f16 → f32 conversion (`vcvtph2ps`, F16C)
/// has no portable spelling the compiler would vectorise, and the inner loop
/// reads through pointers checked once per block instead of per load.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    use std::arch::x86_64::*;

    use half::f16;

    use super::{LANES, OUTS, PREFETCH, ROWS, for_each_block};

    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) fn matmul(x: &[f32], w: &[f16], k: usize, n: usize, y: &mut [f32]) {
        let strip_len = k * OUTS;
        for_each_block(x.len() / k, n, y, |strip, row, rows| {
            let ws = &w[strip * strip_len..][..strip_len];
            let xs = &x[row * k..][..rows * k];
            match rows {
                4 => block::<4>(xs, ws),
                3 => padded(block::<3>(xs, ws)),
                2 => padded(block::<2>(xs, ws)),
                _ => padded(block::<1>(xs, ws)),
            }
        });
    }

    fn padded<const R: usize>(sums: [[f32; OUTS]; R]) -> [[f32; OUTS]; ROWS] {
        let mut all = [[0f32; OUTS]; ROWS];
        all[..R].copy_from_slice(&sums);
        all
    }

    /// `R` input rows (`xs`, each `k` long) times one packed strip (`ws`).
    #[target_feature(enable = "avx2,fma,f16c")]
    fn block<const R: usize>(xs: &[f32], ws: &[f16]) -> [[f32; OUTS]; R] {
        let k = ws.len() / OUTS;
        // The bounds of every load below, checked once.
        assert!(xs.len() == R * k && k.is_multiple_of(LANES));
        let (xp, wp) = (xs.as_ptr(), ws.as_ptr().cast::<u16>());
        let mut acc = [[_mm256_setzero_ps(); OUTS]; R];
        for i in (0..k).step_by(LANES) {
            // A hint, not a read: any address will do, even past the end.
            _mm_prefetch::<_MM_HINT_T0>(wp.wrapping_add(i * OUTS + PREFETCH).cast::<i8>());
            let mut wv = [_mm256_setzero_ps(); OUTS];
            for (o, wv) in wv.iter_mut().enumerate() {
                // SAFETY: i < k and o < OUTS, so the 8 values read lie in
                // `ws` (k × OUTS long). The load is unaligned; f16 is a
                // plain 16-bit value.
                let p = unsafe { wp.add(i * OUTS + o * LANES) }.cast::<__m128i>();
                *wv = _mm256_cvtph_ps(unsafe { _mm_loadu_si128(p) });
            }
            for (r, acc) in acc.iter_mut().enumerate() {
                // SAFETY: r < R and i + LANES ≤ k: inside `xs`.
                let xv = unsafe { _mm256_loadu_ps(xp.add(r * k + i)) };
                for (acc, wv) in acc.iter_mut().zip(&wv) {
                    *acc = _mm256_fmadd_ps(xv, *wv, *acc);
                }
            }
        }
        let mut sums = [[0f32; OUTS]; R];
        for (sums, acc) in sums.iter_mut().zip(&acc) {
            for (sum, acc) in sums.iter_mut().zip(acc) {
                *sum = lanes_sum(*acc);
            }
        }
        sums
    }

    /// The eight lanes of `v` added up.
    #[target_feature(enable = "avx2,fma,f16c")]
    fn lanes_sum(v: __m256) -> f32 {
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_movehdup_ps(s));
        _mm_cvtss_f32(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// Every row count up to past the threshold, widths with and without a
    /// last partial block of outputs, and a length that is not whole
    /// vectors, against candle's f32 product (f16 weights: close, not equal).
    #[test]
    fn matches_candles_product() {
        let dev = Device::Cpu;
        for (k, n) in [(384, 1152), (16, 29), (8, 1), (7, 5)] {
            let w = Weight::new(Tensor::randn(0f32, 1.0, (n, k), &dev).unwrap()).unwrap();
            for m in 1..=FEW_ROWS + 1 {
                let x = Tensor::randn(0f32, 1.0, (m, k), &dev).unwrap();
                let ours = w.forward(&x).unwrap();
                let exact = x.matmul(&w.f32).unwrap();
                let diff = (ours - exact)
                    .unwrap()
                    .abs()
                    .unwrap()
                    .max_all()
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap();
                // Sums of k products of N(0, 1) values, weights off by ≤ 2⁻¹¹.
                let bound = 4e-3 * (k as f32).sqrt();
                assert!(diff < bound, "m {m}, k {k}, n {n}: off by {diff}");
            }
        }
    }

    /// The portable kernel gives what the vector one gives.
    #[test]
    fn portable_kernel_agrees() {
        let (m, k, n) = (5, 64, 7);
        let x: Vec<f32> = (0..m * k)
            .map(|i| ((i * 13 % 17) as f32 - 8.0) / 8.0)
            .collect();
        let w: Vec<f32> = (0..n * k)
            .map(|i| ((i * 7 % 11) as f32 - 5.0) / 4.0)
            .collect();
        let w = pack(&w, n, k);
        let (mut a, mut b) = (vec![0f32; m * n], vec![0f32; m * n]);
        matmul(&x, &w, k, n, &mut a);
        matmul_any(&x, &w, k, n, &mut b);
        for (a, b) in a.iter().zip(&b) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
    }

    #[test]
    fn mismatched_shapes_are_an_error() {
        let dev = Device::Cpu;
        let x = Tensor::zeros((2, 3), candle_core::DType::F32, &dev).unwrap();
        let w = Weight::new(Tensor::zeros((5, 4), candle_core::DType::F32, &dev).unwrap()).unwrap();
        assert!(w.forward(&x).is_err());
    }
}
