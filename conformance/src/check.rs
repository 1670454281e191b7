//! The trace checker: a depth-first search, memoised on (candidate, position), over the model
//! states consistent with a trace prefix (trace validation in the style of Cirstea et al. and
//! CCF's smart casual verification).
//!
//! A *candidate* is a model state plus what the trace has pinned down so far: the bijection
//! between trace and model identifiers, the observations the model has produced that the trace
//! has not shown yet (*obligations*), the worker script instances seen, and the timer stamps the
//! profile's bounds are checked against. To consume the next event a candidate either matches one
//! of its obligations, takes a guard step (a call that changes no state), or first takes model
//! steps. A model step's observations of kinds the trace header lists as observed become
//! obligations; steps with none are unobservable and are closed over, at most
//! [`Options::max_hidden`] between two events.
//!
//! Obligations carry the order of the step that made them: two on one [`Channel`] are matched
//! in model order, while observations of different channels (a page and DevTools, say) may
//! appear in either order as long as each is matched before the trace's clock passes the
//! creation time plus [`Options::skew_ms`]. A step is only taken when each of its obligations has
//! an event of the same shape within that window: this prunes the search without losing
//! traces, since an obligation with no such event can never be matched.

use crate::trace::{Source, Trace};
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use swspec_model::{
    observe::GuardStep, Action, Channel, IdSpace, ModelConfig, Obs, Observation, Profile,
    RunningStatus, StopCause, SwModel, SwState, WorkerId, WorkerState,
};
use swspec_search::hash::{FastMap, Fp128, KeyHasher};

/// Checker knobs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Check against this profile instead of the header's. Default: none (the header's).
    pub profile: Option<Profile>,
    /// How far apart (ms) two observations of different channels may be and still be matched
    /// in either order; also how long an observation may lag the step that made it. Default 100.
    pub skew_ms: f64,
    /// Unobservable model steps allowed between two events. Default 12.
    pub max_hidden: usize,
    /// Slack (ms) on the profile's timer bounds (idle stop, event timeout, sync retry delay).
    /// Default 500.
    pub timer_tolerance_ms: f64,
    /// Search nodes before giving up with an inconclusive verdict. Default 2,000,000.
    pub max_nodes: usize,
    /// Candidates summarised in a divergence report. Default 5.
    pub report_candidates: usize,
    /// The capture ended quiescent (the harness waits before it stops): at the end no step the
    /// browser takes promptly may still be due (see [`quiescent`]). Default true.
    pub quiescent_end: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            profile: None,
            skew_ms: 100.0,
            max_hidden: 12,
            timer_tolerance_ms: 500.0,
            max_nodes: 2_000_000,
            report_candidates: 5,
            quiescent_end: true,
        }
    }
}

/// `n` in decimal, written into `buf`.
fn itoa(mut n: usize, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("?")
}

/// Do two equally long sequences hold the same values, counted with multiplicity?
fn same_multiset(a: impl Iterator<Item = u64>, b: impl Iterator<Item = u64>) -> bool {
    const N: usize = 8;
    let (mut x, mut y) = ([0u64; N], [0u64; N]);
    let (mut nx, mut ny) = (0, 0);
    let (mut vx, mut vy) = (Vec::new(), Vec::new());
    for v in a {
        match x.get_mut(nx) {
            Some(e) => *e = v,
            None => vx.push(v),
        }
        nx += 1;
    }
    for v in b {
        match y.get_mut(ny) {
            Some(e) => *e = v,
            None => vy.push(v),
        }
        ny += 1;
    }
    if nx != ny {
        return false;
    }
    if nx > N {
        vx.extend_from_slice(&x);
        vy.extend_from_slice(&y);
        vx.sort_unstable();
        vy.sort_unstable();
        return vx == vy;
    }
    x[..nx].sort_unstable();
    y[..ny].sort_unstable();
    x[..nx] == y[..ny]
}

/// Trace identifiers, interned per space.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    names: BTreeMap<IdSpace, Vec<String>>,
    index: BTreeMap<IdSpace, FastMap<String, u32>>,
}

impl Interner {
    fn intern(&mut self, space: IdSpace, name: &str) -> u32 {
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

    fn count(&self, space: IdSpace) -> usize {
        self.names.get(&space).map_or(0, Vec::len)
    }
}

/// An event ready for matching.
#[derive(Clone, Debug)]
struct PEvent {
    line: usize,
    t: f64,
    /// The earliest time it can have happened (`t` unless the line gives an interval).
    earliest: f64,
    obs: Observation<u32>,
    shape: u64,
    /// The worker script instance, for events a worker reported.
    instance: Option<u32>,
}

fn shape_hash<I>(o: &Observation<I>) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    o.shape().hash(&mut h);
    h.finish()
}

/// An observation the model made that the trace has yet to show.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Pending {
    obs: Obs,
    /// `shape_hash(&obs)`, compared with every event it could match.
    shape: u64,
    /// The step that made it (dense rank among pending steps).
    group: u16,
    /// The first event position at which it is overdue.
    deadline: u32,
}

/// A model state and its fingerprint (see [`state_fingerprint`]).
#[derive(Debug)]
struct State {
    s: SwState,
    fp: u128,
}

impl State {
    fn new(s: SwState) -> Rc<State> {
        let fp = state_fingerprint(&s);
        Rc::new(State { s, fp })
    }
}

impl std::ops::Deref for State {
    type Target = SwState;
    fn deref(&self) -> &SwState {
        &self.s
    }
}

/// One candidate explanation of the trace prefix.
#[derive(Clone, Debug)]
struct Cand {
    /// The model state with its fingerprint, shared by the candidates that reached it by
    /// matching events (and through the transition cache).
    s: Rc<State>,
    pending: Vec<Pending>,
    /// Bindings, instances and timer stamps: shared until a step changes them.
    aux: Rc<Aux>,
}

/// The part of a candidate that changes less often than its obligations: per table, model id
/// → value, as a short sorted list (a handful of entries: bindings, each worker's instance and
/// timer stamps).
#[derive(Clone, Debug, Default)]
struct Aux {
    /// ((table << 8) | model id, value), sorted by key.
    entries: AuxEntries,
    /// The fingerprint of `entries`, once computed.
    fp: OnceCell<u128>,
}

/// A short list kept inline (one allocation per [`Aux`]), on the heap when it outgrows that.
#[derive(Clone, Debug)]
enum AuxEntries {
    Inline(u8, [(u16, u64); 8]),
    Heap(Vec<(u16, u64)>),
}

impl Default for AuxEntries {
    fn default() -> Self {
        AuxEntries::Inline(0, [(0, 0); 8])
    }
}

impl AuxEntries {
    fn get(&self) -> &[(u16, u64)] {
        match self {
            AuxEntries::Inline(n, a) => &a[..*n as usize],
            AuxEntries::Heap(v) => v,
        }
    }

    fn get_mut(&mut self) -> &mut [(u16, u64)] {
        match self {
            AuxEntries::Inline(n, a) => &mut a[..*n as usize],
            AuxEntries::Heap(v) => v,
        }
    }

    fn insert(&mut self, i: usize, e: (u16, u64)) {
        match self {
            AuxEntries::Inline(n, a) if (*n as usize) < a.len() => {
                a.copy_within(i..*n as usize, i + 1);
                a[i] = e;
                *n += 1;
            }
            AuxEntries::Inline(n, a) => {
                let mut v = a[..*n as usize].to_vec();
                v.insert(i, e);
                *self = AuxEntries::Heap(v);
            }
            AuxEntries::Heap(v) => v.insert(i, e),
        }
    }

    fn remove(&mut self, i: usize) {
        match self {
            AuxEntries::Inline(n, a) => {
                a.copy_within(i + 1..*n as usize, i);
                *n -= 1;
            }
            AuxEntries::Heap(v) => {
                v.remove(i);
            }
        }
    }
}

/// Aux tables: the id bijection of each [`IdSpace`] (tables 0–4, trace id), then per worker
/// its (last script instance seen, restarted since), when it was last busy (ms, floor; for the
/// idle-stop bound) and when its oldest pending extended event started (ms; for the event
/// timeout), and per sync tag when its last attempt failed (ms; for the retry delay).
const INST: u16 = 5;
const BUSY: u16 = 6;
const EXT: u16 = 7;
const SYNC_FAIL: u16 = 8;

