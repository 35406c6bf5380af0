//! Time moves forward: a world as of a later day continues the world as of an earlier one.
//! Periods closed by the earlier day are identical, row for row and id for id; the open
//! period only grows (counters never go down, statuses only move forward); and every rule
//! holds at every date.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use schema::models::{CampaignStatus, Counters, LeadStatus, MailboxCampaignStatus, WarmupStatus};
use sim::calendar::Calendar;
use sim::rows::{Activity, Row};
use sim::rules::evaluate;
use sim::{Profile, Rows, Shard, Simulator};

/// A small world with every lifecycle (trials, churn, pauses) common enough to show up.
fn small(tenants: u32) -> Profile {
    Profile::parse(
        &format!(
            "name = \"time\"\ntenants = {tenants}\nfirst_period = 2026-01-01\nas_of = 2026-01-01\n\
             [tenancy]\nmonthly_signups = 0.5\nagency_share = 0.3\nmonthly_churn = 0.1\n\
             trial_share = 0.5\n[campaigns]\npause_share = 0.3\n[warmup]\nmonthly_pause = 0.2\n\
             [sending]\nutilization = [0.05, 0.1]\n"
        ),
        "time",
    )
    .unwrap()
}

fn world(profile: &Profile, seed: u64, as_of: NaiveDate) -> Rows {
    Simulator::new(profile.at(as_of).unwrap(), seed).rows(Shard::ALL)
}

/// One row of any table, reduced to what the comparison needs.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    /// Everything that must never change: keys, billing id, and (for closed periods)
    /// everything else too, as `Debug` text.
    keys: String,
    all: String,
    counters: Counters,
    /// Gauges that only grow: progress, completed leads; statuses by lifecycle rank.
    grows: Vec<i64>,
}

fn rank_lead(s: &LeadStatus) -> i64 {
    i64::from(*s != LeadStatus::Active)
}

fn rank_campaign(s: &CampaignStatus) -> i64 {
    match s {
        CampaignStatus::Active => 0,
        CampaignStatus::Paused => 1,
        _ => 2,
    }
}

/// Warming, then warmed; a warmup paused for the month is paused all month (a key).
fn rank_warmup(s: &WarmupStatus) -> i64 {
    i64::from(*s == WarmupStatus::Warmed)
}

fn rank_sending(s: &MailboxCampaignStatus) -> i64 {
    match s {
        MailboxCampaignStatus::Warming => 0,
        MailboxCampaignStatus::Idle => 1,
        _ => 2,
    }
}

/// Every row by (table, id).
fn index(rows: &Rows) -> BTreeMap<(u8, i64), Seen> {
    let mut out = BTreeMap::new();
    let mut put = |t: u8, id: i64, keys: String, all: String, counters, grows| {
        out.insert(
            (t, id),
            Seen {
                keys,
                all,
                counters,
                grows,
            },
        );
    };
    for r in &rows.billing {
        let b = &r.new;
        let usage = Counters {
            sent: b.emails_sent,
            delivered: b.mailboxes_used,
            opened_tracked: b.domains_used,
            clicked_tracked: b.campaigns_used,
            replied: b.leads_used,
            bounced: b.warmups_active,
            ..Counters::default()
        };
        let keys = format!("{} {:?} {}", b.tenant_id, b.subscription_id, b.period_start);
        put(0, r.id, keys, format!("{b:?}"), usage, vec![]);
    }
    for r in &rows.campaigns {
        let c = &r.new;
        let keys = format!("{} {} {}", c.campaign_id, c.company_id, c.billing_id);
        let grows = vec![i64::from(c.completed_leads), rank_campaign(&c.status)];
        put(1, r.id, keys, format!("{c:?}"), c.counters(), grows);
    }
    for r in &rows.steps {
        let s = &r.new;
        let keys = format!("{} {} {}", s.step_id, s.campaign_id, s.billing_id);
        put(2, r.id, keys, format!("{s:?}"), s.counters(), vec![]);
    }
    for r in &rows.leads {
        let l = &r.new;
        let keys = format!("{} {} {}", l.lead_id, l.campaign_id, l.billing_id);
        put(
            3,
            r.id,
            keys,
            format!("{l:?}"),
            l.counters(),
            vec![rank_lead(&l.status)],
        );
    }
    for r in &rows.mailboxes {
        let m = &r.new;
        let paused = m.warmup_status == WarmupStatus::Paused;
        let keys = format!(
            "{} {} {} {paused}",
            m.mailbox_id, m.company_id, m.billing_id
        );
        let grows = vec![
            rank_warmup(&m.warmup_status),
            rank_sending(&m.campaign_status),
        ];
        put(4, r.id, keys, format!("{m:?}"), m.counters(), grows);
    }
    for r in &rows.warmups {
        let w = &r.new;
        let keys = format!("{} {} {}", w.mailbox_id, w.company_id, w.billing_id);
        let grows = vec![i64::from(w.progress_percentage)];
        put(5, r.id, keys, format!("{w:?}"), w.counters(), grows);
    }
    out
}

