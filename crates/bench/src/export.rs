//! `bench-export`: export MB/s on one thread against `--jobs` threads, the same world in
//! one run, rounds alternating between the two so that a drift in the machine's speed
//! hits both; medians and their ratio printed. The two exports are also compared byte
//! for byte: a faster export that wrote other bytes would be no result.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use sim::ids::Table;
use warehouse::world::WorldSpec;

/// One timed export: rows, bytes written, seconds.
struct Timed {
    rows: u64,
    bytes: u64,
    secs: f64,
}

impl Timed {
    fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.secs
    }
}

/// Runs `bench-export`.
pub fn run(profile: &str, scale: f64, jobs: u32, rounds: u32) -> Result<()> {
    let world = WorldSpec::whole(profile, scale);
    let base = std::env::temp_dir().join(format!("pm_bench_export_{}", std::process::id()));
    std::fs::create_dir_all(&base).with_context(|| format!("cannot create {}", base.display()))?;
    let result = compare(&world, &base, jobs, rounds);
    std::fs::remove_dir_all(&base).ok();
    let [one, many] = result?;
    let (a, b) = (median(&one), median(&many));
    println!(
        "bench-export: profile {profile}, scale {scale}, {} rows, {:.1} MB, median of {rounds} rounds",
        one[0].rows,
        one[0].bytes as f64 / 1e6
    );
    println!(
        "  (a) --jobs 1   : {:>7.2} s  {:>7.1} MB/s",
        one[0].bytes as f64 / 1e6 / a,
        a
    );
    println!(
        "  (b) --jobs {jobs:<3} : {:>7.2} s  {:>7.1} MB/s",
        many[0].bytes as f64 / 1e6 / b,
        b
    );
    println!("  ratio (b)/(a)  : {:.2}x (same bytes)", b / a);
    Ok(())
}

/// `rounds` exports on one thread and on `jobs`, alternating, checked to be the same bytes.
fn compare(world: &WorldSpec, base: &Path, jobs: u32, rounds: u32) -> Result<[Vec<Timed>; 2]> {
    let (one_dir, many_dir) = (base.join("jobs1"), base.join(format!("jobs{jobs}")));
    let (mut one, mut many) = (Vec::new(), Vec::new());
    for _ in 0..rounds.max(1) {
        one.push(timed(world, &one_dir, 1)?);
        many.push(timed(world, &many_dir, jobs)?);
    }
    for table in Table::ALL {
        let name = format!("{}.csv", table.name());
        if !same_bytes(&one_dir.join(&name), &many_dir.join(&name))? {
            bail!("{name} of --jobs {jobs} differs from --jobs 1");
        }
    }
    Ok([one, many])
}

fn timed(world: &WorldSpec, dir: &Path, jobs: u32) -> Result<Timed> {
    let started = Instant::now();
    let rows = warehouse::export::run(world, dir, jobs)?;
    let secs = started.elapsed().as_secs_f64();
    let mut bytes = 0;
    for table in Table::ALL {
        bytes += std::fs::metadata(dir.join(format!("{}.csv", table.name())))?.len();
    }
    Ok(Timed {
        rows: rows.total(),
        bytes,
        secs,
    })
}

/// The median MB/s of `runs`.
fn median(runs: &[Timed]) -> f64 {
    let mut rates: Vec<f64> = runs.iter().map(Timed::mb_per_s).collect();
    rates.sort_by(f64::total_cmp);
    let mid = rates.len() / 2;
    if rates.len() % 2 == 0 {
        (rates[mid - 1] + rates[mid]) / 2.0
    } else {
        rates[mid]
    }
}

/// Whether two files hold the same bytes, read in step.
fn same_bytes(a: &Path, b: &Path) -> Result<bool> {
    let open = |p: &Path| -> Result<BufReader<File>> {
        Ok(BufReader::with_capacity(
            1 << 20,
            File::open(p).with_context(|| format!("cannot read {}", p.display()))?,
        ))
    };
    let (mut a, mut b) = (open(a)?, open(b)?);
    let (mut x, mut y) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = read_full(&mut a, &mut x)?;
        if n != read_full(&mut b, &mut y)? || x[..n] != y[..n] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

/// Reads until `buf` is full or the file ends; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}
