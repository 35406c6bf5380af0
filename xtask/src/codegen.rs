//! `cargo xtask codegen [--check]`: regenerates `crates/schema/src/schema.rs` from
//! `migrations/` ([`sourcegen::schema_rs`], on a scratch database of the server of
//! `DATABASE_URL`, from the environment or the workspace's `.env`; default the local
//! server), and `docs/rules.md` from the rule catalog ([`sim::rules::document`]).
//!
//! Both files are written, or checked with `--check`, by [`sourcegen::ensure`].

use std::path::Path;

use anyhow::Result;
use sourcegen::{schema_rs, workspace_root, File};

/// The rules document, relative to the workspace root.
const RULES_MD: &str = "docs/rules.md";

/// Runs the task; `check` compares instead of writing.
pub fn run(check: bool) -> Result<()> {
    let root = workspace_root();
    let files = [
        File {
            path: schema_rs::SCHEMA_RS.to_owned(),
            bytes: schema_rs::generate(&root.join("migrations"), &server_url(&root))?.into_bytes(),
        },
        rules_md(),
    ];
    sourcegen::ensure(&root, &files, check, "cargo xtask codegen")
}

fn rules_md() -> File {
    File {
        path: RULES_MD.to_owned(),
        bytes: sim::rules::document().into_bytes(),
    }
}

/// `DATABASE_URL` from the environment or the workspace's `.env`, else the local server.
fn server_url(root: &Path) -> String {
    dotenvy::from_path(root.join(".env")).ok();
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| warehouse::scratch::DEFAULT_SERVER_URL.to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_rules_document_is_current() {
        let root = super::workspace_root();
        sourcegen::ensure(&root, &[super::rules_md()], true, "cargo xtask codegen").unwrap();
    }
}
