//! Background Sync: one-off sync registrations with retry and `lastChance` (WICG Background
//! Sync), and Periodic Background Sync (WICG Periodic Background Sync).
//!
//! Sync events travel like every functional event: a task queued on the registration's active
//! worker (Fire Functional Event), so they start the worker, wait while it is `activating`, can be
//! backed up by termination, and end by settling, rejecting, timing out or being killed. Every
//! way an event can end reaches [`SwModel::sync_event_ended`], which runs the spec's completion
//! steps. The network is one environment bit (`SwState::online`).
//!
//! The Chromium profile departs from the spec (SPEC_NOTES.md): no `waiting` state (back-off is
//! `pending` with a not-before time), re-registering during back-off neither fires nor resets the
//! attempts, three attempts.

use crate::{
    capacity, Action, ClientId, EventKind, List, Permission, Profile, RegId, SwModel, SwState,
};
use serde::{Deserialize, Serialize};
use swspec_model_derive::state_type;

/// §Constructs: a sync registration's state.
#[state_type(Copy)]
#[serde(rename_all = "camelCase")]
pub enum SyncState {
    /// Waiting to fire (when online).
    Pending,
    /// A failed attempt waits for the UA's retry delay (spec only; Chromium uses `Pending` with
    /// `delayed`).
    Waiting,
    /// Its sync event is in flight.
    Firing,
    /// Registered again while firing: exactly one more firing follows.
    ReregisteredWhileFiring,
}

/// One one-off sync registration (§Constructs).
#[state_type(Copy)]
pub struct SyncRegistration {
    /// Its tag (an index into `ModelConfig::sync_tags`).
    pub tag: u8,
    /// Its state.
    pub state: SyncState,
    /// Attempts made so far (the firing one included while firing).
    pub attempts: u8,
    /// Chromium: a retry is scheduled and not yet due (pending with a not-before time).
    pub delayed: bool,
}

/// Periodic Background Sync: a periodic sync registration's state.
#[state_type(Copy)]
#[serde(rename_all = "kebab-case")]
pub enum PeriodicState {
    /// Waiting for its interval.
    Pending,
    /// Its periodicsync event is in flight.
    Firing,
    /// The UA suspended it (e.g. Chromium: no site engagement).
    Suspended,
    /// Registered again while firing.
    ReregisteredWhileFiring,
}

/// One periodic sync registration.
#[state_type(Copy)]
pub struct PeriodicRegistration {
    /// Its tag.
    pub tag: u8,
    /// Its state.
    pub state: PeriodicState,
    /// Retries made for the current firing (§Fire a periodicsync event).
    pub retries: u8,
    /// Tells this registration object from an earlier one of the same tag that was
    /// unregistered while its event was still in flight (false when no such event exists).
    pub gen: bool,
}

/// Why `sync.register()` or `periodicSync.register()` rejects (guards: no state change).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncRegisterError {
    /// No active worker.
    InvalidStateError,
    /// Permission denied / Background Sync disabled.
    NotAllowedError,
    /// Called in the background (no top-level or auxiliary client of the origin).
    InvalidAccessError,
}

/// The sync registrations of a service worker registration.
pub type SyncList = List<SyncRegistration, { capacity::SYNC_TAGS }>;
/// The periodic sync registrations of a service worker registration.
pub type PeriodicList = List<PeriodicRegistration, { capacity::SYNC_TAGS }>;

/// When the sync, periodic sync and network actions are enabled.
impl SwModel {
    /// One-off sync: open clients register each tag (while `sync.register()` would succeed), a
    /// pending tag fires ([`SwModel::sync_can_fire`]), a waiting or backing-off one's retry
    /// delay passes; the network goes offline and online; the user flips the permission.
    pub(crate) fn sync_actions(&self, s: &SwState, actions: &mut Vec<Action>) {
        if let Some(r) = s.map_entry() {
            let can_register = self.sync_register_rejects(s, false, false).is_none();
            for tag in 0..self.cfg.sync_tags {
                if can_register {
                    for (c, client) in s.clients.iter().enumerate() {
                        if client.open {
                            actions.push(Action::SyncRegister {
                                client: c as ClientId,
                                tag,
                            });
                        }
                    }
                }
                if self.sync_can_fire(s, tag) {
                    actions.push(Action::SyncFire { tag });
                }
                if s.reg(r)
                    .sync
                    .iter()
                    .any(|g| g.tag == tag && (g.state == SyncState::Waiting || g.delayed))
                {
                    actions.push(Action::SyncRetryDue { tag });
                }
            }
        }
        self.network_actions(s, actions);
        Self::toggle_permission(s, Permission::BackgroundSync, actions);
    }

