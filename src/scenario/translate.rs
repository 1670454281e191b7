//! From a model path to a scenario file: each model action becomes the steps a capture takes for
//! it (a page call, an automation command), a worker behaviour (a rejected install, a
//! `skipWaiting()` in a handler) or a `wait` for what the browser then does by itself; an
//! action no scenario step or behaviour can bring about is said so, in the file and to the
//! caller. The file lists every model step as a comment above its translation.

use serde_json::{json, Value};
use stateright::Model;
use std::collections::BTreeMap;
use swspec_conformance::capture::scenario::{no_automation, MessageCmd, Step, Target};
use swspec_model::{
    Action, EventKind, InstallOutcome, MessageTarget, Observation, PermissionState, Profile,
    StopCause, SwModel, SwState, WorkerState,
};
use swspec_report::coverage::action_class;

/// A scenario translated from a model path.
pub struct Translation {
    /// The scenario file.
    pub text: String,
    /// Model steps on the path.
    pub model_steps: usize,
    /// The actions that no step drives (`step N: … : why`).
    pub not_drivable: Vec<String>,
    /// Why the path's last action (the class itself) cannot be driven, if it cannot.
    pub target_not_drivable: Option<String>,
}

/// One line of the `step` array: a comment or a step.
pub(super) enum Line {
    Comment(String),
    Step(Step),
}

/// The scenario being written.
#[derive(Default)]
struct Out {
    lines: Vec<Line>,
    /// `[version.N]` fields.
    versions: BTreeMap<u32, BTreeMap<&'static str, Value>>,
    /// The script version served now (the server starts at 1).
    served: u32,
    /// Where the last `register` / `update` step is (a changed script is served before it).
    last_job: Option<usize>,
    /// The next waits may take an event timeout or an idle stop: give them long.
    long_waits: bool,
}

/// Observation kinds a generated `wait` waits for (those every engine's capture reports, or
/// stands in for).
const WAITABLE: &[&str] = &[
    "state_change",
    "lifecycle_event",
    "functional_event",
    "wait_until_settled",
    "job_settled",
    "controller_change",
    "bg_fetch_settled",
    "skip_waiting",
    "claim",
];

fn client(c: u8) -> String {
    format!("c{}", u32::from(c) + 1)
}

/// The scenario version of worker `w` (the model numbers a registration's script versions
/// from 1, as the server does).
fn version(s: &SwState, w: u8) -> u32 {
    s.workers
        .get(usize::from(w))
        .map_or(1, |wk| u32::from(wk.version).max(1))
}

fn open_client(s: &SwState) -> Result<String, String> {
    s.clients
        .iter()
        .position(|c| c.open)
        .map(|i| client(i as u8))
        .ok_or_else(|| "no open client to post the message from".into())
}

impl Out {
    fn step(&mut self, step: Step) {
        if matches!(step, Step::Register { .. } | Step::Update { .. }) {
            self.last_job = Some(self.lines.len());
        }
        if !matches!(step, Step::Wait { .. }) {
            self.long_waits = false;
        }
        self.lines.push(Line::Step(step));
    }

    fn set(&mut self, v: u32, key: &'static str, value: Value) {
        self.versions.entry(v).or_default().insert(key, value);
    }

    /// Adds `place` to the list field `key` of version `v`.
    fn place(&mut self, v: u32, key: &'static str, place: &str) {
        let list = self
            .versions
            .entry(v)
            .or_default()
            .entry(key)
            .or_insert(json!([]));
        if let Some(a) = list.as_array_mut() {
            if !a.iter().any(|p| p == place) {
                a.push(json!(place));
            }
        }
    }

    /// The last `post_message` step, for what the worker turns out to do with it.
    fn last_post(&mut self) -> Option<&mut Step> {
        self.lines.iter_mut().rev().find_map(|l| match l {
            Line::Step(s @ Step::PostMessage { .. }) => Some(s),
            _ => None,
        })
    }

    /// A `wait` for each waitable observation of the step (a repeat since the last driver step
    /// counts one more).
    fn waits(&mut self, pre: &SwState, post: &SwState, obs: &[Observation<u8>]) {
        for o in obs {
            let v = serde_json::to_value(o).unwrap_or(Value::Null);
            let kind = v["type"].as_str().unwrap_or("").to_string();
            if !WAITABLE.contains(&kind.as_str()) {
                continue;
            }
            let text = |k: &str| v.get(k).and_then(Value::as_str).map(String::from);
            let worker = v.get("worker").and_then(Value::as_u64).map(|w| w as u8);
            let ver = worker.map(|w| version(post, w).max(version(pre, w)));
            let wait = Step::Wait {
                obs: kind.clone(),
                version: ver,
                state: text("state"),
                status: None,
                event: text("event"),
                tag: None,
                client: v
                    .get("client")
                    .and_then(Value::as_u64)
                    .map(|c| client(c as u8)),
                count: 1,
                timeout_ms: if self.long_waits { 600_000 } else { 15_000 },
                optional: false,
            };
            let repeat =
                matches!(self.lines.last(), Some(Line::Step(last)) if counted(last, 1) == wait);
            if repeat {
                if let Some(Line::Step(Step::Wait { count, .. })) = self.lines.last_mut() {
                    *count += 1;
                }
                continue;
            }
            self.lines.push(Line::Step(wait));
        }
    }
}

