//! `cargo xtask proptest`: the property gate. Every run checks, in this order:
//!
//! 1. the built-in profiles ([`fixed`]: `dev`, a reduced `staging`, the fixtures'), each
//!    with two seeds; with its usual seed, a calibrated one must also land inside
//!    `sim::realism::BENCHMARKS` (a wrong rate breaks no rule), and the fixtures' world
//!    goes through PostgreSQL and the SQL audit;
//! 2. random profiles of the three strata of [`sim::arbitrary`] (realistic, plausible,
//!    edges), each stratum with its guaranteed share of `--cases`, with random seeds; a
//!    share of them (`--db-share`) also through the real seeder into a scratch database,
//!    audited in SQL;
//! 3. the coverage of all those cases ([`Coverage`]): a run of at least
//!    [`COVERAGE_CASES`] cases fails when a listed path went unexercised.
//!
//! The random cases run on proptest's [`TestRunner`], one per stratum, so a failure is
//! shrunk to a small profile, which is printed as TOML with its seed, and is saved in
//! `proptest-regressions/` (commit it): every later run replays the saved failures, in
//! every stratum, before anything new.

mod check;
mod fixed;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};
use clap::Args;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestError, TestRunner};
use sim::arbitrary::coverage::Coverage;
use sim::arbitrary::Stratum;
use sim::planted::Bug;
use sim::rules::RuleId;
use sim::Profile;
use warehouse::scratch::ScratchDb;

use sourcegen::workspace_root;
use warehouse::target::Target;

/// Where failures are kept, relative to the workspace root.
const REGRESSIONS: &str = "proptest-regressions/profiles.txt";

/// From this many random cases on (the README's CI run), a run fails when a path of
/// [`sim::arbitrary::coverage::Path::required`] went unexercised.
pub const COVERAGE_CASES: u32 = 24;

/// Options of `cargo xtask proptest`.
#[derive(Debug, Clone, Args)]
pub struct GateArgs {
    /// Random cases to run (after the built-in profiles and the saved failures).
    #[arg(long, default_value_t = 64)]
    pub cases: u32,
    /// The run's random seed, to replay it exactly; default: a fresh one, printed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Share of the random cases that are also seeded into PostgreSQL and audited in SQL
    /// (0: no database at all, not even for the built-in case).
    #[arg(long, default_value_t = 0.25)]
    pub db_share: f64,
    /// The server for the scratch databases (default: `DATABASE_URL`, `.env`, or the
    /// local server).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Breaks RULE in every random world before it is checked (the built-in cases are
    /// skipped): proves that the gate fails, shrinks and reports. For testing the gate.
    #[arg(long, hide = true, value_parser = parse_rule)]
    pub inject_breakage: Option<RuleId>,
    /// Plants BUG in the simulator for the whole run (`sim::planted`; nothing goes
    /// through PostgreSQL): proves that the gate catches it. For testing the gate.
    #[arg(long, hide = true, value_parser = parse_bug)]
    pub plant_bug: Option<Bug>,
}

fn parse_rule(code: &str) -> Result<RuleId, String> {
    RuleId::ALL
        .into_iter()
        .find(|r| r.code() == code)
        .ok_or_else(|| format!("no rule {code}"))
}

fn parse_bug(name: &str) -> Result<Bug, String> {
    Bug::ALL
        .into_iter()
        .find(|b| b.name() == name)
        .ok_or_else(|| format!("no planted bug {name}"))
}

/// One random case: a profile, the simulator seed, and whether it also goes through
/// PostgreSQL.
#[derive(Debug, Clone)]
struct Case {
    profile: Profile,
    seed: u64,
    in_db: bool,
}

