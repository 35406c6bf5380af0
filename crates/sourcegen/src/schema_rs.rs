//! `schema.rs`, generated from a migrations directory by the pinned diesel_cli:
//!
//! 1. Makes sure the pinned diesel_cli ([`DIESEL_CLI_VERSION`]) is installed, installing it
//!    with `cargo install` otherwise: `print-schema` output differs between versions.
//! 2. Creates a scratch database on the given server and applies the migrations to it, in
//!    process, with Diesel's migration harness.
//! 3. Runs `diesel print-schema --config-file diesel.toml` against it, with the scratch
//!    URL in `DATABASE_URL`, and captures its standard output: the CLI writes no file.
//! 4. Drops the scratch database, on success and on error alike.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{ensure, Context, Result};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use pgconn::scratch::ScratchDb;

use crate::workspace_root;

/// The diesel_cli whose `print-schema` output is committed.
pub const DIESEL_CLI_VERSION: &str = "2.3.14";

/// Where the generated schema lives, relative to the workspace root.
pub const SCHEMA_RS: &str = "crates/schema/src/schema.rs";

/// The `schema.rs` text for the migrations in `migrations_dir`, printed by the pinned
/// diesel_cli from a scratch database on the server of `server_url`.
pub fn generate(migrations_dir: &Path, server_url: &str) -> Result<String> {
    let root = workspace_root();
    let diesel = diesel_cli()?;
    // Dropped, WITH (FORCE), when this function returns or unwinds.
    let db = ScratchDb::create_on(server_url, "codegen")?;
    {
        let mut conn = db.try_conn()?;
        let migrations = FileBasedMigrations::from_path(migrations_dir)
            .with_context(|| format!("reading migrations in {}", migrations_dir.display()))?;
        conn.run_pending_migrations(migrations)
            .map_err(|err| anyhow::anyhow!("{err}"))
            .with_context(|| format!("running the migrations of {}", migrations_dir.display()))?;
    }
    let path = tool_path()?;
    let output = Command::new(&diesel)
        .arg("print-schema")
        .arg("--config-file")
        .arg(root.join("diesel.toml"))
        .env("DATABASE_URL", db.url())
        .env("PATH", &path)
        .current_dir(&root)
        .output()
        .with_context(|| format!("running {}", diesel.display()))?;
    let stderr = pgconn::secrets::scrub(&String::from_utf8_lossy(&output.stderr), db.url());
    ensure!(
        output.status.success(),
        "`diesel print-schema` failed ({}) on {}:\n{stderr}",
        output.status,
        pgconn::secrets::redact(db.url())
    );
    String::from_utf8(output.stdout).context("`diesel print-schema` printed invalid UTF-8")
}

