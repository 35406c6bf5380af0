//! The generation options every task shares, and what they resolve to.

use crate::error::Result;
use chrono::NaiveDate;
use sim::{Profile, Shard, Simulator};

/// Which world to generate: the options every task shares (`--profile`, `--seed`,
/// `--scale`, `--shard`, `--as-of` on the command line).
#[derive(Debug, Clone, PartialEq)]
pub struct WorldSpec {
    /// `dev`, `staging`, or a path to a profile TOML file.
    pub profile: String,
    /// The seed: the same seed and profile always give the same rows.
    pub seed: u64,
    /// Multiplies the number of tenants (and so every row count).
    pub scale: f64,
    /// Only the tenants of this shard.
    pub shard: Shard,
    /// The simulated "today" instead of the profile's `as_of`. A warehouse holding the
    /// same seed as of an earlier day is advanced to it.
    pub as_of: Option<NaiveDate>,
}

impl WorldSpec {
    /// The whole of `profile` at `scale`, seed 1, as of the profile's own day: the world
    /// the benchmarks measure.
    pub fn whole(profile: &str, scale: f64) -> Self {
        Self {
            profile: profile.to_owned(),
            seed: 1,
            scale,
            shard: Shard::ALL,
            as_of: None,
        }
    }
}

/// A resolved world: the simulator, the shard, and the fingerprint of (profile, seed,
/// scale) that tells seeds apart.
pub struct World {
    /// The configured simulator.
    pub sim: Simulator,
    /// The part of the world to handle.
    pub shard: Shard,
    /// What `--profile` said.
    pub profile_label: String,
    /// The scale.
    pub scale: f64,
    /// [`Simulator::fingerprint`]: what tells seeds apart.
    pub fingerprint: String,
}

impl World {
    /// The simulated "today" of this run.
    pub fn as_of(&self) -> NaiveDate {
        self.sim.profile().as_of
    }
}

impl WorldSpec {
    /// Validates the options and builds the world; nothing is generated yet.
    pub fn resolve(&self) -> Result<World> {
        // The scale is checked by `scaled`, the only place that uses it.
        let mut profile = Profile::load(&self.profile)?.scaled(self.scale)?;
        if let Some(as_of) = self.as_of {
            profile = profile.at(as_of)?;
        }
        let sim = Simulator::new(profile, self.seed);
        let fingerprint = sim.fingerprint();
        Ok(World {
            sim,
            shard: self.shard,
            profile_label: self.profile.clone(),
            scale: self.scale,
            fingerprint,
        })
    }
}
