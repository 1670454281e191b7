//! The steps of a scenario (`[[step]]`, named by their `do` field) and the values they take.

use crate::capture::server::served_body_len;
use serde::{Deserialize, Serialize};
use swspec_model::observe::DownloadTotal;
use swspec_model::{Observation, Permission, PermissionState};

/// What the worker's message handler does with a posted message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageCmd {
    /// Nothing but report the event.
    Ping,
    /// Call `self.skipWaiting()`.
    SkipWaiting,
    /// Call `self.clients.claim()`.
    Claim,
    /// Extend the event with a promise that never settles.
    Hang,
    /// Extend the event by `ms`.
    Busy,
    /// Call `self.registration.update()` (an update from the worker's own global).
    Update,
}

/// Which worker a `post_message` step posts to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// `navigator.serviceWorker.controller` (default).
    #[default]
    Controller,
    /// `registration.installing`.
    Installing,
    /// `registration.waiting`.
    Waiting,
    /// `registration.active`.
    Active,
}

impl Target {
    /// The default target (skipped when a step is written out, so older records keep their
    /// shape).
    fn is_controller(&self) -> bool {
        *self == Target::Controller
    }
}

/// Where a `navigate` step takes a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nav {
    /// Another URL in the registration's scope (`/page.html?nav=N`): a new document, the
    /// model's `reload` (or `open_client`, coming back from out of scope).
    InScope,
    /// The client page on another origin (`localhost` for `127.0.0.1`), out of every scope of
    /// this one: the client unloads (the model's `close_client`).
    OutOfScope,
}

