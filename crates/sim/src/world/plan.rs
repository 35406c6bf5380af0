//! Plans: what a tenant pays for, and the quotas its usage stays within.
//!
//! The warehouse has no plan column; a plan shows in the billing rows as usage that
//! never exceeds its quotas (`emails_sent`, `domains_used`). A tenant is on the smallest
//! plan that covers its sending domains and its mailboxes' full daily capacity, so it
//! upgrades when it grows past its plan.

/// PenguinMails' plans (domain rules: Starter 10K emails a month and 1 domain,
/// Professional 50K and 5 domains, Enterprise unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Plan {
    /// 10,000 emails a month, 1 sending domain.
    Starter,
    /// 50,000 emails a month, 5 sending domains.
    Professional,
    /// No quotas.
    Enterprise,
}

impl Plan {
    /// Every plan, cheapest first.
    pub const ALL: [Plan; 3] = [Plan::Starter, Plan::Professional, Plan::Enterprise];

    /// Campaign emails a month, if capped.
    pub const fn monthly_emails(self) -> Option<u64> {
        match self {
            Plan::Starter => Some(10_000),
            Plan::Professional => Some(50_000),
            Plan::Enterprise => None,
        }
    }

    /// Sending domains, if capped.
    pub const fn domains(self) -> Option<u64> {
        match self {
            Plan::Starter => Some(1),
            Plan::Professional => Some(5),
            Plan::Enterprise => None,
        }
    }

    /// The cheapest plan that allows `domains` sending domains and `monthly_capacity`
    /// campaign emails.
    pub fn covering(domains: u64, monthly_capacity: u64) -> Plan {
        let fits = |plan: &Plan| {
            plan.domains().is_none_or(|d| domains <= d)
                && plan.monthly_emails().is_none_or(|e| monthly_capacity <= e)
        };
        Plan::ALL.into_iter().find(fits).unwrap_or(Plan::Enterprise)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cheapest_covering_plan_is_chosen() {
        assert_eq!(Plan::covering(1, 2_000), Plan::Starter);
        assert_eq!(Plan::covering(2, 2_000), Plan::Professional);
        assert_eq!(Plan::covering(1, 20_000), Plan::Professional);
        assert_eq!(Plan::covering(6, 2_000), Plan::Enterprise);
        assert_eq!(Plan::covering(5, 60_000), Plan::Enterprise);
    }
}
