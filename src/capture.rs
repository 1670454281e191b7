//! `swspec capture`: run scenario files in a real browser and write their traces.
//!
//! SIGINT, SIGTERM and SIGHUP stop it cleanly: the browser's processes are killed, the partial
//! trace written, the scratch folder removed, and the exit status is 128 + the signal. Progress
//! lines go to stdout with no fuss when it is closed: the captures go on.

use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use swspec_conformance::capture::{self, scenario::Scenario, signal, CaptureError, Engine, OutDir};

/// `println!` that ignores a closed stdout (a capture is not given up for its progress lines).
macro_rules! say {
    ($($t:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

/// Knobs of `swspec capture`.
#[derive(Args, Debug, Clone)]
pub struct CaptureArgs {
    /// The browser: `chromium` (DevTools), `firefox` (Firefox ESR over WebDriver BiDi) or
    /// `webkit` (WebKitWebDriver + MiniBrowser under xvfb-run). Default `chromium`.
    #[arg(long, default_value = "chromium", value_parser = parse_engine)]
    engine: Engine,
    /// A scenario name (a file stem in the scenarios folder), or `all`. Repeatable.
    #[arg(long)]
    scenario: Vec<String>,
    /// Where traces go (`<dir>/<scenario>.jsonl`; failures as `<scenario>.partial.jsonl`).
    #[arg(long, default_value = "traces/capture")]
    out: PathBuf,
    /// The scenario files' folder.
    #[arg(long, default_value = "conformance/scenarios")]
    scenarios: PathBuf,
    /// With `--scenario all`, include the slow scenarios (minutes each).
    #[arg(long)]
    slow: bool,
    /// The browser binary (default: Debian's /usr/bin/chromium, /usr/bin/firefox-esr, or
    /// /usr/bin/WebKitWebDriver for webkit).
    #[arg(long)]
    browser: Option<PathBuf>,
    /// List the scenarios and exit.
    #[arg(long)]
    list: bool,
}

fn parse_engine(s: &str) -> Result<Engine, String> {
    Engine::from_name(s)
        .ok_or_else(|| format!("unknown engine {s:?} (expected chromium, firefox or webkit)"))
}

/// Runs `swspec capture`.
pub fn run(args: &CaptureArgs) -> ExitCode {
    if let Err(e) = signal::install() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let all = match Scenario::load_dir(&args.scenarios) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.list {
        for s in &all {
            let slow = if s.slow { " [slow]" } else { "" };
            say!("{:<34} {}{slow}", s.name, s.description);
        }
        return ExitCode::SUCCESS;
    }
    if args.scenario.is_empty() {
        eprintln!("error: name a scenario with --scenario NAME (or all); --list shows them");
        return ExitCode::from(2);
    }
    let mut chosen: Vec<&Scenario> = Vec::new();
    for name in &args.scenario {
        if name == "all" {
            chosen.extend(all.iter().filter(|s| args.slow || !s.slow));
        } else if let Some(s) = all.iter().find(|s| &s.name == name) {
            chosen.push(s);
        } else {
            eprintln!(
                "error: no scenario {name:?} in {} (--list shows them)",
                args.scenarios.display()
            );
            return ExitCode::from(2);
        }
    }
    let binary = args
        .browser
        .clone()
        .unwrap_or_else(|| PathBuf::from(args.engine.default_binary()));
    // Before any browser starts: a folder that cannot be written, or that another capture
    // writes into, fails now rather than after the first scenario ran.
    let out = match OutDir::lock(&args.out) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let mut failed = 0;
    let mut done = 0;
    for s in &chosen {
        if signal::received().is_some() {
            break;
        }
        done += 1;
        match capture::capture(args.engine, &binary, s, &out) {
            Ok(c) => {
                let status = match (&c.error, &c.unsupported) {
                    (Some(e @ CaptureError::Interrupted(_)), _) => {
                        failed += 1;
                        format!("STOPPED ({e}); kept as partial")
                    }
                    (Some(e), _) => {
                        failed += 1;
                        format!("FAILED ({e}); kept as partial")
                    }
                    (None, Some(u)) => format!("unsupported: {}", u.missing.join("; ")),
                    (None, None) => "ok".to_string(),
                };
                say!(
                    "{:<34} {:>7.1} s {:>5} events  {}  {status}",
                    s.name,
                    c.seconds,
                    c.events,
                    c.path.display()
                );
                if let Some(log) = &c.log {
                    say!("    browser log: {}", log.display());
                }
                for u in &c.unmapped {
                    say!("    unmapped: {u}");
                }
            }
            Err(e) => {
                eprintln!("error: {}: {e}", s.name);
                return ExitCode::from(2);
            }
        }
    }
    say!(
        "{done} scenario(s) in {:.1} s; {failed} failed",
        started.elapsed().as_secs_f64()
    );
    if let Some(sig) = signal::received() {
        eprintln!(
            "swspec capture: stopped by {}; {} scenario(s) not run",
            signal::name(sig),
            chosen.len() - done
        );
        return ExitCode::from(signal::exit_code(sig));
    }
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
