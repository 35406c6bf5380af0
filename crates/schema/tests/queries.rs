//! The typed queries of `schema::queries`, each run against the fixtures loaded into a
//! scratch database and compared with figures computed here, from the CSV files, in
//! plain Rust: never by calling the query under test.

mod fixture_data;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, Months, TimeZone, Utc};
use diesel::{PgConnection, RunQueryDsl};
use fixture_data::{Csv, Fixtures, Rec};
use schema::queries::billing_usage::{billing_usage, BillingUsage};
use schema::queries::campaign_performance::{campaign_performance, CampaignPerformance};
use schema::queries::dashboard::{dashboard_counts, DashboardCounts};
use schema::queries::lead_engagement::{lead_engagement, LeadEngagement, LeadPage, LeadSegment};
use schema::queries::mailbox_health::{mailbox_health, MailboxHealth};
use schema::queries::step_comparison::{step_comparison, StepComparison, StepVariant};
use schema::queries::tenant_growth::{tenant_growth, TenantGrowth};
use schema::queries::{Funnel, Periods, Scope};
use similar_asserts::assert_eq;
use testdb::ScratchDb;

/// A scratch database with the fixtures loaded, and the fixtures as read from the CSVs.
fn loaded(label: &str) -> (ScratchDb, PgConnection, Data) {
    let db = ScratchDb::migrated(label);
    let mut conn = db.conn();
    schema::fixtures::load(&mut conn, schema::fixtures::DIR).unwrap();
    let fx = Fixtures::read(Path::new(schema::fixtures::DIR));
    (db, conn, Data::new(fx))
}

fn month(year: i32, month: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0).unwrap()
}

/// The scopes every scoped query is checked under.
fn scopes() -> Vec<Scope> {
    vec![
        Scope::all(),
        Scope::tenant("t00008"),
        Scope::tenant("t00008").in_periods(Periods::between(month(2026, 2), month(2026, 4))),
        Scope::all().in_periods(Periods::starting(month(2026, 3))),
        Scope::all().in_periods(Periods::starting(month(2026, 5))),
        Scope::tenant("t99999"),
    ]
}

/// The CSV tables, with each billing id's tenant and period at hand.
struct Data {
    fx: Fixtures,
    periods: BTreeMap<i64, (String, DateTime<Utc>)>,
}

impl Data {
    fn new(fx: Fixtures) -> Self {
        let periods = fx.periods();
        Self { fx, periods }
    }

    fn tenant(&self, r: &Rec) -> String {
        self.periods[&r.int("billing_id")].0.clone()
    }

    fn period(&self, r: &Rec) -> DateTime<Utc> {
        self.periods[&r.int("billing_id")].1
    }

    fn in_scope(&self, scope: &Scope, r: &Rec) -> bool {
        let (tenant, period) = &self.periods[&r.int("billing_id")];
        scope.tenant_id.as_ref().is_none_or(|t| t == tenant)
            && scope.periods.from.is_none_or(|from| *period >= from)
            && scope.periods.until.is_none_or(|until| *period < until)
    }

    /// The records of `csv` in `scope`, grouped by `key`.
    fn groups<'a, K: Ord>(
        &self,
        csv: &'a Csv,
        scope: &Scope,
        key: impl Fn(&Rec) -> K,
    ) -> BTreeMap<K, Vec<Rec<'a>>> {
        let mut groups: BTreeMap<K, Vec<Rec<'a>>> = BTreeMap::new();
        for r in csv.records().filter(|r| self.in_scope(scope, r)) {
            groups.entry(key(&r)).or_default().push(r);
        }
        groups
    }

    /// The `column` of the record of the latest period.
    fn latest<T: std::str::FromStr>(&self, recs: &[Rec], column: &str) -> Option<T> {
        let last = recs.iter().max_by_key(|r| self.period(r))?;
        last.opt(column)
            .map(|s| s.parse().ok().expect("a known status"))
    }

    fn first_and_last(&self, recs: &[Rec]) -> (DateTime<Utc>, DateTime<Utc>) {
        let periods = recs.iter().map(|r| self.period(r));
        (periods.clone().min().unwrap(), periods.max().unwrap())
    }
}

/// The sum of the eight counters of `recs`.
fn funnel<'a>(recs: impl IntoIterator<Item = &'a Rec<'a>>) -> Funnel {
    let mut f = Funnel::default();
    for r in recs {
        f.sent += r.int("sent");
        f.delivered += r.int("delivered");
        f.opened_tracked += r.int("opened_tracked");
        f.clicked_tracked += r.int("clicked_tracked");
        f.replied += r.int("replied");
        f.bounced += r.int("bounced");
        f.unsubscribed += r.int("unsubscribed");
        f.spam_complaints += r.int("spam_complaints");
    }
    f
}

