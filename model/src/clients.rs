//! Window clients: navigation into the scope (Handle Fetch makes them controlled), reload, unload
//! (§Handle Fetch, §Handle Service Worker Client Unload, §Control and Use) and `clients.claim()`.

use crate::{Action, RegId, SwModel, SwState, WorkerId};
use swspec_model_derive::state_type;

/// Index of a client in [`SwState::clients`]. Clients are interchangeable (symmetry reduction).
pub type ClientId = u8;

/// How a client got its current controller. `Activate` and `Claim` fire `controllerchange`
/// (Notify Controller Change); a navigation does not.
#[state_type(Copy, Default)]
#[serde(rename_all = "lowercase")]
pub enum ControlledVia {
    /// Not controlled.
    #[default]
    None,
    /// Handle Fetch for its navigation request.
    Navigation,
    /// Activate handed it to the new active worker.
    Activate,
    /// `clients.claim()`.
    Claim,
}

/// A window client in the scope.
#[state_type(Copy, Default)]
pub struct Client {
    /// The document is open (a closed client is a free slot a later navigation may reuse).
    pub open: bool,
    /// Its active service worker (controller), if any.
    pub controller: Option<WorkerId>,
    /// How the current controller was set.
    pub via: ControlledVia,
    /// Chromium profile with Background Fetch: this document already started a background fetch,
    /// so the next one needs a user gesture. Always false otherwise.
    pub bg_fetch_started: bool,
}

impl Client {
    pub(crate) fn set_controller(&mut self, w: Option<WorkerId>, via: ControlledVia) {
        self.controller = w;
        self.via = if w.is_some() {
            via
        } else {
            ControlledVia::None
        };
    }
}

impl SwState {
    /// The registration a client uses (its controller's registration), if any.
    pub fn client_registration(&self, c: ClientId) -> Option<RegId> {
        self.clients[c as usize]
            .controller
            .map(|w| self.worker(w).registration)
    }

    /// §Handle Fetch for a navigation request: §Match Service Worker Registration (the map entry,
    /// the only scope) and, when it has an active worker, that worker becomes the controller.
    pub(crate) fn navigation_controller(&self) -> Option<WorkerId> {
        self.map_entry().and_then(|r| self.reg(r).active)
    }
}

/// When the client actions are enabled.
impl SwModel {
    /// Client `c`'s own steps: a closed client can open (navigate into the scope); an open one
    /// can reload or unload. Returns whether it is open (only an open client calls APIs).
    pub(crate) fn client_actions(
        &self,
        s: &SwState,
        c: ClientId,
        actions: &mut Vec<Action>,
    ) -> bool {
        if !s.clients[c as usize].open {
            actions.push(Action::OpenClient(c));
            return false;
        }
        actions.push(Action::Reload(c));
        actions.push(Action::CloseClient(c));
        true
    }

    /// `clients.claim()` by worker `w`, when it would take over some client (see
    /// [`SwModel::claim_takes_over`]).
    pub(crate) fn claim_actions(&self, s: &SwState, w: WorkerId, actions: &mut Vec<Action>) {
        if self.cfg.env.claim && Self::claim_takes_over(s, w) {
            actions.push(Action::Claim(w));
        }
    }

    /// §claim(): rejects with InvalidStateError when `w` is not its registration's active worker
    /// (a guard, like [`SwModel::update_rejects`]).
    pub fn claim_rejects(s: &SwState, w: WorkerId) -> bool {
        s.reg(s.worker(w).registration).active != Some(w)
    }

    /// A successful `clients.claim()` by `w` would change some client's controller. Claims that
    /// change nothing are not explored as actions (they add no state).
    pub fn claim_takes_over(s: &SwState, w: WorkerId) -> bool {
        !Self::claim_rejects(s, w)
            && s.map_entry() == Some(s.worker(w).registration)
            && s.clients.iter().any(|c| c.open && c.controller != Some(w))
    }
}

