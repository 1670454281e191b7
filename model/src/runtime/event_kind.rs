//! The kinds of events that reach a worker through its task queues (fetch, message, push,
//! notification, sync and background fetch events), each with the DOM name its handler sees.

use crate::ClientId;
use swspec_model_derive::state_type;

/// Kinds of events that reach a worker through its task queues.
#[state_type(Copy)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// `fetch` (§Handle Fetch): for client `client`'s navigation request (`navigate`, the
    /// request's mode is `"navigate"`: its reserved client, the new document) or for a
    /// subresource request of that controlled client (`FetchEvent.clientId`).
    Fetch {
        /// The client the request is for; `None` unless `ModelConfig::fetch_details`.
        client: Option<ClientId>,
        /// A navigation request (the `FetchEvent`'s `request.mode` is `"navigate"`); always
        /// false unless `ModelConfig::fetch_details`.
        navigate: bool,
    },
    /// `message` from `ServiceWorker.postMessage()`.
    Message,
    /// `push` (§Receiving a push message).
    Push,
    /// `notificationclick`.
    NotificationClick,
    /// `notificationclose`.
    NotificationClose,
    /// `sync` for one-off registration `tag`, with its `lastChance`.
    Sync {
        /// The registration's tag.
        tag: u8,
        /// No further attempt follows this one.
        last_chance: bool,
    },
    /// `periodicsync` for periodic registration `tag`.
    PeriodicSync {
        /// The registration's tag.
        tag: u8,
        /// Which registration object of that tag fired it (see `PeriodicRegistration::gen`).
        gen: bool,
    },
    /// `backgroundfetchsuccess` for the registration's background fetch in slot `0`.
    BgFetchSuccess(u8),
    /// `backgroundfetchfail` for the fetch in slot `0`.
    BgFetchFail(u8),
    /// `backgroundfetchabort` for the fetch in slot `0`.
    BgFetchAbort(u8),
    /// `backgroundfetchclick` for the fetch in slot `0`.
    BgFetchClick(u8),
}

impl EventKind {
    /// Fetch and functional events wait for the worker to be activated and survive termination
    /// in the registration's task queues; other tasks (messages) are discarded by termination.
    pub fn is_functional(self) -> bool {
        !matches!(self, EventKind::Message)
    }

    /// The event's DOM name.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Fetch { .. } => "fetch",
            EventKind::Message => "message",
            EventKind::Push => "push",
            EventKind::NotificationClick => "notificationclick",
            EventKind::NotificationClose => "notificationclose",
            EventKind::Sync { .. } => "sync",
            EventKind::PeriodicSync { .. } => "periodicsync",
            EventKind::BgFetchSuccess(_) => "backgroundfetchsuccess",
            EventKind::BgFetchFail(_) => "backgroundfetchfail",
            EventKind::BgFetchAbort(_) => "backgroundfetchabort",
            EventKind::BgFetchClick(_) => "backgroundfetchclick",
        }
    }
}