/// `step` with its `count` set to `n` (a wait), for comparing waits by what they match.
fn counted(step: &Step, n: u32) -> Step {
    let mut s = step.clone();
    if let Step::Wait { count, .. } = &mut s {
        *count = n;
    }
    s
}

/// Translates one model action from `pre` to `post`: the steps and behaviours it takes, or why
/// none can drive it.
fn action(
    model: &SwModel,
    pre: &SwState,
    a: &Action,
    post: &SwState,
    out: &mut Out,
) -> Result<(), String> {
    use Action as A;
    if let Some(why) = no_automation(a) {
        return Err(why.into());
    }
    let worker_state = |w: u8| pre.workers.get(usize::from(w)).map(|wk| wk.state);
    match a {
        A::OpenClient(c) => out.step(Step::Open { client: client(*c) }),
        A::Reload(c) => out.step(Step::Reload { client: client(*c) }),
        A::CloseClient(c) => out.step(Step::Close { client: client(*c) }),
        A::Register { client: c, script } => {
            if *script != 0 {
                return Err(format!(
                    "script URL #{script}: the capture registers /sw.js only"
                ));
            }
            out.step(Step::Register { client: client(*c) });
        }
        A::Update { client: c } => out.step(Step::Update { client: client(*c) }),
        A::Unregister { client: c } => out.step(Step::Unregister { client: client(*c) }),
        A::PostMessage { client: c, to } => out.step(Step::PostMessage {
            client: client(*c),
            cmd: MessageCmd::Ping,
            ms: None,
            to: match to {
                MessageTarget::Controller => Target::Controller,
                MessageTarget::Installing => Target::Installing,
                MessageTarget::Waiting => Target::Waiting,
                MessageTarget::Active => Target::Active,
            },
        }),
        A::Fetch(c) => out.step(Step::Fetch { client: client(*c) }),
        A::UpdateBytesChanged => {
            let v = post
                .workers
                .last()
                .map_or(1, |w| u32::from(w.version).max(1));
            let served = out.served.max(1);
            if v != served {
                let at = out.last_job.unwrap_or(out.lines.len());
                out.lines.insert(at, Line::Step(Step::Serve { version: v }));
                out.last_job = out.last_job.map(|i| i + 1);
                out.served = v;
            }
        }
        A::InstallEventSettled(o) => {
            let w = pre
                .workers
                .iter()
                .rposition(|w| w.state == WorkerState::Installing);
            let v = w.map_or(1, |w| version(pre, w as u8));
            match o {
                // StartFailed: refused above (`no_automation`).
                InstallOutcome::Fulfilled | InstallOutcome::StartFailed => {}
                InstallOutcome::Rejected => out.set(v, "install", json!("reject")),
                InstallOutcome::TimedOut => {
                    out.set(v, "install", json!("hang"));
                    out.long_waits = true;
                }
            }
        }
        A::SkipWaiting(w) | A::Claim(w) => {
            let (key, cmd) = match a {
                A::SkipWaiting(_) => ("skip_waiting", MessageCmd::SkipWaiting),
                _ => ("claim", MessageCmd::Claim),
            };
            let v = version(pre, *w);
            let post_to = |to| -> Result<Step, String> {
                Ok(Step::PostMessage {
                    client: open_client(pre)?,
                    cmd,
                    ms: None,
                    to,
                })
            };
            match worker_state(*w) {
                Some(WorkerState::Parsed) => out.place(v, key, "eval"),
                Some(WorkerState::Installing) => out.place(v, key, "install"),
                Some(WorkerState::Activating) => out.place(v, key, "activate"),
                Some(WorkerState::Installed) => out.step(post_to(Target::Waiting)?),
                Some(WorkerState::Activated) => out.step(post_to(Target::Active)?),
                _ => return Err("the worker is redundant".into()),
            }
        }
        A::FunctionalEvent {
            worker,
            wait_until,
            notify,
        } => {
            let kind = pre.worker(*worker).tasks.first().copied();
            match (kind, *wait_until) {
                (Some(EventKind::Message), true) => {
                    if let Some(Step::PostMessage { cmd, .. }) = out.last_post() {
                        *cmd = MessageCmd::Hang;
                    }
                }
                (Some(EventKind::Fetch { .. }), true) => {
                    return Err("the capture's fetch handler never extends its event".into())
                }
                (Some(EventKind::Fetch { .. } | EventKind::Message), false) => {}
                (Some(k), false) => {
                    return Err(format!(
                        "the capture's worker always extends its {k:?} events"
                    ))
                }
                _ => {}
            }
            if *notify {
                out.set(version(pre, *worker), "push_notification", json!(true));
            }
        }
        A::WaitUntilSettled {
            worker,
            event,
            fulfilled,
        } => {
            let kind = pre
                .worker(*worker)
                .extended
                .get(usize::from(*event))
                .copied();
            let v = version(pre, *worker);
            match (kind, *fulfilled) {
                (Some(EventKind::Message), true) => {
                    if let Some(Step::PostMessage { cmd, ms, .. }) = out.last_post() {
                        *cmd = MessageCmd::Busy;
                        *ms = Some(1000);
                    }
                }
                (Some(EventKind::Sync { .. }), false) => {
                    let n = out.versions.get(&v).and_then(|b| b.get("sync_failures"));
                    let n = n.and_then(Value::as_u64).unwrap_or(0);
                    out.set(v, "sync_failures", json!(n + 1));
                }
                (Some(EventKind::PeriodicSync { .. }), false) => {
                    out.set(v, "periodicsync", json!("reject"))
                }
                (Some(k), false) => {
                    return Err(format!(
                        "no worker behaviour rejects a {k:?} event's promise"
                    ))
                }
                _ => {}
            }
        }
        A::EventTimedOut(_) => out.long_waits = true,
        A::StopWorker { worker, cause } => match cause {
            StopCause::Forced => out.step(Step::StopWorker),
            _ => {
                out.long_waits = true;
                out.lines.push(Line::Step(Step::Wait {
                    obs: "running_status".into(),
                    version: Some(version(pre, *worker)),
                    state: None,
                    status: Some("stopped".into()),
                    event: None,
                    tag: None,
                    client: None,
                    count: 1,
                    timeout_ms: 600_000,
                    optional: false,
                }));
                return Ok(());
            }
        },
        A::PushMessage => out.step(Step::Push {
            data: String::new(),
        }),
        A::SyncRegister { client: c, tag } => out.step(Step::SyncRegister {
            client: client(*c),
            tag: format!("t{tag}"),
        }),
        A::PeriodicSyncRegister { client: c, tag } => out.step(Step::PeriodicSyncRegister {
            client: client(*c),
            tag: format!("p{tag}"),
            min_interval_ms: None,
        }),
        A::PeriodicSyncFire { tag } => out.step(Step::DispatchPeriodicSync {
            tag: format!("p{tag}"),
        }),
        A::PeriodicSyncUnregister { client: c, tag } => out.step(Step::PeriodicSyncUnregister {
            client: client(*c),
            tag: format!("p{tag}"),
        }),
        A::BackgroundFetch {
            client: c,
            id,
            requests,
            download_total,
            ..
        } => out.step(Step::BgFetch {
            client: client(*c),
            id: format!("f{id}"),
            urls: (0..*requests)
                .map(|_| "/res/ok?size=1000".to_string())
                .collect(),
            // The model's total below the bytes served is half of them
            // (`download_total_below`): 500 bytes of every 1000-byte body.
            download_total: (*download_total > 0).then(|| 500 * u64::from(*requests)),
        }),
        A::BgFetchAbort { fetch, .. } => out.step(Step::BgFetchAbort {
            client: open_client(pre)?,
            id: format!("f{fetch}"),
        }),
        A::BgRecordProgress { outcome, .. } => {
            let url = match outcome {
                swspec_model::RecordOutcome::BadStatus => Some("/res/404"),
                swspec_model::RecordOutcome::NetworkError => Some("/res/reset"),
                _ => None,
            };
            if let Some(url) = url {
                let last = out.lines.iter_mut().rev().find_map(|l| match l {
                    Line::Step(Step::BgFetch { urls, .. }) => Some(urls),
                    _ => None,
                });
                if let Some(first) = last.and_then(|u| u.first_mut()) {
                    *first = url.to_string();
                }
            }
        }
        A::SetPermission { permission, state } => out.step(Step::SetPermission {
            permission: *permission,
            state: *state,
        }),
        A::GoOffline => out.step(Step::GoOffline),
        A::GoOnline => out.step(Step::GoOnline),
        // What the browser does by itself: waited for below.
        _ => {}
    }
    let obs = model.observe(pre, a, post);
    let driver = SwModel::call_observation(pre, a).is_some();
    let driven = matches!(out.lines.last(), Some(Line::Step(s)) if !matches!(s, Step::Wait { .. }));
    if !(driver && driven) {
        out.waits(pre, post, &obs);
    }
    Ok(())
}

