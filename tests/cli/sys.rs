//! The few operating-system facts the tests need that std does not give.

/// Whether the tests run as root, who can read a file whatever its mode.
#[allow(unsafe_code)]
pub fn is_root() -> bool {
    // SAFETY: geteuid takes no arguments, cannot fail and touches no memory of ours.
    unsafe { libc::geteuid() == 0 }
}

/// The largest peak resident set size, in KiB, of any child this process
/// has waited for (Linux reports `ru_maxrss` in KiB).
#[allow(unsafe_code)]
pub fn children_peak_rss_kib() -> u64 {
    // SAFETY: `usage` is a plain C struct that getrusage fills in completely;
    // all-zero bytes are a valid value for it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage for the call's duration.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0, "getrusage: {}", std::io::Error::last_os_error());
    u64::try_from(usage.ru_maxrss).unwrap_or(0)
}

/// Whether a program is on `PATH`.
pub fn has_program(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
}

/// The first CPU this process may run on (`Cpus_allowed_list` in
/// `/proc/self/status`), or `None` where that is unknown.
pub fn first_allowed_cpu() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let list = status
        .lines()
        .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))?;
    let first = list.trim().split([',', '-']).next()?;
    first.parse().ok()
}