#[test]
fn billing_usage_is_the_billing_rows_in_scope() {
    let (_db, mut conn, data) = loaded("q_billing_usage");
    for scope in scopes() {
        let mut expected: Vec<BillingUsage> = data
            .fx
            .billing
            .records()
            .filter(|b| {
                let period = b.time("period_start");
                scope
                    .tenant_id
                    .as_deref()
                    .is_none_or(|t| t == b.text("tenant_id"))
                    && scope.periods.from.is_none_or(|from| period >= from)
                    && scope.periods.until.is_none_or(|until| period < until)
            })
            .map(|b| BillingUsage {
                billing_id: b.int("id"),
                tenant_id: b.text("tenant_id").to_owned(),
                subscription_id: b.opt("subscription_id").map(str::to_owned),
                period_start: b.time("period_start"),
                period_end: b.time("period_end"),
                emails_sent: b.int("emails_sent") as i32,
                mailboxes_used: b.int("mailboxes_used") as i32,
                domains_used: b.int("domains_used") as i32,
                campaigns_used: b.int("campaigns_used") as i32,
                leads_used: b.int("leads_used") as i32,
                warmups_active: b.int("warmups_active") as i32,
                updated: Some(b.time("updated")),
            })
            .collect();
        expected
            .sort_by(|a, b| (&a.tenant_id, a.period_start).cmp(&(&b.tenant_id, b.period_start)));
        assert_eq!(
            billing_usage(&mut conn, &scope).unwrap(),
            expected,
            "{scope:?}"
        );
    }
    let all = billing_usage(&mut conn, &Scope::all()).unwrap();
    assert_eq!(all.len(), 30);
    assert!(all.iter().any(BillingUsage::is_trial));
}

/// A tenant's dashboard in one period, counted from the CSV rows of its billing id.
fn expected_dashboard(data: &Data, b: &Rec) -> DashboardCounts {
    let id = b.int("id");
    let fx = &data.fx;
    fn of(csv: &Csv, id: i64) -> Vec<Rec<'_>> {
        csv.records()
            .filter(|r| r.int("billing_id") == id)
            .collect()
    }
    let (campaigns, mailboxes, leads) =
        (of(&fx.campaign, id), of(&fx.mailbox, id), of(&fx.lead, id));
    let with = |recs: &[Rec], column: &str, value: &str| {
        recs.iter().filter(|r| r.opt(column) == Some(value)).count() as i64
    };
    let distinct = |values: Vec<&str>| values.into_iter().collect::<BTreeSet<_>>().len() as i64;
    DashboardCounts {
        billing_id: id,
        tenant_id: b.text("tenant_id").to_owned(),
        subscription_id: b.opt("subscription_id").map(str::to_owned),
        period_start: b.time("period_start"),
        period_end: b.time("period_end"),
        emails_sent: campaigns.iter().map(|c| c.int("sent")).sum(),
        companies: distinct(
            campaigns
                .iter()
                .chain(&mailboxes)
                .map(|r| r.text("company_id"))
                .collect(),
        ),
        campaigns: campaigns.len() as i64,
        campaigns_active: with(&campaigns, "status", "active"),
        campaigns_paused: with(&campaigns, "status", "paused"),
        campaigns_completed: with(&campaigns, "status", "completed"),
        mailboxes: mailboxes.len() as i64,
        mailboxes_warming: with(&mailboxes, "warmup_status", "warming"),
        mailboxes_warmed: with(&mailboxes, "warmup_status", "warmed"),
        mailboxes_warmup_paused: with(&mailboxes, "warmup_status", "paused"),
        mailboxes_not_ready: with(&mailboxes, "campaign_status", "warming"),
        mailboxes_sending: with(&mailboxes, "campaign_status", "sending"),
        mailboxes_idle: with(&mailboxes, "campaign_status", "idle"),
        domains: distinct(
            mailboxes
                .iter()
                .map(|m| m.text("mailbox_id").rsplit_once('@').unwrap().1)
                .collect(),
        ),
        warmups: of(&fx.warmup, id).len() as i64,
        leads: distinct(leads.iter().map(|l| l.text("lead_id")).collect()),
        leads_active: with(&leads, "status", "active"),
        leads_completed: with(&leads, "status", "completed"),
        leads_replied: with(&leads, "status", "replied"),
        leads_bounced: with(&leads, "status", "bounced"),
        leads_unsubscribed: with(&leads, "status", "unsubscribed"),
        leads_spam_reported: with(&leads, "status", "spam_reported"),
    }
}

