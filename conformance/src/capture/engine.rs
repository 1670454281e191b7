//! The engines the harness drives ([`Engine`]) and what the shared harness needs to know of
//! each: its default binary, its profile, whether its worker must report a heartbeat, which
//! scenario steps its automation cannot take, and which observation kinds its traces report
//! completely ([`observes`]). The engine adapters (`chromium`, `firefox`, `webkit`) build on
//! this; nothing here depends on them.

use super::scenario::Step;
use serde_json::Value;
use swspec_model::{Observation, Profile};

/// How often the worker reports it is alive (ms) where the engine exposes no running status
/// (Firefox, WebKit). Default 500: a stop is then known to within half a second.
pub const HEARTBEAT_MS: u32 = 500;

/// The engines the harness drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// Debian's Chromium over DevTools.
    Chromium,
    /// Debian's Firefox ESR over WebDriver BiDi.
    Firefox,
    /// Debian's WebKitGTK (WebKitWebDriver + MiniBrowser) over WebDriver classic, under Xvfb.
    Webkit,
}

impl Engine {
    /// Every engine.
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::Webkit];

    /// Parses `--engine`.
    pub fn from_name(s: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.name() == s)
    }
    /// The engine's name in trace headers.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::Webkit => "webkit",
        }
    }
    /// The profile its traces are checked against.
    pub fn profile(self) -> Profile {
        match self {
            Engine::Chromium => Profile::Chromium,
            Engine::Firefox => Profile::Firefox,
            Engine::Webkit => Profile::Webkit,
        }
    }
    /// The browser (or driver) binary used unless `--browser` says otherwise: Debian's
    /// Chromium, Firefox ESR and WebKitWebDriver.
    pub fn default_binary(self) -> &'static str {
        match self {
            Engine::Chromium => "/usr/bin/chromium",
            Engine::Firefox => "/usr/bin/firefox-esr",
            Engine::Webkit => "/usr/bin/WebKitWebDriver",
        }
    }
    /// The resolution of `performance.now()` in the engine's pages and workers, in ms: a stamp
    /// `t_js` stands for a moment in `(t_js - r, t_js + r)`. Firefox and WebKit coarsen it to
    /// 1 ms (Firefox with jitter, so either side), Chromium to 0.1 ms without cross-origin
    /// isolation. The capture stamps a record at the latest of those moments, so a record is
    /// never placed before the driver step that caused it (a WebKit message event stamped
    /// 0.4 ms before the driver's `post_message` diverged).
    pub fn stamp_resolution_ms(self) -> f64 {
        match self {
            Engine::Chromium => 0.1,
            Engine::Firefox | Engine::Webkit => 1.0,
        }
    }
    /// How often the worker reports a heartbeat: only where the engine exposes no running
    /// status (see [`map`](super::map)). Firefox and WebKit: [`HEARTBEAT_MS`].
    pub fn heartbeat_ms(self) -> Option<u32> {
        match self {
            Engine::Chromium => None,
            Engine::Firefox | Engine::Webkit => Some(HEARTBEAT_MS),
        }
    }
    /// Why the engine's automation cannot take `step`, if it cannot: Firefox and WebKit have
    /// no command to stop a worker, emulate its network, grant permissions or inject events.
    pub fn lacks(self, step: &Step) -> Option<String> {
        if self == Engine::Chromium {
            return None;
        }
        let what = match step {
            Step::StopWorker => "stop a service worker",
            Step::GoOffline | Step::GoOnline => "take a service worker offline",
            Step::Grant { .. } => "grant a permission",
            Step::SetPermission { .. } => "set a permission",
            Step::DispatchPeriodicSync { .. } => "dispatch a periodicsync event",
            Step::Push { .. } => "deliver a push message",
            _ => return None,
        };
        Some(format!(
            "step `{}`: {}'s automation cannot {what}",
            step_name(step),
            self.name()
        ))
    }
}

/// A step's `do` name.
pub(super) fn step_name(step: &Step) -> String {
    serde_json::to_value(step)
        .ok()
        .and_then(|v| v.get("do").and_then(Value::as_str).map(String::from))
        .unwrap_or_default()
}

/// The observation kinds a capture of `engine` reports completely. `update_found` is left out:
/// only pages holding the registration object see it, so its count depends on the pages. So is
/// `state_change` where no DevTools reports version status (Firefox, WebKit): pages see state
/// changes only while one is open and holds the worker object. Their `running_status` comes
/// from the worker's heartbeat and instance ids ([`map`](super::map)).
pub fn observes(engine: Engine) -> Vec<String> {
    let partial: &[&str] = match engine {
        Engine::Chromium => &["update_found"],
        Engine::Firefox | Engine::Webkit => &["update_found", "state_change"],
    };
    Observation::<u8>::KINDS
        .iter()
        .filter(|k| !partial.contains(k))
        .map(|k| k.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observes_everything_but_update_found() {
        let o = observes(Engine::Chromium);
        assert!(!o.iter().any(|k| k == "update_found"));
        assert_eq!(o.len(), Observation::<u8>::KINDS.len() - 1);
    }
}
