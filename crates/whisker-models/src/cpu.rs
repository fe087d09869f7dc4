//! What this CPU can run: the one place the kernels ask (std caches each
//! answer after the first question). x86-64 only; elsewhere the kernels
//! take their portable paths.

/// AVX2 with FMA: the 8-lane f32 kernels (embedder, attention).
#[cfg(target_arch = "x86_64")]
pub(crate) fn avx2_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

/// F16C: f16 <-> f32 conversion in vector registers.
#[cfg(target_arch = "x86_64")]
pub(crate) fn f16c() -> bool {
    std::arch::is_x86_feature_detected!("f16c")
}

/// AVX-512 with byte/word operations and VNNI: the int8 dot products of
/// the quantized chat-model kernels.
#[cfg(target_arch = "x86_64")]
pub(crate) fn avx512_vnni() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vnni")
}