#[test]
fn dashboard_counts_every_resource_of_a_tenant_period() {
    let (_db, mut conn, data) = loaded("q_dashboard");
    let mut latest: BTreeMap<String, DashboardCounts> = BTreeMap::new();
    for b in data.fx.billing.records() {
        let expected = expected_dashboard(&data, &b);
        let tenant = b.text("tenant_id");
        let got = dashboard_counts(&mut conn, tenant, Some(b.time("period_start"))).unwrap();
        assert_eq!(got.as_ref(), Some(&expected));
        if latest
            .get(tenant)
            .is_none_or(|l| l.period_start < expected.period_start)
        {
            latest.insert(tenant.to_owned(), expected);
        }
    }
    for (tenant, expected) in &latest {
        assert_eq!(
            dashboard_counts(&mut conn, tenant, None).unwrap().as_ref(),
            Some(expected)
        );
    }
    // The agency whose third company arrived in April, for the record.
    let agency = dashboard_counts(&mut conn, "t00007", Some(month(2026, 4)))
        .unwrap()
        .unwrap();
    assert_eq!((agency.companies, agency.campaigns), (3, 4));
    assert_eq!(dashboard_counts(&mut conn, "t99999", None).unwrap(), None);
    assert_eq!(
        dashboard_counts(&mut conn, "t00002", Some(month(2026, 5))).unwrap(),
        None
    );
}

