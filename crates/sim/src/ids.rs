//! Identifiers: the text keys of the operational entities and the numeric row ids.
//!
//! Text keys are hierarchical (`t00042-c2-cmp007-s3b`), so a key tells which tenant and
//! company it belongs to, and are unique across the warehouse by construction. The
//! conventions the audit and the queries parse (the step key, which is how rule E1 learns
//! a campaign's number of step positions, and the mailbox domain) live in
//! [`schema::keys`], each beside its SQL twin; they are re-exported here.
//!
//! Row ids are `tenant number × 10⁹ + ordinal within the tenant`, so they are fixed by the
//! seed alone: the same whether a tenant is generated alone, in a shard or in a full run,
//! and the same in a CSV export and in a seeded database.

pub use schema::keys::{
    mailbox_domain, step_id, step_position, MAILBOX_DOMAIN_SQL, STEP_POSITION_SQL,
};
use schema::PerTable;
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

/// Hands out row ids for one tenant, one counter per table.
#[derive(Debug, Clone)]
pub struct RowIds {
    base: i64,
    next: PerTable<i64>,
}

impl RowIds {
    /// The id space of tenant `tenant_no`.
    pub fn new(tenant_no: u32) -> Self {
        Self {
            base: i64::from(tenant_no) * IDS_PER_TENANT,
            next: PerTable::from_fn(|_| 1),
        }
    }

    /// The next id in `table`.
    pub fn next(&mut self, table: Table) -> i64 {
        let slot = &mut self.next[table];
        let id = self.base + *slot;
        *slot += 1;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