fn bind_table(space: IdSpace) -> (u16, usize) {
    match space {
        IdSpace::Client => (0, swspec_model::capacity::CLIENTS),
        IdSpace::Worker => (1, WORKERS),
        IdSpace::Script => (2, 8),
        IdSpace::Tag => (3, swspec_model::capacity::SYNC_TAGS),
        IdSpace::BgFetch => (4, swspec_model::bgfetch::BG_FETCHES),
    }
}

impl Aux {
    fn get(&self, table: u16, id: u8) -> Option<u64> {
        let k = table << 8 | u16::from(id);
        self.entries.get().iter().find(|e| e.0 == k).map(|e| e.1)
    }

    fn set(&mut self, table: u16, id: u8, v: u64) {
        let k = table << 8 | u16::from(id);
        match self.entries.get().binary_search_by_key(&k, |e| e.0) {
            Ok(i) => self.entries.get_mut()[i].1 = v,
            Err(i) => self.entries.insert(i, (k, v)),
        }
    }

    fn unset(&mut self, table: u16, id: u8) {
        let k = table << 8 | u16::from(id);
        if let Ok(i) = self.entries.get().binary_search_by_key(&k, |e| e.0) {
            self.entries.remove(i);
        }
    }

    /// The trace id bound to model id `m`.
    fn bound(&self, space: IdSpace, m: u8) -> Option<u32> {
        self.get(bind_table(space).0, m).map(|t| t as u32)
    }

    /// Binds `m` to `t`, or checks they are bound to each other already. Fails when either is
    /// bound to another id (the bijection would break) or `m` is beyond the space's capacity.
    fn bind(&mut self, space: IdSpace, m: u8, t: u32) -> bool {
        let (table, cap) = bind_table(space);
        match self.get(table, m) {
            Some(x) => x == u64::from(t),
            None if (m as usize) < cap
                && !self
                    .entries
                    .get()
                    .iter()
                    .any(|e| e.0 >> 8 == table && e.1 == u64::from(t)) =>
            {
                self.set(table, m, u64::from(t));
                true
            }
            None => false,
        }
    }

    /// Worker `w`'s (last script instance seen, restarted since).
    fn inst(&self, w: u8) -> Option<(u32, bool)> {
        self.get(INST, w).map(|v| ((v >> 1) as u32, v & 1 == 1))
    }

    fn set_inst(&mut self, w: u8, (i, restarted): (u32, bool)) {
        self.set(INST, w, u64::from(i) << 1 | u64::from(restarted));
    }

    fn fingerprint(&self) -> u128 {
        *self.fp.get_or_init(|| {
            let mut h = Fp128::default();
            h.mix(self.entries.get().len() as u64);
            for &(k, v) in self.entries.get() {
                h.mix(u64::from(k));
                h.mix(v);
            }
            h.finish128()
        })
    }
}

const WORKERS: usize = swspec_model::capacity::WORKERS;

impl Cand {
    /// A copy with room for `more` obligations, its list taken from `pool`.
    fn clone_with_room(&self, more: usize, pool: &RefCell<Vec<Vec<Pending>>>) -> Cand {
        let mut pending = pool.borrow_mut().pop().unwrap_or_default();
        // (Room for a few more, so that a reused list rarely grows.)
        pending.reserve((self.pending.len() + more).max(4));
        pending.extend_from_slice(&self.pending);
        Cand {
            s: Rc::clone(&self.s),
            pending,
            aux: Rc::clone(&self.aux),
        }
    }

    /// The bindings, instances and timer stamps, to change (copied first when shared).
    fn aux_mut(&mut self) -> &mut Aux {
        let a = Rc::make_mut(&mut self.aux);
        a.fp = OnceCell::new();
        a
    }

    /// Binds the identifiers of model observation `m` to those of trace observation `t` (same
    /// shape). Fails when that breaks the bijection.
    fn bind_obs(&mut self, m: &Obs, t: &Observation<u32>) -> bool {
        // Observations carry at most a few ids: no allocation unless one carries more.
        const N: usize = 4;
        let (mut mids, mut tids) = ([0u8; N], [0u32; N]);
        let (mut nm, mut nt) = (0, 0);
        let mut spaces = [IdSpace::Client; N];
        m.map_ids(|space, &id| {
            if let Some(e) = mids.get_mut(nm) {
                *e = id;
                spaces[nm] = space;
            }
            nm += 1;
        });
        t.map_ids(|_, &id| {
            if let Some(e) = tids.get_mut(nt) {
                *e = id;
            }
            nt += 1;
        });
        if nm != nt {
            return false;
        }
        let bind = |c: &mut Cand, space, mi, ti| {
            c.aux.bound(space, mi) == Some(ti) || c.aux_mut().bind(space, mi, ti)
        };
        if nm > N {
            return m
                .ids()
                .into_iter()
                .zip(t.ids())
                .all(|((space, mi), (_, ti))| bind(self, space, *mi, *ti));
        }
        (0..nm).all(|i| bind(self, spaces[i], mids[i], tids[i]))
    }

    fn normalise_groups(&mut self) {
        // Groups are dense already unless a match took a step's last obligation, and small.
        let mask = self.pending.iter().fold(0u64, |m, p| {
            m | 1u64.checked_shl(u32::from(p.group)).unwrap_or(0)
        });
        if self.pending.iter().all(|p| p.group < 64) {
            if mask & mask.wrapping_add(1) == 0 {
                return;
            }
            for p in &mut self.pending {
                p.group = (mask & ((1u64 << p.group) - 1)).count_ones() as u16;
            }
            return;
        }
        let mut groups: Vec<u16> = self.pending.iter().map(|p| p.group).collect();
        groups.sort_unstable();
        groups.dedup();
        for p in &mut self.pending {
            p.group = groups.binary_search(&p.group).unwrap_or(0) as u16;
        }
    }

    /// Adds one step's observations as obligations, each due before `deadline` of it.
    /// `shapes[i]` is `shape_hash(&obs[i])`.
    fn owe(&mut self, obs: &[Obs], shapes: &[u64], deadline: impl Fn(&Obs, u64) -> u32) {
        let group = self.pending.iter().map(|p| p.group + 1).max().unwrap_or(0);
        self.pending
            .extend(obs.iter().zip(shapes).map(|(obs, &shape)| Pending {
                shape,
                deadline: deadline(obs, shape),
                obs: obs.clone(),
                group,
            }));
    }

    /// May pending obligation `k` be matched now (no older obligation on its channel)?
    fn matchable(&self, k: usize) -> bool {
        let p = &self.pending[k];
        let ch = p.obs.channel();
        // Older steps' observations on the channel come first; within one step, so do earlier
        // observations of the same kind (a worker's `starting` before its `running`).
        !self.pending.iter().enumerate().any(|(j, q)| {
            q.obs.channel() == ch
                && (q.group < p.group
                    || (q.group == p.group && j < k && q.obs.kind() == p.obs.kind()))
        })
    }
}

/// How one search step got from a node to the next.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// A model action, with its observations (observed kinds only).
    Model(Action, Vec<Obs>),
    /// A guard step (no state change).
    Guard(GuardStep),
    /// The event on this line matched an obligation.
    Matched {
        /// Trace line.
        line: usize,
        /// The model observation it matched.
        obs: Obs,
    },
}

/// A divergence: where the trace leaves every candidate.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Divergence {
    /// Line of the first event no candidate accepts (`None`: the trace ended with observations
    /// the model made still unseen).
    pub line: Option<usize>,
    /// That event, as written.
    pub event: Option<String>,
    /// Why, in a sentence.
    pub reason: String,
    /// Observations the model would have accepted there (trace ids where bound, `#n` model ids
    /// otherwise).
    pub expected: Vec<String>,
    /// Candidates alive before it.
    pub candidates: usize,
    /// Summaries of up to `report_candidates` of them.
    pub candidate_summaries: Vec<String>,
    /// Line of the last event matched.
    pub last_matched_line: Option<usize>,
    /// The steps of one surviving candidate since the last matched event, with spec sections.
    pub last_steps: Vec<String>,
}

