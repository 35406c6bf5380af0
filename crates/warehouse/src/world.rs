//! The generation options every task shares, and what they resolve to.

use anyhow::{bail, Result};
use chrono::NaiveDate;
use clap::Args;
use sha2::{Digest, Sha256};
use sim::{Profile, Shard, Simulator};

/// Which world to generate.
#[derive(Debug, Clone, Args)]
pub struct WorldArgs {
    /// `dev`, `staging`, or a path to a profile TOML file.
    #[arg(long, default_value = "dev")]
    pub profile: String,
    /// The seed: the same seed and profile always give the same rows.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Multiplies the number of tenants (and so every row count).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Only the tenants of shard I of N, e.g. `1/2`.
    #[arg(long, default_value = "1/1")]
    pub shard: Shard,
    /// The simulated "today" instead of the profile's `as_of`: a date (`2026-11-18`) or
    /// `today` (the UTC date when the run starts). A warehouse holding the same seed as of
    /// an earlier day is advanced to it.
    #[arg(long, value_parser = parse_as_of)]
    pub as_of: Option<NaiveDate>,
}

impl WorldArgs {
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

/// `--as-of`: `today` is the UTC date now; anything else must be `YYYY-MM-DD`.
fn parse_as_of(text: &str) -> Result<NaiveDate, String> {
    if text == "today" {
        return Ok(chrono::Utc::now().date_naive());
    }
    text.parse()
        .map_err(|_| format!("expected a date like 2026-11-18, or `today`; got {text:?}"))
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
    /// Hex SHA-256 prefix of the scaled profile (without its `as_of`: the same seed at
    /// another day is the same world), the seed and [`sim::DATA_VERSION`].
    pub fingerprint: String,
}

impl World {
    /// The simulated "today" of this run.
    pub fn as_of(&self) -> NaiveDate {
        self.sim.profile().as_of
    }
}

impl WorldArgs {
    /// Validates the options and builds the world; nothing is generated yet.
    pub fn resolve(&self) -> Result<World> {
        if !(self.scale.is_finite() && self.scale > 0.0) {
            bail!(
                "invalid --scale {}: it must be a number above 0",
                self.scale
            );
        }
        let mut profile = Profile::load(&self.profile)?.scaled(self.scale)?;
        if let Some(as_of) = self.as_of {
            profile = profile.at(as_of)?;
        }
        // History does not depend on the as-of day, so neither does the fingerprint.
        let timeless = Profile {
            as_of: profile.first_period,
            ..profile.clone()
        };
        let canonical = toml::to_string(&timeless)?;
        let digest = Sha256::digest(
            format!(
                "{canonical}\nseed = {}\ndata_version = {}\n",
                self.seed,
                sim::DATA_VERSION
            )
            .as_bytes(),
        );
        let fingerprint = format!("{digest:x}")[..16].to_owned();
        Ok(World {
            sim: Simulator::new(profile, self.seed),
            shard: self.shard,
            profile_label: self.profile.clone(),
            scale: self.scale,
            fingerprint,
        })
    }
}
