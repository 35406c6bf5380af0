//! Lead engagement, for scoring and segmentation: what each lead did with each campaign
//! that mailed it, summed over the periods in scope.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Timestamptz};
use serde::{Deserialize, Serialize};

use super::{funnel_rates, funnel_sums, in_scope, scope_values, Funnel, Rates, Scope};
use crate::cached::{Cached, Value};
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

/// A page of [`lead_engagement`]: at most `limit` rows, starting after `after` (the
/// [`LeadEngagement::cursor`] of the previous page's last row), or at the top.
///
/// Keyset paging, not `OFFSET`: a page costs the same wherever it starts, and rows do not
/// shift between pages when a nightly batch adds mail to a lead on an earlier page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadPage {
    /// Rows per page.
    pub limit: u32,
    /// Where the previous page ended.
    pub after: Option<LeadCursor>,
}

impl LeadPage {
    /// The most engaged `limit` leads.
    pub fn first(limit: u32) -> Self {
        Self { limit, after: None }
    }

    /// The `limit` leads after the last row of the previous page, or `None` when that page
    /// was not full (there is nothing after it).
    pub fn next(&self, previous: &[LeadEngagement]) -> Option<Self> {
        let last = previous
            .last()
            .filter(|_| previous.len() >= self.limit as usize)?;
        Some(Self {
            limit: self.limit,
            after: Some(last.cursor()),
        })
    }
}

/// The position of one row in [`lead_engagement`]'s order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadCursor {
    /// Its replies.
    pub replied: i64,
    /// Its clicks.
    pub clicked_tracked: i64,
    /// Its opens.
    pub opened_tracked: i64,
    /// Its tenant.
    pub tenant_id: String,
    /// Its lead.
    pub lead_id: String,
    /// Its campaign.
    pub campaign_id: String,
}

impl LeadEngagement {
    /// Where this row stands in the order, for [`LeadPage::next`].
    pub fn cursor(&self) -> LeadCursor {
        LeadCursor {
            replied: self.funnel.replied,
            clicked_tracked: self.funnel.clicked_tracked,
            opened_tracked: self.funnel.opened_tracked,
            tenant_id: self.tenant_id.clone(),
            lead_id: self.lead_id.clone(),
            campaign_id: self.campaign_id.clone(),
        }
    }
}

/// The columns of [`LeadEngagement`] after its keys, but the rates: the aggregate of the
/// rows `l` of one lead × campaign and their periods `b`.
macro_rules! lead_sums {
    () => {
        concat!(
            "(array_agg(l.status ORDER BY b.period_start DESC))[1] AS status,
        min(b.period_start) AS first_period,
        max(b.period_start) AS last_period, ",
            funnel_sums!("l")
        )
    };
}

