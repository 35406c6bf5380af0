//! `bench-sim`: generation alone, one thread, each configuration in a fresh process so
//! that its peak resident memory (VmHWM) is its own.

use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Result};

use warehouse::world::WorldSpec;

use crate::peak_rss_mib;

/// `generate-only`: simulate every tenant on this thread, keep nothing, report.
pub fn generate_only(world: &WorldSpec) -> Result<()> {
    let world = world.resolve()?;
    let started = Instant::now();
    let mut rows = 0usize;
    for no in world.sim.tenants(world.shard) {
        for period in world.sim.tenant(no) {
            rows += period.len();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!("rows={rows} secs={secs:.3} peak_mib={:.1}", peak_rss_mib());
    Ok(())
}

/// `bench-sim`: runs `exe generate-only` (see [`generate_only`]) once per configuration.
pub fn sim(exe: &std::path::Path) -> Result<()> {
    println!(
        "{:<10} {:>6} {:>12} {:>9} {:>12} {:>10}",
        "profile", "scale", "rows", "seconds", "rows/s", "peak MiB"
    );
    for (profile, scale) in [("dev", 1), ("dev", 10), ("staging", 1), ("staging", 10)] {
        let out = Command::new(exe)
            .args([
                "generate-only",
                "--profile",
                profile,
                "--scale",
                &scale.to_string(),
            ])
            .output()?;
        if !out.status.success() {
            bail!(
                "generate-only failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let field = |name: &str| -> f64 {
            text.split_whitespace()
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
                .unwrap_or(0.0)
        };
        let (rows, secs, peak) = (field("rows"), field("secs"), field("peak_mib"));
        println!(
            "{profile:<10} {scale:>6} {rows:>12} {secs:>9.2} {:>12.0} {peak:>10.1}",
            rows / secs.max(1e-9)
        );
    }
    Ok(())
}