/// The verdict on one trace.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Some model execution explains every event.
    Conforms,
    /// None does.
    Diverges,
    /// The search hit `max_nodes`.
    Inconclusive,
}

impl Verdict {
    /// The verdict's name.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Conforms => "conforms",
            Verdict::Diverges => "diverges",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// What checking one trace found.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The profile used.
    pub profile: Profile,
    /// The verdict.
    pub verdict: Verdict,
    /// Observed events (lines with an `obs`).
    pub events: usize,
    /// Search nodes visited.
    pub nodes: usize,
    /// The most candidates memoised at one position (the peak frontier).
    pub peak_frontier: usize,
    /// The most unobservable steps taken between two events on the accepted path.
    pub max_hidden_used: usize,
    /// The divergence, when it diverges.
    pub divergence: Option<Divergence>,
    /// The accepted path (or, on divergence, the path to the furthest candidate), rendered.
    pub path: PathText,
}

/// A rendered path, one line per step: each distinct step's text is rendered once, and a line
/// is put together when it is read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathText {
    /// The distinct steps' texts.
    texts: Vec<String>,
    /// Per line: its step's text, and the trace line of the event it matched (`u32::MAX`: the
    /// step is not a match).
    lines: Vec<(u32, u32)>,
}

impl PathText {
    /// The number of lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// No lines?
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Line `i`.
    pub fn line(&self, i: usize) -> Option<String> {
        let &(text, line) = self.lines.get(i)?;
        let shown = &self.texts[text as usize];
        Some(if line == u32::MAX {
            shown.clone()
        } else {
            let mut out = String::with_capacity(shown.len() + 20);
            out.push_str("  line ");
            out.push_str(itoa(line as usize, &mut [0; 20]));
            out.push_str(": ");
            out.push_str(shown);
            out
        })
    }

    /// The lines, in order.
    pub fn lines(&self) -> impl ExactSizeIterator<Item = String> + '_ {
        (0..self.len()).map(|i| self.line(i).unwrap_or_default())
    }
}

/// The model configuration a trace is checked under: bounds wide enough for what a capture
/// holds, every environment choice open, features switched on by the observations present.
fn config_for(prep: &Prepared, profile: Profile) -> Result<ModelConfig, String> {
    let count = |space| prep.interner.count(space).max(1);
    let clients = count(IdSpace::Client);
    if clients > swspec_model::capacity::CLIENTS {
        return Err(format!(
            "{clients} distinct clients; the model holds at most {}",
            swspec_model::capacity::CLIENTS
        ));
    }
    let tags = count(IdSpace::Tag);
    if tags > swspec_model::capacity::SYNC_TAGS {
        return Err(format!(
            "{tags} distinct sync tags; the model holds at most {}",
            swspec_model::capacity::SYNC_TAGS
        ));
    }
    let f = prep.features;
    let mut cfg = wide_config(profile, clients as u8);
    cfg.script_urls = count(IdSpace::Script).min(8) as u8;
    cfg.push = f.push;
    cfg.sync = f.sync;
    cfg.periodic_sync = f.periodic_sync;
    cfg.sync_tags = tags as u8;
    cfg.background_fetch = f.background_fetch;
    cfg.max_bg_fetches = count(IdSpace::BgFetch).min(swspec_model::bgfetch::BG_FETCHES) as u8;
    cfg.validate()?;
    Ok(cfg)
}

/// The widest configuration the state's capacities allow, with every environment choice open
/// and no optional API: what a trace is checked under before its features are switched on.
pub fn wide_config(profile: Profile, clients: u8) -> ModelConfig {
    let mut cfg = ModelConfig {
        clients,
        versions: 8,
        script_urls: 1,
        max_workers: (swspec_model::capacity::WORKERS - 1) as u8,
        max_registrations: (swspec_model::capacity::REGISTRATIONS - 1) as u8,
        max_queued_jobs: swspec_model::capacity::JOBS as u8,
        max_pending_events: 6,
        profile,
        fetch_events: true,
        ..ModelConfig::default()
    };
    cfg.env.fetch_failure = true;
    cfg.env.evaluation_failure = true;
    cfg.env.install_failure = true;
    // Soft Update is left out: its only trace is a script fetch the vocabulary does not carry,
    // and engines soft-update a fresh registration only after 24 h (SPEC_NOTES "Observations").
    cfg.env.soft_update = false;
    cfg.env.skip_waiting = true;
    cfg.env.claim = true;
    cfg.env.unregister = true;
    cfg.env.forced_stops = true;
    cfg
}

/// Prepared trace: events with interned ids and the look-ahead windows.
struct Prepared {
    events: Vec<PEvent>,
    interner: Interner,
    /// `window[i]`: the first position whose time exceeds `t_i + skew`.
    window: Vec<u32>,
    /// For traces with interval events (a stop inferred from a missing heartbeat: `earliest`
    /// before `t`): the shapes of those events, and for each position the first position past
    /// every such event whose *earliest* time is within `t_i + skew`. An obligation of one of
    /// those shapes may be matched anywhere in the event's interval.
    interval: Option<(Vec<u64>, Vec<u32>)>,
    /// The header's `observes`, as a bit set over [`Observation::kind_index`].
    observed_mask: u64,
    /// Positions of the events of each channel (trace ids; 0 where a channel has none),
    /// ascending.
    channels: FastMap<Channel<u32>, ChannelEvents>,
    /// Which optional APIs the trace uses (by its observations and permissions).
    features: Features,
    /// Timer bounds the capture changed (header `settings.profile_params`).
    params_override: Vec<(ParamField, f64)>,
}

/// The positions of one channel's events, with a cursor for [`ChannelEvents::before`].
#[derive(Default)]
struct ChannelEvents {
    positions: Vec<u32>,
    /// The last query: (position, its answer).
    cursor: Cell<(u32, u32)>,
}