/// The guard step's call (its first observation) as a step at `s`.
fn guard_call(s: &SwState, g: &Observation<u8>, out: &mut Out) -> Result<(), String> {
    use Observation as O;
    let v = |w: &u8| version(s, *w);
    match g {
        O::Update { client: c } => out.step(Step::Update { client: client(*c) }),
        O::Fetch { client: c } => out.step(Step::Fetch { client: client(*c) }),
        O::SyncTags { client: c, .. } => out.step(Step::SyncTags { client: client(*c) }),
        O::SetPermission {
            permission,
            state: PermissionState::Granted,
        } => out.step(Step::Grant {
            permission: *permission,
        }),
        O::SetPermission {
            permission,
            state: PermissionState::Denied,
        } => out.step(Step::SetPermission {
            permission: *permission,
            state: PermissionState::Denied,
        }),
        O::PeriodicSyncUnregister { client: c, tag } => out.step(Step::PeriodicSyncUnregister {
            client: client(*c),
            tag: format!("p{tag}"),
        }),
        O::SyncRegister { client: c, tag } => out.step(Step::SyncRegister {
            client: client(*c),
            tag: format!("t{tag}"),
        }),
        O::PeriodicSyncRegister { client: c, tag } => out.step(Step::PeriodicSyncRegister {
            client: client(*c),
            tag: format!("p{tag}"),
            min_interval_ms: None,
        }),
        O::SkipWaiting { worker } | O::Claim { worker } => {
            let key = if matches!(g, O::Claim { .. }) {
                "claim"
            } else {
                "skip_waiting"
            };
            let place = match s.workers.get(usize::from(*worker)).map(|w| w.state) {
                Some(WorkerState::Parsed) => "eval",
                Some(WorkerState::Installing) => "install",
                Some(WorkerState::Activating) => "activate",
                _ => {
                    let cmd = if key == "claim" {
                        MessageCmd::Claim
                    } else {
                        MessageCmd::SkipWaiting
                    };
                    let to = match s.workers.get(usize::from(*worker)).map(|w| w.state) {
                        Some(WorkerState::Installed) => Target::Waiting,
                        _ => Target::Active,
                    };
                    out.step(Step::PostMessage {
                        client: open_client(s)?,
                        cmd,
                        ms: None,
                        to,
                    });
                    return Ok(());
                }
            };
            out.place(v(worker), key, place);
        }
        other => {
            let kind = serde_json::to_value(other).ok();
            let kind = kind
                .as_ref()
                .and_then(|k| k["type"].as_str())
                .unwrap_or("?");
            return Err(format!(
                "no scenario step makes the call `{kind}` this guard starts with"
            ));
        }
    }
    Ok(())
}

