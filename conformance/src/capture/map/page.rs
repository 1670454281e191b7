//! The observations of a page's records: controller changes, job settlements and the
//! settlements of the calls the vocabulary names.

use super::{s, O};
use serde_json::Value;
use swspec_model::observe::{CallOutcome, JobCall, JobOutcome, PageCall};

pub(super) fn page_obs(client: &str, d: &Value, unmapped: &mut Vec<String>) -> Option<O> {
    let client = client.to_string();
    match s(d, "ev") {
        "controllerchange" => Some(O::ControllerChange { client }),
        "call" => call_obs(client, d, unmapped),
        "job" => {
            let ok = d.get("ok").and_then(Value::as_bool).unwrap_or(false);
            let call = match s(d, "call") {
                "register" => JobCall::Register,
                "update" => JobCall::Update,
                "unregister" => JobCall::Unregister,
                "sync.getTags" => {
                    let mut tags: Vec<String> = d
                        .get("value")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .map(String::from)
                                .collect()
                        })
                        .unwrap_or_default();
                    tags.sort();
                    return ok.then_some(O::SyncTags { client, tags });
                }
                _ => return None,
            };
            let outcome = if ok {
                match (call, d.get("value")) {
                    (JobCall::Unregister, Some(Value::Bool(true))) => JobOutcome::UnregisteredTrue,
                    (JobCall::Unregister, _) => JobOutcome::UnregisteredFalse,
                    _ => JobOutcome::Registration,
                }
            } else {
                match s(d, "error") {
                    "TypeError" => JobOutcome::TypeError,
                    "InvalidStateError" => JobOutcome::InvalidStateError,
                    other => {
                        unmapped.push(format!(
                            "{client}: {call:?} rejected with {other}, which the vocabulary lacks"
                        ));
                        return None;
                    }
                }
            };
            Some(O::JobSettled {
                client,
                call,
                outcome,
            })
        }
        _ => None,
    }
}

/// The page call of a `call` record's `name`, for the calls the vocabulary settles (`fetch`,
/// `backgroundFetch.abort`, `getIds` and `permissions.query` are informational).
fn page_call(name: &str) -> Option<PageCall> {
    Some(match name {
        "sync.register" => PageCall::SyncRegister,
        "periodicSync.register" => PageCall::PeriodicSyncRegister,
        "periodicSync.unregister" => PageCall::PeriodicSyncUnregister,
        "pushManager.subscribe" => PageCall::Subscribe,
        "backgroundFetch.fetch" => PageCall::BackgroundFetch,
        _ => return None,
    })
}

/// A call's outcome from its record's `ok` and `error` (the exception's `name`); `None` for an
/// error name the vocabulary lacks.
pub(super) fn call_outcome(d: &Value) -> Option<CallOutcome> {
    if d.get("ok").and_then(Value::as_bool).unwrap_or(false) {
        return Some(CallOutcome::Resolved);
    }
    let name = s(d, "error");
    CallOutcome::REJECTIONS
        .iter()
        .find(|(dom, _)| *dom == name)
        .map(|(_, o)| *o)
}

/// A page's `call` record: the settlement of a call the vocabulary names.
fn call_obs(client: String, d: &Value, unmapped: &mut Vec<String>) -> Option<O> {
    let call = page_call(s(d, "name"))?;
    let Some(outcome) = call_outcome(d) else {
        unmapped.push(format!(
            "{client}: {} rejected with {}, which the vocabulary lacks",
            s(d, "name"),
            s(d, "error")
        ));
        return None;
    };
    Some(O::CallSettled {
        client,
        call,
        outcome,
    })
}
