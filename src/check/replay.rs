//! The command line that reproduces a run (printed with every counterexample, and as the JSON
//! report's `replay`), built from the run's serialized [`RunConfig`]: each field that differs
//! from its default is written as the flag clap declares for it (a flag named after the field
//! sets it; `--no-FIELD` clears a field that is on by default; a repeatable flag sets the fields
//! of a group it names, as `--fix NAME` does the fields of `Fixes`). There is no list of flags to
//! keep: a test sets each flag in turn and replays it.

use super::args::{CheckArgs, RunConfig};
use clap::{ArgAction, Args};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// `swspec check` with the flags that reproduce `run`; an error names the fields no flag sets.
pub fn command(run: &RunConfig) -> Result<String, String> {
    let value = serde_json::to_value(run).map_err(|e| e.to_string())?;
    let default = serde_json::to_value(RunConfig::default()).map_err(|e| e.to_string())?;
    let mut unset = BTreeSet::new();
    differing(&value, &default, "", &mut unset);
    let mut words = vec!["swspec".to_string(), "check".to_string()];
    let cmd = CheckArgs::augment_args(clap::Command::new("check"));
    for section in ["model", "search"] {
        let (Some(v), Some(d)) = (value[section].as_object(), default[section].as_object()) else {
            return Err(format!("`{section}` does not serialize as an object"));
        };
        for arg in cmd.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            for (field, word) in flag_words(arg.get_id().as_str(), arg.get_action(), v, d) {
                unset.remove(&format!("{section}.{field}"));
                words.push(format!("--{long}"));
                words.extend(word);
            }
        }
    }
    if !unset.is_empty() {
        let fields: Vec<_> = unset.into_iter().collect();
        return Err(format!("no flag sets {}", fields.join(", ")));
    }
    Ok(words
        .iter()
        .map(|w| quoted(w))
        .collect::<Vec<_>>()
        .join(" "))
}

/// The fields (paths below the section) that flag `id` expresses, each with the value word it
/// takes (none for a switch), for a section serialized as `v` whose default is `d`.
fn flag_words(
    id: &str,
    action: &ArgAction,
    v: &Map<String, Value>,
    d: &Map<String, Value>,
) -> Vec<(String, Option<String>)> {
    if let (Some(x), Some(dx)) = (v.get(id), d.get(id)) {
        if x == dx {
            return Vec::new();
        }
        return match (action, x) {
            (ArgAction::SetTrue, Value::Bool(true)) => vec![(id.to_string(), None)],
            (ArgAction::Set, Value::Number(n)) => vec![(id.to_string(), Some(n.to_string()))],
            (ArgAction::Set, Value::String(s)) => vec![(id.to_string(), Some(s.clone()))],
            (ArgAction::Append, Value::Object(group)) => group
                .iter()
                .filter(|(k, on)| **on == Value::Bool(true) && dx[k.as_str()] != Value::Bool(true))
                .map(|(k, _)| (format!("{id}.{k}"), Some(k.replace('_', "-"))))
                .collect(),
            _ => Vec::new(),
        };
    }
    // A switch named after a field of a group (`--worker-update` sets `env.worker_update`).
    if matches!(action, ArgAction::SetTrue) {
        let nested = v.iter().find_map(|(g, gv)| {
            let on = gv.get(id)? == &Value::Bool(true);
            let off_by_default = d.get(g)?.get(id)? == &Value::Bool(false);
            (on && off_by_default).then(|| format!("{g}.{id}"))
        });
        if let Some(path) = nested {
            return vec![(path, None)];
        }
    }
    let negated = id
        .strip_prefix("no_")
        .filter(|_| matches!(action, ArgAction::SetTrue));
    match negated.map(|f| (f, v.get(f), d.get(f))) {
        Some((f, Some(Value::Bool(false)), Some(Value::Bool(true)))) => vec![(f.to_string(), None)],
        _ => Vec::new(),
    }
}

/// Collects into `out` the paths (`section.field`, `section.group.field`) of the leaves where
/// `v` differs from `d`.
fn differing(v: &Value, d: &Value, path: &str, out: &mut BTreeSet<String>) {
    match (v, d) {
        (Value::Object(v), Value::Object(d)) => {
            for (k, x) in v {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                differing(x, d.get(k).unwrap_or(&Value::Null), &p, out);
            }
        }
        _ if v != d => {
            out.insert(path.to_string());
        }
        _ => {}
    }
}

