//! The property gate's in-memory half with a fixed seed, as a test of `sim` alone: the
//! built-in profiles, the fixtures' profile and a README-sized run of stratified random
//! profiles obey every rule and every law of `sim::arbitrary::properties` and exercise every path of `sim::arbitrary::coverage` (the
//! random cases alone), and the calibrated built-in worlds land inside the benchmarks. `cargo xtask proptest` checks the same worlds and more (a
//! fresh seed each run, PostgreSQL, coverage); this test is what mutation testing judges
//! a mutant of the simulator by, because it builds nothing but `sim` (README,
//! development).

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use sim::arbitrary::coverage::Coverage;
use sim::arbitrary::properties;
use sim::arbitrary::Stratum;
use sim::rules::evaluate;
use sim::{Profile, Shard, Simulator};

/// Random cases, as the README's CI run has them.
const CASES: u32 = 24;

/// The first rule or law of the simulator (`sim::arbitrary::properties`) `rows` break.
fn violations(sim: &Simulator, rows: &sim::Rows) -> Result<(), String> {
    if let Some(v) = evaluate(rows).first() {
        return Err(format!("{} at {}", v.rule.code(), v.key));
    }
    match properties::broken(sim, rows).first() {
        None => Ok(()),
        Some(law) => Err(law.clone()),
    }
}

#[test]
fn built_in_profiles_obey_every_rule_and_land_inside_the_benchmarks() {
    let fixtures = Profile::parse(
        include_str!("../../../fixtures/profile.toml"),
        "fixtures/profile.toml",
    )
    .unwrap();
    let worlds = sim::arbitrary::built_in()
        .into_iter()
        .map(|(name, profile)| (name, profile, 1, true))
        .chain([("fixtures", fixtures, 10, false)]);
    for (name, profile, seed, calibrated) in worlds {
        let sim = Simulator::new(profile, seed);
        let rows = sim.rows(Shard::ALL);
        violations(&sim, &rows).unwrap_or_else(|v| panic!("{name}, seed {seed}: {v}"));
        if calibrated {
            let outside = sim::realism::outside(&rows);
            assert!(outside.is_empty(), "{name}, seed {seed}: {outside:?}");
        }
    }
}

#[test]
fn stratified_random_profiles_obey_every_rule_and_exercise_every_path() {
    let exercised = std::sync::Mutex::new(Coverage::default());
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
                let sim = Simulator::new(profile, seed);
                let rows = sim.rows(Shard::ALL);
                violations(&sim, &rows).map_err(TestCaseError::fail)?;
                exercised.lock().unwrap().add(&Coverage::of(&sim, &rows));
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{} stratum: {e}", stratum.name()));
    }
    let exercised = exercised.into_inner().unwrap();
    assert!(exercised.missing().is_empty(), "unexercised:\n{exercised}");
}
