//! Shards: disjoint sets of tenants, so that several processes can generate or load one
//! world side by side.

use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count` (1-based): the tenants whose number is `index` modulo `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

/// A shard given as text was not `I/N` with `1 <= I <= N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid shard {0:?}: expected I/N with 1 <= I <= N, e.g. 1/2")]
pub struct ShardError(String);

impl Shard {
    /// The whole world.
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Shard `index` of `count`.
    pub fn new(index: u32, count: u32) -> Result<Self, ShardError> {
        if count == 0 || index == 0 || index > count {
            return Err(ShardError(format!("{index}/{count}")));
        }
        Ok(Self { index, count })
    }

    /// Whether tenant `no` belongs to this shard.
    pub fn contains(self, no: u32) -> bool {
        (no - 1) % self.count == self.index - 1
    }

    /// 1-based index.
    pub fn index(self) -> u32 {
        self.index
    }

    /// Number of shards.
    pub fn count(self) -> u32 {
        self.count
    }
}

impl FromStr for Shard {
    type Err = ShardError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (i, n) = s.split_once('/').ok_or_else(|| ShardError(s.to_owned()))?;
        let parse = |x: &str| {
            x.trim()
                .parse::<u32>()
                .map_err(|_| ShardError(s.to_owned()))
        };
        Shard::new(parse(i)?, parse(n)?).map_err(|_| ShardError(s.to_owned()))
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!("2/3".parse::<Shard>().unwrap(), Shard::new(2, 3).unwrap());
        for bad in ["3/2", "0/2", "1/0", "x/2", "12", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn shards_partition_tenants() {
        let shards: Vec<Shard> = (1..=3).map(|i| Shard::new(i, 3).unwrap()).collect();
        for no in 1..=20 {
            assert_eq!(shards.iter().filter(|s| s.contains(no)).count(), 1);
        }
    }
}
