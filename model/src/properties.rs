//! The named properties the checker verifies, each with the spec section it comes from.
//!
//! `always` properties are invariants that must hold in every reachable state; `sometimes`
//! properties name states that must be reachable (they prove the interesting behaviours are in
//! the model, and some of them witness spec findings). Liveness is not checked here: stateright's
//! `eventually` is unsound on cycles.

use crate::{ClientId, ControlledVia, JobPhase, SwModel, SwState, WorkerState};
use serde::{Deserialize, Serialize};

/// Whether a property is an invariant or a reachability goal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Must hold in every reachable state; a discovery is a counterexample.
    Always,
    /// Must hold in some reachable state; a discovery is an example.
    Sometimes,
}

/// A named property with its spec section and a one-line statement.
pub struct PropertyInfo {
    /// Name used in reports, tests and SPEC_NOTES.md.
    pub name: &'static str,
    /// Always or sometimes.
    pub kind: Kind,
    /// The spec section(s) it is derived from.
    pub spec: &'static str,
    /// What it says.
    pub summary: &'static str,
    /// The state predicate.
    pub condition: fn(&SwModel, &SwState) -> bool,
}

impl PropertyInfo {
    /// The stateright property.
    pub fn to_stateright(&self) -> stateright::Property<SwModel> {
        match self.kind {
            Kind::Always => stateright::Property::always(self.name, self.condition),
            Kind::Sometimes => stateright::Property::sometimes(self.name, self.condition),
        }
    }
}

/// Looks a property up by name.
pub fn property(name: &str) -> Option<&'static PropertyInfo> {
    PROPERTIES.iter().find(|p| p.name == name)
}

macro_rules! props {
    ($($kind:ident $name:ident [$spec:literal] $summary:literal $cond:expr;)*) => {
        /// Every property, in report order.
        pub static PROPERTIES: &[PropertyInfo] = &[$(PropertyInfo {
            name: stringify!($name),
            kind: Kind::$kind,
            spec: $spec,
            summary: $summary,
            condition: $cond,
        }),*];
    };
}

fn live_workers(s: &SwState) -> impl Iterator<Item = (u8, &crate::Worker)> {
    s.workers
        .iter()
        .enumerate()
        .map(|(i, w)| (i as u8, w))
        .filter(|(_, w)| w.state != WorkerState::Redundant)
}

fn slot_count(s: &SwState, w: u8) -> usize {
    s.registrations
        .iter()
        .flat_map(|r| r.slots())
        .filter(|x| *x == Some(w))
        .count()
}

fn active_state(s: &SwState, r: u8) -> Option<WorkerState> {
    s.reg(r).active.map(|a| s.worker(a).state)
}

