//! The bounds and vocabulary a scenario's values keep to, checked when the file is read (part of
//! [`Scenario::validate`](super::Scenario)): a wait that could never be satisfied, or a duration
//! that would hang the capture, is an error naming its field, not a capture that waits out its
//! timeout or never ends.

use super::{Scenario, Step};
use serde_json::Value;
use std::sync::OnceLock;

/// The longest the harness waits in one step (`wait.timeout_ms`, `sleep.ms`) or at the end
/// (`settle_ms`): one hour, in ms. The slowest scenario waits 6 minutes.
pub const MAX_WAIT_MS: u64 = 3_600_000;

/// The longest delay given to a worker's or page's timer (`install_ms`, `activate_ms`,
/// `sync_ms`, `post_message.ms`), in ms: `setTimeout`'s limit, 2^31 − 1 (a longer one fires at
/// once).
pub const MAX_TIMER_MS: u64 = 2_147_483_647;

/// The largest number passed to a page API (`min_interval_ms`, `download_total`): 2^53, the
/// largest integer a JavaScript number holds exactly.
pub const MAX_JS_INTEGER: u64 = 1 << 53;

/// The most URLs one background fetch may name (a trace counts its requests in a byte).
pub const MAX_BG_FETCH_URLS: usize = 255;

/// Checks every duration and count of `s` against its bound (and the profile parameters are
/// finite and ≥ 0: the checker's timers read them), and every `wait` against the observation
/// it waits for.
pub(super) fn check(s: &Scenario) -> Result<(), String> {
    at_most("settle_ms", s.settle_ms, MAX_WAIT_MS)?;
    for (key, v) in &s.profile_params {
        if !(v.is_finite() && *v >= 0.0) {
            return Err(format!(
                "field `profile_params.{key}`: {v} is not a finite number ≥ 0"
            ));
        }
    }
    for (key, b) in &s.version {
        for (name, ms) in [
            ("install_ms", b.install_ms),
            ("activate_ms", b.activate_ms),
            ("sync_ms", b.sync_ms),
        ] {
            if let Some(ms) = ms {
                at_most(&format!("version.{key}.{name}"), ms, MAX_TIMER_MS)?;
            }
        }
    }
    for (i, step) in s.step.iter().enumerate() {
        let field = |name: &str| format!("step[{i}].{name}");
        match step {
            Step::Wait { timeout_ms, .. } => {
                at_most(&field("timeout_ms"), *timeout_ms, MAX_WAIT_MS)?;
                wait_fields(step).map_err(|m| format!("field `step[{i}]`: {m}"))?;
            }
            Step::Sleep { ms } => at_most(&field("ms"), *ms, MAX_WAIT_MS)?,
            Step::PostMessage { ms: Some(ms), .. } => at_most(&field("ms"), *ms, MAX_TIMER_MS)?,
            Step::PeriodicSyncRegister {
                min_interval_ms: Some(ms),
                ..
            } => at_most(&field("min_interval_ms"), *ms, MAX_JS_INTEGER)?,
            Step::BgFetch {
                urls,
                download_total,
                ..
            } => {
                if urls.len() > MAX_BG_FETCH_URLS {
                    return Err(format!(
                        "field `{}`: {} URLs, more than the {MAX_BG_FETCH_URLS} a trace can count",
                        field("urls"),
                        urls.len()
                    ));
                }
                if let Some(total) = download_total {
                    at_most(&field("download_total"), *total, MAX_JS_INTEGER)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn at_most(field: &str, value: u64, max: u64) -> Result<(), String> {
    if value <= max {
        return Ok(());
    }
    Err(format!(
        "field `{field}`: {value} is over the limit of {max}"
    ))
}

/// The trace's JSON Schema, computed once: the observations' fields and their values.
fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(crate::trace::schema)
}

/// The trace schema's variant of observation `kind` (its `properties`).
fn variant(kind: &str) -> Option<&'static serde_json::Map<String, Value>> {
    schema()["$defs"]["Observation"]["oneOf"]
        .as_array()?
        .iter()
        .find(|v| v["properties"]["type"]["const"] == kind)?["properties"]
        .as_object()
}

/// The string values a property may take, when it is an enumeration (`WorkerState`, …).
fn allowed(property: &Value) -> Option<Vec<String>> {
    let def = property["$ref"].as_str()?.strip_prefix("#/$defs/")?;
    let def = &schema()["$defs"][def];
    let consts = def["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["const"].as_str().map(String::from));
    let enums = def["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from));
    let all: Vec<String> = consts.chain(enums).collect();
    (!all.is_empty()).then_some(all)
}

/// A `wait`'s fields against the observation it waits for: each field it matches on is a
/// field of that observation, with a value that observation can have (`state = "exploded"`
/// would wait out its timeout). `version` needs a worker observation.
fn wait_fields(step: &Step) -> Result<(), String> {
    let Step::Wait {
        obs,
        version,
        state,
        status,
        event,
        tag,
        client,
        ..
    } = step
    else {
        return Ok(());
    };
    let Some(props) = variant(obs) else {
        return Ok(()); // an unknown kind is refused before this
    };
    if version.is_some() && !props.contains_key("worker") {
        return Err(format!(
            "`version` needs an observation of a worker; `{obs}` has no worker"
        ));
    }
    let given = [
        ("state", state),
        ("status", status),
        ("event", event),
        ("tag", tag),
        ("client", client),
    ];
    for (name, value) in given {
        let Some(value) = value else { continue };
        let Some(property) = props.get(name) else {
            return Err(format!(
                "`{name}` can never match: a `{obs}` observation has no `{name}` field"
            ));
        };
        if let Some(values) = allowed(property) {
            if !values.iter().any(|v| v == value) {
                return Err(format!(
                    "`{name} = {value:?}` can never match: a `{obs}` has one of {}",
                    values.join(", ")
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::Scenario;
    use std::path::Path;

    fn parse(body: &str) -> Result<Scenario, String> {
        let text = format!("description = \"d\"\n{body}");
        Scenario::parse(Path::new("x.toml"), &text).map_err(|e| e.message)
    }

    const OPEN: &str = "[[step]]\ndo = \"open\"\nclient = \"c1\"\n";

    #[test]
    fn a_wait_that_can_never_match_is_refused() {
        let wait = |fields: &str| parse(&format!("{OPEN}[[step]]\ndo = \"wait\"\n{fields}\n"));
        assert!(wait("obs = \"state_change\"\nstate = \"activated\"").is_ok());
        assert!(wait("obs = \"functional_event\"\nevent = \"fetch\"\nversion = 1").is_ok());
        let e = wait("obs = \"state_change\"\nstate = \"exploded\"").expect_err("bad state");
        assert!(
            e.contains("step[1]") && e.contains("exploded") && e.contains("activated"),
            "{e}"
        );
        let e = wait("obs = \"running_status\"\nstate = \"activated\"").expect_err("no field");
        assert!(e.contains("has no `state` field"), "{e}");
        let e = wait("obs = \"bg_fetch_settled\"\ntag = \"f\"").expect_err("no tag");
        assert!(e.contains("has no `tag` field"), "{e}");
        let e = wait("obs = \"controller_change\"\nversion = 1").expect_err("no worker");
        assert!(e.contains("`version` needs"), "{e}");
    }

    #[test]
    fn durations_that_would_hang_the_capture_are_refused() {
        let max = u64::MAX;
        for (body, field) in [
            (
                format!("{OPEN}[[step]]\ndo = \"wait\"\nobs = \"skip_waiting\"\ntimeout_ms = {max}\n"),
                "step[1].timeout_ms",
            ),
            (format!("{OPEN}[[step]]\ndo = \"sleep\"\nms = {max}\n"), "step[1].ms"),
            (format!("settle_ms = {max}\n{OPEN}"), "settle_ms"),
            (
                format!("[version.1]\ninstall = \"slow\"\ninstall_ms = {max}\n{OPEN}"),
                "version.1.install_ms",
            ),
            (
                format!("{OPEN}[[step]]\ndo = \"post_message\"\nclient = \"c1\"\ncmd = \"busy\"\nms = {max}\n"),
                "step[1].ms",
            ),
        ] {
            let e = parse(&body).expect_err(field);
            assert!(e.contains(&format!("field `{field}`")) && e.contains("over the limit"), "{e}");
        }
        assert!(parse(&format!("settle_ms = {}\n{OPEN}", super::MAX_WAIT_MS)).is_ok());
        for v in ["nan", "-1.0", "inf"] {
            let e =
                parse(&format!("[profile_params]\nidle_timeout_ms = {v}\n{OPEN}")).expect_err(v);
            assert!(e.contains("profile_params.idle_timeout_ms"), "{e}");
        }
    }
}
