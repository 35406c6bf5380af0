//! `cargo xtask`: the warehouse's developer and CI tasks.

use clap::{Parser, Subcommand};

mod codegen;

/// Tasks for the PenguinMails analytics warehouse.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Regenerate `crates/schema/src/schema.rs` from `migrations/` with the pinned diesel_cli.
    Codegen {
        /// Fail, printing the diff, if the committed file is stale; write nothing.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Codegen { check } => codegen::run(check),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
