//! The trace made ready for matching, once per check: identifiers interned per space
//! ([`Interner`]), each event's shape hash and worker instance, the look-ahead windows (the
//! first position past each event's time plus the skew, and the wider reach of interval
//! events), the positions of each channel's events, and the optional APIs the trace uses.

use super::config::{overrides_of, ParamField};
use crate::trace::{Source, Trace};
use std::cell::Cell;
use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};
use swspec_model::{Channel, IdSpace, Observation};
use swspec_search::hash::FastMap;

/// Trace identifiers, interned per space.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    /// Per space, the names by index.
    names: BTreeMap<IdSpace, Vec<String>>,
    /// Per space, the index of each name.
    index: BTreeMap<IdSpace, FastMap<String, u32>>,
}

impl Interner {
    /// The index of trace identifier `name` in `space`, interned when new.
    pub(super) fn intern(&mut self, space: IdSpace, name: &str) -> u32 {
        let index = self.index.entry(space).or_default();
        if let Some(i) = index.get(name) {
            return *i;
        }
        let v = self.names.entry(space).or_default();
        v.push(name.to_string());
        let i = (v.len() - 1) as u32;
        index.insert(name.to_string(), i);
        i
    }

    /// The trace name of an interned identifier.
    pub fn name(&self, space: IdSpace, i: u32) -> &str {
        self.names
            .get(&space)
            .and_then(|v| v.get(i as usize))
            .map_or("?", |s| s.as_str())
    }

    /// The index of trace identifier `name` in `space`, if the trace's observations name it.
    pub(super) fn get(&self, space: IdSpace, name: &str) -> Option<u32> {
        self.index.get(&space)?.get(name).copied()
    }

    /// How many distinct identifiers of `space` the trace names.
    pub(super) fn count(&self, space: IdSpace) -> usize {
        self.names.get(&space).map_or(0, Vec::len)
    }
}

/// An event ready for matching.
#[derive(Clone, Debug)]
pub(super) struct PEvent {
    /// Trace line.
    pub(super) line: usize,
    /// Time (ms, the trace clock).
    pub(super) t: f64,
    /// The earliest time it can have happened (`t` unless the line gives an interval).
    pub(super) earliest: f64,
    /// The observation, in interned trace ids.
    pub(super) obs: Observation<u32>,
    /// `shape_hash` of the observation.
    pub(super) shape: u64,
    /// The worker script instance, for events a worker reported.
    pub(super) instance: Option<u32>,
    /// The worker that reported it (interned trace id), when its observations name it: the
    /// instance rule covers an event a worker reports whatever its channel (a background
    /// fetch's settlement read off the worker's event).
    pub(super) reporter: Option<u32>,
}

/// A hash of `o`'s shape (its kind and fields, identifiers left out): an event and an
/// obligation can match only when their shapes are equal.
pub(super) fn shape_hash<I>(o: &Observation<I>) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    o.shape().hash(&mut h);
    h.finish()
}

/// Prepared trace: events with interned ids and the look-ahead windows.
pub(super) struct Prepared {
    /// The observed events (lines with an `obs`), in file order.
    pub(super) events: Vec<PEvent>,
    /// The trace's identifiers.
    pub(super) interner: Interner,
    /// `window[i]`: the first position whose time exceeds `t_i + skew`.
    pub(super) window: Vec<u32>,
    /// `settle_window[i]`: the first position whose time exceeds `t_i + skew + settle lag`, the
    /// deadline of a promise's settlement ([`super::Options::settle_lag_ms`]).
    pub(super) settle_window: Vec<u32>,
    /// For traces with interval events (a stop inferred from a missing heartbeat: `earliest`
    /// before `t`): the shapes of those events, and for each position the first position past
    /// every such event whose *earliest* time is within `t_i + skew`. An obligation of one of
    /// those shapes may be matched anywhere in the event's interval.
    pub(super) interval: Option<(Vec<u64>, Vec<u32>)>,
    /// The header's `observes`, as a bit set over [`Observation::kind_index`].
    pub(super) observed_mask: u64,
    /// Every fetch event of the trace names its client. A trace captured before they did has
    /// none, and the model's fetch events are matched without theirs.
    pub(super) fetch_clients: bool,
    /// Positions of the events of each channel (trace ids; 0 where a channel has none),
    /// ascending.
    pub(super) channels: FastMap<Channel<u32>, ChannelEvents>,
    /// Which optional APIs the trace uses (by its observations and permissions).
    pub(super) features: Features,
    /// Timer bounds the capture changed (header `settings.profile_params`).
    pub(super) params_override: Vec<(ParamField, f64)>,
}

