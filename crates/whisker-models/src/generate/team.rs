//! A team of threads for the matrix products of generation: the calling
//! thread and one helper per further core, kept for the model's lifetime.
//!
//! Decoding one token is ~120 matrix-vector products of a few hundred
//! microseconds each, with a little serial work (norms, attention) between
//! them. Handing each product to rayon costs a sleep and a wake-up per
//! thread (a futex and, on a VM, an inter-processor interrupt), about what
//! the second core saves. Here the helpers *spin* on a counter between
//! products, so a hand-off costs one cache line; after [`SPIN`] without
//! work (the reply is over) they park, and the next product wakes them.
//! This is llama.cpp's model of threads.
//!
//! The work of a call is cut into chunks that the threads claim from a
//! shared counter, so a thread the OS delays does less of it rather than
//! holding the others up.
//!
//! It does not nest or queue: a call made while another is running on the
//! same team (a second generation at once) runs on the calling thread alone.
//!
//! The unsafe code is the hand-off of the borrowed closure: [`Team::run`]
//! stores a pointer to it that the helpers call, and does not return (nor
//! unwind) before every helper has finished with it.
#![allow(unsafe_code)]

use std::cell::UnsafeCell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, TryLockError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long an idle helper spins before it parks.
const SPIN: Duration = Duration::from_millis(2);
/// Spins between yields of the core while waiting: when threads outnumber
/// cores (a CPU quota, other work), the thread waited for may need this
/// core to run at all.
const SPINS_PER_YIELD: u32 = 1024;

/// What every thread of a call runs: `job(thread index)`; `'static` only
/// as stored in [`Shared::job`].
type Job<'a> = dyn Fn(usize) + Sync + 'a;

/// The team: the caller is thread 0, the helpers 1…n−1.
#[derive(Debug)]
pub struct Team {
    shared: Arc<Shared>,
    helpers: Vec<JoinHandle<()>>,
    /// Held for the length of a call.
    busy: Mutex<()>,
}

struct Shared {
    /// Bumped once per call; helpers wait for it to change.
    epoch: AtomicUsize,
    /// Helpers done with the current call.
    done: AtomicUsize,
    /// Helpers parked (or about to park).
    sleepers: AtomicUsize,
    stop: AtomicBool,
    panicked: AtomicBool,
    /// The current call's closure, lifetime erased: written by the caller
    /// before it bumps `epoch`, read by the helpers after they see the bump.
    job: UnsafeCell<Option<*const Job<'static>>>,
}

// SAFETY: `job` is the only field that is not already Sync. It is written
// only by the thread in `Team::run` (which holds `busy`) while no helper is
// between seeing an epoch and counting itself done, and read only by helpers
// in that window; `epoch` (release/acquire) and `done` order the two.
unsafe impl Sync for Shared {}
// SAFETY: the pointer in `job` refers to a `Sync` closure.
unsafe impl Send for Shared {}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("epoch", &self.epoch)
            .field("sleepers", &self.sleepers)
            .finish_non_exhaustive()
    }
}

impl Team {
    /// A team of `threads` threads in all (at least 1: the caller alone).
    /// A helper that cannot be started leaves the team smaller.
    pub fn new(threads: usize) -> Team {
        let shared = Arc::new(Shared {
            epoch: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            sleepers: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            panicked: AtomicBool::new(false),
            job: UnsafeCell::new(None),
        });
        let mut helpers = Vec::new();
        for index in 1..threads.max(1) {
            let shared = shared.clone();
            let spawned = thread::Builder::new()
                .name(format!("whisker-gen-{index}"))
                .spawn(move || helper(&shared, index));
            match spawned {
                Ok(handle) => helpers.push(handle),
                Err(_) => break,
            }
        }
        Team {
            shared,
            helpers,
            busy: Mutex::new(()),
        }
    }

    /// Threads in the team, the caller included.
    pub fn threads(&self) -> usize {
        self.helpers.len() + 1
    }