/// The condition that a row `f` comes after the cursor (`$4`–`$9`) in the page's order.
/// The counters are negated so that one row comparison resumes it.
macro_rules! after_cursor {
    () => {
        "($4::int8 IS NULL
        OR (-f.replied, -f.clicked_tracked, -f.opened_tracked,
            f.tenant_id COLLATE \"C\", f.lead_id COLLATE \"C\", f.campaign_id COLLATE \"C\")
         > (-$4::int8, -$5::int8, -$6::int8, $7::text COLLATE \"C\", $8::text COLLATE \"C\",
            $9::text COLLATE \"C\"))"
    };
}

/// The page's order on rows `f`.
macro_rules! in_order {
    () => {
        "ORDER BY -f.replied, -f.clicked_tracked, -f.opened_tracked,
        f.tenant_id COLLATE \"C\", f.lead_id COLLATE \"C\", f.campaign_id COLLATE \"C\""
    };
}

/// The order is `replied DESC, clicked DESC, opened DESC, keys ASC`. It falls into two
/// tiers, each a contiguous run of it:
///
/// - *engaged*: `replied > 0`, or `replied = 0` and `clicked > 0`. A sum is positive only
///   if one of its rows is, so every engaged lead × campaign has a row with a reply or a
///   click: the partial index `idx_lead_analytics_engaged` holds those rows (one in
///   eight on staging) with both counters, so the two sums are exact from it alone.
///   The page needs only the leads of the `$10` best (replied, clicked) after the
///   cursor's, every lead that ties with the last of them, and those that share the
///   cursor's own (see [`FIRST_PAGE`] and [`NEXT_PAGE`]); those few alone are summed in
///   full, through `idx_lead_analytics_lead_id_campaign_id`.
/// - *the rest* (no reply and no click; or a negative sum, which sorts after them): all
///   the rows in scope are summed. `LIMIT` stops the `UNION ALL` as soon as the page is
///   full, so this runs only for a page that reaches past the engaged tier.
macro_rules! lead_engagement {
    ($($candidates:literal),+) => {
        concat!(
            "WITH engaged AS (
    -- Summed tenant by tenant, each in memory, rather than all at once through a sort.
    SELECT t.tenant_id, e.lead_id, e.campaign_id, e.replied, e.clicked_tracked
    FROM (
        SELECT DISTINCT b.tenant_id FROM billing_analytics b
        WHERE ",
            in_scope!("b"),
            "
            -- A cursor past the engaged tier skips it.
            AND ($4::int8 IS NULL OR $4::int8 > 0 OR ($4::int8 = 0 AND $5::int8 > 0))
    ) AS t
    CROSS JOIN LATERAL (
        SELECT l.lead_id, l.campaign_id,
            COALESCE(sum(l.replied), 0)::int8 AS replied,
            COALESCE(sum(l.clicked_tracked), 0)::int8 AS clicked_tracked
        FROM billing_analytics b
        JOIN lead_analytics l ON l.billing_id = b.id
        WHERE b.tenant_id = t.tenant_id AND ",
            in_scope!("b"),
            "
            AND (l.replied <> 0 OR l.clicked_tracked <> 0)
        GROUP BY l.lead_id, l.campaign_id
        HAVING COALESCE(sum(l.replied), 0) > 0
            OR (COALESCE(sum(l.replied), 0) = 0 AND COALESCE(sum(l.clicked_tracked), 0) > 0)
    ) AS e
)",
            $(
                "
(SELECT f.*, ",
                funnel_rates!(),
                " FROM (
    SELECT k.tenant_id, k.lead_id, k.campaign_id, s.*
    FROM (",
                $candidates,
                ") AS k
    -- One candidate at a time, through the index on its keys.
    CROSS JOIN LATERAL (
        SELECT ",
                lead_sums!(),
                "
        FROM lead_analytics l
        JOIN billing_analytics b ON b.id = l.billing_id
        WHERE l.lead_id = k.lead_id AND l.campaign_id = k.campaign_id
            AND b.tenant_id = k.tenant_id AND ",
                in_scope!("b"),
                "
    ) AS s
) AS f
WHERE ",
                after_cursor!(),
                "
",
                in_order!(),
                "
LIMIT $10)
UNION ALL",
            )+
            "
(SELECT f.*, ",
            funnel_rates!(),
            " FROM (
    SELECT b.tenant_id, l.lead_id, l.campaign_id, ",
            lead_sums!(),
            "
    FROM lead_analytics l
    JOIN billing_analytics b ON b.id = l.billing_id
    WHERE ",
            in_scope!("b"),
            "
    GROUP BY b.tenant_id, l.lead_id, l.campaign_id
) AS f
WHERE (f.replied < 0 OR (f.replied = 0 AND f.clicked_tracked <= 0))
    AND ",
            after_cursor!(),
            "
-- No LIMIT of its own: the one below bounds its sort, and an estimate of all the rows
-- it may sort (not of one page) keeps the planner from costing the whole tier into a
-- first page that never reaches it.
",
            in_order!(),
            ")
LIMIT $10"
        )
    };
}

/// The first page (no cursor): the `$10` best (replied, clicked) with their ties, in one
/// sort. Read once, `engaged` is inlined rather than materialised: its rows go straight
/// from the aggregate to the sort, which is most of what a first page costs.
const FIRST_PAGE: &str = lead_engagement!(
    "
    SELECT e.tenant_id, e.lead_id, e.campaign_id FROM engaged e
    ORDER BY e.replied DESC, e.clicked_tracked DESC
    FETCH FIRST ($10) ROWS WITH TIES
"
);

/// A page after a cursor, in two parts that follow each other in the order: first the
/// leads that share the cursor's (replied, clicked), some of which follow it; then the
/// `$10` best (replied, clicked) after it, with their ties. `LIMIT` stops before the
/// second part when the first fills the page, so a page inside a large tie group sums
/// only that group in full.
const NEXT_PAGE: &str = lead_engagement!(
    "
    SELECT e.tenant_id, e.lead_id, e.campaign_id FROM engaged e
    WHERE e.replied = $4::int8 AND e.clicked_tracked = $5::int8
",
    "
    SELECT e.tenant_id, e.lead_id, e.campaign_id FROM engaged e
    WHERE (-e.replied, -e.clicked_tracked) > (-$4::int8, -$5::int8)
    ORDER BY e.replied DESC, e.clicked_tracked DESC
    FETCH FIRST ($10) ROWS WITH TIES
"
);

/// One page of the leads × campaigns mailed in `scope`, most engaged first: by replies,
/// then clicks, then opens (then tenant, lead and campaign, for a stable order). Walk
/// the rest with [`LeadPage::next`].
///
/// A tenant holds up to hundreds of thousands of lead rows, so the rows come a page at
/// a time. A page among the leads with a reply or a click (the first ones, a screen's
/// worth for all but the smallest tenants) reads those rows alone, about one in eight of
/// the tenant's, and sums in full only the leads that may be on it; a page past them sums
/// every row in `scope`.
pub fn lead_engagement(
    conn: &mut PgConnection,
    scope: &Scope,
    page: &LeadPage,
) -> QueryResult<Vec<LeadEngagement>> {
    lead_engagement_query(scope, page).load(conn)
}

/// [`lead_engagement`] as a query value for any connection, sync or async: loads
/// [`LeadEngagement`] rows. It is prepared once per connection: planning this statement
/// costs about a tenth of running it for the largest tenant.
pub fn lead_engagement_query(scope: &Scope, page: &LeadPage) -> Cached {
    let after = page.after.as_ref();
    let sql = if after.is_some() {
        NEXT_PAGE
    } else {
        FIRST_PAGE
    };
    let mut values = scope_values(scope);
    values.extend([
        Value::NullInt8(after.map(|c| c.replied)),
        Value::NullInt8(after.map(|c| c.clicked_tracked)),
        Value::NullInt8(after.map(|c| c.opened_tracked)),
        Value::NullText(after.map(|c| c.tenant_id.clone())),
        Value::NullText(after.map(|c| c.lead_id.clone())),
        Value::NullText(after.map(|c| c.campaign_id.clone())),
        Value::Int8(i64::from(page.limit)),
    ]);
    Cached::new(sql, values)
}