#[test]
fn dashboard_totals_come_from_the_hub_and_breakdowns_from_the_rows() {
    let (_db, mut conn, _data) = loaded("q_dashboard_hub");
    let before = dashboard_counts(&mut conn, "t00008", None)
        .unwrap()
        .unwrap();
    diesel::sql_query(
        "UPDATE billing_analytics SET leads_used = leads_used + 1000, domains_used = 77 \
         WHERE id = $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(before.billing_id)
    .execute(&mut conn)
    .unwrap();
    let after = dashboard_counts(&mut conn, "t00008", None)
        .unwrap()
        .unwrap();
    assert_eq!(after.leads, before.leads + 1000);
    assert_eq!(after.domains, 77);
    assert_eq!(after.leads_active, before.leads_active);
    assert_eq!(after.mailboxes_sending, before.mailboxes_sending);
}

#[test]
fn tenant_growth_counts_movements_month_over_month() {
    let (_db, mut conn, data) = loaded("q_growth");
    // tenant → month → paid
    type History = BTreeMap<DateTime<Utc>, bool>;
    let mut tenants: BTreeMap<&str, History> = BTreeMap::new();
    let mut sent: BTreeMap<DateTime<Utc>, i64> = BTreeMap::new();
    for b in data.fx.billing.records() {
        let start = b.time("period_start");
        tenants
            .entry(b.text("tenant_id"))
            .or_default()
            .insert(start, b.opt("subscription_id").is_some());
        *sent.entry(start).or_default() += b.int("emails_sent");
    }
    let first = *sent.keys().next().unwrap();
    let last = *sent.keys().last().unwrap();
    let mut expected = Vec::new();
    let mut m = first;
    while m <= last {
        let prev = m - Months::new(1);
        let count =
            |f: &dyn Fn(&History) -> bool| tenants.values().filter(|rows| f(rows)).count() as i64;
        expected.push(TenantGrowth {
            period_start: m,
            active_tenants: count(&|r| r.contains_key(&m)),
            paying_tenants: count(&|r| r.get(&m) == Some(&true)),
            trial_tenants: count(&|r| r.get(&m) == Some(&false)),
            new_tenants: count(&|r| r.keys().next() == Some(&m)),
            returning_tenants: count(&|r| {
                r.contains_key(&m) && !r.contains_key(&prev) && *r.keys().next().unwrap() < m
            }),
            converted_trials: count(&|r| r.get(&prev) == Some(&false) && r.get(&m) == Some(&true)),
            churned_tenants: count(&|r| r.get(&prev) == Some(&true) && !r.contains_key(&m)),
            expired_trials: count(&|r| r.get(&prev) == Some(&false) && !r.contains_key(&m)),
            emails_sent: sent.get(&m).copied().unwrap_or(0),
        });
        m = m + Months::new(1);
    }
    let got = tenant_growth(&mut conn, &Periods::all()).unwrap();
    assert_eq!(got, expected);

    // The movements the fixtures were chosen for.
    let at = |m: u32| {
        got.iter()
            .find(|g| g.period_start == month(2026, m))
            .unwrap()
    };
    assert_eq!(
        (at(2).churned_tenants, at(2).expired_trials),
        (2, 1),
        "t00001 and t00002 leave after January, t00006's trial ends"
    );
    assert_eq!(
        (at(2).converted_trials, at(4).converted_trials, at(5).converted_trials),
        (1, 0, 2),
        "t00005 pays after its January trial, t00010 leaves after March's, t00012 and t00013 pay in May"
    );
    assert_eq!(
        (at(4).new_tenants, at(4).trial_tenants),
        (2, 2),
        "t00012 and t00013 sign up on trials"
    );
    assert_eq!(at(5).emails_sent, 0, "May has no activity");
    for pair in got.windows(2) {
        assert_eq!(
            pair[1].active_tenants,
            pair[0].active_tenants + pair[1].net_change()
        );
    }

    // A range keeps the movements measured against the month before it.
    let range =
        tenant_growth(&mut conn, &Periods::between(month(2026, 3), month(2026, 5))).unwrap();
    assert_eq!(range, got[2..4]);
}

#[test]
fn campaign_performance_sums_each_campaign_over_its_periods() {
    let (_db, mut conn, data) = loaded("q_campaigns");
    for scope in scopes() {
        let groups = data.groups(&data.fx.campaign, &scope, |c| {
            (data.tenant(c), c.text("campaign_id").to_owned())
        });
        let expected: Vec<CampaignPerformance> = groups
            .into_iter()
            .map(|((tenant_id, campaign_id), recs)| {
                let (first_period, last_period) = data.first_and_last(&recs);
                let f = funnel(&recs);
                CampaignPerformance {
                    tenant_id,
                    company_id: recs[0].text("company_id").to_owned(),
                    campaign_id,
                    status: data.latest(&recs, "status"),
                    first_period,
                    last_period,
                    periods: recs.len() as i64,
                    completed_leads: recs.iter().map(|c| c.int("completed_leads")).sum(),
                    funnel: f,
                    rates: f.rates(),
                }
            })
            .collect();
        let got = campaign_performance(&mut conn, &scope).unwrap();
        assert_eq!(got, expected, "{scope:?}");
    }
    let all = campaign_performance(&mut conn, &Scope::all()).unwrap();
    assert!(
        all.iter().any(|c| c.periods > 1),
        "a campaign across periods"
    );
}

#[test]
fn mailbox_health_separates_campaign_mail_from_warmup() {
    let (_db, mut conn, data) = loaded("q_mailboxes");
    let warmups: BTreeMap<(i64, &str), Rec> = data
        .fx
        .warmup
        .records()
        .map(|w| ((w.int("billing_id"), w.text("mailbox_id")), w))
        .collect();
    for scope in scopes() {
        let mut expected: Vec<MailboxHealth> = data
            .fx
            .mailbox
            .records()
            .filter(|m| data.in_scope(&scope, m))
            .map(|m| {
                let id = m.text("mailbox_id");
                let w = warmups.get(&(m.int("billing_id"), id));
                let (total, warm) = (funnel([&m]), w.map(|w| funnel([w])).unwrap_or_default());
                let campaign = Funnel {
                    sent: total.sent - warm.sent,
                    delivered: total.delivered - warm.delivered,
                    opened_tracked: total.opened_tracked - warm.opened_tracked,
                    clicked_tracked: total.clicked_tracked - warm.clicked_tracked,
                    replied: total.replied - warm.replied,
                    bounced: total.bounced - warm.bounced,
                    unsubscribed: total.unsubscribed - warm.unsubscribed,
                    spam_complaints: total.spam_complaints - warm.spam_complaints,
                };
                let int = |column: &str| m.opt(column).map(|v| v.parse().unwrap());
                MailboxHealth {
                    tenant_id: data.tenant(&m),
                    billing_id: m.int("billing_id"),
                    period_start: data.period(&m),
                    company_id: m.text("company_id").to_owned(),
                    mailbox_id: id.to_owned(),
                    domain: id.rsplit_once('@').unwrap().1.to_owned(),
                    health_score: int("health_score"),
                    current_volume: int("current_volume"),
                    warmup_status: m.opt("warmup_status").map(|v| v.parse().unwrap()),
                    campaign_status: m.opt("campaign_status").map(|v| v.parse().unwrap()),
                    warmup_progress: w.map(|w| w.int("progress_percentage") as i32),
                    warmup_sent: warm.sent,
                    total_sent: total.sent,
                    campaign,
                    rates: campaign.rates(),
                }
            })
            .collect();
        expected.sort_by(|a, b| {
            (&a.tenant_id, a.period_start, &a.mailbox_id).cmp(&(
                &b.tenant_id,
                b.period_start,
                &b.mailbox_id,
            ))
        });
        let got = mailbox_health(&mut conn, &scope).unwrap();
        assert_eq!(got, expected, "{scope:?}");
    }
    let all = mailbox_health(&mut conn, &Scope::all()).unwrap();
    assert!(all
        .iter()
        .any(|m| m.warmup_progress.is_some_and(|p| p < 100)));
    assert!(all.iter().any(|m| m.warmup_progress.is_none()));
}

#[test]
fn lead_engagement_ranks_leads_by_replies_clicks_and_opens() {
    let (_db, mut conn, data) = loaded("q_leads");
    for scope in scopes() {
        let groups = data.groups(&data.fx.lead, &scope, |l| {
            (
                data.tenant(l),
                l.text("lead_id").to_owned(),
                l.text("campaign_id").to_owned(),
            )
        });
        let mut expected: Vec<LeadEngagement> = groups
            .into_iter()
            .map(|((tenant_id, lead_id, campaign_id), recs)| {
                let (first_period, last_period) = data.first_and_last(&recs);
                let f = funnel(&recs);
                LeadEngagement {
                    tenant_id,
                    lead_id,
                    campaign_id,
                    status: data.latest(&recs, "status"),
                    first_period,
                    last_period,
                    funnel: f,
                    rates: f.rates(),
                }
            })
            .collect();
        expected.sort_by(|a, b| {
            let key = |l: &LeadEngagement| {
                let f = l.funnel;
                (-f.replied, -f.clicked_tracked, -f.opened_tracked)
            };
            (key(a), &a.tenant_id, &a.lead_id, &a.campaign_id).cmp(&(
                key(b),
                &b.tenant_id,
                &b.lead_id,
                &b.campaign_id,
            ))
        });
        // Walked page by page, with a page size that does not divide the rows, the pages
        // add up to the whole order; the first page is its head.
        let got = every_page(&mut conn, &scope, 7);
        assert_eq!(got, expected, "{scope:?}");
        let first = lead_engagement(&mut conn, &scope, &LeadPage::first(3)).unwrap();
        assert_eq!(first, expected[..expected.len().min(3)], "{scope:?}");
    }

    let all = every_page(&mut conn, &Scope::all(), 500);
    assert!(
        all.iter().any(|l| l.first_period < l.last_period),
        "a lead across periods"
    );
    // Parsed once per connection, not per page: the first page's statement and the next
    // pages' one.
    #[derive(diesel::QueryableByName)]
    struct Prepared {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let prepared: Prepared = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE 'WITH engaged%'",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(prepared.n, 2);
    // Each segment, and the status that agrees with it.
    let segments: BTreeSet<LeadSegment> = all.iter().map(LeadEngagement::segment).collect();
    assert_eq!(segments.len(), 6, "{segments:?}");
    for lead in &all {
        use schema::models::LeadStatus::*;
        let expected = match lead.status.as_ref().unwrap() {
            Unsubscribed | SpamReported => Some(LeadSegment::OptedOut),
            Replied => Some(LeadSegment::Replied),
            _ => None,
        };
        if let Some(segment) = expected {
            assert_eq!(lead.segment(), segment, "{lead:?}");
        }
    }
}

/// Every row of [`lead_engagement`] in `scope`, read `size` at a time.
fn every_page(conn: &mut PgConnection, scope: &Scope, size: u32) -> Vec<LeadEngagement> {
    let mut rows = Vec::new();
    let mut page = Some(LeadPage::first(size));
    while let Some(current) = page {
        let got = lead_engagement(conn, scope, &current).unwrap();
        assert!(got.len() <= size as usize, "a page longer than its limit");
        page = current.next(&got);
        rows.extend(got);
    }
    rows
}

/// `(position, variant)` of a step id `…-s<position>[variant]`, parsed here by hand.
fn position_and_variant(step_id: &str) -> (Option<i32>, Option<String>) {
    let Some((_, tail)) = step_id.rsplit_once("-s") else {
        return (None, None);
    };
    let (digits, variant) = match tail.char_indices().last() {
        Some((i, c)) if c.is_ascii_lowercase() => (&tail[..i], Some(c.to_string())),
        _ => (tail, None),
    };
    match digits.parse() {
        Ok(position) => (Some(position), variant),
        Err(_) => (None, None),
    }
}

#[test]
fn step_comparison_puts_variants_of_a_position_side_by_side() {
    let (_db, mut conn, data) = loaded("q_steps");
    for scope in scopes() {
        let groups = data.groups(&data.fx.step, &scope, |s| {
            (
                data.tenant(s),
                s.text("campaign_id").to_owned(),
                s.text("step_id").to_owned(),
            )
        });
        let mut variants: Vec<StepVariant> = groups
            .into_iter()
            .map(|((tenant_id, campaign_id, step_id), recs)| {
                let (position, variant) = position_and_variant(&step_id);
                let f = funnel(&recs);
                StepVariant {
                    tenant_id,
                    campaign_id,
                    step_id,
                    position,
                    variant,
                    periods: recs.len() as i64,
                    funnel: f,
                    rates: f.rates(),
                }
            })
            .collect();
        variants.sort_by(|a, b| {
            let key = |v: &StepVariant| (v.position.is_none(), v.position, v.variant.clone());
            (&a.tenant_id, &a.campaign_id, key(a)).cmp(&(&b.tenant_id, &b.campaign_id, key(b)))
        });
        let mut expected: BTreeMap<(String, String, i32), Vec<StepVariant>> = BTreeMap::new();
        for v in variants {
            let key = (
                v.tenant_id.clone(),
                v.campaign_id.clone(),
                v.position.unwrap(),
            );
            expected.entry(key).or_default().push(v);
        }
        let expected: Vec<StepComparison> = expected
            .into_iter()
            .map(
                |((tenant_id, campaign_id, position), variants)| StepComparison {
                    tenant_id,
                    campaign_id,
                    position: Some(position),
                    variants,
                },
            )
            .collect();
        let got = step_comparison(&mut conn, &scope).unwrap();
        assert_eq!(got, expected, "{scope:?}");
    }

    let all = step_comparison(&mut conn, &Scope::all()).unwrap();
    let ab = all
        .iter()
        .find(|s| s.is_ab_test())
        .expect("an A/B-tested step");
    let letters: Vec<_> = ab.variants.iter().map(|v| v.variant.as_deref()).collect();
    assert_eq!(letters, [Some("a"), Some("b")]);
    assert!(all
        .iter()
        .any(|s| !s.is_ab_test() && s.variants[0].variant.is_none()));
}

#[test]
fn step_ids_outside_the_convention_stand_alone() {
    assert_eq!(
        position_and_variant("c-cmp001-s12b"),
        (Some(12), Some("b".into()))
    );
    assert_eq!(position_and_variant("c-cmp001-s3"), (Some(3), None));
    assert_eq!(position_and_variant("welcome"), (None, None));

    let (_db, mut conn, _) = loaded("q_steps_legacy");
    // Two steps of another naming scheme, in a campaign and period of the fixtures.
    diesel::sql_query(
        "INSERT INTO sequence_step_analytics (step_id, campaign_id, company_id, sent, billing_id) \
         SELECT s, campaign_id, company_id, 5, billing_id FROM campaign_analytics, \
             unnest(ARRAY['welcome', 'follow-up']) AS s \
         WHERE campaign_id = 't00001-c1-cmp005'",
    )
    .execute(&mut conn)
    .unwrap();
    let steps = step_comparison(&mut conn, &Scope::tenant("t00001")).unwrap();
    let legacy: Vec<&StepComparison> = steps.iter().filter(|s| s.position.is_none()).collect();
    let ids: Vec<&str> = legacy
        .iter()
        .map(|s| s.variants[0].step_id.as_str())
        .collect();
    assert_eq!(ids, ["follow-up", "welcome"]);
    assert!(legacy
        .iter()
        .all(|s| s.variants.len() == 1 && s.campaign_id == "t00001-c1-cmp005"));
    let campaign: Vec<&str> = steps
        .iter()
        .filter(|s| s.campaign_id == "t00001-c1-cmp005")
        .map(|s| s.variants[0].step_id.as_str())
        .collect();
    assert_eq!(
        campaign[campaign.len() - 2..],
        ["follow-up", "welcome"],
        "unnumbered last"
    );
}
