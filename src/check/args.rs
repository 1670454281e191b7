//! The flags of `swspec check` and the run they describe: [`RunConfig`], the model
//! configuration and the search options, which is all a run's discoveries depend on (the other
//! flags choose how the report is shown).

use clap::Args;
use serde::{Deserialize, Serialize};
use swspec_model::{knob, EnvChoices, Fixes, Knob, ModelConfig, Profile};

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
    /// Stop cleanly after this many states (unique states with the engine, generated states
    /// with `--stateright`). Default none (no limit).
    pub max_states: Option<usize>,
    /// Also check the liveness properties on the full state graph. Default false.
    pub liveness: bool,
    /// Search with stateright's own checker instead of swspec's engine. Default false.
    pub stateright: bool,
    /// Resident-memory bound in bytes for every phase. Default none: 80 % of physical memory, at most 60 % of an address-space limit.
    pub max_memory: Option<u64>,
    /// Swarm search for this many seconds instead of an exhaustive one. Default none.
    pub swarm: Option<u64>,
    /// 64-bit fingerprints in the visited set (hash compaction). Default false (128-bit).
    pub compact_fingerprints: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            bfs: false,
            threads: 1,
            symmetry: true,
            max_states: None,
            liveness: false,
            stateright: false,
            max_memory: None,
            swarm: None,
            compact_fingerprints: false,
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
    /// Give each fetch event its client and mode (navigation or subresource), as the trace
    /// checker does; no property reads them, so the default leaves them out (a smaller state
    /// space) [default: off].
    #[arg(long)]
    fetch_details: bool,
    /// Add push subscriptions, push messages, notifications and the push permission.
    #[arg(long)]
    push: bool,
    /// Let pages also post messages to the registration's installing, waiting and active
    /// workers, not only to their controller (§postMessage(message, options))
    /// [default: off].
    #[arg(long)]
    post_to_slots: bool,
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
    /// Let workers call `self.registration.update()` from their own global (§update()): an
    /// installed, activating or activated worker schedules an update job whose promise it
    /// holds; the installing worker's call rejects with InvalidStateError [default: off].
    #[arg(long)]
    worker_update: bool,
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
    /// Stop cleanly after this many unique states (generated states with `--stateright`);
    /// unproven properties are reported as `unknown` and the exit status is 1 [default: no
    /// limit].
    #[arg(long)]
    max_states: Option<usize>,
    /// Check with stateright's own checker instead of swspec's engine (the cross-check; it has
    /// no memory bound: a large configuration can exhaust memory).
    #[arg(long)]
    stateright: bool,
    /// Turn on every feature switch the profile's engine has: push, sync, periodic sync and
    /// background fetch, with fetch events (on by default; `--no-fetch-events` still leaves
    /// them out).
    #[arg(long)]
    all_features: bool,
    /// Resident-memory bound for every phase (search, shortest paths, liveness graph): when it
    /// is reached the run stops, reports every verdict found so far (`unknown` where nothing
    /// was proven) and exits 1. Sizes like 512M, 1G, 1.5G [default: 80 % of physical memory, at most 60 % of an address-space limit (ulimit -v)].
    #[arg(long, value_name = "SIZE", value_parser = parse_memory)]
    max_memory: Option<u64>,
    /// Instead of an exhaustive search, run randomized depth-bounded searches for this long
    /// (e.g. 30s, 5m, 1h): finds violations and examples with replayable paths, but never
    /// proves that an `always` holds or a `sometimes` is unreachable (those stay `unknown`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    swarm: Option<u64>,
    /// Hash compaction: 64-bit fingerprints in the visited set (16 bytes less per state); the
    /// report gives the probability that a state was missed.
    #[arg(long)]
    compact_fingerprints: bool,
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
    /// Also write the HTML report into this folder: every property with its verdict and spec
    /// sections, each example, counterexample and lasso as a sequence diagram with spec links
    /// (opens from file://; the folder is replaced whole, and only if it is empty or a previous
    /// report) [default: none].
    #[arg(long, value_name = "DIR")]
    pub report: Option<std::path::PathBuf>,
    /// Also write each discovery's path (example, counterexample, lasso) into this folder in the
    /// Informal Trace Format of Apalache and Quint, as `<property>.itf.json` [default: none].
    #[arg(long, value_name = "DIR")]
    pub itf: Option<std::path::PathBuf>,
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
                stateright: self.stateright,
                max_memory: self.max_memory,
                swarm: self.swarm,
                compact_fingerprints: self.compact_fingerprints,
            },
        }
    }

    /// The model configuration these flags describe.
    fn config(&self) -> ModelConfig {
        let apis = self.profile.params().apis;
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
            fetch_details: self.fetch_details,
            push: self.push || (self.all_features && apis.push),
            sync: self.sync || (self.all_features && apis.sync),
            periodic_sync: self.periodic_sync || (self.all_features && apis.periodic_sync),
            max_sync_attempts: self.max_sync_attempts,
            background_fetch: self.background_fetch || (self.all_features && apis.background_fetch),
            max_bg_fetches: self.max_bg_fetches,
            env: EnvChoices {
                worker_update: self.worker_update,
                post_to_slots: self.post_to_slots,
                ..EnvChoices::default()
            },
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

/// `--max-memory`: a size such as 512M, 1G, 1.5G or a byte count.
fn parse_memory(text: &str) -> Result<u64, String> {
    swspec_search::engine::memory::parse_size(text)
}

/// `--swarm`: a duration in whole seconds, written `90`, `90s`, `5m` or `1h` (at least 1 s).
fn parse_duration(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let mul = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(format!("{text:?}: use seconds, or a number with s, m or h")),
    };
    match num.parse::<u64>() {
        Ok(n) if n > 0 => n
            .checked_mul(mul)
            .ok_or_else(|| format!("{text:?} is too long")),
        _ => Err(format!(
            "{text:?} is not a positive duration (examples: 90s, 5m, 1h)"
        )),
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
