//! Quantized weight matrices and the matrix products of generation.
//!
//! A [`QMatrix`] holds a GGUF weight in Q4_0, Q4_1 or Q8_0, repacked at load
//! so that the SIMD kernels read it straight: per row, the codes of pairs of
//! 32-value blocks, and the blocks' scales in f16 as the file has them
//! (decoding reads every weight once per token, so bytes are time).
//! Activations are quantized per token into [`QActs`] (8-bit, blocks of 32,
//! as llama.cpp's Q8_0/Q8_1: the scale rounded to f16, and the block's sum
//! kept for the formats with an offset). [`matmul`] multiplies every weight
//! row with every token, spreading rows over a [`Team`]'s threads; for
//! several tokens it walks a few rows at a time across all of them, so each
//! weight byte comes from memory once per call.
//!
//! Every block stores codes `u` with a value `d·u + m` (Q4_1), `d·(u − 8)`
//! (Q4_0, so `m = −8d`) or `d·u` with `u` signed (Q8_0). A row is padded to
//! an even number of blocks with zero scales, so the kernels always take
//! blocks two at a time.
//!
//! It does not do K-quants or the 5-bit formats: the model keeps candle's
//! `QMatMul` for those.

mod simd;

use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{Result, bail};
use half::f16;

use super::team::Team;

/// Values per block.
pub const BLOCK: usize = 32;
/// Values per pair of blocks, the kernels' step.
const PAIR: usize = 2 * BLOCK;

/// How a matrix stores its codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// 4-bit codes with scale and offset (Q4_1; Q4_0 with `m = −8d`).
    /// Per pair of blocks 32 bytes: byte `j` holds value `j` of the first
    /// block in its low nibble and value `j` of the second in its high one.
    Q4,
    /// Signed 8-bit codes with a scale (Q8_0): 32 bytes per block.
    Q8,
}

impl Format {
    fn bytes_per_pair(self) -> usize {
        match self {
            Format::Q4 => BLOCK,
            Format::Q8 => PAIR,
        }
    }
}

/// A quantized weight matrix `(rows, cols)`, multiplied as `x · Wᵀ`.
#[derive(Debug, Clone)]
pub struct QMatrix {
    format: Format,
    rows: usize,
    cols: usize,
    /// Blocks per row after padding (even).
    blocks: usize,
    codes: Vec<u8>,
    /// Scale per block, `rows × blocks`.
    d: Vec<f16>,
    /// Offset per block (Q4 only), `rows × blocks`.
    m: Vec<f16>,
    /// See [`Row::exact_sums`].
    exact_sums: bool,
}

/// Whether [`QMatrix::from_qtensor`] takes tensors of this type.
pub fn supported(dtype: GgmlDType) -> bool {
    matches!(dtype, GgmlDType::Q4_0 | GgmlDType::Q4_1 | GgmlDType::Q8_0)
}

/// Blocks in a row of `cols` values, padded to an even count.
fn padded_blocks(cols: usize) -> usize {
    cols.div_ceil(PAIR) * 2
}

impl QMatrix {
    /// Repacks a 2-D GGUF tensor in Q4_0, Q4_1 or Q8_0.
    pub fn from_qtensor(tensor: &QTensor) -> Result<QMatrix> {
        let (rows, cols) = tensor.shape().dims2()?;
        let dtype = tensor.dtype();
        if !supported(dtype) || cols % BLOCK != 0 {
            bail!("no kernel for a {dtype:?} matrix of {cols} columns");
        }
        let raw = tensor.data()?;
        let bytes_per_block = dtype.type_size();
        if raw.len() != rows * cols / BLOCK * bytes_per_block {
            bail!("{dtype:?} tensor of {rows}×{cols} has {} bytes", raw.len());
        }
        let raw_blocks: Vec<&[u8]> = raw.chunks_exact(bytes_per_block).collect();
        let mut matrix = match dtype {
            GgmlDType::Q8_0 => Self::pack(Format::Q8, rows, cols, |r, b| {
                let block = raw_blocks[r * cols / BLOCK + b];
                let codes: [u8; BLOCK] = std::array::from_fn(|j| block[2 + j]);
                (codes, half_at(block, 0), f16::ZERO)
            }),
            _ => Self::pack(Format::Q4, rows, cols, |r, b| {
                let block = raw_blocks[r * cols / BLOCK + b];
                let d = half_at(block, 0);
                let (m, nibbles) = match dtype {
                    GgmlDType::Q4_1 => (half_at(block, 2), &block[4..20]),
                    // Exact: a power of two times an f16.
                    _ => (f16::from_f32(-8.0 * d.to_f32()), &block[2..18]),
                };
                // ggml: byte j holds value j (low nibble) and j + 16 (high).
                let codes = std::array::from_fn(|j| {
                    let byte = nibbles[j % 16];
                    if j < 16 { byte & 0xF } else { byte >> 4 }
                });
                (codes, d, m)
            }),
        };
        matrix.exact_sums = dtype == GgmlDType::Q4_0;
        Ok(matrix)
    }

