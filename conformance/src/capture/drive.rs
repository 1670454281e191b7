//! The engine-independent half of a capture: runs a scenario's steps in order, logs each driver
//! step with the observation it is (before its effects, so the step precedes what it causes),
//! waits for observations, and lets the trace settle at the end. What a step makes the browser
//! do is the engine adapter's ([`Ops`]): DevTools for Chromium, WebDriver BiDi for Firefox,
//! WebDriver classic for WebKit.

use super::engine::{step_name, Engine};
use super::error::{CaptureError, Unsupported};
use super::map::{self, Mapped};
use super::scenario::{Nav, Scenario, Step, Target};
use super::server::{RecSrc, Recorder, Server};
use super::signal;
use crate::trace::{self, Event};
use serde_json::json;
use serde_json::Value;
use std::thread;
use std::time::{Duration, Instant};
use swspec_model::{MessageTarget, Observation, Permission, PermissionState};

type O = Observation<String>;

/// What an engine adapter does for the steps. Automation beyond pages (stopping workers, network
/// emulation, permissions, injected events) is optional: an engine that lacks it says so in
/// [`Engine::lacks`], and the scenario is recorded as unsupported before the
/// browser starts.
pub trait Ops {
    /// Fails if the browser crashed or its connection closed.
    fn alive(&self) -> Result<(), CaptureError>;
    /// Opens a new tab for `client` on `url` and waits for it to load.
    fn open(&mut self, client: &str, url: &str) -> Result<(), CaptureError>;
    /// A normal reload (never one that bypasses the worker), waiting for the load.
    fn reload(&mut self, client: &str) -> Result<(), CaptureError>;
    /// Closes the client's tab.
    fn close(&mut self, client: &str) -> Result<(), CaptureError>;
    /// Navigates the client's tab to `url` and waits for the load (records of the old
    /// document are collected first).
    fn navigate_to(&mut self, client: &str, url: &str) -> Result<(), CaptureError>;
    /// Runs `expr` in the client without awaiting it (the page reports the outcome itself).
    fn eval(&mut self, client: &str, expr: &str) -> Result<(), CaptureError>;
    /// Collects page records an engine only hands over when asked (WebKit's in-page buffer).
    fn poll(&mut self) -> Result<(), CaptureError> {
        Ok(())
    }
    /// Workers running now (trace ids), for the `stop_worker` lines.
    fn running_workers(&self) -> Vec<String> {
        Vec::new()
    }
    /// Stops every running worker.
    fn stop_workers(&mut self) -> Result<(), CaptureError> {
        Err(unsupported("stop_worker"))
    }
    /// Takes the workers' network off- or online.
    fn set_offline(&mut self, _offline: bool) -> Result<(), CaptureError> {
        Err(unsupported("go_offline"))
    }
    /// Grants a permission to the origin.
    fn grant(&mut self, _permission: Permission) -> Result<(), CaptureError> {
        Err(unsupported("grant"))
    }
    /// Sets a permission of the origin to `state`.
    fn set_permission(
        &mut self,
        _permission: Permission,
        _state: PermissionState,
    ) -> Result<(), CaptureError> {
        Err(unsupported("set_permission"))
    }
    /// Dispatches a periodicsync event.
    fn dispatch_periodic_sync(&mut self, _tag: &str) -> Result<(), CaptureError> {
        Err(unsupported("dispatch_periodic_sync"))
    }
    /// Delivers a push message.
    fn push(&mut self, _data: &str) -> Result<(), CaptureError> {
        Err(unsupported("push"))
    }
    /// A trusted user gesture in the client (before a background fetch).
    fn trusted_click(&mut self, _client: &str) -> Result<(), CaptureError> {
        Ok(())
    }
}

/// The driver note a failed capture ends with (records stamped after it are the browser being
/// torn down, and are left out of the partial trace).
pub const STOP_NOTE: &str = "capture stopped";

fn unsupported(step: &str) -> CaptureError {
    CaptureError::Scenario(format!("this engine cannot do `{step}`"))
}

