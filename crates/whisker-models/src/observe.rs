//! Progress and cancellation for long model work (downloads, hashing).

/// Receives progress of a fetch, import or verify, and says whether to stop.
///
/// Called from the working thread between chunks: keep it cheap.
pub trait Observer: Sync {
    /// A transfer or check begins: `what` names it, `done` bytes are already
    /// there (a resumed download), `total` when known.
    fn begin(&self, what: &str, done: u64, total: Option<u64>) {
        let _ = (what, done, total);
    }

    /// Bytes done so far of the current transfer.
    fn advance(&self, done: u64) {
        let _ = done;
    }

    /// True stops the work at the next chunk; partial downloads are kept.
    fn cancelled(&self) -> bool {
        false
    }
}

/// An observer that shows nothing and never cancels.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Observer for Quiet {}
