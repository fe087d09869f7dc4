//! The dot-product kernels for x86-64, chosen once at run time: AVX-512
//! with VNNI (`vpdpbusd`: 64 byte products per instruction), else AVX2 with
//! FMA (`vpmaddubsw`), else the portable scalar code. Every kernel computes
//! the same exact integer sum per block as the scalar one; only the order
//! of the float additions differs.
//!
//! The unsafe code is the intrinsics: each kernel is a `target_feature`
//! function, called only after the features were detected, and reads its
//! slices through pointers only within lengths checked beforehand.
#![allow(unsafe_code)]

use std::sync::OnceLock;

use super::{Acts, BLOCK, Format, PAIR, QMatrix, Row, dot_scalar};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512Vnni,
}

fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            use crate::cpu;
            if !cpu::f16c() {
                return Level::Scalar;
            }
            if cpu::avx512_vnni() && cpu::avx2_fma() {
                return Level::Avx512Vnni;
            }
            if cpu::avx2_fma() {
                return Level::Avx2;
            }
        }
        Level::Scalar
    })
}

/// Checks the slice lengths the kernels rely on.
fn fits(row: &Row<'_>, acts: &Acts<'_>) -> bool {
    let pairs = row.d.len() / 2;
    row.d.len().is_multiple_of(2)
        && row.codes.len() == pairs * row.format.bytes_per_pair()
        && acts.q.len() >= pairs * PAIR
        && acts.d.len() >= row.d.len()
}

