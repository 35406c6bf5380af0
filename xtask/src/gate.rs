//! `cargo xtask proptest`: the property gate. Random profiles over every knob of
//! [`Profile`] ([`sim::arbitrary::profile`]), with random seeds, must obey every rule:
//! always in memory, and for a share of the cases also through the real seeder into a
//! scratch PostgreSQL database, audited in SQL.
//!
//! It runs on proptest's [`TestRunner`], so a failure is shrunk to a small profile, which
//! is printed as TOML with its seed, and is saved in `proptest-regressions/` (commit it):
//! every later run replays the saved failures before anything new.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestError, TestRunner};
use sim::rules::{breakage, evaluate, RuleId};
use sim::{Profile, Shard, Simulator};
use warehouse::scratch::ScratchDb;

use sourcegen::workspace_root;
use warehouse::target::Target;

/// Where failures are kept, relative to the workspace root.
const REGRESSIONS: &str = "proptest-regressions/profiles.txt";

/// Options of `cargo xtask proptest`.
#[derive(Debug, Clone, Args)]
pub struct GateArgs {
    /// Random cases to run (after replaying the saved failures).
    #[arg(long, default_value_t = 64)]
    pub cases: u32,
    /// The run's random seed, to replay it exactly; default: a fresh one, printed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Share of the cases that are also seeded into PostgreSQL and audited in SQL.
    #[arg(long, default_value_t = 0.25)]
    pub db_share: f64,
    /// The server for the scratch databases (default: `DATABASE_URL`, `.env`, or the
    /// local server).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Breaks RULE in every generated world before it is checked: proves that the gate
    /// fails, shrinks and reports. For testing the gate itself.
    #[arg(long, hide = true, value_parser = parse_rule)]
    pub inject_breakage: Option<RuleId>,
}

fn parse_rule(code: &str) -> Result<RuleId, String> {
    RuleId::ALL
        .into_iter()
        .find(|r| r.code() == code)
        .ok_or_else(|| format!("no rule {code}"))
}

/// One case: a profile, the simulator seed, and whether it also goes through PostgreSQL.
#[derive(Debug, Clone)]
struct Case {
    profile: Profile,
    seed: u64,
    in_db: bool,
}

/// Runs the gate; fails, printing the shrunk profile, on the first broken rule.
pub fn run(args: &GateArgs) -> Result<()> {
    if !(0.0..=1.0).contains(&args.db_share) {
        bail!(
            "invalid --db-share {}: it must be between 0 and 1",
            args.db_share
        );
    }
    let server = Target::resolve(args.database_url.as_deref())?;
    let seed = args
        .seed
        .unwrap_or_else(|| RandomState::new().build_hasher().finish());
    let regressions: &'static str = Box::leak(
        workspace_root()
            .join(REGRESSIONS)
            .display()
            .to_string()
            .into_boxed_str(),
    );
    let mut runner = TestRunner::new(Config {
        cases: args.cases,
        rng_seed: RngSeed::Fixed(seed),
        // A deliberate breakage's failures are not worth keeping.
        failure_persistence: Some(Box::new(if args.inject_breakage.is_some() {
            FileFailurePersistence::Off
        } else {
            FileFailurePersistence::Direct(regressions)
        })),
        max_shrink_iters: 256,
        ..Config::default()
    });
    println!(
        "proptest: {} cases, seed {seed}, about {:.0}% also through PostgreSQL",
        args.cases,
        args.db_share * 100.0
    );
    if args.db_share > 0.0 {
        // Fail before the first case, not as a property failure, if scratch databases
        // cannot be had.
        ScratchDb::create_on(server.secret_url(), "proptest")
            .context("the property gate needs a server where it may create databases")?;
    }
    let (ran, in_db) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let shrinking = std::sync::atomic::AtomicBool::new(false);
    // A broken environment (a server gone, a process that cannot start) is not a
    // property of the case: it stops the run without shrinking or saving anything.
    let setup_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let result = runner.run(&case(args.db_share), |case| {
        if setup_error.lock().expect("setup error lock").is_some() {
            return Ok(());
        }
        if !shrinking.load(Ordering::Relaxed) {
            ran.fetch_add(1, Ordering::Relaxed);
            in_db.fetch_add(usize::from(case.in_db), Ordering::Relaxed);
        }
        let outcome = match check(&case, args.inject_breakage, &server) {
            Ok(outcome) => outcome,
            Err(setup) => {
                *setup_error.lock().expect("setup error lock") = Some(setup);
                return Ok(());
            }
        };
        if outcome.is_err() {
            shrinking.store(true, Ordering::Relaxed);
        }
        outcome.map_err(|e| TestCaseError::fail(format!("{e:#}")))
    });
    if let Some(setup) = setup_error.into_inner().expect("setup error lock") {
        return Err(setup.context("the property gate could not run"));
    }
    match result {
        Ok(()) => {
            let ran = ran.into_inner();
            println!(
                "proptest: {} cases passed ({} saved failures replayed first, {} also seeded \
                 and audited in PostgreSQL); replay with --seed {seed}",
                args.cases,
                ran.saturating_sub(args.cases as usize),
                in_db.into_inner()
            );
            Ok(())
        }
        Err(TestError::Fail(reason, case)) => {
            let saved = if args.inject_breakage.is_some() {
                String::new()
            } else {
                format!("saved in {REGRESSIONS} (commit it); ")
            };
            println!(
                "proptest: FAILED after {} cases: {reason}\n\
                 shrunk case: seed = {}, through PostgreSQL: {}\n\
                 --- profile (TOML) ---\n{}--- end of profile ---\n\
                 {saved}replay the run with --seed {seed}",
                ran.into_inner(),
                case.seed,
                case.in_db,
                toml::to_string(&case.profile).unwrap_or_else(|e| format!("({e})\n"))
            );
            bail!("the property gate failed: {reason}")
        }
        Err(TestError::Abort(reason)) => bail!("the property gate aborted: {reason}"),
    }
}

/// Checks one case: every rule in memory, then, if asked, seed and SQL audit. The outer
/// error is the environment's, the inner one the case's.
fn check(case: &Case, inject: Option<RuleId>, server: &Target) -> Result<Result<()>> {
    // The profile goes through its TOML form, as a user's would: what is printed on a
    // failure is exactly what was run.
    let text = toml::to_string(&case.profile)?;
    let profile = match Profile::parse(&text, "the generated profile") {
        Ok(profile) => profile,
        Err(e) => return Ok(Err(e.into())),
    };
    let mut rows = Simulator::new(profile, case.seed).rows(Shard::ALL);
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
    if case.in_db && inject.is_none() {
        return seed_and_audit(&text, case.seed, server);
    }
    Ok(Ok(()))
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

/// A case: a profile of [`sim::arbitrary::profile`], a seed, and a draw of `db_share`.
fn case(db_share: f64) -> impl Strategy<Value = Case> {
    (
        sim::arbitrary::profile(),
        any::<u64>(),
        proptest::bool::weighted(db_share),
    )
        .prop_map(|(profile, seed, in_db)| Case {
            profile,
            seed,
            in_db,
        })
}
