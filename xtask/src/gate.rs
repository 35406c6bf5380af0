//! `cargo xtask proptest`: the property gate. Random profiles over every knob of
//! [`Profile`], with random seeds, must obey every rule: always in memory, and for a share
//! of the cases also through the real seeder into a scratch PostgreSQL database, audited
//! in SQL.
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
use chrono::{Days, NaiveDate};
use clap::Args;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestError, TestRunner};
use sim::profile::{Campaigns, Rates, Sending, Tenancy, Warmup};
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

/// A probability, with both edges as likely as any interior value.
fn rate() -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(0.0), 1 => Just(1.0), 3 => 0.0..=1.0]
}

/// An inclusive range `[lo, hi]` with `min <= lo <= hi <= max`.
fn range(min: u32, max: u32) -> impl Strategy<Value = [u32; 2]> {
    (min..=max, min..=max).prop_map(|(a, b)| [a.min(b), a.max(b)])
}

/// A share range `[lo, hi]` within `0..=1`.
fn share_range() -> impl Strategy<Value = [f64; 2]> {
    (rate(), rate()).prop_map(|(a, b)| [a.min(b), a.max(b)])
}

/// Calendars from zero days to four years, starting in any month of 2019–2030, with
/// leap days (2020, 2024, 2028) as likely ends as any other day.
fn calendar() -> impl Strategy<Value = (NaiveDate, NaiveDate)> {
    let start = (2019i32..=2030, 1u32..=12)
        .prop_map(|(y, m)| NaiveDate::from_ymd_opt(y, m, 1).expect("the 1st of a month"));
    let ordinary = (start, prop_oneof![3 => 0u64..=62, 1 => 0u64..=4 * 366])
        .prop_map(|(first, days)| (first, first + Days::new(days)));
    let leap = (
        prop_oneof![Just(2020), Just(2024), Just(2028)],
        1u32..=2,
        0u64..=1,
    )
        .prop_map(|(year, month, after)| {
            let first = NaiveDate::from_ymd_opt(year, month, 1).expect("a month");
            let leap_day = NaiveDate::from_ymd_opt(year, 2, 29).expect("a leap year");
            (first, leap_day + Days::new(after))
        });
    prop_oneof![4 => ordinary, 1 => leap]
}

fn tenancy() -> impl Strategy<Value = Tenancy> {
    (rate(), rate(), range(1, 5), rate(), rate(), rate(), rate()).prop_map(
        |(signups, agency, companies, trial, conversion, churn, growth)| Tenancy {
            monthly_signups: signups,
            agency_share: agency,
            agency_companies: companies,
            trial_share: trial,
            trial_conversion: conversion,
            monthly_churn: churn,
            monthly_growth: growth,
        },
    )
}

fn sending() -> impl Strategy<Value = Sending> {
    (
        1.0f64..=3.0,
        0.3f64..=4.0,
        prop_oneof![6 => 1u32..=4, 1 => Just(26)],
        prop_oneof![6 => range(1, 3), 1 => range(1, 20)],
        prop_oneof![6 => 1u32..=40, 1 => Just(10_000)],
        share_range(),
    )
        .prop_map(
            |(min, shape, max, per_domain, limit, utilization)| Sending {
                // The Pareto scale is the smallest draw: it cannot exceed the cap.
                domains_min: min.min(f64::from(max)),
                domains_shape: shape,
                domains_max: max,
                mailboxes_per_domain: per_domain,
                daily_limit: limit,
                utilization,
            },
        )
}

fn campaigns() -> impl Strategy<Value = Campaigns> {
    (
        range(1, 9),
        rate(),
        range(1, 10),
        range(1, 90),
        0.05f64..=50.0,
        rate(),
    )
        .prop_map(|(steps, ab, gap, enrolment, concurrent, pause)| Campaigns {
            steps,
            ab_share: ab,
            step_gap_days: gap,
            enrolment_days: enrolment,
            concurrent_per_5_mailboxes: concurrent,
            pause_share: pause,
        })
}

