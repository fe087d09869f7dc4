//! The thread count candle's matrix products use, fixed once per process.
//!
//! candle asks for its thread count on every matrix product. Unless
//! `RAYON_NUM_THREADS` is set, that answer comes from parsing
//! `/proc/cpuinfo`: about 50 µs, some 45 times for one embedded search query.
//! [`fix_thread_count`] asks once and sets the variable, so every later
//! product reads it from the environment instead.

/// Sets `RAYON_NUM_THREADS` to candle's own default (the physical cores, or
/// the process's CPU mask) unless the user has set it.
///
/// # Safety
///
/// It changes the environment: call it first thing in `main`, before any
/// other thread exists (nothing may read the environment concurrently).
#[allow(unsafe_code)]
pub unsafe fn fix_thread_count() {
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        let threads = candle_core::utils::get_num_threads();
        // SAFETY: the caller guarantees this thread is the only one.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", threads.to_string()) };
    }
}
