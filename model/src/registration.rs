//! Service worker registrations and the registration map (§Service Worker Registration,
//! §Registration map, §Get Newest Worker).
//!
//! The model has a single scope, so the registration map has at most one entry. Registrations
//! removed from the map ("unregistered") stay in [`crate::SwState::registrations`] for as long as
//! clients use them; Clear Registration empties their slots and marks them cleared.

use crate::{SwState, WorkerId};
use swspec_model_derive::state_type;

/// Index of a registration in [`SwState::registrations`]; stable for the whole run.
pub type RegId = u8;

/// One service worker registration (§Service Worker Registration).
#[state_type(Copy, Default)]
pub struct Registration {
    /// The installing worker slot (its state is `installing`).
    pub installing: Option<WorkerId>,
    /// The waiting worker slot (its state is `installed`).
    pub waiting: Option<WorkerId>,
    /// The active worker slot (its state is `activating` or `activated`).
    pub active: Option<WorkerId>,
    /// Clear Registration has run: every slot is empty and the registration is dead.
    pub cleared: bool,
    /// The registration's task queues: fetch and functional-event tasks backed up by Terminate
    /// Service Worker, re-queued when the active worker runs again.
    pub backup: crate::List<crate::EventKind, { crate::capacity::EVENTS }>,
    /// A push subscription is active for it.
    pub push_subscribed: bool,
    /// Its one-off sync registrations (Background Sync §Constructs).
    pub sync: crate::sync::SyncList,
    /// Its periodic sync registrations (active periodic sync registrations).
    pub periodic: crate::sync::PeriodicList,
    /// One of its notifications is showing.
    pub notification: bool,
    /// History variable: Activate once ran while the active worker was still `activating`.
    /// The spec never lets this happen (§Try Activate); the property
    /// `no_activation_while_activating` checks it stays false.
    pub activated_over_activating: bool,
    /// History variable: Activate once replaced an active worker that still had pending events
    /// (only Chromium's lame-duck timeout does; `activation_waits_for_pending_events`).
    pub activated_over_pending_events: bool,
    /// Its background fetches (empty unless `ModelConfig::background_fetch`).
    pub bg: crate::BgFetches,
    /// §Handle Fetch: a navigation was handled through it since its last Soft Update, which is
    /// therefore due (only with `EnvChoices::navigation_soft_update`; always false otherwise).
    pub soft_update_due: bool,
}

impl Registration {
    /// §Get Newest Worker: installing, else waiting, else active.
    pub fn newest(&self) -> Option<WorkerId> {
        self.installing.or(self.waiting).or(self.active)
    }

    /// The three slots in the order Clear Registration visits them.
    pub fn slots(&self) -> [Option<WorkerId>; 3] {
        [self.installing, self.waiting, self.active]
    }
}

impl SwState {
    /// §Get Registration for the model's one scope: the registration map entry.
    pub fn map_entry(&self) -> Option<RegId> {
        self.map
    }

    /// A registration is *unregistered* when the registration map no longer points at it.
    pub fn is_unregistered(&self, r: RegId) -> bool {
        self.map != Some(r)
    }

    /// The registration with index `r`.
    pub fn reg(&self, r: RegId) -> &Registration {
        &self.registrations[r as usize]
    }

    pub(crate) fn reg_mut(&mut self, r: RegId) -> &mut Registration {
        &mut self.registrations[r as usize]
    }

    /// §Set Registration: a new registration enters the map.
    pub(crate) fn set_registration(&mut self) -> RegId {
        let r = self.registrations.len() as RegId;
        self.registrations.push(Registration::default());
        self.map = Some(r);
        r
    }
}
