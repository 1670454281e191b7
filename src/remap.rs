//! `swspec remap`: bring stored captures up to date with today's mapping. Every line's `obs` is
//! re-derived from its `raw` record and the header's `observes` becomes what a capture of that
//! engine claims today ([`swspec_conformance::capture::remap`]). Each file is rewritten
//! atomically (a temporary file beside it, then a rename), and only when something changed.

use crate::term::{clean, path as shown};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use swspec_conformance::capture::remap::{self, Changes};
use swspec_conformance::capture::write_atomically;
use swspec_conformance::trace::Trace;
use swspec_conformance::walk;

/// Knobs of `swspec remap`.
#[derive(Args, Debug, Clone)]
pub struct RemapArgs {
    /// Trace files or folders (searched recursively for `*.jsonl`; `*.partial.jsonl` skipped).
    /// Traces not written by a capture (engine `synthetic`) are skipped.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Only report what would change; write nothing (exit 1 if anything would).
    #[arg(long)]
    check: bool,
}

/// One line of the report: what changed in a trace.
fn describe(c: &Changes) -> String {
    if c.is_empty() {
        return "unchanged".into();
    }
    let mut s = format!(
        "{} observation{} changed ({} added, {} removed, {} altered)",
        c.observations(),
        if c.observations() == 1 { "" } else { "s" },
        c.added,
        c.removed,
        c.altered
    );
    if !c.observes_added.is_empty() {
        s.push_str(&format!("; observes + {}", c.observes_added.join(", ")));
    }
    if !c.observes_removed.is_empty() {
        s.push_str(&format!("; observes − {}", c.observes_removed.join(", ")));
    }
    s
}

/// Runs `swspec remap`: exit 0 when done (or, with `--check`, when nothing would change), 1
/// when `--check` finds a trace that would change, 2 on unusable input (each error located;
/// the other traces are still remapped).
pub fn run(args: &RemapArgs) -> ExitCode {
    let collected = walk::collect(&args.paths);
    // Files that could not be read, remapped or written.
    let mut errors = 0;
    for e in &collected.errors {
        eprintln!("error: {}", clean(&e.to_string()));
    }
    for s in &collected.skipped {
        eprintln!("warning: {}: {} (skipped)", shown(&s.path), s.reason);
    }
    let (mut changed, mut same, mut skipped) = (0, 0, 0);
    for file in &collected.files {
        let trace = match Trace::read(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {}", clean(&e.to_string()));
                errors += 1;
                continue;
            }
        };
        if remap::engine_of(&trace.header).is_none() {
            println!(
                "{}: skipped (engine {:?} is not a capture)",
                shown(file),
                clean(&trace.header.engine)
            );
            skipped += 1;
            continue;
        }
        let r = match remap::remap(&trace) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {}", clean(&e.to_string()));
                errors += 1;
                continue;
            }
        };
        for u in &r.unmapped {
            eprintln!("warning: {}: {}", shown(file), clean(u));
        }
        if r.changes.is_empty() {
            same += 1;
            println!("{}: unchanged", shown(file));
            continue;
        }
        changed += 1;
        let text = Trace::to_text(&r.header, &r.events);
        let done = if args.check {
            "would be rewritten"
        } else if let Err(e) = write_atomically(file, &text) {
            eprintln!("error: {}", clean(&e.to_string()));
            errors += 1;
            continue;
        } else {
            "rewritten"
        };
        println!("{}: {} ({done})", shown(file), describe(&r.changes));
    }
    let verb = if args.check {
        "would change"
    } else {
        "changed"
    };
    println!(
        "{} traces: {changed} {verb}, {same} unchanged, {skipped} skipped (not captures), \
         {errors} unusable",
        collected.files.len()
    );
    if errors > 0 || !collected.errors.is_empty() {
        ExitCode::from(2)
    } else if args.check && changed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
