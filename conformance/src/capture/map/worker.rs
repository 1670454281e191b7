//! The observations of a worker's records: the events it fired and how their lifetimes
//! settled, and a background fetch's settlement read off the event's registration.

use super::page::call_outcome;
use super::{bg_result, failure_reason, named, s, O};
use serde_json::Value;
use swspec_model::observe::{CallOutcome, EventName, LifecycleEvent, WorkerCall};

/// The observation of a worker record, and for a background fetch event the settlement it
/// implies.
pub(super) fn worker_obs(worker: &str, d: &Value) -> (Option<O>, Option<O>) {
    let worker = worker.to_string();
    let obs = match s(d, "ev") {
        "install" => O::LifecycleEvent {
            worker,
            event: LifecycleEvent::Install,
        },
        "activate" => O::LifecycleEvent {
            worker,
            event: LifecycleEvent::Activate,
        },
        "skip_waiting" => O::SkipWaiting { worker },
        "claim" => O::Claim { worker },
        "skip_waiting_resolved" => O::WorkerCallSettled {
            worker,
            call: WorkerCall::SkipWaiting,
            outcome: CallOutcome::Resolved,
        },
        "claim_settled" => match call_outcome(d) {
            Some(outcome) => O::WorkerCallSettled {
                worker,
                call: WorkerCall::Claim,
                outcome,
            },
            None => return (None, None),
        },
        "settled" => match named::<EventName>(s(d, "event")) {
            Some(event) => O::WaitUntilSettled {
                worker,
                event,
                fulfilled: d.get("fulfilled").and_then(Value::as_bool).unwrap_or(false),
            },
            None => return (None, None),
        },
        "event" => {
            let Some(event) = named::<EventName>(s(d, "event")) else {
                return (None, None);
            };
            let is_bg = matches!(
                event,
                EventName::Backgroundfetchsuccess
                    | EventName::Backgroundfetchfail
                    | EventName::Backgroundfetchabort
                    | EventName::Backgroundfetchclick
            );
            let tag = match event {
                EventName::Sync | EventName::Periodicsync => Some(s(d, "tag").to_string()),
                _ if is_bg => Some(s(d, "id").to_string()),
                _ => None,
            };
            let last_chance = (event == EventName::Sync).then(|| {
                d.get("lastChance")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            });
            let settled = if is_bg && event != EventName::Backgroundfetchclick {
                match (
                    bg_result(s(d, "result")),
                    failure_reason(s(d, "failureReason")),
                ) {
                    (Some(result), Some(failure_reason)) => Some(O::BgFetchSettled {
                        id: s(d, "id").to_string(),
                        result,
                        failure_reason,
                    }),
                    _ => None,
                }
            } else {
                None
            };
            let o = O::FunctionalEvent {
                worker,
                event,
                tag,
                last_chance,
                // Only a fetch record has these; one captured before it carried a client has
                // none (the checker leaves it unchecked).
                client: d
                    .get("client")
                    .and_then(Value::as_str)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string),
                navigate: s(d, "mode") == "navigate",
                wait_until: d.get("extended").and_then(Value::as_bool).unwrap_or(false),
                notify: d.get("notify").and_then(Value::as_bool).unwrap_or(false),
            };
            return (settled, Some(o));
        }
        _ => return (None, super::worker_update::obs(worker, d)),
    };
    (None, Some(obs))
}
