//! `cargo xtask codegen`: to be written.
pub fn run(_check: bool) -> anyhow::Result<()> {
    anyhow::bail!("not yet implemented")
}
