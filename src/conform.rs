//! `swspec conform`: check traces against the model and compare each verdict with the one its
//! folder's `expected.toml` states.

use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use swspec_conformance::check::{self, Divergence, Options, Verdict};
use swspec_conformance::expected::{Expectations, Pin};
use swspec_conformance::trace::{self, InputError, Trace};
use swspec_model::Profile;

/// Knobs of `swspec conform`.
#[derive(Args, Debug, Clone)]
pub struct ConformArgs {
    /// Trace files or folders (searched recursively for `*.jsonl`; `*.partial.jsonl` skipped).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Check against this profile only (spec, chromium, firefox, webkit). Default: both the
    /// header's profile and spec.
    #[arg(long)]
    profile: Option<Profile>,
    /// Print the whole matched path, model action by action, for each trace.
    #[arg(long)]
    explain: bool,
    /// Machine-readable report on stdout.
    #[arg(long)]
    json: bool,
    /// How far apart (ms) observations of different sources may be matched in either order.
    #[arg(long, default_value_t = Options::default().skew_ms)]
    skew_ms: f64,
    /// Unobservable model steps allowed between two events.
    #[arg(long, default_value_t = Options::default().max_hidden)]
    max_hidden: usize,
    /// Slack (ms) on the profile's timer bounds.
    #[arg(long, default_value_t = Options::default().timer_tolerance_ms)]
    timer_tolerance_ms: f64,
    /// Search nodes per pass (a trace is checked in at most two) before the verdict is
    /// `inconclusive`.
    #[arg(long, default_value_t = Options::default().max_nodes)]
    max_nodes: usize,
    /// The traces may end mid-flight (a capture cut short, a generated walk that did not
    /// settle): do not require that nothing the browser does promptly is still due at the end.
    /// Default: the end is quiescent, as the capture harness waits for.
    #[arg(long)]
    no_quiescent_end: bool,
}

#[derive(Serialize)]
struct Row {
    file: String,
    engine: String,
    scenario: String,
    events: usize,
    profile: &'static str,
    verdict: &'static str,
    expected: String,
    as_expected: bool,
    first_divergence: Option<Divergence>,
    nodes: usize,
    peak_frontier: usize,
    max_hidden_used: usize,
    millis: f64,
}

#[derive(Serialize)]
struct Report {
    traces: Vec<Row>,
    errors: Vec<InputError>,
}

impl Report {
    /// Records unusable input (and says so on stderr unless the report is JSON).
    fn error(&mut self, json: bool, e: InputError) {
        if !json {
            eprintln!("error: {e}");
        }
        self.errors.push(e);
    }
}

/// `swspec conform PATHS` with every other knob at its default.
pub fn run_paths(paths: Vec<PathBuf>) -> ExitCode {
    let d = Options::default();
    run(&ConformArgs {
        paths,
        profile: None,
        explain: false,
        json: false,
        skew_ms: d.skew_ms,
        max_hidden: d.max_hidden,
        timer_tolerance_ms: d.timer_tolerance_ms,
        max_nodes: d.max_nodes,
        no_quiescent_end: !d.quiescent_end,
    })
}