    /// Periodic sync: open clients register each tag (while `periodicSync.register()` would
    /// succeed) and unregister a registered one, a pending tag fires
    /// ([`SwModel::periodic_can_fire`]), the UA suspends a pending one or resumes a suspended
    /// one; the network (unless one-off sync already moves it); the user flips the permission.
    pub(crate) fn periodic_actions(&self, s: &SwState, actions: &mut Vec<Action>) {
        if let Some(r) = s.map_entry() {
            let can_register = self.sync_register_rejects(s, true, false).is_none();
            for tag in 0..self.cfg.sync_tags {
                let reg = s.reg(r).periodic.iter().find(|g| g.tag == tag);
                for (c, client) in s.clients.iter().enumerate() {
                    if !client.open {
                        continue;
                    }
                    let client = c as ClientId;
                    if can_register {
                        actions.push(Action::PeriodicSyncRegister { client, tag });
                    }
                    if reg.is_some() {
                        actions.push(Action::PeriodicSyncUnregister { client, tag });
                    }
                }
                if self.periodic_can_fire(s, tag) {
                    actions.push(Action::PeriodicSyncFire { tag });
                }
                match reg.map(|g| g.state) {
                    Some(PeriodicState::Pending) => {
                        actions.push(Action::PeriodicSyncSuspend { tag, suspend: true })
                    }
                    Some(PeriodicState::Suspended) => actions.push(Action::PeriodicSyncSuspend {
                        tag,
                        suspend: false,
                    }),
                    _ => {}
                }
            }
        }
        if !self.one_off_sync_enabled() {
            self.network_actions(s, actions);
        }
        Self::toggle_permission(s, Permission::PeriodicBackgroundSync, actions);
    }

    /// One-off sync is on and the profile's engine has it.
    pub(crate) fn one_off_sync_enabled(&self) -> bool {
        self.cfg.sync && self.cfg.profile.params().apis.sync
    }

    /// Periodic sync is on and the profile's engine has it.
    pub(crate) fn periodic_sync_enabled(&self) -> bool {
        self.cfg.periodic_sync && self.cfg.profile.params().apis.periodic_sync
    }

    /// The network goes offline or online (never offline again once stabilized).
    pub(crate) fn network_actions(&self, s: &SwState, actions: &mut Vec<Action>) {
        if s.online {
            if !s.network_stable {
                actions.push(Action::GoOffline);
            }
        } else {
            actions.push(Action::GoOnline);
        }
    }

    /// Liveness runs only (`ModelConfig::network_stabilizes`): the network comes online for
    /// good, once.
    pub(crate) fn network_stabilizes_actions(&self, s: &SwState, actions: &mut Vec<Action>) {
        if self.cfg.network_stabilizes && !s.network_stable {
            actions.push(Action::NetworkStabilizes);
        }
    }
}

/// The network actions' steps.
impl SwState {
    /// The network goes offline (`false`) or comes back (`true`).
    pub(crate) fn set_online(&mut self, online: bool) {
        self.online = online;
    }

    /// The network comes online for good.
    pub(crate) fn network_stabilizes(&mut self) {
        self.online = true;
        self.network_stable = true;
    }
}

/// The sync and periodic sync algorithms.
impl SwModel {
    /// Attempts a one-off sync registration gets (lastChance is the last of them): the
    /// configured `max_sync_attempts` under the spec profile, 3 in Chromium.
    pub fn max_sync_attempts(&self) -> u8 {
        match self.cfg.profile {
            Profile::Chromium => 3,
            _ => self.cfg.max_sync_attempts,
        }
    }

    /// §register(tag) (one-off and periodic): the rejection, if any. `from_worker` is a call
    /// from the service worker itself, which counts as "in the background" when no window
    /// client of the origin is open.
    pub fn sync_register_rejects(
        &self,
        s: &SwState,
        periodic: bool,
        from_worker: bool,
    ) -> Option<SyncRegisterError> {
        let r = s.map_entry()?;
        if s.reg(r).active.is_none() {
            return Some(SyncRegisterError::InvalidStateError);
        }
        let permission = if periodic {
            s.permissions.periodic_background_sync
        } else {
            s.permissions.background_sync
        };
        if permission == crate::PermissionState::Denied {
            return Some(SyncRegisterError::NotAllowedError);
        }
        if from_worker && !s.clients.iter().any(|c| c.open) {
            return Some(SyncRegisterError::InvalidAccessError);
        }
        None
    }