/// The positions of one channel's events, with a cursor for [`ChannelEvents::before`].
#[derive(Default)]
pub(super) struct ChannelEvents {
    /// The positions, ascending.
    pub(super) positions: Vec<u32>,
    /// The last query: (position, its answer).
    pub(super) cursor: Cell<(u32, u32)>,
}

impl ChannelEvents {
    /// How many of the channel's events come before position `pos`. The search moves forward
    /// through the trace a little at a time: look near the last answer first.
    pub(super) fn before(&self, pos: u32) -> usize {
        let list = &self.positions;
        let (last, at) = self.cursor.get();
        let mut i = at as usize;
        let found = if pos >= last {
            let end = (i + 8).min(list.len());
            while i < end && list[i] < pos {
                i += 1;
            }
            if i < list.len() && list[i] < pos {
                i + list[i..].partition_point(|&p| p < pos)
            } else {
                i
            }
        } else {
            list[..i].partition_point(|&p| p < pos)
        };
        debug_assert_eq!(found, list.partition_point(|&p| p < pos));
        self.cursor.set((pos, found as u32));
        found
    }
}

/// The optional APIs a trace uses: each switches its part of the model on.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Features {
    /// Push (and notifications).
    pub(super) push: bool,
    /// Background Sync (and the network going on- and offline).
    pub(super) sync: bool,
    /// Periodic Background Sync.
    pub(super) periodic_sync: bool,
    /// Background Fetch.
    pub(super) background_fetch: bool,
}

impl Features {
    /// Notes the optional API observation `o` belongs to, if any.
    fn add(&mut self, o: &Observation<String>) {
        use swspec_model::Permission as P;
        match o {
            Observation::PushMessage
            | Observation::Subscribe { .. }
            | Observation::NotificationClick
            | Observation::NotificationClose
            | Observation::SetPermission {
                permission: P::Push,
                ..
            } => self.push = true,
            // The model's network goes on- and offline as part of Background Sync.
            Observation::SyncRegister { .. }
            | Observation::SyncTags { .. }
            | Observation::GoOffline
            | Observation::GoOnline
            | Observation::SetPermission {
                permission: P::BackgroundSync,
                ..
            } => self.sync = true,
            Observation::PeriodicSyncRegister { .. }
            | Observation::PeriodicSyncUnregister { .. }
            | Observation::SetPermission {
                permission: P::PeriodicBackgroundSync,
                ..
            } => self.periodic_sync = true,
            Observation::BackgroundFetch { .. }
            | Observation::BgFetchAbort { .. }
            | Observation::BgFetchSettled { .. }
            | Observation::SetPermission {
                permission: P::BackgroundFetch,
                ..
            } => self.background_fetch = true,
            _ => {}
        }
    }
}