impl ChannelEvents {
    /// How many of the channel's events come before position `pos`. The search moves forward
    /// through the trace a little at a time: look near the last answer first.
    fn before(&self, pos: u32) -> usize {
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
struct Features {
    push: bool,
    sync: bool,
    periodic_sync: bool,
    background_fetch: bool,
}

impl Features {
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

fn prepare(trace: &Trace, skew: f64) -> Result<Prepared, (usize, String)> {
    let mut interner = Interner::default();
    let observes: HashSet<String> = trace.header.observes.iter().cloned().collect();
    let observed_mask = Observation::<u8>::KINDS
        .iter()
        .enumerate()
        .filter(|(_, k)| observes.contains(**k))
        .fold(0u64, |m, (i, _)| m | 1 << i);
    let mut events = Vec::new();
    let mut instances: FastMap<String, u32> = FastMap::default();
    let mut features = Features::default();
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
        let obs = o.map_ids(|space, id| interner.intern(space, id));
        let instance = match &e.src {
            Source::Worker { instance, .. } => match instances.get(instance.as_str()) {
                Some(i) => Some(*i),
                None => {
                    let next = instances.len() as u32;
                    instances.insert(instance.clone(), next);
                    Some(next)
                }
            },
            _ => None,
        };
        events.push(PEvent {
            line: *line,
            t: e.t,
            earliest: e.earliest.unwrap_or(e.t),
            shape: shape_hash(o),
            obs,
            instance,
        });
    }
    // Events are matched in file order; the clock must not go backwards by more than the skew
    // between sources (within a source the parser already forbids it).
    let window = window_of(&events, skew);
    let interval = interval_reach(&events, &window, skew);
    let mut channels: FastMap<Channel<u32>, ChannelEvents> = FastMap::default();
    for (i, e) in events.iter().enumerate() {
        channels
            .entry(e.obs.channel().map(|id| **id))
            .or_default()
            .positions
            .push(i as u32);
    }
    Ok(Prepared {
        events,
        interner,
        window,
        interval,
        observed_mask,
        channels,
        features,
        params_override: overrides_of(trace).map_err(|e| (1, e))?,
    })
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
fn window_of(events: &[PEvent], span: f64) -> Vec<u32> {
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

/// A profile parameter a trace may override: its field in [`swspec_model::ProfileParams`].
type ParamField = fn(&mut swspec_model::ProfileParams) -> &mut Option<f64>;

/// The header's `settings.profile_params`: timer bounds a capture changed with engine flags or
/// prefs (e.g. Chromium's BackgroundSync field trial), by [`swspec_model::ProfileParams`] field.
const PARAM_OVERRIDES: &[(&str, ParamField)] = &[
    ("idle_timeout_ms", |p| &mut p.idle_timeout_ms),
    ("idle_extended_timeout_ms", |p| {
        &mut p.idle_extended_timeout_ms
    }),
    ("event_timeout_ms", |p| &mut p.event_timeout_ms),
    ("push_event_timeout_ms", |p| &mut p.push_event_timeout_ms),
    ("sync_event_timeout_ms", |p| &mut p.sync_event_timeout_ms),
    ("sync_initial_retry_delay_ms", |p| {
        &mut p.sync_initial_retry_delay_ms
    }),
    ("sync_retry_delay_factor", |p| {
        &mut p.sync_retry_delay_factor
    }),
];

/// The field a `profile_params` key names, or why it names none.
pub fn param_override(name: &str) -> Result<ParamField, String> {
    PARAM_OVERRIDES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            let known: Vec<&str> = PARAM_OVERRIDES.iter().map(|(n, _)| *n).collect();
            format!("unknown profile parameter (known: {})", known.join(", "))
        })
}

fn overrides_of(trace: &Trace) -> Result<Vec<(ParamField, f64)>, String> {
    let Some(v) = trace.header.settings.get("profile_params") else {
        return Ok(Vec::new());
    };
    let obj = v
        .as_object()
        .ok_or("header field `settings.profile_params` must be an object")?;
    obj.iter()
        .map(|(k, v)| {
            let at = |m: String| format!("header field `settings.profile_params.{k}`: {m}");
            let field = param_override(k).map_err(at)?;
            v.as_f64()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .map(|x| (field, x))
                .ok_or_else(|| at("not a number >= 0".into()))
        })
        .collect()
}

fn with_overrides(
    mut p: swspec_model::ProfileParams,
    o: &[(ParamField, f64)],
) -> swspec_model::ProfileParams {
    for (field, v) in o {
        *field(&mut p) = Some(*v);
    }
    p
}

/// No step the browser takes promptly is due: the front job is not waiting to run or for its
/// script, no worker is starting, and no worker has a task it could dispatch now. (Steps that
/// wait on the page, the worker's promises, the user, the network or a timer may be due.)
pub fn quiescent(model: &SwModel, s: &SwState) -> bool {
    let job_due = s.jobs.first().is_some_and(|j| {
        matches!(
            j.phase,
            swspec_model::JobPhase::Queued | swspec_model::JobPhase::Fetching { .. }
        )
    });
    let starting = s
        .workers
        .iter()
        .any(|w| w.running == RunningStatus::Starting);
    let dispatchable = (0..s.workers.len()).any(|w| model.can_dispatch(s, w as WorkerId));
    !job_due && !starting && !dispatchable
}

/// A 128-bit fingerprint of (position, candidate): two 64-bit lanes mixed by different
/// functions over the byte stream `Hash` writes, so a collision (which would prune a live branch)
/// needs both to collide, about 2^-128 per pair. The model state's own fingerprint is computed
/// once per state and kept in the candidate: steps that only match events reuse it.
fn fingerprint(pos: u32, c: &Cand) -> u128 {
    let mut h = Fp128::default();
    h.write_u32(pos);
    h.write_u128(c.s.fp);
    h.write_usize(c.pending.len());
    for p in &c.pending {
        // (`shape` is a function of `obs`.)
        p.obs.hash(&mut h);
        h.write_u16(p.group);
        h.write_u32(p.deadline);
    }
    h.write_u128(c.aux.fingerprint());
    h.finish128()
}

/// The fingerprint of a model state, kept with it in its candidates.
fn state_fingerprint(s: &SwState) -> u128 {
    let mut h = Fp128::default();
    s.hash(&mut h);
    h.finish128()
}

/// Is `o` a worker's activate event (which a profile may allow to come late)?
fn is_activate(o: &Obs) -> bool {
    matches!(
        o,
        Observation::LifecycleEvent {
            event: swspec_model::observe::LifecycleEvent::Activate,
            ..
        }
    )
}

/// The kinds a guard step (`SwModel::guard_steps`) starts with.
const GUARD_KINDS: [&str; 6] = [
    "update",
    "fetch",
    "sync_tags",
    "skip_waiting",
    "claim",
    "set_permission",
];

/// The model's steps from one state: its actions, and each one's successor once computed.
struct Expansion {
    state: Rc<State>,
    actions: Vec<Action>,
    /// Per action: the kind of its call when that is an observed driver step.
    driver_calls: Vec<Option<usize>>,
    /// Per action: its successor (`None`: disabled or out of bounds), computed when first needed.
    succ: Vec<OnceCell<Option<Successor>>>,
    /// The state's guard steps, computed when an event of a guard kind first needs them.
    guards: OnceCell<Vec<Guard>>,
}

/// A guard step ([`SwModel::guard_steps`]) ready for matching.
struct Guard {
    step: GuardStep,
    /// The call's kind ([`Observation::kind_index`]) and shape hash.
    kind: usize,
    shape: u64,
    /// The step's other observations of observed kinds, and their shape hashes.
    rest: Vec<Obs>,
    rest_shapes: Vec<u64>,
}

/// A model step's outcome.
struct Successor {
    next: Rc<State>,
    /// Its observations of observed kinds, and their shape hashes.
    obs: Vec<Obs>,
    shapes: Vec<u64>,
}

/// States whose expansions the cache holds at most (it is emptied when full).
const TRANSITION_CACHE: usize = 4096;

/// The memo: per position, its first [`Memo::CHAIN`] entries in a list through `entries` (a
/// position holds a handful of candidates on most traces, and the lists stay near the search's
/// front in memory); any further ones in a map by fingerprint.
struct Memo {
    /// Per position: its latest listed entry (`u32::MAX`: none).
    heads: Vec<u32>,
    entries: Vec<MemoEntry>,
    /// Entries of positions with more than `CHAIN`, by fingerprint.
    crowded: FastMap<u128, u32>,
}

struct MemoEntry {
    key: [u64; 2],
    /// The position's previous listed entry.
    next: u32,
    depth: u8,
}

impl Memo {
    const CHAIN: u32 = 16;

    /// The entry for `key` at `pos`, which holds `known` entries.
    fn find(&mut self, pos: u32, key: u128, known: u32) -> Option<&mut MemoEntry> {
        let k = [key as u64, (key >> 64) as u64];
        let mut i = self.heads[pos as usize];
        while i != u32::MAX {
            if self.entries[i as usize].key == k {
                return Some(&mut self.entries[i as usize]);
            }
            i = self.entries[i as usize].next;
        }
        if known > Self::CHAIN {
            let i = *self.crowded.get(&key)?;
            return Some(&mut self.entries[i as usize]);
        }
        None
    }

    /// Adds `key` at `pos`, which holds `known` entries.
    fn insert(&mut self, pos: u32, key: u128, depth: u8, known: u32) {
        let i = self.entries.len() as u32;
        let listed = known < Self::CHAIN;
        self.entries.push(MemoEntry {
            key: [key as u64, (key >> 64) as u64],
            next: if listed {
                self.heads[pos as usize]
            } else {
                u32::MAX
            },
            depth,
        });
        if listed {
            self.heads[pos as usize] = i;
        } else {
            self.crowded.insert(key, i);
        }
    }
}

/// A search node. Its candidate lives on the DFS stack until it is expanded (and in the
/// frontier while it is among the furthest); its step is interned in a [`StepTable`].
struct Node {
    parent: u32,
    pos: u32,
    /// `u32::MAX` for the root.
    step: u32,
    depth: u8,
}

/// A child's step before it is interned: model steps point into their expansion.
enum StepRef {
    Model(Rc<Expansion>, usize),
    Guard(GuardStep),
    Matched(Obs),
}

/// The distinct steps of the search (a node's [`Step::Matched`] line is its event's: the table
/// holds line 0).
#[derive(Default)]
struct StepTable {
    steps: Vec<Step>,
    /// Content hash → the last step interned with it; `chain[i]`: the one before `i`.
    index: FastMap<u64, u32>,
    chain: Vec<u32>,
}

impl StepTable {
    fn intern(&mut self, step: StepRef) -> u32 {
        use std::hash::BuildHasher;
        let hasher = std::hash::BuildHasherDefault::<KeyHasher>::default();
        let h = match &step {
            StepRef::Model(x, i) => {
                let obs = x.succ[*i]
                    .get()
                    .and_then(Option::as_ref)
                    .map(|s| &s.obs[..]);
                hasher.hash_one((0u8, &x.actions[*i], obs))
            }
            StepRef::Guard(g) => hasher.hash_one((1u8, g)),
            StepRef::Matched(o) => hasher.hash_one((2u8, o)),
        };
        let head = self.index.get(&h).copied().unwrap_or(u32::MAX);
        let mut id = head;
        while id != u32::MAX {
            let same = match (&self.steps[id as usize], &step) {
                (Step::Model(a, obs), StepRef::Model(x, i)) => {
                    *a == x.actions[*i]
                        && x.succ[*i]
                            .get()
                            .and_then(Option::as_ref)
                            .is_some_and(|s| s.obs == *obs)
                }
                (Step::Guard(g), StepRef::Guard(h)) => g == h,
                (Step::Matched { obs, .. }, StepRef::Matched(o)) => obs == o,
                _ => false,
            };
            if same {
                return id;
            }
            id = self.chain[id as usize];
        }
        let new = self.steps.len() as u32;
        self.steps.push(match step {
            StepRef::Model(x, i) => Step::Model(
                x.actions[i].clone(),
                x.succ[i]
                    .get()
                    .and_then(Option::as_ref)
                    .map_or_else(Vec::new, |s| s.obs.clone()),
            ),
            StepRef::Guard(g) => Step::Guard(g),
            StepRef::Matched(obs) => Step::Matched { line: 0, obs },
        });
        self.chain.push(head);
        self.index.insert(h, new);
        new
    }
}

/// A child of an expanded node: position, candidate, depth, step.
type Child = (u32, Cand, u8, StepRef);

/// A node waiting on the DFS stack: its candidate, whose obligations wait at the end of
/// [`Search::open_pending`] (the stack is last in, first out, and so are they).
struct Open {
    /// Arena index.
    ix: u32,
    pos: u32,
    depth: u8,
    /// How many obligations of `open_pending` are its.
    pending: u16,
    s: Rc<State>,
    aux: Rc<Aux>,
}

/// Checks one parsed trace.
pub fn check(trace: &Trace, opts: &Options) -> Result<Outcome, (Option<usize>, String)> {
    let profile = opts.profile.unwrap_or(trace.header.profile);
    let prep = prepare(trace, opts.skew_ms).map_err(|(l, e)| (Some(l), e))?;
    let cfg = config_for(&prep, profile).map_err(|e| (None, e))?;
    let model = SwModel::new(cfg);
    Ok(Search::new(&model, &prep, opts).run())
}

struct Search<'a> {
    model: &'a SwModel,
    prep: &'a Prepared,
    opts: &'a Options,
    params: swspec_model::ProfileParams,
    /// Like `prep.window`, widened by the profile's activate-event delay (if it has one).
    late_window: Option<Vec<u32>>,
    /// [`GUARD_KINDS`] as a bit set over [`Observation::kind_index`].
    guard_mask: u64,
    arena: Vec<Node>,
    /// Memo: 128-bit fingerprint of (position, candidate) → smallest depth seen.
    seen: Memo,
    /// Distinct candidates memoised per position.
    per_pos: Vec<u32>,
    furthest: u32,
    /// The depth-0 nodes at the furthest position (arena index, candidate).
    frontier: Vec<(u32, Cand)>,
    /// Obligation lists of expanded candidates, for reuse.
    pending_pool: RefCell<Vec<Vec<Pending>>>,
    /// The obligations of the candidates on the DFS stack, in stack order: one buffer instead of
    /// a list per open alternative (about one per event stays open to the end).
    open_pending: Vec<Pending>,
    /// The nodes' steps.
    steps: StepTable,
    /// Expansions of recently seen model states, by state fingerprint.
    transitions: RefCell<FastMap<u128, Rc<Expansion>>>,
}

impl<'a> Search<'a> {
    fn new(model: &'a SwModel, prep: &'a Prepared, opts: &'a Options) -> Self {
        let reserve = (prep.events.len() * 3 + 16).min(opts.max_nodes);
        let params = with_overrides(model.cfg.profile.params(), &prep.params_override);
        let late_window = params
            .activate_event_delay_ms
            .map(|extra| window_of(&prep.events, opts.skew_ms + extra));
        Search {
            model,
            prep,
            opts,
            params,
            late_window,
            guard_mask: Observation::<u8>::KINDS
                .iter()
                .enumerate()
                .filter(|(_, k)| GUARD_KINDS.contains(k))
                .fold(0, |m, (i, _)| m | 1 << i),
            // About three nodes per event on traces the model explains readily.
            arena: Vec::with_capacity(reserve),
            seen: Memo {
                heads: vec![u32::MAX; prep.events.len() + 1],
                entries: Vec::with_capacity(reserve),
                crowded: FastMap::default(),
            },
            per_pos: vec![0; prep.events.len() + 1],
            furthest: 0,
            frontier: Vec::new(),
            pending_pool: RefCell::default(),
            open_pending: Vec::new(),
            transitions: RefCell::default(),
            steps: StepTable::default(),
        }
    }

