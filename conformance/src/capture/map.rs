//! From raw records to trace events: each raw record becomes one trace line, with the shared
//! observation it shows (or none, for informational lines) and the raw payload kept.
//!
//! A pure function of the records, so it is tested on recorded inputs without a browser.
//! Worker identities come from DevTools (`sw-<versionId>`); the worker script only knows its
//! script version and its instance, so each instance is bound to the DevTools version with that
//! script version that started last before the instance's first record.

mod driver;
mod worker_update;

use super::server::{RecSrc, Record};
use crate::trace::{Event, Source};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use swspec_model::observe::{
    CallOutcome, EventName, JobCall, JobOutcome, LifecycleEvent, PageCall, WorkerCall,
};
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
    let all = instances(records);
    let inst_of = if all.iter().any(|i| i.heartbeat_ms.is_some()) {
        let inst_of = bind_by_lifecycle(&all, &mut out.versions);
        out.events
            .extend(heartbeat_status(records, &all, &inst_of, now));
        inst_of
    } else {
        bind_to_devtools(records, &script_of, &starts, &mut out.unmapped)
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
                let obs = page_obs(client, &r.data, &mut out.unmapped);
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
                let (settled, obs) = worker_obs(&worker, &r.data);
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

/// Binds each worker instance to the DevTools version with its script version that started
/// last before the instance's first record.
fn bind_to_devtools(
    records: &[Record],
    script_of: &BTreeMap<String, u32>,
    starts: &[(f64, String)],
    unmapped: &mut Vec<String>,
) -> BTreeMap<String, String> {
    let mut inst_of: BTreeMap<String, String> = BTreeMap::new();
    let mut by_time: Vec<&Record> = records.iter().collect();
    by_time.sort_by(|a, b| a.t.total_cmp(&b.t));
    for r in by_time.iter().filter(|r| r.src == RecSrc::Worker) {
        let inst = s(&r.data, "inst").to_string();
        if inst_of.contains_key(&inst) {
            continue;
        }
        let v = r.data.get("v").and_then(Value::as_u64).unwrap_or(0) as u32;
        let bound = starts
            .iter()
            .filter(|(t, vid)| *t <= r.t + 50.0 && script_of.get(vid) == Some(&v))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, vid)| vid.clone())
            .or_else(|| {
                script_of
                    .iter()
                    .filter(|(_, sv)| **sv == v)
                    .map(|(vid, _)| vid.clone())
                    .max_by_key(|vid| vid.parse::<u64>().unwrap_or(0))
            });
        match bound {
            Some(vid) => {
                inst_of.insert(inst, worker_id(&vid));
            }
            None => {
                unmapped.push(format!(
                    "worker instance {inst} (script version {v}) matches no DevTools version"
                ));
                inst_of.insert(inst, format!("script-v{v}"));
            }
        }
    }
    inst_of
}

/// One worker script instance (one script evaluation) as its records show it.
struct Instance {
    /// Its id (`inst`).
    id: String,
    /// Its script version.
    version: u32,
    /// Its records' times, ascending.
    times: Vec<f64>,
    /// Its first record that is neither `eval` nor `heartbeat` (empty if none yet).
    first_event: String,
    /// The heartbeat period its evaluation announced, if it beats.
    heartbeat_ms: Option<f64>,
}

/// The worker instances of one capture, in order of their first record.
fn instances(records: &[Record]) -> Vec<Instance> {
    let mut order: Vec<Instance> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_time: Vec<&Record> = records.iter().filter(|r| r.src == RecSrc::Worker).collect();
    by_time.sort_by(|a, b| a.t.total_cmp(&b.t));
    for r in by_time {
        let inst = s(&r.data, "inst");
        let ev = s(&r.data, "ev");
        let i = *index.entry(inst.to_string()).or_insert_with(|| {
            order.push(Instance {
                id: inst.to_string(),
                version: r.data.get("v").and_then(Value::as_u64).unwrap_or(0) as u32,
                times: Vec::new(),
                first_event: String::new(),
                heartbeat_ms: None,
            });
            order.len() - 1
        });
        let it = &mut order[i];
        it.times.push(r.t);
        if it.first_event.is_empty() && ev != "eval" && ev != "heartbeat" {
            it.first_event = ev.to_string();
        }
        if let Some(hb) = r.data["behaviour"]["heartbeat_ms"].as_f64() {
            it.heartbeat_ms = Some(hb);
        }
    }
    order
}

