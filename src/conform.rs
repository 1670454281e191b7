//! `swspec conform`: check traces against the model and compare each verdict with the one its
//! folder's `expected.toml` states (with no such file, a trace is as expected when it
//! conforms). Everything printed from a trace or a file name is cleaned for the terminal.

use crate::term::{clean, path as shown};
use clap::Args;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use swspec_conformance::check::{self, Divergence, Options, Verdict};
use swspec_conformance::expected::{Expectations, Lookup, Pin};
use swspec_conformance::trace::{self, InputError, Limits, Trace};
use swspec_conformance::walk::{self, Skipped};
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
    /// How late (ms) a promise's settlement (job_settled, call_settled, worker_call_settled) may
    /// reach its page or worker after the step that settled it, keeping its source's order.
    #[arg(long, default_value_t = Options::default().settle_lag_ms)]
    settle_lag_ms: f64,
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
    /// Also write each check's matched model path (on divergence, the path to the furthest
    /// candidate) into this folder in the Informal Trace Format, as
    /// `<folder>_<trace>.<profile>.itf.json` [default: none].
    #[arg(long, value_name = "DIR")]
    itf: Option<PathBuf>,
    /// The longest trace line read (bytes); a longer line makes the trace unusable. A line
    /// costs about 17 times its size in memory while it is parsed.
    #[arg(long, default_value_t = trace::MAX_LINE_BYTES, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    max_line_bytes: usize,
}

#[derive(Serialize)]
struct Row {
    file: String,
    engine: String,
    scenario: String,
    events: usize,
    profile: &'static str,
    verdict: &'static str,
    /// The expected verdict (`None`: the folder's expected.toml does not list the trace, or
    /// there is none).
    expected: Option<String>,
    /// Where the expectation came from: `listed` (expected.toml), `unlisted` (expected.toml
    /// does not name the trace: never as expected) or `no_file` (no expected.toml: as
    /// expected when it conforms).
    expectation: &'static str,
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
    /// Entries of the folders that were not checked (not regular files, symlinks to folders).
    skipped: Vec<Skipped>,
}

impl Report {
    /// Records unusable input (and says so on stderr unless the report is JSON).
    fn error(&mut self, json: bool, e: InputError) {
        if !json {
            eprintln!("error: {}", clean(&e.to_string()));
        }
        self.errors.push(e);
    }

    /// Records an entry that is not checked (and says so on stderr unless the report is JSON).
    fn skip(&mut self, json: bool, s: Skipped) {
        if !json {
            eprintln!("warning: {}: {} (skipped)", shown(&s.path), s.reason);
        }
        self.skipped.push(s);
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
        settle_lag_ms: d.settle_lag_ms,
        max_hidden: d.max_hidden,
        timer_tolerance_ms: d.timer_tolerance_ms,
        max_nodes: d.max_nodes,
        no_quiescent_end: !d.quiescent_end,
        itf: None,
        max_line_bytes: trace::MAX_LINE_BYTES,
    })
}

