//! `swspec capture`: run scenario files in a real browser and write their traces.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use swspec_conformance::capture::{self, scenario::Scenario, Engine};

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
            println!("{:<34} {}{slow}", s.name, s.description);
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
    let started = Instant::now();
    let mut failed = 0;
    for s in &chosen {
        match capture::capture(args.engine, &binary, s, &args.out) {
            Ok(c) => {
                let status = match (&c.error, &c.unsupported) {
                    (Some(e), _) => {
                        failed += 1;
                        format!("FAILED ({e}); kept as partial")
                    }
                    (None, Some(u)) => format!("unsupported: {}", u.missing.join("; ")),
                    (None, None) => "ok".to_string(),
                };
                println!(
                    "{:<34} {:>7.1} s {:>5} events  {}  {status}",
                    s.name,
                    c.seconds,
                    c.events,
                    c.path.display()
                );
                if let Some(log) = &c.log {
                    println!("    browser log: {}", log.display());
                }
                for u in &c.unmapped {
                    println!("    unmapped: {u}");
                }
            }
            Err(e) => {
                eprintln!("error: {}: {e}", s.name);
                return ExitCode::from(2);
            }
        }
    }
    println!(
        "{} scenario(s) in {:.1} s; {failed} failed",
        chosen.len(),
        started.elapsed().as_secs_f64()
    );
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
