//! Lead engagement, for scoring and segmentation: what each lead did with each campaign
//! that mailed it, summed over the periods in scope.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Timestamptz};
use serde::{Deserialize, Serialize};

use super::{funnel_rates, funnel_sums, in_scope, scoped, Funnel, Rates, RawQuery, Scope};
use crate::models::LeadStatus;

/// One lead's engagement with one campaign. A lead enrolled late in a month receives its
/// later steps in the next one, and so has a row in each; they add up here.
#[derive(Debug, Clone, PartialEq, QueryableByName, Serialize, Deserialize)]
pub struct LeadEngagement {
    /// The tenant.
    #[diesel(sql_type = Text)]
    pub tenant_id: String,
    /// The lead.
    #[diesel(sql_type = Text)]
    pub lead_id: String,
    /// The campaign that mailed it.
    #[diesel(sql_type = Text)]
    pub campaign_id: String,
    /// Its state in the sequence at the end of the latest period in scope.
    #[diesel(sql_type = Nullable<Text>)]
    pub status: Option<LeadStatus>,
    /// Start of the first period in scope in which it was mailed.
    #[diesel(sql_type = Timestamptz)]
    pub first_period: DateTime<Utc>,
    /// Start of the latest such period.
    #[diesel(sql_type = Timestamptz)]
    pub last_period: DateTime<Utc>,
    /// The summed counters.
    #[diesel(embed)]
    pub funnel: Funnel,
    /// Their rates (per email the lead received).
    #[diesel(embed)]
    pub rates: Rates,
}

/// Segments for follow-up, from the most to the least engaged; see
/// [`LeadEngagement::segment`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadSegment {
    /// Answered: hand over to sales.
    Replied,
    /// Clicked a link, no reply.
    Clicked,
    /// Opened (as far as tracking can tell; Apple Mail opens everything), no click.
    Opened,
    /// Received mail, no sign of engagement.
    Unengaged,
    /// Unsubscribed or reported spam: never mail again.
    OptedOut,
    /// The address bounced: remove or verify it.
    Undeliverable,
}

impl LeadEngagement {
    /// The lead's segment: `OptedOut` if it unsubscribed or complained, else
    /// `Undeliverable` if mail bounced and none was delivered, else the strongest signal
    /// among replied, clicked and opened, else `Unengaged`.
    pub fn segment(&self) -> LeadSegment {
        let f = &self.funnel;
        if f.unsubscribed > 0 || f.spam_complaints > 0 {
            LeadSegment::OptedOut
        } else if f.bounced > 0 && f.delivered == 0 {
            LeadSegment::Undeliverable
        } else if f.replied > 0 {
            LeadSegment::Replied
        } else if f.clicked_tracked > 0 {
            LeadSegment::Clicked
        } else if f.opened_tracked > 0 {
            LeadSegment::Opened
        } else {
            LeadSegment::Unengaged
        }
    }
}

const LEAD_ENGAGEMENT: &str = concat!(
    "SELECT f.*, ",
    funnel_rates!(),
    " FROM (
    SELECT b.tenant_id, l.lead_id, l.campaign_id,
        (array_agg(l.status ORDER BY b.period_start DESC))[1] AS status,
        min(b.period_start) AS first_period,
        max(b.period_start) AS last_period, ",
    funnel_sums!("l"),
    "
    FROM lead_analytics l
    JOIN billing_analytics b ON b.id = l.billing_id
    WHERE ",
    in_scope!("b"),
    "
    GROUP BY b.tenant_id, l.lead_id, l.campaign_id
) AS f
ORDER BY f.replied DESC, f.clicked_tracked DESC, f.opened_tracked DESC,
    f.tenant_id COLLATE \"C\", f.lead_id COLLATE \"C\", f.campaign_id COLLATE \"C\""
);

/// Every lead × campaign mailed in `scope`, most engaged first: by replies, then clicks,
/// then opens (then tenant, lead and campaign, for a stable order).
///
/// A whole warehouse holds millions of leads: scope the query to a tenant and a few
/// periods.
pub fn lead_engagement(conn: &mut PgConnection, scope: &Scope) -> QueryResult<Vec<LeadEngagement>> {
    lead_engagement_query(scope).load(conn)
}

/// [`lead_engagement`] as a query value for any connection, sync or async: loads
/// [`LeadEngagement`] rows.
pub fn lead_engagement_query(scope: &Scope) -> RawQuery<'_> {
    scoped(LEAD_ENGAGEMENT, scope)
}
