//! `cargo xtask codegen [--check]`: regenerates `crates/schema/src/schema.rs` from
//! `migrations/` ([`sourcegen::schema_rs`], on a scratch database of the server that
//! [`warehouse::scratch::try_server_url`] picks), and `docs/rules.md` from the rule catalog
//! ([`sim::rules::document`]).
//!
//! Both files are written, or checked with `--check`, by [`sourcegen::ensure`].

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
            bytes: schema_rs::generate(
                &root.join("migrations"),
                &warehouse::scratch::try_server_url()?,
            )?
            .into_bytes(),
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_rules_document_is_current() {
        let root = super::workspace_root();
        sourcegen::ensure(&root, &[super::rules_md()], true, "cargo xtask codegen").unwrap();
    }
}
