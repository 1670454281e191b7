//! The Firefox engine: Debian's `firefox-esr`, headless, driven over WebDriver BiDi, which
//! Firefox speaks itself when started with `--remote-debugging-port` (no geckodriver).
//!
//! Client tabs report through the console (BiDi `log.entryAdded`), never through fetch. Firefox
//! exposes no worker running status to automation, so the worker reports a heartbeat
//! ([`HEARTBEAT_MS`](super::HEARTBEAT_MS)) and a new instance id on every script evaluation; [`super::map`] turns
//! them into running-status observations. Prefs come from the scenario's `firefox_prefs` and are
//! written to a fresh profile's `user.js`; the worker timeouts among them set the trace's
//! profile parameters ([`profile_params`]).

use super::cdp::{Cdp, CdpEvent};
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
use std::time::Duration;

/// How long one BiDi command may take.
const CALL: Duration = Duration::from_secs(15);

/// Prefs every capture sets: no first-run pages, telemetry, updates or background network.
/// Worker timeouts are left at their defaults unless a scenario sets them.
fn base_prefs() -> Vec<(&'static str, Value)> {
    vec![
        ("browser.shell.checkDefaultBrowser", json!(false)),
        ("browser.startup.homepage_override.mstone", json!("ignore")),
        ("browser.aboutwelcome.enabled", json!(false)),
        ("datareporting.policy.dataSubmissionEnabled", json!(false)),
        ("datareporting.healthreport.uploadEnabled", json!(false)),
        ("toolkit.telemetry.reportingpolicy.firstRun", json!(false)),
        ("app.update.disabledForTesting", json!(true)),
        ("app.update.auto", json!(false)),
        ("extensions.update.enabled", json!(false)),
        ("network.connectivity-service.enabled", json!(false)),
        ("network.captive-portal-service.enabled", json!(false)),
        ("browser.safebrowsing.update.enabled", json!(false)),
        ("browser.safebrowsing.malware.enabled", json!(false)),
        ("browser.safebrowsing.phishing.enabled", json!(false)),
        ("browser.newtabpage.enabled", json!(false)),
    ]
}

/// The profile parameters the scenario's prefs change: `dom.serviceWorkers.idle_timeout` and
/// `idle_extended_timeout` (ms). A pending `waitUntil` is cut off after both, so they also set
/// the event timeouts (dom/serviceworkers/ServiceWorkerPrivate.cpp).
pub fn profile_params(prefs: &BTreeMap<String, Value>) -> BTreeMap<String, f64> {
    let set = |name: &str| prefs.get(name).and_then(Value::as_f64);
    let idle = set("dom.serviceWorkers.idle_timeout");
    let extended = set("dom.serviceWorkers.idle_extended_timeout");
    if idle.is_none() && extended.is_none() {
        return BTreeMap::new();
    }
    let defaults = swspec_model::Profile::Firefox.params();
    let idle = idle.or(defaults.idle_timeout_ms).unwrap_or(30_000.0);
    let extended = extended
        .or(defaults.idle_extended_timeout_ms)
        .unwrap_or(30_000.0);
    [
        ("idle_timeout_ms", idle),
        ("idle_extended_timeout_ms", extended),
        ("event_timeout_ms", idle + extended),
        ("push_event_timeout_ms", idle + extended),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// A running Firefox with its BiDi session.
struct Browser {
    group: Group,
    watch: Watch,
    bidi: Cdp,
    version: String,
}

impl Browser {
    fn launch(
        binary: &Path,
        prefs: &[(String, Value)],
        on_event: impl Fn(CdpEvent) + Send + 'static,
        scratch: &Scratch,
    ) -> Result<Browser, CaptureError> {
        process::check_binary("Firefox", binary, "firefox-esr")?;
        let profile = scratch.profile();
        let user_js: String = prefs
            .iter()
            .map(|(k, v)| format!("user_pref({}, {v});\n", json!(k)))
            .collect();
        std::fs::write(profile.join("user.js"), user_js)
            .map_err(|e| CaptureError::Setup(format!("cannot write user.js: {e}")))?;
        let mut cmd = scratch.command(binary);
        cmd.args([
            "--headless",
            "--no-remote",
            "--remote-debugging-port=0",
            "--profile",
        ])
        .arg(&profile)
        .arg("about:blank")
        .env("MOZ_CRASHREPORTER_DISABLE", "1");
        let (group, url) = Group::spawn(
            cmd,
            "Firefox",
            &scratch.log("firefox.stderr"),
            Some(|line| {
                line.strip_prefix("WebDriver BiDi listening on ")
                    .map(|u| format!("{}/session", u.trim()))
            }),
            Duration::from_secs(60),
        )?;
        let watch = group.watch();
        let url = url.unwrap_or_default();
        let bidi = Cdp::connect(&url, on_event).map_err(CaptureError::Setup)?;
        let caps = bidi
            .call("session.new", json!({"capabilities": {}}), None, CALL)
            .map_err(CaptureError::Setup)?;
        let version = caps["capabilities"]["browserVersion"]
            .as_str()
            .unwrap_or("")
            .to_string();
        Ok(Browser {
            group,
            watch,
            bidi,
            version,
        })
    }

    fn shutdown(&mut self) {
        let _ = self
            .bidi
            .call("session.end", json!({}), None, Duration::from_secs(2));
        self.bidi.close();
        self.group.kill();
    }
}

/// BiDi browsing context → client name, shared with the event handler.
type Contexts = Arc<Mutex<BTreeMap<String, String>>>;

fn on_event(rec: &Recorder, contexts: &Contexts, ev: CdpEvent) {
    if ev.method != "log.entryAdded" {
        return;
    }
    let p = &ev.params;
    let text = p["text"].as_str().unwrap_or("");
    let Some(body) = text.strip_prefix("SWSPEC ") else {
        return;
    };
    let context = p["source"]["context"].as_str().unwrap_or("");
    let client = contexts
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(context)
        .cloned();
    if let (Some(client), Ok(data)) = (client, serde_json::from_str::<Value>(body)) {
        let t = data["t_js"]
            .as_f64()
            .map_or_else(|| rec.clock.now(), |t| rec.clock.from_epoch(t));
        rec.push_at(t, RecSrc::Page(client), data);
    }
}

/// The prefs of a capture: the base set, then the scenario's.
pub fn prefs_of(scenario: &Scenario) -> Vec<(String, Value)> {
    let mut prefs: BTreeMap<String, Value> = base_prefs()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    prefs.extend(scenario.firefox_prefs.clone());
    prefs.into_iter().collect()
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
    let contexts: Contexts = Arc::default();
    let (h_rec, h_contexts) = (rec.clone(), contexts.clone());
    let prefs = prefs_of(scenario);
    let mut browser = Browser::launch(
        binary,
        &prefs,
        move |ev| on_event(&h_rec, &h_contexts, ev),
        scratch,
    )?;
    session.engine_version = browser.version.clone();
    session
        .settings
        .insert("prefs".into(), json!(scenario.firefox_prefs.clone()));
    let params = profile_params(&scenario.firefox_prefs);
    if !params.is_empty() {
        session
            .settings
            .insert("profile_params".into(), json!(params));
    }
    let mut driver = Driver {
        bidi: &browser.bidi,
        watch: browser.watch.clone(),
        contexts,
        tabs: BTreeMap::new(),
    };
    let result = driver
        .bidi("session.subscribe", json!({"events": ["log.entryAdded"]}))
        .and_then(|_| super::drive::run(scenario, Engine::Firefox, &mut driver, &rec, &server));
    browser.shutdown();
    result
}

struct Driver<'a> {
    bidi: &'a Cdp,
    watch: Watch,
    contexts: Contexts,
    /// Client name → browsing context.
    tabs: BTreeMap<String, String>,
}

impl Driver<'_> {
    fn bidi(&self, method: &str, params: Value) -> Result<Value, CaptureError> {
        self.alive()?;
        self.bidi.call(method, params, None, CALL).map_err(|e| {
            // A closed connection is most often the browser gone: say that, with its status.
            self.watch
                .check_within(Duration::from_millis(500))
                .err()
                .unwrap_or(CaptureError::Browser(e))
        })
    }

    fn context(&self, client: &str) -> Result<String, CaptureError> {
        self.tabs
            .get(client)
            .cloned()
            .ok_or_else(|| CaptureError::Scenario(format!("client `{client}` is not open")))
    }
}

