//! `swspec check`: run stateright's checker over the model and report every property with its
//! verdict, spec section and (for discoveries) a numbered, readable path.

use clap::Args;
use serde::Serialize;
use stateright::{Checker, Model, Representative};
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use swspec_model::properties::{applicable, Kind};
use swspec_model::{knob, Action, Fixes, Knob, ModelConfig, Profile, SwModel, SwState};

/// Knobs of `swspec check`. Defaults are the default model configuration.
#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// Check breadth-first instead of depth-first. (Printed paths are always shortest: they are
    /// recomputed breadth-first after the check.)
    #[arg(long)]
    bfs: bool,
    /// Checker threads (at least 1). With more than one, unique-state counts may vary slightly from run to
    /// run (stateright's parallel search); golden counts use 1.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    threads: u16,
    // The numeric knobs: help, default and range come from the model's table (`knob`).
    #[arg(long, help = knob_help(knob::CLIENTS), default_value_t = knob::CLIENTS.default, value_parser = knob_range(knob::CLIENTS))]
    clients: u8,
    #[arg(long, help = knob_help(knob::VERSIONS), default_value_t = knob::VERSIONS.default, value_parser = knob_range(knob::VERSIONS))]
    versions: u8,
    #[arg(long, help = knob_help(knob::SCRIPT_URLS), default_value_t = knob::SCRIPT_URLS.default, value_parser = knob_range(knob::SCRIPT_URLS))]
    script_urls: u8,
    #[arg(long, help = knob_help(knob::MAX_WORKERS), default_value_t = knob::MAX_WORKERS.default, value_parser = knob_range(knob::MAX_WORKERS))]
    max_workers: u8,
    #[arg(long, help = knob_help(knob::MAX_REGISTRATIONS), default_value_t = knob::MAX_REGISTRATIONS.default, value_parser = knob_range(knob::MAX_REGISTRATIONS))]
    max_registrations: u8,
    #[arg(long, help = knob_help(knob::MAX_QUEUED_JOBS), default_value_t = knob::MAX_QUEUED_JOBS.default, value_parser = knob_range(knob::MAX_QUEUED_JOBS))]
    max_queued_jobs: u8,
    #[arg(long, help = knob_help(knob::MAX_PENDING_EVENTS), default_value_t = knob::MAX_PENDING_EVENTS.default, value_parser = knob_range(knob::MAX_PENDING_EVENTS))]
    max_pending_events: u8,
    /// Engine profile: spec, chromium, firefox or webkit (timeouts, stop rules, engine rules).
    #[arg(long, default_value = "spec")]
    profile: Profile,
    /// Leave out subresource fetch events from controlled clients.
    #[arg(long)]
    no_fetch_events: bool,
    /// Add push subscriptions, push messages, notifications and the push permission.
    #[arg(long)]
    push: bool,
    /// Add one-off Background Sync (register, firing, retry, lastChance, offline/online).
    #[arg(long)]
    sync: bool,
    /// Add Periodic Background Sync (register, unregister, firing, suspension).
    #[arg(long)]
    periodic_sync: bool,
    #[arg(long, help = knob_help(knob::MAX_SYNC_ATTEMPTS), default_value_t = knob::MAX_SYNC_ATTEMPTS.default, value_parser = knob_range(knob::MAX_SYNC_ATTEMPTS))]
    max_sync_attempts: u8,
    /// Add Background Fetch: fetch(), abort(), each record's network outcomes, the completion and
    /// click events, updateUI() and the background-fetch permission (spec and chromium profiles
    /// only; firefox and webkit have no API) [default: off].
    #[arg(long)]
    background_fetch: bool,
    #[arg(long, help = knob_help(knob::MAX_BG_FETCHES), default_value_t = knob::MAX_BG_FETCHES.default, value_parser = knob_range(knob::MAX_BG_FETCHES))]
    max_bg_fetches: u8,
    /// Also check the liveness properties (always P ⇒ eventually Q, under stated weak fairness)
    /// on the full state graph (no symmetry; every state is kept in memory).
    #[arg(long)]
    liveness: bool,
    /// Apply a proposed fix for a spec finding (repeatable): `activate-retries-try-activate`
    /// (finding 1) or `requeue-backed-up-tasks` (finding 4). Default: the spec as written.
    #[arg(long = "fix", value_name = "NAME", value_parser = ["activate-retries-try-activate", "requeue-backed-up-tasks"])]
    fixes: Vec<String>,
    /// Reduce interchangeable clients by symmetry (the default).
    #[arg(long, overrides_with = "no_symmetry")]
    symmetry: bool,
    /// Explore every client permutation separately (for comparison).
    #[arg(long)]
    no_symmetry: bool,
    /// Stop cleanly after this many generated states; unproven properties are reported as
    /// `unknown` and the exit status is 1 [default: no limit].
    #[arg(long)]
    max_states: Option<usize>,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    json: bool,
    /// Seconds between progress lines on stderr.
    #[arg(long, default_value_t = 2.0)]
    progress_secs: f64,
    /// After the model check, also check every trace under this folder with `swspec conform`
    /// (the README's main job passes `traces`); the exit status is the worse of the two.
    #[arg(long)]
    traces: Option<std::path::PathBuf>,
}

