//! `cargo xtask export`, loaded with plain `psql \copy`, is the warehouse a seed writes.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;

/// Every file under `dir` (names relative to it) and a hash of its content.
fn files(dir: &Path) -> BTreeMap<String, String> {
    use sha2::{Digest, Sha256};
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let data = std::fs::read(e.path()).unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            (name, format!("{:x}", Sha256::digest(&data)))
        })
        .collect()
}

/// Entries of `dir` whose name starts with `prefix`.
fn entries(dir: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect()
}

/// A staging export into `<parent>/out`, returned once it has started writing files.
fn staging_export_under_way(parent: &Path, out: &str) -> Spawned {
    let mut export = spawn(&[
        "export",
        "--out",
        out,
        "--profile",
        "staging",
        "--seed",
        "2",
    ]);
    export.wait_until("the export started writing", || {
        std::fs::read_dir(parent.join(".out.export-partial")).is_ok_and(|mut r| r.next().is_some())
    });
    export
}

#[test]
fn a_killed_export_leaves_the_previous_one_and_the_next_cleans_up() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let out = dir.to_str().unwrap();
    xtask(&["export", "--out", out, "--seed", "1"]).success();
    let previous = files(&dir);
    assert_eq!(previous.len(), 6, "{previous:?}");

    // A larger export, killed while it writes (its staging directory has content).
    let killed = staging_export_under_way(tmp.path(), out);
    killed.signal("KILL");
    killed.finish();
    assert_eq!(files(&dir), previous, "the killed export changed --out");

    let again = xtask(&["export", "--out", out, "--seed", "3"]).success();
    let next = files(&dir);
    assert_eq!(next.len(), 6, "{next:?}");
    assert_ne!(next, previous, "{again}");
    assert_eq!(
        entries(tmp.path(), "."),
        Vec::<String>::new(),
        "leftovers remain"
    );
}

#[test]
fn a_second_export_to_the_same_directory_is_refused_while_the_first_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let out = dir.to_str().unwrap();
    let first = staging_export_under_way(tmp.path(), out);
    xtask(&["export", "--out", out, "--seed", "1"]).refused(&["another export to", "is running"]);
    assert!(
        std::fs::read_dir(tmp.path().join(".out.export-partial")).is_ok(),
        "the refused export touched the running one's files"
    );
    first.signal("KILL");
    first.finish();
    // The lock died with its process: the next export runs, and leaves nothing behind.
    xtask(&["export", "--out", out, "--seed", "1"]).success();
    assert_eq!(files(&dir).len(), 6);
    assert_eq!(
        entries(tmp.path(), "."),
        Vec::<String>::new(),
        "leftovers remain"
    );
}

#[test]
fn export_refuses_a_directory_holding_other_files_and_zero_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let out = tmp.path().to_str().unwrap();
    xtask(&["export", "--out", out]).refused(&["notes.txt"]);
    assert_eq!(entries(tmp.path(), ""), vec!["notes.txt".to_owned()]);
    let new = tmp.path().join("new");
    xtask(&["export", "--out", new.to_str().unwrap(), "--jobs", "0"]).refused(&["--jobs"]);
    assert_eq!(entries(tmp.path(), ""), vec!["notes.txt".to_owned()]);
}

#[test]
fn export_loaded_with_psql_equals_the_seed() {
    let world = ["--profile", "dev", "--seed", "5", "--scale", "0.5"];
    let tmp = tempfile::tempdir().unwrap();
    // A quote in the path: the printed script must quote it for psql.
    let dir = tmp.path().join("it's an export");
    let out = dir.to_str().unwrap();
    let mut args = vec!["export", "--out", out];
    args.extend(world);
    let export = xtask(&args).success();
    let stdout = export.stdout();
    // The printed instructions are the psql lines used below, in foreign-key order.
    let script = copy_script(&dir);
    let printed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("\\copy")).collect();
    assert_eq!(printed, script, "{export}");

    let loaded = ScratchDb::migrated("export_psql");
    psql_copy(&loaded, &dir, false);
    let total: i64 = counts(loaded.url()).iter().sum();
    assert!(stdout.contains(&format!("wrote {total} rows")), "{export}");
    assert_audit_clean(&loaded);

    let seeded = ScratchDb::new("export_seed");
    seed(&seeded, &world);
    assert_same_content(&loaded, &seeded, "export + psql against seed");
}

/// Tenants generated on four threads are written in tenant order: the files are the
/// bytes of a one-thread export.
#[test]
fn export_on_four_threads_is_the_one_thread_export_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let export = |jobs: &str| {
        let dir = tmp.path().join(format!("jobs{jobs}"));
        let out = dir.to_str().unwrap();
        xtask(&[
            "export",
            "--out",
            out,
            "--profile",
            "dev",
            "--seed",
            "2",
            "--jobs",
            jobs,
        ])
        .success();
        files(&dir)
    };
    let one = export("1");
    assert_eq!(one.len(), 6, "{one:?}");
    assert_eq!(export("4"), one, "--jobs 4 against --jobs 1");
}

/// The committed fixtures are what `fixtures/manifest.toml` says `export` writes for
/// them: on four threads, the same six files byte for byte, and the manifest's content
/// hash over them.
#[test]
fn export_on_four_threads_writes_the_committed_fixtures() {
    use sha2::{Digest, Sha256};
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let profile = fixtures.join("profile.toml");
    let manifest = std::fs::read_to_string(fixtures.join("manifest.toml")).unwrap();
    let manifest: toml::Table = toml::from_str(&manifest).unwrap();
    let seed = manifest["seed"].as_integer().unwrap().to_string();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    xtask(&[
        "export",
        "--out",
        dir.to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
        "--seed",
        &seed,
        "--jobs",
        "4",
    ])
    .success();
    let mut all = Sha256::new();
    for table in sim::ids::Table::ALL {
        let name = format!("{}.csv", table.name());
        let written = std::fs::read(dir.join(&name)).unwrap();
        let committed = std::fs::read(fixtures.join(&name)).unwrap();
        assert!(
            written == committed,
            "{name} differs from the committed fixture"
        );
        all.update(&written);
    }
    assert_eq!(
        format!("{:x}", all.finalize()),
        manifest["content_hash"].as_str().unwrap(),
        "the manifest's content hash"
    );
}