/// The client actions' steps.
impl SwModel {
    /// A closed client navigates into the scope: §Handle Fetch makes the map entry's active
    /// worker its controller, which gets the navigation's fetch event.
    pub(crate) fn open_client(&self, s: &mut SwState, c: ClientId) {
        let w = s.navigation_controller();
        let client = &mut s.clients[c as usize];
        client.open = true;
        client.set_controller(w, ControlledVia::Navigation);
        self.navigation_fetch(s, c, w);
    }

    /// An open client reloads: Handle Fetch for the new document, then Handle Service Worker
    /// Client Unload for the old one (so the old registration is still in use meanwhile).
    pub(crate) fn reload(&self, s: &mut SwState, c: ClientId) {
        let old = s.client_registration(c);
        // A new document: Chromium's per-page fetch allowance starts afresh.
        s.clients[c as usize].bg_fetch_started = false;
        let w = s.navigation_controller();
        s.clients[c as usize].set_controller(w, ControlledVia::Navigation);
        self.navigation_fetch(s, c, w);
        if let Some(old) = old {
            self.handle_client_unload(s, old);
        }
    }

    /// A client's document unloads: §Handle Service Worker Client Unload.
    pub(crate) fn close_client(&self, s: &mut SwState, c: ClientId) {
        let old = s.client_registration(c);
        s.clients[c as usize] = Client::default();
        if let Some(old) = old {
            self.handle_client_unload(s, old);
        }
    }

    /// §Handle Fetch for client `c`'s navigation request: the new controller gets a fetch event,
    /// for `c` and in mode `"navigate"` (queued;
    /// dispatched once it is activated). When the worker's event bound is reached the event is
    /// treated as skipped, as §Create Fetch Event and Dispatch allows for a worker whose fetch
    /// listeners are empty (a documented bound effect).
    /// Either way the registration that handled it is due a Soft Update (shouldSoftUpdate is
    /// true for every non-subresource request), with `EnvChoices::navigation_soft_update`.
    fn navigation_fetch(&self, s: &mut SwState, c: ClientId, w: Option<WorkerId>) {
        if let Some(w) = w {
            if self.cfg.env.navigation_soft_update {
                let r = s.worker(w).registration;
                s.reg_mut(r).soft_update_due = true;
            }
            if self.cfg.fetch_events && self.can_receive(s, w) {
                Self::queue_task(s, w, self.fetch_event(c, true));
            }
        }
    }

    /// `clients.claim()` by worker `w` (none when it rejects: [`SwModel::claim_rejects`]).
    pub(crate) fn claim_call(&self, s: &mut SwState, w: WorkerId) -> Option<()> {
        if Self::claim_rejects(s, w) {
            return None;
        }
        let r = s.worker(w).registration;
        self.claim(s, w, r);
        Some(())
    }
}

/// The client algorithms.
impl SwModel {
    /// §Handle Service Worker Client Unload, for the registration `r` the unloaded client used.
    pub(crate) fn handle_client_unload(&self, s: &mut SwState, r: RegId) {
        if s.clients_using(r) > 0 {
            return;
        }
        if s.is_unregistered(r) {
            self.try_clear_registration(s, r);
        }
        if self.cfg.bug != Some(crate::Bug::UnloadSkipsTryActivate) {
            self.try_activate(s, r);
        }
    }

    /// §claim() for the active worker `w` of registration `r`: every open client whose matching
    /// registration is `r` and whose controller is not `w` is taken over.
    pub(crate) fn claim(&self, s: &mut SwState, w: WorkerId, r: RegId) {
        if s.map_entry() != Some(r) {
            return; // Match Service Worker Registration finds no unregistered registration.
        }
        for i in 0..s.clients.len() {
            let c = s.clients[i];
            if !c.open || c.controller == Some(w) {
                continue;
            }
            let old = s.client_registration(i as ClientId);
            s.clients[i].set_controller(Some(w), ControlledVia::Claim);
            if let Some(old) = old {
                if old != r {
                    self.handle_client_unload(s, old);
                }
            }
        }
    }
}