    /// Builds the packed layout from `block(row, index) → (codes, d, m)`.
    fn pack(
        format: Format,
        rows: usize,
        cols: usize,
        block: impl Fn(usize, usize) -> ([u8; BLOCK], f16, f16),
    ) -> QMatrix {
        let blocks = padded_blocks(cols);
        let real = cols / BLOCK;
        let mut codes = vec![0u8; rows * blocks / 2 * format.bytes_per_pair()];
        let mut d = vec![f16::ZERO; rows * blocks];
        let mut m = vec![
            f16::ZERO;
            if format == Format::Q4 {
                rows * blocks
            } else {
                0
            }
        ];
        for r in 0..rows {
            for b in 0..real {
                let (c, scale, offset) = block(r, b);
                d[r * blocks + b] = scale;
                if format == Format::Q4 {
                    m[r * blocks + b] = offset;
                }
                let pair = (r * blocks + b) / 2 * format.bytes_per_pair();
                for (j, &code) in c.iter().enumerate() {
                    match format {
                        Format::Q4 if b.is_multiple_of(2) => codes[pair + j] |= code,
                        Format::Q4 => codes[pair + j] |= code << 4,
                        Format::Q8 => codes[pair + (b % 2) * BLOCK + j] = code,
                    }
                }
            }
        }
        QMatrix {
            format,
            rows,
            cols,
            blocks,
            codes,
            d,
            m,
            exact_sums: false,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The rows of `self` followed by those of `other` (same format and
    /// width): fused projections are one product.
    pub fn stack(&self, other: &QMatrix) -> Option<QMatrix> {
        if self.format != other.format
            || self.cols != other.cols
            || self.exact_sums != other.exact_sums
        {
            return None;
        }
        let cat = |a: &[u8], b: &[u8]| [a, b].concat();
        Some(QMatrix {
            format: self.format,
            rows: self.rows + other.rows,
            cols: self.cols,
            blocks: self.blocks,
            codes: cat(&self.codes, &other.codes),
            d: [&self.d[..], &other.d[..]].concat(),
            m: [&self.m[..], &other.m[..]].concat(),
            exact_sums: self.exact_sums,
        })
    }

    /// Row `r` as `f32` (token embeddings are looked up this way).
    pub fn dequantize_row(&self, r: usize, out: &mut [f32]) {
        let row = self.row(r);
        let bytes = self.format.bytes_per_pair();
        for (b, values) in out[..self.cols].chunks_mut(BLOCK).enumerate() {
            let pair = &row.codes[b / 2 * bytes..(b / 2 + 1) * bytes];
            let d = row.d[b].to_f32();
            match self.format {
                Format::Q4 => {
                    let m = row.m[b].to_f32();
                    let shift = if b.is_multiple_of(2) { 0 } else { 4 };
                    for (x, byte) in values.iter_mut().zip(pair) {
                        *x = d * f32::from((byte >> shift) & 0xF) + m;
                    }
                }
                Format::Q8 => {
                    let codes = &pair[(b % 2) * BLOCK..(b % 2 + 1) * BLOCK];
                    for (x, &code) in values.iter_mut().zip(codes) {
                        *x = d * f32::from(code as i8);
                    }
                }
            }
        }
    }

    fn row(&self, r: usize) -> Row<'_> {
        let per_row = self.blocks / 2 * self.format.bytes_per_pair();
        let scales = r * self.blocks..(r + 1) * self.blocks;
        Row {
            format: self.format,
            codes: &self.codes[r * per_row..(r + 1) * per_row],
            d: &self.d[scales.clone()],
            m: if self.format == Format::Q4 {
                &self.m[scales]
            } else {
                &[]
            },
            exact_sums: self.exact_sums,
        }
    }
}

fn half_at(bytes: &[u8], at: usize) -> f16 {
    f16::from_le_bytes([bytes[at], bytes[at + 1]])
}

/// One weight row, as the kernels see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<'a> {
    pub format: Format,
    pub codes: &'a [u8],
    pub d: &'a [f16],
    /// Empty for Q8.
    pub m: &'a [f16],
    /// Take the offsets' products with the exact block sums (Q4_0, whose
    /// reference subtracts 8·Σq in integers) rather than ggml's f16 ones
    /// (Q4_1 against Q8_1).
    pub exact_sums: bool,
}

/// Activations quantized to 8 bits per value, blocks of 32, one row per
/// token, padded like the weights.
#[derive(Debug, Clone, Default)]
pub struct QActs {
    tokens: usize,
    cols: usize,
    blocks: usize,
    q: Vec<i8>,
    /// Scale per block (an f16 value, as ggml stores it).
    d: Vec<f32>,
    /// Scale × sum of the block's codes (f16, as ggml's Q8_1).
    s: Vec<f32>,
    /// The same product in f32.
    sum: Vec<f32>,
}

/// One token's quantized activations.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Acts<'a> {
    pub q: &'a [i8],
    pub d: &'a [f32],
    pub s: &'a [f32],
    pub sum: &'a [f32],
}