impl CheckArgs {
    fn config(&self) -> ModelConfig {
        ModelConfig {
            clients: self.clients,
            versions: self.versions,
            script_urls: self.script_urls,
            max_workers: self.max_workers,
            max_registrations: self.max_registrations,
            max_queued_jobs: self.max_queued_jobs,
            max_pending_events: self.max_pending_events,
            profile: self.profile,
            fetch_events: !self.no_fetch_events,
            push: self.push,
            sync: self.sync,
            periodic_sync: self.periodic_sync,
            max_sync_attempts: self.max_sync_attempts,
            background_fetch: self.background_fetch,
            max_bg_fetches: self.max_bg_fetches,
            fixes: Fixes {
                activate_retries_try_activate: self
                    .fixes
                    .iter()
                    .any(|f| f == "activate-retries-try-activate"),
                requeue_backed_up_tasks: self.fixes.iter().any(|f| f == "requeue-backed-up-tasks"),
            },
            ..ModelConfig::default()
        }
    }

    fn symmetry(&self) -> bool {
        !self.no_symmetry
    }

    /// The command line that reproduces this run (printed with every discovery).
    fn replay_command(&self) -> String {
        let d = ModelConfig::default();
        let c = self.config();
        let mut cmd = String::from("swspec check");
        for (flag, v, dv) in [
            ("--clients", c.clients, d.clients),
            ("--versions", c.versions, d.versions),
            ("--script-urls", c.script_urls, d.script_urls),
            ("--max-workers", c.max_workers, d.max_workers),
            (
                "--max-registrations",
                c.max_registrations,
                d.max_registrations,
            ),
            ("--max-queued-jobs", c.max_queued_jobs, d.max_queued_jobs),
            (
                "--max-pending-events",
                c.max_pending_events,
                d.max_pending_events,
            ),
        ] {
            if v != dv {
                cmd.push_str(&format!(" {flag} {v}"));
            }
        }
        if c.profile != d.profile {
            cmd.push_str(&format!(" --profile {}", c.profile));
        }
        if !c.fetch_events {
            cmd.push_str(" --no-fetch-events");
        }
        if c.push {
            cmd.push_str(" --push");
        }
        if c.sync {
            cmd.push_str(" --sync");
        }
        if c.periodic_sync {
            cmd.push_str(" --periodic-sync");
        }
        if c.max_sync_attempts != d.max_sync_attempts {
            cmd.push_str(&format!(" --max-sync-attempts {}", c.max_sync_attempts));
        }
        if c.background_fetch {
            cmd.push_str(" --background-fetch");
        }
        if c.max_bg_fetches != d.max_bg_fetches {
            cmd.push_str(&format!(" --max-bg-fetches {}", c.max_bg_fetches));
        }
        for f in &self.fixes {
            cmd.push_str(&format!(" --fix {f}"));
        }
        if self.liveness {
            cmd.push_str(" --liveness");
        }
        if !self.symmetry() {
            cmd.push_str(" --no-symmetry");
        }
        cmd
    }
}

/// The value parser of a numeric knob: the range `ModelConfig::validate` allows ([`knob`]).
fn knob_range(k: Knob) -> clap::builder::RangedI64ValueParser<u8> {
    clap::value_parser!(u8).range(i64::from(k.min)..=i64::from(k.max))
}

/// The help of a numeric knob: its line in the table, with its range.
fn knob_help(k: Knob) -> String {
    format!("{} (range {}..={})", k.doc, k.min, k.max)
}

