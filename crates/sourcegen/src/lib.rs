//! Generated files of the workspace, in the manner of rust-analyzer's `sourcegen`: one
//! [`ensure`] writes them locally and proves in CI that the committed copies are current,
//! and [`schema_rs`] produces Diesel's `schema.rs` from the migrations.

use std::path::{Path, PathBuf};

mod ensure;
pub mod schema_rs;

pub use ensure::{ensure, File};

/// The workspace root: two levels above this crate's directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("sourcegen sits in crates/ of the workspace")
        .to_path_buf()
}
