//! The encoder's element-wise work as fused candle custom ops, in place where
//! possible. Stock candle runs each of bias add, GELU, residual add and layer
//! norm as its own pass that allocates a new tensor (and computes `erf` and
//! `exp` one scalar at a time); here each step is one pass over memory the
//! matrix product just wrote, split across threads by rows, with `exp` and
//! `erf` as branch-free polynomials the compiler vectorises — 8 lanes wide
//! where the CPU has AVX2 (checked at run time; the build targets baseline
//! x86-64, whose SSE2 gives 4).

use candle_core::{CpuStorage, InplaceOp1, InplaceOp2, Layout, Result, bail};
use rayon::prelude::*;

use super::few_rows::FEW_ROWS;

/// Rows handed to one thread at a time: big enough to amortise scheduling.
const ROWS_PER_TASK: usize = 16;

/// Calls `f(task, rows)` on each block of [`ROWS_PER_TASK`] rows of `cols`
/// values: across the thread pool, or on the calling thread when there are
/// only a few rows (a query), where waking the pool costs more than the work.
fn for_each_task(xs: &mut [f32], cols: usize, f: impl Fn(usize, &mut [f32]) + Sync) {
    let chunk = cols.max(1) * ROWS_PER_TASK;
    if xs.len() <= FEW_ROWS * cols {
        xs.chunks_mut(chunk)
            .enumerate()
            .for_each(|(c, rows)| f(c, rows));
    } else {
        xs.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(c, rows)| f(c, rows));
    }
}

/// `exp(x)` to ~2 ulp for x ≤ 88 (Cephes' `expf` polynomial); underflows to 0.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // Round-to-nearest without a libm call: the 1.5·2²³ trick.
    const SHIFT: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let t = x * LOG2E + SHIFT;
    let n = t - SHIFT;
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 0.166_666_65;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    // 2ⁿ from the low bits of `t`, which hold n (integer ops vectorise; a
    // float-to-int `as` cast does not).
    let two_n = f32::from_bits(t.to_bits().wrapping_sub(SHIFT.to_bits()).wrapping_add(127) << 23);
    y * two_n
}

/// `erf(x)`, a rational approximation (Eigen's `generic_fast_erf_float`),
/// accurate to a few ulp; no branch, no `exp`.
#[inline(always)]
pub(crate) fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_3e-10_f32;
    p = p * x2 + 2.770_681_4e-8;
    p = p * x2 - 2.101_024e-6;
    p = p * x2 - 5.692_506_4e-5;
    p = p * x2 - 7.349_906_3e-4;
    p = p * x2 - 2.954_6e-3;
    p = p * x2 - 1.609_603_3e-2;
    let mut q = -1.456_607_2e-5_f32;
    q = q * x2 - 2.133_740_6e-4;
    q = q * x2 - 1.682_827e-3;
    q = q * x2 - 7.373_329e-3;
    q = q * x2 - 1.426_474e-2;
    x * p / q
}

/// GELU as BERT defines it: `x · (1 + erf(x / √2)) / 2`.
#[inline(always)]
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

fn f32_slice<'a>(s: &'a CpuStorage, l: &Layout, op: &str) -> Result<&'a [f32]> {
    match (s, l.contiguous_offsets()) {
        (CpuStorage::F32(v), Some((a, b))) => Ok(&v[a..b]),
        _ => bail!("{op}: expects a contiguous f32 tensor"),
    }
}

fn f32_slice_mut<'a>(s: &'a mut CpuStorage, l: &Layout, op: &str) -> Result<&'a mut [f32]> {
    match (s, l.contiguous_offsets()) {
        (CpuStorage::F32(v), Some((a, b))) => Ok(&mut v[a..b]),
        _ => bail!("{op}: expects a contiguous f32 tensor"),
    }
}

/// In place on `(rows, bias.len())`: `x ← gelu(x + bias)`.
#[derive(Debug, Clone)]
pub(crate) struct BiasGelu {
    pub bias: Vec<f32>,
}

impl InplaceOp1 for BiasGelu {
    fn name(&self) -> &'static str {
        "bias-gelu"
    }

    fn cpu_fwd(&self, s: &mut CpuStorage, l: &Layout) -> Result<()> {
        let xs = f32_slice_mut(s, l, self.name())?;
        let cols = self.bias.len();
        for_each_task(xs, cols, |_, rows| bias_gelu_rows(rows, &self.bias));
        Ok(())
    }
}

