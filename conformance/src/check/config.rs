//! The model a trace is checked under: bounds wide enough for what a capture holds, every
//! environment choice open, the optional APIs the trace uses switched on ([`wide_config`] and
//! `config_for`); the profile's timer bounds as a capture's header may override them
//! ([`param_override`]); and the condition a capture's end must meet ([`quiescent`]).

use super::prepare::Prepared;
use crate::trace::Trace;
use swspec_model::{
    knob, IdSpace, ModelConfig, Profile, RunningStatus, SwModel, SwState, WorkerId,
};

/// The model configuration a trace is checked under: bounds wide enough for what a capture
/// holds, every environment choice open, features switched on by the observations present.
pub(super) fn config_for(prep: &Prepared, profile: Profile) -> Result<ModelConfig, String> {
    let count = |space| prep.interner.count(space).max(1);
    // What the trace names beyond what the model can hold is a limit of the checker, said as
    // such (the trace is unusable), never a divergence at the line that names one too many.
    let within = |what: &str, space, cap: usize| {
        let n = count(space);
        if n > cap {
            Err(format!(
                "limit: the trace names {n} distinct {what}; the model holds at most {cap}"
            ))
        } else {
            Ok(n)
        }
    };
    let clients = within("clients", IdSpace::Client, swspec_model::capacity::CLIENTS)?;
    let tags = within("sync tags", IdSpace::Tag, swspec_model::capacity::SYNC_TAGS)?;
    let workers = swspec_model::capacity::WORKERS - 1;
    within("workers", IdSpace::Worker, workers)?;
    let scripts = within(
        "script URLs",
        IdSpace::Script,
        knob::SCRIPT_URLS.max as usize,
    )?;
    let fetches = within(
        "background fetch ids",
        IdSpace::BgFetch,
        swspec_model::bgfetch::BG_FETCHES,
    )?;
    let f = prep.features;
    let mut cfg = wide_config(profile, clients as u8);
    cfg.script_urls = scripts as u8;
    cfg.push = f.push;
    cfg.sync = f.sync;
    cfg.periodic_sync = f.periodic_sync;
    cfg.sync_tags = tags as u8;
    cfg.background_fetch = f.background_fetch;
    cfg.max_bg_fetches = fetches as u8;
    // A worker's update() the capture cannot see would be a hidden step, free to explain any
    // script fetch: only a capture that observes the call gets it.
    cfg.env.worker_update = observes(prep, "worker_update");
    cfg.validate()?;
    Ok(cfg)
}

/// Whether the trace's header lists observation kind `kind` as observed.
fn observes(prep: &Prepared, kind: &str) -> bool {
    swspec_model::Observation::<u8>::KINDS
        .iter()
        .position(|k| *k == kind)
        .is_some_and(|i| prep.observed_mask >> i & 1 == 1)
}

/// The widest configuration the state's capacities allow, with every environment choice open
/// and no optional API: what a trace is checked under before its features are switched on.
pub fn wide_config(profile: Profile, clients: u8) -> ModelConfig {
    let mut cfg = ModelConfig {
        clients,
        versions: 8,
        script_urls: 1,
        max_workers: (swspec_model::capacity::WORKERS - 1) as u8,
        max_registrations: (swspec_model::capacity::REGISTRATIONS - 1) as u8,
        max_queued_jobs: swspec_model::capacity::JOBS as u8,
        max_pending_events: 6,
        profile,
        fetch_events: true,
        fetch_details: true,
        ..ModelConfig::default()
    };
    cfg.env.fetch_failure = true;
    cfg.env.evaluation_failure = true;
    cfg.env.install_failure = true;
    // Soft Update runs where §Handle Fetch runs it, after a navigation (every engine does, 1–2 s
    // later), not at any time: it shows only as a `script_fetched` and what its job does.
    // After functional events the spec soft-updates only a stale registration (24 h), which
    // no capture reaches (SPEC_NOTES "Observations").
    cfg.env.soft_update = false;
    cfg.env.navigation_soft_update = true;
    cfg.env.skip_waiting = true;
    cfg.env.claim = true;
    cfg.env.unregister = true;
    // Workers call update() from their own global (`config_for` keeps it for captures that
    // observe the call).
    cfg.env.worker_update = true;
    cfg.env.forced_stops = true;
    // A page may message any of its registration's workers (§postMessage(message, options)).
    cfg.env.post_to_slots = true;
    cfg
}