impl QActs {
    /// Quantizes `xs`, `tokens` rows of `cols` values, reusing the buffers.
    pub fn quantize(&mut self, xs: &[f32], cols: usize) {
        let blocks = padded_blocks(cols);
        let tokens = xs.len() / cols;
        self.tokens = tokens;
        self.cols = cols;
        self.blocks = blocks;
        self.q.clear();
        self.q.resize(tokens * blocks * BLOCK, 0);
        self.d.clear();
        self.d.resize(tokens * blocks, 0.0);
        self.s.clear();
        self.s.resize(tokens * blocks, 0.0);
        self.sum.clear();
        self.sum.resize(tokens * blocks, 0.0);
        for (t, x) in xs.chunks_exact(cols).enumerate() {
            for (b, block) in x.chunks(BLOCK).enumerate() {
                let i = t * blocks + b;
                let q = &mut self.q[i * BLOCK..(i + 1) * BLOCK];
                let (d, s, sum) = quantize_block(block, q);
                self.d[i] = d;
                self.s[i] = s;
                self.sum[i] = sum;
            }
        }
    }

    fn token(&self, t: usize) -> Acts<'_> {
        let b = t * self.blocks..(t + 1) * self.blocks;
        Acts {
            q: &self.q[b.start * BLOCK..b.end * BLOCK],
            d: &self.d[b.clone()],
            s: &self.s[b.clone()],
            sum: &self.sum[b],
        }
    }
}

/// ggml's `quantize_row_q8_1` for one block (a short last block is padded
/// with zeros): codes in `q`, returns (scale, scale × Σ codes), both rounded
/// to f16 as ggml stores them, and the latter in f32.
fn quantize_block(x: &[f32], q: &mut [i8]) -> (f32, f32, f32) {
    let amax = x.iter().fold(0f32, |a, v| a.max(v.abs()));
    let d = amax / 127.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    let mut sum = 0i32;
    for (q, &v) in q.iter_mut().zip(x) {
        *q = (v * id).round() as i8;
        sum += i32::from(*q);
    }
    let d16 = f16::from_f32(d);
    let s = f16::from_f32(sum as f32) * d16;
    (d16.to_f32(), s.to_f32(), d16.to_f32() * sum as f32)
}

