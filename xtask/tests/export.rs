//! `cargo xtask export`, loaded with plain `psql \copy`, is the warehouse a seed writes.

mod common;

use common::*;

#[test]
fn export_loaded_with_psql_equals_the_seed() {
    let world = ["--profile", "dev", "--seed", "5", "--scale", "0.5"];
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let mut args = vec!["export", "--out", out];
    args.extend(world);
    let export = xtask(&args).success();
    let stdout = export.stdout();
    // The printed instructions are the psql lines used below, in foreign-key order.
    let script = copy_script(dir.path());
    let printed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("\\copy")).collect();
    assert_eq!(printed, script, "{export}");

    let loaded = ScratchDb::migrated("export_psql");
    psql_copy(&loaded, dir.path(), false);
    let total: i64 = counts(loaded.url()).iter().sum();
    assert!(stdout.contains(&format!("wrote {total} rows")), "{export}");
    assert_audit_clean(&loaded);

    let seeded = ScratchDb::new("export_seed");
    seed(&seeded, &world);
    assert_same_content(&loaded, &seeded, "export + psql against seed");
}