#[allow(unsafe_code)]
fn bias_gelu_rows(rows: &mut [f32], bias: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::avx2_fma() {
        // SAFETY: a `target_feature` function needs only that the CPU has
        // the features, which `avx2_fma` just checked.
        return unsafe { bias_gelu_rows_avx2(rows, bias) };
    }
    bias_gelu_rows_any(rows, bias);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn bias_gelu_rows_avx2(rows: &mut [f32], bias: &[f32]) {
    bias_gelu_rows_any(rows, bias);
}

#[inline(always)]
fn bias_gelu_rows_any(rows: &mut [f32], bias: &[f32]) {
    for row in rows.chunks_exact_mut(bias.len()) {
        for (x, b) in row.iter_mut().zip(bias) {
            *x = gelu(*x + b);
        }
    }
}

/// In place on `(rows, H)`: `x ← LayerNorm(x + bias + residual)`. The
/// residual may have fewer rows than `x`: row `r` adds residual row
/// `r % residual_rows` (the embeddings add one position table to every
/// sequence of the batch).
#[derive(Debug, Clone)]
pub(crate) struct AddNorm {
    pub bias: Option<Vec<f32>>,
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
    pub eps: f32,
}

impl AddNorm {
    #[inline(never)]
    fn row(&self, x: &mut [f32], residual: &[f32]) {
        match &self.bias {
            Some(b) => x
                .iter_mut()
                .zip(residual.iter().zip(b))
                .for_each(|(x, (r, b))| *x += r + b),
            None => x.iter_mut().zip(residual).for_each(|(x, r)| *x += r),
        }
        let n = x.len() as f32;
        let mean = sum(x) / n;
        x.iter_mut().for_each(|v| *v -= mean);
        let var = sum_sq(x) / n;
        let inv = 1.0 / (var + self.eps).sqrt();
        for ((x, g), b) in x.iter_mut().zip(&self.gamma).zip(&self.beta) {
            *x = *x * inv * g + b;
        }
    }
}

impl InplaceOp2 for AddNorm {
    fn name(&self) -> &'static str {
        "add-norm"
    }

    fn cpu_fwd(&self, s: &mut CpuStorage, l: &Layout, rs: &CpuStorage, rl: &Layout) -> Result<()> {
        let xs = f32_slice_mut(s, l, self.name())?;
        let residual = f32_slice(rs, rl, self.name())?;
        let cols = self.gamma.len();
        let res_rows = residual.len() / cols;
        if xs.len() % cols != 0 || res_rows == 0 || residual.len() % cols != 0 {
            bail!("add-norm: shapes {:?} and {:?}", l.dims(), rl.dims());
        }
        for_each_task(xs, cols, |c, rows| {
            for (i, x) in rows.chunks_exact_mut(cols).enumerate() {
                let r = (c * ROWS_PER_TASK + i) % res_rows;
                self.row(x, &residual[r * cols..(r + 1) * cols]);
            }
        });
        Ok(())
    }
}

/// In place: `row ← softmax(row)`.
#[allow(unsafe_code)]
pub(crate) fn softmax_row(row: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::avx2_fma() {
        // SAFETY: as in `bias_gelu_rows`: the CPU has AVX2 and FMA.
        return unsafe { softmax_row_avx2(row) };
    }
    softmax_row_any(row);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn softmax_row_avx2(row: &mut [f32]) {
    softmax_row_any(row);
}

#[inline(always)]
fn softmax_row_any(row: &mut [f32]) {
    let max = max(row);
    row.iter_mut().for_each(|x| *x = exp(*x - max));
    let inv = 1.0 / sum(row);
    row.iter_mut().for_each(|x| *x *= inv);
}

/// Lanes for reductions: the compiler keeps eight partial results in
/// vector registers (a plain fold is one serial chain of additions).
const LANES: usize = 8;

#[inline(always)]
fn sum(xs: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let chunks = xs.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        acc.iter_mut().zip(c).for_each(|(a, x)| *a += x);
    }
    acc.iter().sum::<f32>() + tail
}

#[inline(always)]
fn sum_sq(xs: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let chunks = xs.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().map(|x| x * x).sum();
    for c in chunks {
        acc.iter_mut().zip(c).for_each(|(a, x)| *a += x * x);
    }
    acc.iter().sum::<f32>() + tail
}

#[inline(always)]
fn max(xs: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; LANES];
    let chunks = xs.chunks_exact(LANES);
    let tail = chunks
        .remainder()
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max);
    for c in chunks {
        acc.iter_mut()
            .zip(c)
            .for_each(|(a, &x)| *a = if x > *a { x } else { *a });
    }
    acc.iter().copied().fold(tail, f32::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    #[test]
    fn exp_matches_std() {
        for i in -8000..=800 {
            let x = i as f32 * 0.01;
            let (ours, std) = (exp(x), x.exp());
            assert!(
                (ours - std).abs() <= 4e-7 * std.max(1e-30),
                "exp({x}): {ours} vs {std}"
            );
        }
        assert_eq!(exp(-200.0), exp(-87.0));
    }

    #[test]
    fn erf_matches_candle() {
        for i in -600..=600 {
            let x = i as f32 * 0.01;
            let ours = erf(x);
            let reference = candle_core::cpu::erf::erf_f64(x as f64) as f32;
            assert!(
                (ours - reference).abs() < 1e-6,
                "erf({x}): {ours} vs {reference}"
            );
        }
    }

    #[test]
    fn softmax_row_sums_to_one() {
        let mut row: Vec<f32> = (0..19).map(|i| i as f32 * 0.7 - 3.0).collect();
        let want: Vec<f32> = {
            let z: f32 = row.iter().map(|x| x.exp()).sum();
            row.iter().map(|x| x.exp() / z).collect()
        };
        softmax_row(&mut row);
        for (a, b) in row.iter().zip(&want) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn add_norm_matches_the_definition() {
        let xs = Tensor::new(&[[1f32, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 8.0]], &Device::Cpu).unwrap();
        let residual = Tensor::new(&[[1f32, 1.0, 1.0, 1.0]], &Device::Cpu).unwrap();
        let op = AddNorm {
            bias: Some(vec![0.0, 0.0, 0.0, -1.0]),
            gamma: vec![2.0; 4],
            beta: vec![0.5; 4],
            eps: 0.0,
        };
        xs.inplace_op2(&residual, &op).unwrap();
        let got = xs.to_vec2::<f32>().unwrap();
        // Row 0 + residual + bias = [2, 3, 4, 4]: mean 3.25, var 0.6875.
        let inv = 1.0 / 0.6875f32.sqrt();
        let want: Vec<f32> = [2.0, 3.0, 4.0, 4.0]
            .iter()
            .map(|x| (x - 3.25) * inv * 2.0 + 0.5)
            .collect();
        for (a, b) in got[0].iter().zip(&want) {
            assert!((a - b).abs() < 1e-5, "{got:?} vs {want:?}");
        }
    }
}
