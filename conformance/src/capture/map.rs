//! From raw records to trace events: each raw record becomes one trace line, with the shared
//! observation it shows (or none, for informational lines) and the raw payload kept.
//!
//! A pure function of the records, so it is tested on recorded inputs without a browser.
//! Worker identities come from DevTools (`sw-<versionId>`); the worker script only knows its
//! script version and its instance, so each instance is bound to the DevTools version with that
//! script version that started last before the instance's first record.
//!
//! One submodule per record source: `driver` (the steps the harness took), `page` (a page's
//! records), `worker` and `worker_update` (a worker's records), and `bind` (which worker a
//! worker record came from); DevTools and server records are mapped here.

mod bind;
mod driver;
mod page;
#[cfg(test)]
mod tests;
mod worker;
mod worker_update;

use super::server::{RecSrc, Record};
use crate::trace::{Event, Source};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use swspec_model::{BgResult, FailureReason, Observation, RunningStatus, WorkerState};

type O = Observation<String>;

/// The driver note that ends a capture (see [`super::drive::run`]).
pub const END_NOTE: &str = "end of capture (settled)";

/// What the mapping learnt besides the events: worker ids and their script versions.
#[derive(Clone, Debug, Default)]
pub struct Mapped {
    /// The trace events, in timestamp order.
    pub events: Vec<Event>,
    /// Trace worker id → script version.
    pub versions: BTreeMap<String, u32>,
    /// Records that could not be given the observation they seem to show, with why.
    pub unmapped: Vec<String>,
}

/// The trace id of DevTools version `vid`.
pub fn worker_id(vid: &str) -> String {
    format!("sw-{vid}")
}

/// A model enum from the name the browser reports, which is its serde name (DevTools and the
/// DOM spell worker states, running statuses, event names and bgfetch results the same way).
fn named<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(json!(s)).ok()
}

/// A DevTools worker status; `new` (the model's unobservable `parsed`) is none.
fn state(s: &str) -> Option<WorkerState> {
    named(s).filter(|st| *st != WorkerState::Parsed)
}

/// A DevTools running status; the transient `stopping` is none (the model folds it into the
/// stop).
fn running(s: &str) -> Option<RunningStatus> {
    named(s).filter(|r| *r != RunningStatus::Stopping)
}

/// `failureReason` / `result` of a background fetch: the DOM's empty string is the model's
/// `none` / `unset`.
fn failure_reason(s: &str) -> Option<FailureReason> {
    if s.is_empty() {
        Some(FailureReason::None)
    } else {
        named(s)
    }
}

