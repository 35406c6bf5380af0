//! Interrupted and concurrent seeds: a killed seed leaves only complete tenants and the
//! same command finishes it; shards loaded side by side add up to the whole.

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Large enough (108 tenants on one loader) to be still running when its first tenant
/// commits.
const KILLED: [&str; 6] = ["--profile", "dev", "--scale", "3", "--jobs", "1"];

fn spawn_seed(db: &ScratchDb, extra: &[&str]) -> (Vec<String>, Child) {
    let mut args: Vec<String> = vec!["seed".into(), "--database-url".into(), db.url().into()];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let child = command(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning xtask seed");
    (args, child)
}

fn finish(args: &[String], child: Child) -> Run {
    let output = child.wait_with_output().expect("waiting for xtask");
    Run::new(&args.iter().map(String::as_str).collect::<Vec<_>>(), output)
}

/// Tenants committed so far (0 while the ledger does not exist yet).
fn tenants_loaded(db: &ScratchDb) -> i64 {
    if !ledger_exists(db.url()) {
        return 0;
    }
    query_text(db.url(), "SELECT count(*)::text AS v FROM pm_seed.tenants")
        .parse()
        .unwrap()
}

/// Starts the seed, interrupts it with `signal` once a tenant is committed, checks what
/// is left, and runs the same command again to the end.
fn interrupt_and_resume(signal: &str) -> ScratchDb {
    let total = i64::from(sim::Profile::load("dev").unwrap().tenants) * 3; // KILLED's scale
    let db = ScratchDb::new(&format!("resume_{signal}"));
    let (args, mut child) = spawn_seed(&db, &KILLED);
    let started = Instant::now();
    while tenants_loaded(&db) == 0 {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the seed ended ({status}) before a tenant was seen");
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no tenant yet"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let killed = std::process::Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let run = finish(&args, child);
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
    assert_audit_clean(&db);
    let status = xtask(&["status", "--database-url", db.url()]).success();
    assert!(status.stdout().contains("did not finish"), "{status}");

    let rerun = seed(&db, &KILLED);
    let resuming = format!("resuming: {loaded} tenants already loaded");
    assert!(rerun.stderr().contains(&resuming), "{rerun}");
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
    for (args, child) in children {
        let run = finish(&args, child);
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
