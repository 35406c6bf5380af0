//! Interrupted and concurrent seeds: a killed seed leaves only complete tenants and the
//! same command finishes it; shards loaded side by side add up to the whole.

mod common;

use common::*;

/// Large enough (108 tenants on one loader) to be still running when its first tenant
/// commits.
const KILLED: [&str; 6] = ["--profile", "dev", "--scale", "3", "--jobs", "1"];

/// Starts the seed, interrupts it with `signal` once a tenant is committed, checks what
/// is left, and runs the same command again to the end.
fn interrupt_and_resume(signal: &str) -> ScratchDb {
    let profile = sim::Profile::load("dev").unwrap().scaled(3.0).unwrap(); // KILLED's scale
    let total = sim::Simulator::new(profile, 1)
        .tenants(sim::Shard::ALL)
        .count() as i64;
    let db = ScratchDb::new(&format!("resume_{signal}"));
    let mut child = spawn_seed(&db, &KILLED);
    child.wait_until("a tenant was loaded", || tenants_loaded(&db) > 0);
    child.signal(signal);
    let run = child.finish();
    assert!(!run.output.status.success(), "SIG{signal} ignored: {run}");
    let loaded = tenants_loaded(&db);
    assert!(
        loaded < total,
        "SIG{signal} came after all {loaded} tenants"
    );

    // Only whole tenants: the six tables hold exactly the rows the ledger lists.
    let ledger = query_text(
        db.url(),
        "SELECT array_to_string(ARRAY(SELECT coalesce(sum(rows[i]), 0) \
         FROM generate_series(1, 6) i LEFT JOIN pm_seed.tenants ON true \
         GROUP BY i ORDER BY i), ' ') AS v",
    );
    let present: Vec<String> = counts(db.url()).iter().map(i64::to_string).collect();
    assert_eq!(
        ledger,
        present.join(" "),
        "rows of incomplete tenants remain"
    );
    // An empty warehouse is loaded in bulk: until the rerun rebuilds the keys, the audit
    // refuses to judge it.
    audit(&db).failed(&["keys missing on", "run the same seed command to finish"]);
    // `status` counts what the interrupted run loaded, and once the rerun finishes it,
    // says so.
    let status = xtask(&["status", "--database-url", db.url()]).success();
    let interrupted = format!("did not finish (resumable); {loaded} tenants");
    assert!(status.stdout().contains(&interrupted), "{status}");

    let rerun = seed(&db, &KILLED);
    let resuming = format!("resuming: {loaded} tenants already loaded");
    assert!(rerun.stderr().contains(&resuming), "{rerun}");
    let status = xtask(&["status", "--database-url", db.url(), "--verify"]).success();
    let out = status.stdout();
    let runs: Vec<&str> = out.lines().filter(|l| l.starts_with("run ")).collect();
    assert_eq!(runs.len(), 2, "{status}");
    let completed = format!("interrupted, completed by run 2; {loaded} tenants");
    assert!(runs[0].contains(&completed), "{status}");
    assert!(runs[1].contains(", finished 20"), "{status}");
    assert!(
        runs[1].contains(&format!("; {} tenants", total - loaded)),
        "{status}"
    );
    db
}

#[test]
fn an_interrupted_seed_resumes_to_the_uninterrupted_content() {
    std::thread::scope(|scope| {
        let reference = scope.spawn(|| {
            let db = ScratchDb::new("resume_reference");
            seed(&db, &KILLED);
            db
        });
        let resumed = ["KILL", "INT"].map(|signal| {
            let handle = scope.spawn(move || interrupt_and_resume(signal));
            (signal, handle)
        });
        let reference = reference.join().expect("the reference seed failed");
        for (signal, handle) in resumed {
            let db = handle.join().expect("the interrupted seed failed");
            let what = format!("after SIG{signal} and a rerun");
            assert_same_content(&db, &reference, &what);
        }
    });
}

#[test]
fn concurrent_shards_into_a_missing_database_add_up_to_the_whole() {
    let whole = ScratchDb::new("shards_whole");
    seed(&whole, &[]);
    // Missing at first: both shards find it absent, one creates it, the other waits.
    let db = absent_db("shards");
    let children: Vec<_> = ["1/2", "2/2"]
        .iter()
        .map(|shard| spawn_seed(&db, &["--shard", shard]))
        .collect();
    for child in children {
        let run = child.finish();
        assert!(run.output.status.success(), "a shard failed: {run}");
    }
    assert_same_content(&db, &whole, "shards 1/2 + 2/2 against the whole");
    assert_audit_clean(&db);
}

#[test]
fn the_number_of_loader_connections_does_not_change_the_rows() {
    let one = ScratchDb::new("jobs_one");
    let many = ScratchDb::new("jobs_many");
    seed(&one, &["--jobs", "1"]);
    seed(&many, &["--jobs", "5"]);
    assert_same_content(&many, &one, "--jobs 5 against --jobs 1");
}

/// A run killed after it loaded every tenant, before it recorded its end (in its final
/// check, say): the next run finds nothing to load, checks the warehouse, and records the
/// killed run as complete, rather than leave it "did not finish" for ever.
#[test]
fn a_run_killed_before_it_recorded_its_end_is_completed_by_the_next_run() {
    let db = ScratchDb::new("resume_final_check");
    let mut child = spawn_seed(&db, &KILLED);
    let runs = "SELECT count(*)::text AS v FROM pm_seed.runs";
    child.wait_until("the run was recorded", || {
        ledger_exists(db.url()) && query_text(db.url(), runs) == "1"
    });
    // Recording the end updates pm_seed.runs, which this lock holds still.
    let mut lock = connect(db.url());
    diesel::connection::SimpleConnection::batch_execute(
        &mut lock,
        "BEGIN; LOCK TABLE pm_seed.runs IN SHARE MODE",
    )
    .unwrap();
    child.wait_until("the run recording its end", || {
        query_text(
            db.url(),
            "SELECT (count(*) > 0)::text AS v FROM pg_locks WHERE NOT granted \
             AND relation = 'pm_seed.runs'::regclass",
        ) == "true"
    });
    child.signal("KILL");
    assert!(!child.finish().output.status.success());
    drop(lock);
    let sessions = "SELECT count(*)::text AS v FROM pg_stat_activity \
                    WHERE datname = current_database() AND pid <> pg_backend_pid()";
    let started = std::time::Instant::now();
    while query_text(db.url(), sessions) != "0" {
        assert!(
            started.elapsed().as_secs() < 60,
            "the killed run's sessions remain"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let status = xtask(&["status", "--database-url", db.url()]).success();
    assert!(status.stdout().contains("did not finish"), "{status}");

    let rerun = seed(&db, &KILLED);
    assert!(rerun.stderr().contains("nothing to do"), "{rerun}");
    assert!(rerun.stderr().contains("recorded as finished"), "{rerun}");
    let status = xtask(&["status", "--database-url", db.url(), "--verify"]).success();
    assert!(!status.stdout().contains("did not finish"), "{status}");
}