/// Runs `scenario`'s steps with `ops`, then waits for the trace to settle (where the worker
/// reports a heartbeat, at least three periods: a gap shorter than that is not yet a stop).
/// Once the first client has loaded, the scenario's needs are checked against its feature
/// detection and the engine's automation ([`Engine::lacks`]): a scenario the engine cannot run
/// ends with [`CaptureError::Unsupported`].
pub fn run(
    scenario: &Scenario,
    engine: Engine,
    ops: &mut dyn Ops,
    rec: &Recorder,
    server: &Server,
) -> Result<(), CaptureError> {
    let min_settle_ms = engine.heartbeat_ms().map_or(0, |hb| 3 * u64::from(hb));
    let mut r = Runner {
        ops,
        rec,
        server,
        last_step: 0.0,
        away: Vec::new(),
        navigations: 0,
    };
    let mut detected = false;
    let stopped = |e: CaptureError| {
        rec.push(
            RecSrc::Driver,
            json!({"note": STOP_NOTE, "error": e.to_string()}),
        );
        e
    };
    for (i, step) in scenario.step.iter().enumerate() {
        let at = |e: CaptureError| stopped(e.or_interrupted().during(i + 1, &step_name(step)));
        r.exec(step).map_err(at)?;
        if let (Step::Open { client }, false) = (step, detected) {
            detected = true;
            r.detect(scenario, engine, client).map_err(at)?;
        }
    }
    r.settle(scenario.settle_ms.max(min_settle_ms))
        .map_err(|e| stopped(e.or_interrupted()))?;
    // Marks how long the capture watched: a heartbeat gap before it is a stop.
    rec.push(RecSrc::Driver, json!({"note": map::END_NOTE}));
    Ok(())
}

struct Runner<'a> {
    ops: &'a mut dyn Ops,
    rec: &'a Recorder,
    server: &'a Server,
    last_step: f64,
    /// Clients showing a page out of scope (a `navigate` took them away).
    away: Vec<String>,
    /// In-scope navigations so far (each goes to a URL of its own).
    navigations: u32,
}

