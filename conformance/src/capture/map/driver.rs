//! The observation of a driver record (a step the harness took).
//!
//! Most steps carry their observation (`obs`, written by the driver as it took the step). A
//! `bg_fetch` step's is derived again from the step (what the page passed and what the server
//! serves, [`Step::bg_fetch_observation`]), so traces captured before the observation carried
//! `download_total` gain it. A
//! `post_message` step's is derived from the step itself: captures made before the vocabulary
//! had a `to` wrote none for a message to a worker other than the controller. The step's `to`
//! names the worker (`registration.installing`, `.waiting`, `.active`, or the controller by
//! default), and the page's `postMessage` call record, when it says the call failed (no such
//! worker, no controller), shows that nothing was posted.

use super::super::scenario::Step;
use super::super::server::{RecSrc, Record};
use super::O;
use serde_json::Value;
use swspec_model::MessageTarget;

/// The observation driver record `records[i]` shows, if any.
pub(super) fn driver_obs(records: &[Record], i: usize) -> Option<O> {
    let r = &records[i];
    let step = r.data.get("step");
    if step.and_then(|s| s.get("do")).and_then(Value::as_str) == Some("post_message") {
        return post_message(records, r, step?);
    }
    let parsed = step.and_then(|s| serde_json::from_value::<Step>(s.clone()).ok());
    if let Some(obs) = parsed.and_then(|s| s.bg_fetch_observation()) {
        return Some(obs);
    }
    r.data
        .get("obs")
        .and_then(|o| serde_json::from_value::<O>(o.clone()).ok())
}

/// A `post_message` step's observation: `to` from the step, none if the call failed.
fn post_message(records: &[Record], r: &Record, step: &Value) -> Option<O> {
    let client = step.get("client")?.as_str()?.to_string();
    let to = match step.get("to") {
        None | Some(Value::Null) => MessageTarget::Controller,
        Some(v) => serde_json::from_value(v.clone()).ok()?,
    };
    // The page's settlement of this call comes before the driver's next step.
    let next = records
        .iter()
        .filter(|n| n.src == RecSrc::Driver && n.t > r.t && n.data.get("step").is_some())
        .map(|n| n.t)
        .fold(f64::INFINITY, f64::min);
    let failed = records.iter().any(|p| {
        p.t > r.t
            && p.t < next
            && p.src == RecSrc::Page(client.clone())
            && p.data.get("ev").and_then(Value::as_str) == Some("call")
            && p.data.get("name").and_then(Value::as_str) == Some("postMessage")
            && p.data.get("ok").and_then(Value::as_bool) == Some(false)
    });
    (!failed).then_some(O::PostMessage { client, to })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(t: f64, src: RecSrc, data: Value) -> Record {
        Record { t, src, data }
    }

    fn step(t: f64, to: Option<&str>) -> Record {
        let mut s = json!({"client": "c1", "cmd": "ping", "do": "post_message", "ms": null});
        if let Some(to) = to {
            s["to"] = json!(to);
        }
        rec(t, RecSrc::Driver, json!({"obs": null, "step": s}))
    }

    fn call(t: f64, ok: bool) -> Record {
        rec(
            t,
            RecSrc::Page("c1".into()),
            json!({"ev": "call", "name": "postMessage", "ok": ok}),
        )
    }

    #[test]
    fn a_post_message_step_names_its_worker() {
        for (to, want) in [
            (None, MessageTarget::Controller),
            (Some("controller"), MessageTarget::Controller),
            (Some("installing"), MessageTarget::Installing),
            (Some("waiting"), MessageTarget::Waiting),
            (Some("active"), MessageTarget::Active),
        ] {
            let recs = [step(1.0, to), call(2.0, true)];
            let o = O::PostMessage {
                client: "c1".into(),
                to: want,
            };
            assert_eq!(driver_obs(&recs, 0), Some(o), "{to:?}");
        }
    }

    #[test]
    fn a_failed_call_posts_nothing_and_a_later_failure_is_another_calls() {
        let recs = [step(1.0, Some("waiting")), call(2.0, false)];
        assert_eq!(driver_obs(&recs, 0), None);
        let later = [
            step(1.0, Some("waiting")),
            step(3.0, Some("active")),
            call(4.0, false),
        ];
        assert!(driver_obs(&later, 0).is_some());
        assert_eq!(driver_obs(&later, 1), None);
    }

    #[test]
    fn an_unknown_target_is_no_observation() {
        assert_eq!(driver_obs(&[step(1.0, Some("nobody"))], 0), None);
    }

    #[test]
    fn other_steps_keep_their_recorded_observation() {
        let r = rec(
            1.0,
            RecSrc::Driver,
            json!({"obs": {"type": "update", "client": "c1"}, "step": {"do": "update", "client": "c1"}}),
        );
        let o = O::Update {
            client: "c1".into(),
        };
        assert_eq!(driver_obs(&[r], 0), Some(o));
    }
}
