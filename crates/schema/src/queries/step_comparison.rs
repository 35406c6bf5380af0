//! Step-level comparison, for A/B tests: the variants of each sequence step side by side.
//!
//! Step ids follow the convention of [`crate::keys`] (`…-cmp007-s2` is the plain second
//! step, `…-cmp007-s2a` and `…-cmp007-s2b` the two variants of an A/B-tested one), parsed
//! here by its SQL twins. A step id that does not follow the convention is reported
//! alone, with no position.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use serde::{Deserialize, Serialize};

use super::{funnel_rates, funnel_sums, in_scope, scoped, Funnel, Rates, RawQuery, Scope};

/// One step (or one variant of a step), summed over its periods in scope.
#[derive(Debug, Clone, PartialEq, QueryableByName, Serialize, Deserialize)]
pub struct StepVariant {
    /// The tenant.
    #[diesel(sql_type = Text)]
    pub tenant_id: String,
    /// The campaign.
    #[diesel(sql_type = Text)]
    pub campaign_id: String,
    /// The step id.
    #[diesel(sql_type = Text)]
    pub step_id: String,
    /// Position in the sequence, from 1; `None` for an id outside the convention.
    #[diesel(sql_type = Nullable<Integer>)]
    pub position: Option<i32>,
    /// The variant letter (`a`, `b`, …); `None` for a step without variants.
    #[diesel(sql_type = Nullable<Text>)]
    pub variant: Option<String>,
    /// Periods in which it sent mail.
    #[diesel(sql_type = BigInt)]
    pub periods: i64,
    /// The summed counters.
    #[diesel(embed)]
    pub funnel: Funnel,
    /// Their rates.
    #[diesel(embed)]
    pub rates: Rates,
}

/// One step position of one campaign, with its variants side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepComparison {
    /// The tenant.
    pub tenant_id: String,
    /// The campaign.
    pub campaign_id: String,
    /// Position in the sequence; `None` for a step id outside the convention.
    pub position: Option<i32>,
    /// The variants, by letter (one, unlettered, when the step is not A/B-tested).
    pub variants: Vec<StepVariant>,
}

impl StepComparison {
    /// Whether the step is an A/B test: two or more variants sent mail.
    pub fn is_ab_test(&self) -> bool {
        self.variants.len() > 1
    }
}

const STEP_VARIANTS: &str = concat!(
    "SELECT f.*, ",
    funnel_rates!(),
    " FROM (
    SELECT b.tenant_id, s.campaign_id, s.step_id,
        ",
    crate::step_position_sql!("s.step_id"),
    "::int4 AS position,
        ",
    crate::step_variant_sql!("s.step_id"),
    " AS variant,
        count(*) AS periods, ",
    funnel_sums!("s"),
    "
    FROM sequence_step_analytics s
    JOIN billing_analytics b ON b.id = s.billing_id
    WHERE ",
    in_scope!("b"),
    "
    GROUP BY b.tenant_id, s.campaign_id, s.step_id
) AS f
ORDER BY f.tenant_id COLLATE \"C\", f.campaign_id COLLATE \"C\", f.position NULLS LAST,
    f.variant COLLATE \"C\" NULLS FIRST, f.step_id COLLATE \"C\""
);

/// Every step position with mail in `scope`, by tenant, campaign, then position; keep
/// those with [`StepComparison::is_ab_test`] for the A/B tests alone.
pub fn step_comparison(conn: &mut PgConnection, scope: &Scope) -> QueryResult<Vec<StepComparison>> {
    Ok(group_variants(step_variants_query(scope).load(conn)?))
}

/// The rows of [`step_comparison`] as a query value for any connection, sync or async:
/// load [`StepVariant`] rows, then put them side by side with [`group_variants`].
pub fn step_variants_query(scope: &Scope) -> RawQuery<'_> {
    scoped(STEP_VARIANTS, scope)
}

/// [`StepVariant`] rows, in the order [`step_variants_query`] returns them, grouped by
/// tenant, campaign and step position.
pub fn group_variants(variants: Vec<StepVariant>) -> Vec<StepComparison> {
    let mut steps: Vec<StepComparison> = Vec::new();
    for v in variants {
        match steps.last_mut() {
            Some(last)
                if v.position.is_some()
                    && last.position == v.position
                    && last.campaign_id == v.campaign_id
                    && last.tenant_id == v.tenant_id =>
            {
                last.variants.push(v);
            }
            _ => steps.push(StepComparison {
                tenant_id: v.tenant_id.clone(),
                campaign_id: v.campaign_id.clone(),
                position: v.position,
                variants: vec![v],
            }),
        }
    }
    steps
}
