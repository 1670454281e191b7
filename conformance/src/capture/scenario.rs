//! Scenario files: what a capture does, as data (`conformance/scenarios/*.toml`).
//!
//! A scenario has a description, the areas of the model it exercises, optional engine settings,
//! the behaviour of each service-worker script version it serves, and a list of steps. The
//! format is documented in `conformance/scenarios/README.md`; every field is checked (unknown
//! fields are errors naming the file, line and field).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use swspec_model::Permission;

pub mod limits;
mod places;
mod reach;
mod step;

pub use places::{Places, Where};
pub use reach::no_automation;
pub use step::{MessageCmd, Nav, Step, Target};

/// How a lifetime promise (`waitUntil`) of a handler ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Fulfils at once (default).
    #[default]
    Resolve,
    /// Rejects.
    Reject,
    /// Never settles.
    Hang,
    /// Fulfils after the matching `*_ms` delay.
    Slow,
}

/// What one version of the worker script does. Every field is optional; the defaults give a
/// worker whose handlers all succeed at once.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    /// The install event's `waitUntil` outcome (default `resolve`).
    #[serde(default)]
    pub install: Outcome,
    /// Delay for `install = "slow"` (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_ms: Option<u64>,
    /// The activate event's `waitUntil` outcome (default `resolve`).
    #[serde(default)]
    pub activate: Outcome,
    /// Delay for `activate = "slow"` (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activate_ms: Option<u64>,
    /// Where to call `self.skipWaiting()` (default nowhere; `true` is `["install"]`).
    #[serde(default, deserialize_with = "places::skip_waiting")]
    pub skip_waiting: Places,
    /// Where to call `self.clients.claim()` (default nowhere; `true` is `["activate"]`).
    #[serde(default, deserialize_with = "places::claim")]
    pub claim: Places,
    /// Where to call `self.registration.update()` from the worker's own global (default
    /// nowhere; in the install handler it rejects with InvalidStateError).
    #[serde(default)]
    pub update: Places,
    /// The sync handler rejects its first N attempts of each tag, then behaves as `sync`
    /// (default 0). Attempts are counted by the server, so they survive worker restarts.
    #[serde(default)]
    pub sync_failures: u32,
    /// The sync handler's outcome once the failures are used up (default `resolve`).
    #[serde(default)]
    pub sync: Outcome,
    /// Delay for `sync = "slow"` (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_ms: Option<u64>,
    /// The periodicsync handler's outcome (default `resolve`).
    #[serde(default)]
    pub periodicsync: Outcome,
    /// The push handler shows a notification (default false).
    #[serde(default)]
    pub push_notification: bool,
}

/// A scenario file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// One line: what it shows.
    pub description: String,
    /// Model areas it exercises (`lifecycle`, `update`, `events`, `termination`, `sync`,
    /// `periodic-sync`, `push`, `bgfetch`).
    #[serde(default)]
    pub areas: Vec<String>,
    /// Longer than the fast suite allows (minutes): captured once and committed, skipped by
    /// `--scenario all` unless `--slow` is given.
    #[serde(default)]
    pub slow: bool,
    /// Extra Chromium command-line flags (field trials and the like), recorded in the header.
    #[serde(default)]
    pub chromium_args: Vec<String>,
    /// Firefox prefs (`"dom.serviceWorkers.idle_timeout" = 3000`), written to the profile's
    /// `user.js` and recorded in the header; the worker timeouts among them set the trace's
    /// profile parameters for Firefox.
    #[serde(default)]
    pub firefox_prefs: BTreeMap<String, serde_json::Value>,
    /// Timer bounds the `chromium_args` change, by profile parameter (`sync_initial_retry_delay_ms`,
    /// …; see `check::param_override`), written to the header's `settings.profile_params` so
    /// the checker uses them.
    #[serde(default)]
    pub profile_params: BTreeMap<String, f64>,
    /// Quiet period (ms) the capture waits at the end, after the last step, for the trace to
    /// settle (default 1500).
    #[serde(default = "default_settle")]
    pub settle_ms: u64,
    /// Behaviour of each script version, keyed by version number (`[version.1]`).
    #[serde(default)]
    pub version: BTreeMap<String, Behaviour>,
    /// The steps (`[[step]]`), in order.
    pub step: Vec<Step>,
    /// The scenario's name: its file stem (not in the file).
    #[serde(skip)]
    pub name: String,
    /// Where it was read from.
    #[serde(skip)]
    pub path: PathBuf,
}

