//! The property gate's in-memory half with a fixed seed, as a test of `sim` alone: the
//! built-in profiles, the fixtures' profile and a README-sized run of stratified random
//! profiles obey every rule. `cargo xtask proptest` checks the same worlds and more (a
//! fresh seed each run, PostgreSQL, coverage); this test is what mutation testing judges
//! a mutant of the simulator by, because it builds nothing but `sim` (README,
//! development).

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use sim::arbitrary::Stratum;
use sim::rules::evaluate;
use sim::{Profile, Shard, Simulator};

/// Random cases, as the README's CI run has them.
const CASES: u32 = 24;

fn violations(profile: Profile, seed: u64) -> Result<(), String> {
    let rows = Simulator::new(profile, seed).rows(Shard::ALL);
    match evaluate(&rows).first() {
        None => Ok(()),
        Some(v) => Err(format!("{} at {}", v.rule.code(), v.key)),
    }
}

#[test]
fn built_in_profiles_obey_every_rule() {
    let fixtures = Profile::parse(
        include_str!("../../../fixtures/profile.toml"),
        "fixtures/profile.toml",
    )
    .unwrap();
    let worlds = sim::arbitrary::built_in()
        .into_iter()
        .map(|(name, profile)| (name, profile, 1))
        .chain([("fixtures", fixtures, 10)]);
    for (name, profile, seed) in worlds {
        violations(profile, seed).unwrap_or_else(|v| panic!("{name}, seed {seed}: {v}"));
    }
}

#[test]
fn stratified_random_profiles_obey_every_rule() {
    for stratum in Stratum::ALL {
        let mut runner = TestRunner::new(Config {
            cases: stratum.cases(CASES),
            rng_seed: RngSeed::Fixed(1),
            failure_persistence: None,
            max_shrink_iters: 0,
            ..Config::default()
        });
        runner
            .run(&(stratum.profile(), any::<u64>()), |(profile, seed)| {
                violations(profile, seed).map_err(TestCaseError::fail)
            })
            .unwrap_or_else(|e| panic!("{} stratum: {e}", stratum.name()));
    }
}