    /// Runs `job(i)` for every thread index `i` (0 on the calling thread)
    /// and returns when all have; a panic in any of them is resumed here.
    pub fn run(&self, job: &Job<'_>) {
        // A panic in an earlier call poisons the lock; the team is fine.
        let _busy = match self.busy.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            // Another call is running on this team: do the work alone.
            Err(TryLockError::WouldBlock) => return (0..self.threads()).for_each(job),
        };
        if self.helpers.is_empty() {
            return job(0);
        }
        let shared = &*self.shared;
        // SAFETY: only the lifetime is erased. The pointer is read by the
        // helpers of this call only, and this function waits below for all
        // of them to finish (also when `job(0)` panics) before returning.
        let erased: *const Job<'static> = unsafe { std::mem::transmute(job as *const Job<'_>) };
        // SAFETY: every helper finished the previous call (counted in
        // `done`) and reads `job` again only after the epoch bump below.
        unsafe { *shared.job.get() = Some(erased) };
        shared.done.store(0, Ordering::Relaxed);
        shared.epoch.fetch_add(1, Ordering::SeqCst);
        if shared.sleepers.load(Ordering::SeqCst) > 0 {
            self.helpers.iter().for_each(|h| h.thread().unpark());
        }
        let mine = catch_unwind(AssertUnwindSafe(|| job(0)));
        let mut spins = 0u32;
        while shared.done.load(Ordering::Acquire) < self.helpers.len() {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(SPINS_PER_YIELD) {
                thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
        let helper_panicked = shared.panicked.swap(false, Ordering::Relaxed);
        if let Err(payload) = mine {
            resume_unwind(payload);
        }
        if helper_panicked {
            panic!("a generation thread panicked");
        }
    }

    /// `f(index, chunk)` for every chunk of `data` cut in pieces of `size`,
    /// the chunks claimed by the team's threads as they come free.
    pub fn for_chunks<T: Send>(
        &self,
        data: &mut [T],
        size: usize,
        f: impl Fn(usize, &mut [T]) + Sync,
    ) {
        let size = size.max(1);
        if self.threads() == 1 || data.len() <= size {
            return data.chunks_mut(size).enumerate().for_each(|(i, c)| f(i, c));
        }
        let chunks: Vec<Mutex<&mut [T]>> = data.chunks_mut(size).map(Mutex::new).collect();
        let next = AtomicUsize::new(0);
        self.run(&|_| {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(chunk) = chunks.get(i) else { break };
                // Each chunk is claimed once, so the lock is never contended
                // (nor poisoned: a panic ends the whole call).
                if let Ok(mut chunk) = chunk.lock() {
                    f(i, &mut chunk);
                }
            }
        });
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.epoch.fetch_add(1, Ordering::SeqCst);
        for helper in self.helpers.drain(..) {
            helper.thread().unpark();
            let _ = helper.join();
        }
    }
}

/// A helper's life: wait for a call, run its share, count itself done.
fn helper(shared: &Shared, index: usize) {
    let mut seen = 0;
    loop {
        seen = wait_for_call(shared, seen);
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        // SAFETY: the caller stored the pointer before bumping the epoch we
        // saw, and keeps the closure alive until we count ourselves done.
        let job = unsafe { *shared.job.get() };
        if let Some(job) = job {
            // SAFETY: as above, the closure outlives this call.
            let job = unsafe { &*job };
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| job(index))) {
                shared.panicked.store(true, Ordering::Relaxed);
                // Not dropped here: a payload whose drop panics would end
                // this thread before it counts itself done.
                std::mem::forget(payload);
            }
        }
        shared.done.fetch_add(1, Ordering::Release);
    }
}

/// Spins until `epoch` moves past `seen` (then returns it), parking after
/// [`SPIN`] of nothing.
fn wait_for_call(shared: &Shared, seen: usize) -> usize {
    let mut since = Instant::now();
    let mut spins = 0u32;
    loop {
        let epoch = shared.epoch.load(Ordering::Acquire);
        if epoch != seen {
            return epoch;
        }
        spins = spins.wrapping_add(1);
        if !spins.is_multiple_of(SPINS_PER_YIELD) {
            std::hint::spin_loop();
        } else if since.elapsed() <= SPIN {
            thread::yield_now();
        } else {
            // Announce the nap, then look once more: `run` bumps the epoch
            // before it checks for sleepers, so one of us sees the other.
            shared.sleepers.fetch_add(1, Ordering::SeqCst);
            if shared.epoch.load(Ordering::SeqCst) == seen {
                thread::park();
            }
            shared.sleepers.fetch_sub(1, Ordering::SeqCst);
            since = Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chunk_is_visited_once_by_a_team_of_any_size() {
        for threads in [1, 2, 3] {
            let team = Team::new(threads);
            assert_eq!(team.threads(), threads);
            for round in 0..200 {
                let mut data = vec![0u32; 1000 + round];
                team.for_chunks(&mut data, 7, |i, chunk| {
                    for (j, x) in chunk.iter_mut().enumerate() {
                        *x += (i * 7 + j) as u32 + 1;
                    }
                });
                let expected: Vec<u32> = (1..=data.len() as u32).collect();
                assert_eq!(data, expected, "{threads} threads, round {round}");
            }
        }
    }

    #[test]
    fn helpers_wake_from_parking() {
        let team = Team::new(2);
        let count = AtomicUsize::new(0);
        for _ in 0..3 {
            // Longer than SPIN: the helper has parked before the next call.
            thread::sleep(SPIN * 3);
            team.run(&|_| {
                count.fetch_add(1, Ordering::Relaxed);
            });
        }
        assert_eq!(count.load(Ordering::Relaxed), 6);
    }

    #[test]
    fn a_panic_on_a_helper_reaches_the_caller_and_the_team_keeps_its_helper() {
        let team = Team::new(2);
        let caught = catch_unwind(AssertUnwindSafe(|| {
            team.run(&|i| assert!(i == 0, "helper {i} fails"));
        }));
        assert!(caught.is_err());
        // Index 1 still runs on the helper, not on the caller.
        let caller = thread::current().id();
        let on_helper = AtomicBool::new(false);
        team.run(&|i| {
            if i == 1 {
                on_helper.store(thread::current().id() != caller, Ordering::Relaxed);
            }
        });
        assert!(on_helper.load(Ordering::Relaxed));
    }

    #[test]
    fn a_call_during_a_call_runs_on_the_caller() {
        let team = Team::new(2);
        let count = AtomicUsize::new(0);
        team.run(&|i| {
            if i == 0 {
                team.run(&|_| {
                    count.fetch_add(1, Ordering::Relaxed);
                });
            }
        });
        assert_eq!(count.load(Ordering::Relaxed), 2);
    }
}