fn default_settle() -> u64 {
    1500
}

/// A scenario file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong, with its line and field when known.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Parses and validates a scenario file's text.
    pub fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        let fail = |message: String| ScenarioError {
            path: path.to_path_buf(),
            message,
        };
        let de = toml::Deserializer::parse(text).map_err(|e| fail(toml_message(text, &e)))?;
        let mut s: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            let inner = e.into_inner();
            fail(format!("field `{field}`: {}", toml_message(text, &inner)))
        })?;
        s.name = path
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        s.path = path.to_path_buf();
        s.validate().map_err(fail)?;
        Ok(s)
    }

    /// Reads and validates a scenario file.
    pub fn read(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            path: path.to_path_buf(),
            message: format!("cannot read: {e}"),
        })?;
        Scenario::parse(path, &text)
    }

    /// Every `*.toml` scenario in `dir`, sorted by name.
    pub fn load_dir(dir: &Path) -> Result<Vec<Scenario>, ScenarioError> {
        let entries = std::fs::read_dir(dir).map_err(|e| ScenarioError {
            path: dir.to_path_buf(),
            message: format!("cannot list scenarios: {e}"),
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        paths.iter().map(|p| Scenario::read(p)).collect()
    }

    /// The interfaces its steps need (`SyncManager`, `PeriodicSyncManager`,
    /// `BackgroundFetchManager`, `PushManager`), in that order, each once. A `sync_tags` step
    /// beside another API and no other Background Sync step is a barrier (a round trip through
    /// the registration), not a use of Background Sync: it adds no `SyncManager` (an engine
    /// lacking the other API cannot run the scenario anyway).
    pub fn needs(&self) -> Vec<&'static str> {
        let mut out = self.needs_but_sync_tags();
        let reads_tags = self.step.iter().any(|s| matches!(s, Step::SyncTags { .. }));
        if reads_tags && out.is_empty() {
            out.push("SyncManager");
        }
        out
    }

    /// [`Scenario::needs`] of every step but `sync_tags`.
    fn needs_but_sync_tags(&self) -> Vec<&'static str> {
        use Permission as P;
        let mut out = Vec::new();
        for step in &self.step {
            let need = match step {
                Step::SyncRegister { .. }
                | Step::GoOffline
                | Step::GoOnline
                | Step::Grant {
                    permission: P::BackgroundSync,
                }
                | Step::SetPermission {
                    permission: P::BackgroundSync,
                    ..
                } => "SyncManager",
                Step::PeriodicSyncRegister { .. }
                | Step::PeriodicSyncTags { .. }
                | Step::PeriodicSyncUnregister { .. }
                | Step::DispatchPeriodicSync { .. }
                | Step::Grant {
                    permission: P::PeriodicBackgroundSync,
                }
                | Step::SetPermission {
                    permission: P::PeriodicBackgroundSync,
                    ..
                } => "PeriodicSyncManager",
                Step::BgFetch { .. }
                | Step::BgFetchAbort { .. }
                | Step::BgFetchGet { .. }
                | Step::BgFetchIds { .. }
                | Step::Grant {
                    permission: P::BackgroundFetch,
                }
                | Step::SetPermission {
                    permission: P::BackgroundFetch,
                    ..
                } => "BackgroundFetchManager",
                Step::Push { .. }
                | Step::GetSubscription { .. }
                | Step::Grant {
                    permission: P::Push,
                }
                | Step::SetPermission {
                    permission: P::Push,
                    ..
                } => "PushManager",
                _ => continue,
            };
            if !out.contains(&need) {
                out.push(need);
            }
        }
        const ORDER: [&str; 4] = [
            "SyncManager",
            "PeriodicSyncManager",
            "BackgroundFetchManager",
            "PushManager",
        ];
        out.sort_by_key(|n| ORDER.iter().position(|o| o == n));
        out
    }

    /// Every version's behaviour, by version number.
    pub fn behaviours(&self) -> BTreeMap<u32, Behaviour> {
        self.version
            .iter()
            .filter_map(|(k, b)| k.parse::<u32>().ok().map(|v| (v, b.clone())))
            .collect()
    }

    /// The behaviour of script version `v` (the default behaviour if the file gives none).
    pub fn behaviour(&self, v: u32) -> Behaviour {
        self.version
            .get(&v.to_string())
            .cloned()
            .unwrap_or_default()
    }

    fn validate(&self) -> Result<(), String> {
        for key in self.version.keys() {
            if key.parse::<u32>().map_or(true, |v| v == 0) {
                return Err(format!(
                    "field `version.{key}`: a version key must be a number from 1"
                ));
            }
        }
        for key in self.profile_params.keys() {
            if let Err(e) = crate::check::param_override(key) {
                return Err(format!("field `profile_params.{key}`: {e}"));
            }
        }
        for (key, v) in &self.firefox_prefs {
            if !(v.is_boolean() || v.is_i64() || v.is_string()) {
                return Err(format!(
                    "field `firefox_prefs.{key}`: a pref is a boolean, an integer or a string"
                ));
            }
        }
        if self.step.is_empty() {
            return Err("field `step`: a scenario needs at least one step".into());
        }
        let mut open: Vec<&str> = Vec::new();
        // Clients whose tab shows a page out of scope (after `navigate`, `to = "out_of_scope"`):
        // only `navigate` and `close` apply to them.
        let mut away: Vec<&str> = Vec::new();
        for (i, step) in self.step.iter().enumerate() {
            let at = |m: String| format!("field `step[{i}]`: {m}");
            let needs_open = |c: &String| -> Result<(), String> {
                if open.contains(&c.as_str()) {
                    Ok(())
                } else if away.contains(&c.as_str()) {
                    Err(at(format!(
                        "client `{c}` is out of scope here (it navigated away)"
                    )))
                } else {
                    Err(at(format!("client `{c}` is not open here")))
                }
            };
            match step {
                Step::Open { client } => {
                    if !is_client_label(client) {
                        return Err(at(format!(
                            "client `{client}`: a client's name goes into its page's URL: 1 to 32 \
                             letters, digits, `-` or `_`"
                        )));
                    }
                    if open.contains(&client.as_str()) || away.contains(&client.as_str()) {
                        return Err(at(format!("client `{client}` is already open")));
                    }
                    open.push(client);
                }
                Step::Close { client } if away.contains(&client.as_str()) => {
                    away.retain(|c| c != client);
                }
                Step::Close { client } => {
                    needs_open(client)?;
                    open.retain(|c| c != client);
                }
                Step::Navigate { client, to } => {
                    let is_away = away.contains(&client.as_str());
                    if !is_away {
                        needs_open(client)?;
                    }
                    match (to, is_away) {
                        (Nav::OutOfScope, false) => {
                            open.retain(|c| c != client);
                            away.push(client);
                        }
                        (Nav::InScope, true) => {
                            away.retain(|c| c != client);
                            open.push(client);
                        }
                        (Nav::OutOfScope, true) => {
                            return Err(at(format!("client `{client}` is already out of scope")))
                        }
                        (Nav::InScope, false) => {}
                    }
                }
                Step::Reload { client }
                | Step::Register { client }
                | Step::Update { client }
                | Step::Unregister { client }
                | Step::PostMessage { client, .. }
                | Step::Fetch { client }
                | Step::SyncRegister { client, .. }
                | Step::SyncTags { client }
                | Step::PeriodicSyncRegister { client, .. }
                | Step::PeriodicSyncTags { client }
                | Step::PeriodicSyncUnregister { client, .. }
                | Step::GetRegistration { client }
                | Step::GetRegistrations { client }
                | Step::GetSubscription { client }
                | Step::BgFetchGet { client, .. }
                | Step::BgFetchIds { client }
                | Step::BgFetchAbort { client, .. } => needs_open(client)?,
                Step::Serve { version } if *version == 0 => {
                    return Err(at("versions are numbered from 1".into()))
                }
                Step::Wait { obs, count, .. } => {
                    if !swspec_model::Observation::<u8>::KINDS.contains(&obs.as_str()) {
                        return Err(at(format!("unknown observation type `{obs}`")));
                    }
                    if *count == 0 {
                        return Err(at("`count` must be at least 1".into()));
                    }
                }
                Step::BgFetch { client, urls, .. } => {
                    needs_open(client)?;
                    if urls.is_empty() {
                        return Err(at("`urls` must not be empty".into()));
                    }
                }
                _ => {}
            }
        }
        limits::check(self)
    }
}

