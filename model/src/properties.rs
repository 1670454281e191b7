//! The named properties the checker verifies, each with the spec section it comes from.
//!
//! `always` properties are invariants that must hold in every reachable state; `sometimes`
//! properties name states that must be reachable (they prove the interesting behaviours are in
//! the model, and some of them witness spec findings). Liveness is not checked here: stateright's
//! `eventually` is unsound on cycles.

use crate::observe::EventName;
use crate::{
    BgEventPhase, BgFetchCall, BgFetchRules, BgResult, ControlledVia, EventKind, FailureReason,
    ForcedStop, JobPhase, ModelConfig, Profile, RecordResult, RunningStatus, StopCause, SwModel,
    SwState, WorkerState,
};
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
    /// Whether the property is meaningful for a configuration (its feature is enabled, its
    /// profile has the behaviour). Properties that do not apply are not checked.
    pub applies: fn(&ModelConfig) -> bool,
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

/// The properties that apply to a configuration, in report order.
pub fn applicable(cfg: &ModelConfig) -> impl Iterator<Item = &'static PropertyInfo> + '_ {
    PROPERTIES.iter().filter(move |p| (p.applies)(cfg))
}

macro_rules! props {
    ($($kind:ident $name:ident [$spec:literal] if $applies:expr; $summary:literal $cond:expr;)*) => {
        /// Every property, in report order.
        pub static PROPERTIES: &[PropertyInfo] = &[$(PropertyInfo {
            name: stringify!($name),
            kind: Kind::$kind,
            spec: $spec,
            summary: $summary,
            condition: $cond,
            applies: $applies,
        }),*];
    };
}

mod predicates;
use predicates::*;

