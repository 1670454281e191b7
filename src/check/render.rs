//! Rendering: the report as text (a header, the property table, the run's figures, then each
//! lasso and path as numbered steps) or as one JSON object, complete before anything is written.

use super::classify::Status;
use super::report::{LassoJson, PropertyJson, ReportJson, StepJson};
use std::io::Write;

/// The report as `--json` (one JSON object and a newline) or text prints it.
pub fn render(r: &ReportJson, json: bool) -> std::io::Result<String> {
    if json {
        serde_json::to_string(r)
            .map(|s| s + "\n")
            .map_err(std::io::Error::other)
    } else {
        let mut buf = Vec::new();
        text(&mut buf, r).map(|_| String::from_utf8_lossy(&buf).into_owned())
    }
}

/// The text report.
fn text(out: &mut impl Write, r: &ReportJson) -> std::io::Result<()> {
    header(out, r)?;
    writeln!(out)?;
    property_table(out, &r.properties)?;
    writeln!(out)?;
    figures(out, r)?;
    for p in &r.properties {
        if let Some(lasso) = &p.lasso {
            lasso_text(out, p, lasso)?;
        }
        if let Some(path) = &p.path {
            path_text(out, p, path, &r.replay)?;
        }
    }
    Ok(())
}

/// What was checked: the bounds, the profile and features, the search.
fn header(out: &mut impl Write, r: &ReportJson) -> std::io::Result<()> {
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
        on_off(c.fetch_events),
        on_off(c.push)
    )?;
    writeln!(
        out,
        "search: {}, symmetry {}, {} thread(s)",
        r.search,
        on_off(r.symmetry),
        r.threads
    )
}

/// `on` or `off`.
fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// One line per property: verdict, kind, name, spec sections.
fn property_table(out: &mut impl Write, props: &[PropertyJson]) -> std::io::Result<()> {
    let width = props.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in props {
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
    Ok(())
}

/// The run's figures: states, depth, time, speed, and the liveness run's.
fn figures(out: &mut impl Write, r: &ReportJson) -> std::io::Result<()> {
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
    Ok(())
}

/// A liveness counterexample: the steps to the loop, then the loop (or the deadlock).
fn lasso_text(out: &mut impl Write, p: &PropertyJson, lasso: &LassoJson) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(out, "lasso for `{}`: {}", p.name, p.summary)?;
    if let Some(f) = p.expected_by {
        writeln!(out, "   (expected under the spec as written: {f})")?;
    }
    if let Some(fair) = &p.fairness {
        writeln!(out, "   under weak fairness of: {}", fair.join(", "))?;
    }
    numbered(out, &lasso.prefix)?;
    if lasso.deadlock {
        writeln!(out, "       then nothing more can happen (deadlock)")
    } else {
        writeln!(out, "       then forever:")?;
        numbered(out, &lasso.cycle)
    }
}

/// An example or counterexample, and for a counterexample the command that replays it.
fn path_text(
    out: &mut impl Write,
    p: &PropertyJson,
    path: &[StepJson],
    replay: &str,
) -> std::io::Result<()> {
    let what = match p.status {
        Status::Violated => "counterexample to",
        _ => "example of",
    };
    writeln!(out)?;
    writeln!(out, "{what} `{}`: {}", p.name, p.summary)?;
    if path.is_empty() {
        writeln!(out, "   (the initial state)")?;
    }
    numbered(out, path)?;
    if p.status == Status::Violated {
        writeln!(
            out,
            "  replay: {replay} --json | jq '.properties[] | select(.name==\"{}\")'",
            p.name
        )?;
    }
    Ok(())
}

/// Steps numbered from 1, each with its spec sections.
fn numbered(out: &mut impl Write, steps: &[StepJson]) -> std::io::Result<()> {
    for (i, step) in steps.iter().enumerate() {
        writeln!(out, "  {:>3}. {}  [{}]", i + 1, step.description, step.spec)?;
    }
    Ok(())
}
