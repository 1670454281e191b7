//! Identifiers and channels of observations: which identifier space each id lives in, how a
//! vocabulary over one id type maps to another (model indices to trace strings), an
//! observation's shape (its ids dropped) and the source ([`Channel`]) that reports it.

use super::{EventName, ObsKind, Observation};

/// The identifier spaces: each has its own bijection between model and trace identifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdSpace {
    /// Window clients.
    Client,
    /// Service workers (one id per worker version; a restart keeps it).
    Worker,
    /// Script URLs.
    Script,
    /// Sync and periodic sync tags.
    Tag,
    /// Background fetch ids.
    BgFetch,
}

/// Who reports an observation, for ordering: observations on one channel are delivered in the
/// order the model makes them. `I` is the client or worker id (model or trace).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel<I = u8> {
    /// The driver's own steps.
    Driver,
    /// What one page sees.
    Page(I),
    /// What the registration's pages see (updatefound).
    Registration,
    /// DevTools' lifecycle view of one worker.
    Lifecycle(I),
    /// One worker's script.
    Worker(I),
    /// Background services.
    Background,
    /// The capture's own server (script requests).
    Server,
}

impl<I> Channel<I> {
    /// The channel's id and its space, for per-page and per-worker channels.
    pub fn id(&self) -> Option<(IdSpace, &I)> {
        match self {
            Channel::Page(c) => Some((IdSpace::Client, c)),
            Channel::Lifecycle(w) | Channel::Worker(w) => Some((IdSpace::Worker, w)),
            _ => None,
        }
    }

    /// The same channel with its id replaced by `f` of it.
    pub fn map<J>(&self, f: impl FnOnce(&I) -> J) -> Channel<J> {
        match self {
            Channel::Driver => Channel::Driver,
            Channel::Page(c) => Channel::Page(f(c)),
            Channel::Registration => Channel::Registration,
            Channel::Lifecycle(w) => Channel::Lifecycle(f(w)),
            Channel::Worker(w) => Channel::Worker(f(w)),
            Channel::Background => Channel::Background,
            Channel::Server => Channel::Server,
        }
    }
}

impl<I> Observation<I> {
    /// The observation's kind (its serialised `type`).
    pub fn kind(&self) -> ObsKind {
        Self::KINDS[self.kind_index()]
    }

    /// The observation's identifiers, in field order, with their spaces.
    pub fn ids(&self) -> Vec<(IdSpace, &I)> {
        let mut out = Vec::new();
        self.map_ids(|space, id| out.push((space, id)));
        out
    }