/// The pinned diesel_cli: `diesel` on `PATH` or in Cargo's bin directory, else installed
/// there now.
fn diesel_cli() -> Result<PathBuf> {
    let in_cargo_bin = cargo_home().join("bin").join("diesel");
    let candidates = [PathBuf::from("diesel"), in_cargo_bin.clone()];
    if let Some(found) = candidates
        .iter()
        .find(|bin| cli_version(bin).as_deref() == Some(DIESEL_CLI_VERSION))
    {
        return Ok(found.clone());
    }
    let found = cli_version(&candidates[0]).unwrap_or_else(|| "none".to_owned());
    let args = [
        "install",
        "diesel_cli",
        "--version",
        DIESEL_CLI_VERSION,
        "--locked",
        "--no-default-features",
        "--features",
        "postgres",
    ];
    println!(
        "diesel_cli {DIESEL_CLI_VERSION} is pinned (found: {found}); running `cargo {}`",
        args.join(" ")
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(args)
        .status()
        .context("running cargo install diesel_cli")?;
    ensure!(
        status.success(),
        "cargo install diesel_cli failed ({status})"
    );
    ensure!(
        cli_version(&in_cargo_bin).as_deref() == Some(DIESEL_CLI_VERSION),
        "{} is not diesel_cli {DIESEL_CLI_VERSION} after installing it",
        in_cargo_bin.display()
    );
    Ok(in_cargo_bin)
}

/// `PATH` for `diesel print-schema`, which formats its output with `rustfmt` and prints
/// it unformatted, without a word, when there is none: Cargo's bin directory and the
/// directory of the running `cargo` go first, and `rustfmt` must be found.
fn tool_path() -> Result<std::ffi::OsString> {
    let mut dirs = vec![cargo_home().join("bin")];
    if let Some(cargo) = std::env::var_os("CARGO") {
        dirs.extend(Path::new(&cargo).parent().map(Path::to_path_buf));
    }
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    let path = std::env::join_paths(dirs).context("building PATH for diesel")?;
    let rustfmt = Command::new("rustfmt")
        .arg("--version")
        .env("PATH", &path)
        .output();
    ensure!(
        rustfmt.is_ok_and(|out| out.status.success()),
        "`diesel print-schema` needs rustfmt to format schema.rs: \
         run `rustup component add rustfmt`"
    );
    Ok(path)
}

/// The version `diesel --version` reports (`Version: 2.3.14`), if `bin` runs at all.
fn cli_version(bin: &Path) -> Option<String> {
    let output = Command::new(bin).arg("--version").output().ok()?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.trim().strip_prefix("Version:"))
        .map(|version| version.trim().to_owned())
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::sync::Mutex;

    use diesel::prelude::*;

    use super::*;

    /// Serialises the tests that generate, so that each can see its own scratch databases.
    static SERVER: Mutex<()> = Mutex::new(());

    fn lock() -> std::sync::MutexGuard<'static, ()> {
        SERVER
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// This process's codegen scratch databases that still exist.
    fn leftover_scratch_databases() -> Vec<String> {
        let mut conn = PgConnection::establish(&pgconn::scratch::server_url()).unwrap();
        let names: Vec<String> =
            diesel::dsl::sql::<diesel::sql_types::Text>("SELECT datname::text FROM pg_database")
                .load(&mut conn)
                .unwrap();
        let prefix = format!("pm_test_{}_", std::process::id());
        names
            .into_iter()
            .filter(|name| name.starts_with(&prefix) && name.ends_with("_codegen"))
            .collect()
    }

    fn committed() -> String {
        fs::read_to_string(workspace_root().join(SCHEMA_RS)).unwrap()
    }

    /// A copy of `migrations/` in a temporary directory.
    fn migrations_copy() -> tempfile::TempDir {
        let copy = tempfile::tempdir().unwrap();
        for migration in fs::read_dir(workspace_root().join("migrations")).unwrap() {
            let migration = migration.unwrap().path();
            let target = copy.path().join(migration.file_name().unwrap());
            fs::create_dir(&target).unwrap();
            for file in fs::read_dir(&migration).unwrap() {
                let file = file.unwrap().path();
                fs::copy(&file, target.join(file.file_name().unwrap())).unwrap();
            }
        }
        copy
    }

    #[test]
    fn unmodified_migrations_reproduce_the_committed_schema() {
        let _serial = lock();
        let copy = migrations_copy();
        let generated = generate(copy.path(), &pgconn::scratch::server_url()).unwrap();
        assert!(generated.starts_with("// @generated automatically by Diesel CLI."));
        assert_eq!(generated, committed());
    }

    #[test]
    fn a_column_added_without_regenerating_fails_the_check() {
        let _serial = lock();
        let copy = migrations_copy();
        let mut migrations: Vec<PathBuf> = fs::read_dir(copy.path())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        migrations.sort();
        let up = migrations.last().unwrap().join("up.sql");
        let mut sql = fs::read_to_string(&up).unwrap();
        sql.push_str("\nALTER TABLE billing_analytics ADD COLUMN extra INT;\n");
        fs::write(&up, sql).unwrap();

        let generated = generate(copy.path(), &pgconn::scratch::server_url()).unwrap();
        assert_ne!(generated, committed());
        assert!(generated.contains("extra -> Nullable<Int4>"), "{generated}");
        let schema = crate::File {
            path: SCHEMA_RS.to_owned(),
            bytes: generated.into_bytes(),
        };
        let err = crate::ensure(&workspace_root(), &[schema], true, "cargo xtask codegen")
            .unwrap_err()
            .to_string();
        assert!(err.contains("crates/schema/src/schema.rs differs"), "{err}");
        assert!(err.contains("Run `cargo xtask codegen`"), "{err}");
    }

    #[test]
    fn broken_migrations_fail_and_drop_the_scratch_database() {
        let _serial = lock();
        let copy = migrations_copy();
        let broken = copy.path().join("2099-01-01-000000_broken");
        fs::create_dir(&broken).unwrap();
        fs::write(
            broken.join("up.sql"),
            "ALTER TABLE no_such_table ADD x INT;",
        )
        .unwrap();
        fs::write(broken.join("down.sql"), "").unwrap();
        let err = generate(copy.path(), &pgconn::scratch::server_url()).unwrap_err();
        assert!(format!("{err:#}").contains("no_such_table"), "{err:#}");
        assert_eq!(leftover_scratch_databases(), Vec::<String>::new());
    }

    #[test]
    fn cli_version_is_none_without_a_binary() {
        assert_eq!(cli_version(Path::new("/nonexistent/diesel")), None);
    }
}
