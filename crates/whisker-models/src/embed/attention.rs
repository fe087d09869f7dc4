//! Fused self-attention over packed sequences (no padding, no mask).
//!
//! Candle's batched `matmul` → softmax → `matmul` writes every
//! `(heads, T, T)` score matrix to memory and back, and splits each small
//! product across threads. Here one task per (sequence, head) computes its
//! scores a block of query rows at a time, so they stay in cache, takes the
//! softmax there, and multiplies by the values at once (the flash-attention
//! idea, minus the online softmax: a block holds whole rows). Tasks run on
//! all cores; each product is single-threaded.

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, bail};
use gemm::Parallelism;
use rayon::prelude::*;

use super::few_rows::FEW_ROWS;
use super::kernels::softmax_row;

/// Scores per block of query rows (128 KiB): whole rows, as many as fit.
const BLOCK_SCORES: usize = 32 * 1024;

/// `(N, 3H)` query/key/value projections of packed sequences (bias not yet
/// added; `lens` sum to N) → `(N, H)` attention output, heads concatenated.
#[derive(Debug, Clone)]
pub(crate) struct Attention {
    pub bias: Vec<f32>,
    pub heads: usize,
    pub lens: Vec<usize>,
}

impl CustomOp1 for Attention {
    fn name(&self) -> &'static str {
        "attention"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let qkv = match (s, l.contiguous_offsets()) {
            (CpuStorage::F32(v), Some((a, b))) => &v[a..b],
            _ => bail!("attention: expects a contiguous f32 tensor"),
        };
        let (h3, n) = (self.bias.len(), self.lens.iter().sum::<usize>());
        if qkv.len() != n * h3 || h3 % (3 * self.heads) != 0 {
            bail!(
                "attention: {:?} for {} tokens, {} heads",
                l.dims(),
                n,
                self.heads
            );
        }
        let hidden = h3 / 3;
        let starts: Vec<usize> = self
            .lens
            .iter()
            .scan(0, |acc, &len| Some(std::mem::replace(acc, *acc + len)))
            .collect();
        let tasks: Vec<(usize, usize)> = (0..self.lens.len())
            .flat_map(|s| (0..self.heads).map(move |h| (s, h)))
            .collect();
        let head =
            |&(s, h): &(usize, usize)| self.head(&qkv[starts[s] * h3..][..self.lens[s] * h3], h);
        // A few tokens (a query) are done before the pool would wake up.
        let outs: Vec<Vec<f32>> = if n <= FEW_ROWS {
            tasks.iter().map(head).collect()
        } else {
            tasks.par_iter().map(head).collect()
        };
        let mut dst = vec![0f32; n * hidden];
        let hd = hidden / self.heads;
        for (&(s, h), out) in tasks.iter().zip(&outs) {
            for (t, row) in out.chunks_exact(hd).enumerate() {
                dst[(starts[s] + t) * hidden + h * hd..][..hd].copy_from_slice(row);
            }
        }
        Ok((CpuStorage::F32(dst), Shape::from((n, hidden))))
    }
}

impl Attention {
    /// One head of one sequence: `rows` are its `(L, 3H)` projections.
    /// Returns the `(L, hd)` output.
    fn head(&self, rows: &[f32], head: usize) -> Vec<f32> {
        let h3 = self.bias.len();
        let hd = h3 / 3 / self.heads;
        let len = rows.len() / h3;
        let part = |p: usize| {
            let col = p * h3 / 3 + head * hd;
            let bias = &self.bias[col..col + hd];
            let mut out = Vec::with_capacity(len * hd);
            for row in rows.chunks_exact(h3) {
                out.extend(row[col..col + hd].iter().zip(bias).map(|(x, b)| x + b));
            }
            out
        };
        let (q, k, v) = (part(0), part(1), part(2));
        let scale = 1.0 / (hd as f32).sqrt();
        let mut out = vec![0f32; len * hd];
        let block = (BLOCK_SCORES / len.max(1)).max(16).min(len.max(1));
        let mut scores = vec![0f32; block * len];
        for (qb, ob) in q.chunks(block * hd).zip(out.chunks_mut(block * hd)) {
            let rows = qb.len() / hd;
            let scores = &mut scores[..rows * len];
            // scores = scale · q_block · kᵀ
            matmul(
                scores,
                Mat::rows(qb, rows, hd),
                Mat::transposed(&k, len, hd),
                scale,
            );
            scores.chunks_exact_mut(len).for_each(softmax_row);
            matmul(
                ob,
                Mat::rows(scores, rows, len),
                Mat::rows(&v, len, hd),
                1.0,
            );
        }
        out
    }
}