/// Verdict of one property.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// An `always` property held in every explored state of a complete run.
    Holds,
    /// An `always` property has a counterexample.
    Violated,
    /// A `sometimes` property has an example.
    Found,
    /// A `sometimes` property has no example in a complete run.
    NotFound,
    /// The run stopped early (`--max-states`) before deciding.
    Unknown,
}

#[derive(Serialize)]
struct StepJson {
    #[serde(flatten)]
    action: Action,
    description: String,
    spec: &'static str,
}

#[derive(Serialize)]
struct PropertyJson {
    name: &'static str,
    kind: &'static str,
    status: Status,
    spec: &'static str,
    summary: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<Vec<StepJson>>,
    /// Liveness: the weak-fairness assumptions it was checked under.
    #[serde(skip_serializing_if = "Option::is_none")]
    fairness: Option<Vec<&'static str>>,
    /// Liveness: the counterexample, when violated.
    #[serde(skip_serializing_if = "Option::is_none")]
    lasso: Option<LassoJson>,
    /// A violation explained by a spec finding (SPEC_NOTES.md) under the spec as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_by: Option<&'static str>,
}

#[derive(Serialize)]
struct LassoJson {
    prefix: Vec<StepJson>,
    cycle: Vec<StepJson>,
    deadlock: bool,
    deadlock_at_boundary: bool,
}

#[derive(Serialize)]
struct LivenessRunJson {
    states: usize,
    edges: usize,
    seconds: f64,
    peak_graph_bytes: usize,
}

fn steps(actions: &[Action]) -> Vec<StepJson> {
    actions
        .iter()
        .cloned()
        .map(|a| StepJson {
            description: a.to_string(),
            spec: a.spec(),
            action: a,
        })
        .collect()
}

#[derive(Serialize)]
struct ReportJson {
    config: ModelConfig,
    profile: Profile,
    search: &'static str,
    symmetry: bool,
    threads: usize,
    complete: bool,
    states: usize,
    unique_states: usize,
    max_depth: usize,
    seconds: f64,
    unique_states_per_second: f64,
    properties: Vec<PropertyJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    liveness: Option<LivenessRunJson>,
    replay: String,
}

/// The configuration liveness is checked in: `cfg` with the finished-jobs parity bit (for
/// `job_promise_settles`), without forced or unresponsive stops (weak fairness cannot
/// express "the UA eventually stops killing the worker"), and with sync, a network that may
/// come online for good (how "eventually online for good" is stated with weak fairness).
pub fn liveness_config(cfg: &ModelConfig) -> ModelConfig {
    let mut cfg = cfg.clone();
    cfg.track_finished_jobs = true;
    cfg.env.forced_stops = false;
    cfg.network_stabilizes = cfg.sync || cfg.background_fetch;
    cfg
}

/// Checks the liveness properties on the full state graph of `cfg` (with the finished-jobs
/// parity bit the job property needs). Returns the run's figures, the report entries and
/// whether every violation is an expected spec finding.
fn check_liveness_properties(
    cfg: &ModelConfig,
    max_states: Option<usize>,
) -> Result<(LivenessRunJson, Vec<PropertyJson>, bool), String> {
    use swspec_search::liveness::{check_liveness, Verdict};
    let cfg = liveness_config(cfg);
    let model = SwModel::new(cfg.clone());
    let progress = swspec_model::progress::progress_properties(&cfg);
    let liveness: Vec<_> = progress.iter().map(|p| p.property.clone()).collect();
    let report = check_liveness(&model, &liveness, max_states.unwrap_or(usize::MAX))
        .map_err(|e| e.to_string())?;
    let mut ok = true;
    let mut out = Vec::new();
    for (p, (_, verdict)) in progress.iter().zip(&report.verdicts) {
        let expected_by = p.finding.filter(|f| f.expected(&cfg)).map(|f| f.note);
        let (status, lasso) = match verdict {
            Verdict::Holds => (Status::Holds, None),
            Verdict::Violated(l) => {
                if expected_by.is_none() {
                    ok = false;
                }
                (
                    Status::Violated,
                    Some(LassoJson {
                        prefix: steps(&l.prefix),
                        cycle: steps(&l.cycle),
                        deadlock: l.deadlock,
                        deadlock_at_boundary: l.deadlock_at_boundary,
                    }),
                )
            }
        };
        out.push(PropertyJson {
            name: p.property.name,
            kind: "liveness",
            status,
            spec: p.property.spec,
            summary: p.property.summary,
            path: None,
            fairness: Some(p.property.fairness.iter().map(|f| f.name).collect()),
            lasso,
            expected_by: if status == Status::Violated {
                expected_by
            } else {
                None
            },
        });
    }
    let run = LivenessRunJson {
        states: report.states,
        edges: report.edges,
        seconds: report.seconds,
        peak_graph_bytes: report.peak_graph_bytes,
    };
    Ok((run, out, ok))
}