/// The portable kernel: exact integer sums per block, then the scales.
pub(crate) fn dot_scalar(row: Row<'_>, acts: Acts<'_>) -> f32 {
    let mut sum = 0f32;
    for (p, pair) in row
        .codes
        .chunks_exact(row.format.bytes_per_pair())
        .enumerate()
    {
        for half in 0..2 {
            let b = 2 * p + half;
            let a = &acts.q[b * BLOCK..(b + 1) * BLOCK];
            let isum: i32 = match row.format {
                Format::Q4 => pair
                    .iter()
                    .zip(a)
                    .map(|(&byte, &a)| {
                        let u = if half == 0 { byte & 0xF } else { byte >> 4 };
                        i32::from(u) * i32::from(a)
                    })
                    .sum(),
                Format::Q8 => pair[half * BLOCK..(half + 1) * BLOCK]
                    .iter()
                    .zip(a)
                    .map(|(&w, &a)| i32::from(w as i8) * i32::from(a))
                    .sum(),
            };
            sum += isum as f32 * row.d[b].to_f32() * acts.d[b];
        }
    }
    sum + offsets(row, acts)
}

/// Σ m·s over the blocks: the offsets' share of a Q4 dot product (the
/// SIMD kernels have their own).
pub(crate) fn offsets(row: Row<'_>, acts: Acts<'_>) -> f32 {
    let s = if row.exact_sums { acts.sum } else { acts.s };
    row.m.iter().zip(s).map(|(m, s)| m.to_f32() * s).sum()
}

/// Rows a task takes for one token (decode): enough to amortise handing
/// the task to a thread.
const DECODE_ROWS: usize = 64;
/// Rows a task walks across all tokens (prefill): their codes stay in L1.
const PREFILL_ROWS: usize = 16;
/// Tokens multiplied with a weight row at once (prefill).
const GROUP: usize = 4;