    /// Drops an expanded candidate, keeping its obligation list for reuse.
    fn recycle(&self, c: Cand) {
        self.recycle_list(c.pending);
    }

    /// Keeps an obligation list for reuse.
    fn recycle_list(&self, mut v: Vec<Pending>) {
        let mut pool = self.pending_pool.borrow_mut();
        if v.capacity() > 0 && pool.len() < 256 {
            v.clear();
            pool.push(v);
        }
    }

    fn observed(&self, o: &Obs) -> bool {
        self.prep.observed_mask >> o.kind_index() & 1 == 1
    }

    /// Can new obligations `new` (one step's) still be matched? On a channel whose trace id is
    /// known, they must be, as a multiset of shapes, the next events of that channel not yet
    /// owed to older obligations, all before the deadline; otherwise some event of the same shape
    /// must lie in the window.
    /// `shapes[i]` is `shape_hash(&new[i])`.
    fn obligations_fit(&self, c: &Cand, pos: u32, new: &[Obs], shapes: &[u64]) -> bool {
        // Every observation is due within the skew window unless the profile gives the activate
        // event longer and the step makes one (see `deadline_for`).
        let skew_deadline = self.prep.window.get(pos as usize).copied().unwrap_or(pos);
        // Interval events (heartbeat traces) widen their shapes' deadlines too.
        let any_late = (self.late_window.is_some() && new.iter().any(is_activate))
            || self.prep.interval.as_ref().is_some_and(|(interval, _)| {
                shapes.iter().any(|h| interval.binary_search(h).is_ok())
            });
        for (i, o) in new.iter().enumerate() {
            let ch = o.channel();
            if new[..i].iter().any(|x| x.channel() == ch) {
                continue;
            }
            // The channel in trace ids, when its id is bound already.
            let key = match ch.id() {
                None => Some(ch.map(|_| 0)),
                Some((space, m)) => c.aux.bound(space, **m).map(|t| ch.map(|_| t)),
            };
            // This step's observations on the channel (none comes before `i`), with shapes.
            let mine = || {
                new[i..]
                    .iter()
                    .zip(&shapes[i..])
                    .filter(move |(x, _)| x.channel() == ch)
            };
            let Some(key) = key else {
                if mine().any(|(x, &h)| {
                    pos as usize >= self.prep.events.len() || !self.in_window(pos, x, h)
                }) {
                    return false;
                }
                continue;
            };
            let Some(events) = self.prep.channels.get(&key) else {
                return false;
            };
            let list = &events.positions[..];
            let prev = c.pending.iter().filter(|p| p.obs.channel() == ch).count();
            let start = events.before(pos) + prev;
            let Some(slice) = list.get(start..start + mine().count()) else {
                return false;
            };
            let deadline = if any_late {
                mine()
                    .map(|(x, &h)| self.deadline_for(x, h, pos))
                    .max()
                    .unwrap_or(pos)
            } else {
                skew_deadline
            };
            if slice.iter().any(|&p| p >= deadline) {
                return false;
            }
            // The driver logs a step before its effects: a driver step is taken only for the
            // event at hand, never ahead of it.
            if ch == Channel::Driver && (prev > 0 || slice.first() != Some(&pos)) {
                return false;
            }
            let have = slice.iter().map(|&p| self.prep.events[p as usize].shape);
            if !same_multiset(mine().map(|(_, &h)| h), have) {
                return false;
            }
        }
        true
    }

