//! Seeds that meet on one warehouse: a reset or another seed never runs beside a running
//! seed, the same seed started twice loads each tenant once, and a seed whose warehouse
//! was changed under it does not report success.

mod common;

use common::*;

/// About a hundred tenants on one loader: still running long after its first tenant
/// commits.
const SLOW: [&str; 6] = ["--profile", "dev", "--scale", "3", "--jobs", "1"];

/// Tenants of [`SLOW`] in `shard`: those the dev population has by its as-of day.
fn tenants_of(shard: sim::Shard) -> i64 {
    let profile = sim::Profile::load("dev").unwrap().scaled(3.0).unwrap(); // SLOW's scale
    sim::Simulator::new(profile, 1).tenants(shard).count() as i64
}

/// Tenants of [`SLOW`].
fn slow_tenants() -> i64 {
    tenants_of(sim::Shard::ALL)
}

/// A warehouse that already holds a few tenants of [`SLOW`]: runs of the whole seed then
/// take the tenant-by-tenant path, on which runs of one seed share the work (an empty
/// warehouse is loaded in bulk, by one run alone).
fn partly_seeded(label: &str) -> ScratchDb {
    let db = ScratchDb::new(label);
    seed(&db, &[&SLOW[..], &["--shard", "1/27"]].concat());
    assert_eq!(tenants_loaded(&db), preloaded());
    db
}

/// Tenants of [`partly_seeded`]: those of shard 1/27.
fn preloaded() -> i64 {
    tenants_of("1/27".parse().unwrap())
}

#[test]
fn a_reset_or_another_seed_beside_a_running_seed_is_refused() {
    let db = ScratchDb::new("race_reset");
    let mut running = spawn_seed(&db, &SLOW);
    running.wait_until("a tenant was loaded", || tenants_loaded(&db) > 0);

    let mut reset = vec!["seed", "--database-url", db.url()];
    reset.extend(SLOW);
    reset.extend(["--seed", "2", "--reset"]);
    let needles = ["another seed (profile dev, seed 1)", "is running"];
    let refused = xtask(&reset).refused(&needles);
    assert!(refused.stderr().contains("--reset"), "{refused}");
    let loaded = tenants_loaded(&db);
    assert!(
        loaded > 0,
        "the refused reset emptied the ledger: {refused}"
    );

    let mut other = vec!["seed", "--database-url", db.url()];
    other.extend(SLOW);
    other.extend(["--seed", "2"]);
    xtask(&other).refused(&needles);

    // The running seed was not disturbed: it ends with all its tenants, verified.
    let run = running.finish().success();
    assert!(
        run.stdout()
            .contains(&format!("seeded {} tenants", slow_tenants())),
        "{run}"
    );
    xtask(&["status", "--database-url", db.url(), "--verify"]).success();
    assert_audit_clean(&db);

    // Once it is done, the reset goes ahead.
    let run = xtask(&reset).success();
    assert!(run.stderr().contains("reset: removed"), "{run}");
}

#[test]
fn the_same_seed_started_twice_loads_each_tenant_once() {
    let reference = ScratchDb::new("race_twice_ref");
    seed(&reference, &SLOW);
    let db = partly_seeded("race_twice");
    let mut first = spawn_seed(&db, &SLOW);
    first.wait_until("a tenant was loaded", || tenants_loaded(&db) > preloaded());
    let second = spawn_seed(&db, &SLOW);
    let runs = [first.finish(), second.finish()];
    for run in &runs {
        assert!(run.output.status.success(), "{run}");
        assert!(!run.stderr().contains("duplicate key"), "{run}");
    }
    // Both runs loaded part of it: they really overlapped.
    let loaders = query_text(
        db.url(),
        "SELECT count(DISTINCT run_id)::text AS v FROM pm_seed.tenants WHERE run_id > 1",
    );
    assert_eq!(loaders, "2", "{}\n{}", runs[0], runs[1]);
    assert_eq!(tenants_loaded(&db), slow_tenants());
    assert_same_content(&db, &reference, "two runs of one seed against one run");
    xtask(&["status", "--database-url", db.url(), "--verify"]).success();
}