/// Runs the gate; fails, printing the (shrunk) profile, on the first broken rule, or
/// when a run of [`COVERAGE_CASES`] or more left a required path unexercised.
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
    sim::planted::plant(args.plant_bug);
    let testing_the_gate = args.inject_breakage.is_some() || args.plant_bug.is_some();
    let db_share = if testing_the_gate { 0.0 } else { args.db_share };
    println!(
        "proptest: {} cases ({}), seed {seed}, about {:.0}% also through PostgreSQL",
        args.cases,
        Stratum::ALL
            .map(|s| format!("{} {}", s.cases(args.cases), s.name()))
            .join(", "),
        db_share * 100.0
    );
    if db_share > 0.0 {
        // Fail before the first case, not as a property failure, if scratch databases
        // cannot be had.
        ScratchDb::create_on(server.secret_url(), "proptest")
            .context("the property gate needs a server where it may create databases")?;
    }
    let mut coverage = Coverage::default();
    if args.inject_breakage.is_none() {
        let fixed = fixed::cases(seed, db_share > 0.0)?;
        for case in &fixed {
            match check::check(&case.profile, case.seed, case.depth, None, &server)
                .context("the property gate could not run")?
            {
                Ok(exercised) => coverage.add(&exercised),
                Err(reason) => {
                    println!(
                        "proptest: FAILED on the built-in profile {}{}: {reason:#}",
                        case.label,
                        if case.depth.in_db {
                            " (through PostgreSQL)"
                        } else {
                            ""
                        }
                    );
                    bail!("the property gate failed: {reason:#}")
                }
            }
        }
        println!(
            "proptest: {} built-in cases passed ({})",
            fixed.len(),
            fixed
                .iter()
                .map(|c| c.label.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    let mut replayed = 0;
    let mut in_db = 0;
    for stratum in Stratum::ALL {
        let ran = run_stratum(args, stratum, seed, db_share, &server, &mut coverage)?;
        replayed += ran.cases.saturating_sub(stratum.cases(args.cases) as usize);
        in_db += ran.in_db;
    }
    println!(
        "proptest: {} random cases passed ({replayed} saved failures replayed first, {in_db} \
         also seeded and audited in PostgreSQL); replay with --seed {seed}\n\
         proptest: coverage of every case, built-in and random:\n{coverage}",
        args.cases,
    );
    require_coverage(&coverage, args.cases)
        .with_context(|| format!("replay the run with --seed {seed}"))
}

/// Fails when a run of `cases` random cases, [`COVERAGE_CASES`] or more, left a required
/// path unexercised: whatever a bug there does, such a run cannot have seen it.
fn require_coverage(coverage: &Coverage, cases: u32) -> Result<()> {
    let missing = coverage.missing();
    if cases >= COVERAGE_CASES && !missing.is_empty() {
        let missing: Vec<String> = missing.iter().map(ToString::to_string).collect();
        bail!("the property gate exercised no {}", missing.join(", "))
    }
    Ok(())
}

/// What a stratum's runner ran, saved failures included, shrinking excluded.
struct Ran {
    cases: usize,
    in_db: usize,
}

/// The seed of `stratum`'s runner in a run seeded `seed`: one stream per stratum.
fn stratum_seed(seed: u64, stratum: Stratum) -> u64 {
    // The SplitMix64 increment, so that neighbouring run seeds do not share streams.
    seed.wrapping_add((stratum as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Runs `stratum`'s share of the random cases, adding what they exercised to `coverage`.
fn run_stratum(
    args: &GateArgs,
    stratum: Stratum,
    seed: u64,
    db_share: f64,
    server: &Target,
    coverage: &mut Coverage,
) -> Result<Ran> {
    let cases = stratum.cases(args.cases);
    if cases == 0 {
        return Ok(Ran { cases: 0, in_db: 0 });
    }
    let regressions: &'static str = Box::leak(
        workspace_root()
            .join(REGRESSIONS)
            .display()
            .to_string()
            .into_boxed_str(),
    );
    let testing_the_gate = args.inject_breakage.is_some() || args.plant_bug.is_some();
    let mut runner = TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(stratum_seed(seed, stratum)),
        // Failures of a breakage or a bug planted on purpose are not worth keeping.
        failure_persistence: Some(Box::new(if testing_the_gate {
            FileFailurePersistence::Off
        } else {
            FileFailurePersistence::Direct(regressions)
        })),
        max_shrink_iters: 256,
        ..Config::default()
    });
    let (ran, in_db) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let shrinking = AtomicBool::new(false);
    let exercised = Mutex::new(Coverage::default());
    // A broken environment (a server gone, a process that cannot start) is not a
    // property of the case: it stops the run without shrinking or saving anything.
    let setup_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let result = runner.run(&case(stratum, db_share), |case| {
        if setup_error.lock().expect("setup error lock").is_some() {
            return Ok(());
        }
        let counted = !shrinking.load(Ordering::Relaxed);
        if counted {
            ran.fetch_add(1, Ordering::Relaxed);
            in_db.fetch_add(usize::from(case.in_db), Ordering::Relaxed);
        }
        let depth = check::Depth {
            in_db: case.in_db,
            calibrated: false,
        };
        let outcome = match check::check(
            &case.profile,
            case.seed,
            depth,
            args.inject_breakage,
            server,
        ) {
            Ok(outcome) => outcome,
            Err(setup) => {
                *setup_error.lock().expect("setup error lock") = Some(setup);
                return Ok(());
            }
        };
        match outcome {
            Ok(case_coverage) => {
                if counted {
                    exercised.lock().expect("coverage lock").add(&case_coverage);
                }
                Ok(())
            }
            Err(e) => {
                shrinking.store(true, Ordering::Relaxed);
                Err(TestCaseError::fail(format!("{e:#}")))
            }
        }
    });
    if let Some(setup) = setup_error.into_inner().expect("setup error lock") {
        return Err(setup.context("the property gate could not run"));
    }
    match result {
        Ok(()) => {
            coverage.add(&exercised.into_inner().expect("coverage lock"));
            Ok(Ran {
                cases: ran.into_inner(),
                in_db: in_db.into_inner(),
            })
        }
        Err(TestError::Fail(reason, case)) => {
            let saved = if testing_the_gate {
                String::new()
            } else {
                format!("saved in {REGRESSIONS} (commit it); ")
            };
            println!(
                "proptest: FAILED after {} {} cases: {reason}\n\
                 shrunk case: seed = {}, through PostgreSQL: {}\n\
                 --- profile (TOML) ---\n{}--- end of profile ---\n\
                 {saved}replay the run with --seed {seed}",
                ran.into_inner(),
                stratum.name(),
                case.seed,
                case.in_db,
                toml::to_string(&case.profile).unwrap_or_else(|e| format!("({e})\n"))
            );
            bail!("the property gate failed: {reason}")
        }
        Err(TestError::Abort(reason)) => bail!("the property gate aborted: {reason}"),
    }
}

/// A case: a profile of `stratum`, a seed, and a draw of `db_share`.
fn case(stratum: Stratum, db_share: f64) -> impl Strategy<Value = Case> {
    (
        stratum.profile(),
        any::<u64>(),
        proptest::bool::weighted(db_share),
    )
        .prop_map(|(profile, seed, in_db)| Case {
            profile,
            seed,
            in_db,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_size_run_requires_every_path_and_a_small_one_only_reports() {
        let nothing = Coverage::default();
        let err = require_coverage(&nothing, COVERAGE_CASES).unwrap_err();
        assert!(
            err.to_string().contains("no sequences reaching step 1, "),
            "{err}"
        );
        assert!(
            err.to_string().ends_with("calendars through a leap day"),
            "{err}"
        );
        require_coverage(&nothing, COVERAGE_CASES - 1).unwrap();
    }
}
