//! The knob table (`swspec_model::knob`) and the state's capacities (`swspec_model::capacity`):
//! each field's doc states the table's default and range; a configuration at each limit
//! validates and reaches the capacity it is the limit of without overflowing a fixed-capacity
//! list, and one past it is refused with a message naming the field.

mod common;
use common::*;
use stateright::Model;
use std::collections::{HashSet, VecDeque};
use swspec_model::Action::*;
use swspec_model::InstallOutcome::*;
use swspec_model::MessageTarget;
use swspec_model::{
    capacity, knob, Action, Knob, ModelConfig, RecordOutcome, StopCause, SwModel, SwState,
};

/// The doc comment of field `field` in `model/src/config.rs`, its lines joined.
fn field_doc(source: &str, field: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim() == format!("pub {field}: u8,"))
        .unwrap_or_else(|| panic!("no field `{field}` in config.rs"));
    let mut doc: Vec<&str> = lines[..at]
        .iter()
        .rev()
        .take_while(|l| l.trim_start().starts_with("///"))
        .map(|l| l.trim_start().trim_start_matches("///").trim())
        .collect();
    doc.reverse();
    doc.join(" ")
}

#[test]
fn each_knob_doc_states_the_tables_default_and_range() {
    let source = include_str!("../src/config.rs");
    for k in knob::ALL {
        let doc = field_doc(source, k.field);
        let default = format!("Default {}", k.default);
        let range = format!("range {}..={}", k.min, k.max);
        assert!(
            doc.contains(&default),
            "`{}`: no `{default}` in: {doc}",
            k.field
        );
        assert!(
            doc.contains(&range),
            "`{}`: no `{range}` in: {doc}",
            k.field
        );
    }
}

#[test]
fn the_table_is_the_default_configuration_and_names_its_flags() {
    let d = ModelConfig::default();
    for k in knob::ALL {
        assert_eq!((k.get)(&d), k.default, "{}", k.field);
        if let Some(flag) = k.flag {
            assert_eq!(flag, format!("--{}", k.field.replace('_', "-")));
        }
    }
}

/// The configuration `d` with knob `field` set to `v` (the table has no setter: this is the
/// one place a test needs one).
fn with(mut c: ModelConfig, field: &str, v: u8) -> ModelConfig {
    match field {
        "clients" => c.clients = v,
        "versions" => c.versions = v,
        "script_urls" => c.script_urls = v,
        "max_workers" => c.max_workers = v,
        "max_registrations" => c.max_registrations = v,
        "max_queued_jobs" => c.max_queued_jobs = v,
        "max_pending_events" => c.max_pending_events = v,
        "sync_tags" => c.sync_tags = v,
        "max_sync_attempts" => c.max_sync_attempts = v,
        "periodic_max_retries" => c.periodic_max_retries = v,
        "max_bg_fetches" => c.max_bg_fetches = v,
        other => panic!("unknown knob {other}"),
    }
    c
}

/// `cfg` with knob `k` one past its maximum is refused, naming the field and its range.
fn refused_one_past_max(cfg: &ModelConfig, k: Knob) {
    let v = k.max + 1;
    assert_eq!(
        with(cfg.clone(), k.field, v).validate(),
        Err(format!(
            "{} = {v} is outside {}..={}",
            k.field, k.min, k.max
        ))
    );
}

/// `register()` by client 0.
const REGISTER: Action = Register {
    client: 0,
    script: 0,
};

#[test]
fn validate_accepts_each_range_and_refuses_one_past_it() {
    for k in knob::ALL {
        for v in [k.min, k.max] {
            let c = with(ModelConfig::default(), k.field, v);
            assert_eq!(c.validate(), Ok(()), "{} = {v}", k.field);
        }
        let mut outside = vec![k.max + 1];
        if k.min > 0 {
            outside.push(k.min - 1);
        }
        for v in outside {
            let c = with(ModelConfig::default(), k.field, v);
            assert_eq!(
                c.validate(),
                Err(format!(
                    "{} = {v} is outside {}..={}",
                    k.field, k.min, k.max
                ))
            );
        }
    }
}

