//! Benchmarks of the warehouse, for `cargo xtask bench-*`. Each prints its figures next to
//! a baseline measured in the same run, so that a ratio, not a machine, is what is compared:
//!
//! - [`advance`]: one day of `seed --as-of` advance against a full seed as of that day;
//! - [`audit`]: the SQL audit against one full scan of the same warehouse;
//! - [`export`]: export MB/s on one thread against several;
//! - [`generation`]: rows/s and peak memory of the simulator alone, on one thread;
//! - [`load`]: `seed` against `psql \copy` with keys in place and psql in pg_restore
//!   order, on the same rows;
//! - [`queries`]: p50 and p95 of every `schema::queries` function, with and without the
//!   query indexes.

pub mod advance;
pub mod audit;
pub mod export;
pub mod generation;
pub mod load;
pub mod queries;

/// Peak resident memory of this process, in MiB (Linux `VmHWM`).
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}