/// Without DevTools, a worker is known by its lifecycle: an instance whose first event is
/// `install` is a new worker (`sw-1`, `sw-2`, … in install order); any other instance is a
/// restart of the newest worker with its script version (a new one if there is none).
fn bind_by_lifecycle(
    all: &[Instance],
    versions: &mut BTreeMap<String, u32>,
) -> BTreeMap<String, String> {
    let mut inst_of = BTreeMap::new();
    let mut workers: Vec<(String, u32)> = Vec::new();
    for i in all {
        let existing = workers
            .iter()
            .rev()
            .find(|(_, wv)| *wv == i.version)
            .map(|(w, _)| w.clone());
        let worker = match existing {
            Some(w) if i.first_event != "install" => w,
            _ => {
                let w = format!("sw-{}", workers.len() + 1);
                workers.push((w.clone(), i.version));
                versions.insert(w.clone(), i.version);
                w
            }
        };
        inst_of.insert(i.id.clone(), worker);
    }
    inst_of
}

/// Running status from the worker's own records, where no DevTools reports it: an instance
/// runs from its first record (its script evaluation; the start began after the last driver
/// step, so `starting` carries that interval); it has stopped once its heartbeat has
/// been missing for three periods while the capture went on, or once the same worker runs a
/// new instance. The stop happened after the instance's last record and before the heartbeat
/// that did not come, so its line carries that interval (`earliest`, `t`).
fn heartbeat_status(
    records: &[Record],
    all: &[Instance],
    inst_of: &BTreeMap<String, String>,
    now: f64,
) -> Vec<Event> {
    let end = records.iter().map(|r| r.t).fold(now, f64::max);
    let mut driver: Vec<f64> = records
        .iter()
        .filter(|r| r.src == RecSrc::Driver)
        .map(|r| r.t)
        .collect();
    driver.sort_by(f64::total_cmp);
    // When each worker's previous instance was last seen (a start cannot precede it).
    let mut seen: BTreeMap<String, f64> = BTreeMap::new();
    let mut out = Vec::new();
    for (k, it) in all.iter().enumerate() {
        let (inst, times) = (&it.id, &it.times);
        let worker = inst_of.get(inst).cloned().unwrap_or_default();
        let src = Source::Heartbeat {
            worker: worker.clone(),
        };
        let (Some(&first), Some(&last)) = (times.first(), times.last()) else {
            continue;
        };
        // The script evaluation is the end of the start: it began after whatever caused it,
        // which is after the last driver step and after the previous instance was last seen.
        let began = driver
            .iter()
            .rev()
            .find(|&&t| t <= first)
            .copied()
            .into_iter()
            .chain(seen.get(&worker).copied())
            .fold(f64::MIN, f64::max);
        seen.insert(worker.clone(), last);
        for (dt, status) in [
            (0.002, RunningStatus::Starting),
            (0.001, RunningStatus::Running),
        ] {
            let t = first - dt;
            out.push(Event {
                t,
                earliest: (status == RunningStatus::Starting && began > f64::MIN && began < t)
                    .then_some(began),
                src: src.clone(),
                obs: Some(O::RunningStatus {
                    worker: worker.clone(),
                    status,
                }),
                raw: Some(json!({"derived_from": "the first record of instance (its script evaluation)", "inst": inst})),
            });
        }
        let Some(hb) = it.heartbeat_ms else { continue };
        let next = all[k + 1..]
            .iter()
            .find(|i| inst_of.get(&i.id) == Some(&worker))
            .and_then(|i| i.times.first().copied());
        if next.is_none() && end - last <= 3.0 * hb {
            continue;
        }
        let mut t = last + 1.5 * hb;
        if let Some(n) = next {
            t = t.min(n - 0.003);
        }
        out.push(Event {
            t: t.max(last),
            earliest: Some(last),
            src,
            obs: Some(O::RunningStatus {
                worker,
                status: RunningStatus::Stopped,
            }),
            raw: Some(json!({"derived_from": "heartbeat gap", "inst": inst, "last_record": last, "heartbeat_ms": hb})),
        });
    }
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

fn page_obs(client: &str, d: &Value, unmapped: &mut Vec<String>) -> Option<O> {
    let client = client.to_string();
    match s(d, "ev") {
        "controllerchange" => Some(O::ControllerChange { client }),
        "call" => call_obs(client, d, unmapped),
        "job" => {
            let ok = d.get("ok").and_then(Value::as_bool).unwrap_or(false);
            let call = match s(d, "call") {
                "register" => JobCall::Register,
                "update" => JobCall::Update,
                "unregister" => JobCall::Unregister,
                "sync.getTags" => {
                    let mut tags: Vec<String> = d
                        .get("value")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .map(String::from)
                                .collect()
                        })
                        .unwrap_or_default();
                    tags.sort();
                    return ok.then_some(O::SyncTags { client, tags });
                }
                _ => return None,
            };
            let outcome = if ok {
                match (call, d.get("value")) {
                    (JobCall::Unregister, Some(Value::Bool(true))) => JobOutcome::UnregisteredTrue,
                    (JobCall::Unregister, _) => JobOutcome::UnregisteredFalse,
                    _ => JobOutcome::Registration,
                }
            } else {
                match s(d, "error") {
                    "TypeError" => JobOutcome::TypeError,
                    "InvalidStateError" => JobOutcome::InvalidStateError,
                    other => {
                        unmapped.push(format!(
                            "{client}: {call:?} rejected with {other}, which the vocabulary lacks"
                        ));
                        return None;
                    }
                }
            };
            Some(O::JobSettled {
                client,
                call,
                outcome,
            })
        }
        _ => None,
    }
}

