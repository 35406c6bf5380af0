//! A killed advance, run again, completes: the tenants it advanced are whole (rows and
//! ledger row in one transaction), the others still stand at the earlier day, the audit
//! holds in between, and the rerun ends where a fresh seed as of the later day is.

mod common;

use common::*;

/// Large enough (about 100 tenants on one loader) to be still running when its first
/// tenant is advanced.
const WORLD: [&str; 6] = ["--profile", "dev", "--scale", "3", "--jobs", "1"];
const EARLY: &str = "2026-10-20";
const LATE: &str = "2026-11-18";

fn advanced(db: &ScratchDb) -> i64 {
    let sql = format!("SELECT count(*)::text AS v FROM pm_seed.tenants WHERE as_of = '{LATE}'");
    query_text(db.url(), &sql).parse().unwrap()
}

#[test]
fn a_killed_advance_completes_when_run_again() {
    std::thread::scope(|scope| {
        let reference = scope.spawn(|| {
            let db = ScratchDb::new("advance_reference");
            seed(&db, &[&WORLD[..], &["--as-of", LATE]].concat());
            db
        });
        let db = ScratchDb::new("advance_killed");
        seed(&db, &[&WORLD[..], &["--as-of", EARLY]].concat());
        let before = tenants_loaded(&db);
        let mut child = spawn_seed(&db, &[&WORLD[..], &["--as-of", LATE]].concat());
        // Synchronised on the ledger: the first advanced tenant has committed.
        child.wait_until("a tenant was advanced", || advanced(&db) > 0);
        child.signal("KILL");
        let run = child.finish();
        assert!(!run.output.status.success(), "SIGKILL ignored: {run}");
        let moved = advanced(&db);
        assert!(moved < before, "the kill came after all {moved} tenants");
        // Whole tenants only: the tables still match the ledger's checksums, tenant by
        // tenant, some as of each day; and every rule holds in between.
        xtask(&["status", "--database-url", db.url(), "--verify"]).success();
        assert_audit_clean(&db);

        let rerun = seed(&db, &[&WORLD[..], &["--as-of", LATE]].concat());
        assert!(
            rerun
                .stderr()
                .contains(&format!("advancing from {EARLY} to {LATE}")),
            "{rerun}"
        );
        assert_audit_clean(&db);
        let reference = reference.join().expect("the reference seed failed");
        assert_same_content(
            &db,
            &reference,
            "a killed advance run again, against a fresh seed",
        );
        // Each run keeps what it wrote: the first seed all its tenants, the killed advance
        // some, and the rerun the rest.
        let status = xtask(&["status", "--database-url", db.url()]).success();
        let stdout = status.stdout();
        let runs: Vec<&str> = stdout.lines().filter(|l| l.starts_with("run ")).collect();
        assert!(runs[0].contains(&format!("as of {EARLY}")), "{status}");
        let written: Vec<i64> = runs
            .iter()
            .map(|l| {
                let tenants = l.rsplit("; ").next().and_then(|t| t.split(' ').next());
                tenants.and_then(|n| n.parse().ok()).unwrap_or(-1)
            })
            .collect();
        assert_eq!(written.len(), 3, "{status}");
        assert_eq!(written[0], before, "{status}");
        assert_eq!(written[1], moved, "{status}");
        assert_eq!(written[1] + written[2], advanced(&db), "{status}");
    });
}