fn bg_result(s: &str) -> Option<BgResult> {
    if s.is_empty() {
        Some(BgResult::Unset)
    } else {
        named(s).filter(|r| *r != BgResult::Unset)
    }
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

/// Maps the records of one capture, as of its last record.
pub fn map(records: &[Record]) -> Mapped {
    map_until(records, f64::MIN)
}

/// Maps the records of one capture as of `now` on the capture clock: a heartbeat gap can only
/// be seen by how much time has passed since the last beat.
pub fn map_until(records: &[Record], now: f64) -> Mapped {
    // What arrives after the end of the capture (the browser's teardown closes the clients,
    // which can activate a waiting worker) was not watched: it is left out.
    let end = records
        .iter()
        .find(|r| r.src == RecSrc::Driver && r.data["note"] == END_NOTE)
        .map(|r| r.t);
    let kept: Vec<Record>;
    let records = match end {
        Some(end) => {
            kept = records.iter().filter(|r| r.t <= end).cloned().collect();
            &kept[..]
        }
        None => records,
    };
    let mut out = Mapped::default();
    // DevTools versions: script version, and when each started.
    let mut script_of: BTreeMap<String, u32> = BTreeMap::new();
    let mut starts: Vec<(f64, String)> = Vec::new();
    for r in records.iter().filter(|r| r.src == RecSrc::Devtools) {
        if s(&r.data, "ev") != "version" {
            continue;
        }
        let vid = s(&r.data, "versionId").to_string();
        if let Some(v) = r.data.get("script_version").and_then(Value::as_u64) {
            script_of.entry(vid.clone()).or_insert(v as u32);
        }
        if s(&r.data, "runningStatus") == "starting" {
            starts.push((r.t, vid));
        }
    }
    for (vid, v) in &script_of {
        out.versions.insert(worker_id(vid), *v);
    }
    // Worker instances → workers: through DevTools versions where DevTools reports them;
    // where the engine does not, the worker beats (Firefox, WebKit) and the lifecycle tells.
    let all = bind::instances(records);
    let inst_of = if all.iter().any(|i| i.heartbeat_ms.is_some()) {
        let inst_of = bind::bind_by_lifecycle(&all, &mut out.versions);
        out.events
            .extend(bind::heartbeat_status(records, &all, &inst_of, now));
        inst_of
    } else {
        bind::bind_to_devtools(records, &script_of, &starts, &mut out.unmapped)
    };
    // Last DevTools status and running status per version.
    let mut last: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        let raw = Some(r.data.clone());
        let mut push = |t: f64, src: Source, obs: Option<O>| {
            out.events.push(Event {
                t,
                earliest: None,
                src,
                obs,
                raw: raw.clone(),
            })
        };
        match &r.src {
            RecSrc::Driver => push(r.t, Source::Driver, driver::driver_obs(records, i)),
            RecSrc::Server => push(r.t, Source::Server, server_obs(&r.data, &mut out.unmapped)),
            RecSrc::Page(client) => {
                let src = Source::Page {
                    client: client.clone(),
                };
                let obs = page::page_obs(client, &r.data, &mut out.unmapped);
                push(r.t, src, obs);
            }
            RecSrc::Worker => {
                let inst = s(&r.data, "inst").to_string();
                let worker = inst_of
                    .get(&inst)
                    .cloned()
                    .unwrap_or_else(|| "unknown".into());
                let src = Source::Worker {
                    worker: worker.clone(),
                    instance: inst,
                };
                let (settled, obs) = worker::worker_obs(&worker, &r.data);
                if let Some(b) = settled {
                    // The fetch's result, read off the event's registration: it settled before
                    // the event was dispatched.
                    out.events.push(Event {
                        t: r.t - 0.001,
                        earliest: None,
                        src: src.clone(),
                        obs: Some(b),
                        raw: Some(json!({"derived_from": "the event's registration fields"})),
                    });
                }
                out.events.push(Event {
                    t: r.t,
                    earliest: None,
                    src,
                    obs,
                    raw: raw.clone(),
                });
            }
            RecSrc::Devtools => {
                if s(&r.data, "ev") != "version" {
                    push(r.t, Source::Devtools, None);
                    continue;
                }
                let vid = s(&r.data, "versionId").to_string();
                let worker = worker_id(&vid);
                let status = s(&r.data, "status").to_string();
                let run = s(&r.data, "runningStatus").to_string();
                let prev = last
                    .get(&vid)
                    .cloned()
                    .unwrap_or_else(|| ("new".into(), "stopped".into()));
                let mut obs = Vec::new();
                if status != prev.0 {
                    if let Some(st) = state(&status) {
                        obs.push(O::StateChange {
                            worker: worker.clone(),
                            state: st,
                        });
                    }
                }
                if run != prev.1 {
                    if let Some(rs) = running(&run) {
                        let o = O::RunningStatus {
                            worker: worker.clone(),
                            status: rs,
                        };
                        // A worker starting for an event is reported before the state it then
                        // reaches; one stopping, after.
                        if rs == RunningStatus::Stopped {
                            obs.push(o);
                        } else {
                            obs.insert(0, o);
                        }
                    }
                }
                last.insert(vid, (status, run));
                if obs.is_empty() {
                    push(r.t, Source::Devtools, None);
                }
                for o in obs {
                    push(r.t, Source::Devtools, Some(o));
                }
            }
        }
    }
    out.events.sort_by(|a, b| a.t.total_cmp(&b.t));
    out
}

/// The observation of a server record: a script request with the version served.
fn server_obs(d: &Value, unmapped: &mut Vec<String>) -> Option<O> {
    if s(d, "ev") != "script" {
        return None;
    }
    let v = d.get("version").and_then(Value::as_u64);
    match v.and_then(|v| u8::try_from(v).ok()) {
        Some(version) => Some(O::ScriptFetched { version }),
        None => {
            unmapped.push(format!(
                "server: script request with version {v:?}, which the vocabulary lacks (1..=255)"
            ));
            None
        }
    }
}