props! {
    Always slot_state_coupling ["§Service Worker Registration (installing/waiting/active worker)"]
        "the installing worker is installing, the waiting worker installed, the active worker activating or activated"
        |_, s| s.registrations.iter().all(|r| {
            r.installing.is_none_or(|w| s.worker(w).state == WorkerState::Installing)
                && r.waiting.is_none_or(|w| s.worker(w).state == WorkerState::Installed)
                && r.active.is_none_or(|w| matches!(s.worker(w).state, WorkerState::Activating | WorkerState::Activated))
        });
    Always worker_in_at_most_one_slot ["§Service Worker Registration"]
        "no worker occupies two slots"
        |_, s| (0..s.workers.len() as u8).all(|w| slot_count(s, w) <= 1);
    Always redundant_worker_in_no_slot ["§Update Worker State; §Activate; §Install; §Clear Registration"]
        "a redundant worker is in no slot"
        |_, s| s.workers.iter().enumerate()
            .all(|(i, w)| w.state != WorkerState::Redundant || slot_count(s, i as u8) == 0);
    Always live_worker_in_its_slot ["§Install; §Activate; §Clear Registration"]
        "every worker that is not redundant sits in a slot of its own registration"
        |_, s| live_workers(s).all(|(i, w)| s.reg(w.registration).slots().contains(&Some(i)));
    Always worker_state_monotone ["§Update Worker State; §ServiceWorkerState"]
        "a worker's state only moves forward (parsed, installing, installed, activating, activated) and redundant is absorbing"
        |_, s| s.workers.iter().all(|w| w.state == w.furthest && w.state != WorkerState::Parsed);
    Always one_job_runs_at_a_time ["§Run Job; §Finish Job"]
        "only the front job of the scope's queue has started"
        |_, s| s.jobs.iter().skip(1).all(|j| j.phase == JobPhase::Queued);
    Always installing_worker_belongs_to_running_job ["§Install"]
        "a registration has an installing worker exactly while the running job installs it"
        |_, s| {
            let installing = s.jobs.first().and_then(|j| match j.phase {
                JobPhase::Installing { worker, .. } => Some(worker),
                _ => None,
            });
            let slots: Vec<u8> = s.registrations.iter().filter_map(|r| r.installing).collect();
            slots == installing.into_iter().collect::<Vec<_>>()
        };
    Always job_promise_settled_before_install_event ["§Install (Resolve Job Promise before the install event)"]
        "register()/update() resolve before the install event runs"
        |_, s| s.jobs.first().is_none_or(|j| !matches!(j.phase, JobPhase::Installing { .. }) || j.settled);
    Always no_install_into_unregistered_registration ["§Update (Get Registration); §Unregister"]
        "an installing worker's registration is in the registration map"
        |_, s| s.registrations.iter().enumerate()
            .all(|(i, r)| r.installing.is_none() || !s.is_unregistered(i as u8));
    Always failed_first_install_removes_registration ["§Install; §Update (If newestWorker is null, remove registration map[...])"]
        "the registration in the map has a worker, unless the running job is fetching its first script"
        |_, s| s.map_entry().is_none_or(|r| s.reg(r).newest().is_some()
            || s.jobs.first().is_some_and(|j| j.phase == JobPhase::Fetching { registration: r }));
    Always at_most_one_installed_worker ["§Install (a new install makes the waiting worker redundant)"]
        "a registration has at most one worker in state installed"
        |_, s| (0..s.registrations.len() as u8).all(|r| live_workers(s)
            .filter(|(_, w)| w.registration == r && w.state == WorkerState::Installed).count() <= 1);
    Always waiting_worker_newer_than_active ["§Install; §Activate"]
        "the waiting worker was created after the active worker"
        |_, s| s.registrations.iter().all(|r| match (r.waiting, r.active) {
            (Some(w), Some(a)) => w > a,
            _ => true,
        });
    Always no_activation_while_activating ["§Try Activate (If active worker's state is activating, return)"]
        "Activate never starts while the active worker is still activating"
        |_, s| s.registrations.iter().all(|r| !r.activated_over_activating);
    Always controller_is_active_worker ["§Handle Fetch; §Activate; §claim()"]
        "every client's controller is the active worker of its registration (possibly still activating)"
        |_, s| s.clients.iter().all(|c| c.controller.is_none_or(|w| {
            c.open && s.reg(s.worker(w).registration).active == Some(w)
        }));
    Always handover_requires_skip_waiting ["§Try Activate; §Activate (clients using the registration)"]
        "Activate only takes over clients (controllerchange) from a worker that called skipWaiting()"
        |_, s| s.clients.iter().all(|c| c.via != ControlledVia::Activate
            || c.controller.is_some_and(|w| s.worker(w).skip_waiting));
    Always map_entry_never_cleared ["§Unregister; §Try Clear Registration"]
        "Clear Registration only runs on unregistered registrations"
        |_, s| s.map_entry().is_none_or(|r| !s.reg(r).cleared);
    Always cleared_registration_unused ["§Try Clear Registration; §Clear Registration"]
        "a cleared registration has no worker and no client using it"
        |_, s| s.registrations.iter().enumerate().all(|(i, r)| !r.cleared
            || (r.newest().is_none() && s.clients_using(i as u8) == 0));
    Always terminated_workers_hold_no_extended_events ["§Terminate Service Worker (clear the set of extended events)"]
        "a redundant worker has no pending extended events"
        |_, s| s.workers.iter().all(|w| w.state != WorkerState::Redundant || w.pending_events == 0);

    Sometimes waiting_while_controlled ["§Install; §Try Activate"]
        "a worker waits while a client is controlled by the active worker"
        |_, s| s.registrations.iter().enumerate()
            .any(|(i, r)| r.waiting.is_some() && s.clients_using(i as u8) > 0);
    Sometimes waiting_blocked_by_last_client ["§Handle Service Worker Client Unload; §Try Activate"]
        "a waiting worker is held back only by one client; its unload would activate it"
        |_, s| s.registrations.iter().enumerate().any(|(i, r)| {
            r.waiting.is_some_and(|w| !s.worker(w).skip_waiting)
                && r.active.is_some_and(|a| s.worker(a).state == WorkerState::Activated && s.worker(a).pending_events == 0)
                && s.clients_using(i as u8) == 1
        });
    Sometimes skip_waiting_activation_with_controlled_client ["§skipWaiting(); §Activate"]
        "a worker that called skipWaiting() is activating and has taken over a client (controllerchange)"
        |_, s| s.clients.iter().any(|c| c.via == ControlledVia::Activate
            && c.controller.is_some_and(|w| s.worker(w).state == WorkerState::Activating));
    Sometimes activation_delayed_by_extended_event ["§Try Activate (Service Worker Has No Pending Events)"]
        "a waiting worker that called skipWaiting() is held back by the active worker's pending event"
        |_, s| s.registrations.iter().any(|r| r.waiting.is_some_and(|w| s.worker(w).skip_waiting)
            && r.active.is_some_and(|a| s.worker(a).pending_events > 0));
    Sometimes claim_during_activating ["§claim() (the active worker may be activating)"]
        "clients.claim() took over a client while the claiming worker is still activating"
        |_, s| s.clients.iter().any(|c| c.via == ControlledVia::Claim
            && c.controller.is_some_and(|w| s.worker(w).state == WorkerState::Activating));
    Sometimes coalesced_job ["§Schedule Job (equivalent jobs)"]
        "a job was coalesced into an equivalent job whose promise had not settled"
        |_, s| s.jobs.iter().any(|j| !j.equivalent.is_empty());
    Sometimes update_finds_identical_bytes ["§Update (hasUpdatedResources is false)"]
        "an update of an active registration fetches byte-identical script: it resolves and installs nothing"
        |_, s| s.jobs.first().is_some_and(|j| match j.phase {
            JobPhase::Fetching { registration } => SwModel::can_fetch_identical(s, registration)
                && s.reg(registration).active.is_some(),
            _ => false,
        });
    Sometimes unregistered_registration_still_controls ["§Unregister (clients keep using it until they unload)"]
        "an unregistered registration still controls a client"
        |_, s| (0..s.registrations.len() as u8).any(|r| s.is_unregistered(r) && s.clients_using(r) > 0);
    Sometimes register_after_unregister ["§Register (Set Registration); §Unregister"]
        "a new registration is in the map while the unregistered one still controls a client"
        |_, s| s.map_entry().is_some_and(|m| (0..s.registrations.len() as u8)
            .any(|r| r != m && s.clients_using(r) > 0) && active_state(s, m).is_some());
    Sometimes registration_cleared ["§Clear Registration"]
        "an unregistered registration was cleared once nothing used it"
        |_, s| s.registrations.iter().any(|r| r.cleared);
    Sometimes waiting_worker_stranded ["§Activate; §Try Activate (spec finding: nothing re-runs Try Activate after activation)"]
        "a waiting worker could activate (no client, active idle and activated) but no pending step will run Try Activate"
        |_, s| s.jobs.is_empty() && s.registrations.iter().enumerate().any(|(i, r)| {
            r.waiting.is_some_and(|w| !s.worker(w).skip_waiting && s.worker(w).pending_events == 0)
                && r.active.is_some_and(|a| s.worker(a).state == WorkerState::Activated && s.worker(a).pending_events == 0)
                && s.clients_using(i as u8) == 0
        });
}

/// Client ids as used in properties and reports.
pub type PropertyClient = ClientId;