props! {
    Always slot_state_coupling ["§Service Worker Registration (installing/waiting/active worker)"] if always_applies;
        "the installing worker is installing, the waiting worker installed, the active worker activating or activated"
        |_, s| s.registrations.iter().all(|r| {
            r.installing.is_none_or(|w| s.worker(w).state == WorkerState::Installing)
                && r.waiting.is_none_or(|w| s.worker(w).state == WorkerState::Installed)
                && r.active.is_none_or(|w| matches!(s.worker(w).state, WorkerState::Activating | WorkerState::Activated))
        });
    Always worker_in_at_most_one_slot ["§Service Worker Registration"] if always_applies;
        "no worker occupies two slots"
        |_, s| (0..s.workers.len() as u8).all(|w| slot_count(s, w) <= 1);
    Always redundant_worker_in_no_slot ["§Update Worker State; §Activate; §Install; §Clear Registration"] if always_applies;
        "a redundant worker is in no slot"
        |_, s| s.workers.iter().enumerate()
            .all(|(i, w)| w.state != WorkerState::Redundant || slot_count(s, i as u8) == 0);
    Always live_worker_in_its_slot ["§Install; §Activate; §Clear Registration"] if always_applies;
        "every worker that is not redundant sits in a slot of its own registration, or is the new worker Update is evaluating"
        |_, s| live_workers(s).all(|(i, w)| s.reg(w.registration).slots().contains(&Some(i)) || evaluating(s) == Some(i));
    Always worker_state_monotone ["§Update Worker State; §ServiceWorkerState"] if always_applies;
        "a worker's state only moves forward (parsed, installing, installed, activating, activated), redundant is absorbing, and only the worker Update is evaluating is parsed"
        |_, s| s.workers.iter().enumerate().all(|(i, w)| w.state == w.furthest
            && (w.state != WorkerState::Parsed || evaluating(s) == Some(i as u8)));
    Always one_job_runs_at_a_time ["§Run Job; §Finish Job"] if always_applies;
        "only the front job of the scope's queue has started"
        |_, s| s.jobs.iter().skip(1).all(|j| j.phase == JobPhase::Queued);
    Always installing_worker_belongs_to_running_job ["§Install"] if always_applies;
        "a registration has an installing worker exactly while the running job installs it"
        |_, s| {
            let installing = s.installing_job_worker();
            let slots: Vec<u8> = s.registrations.iter().filter_map(|r| r.installing).collect();
            slots == installing.into_iter().collect::<Vec<_>>()
        };
    Always job_promise_settled_before_install_event ["§Install (Resolve Job Promise before the install event)"] if always_applies;
        "register()/update() resolve before the install event runs"
        |_, s| s.jobs.first().is_none_or(|j| !matches!(j.phase, JobPhase::Installing { .. }) || j.settled);
    Always no_install_into_unregistered_registration ["§Update (Get Registration); §Unregister"] if always_applies;
        "an installing worker's registration is in the registration map"
        |_, s| s.registrations.iter().enumerate()
            .all(|(i, r)| r.installing.is_none() || !s.is_unregistered(i as u8));
    Always failed_first_install_removes_registration ["§Install; §Update (If newestWorker is null, remove registration map[...])"] if always_applies;
        "the registration in the map has a worker, unless the running job is fetching its first script"
        |_, s| s.map_entry().is_none_or(|r| s.reg(r).newest().is_some()
            || s.jobs.first().is_some_and(|j| match j.phase {
                JobPhase::Fetching { registration } | JobPhase::Evaluating { registration, .. } => registration == r,
                _ => false,
            }));
    Always at_most_one_installed_worker ["§Install (a new install makes the waiting worker redundant)"] if always_applies;
        "a registration has at most one worker in state installed"
        |_, s| (0..s.registrations.len() as u8).all(|r| live_workers(s)
            .filter(|(_, w)| w.registration == r && w.state == WorkerState::Installed).count() <= 1);
    Always waiting_worker_newer_than_active ["§Install; §Activate"] if always_applies;
        "the waiting worker was created after the active worker"
        |_, s| s.registrations.iter().all(|r| match (r.waiting, r.active) {
            (Some(w), Some(a)) => w > a,
            _ => true,
        });
    Always no_activation_while_activating ["§Try Activate (If active worker's state is activating, return)"] if always_applies;
        "Activate never starts while the active worker is still activating"
        |_, s| s.registrations.iter().all(|r| !r.activated_over_activating);
    Always controller_is_active_worker ["§Handle Fetch; §Activate; §claim()"] if always_applies;
        "every client's controller is the active worker of its registration (possibly still activating)"
        |_, s| s.clients.iter().all(|c| c.controller.is_none_or(|w| {
            c.open && s.reg(s.worker(w).registration).active == Some(w)
        }));
    Always handover_requires_skip_waiting ["§Try Activate; §Activate (clients using the registration)"] if always_applies;
        "Activate only takes over clients (controllerchange) from a worker that called skipWaiting()"
        |_, s| s.clients.iter().all(|c| c.via != ControlledVia::Activate
            || c.controller.is_some_and(|w| s.worker(w).skip_waiting));
    Always map_entry_never_cleared ["§Unregister; §Try Clear Registration"] if always_applies;
        "Clear Registration only runs on unregistered registrations"
        |_, s| s.map_entry().is_none_or(|r| !s.reg(r).cleared);
    Always cleared_registration_unused ["§Try Clear Registration; §Clear Registration"] if always_applies;
        "a cleared registration has no worker and no client using it"
        |_, s| s.registrations.iter().enumerate().all(|(i, r)| !r.cleared
            || (r.newest().is_none() && s.clients_using(i as u8) == 0));
    Always terminated_workers_hold_no_extended_events ["§Terminate Service Worker (clear the set of extended events)"] if always_applies;
        "a redundant worker that is no longer running has no pending extended events (only a failed install leaves a redundant worker running, §Install: finding 5)"
        |_, s| s.workers.iter().all(|w| w.state != WorkerState::Redundant || w.extended.is_empty() || w.running == RunningStatus::Running);
    Always extended_events_only_on_running_workers ["§Terminate Service Worker; §Run Service Worker"] if always_applies;
        "a worker that is not running holds no extended events"
        |_, s| s.workers.iter().all(|w| w.running == RunningStatus::Running || w.extended.is_empty());
    Always stopped_worker_tasks_await_its_start ["§Terminate Service Worker (back up or discard tasks); §Run Service Worker"] if always_applies;
        "termination leaves no task on a worker's event loop: a stopped worker holds tasks only when they were queued since and Run Service Worker is due for them"
        |_, s| s.workers.iter().all(|w| match w.running {
            RunningStatus::Stopping => w.tasks.is_empty(),
            RunningStatus::Stopped => w.tasks.is_empty() || w.start_due(),
            _ => true,
        });
    Always running_status_transitions_legal ["§Run Service Worker; §Terminate Service Worker"] if always_applies;
        "running status only moves stopped→starting→running→stopped (starting→stopped when the start fails or is cut)"
        |_, s| !s.ghost.bad_running_transition;
    Always redundant_workers_never_start ["§Run Service Worker (redundant → failure)"] if always_applies;
        "Run Service Worker never begins for a redundant worker (a start begun before a failed install may end)"
        |_, s| !s.ghost.started_redundant_worker;
    Always functional_events_only_on_active_worker ["§Fire Functional Event (Assert: active worker); §Handle Fetch"] if always_applies;
        "fetch and functional events are queued or pending only on their registration's active worker"
        |_, s| (0..s.workers.len() as u8).all(|w| {
            let wk = s.worker(w);
            wk.tasks.iter().chain(&wk.extended).all(|k| !k.is_functional())
                || s.reg(wk.registration).active == Some(w)
        });
    Always functional_events_dispatched_only_when_activated ["§Fire Functional Event; §Create Fetch Event and Dispatch (wait for activated)"] if always_applies;
        "fetch and functional events are dispatched only to an activated worker"
        |_, s| !s.ghost.functional_event_to_inactive_worker
            && s.workers.iter().all(|w| w.extended.iter().all(|k| !k.is_functional()) || w.state == WorkerState::Activated);
    Always message_tasks_never_backed_up ["§Terminate Service Worker (other tasks are discarded)"] if always_applies;
        "termination discards queued message tasks instead of backing them up"
        |_, s| s.registrations.iter().all(|r| !r.backup.contains(&EventKind::Message));
    Always backed_up_tasks_belong_to_an_active_worker ["§Terminate Service Worker; §Run Service Worker"] if always_applies;
        "a registration holds backed-up tasks only while it has an active worker to run them"
        |_, s| s.registrations.iter().all(|r| r.backup.is_empty() || r.active.is_some());
    Always idle_stop_only_without_pending_events ["§Lifetime (should not terminate with pending events)"] if always_applies;
        "no worker is stopped for idleness while it has pending events or queued tasks"
        |_, s| !s.ghost.idle_stop_while_busy;
    Always activation_waits_for_pending_events ["§Try Activate (Service Worker Has No Pending Events)"] if |c| c.profile.params().lame_duck_ms.is_none();
        "Activate never replaces an active worker that still has pending events"
        |_, s| s.registrations.iter().all(|r| !r.activated_over_pending_events);
    Always push_subscription_needs_active_registration ["Push API §subscribe() method; deactivation on unregister"] if with_push;
        "a push subscription exists only for the registration in the map with an active worker"
        |_, s| s.registrations.iter().enumerate().all(|(i, r)| !r.push_subscribed
            || (!s.is_unregistered(i as u8) && r.active.is_some()));

    Sometimes waiting_while_controlled ["§Install; §Try Activate"] if always_applies;
        "a worker waits while a client is controlled by the active worker"
        |_, s| s.registrations.iter().enumerate()
            .any(|(i, r)| r.waiting.is_some() && s.clients_using(i as u8) > 0);
    Sometimes waiting_blocked_by_last_client ["§Handle Service Worker Client Unload; §Try Activate"] if always_applies;
        "a waiting worker is held back only by one client; its unload would activate it"
        |_, s| s.registrations.iter().enumerate().any(|(i, r)| {
            r.waiting.is_some_and(|w| !s.worker(w).skip_waiting)
                && r.active.is_some_and(|a| s.worker(a).state == WorkerState::Activated && s.worker(a).extended.is_empty())
                && s.clients_using(i as u8) == 1
        });
    Sometimes skip_waiting_activation_with_controlled_client ["§skipWaiting(); §Activate"] if always_applies;
        "a worker that called skipWaiting() is activating and has taken over a client (controllerchange)"
        |_, s| s.clients.iter().any(|c| c.via == ControlledVia::Activate
            && c.controller.is_some_and(|w| s.worker(w).state == WorkerState::Activating));
    Sometimes activation_delayed_by_extended_event ["§Try Activate (Service Worker Has No Pending Events)"] if with_messages;
        "a waiting worker that called skipWaiting() is held back by the active worker's pending event"
        |_, s| held_back_by_pending_events(s);
    Sometimes claim_during_activating ["§claim() (the active worker may be activating)"] if always_applies;
        "clients.claim() took over a client while the claiming worker is still activating"
        |_, s| s.clients.iter().any(|c| c.via == ControlledVia::Claim
            && c.controller.is_some_and(|w| s.worker(w).state == WorkerState::Activating));
    Sometimes coalesced_job ["§Schedule Job (equivalent jobs)"] if always_applies;
        "a job was coalesced into an equivalent job whose promise had not settled"
        |_, s| s.jobs.iter().any(|j| !j.equivalent.is_empty());
    Sometimes update_finds_identical_bytes ["§Update (hasUpdatedResources is false)"] if always_applies;
        "an update of an active registration fetches byte-identical script: it resolves and installs nothing"
        |_, s| s.jobs.first().is_some_and(|j| match j.phase {
            JobPhase::Fetching { registration } => SwModel::can_fetch_identical(s, registration)
                && s.reg(registration).active.is_some(),
            _ => false,
        });
    Sometimes worker_update_installs ["§update() (from a ServiceWorkerGlobalScope); §Install"] if |c| c.env.worker_update;
        "a worker's own registration.update() found changed bytes: its job installs a new worker"
        |_, s| s.jobs.first().is_some_and(|j| matches!(j.phase, JobPhase::Installing { .. })
            && j.holders().any(|h| matches!(h, crate::JobClient::Worker(_))));
    Sometimes unregistered_registration_still_controls ["§Unregister (clients keep using it until they unload)"] if always_applies;
        "an unregistered registration still controls a client"
        |_, s| (0..s.registrations.len() as u8).any(|r| s.is_unregistered(r) && s.clients_using(r) > 0);
    Sometimes register_after_unregister ["§Register (Set Registration); §Unregister"] if always_applies;
        "a new registration is in the map while the unregistered one still controls a client"
        |_, s| s.map_entry().is_some_and(|m| (0..s.registrations.len() as u8)
            .any(|r| r != m && s.clients_using(r) > 0) && active_state(s, m).is_some());
    Sometimes registration_cleared ["§Clear Registration"] if always_applies;
        "an unregistered registration was cleared once nothing used it"
        |_, s| s.registrations.iter().any(|r| r.cleared);
    Sometimes waiting_worker_stranded ["§Activate; §Try Activate (spec finding: nothing re-runs Try Activate after activation)"] if |c| !c.fixes.activate_retries_try_activate;
        "a waiting worker could activate (no client, active idle and activated) but no pending step will run Try Activate"
        |_, s| s.jobs.is_empty() && s.registrations.iter().enumerate().any(|(i, r)| {
            r.waiting.is_some_and(|w| !s.worker(w).skip_waiting && s.events_on(w) == 0)
                && r.active.is_some_and(|a| s.worker(a).state == WorkerState::Activated && s.events_on(a) == 0)
                && r.backup.is_empty()
                && s.clients_using(i as u8) == 0
        });
    Sometimes fetch_event_dispatched ["§Handle Fetch; §Create Fetch Event and Dispatch"] if with_fetch;
        "a fetch event is about to be dispatched to the active worker"
        |m, s| dispatchable(m, s, EventName::Fetch);
    Sometimes fetch_waits_for_activated ["§Create Fetch Event and Dispatch (If activeWorker's state is activating, wait)"] if with_fetch;
        "a fetch from a controlled client waits while its controller is activating"
        |_, s| s.workers.iter().any(|w| w.state == WorkerState::Activating && w.running == RunningStatus::Running && w.tasks.iter().any(|k| matches!(k, EventKind::Fetch { .. })));
    Sometimes message_event_dispatched ["§postMessage(message, options)"] if with_messages;
        "a message event is about to be dispatched"
        |m, s| dispatchable(m, s, EventName::Message);
    Sometimes push_event_dispatched ["Push API §Receiving a push message"] if with_push;
        "a push event is about to be dispatched"
        |m, s| dispatchable(m, s, EventName::Push);
    Sometimes notificationclick_dispatched ["Notifications §Activating a notification"] if with_push;
        "a notificationclick event is about to be dispatched"
        |m, s| dispatchable(m, s, EventName::Notificationclick);
    Sometimes notificationclose_dispatched ["Notifications §Closing a notification"] if with_push;
        "a notificationclose event is about to be dispatched"
        |m, s| dispatchable(m, s, EventName::Notificationclose);
    Sometimes worker_start_may_fail ["§Run Service Worker (failure)"] if with_messages;
        "a stopped worker is being started for an event (its start may fail)"
        |_, s| s.workers.iter().any(|w| w.running == RunningStatus::Starting && !w.tasks.is_empty());
    Sometimes idle_stop ["§Lifetime; profile idle timeout"] if always_applies;
        "a running worker with nothing to do can be stopped for idleness"
        |m, s| worker_has(s, |w| m.can_stop(s, w, StopCause::Idle));
    Sometimes forced_stop_with_pending_events ["§Lifetime (should not, not must not)"] if |c| c.profile.params().forced_stop == ForcedStop::Anytime && with_messages(c);
        "the user agent can stop a worker that still has pending events"
        |m, s| worker_has(s, |w| !s.worker(w).extended.is_empty() && m.can_stop(s, w, StopCause::Forced));
    Sometimes event_timeout_kills_worker ["§ExtendableEvent (timed out flag); profile event timeout"] if |c| c.profile.params().timeout_kills_worker && with_messages(c);
        "a pending event can time out and take its worker down"
        |m, s| worker_has(s, |w| m.can_stop(s, w, StopCause::EventTimeout));
    Sometimes unresponsive_stop ["§Lifetime (abnormal operation); profile unresponsive timeout"] if |c| (c.profile == Profile::Spec || c.profile.params().unresponsive_timeout_ms.is_some()) && with_messages(c);
        "a worker busy with a queued task can be stopped as unresponsive"
        |m, s| worker_has(s, |w| m.can_stop(s, w, StopCause::Unresponsive));
    Sometimes message_discarded_by_termination ["§Terminate Service Worker (other tasks are discarded)"] if |c| with_messages(c) && can_stop_busy_worker(c);
        "a queued message task is on a worker that can be stopped now (the message would be lost)"
        |m, s| worker_has(s, |w| s.worker(w).tasks.contains(&EventKind::Message)
            && StopCause::ALL.iter().any(|c| m.can_stop(s, w, *c)));
    Sometimes tasks_backed_up_by_termination ["§Terminate Service Worker (handle fetch / functional event tasks)"] if with_fetch;
        "termination moved queued fetch/functional tasks to the registration's task queues"
        |_, s| s.registrations.iter().any(|r| !r.backup.is_empty());
    Sometimes backed_up_tasks_requeued_on_restart ["§Run Service Worker (queue the registration's tasks)"] if with_fetch;
        "backed-up tasks are about to be re-queued as the active worker restarts"
        |_, s| s.registrations.iter().any(|r| !r.backup.is_empty()
            && r.active.is_some_and(|a| s.worker(a).running == RunningStatus::Starting));
    Sometimes backed_up_tasks_wait_on_running_active_worker ["§Run Service Worker (returns early when running; spec finding)"] if |c| with_fetch(c) && !c.fixes.requeue_backed_up_tasks;
        "backed-up tasks wait while the new active worker is already running (they are re-queued only by a restart)"
        |_, s| s.registrations.iter().any(|r| !r.backup.is_empty()
            && r.active.is_some_and(|a| s.worker(a).running == RunningStatus::Running && s.worker(a).state == WorkerState::Activated));
    Sometimes timeout_releases_activation ["§ExtendableEvent (timed out flag); §Try Activate"] if with_messages;
        "a skipWaiting() worker held back by a pending event whose timeout would release it"
        |_, s| held_back_by_pending_events(s);
    Sometimes lame_duck_activation ["Chromium kMaxLameDuckTime"] if |c| c.profile.params().lame_duck_ms.is_some() && with_messages(c);
        "Chromium force-activates a waiting worker the active worker's events hold back"
        |m, s| (0..s.registrations.len() as u8).any(|r| m.lame_duck_due(s, r));
    Sometimes redundant_worker_still_running ["§Install (a failed install does not terminate the worker)"] if always_applies;
        "a worker that failed to install is redundant but still running until the UA stops it"
        |_, s| s.workers.iter().any(|w| w.state == WorkerState::Redundant && w.running == RunningStatus::Running);

    Always sync_tags_unique ["Background Sync §Constructs (tags unique per registration)"] if with_sync;
        "a registration has at most one sync registration per tag"
        |_, s| s.registrations.iter().all(|r| r.sync.iter().enumerate()
            .all(|(i, g)| r.sync.iter().skip(i + 1).all(|h| h.tag != g.tag)));
    Always sync_fires_only_online ["Background Sync §The sync event (fire when online)"] if with_sync;
        "no sync event is fired while offline"
        |_, s| !s.ghost.sync_fired_offline;
    Always sync_attempts_within_bound ["Background Sync §fire a sync event; profile max attempts"] if with_sync;
        "a sync registration never makes more attempts than the profile allows"
        |m, s| !any_sync(s, |g| g.attempts > m.max_sync_attempts());
    Always sync_removed_after_final_attempt ["Background Sync §fire a sync event (lastChance: remove)"] if with_sync;
        "a registration that made its final attempt is firing or gone (never pending or waiting)"
        |m, s| !any_sync(s, |g| g.attempts >= m.max_sync_attempts()
            && matches!(g.state, crate::SyncState::Pending | crate::SyncState::Waiting));
    Always firing_sync_has_one_event_in_flight ["Background Sync §fire a sync event; §Fire Functional Event"] if with_sync;
        "a firing sync registration has exactly one sync event in flight, and other states none"
                |_, s| one_event_per_firing_registration(s, false);
    Always last_chance_iff_final_attempt ["Background Sync §fire a sync event (lastChance)"] if with_sync;
        "a sync event's lastChance is true exactly on the attempt after which none follows"
        |m, s| s.events_in_flight().all(|(r, k)| match k {
            EventKind::Sync { tag, last_chance } => s.reg(r).sync.iter()
                .find(|g| g.tag == tag)
                .is_none_or(|g| last_chance == (g.attempts >= m.max_sync_attempts())),
            _ => true,
        });
    Always chromium_sync_has_no_waiting_state ["Chromium BackgroundSyncState (no WAITING)"] if |c| with_sync(c) && c.profile == Profile::Chromium;
        "Chromium backs off with pending + a not-before time, never the waiting state"
        |_, s| !any_sync(s, |g| g.state == crate::SyncState::Waiting);
    Always periodic_tags_unique ["Periodic Background Sync §Periodic sync registration"] if with_periodic;
        "a registration has at most one periodic sync registration per tag"
        |_, s| s.registrations.iter().all(|r| r.periodic.iter().enumerate()
            .all(|(i, g)| r.periodic.iter().skip(i + 1).all(|h| h.tag != g.tag)));
    Always periodic_registrations_need_permission ["Periodic Background Sync §Respond to permission revocation"] if with_periodic;
        "revoking periodic-background-sync removes the origin's periodic registrations"
        |_, s| s.permissions.periodic_background_sync == crate::PermissionState::Granted
            || !any_periodic(s, |_| true);
    Always firing_periodic_has_one_event_in_flight ["Periodic Background Sync §Fire a periodicsync event"] if with_periodic;
        "a firing periodic registration has exactly one periodicsync event in flight"
                |_, s| one_event_per_firing_registration(s, true);

    Sometimes sync_pending_while_offline ["Background Sync §register(tag) (fires when online)"] if with_sync;
        "a pending sync registration waits for the network"
        |_, s| !s.online && any_sync(s, |g| g.state == crate::SyncState::Pending);
    Sometimes sync_firing ["Background Sync §fire a sync event"] if with_sync;
        "a sync registration is firing"
        |_, s| any_sync(s, |g| g.state == crate::SyncState::Firing);
    Sometimes sync_waiting_for_retry ["Background Sync §fire a sync event (waiting)"] if |c| with_sync(c) && c.profile != Profile::Chromium;
        "a failed attempt waits for its retry"
        |_, s| any_sync(s, |g| g.state == crate::SyncState::Waiting);
    Sometimes sync_backing_off ["Chromium: pending with a not-before time"] if |c| with_sync(c) && c.profile == Profile::Chromium;
        "a failed attempt backs off (pending, not before the retry delay)"
        |_, s| any_sync(s, |g| g.delayed);
    Sometimes sync_reregistered_while_firing ["Background Sync §register(tag) (reregisteredWhileFiring)"] if with_sync;
        "a sync registration was registered again while firing"
        |_, s| any_sync(s, |g| g.state == crate::SyncState::ReregisteredWhileFiring);
    Sometimes sync_last_chance ["Background Sync §fire a sync event (lastChance)"] if with_sync;
        "a sync event with lastChance true is in flight"
        |_, s| s.events_in_flight().any(|(_, k)| matches!(k, EventKind::Sync { last_chance: true, .. }));
    Sometimes sync_event_dispatched ["Background Sync §fire a sync event; §Fire Functional Event"] if with_sync;
        "a sync event is about to be dispatched"
        |m, s| worker_has(s, |w| m.can_dispatch(s, w)
            && matches!(s.worker(w).tasks.first(), Some(EventKind::Sync { .. })));
    Sometimes periodic_pending ["Periodic Background Sync §register(tag, options)"] if with_periodic;
        "a periodic registration is pending"
        |_, s| any_periodic(s, |g| g.state == crate::PeriodicState::Pending);
    Sometimes periodic_firing ["Periodic Background Sync §Fire a periodicsync event"] if with_periodic;
        "a periodic registration is firing"
        |_, s| any_periodic(s, |g| g.state == crate::PeriodicState::Firing);
    Sometimes periodic_suspended ["Periodic Background Sync §Periodic sync registration (suspended)"] if with_periodic;
        "a periodic registration is suspended"
        |_, s| any_periodic(s, |g| g.state == crate::PeriodicState::Suspended);
    Sometimes periodic_reregistered_while_firing ["Periodic Background Sync §register(tag, options)"] if with_periodic;
        "a periodic registration was registered again while firing"
        |_, s| any_periodic(s, |g| g.state == crate::PeriodicState::ReregisteredWhileFiring);
    Sometimes periodic_event_dispatched ["Periodic Background Sync §Fire a periodicsync event"] if with_periodic;
        "a periodicsync event is about to be dispatched"
        |m, s| worker_has(s, |w| m.can_dispatch(s, w)
            && matches!(s.worker(w).tasks.first(), Some(EventKind::PeriodicSync { .. })));
    Always bg_result_set_once ["Background Fetch §Perform a background fetch (result, failure reason)"] if with_bgfetch;
        "a background fetch's result is set at most once and never changes"
        |_, s| s.registrations.iter().all(|r| !r.bg.ghost.result_changed);
    Always bg_failure_reason_iff_failure ["Background Fetch §BackgroundFetchRegistration (result, failureReason)"] if with_bgfetch;
        "failureReason is non-empty exactly when result is failure"
        |_, s| bg_all(s, |_, _, f| (f.failure_reason != FailureReason::None) == (f.result == BgResult::Failure));
    Always bg_event_matches_failure_reason ["Background Fetch §Perform a background fetch (which event is fired)"] if with_bgfetch;
        "every completion event is the one its fetch's failure reason calls for (success / fail / abort)"
        |_, s| bg_completion_events_ok(s);
    Always bg_at_most_one_completion_event ["Background Fetch §Perform a background fetch; §Fire Functional Event"] if with_bgfetch;
        "a background fetch has at most one completion event, and none before its result is set"
        |_, s| bg_all(s, |r, i, f| {
            let n = s.bg_completion_events(r, i).count();
            n <= 1 && (f.event == BgEventPhase::Fired || n == 0)
                && (f.result != BgResult::Unset || f.event == BgEventPhase::NotFired)
        });
    Always bg_completed_fetch_leaves_ids ["Background Fetch §Perform a background fetch; §getIds(); §get()"] if with_bgfetch;
        "a fetch with a result is not among the active fetches (absent from getIds(), its id free for reuse)"
        |_, s| bg_all(s, |_, _, f| f.result == BgResult::Unset || !f.active);
    Always bg_active_ids_unique ["Background Fetch §fetch() (an active id rejects with TypeError)"] if with_bgfetch;
        "no two active background fetches of a registration share an id"
        |_, s| s.registrations.iter().all(|r| {
            let ids = r.bg.fetches.iter().filter(|f| f.active).map(|f| 1u8 << f.id);
            ids.clone().fold(0, |a, b| a | b).count_ones() as usize == ids.count()
        });
    Always bg_update_ui_once_during_success_or_fail ["Background Fetch §updateUI()"] if with_bgfetch;
        "updateUI() succeeds at most once per fetch, only from an active backgroundfetchsuccess/fail event"
        |_, s| s.registrations.iter().all(|r| !r.bg.ghost.bad_update_ui)
            && bg_all(s, |_, _, f| !f.ui_updated
                || (f.result != BgResult::Unset && f.failure_reason != FailureReason::Aborted));
    Always bg_records_available_until_event_ends ["Background Fetch §Perform a background fetch (unset records available); §matchAll()"] if with_bgfetch;
        "recordsAvailable is true until the completion event is no longer active, then false for good"
        |_, s| s.registrations.iter().all(|r| !r.bg.ghost.records_available_restored)
            && bg_all(s, |_, _, f| f.records_available == (f.event != BgEventPhase::Ended));
    Always bg_downloaded_within_total ["Background Fetch §Complete a record (download total exceeded)"] if with_bgfetch;
        "downloaded never exceeds a non-zero downloadTotal"
        |_, s| bg_all(s, |_, _, f| f.download_total == 0 || f.downloaded() <= f.download_total);
    Always bg_completion_event_only_to_active_worker ["Background Fetch §Perform a background fetch; §Fire Functional Event"] if with_bgfetch;
        "Background Fetch events are dispatched only to the registration's activated active worker"
        |_, s| s.registrations.iter().all(|r| !r.bg.ghost.completion_event_to_inactive_worker);
    Always bg_result_only_after_records_settle ["Background Fetch §Perform a background fetch (wait for all records; issue #100)"] if with_bgfetch;
        "a fetch gets its result only once every record settled"
        |_, s| bg_all(s, |_, _, f| f.result == BgResult::Unset || f.all_settled());
    Always bg_aborted_only_with_abort_all ["Background Fetch §Complete a record (abort all flag); §abort()"] if with_bgfetch;
        "records end aborted, and a fetch fails as aborted, only once its abort all flag is set"
        |_, s| bg_all(s, |_, _, f| f.abort_all || (f.failure_reason != FailureReason::Aborted
            && f.records.iter().all(|r| r.settled() != Some(RecordResult::Aborted))));
    Always bg_cleared_registration_has_no_fetches ["Background Fetch §Privacy (clearing a registration clears its fetches)"] if with_bgfetch;
        "a cleared registration has no background fetches"
        |_, s| s.registrations.iter().all(|r| !r.cleared || r.bg.fetches.is_empty());
    Always bg_chromium_one_fetch_at_a_time ["Chromium BackgroundFetchScheduler (not in the spec)"] if |c| with_bgfetch(c) && BgFetchRules::of(c.profile).one_at_a_time;
        "Chromium downloads one background fetch of the origin at a time"
        |m, s| !m.bg_rules().one_at_a_time || s.registrations.iter().flat_map(|r| r.bg.fetches.iter())
            .filter(|f| f.result == BgResult::Unset && !f.queued && !f.all_settled()).count() <= 1;
    Always bg_chromium_no_fetch_error ["Chromium (network errors are retried, then bad-status)"] if |c| with_bgfetch(c) && BgFetchRules::of(c.profile).network_error_is_bad_status;
        "under Chromium no record ends fetch-error"
        |m, s| !m.bg_rules().network_error_is_bad_status || bg_all(s, |_, _, f| f.records.iter().all(|r| r.settled() != Some(RecordResult::FetchError)));

    Sometimes bg_fetch_succeeds ["Background Fetch §Perform a background fetch (backgroundfetchsuccess)"] if with_bgfetch;
        "a background fetch succeeds"
        |_, s| bg_any(s, |_, _, f| f.result == BgResult::Success);
    Sometimes bg_fails_aborted ["Background Fetch §abort(); §Perform a background fetch"] if with_bgfetch;
        "a background fetch fails with failure reason aborted"
        |_, s| bg_failed_with(s, FailureReason::Aborted);
    Sometimes bg_fails_bad_status ["Background Fetch §Complete a record (not ok status)"] if with_bgfetch;
        "a background fetch fails with failure reason bad-status"
        |_, s| bg_failed_with(s, FailureReason::BadStatus);
    Sometimes bg_fails_fetch_error ["Background Fetch §Complete a record (network error)"] if |c| with_bgfetch(c) && !BgFetchRules::of(c.profile).network_error_is_bad_status;
        "a background fetch fails with failure reason fetch-error"
        |_, s| bg_failed_with(s, FailureReason::FetchError);
    Sometimes bg_fails_quota_exceeded ["Background Fetch §Complete a record (storage quota)"] if with_bgfetch;
        "a background fetch fails with failure reason quota-exceeded"
        |_, s| bg_failed_with(s, FailureReason::QuotaExceeded);
    Sometimes bg_fails_download_total_exceeded ["Background Fetch §Complete a record (download total)"] if with_bgfetch;
        "a background fetch fails with failure reason download-total-exceeded"
        |_, s| bg_failed_with(s, FailureReason::DownloadTotalExceeded);
    Sometimes bg_downloaded_may_decrease ["Background Fetch §Complete a record (a non-range response replaces the stored one)"] if with_bgfetch;
        "a paused fetch holds partial bodies that a non-range response on resuming would drop (downloaded goes down)"
        |_, s| bg_any(s, |r, i, f| f.result == BgResult::Unset
            && SwModel::bg_restart_possible(s, r, i));
    Sometimes bg_abort_races_completion ["Background Fetch §abort(); §Perform a background fetch (not in the map: aborted)"] if with_bgfetch;
        "abort() removed a fetch whose records had all settled without being aborted, before it finished"
        |_, s| bg_any(s, |_, _, f| !f.active && f.result == BgResult::Unset && f.abort_all
            && f.records.iter().all(|r| matches!(r.settled(), Some(x) if x != RecordResult::Aborted)));
    Sometimes bg_fetch_paused ["Background Fetch §Complete a record (temporarily unavailable)"] if with_bgfetch;
        "a background fetch is paused, waiting for the network"
        |_, s| bg_any(s, |_, _, f| f.paused);
    Sometimes bg_id_reusable ["Background Fetch §fetch(); §getIds() (ids are reusable after completion)"] if with_bgfetch;
        "the id of a fetch that finished (its event still pending) is accepted by fetch() again"
        |m, s| s.map_entry().is_some_and(|r| s.reg(r).bg.fetches.iter().any(|d| d.result != BgResult::Unset
            && m.bg_fetch_rejects(s, BgFetchCall { client: 0, id: d.id, requests: 1, no_cors: false, over_quota: false, gesture: true }).is_none()));
    Sometimes bg_update_ui_allowed ["Background Fetch §updateUI()"] if with_bgfetch_events;
        "a pending backgroundfetchsuccess/fail handler may call updateUI()"
        |_, s| bg_any(s, |r, i, _| s.bg_update_ui_rejects(r, i).is_none());
    Sometimes bg_records_unavailable ["Background Fetch §matchAll() (InvalidStateError once records are unavailable)"] if with_bgfetch;
        "a finished fetch's records are no longer available (match()/matchAll() reject)"
        |_, s| bg_any(s, |_, _, f| f.result != BgResult::Unset && !f.records_available);
    Sometimes bg_click_dispatched ["Background Fetch §Fire a background fetch click event"] if |c| with_bgfetch_events(c) && BgFetchRules::of(c.profile).click;
        "a backgroundfetchclick event is about to be dispatched"
        |m, s| worker_has(s, |w| m.can_dispatch(s, w)
            && matches!(s.worker(w).tasks.first(), Some(EventKind::BgFetchClick(_))));
    Sometimes bg_chromium_fetch_waits ["Chromium BackgroundFetchScheduler (not in the spec)"] if |c| with_bgfetch(c) && BgFetchRules::of(c.profile).one_at_a_time;
        "under Chromium a background fetch waits for the origin's running one"
        |_, s| bg_any(s, |_, _, f| f.queued);
}
