//! The Chromium engine: Debian's `/usr/bin/chromium`, headless, driven over raw DevTools.
//!
//! One observer tab on `http://localhost:P/blank.html` (another origin) enables the
//! `ServiceWorker` and `BackgroundService` domains: their events cover every registration of the
//! browser context, so the observer outlives the client tabs. Client tabs on
//! `http://127.0.0.1:P/page.html` report through the console. The harness never attaches to a
//! worker's target, except for `go_offline`, the only way to hold Background Sync back.

mod events;

use super::cdp::Cdp;
use super::drive::Ops;
use super::engine::Engine;
use super::error::CaptureError;
use super::process::{self, Group, Scratch, Watch};
use super::scenario::Scenario;
use super::server::{RecSrc, Recorder};
use super::session::Session;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use swspec_model::{Permission, PermissionState};

/// A permission's `Browser.grantPermissions` type name.
fn permission_type(permission: Permission) -> &'static str {
    match permission {
        Permission::Push => "notifications",
        Permission::BackgroundSync => "backgroundSync",
        Permission::PeriodicBackgroundSync => "periodicBackgroundSync",
        Permission::BackgroundFetch => "backgroundFetch",
    }
}

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

/// How long one DevTools command may take.
const CALL: Duration = Duration::from_secs(10);

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
    group: Group,
    watch: Watch,
    cdp: Cdp,
    version: String,
    args: Vec<String>,
}

impl Browser {
    fn launch(
        binary: &Path,
        extra: &[String],
        rec: Recorder,
        shared: Arc<Mutex<Shared>>,
        served: Arc<dyn Fn() -> u32 + Send + Sync>,
        scratch: &Scratch,
    ) -> Result<Browser, CaptureError> {
        process::check_binary("Chromium", binary, "chromium")?;
        let mut args: Vec<String> = FLAGS.iter().map(|s| s.to_string()).collect();
        args.extend(extra.iter().cloned());
        let mut cmd = scratch.command(binary);
        cmd.args(&args)
            .arg(format!("--user-data-dir={}", scratch.profile().display()))
            .arg("about:blank");
        let (group, url) = Group::spawn(
            cmd,
            "Chromium",
            &scratch.log("chromium.stderr"),
            Some(|line| {
                line.strip_prefix("DevTools listening on ")
                    .map(|u| u.trim().to_string())
            }),
            Duration::from_secs(30),
        )?;
        let watch = group.watch();
        let url = url.unwrap_or_default();
        let handler_shared = shared.clone();
        let cdp = Cdp::connect(&url, move |ev| {
            events::on_event(&rec, &handler_shared, &*served, ev)
        })
        .map_err(CaptureError::Setup)?;
        let version = cdp
            .call("Browser.getVersion", json!({}), None, CALL)
            .map_err(CaptureError::Setup)?;
        let product = version["product"].as_str().unwrap_or("");
        let version = product.split('/').nth(1).unwrap_or(product).to_string();
        Ok(Browser {
            group,
            watch,
            cdp,
            version,
            args,
        })
    }