    /// The first position at which observation `o`, made by a step at `pos`, is overdue: the
    /// skew window, the longer one the profile allows the activate event, or up to an interval
    /// event whose earliest time is within the skew.
    /// `h` is `shape_hash(o)`.
    fn deadline_for(&self, o: &Obs, h: u64, pos: u32) -> u32 {
        if let Some((shapes, reach)) = &self.prep.interval {
            if shapes.binary_search(&h).is_ok() {
                return reach.get(pos as usize).copied().unwrap_or(pos);
            }
        }
        let w = match &self.late_window {
            Some(late) if is_activate(o) => late,
            _ => &self.prep.window,
        };
        w.get(pos as usize).copied().unwrap_or(pos)
    }

    /// Is there an event of this shape in the window starting at `pos`?
    /// `h` is `shape_hash(o)`.
    fn in_window(&self, pos: u32, o: &Obs, h: u64) -> bool {
        let end = self.deadline_for(o, h, pos) as usize;
        self.prep.events[pos as usize..end]
            .iter()
            .any(|e| e.shape == h)
    }

    fn run(mut self) -> Outcome {
        let s = self.model.init_state();
        let init = Cand {
            s: State::new(s),
            pending: Vec::new(),
            aux: Rc::default(),
        };
        let n = self.prep.events.len() as u32;
        let mut stack: Vec<Open> = Vec::new();
        self.push(&mut stack, 0, init, 0, u32::MAX, None);
        let mut accepted = None;
        let mut exhausted_budget = false;
        let mut children: Vec<Child> = Vec::new();
        while let Some(open) = stack.pop() {
            let Open { ix, pos, depth, .. } = open;
            let mut pending = self.pending_pool.borrow_mut().pop().unwrap_or_default();
            let start = self.open_pending.len() - usize::from(open.pending);
            pending.extend(self.open_pending.drain(start..));
            let cand = Cand {
                s: open.s,
                pending,
                aux: open.aux,
            };
            if self.arena.len() >= self.opts.max_nodes {
                exhausted_budget = true;
                break;
            }
            if pos == n {
                if cand.pending.is_empty()
                    && (!self.opts.quiescent_end || quiescent(self.model, &cand.s))
                {
                    accepted = Some((ix, cand));
                    break;
                }
                // Unobservable steps may still close the gap to quiescence.
                if cand.pending.is_empty() && (depth as usize) < self.opts.max_hidden {
                    self.model_steps(&cand, pos, depth, true, &mut children);
                }
            } else if cand.pending.iter().all(|p| p.deadline > pos) {
                // (A candidate with an overdue obligation is dead.)
                self.expand(&cand, pos, depth, &mut children);
            }
            self.recycle(cand);
            // Depth-first: push in reverse so the first alternative is tried first.
            for (p, c, d, st) in children.drain(..).rev() {
                self.push(&mut stack, p, c, d, ix, Some(st));
            }
        }
        let nodes = self.arena.len();
        let peak_frontier = self.per_pos.iter().copied().max().unwrap_or(0) as usize;
        let events = self.prep.events.len();
        match accepted {
            Some((ix, cand)) => {
                let (path, max_hidden_used) = self.render_path(ix, &cand);
                Outcome {
                    profile: self.model.cfg.profile,
                    verdict: Verdict::Conforms,
                    events,
                    nodes,
                    peak_frontier,
                    max_hidden_used,
                    divergence: None,
                    path,
                }
            }
            None => {
                let divergence = self.divergence(n);
                let path = self
                    .frontier
                    .first()
                    .map(|(ix, c)| self.render_path(*ix, c).0)
                    .unwrap_or_default();
                Outcome {
                    profile: self.model.cfg.profile,
                    verdict: if exhausted_budget {
                        Verdict::Inconclusive
                    } else {
                        Verdict::Diverges
                    },
                    events,
                    nodes,
                    peak_frontier,
                    max_hidden_used: 0,
                    divergence: Some(divergence),
                    path,
                }
            }
        }
    }

    fn push(
        &mut self,
        stack: &mut Vec<Open>,
        pos: u32,
        mut cand: Cand,
        depth: u8,
        parent: u32,
        step: Option<StepRef>,
    ) {
        cand.normalise_groups();
        let key = fingerprint(pos, &cand);
        let known = self.per_pos[pos as usize];
        match self.seen.find(pos, key, known) {
            Some(e) if e.depth <= depth => return,
            Some(e) => e.depth = depth,
            None => {
                self.seen.insert(pos, key, depth, known);
                self.per_pos[pos as usize] += 1;
            }
        }
        let ix = self.arena.len() as u32;
        if depth == 0 {
            if pos > self.furthest {
                self.furthest = pos;
                while let Some((_, c)) = self.frontier.pop() {
                    self.recycle(c);
                }
            }
            if pos == self.furthest {
                self.frontier
                    .push((ix, cand.clone_with_room(0, &self.pending_pool)));
            }
        }
        let step = step.map_or(u32::MAX, |st| self.steps.intern(st));
        self.arena.push(Node {
            parent,
            pos,
            step,
            depth,
        });
        let pending = cand.pending.len() as u16;
        self.open_pending.append(&mut cand.pending);
        self.recycle_list(cand.pending);
        stack.push(Open {
            ix,
            pos,
            depth,
            pending,
            s: cand.s,
            aux: cand.aux,
        });
    }

    /// Every way to make progress on event `pos` from `cand`.
    fn expand(&self, cand: &Cand, pos: u32, depth: u8, out: &mut Vec<Child>) {
        let ev = &self.prep.events[pos as usize];
        // 1. Match a pending obligation.
        for k in 0..cand.pending.len() {
            if cand.pending[k].shape != ev.shape || !cand.matchable(k) {
                continue;
            }
            let mut c = cand.clone_with_room(0, &self.pending_pool);
            let p = c.pending.remove(k);
            if c.bind_obs(&p.obs, &ev.obs) && self.instance_ok(&mut c, &p.obs, ev) {
                out.push((pos + 1, c, 0, StepRef::Matched(p.obs)));
            }
        }
        // 2. A guard step whose call is this event (the state's guard steps are cached with
        // its transitions).
        let kind = ev.obs.kind_index();
        if self.guard_mask >> kind & 1 == 1 {
            let x = self.expansion(cand);
            let guards = x.guards.get_or_init(|| self.guards(&x.state));
            for g in guards {
                if g.kind != kind || g.shape != ev.shape {
                    continue;
                }
                let mut c = cand.clone_with_room(g.rest.len(), &self.pending_pool);
                let call = &g.step[0];
                if !c.bind_obs(call, &ev.obs) || !self.instance_ok(&mut c, call, ev) {
                    continue;
                }
                if !self.obligations_fit(&c, pos + 1, &g.rest, &g.rest_shapes) {
                    continue;
                }
                c.owe(&g.rest, &g.rest_shapes, |o, h| self.deadline_for(o, h, pos));
                out.push((pos + 1, c, 0, StepRef::Guard(g.step.clone())));
            }
        }
        // 3. A model step first.
        if depth as usize >= self.opts.max_hidden && cand.pending.is_empty() {
            return;
        }
        if depth as usize >= self.opts.max_hidden + 8 {
            return;
        }
        self.model_steps(cand, pos, depth, false, out);
    }