/// A profile parameter a trace may override: its field in [`swspec_model::ProfileParams`].
pub(super) type ParamField = fn(&mut swspec_model::ProfileParams) -> &mut Option<f64>;

/// The header's `settings.profile_params`: timer bounds a capture changed with engine flags or
/// prefs (e.g. Chromium's BackgroundSync field trial), by [`swspec_model::ProfileParams`] field.
const PARAM_OVERRIDES: &[(&str, ParamField)] = &[
    ("idle_timeout_ms", |p| &mut p.idle_timeout_ms),
    ("idle_extended_timeout_ms", |p| {
        &mut p.idle_extended_timeout_ms
    }),
    ("event_timeout_ms", |p| &mut p.event_timeout_ms),
    ("push_event_timeout_ms", |p| &mut p.push_event_timeout_ms),
    ("sync_event_timeout_ms", |p| &mut p.sync_event_timeout_ms),
    ("sync_initial_retry_delay_ms", |p| {
        &mut p.sync_initial_retry_delay_ms
    }),
    ("sync_retry_delay_factor", |p| {
        &mut p.sync_retry_delay_factor
    }),
];

/// The field a `profile_params` key names, or why it names none.
pub fn param_override(name: &str) -> Result<ParamField, String> {
    PARAM_OVERRIDES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            let known: Vec<&str> = PARAM_OVERRIDES.iter().map(|(n, _)| *n).collect();
            format!("unknown profile parameter (known: {})", known.join(", "))
        })
}

/// The trace header's `settings.profile_params`, checked: each a known parameter and a number
/// >= 0.
pub(super) fn overrides_of(trace: &Trace) -> Result<Vec<(ParamField, f64)>, String> {
    let Some(v) = trace.header.settings.get("profile_params") else {
        return Ok(Vec::new());
    };
    let obj = v
        .as_object()
        .ok_or("header field `settings.profile_params` must be an object")?;
    obj.iter()
        .map(|(k, v)| {
            let at = |m: String| format!("header field `settings.profile_params.{k}`: {m}");
            let field = param_override(k).map_err(at)?;
            v.as_f64()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .map(|x| (field, x))
                .ok_or_else(|| at("not a number >= 0".into()))
        })
        .collect()
}

/// The profile parameters `p` with the overrides `o` applied.
pub(super) fn with_overrides(
    mut p: swspec_model::ProfileParams,
    o: &[(ParamField, f64)],
) -> swspec_model::ProfileParams {
    for (field, v) in o {
        *field(&mut p) = Some(*v);
    }
    p
}

/// A step the browser takes promptly that is still due in a state: what keeps it from being
/// [`quiescent`], as the end-of-trace report names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// The front job is queued, or waits for its script (§Run Job, §Update).
    FrontJob,
    /// A worker is starting, or has a task that waits for its start (§Run Service Worker).
    Start(WorkerId),
    /// A running worker could dispatch its front task now; its kind's name.
    Task(WorkerId, &'static str),
    /// A worker's activate event is due (§Activate).
    ActivateEvent(WorkerId),
}

/// Every [`Due`] step of `s`, in worker order after the job queue.
pub fn due_now(model: &SwModel, s: &SwState) -> Vec<Due> {
    let mut due = Vec::new();
    if s.jobs.first().is_some_and(|j| {
        matches!(
            j.phase,
            swspec_model::JobPhase::Queued | swspec_model::JobPhase::Fetching { .. }
        )
    }) {
        due.push(Due::FrontJob);
    }
    for (i, w) in s.workers.iter().enumerate() {
        let id = i as WorkerId;
        if w.running == RunningStatus::Starting || w.start_due() {
            due.push(Due::Start(id));
        }
        if w.activate_event_due() {
            due.push(Due::ActivateEvent(id));
        } else if model.can_dispatch(s, id) {
            let kind = w.tasks.first().map_or("task", |k| k.name());
            due.push(Due::Task(id, kind));
        }
    }
    due
}

/// No step the browser takes promptly is due (`due_now` is empty): the front job is not
/// waiting to run or for its script, no worker is starting or due to start, and no worker has a
/// task (or its activate event) it could dispatch now. (Steps that wait on the page, the
/// worker's promises, the user, the network or a timer may be due.)
pub fn quiescent(model: &SwModel, s: &SwState) -> bool {
    due_now(model, s).is_empty()
}