/// Runs `swspec conform`.
pub fn run(args: &ConformArgs) -> ExitCode {
    let opts = Options {
        profile: None,
        skew_ms: args.skew_ms,
        max_hidden: args.max_hidden,
        timer_tolerance_ms: args.timer_tolerance_ms,
        max_nodes: args.max_nodes,
        quiescent_end: !args.no_quiescent_end,
        ..Options::default()
    };
    let ok = |x: f64| x.is_finite() && x >= 0.0;
    if !ok(opts.skew_ms) || !ok(opts.timer_tolerance_ms) {
        eprintln!("swspec conform: --skew-ms and --timer-tolerance-ms must be finite and ≥ 0");
        return ExitCode::from(2);
    }
    let mut report = Report {
        traces: Vec::new(),
        errors: Vec::new(),
    };
    let files = match trace::collect(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("swspec conform: {e}");
            return ExitCode::from(2);
        }
    };
    let mut expectations = Expectations::default();
    for file in &files {
        let t = match Trace::read(file) {
            Ok(t) => t,
            Err(e) => {
                report.error(args.json, e);
                continue;
            }
        };
        let expectation = match expectations.for_trace(file) {
            Ok(x) => x.cloned(),
            Err(message) => {
                report.error(args.json, input_error(file, None, message));
                None
            }
        };
        let profiles: Vec<Profile> = match args.profile {
            Some(p) => vec![p],
            None if t.header.profile == Profile::Spec => vec![Profile::Spec],
            None => vec![t.header.profile, Profile::Spec],
        };
        for profile in profiles {
            let started = Instant::now();
            let o = check::Options {
                profile: Some(profile),
                ..opts.clone()
            };
            let outcome = match check::check(&t, &o) {
                Ok(x) => x,
                Err((line, message)) => {
                    report.error(args.json, input_error(file, line, message));
                    break;
                }
            };
            let millis = started.elapsed().as_secs_f64() * 1e3;
            let (expected, pin) = match &expectation {
                None => ("(none)".to_string(), None),
                Some(x) if profile == Profile::Spec => (x.spec.clone(), x.spec_at.clone()),
                Some(x) => (x.engine.clone(), x.engine_at.clone()),
            };
            let pin_ok = pin
                .as_ref()
                .is_none_or(|p| p.holds(&t, outcome.divergence.as_ref()));
            let as_expected = outcome.verdict.name() == expected && pin_ok;
            let row = Row {
                file: file.display().to_string(),
                engine: t.header.engine.clone(),
                scenario: t.header.scenario.clone(),
                events: outcome.events,
                profile: profile.name(),
                verdict: outcome.verdict.name(),
                expected,
                as_expected,
                first_divergence: outcome.divergence.clone(),
                nodes: outcome.nodes,
                peak_frontier: outcome.peak_frontier,
                max_hidden_used: outcome.max_hidden_used,
                millis,
            };
            if !args.json {
                print_row(&row, pin.as_ref(), &outcome, args.explain);
            }
            report.traces.push(row);
        }
    }
    let unexpected = report.traces.iter().filter(|r| !r.as_expected).count();
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("swspec conform: {e}"),
        }
    } else {
        println!(
            "{} trace file(s), {} check(s): {} as expected, {} not as expected, {} unusable",
            files.len(),
            report.traces.len(),
            report.traces.len() - unexpected,
            unexpected,
            report.errors.len()
        );
    }
    if !report.errors.is_empty() {
        ExitCode::from(2)
    } else if unexpected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn input_error(file: &std::path::Path, line: Option<usize>, message: String) -> InputError {
    InputError {
        path: file.to_path_buf(),
        line,
        field: None,
        message,
    }
}

fn print_row(row: &Row, pin: Option<&Pin>, outcome: &check::Outcome, explain: bool) {
    let mark = if row.as_expected { "ok  " } else { "FAIL" };
    println!(
        "{mark} {} [{} {}] {} events vs {}: {} (expected {}{}); {} nodes, peak frontier {}, {:.1} ms",
        row.file,
        row.engine,
        row.scenario,
        row.events,
        row.profile,
        row.verdict,
        row.expected,
        pin.map(|p| format!(" at {p}")).unwrap_or_default(),
        row.nodes,
        row.peak_frontier,
        row.millis
    );
    if let Some(d) = &outcome.divergence {
        if outcome.verdict == Verdict::Inconclusive {
            println!("     the search budget ran out (raise --max-nodes)");
        }
        match d.line {
            Some(l) => println!(
                "     first divergence: {}:{l}: {}",
                row.file,
                d.event.as_deref().unwrap_or("")
            ),
            None => println!("     first divergence: at the end of {}", row.file),
        }
        println!("     {}", d.reason);
        if let Some(l) = d.last_matched_line {
            println!("     last matched: line {l}");
        }
        println!("     candidate states before it: {}", d.candidates);
        for s in &d.candidate_summaries {
            println!("       - {s}");
        }
        if !d.expected.is_empty() {
            println!("     the model would accept there:");
            for e in &d.expected {
                println!("       {e}");
            }
        }
        if !d.last_steps.is_empty() && !explain {
            println!("     last steps of one candidate:");
            for s in &d.last_steps {
                println!("     {s}");
            }
        }
        println!(
            "     replay: swspec conform {} --profile {} --explain",
            row.file, row.profile
        );
    }
    if explain {
        println!(
            "     path ({} hidden steps at most between events):",
            outcome.max_hidden_used
        );
        for s in outcome.path.lines() {
            println!("     {s}");
        }
    }
}