    /// §register(tag) for a one-off sync registration of the map entry's registration.
    pub(crate) fn sync_register(&self, s: &mut SwState, _client: ClientId, tag: u8) {
        let Some(r) = s.map_entry() else { return };
        let list = &mut s.reg_mut(r).sync;
        if let Some(reg) = list.iter_mut().find(|g| g.tag == tag) {
            match reg.state {
                SyncState::Waiting => reg.state = SyncState::Pending,
                SyncState::Firing => reg.state = SyncState::ReregisteredWhileFiring,
                // Also Chromium's back-off (pending + delayed): kept as it is, attempts too.
                SyncState::Pending | SyncState::ReregisteredWhileFiring => {}
            }
        } else {
            list.push(SyncRegistration {
                tag,
                state: SyncState::Pending,
                attempts: 0,
                delayed: false,
            });
        }
    }

    /// May the pending registration `tag` fire now? (Online, not in back-off, an active
    /// worker.) Not limited by `max_pending_events`: a tag has at most one event in flight, so
    /// sync events are bounded by the tags, and a bound here would let a page's messages starve
    /// sync in the liveness check, which the real system does not.
    pub fn sync_can_fire(&self, s: &SwState, tag: u8) -> bool {
        let Some(r) = s.map_entry() else { return false };
        s.online
            && s.reg(r)
                .sync
                .iter()
                .any(|g| g.tag == tag && g.state == SyncState::Pending && !g.delayed)
            && s.reg(r).active.is_some()
    }

    /// §fire a sync event: the registration is firing and a sync task is queued on the active
    /// worker (Fire Functional Event). `lastChance` is whether this is the final attempt.
    pub(crate) fn sync_fire(&self, s: &mut SwState, tag: u8) {
        let Some(r) = s.map_entry() else { return };
        let Some(a) = s.reg(r).active else { return };
        let max = self.max_sync_attempts();
        if !s.online {
            s.ghost.sync_fired_offline = true;
        }
        let Some(g) = s.reg_mut(r).sync.iter_mut().find(|g| g.tag == tag) else {
            return;
        };
        g.state = SyncState::Firing;
        // Capped one past the bound, so that a model that never gives up (a test-only bug) stays
        // finite while `sync_attempts_within_bound` catches it.
        g.attempts = (g.attempts + 1).min(max + 1);
        let last_chance = g.attempts >= max;
        Self::queue_task(s, a, EventKind::Sync { tag, last_chance });
    }

    /// Background Sync §getTags(): the tags of the map entry's sync registrations, in any state
    /// (an observation; no state change).
    pub fn sync_get_tags(s: &SwState) -> Vec<u8> {
        s.map_entry()
            .map(|r| s.reg(r).sync.iter().map(|g| g.tag).collect())
            .unwrap_or_default()
    }

    /// Periodic Background Sync §getTags(): the tags of the active periodic registrations.
    pub fn periodic_get_tags(s: &SwState) -> Vec<u8> {
        s.map_entry()
            .map(|r| s.reg(r).periodic.iter().map(|g| g.tag).collect())
            .unwrap_or_default()
    }

    /// The UA's retry delay for a failed sync attempt has passed: waiting → pending (spec), or
    /// the not-before time is reached (Chromium).
    pub(crate) fn sync_retry_due(s: &mut SwState, tag: u8) {
        let Some(r) = s.map_entry() else { return };
        if let Some(g) = s.reg_mut(r).sync.iter_mut().find(|g| g.tag == tag) {
            if g.state == SyncState::Waiting {
                g.state = SyncState::Pending;
            }
            g.delayed = false;
        }
    }

    /// The completion steps of §fire a sync event (and of §Fire a periodicsync event) for an
    /// event of registration `r` that ended: `ok` when every lifetime promise fulfilled; not ok
    /// when one rejected or the event was killed (timeout, termination, failed start).
    pub(crate) fn sync_event_ended(&self, s: &mut SwState, r: RegId, kind: EventKind, ok: bool) {
        match kind {
            EventKind::Sync { tag, .. } => self.one_off_ended(s, r, tag, ok),
            EventKind::PeriodicSync { tag, gen } => self.periodic_ended(s, r, tag, gen, ok),
            _ => {}
        }
    }

    fn one_off_ended(&self, s: &mut SwState, r: RegId, tag: u8, ok: bool) {
        let max = self.max_sync_attempts();
        let chromium = self.cfg.profile == Profile::Chromium;
        let list = &mut s.reg_mut(r).sync;
        let Some(i) = list.iter().position(|g| g.tag == tag) else {
            return;
        };
        let g = &mut list[i];
        if g.state == SyncState::ReregisteredWhileFiring {
            // Exactly one more firing, with a fresh count of attempts.
            *g = SyncRegistration {
                tag,
                state: SyncState::Pending,
                attempts: 0,
                delayed: false,
            };
            return;
        }
        let give_up = g.attempts >= max && self.cfg.bug != Some(crate::Bug::SyncNeverGivesUp);
        if ok || give_up {
            list.remove(i);
        } else if chromium {
            g.state = SyncState::Pending;
            g.delayed = true;
        } else {
            g.state = SyncState::Waiting;
        }
    }