    /// Model steps from `cand` while event `pos` is at hand; `at_end` (after the last event):
    /// unobservable steps only, with no timer bounds.
    fn model_steps(&self, cand: &Cand, pos: u32, depth: u8, at_end: bool, out: &mut Vec<Child>) {
        let (t, t_prev) = if at_end {
            (0.0, 0.0)
        } else {
            let t = self.prep.events[pos as usize].t;
            let prev = pos
                .checked_sub(1)
                .map_or(t, |p| self.prep.events[p as usize].t);
            (t, prev)
        };
        let x = self.expansion(cand);
        let ev_kind = (!at_end).then(|| self.prep.events[pos as usize].obs.kind_index());
        for (i, a) in x.actions.iter().enumerate() {
            // A step's call on the driver's channel is taken only as the event at hand (see
            // `obligations_fit`) and never at the end: rule the others out before computing them.
            if x.driver_calls[i].is_some() && x.driver_calls[i] != ev_kind {
                continue;
            }
            let Some(succ) = x.succ[i].get_or_init(|| self.successor(&x.state, a)) else {
                continue;
            };
            let obs = &succ.obs;
            let allowed = if at_end {
                obs.is_empty()
            } else {
                self.obligations_fit(cand, pos, obs, &succ.shapes)
                    && !(obs.is_empty() && depth as usize >= self.opts.max_hidden)
                    && cand.pending.len() + obs.len() <= 16
                    && self.timers_ok(cand, a, t)
            };
            if !allowed {
                continue;
            }
            let mut c = cand.clone_with_room(obs.len(), &self.pending_pool);
            if !at_end {
                c.owe(obs, &succ.shapes, |o, h| self.deadline_for(o, h, pos));
                let stamp = if obs.is_empty() { t_prev } else { t };
                self.update_timers(&mut c, &cand.s, &succ.next, stamp);
            }
            c.s = Rc::clone(&succ.next);
            out.push((pos, c, depth + 1, StepRef::Model(Rc::clone(&x), i)));
        }
    }

    /// The model's steps from `cand`'s state, from the cache of transitions when it holds the
    /// state (the same states recur along a trace).
    fn expansion(&self, cand: &Cand) -> Rc<Expansion> {
        let mut cache = self.transitions.borrow_mut();
        if let Some(x) = cache.get(&cand.s.fp) {
            if Rc::ptr_eq(&x.state, &cand.s) || x.state.s == cand.s.s {
                return Rc::clone(x);
            }
        }
        let mut actions = Vec::new();
        stateright::Model::actions(self.model, &cand.s, &mut actions);
        let driver_calls = actions
            .iter()
            .map(|a| {
                SwModel::call_observation(&cand.s, a)
                    .filter(|call| call.channel() == Channel::Driver && self.observed(call))
                    .map(|call| call.kind_index())
            })
            .collect();
        let succ = actions.iter().map(|_| OnceCell::new()).collect();
        let x = Rc::new(Expansion {
            state: Rc::clone(&cand.s),
            actions,
            driver_calls,
            succ,
            guards: OnceCell::new(),
        });
        if cache.len() >= TRANSITION_CACHE {
            cache.clear();
        }
        cache.insert(cand.s.fp, Rc::clone(&x));
        x
    }

    /// The guard steps from `s`, ready for matching.
    fn guards(&self, s: &SwState) -> Vec<Guard> {
        self.model
            .guard_steps(s)
            .into_iter()
            .map(|step| {
                let rest: Vec<Obs> = step[1..]
                    .iter()
                    .filter(|o| self.observed(o))
                    .cloned()
                    .collect();
                Guard {
                    kind: step[0].kind_index(),
                    shape: shape_hash(&step[0]),
                    rest_shapes: rest.iter().map(shape_hash).collect(),
                    rest,
                    step,
                }
            })
            .collect()
    }

    /// The step `a` from `s`, unless it is disabled or leaves the model's bounds.
    fn successor(&self, s: &SwState, a: &Action) -> Option<Successor> {
        let next = stateright::Model::next_state(self.model, s, a.clone())?;
        if !stateright::Model::within_boundary(self.model, &next) {
            return None;
        }
        let obs: Vec<Obs> = self
            .model
            .observe(s, a, &next)
            .into_iter()
            .filter(|o| self.observed(o))
            .collect();
        Some(Successor {
            shapes: obs.iter().map(shape_hash).collect(),
            obs,
            next: State::new(next),
        })
    }

    /// The worker-instance rule: a worker's events come from one script evaluation until it is
    /// started again, and every start gives a new one.
    fn instance_ok(&self, c: &mut Cand, m: &Obs, ev: &PEvent) -> bool {
        let Some(inst) = ev.instance else { return true };
        let Channel::Worker(&w) = m.channel() else {
            return true;
        };
        let ok = match c.aux.inst(w) {
            None => true,
            Some(e) => (e.0 == inst) != e.1,
        };
        if c.aux.inst(w) != Some((inst, false)) {
            c.aux_mut().set_inst(w, (inst, false));
        }
        ok
    }

    fn tol(&self) -> f64 {
        self.opts.timer_tolerance_ms
    }

    /// The profile's lower bounds on timers, for a step taken at time `t` (ms).
    fn timers_ok(&self, c: &Cand, a: &Action, t: f64) -> bool {
        match *a {
            // A redundant worker's stop is not an idle stop: engines stop a worker as soon as
            // it is doomed (Chromium `ServiceWorkerVersion::Doom`), the spec leaves it to idle.
            Action::StopWorker {
                worker,
                cause: StopCause::Idle,
            } if c.s.worker(worker).state == WorkerState::Redundant => true,
            Action::StopWorker {
                worker,
                cause: StopCause::Idle,
            } => match (self.params.idle_timeout_ms, c.aux.get(BUSY, worker)) {
                (Some(idle), Some(since)) => t - since as f64 >= idle - self.tol(),
                _ => true,
            },
            Action::EventTimedOut(worker) => {
                match (self.params.event_timeout_ms, c.aux.get(EXT, worker)) {
                    (Some(limit), Some(since)) => {
                        let limit = self.event_limit(&c.s, worker).unwrap_or(limit);
                        t - since as f64 >= limit - self.tol()
                    }
                    _ => true,
                }
            }
            Action::SyncRetryDue { tag } => {
                match (
                    self.params.sync_initial_retry_delay_ms,
                    c.aux.get(SYNC_FAIL, tag),
                ) {
                    (Some(initial), Some(since)) => {
                        let attempts =
                            c.s.map_entry()
                                .and_then(|r| c.s.reg(r).sync.iter().find(|g| g.tag == tag))
                                .map_or(1, |g| g.attempts.max(1));
                        let factor = self.params.sync_retry_delay_factor.unwrap_or(1.0);
                        let delay = initial * factor.powi(attempts as i32 - 1);
                        t - since as f64 >= delay - self.tol()
                    }
                    _ => true,
                }
            }
            _ => true,
        }
    }

    /// The timeout of the oldest extended event of `w` when its kind has its own (push, sync).
    fn event_limit(&self, s: &SwState, w: WorkerId) -> Option<f64> {
        match s.worker(w).extended.first()? {
            swspec_model::EventKind::Push => self.params.push_event_timeout_ms,
            swspec_model::EventKind::Sync { .. } => self.params.sync_event_timeout_ms,
            _ => None,
        }
    }

