//! The built-in cases every gate run checks before any random one:
//! [`sim::arbitrary::built_in`] (`dev`, a reduced `staging`) and the fixtures' profile, so
//! that a bug in the realistic region fails every run, whatever its seed.

use anyhow::Result;
use sim::Profile;
use sourcegen::workspace_root;

use super::check::Depth;

/// A built-in case.
#[derive(Debug, Clone)]
pub(super) struct Fixed {
    /// What it is, for the report: the profile and seed.
    pub label: String,
    pub profile: Profile,
    pub seed: u64,
    /// Whether it also goes through PostgreSQL, and is held to the benchmarks.
    pub depth: Depth,
}

/// The built-in cases of a run seeded `run_seed`: each profile with its usual seed (the
/// fixtures' own, 1 for the others) and with the run's seed (so that runs differ, and
/// `--seed` replays them). With their usual seed, the calibrated profiles (`dev`,
/// `staging`) are held to the benchmarks, and the fixtures' profile also goes through
/// PostgreSQL when `with_db`.
pub(super) fn cases(run_seed: u64, with_db: bool) -> Result<Vec<Fixed>> {
    let fixtures = workspace_root().join(crate::fixtures::PROFILE);
    let mut profiles: Vec<(&str, Profile, u64, bool)> = sim::arbitrary::built_in()
        .into_iter()
        .map(|(name, profile)| (name, profile, 1, true))
        .collect();
    profiles.push((
        "fixtures",
        Profile::load(&fixtures.display().to_string())?,
        crate::fixtures::SEED,
        false,
    ));
    let mut cases = Vec::new();
    for (name, profile, usual, calibrated) in profiles {
        for seed in std::iter::once(usual).chain((run_seed != usual).then_some(run_seed)) {
            cases.push(Fixed {
                label: format!("{name}, seed {seed}"),
                depth: Depth {
                    in_db: with_db && !calibrated && seed == usual,
                    calibrated: calibrated && seed == usual,
                },
                profile: profile.clone(),
                seed,
            });
        }
    }
    Ok(cases)
}