fn rates() -> impl Strategy<Value = Rates> {
    let outcomes = (rate(), rate(), rate(), rate(), rate());
    (outcomes, rate(), rate(), rate(), rate()).prop_map(
        |(
            (bounce_first, bounce_later, open, open_decay, click),
            reply,
            reply_decay,
            unsub,
            spam,
        )| {
            // The first step's exits share one draw: their probabilities sum to at most 1.
            let unsubscribe = unsub.min(1.0 - reply);
            let spam_complaint = spam.min((1.0 - reply - unsubscribe).max(0.0));
            Rates {
                bounce_first_step: bounce_first,
                bounce_later_steps: bounce_later,
                open,
                open_step_decay: open_decay,
                click_of_open: click,
                reply_first_step: reply,
                reply_step_decay: reply_decay,
                unsubscribe,
                spam_complaint,
            }
        },
    )
}

fn warmup() -> impl Strategy<Value = Warmup> {
    (
        range(1, 60),
        range(0, 120),
        0u32..=60,
        rate(),
        rate(),
        rate(),
        rate(),
    )
        .prop_map(
            |(ramp, [start, peak], maintenance, pause, bounce, open, reply)| Warmup {
                ramp_days: ramp,
                start_volume: start,
                peak_volume: peak,
                maintenance_volume: maintenance,
                monthly_pause: pause,
                bounce,
                open,
                reply,
            },
        )
}

/// Campaign emails one case may send at most, so that the rare case with every size knob
/// at its top still runs in seconds.
const EMAIL_BUDGET: f64 = 2e6;

/// Campaigns one case may build at most, likewise.
const CAMPAIGN_BUDGET: f64 = 2e4;

/// Lowers `sending.daily_limit` until the most mail the profile could send fits
/// [`EMAIL_BUDGET`]; every other knob keeps its drawn value.
fn within_budget(p: &mut Profile) {
    // Leads already in flight on the first day were enrolled up to a whole sequence
    // before it: those days cost as much as the calendar's own.
    let c = &p.campaigns;
    let lead_in = f64::from((c.steps[1] - 1) * c.step_gap_days[1] + 2);
    let days = (p.as_of - p.first_period).num_days().max(1) as f64 + lead_in;
    let companies = p.most_tenants() as f64 * f64::from(p.tenancy.agency_companies[1]);
    let mailboxes = f64::from(p.sending.domains_max * p.sending.mailboxes_per_domain[1]);
    let per_limit = companies * mailboxes * p.sending.utilization[1] * days;
    let affordable = (EMAIL_BUDGET / per_limit.max(1.0)).floor().max(1.0);
    p.sending.daily_limit = p.sending.daily_limit.min(affordable as u32);
    // Campaigns are built up front, whether or not they send: bound their number too.
    let launches = companies * (days / f64::from(c.enrolment_days[0]) + 1.0);
    let slots = (CAMPAIGN_BUDGET / launches / (mailboxes / 5.0).max(1.0)).max(0.05);
    p.campaigns.concurrent_per_5_mailboxes = c.concurrent_per_5_mailboxes.min(slots);
}

fn case(db_share: f64) -> impl Strategy<Value = Case> {
    (
        1u32..=4,
        calendar(),
        (tenancy(), sending(), campaigns(), rates(), warmup()),
        any::<u64>(),
        proptest::bool::weighted(db_share),
    )
        .prop_map(
            |(
                tenants,
                (first_period, as_of),
                (tenancy, sending, campaigns, rates, warmup),
                seed,
                in_db,
            )| {
                let mut profile = Profile {
                    name: "proptest".into(),
                    tenants,
                    first_period,
                    as_of,
                    tenancy,
                    sending,
                    campaigns,
                    rates,
                    warmup,
                };
                within_budget(&mut profile);
                Case {
                    profile,
                    seed,
                    in_db,
                }
            },
        )
}