/// A read-only matrix view of a slice, bounds checked when made.
#[derive(Debug, Clone, Copy)]
struct Mat<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Mat<'a> {
    /// `data` as a row-major `rows × cols` matrix.
    fn rows(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::new(data, rows, cols, cols, 1)
    }

    /// The transpose of `data` read as a row-major `rows × cols` matrix.
    fn transposed(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::new(data, cols, rows, 1, cols)
    }

    fn new(
        data: &'a [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        let last = (rows.max(1) - 1) * row_stride + (cols.max(1) - 1) * col_stride;
        assert!(
            rows == 0 || cols == 0 || last < data.len(),
            "matrix view out of bounds"
        );
        Self {
            data,
            rows,
            cols,
            row_stride,
            col_stride,
        }
    }
}

/// `dst = scale · a · b`, `dst` row-major `a.rows × b.cols`; single-threaded
/// (the callers are already spread over the cores).
#[allow(unsafe_code)]
fn matmul(dst: &mut [f32], a: Mat<'_>, b: Mat<'_>, scale: f32) {
    let (m, n, k) = (a.rows, b.cols, a.cols);
    assert!(
        b.rows == k && dst.len() == m * n,
        "matmul: shapes do not match"
    );
    if m == 0 || n == 0 {
        return;
    }
    // SAFETY: `Mat::new` checked that every element the strides reach lies
    // inside `a.data` / `b.data`, and `dst` holds exactly m × n contiguous
    // values; `dst` is a unique borrow, so it aliases neither input. With
    // `read_dst` false the initial contents of `dst` are not read.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            0.0,
            scale,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    #[test]
    fn matmul_handles_transposed_views() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2×3
        let b = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0]; // read transposed: 3×2 from 2×3
        let mut dst = [0f32; 4];
        matmul(
            &mut dst,
            Mat::rows(&a, 2, 3),
            Mat::transposed(&b, 2, 3),
            2.0,
        );
        // bᵀ = [[1, 1], [0, 0], [1, 1]]: rows of a·bᵀ = [4, 4], [10, 10].
        assert_eq!(dst, [8.0, 8.0, 20.0, 20.0]);
    }

    #[test]
    #[should_panic(expected = "out of bounds")]
    fn views_past_the_end_are_refused() {
        Mat::rows(&[0.0; 5], 2, 3);
    }

    /// The fused op against the textbook formula, with two sequences of
    /// different lengths packed together.
    #[test]
    fn matches_plain_attention_per_sequence() {
        let (heads, hidden, lens) = (2, 4, vec![3usize, 70]);
        let n: usize = lens.iter().sum();
        let qkv: Vec<f32> = (0..n * 3 * hidden)
            .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0)
            .collect();
        let bias: Vec<f32> = (0..3 * hidden).map(|i| i as f32 * 0.01).collect();
        let op = Attention {
            bias: bias.clone(),
            heads,
            lens: lens.clone(),
        };
        let t = Tensor::from_vec(qkv.clone(), (n, 3 * hidden), &Device::Cpu).unwrap();
        let got = t.apply_op1_no_bwd(&op).unwrap().to_vec2::<f32>().unwrap();
        let hd = hidden / heads;
        let at = |tok: usize, col: usize| qkv[tok * 3 * hidden + col] + bias[col];
        let mut start = 0;
        for &len in &lens {
            for h in 0..heads {
                for i in 0..len {
                    let scores: Vec<f32> = (0..len)
                        .map(|j| {
                            let dot: f32 = (0..hd)
                                .map(|d| {
                                    at(start + i, h * hd + d) * at(start + j, hidden + h * hd + d)
                                })
                                .sum();
                            dot / (hd as f32).sqrt()
                        })
                        .collect();
                    let max = scores.iter().copied().fold(f32::MIN, f32::max);
                    let e: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
                    let z: f32 = e.iter().sum();
                    for d in 0..hd {
                        let want: f32 = (0..len)
                            .map(|j| e[j] / z * at(start + j, 2 * hidden + h * hd + d))
                            .sum();
                        let have = got[start + i][h * hd + d];
                        assert!(
                            (want - have).abs() < 1e-5,
                            "seq at {start}, head {h}, row {i}: {have} vs {want}"
                        );
                    }
                }
            }
            start += len;
        }
    }
}
