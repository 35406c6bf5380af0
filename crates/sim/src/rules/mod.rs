//! The rules every seeded warehouse obeys, defined once ([`RuleId`], with its statement
//! and its SQL) and evaluated in memory here or in SQL by the audit.

pub mod breakage;
mod catalog;
mod document;
mod memory;
mod scope;
mod screen;

pub use catalog::{Reach, RuleId, GRAINS, MAILBOX_DOMAIN_FAST_SQL, STEP_POSITION_FAST_SQL};
pub use document::{document, FAMILIES};
pub use memory::evaluate;
pub use scope::within;
pub use screen::{probes, probes_in, Probe, PROBE_SETTINGS, PROBE_SETTINGS_UNDONE};

/// One broken rule, with the key of the offending row or entity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Violation {
    /// The rule broken.
    pub rule: RuleId,
    /// `table#id` for a row, or a logical key such as `company t00001-c1`.
    pub key: String,
}

/// The distinct rules among `violations`, in catalog order.
pub fn rules_broken(violations: &[Violation]) -> Vec<RuleId> {
    let mut rules: Vec<RuleId> = violations.iter().map(|v| v.rule).collect();
    rules.sort();
    rules.dedup();
    rules
}