    /// Closes the connection and kills the browser (dropping it does the same).
    fn shutdown(&mut self) {
        self.cdp.close();
        self.group.kill();
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
    scratch: &Scratch,
) -> Result<(), CaptureError> {
    let rec = session.rec.clone();
    let server = session.server.clone();
    let shared = Arc::new(Mutex::new(Shared::default()));
    let srv = server.clone();
    let mut browser = Browser::launch(
        binary,
        &scenario.chromium_args,
        rec.clone(),
        shared.clone(),
        Arc::new(move || srv.version()),
        scratch,
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
    let mut driver = Driver {
        cdp: &browser.cdp,
        watch: browser.watch.clone(),
        rec: &rec,
        shared: &shared,
        tabs: BTreeMap::new(),
        observer: String::new(),
        sw_session: None,
        origin: server.origin(),
        port: server.port,
    };
    let result = driver
        .observe()
        .and_then(|_| super::drive::run(scenario, Engine::Chromium, &mut driver, &rec, &server));
    browser.shutdown();
    result
}

struct Driver<'a> {
    cdp: &'a Cdp,
    watch: Watch,
    rec: &'a Recorder,
    shared: &'a Mutex<Shared>,
    tabs: BTreeMap<String, Tab>,
    observer: String,
    sw_session: Option<String>,
    origin: String,
    port: u16,
}

impl Driver<'_> {
    fn call(
        &self,
        method: &str,
        params: Value,
        session: Option<&str>,
    ) -> Result<Value, CaptureError> {
        self.alive()?;
        self.cdp.call(method, params, session, CALL).map_err(|e| {
            // A closed connection is most often the browser gone: say that, with its status.
            self.watch
                .check_within(Duration::from_millis(500))
                .err()
                .unwrap_or(CaptureError::Browser(e))
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
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
            self.alive()?;
            if let Some(sig) = super::signal::received() {
                return Err(CaptureError::Interrupted(super::signal::name(sig).into()));
            }
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

    /// Opens the observer tab (another origin) and enables the domains it watches.
    fn observe(&mut self) -> Result<(), CaptureError> {
        self.call("Target.setDiscoverTargets", json!({"discover": true}), None)?;
        let obs_tab = self.new_tab()?;
        self.navigate(
            &obs_tab.session,
            &format!("http://localhost:{}/blank.html", self.port),
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

impl Ops for Driver<'_> {
    fn alive(&self) -> Result<(), CaptureError> {
        self.watch.check()?;
        if let Some(c) = self.lock().crashed.clone() {
            return Err(CaptureError::Browser(format!("a renderer crashed: {c}")));
        }
        if self.cdp.is_closed() {
            return Err(self
                .watch
                .check_within(Duration::from_millis(500))
                .err()
                .unwrap_or_else(|| {
                    CaptureError::Browser("the browser closed the DevTools connection".into())
                }));
        }
        Ok(())
    }

    fn open(&mut self, client: &str, url: &str) -> Result<(), CaptureError> {
        let tab = self.new_tab()?;
        self.lock()
            .clients
            .insert(tab.session.clone(), client.to_string());
        self.navigate(&tab.session, url)?;
        self.tabs.insert(client.to_string(), tab);
        Ok(())
    }

    fn reload(&mut self, client: &str) -> Result<(), CaptureError> {
        let session = self.tab(client)?.session.clone();
        let before = self.loads(&session);
        // ignoreCache: true would be a shift-reload, which bypasses the worker.
        self.call("Page.reload", json!({"ignoreCache": false}), Some(&session))?;
        self.wait_load(&session, before)
    }

    fn navigate_to(&mut self, client: &str, url: &str) -> Result<(), CaptureError> {
        let session = self.tab(client)?.session.clone();
        self.navigate(&session, url)
    }

    fn close(&mut self, client: &str) -> Result<(), CaptureError> {
        let target = self.tab(client)?.target.clone();
        self.call("Target.closeTarget", json!({"targetId": target}), None)?;
        self.tabs.remove(client);
        Ok(())
    }

    fn eval(&mut self, client: &str, expr: &str) -> Result<(), CaptureError> {
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

    fn running_workers(&self) -> Vec<String> {
        self.lock()
            .versions
            .iter()
            .filter(|(_, (_, r))| r == "running" || r == "starting")
            .map(|(vid, _)| super::map::worker_id(vid))
            .collect()
    }

    fn stop_workers(&mut self) -> Result<(), CaptureError> {
        let ob = self.observer.clone();
        self.call("ServiceWorker.stopAllWorkers", json!({}), Some(&ob))
            .map(drop)
    }

    fn set_offline(&mut self, offline: bool) -> Result<(), CaptureError> {
        let session = self.sw_session()?;
        self.call(
            "Network.emulateNetworkConditions",
            json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
            Some(&session),
        )
        .map(drop)
    }

    fn grant(&mut self, permission: Permission) -> Result<(), CaptureError> {
        let name = permission_type(permission);
        self.call(
            "Browser.grantPermissions",
            json!({"origin": self.origin, "permissions": [name]}),
            None,
        )
        .map(drop)
    }

    fn set_permission(
        &mut self,
        permission: Permission,
        state: PermissionState,
    ) -> Result<(), CaptureError> {
        // `Browser.setPermission` takes a permission descriptor's name (the Permissions API's,
        // not `grantPermissions`' camel-case type names).
        let name = match permission {
            Permission::Push => "notifications",
            Permission::BackgroundSync => "background-sync",
            Permission::PeriodicBackgroundSync => "periodic-background-sync",
            Permission::BackgroundFetch => "background-fetch",
        };
        let setting = match state {
            PermissionState::Granted => "granted",
            PermissionState::Denied => "denied",
        };
        self.call(
            "Browser.setPermission",
            json!({"origin": self.origin, "permission": {"name": name}, "setting": setting}),
            None,
        )
        .map(drop)
    }

    fn dispatch_periodic_sync(&mut self, tag: &str) -> Result<(), CaptureError> {
        let reg = self.registration()?;
        let ob = self.observer.clone();
        self.call(
            "ServiceWorker.dispatchPeriodicSyncEvent",
            json!({"origin": self.origin, "registrationId": reg, "tag": tag}),
            Some(&ob),
        )
        .map(drop)
    }

    fn push(&mut self, data: &str) -> Result<(), CaptureError> {
        let reg = self.registration()?;
        let ob = self.observer.clone();
        self.call(
            "ServiceWorker.deliverPushMessage",
            json!({"origin": self.origin, "registrationId": reg, "data": data}),
            Some(&ob),
        )
        .map(drop)
    }

    fn trusted_click(&mut self, client: &str) -> Result<(), CaptureError> {
        let session = self.tab(client)?.session.clone();
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": 10, "y": 10, "button": "left", "clickCount": 1}),
                Some(&session),
            )?;
        }
        Ok(())
    }
}