    /// The observation with every identifier replaced by `f` of it (in [`Observation::ids`]
    /// order).
    pub fn map_ids<'a, J>(&'a self, mut f: impl FnMut(IdSpace, &'a I) -> J) -> Observation<J> {
        use IdSpace as S;
        use Observation::*;
        match self {
            OpenClient { client } => OpenClient {
                client: f(S::Client, client),
            },
            Reload { client } => Reload {
                client: f(S::Client, client),
            },
            CloseClient { client } => CloseClient {
                client: f(S::Client, client),
            },
            Register { client, script } => Register {
                client: f(S::Client, client),
                script: f(S::Script, script),
            },
            Update { client } => Update {
                client: f(S::Client, client),
            },
            Unregister { client } => Unregister {
                client: f(S::Client, client),
            },
            PostMessage { client, to } => PostMessage {
                client: f(S::Client, client),
                to: *to,
            },
            Fetch { client } => Fetch {
                client: f(S::Client, client),
            },
            StopWorker { worker } => StopWorker {
                worker: f(S::Worker, worker),
            },
            GoOffline => GoOffline,
            GoOnline => GoOnline,
            Subscribe { client } => Subscribe {
                client: f(S::Client, client),
            },
            PushMessage => PushMessage,
            NotificationClick => NotificationClick,
            NotificationClose => NotificationClose,
            SetPermission { permission, state } => SetPermission {
                permission: *permission,
                state: *state,
            },
            SyncRegister { client, tag } => SyncRegister {
                client: f(S::Client, client),
                tag: f(S::Tag, tag),
            },
            PeriodicSyncRegister { client, tag } => PeriodicSyncRegister {
                client: f(S::Client, client),
                tag: f(S::Tag, tag),
            },
            PeriodicSyncUnregister { client, tag } => PeriodicSyncUnregister {
                client: f(S::Client, client),
                tag: f(S::Tag, tag),
            },
            BackgroundFetch {
                client,
                id,
                requests,
                download_total,
            } => BackgroundFetch {
                client: f(S::Client, client),
                id: f(S::BgFetch, id),
                requests: *requests,
                download_total: *download_total,
            },
            BgFetchAbort { id } => BgFetchAbort {
                id: f(S::BgFetch, id),
            },
            JobSettled {
                client,
                call,
                outcome,
            } => JobSettled {
                client: f(S::Client, client),
                call: *call,
                outcome: *outcome,
            },
            CallSettled {
                client,
                call,
                outcome,
            } => CallSettled {
                client: f(S::Client, client),
                call: *call,
                outcome: *outcome,
            },
            UpdateFound => UpdateFound,
            ControllerChange { client } => ControllerChange {
                client: f(S::Client, client),
            },
            SyncTags { client, tags } => SyncTags {
                client: f(S::Client, client),
                tags: tags.iter().map(|t| f(S::Tag, t)).collect(),
            },
            StateChange { worker, state } => StateChange {
                worker: f(S::Worker, worker),
                state: *state,
            },
            RunningStatus { worker, status } => RunningStatus {
                worker: f(S::Worker, worker),
                status: *status,
            },
            LifecycleEvent { worker, event } => LifecycleEvent {
                worker: f(S::Worker, worker),
                event: *event,
            },
            FunctionalEvent {
                worker,
                event,
                tag,
                last_chance,
                client,
                navigate,
                wait_until,
                notify,
            } => {
                let worker = f(S::Worker, worker);
                // The tag of a sync or periodicsync event; the fetch id of a background fetch one.
                let space = match event {
                    EventName::Sync | EventName::Periodicsync => S::Tag,
                    _ => S::BgFetch,
                };
                FunctionalEvent {
                    worker,
                    event: *event,
                    tag: tag.as_ref().map(|t| f(space, t)),
                    last_chance: *last_chance,
                    client: client.as_ref().map(|c| f(S::Client, c)),
                    navigate: *navigate,
                    wait_until: *wait_until,
                    notify: *notify,
                }
            }
            WaitUntilSettled {
                worker,
                event,
                fulfilled,
            } => WaitUntilSettled {
                worker: f(S::Worker, worker),
                event: *event,
                fulfilled: *fulfilled,
            },
            SkipWaiting { worker } => SkipWaiting {
                worker: f(S::Worker, worker),
            },
            Claim { worker } => Claim {
                worker: f(S::Worker, worker),
            },
            WorkerUpdate { worker } => WorkerUpdate {
                worker: f(S::Worker, worker),
            },
            WorkerCallSettled {
                worker,
                call,
                outcome,
            } => WorkerCallSettled {
                worker: f(S::Worker, worker),
                call: *call,
                outcome: *outcome,
            },
            BgFetchSettled {
                id,
                result,
                failure_reason,
            } => BgFetchSettled {
                id: f(S::BgFetch, id),
                result: *result,
                failure_reason: *failure_reason,
            },
            ScriptFetched { version } => ScriptFetched { version: *version },
        }
    }

    /// The observation with its identifiers erased: two observations match under some binding
    /// only if their shapes are equal.
    pub fn shape(&self) -> Observation<()> {
        self.map_ids(|_, _| ())
    }
}

impl<I> Observation<I> {
    /// The channel that reports this observation (see [`Channel`]).
    pub fn channel(&self) -> Channel<&I> {
        use Observation::*;
        match self {
            JobSettled { client, .. }
            | CallSettled { client, .. }
            | ControllerChange { client }
            | SyncTags { client, .. } => Channel::Page(client),
            UpdateFound => Channel::Registration,
            StateChange { worker, .. } | RunningStatus { worker, .. } => Channel::Lifecycle(worker),
            LifecycleEvent { worker, .. }
            | FunctionalEvent { worker, .. }
            | WaitUntilSettled { worker, .. }
            | SkipWaiting { worker }
            | Claim { worker }
            | WorkerUpdate { worker }
            | WorkerCallSettled { worker, .. } => Channel::Worker(worker),
            BgFetchSettled { .. } => Channel::Background,
            ScriptFetched { .. } => Channel::Server,
            _ => Channel::Driver,
        }
    }
}