/// A client name the harness can put in its page's URL as is (`page.html?client=<name>`).
fn is_client_label(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A TOML error with its 1-based line and column.
fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim().to_string();
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {col}: {msg}")
        }
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::parse(Path::new("x.toml"), text)
    }

    #[test]
    fn a_minimal_scenario_parses() {
        let s = parse(
            "description = \"d\"\n[version.1]\ninstall = \"hang\"\n\n[[step]]\ndo = \"open\"\nclient = \"c1\"\n\n[[step]]\ndo = \"register\"\nclient = \"c1\"\n",
        )
        .expect("parses");
        assert_eq!(s.behaviour(1).install, Outcome::Hang);
        assert_eq!(s.behaviour(2), Behaviour::default());
        assert_eq!(s.step.len(), 2);
    }

    #[test]
    fn errors_name_line_and_field() {
        let e =
            parse("description = \"d\"\n[[step]]\ndo = \"open\"\nclient = \"c1\"\ncolour = 3\n")
                .expect_err("unknown field");
        assert!(e.message.contains("line 2"), "{e}");
        assert!(e.message.contains("colour"), "{e}");
        let e = parse("description = \"d\"\n[[step]]\ndo = \"fly\"\n").expect_err("unknown step");
        assert!(e.message.contains("fly"), "{e}");
        let e = parse("description = \"d\"\n[[step]]\ndo = \"register\"\nclient = \"c1\"\n")
            .expect_err("client not open");
        assert!(
            e.message.contains("step[0]") && e.message.contains("not open"),
            "{e}"
        );
        let e = parse("description = \"d\"\n[[step]]\ndo = \"open\"\nclient = \"c1\"\n[[step]]\ndo = \"wait\"\nobs = \"teleported\"\n")
            .expect_err("unknown observation");
        assert!(e.message.contains("teleported"), "{e}");
        let e =
            parse("description = \"d\"\n[version.x]\n[[step]]\ndo = \"open\"\nclient = \"c\"\n")
                .expect_err("bad version key");
        assert!(e.message.contains("version.x"), "{e}");
    }

    #[test]
    fn worker_call_places_read_lists_and_the_old_booleans() {
        let s = parse("description = \"d\"\n[version.1]\nskip_waiting = true\nclaim = [\"install\", \"fetch\"]\nupdate = [\"install\"]\n[version.2]\nclaim = true\nskip_waiting = [\"eval\", \"activate\"]\n[[step]]\ndo = \"open\"\nclient = \"c\"\n")
            .expect("parses");
        let (b1, b2) = (s.behaviour(1), s.behaviour(2));
        assert_eq!(b1.skip_waiting, Places(vec![Where::Install]));
        assert_eq!(b1.claim, Places(vec![Where::Install, Where::Fetch]));
        assert!(b1.update.at(Where::Install) && !b2.update.at(Where::Install));
        assert_eq!(b2.claim, Places(vec![Where::Activate]));
        assert_eq!(b2.skip_waiting, Places(vec![Where::Eval, Where::Activate]));
        // The worker script reads them as lists of names.
        let v = serde_json::to_value(&b2).expect("serialises");
        assert_eq!(v["skip_waiting"], serde_json::json!(["eval", "activate"]));
        for (bad, field) in [
            ("claim = [\"nowhere\"]", "version.1.claim"),
            ("update = true", "version.1.update"),
            (
                "skip_waiting = [\"eval\", \"eval\"]",
                "version.1.skip_waiting",
            ),
        ] {
            let e = parse(&format!("description = \"d\"\n[version.1]\n{bad}\n[[step]]\ndo = \"open\"\nclient = \"c\"\n"))
                .expect_err(bad);
            assert!(e.message.contains(field), "{bad}: {e}");
        }
    }

    #[test]
    fn a_client_out_of_scope_only_navigates_back_or_closes() {
        let with = |steps: &str| {
            parse(&format!(
                "description = \"d\"\n[[step]]\ndo = \"open\"\nclient = \"c1\"\n{steps}"
            ))
        };
        let away = "[[step]]\ndo = \"navigate\"\nclient = \"c1\"\nto = \"out_of_scope\"\n";
        let back = "[[step]]\ndo = \"navigate\"\nclient = \"c1\"\nto = \"in_scope\"\n";
        let fetch = "[[step]]\ndo = \"fetch\"\nclient = \"c1\"\n";
        let close = "[[step]]\ndo = \"close\"\nclient = \"c1\"\n";
        assert!(with(&format!("{back}{away}{back}{fetch}{away}{close}")).is_ok());
        let e = with(&format!("{away}{fetch}")).expect_err("fetch out of scope");
        assert!(
            e.message.contains("step[2]") && e.message.contains("out of scope"),
            "{e}"
        );
        let e = with(&format!("{away}{away}")).expect_err("away twice");
        assert!(e.message.contains("already out of scope"), "{e}");
        let e = with("[[step]]\ndo = \"navigate\"\nclient = \"c1\"\nto = \"mars\"\n")
            .expect_err("bad target");
        assert!(
            e.message.contains("step[1]") && e.message.contains("mars"),
            "{e}"
        );
        let e = with("[[step]]\ndo = \"post_message\"\nclient = \"c1\"\nto = \"nobody\"\n")
            .expect_err("bad post_message target");
        assert!(e.message.contains("nobody"), "{e}");
    }

    #[test]
    fn the_new_getters_need_their_apis() {
        let with = |step: &str| {
            parse(&format!(
                "description = \"d\"\n[[step]]\ndo = \"open\"\nclient = \"c1\"\n[[step]]\ndo = \"{step}\"\nclient = \"c1\"\n"
            ))
            .expect("parses")
            .needs()
        };
        assert_eq!(with("periodic_sync_tags"), ["PeriodicSyncManager"]);
        assert_eq!(with("bg_fetch_ids"), ["BackgroundFetchManager"]);
        assert_eq!(with("get_subscription"), ["PushManager"]);
        assert!(with("get_registration").is_empty() && with("get_registrations").is_empty());
    }

    #[test]
    fn a_sync_tags_barrier_beside_another_api_needs_no_sync_manager() {
        let with = |steps: &str| {
            parse(&format!(
                "description = \"d\"\n[[step]]\ndo = \"open\"\nclient = \"c1\"\n{steps}"
            ))
            .expect("parses")
            .needs()
        };
        let tags = "[[step]]\ndo = \"sync_tags\"\nclient = \"c1\"\n";
        let fetch = "[[step]]\ndo = \"bg_fetch\"\nclient = \"c1\"\nid = \"f\"\nurls = [\"/a\"]\n";
        let sync = "[[step]]\ndo = \"sync_register\"\nclient = \"c1\"\ntag = \"t\"\n";
        assert_eq!(with(&format!("{fetch}{tags}")), ["BackgroundFetchManager"]);
        assert_eq!(with(tags), ["SyncManager"]);
        assert_eq!(
            with(&format!("{fetch}{sync}{tags}")),
            ["SyncManager", "BackgroundFetchManager"]
        );
        assert!(with("").is_empty());
    }
}