fn billing_closed_by(rows: &Rows, day: NaiveDate) -> Vec<i64> {
    rows.billing
        .iter()
        .filter(|b| b.new.period_end <= Calendar::midnight(day))
        .map(|b| b.id)
        .collect()
}

fn billing_of(rows: &Rows, id: i64, table: u8) -> i64 {
    let find = |v: Option<i64>| v.unwrap_or(-1);
    match table {
        0 => id,
        1 => find(
            rows.campaigns
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.new.billing_id()),
        ),
        2 => find(
            rows.steps
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.new.billing_id()),
        ),
        3 => find(
            rows.leads
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.new.billing_id()),
        ),
        4 => find(
            rows.mailboxes
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.new.billing_id()),
        ),
        _ => find(
            rows.warmups
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.new.billing_id()),
        ),
    }
}

fn counters_le(a: &Counters, b: &Counters) -> bool {
    a.sent <= b.sent
        && a.delivered <= b.delivered
        && a.opened_tracked <= b.opened_tracked
        && a.clicked_tracked <= b.clicked_tracked
        && a.replied <= b.replied
        && a.bounced <= b.bounced
        && a.unsubscribed <= b.unsubscribed
        && a.spam_complaints <= b.spam_complaints
}

/// Checks that the world as of `d2` continues the world as of `d1`; returns the problems.
fn continues(early: &Rows, d1: NaiveDate, late: &Rows) -> Vec<String> {
    let closed = billing_closed_by(early, d1);
    let (a, b) = (index(early), index(late));
    let mut problems = Vec::new();
    for (key, seen) in &a {
        let Some(later) = b.get(key) else {
            problems.push(format!("row {key:?} disappeared"));
            continue;
        };
        let billing = billing_of(early, key.1, key.0);
        if closed.contains(&billing) {
            if seen.all != later.all {
                problems.push(format!(
                    "closed row {key:?} changed:\n{}\n{}",
                    seen.all, later.all
                ));
            }
            continue;
        }
        if seen.keys != later.keys {
            problems.push(format!(
                "open row {key:?} changed keys: {} -> {}",
                seen.keys, later.keys
            ));
        }
        if !counters_le(&seen.counters, &later.counters) {
            problems.push(format!(
                "open row {key:?} counters went down: {:?} -> {:?}",
                seen.counters, later.counters
            ));
        }
        let moves_back = seen.grows.iter().zip(&later.grows).any(|(x, y)| y < x);
        if moves_back {
            problems.push(format!(
                "open row {key:?} moved back: {:?} -> {:?}",
                seen.grows, later.grows
            ));
        }
    }
    // Every closed period's rows at the later date were there at the earlier one.
    for (key, _) in b.iter().filter(|(k, _)| !a.contains_key(k)) {
        if closed.contains(&billing_of(late, key.1, key.0)) {
            problems.push(format!("row {key:?} appeared in a closed period"));
        }
    }
    problems
}

fn random_day(rng: &mut ChaCha8Rng, from: NaiveDate, days: u64) -> NaiveDate {
    from + Days::new(rng.random_range(0..days))
}