/// One step of a scenario, named by its `do` field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Open a new tab on the client page (a client named `client`).
    Open {
        /// The client's name in the scenario and the trace.
        client: String,
    },
    /// Reload a client (a normal reload: a shift-reload would bypass the worker).
    Reload {
        /// The client.
        client: String,
    },
    /// Close a client's tab.
    Close {
        /// The client.
        client: String,
    },
    /// From now on the server serves script version `version` (with its behaviour).
    Serve {
        /// The version.
        version: u32,
    },
    /// `navigator.serviceWorker.register('/sw.js')` in a client.
    Register {
        /// The client.
        client: String,
    },
    /// `registration.update()` in a client.
    Update {
        /// The client.
        client: String,
    },
    /// `registration.unregister()` in a client.
    Unregister {
        /// The client.
        client: String,
    },
    /// `worker.postMessage({cmd, ms})` in a client, to its controller or to one of its
    /// registration's workers.
    PostMessage {
        /// The client.
        client: String,
        /// What the worker does with it (default `ping`).
        #[serde(default = "default_cmd")]
        cmd: MessageCmd,
        /// Duration for `cmd = "busy"` (ms).
        #[serde(default)]
        ms: Option<u64>,
        /// The worker it is posted to (default the controller).
        #[serde(default, skip_serializing_if = "Target::is_controller")]
        to: Target,
    },
    /// The client navigates to another URL, in the scope or out of it.
    Navigate {
        /// The client.
        client: String,
        /// Where to.
        to: Nav,
    },
    /// `navigator.serviceWorker.getRegistration('/')` in a client: whether it finds one, and
    /// whether it is the object the page already holds.
    GetRegistration {
        /// The client.
        client: String,
    },
    /// `navigator.serviceWorker.getRegistrations()` in a client.
    GetRegistrations {
        /// The client.
        client: String,
    },
    /// `registration.pushManager.getSubscription()` in a client.
    GetSubscription {
        /// The client.
        client: String,
    },
    /// `fetch('/echo')` in a client: a subresource request.
    Fetch {
        /// The client.
        client: String,
    },
    /// DevTools stops every running worker (`ServiceWorker.stopAllWorkers`).
    StopWorker,
    /// DevTools emulates the worker's network offline (a session on the worker's target, which
    /// also suppresses idle termination for the rest of the capture).
    GoOffline,
    /// The worker's network comes back.
    GoOnline,
    /// `registration.sync.register(tag)` in a client.
    SyncRegister {
        /// The client.
        client: String,
        /// The tag.
        tag: String,
    },
    /// `registration.sync.getTags()` in a client.
    SyncTags {
        /// The client.
        client: String,
    },
    /// `registration.periodicSync.register(tag, {minInterval})` in a client.
    PeriodicSyncRegister {
        /// The client.
        client: String,
        /// The tag.
        tag: String,
        /// `minInterval` (ms, default 1000).
        #[serde(default)]
        min_interval_ms: Option<u64>,
    },
    /// Grant a permission to the origin (DevTools `Browser.grantPermissions`).
    Grant {
        /// `push`, `background-sync`, `periodic-background-sync` or `background-fetch`.
        permission: Permission,
    },
    /// Sets a permission of the origin to `state` (DevTools `Browser.setPermission`): a denial
    /// the model's origin does not start with, or a grant back.
    SetPermission {
        /// `push`, `background-sync`, `periodic-background-sync` or `background-fetch`.
        permission: Permission,
        /// `granted` or `denied`.
        state: PermissionState,
    },
    /// `registration.periodicSync.unregister(tag)` in a client.
    PeriodicSyncUnregister {
        /// The client.
        client: String,
        /// The tag.
        tag: String,
    },
    /// DevTools fires a periodicsync event (`ServiceWorker.dispatchPeriodicSyncEvent`).
    DispatchPeriodicSync {
        /// The tag.
        tag: String,
    },
    /// DevTools delivers a push message (`ServiceWorker.deliverPushMessage`).
    Push {
        /// The payload (default empty).
        #[serde(default)]
        data: String,
    },
    /// `registration.backgroundFetch.fetch(id, urls, {downloadTotal})` in a client, after a
    /// trusted click (Chromium lets a tab start one download without a user gesture).
    BgFetch {
        /// The client.
        client: String,
        /// The fetch id.
        id: String,
        /// Resources: `/res/ok?size=N`, `/res/404`, `/res/reset`, `/res/hang`.
        urls: Vec<String>,
        /// `downloadTotal` (bytes).
        #[serde(default)]
        download_total: Option<u64>,
    },
    /// `(await backgroundFetch.get(id)).abort()` in a client.
    BgFetchAbort {
        /// The client.
        client: String,
        /// The fetch id.
        id: String,
    },
    /// `backgroundFetch.get(id)` in a client: the registration's fields, or none.
    BgFetchGet {
        /// The client.
        client: String,
        /// The fetch id.
        id: String,
    },
    /// `backgroundFetch.getIds()` in a client.
    BgFetchIds {
        /// The client.
        client: String,
    },
    /// `periodicSync.getTags()` in a client.
    PeriodicSyncTags {
        /// The client.
        client: String,
    },
    /// Wait until the trace holds `count` observations of type `obs` whose given fields match,
    /// counted from the previous driver step (so a fast effect is not missed).
    Wait {
        /// The observation's `type` (e.g. `state_change`).
        obs: String,
        /// The worker's script version, for worker observations.
        #[serde(default)]
        version: Option<u32>,
        /// `state` of a `state_change`.
        #[serde(default)]
        state: Option<String>,
        /// `status` of a `running_status`.
        #[serde(default)]
        status: Option<String>,
        /// `event` of a lifecycle, functional or settled event.
        #[serde(default)]
        event: Option<String>,
        /// `tag` (or fetch id) of a functional event.
        #[serde(default)]
        tag: Option<String>,
        /// `client` of a page observation.
        #[serde(default)]
        client: Option<String>,
        /// How many (default 1).
        #[serde(default = "one")]
        count: u32,
        /// Give up after this long (ms, default 15000): the capture fails and is kept as
        /// `*.partial.jsonl`.
        #[serde(default = "default_wait")]
        timeout_ms: u64,
        /// The observation may not come on every engine (a stop WebKit never makes): on timeout
        /// a driver note records it and the capture goes on (default false).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        optional: bool,
    },
    /// Do nothing for `ms`.
    Sleep {
        /// Milliseconds.
        ms: u64,
    },
}

impl Step {
    /// The `background_fetch` observation of a `bg_fetch` step: the page's call, with whether
    /// its `downloadTotal` is below the bytes the capture's server serves for its URLs
    /// ([`served_body_len`]; a URL whose body it does not know counts nothing, so such a total
    /// is only "below" when it is below the others). Both the capture and `swspec remap` derive
    /// it here, from the step alone.
    pub fn bg_fetch_observation(&self) -> Option<Observation<String>> {
        let Step::BgFetch {
            client,
            id,
            urls,
            download_total,
        } = self
        else {
            return None;
        };
        let served: u64 = urls.iter().filter_map(|u| served_body_len(u)).sum();
        let download_total = match download_total {
            Some(total) if *total > 0 && *total < served => DownloadTotal::Below,
            _ => DownloadTotal::None,
        };
        Some(Observation::BackgroundFetch {
            client: client.clone(),
            id: id.clone(),
            requests: urls.len().min(255) as u8,
            download_total,
        })
    }
}

fn default_cmd() -> MessageCmd {
    MessageCmd::Ping
}
fn one() -> u32 {
    1
}
fn default_wait() -> u64 {
    15_000
}