/// `w` as one shell word: as it is when it is plain, else single-quoted.
fn quoted(w: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.,:/=+".contains(c);
    if !w.is_empty() && w.chars().all(plain) {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Command, FromArgMatches};
    use swspec_model::Profile;

    /// The run `argv` (after `swspec check`) describes, if it parses.
    fn parse<S: AsRef<str>>(argv: &[S]) -> Option<RunConfig> {
        let cmd = CheckArgs::augment_args(Command::new("check"));
        let words = std::iter::once("check").chain(argv.iter().map(|s| s.as_ref()));
        let m = cmd.try_get_matches_from(words).ok()?;
        CheckArgs::from_arg_matches(&m).ok().map(|a| a.run_config())
    }

    /// `command(run)`, parsed back.
    fn replayed(run: &RunConfig) -> Option<RunConfig> {
        let cmd = command(run).unwrap_or_else(|e| panic!("{run:?}: {e}"));
        let words: Vec<&str> = cmd.split(' ').collect();
        assert_eq!(words[..2], ["swspec", "check"], "{cmd}");
        parse(&words[2..])
    }

    /// Flags that choose how the report is shown, not what is explored: they leave the run as
    /// it is (`--symmetry` restates the default).
    const NOT_IN_THE_RUN: [&str; 6] = [
        "json",
        "progress_secs",
        "traces",
        "report",
        "itf",
        "symmetry",
    ];

    /// Each flag with the values to try, from clap's own description of it: none for a
    /// switch, each possible value, else a few numbers and the profile names (those that do not
    /// parse are skipped).
    fn flag_settings() -> Vec<(String, Vec<Vec<String>>)> {
        let cmd = CheckArgs::augment_args(Command::new("check"));
        let mut out = Vec::new();
        for arg in cmd.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            let flag = format!("--{long}");
            let values: Vec<String> = if !arg.get_action().takes_values() {
                vec![]
            } else if !arg.get_possible_values().is_empty() {
                arg.get_possible_values()
                    .iter()
                    .map(|p| p.get_name().to_string())
                    .collect()
            } else {
                let numbers = ["0", "1", "2", "3", "5", "8", "1000"].map(String::from);
                let profiles = Profile::ALL.map(|p| p.to_string());
                numbers.into_iter().chain(profiles).collect()
            };
            let argvs = if values.is_empty() {
                vec![vec![flag]]
            } else {
                values.into_iter().map(|v| vec![flag.clone(), v]).collect()
            };
            out.push((arg.get_id().to_string(), argvs));
        }
        out
    }

    #[test]
    fn the_default_run_replays_as_the_bare_command() {
        assert_eq!(
            command(&RunConfig::default()).as_deref(),
            Ok("swspec check")
        );
        assert_eq!(parse::<&str>(&[]), Some(RunConfig::default()));
    }

    /// Every flag that changes the run, at every value tried, is replayed to the same run; and
    /// each flag changes the run unless it only chooses how the report is shown.
    #[test]
    fn every_flag_replays() {
        for (id, argvs) in flag_settings() {
            let mut changed = false;
            for argv in argvs {
                let Some(run) = parse(&argv) else { continue };
                changed |= run != RunConfig::default();
                assert_eq!(replayed(&run), Some(run.clone()), "{argv:?}");
            }
            assert_eq!(
                changed,
                !NOT_IN_THE_RUN.contains(&id.as_str()),
                "--{id}: a flag that changes the run must be in RunConfig, one that does not \
                 in NOT_IN_THE_RUN"
            );
        }
    }

    /// All flags at once (the last value of each that parses; every `--fix`) replay to the
    /// same run.
    #[test]
    fn all_flags_at_once_replay() {
        let mut argv: Vec<String> = Vec::new();
        for (id, argvs) in flag_settings() {
            if NOT_IN_THE_RUN.contains(&id.as_str()) {
                continue;
            }
            let parsing: Vec<Vec<String>> = argvs
                .into_iter()
                .filter(|a| parse(a).is_some_and(|r| r != RunConfig::default()))
                .collect();
            if id == "fixes" {
                argv.extend(parsing.into_iter().flatten());
            } else if let Some(last) = parsing.into_iter().last() {
                argv.extend(last);
            }
        }
        let run = parse(&argv).unwrap_or_else(|| panic!("{argv:?} does not parse"));
        assert!(run.model.fixes.activate_retries_try_activate && !run.search.symmetry);
        assert_eq!(replayed(&run), Some(run));
    }

    #[test]
    fn a_replay_names_the_changed_fields_in_flag_order() {
        let run = parse(&[
            "--no-symmetry",
            "--fix",
            "requeue-backed-up-tasks",
            "--max-states",
            "1000",
            "--threads",
            "2",
            "--bfs",
            "--profile",
            "chromium",
            "--clients",
            "1",
            "--liveness",
            "--no-fetch-events",
        ]);
        let cmd = run.as_ref().map(command);
        assert_eq!(
            cmd,
            Some(Ok(
                "swspec check --clients 1 --profile chromium --no-fetch-events \
                     --fix requeue-backed-up-tasks --bfs --threads 2 --liveness --no-symmetry \
                     --max-states 1000"
                    .to_string()
            ))
        );
    }

    /// A field no flag sets is an error naming it, never a command that runs something else.
    #[test]
    fn a_field_no_flag_sets_is_named() {
        let mut run = RunConfig::default();
        run.model.sync_tags = 2;
        run.model.env.claim = false;
        assert_eq!(
            command(&run),
            Err("no flag sets model.env.claim, model.sync_tags".to_string())
        );
    }

    #[test]
    fn odd_words_are_quoted() {
        assert_eq!(quoted("chromium"), "chromium");
        assert_eq!(quoted("a b"), "'a b'");
        assert_eq!(quoted("it's"), r"'it'\''s'");
    }
}