/// `out[i][t] = w.row(first + i) · acts[t]` for the rows `out` covers.
pub(super) fn dot_rows<const N: usize>(
    w: &QMatrix,
    first: usize,
    acts: &[Acts<'_>; N],
    out: &mut [[f32; N]],
) {
    dot_rows_at(level(), w, first, acts, out);
}

/// Every kernel this CPU can run, with its products of every row of `w`
/// with `acts` (for tests).
#[cfg(test)]
pub(super) fn dot_each_level(w: &QMatrix, acts: Acts<'_>) -> Vec<(String, Vec<f32>)> {
    let mut levels = vec![Level::Scalar];
    #[cfg(target_arch = "x86_64")]
    {
        if level() != Level::Scalar {
            levels.push(Level::Avx2);
        }
        if level() == Level::Avx512Vnni {
            levels.push(Level::Avx512Vnni);
        }
    }
    levels
        .into_iter()
        .map(|l| {
            let mut out = vec![[0f32; 1]; w.rows];
            dot_rows_at(l, w, 0, &[acts], &mut out);
            (format!("{l:?}"), out.iter().map(|o| o[0]).collect())
        })
        .collect()
}

/// `level` must be `level()` or one it implies.
fn dot_rows_at<const N: usize>(
    level: Level,
    w: &QMatrix,
    first: usize,
    acts: &[Acts<'_>; N],
    out: &mut [[f32; N]],
) {
    // Every row of a matrix has the same lengths: checking the first and
    // the last index covers them all.
    let fast = first + out.len() <= w.rows
        && !out.is_empty()
        && acts.iter().all(|a| fits(&w.row(first), a));
    if !fast || level == Level::Scalar {
        for (i, o) in out.iter_mut().enumerate() {
            for (t, a) in acts.iter().enumerate() {
                o[t] = dot_scalar(w.row(first + i), *a);
            }
        }
        return;
    }
    match level {
        Level::Scalar => {}
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `level` found AVX2 and FMA; `fits` checked the lengths
        // the kernel reads up to, for every row in range.
        Level::Avx2 => unsafe { x86::rows_avx2(w, first, acts, out) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `level` found AVX-512 F/BW/VNNI and AVX2; `fits` checked
        // the lengths, for every row in range.
        Level::Avx512Vnni => unsafe { x86::rows_avx512(w, first, acts, out) },
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::*;

    /// Sum of the 8 lanes.
    #[target_feature(enable = "avx2,fma")]
    fn hsum256(v: __m256) -> f32 {
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
        _mm_cvtss_f32(s)
    }

    /// The two f16 scales of pair `p`, in the low lanes.
    ///
    /// # Safety
    /// The CPU must have F16C; `d` must hold `2p + 2` values.
    #[inline(always)]
    unsafe fn pair_scales(d: &[half::f16], p: usize) -> __m128 {
        // SAFETY: as this function's: 4 bytes at 2p.
        unsafe {
            let bits = d.as_ptr().add(2 * p).cast::<i32>().read_unaligned();
            _mm_cvtph_ps(_mm_cvtsi32_si128(bits))
        }
    }

    /// Σ m·s over the blocks: the offsets' share of a Q4 dot product, with
    /// the f16 offsets widened eight at a time.
    ///
    /// # Safety
    /// The CPU must have AVX2, FMA and F16C.
    #[inline(always)]
    unsafe fn offsets(row: Row<'_>, acts: Acts<'_>) -> f32 {
        let s = if row.exact_sums { acts.sum } else { acts.s };
        let n = row.m.len().min(s.len());
        // SAFETY: every read is below `n`, within both slices.
        unsafe {
            let mut acc = _mm256_setzero_ps();
            let mut i = 0;
            while i + 8 <= n {
                let m = _mm256_cvtph_ps(_mm_loadu_si128(row.m.as_ptr().add(i).cast()));
                acc = _mm256_fmadd_ps(m, _mm256_loadu_ps(s.as_ptr().add(i)), acc);
                i += 8;
            }
            let mut tail = 0f32;
            while i < n {
                let bits = i32::from(row.m[i].to_bits());
                tail += _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(bits))) * s[i];
                i += 1;
            }
            hsum256(acc) + tail
        }
    }

    /// # Safety
    /// The CPU must have AVX2, FMA and F16C; `fits` must hold for every row
    /// in range and every token.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) unsafe fn rows_avx2<const N: usize>(
        w: &QMatrix,
        first: usize,
        acts: &[Acts<'_>; N],
        out: &mut [[f32; N]],
    ) {
        for (i, o) in out.iter_mut().enumerate() {
            // SAFETY: as this function's.
            *o = unsafe { row_avx2(w.row(first + i), acts) };
        }
    }

    #[inline(always)]
    unsafe fn row_avx2<const N: usize>(row: Row<'_>, acts: &[Acts<'_>; N]) -> [f32; N] {
        // SAFETY: only `rows_*` call this, in a function with the
        // features enabled, after `fits` checked every length read below.
        unsafe {
            let pairs = row.d.len() / 2;
            let step = row.format.bytes_per_pair();
            let w = row.codes.as_ptr();
            let ones = _mm256_set1_epi16(1);
            let nibble = _mm256_set1_epi8(0xF);
            let mut acc = [_mm256_setzero_ps(); N];
            for p in 0..pairs {
                // SAFETY: p < pairs, so the 32 or 64 code bytes at p·step and
                // the 64 activation bytes at p·PAIR lie within the lengths
                // `fits` checked.
                let (w0, w1) = {
                    match row.format {
                        Format::Q4 => {
                            let w = _mm256_loadu_si256(w.add(p * step).cast());
                            let lo = _mm256_and_si256(w, nibble);
                            (lo, _mm256_and_si256(_mm256_srli_epi16(w, 4), nibble))
                        }
                        Format::Q8 => (
                            _mm256_loadu_si256(w.add(p * step).cast()),
                            _mm256_loadu_si256(w.add(p * step + BLOCK).cast()),
                        ),
                    }
                };
                let wd = pair_scales(row.d, p);
                for (acc, a) in acc.iter_mut().zip(acts) {
                    // SAFETY: as above.
                    let (a0, a1) = {
                        let q = a.q.as_ptr();
                        (
                            _mm256_loadu_si256(q.add(p * PAIR).cast()),
                            _mm256_loadu_si256(q.add(p * PAIR + BLOCK).cast()),
                        )
                    };
                    // u8 × i8 products: for Q8 move the weight's sign onto the
                    // activation (activations never hold −128).
                    let (u0, u1, a0, a1) = match row.format {
                        Format::Q4 => (w0, w1, a0, a1),
                        Format::Q8 => (
                            _mm256_abs_epi8(w0),
                            _mm256_abs_epi8(w1),
                            _mm256_sign_epi8(a0, w0),
                            _mm256_sign_epi8(a1, w1),
                        ),
                    };
                    let s0 = _mm256_madd_epi16(_mm256_maddubs_epi16(u0, a0), ones);
                    let s1 = _mm256_madd_epi16(_mm256_maddubs_epi16(u1, a1), ones);
                    let ad = _mm_castpd_ps(_mm_load_sd(a.d.as_ptr().add(2 * p).cast()));
                    let ds = _mm_mul_ps(wd, ad);
                    let d0 = _mm256_broadcastss_ps(ds);
                    let d1 = _mm256_broadcastss_ps(_mm_movehdup_ps(ds));
                    *acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s0), d0, *acc);
                    *acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s1), d1, *acc);
                }
            }
            // A loop, not `array::from_fn`: a closure would be compiled
            // without the target features and could not inline the sums.
            let mut out = [0f32; N];
            for ((o, acc), a) in out.iter_mut().zip(acc).zip(acts) {
                *o = hsum256(acc) + offsets(row, *a);
            }
            out
        }
    }

    /// # Safety
    /// The CPU must have AVX-512 F, BW and VNNI, AVX2, FMA and F16C; `fits`
    /// must hold for every row in range and every token.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni,avx2,fma,f16c")]
    pub(super) unsafe fn rows_avx512<const N: usize>(
        w: &QMatrix,
        first: usize,
        acts: &[Acts<'_>; N],
        out: &mut [[f32; N]],
    ) {
        for (i, o) in out.iter_mut().enumerate() {
            // SAFETY: as this function's.
            *o = unsafe { row_avx512(w.row(first + i), acts) };
        }
    }

    #[inline(always)]
    unsafe fn row_avx512<const N: usize>(row: Row<'_>, acts: &[Acts<'_>; N]) -> [f32; N] {
        // SAFETY: only `rows_*` call this, in a function with the
        // features enabled, after `fits` checked every length read below.
        unsafe {
            let pairs = row.d.len() / 2;
            let step = row.format.bytes_per_pair();
            let w = row.codes.as_ptr();
            let nibble = _mm256_set1_epi8(0xF);
            let zero = _mm512_setzero_si512();
            // Lanes 0–7 take the first block's scale, 8–15 the second's.
            let spread = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
            let mut acc = [_mm512_setzero_ps(); N];
            for p in 0..pairs {
                // SAFETY: p < pairs: the code bytes at p·step (32 or 64), the
                // 64 activation bytes at p·PAIR and the two scales at 2p lie
                // within the lengths `fits` checked.
                let (wz, wscale) = {
                    let wscale = pair_scales(row.d, p);
                    match row.format {
                        Format::Q4 => {
                            let w = _mm256_loadu_si256(w.add(p * step).cast());
                            let lo = _mm256_and_si256(w, nibble);
                            let hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), nibble);
                            let wz = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
                            (wz, wscale)
                        }
                        Format::Q8 => (_mm512_loadu_si512(w.add(p * step).cast()), wscale),
                    }
                };
                let (uz, negative) = match row.format {
                    Format::Q4 => (wz, 0),
                    Format::Q8 => (_mm512_abs_epi8(wz), _mm512_movepi8_mask(wz)),
                };
                for (acc, a) in acc.iter_mut().zip(acts) {
                    // SAFETY: as above.
                    let (az, ascale) = {
                        (
                            _mm512_loadu_si512(a.q.as_ptr().add(p * PAIR).cast()),
                            _mm_castpd_ps(_mm_load_sd(a.d.as_ptr().add(2 * p).cast())),
                        )
                    };
                    // u8 × i8 products: for Q8 the weight's sign moves onto the
                    // activation (activations never hold −128).
                    let az = _mm512_mask_sub_epi8(az, negative, zero, az);
                    let sums = _mm512_dpbusd_epi32(zero, uz, az);
                    let scales = _mm512_castps128_ps512(_mm_mul_ps(wscale, ascale));
                    let scales = _mm512_permutexvar_ps(spread, scales);
                    *acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), scales, *acc);
                }
            }
            // A loop, not `array::from_fn`: a closure would be compiled
            // without the target features and could not inline the sums.
            let mut out = [0f32; N];
            for ((o, acc), a) in out.iter_mut().zip(acc).zip(acts) {
                *o = _mm512_reduce_add_ps(acc) + offsets(row, *a);
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detected_level_is_reported() {
        // Not an assertion on the machine: documents which kernel ran the
        // other tests (`cargo test -- --nocapture`).
        println!("dot kernel: {:?}", level());
    }
}
