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

use super::{Acts, BLOCK, Format, PAIR, Row, dot_scalar, offsets};

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
            use std::arch::is_x86_feature_detected as has;
            if has!("avx512f") && has!("avx512bw") && has!("avx512vnni") && has!("avx2") {
                return Level::Avx512Vnni;
            }
            if has!("avx2") && has!("fma") {
                return Level::Avx2;
            }
        }
        Level::Scalar
    })
}

/// Checks the slice lengths the kernels rely on.
fn fits(row: &Row<'_>, acts: &Acts<'_>) -> bool {
    let pairs = row.d.len() / 2;
    row.d.len() % 2 == 0
        && row.codes.len() == pairs * row.format.bytes_per_pair()
        && acts.q.len() >= pairs * PAIR
        && acts.d.len() >= row.d.len()
}

pub(super) fn dot(row: Row<'_>, acts: Acts<'_>) -> f32 {
    dot_at(level(), row, acts)
}

/// Every kernel this CPU can run, with its result (for tests).
#[cfg(test)]
pub(super) fn dot_each_level(row: Row<'_>, acts: Acts<'_>) -> Vec<(String, f32)> {
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
        .map(|l| (format!("{l:?}"), dot_at(l, row, acts)))
        .collect()
}

/// `level` must be `level()` or one it implies.
fn dot_at(level: Level, row: Row<'_>, acts: Acts<'_>) -> f32 {
    if !fits(&row, &acts) {
        return dot_scalar(row, acts);
    }
    match level {
        Level::Scalar => dot_scalar(row, acts),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `level` found AVX2 and FMA; `fits` checked the lengths
        // the kernel reads up to.
        Level::Avx2 => unsafe { x86::dot_avx2(row, acts) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `level` found AVX-512 F/BW/VNNI and AVX2; `fits` checked
        // the lengths.
        Level::Avx512Vnni => unsafe { x86::dot_avx512(row, acts) },
    }
}

/// Whether this CPU runs the AVX2 + FMA versions of the f32 loops.
pub(crate) fn has_avx2() -> bool {
    level() != Level::Scalar
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

    /// # Safety
    /// The CPU must have AVX2 and FMA, and `fits(row, acts)` must hold.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn dot_avx2(row: Row<'_>, acts: Acts<'_>) -> f32 {
        let pairs = row.d.len() / 2;
        let step = row.format.bytes_per_pair();
        let (w, a) = (row.codes.as_ptr(), acts.q.as_ptr());
        let ones = _mm256_set1_epi16(1);
        let nibble = _mm256_set1_epi8(0xF);
        let mut acc = _mm256_setzero_ps();
        for p in 0..pairs {
            // SAFETY: p < pairs, so the 32 or 64 code bytes at p·step and the
            // 64 activation bytes at p·PAIR are within the checked lengths.
            let (w0, w1, a0, a1) = unsafe {
                let a0 = _mm256_loadu_si256(a.add(p * PAIR).cast());
                let a1 = _mm256_loadu_si256(a.add(p * PAIR + BLOCK).cast());
                match row.format {
                    Format::Q4 => {
                        let w = _mm256_loadu_si256(w.add(p * step).cast());
                        let lo = _mm256_and_si256(w, nibble);
                        let hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), nibble);
                        (lo, hi, a0, a1)
                    }
                    Format::Q8 => {
                        let w0 = _mm256_loadu_si256(w.add(p * step).cast());
                        let w1 = _mm256_loadu_si256(w.add(p * step + BLOCK).cast());
                        // u8 × i8 products: move the weight's sign onto the
                        // activation (activations never hold −128).
                        (
                            _mm256_abs_epi8(w0),
                            _mm256_abs_epi8(w1),
                            _mm256_sign_epi8(a0, w0),
                            _mm256_sign_epi8(a1, w1),
                        )
                    }
                }
            };
            let s0 = _mm256_madd_epi16(_mm256_maddubs_epi16(w0, a0), ones);
            let s1 = _mm256_madd_epi16(_mm256_maddubs_epi16(w1, a1), ones);
            let (b0, b1) = (2 * p, 2 * p + 1);
            let d0 = _mm256_set1_ps(row.d[b0] * acts.d[b0]);
            let d1 = _mm256_set1_ps(row.d[b1] * acts.d[b1]);
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s0), d0, acc);
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s1), d1, acc);
        }
        hsum256(acc) + offsets_avx2(row, acts)
    }

    #[target_feature(enable = "avx2,fma")]
    fn offsets_avx2(row: Row<'_>, acts: Acts<'_>) -> f32 {
        offsets(row, acts)
    }

    /// # Safety
    /// The CPU must have AVX-512 F, BW and VNNI and AVX2, and
    /// `fits(row, acts)` must hold.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni,avx2,fma")]
    pub(super) unsafe fn dot_avx512(row: Row<'_>, acts: Acts<'_>) -> f32 {
        let pairs = row.d.len() / 2;
        let step = row.format.bytes_per_pair();
        let (w, a) = (row.codes.as_ptr(), acts.q.as_ptr());
        let (wd, ad) = (row.d.as_ptr(), acts.d.as_ptr());
        let nibble = _mm256_set1_epi8(0xF);
        let zero = _mm512_setzero_si512();
        // Lanes 0–7 take the first block's scale, 8–15 the second's.
        let spread = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
        let mut acc = _mm512_setzero_ps();
        for p in 0..pairs {
            // SAFETY: p < pairs: the code bytes at p·step (32 or 64), the
            // 64 activation bytes at p·PAIR and the two scales at 2p lie
            // within the lengths `fits` checked.
            let (wz, az, scales) = unsafe {
                let az = _mm512_loadu_si512(a.add(p * PAIR).cast());
                let scales = _mm_mul_ps(
                    _mm_castpd_ps(_mm_load_sd(wd.add(2 * p).cast())),
                    _mm_castpd_ps(_mm_load_sd(ad.add(2 * p).cast())),
                );
                match row.format {
                    Format::Q4 => {
                        let w = _mm256_loadu_si256(w.add(p * step).cast());
                        let lo = _mm256_and_si256(w, nibble);
                        let hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), nibble);
                        let wz = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
                        (wz, az, scales)
                    }
                    Format::Q8 => {
                        let w = _mm512_loadu_si512(w.add(p * step).cast());
                        let negative = _mm512_movepi8_mask(w);
                        let az = _mm512_mask_sub_epi8(az, negative, zero, az);
                        (_mm512_abs_epi8(w), az, scales)
                    }
                }
            };
            let sums = _mm512_dpbusd_epi32(zero, wz, az);
            let scales = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(scales));
            acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), scales, acc);
        }
        _mm512_reduce_add_ps(acc) + offsets_avx2(row, acts)
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
