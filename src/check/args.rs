//! The flags of `swspec check` and the run they describe: [`RunConfig`], the model
//! configuration and the search options, which is all a run's discoveries depend on (the other
//! flags choose how the report is shown).

use clap::Args;
use serde::{Deserialize, Serialize};
use swspec_model::{knob, Fixes, Knob, ModelConfig, Profile};

/// What one run explores and how: the input of the search, and what the replay command
/// reproduces.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunConfig {
    /// The model's bounds and features.
    pub model: ModelConfig,
    /// How the state space is searched.
    pub search: SearchOptions,
}

/// How a run searches the state space (each field's default is the flag's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchOptions {
    /// Breadth-first instead of depth-first. Default false.
    pub bfs: bool,
    /// Checker threads. Default 1; range 1..=65535.
    pub threads: u16,
    /// Reduce interchangeable clients by symmetry. Default true.
    pub symmetry: bool,
    /// Stop cleanly after this many generated states. Default none (no limit).
    pub max_states: Option<usize>,
    /// Also check the liveness properties on the full state graph. Default false.
    pub liveness: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            bfs: false,
            threads: 1,
            symmetry: true,
            max_states: None,
            liveness: false,
        }
    }
}

/// Knobs of `swspec check`. Defaults are the default model configuration.
#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// Check breadth-first instead of depth-first. (Printed paths are always shortest: they are
    /// recomputed breadth-first after the check.)
    #[arg(long)]
    bfs: bool,
    /// Checker threads (at least 1). With more than one, unique-state counts may vary slightly from run to
    /// run (stateright's parallel search); golden counts use 1.
    #[arg(long, default_value_t = SearchOptions::default().threads, value_parser = clap::value_parser!(u16).range(1..))]
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
    pub json: bool,
    /// Seconds between progress lines on stderr (a positive number).
    #[arg(long, default_value_t = 2.0)]
    pub progress_secs: f64,
    /// After the model check, also check every trace under this folder with `swspec conform`
    /// (the README's main job passes `traces`); the exit status is the worse of the two
    /// [default: none].
    #[arg(long)]
    pub traces: Option<std::path::PathBuf>,
}

impl CheckArgs {
    /// The run these flags describe.
    pub fn run_config(&self) -> RunConfig {
        RunConfig {
            model: self.config(),
            search: SearchOptions {
                bfs: self.bfs,
                threads: self.threads,
                symmetry: self.symmetry(),
                max_states: self.max_states,
                liveness: self.liveness,
            },
        }
    }

    /// The model configuration these flags describe.
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

    /// Symmetry reduction is on unless `--no-symmetry`.
    fn symmetry(&self) -> bool {
        !self.no_symmetry
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