#[test]
fn a_seed_whose_tenants_vanish_while_it_runs_fails() {
    let db = partly_seeded("race_vanish");
    let mut running = spawn_seed(&db, &SLOW);
    running.wait_until("a tenant was loaded", || tenants_loaded(&db) > preloaded());
    // What an emptying by hand (or the --reset of an older xtask) does to the tenants the
    // seed committed so far: gone, rows and ledger, in one snapshot. Row by row, so that it
    // takes no table lock the seed's loader could deadlock with.
    let tables: Vec<&str> = sim::ids::Table::ALL
        .iter()
        .rev()
        .map(|t| t.name())
        .collect();
    let mut sql = String::from("BEGIN ISOLATION LEVEL REPEATABLE READ;");
    for t in tables.iter().copied().chain(["pm_seed.tenants"]) {
        let tenant = if t.starts_with("pm_seed") {
            "tenant_no"
        } else {
            "id / 1000000000"
        };
        sql.push_str(&format!(
            "DELETE FROM {t} WHERE {tenant} IN (SELECT tenant_no FROM pm_seed.tenants);"
        ));
    }
    sql.push_str("COMMIT;");
    exec(&db, &sql);
    let run = running.finish();
    let run = run.failed(&["not in the ledger", "t00001", "--reset"]);
    assert!(!run.stdout().contains("seeded"), "{run}");
    let status = xtask(&["status", "--database-url", db.url()]).success();
    assert!(status.stdout().contains("did not finish"), "{status}");
}

#[test]
fn a_run_of_the_same_seed_finishes_what_a_killed_one_claimed() {
    let db = partly_seeded("race_killed_twin");
    let mut first = spawn_seed(&db, &SLOW);
    first.wait_until("a tenant was loaded", || tenants_loaded(&db) > preloaded());
    let mut second = spawn_seed(&db, &SLOW);
    let by_second = "SELECT count(*)::text AS v FROM pm_seed.tenants \
                     WHERE run_id = (SELECT max(id) FROM pm_seed.runs)";
    second.wait_until("the second run loaded a tenant", || {
        query_text(db.url(), "SELECT count(*)::text AS v FROM pm_seed.runs") == "3"
            && query_text(db.url(), by_second) != "0"
    });
    first.signal("KILL");
    assert!(!first.finish().output.status.success());
    second.finish().success();
    assert_eq!(tenants_loaded(&db), slow_tenants());
    xtask(&["status", "--database-url", db.url(), "--verify"]).success();
    assert_audit_clean(&db);
}

/// The earlier and later days of the advances below.
const EARLY: &str = "2026-10-20";
const LATE: &str = "2026-11-18";

/// Tenants of `db` that stand at `day` in the ledger.
fn at_day(db: &ScratchDb, day: &str) -> i64 {
    let sql = format!("SELECT count(*)::text AS v FROM pm_seed.tenants WHERE as_of = '{day}'");
    query_text(db.url(), &sql).parse().unwrap()
}

/// [`SLOW`] as of `day`.
fn slow_as_of(day: &str) -> Vec<&str> {
    [&SLOW[..], &["--as-of", day]].concat()
}

