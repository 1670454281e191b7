//! Window clients: navigation into the scope (Handle Fetch makes them controlled), reload, unload
//! (§Handle Fetch, §Handle Service Worker Client Unload, §Control and Use) and `clients.claim()`.

use crate::{RegId, SwModel, SwState, WorkerId};
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