impl Runner<'_> {
    /// Between two looks at the trace: a stop signal, a page poll, and whether the browser
    /// still runs (so a crash ends the wait at once, not when it times out).
    fn tick(&mut self) -> Result<(), CaptureError> {
        if let Some(sig) = signal::received() {
            return Err(CaptureError::Interrupted(signal::name(sig).into()));
        }
        self.ops.poll()?;
        self.ops.alive()
    }

    /// Sleeps `d` in slices of at most 250 ms (the page-poll cadence), ticking between them.
    fn pause(&mut self, d: Duration) -> Result<(), CaptureError> {
        let until = Instant::now() + d;
        loop {
            self.tick()?;
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            thread::sleep(left.min(Duration::from_millis(250)));
        }
    }

    /// Checks the scenario's needs against the first client's feature detection (its `load`
    /// record) and the engine's automation.
    fn detect(
        &mut self,
        scenario: &Scenario,
        engine: Engine,
        client: &str,
    ) -> Result<(), CaptureError> {
        let until = Instant::now() + Duration::from_secs(10);
        let features = loop {
            self.tick()?;
            let found = self.rec.snapshot().into_iter().rev().find_map(|r| {
                (r.src == RecSrc::Page(client.to_string()) && r.data["ev"] == "load")
                    .then(|| r.data["features"].clone())
            });
            if let Some(f) = found {
                break f;
            }
            if Instant::now() > until {
                return Err(CaptureError::Timeout(format!(
                    "client `{client}` reported no feature detection within 10 s"
                )));
            }
            self.rec.wait_change(Duration::from_millis(100));
        };
        let mut missing: Vec<String> = scenario
            .needs()
            .into_iter()
            .filter(|api| features[*api] != json!(true))
            .map(|api| format!("{api} is not exposed"))
            .collect();
        for lack in scenario.step.iter().filter_map(|s| engine.lacks(s)) {
            if !missing.contains(&lack) {
                missing.push(lack);
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        Err(CaptureError::Unsupported(Box::new(Unsupported {
            scenario: scenario.name.clone(),
            engine: engine.name().into(),
            engine_version: String::new(),
            captured_at: String::new(),
            missing,
            detected: features,
        })))
    }

    /// Logs a driver step (before its effects), with the observation it is.
    fn step(&mut self, step: &Step, obs: Option<O>) {
        self.last_step = self.rec.clock.now();
        self.rec.push_at(
            self.last_step,
            RecSrc::Driver,
            json!({"step": step, "obs": obs}),
        );
    }

    /// Logs the step, then runs `expr` in the client.
    fn page_call(
        &mut self,
        step: &Step,
        obs: Option<O>,
        client: &str,
        expr: &str,
    ) -> Result<(), CaptureError> {
        self.step(step, obs);
        self.ops.eval(client, expr)
    }

    /// Waits until nothing has been recorded for `quiet_ms` (at most 20 s more).
    fn settle(&mut self, quiet_ms: u64) -> Result<(), CaptureError> {
        let until = Instant::now() + Duration::from_secs(20) + Duration::from_millis(quiet_ms);
        // Heartbeats never stop while a worker runs: they do not count as activity.
        let activity = |rec: &Recorder| {
            rec.snapshot()
                .iter()
                .filter(|r| !(r.src == RecSrc::Worker && r.data["ev"] == "heartbeat"))
                .count()
        };
        loop {
            self.tick()?;
            let n = activity(self.rec);
            self.pause(Duration::from_millis(quiet_ms))?;
            if activity(self.rec) == n || Instant::now() > until {
                return Ok(());
            }
        }
    }

    /// A `navigate` step: in scope, a new document at a URL of its own (the model's `reload`,
    /// or `open_client` for a tab coming back from out of scope); out of scope, the client
    /// page on the other loopback name, a different origin (`close_client`).
    fn navigate(&mut self, step: &Step, client: &str, to: Nav) -> Result<(), CaptureError> {
        let client_id = client.to_string();
        let was_away = self.away.iter().any(|a| a == client);
        let (url, obs) = match to {
            Nav::InScope => {
                self.navigations += 1;
                let url = format!(
                    "{}/page.html?client={client}&nav={}",
                    self.server.origin(),
                    self.navigations
                );
                let obs = if was_away {
                    O::OpenClient { client: client_id }
                } else {
                    O::Reload { client: client_id }
                };
                (url, obs)
            }
            Nav::OutOfScope => {
                let url = format!(
                    "{}/page.html?client={client}",
                    self.server.origin_elsewhere()
                );
                (url, O::CloseClient { client: client_id })
            }
        };
        self.step(step, Some(obs));
        self.ops.navigate_to(client, &url)?;
        match to {
            Nav::InScope => self.away.retain(|a| a != client),
            Nav::OutOfScope => self.away.push(client.to_string()),
        }
        Ok(())
    }

    fn exec(&mut self, step: &Step) -> Result<(), CaptureError> {
        self.ops.alive()?;
        let c = |client: &String| client.clone();
        match step {
            Step::Open { client } => {
                self.step(step, Some(O::OpenClient { client: c(client) }));
                // The page's URL names its client: the worker reports it on the fetch events
                // of its navigation and of its subresource requests (page.html, sw.js).
                let url = format!("{}/page.html?client={client}", self.server.origin());
                self.ops.open(client, &url)?;
            }
            Step::Reload { client } => {
                self.step(step, Some(O::Reload { client: c(client) }));
                self.ops.reload(client)?;
            }
            Step::Close { client } => {
                // A tab out of scope is no client of the scope: its closing is not observed.
                let away = self.away.contains(client);
                let obs = (!away).then(|| O::CloseClient { client: c(client) });
                self.step(step, obs);
                self.ops.close(client)?;
                self.away.retain(|a| a != client);
            }
            Step::Navigate { client, to } => self.navigate(step, client, *to)?,
            Step::Serve { version } => {
                self.step(step, None);
                self.server.set_version(*version);
            }
            Step::Register { client } => {
                let obs = O::Register {
                    client: c(client),
                    script: "/sw.js".into(),
                };
                self.page_call(step, Some(obs), client, "swspec.register()")?;
            }
            Step::Update { client } => {
                let obs = O::Update { client: c(client) };
                self.page_call(step, Some(obs), client, "swspec.update()")?;
            }
            Step::Unregister { client } => {
                let obs = O::Unregister { client: c(client) };
                self.page_call(step, Some(obs), client, "swspec.unregister()")?;
            }
            Step::PostMessage {
                client,
                cmd,
                ms,
                to,
            } => {
                // The worker reads `cmd` by its scenario-file name (the serde name).
                let data = json!({"cmd": cmd, "ms": ms});
                let expr = format!("swspec.postMessage({data}, {})", json!(to));
                let to = match to {
                    Target::Controller => MessageTarget::Controller,
                    Target::Installing => MessageTarget::Installing,
                    Target::Waiting => MessageTarget::Waiting,
                    Target::Active => MessageTarget::Active,
                };
                let obs = O::PostMessage {
                    client: c(client),
                    to,
                };
                self.page_call(step, Some(obs), client, &expr)?;
            }
            Step::GetRegistration { client } => {
                self.page_call(step, None, client, "swspec.getRegistration()")?
            }
            Step::GetRegistrations { client } => {
                self.page_call(step, None, client, "swspec.getRegistrations()")?
            }
            Step::GetSubscription { client } => {
                self.page_call(step, None, client, "swspec.getSubscription()")?
            }
            Step::BgFetchGet { client, id } => {
                let expr = format!("swspec.bgGet({})", json!(id));
                self.page_call(step, None, client, &expr)?
            }
            Step::BgFetchIds { client } => self.page_call(step, None, client, "swspec.bgIds()")?,
            Step::PeriodicSyncTags { client } => {
                self.page_call(step, None, client, "swspec.periodicTags()")?
            }
            Step::Fetch { client } => {
                let obs = O::Fetch { client: c(client) };
                self.page_call(step, Some(obs), client, "swspec.fetch()")?;
            }
            Step::StopWorker => {
                // One driver line per worker it stops (one without an observation if none runs).
                let workers = self.ops.running_workers();
                if workers.is_empty() {
                    self.step(step, None);
                }
                for worker in workers {
                    self.step(step, Some(O::StopWorker { worker }));
                }
                self.ops.stop_workers()?;
            }
            Step::GoOffline | Step::GoOnline => {
                let offline = matches!(step, Step::GoOffline);
                self.step(step, Some(if offline { O::GoOffline } else { O::GoOnline }));
                self.ops.set_offline(offline)?;
            }
            Step::SyncRegister { client, tag } => {
                let obs = O::SyncRegister {
                    client: c(client),
                    tag: tag.clone(),
                };
                let expr = format!("swspec.syncRegister({})", json!(tag));
                self.page_call(step, Some(obs), client, &expr)?;
            }
            Step::SyncTags { client } => self.page_call(step, None, client, "swspec.syncTags()")?,
            Step::PeriodicSyncRegister {
                client,
                tag,
                min_interval_ms,
            } => {
                let obs = O::PeriodicSyncRegister {
                    client: c(client),
                    tag: tag.clone(),
                };
                let min = min_interval_ms.unwrap_or(1000);
                let expr = format!("swspec.periodicRegister({}, {min})", json!(tag));
                self.page_call(step, Some(obs), client, &expr)?;
            }
            Step::Grant { permission } => {
                let obs = O::SetPermission {
                    permission: *permission,
                    state: PermissionState::Granted,
                };
                self.step(step, Some(obs));
                self.ops.grant(*permission)?;
            }
            Step::SetPermission { permission, state } => {
                let obs = O::SetPermission {
                    permission: *permission,
                    state: *state,
                };
                self.step(step, Some(obs));
                self.ops.set_permission(*permission, *state)?;
            }
            Step::PeriodicSyncUnregister { client, tag } => {
                let obs = O::PeriodicSyncUnregister {
                    client: c(client),
                    tag: tag.clone(),
                };
                let expr = format!("swspec.periodicUnregister({})", json!(tag));
                self.page_call(step, Some(obs), client, &expr)?;
            }
            Step::DispatchPeriodicSync { tag } => {
                self.step(step, None);
                self.ops.dispatch_periodic_sync(tag)?;
            }
            Step::Push { data } => {
                self.step(step, Some(O::PushMessage));
                self.ops.push(data)?;
            }
            Step::BgFetch {
                client,
                id,
                urls,
                download_total,
            } => {
                // A trusted click first: without a user gesture Chromium's download limiter lets
                // a tab start only its first background fetch.
                self.ops.trusted_click(client)?;
                let obs = step.bg_fetch_observation();
                let total = download_total.unwrap_or(0);
                let expr = format!("swspec.bgFetch({}, {}, {total})", json!(id), json!(urls));
                self.page_call(step, obs, client, &expr)?;
            }
            Step::BgFetchAbort { client, id } => {
                let expr = format!("swspec.bgAbort({})", json!(id));
                let obs = O::BgFetchAbort { id: id.clone() };
                self.page_call(step, Some(obs), client, &expr)?;
            }
            Step::Wait {
                timeout_ms,
                optional,
                ..
            } => {
                let since = self.last_step;
                let until = Instant::now() + Duration::from_millis(*timeout_ms);
                loop {
                    self.tick()?;
                    let mapped = map::map_until(&self.rec.snapshot(), self.rec.clock.now());
                    if wait_satisfied(step, &mapped, since) {
                        break;
                    }
                    if Instant::now() > until && *optional {
                        self.rec.push(
                            RecSrc::Driver,
                            json!({"note": "optional wait: not seen", "step": step}),
                        );
                        break;
                    }
                    if Instant::now() > until {
                        return Err(CaptureError::Timeout(format!(
                            "{} not seen within {timeout_ms} ms",
                            serde_json::to_string(step).unwrap_or_default()
                        )));
                    }
                    self.rec.wait_change(Duration::from_millis(100));
                }
            }
            Step::Sleep { ms } => self.pause(Duration::from_millis(*ms))?,
        }
        Ok(())
    }
}

/// Whether a `wait` step is satisfied by the events recorded at or after `since`.
pub fn wait_satisfied(step: &Step, mapped: &Mapped, since: f64) -> bool {
    let Step::Wait {
        obs,
        version,
        state,
        status,
        event,
        tag,
        client,
        count,
        ..
    } = step
    else {
        return true;
    };
    let wanted = [
        ("state", state),
        ("status", status),
        ("event", event),
        ("tag", tag),
        ("client", client),
    ];
    let recent = || mapped.events.iter().filter(|e: &&Event| e.t >= since - 1.0);
    // Where no DevTools reports version status, a worker's own `state` records and the pages'
    // `statechange` records stand in (informational lines: they are not observations).
    let seen_state = |e: &Event| {
        let raw = e.raw.as_ref()?;
        let st = raw.get("state").and_then(Value::as_str)?;
        let ok = match (&e.src, raw.get("ev").and_then(Value::as_str)) {
            (trace::Source::Worker { .. }, Some("state")) => {
                version.is_none_or(|v| raw.get("v").and_then(Value::as_u64) == Some(v as u64))
            }
            (trace::Source::Page { .. }, Some("statechange")) => version.is_none(),
            _ => false,
        };
        (ok && e.obs.is_none() && state.as_deref().is_none_or(|w| w == st)).then_some(())
    };
    let stand_ins = if obs == "state_change" {
        recent().filter(|e| seen_state(e).is_some()).count()
    } else {
        0
    };
    let n = stand_ins
        + recent()
            .filter_map(|e| e.obs.as_ref())
            .filter(|o| o.kind() == obs)
            .filter_map(|o| serde_json::to_value(o).ok())
            .filter(|v| {
                let field = |k: &str| v.get(k).and_then(Value::as_str);
                wanted
                    .iter()
                    .all(|(k, want)| want.as_deref().is_none_or(|w| field(k) == Some(w)))
                    && version.is_none_or(|ver| {
                        field("worker").is_some_and(|w| mapped.versions.get(w) == Some(&ver))
                    })
            })
            .count();
    n >= *count as usize
}
