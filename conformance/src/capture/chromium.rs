//! The Chromium engine: Debian's `/usr/bin/chromium`, headless, driven over raw DevTools.
//!
//! One observer tab on `http://localhost:P/blank.html` (another origin) enables the
//! `ServiceWorker` and `BackgroundService` domains: their events cover every registration of the
//! browser context, so the observer outlives the client tabs. Client tabs on
//! `http://127.0.0.1:P/page.html` report through the console. The harness never attaches to a
//! worker's target, except for `go_offline`, the only way to hold Background Sync back.

use super::cdp::{Cdp, CdpEvent};
use super::scenario::{Scenario, Step};
use super::server::{RecSrc, Recorder, Server};
use super::{CaptureError, Session};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use swspec_model::{Observation, Permission, PermissionState};

/// The flags DEVELOPERS.md prescribes for this machine, plus a DevTools port of the OS's choice.
pub const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-default-browser-check",
    "--remote-debugging-port=0",
];

/// Debian's Chromium.
pub const DEFAULT_BINARY: &str = "/usr/bin/chromium";

/// How long one DevTools command may take.
const CALL: Duration = Duration::from_secs(10);

type O = Observation<String>;

/// What the DevTools event handler shares with the driver.
#[derive(Default)]
struct Shared {
    /// Page session → client name.
    clients: BTreeMap<String, String>,
    /// Sessions whose load event fired, with a count.
    loads: BTreeMap<String, u32>,
    /// DevTools version id → (status, running status), as last reported.
    versions: BTreeMap<String, (String, String)>,
    /// DevTools version id → script version (the one served when it first appeared).
    script: BTreeMap<String, u32>,
    /// Registration ids, and whether deleted.
    registrations: BTreeMap<String, bool>,
    /// Service-worker targets alive.
    sw_targets: Vec<String>,
    /// Set when a renderer or the browser crashed.
    crashed: Option<String>,
}

/// A running Chromium with its DevTools connection.
struct Browser {
    child: Child,
    cdp: Cdp,
    user_data_dir: PathBuf,
    version: String,
    args: Vec<String>,
    /// Set once shut down: the group's pid may be reused after it is reaped, so it is never
    /// signalled twice.
    down: bool,
}