/// Translates `path` (whose last action exercises `class`, or, for a guard, which ends where the
/// guard step `guard` can be taken) into a scenario file.
pub fn translate(
    model: &SwModel,
    path: &[Action],
    guard: Option<&str>,
    class: &str,
    profile: Profile,
) -> Translation {
    let mut out = Out::default();
    let mut not_drivable = Vec::new();
    let mut target_not_drivable = None;
    let mut s = model.init_state();
    for (i, a) in path.iter().enumerate() {
        let Some(post) = model.next_state(&s, a.clone()) else {
            break;
        };
        out.lines.push(Line::Comment(format!(
            "{}. {a} [{}]",
            i + 1,
            action_class(a)
        )));
        if let Err(why) = action(model, &s, a, &post, &mut out) {
            out.lines
                .push(Line::Comment(format!("   not drivable: {why}")));
            not_drivable.push(format!("model step {}: {a}: {why}", i + 1));
            if i + 1 == path.len() && guard.is_none() {
                target_not_drivable = Some(why);
            }
        }
        s = post;
    }
    if let Some(g) = guard {
        let step = model
            .guard_steps(&s)
            .into_iter()
            .find(|st| swspec_report::coverage::guard_class(st) == g);
        out.lines
            .push(Line::Comment(format!("the guard step: {g}")));
        let r = match step.as_ref().and_then(|st| st.first()) {
            Some(call) => guard_call(&s, call, &mut out),
            None => Err("the guard step is not available at the path's end".into()),
        };
        if let Err(why) = r {
            target_not_drivable = Some(why);
        }
    }
    out.lines.push(Line::Step(Step::Sleep { ms: 1000 }));
    Translation {
        text: super::render::render(
            &out.lines,
            &out.versions,
            class,
            profile,
            path.len(),
            &not_drivable,
        ),
        model_steps: path.len(),
        not_drivable,
        target_not_drivable,
    }
}
