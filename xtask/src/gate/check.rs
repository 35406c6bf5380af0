//! One case of the gate: every rule and every law of `sim::arbitrary::properties` in
//! memory, then, if asked, the real seeder into a
//! scratch database and the SQL audit.

use std::process::Command;

use anyhow::{anyhow, Context, Result};
use sim::arbitrary::coverage::Coverage;
use sim::rules::{breakage, evaluate, RuleId};
use sim::{Profile, Shard, Simulator};
use warehouse::scratch::ScratchDb;
use warehouse::target::Target;

/// How far a case is checked beyond the rules in memory.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Depth {
    /// Seed it into PostgreSQL and audit it in SQL.
    pub in_db: bool,
    /// Its world must land inside `sim::realism::BENCHMARKS`: a calibrated profile with
    /// a seed known to (a wrong rate breaks no rule, but moves a calibrated world).
    pub calibrated: bool,
}

/// Checks `profile` with `seed`: every rule in memory, then what `depth` asks. Returns
/// what the case exercised. The outer error is the environment's, the inner one the
/// case's.
pub(super) fn check(
    profile: &Profile,
    seed: u64,
    depth: Depth,
    inject: Option<RuleId>,
    server: &Target,
) -> Result<Result<Coverage>> {
    // The profile goes through its TOML form, as a user's would: what is printed on a
    // failure is exactly what was run.
    let text = toml::to_string(profile)?;
    let profile = match Profile::parse(&text, "the generated profile") {
        Ok(profile) => profile,
        Err(e) => return Ok(Err(e.into())),
    };
    let sim = Simulator::new(profile, seed);
    let mut rows = sim.rows(Shard::ALL);
    if let Some(rule) = inject {
        breakage::break_rows(&mut rows, rule);
    }
    let violations = evaluate(&rows);
    if let Some(first) = violations.first() {
        return Ok(Err(anyhow!(
            "{} violation(s) in memory, first {} at {}: {}",
            violations.len(),
            first.rule.code(),
            first.key,
            first.rule.statement()
        )));
    }
    if let Some(law) = sim::arbitrary::properties::broken(&sim, &rows).first() {
        return Ok(Err(anyhow!("the simulator broke its own law: {law}")));
    }
    if depth.calibrated {
        if let Some((benchmark, value)) = sim::realism::outside(&rows).first() {
            return Ok(Err(anyhow!(
                "the calibrated world's {} is {value:.4}, outside [{}, {}]",
                benchmark.name,
                benchmark.range.0,
                benchmark.range.1
            )));
        }
    }
    let coverage = Coverage::of(&sim, &rows);
    if depth.in_db && inject.is_none() {
        return Ok(seed_and_audit(&text, seed, server)?.map(|()| coverage));
    }
    Ok(Ok(coverage))
}

/// Seeds the profile into a scratch database with this very binary, as a user would,
/// then audits it in SQL. The database is dropped afterwards, pass or fail. The outer
/// error is the environment's, the inner one the case's.
fn seed_and_audit(profile_toml: &str, seed: u64, server: &Target) -> Result<Result<()>> {
    let db = ScratchDb::create_on(server.secret_url(), "proptest")?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("profile.toml");
    std::fs::write(&path, profile_toml)?;
    // The URL, password included, goes through the environment, not the command line
    // that `ps` shows.
    let output = Command::new(std::env::current_exe()?)
        .args(["seed", "--jobs", "1", "--seed"])
        .env("DATABASE_URL", db.url())
        .arg(seed.to_string())
        .arg("--profile")
        .arg(&path)
        .output()
        .context("running the seeder")?;
    if !output.status.success() {
        return Ok(Err(anyhow!(
            "the seed failed: {}",
            warehouse::secrets::scrub(&String::from_utf8_lossy(&output.stderr), db.url()).trim()
        )));
    }
    let mut conn = db.try_conn()?;
    let broken: Vec<String> = warehouse::audit::evaluate(&mut conn)?
        .violated()
        .map(|f| {
            format!(
                "{} ({} violations, e.g. {})",
                f.rule.code(),
                f.violations,
                f.examples.join(", ")
            )
        })
        .collect();
    if !broken.is_empty() {
        return Ok(Err(anyhow!(
            "the SQL audit of the seeded world fails {}",
            broken.join("; ")
        )));
    }
    Ok(Ok(()))
}