#[test]
fn a_write_to_a_tenant_an_advance_has_not_reached_is_refused_not_undone() {
    let db = ScratchDb::new("race_advance_write");
    seed(&db, &slow_as_of(EARLY));
    // The last tenant the advance writes (one that had left by EARLY only moves its day).
    let profile = sim::Profile::load("dev").unwrap().scaled(3.0).unwrap(); // SLOW's scale
    let world = sim::Simulator::new(profile, 1);
    let early = chrono::NaiveDate::parse_from_str(EARLY, "%Y-%m-%d").unwrap();
    // Tenants whose open period (their latest) has lead rows, last first.
    let with_leads = query_text(
        db.url(),
        "SELECT string_agg(no::text, ',' ORDER BY no DESC) AS v FROM ( \
         SELECT DISTINCT ON (b.id / 1000000000) (b.id / 1000000000)::int4 AS no, b.id \
         FROM billing_analytics b ORDER BY b.id / 1000000000, b.period_start DESC) o \
         WHERE EXISTS (SELECT 1 FROM lead_analytics l WHERE l.billing_id = o.id)",
    );
    let last = with_leads
        .split(',')
        .map(|n| n.parse::<u32>().unwrap())
        .find(|&no| world.tenant(no).left_on().is_none_or(|left| left > early))
        .unwrap();
    let tenant = sim::ids::tenant_id(last);
    let open = query_text(
        db.url(),
        &format!(
            "SELECT id::text AS v FROM billing_analytics WHERE id / 1000000000 = {last} \
             ORDER BY period_start DESC LIMIT 1"
        ),
    );
    let sent = |db: &ScratchDb| {
        query_text(
            db.url(),
            &format!("SELECT emails_sent::text AS v FROM billing_analytics WHERE id = {open}"),
        )
    };
    let edited = (sent(&db).parse::<i64>().unwrap() + 1).to_string();
    let lead = query_text(
        db.url(),
        &format!("SELECT max(id)::text AS v FROM lead_analytics WHERE billing_id = {open}"),
    );

    let mut advance = spawn_seed(&db, &slow_as_of(LATE));
    advance.wait_until("the advance moved a tenant", || at_day(&db, LATE) > 0);
    exec(
        &db,
        &format!(
            "UPDATE billing_analytics SET emails_sent = {edited} WHERE id = {open}; \
             DELETE FROM lead_analytics WHERE id = {lead};"
        ),
    );
    let run = advance.finish();
    run.failed(&[&tenant, "behind the ledger's back"]);
    // Neither change was undone.
    assert_eq!(sent(&db), edited);
    let deleted = format!("SELECT count(*)::text AS v FROM lead_analytics WHERE id = {lead}");
    assert_eq!(query_text(db.url(), &deleted), "0");
}

#[test]
fn a_second_advance_to_another_day_is_refused_while_one_runs() {
    let db = ScratchDb::new("race_two_days");
    seed(&db, &slow_as_of(EARLY));
    let mut first = spawn_seed(&db, &slow_as_of(LATE));
    first.wait_until("the advance moved a tenant", || at_day(&db, LATE) > 0);
    let mut second = vec!["seed", "--database-url", db.url()];
    second.extend(slow_as_of("2026-11-10"));
    xtask(&second).refused(&["another run of this seed", LATE, "wait for it to finish"]);
    first.finish().success();
    xtask(&["status", "--database-url", db.url(), "--verify"]).success();
}

#[test]
fn loaders_stop_when_their_runs_lock_is_gone_and_a_reset_waits_for_them() {
    let db = partly_seeded("race_lock_gone");
    let mut running = spawn_seed(&db, &SLOW);
    running.wait_until("a tenant was loaded", || tenants_loaded(&db) > preloaded());
    // The run's main session, which holds its warehouse lock, is ended (by an operator, a
    // pooler, a failover); its loader's session lives on.
    exec(
        &db,
        "SELECT pg_terminate_backend(pid) FROM pm_seed.runs WHERE id = (SELECT max(id) FROM pm_seed.runs)",
    );
    let mut reset = vec!["seed", "--database-url", db.url()];
    reset.extend(SLOW);
    reset.push("--reset");
    let reset = xtask(&reset);
    let run = running.finish();
    for r in [&reset, &run] {
        assert!(!r.stderr().contains("deadlock"), "{r}");
    }
    run.failed(&["warehouse lock is gone"]);
    let reset = reset.success();
    assert!(reset.stderr().contains("reset: removed"), "{reset}");
    xtask(&["status", "--database-url", db.url(), "--verify"]).success();
    assert_audit_clean(&db);
}