    /// A periodic registration fires only while online, pending, and its interval has elapsed
    /// (an abstract timer: the action `PeriodicSyncFire` is that moment).
    ///
    /// Bound: at most one periodicsync event per tag is in flight, so a registration object that
    /// replaced an unregistered one fires only once the old object's event is gone.
    pub fn periodic_can_fire(&self, s: &SwState, tag: u8) -> bool {
        let Some(r) = s.map_entry() else { return false };
        s.online
            && s.reg(r)
                .periodic
                .iter()
                .any(|g| g.tag == tag && g.state == PeriodicState::Pending)
            && s.reg(r).active.is_some()
            && Self::periodic_in_flight(s, r, tag).is_none()
    }

    /// Periodic Background Sync §register(tag, options): a new tag is pending; an existing one
    /// firing is reregistered-while-firing (the spec text sets the wrong object's state here;
    /// SPEC_NOTES.md).
    pub(crate) fn periodic_register(s: &mut SwState, tag: u8) {
        let Some(r) = s.map_entry() else { return };
        // An event of an unregistered object of this tag may still be in flight: the new
        // object takes the other generation so that event's end is not taken for its own.
        let stale = Self::periodic_in_flight(s, r, tag);
        let list = &mut s.reg_mut(r).periodic;
        if let Some(g) = list.iter_mut().find(|g| g.tag == tag) {
            if g.state == PeriodicState::Firing {
                g.state = PeriodicState::ReregisteredWhileFiring;
            }
        } else {
            list.push(PeriodicRegistration {
                tag,
                state: PeriodicState::Pending,
                retries: 0,
                gen: stale.is_some_and(|g| !g),
            });
        }
    }

    /// The generation of a periodicsync event of `tag` in flight for registration `r`, if any.
    pub fn periodic_in_flight(s: &SwState, r: RegId, tag: u8) -> Option<bool> {
        s.events_in_flight_of(r).find_map(|k| match k {
            EventKind::PeriodicSync { tag: t, gen } if t == tag => Some(gen),
            _ => None,
        })
    }

    /// Periodic Background Sync §unregister(tag): removes it (no error when absent).
    pub(crate) fn periodic_unregister(s: &mut SwState, tag: u8) {
        if let Some(r) = s.map_entry() {
            s.reg_mut(r).periodic.retain(|g| g.tag != tag);
        }
    }

    /// §Fire a periodicsync event.
    pub(crate) fn periodic_fire(s: &mut SwState, tag: u8) {
        let Some(r) = s.map_entry() else { return };
        let Some(a) = s.reg(r).active else { return };
        if let Some(g) = s.reg_mut(r).periodic.iter_mut().find(|g| g.tag == tag) {
            g.state = PeriodicState::Firing;
            let gen = g.gen;
            Self::queue_task(s, a, EventKind::PeriodicSync { tag, gen });
        }
    }

    fn periodic_ended(&self, s: &mut SwState, r: RegId, tag: u8, gen: bool, ok: bool) {
        let max_retries = self.cfg.periodic_max_retries;
        let list = &mut s.reg_mut(r).periodic;
        let Some(g) = list.iter_mut().find(|g| g.tag == tag && g.gen == gen) else {
            return; // its registration was unregistered meanwhile: nothing more fires
        };
        let reregistered = g.state == PeriodicState::ReregisteredWhileFiring;
        if ok || reregistered || g.retries >= max_retries {
            g.state = PeriodicState::Pending;
            g.retries = 0;
        } else {
            // A retry after a small back-off: fire again.
            g.retries += 1;
            g.state = PeriodicState::Pending;
        }
    }

    /// The UA suspends a pending periodic registration, or resumes a suspended one.
    pub(crate) fn periodic_suspend(s: &mut SwState, tag: u8, suspend: bool) {
        let Some(r) = s.map_entry() else { return };
        if let Some(g) = s.reg_mut(r).periodic.iter_mut().find(|g| g.tag == tag) {
            g.state = match (g.state, suspend) {
                (PeriodicState::Pending, true) => PeriodicState::Suspended,
                (PeriodicState::Suspended, false) => PeriodicState::Pending,
                (other, _) => other,
            };
        }
    }
}
