//! `embed_migrations!` reads `migrations/` at compile time, but Cargo only tracks files
//! inside the package. Without this, a changed migration would leave a stale crate.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