/// Waits for the checker, printing a progress line to stderr every `every` (the run itself is
/// never slowed: the loop only polls counters).
fn wait_with_progress<C: Checker<SwModel>>(checker: C, every: Duration, start: Instant) -> C {
    let mut next = every;
    while !checker.is_done() {
        std::thread::sleep(Duration::from_millis(20));
        if start.elapsed() >= next {
            eprintln!(
                "... {} states, {} unique, depth {}, {:.1}s",
                checker.state_count(),
                checker.unique_state_count(),
                checker.max_depth(),
                start.elapsed().as_secs_f64()
            );
            next += every;
        }
    }
    checker.join()
}

/// The feature flags given that `cfg`'s profile leaves out (its engine lacks the API), with
/// the API: refused, since the run would report on a model without them.
fn ignored_features(cfg: &ModelConfig) -> Vec<(&'static str, &'static str)> {
    let apis = cfg.profile.params().apis;
    [
        ("--sync", cfg.sync && !apis.sync, "SyncManager"),
        (
            "--periodic-sync",
            cfg.periodic_sync && !apis.periodic_sync,
            "PeriodicSyncManager",
        ),
        (
            "--background-fetch",
            cfg.background_fetch && !apis.background_fetch,
            "BackgroundFetchManager",
        ),
    ]
    .into_iter()
    .filter(|(_, ignored, _)| *ignored)
    .map(|(flag, _, api)| (flag, api))
    .collect()
}