/// Prepares `trace` for matching with skew `skew` (ms); fails, with the line, on an
/// observation of a kind the header does not list as observed or a bad `profile_params`.
pub(super) fn prepare(
    trace: &Trace,
    skew: f64,
    settle_lag: f64,
) -> Result<Prepared, (usize, String)> {
    let observed_mask = observed_mask(&trace.header.observes);
    let mut interner = Interner::default();
    let mut instances: FastMap<String, u32> = FastMap::default();
    let mut features = Features::default();
    let mut events = Vec::new();
    for (line, e) in &trace.events {
        let Some(o) = &e.obs else { continue };
        features.add(o);
        if observed_mask >> o.kind_index() & 1 == 0 {
            return Err((
                *line,
                format!(
                    "observation kind {:?} is not listed in the header's `observes`",
                    o.kind()
                ),
            ));
        }
        events.push(PEvent {
            line: *line,
            t: e.t,
            earliest: e.earliest.unwrap_or(e.t),
            shape: shape_hash(o),
            obs: o.map_ids(|space, id| interner.intern(space, id)),
            instance: instance_of(&mut instances, &e.src),
            reporter: None,
        });
    }
    // Each worker-reported event's worker, once every observation's ids are interned.
    let reporters = trace.events.iter().filter(|(_, e)| e.obs.is_some());
    for (ev, (_, e)) in events.iter_mut().zip(reporters) {
        if let Source::Worker { worker, .. } = &e.src {
            ev.reporter = interner.get(IdSpace::Worker, worker);
        }
    }
    // Events are matched in file order; the clock must not go backwards by more than the skew
    // between sources (within a source the parser already forbids it).
    let window = window_of(&events, skew);
    let settle_window = window_of(&events, skew + settle_lag);
    let interval = interval_reach(&events, &window, skew);
    Ok(Prepared {
        settle_window,
        channels: channel_positions(&events),
        events,
        interner,
        window,
        interval,
        observed_mask,
        fetch_clients: trace
            .events
            .iter()
            .all(|(_, e)| !is_clientless_fetch(e.obs.as_ref())),
        features,
        params_override: overrides_of(trace).map_err(|e| (1, e))?,
    })
}

/// A fetch event that does not name its client.
fn is_clientless_fetch(o: Option<&Observation<String>>) -> bool {
    matches!(
        o,
        Some(Observation::FunctionalEvent {
            event: swspec_model::observe::EventName::Fetch,
            client: None,
            ..
        })
    )
}

/// The header's `observes` as a bit set over [`Observation::kind_index`].
fn observed_mask(observes: &[String]) -> u64 {
    let observes: HashSet<&str> = observes.iter().map(String::as_str).collect();
    Observation::<u8>::KINDS
        .iter()
        .enumerate()
        .filter(|(_, k)| observes.contains(**k))
        .fold(0u64, |m, (i, _)| m | 1 << i)
}

/// The index of the worker script instance that reported an event from `src` (numbered in
/// order of first appearance), `None` for other sources.
fn instance_of(instances: &mut FastMap<String, u32>, src: &Source) -> Option<u32> {
    let Source::Worker { instance, .. } = src else {
        return None;
    };
    if let Some(i) = instances.get(instance.as_str()) {
        return Some(*i);
    }
    let next = instances.len() as u32;
    instances.insert(instance.clone(), next);
    Some(next)
}

/// The positions of each channel's events (trace ids), ascending.
fn channel_positions(events: &[PEvent]) -> FastMap<Channel<u32>, ChannelEvents> {
    let mut channels: FastMap<Channel<u32>, ChannelEvents> = FastMap::default();
    for (i, e) in events.iter().enumerate() {
        channels
            .entry(e.obs.channel().map(|id| **id))
            .or_default()
            .positions
            .push(i as u32);
    }
    channels
}

/// The interval deadlines of a trace (see `Prepared::interval`); `None` when no event carries
/// an interval.
fn interval_reach(events: &[PEvent], window: &[u32], skew: f64) -> Option<(Vec<u64>, Vec<u32>)> {
    let mut shapes: Vec<u64> = events
        .iter()
        .filter(|e| e.earliest < e.t)
        .map(|e| e.shape)
        .collect();
    if shapes.is_empty() {
        return None;
    }
    shapes.sort_unstable();
    shapes.dedup();
    let widest = events.iter().map(|e| e.t - e.earliest).fold(0.0, f64::max);
    let mut reach = window.to_vec();
    for (i, r) in reach.iter_mut().enumerate() {
        let limit = events[i].t + skew;
        for (j, e) in events.iter().enumerate().skip(window[i] as usize) {
            if e.t - widest > limit {
                break;
            }
            if e.earliest <= limit && shapes.binary_search(&e.shape).is_ok() {
                *r = j as u32 + 1;
            }
        }
    }
    Some((shapes, reach))
}

/// `window[i]`: the first position whose time exceeds `t_i + span`.
pub(super) fn window_of(events: &[PEvent], span: f64) -> Vec<u32> {
    let mut window = vec![0u32; events.len()];
    let mut j = 0;
    for i in 0..events.len() {
        j = j.max(i);
        while j < events.len() && events[j].t <= events[i].t + span {
            j += 1;
        }
        window[i] = j as u32;
    }
    window
}