/// `out[t·rows + r] = acts[t] · w[r]` for every token `t` and row `r`.
pub fn matmul(w: &QMatrix, acts: &QActs, out: &mut [f32], team: &Team) -> Result<()> {
    let (rows, tokens) = (w.rows, acts.tokens);
    if acts.cols != w.cols || out.len() != rows * tokens {
        bail!(
            "matmul: {}×{} weights, {} tokens of {}, output of {}",
            w.rows,
            w.cols,
            tokens,
            acts.cols,
            out.len()
        );
    }
    if tokens == 1 {
        let a = [acts.token(0)];
        team.for_chunks(out, DECODE_ROWS, |c, chunk| {
            let (rows, _) = chunk.as_chunks_mut::<1>();
            simd::dot_rows(w, c * DECODE_ROWS, &a, rows);
        });
        return Ok(());
    }
    // Each task fills a (tokens × PREFILL_ROWS) tile, token-major within it,
    // a group of tokens at a time (the kernel unpacks each weight block once
    // per group).
    let mut tiles = vec![0f32; rows.div_ceil(PREFILL_ROWS) * PREFILL_ROWS * tokens];
    team.for_chunks(&mut tiles, PREFILL_ROWS * tokens, |c, tile| {
        let first = c * PREFILL_ROWS;
        let n = PREFILL_ROWS.min(rows - first);
        let mut t = 0;
        while t + GROUP <= tokens {
            let group: [Acts<'_>; GROUP] = std::array::from_fn(|i| acts.token(t + i));
            let mut dots = [[0f32; GROUP]; PREFILL_ROWS];
            simd::dot_rows(w, first, &group, &mut dots[..n]);
            for (r, d) in dots[..n].iter().enumerate() {
                for (i, v) in d.iter().enumerate() {
                    tile[(t + i) * PREFILL_ROWS + r] = *v;
                }
            }
            t += GROUP;
        }
        for t in t..tokens {
            let mut dots = [[0f32; 1]; PREFILL_ROWS];
            simd::dot_rows(w, first, &[acts.token(t)], &mut dots[..n]);
            for (r, d) in dots[..n].iter().enumerate() {
                tile[t * PREFILL_ROWS + r] = d[0];
            }
        }
    });
    for (c, tile) in tiles.chunks_exact(PREFILL_ROWS * tokens).enumerate() {
        let first = c * PREFILL_ROWS;
        let n = PREFILL_ROWS.min(rows - first);
        for t in 0..tokens {
            out[t * rows + first..t * rows + first + n]
                .copy_from_slice(&tile[t * PREFILL_ROWS..t * PREFILL_ROWS + n]);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// A small deterministic generator (no rand dependency).
    pub(crate) struct Lcg(u64);

    impl Lcg {
        pub(crate) fn next(&mut self) -> f32 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        }

        pub(crate) fn vec(&mut self, n: usize) -> Vec<f32> {
            (0..n).map(|_| self.next()).collect()
        }
    }

    fn matrix(dtype: GgmlDType, rows: usize, cols: usize, rng: &mut Lcg) -> (QTensor, QMatrix) {
        let data = rng.vec(rows * cols);
        let t = candle_core::Tensor::from_vec(data, (rows, cols), &Device::Cpu)
            .and_then(|t| QTensor::quantize(&t, dtype))
            .expect("quantize");
        let m = QMatrix::from_qtensor(&t).expect("repack");
        (t, m)
    }

    #[test]
    fn dequantized_rows_match_candle() {
        let mut rng = Lcg(1);
        for dtype in [GgmlDType::Q4_0, GgmlDType::Q4_1, GgmlDType::Q8_0] {
            for cols in [32, 96, 576] {
                let (t, m) = matrix(dtype, 3, cols, &mut rng);
                let reference = t
                    .dequantize(&Device::Cpu)
                    .and_then(|t| t.to_vec2::<f32>())
                    .expect("dequantize");
                for (r, expected) in reference.iter().enumerate() {
                    let mut row = vec![0f32; cols];
                    m.dequantize_row(r, &mut row);
                    assert_eq!(&row, expected, "{dtype:?} {cols}");
                }
            }
        }
    }

    #[test]
    fn simd_kernels_match_the_scalar_one() {
        let mut rng = Lcg(7);
        for dtype in [GgmlDType::Q4_0, GgmlDType::Q4_1, GgmlDType::Q8_0] {
            // Odd block counts (32, 96, 160) exercise the padding.
            for cols in [32, 64, 96, 160, 576, 1536] {
                let (_, m) = matrix(dtype, 5, cols, &mut rng);
                let mut acts = QActs::default();
                acts.quantize(&rng.vec(cols), cols);
                for (level, fast) in simd::dot_each_level(&m, acts.token(0)) {
                    for (r, fast) in fast.into_iter().enumerate() {
                        let slow = dot_scalar(m.row(r), acts.token(0));
                        assert!(
                            (fast - slow).abs() <= 1e-4 * slow.abs().max(1.0),
                            "{level} {dtype:?} cols {cols} row {r}: {fast} vs {slow}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn matmul_matches_candle_quantized_matmul() {
        let mut rng = Lcg(3);
        let team = Team::new(2);
        for dtype in [GgmlDType::Q4_0, GgmlDType::Q4_1, GgmlDType::Q8_0] {
            for tokens in [1, 3, 7, 20] {
                // candle's Q4_1 kernel wants an even block count.
                let (rows, cols) = (37, 128);
                let (t, m) = matrix(dtype, rows, cols, &mut rng);
                let x = rng.vec(tokens * cols);
                let mut acts = QActs::default();
                acts.quantize(&x, cols);
                let mut ours = vec![0f32; tokens * rows];
                matmul(&m, &acts, &mut ours, &team).expect("matmul");
                let xt =
                    candle_core::Tensor::from_vec(x, (tokens, cols), &Device::Cpu).expect("tensor");
                let reference = candle_core::quantized::QMatMul::from_qtensor(t)
                    .and_then(|q| candle_core::Module::forward(&q, &xt))
                    .and_then(|y| y.flatten_all())
                    .and_then(|y| y.to_vec1::<f32>())
                    .expect("candle");
                for (i, (a, b)) in ours.iter().zip(&reference).enumerate() {
                    assert!(
                        (a - b).abs() <= 1e-4 * b.abs().max(1.0),
                        "{dtype:?} tokens {tokens} [{i}]: {a} vs {b}"
                    );
                }
            }
        }
    }
}