/// The page call of a `call` record's `name`, for the calls the vocabulary settles (`fetch`,
/// `backgroundFetch.abort`, `getIds` and `permissions.query` are informational).
fn page_call(name: &str) -> Option<PageCall> {
    Some(match name {
        "sync.register" => PageCall::SyncRegister,
        "periodicSync.register" => PageCall::PeriodicSyncRegister,
        "periodicSync.unregister" => PageCall::PeriodicSyncUnregister,
        "pushManager.subscribe" => PageCall::Subscribe,
        "backgroundFetch.fetch" => PageCall::BackgroundFetch,
        _ => return None,
    })
}

/// A call's outcome from its record's `ok` and `error` (the exception's `name`); `None` for an
/// error name the vocabulary lacks.
fn call_outcome(d: &Value) -> Option<CallOutcome> {
    if d.get("ok").and_then(Value::as_bool).unwrap_or(false) {
        return Some(CallOutcome::Resolved);
    }
    let name = s(d, "error");
    CallOutcome::REJECTIONS
        .iter()
        .find(|(dom, _)| *dom == name)
        .map(|(_, o)| *o)
}

/// A page's `call` record: the settlement of a call the vocabulary names.
fn call_obs(client: String, d: &Value, unmapped: &mut Vec<String>) -> Option<O> {
    let call = page_call(s(d, "name"))?;
    let Some(outcome) = call_outcome(d) else {
        unmapped.push(format!(
            "{client}: {} rejected with {}, which the vocabulary lacks",
            s(d, "name"),
            s(d, "error")
        ));
        return None;
    };
    Some(O::CallSettled {
        client,
        call,
        outcome,
    })
}

