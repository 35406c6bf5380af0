//! Moving a warehouse forward in time through PostgreSQL: a warehouse seeded as of one day
//! and advanced to a later one equals a warehouse seeded as of the later day, in one jump
//! or day by day; closed months keep their rows, ids and `updated`; the audit is clean at
//! every date; the same day is a no-op; going back or advancing another seed is refused
//! without a change; shards advance on their own.

use chrono::{Days, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::Text;
use sim::ids::Table;
use sim::Shard;
use testdb::ScratchDb;
use warehouse::load::{self, SeedOptions};
use warehouse::world::WorldSpec;

/// A small world with trials, churn, pauses and agencies common enough to show up.
fn profile(dir: &std::path::Path) -> String {
    let path = dir.join("time.toml");
    std::fs::write(
        &path,
        "name = \"time\"\ntenants = 3\nfirst_period = 2026-01-01\nas_of = 2026-01-01\n\
         [tenancy]\nmonthly_signups = 0.5\nagency_share = 0.3\nmonthly_churn = 0.1\n\
         trial_share = 0.5\n[campaigns]\npause_share = 0.3\n[warmup]\nmonthly_pause = 0.2\n\
         [sending]\nutilization = [0.05, 0.1]\n",
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

fn seed(
    db: &ScratchDb,
    profile: &str,
    seed: u64,
    shard: Shard,
    as_of: &str,
) -> warehouse::Result<load::SeedReport> {
    let world = WorldSpec {
        profile: profile.to_owned(),
        seed,
        scale: 1.0,
        shard,
        as_of: Some(as_of.parse().unwrap()),
    };
    load::run(
        &SeedOptions {
            jobs: 2,
            ..SeedOptions::new(Some(db.url()), world)
        },
        &(),
    )
}

#[derive(QueryableByName)]
struct Dump {
    #[diesel(sql_type = Text)]
    rows: String,
}

/// Every row of every table as text, by id; `filter` narrows to some rows.
fn dump(conn: &mut PgConnection, filter: &str) -> String {
    Table::ALL
        .iter()
        .map(|t| {
            let billing = if *t == Table::Billing {
                "t.id"
            } else {
                "t.billing_id"
            };
            diesel::sql_query(format!(
                "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t.id), '') AS rows FROM {} t \
                 WHERE {billing} IN (SELECT id FROM billing_analytics b WHERE {filter})",
                t.name()
            ))
            .get_result::<Dump>(conn)
            .unwrap()
            .rows
        })
        .collect::<Vec<_>>()
        .join("\n--\n")
}

fn closed_by(day: NaiveDate) -> String {
    format!("b.period_end <= '{day}'::date")
}

fn assert_clean(conn: &mut PgConnection, at: &str) {
    let audit = warehouse::audit::evaluate(conn).unwrap();
    assert!(
        audit.is_clean(),
        "as of {at}: {:?}",
        audit.violated().collect::<Vec<_>>()
    );
}

#[test]
fn an_advanced_warehouse_equals_a_fresh_seed_in_one_jump_or_day_by_day() {
    let dir = tempfile_dir("advance_equal");
    let profile = profile(&dir);
    let (d1, d2) = ("2026-03-17", "2026-05-02");
    let fresh = ScratchDb::new("time_fresh");
    seed(&fresh, &profile, 11, Shard::ALL, d2).unwrap();
    let mut fresh_conn = fresh.conn();
    assert_clean(&mut fresh_conn, d2);
    let want = dump(&mut fresh_conn, "true");

    // One jump.
    let jump = ScratchDb::new("time_jump");
    seed(&jump, &profile, 11, Shard::ALL, d1).unwrap();
    let mut conn = jump.conn();
    assert_clean(&mut conn, d1);
    let closed = dump(&mut conn, &closed_by(d1.parse().unwrap()));
    assert!(closed.len() > 1000, "some closed months: {closed}");
    let report = seed(&jump, &profile, 11, Shard::ALL, d2).unwrap();
    assert!(report.tenants > 0);
    assert_clean(&mut conn, d2);
    assert_eq!(
        dump(&mut conn, &closed_by(d1.parse().unwrap())),
        closed,
        "closed months untouched"
    );
    assert_eq!(
        dump(&mut conn, "true"),
        want,
        "one jump equals a fresh seed"
    );

    // Day by day, across a month's end.
    let daily = ScratchDb::new("time_daily");
    let start: NaiveDate = "2026-04-27".parse().unwrap();
    for k in 0..=5 {
        let day = (start + Days::new(k)).to_string();
        seed(&daily, &profile, 11, Shard::ALL, &day).unwrap();
        assert_clean(&mut daily.conn(), &day);
    }
    assert_eq!(
        dump(&mut daily.conn(), "true"),
        want,
        "day by day equals a fresh seed"
    );
}

#[test]
fn same_day_is_a_no_op_and_going_back_or_another_seed_is_refused() {
    let dir = tempfile_dir("advance_refusals");
    let profile = profile(&dir);
    let db = ScratchDb::new("time_refuse");
    seed(&db, &profile, 5, Shard::ALL, "2026-04-10").unwrap();
    let mut conn = db.conn();
    let before = dump(&mut conn, "true");
    let again = seed(&db, &profile, 5, Shard::ALL, "2026-04-10").unwrap();
    assert_eq!(again.tenants, 0, "same day: nothing to do");
    let back = seed(&db, &profile, 5, Shard::ALL, "2026-04-09")
        .unwrap_err()
        .to_string();
    assert!(
        back.contains("only moves forward") && back.contains("2026-04-10"),
        "{back}"
    );
    let other = seed(&db, &profile, 6, Shard::ALL, "2026-05-10")
        .unwrap_err()
        .to_string();
    assert!(other.contains("another seed"), "{other}");
    assert_eq!(dump(&mut conn, "true"), before, "refusals change nothing");
}

#[test]
fn shards_advance_on_their_own() {
    let dir = tempfile_dir("advance_shards");
    let profile = profile(&dir);
    let (d1, d2) = ("2026-02-20", "2026-03-05");
    let fresh = ScratchDb::new("time_shard_fresh");
    seed(&fresh, &profile, 3, Shard::ALL, d2).unwrap();
    let want = dump(&mut fresh.conn(), "true");

    let db = ScratchDb::new("time_shards");
    let halves = [Shard::new(1, 2).unwrap(), Shard::new(2, 2).unwrap()];
    for shard in halves {
        seed(&db, &profile, 3, shard, d1).unwrap();
    }
    seed(&db, &profile, 3, halves[0], d2).unwrap();
    assert_ne!(
        dump(&mut db.conn(), "true"),
        want,
        "shard 2 is still as of {d1}"
    );
    seed(&db, &profile, 3, halves[1], d2).unwrap();
    assert_eq!(dump(&mut db.conn(), "true"), want);
}

/// A fresh directory under the system's temporary one.
fn tempfile_dir(label: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pm_time_{label}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
