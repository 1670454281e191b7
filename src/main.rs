//! `swspec`: model-check the Service Worker reference model (and, later, check browser traces
//! against it).

mod check;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Executable, model-checked reference model of Service Workers.
#[derive(Parser, Debug)]
#[command(name = "swspec", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Model-check the Service Worker model exhaustively against its named properties.
    Check(check::CheckArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Check(args) => check::run(&args),
    }
}
