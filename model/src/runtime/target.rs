//! Which worker a page's message goes to (§postMessage(message, options)).

use crate::{ClientId, SwState, WorkerId};
use swspec_model_derive::observed_type;

/// Which worker a page's `postMessage()` goes to (§postMessage(message, options)
/// works on any `ServiceWorker` object): its controller, or a slot of the scope's registration
/// (the map entry, the registration `update()` also uses).
#[observed_type(Copy, Default)]
#[serde(rename_all = "lowercase")]
pub enum MessageTarget {
    /// `navigator.serviceWorker.controller`.
    #[default]
    Controller,
    /// `registration.installing`.
    Installing,
    /// `registration.waiting`.
    Waiting,
    /// `registration.active`.
    Active,
}

impl MessageTarget {
    /// The registration slots a page can message besides its controller
    /// (`EnvChoices::post_to_slots`), in action order.
    pub const SLOTS: [MessageTarget; 3] = [
        MessageTarget::Installing,
        MessageTarget::Waiting,
        MessageTarget::Active,
    ];

    /// Whether it is the controller (the default, left out when an observation is written).
    pub fn is_controller(&self) -> bool {
        *self == MessageTarget::Controller
    }

    /// The worker client `c` reaches through it now, if any.
    pub fn worker(self, s: &SwState, c: ClientId) -> Option<WorkerId> {
        let slot = |f: fn(&crate::Registration) -> Option<WorkerId>| {
            s.map_entry().and_then(|r| f(s.reg(r)))
        };
        match self {
            MessageTarget::Controller => s.clients[c as usize].controller,
            MessageTarget::Installing => slot(|r| r.installing),
            MessageTarget::Waiting => slot(|r| r.waiting),
            MessageTarget::Active => slot(|r| r.active),
        }
    }
}
