//! The model's actions, each described once: the [`Action`] enum, [`Action::spec`],
//! [`Action::actor`], its `Display` and the public catalogue [`ACTIONS`] all come from the one
//! table at the bottom of this file.
//!
//! Each entry gives, after the variant's doc comment and fields: who takes the step (`by`), the
//! spec section it performs (`spec`), the file and function whose rule enables it (`enabled`;
//! the compiler checks the function exists), and how a report shows it (`shows`, format
//! arguments over the variant's fields). Entries are grouped by spec area. The order in which
//! the model *offers* actions is not this table's: it is `SwModel::actions`'s (model.rs).

use crate::{
    ClientId, InstallOutcome, MessageTarget, Permission, PermissionState, RegId, StopCause,
    SwModel, WorkerId,
};
use serde::{Deserialize, Serialize};

/// Where a step comes from: the page, the worker, the user agent, or the environment
/// (network, server, timing). Used in reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Actor {
    /// A page (window client) calls an API or navigates.
    Page,
    /// Script running in a service worker.
    Worker,
    /// The user agent's own algorithm steps.
    Browser,
    /// The network, the server or a timer chooses an outcome.
    Environment,
}

/// The spec areas the actions are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Window clients: navigation, reload, unload, `clients.claim()` (clients.rs).
    Clients,
    /// The job queue: register, update, unregister, Soft Update, Run Job, Install (jobs.rs).
    JobQueue,
    /// Activation and skip waiting (lifecycle.rs).
    Lifecycle,
    /// The worker runtime: running status, tasks, extended events, termination (runtime.rs).
    Runtime,
    /// Push API and Notifications (push.rs).
    Push,
    /// Background Sync (sync.rs).
    Sync,
    /// Periodic Background Sync (sync.rs).
    PeriodicSync,
    /// Background Fetch (bgfetch.rs, bgfetch/perform.rs).
    BackgroundFetch,
    /// What the user and the network do: permissions, offline and online.
    Environment,
}

/// One action as the catalogue describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionInfo {
    /// The variant's name (also its `action` tag in `swspec check --json`).
    pub name: &'static str,
    /// The spec area it belongs to.
    pub area: Area,
    /// Who takes the step.
    pub actor: Actor,
    /// The spec section(s) it performs.
    pub spec: &'static str,
    /// What it models (the variant's doc comment).
    pub description: &'static str,
    /// The file and function whose rule enables it.
    pub enabled_in: &'static str,
}