/// The observation of a worker record, and for a background fetch event the settlement it
/// implies.
fn worker_obs(worker: &str, d: &Value) -> (Option<O>, Option<O>) {
    let worker = worker.to_string();
    let obs = match s(d, "ev") {
        "install" => O::LifecycleEvent {
            worker,
            event: LifecycleEvent::Install,
        },
        "activate" => O::LifecycleEvent {
            worker,
            event: LifecycleEvent::Activate,
        },
        "skip_waiting" => O::SkipWaiting { worker },
        "claim" => O::Claim { worker },
        "skip_waiting_resolved" => O::WorkerCallSettled {
            worker,
            call: WorkerCall::SkipWaiting,
            outcome: CallOutcome::Resolved,
        },
        "claim_settled" => match call_outcome(d) {
            Some(outcome) => O::WorkerCallSettled {
                worker,
                call: WorkerCall::Claim,
                outcome,
            },
            None => return (None, None),
        },
        "settled" => match named::<EventName>(s(d, "event")) {
            Some(event) => O::WaitUntilSettled {
                worker,
                event,
                fulfilled: d.get("fulfilled").and_then(Value::as_bool).unwrap_or(false),
            },
            None => return (None, None),
        },
        "event" => {
            let Some(event) = named::<EventName>(s(d, "event")) else {
                return (None, None);
            };
            let is_bg = matches!(
                event,
                EventName::Backgroundfetchsuccess
                    | EventName::Backgroundfetchfail
                    | EventName::Backgroundfetchabort
                    | EventName::Backgroundfetchclick
            );
            let tag = match event {
                EventName::Sync | EventName::Periodicsync => Some(s(d, "tag").to_string()),
                _ if is_bg => Some(s(d, "id").to_string()),
                _ => None,
            };
            let last_chance = (event == EventName::Sync).then(|| {
                d.get("lastChance")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            });
            let settled = if is_bg && event != EventName::Backgroundfetchclick {
                match (
                    bg_result(s(d, "result")),
                    failure_reason(s(d, "failureReason")),
                ) {
                    (Some(result), Some(failure_reason)) => Some(O::BgFetchSettled {
                        id: s(d, "id").to_string(),
                        result,
                        failure_reason,
                    }),
                    _ => None,
                }
            } else {
                None
            };
            let o = O::FunctionalEvent {
                worker,
                event,
                tag,
                last_chance,
                wait_until: d.get("extended").and_then(Value::as_bool).unwrap_or(false),
                notify: d.get("notify").and_then(Value::as_bool).unwrap_or(false),
            };
            return (settled, Some(o));
        }
        _ => return (None, worker_update::obs(worker, d)),
    };
    (None, Some(obs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(t: f64, src: RecSrc, data: Value) -> Record {
        Record { t, src, data }
    }

    /// A DevTools update of version 0 (script version 1).
    fn version(t: f64, status: &str, running: &str) -> Record {
        rec(
            t,
            RecSrc::Devtools,
            json!({"ev":"version","versionId":"0","status":status,"runningStatus":running,"script_version":1}),
        )
    }

    #[test]
    fn devtools_versions_become_state_and_running_status() {
        let recs = vec![
            version(1.0, "new", "starting"),
            version(2.0, "new", "running"),
            version(3.0, "installing", "running"),
            version(4.0, "installing", "stopping"),
            version(5.0, "installing", "stopped"),
            rec(
                2.5,
                RecSrc::Worker,
                json!({"ev":"install","v":1,"inst":"abc","t_js":0}),
            ),
        ];
        let m = map(&recs);
        let obs: Vec<String> = m
            .events
            .iter()
            .filter_map(|e| e.obs.as_ref().map(|o| o.kind().to_string()))
            .collect();
        assert_eq!(
            obs,
            [
                "running_status",
                "running_status",
                "lifecycle_event",
                "state_change",
                "running_status"
            ]
        );
        assert_eq!(
            m.events[2].src,
            Source::Worker {
                worker: "sw-0".into(),
                instance: "abc".into()
            }
        );
        assert_eq!(m.versions.get("sw-0"), Some(&1));
    }

    #[test]
    fn page_jobs_and_bgfetch_events_map() {
        let o = page_obs(
            "c1",
            &json!({"ev":"job","call":"unregister","ok":true,"value":true}),
            &mut vec![],
        );
        assert_eq!(
            o,
            Some(O::JobSettled {
                client: "c1".into(),
                call: JobCall::Unregister,
                outcome: JobOutcome::UnregisteredTrue
            })
        );
        let (settled, o) = worker_obs(
            "sw-1",
            &json!({"ev":"event","event":"backgroundfetchfail","id":"f","result":"failure","failureReason":"bad-status","extended":true}),
        );
        assert_eq!(
            settled,
            Some(O::BgFetchSettled {
                id: "f".into(),
                result: BgResult::Failure,
                failure_reason: FailureReason::BadStatus
            })
        );
        assert!(matches!(
            o,
            Some(O::FunctionalEvent {
                wait_until: true,
                ..
            })
        ));
    }

    /// Page `call` records (lifted from traces/chromium-148/bgfetch-success.jsonl and
    /// sync-immediate.jsonl, plus rejections as page.html reports them) become `call_settled`;
    /// calls the vocabulary does not settle stay informational.
    #[test]
    fn page_calls_settle() {
        let mut unmapped = vec![];
        let mut page = |d: Value| page_obs("c1", &d, &mut unmapped);
        let settled = |call, outcome| {
            Some(O::CallSettled {
                client: "c1".into(),
                call,
                outcome,
            })
        };
        assert_eq!(
            page(
                json!({"ev":"call","name":"backgroundFetch.fetch","ok":true,"t_js":1795290389104.3,"value":"f1"})
            ),
            settled(PageCall::BackgroundFetch, CallOutcome::Resolved)
        );
        assert_eq!(
            page(
                json!({"ev":"call","name":"sync.register","ok":true,"t_js":1795290544177.6,"value":"s1"})
            ),
            settled(PageCall::SyncRegister, CallOutcome::Resolved)
        );
        assert_eq!(
            page(
                json!({"ev":"call","name":"periodicSync.register","ok":true,"t_js":1795290510452.9,"value":"p1"})
            ),
            settled(PageCall::PeriodicSyncRegister, CallOutcome::Resolved)
        );
        assert_eq!(
            page(
                json!({"ev":"call","name":"backgroundFetch.fetch","ok":false,"error":"TypeError","message":"Failed to execute 'fetch' on 'BackgroundFetchManager': There is no active service worker."})
            ),
            settled(PageCall::BackgroundFetch, CallOutcome::TypeError)
        );
        assert_eq!(
            page(
                json!({"ev":"call","name":"sync.register","ok":false,"error":"InvalidStateError","message":"Registration failed - no active Service Worker"})
            ),
            settled(PageCall::SyncRegister, CallOutcome::InvalidStateError)
        );
        assert_eq!(
            page(
                json!({"ev":"call","name":"periodicSync.register","ok":false,"error":"NotAllowedError","message":"Permission denied."})
            ),
            settled(PageCall::PeriodicSyncRegister, CallOutcome::NotAllowedError)
        );
        // Informational calls, and a harness-side refusal.
        for d in [
            json!({"ev":"call","name":"fetch","ok":true,"value":"ok"}),
            json!({"ev":"call","name":"backgroundFetch.abort","ok":true,"value":true}),
            json!({"ev":"call","name":"postMessage","ok":false,"error":"NoController"}),
        ] {
            assert_eq!(page(d), None);
        }
        assert_eq!(
            page(
                json!({"ev":"call","name":"backgroundFetch.fetch","ok":false,"error":"SecurityError"})
            ),
            None
        );
        assert_eq!(unmapped.len(), 1, "{unmapped:?}");
        assert!(unmapped[0].contains("SecurityError"), "{unmapped:?}");
    }

    /// The worker's skipWaiting() and claim() results (lifted from
    /// traces/chromium-148/skip-waiting-in-install.jsonl and claim-on-activate.jsonl).
    #[test]
    fn worker_calls_settle() {
        let settled = |call, outcome| {
            Some(O::WorkerCallSettled {
                worker: "sw-1".into(),
                call,
                outcome,
            })
        };
        let (_, o) = worker_obs(
            "sw-1",
            &json!({"ev":"skip_waiting_resolved","inst":"ktj5bfyc","t_js":1795290539203.1,"v":2,"where":"install"}),
        );
        assert_eq!(o, settled(WorkerCall::SkipWaiting, CallOutcome::Resolved));
        let (_, o) = worker_obs(
            "sw-1",
            &json!({"ev":"claim_settled","inst":"qzlr92t9","ok":true,"t_js":1795290402101.4,"v":1}),
        );
        assert_eq!(o, settled(WorkerCall::Claim, CallOutcome::Resolved));
        let (_, o) = worker_obs(
            "sw-1",
            &json!({"ev":"claim_settled","inst":"qzlr92t9","ok":false,"error":"InvalidStateError","v":1}),
        );
        assert_eq!(
            o,
            settled(WorkerCall::Claim, CallOutcome::InvalidStateError)
        );
    }

    /// A worker record of instance `inst`, script version `v`.
    fn worker(t: f64, inst: &str, v: u32, ev: &str) -> Record {
        let mut d = json!({"ev": ev, "inst": inst, "v": v});
        if ev == "eval" {
            d["behaviour"] = json!({"heartbeat_ms": 500});
        }
        rec(t, RecSrc::Worker, d)
    }

    #[test]
    fn without_devtools_heartbeats_give_running_status_with_an_interval() {
        let mut recs = vec![
            worker(10.0, "a", 1, "eval"),
            worker(11.0, "a", 1, "install"),
            worker(12.0, "a", 1, "activate"),
            worker(512.0, "a", 1, "heartbeat"),
            worker(1012.0, "a", 1, "heartbeat"),
            // A restart of the same worker (no install): a new instance of sw-1.
            worker(9000.0, "b", 1, "eval"),
            worker(9001.0, "b", 1, "event"),
            // A new worker: its first event is install.
            worker(9500.0, "c", 2, "eval"),
            worker(9501.0, "c", 2, "install"),
        ];
        recs.push(rec(9600.0, RecSrc::Driver, json!({"note": "end"})));
        let m = map(&recs);
        assert_eq!(m.versions.get("sw-1"), Some(&1));
        assert_eq!(m.versions.get("sw-2"), Some(&2));
        let status: Vec<(f64, Option<f64>, String, String)> = m
            .events
            .iter()
            .filter_map(|e| match &e.obs {
                Some(O::RunningStatus { worker, status }) => {
                    Some((e.t, e.earliest, worker.clone(), format!("{status:?}")))
                }
                _ => None,
            })
            .collect();
        // Instance a stopped between its last beat (1012) and the beat that did not come
        // (1012 + 1.5 × 500); b and c still beat within the last three periods.
        let stopped: Vec<_> = status.iter().filter(|s| s.3 == "Stopped").collect();
        assert_eq!(stopped.len(), 1, "{status:?}");
        assert_eq!(stopped[0].0, 1762.0);
        assert_eq!(stopped[0].1, Some(1012.0));
        assert_eq!(stopped[0].2, "sw-1");
        assert_eq!(status.iter().filter(|s| s.3 == "Starting").count(), 3);
        assert!(m
            .events
            .iter()
            .filter(|e| e.obs.is_some())
            .all(|e| !matches!(e.src, Source::Worker { ref worker, .. } if worker == "unknown")));
    }
}