/// Every state reachable from `from` within the boundary, up to `limit` states, breadth
/// first: a step that overflowed a fixed-capacity list would panic here.
fn explore_from(model: &SwModel, from: &SwState, limit: usize) -> usize {
    let mut seen = HashSet::new();
    let mut queue = VecDeque::from([from.clone()]);
    seen.insert(from.clone());
    let mut actions = Vec::new();
    while let Some(s) = queue.pop_front() {
        if seen.len() >= limit {
            break;
        }
        if !model.within_boundary(&s) {
            continue;
        }
        actions.clear();
        model.actions(&s, &mut actions);
        for a in actions.drain(..) {
            if let Some(next) = model.next_state(&s, a) {
                if seen.insert(next.clone()) {
                    queue.push_back(next);
                }
            }
        }
    }
    seen.len()
}

/// The longest list of events on any worker or registration.
fn fullest_event_list(s: &SwState) -> usize {
    let on_workers = s
        .workers
        .iter()
        .flat_map(|w| [w.tasks.len(), w.extended.len()]);
    let backed_up = s.registrations.iter().map(|r| r.backup.len());
    on_workers.chain(backed_up).max().unwrap_or(0)
}

/// v1 active and controlling client 0 (one client, no fetch events: only the actions below
/// send events).
fn controlled() -> Vec<Action> {
    let mut path = install_v1();
    path.push(Reload(0));
    path
}

#[test]
fn pending_events_fill_the_event_lists_exactly() {
    let cfg = ModelConfig {
        clients: 1,
        max_registrations: 1,
        fetch_events: false,
        max_pending_events: capacity::EVENTS as u8,
        ..ModelConfig::default()
    };
    assert_eq!(cfg.pending_events_room(), capacity::EVENTS);
    let model = SwModel::new(cfg.clone());
    let mut path = controlled();
    path.extend(std::iter::repeat_n(
        PostMessage {
            client: 0,
            to: MessageTarget::Controller,
        },
        capacity::EVENTS,
    ));
    let full = replay(&model, &path).pop().expect("a state");
    assert_eq!(fullest_event_list(&full), capacity::EVENTS);
    // Nothing can send an eleventh.
    assert!(try_replay(
        &model,
        &[
            path.clone(),
            vec![PostMessage {
                client: 0,
                to: MessageTarget::Controller
            }]
        ]
        .concat()
    )
    .is_err());
    assert!(explore_from(&model, &full, 20_000) > 1_000);
    let over = ModelConfig {
        max_pending_events: capacity::EVENTS as u8 + 1,
        ..cfg
    };
    assert_eq!(
        over.validate(),
        Err("max_pending_events = 11 is outside 0..=10".to_string())
    );
}

/// Sync, periodicsync and background fetch completion events are not held back by
/// `max_pending_events`: with every feature at its widest, the room left for pending events
/// is what fills the lists, here in the registration's backed-up tasks.
#[test]
fn every_feature_at_its_widest_fills_the_event_lists_exactly() {
    let room = capacity::EVENTS - 2 * capacity::SYNC_TAGS - swspec_model::bgfetch::BG_FETCHES;
    let cfg = ModelConfig {
        clients: 1,
        max_registrations: 1,
        sync: true,
        periodic_sync: true,
        sync_tags: capacity::SYNC_TAGS as u8,
        background_fetch: true,
        max_bg_fetches: swspec_model::bgfetch::BG_FETCHES as u8,
        max_pending_events: room as u8,
        ..ModelConfig::default()
    };
    assert_eq!(cfg.pending_events_room(), room);
    assert_eq!(cfg.validate(), Ok(()));
    let model = SwModel::new(cfg.clone());
    let mut path = controlled();
    // The reload's navigation fetch, then more subresource fetches up to the bound.
    path.extend(std::iter::repeat_n(Fetch(0), room - 1));
    for tag in 0..capacity::SYNC_TAGS as u8 {
        path.extend([SyncRegister { client: 0, tag }, SyncFire { tag }]);
        path.extend([
            PeriodicSyncRegister { client: 0, tag },
            PeriodicSyncFire { tag },
        ]);
    }
    for id in 0..swspec_model::bgfetch::BG_FETCHES as u8 {
        path.push(BackgroundFetch {
            client: 0,
            id,
            requests: 1,
            download_total: 0,
            gesture: false,
        });
        let chunk = BgRecordProgress {
            registration: 0,
            fetch: id,
            record: 0,
            outcome: RecordOutcome::Chunk,
        };
        path.extend([chunk.clone(), chunk]);
        path.push(BgFetchComplete {
            registration: 0,
            fetch: id,
        });
    }
    let states = replay(&model, &path);
    let full = states.last().expect("a state");
    assert_eq!(
        full.worker(0).tasks.len(),
        capacity::EVENTS,
        "{:?}",
        full.worker(0)
    );
    // Terminating the worker backs every one of them up in the registration.
    path.push(StopWorker {
        worker: 0,
        cause: StopCause::Forced,
    });
    let backed_up = replay(&model, &path).pop().expect("a state");
    assert_eq!(backed_up.reg(0).backup.len(), capacity::EVENTS);
    assert!(explore_from(&model, &backed_up, 20_000) > 1_000);
    let over = ModelConfig {
        max_pending_events: room as u8 + 1,
        ..cfg
    };
    let err = over.validate().expect_err("one pending event too many");
    assert!(
        err.starts_with(&format!("max_pending_events = {} does not fit", room + 1)),
        "{err}"
    );
}