#[test]
fn later_dates_continue_earlier_ones() {
    let mut rng = ChaCha8Rng::seed_from_u64(10);
    let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    for case in 0..6 {
        let profile = small(rng.random_range(2..=4));
        let seed = rng.random();
        let d1 = random_day(&mut rng, first, 200);
        let d2 = random_day(&mut rng, d1 + Days::new(1), 60);
        let d3 = random_day(&mut rng, d2 + Days::new(1), 60);
        let worlds: Vec<Rows> = [d1, d2, d3]
            .iter()
            .map(|&d| world(&profile, seed, d))
            .collect();
        for (w, d) in worlds.iter().zip([d1, d2, d3]) {
            let violations = evaluate(w);
            assert!(
                violations.is_empty(),
                "case {case}, seed {seed}, as of {d}: {violations:#?}"
            );
        }
        for (i, j) in [(0, 1), (1, 2), (0, 2)] {
            let (da, db) = ([d1, d2, d3][i], [d1, d2, d3][j]);
            let problems = continues(&worlds[i], da, &worlds[j]);
            assert!(
                problems.is_empty(),
                "case {case}, seed {seed}, {da} -> {db}:\n{}",
                problems[..problems.len().min(10)].join("\n")
            );
        }
    }
}

#[test]
fn the_same_day_in_the_middle_of_a_month_and_a_day_later_differ_only_in_that_month() {
    let profile = small(3);
    let d1 = NaiveDate::from_ymd_opt(2026, 4, 14).unwrap();
    let early = world(&profile, 5, d1);
    let late = world(&profile, 5, d1 + Days::new(1));
    assert!(continues(&early, d1, &late).is_empty());
    let open_month = |rows: &Rows| {
        let mut r = rows.clone();
        r.billing.retain(|b| b.new.period_start.month() == 4);
        r
    };
    assert_ne!(
        open_month(&early).billing,
        open_month(&late).billing,
        "a day adds activity"
    );
}

#[test]
fn a_shrinking_counter_is_caught() {
    // The checker itself: a world whose open period lost an email is not a continuation.
    let profile = small(3);
    let d1 = NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
    let early = world(&profile, 8, d1);
    let mut late = world(&profile, 8, d1 + Days::new(5));
    let open: Vec<i64> = early
        .billing
        .iter()
        .filter(|b| b.new.period_end > Calendar::midnight(d1))
        .map(|b| b.id)
        .collect();
    let seen = early
        .leads
        .iter()
        .find(|l| open.contains(&l.new.billing_id) && l.new.counters.sent > 0)
        .expect("an open-period lead with mail")
        .id;
    let lead = late.leads.iter_mut().find(|l| l.id == seen).unwrap();
    lead.new.counters.sent = 0;
    assert!(!continues(&early, d1, &late).is_empty());
    // And a closed period edited after the fact.
    let mut late = world(&profile, 8, d1 + Days::new(5));
    late.leads[0].new.counters.replied += 1;
    assert!(!continues(&early, d1, &late).is_empty());
}

/// The rows of `late` that no batch after `batch` re-aggregated, each with its twin in
/// `early` (same id): the problems, where a twin is missing or differs.
fn not_reaggregated_but_different(early: &Rows, late: &Rows, batch: DateTime<Utc>) -> Vec<String> {
    fn check<T: std::fmt::Debug + PartialEq>(
        table: &str,
        early: &[Row<T>],
        late: &[Row<T>],
        updated: impl Fn(&T) -> DateTime<Utc>,
        batch: DateTime<Utc>,
        problems: &mut Vec<String>,
    ) {
        let held: BTreeMap<i64, &T> = early.iter().map(|r| (r.id, &r.new)).collect();
        for r in late.iter().filter(|r| updated(&r.new) <= batch) {
            if held.get(&r.id) != Some(&&r.new) {
                problems.push(format!(
                    "{table}#{}: {:?} was {:?}",
                    r.id,
                    r.new,
                    held.get(&r.id)
                ));
            }
        }
    }
    let mut problems = Vec::new();
    check(
        "billing",
        &early.billing,
        &late.billing,
        |b| b.updated,
        batch,
        &mut problems,
    );
    check(
        "campaign",
        &early.campaigns,
        &late.campaigns,
        |r| r.updated(),
        batch,
        &mut problems,
    );
    check(
        "step",
        &early.steps,
        &late.steps,
        |r| r.updated(),
        batch,
        &mut problems,
    );
    check(
        "lead",
        &early.leads,
        &late.leads,
        |r| r.updated(),
        batch,
        &mut problems,
    );
    check(
        "mailbox",
        &early.mailboxes,
        &late.mailboxes,
        |r| r.updated(),
        batch,
        &mut problems,
    );
    check(
        "warmup",
        &early.warmups,
        &late.warmups,
        |r| r.updated(),
        batch,
        &mut problems,
    );
    problems
}

