//! The mapping on recorded inputs, without a browser.

use super::page::page_obs;
use super::worker::worker_obs;
use super::*;
use swspec_model::observe::{CallOutcome, JobCall, JobOutcome, PageCall, WorkerCall};

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
    // Settlements the vocabulary names, each with the call and outcome it gives.
    for (d, call, outcome) in [
        (
            json!({"ev":"call","name":"backgroundFetch.fetch","ok":true,"t_js":1795290389104.3,"value":"f1"}),
            PageCall::BackgroundFetch,
            CallOutcome::Resolved,
        ),
        (
            json!({"ev":"call","name":"sync.register","ok":true,"t_js":1795290544177.6,"value":"s1"}),
            PageCall::SyncRegister,
            CallOutcome::Resolved,
        ),
        (
            json!({"ev":"call","name":"periodicSync.register","ok":true,"t_js":1795290510452.9,"value":"p1"}),
            PageCall::PeriodicSyncRegister,
            CallOutcome::Resolved,
        ),
        (
            json!({"ev":"call","name":"backgroundFetch.fetch","ok":false,"error":"TypeError","message":"Failed to execute 'fetch' on 'BackgroundFetchManager': There is no active service worker."}),
            PageCall::BackgroundFetch,
            CallOutcome::TypeError,
        ),
        (
            json!({"ev":"call","name":"sync.register","ok":false,"error":"InvalidStateError","message":"Registration failed - no active Service Worker"}),
            PageCall::SyncRegister,
            CallOutcome::InvalidStateError,
        ),
        (
            json!({"ev":"call","name":"periodicSync.register","ok":false,"error":"NotAllowedError","message":"Permission denied."}),
            PageCall::PeriodicSyncRegister,
            CallOutcome::NotAllowedError,
        ),
    ] {
        let want = O::CallSettled {
            client: "c1".into(),
            call,
            outcome,
        };
        assert_eq!(page(d), Some(want));
    }
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