macro_rules! actions {
    ($(
        [area $area:ident]
        $(
            $(#[doc = $doc:literal])*
            $name:ident
            $( ( $($tb:ident : $tty:ty),* ) )?
            $( { $( $(#[doc = $fdoc:literal])* $fname:ident : $fty:ty ),* $(,)? } )?
            by $actor:ident,
            spec $spec:literal,
            enabled $file:literal $enabled:path,
            shows ($($shows:tt)*);
        )*
    )*) => {
        /// A model step. Each variant names the spec algorithm it performs; [`Action::spec`]
        /// gives the section and [`ACTIONS`] the whole entry.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(tag = "action", content = "with", rename_all = "PascalCase")]
        pub enum Action {$($(
            $(#[doc = $doc])*
            #[doc = ""]
            #[doc = concat!(
                "By: ", stringify!($actor), ". Spec: ", $spec, ". Enabled in `", $file, "` by `",
                stringify!($enabled), "`."
            )]
            $name
            $( ( $($tty),* ) )?
            $( { $( $(#[doc = $fdoc])* $fname: $fty ),* } )?,
        )*)*}

        /// Every action, grouped by spec area: the catalogue `SPEC_NOTES.md` is checked
        /// against.
        pub static ACTIONS: &[ActionInfo] = &[$($(ActionInfo {
            name: stringify!($name),
            area: Area::$area,
            actor: Actor::$actor,
            spec: $spec,
            description: concat!($($doc),*).trim_ascii(),
            enabled_in: concat!($file, ": ", stringify!($enabled)),
        }),*),*];

        /// The variants' positions in [`ACTIONS`].
        #[allow(dead_code)]
        enum Index {$($($name),*),*}

        impl Action {
            /// The action's catalogue entry.
            pub fn info(&self) -> &'static ActionInfo {
                let i = match self {$($(Action::$name { .. } => Index::$name as usize,)*)*};
                &ACTIONS[i]
            }
        }

        impl std::fmt::Display for Action {
            #[allow(unused_variables)]
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {$($(
                    Action::$name $( ( $($tb),* ) )? $( { $($fname),* } )? => {
                        write!(f, $($shows)*)
                    }
                )*)*}
            }
        }

        /// Each entry's enabling function exists (this is never called).
        #[allow(dead_code)]
        fn enabling_rules_exist() {
            $($(let _ = $enabled;)*)*
        }
    };
}

impl Action {
    /// The spec section (W3C Service Workers, index.bs, unless another spec is named) the action
    /// performs.
    pub fn spec(&self) -> &'static str {
        self.info().spec
    }

    /// Who takes the step.
    pub fn actor(&self) -> Actor {
        self.info().actor
    }
}

actions! {
    [area Clients]

    /// A closed client navigates into the scope: Handle Fetch for a navigation request.
    OpenClient(c: ClientId)
        by Page, spec "§Handle Fetch",
        enabled "clients.rs" SwModel::client_actions,
        shows ("client {c} navigates into the scope");

    /// An open client reloads (or navigates within the scope): Handle Fetch for the new document,
    /// then Handle Service Worker Client Unload for the old one. Observed as `reload`.
    Reload(c: ClientId)
        by Page, spec "§Handle Fetch; §Handle Service Worker Client Unload",
        enabled "clients.rs" SwModel::client_actions,
        shows ("client {c} reloads");

    /// A client's document unloads: Handle Service Worker Client Unload.
    CloseClient(c: ClientId)
        by Page, spec "§Handle Service Worker Client Unload",
        enabled "clients.rs" SwModel::client_actions,
        shows ("client {c} unloads");

    /// `clients.claim()` in worker `0`, its registration's active worker: it takes over the
    /// matching clients (the InvalidStateError case is [`SwModel::claim_rejects`]).
    Claim(w: WorkerId)
        by Worker, spec "§claim()",
        enabled "clients.rs" SwModel::claim_actions,
        shows ("worker {w} calls clients.claim()");

    [area JobQueue]

    /// `navigator.serviceWorker.register(script)`: Start Register, Create Job, Schedule Job.
    Register {
        /// The calling client.
        client: ClientId,
        /// The script URL index.
        script: u8,
    }
        by Page, spec "§register(); §Start Register; §Schedule Job",
        enabled "jobs.rs" SwModel::page_job_actions,
        shows ("client {client} calls register(script {script})");

    /// `registration.update()`: an update job is scheduled (the InvalidStateError case, no newest
    /// worker, is [`SwModel::update_rejects`]).
    Update {
        /// The calling client.
        client: ClientId,
    }
        by Page, spec "§update(); §Schedule Job",
        enabled "jobs.rs" SwModel::page_job_actions,
        shows ("client {client} calls update()");

    /// `self.registration.update()` from worker `0`'s own global (installed, activating or
    /// activated; with `EnvChoices::worker_update`): an update job whose promise the worker
    /// holds. The installing worker's call rejects with InvalidStateError: the guard
    /// `SwModel::worker_update_guard_step`.
    WorkerUpdate(w: WorkerId)
        by Worker, spec "§update(); §Schedule Job",
        enabled "worker_update.rs" SwModel::worker_update_actions,
        shows ("worker {w} calls self.registration.update()");

    /// `registration.unregister()`: an unregister job is scheduled.
    Unregister {
        /// The calling client.
        client: ClientId,
    }
        by Page, spec "§unregister(); §Schedule Job",
        enabled "jobs.rs" SwModel::page_job_actions,
        shows ("client {client} calls unregister()");

    /// The user agent runs Soft Update on the scope's registration (a job with no client and no
    /// promise): at any time ("as often as it likes"), or after a navigation it handled
    /// (§Handle Fetch). Only its script fetch (`script_fetched`) and what the job then does
    /// show it.
    SoftUpdate
        by Browser, spec "§Soft Update",
        enabled "jobs.rs" SwModel::job_actions,
        shows ("browser runs Soft Update");

    /// Run Job: the front job starts (Register, Update or Unregister).
    RunJob
        by Browser, spec "§Run Job; §Register / §Update / §Unregister",
        enabled "jobs.rs" SwModel::job_actions,
        shows ("browser runs the front job");

    /// Update: the script fetch fails (network error, bad MIME type, ...).
    UpdateFetchFailed
        by Environment, spec "§Update (fetch failure)",
        enabled "jobs.rs" SwModel::job_actions,
        shows ("script fetch fails");

    /// Update: the script is byte-for-byte identical to the newest worker's; the promise resolves,
    /// nothing installs.
    UpdateBytesIdentical
        by Environment, spec "§Update (byte-for-byte identical)",
        enabled "jobs.rs" SwModel::job_actions,
        shows ("script bytes are identical");

    /// Update: the script differs from the newest worker's (the next version): a new worker is
    /// created and Run Service Worker starts evaluating its script (running status `starting`).
    UpdateBytesChanged
        by Environment, spec "§Update (hasUpdatedResources); §Run Service Worker",
        enabled "jobs.rs" SwModel::job_actions,
        shows ("script bytes changed: a new worker starts");

    /// Update: the new worker's script fails to evaluate (Run Service Worker fails): it is
    /// discarded and the job rejects.
    UpdateEvaluationFailed
        by Environment, spec "§Update; §Run Service Worker (failure)",
        enabled "jobs.rs" SwModel::job_actions,
        shows ("changed script fails to evaluate");

    /// Update: the new worker's script evaluated (it runs); Install starts (installing slot,
    /// the job promise resolves, updatefound, the install event is dispatched).
    Install
        by Browser, spec "§Update; §Install",
        enabled "jobs.rs" SwModel::job_actions,
        shows ("changed script evaluates; install starts");

    /// Install: the install event ends with `outcome`.
    InstallEventSettled(o: InstallOutcome)
        by Environment, spec "§Install (install event)",
        enabled "jobs.rs" SwModel::job_actions,
        shows ("install event ends: {o:?}");

    [area Lifecycle]

    /// Activate: the activate event's task runs on worker `0` (it is activating and running,
    /// and the tasks queued before it have run): its activate handler is dispatched.
    ActivateEvent(w: WorkerId)
        by Browser, spec "§Activate (fire the activate event)",
        enabled "lifecycle.rs" SwModel::lifecycle_actions,
        shows ("worker {w} handles its activate event");

    /// Activate: the activate event of worker `0` ends (any outcome), or its task was discarded;
    /// the worker is activated.
    ActivateEventSettled(w: WorkerId)
        by Environment, spec "§Activate (activate event)",
        enabled "lifecycle.rs" SwModel::lifecycle_actions,
        shows ("worker {w}'s activate event ends");

    /// `self.skipWaiting()` in worker `0`: set the skip waiting flag, Try Activate.
    SkipWaiting(w: WorkerId)
        by Worker, spec "§skipWaiting(); §Try Activate",
        enabled "lifecycle.rs" SwModel::lifecycle_actions,
        shows ("worker {w} calls skipWaiting()");

    /// Chromium's lame-duck timeout: the waiting worker of registration `0` is activated although
    /// the active worker still has pending events (not in the spec).
    LameDuckActivate(r: RegId)
        by Browser, spec "Chromium kMaxLameDuckTime (not in the spec)",
        enabled "lifecycle.rs" SwModel::lame_duck_actions,
        shows ("registration {r}'s waiting worker is force-activated (lame duck)");

    [area Runtime]

    /// A client posts a message to its controller, or (with `EnvChoices::post_to_slots`) to the
    /// scope registration's installing, waiting or active worker (§postMessage(message,
    /// options) works on any `ServiceWorker` object): Run Service Worker,
    /// then a message task is queued on that worker.
    PostMessage {
        /// The calling client.
        client: ClientId,
        /// The worker it is posted to.
        to: MessageTarget,
    }
        by Page, spec "§postMessage(message, options); §Run Service Worker",
        enabled "runtime.rs" SwModel::page_event_actions,
        shows (
            "client {client} posts a message to {}",
            if to.is_controller() { "its controller".to_string() } else { format!("registration.{to:?}").to_lowercase() }
        );

    /// A controlled client requests a subresource: Handle Fetch queues a fetch task on its
    /// controller (dispatched only once the controller is activated).
    Fetch(c: ClientId)
        by Page, spec "§Handle Fetch (subresource request)",
        enabled "runtime.rs" SwModel::page_event_actions,
        shows ("client {c} fetches a subresource");

    /// Run Service Worker begins for worker `0`, stopped with an event task (or its activate
    /// event) queued: the user agent starts it (running status `starting`), in a step of its
    /// own, as late as it likes after the step that queued the task.
    RunServiceWorker(w: WorkerId)
        by Browser, spec "§Run Service Worker",
        enabled "runtime.rs" SwModel::running_actions,
        shows ("Run Service Worker starts worker {w}");

    /// Run Service Worker finishes: worker `0` runs; an active worker gets the registration's
    /// backed-up tasks.
    WorkerStarted(w: WorkerId)
        by Browser, spec "§Run Service Worker",
        enabled "runtime.rs" SwModel::running_actions,
        shows ("worker {w} starts running");

    /// Run Service Worker fails for worker `0`: the events that needed it fail.
    WorkerStartFailed(w: WorkerId)
        by Browser, spec "§Run Service Worker (failure)",
        enabled "runtime.rs" SwModel::running_actions,
        shows ("worker {w} fails to start");

    /// The front task of `worker` is dispatched (Fire Functional Event / Create Fetch Event and
    /// Dispatch / message): its handler runs, observed as `functional_event`. With
    /// `wait_until`, the handler leaves a lifetime promise pending (`waitUntil`/`respondWith`)
    /// and the event joins the set of extended events; with `notify`, a push handler shows a
    /// notification.
    FunctionalEvent {
        /// The worker.
        worker: WorkerId,
        /// A lifetime promise stays pending.
        wait_until: bool,
        /// The push handler shows a notification.
        notify: bool,
    }
        by Worker,
        spec "§Fire Functional Event; §Create Fetch Event and Dispatch; §Update Service Worker Extended Events Set",
        enabled "runtime.rs" SwModel::running_actions,
        shows (
            "worker {worker} handles its next event{}{}",
            if *notify { ", shows a notification" } else { "" },
            if *wait_until { " and keeps it alive with waitUntil" } else { "" }
        );

    /// The lifetime promises of one of worker `worker`'s extended events settle (the events'
    /// promises settle in any order): all fulfil (`fulfilled`), or one rejects (the event fails;
    /// for a sync event: retry or give up; for the others the outcome changes no state). When
    /// it was the last: Try Clear Registration if unregistered, then Try Activate. Observed as
    /// `wait_until_settled`.
    WaitUntilSettled {
        /// The worker.
        worker: WorkerId,
        /// The event's position in the worker's set of extended events (oldest first).
        event: u8,
        /// Every lifetime promise fulfilled (true) or one rejected (false).
        fulfilled: bool,
    }
        by Worker, spec "§ExtendableEvent (add lifetime promise)",
        enabled "runtime.rs" SwModel::extended_event_actions,
        shows (
            "worker {worker}'s pending waitUntil promise of extended event {event} {}",
            if *fulfilled { "settles" } else { "rejects" }
        );

    /// Worker `0`'s pending events time out (their timed out flag is set: they fail); under
    /// profiles that kill on timeout the worker is terminated too.
    EventTimedOut(w: WorkerId)
        by Browser, spec "§ExtendableEvent (timed out flag); §Lifetime",
        enabled "runtime.rs" SwModel::running_actions,
        shows ("worker {w}'s pending events time out");

    /// Terminate Service Worker on `worker` for `cause` (idle, forced or unresponsive); a forced
    /// stop (DevTools) is observed as `stop_worker`.
    StopWorker {
        /// The worker.
        worker: WorkerId,
        /// Why.
        cause: StopCause,
    }
        by Browser, spec "§Terminate Service Worker; §Lifetime",
        enabled "runtime.rs" SwModel::running_actions,
        shows ("browser stops worker {worker} ({cause:?})");

    [area Push]

    /// `pushManager.subscribe({userVisibleOnly: true})` succeeds (rejections are the guard
    /// `SwModel::subscribe_rejects`).
    Subscribe(c: ClientId)
        by Page, spec "Push API §subscribe() method",
        enabled "push.rs" SwModel::subscribe_actions,
        shows ("client {c} subscribes to push");

    /// The push service delivers a message: Fire Functional Event `push` on the subscribed
    /// registration's active worker.
    PushMessage
        by Environment, spec "Push API §Receiving a push message; §Fire Functional Event",
        enabled "push.rs" SwModel::push_actions,
        shows ("a push message arrives");

    /// The user clicks the registration's notification: `notificationclick`.
    NotificationClick
        by Environment, spec "Notifications §Activating a notification",
        enabled "push.rs" SwModel::push_actions,
        shows ("the user clicks the notification");

    /// The user closes the registration's notification: `notificationclose`.
    NotificationClose
        by Environment, spec "Notifications §Closing a notification",
        enabled "push.rs" SwModel::push_actions,
        shows ("the user closes the notification");

    [area Sync]

    /// `registration.sync.register(tag)` from a page (rejections are the guard
    /// `SwModel::sync_register_rejects`).
    SyncRegister {
        /// The calling client.
        client: ClientId,
        /// The tag.
        tag: u8,
    }
        by Page, spec "Background Sync §register(tag)",
        enabled "sync.rs" SwModel::sync_actions,
        shows ("client {client} calls sync.register(tag {tag})");

    /// Fire a sync event for the pending registration `tag` (the UA is online).
    SyncFire {
        /// The tag.
        tag: u8,
    }
        by Browser, spec "Background Sync §fire a sync event",
        enabled "sync.rs" SwModel::sync_actions,
        shows ("browser fires sync for tag {tag}");

    /// The UA's retry delay for `tag` has passed.
    SyncRetryDue {
        /// The tag.
        tag: u8,
    }
        by Browser, spec "Background Sync §fire a sync event (retry after a UA-defined delay)",
        enabled "sync.rs" SwModel::sync_actions,
        shows ("the retry delay of sync tag {tag} passes");

    [area PeriodicSync]

    /// `registration.periodicSync.register(tag)` from a page.
    PeriodicSyncRegister {
        /// The calling client.
        client: ClientId,
        /// The tag.
        tag: u8,
    }
        by Page, spec "Periodic Background Sync §register(tag, options)",
        enabled "sync.rs" SwModel::periodic_actions,
        shows ("client {client} calls periodicSync.register(tag {tag})");

    /// `registration.periodicSync.unregister(tag)` from a page.
    PeriodicSyncUnregister {
        /// The calling client.
        client: ClientId,
        /// The tag.
        tag: u8,
    }
        by Page, spec "Periodic Background Sync §unregister(tag)",
        enabled "sync.rs" SwModel::periodic_actions,
        shows ("client {client} calls periodicSync.unregister(tag {tag})");

    /// The interval of periodic registration `tag` has elapsed while online: fire a periodicsync
    /// event.
    PeriodicSyncFire {
        /// The tag.
        tag: u8,
    }
        by Browser,
        spec "Periodic Background Sync §Process periodic sync registrations; §Fire a periodicsync event",
        enabled "sync.rs" SwModel::periodic_actions,
        shows ("the interval of periodic tag {tag} elapses: browser fires periodicsync");

    /// The UA suspends (`suspend`) or resumes periodic registration `tag`.
    PeriodicSyncSuspend {
        /// The tag.
        tag: u8,
        /// Suspend (true) or resume (false).
        suspend: bool,
    }
        by Browser, spec "Periodic Background Sync §Periodic sync registration (suspended)",
        enabled "sync.rs" SwModel::periodic_actions,
        shows ("browser {} periodic tag {tag}", if *suspend { "suspends" } else { "resumes" });

    [area BackgroundFetch]

    /// `backgroundFetch.fetch(id, requests, {downloadTotal})` on the map entry's registration
    /// succeeds (rejections are the guard `SwModel::bg_fetch_rejects`): the fetch becomes
    /// active and Perform a background fetch starts.
    BackgroundFetch {
        /// The calling page.
        client: ClientId,
        /// The id (`0..max_bg_fetches`).
        id: u8,
        /// Number of requests (1 or 2).
        requests: u8,
        /// `downloadTotal` in chunks: 0 (none) or `bgfetch::download_total_below(requests)`,
        /// below the bytes served, so §Complete a record can fail a record with
        /// `"download-total-exceeded"` (with one request or two).
        download_total: u8,
        /// Chromium: the call follows a user gesture (needed after the page's first fetch).
        gesture: bool,
    }
        by Page, spec "Background Fetch §fetch()",
        enabled "bgfetch/perform.rs" SwModel::bg_actions,
        shows (
            "client {client} calls backgroundFetch.fetch(id {id}, {requests} request(s), downloadTotal {download_total}){}",
            if *gesture { " after a user gesture" } else { "" }
        );

    /// `abort()` on an active background fetch (from a page, the worker, or the user through
    /// the UI) resolves true: the fetch leaves the active fetches and its records are aborted.
    BgFetchAbort {
        /// The registration.
        registration: RegId,
        /// The fetch's slot.
        fetch: u8,
    }
        by Page, spec "Background Fetch §abort(); §Display (user abort)",
        enabled "bgfetch/perform.rs" SwModel::bg_actions,
        shows ("abort() on registration {registration}'s background fetch {fetch}");

    /// The network (or storage) takes one step of a record's fetch (Complete a record).
    BgRecordProgress {
        /// The registration.
        registration: RegId,
        /// The fetch's slot.
        fetch: u8,
        /// The record's index.
        record: u8,
        /// What happens.
        outcome: crate::RecordOutcome,
    }
        by Environment, spec "Background Fetch §Complete a record",
        enabled "bgfetch/perform.rs" SwModel::bg_actions,
        shows ("registration {registration}'s background fetch {fetch}, record {record}: {outcome:?}");

    /// The network is available again: a paused fetch resumes (its records re-request with a
    /// `Range` header).
    BgFetchOnline {
        /// The registration.
        registration: RegId,
        /// The fetch's slot.
        fetch: u8,
        /// The server ignores the range: partial bodies restart from zero.
        restart: bool,
    }
        by Environment,
        spec "Background Fetch §Complete a record (temporarily unavailable: wait, retry)",
        enabled "bgfetch/perform.rs" SwModel::bg_actions,
        shows (
            "the network is back for registration {registration}'s background fetch {fetch}{}",
            if *restart { "; the server restarts the partial bodies" } else { "" }
        );

    /// Perform a background fetch finishes: result and failure reason are set and one completion
    /// event is fired through Fire Functional Event.
    BgFetchComplete {
        /// The registration.
        registration: RegId,
        /// The fetch's slot.
        fetch: u8,
    }
        by Browser, spec "Background Fetch §Perform a background fetch; §Fire Functional Event",
        enabled "bgfetch/perform.rs" SwModel::bg_actions,
        shows ("registration {registration}'s background fetch {fetch} finishes");

    /// The user activates the fetch's UI: `backgroundfetchclick`.
    BgFetchClick {
        /// The registration.
        registration: RegId,
        /// The fetch's slot.
        fetch: u8,
    }
        by Environment, spec "Background Fetch §Fire a background fetch click event",
        enabled "bgfetch/perform.rs" SwModel::bg_actions,
        shows ("the user clicks registration {registration}'s background fetch {fetch}");

    /// `event.updateUI()` in a pending `backgroundfetchsuccess`/`backgroundfetchfail` handler
    /// succeeds (rejections are `SwState::bg_update_ui_rejects`).
    BgUpdateUi {
        /// The registration.
        registration: RegId,
        /// The fetch's slot.
        fetch: u8,
    }
        by Worker, spec "Background Fetch §updateUI()",
        enabled "bgfetch/perform.rs" SwModel::bg_actions,
        shows (
            "the completion handler of registration {registration}'s background fetch {fetch} calls updateUI()"
        );

    [area Environment]

    /// The user grants or revokes a permission.
    SetPermission {
        /// Which permission.
        permission: Permission,
        /// Its new state.
        state: PermissionState,
    }
        by Environment, spec "Permissions (user choice)",
        enabled "push.rs" SwModel::toggle_permission,
        shows ("the user sets {permission:?} to {state:?}");

    /// The network goes away.
    GoOffline
        by Environment, spec "Background Sync §Concepts (online)",
        enabled "sync.rs" SwModel::network_actions,
        shows ("the network goes offline");

    /// The network comes back.
    GoOnline
        by Environment, spec "Background Sync §Concepts (online)",
        enabled "sync.rs" SwModel::network_actions,
        shows ("the network comes back online");

    /// The network comes online for good (liveness runs only: "eventually online for good").
    NetworkStabilizes
        by Environment, spec "liveness assumption: the network is eventually online for good",
        enabled "sync.rs" SwModel::network_stabilizes_actions,
        shows ("the network comes online for good");
}