#[test]
fn max_workers_creates_one_more_worker_than_it_keeps() {
    let max = knob::MAX_WORKERS.max;
    let cfg = ModelConfig {
        clients: 1,
        max_registrations: 1,
        max_workers: max,
        ..ModelConfig::default()
    };
    let model = SwModel::new(cfg.clone());
    let mut path = install_v1();
    for _ in 0..max {
        path.extend([
            Update { client: 0 },
            RunJob,
            UpdateBytesChanged,
            Install,
            InstallEventSettled(Rejected),
        ]);
    }
    let last = replay(&model, &path).pop().expect("a state");
    assert_eq!(last.workers.len(), capacity::WORKERS);
    assert!(
        !model.within_boundary(&last),
        "the boundary cuts the state past the bound"
    );
    refused_one_past_max(&cfg, knob::MAX_WORKERS);
}

#[test]
fn max_registrations_creates_one_more_registration_than_it_keeps() {
    let max = knob::MAX_REGISTRATIONS.max;
    let cfg = ModelConfig {
        clients: 1,
        max_registrations: max,
        max_workers: knob::MAX_WORKERS.max,
        ..ModelConfig::default()
    };
    let model = SwModel::new(cfg.clone());
    let mut path = vec![OpenClient(0)];
    // A failed first install takes the registration out of the map: the next register()
    // makes a new one.
    for _ in 0..=max {
        path.extend([
            REGISTER,
            RunJob,
            UpdateBytesChanged,
            Install,
            InstallEventSettled(Rejected),
        ]);
    }
    let last = replay(&model, &path).pop().expect("a state");
    assert_eq!(last.registrations.len(), capacity::REGISTRATIONS);
    assert!(!model.within_boundary(&last));
    refused_one_past_max(&cfg, knob::MAX_REGISTRATIONS);
}

#[test]
fn max_queued_jobs_fills_the_job_queue_and_a_jobs_coalesced_list() {
    let max = knob::MAX_QUEUED_JOBS.max;
    assert_eq!(usize::from(max), capacity::JOBS);
    let cfg = ModelConfig {
        clients: 1,
        max_registrations: 1,
        max_queued_jobs: max,
        ..ModelConfig::default()
    };
    let model = SwModel::new(cfg.clone());
    let register = REGISTER;
    // Four jobs of alternating types: none coalesces.
    let mut path = vec![OpenClient(0), register.clone(), RunJob];
    path.extend([
        Unregister { client: 0 },
        register.clone(),
        Unregister { client: 0 },
    ]);
    let full = replay(&model, &path).pop().expect("a state");
    assert_eq!(full.jobs.len(), capacity::JOBS);
    assert!(try_replay(&model, &[path, vec![register.clone()]].concat()).is_err());
    assert!(explore_from(&model, &full, 20_000) > 1_000);
    // Four equivalent register() calls: one job holding three coalesced promises.
    let coalesced = vec![
        OpenClient(0),
        register.clone(),
        register.clone(),
        register.clone(),
    ];
    let path = [coalesced, vec![register]].concat();
    let one_job = replay(&model, &path).pop().expect("a state");
    assert_eq!(one_job.jobs.len(), 1);
    assert_eq!(one_job.jobs[0].promises(), capacity::JOBS);
    refused_one_past_max(&cfg, knob::MAX_QUEUED_JOBS);
}

#[test]
fn the_largest_client_count_explores() {
    let max = knob::CLIENTS.max;
    assert_eq!(usize::from(max), capacity::CLIENTS);
    let cfg = ModelConfig {
        clients: max,
        ..ModelConfig::default()
    };
    let model = SwModel::new(cfg.clone());
    assert_eq!(model.init_state().clients.len(), capacity::CLIENTS);
    assert!(explore_from(&model, &model.init_state(), 20_000) >= 20_000);
    refused_one_past_max(&cfg, knob::CLIENTS);
}