/// Runs `swspec check`; exit status 0 when every `always` holds and every `sometimes` is found.
pub fn run(args: &CheckArgs) -> ExitCode {
    if !(args.progress_secs.is_finite() && args.progress_secs > 0.0) {
        eprintln!("swspec check: --progress-secs must be a positive number of seconds");
        return ExitCode::from(2);
    }
    let threads = usize::from(args.threads);
    let cfg = args.config();
    if let Err(e) = cfg.validate() {
        eprintln!("swspec check: {e}");
        return ExitCode::from(2);
    }
    let ignored = ignored_features(&cfg);
    for (flag, api) in &ignored {
        eprintln!(
            "swspec check: {flag} would change nothing under --profile {}: the engine exposes no {api}, so the model leaves it out (use --profile spec or chromium)",
            cfg.profile.name()
        );
    }
    if !ignored.is_empty() {
        return ExitCode::from(2);
    }
    let model = SwModel::new(cfg.clone());
    let mut builder = model.checker().threads(threads);
    if args.symmetry() {
        builder = builder.symmetry();
    }
    if let Some(n) = args.max_states {
        builder = builder.target_state_count(n.max(1));
    }
    let start = Instant::now();
    let every = Duration::from_secs_f64(args.progress_secs);
    let (discoveries, states, unique, depth, model) = if args.bfs {
        let c = wait_with_progress(builder.spawn_bfs(), every, start);
        (
            c.discoveries(),
            c.state_count(),
            c.unique_state_count(),
            c.max_depth(),
            c.model().clone(),
        )
    } else {
        let c = wait_with_progress(builder.spawn_dfs(), every, start);
        (
            c.discoveries(),
            c.state_count(),
            c.unique_state_count(),
            c.max_depth(),
            c.model().clone(),
        )
    };
    let seconds = start.elapsed().as_secs_f64();
    let complete = args.max_states.is_none_or(|n| states < n.max(1));

    // Replace each discovery's path by a shortest one: depth-first paths wander (hundreds of
    // steps through worker restarts), and stateright's BFS keeps the last matching state it
    // visits, not the first.
    let mut discoveries: std::collections::BTreeMap<&str, Vec<Action>> = discoveries
        .into_iter()
        .map(|(name, path)| (name, path.into_actions()))
        .collect();
    if !discoveries.is_empty() {
        let wanted: Vec<_> = applicable(&cfg)
            .filter(|p| discoveries.contains_key(p.name))
            .map(|p| (p.name, p.condition))
            .collect();
        let symmetry: Option<fn(&SwState) -> SwState> = if args.symmetry() {
            Some(Representative::representative)
        } else {
            None
        };
        let limit = args.max_states.unwrap_or(usize::MAX);
        let shortest = swspec_search::shortest::shortest_paths(&model, &wanted, symmetry, limit);
        for ((name, _), path) in wanted.iter().zip(shortest) {
            if let Some(path) = path {
                discoveries.insert(name, path);
            }
        }
    }
    let mut ok = complete;
    let mut props = Vec::new();
    for p in applicable(&cfg) {
        let path = discoveries.get(p.name);
        let status = match (p.kind, path.is_some(), complete) {
            (Kind::Always, true, _) => Status::Violated,
            (Kind::Always, false, true) => Status::Holds,
            (Kind::Sometimes, true, _) => Status::Found,
            (Kind::Sometimes, false, true) => Status::NotFound,
            (_, false, false) => Status::Unknown,
        };
        if matches!(status, Status::Violated | Status::NotFound) {
            ok = false;
        }
        let path = path.map(|path| {
            path.iter()
                .cloned()
                .map(|a| StepJson {
                    description: a.to_string(),
                    spec: a.spec(),
                    action: a,
                })
                .collect()
        });
        props.push(PropertyJson {
            name: p.name,
            kind: match p.kind {
                Kind::Always => "always",
                Kind::Sometimes => "sometimes",
            },
            status,
            spec: p.spec,
            summary: p.summary,
            path,
            fairness: None,
            lasso: None,
            expected_by: None,
        });
    }
    let mut liveness_run = None;
    if args.liveness {
        match check_liveness_properties(&cfg, args.max_states) {
            Ok((run, mut lprops, lok)) => {
                ok &= lok;
                props.append(&mut lprops);
                liveness_run = Some(run);
            }
            Err(e) => {
                eprintln!("swspec check: liveness: {e}");
                ok = false;
            }
        }
    }
    let report = ReportJson {
        config: model.cfg.clone(),
        profile: model.cfg.profile,
        search: if args.bfs { "bfs" } else { "dfs" },
        symmetry: args.symmetry(),
        threads,
        complete,
        states,
        unique_states: unique,
        max_depth: depth,
        seconds,
        unique_states_per_second: unique as f64 / seconds.max(1e-9),
        properties: props,
        liveness: liveness_run,
        replay: args.replay_command(),
    };
    let out = std::io::stdout();
    let mut out = out.lock();
    // Render completely before writing, so a failure never leaves half a report.
    let rendered = if args.json {
        serde_json::to_string(&report)
            .map(|s| s + "\n")
            .map_err(std::io::Error::other)
    } else {
        let mut buf = Vec::new();
        print_text(&mut buf, &report).map(|_| String::from_utf8_lossy(&buf).into_owned())
    };
    let written = rendered.and_then(|text| out.write_all(text.as_bytes()));
    if let Err(e) = written {
        eprintln!("swspec check: cannot write the report: {e}");
        return ExitCode::from(2);
    }
    let traces = match &args.traces {
        Some(dir) if !args.json => {
            println!();
            println!("== traces under {} ==", dir.display());
            crate::conform::run_paths(vec![dir.clone()])
        }
        Some(_) => {
            eprintln!(
                "swspec check: --traces is not combined with --json (run `swspec conform --json`)"
            );
            return ExitCode::from(2);
        }
        None => ExitCode::SUCCESS,
    };
    if traces != ExitCode::SUCCESS {
        traces
    } else if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn print_text(out: &mut impl Write, r: &ReportJson) -> std::io::Result<()> {
    let c = &r.config;
    writeln!(
        out,
        "swspec check: {} clients, {} versions, {} script URL(s), <= {} workers, <= {} registrations, <= {} queued jobs, <= {} pending events/worker",
        c.clients, c.versions, c.script_urls, c.max_workers, c.max_registrations, c.max_queued_jobs, c.max_pending_events
    )?;
    writeln!(
        out,
        "profile: {}, fetch events {}, push {}",
        r.profile,
        if c.fetch_events { "on" } else { "off" },
        if c.push { "on" } else { "off" }
    )?;
    writeln!(
        out,
        "search: {}, symmetry {}, {} thread(s)",
        r.search,
        if r.symmetry { "on" } else { "off" },
        r.threads
    )?;
    writeln!(out)?;
    let width = r.properties.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in &r.properties {
        let kind = p.kind;
        let status = match p.status {
            Status::Violated if p.expected_by.is_some() => "violated*",
            Status::Holds => "holds",
            Status::Violated => "VIOLATED",
            Status::Found => "found",
            Status::NotFound => "NOT FOUND",
            Status::Unknown => "unknown",
        };
        writeln!(
            out,
            "  {status:<9} {kind:<9} {:<width$}  {}",
            p.name, p.spec
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{} states generated, {} unique, max depth {}, {:.3} s, {:.0} unique states/s{}",
        r.states,
        r.unique_states,
        r.max_depth,
        r.seconds,
        r.unique_states_per_second,
        if r.complete {
            ""
        } else {
            " (stopped at --max-states: the run is incomplete)"
        }
    )?;
    if let Some(l) = &r.liveness {
        writeln!(
            out,
            "liveness: {} states, {} edges in the full graph, {:.3} s, graph ~{} MB (*: violation explained by a spec finding)",
            l.states,
            l.edges,
            l.seconds,
            l.peak_graph_bytes / 1_000_000
        )?;
    }
    for p in &r.properties {
        if let Some(lasso) = &p.lasso {
            writeln!(out)?;
            writeln!(out, "lasso for `{}`: {}", p.name, p.summary)?;
            if let Some(f) = p.expected_by {
                writeln!(out, "   (expected under the spec as written: {f})")?;
            }
            if let Some(fair) = &p.fairness {
                writeln!(out, "   under weak fairness of: {}", fair.join(", "))?;
            }
            for (i, step) in lasso.prefix.iter().enumerate() {
                writeln!(out, "  {:>3}. {}  [{}]", i + 1, step.description, step.spec)?;
            }
            if lasso.deadlock {
                writeln!(out, "       then nothing more can happen (deadlock)")?;
            } else {
                writeln!(out, "       then forever:")?;
                for (i, step) in lasso.cycle.iter().enumerate() {
                    writeln!(out, "  {:>3}. {}  [{}]", i + 1, step.description, step.spec)?;
                }
            }
        }
        let Some(path) = &p.path else { continue };
        let what = match p.status {
            Status::Violated => "counterexample to",
            _ => "example of",
        };
        writeln!(out)?;
        writeln!(out, "{what} `{}`: {}", p.name, p.summary)?;
        if path.is_empty() {
            writeln!(out, "   (the initial state)")?;
        }
        for (i, step) in path.iter().enumerate() {
            writeln!(out, "  {:>3}. {}  [{}]", i + 1, step.description, step.spec)?;
        }
        if p.status == Status::Violated {
            writeln!(
                out,
                "  replay: {} --json | jq '.properties[] | select(.name==\"{}\")'",
                r.replay, p.name
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Command, FromArgMatches};

    fn parse(args: &[&str]) -> Result<CheckArgs, clap::Error> {
        let cmd = CheckArgs::augment_args(Command::new("check"));
        let m = cmd.try_get_matches_from(std::iter::once("check").chain(args.iter().copied()))?;
        CheckArgs::from_arg_matches(&m)
    }

    /// Each numeric flag takes exactly the range `ModelConfig::validate` allows, and no flag
    /// means the default configuration.
    #[test]
    fn knob_flags_take_the_models_ranges() {
        assert_eq!(
            parse(&[]).map(|a| a.config()).ok(),
            Some(ModelConfig::default())
        );
        for k in knob::ALL {
            let Some(flag) = k.flag else { continue };
            for v in [k.min, k.max] {
                let args = parse(&[flag, &v.to_string()]).map_err(|e| e.to_string());
                assert_eq!(args.map(|a| (k.get)(&a.config())), Ok(v), "{flag} {v}");
            }
            let above = (u16::from(k.max) + 1).to_string();
            assert!(parse(&[flag, &above]).is_err(), "{flag} {above}");
            if k.min > 0 {
                assert!(parse(&[flag, &(k.min - 1).to_string()]).is_err(), "{flag}");
            }
        }
    }
}
