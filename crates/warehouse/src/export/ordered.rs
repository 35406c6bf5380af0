//! Work made on several threads, consumed in order, with a bounded number of results in
//! memory: what lets an export generate tenants on every core and still write them in
//! tenant order, the same bytes as one thread.
//!
//! Built on `std::thread::scope`, an `mpsc` channel and a condition variable rather than a
//! thread-pool crate: the pipeline needs two things a parallel iterator does not give,
//! results handed over strictly in order *while* later ones are still being made, and a
//! bound on how far ahead the makers may run (a parallel `map` + `collect` would hold the
//! whole export in memory).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};

use crate::error::{Error, Result};

/// How far the consumer has got, and whether it gave up.
#[derive(Default)]
struct Progress {
    taken: usize,
    stop: bool,
}

/// Stops the run if the thread holding it panics. A worker's item would never come, and
/// the consumer would stop taking: either way the others would wait for the window to
/// move forever. Once they are released, the scope re-raises the panic.
struct StopOnPanic<'a>(&'a Mutex<Progress>, &'a Condvar);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
            self.1.notify_all();
        }
    }
}

/// Makes items `0..count` with `make` on `jobs` threads and hands each to `take` on the
/// calling thread, in order of index. An item is started only when it is fewer than
/// `window` items ahead of the next one `take` is waiting for, so at most `window` made
/// items are held at once, whatever `count` is. The first error (of `make` or `take`)
/// stops the run: no further item is started, and that error is returned.
pub fn in_order<T: Send>(
    count: usize,
    jobs: usize,
    window: usize,
    make: impl Fn(usize) -> Result<T> + Sync,
    mut take: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    assert!(
        jobs >= 1 && window >= 1,
        "in_order needs a worker and a window"
    );
    let next = AtomicUsize::new(0);
    let progress = Mutex::new(Progress::default());
    let moved = Condvar::new();
    let (done, made) = mpsc::channel::<(usize, Result<T>)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(count) {
            let done = done.clone();
            let (next, progress, moved, make) = (&next, &progress, &moved, &make);
            scope.spawn(move || {
                let _stop = StopOnPanic(progress, moved);
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= count {
                        return;
                    }
                    // Never a deadlock: every index below `index` was claimed before it, and
                    // the one `take` waits for was claimed inside the window, so it is being
                    // made, not waiting here.
                    let mut state = progress.lock().expect("progress lock");
                    while !state.stop && index >= state.taken + window {
                        state = moved.wait(state).expect("progress lock");
                    }
                    if state.stop {
                        return;
                    }
                    drop(state);
                    if done.send((index, make(index))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done);
        // A panic of `take` must release the workers too, or the scope would wait for them.
        let _stop = StopOnPanic(&progress, &moved);
        let result = (|| -> Result<()> {
            let mut early = BTreeMap::new();
            for taken in 0..count {
                let item = loop {
                    if let Some(item) = early.remove(&taken) {
                        break item;
                    }
                    let (index, item) = made.recv().map_err(|_| {
                        Error::Other(format!("a worker stopped before item {taken}"))
                    })?;
                    early.insert(index, item?);
                };
                take(item)?;
                progress.lock().expect("progress lock").taken = taken + 1;
                moved.notify_all();
            }
            Ok(())
        })();
        if result.is_err() {
            progress.lock().expect("progress lock").stop = true;
            moved.notify_all();
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::fail;

    /// Item 0 is made last (its maker waits until every other item in the window is
    /// made), so the results arrive out of order; `take` still sees 0, 1, 2, … and never
    /// more than `window` made items are outstanding.
    #[test]
    fn hands_over_in_order_within_the_window() {
        let (count, jobs, window) = (40, 4, 4);
        let made = AtomicUsize::new(0);
        let taken = AtomicUsize::new(0);
        let most_ahead = AtomicUsize::new(0);
        let mut seen = Vec::new();
        in_order(
            count,
            jobs,
            window,
            |i| {
                if i == 0 {
                    while made.load(Ordering::SeqCst) < window - 1 {
                        std::thread::yield_now();
                    }
                }
                let ahead = made.fetch_add(1, Ordering::SeqCst) + 1 - taken.load(Ordering::SeqCst);
                most_ahead.fetch_max(ahead, Ordering::SeqCst);
                Ok(i * 10)
            },
            |v| {
                seen.push(v);
                taken.fetch_add(1, Ordering::SeqCst);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, (0..count).map(|i| i * 10).collect::<Vec<_>>());
        assert!(
            most_ahead.into_inner() <= window,
            "more than {window} items made ahead of the consumer"
        );
    }

    #[test]
    fn one_worker_and_a_window_of_one_is_sequential() {
        let mut seen = Vec::new();
        in_order(5, 1, 1, Ok, |v| {
            seen.push(v);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, [0, 1, 2, 3, 4]);
    }

    /// The error comes back, and the run ends: the workers waiting for the window to
    /// move are released (without that, this test would hang).
    #[test]
    fn the_first_error_stops_the_run() {
        let err = in_order(
            1000,
            2,
            2,
            |i| {
                if i == 3 {
                    fail!(Other, "item {i} failed");
                }
                Ok(i)
            },
            |_| Ok(()),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "item 3 failed");

        let err = in_order(1000, 2, 2, Ok, |i| {
            if i == 5 {
                fail!(Other, "cannot take {i}")
            }
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "cannot take 5");
    }

    /// Whether `run` panicked; fails the test if it has not returned within a minute.
    fn panicked(run: impl FnOnce() -> Result<()> + Send + 'static) -> bool {
        let (done, outcome) = mpsc::channel();
        std::thread::spawn(move || {
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run));
            done.send(run.is_err()).ok();
        });
        outcome
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("in_order hung after a panic")
    }

    /// A panic in a worker or in the consumer reaches the caller; the other workers,
    /// waiting for the window to move, are released rather than left hanging.
    #[test]
    fn a_panic_ends_the_run_instead_of_hanging() {
        let make_panics = |i| {
            assert_ne!(i, 2, "make panics");
            Ok(i)
        };
        assert!(panicked(move || in_order(100, 2, 2, make_panics, |_| Ok(
            ()
        ))));
        let take_panics = |i| {
            assert_ne!(i, 2, "take panics");
            Ok(())
        };
        assert!(panicked(move || in_order(100, 2, 2, Ok, take_panics)));
    }

    #[test]
    fn nothing_to_make() {
        in_order(
            0,
            4,
            8,
            |_| -> Result<()> { unreachable!() },
            |_| unreachable!(),
        )
        .unwrap();
    }
}