/// Runs `swspec conform`.
pub fn run(args: &ConformArgs) -> ExitCode {
    let opts = Options {
        profile: None,
        skew_ms: args.skew_ms,
        settle_lag_ms: args.settle_lag_ms,
        max_hidden: args.max_hidden,
        timer_tolerance_ms: args.timer_tolerance_ms,
        max_nodes: args.max_nodes,
        quiescent_end: !args.no_quiescent_end,
        ..Options::default()
    };
    let ok = |x: f64| x.is_finite() && x >= 0.0;
    if !ok(opts.skew_ms) || !ok(opts.timer_tolerance_ms) || !ok(opts.settle_lag_ms) {
        eprintln!(
            "swspec conform: --skew-ms, --settle-lag-ms and --timer-tolerance-ms must be finite and ≥ 0"
        );
        return ExitCode::from(2);
    }
    let mut report = Report {
        traces: Vec::new(),
        errors: Vec::new(),
        skipped: Vec::new(),
    };
    let collected = walk::collect(&args.paths);
    for e in collected.errors {
        report.error(args.json, e);
    }
    for s in collected.skipped {
        report.skip(args.json, s);
    }
    let files = collected.files;
    let limits = Limits {
        max_line_bytes: args.max_line_bytes,
    };
    let mut expectations = Expectations::default();
    for file in &files {
        let t = match Trace::read_with(file, &limits) {
            Ok(t) => t,
            Err(e) => {
                report.error(args.json, e);
                continue;
            }
        };
        let expectation = match expectations.lookup(file) {
            Ok(Lookup::Listed(x)) => Expected::Listed(x.clone()),
            Ok(Lookup::Unlisted) => Expected::Unlisted,
            Ok(Lookup::NoFile) => Expected::NoFile,
            Err(message) => {
                report.error(args.json, input_error(file, None, message));
                Expected::Unlisted
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
                Expected::Listed(x) if profile == Profile::Spec => {
                    (Some(x.spec.clone()), x.spec_at.clone())
                }
                Expected::Listed(x) => (Some(x.engine.clone()), x.engine_at.clone()),
                Expected::Unlisted | Expected::NoFile => (None, None),
            };
            let pin_ok = pin
                .as_ref()
                .is_none_or(|p| p.holds(&t, outcome.divergence.as_ref()));
            let as_expected = match &expectation {
                Expected::Listed(_) => {
                    expected.as_deref() == Some(outcome.verdict.name()) && pin_ok
                }
                Expected::NoFile => outcome.verdict == Verdict::Conforms,
                Expected::Unlisted => false,
            };
            let row = Row {
                file: file.display().to_string(),
                engine: t.header.engine.clone(),
                scenario: t.header.scenario.clone(),
                events: outcome.events,
                profile: profile.name(),
                verdict: outcome.verdict.name(),
                expected,
                expectation: expectation.name(),
                as_expected,
                first_divergence: outcome.divergence.clone(),
                nodes: outcome.nodes,
                peak_frontier: outcome.peak_frontier,
                max_hidden_used: outcome.max_hidden_used,
                millis,
            };
            if !args.json {
                print_row(&row, pin.as_ref(), &outcome, args);
            }
            if let Some(dir) = &args.itf {
                if let Err(e) = write_itf(dir, file, profile, &outcome) {
                    report.error(args.json, input_error(file, None, e));
                }
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
        let no_file = report
            .traces
            .iter()
            .filter(|r| r.expectation == "no_file")
            .count();
        if no_file > 0 {
            println!(
                "{no_file} check(s) had no expected.toml in their folder: each is as expected when it conforms"
            );
        }
        let skipped = match report.skipped.len() {
            0 => String::new(),
            n => format!(", {n} skipped"),
        };
        println!(
            "{} trace file(s), {} check(s): {} as expected, {} not as expected, {} unusable{skipped}",
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

/// Writes the model path `outcome` found for `file` checked against `profile` as an ITF file
/// into `dir`.
fn write_itf(
    dir: &std::path::Path,
    file: &std::path::Path,
    profile: Profile,
    outcome: &check::Outcome,
) -> Result<(), String> {
    let name = |p: Option<&std::ffi::OsStr>| p.map(|n| n.to_string_lossy().into_owned());
    let folder = name(file.parent().and_then(|d| d.file_name())).unwrap_or_default();
    let stem = name(file.file_stem()).unwrap_or_else(|| "trace".into());
    let what = if outcome.divergence.is_some() {
        "the path to the furthest candidate"
    } else {
        "the matched path"
    };
    let text = swspec_report::path::itf_text(
        &swspec_model::SwModel::new(outcome.config.clone()),
        outcome.path.actions(),
        &format!(
            "{what} of {} against the {} profile ({})",
            file.display(),
            profile.name(),
            outcome.verdict.name()
        ),
        &format!(
            "swspec conform {} --profile {}",
            file.display(),
            profile.name()
        ),
        None,
    )
    .map_err(|e| format!("the model path does not replay: {e}"))?;
    let out = dir.join(swspec_report::html::slug(&format!(
        "{folder}_{stem}.{}.itf.json",
        profile.name()
    )));
    swspec_report::site::write_file(&out, text.as_bytes())
}

fn input_error(file: &std::path::Path, line: Option<usize>, message: String) -> InputError {
    InputError {
        path: file.to_path_buf(),
        line,
        field: None,
        message,
    }
}

/// What a trace's folder expects of it.
enum Expected {
    /// Its `expected.toml` entry.
    Listed(swspec_conformance::expected::Expectation),
    /// The folder's `expected.toml` does not list it.
    Unlisted,
    /// The folder has no `expected.toml`.
    NoFile,
}

impl Expected {
    fn name(&self) -> &'static str {
        match self {
            Expected::Listed(_) => "listed",
            Expected::Unlisted => "unlisted",
            Expected::NoFile => "no_file",
        }
    }
}

/// What the row's verdict was held to, in words.
fn expectation_text(row: &Row, pin: Option<&Pin>) -> String {
    let folder = Path::new(&row.file)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (row.expectation, &row.expected) {
        (_, Some(x)) => format!(
            "expected {x}{}",
            pin.map(|p| format!(" at {p}")).unwrap_or_default()
        ),
        ("no_file", None) => format!(
            "no expected.toml in {}: as expected when it conforms",
            shown(folder)
        ),
        _ => format!("not listed in {}", shown(&folder.join("expected.toml"))),
    }
}

fn print_row(row: &Row, pin: Option<&Pin>, outcome: &check::Outcome, args: &ConformArgs) {
    let mark = if row.as_expected { "ok  " } else { "FAIL" };
    let file = clean(&row.file);
    println!(
        "{mark} {file} [{} {}] {} events vs {}: {} ({}); {} nodes, peak frontier {}, {:.1} ms",
        clean(&row.engine),
        clean(&row.scenario),
        row.events,
        row.profile,
        row.verdict,
        expectation_text(row, pin),
        row.nodes,
        row.peak_frontier,
        row.millis
    );
    if let Some(d) = &outcome.divergence {
        if outcome.verdict == Verdict::Diverges {
            print_divergence(&file, d, args.explain);
        } else {
            print_limit(&file, d, outcome, args);
        }
        println!(
            "     replay: swspec conform {file} --profile {} --explain",
            row.profile
        );
    }
    if args.explain {
        println!(
            "     path ({} hidden steps at most between events):",
            outcome.max_hidden_used
        );
        for s in outcome.path.lines() {
            println!("     {}", clean(&s));
        }
    }
}

/// The first event no candidate accepts, and what the model would have accepted there.
fn print_divergence(file: &str, d: &Divergence, explain: bool) {
    match d.line {
        Some(l) => println!(
            "     first divergence: {file}:{l}: {}",
            clean(d.event.as_deref().unwrap_or(""))
        ),
        None => println!("     first divergence: at the end of {file}"),
    }
    println!("     {}", clean(&d.reason));
    if let Some(l) = d.last_matched_line {
        println!("     last matched: line {l}");
    }
    println!("     candidate states before it: {}", d.candidates);
    for s in &d.candidate_summaries {
        println!("       - {}", clean(s));
    }
    if !d.expected.is_empty() {
        println!("     the model would accept there:");
        for e in &d.expected {
            println!("       {}", clean(e));
        }
    }
    if !d.last_steps.is_empty() && !explain {
        println!("     last steps of one candidate:");
        for s in &d.last_steps {
            println!("     {}", clean(s));
        }
    }
}

/// A search stopped by a limit: what ran out and how far it got, never worded as a divergence.
fn print_limit(file: &str, d: &Divergence, outcome: &check::Outcome, args: &ConformArgs) {
    match &d.limit {
        Some(l) => println!(
            "     not decided: {l}; this is a limit of the check, not a divergence at {}",
            d.line
                .map_or("the end".to_string(), |l| format!("line {l}"))
        ),
        None => println!(
            "     not decided: the search used its budget of {} nodes (--max-nodes) before it \
             found a path or ruled every one out; this is a limit of the check, not a divergence",
            args.max_nodes
        ),
    }
    match d.last_matched_line {
        Some(l) => println!("     furthest event matched: {file}:{l}"),
        None => println!("     no event matched yet"),
    }
    println!(
        "     candidate states open there: {} ({} nodes searched)",
        d.candidates, outcome.nodes
    );
    println!(
        "     to decide it: swspec conform {file} --profile {} --max-nodes {}",
        outcome.profile.name(),
        args.max_nodes.saturating_mul(10)
    );
}
