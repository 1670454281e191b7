//! The worker's own `self.registration.update()` (§update() from a ServiceWorkerGlobalScope):
//! the worker script logs the call (`{"ev":"update","where":…}`) and its settlement
//! (`{"ev":"update_settled","ok":…,"error":…}`), which become `worker_update` and
//! `worker_call_settled` with call `update`.

use super::page::call_outcome;
use super::{s, O};
use serde_json::Value;
use swspec_model::observe::WorkerCall;

/// The observation of a worker's `update` or `update_settled` record, if it is one (and a
/// settlement's error is a name the vocabulary has).
pub(super) fn obs(worker: String, d: &Value) -> Option<O> {
    match s(d, "ev") {
        "update" => Some(O::WorkerUpdate { worker }),
        "update_settled" => call_outcome(d).map(|outcome| O::WorkerCallSettled {
            worker,
            call: WorkerCall::Update,
            outcome,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use swspec_model::observe::CallOutcome;

    /// Records lifted from traces/chromium-156/update-from-active-worker.jsonl and
    /// update-from-installing-worker.jsonl.
    #[test]
    fn worker_update_and_its_settlement_map() {
        let w = || "sw-0".to_string();
        let call =
            json!({"ev":"update","inst":"ogxpo8et","t_js":1796193744079.7,"v":1,"where":"message"});
        assert_eq!(obs(w(), &call), Some(O::WorkerUpdate { worker: w() }));
        let settled = |outcome| {
            Some(O::WorkerCallSettled {
                worker: w(),
                call: WorkerCall::Update,
                outcome,
            })
        };
        let ok = json!({"ev":"update_settled","inst":"ogxpo8et","ok":true,"same":true,"v":1,"value":"registration","where":"message"});
        assert_eq!(obs(w(), &ok), settled(CallOutcome::Resolved));
        let rejected = json!({"error":"InvalidStateError","ev":"update_settled","inst":"xpscdmz7","message":"Failed to update a ServiceWorker","ok":false,"v":1,"where":"install"});
        assert_eq!(obs(w(), &rejected), settled(CallOutcome::InvalidStateError));
        let unknown = json!({"error":"SecurityError","ev":"update_settled","ok":false,"v":1});
        assert_eq!(obs(w(), &unknown), None);
        assert_eq!(obs(w(), &json!({"ev":"claim","v":1})), None);
    }
}
