//! Which worker a worker record came from: each worker script instance (one evaluation) is
//! bound to a trace worker id, through DevTools versions where the engine reports them
//! (Chromium) or through the lifecycle and the worker's heartbeats where it does not (Firefox,
//! WebKit), which also show a stopped worker by a gap in its beats.

use super::super::server::{RecSrc, Record};
use super::{s, worker_id, O};
use crate::trace::{Event, Source};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use swspec_model::RunningStatus;

/// Binds each worker instance to the DevTools version with its script version that started
/// last before the instance's first record.
pub(super) fn bind_to_devtools(
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
pub(super) struct Instance {
    /// Its id (`inst`).
    id: String,
    /// Its script version.
    version: u32,
    /// Its records' times, ascending.
    times: Vec<f64>,
    /// Its first record that is neither `eval` nor `heartbeat` (empty if none yet).
    first_event: String,
    /// The heartbeat period its evaluation announced, if it beats.
    pub(super) heartbeat_ms: Option<f64>,
}

/// The worker instances of one capture, in order of their first record.
pub(super) fn instances(records: &[Record]) -> Vec<Instance> {
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
pub(super) fn bind_by_lifecycle(
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
pub(super) fn heartbeat_status(
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
