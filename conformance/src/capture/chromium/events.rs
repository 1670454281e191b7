//! Chromium's DevTools events as records: the observer tab's `ServiceWorker` and
//! `BackgroundService` events (registrations, versions with their status and running status,
//! background service events) and the client tabs' console lines, each written to the recorder
//! with the source it came from.

use super::Shared;
use crate::capture::cdp::CdpEvent;
use crate::capture::server::{RecSrc, Recorder};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Records one DevTools event `ev`; `served` is the script version the server serves now.
pub(super) fn on_event(
    rec: &Recorder,
    shared: &Mutex<Shared>,
    served: &dyn Fn() -> u32,
    ev: CdpEvent,
) {
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