impl Ops for Driver<'_> {
    fn alive(&self) -> Result<(), CaptureError> {
        self.watch.check()?;
        if self.bidi.is_closed() {
            return Err(self
                .watch
                .check_within(Duration::from_millis(500))
                .err()
                .unwrap_or_else(|| {
                    CaptureError::Browser("Firefox closed the WebDriver BiDi connection".into())
                }));
        }
        Ok(())
    }

    fn open(&mut self, client: &str, url: &str) -> Result<(), CaptureError> {
        let r = self.bidi("browsingContext.create", json!({"type": "tab"}))?;
        let context = r["context"].as_str().unwrap_or("").to_string();
        self.contexts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(context.clone(), client.to_string());
        self.bidi(
            "browsingContext.navigate",
            json!({"context": context, "url": url, "wait": "complete"}),
        )?;
        self.tabs.insert(client.to_string(), context);
        Ok(())
    }

    fn reload(&mut self, client: &str) -> Result<(), CaptureError> {
        // Not `ignoreCache`: a cache-bypassing reload also bypasses the worker.
        let context = self.context(client)?;
        self.bidi(
            "browsingContext.reload",
            json!({"context": context, "wait": "complete"}),
        )
        .map(drop)
    }

    fn navigate_to(&mut self, client: &str, url: &str) -> Result<(), CaptureError> {
        let context = self.context(client)?;
        self.bidi(
            "browsingContext.navigate",
            json!({"context": context, "url": url, "wait": "complete"}),
        )
        .map(drop)
    }

    fn close(&mut self, client: &str) -> Result<(), CaptureError> {
        let context = self.context(client)?;
        self.bidi("browsingContext.close", json!({"context": context}))?;
        self.tabs.remove(client);
        Ok(())
    }

    fn eval(&mut self, client: &str, expr: &str) -> Result<(), CaptureError> {
        let context = self.context(client)?;
        let r = self.bidi(
            "script.evaluate",
            json!({"expression": expr, "target": {"context": context}, "awaitPromise": false}),
        )?;
        if r["type"] == "exception" {
            return Err(CaptureError::Scenario(format!(
                "`{expr}` threw in {client}: {}",
                r["exceptionDetails"]
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_timeout_prefs_set_the_profile_params() {
        assert!(profile_params(&BTreeMap::new()).is_empty());
        let prefs = BTreeMap::from([("dom.serviceWorkers.idle_timeout".to_string(), json!(3000))]);
        let p = profile_params(&prefs);
        assert_eq!(p["idle_timeout_ms"], 3000.0);
        assert_eq!(p["idle_extended_timeout_ms"], 30_000.0);
        assert_eq!(p["event_timeout_ms"], 33_000.0);
        for name in p.keys() {
            assert!(crate::check::param_override(name).is_ok(), "{name}");
        }
    }
}