impl Browser {
    fn launch(
        binary: &Path,
        extra: &[String],
        rec: Recorder,
        shared: Arc<Mutex<Shared>>,
        served: Arc<dyn Fn() -> u32 + Send + Sync>,
        log_dir: &Path,
    ) -> Result<Browser, CaptureError> {
        if !binary.exists() {
            return Err(CaptureError::Setup(format!(
                "Chromium not found at {}: install it with `apt-get install chromium` (or pass --browser PATH)",
                binary.display()
            )));
        }
        let user_data_dir = std::env::temp_dir().join(format!(
            "swspec-chromium-{}-{}",
            std::process::id(),
            rec.clock.now() as u64
        ));
        std::fs::create_dir_all(&user_data_dir)
            .map_err(|e| CaptureError::Setup(format!("cannot create a profile dir: {e}")))?;
        let mut args: Vec<String> = FLAGS.iter().map(|s| s.to_string()).collect();
        args.extend(extra.iter().cloned());
        let mut child = Command::new(binary)
            .args(&args)
            .arg(format!("--user-data-dir={}", user_data_dir.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // Its own process group: teardown kills exactly what this harness started.
            .process_group(0)
            .spawn()
            .map_err(|e| CaptureError::Setup(format!("cannot start {}: {e}", binary.display())))?;
        let (tx, rx) = channel();
        let stderr = child.stderr.take();
        let log_path = log_dir.join("chromium.stderr");
        thread::spawn(move || {
            let mut log = std::fs::File::create(&log_path).ok();
            let Some(stderr) = stderr else { return };
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(l) = log.as_mut() {
                    let _ = writeln!(l, "{line}");
                }
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(u) => u,
            Err(_) => {
                kill_group(&mut child);
                return Err(CaptureError::Setup(format!(
                    "Chromium printed no DevTools address within 30 s (its stderr: {})",
                    log_dir.join("chromium.stderr").display()
                )));
            }
        };
        let handler_shared = shared.clone();
        let cdp = Cdp::connect(&url, move |ev| {
            on_event(&rec, &handler_shared, &*served, ev)
        })
        .map_err(CaptureError::Setup)?;
        let version = cdp
            .call("Browser.getVersion", json!({}), None, CALL)
            .map_err(CaptureError::Setup)?;
        let product = version["product"].as_str().unwrap_or("");
        let version = product.split('/').nth(1).unwrap_or(product).to_string();
        Ok(Browser {
            child,
            cdp,
            user_data_dir,
            version,
            args,
            down: false,
        })
    }

    fn shutdown(&mut self) {
        if std::mem::replace(&mut self.down, true) {
            return;
        }
        self.cdp.close();
        kill_group(&mut self.child);
        for _ in 0..5 {
            if std::fs::remove_dir_all(&self.user_data_dir).is_ok() {
                break;
            }
            thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// SIGTERM to the browser's process group, SIGKILL after 5 s.
fn kill_group(child: &mut Child) {
    let pid = child.id() as i32;
    if let Ok(None) = child.try_wait() {
        // SAFETY: kill(2) on the process group this harness created; no memory is touched.
        unsafe { libc::kill(-pid, libc::SIGTERM) };
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
    // SAFETY: as above; the group may already be gone (ESRCH is fine).
    unsafe { libc::kill(-pid, libc::SIGKILL) };
    let _ = child.wait();
}

fn on_event(rec: &Recorder, shared: &Mutex<Shared>, served: &dyn Fn() -> u32, ev: CdpEvent) {
    let mut sh = shared.lock().unwrap_or_else(|p| p.into_inner());
    let p = &ev.params;
    match ev.method.as_str() {
        "ServiceWorker.workerVersionUpdated" => {
            for v in p["versions"].as_array().into_iter().flatten() {
                let vid = v["versionId"].as_str().unwrap_or("").to_string();
                let status = v["status"].as_str().unwrap_or("").to_string();
                let running = v["runningStatus"].as_str().unwrap_or("").to_string();
                let now = (status.clone(), running.clone());
                if sh.versions.get(&vid) == Some(&now) {
                    continue;
                }
                sh.versions.insert(vid.clone(), now);
                let sv = *sh.script.entry(vid.clone()).or_insert_with(served);
                rec.push(
                    RecSrc::Devtools,
                    json!({"ev": "version", "versionId": vid, "registrationId": v["registrationId"],
                           "status": status, "runningStatus": running, "script_version": sv,
                           "controlledClients": v["controlledClients"].as_array().map_or(0, |a| a.len())}),
                );
            }
        }
        "ServiceWorker.workerRegistrationUpdated" => {
            for r in p["registrations"].as_array().into_iter().flatten() {
                let id = r["registrationId"].as_str().unwrap_or("").to_string();
                let deleted = r["isDeleted"].as_bool().unwrap_or(false);
                if sh.registrations.get(&id) != Some(&deleted) {
                    sh.registrations.insert(id.clone(), deleted);
                    rec.push(
                        RecSrc::Devtools,
                        json!({"ev": "registration", "registrationId": id, "isDeleted": deleted}),
                    );
                }
            }
        }
        "ServiceWorker.workerErrorReported" => rec.push(
            RecSrc::Devtools,
            json!({"ev": "worker_error", "error": p["errorMessage"]}),
        ),
        "BackgroundService.backgroundServiceEventReceived" => {
            let e = &p["backgroundServiceEvent"];
            let meta: BTreeMap<String, String> = e["eventMetadata"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| {
                    (
                        m["key"].as_str().unwrap_or("").to_string(),
                        m["value"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect();
            rec.push(
                RecSrc::Devtools,
                json!({"ev": "background_service", "service": e["service"], "name": e["eventName"],
                       "instance": e["instanceId"], "metadata": meta}),
            );
        }
        "Runtime.consoleAPICalled" => {
            let text = p["args"][0]["value"].as_str().unwrap_or("");
            let Some(body) = text.strip_prefix("SWSPEC ") else {
                return;
            };
            let client = ev.session.as_ref().and_then(|s| sh.clients.get(s)).cloned();
            if let (Some(client), Ok(data)) = (client, serde_json::from_str::<Value>(body)) {
                let t = data["t_js"]
                    .as_f64()
                    .map_or_else(|| rec.clock.now(), |t| rec.clock.from_epoch(t));
                rec.push_at(t, RecSrc::Page(client), data);
            }
        }
        "Page.loadEventFired" => {
            if let Some(s) = &ev.session {
                *sh.loads.entry(s.clone()).or_insert(0) += 1;
            }
        }
        "Target.targetCreated" | "Target.targetInfoChanged" => {
            let ti = &p["targetInfo"];
            if ti["type"] == "service_worker" {
                let id = ti["targetId"].as_str().unwrap_or("").to_string();
                if !sh.sw_targets.contains(&id) {
                    sh.sw_targets.push(id.clone());
                    rec.push(
                        RecSrc::Devtools,
                        json!({"ev": "target_created", "targetId": id, "url": ti["url"]}),
                    );
                }
            }
        }
        "Target.targetDestroyed" => {
            let id = p["targetId"].as_str().unwrap_or("").to_string();
            if sh.sw_targets.contains(&id) {
                sh.sw_targets.retain(|t| *t != id);
                rec.push(
                    RecSrc::Devtools,
                    json!({"ev": "target_destroyed", "targetId": id}),
                );
            }
        }
        "Inspector.targetCrashed" | "Target.targetCrashed" => {
            sh.crashed = Some(format!("{}: {}", ev.method, p));
            rec.push(
                RecSrc::Devtools,
                json!({"ev": "crashed", "method": ev.method, "params": p}),
            );
        }
        _ => {}
    }
}

/// A client tab.
struct Tab {
    target: String,
    session: String,
}

/// Drives one scenario; the caller writes what was recorded.
pub fn run(
    scenario: &Scenario,
    binary: &Path,
    session: &mut Session,
    log_dir: &Path,
) -> Result<(), CaptureError> {
    let rec = session.rec.clone();
    let behaviours = scenario
        .version
        .iter()
        .filter_map(|(k, b)| k.parse::<u32>().ok().map(|v| (v, b.clone())))
        .collect();
    let server = Arc::new(
        Server::start(rec.clone(), behaviours)
            .map_err(|e| CaptureError::Setup(format!("cannot start the HTTP server: {e}")))?,
    );
    let shared = Arc::new(Mutex::new(Shared::default()));
    let srv = server.clone();
    let mut browser = Browser::launch(
        binary,
        &scenario.chromium_args,
        rec.clone(),
        shared.clone(),
        Arc::new(move || srv.version()),
        log_dir,
    )?;
    session.engine_version = browser.version.clone();
    session.settings.insert(
        "flags".into(),
        json!(browser
            .args
            .iter()
            .filter(|a| !a.contains("remote-debugging"))
            .collect::<Vec<_>>()),
    );
    let result = Driver {
        cdp: &browser.cdp,
        rec: &rec,
        shared: &shared,
        server: &server,
        tabs: BTreeMap::new(),
        observer: String::new(),
        sw_session: None,
        origin: server.origin(),
        last_step: 0.0,
    }
    .run(scenario);
    browser.shutdown();
    result
}

struct Driver<'a> {
    cdp: &'a Cdp,
    rec: &'a Recorder,
    shared: &'a Mutex<Shared>,
    server: &'a Server,
    tabs: BTreeMap<String, Tab>,
    observer: String,
    sw_session: Option<String>,
    origin: String,
    last_step: f64,
}

impl Driver<'_> {
    fn call(
        &self,
        method: &str,
        params: Value,
        session: Option<&str>,
    ) -> Result<Value, CaptureError> {
        if let Some(c) = self.lock().crashed.clone() {
            return Err(CaptureError::Browser(format!("the browser crashed: {c}")));
        }
        self.cdp
            .call(method, params, session, CALL)
            .map_err(CaptureError::Browser)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
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

    fn tab(&self, client: &str) -> Result<&Tab, CaptureError> {
        self.tabs
            .get(client)
            .ok_or_else(|| CaptureError::Scenario(format!("client `{client}` is not open")))
    }

    /// A flattened DevTools session on `target`.
    fn attach(&self, target: &str) -> Result<String, CaptureError> {
        let r = self.call(
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
            None,
        )?;
        r["sessionId"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| CaptureError::Browser(format!("attachToTarget gave no session: {r}")))
    }

    fn new_tab(&self) -> Result<Tab, CaptureError> {
        let target = self.call("Target.createTarget", json!({"url": "about:blank"}), None)?
            ["targetId"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let session = self.attach(&target)?;
        self.call("Page.enable", json!({}), Some(&session))?;
        self.call("Runtime.enable", json!({}), Some(&session))?;
        Ok(Tab { target, session })
    }

    fn loads(&self, session: &str) -> u32 {
        self.lock().loads.get(session).copied().unwrap_or(0)
    }

    fn wait_load(&self, session: &str, before: u32) -> Result<(), CaptureError> {
        let until = Instant::now() + Duration::from_secs(15);
        while self.loads(session) <= before {
            if Instant::now() > until {
                return Err(CaptureError::Timeout(
                    "the page did not load within 15 s".into(),
                ));
            }
            thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    }

    fn navigate(&self, session: &str, url: &str) -> Result<(), CaptureError> {
        let before = self.loads(session);
        self.call("Page.navigate", json!({"url": url}), Some(session))?;
        self.wait_load(session, before)
    }

    /// A page call: logs the driver step with its observation (before its effects), then runs
    /// `expr` in the client.
    fn page_call(
        &mut self,
        step: &Step,
        obs: Option<O>,
        client: &str,
        expr: &str,
    ) -> Result<(), CaptureError> {
        self.step(step, obs);
        self.eval(client, expr)
    }

    /// Runs `expr` in a client (not awaited: the page reports the outcome itself).
    fn eval(&self, client: &str, expr: &str) -> Result<(), CaptureError> {
        let session = self.tab(client)?.session.clone();
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "awaitPromise": false}),
            Some(&session),
        )?;
        if let Some(ex) = r.get("exceptionDetails") {
            return Err(CaptureError::Scenario(format!(
                "`{expr}` threw in {client}: {ex}"
            )));
        }
        Ok(())
    }

    fn registration(&self) -> Result<String, CaptureError> {
        self.lock()
            .registrations
            .iter()
            .rev()
            .find(|(_, deleted)| !**deleted)
            .map(|(id, _)| id.clone())
            .ok_or_else(|| {
                CaptureError::Scenario("no live registration for DevTools to address".into())
            })
    }

    fn running_workers(&self) -> Vec<String> {
        self.lock()
            .versions
            .iter()
            .filter(|(_, (_, r))| r == "running" || r == "starting")
            .map(|(vid, _)| super::map::worker_id(vid))
            .collect()
    }

    fn run(mut self, scenario: &Scenario) -> Result<(), CaptureError> {
        self.call("Target.setDiscoverTargets", json!({"discover": true}), None)?;
        let obs_tab = self.new_tab()?;
        self.navigate(
            &obs_tab.session,
            &format!("http://localhost:{}/blank.html", self.server.port),
        )?;
        self.observer = obs_tab.session.clone();
        let ob = Some(self.observer.as_str());
        self.call("ServiceWorker.enable", json!({}), ob)?;
        for service in [
            "backgroundSync",
            "periodicBackgroundSync",
            "pushMessaging",
            "backgroundFetch",
        ] {
            self.call(
                "BackgroundService.startObserving",
                json!({"service": service}),
                ob,
            )?;
            self.call(
                "BackgroundService.setRecording",
                json!({"shouldRecord": true, "service": service}),
                ob,
            )?;
        }
        for step in &scenario.step {
            self.exec(step)?;
        }
        self.settle(scenario.settle_ms);
        Ok(())
    }

    /// Waits until nothing has been recorded for `quiet_ms` (at most 20 s).
    fn settle(&self, quiet_ms: u64) {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let n = self.rec.snapshot().len();
            thread::sleep(Duration::from_millis(quiet_ms));
            if self.rec.snapshot().len() == n || Instant::now() > until {
                break;
            }
        }
    }

    fn exec(&mut self, step: &Step) -> Result<(), CaptureError> {
        match step {
            Step::Open { client } => {
                self.step(
                    step,
                    Some(O::OpenClient {
                        client: client.clone(),
                    }),
                );
                let tab = self.new_tab()?;
                self.lock()
                    .clients
                    .insert(tab.session.clone(), client.clone());
                let url = format!("{}/page.html", self.origin);
                self.navigate(&tab.session, &url)?;
                self.tabs.insert(client.clone(), tab);
            }
            Step::Reload { client } => {
                self.step(
                    step,
                    Some(O::Reload {
                        client: client.clone(),
                    }),
                );
                let session = self.tab(client)?.session.clone();
                let before = self.loads(&session);
                // ignoreCache: true would be a shift-reload, which bypasses the worker.
                self.call("Page.reload", json!({"ignoreCache": false}), Some(&session))?;
                self.wait_load(&session, before)?;
            }
            Step::Close { client } => {
                self.step(
                    step,
                    Some(O::CloseClient {
                        client: client.clone(),
                    }),
                );
                let target = self.tab(client)?.target.clone();
                self.call("Target.closeTarget", json!({"targetId": target}), None)?;
                self.tabs.remove(client);
            }
            Step::Serve { version } => {
                self.step(step, None);
                self.server.set_version(*version);
            }
            Step::Register { client } => {
                let script = "/sw.js".into();
                let obs = O::Register {
                    client: client.clone(),
                    script,
                };
                self.page_call(step, Some(obs), client, "swspec.register()")?;
            }
            Step::Update { client } => {
                let obs = O::Update {
                    client: client.clone(),
                };
                self.page_call(step, Some(obs), client, "swspec.update()")?;
            }
            Step::Unregister { client } => {
                let obs = O::Unregister {
                    client: client.clone(),
                };
                self.page_call(step, Some(obs), client, "swspec.unregister()")?;
            }
            Step::PostMessage { client, cmd, ms } => {
                // The worker reads `cmd` by its scenario-file name (the serde name).
                let expr = format!("swspec.postMessage({})", json!({"cmd": cmd, "ms": ms}));
                let obs = O::PostMessage {
                    client: client.clone(),
                };
                self.page_call(step, Some(obs), client, &expr)?;
            }
            Step::Fetch { client } => {
                let obs = O::Fetch {
                    client: client.clone(),
                };
                self.page_call(step, Some(obs), client, "swspec.fetch()")?;
            }
            Step::StopWorker => {
                // One driver line per worker it stops (one without an observation if none runs).
                let workers = self.running_workers();
                if workers.is_empty() {
                    self.step(step, None);
                }
                for worker in workers {
                    self.step(step, Some(O::StopWorker { worker }));
                }
                self.call(
                    "ServiceWorker.stopAllWorkers",
                    json!({}),
                    Some(&self.observer.clone()),
                )?;
            }
            Step::GoOffline | Step::GoOnline => {
                let offline = matches!(step, Step::GoOffline);
                self.step(step, Some(if offline { O::GoOffline } else { O::GoOnline }));
                let session = self.sw_session()?;
                self.call(
                    "Network.emulateNetworkConditions",
                    json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
                    Some(&session),
                )?;
            }
            Step::SyncRegister { client, tag } => {
                let obs = O::SyncRegister {
                    client: client.clone(),
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
                    client: client.clone(),
                    tag: tag.clone(),
                };
                let min = min_interval_ms.unwrap_or(1000);
                let expr = format!("swspec.periodicRegister({}, {min})", json!(tag));
                self.page_call(step, Some(obs), client, &expr)?;
            }
            Step::Grant { permission } => {
                self.step(
                    step,
                    Some(O::SetPermission {
                        permission: *permission,
                        state: PermissionState::Granted,
                    }),
                );
                let name = match permission {
                    Permission::Push => "notifications",
                    Permission::BackgroundSync => "backgroundSync",
                    Permission::PeriodicBackgroundSync => "periodicBackgroundSync",
                    Permission::BackgroundFetch => "backgroundFetch",
                };
                self.call(
                    "Browser.grantPermissions",
                    json!({"origin": self.origin, "permissions": [name]}),
                    None,
                )?;
            }
            Step::DispatchPeriodicSync { tag } => {
                self.step(step, None);
                let reg = self.registration()?;
                self.call(
                    "ServiceWorker.dispatchPeriodicSyncEvent",
                    json!({"origin": self.origin, "registrationId": reg, "tag": tag}),
                    Some(&self.observer.clone()),
                )?;
            }
            Step::Push { data } => {
                self.step(step, Some(O::PushMessage));
                let reg = self.registration()?;
                self.call(
                    "ServiceWorker.deliverPushMessage",
                    json!({"origin": self.origin, "registrationId": reg, "data": data}),
                    Some(&self.observer.clone()),
                )?;
            }
            Step::BgFetch {
                client,
                id,
                urls,
                download_total,
            } => {
                // A trusted click first: without a user gesture Chromium's download limiter lets
                // a tab start only its first background fetch.
                let session = self.tab(client)?.session.clone();
                for kind in ["mousePressed", "mouseReleased"] {
                    self.call(
                        "Input.dispatchMouseEvent",
                        json!({"type": kind, "x": 10, "y": 10, "button": "left", "clickCount": 1}),
                        Some(&session),
                    )?;
                }
                let obs = O::BackgroundFetch {
                    client: client.clone(),
                    id: id.clone(),
                    requests: urls.len().min(255) as u8,
                };
                let total = download_total.unwrap_or(0);
                let expr = format!("swspec.bgFetch({}, {}, {total})", json!(id), json!(urls));
                self.page_call(step, Some(obs), client, &expr)?;
            }
            Step::BgFetchAbort { client, id } => {
                let expr = format!("swspec.bgAbort({})", json!(id));
                self.page_call(
                    step,
                    Some(O::BgFetchAbort { id: id.clone() }),
                    client,
                    &expr,
                )?;
            }
            Step::Wait { timeout_ms, .. } => {
                let since = self.last_step;
                let until = Instant::now() + Duration::from_millis(*timeout_ms);
                loop {
                    let mapped = super::map::map(&self.rec.snapshot());
                    if super::wait_satisfied(step, &mapped, since) {
                        break;
                    }
                    if let Some(c) = self.lock().crashed.clone() {
                        return Err(CaptureError::Browser(format!("the browser crashed: {c}")));
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
            Step::Sleep { ms } => thread::sleep(Duration::from_millis(*ms)),
        }
        Ok(())
    }

    /// A DevTools session on the running worker's target, attached on first use (for network
    /// emulation of the worker itself).
    fn sw_session(&mut self) -> Result<String, CaptureError> {
        if let Some(s) = &self.sw_session {
            return Ok(s.clone());
        }
        let until = Instant::now() + Duration::from_secs(10);
        let target = loop {
            if let Some(t) = self.lock().sw_targets.last().cloned() {
                break t;
            }
            if Instant::now() > until {
                return Err(CaptureError::Timeout(
                    "no running service worker to emulate offline for".into(),
                ));
            }
            let _ = self.call(
                "ServiceWorker.startWorker",
                json!({"scopeURL": format!("{}/", self.origin)}),
                Some(&self.observer.clone()),
            );
            thread::sleep(Duration::from_millis(200));
        };
        let session = self.attach(&target)?;
        self.rec.push(
            RecSrc::Driver,
            json!({"note": "attached to the worker's target (idle termination is off from here)", "targetId": target}),
        );
        let _ = self.call("Runtime.runIfWaitingForDebugger", json!({}), Some(&session));
        self.call("Network.enable", json!({}), Some(&session))?;
        self.sw_session = Some(session.clone());
        Ok(session)
    }
}
