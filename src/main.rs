//! `swspec`: model-check the Service Worker reference model and check browser traces against it.

mod capture;
mod check;
mod conform;
mod coverage;
mod explore;
mod matrix;
mod remap;
mod report;
mod scenario;
mod term;

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
    /// Check traces (files or folders) against the model; compare with the expected verdicts.
    Conform(conform::ConformArgs),
    /// Run scenario files in a real browser and write their traces.
    Capture(capture::CaptureArgs),
    /// Which model behaviours (action classes, sometimes properties, guard steps, profile
    /// timers) the stored real traces exercise, per engine folder.
    Coverage(coverage::CoverageArgs),
    /// Write a scenario file from the model's shortest path that exercises a coverage class
    /// (for a person to review and commit).
    Scenario(scenario::ScenarioArgs),
    /// The conformance matrix (scenario × engine) of the stored browser traces, as Markdown.
    Matrix(matrix::MatrixArgs),
    /// Re-derive stored captures' observations from their raw records with today's mapping,
    /// rewriting each changed trace atomically (`--check`: only report).
    Remap(remap::RemapArgs),
    /// Serve stateright's Explorer on the model (127.0.0.1 only), optionally at a given path.
    Explore(explore::ExploreArgs),
    /// Write the HTML report (matrix, per-trace sequence diagrams, spec links) into a folder.
    Report(report::ReportArgs),
    /// Print the JSON Schema of a trace line (committed as traces/schema.json).
    Schema,
}

/// A closed stdout (`swspec conform traces | head -1`) ends the command quietly, as it ends
/// `cat`: the default action of SIGPIPE, which Rust's runtime otherwise ignores (every later
/// `println!` would then panic). `capture` keeps ignoring it: a browser is running, and its
/// progress lines are not worth losing the capture for.
fn stdout_may_close() {
    // SAFETY: signal(2) with SIG_DFL, before any thread is started; no memory is touched.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
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
    if !matches!(cli.command, Command::Capture(_)) {
        stdout_may_close();
    }
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Conform(args) => conform::run(&args),
        Command::Capture(args) => capture::run(&args),
        Command::Coverage(args) => coverage::run(&args),
        Command::Matrix(args) => matrix::run(&args),
        Command::Remap(args) => remap::run(&args),
        Command::Scenario(args) => scenario::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Explore(args) => explore::run(&args),
        Command::Schema => {
            match serde_json::to_string_pretty(&swspec_conformance::trace::schema()) {
                Ok(s) => println!("{s}"),
                Err(e) => {
                    eprintln!("swspec schema: {e}");
                    return ExitCode::from(2);
                }
            }
            ExitCode::SUCCESS
        }
    }
}
