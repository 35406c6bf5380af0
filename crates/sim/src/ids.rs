//! Identifiers: the text keys of the operational entities and the numeric row ids.
//!
//! Text keys are hierarchical (`t00042-c2-cmp007-s3b`), so a key tells which tenant and
//! company it belongs to, and are unique across the warehouse by construction. The one
//! convention the audit relies on is the step key: `<campaign_id>-s<position>[variant]`,
//! which is how rule E1 learns a campaign's number of step positions.
//!
//! Row ids are `tenant number × 10⁹ + ordinal within the tenant`, so they are fixed by the
//! seed alone: the same whether a tenant is generated alone, in a shard or in a full run,
//! and the same in a CSV export and in a seeded database.

pub use schema::Table;

/// Highest tenant number: tenant keys have five digits.
pub const MAX_TENANTS: u32 = 99_999;

/// Row ids reserved for each tenant in each table.
pub const IDS_PER_TENANT: i64 = 1_000_000_000;

/// `t00042`.
pub fn tenant_id(tenant_no: u32) -> String {
    format!("t{tenant_no:05}")
}

/// `t00042-c2`.
pub fn company_id(tenant_id: &str, company_no: u32) -> String {
    format!("{tenant_id}-c{company_no}")
}

/// `t00042-c2-cmp007`.
pub fn campaign_id(company_id: &str, campaign_no: u32) -> String {
    format!("{company_id}-cmp{campaign_no:03}")
}

/// `…-cmp007-s3` for a plain step, `…-s3a` / `…-s3b` for the variants of an A/B step.
pub fn step_id(campaign_id: &str, position: u32, variant: Option<u32>) -> String {
    match variant {
        None => format!("{campaign_id}-s{position}"),
        Some(v) => format!("{campaign_id}-s{position}{}", char::from(b'a' + v as u8)),
    }
}

/// The step position encoded in a step key, if it follows the convention.
pub fn step_position(step_id: &str) -> Option<u32> {
    let (_, tail) = step_id.rsplit_once("-s")?;
    let digits = tail
        .strip_suffix(|c: char| c.is_ascii_lowercase())
        .unwrap_or(tail);
    digits.parse().ok()
}

/// The SQL twin of [`step_position`], for the audit.
pub const STEP_POSITION_SQL: &str = "substring(step_id from '-s([0-9]+)[a-z]?$')::int8";

/// `t00042-c2-l000317`. Built by hand rather than with `format!`: it runs once per lead
/// row, the hottest path of the simulator.
pub fn lead_id(company_id: &str, lead_no: u32) -> String {
    let mut id = String::with_capacity(company_id.len() + 12);
    id.push_str(company_id);
    id.push_str("-l");
    let mut digits = [b'0'; 10];
    let mut at = digits.len();
    let mut n = lead_no;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = at.min(digits.len() - 6);
    id.push_str(std::str::from_utf8(&digits[start..]).expect("ASCII digits"));
    id
}

/// `sub_9f3a…`: a Stripe-like subscription key, stable per tenant and seed.
pub fn subscription_id(seed: u64, tenant_no: u32) -> String {
    let mixed = seed.rotate_left(17) ^ (u64::from(tenant_no)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!("sub_{:016x}", mixed.wrapping_mul(0xD6E8_FEB8_6659_FD93))
}

/// The domain of a mailbox address: after the last `@`, case-folded (domains are
/// case-insensitive). The SQL twin is [`MAILBOX_DOMAIN_SQL`].
pub fn mailbox_domain(mailbox_id: &str) -> String {
    mailbox_id
        .rsplit_once('@')
        .map_or("", |(_, d)| d)
        .to_ascii_lowercase()
}

/// The SQL twin of [`mailbox_domain`].
pub const MAILBOX_DOMAIN_SQL: &str = "lower(substring(mailbox_id from '[^@]*$'))";

/// Hands out row ids for one tenant, one counter per table.
#[derive(Debug, Clone)]
pub struct RowIds {
    base: i64,
    next: [i64; 6],
}

impl RowIds {
    /// The id space of tenant `tenant_no`.
    pub fn new(tenant_no: u32) -> Self {
        Self {
            base: i64::from(tenant_no) * IDS_PER_TENANT,
            next: [1; 6],
        }
    }

    /// The next id in `table`.
    pub fn next(&mut self, table: Table) -> i64 {
        let slot = &mut self.next[table as usize];
        let id = self.base + *slot;
        *slot += 1;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_positions_parse_with_and_without_variant() {
        assert_eq!(
            step_position(&step_id("t00001-c1-cmp001", 3, None)),
            Some(3)
        );
        assert_eq!(
            step_position(&step_id("t00001-c1-cmp001", 4, Some(1))),
            Some(4)
        );
        assert_eq!(step_position("no-position-here"), None);
    }

    #[test]
    fn lead_ids_are_zero_padded_to_six_digits() {
        assert_eq!(lead_id("t00001-c1", 0), "t00001-c1-l000000");
        assert_eq!(lead_id("t00001-c1", 317), "t00001-c1-l000317");
        assert_eq!(lead_id("t00001-c1", 1_234_567), "t00001-c1-l1234567");
        assert_eq!(
            lead_id("t00001-c1", u32::MAX),
            format!("t00001-c1-l{}", u32::MAX)
        );
    }

    #[test]
    fn row_ids_are_disjoint_between_tenants() {
        let mut a = RowIds::new(1);
        let mut b = RowIds::new(2);
        assert_eq!(a.next(Table::Lead), 1_000_000_001);
        assert_eq!(b.next(Table::Lead), 2_000_000_001);
        assert_eq!(a.next(Table::Lead), 1_000_000_002);
    }
}