    fn update_timers(&self, c: &mut Cand, pre: &SwState, post: &SwState, t: f64) {
        let t = t.max(0.0) as u64;
        for (i, w) in post.workers.iter().enumerate() {
            let id = i as u8;
            let busy = |w: &swspec_model::Worker| {
                !w.tasks.is_empty()
                    || !w.extended.is_empty()
                    || matches!(w.state, WorkerState::Installing | WorkerState::Activating)
                    || w.running == RunningStatus::Starting
            };
            let was_busy = pre.workers.get(i).is_some_and(busy);
            // Timer stamps are kept only when the profile bounds that timer: they split
            // otherwise-equal candidates.
            if self.params.idle_timeout_ms.is_some()
                && (busy(w) || was_busy || pre.workers.get(i).is_none())
                && c.aux.get(BUSY, id) != Some(t)
            {
                c.aux_mut().set(BUSY, id, t);
            }
            let had_ext = pre.workers.get(i).is_some_and(|p| !p.extended.is_empty());
            if w.extended.is_empty() {
                if c.aux.get(EXT, id).is_some() {
                    c.aux_mut().unset(EXT, id);
                }
            } else if !had_ext
                && self.params.event_timeout_ms.is_some()
                && c.aux.get(EXT, id) != Some(t)
            {
                c.aux_mut().set(EXT, id, t);
            }
            if pre
                .workers
                .get(i)
                .is_some_and(|p| p.running != RunningStatus::Running)
                && w.running == RunningStatus::Running
            {
                if let Some((i, false)) = c.aux.inst(id) {
                    c.aux_mut().set_inst(id, (i, true));
                }
            }
        }
        // Sync attempts that failed start the retry clock.
        if let Some(r) = post.map_entry() {
            for g in post.reg(r).sync.iter() {
                let waiting = g.state == swspec_model::SyncState::Waiting || g.delayed;
                let was = pre.map_entry().and_then(|pr| {
                    pre.reg(pr)
                        .sync
                        .iter()
                        .find(|p| p.tag == g.tag)
                        .map(|p| p.state == swspec_model::SyncState::Waiting || p.delayed)
                });
                if waiting
                    && was != Some(true)
                    && self.params.sync_initial_retry_delay_ms.is_some()
                    && c.aux.get(SYNC_FAIL, g.tag) != Some(t)
                {
                    c.aux_mut().set(SYNC_FAIL, g.tag, t);
                }
            }
        }
    }

    fn name_of(&self, c: &Cand, space: IdSpace, m: u8) -> String {
        match c.aux.bound(space, m) {
            Some(t) => self.prep.interner.name(space, t).to_string(),
            None => format!("#{m}"),
        }
    }

    fn render_obs(&self, c: &Cand, o: &Obs) -> String {
        let named = o.map_ids(|space, m| self.name_of(c, space, *m));
        serde_json::to_string(&named).unwrap_or_default()
    }

    /// The steps to node `ix`, whose candidate is `c` (its bindings name the identifiers).
    fn render_path(&self, mut ix: u32, c: &Cand) -> (PathText, usize) {
        let mut path: Vec<&Node> = Vec::new();
        while ix != u32::MAX {
            let node = &self.arena[ix as usize];
            if node.step != u32::MAX {
                path.push(node);
            }
            ix = node.parent;
        }
        path.reverse();
        // One candidate's bindings name every step, so a step renders the same wherever it
        // recurs: each distinct one is rendered once.
        let mut text_of: Vec<u32> = vec![u32::MAX; self.steps.steps.len()];
        let mut out = PathText {
            texts: Vec::new(),
            lines: Vec::with_capacity(path.len()),
        };
        let mut max_depth = 0usize;
        for node in path {
            max_depth = max_depth.max(node.depth as usize);
            let st = &self.steps.steps[node.step as usize];
            let text = &mut text_of[node.step as usize];
            if *text == u32::MAX {
                *text = out.texts.len() as u32;
                out.texts.push(match st {
                    Step::Model(a, obs) => {
                        let shown: Vec<String> =
                            obs.iter().map(|o| self.render_obs(c, o)).collect();
                        format!(
                            "  step   {a}  [{}]{}",
                            a.spec(),
                            if shown.is_empty() {
                                "  (unobservable)".to_string()
                            } else {
                                format!("  => {}", shown.join(", "))
                            }
                        )
                    }
                    Step::Guard(g) => {
                        let shown: Vec<String> = g.iter().map(|o| self.render_obs(c, o)).collect();
                        format!("  guard  {} (no state change)", shown.join(", "))
                    }
                    Step::Matched { obs, .. } => self.render_obs(c, obs),
                });
            }
            let line = match st {
                // A matched event's node is at the position after it.
                Step::Matched { .. } => node
                    .pos
                    .checked_sub(1)
                    .and_then(|p| self.prep.events.get(p as usize))
                    .map_or(0, |e| e.line as u32),
                _ => u32::MAX,
            };
            out.lines.push((*text, line));
        }
        (out, max_depth)
    }

    fn summarise(&self, c: &Cand) -> String {
        let s = &c.s;
        let w = |id: Option<WorkerId>| match id {
            Some(x) => format!(
                "{}({:?},{:?})",
                self.name_of(c, IdSpace::Worker, x),
                s.worker(x).state,
                s.worker(x).running
            )
            .to_lowercase(),
            None => "-".into(),
        };
        let mut parts = Vec::new();
        match s.map_entry() {
            Some(r) => {
                let reg = s.reg(r);
                parts.push(format!(
                    "registration: installing {}, waiting {}, active {}",
                    w(reg.installing),
                    w(reg.waiting),
                    w(reg.active)
                ));
            }
            None => parts.push("no registration".into()),
        }
        let clients: Vec<String> = s
            .clients
            .iter()
            .enumerate()
            .filter(|(_, cl)| cl.open)
            .map(|(i, cl)| {
                format!(
                    "{}→{}",
                    self.name_of(c, IdSpace::Client, i as u8),
                    cl.controller
                        .map_or("none".into(), |x| self.name_of(c, IdSpace::Worker, x))
                )
            })
            .collect();
        parts.push(format!("clients [{}]", clients.join(", ")));
        if !s.jobs.is_empty() {
            parts.push(format!("{} job(s) queued", s.jobs.len()));
        }
        if !c.pending.is_empty() {
            let p: Vec<String> = c
                .pending
                .iter()
                .map(|p| self.render_obs(c, &p.obs))
                .collect();
            parts.push(format!("awaiting {}", p.join(", ")));
        }
        parts.join("; ")
    }

    fn divergence(&self, n: u32) -> Divergence {
        let pos = self.furthest;
        let cands: Vec<&Cand> = self.frontier.iter().map(|(_, c)| c).collect();
        let mut expected: Vec<String> = Vec::new();
        for c in &cands {
            for (k, p) in c.pending.iter().enumerate() {
                if c.matchable(k) {
                    expected.push(self.render_obs(c, &p.obs));
                }
            }
            let mut actions = Vec::new();
            stateright::Model::actions(self.model, &c.s, &mut actions);
            for a in actions {
                if let Some(next) = stateright::Model::next_state(self.model, &c.s, a.clone()) {
                    if let Some(o) = self
                        .model
                        .observe(&c.s, &a, &next)
                        .into_iter()
                        .find(|o| self.observed(o))
                    {
                        expected.push(self.render_obs(c, &o));
                    }
                }
            }
            for g in self.model.guard_steps(&c.s) {
                if self.observed(&g[0]) {
                    expected.push(self.render_obs(c, &g[0]));
                }
            }
        }
        expected.sort();
        expected.dedup();
        expected.truncate(24);
        let last_matched_line = (pos > 0).then(|| self.prep.events[pos as usize - 1].line);
        let last_steps = self
            .frontier
            .first()
            .map(|(ix, c)| {
                let p: Vec<String> = self.render_path(*ix, c).0.lines().collect();
                let from = p
                    .iter()
                    .rposition(|l| l.starts_with("  line "))
                    .map_or(0, |i| i.saturating_sub(8));
                p[from..].to_vec()
            })
            .unwrap_or_default();
        let (line, event, reason) = if pos < n {
            let ev = &self.prep.events[pos as usize];
            let named = ev
                .obs
                .map_ids(|space, i| self.prep.interner.name(space, *i).to_string());
            (
                Some(ev.line),
                Some(serde_json::to_string(&named).unwrap_or_default()),
                format!(
                    "no candidate state accepts this {} observation at t={} ms",
                    ev.obs.kind(),
                    ev.t
                ),
            )
        } else {
            (
                None,
                None,
                "the trace ended while the model still owed observations that never appeared"
                    .to_string(),
            )
        };
        Divergence {
            line,
            event,
            reason,
            expected,
            candidates: cands.len(),
            candidate_summaries: cands
                .iter()
                .take(self.opts.report_candidates)
                .map(|c| self.summarise(c))
                .collect(),
            last_matched_line,
            last_steps,
        }
    }
}