#[test]
fn what_no_later_batch_reaggregated_is_what_the_earlier_day_holds() {
    // The advance writes only `retain_aggregated_after(batch_on(d1))` of the world as of
    // d2 into a warehouse as of d1; everything else must already be there, unchanged.
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let mut skipped_in_open_month = 0;
    for case in 0..6 {
        let profile = small(rng.random_range(2..=4));
        let seed = rng.random();
        let d1 = random_day(&mut rng, first, 200);
        let d2 = random_day(
            &mut rng,
            d1 + Days::new(1),
            if case % 2 == 0 { 3 } else { 60 },
        );
        let (early, late) = (world(&profile, seed, d1), world(&profile, seed, d2));
        let batch = Calendar::batch_on(d1);
        let problems = not_reaggregated_but_different(&early, &late, batch);
        assert!(
            problems.is_empty(),
            "case {case}, seed {seed}, {d1} -> {d2}:\n{}",
            problems[..problems.len().min(10)].join("\n")
        );
        let mut written = late.clone();
        written.retain_aggregated_after(batch);
        let open: Vec<i64> = late
            .billing
            .iter()
            .filter(|b| {
                b.new.period_start <= Calendar::midnight(d1)
                    && b.new.period_end > Calendar::midnight(d2)
            })
            .map(|b| b.id)
            .collect();
        let in_open = |rows: &Rows| {
            rows.leads
                .iter()
                .filter(|l| open.contains(&l.new.billing_id))
                .count()
        };
        skipped_in_open_month += in_open(&late) - in_open(&written);
    }
    assert!(
        skipped_in_open_month > 0,
        "the open month's quiet leads are left alone"
    );
}

#[test]
fn a_row_changed_without_a_later_batch_is_caught() {
    // The checker itself: a lead row of the open month that a later day edits, but whose
    // `updated` still says the earlier batch, is a difference.
    let profile = small(3);
    let d1 = NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
    let early = world(&profile, 8, d1);
    let mut late = world(&profile, 8, d1 + Days::new(1));
    let batch = Calendar::batch_on(d1);
    assert!(not_reaggregated_but_different(&early, &late, batch).is_empty());
    let quiet = late
        .leads
        .iter_mut()
        .find(|l| l.new.updated <= batch && l.new.updated > Calendar::midnight(d1 - Days::new(20)))
        .expect("a lead row of the open month with no mail since d1");
    quiet.new.counters.opened_tracked += 1;
    assert_eq!(
        not_reaggregated_but_different(&early, &late, batch).len(),
        1
    );
}

#[test]
fn an_agencys_companies_arrive_one_after_another() {
    // The first company comes with the sign-up; the others later, in order, never after
    // the tenant has left.
    let profile = small(40);
    let sim = Simulator::new(
        profile
            .at(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap())
            .unwrap(),
        3,
    );
    let mut later = 0;
    for no in sim.tenants(Shard::ALL) {
        let activity = sim.tenant(no);
        let tenant = activity.tenant();
        let arrivals: Vec<i32> = tenant
            .companies
            .iter()
            .map(|c| c.mailboxes.iter().map(|m| m.warmup_start).min().unwrap())
            .collect();
        assert_eq!(arrivals[0], tenant.signup_day, "tenant {no}");
        assert!(
            arrivals.windows(2).all(|w| w[0] <= w[1]),
            "tenant {no}: {arrivals:?}"
        );
        later += arrivals
            .iter()
            .filter(|&&day| day > tenant.signup_day)
            .count();
    }
    assert!(later > 0, "no company arrived after its tenant's sign-up");
}
