//! The built-in cases every gate run checks before any random one:
//! [`sim::arbitrary::built_in`] (`dev`, a reduced `staging`) and the fixtures' profile, so
//! that a bug in the realistic region fails every run, whatever its seed.

use anyhow::Result;
use sim::Profile;
use sourcegen::workspace_root;

/// A built-in case.
#[derive(Debug, Clone)]
pub(super) struct Fixed {
    /// What it is, for the report: the profile and seed.
    pub label: String,
    pub profile: Profile,
    pub seed: u64,
    /// Whether it also goes through PostgreSQL and the SQL audit.
    pub in_db: bool,
}

/// The built-in cases of a run seeded `run_seed`: each profile with its usual seed (the
/// fixtures' own, 1 for the others) and with the run's seed (so that runs differ, and
/// `--seed` replays them); the fixtures' profile with its own seed also through
/// PostgreSQL when `with_db`.
pub(super) fn cases(run_seed: u64, with_db: bool) -> Result<Vec<Fixed>> {
    let fixtures = workspace_root().join(crate::fixtures::PROFILE);
    let mut profiles: Vec<(&str, Profile, u64)> = sim::arbitrary::built_in()
        .into_iter()
        .map(|(name, profile)| (name, profile, 1))
        .collect();
    profiles.push((
        "fixtures",
        Profile::load(&fixtures.display().to_string())?,
        crate::fixtures::SEED,
    ));
    let mut cases = Vec::new();
    for (name, profile, usual) in profiles {
        for seed in std::iter::once(usual).chain((run_seed != usual).then_some(run_seed)) {
            cases.push(Fixed {
                label: format!("{name}, seed {seed}"),
                in_db: with_db && name == "fixtures" && seed == usual,
                profile: profile.clone(),
                seed,
            });
        }
    }
    Ok(cases)
}
