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
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use swspec_model::{
    observe::GuardStep, Action, Channel, IdSpace, ModelConfig, Obs, Observation, Profile,
    RunningStatus, StopCause, SwModel, SwState, WorkerId, WorkerState,
};

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

/// Trace identifiers, interned per space.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    names: BTreeMap<IdSpace, Vec<String>>,
    index: HashMap<(IdSpace, String), u32>,
}

impl Interner {
    fn intern(&mut self, space: IdSpace, name: &str) -> u32 {
        if let Some(i) = self.index.get(&(space, name.to_string())) {
            return *i;
        }
        let v = self.names.entry(space).or_default();
        v.push(name.to_string());
        let i = (v.len() - 1) as u32;
        self.index.insert((space, name.to_string()), i);
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

fn space_ix(s: IdSpace) -> usize {
    match s {
        IdSpace::Client => 0,
        IdSpace::Worker => 1,
        IdSpace::Script => 2,
        IdSpace::Tag => 3,
        IdSpace::BgFetch => 4,
    }
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

/// One candidate explanation of the trace prefix.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Cand {
    s: SwState,
    pending: Vec<Pending>,
    /// Per space: (model id, trace id) pairs.
    bind: [Vec<(u8, u32)>; 5],
    /// Per worker: (model worker, last script instance seen, restarted since).
    inst: Vec<(u8, u32, bool)>,
    /// Per worker: when it was last busy (ms, floor), for the idle-stop bound.
    busy: Vec<(u8, u64)>,
    /// Per worker: when its oldest pending extended event started (ms), for the event timeout.
    ext: Vec<(u8, u64)>,
    /// Per sync tag: when its last attempt failed (ms), for the retry delay.
    sync_fail: Vec<(u8, u64)>,
}

fn get<K: PartialEq + Copy, V: Copy>(v: &[(K, V)], k: K) -> Option<V> {
    v.iter().find(|(a, _)| *a == k).map(|(_, b)| *b)
}

fn set<K: PartialEq + Copy + Ord, V: Copy>(v: &mut Vec<(K, V)>, k: K, val: V) {
    match v.iter_mut().find(|(a, _)| *a == k) {
        Some(e) => e.1 = val,
        None => {
            v.push((k, val));
            v.sort_by_key(|e| e.0);
        }
    }
}

fn unset<K: PartialEq + Copy, V>(v: &mut Vec<(K, V)>, k: K) {
    v.retain(|(a, _)| *a != k);
}

impl Cand {
    /// Binds the identifiers of model observation `m` to those of trace observation `t` (same
    /// shape). Fails when that breaks the bijection.
    fn bind_obs(&mut self, m: &Obs, t: &Observation<u32>) -> bool {
        let mids = m.ids();
        let tids = t.ids();
        if mids.len() != tids.len() {
            return false;
        }
        for ((space, mi), (_, ti)) in mids.into_iter().zip(tids) {
            let b = &mut self.bind[space_ix(space)];
            match (get(b, *mi), b.iter().find(|(_, x)| x == ti).map(|e| e.0)) {
                (Some(x), _) if x == *ti => {}
                (None, None) => {
                    b.push((*mi, *ti));
                    b.sort_unstable();
                }
                _ => return false,
            }
        }
        true
    }

    fn normalise_groups(&mut self) {
        let mut groups: Vec<u16> = self.pending.iter().map(|p| p.group).collect();
        groups.sort_unstable();
        groups.dedup();
        for p in &mut self.pending {
            p.group = groups.binary_search(&p.group).unwrap_or(0) as u16;
        }
    }

    /// Adds one step's observations as obligations, each due before `deadline` of it.
    fn owe(&mut self, obs: impl IntoIterator<Item = Obs>, deadline: impl Fn(&Obs) -> u32) {
        let group = self.pending.iter().map(|p| p.group + 1).max().unwrap_or(0);
        self.pending.extend(obs.into_iter().map(|obs| Pending {
            shape: shape_hash(&obs),
            deadline: deadline(&obs),
            obs,
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
#[derive(Clone, Debug)]
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
    pub path: Vec<String>,
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
    observes: HashSet<String>,
    /// Positions of the events of each channel (trace ids; 0 where a channel has none),
    /// ascending.
    channels: HashMap<Channel<u32>, Vec<u32>>,
    /// Which optional APIs the trace uses (by its observations and permissions).
    features: Features,
    /// Timer bounds the capture changed (header `settings.profile_params`).
    params_override: Vec<(ParamField, f64)>,
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
    let mut events = Vec::new();
    let mut instances: HashMap<String, u32> = HashMap::new();
    let mut features = Features::default();
    for (line, e) in &trace.events {
        let Some(o) = &e.obs else { continue };
        features.add(o);
        if !observes.contains(o.kind()) {
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
            Source::Worker { instance, .. } => {
                let next = instances.len() as u32;
                Some(*instances.entry(instance.clone()).or_insert(next))
            }
            _ => None,
        };
        events.push(PEvent {
            line: *line,
            t: e.t,
            shape: shape_hash(o),
            obs,
            instance,
        });
    }
    // Events are matched in file order; the clock must not go backwards by more than the skew
    // between sources (within a source the parser already forbids it).
    let window = window_of(&events, skew);
    let mut channels: HashMap<Channel<u32>, Vec<u32>> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        channels
            .entry(e.obs.channel().map(|id| **id))
            .or_default()
            .push(i as u32);
    }
    Ok(Prepared {
        events,
        interner,
        window,
        observes,
        channels,
        features,
        params_override: overrides_of(trace).map_err(|e| (1, e))?,
    })
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

/// Two independent 64-bit hashes: a collision (which would prune a live branch) needs both to
/// collide, about 2^-128 per pair.
fn fingerprint(pos: u32, c: &Cand) -> u128 {
    use std::hash::BuildHasher;
    let a = std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
    let h1 = a.hash_one((pos, c));
    let h2 = a.hash_one((0x9e37_79b9_7f4a_7c15u64, c, pos));
    (u128::from(h1) << 64) | u128::from(h2)
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

struct Node {
    pos: u32,
    cand: Cand,
    depth: u8,
    parent: u32,
    step: Option<Step>,
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
    arena: Vec<Node>,
    /// Memo: 128-bit fingerprint of (position, candidate) → smallest depth seen.
    seen: HashMap<u128, u8>,
    per_pos: Vec<u32>,
    furthest: u32,
    /// Arena indices of depth-0 nodes at the furthest position.
    frontier: Vec<u32>,
}

impl<'a> Search<'a> {
    fn new(model: &'a SwModel, prep: &'a Prepared, opts: &'a Options) -> Self {
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
            arena: Vec::new(),
            seen: HashMap::new(),
            per_pos: vec![0; prep.events.len() + 1],
            furthest: 0,
            frontier: Vec::new(),
        }
    }

    fn observed(&self, o: &Obs) -> bool {
        self.prep.observes.contains(o.kind())
    }

    /// Can new obligations `new` (one step's) still be matched? On a channel whose trace id is
    /// known, they must be, as a multiset of shapes, the next events of that channel not yet
    /// owed to older obligations, all before the deadline; otherwise some event of the same shape
    /// must lie in the window.
    fn obligations_fit(&self, c: &Cand, pos: u32, new: &[Obs]) -> bool {
        let mut done: Vec<Channel<&u8>> = Vec::new();
        for o in new {
            let ch = o.channel();
            if done.contains(&ch) {
                continue;
            }
            done.push(ch);
            // The channel in trace ids, when its id is bound already.
            let key = match ch.id() {
                None => Some(ch.map(|_| 0)),
                Some((space, m)) => get(&c.bind[space_ix(space)], **m).map(|t| ch.map(|_| t)),
            };
            let mine: Vec<&Obs> = new.iter().filter(|x| x.channel() == ch).collect();
            let Some(key) = key else {
                if mine
                    .iter()
                    .any(|x| pos as usize >= self.prep.events.len() || !self.in_window(pos, x))
                {
                    return false;
                }
                continue;
            };
            let Some(list) = self.prep.channels.get(&key) else {
                return false;
            };
            let prev = c.pending.iter().filter(|p| p.obs.channel() == ch).count();
            let start = list.partition_point(|&p| p < pos) + prev;
            let Some(slice) = list.get(start..start + mine.len()) else {
                return false;
            };
            let deadline = mine
                .iter()
                .map(|x| self.deadline_for(x, pos))
                .max()
                .unwrap_or(pos);
            if slice.iter().any(|&p| p >= deadline) {
                return false;
            }
            // The driver logs a step before its effects: a driver step is taken only for the
            // event at hand, never ahead of it.
            if ch == Channel::Driver && (prev > 0 || slice.first() != Some(&pos)) {
                return false;
            }
            let mut want: Vec<u64> = mine.iter().map(|x| shape_hash(*x)).collect();
            let mut have: Vec<u64> = slice
                .iter()
                .map(|&p| self.prep.events[p as usize].shape)
                .collect();
            want.sort_unstable();
            have.sort_unstable();
            if want != have {
                return false;
            }
        }
        true
    }

    /// The first position at which observation `o`, made by a step at `pos`, is overdue: the
    /// skew window, or the longer one the profile allows the activate event.
    fn deadline_for(&self, o: &Obs, pos: u32) -> u32 {
        let activate = matches!(
            o,
            Observation::LifecycleEvent {
                event: swspec_model::observe::LifecycleEvent::Activate,
                ..
            }
        );
        let w = match &self.late_window {
            Some(late) if activate => late,
            _ => &self.prep.window,
        };
        w.get(pos as usize).copied().unwrap_or(pos)
    }

    /// Is there an event of this shape in the window starting at `pos`?
    fn in_window(&self, pos: u32, o: &Obs) -> bool {
        let h = shape_hash(o);
        let end = self.deadline_for(o, pos) as usize;
        self.prep.events[pos as usize..end]
            .iter()
            .any(|e| e.shape == h)
    }

    fn run(mut self) -> Outcome {
        let init = Cand {
            s: self.model.init_state(),
            pending: Vec::new(),
            bind: Default::default(),
            inst: Vec::new(),
            busy: Vec::new(),
            ext: Vec::new(),
            sync_fail: Vec::new(),
        };
        let n = self.prep.events.len() as u32;
        let mut stack: Vec<u32> = Vec::new();
        self.push(&mut stack, 0, init, 0, u32::MAX, None);
        let mut accepted = None;
        let mut exhausted_budget = false;
        while let Some(ix) = stack.pop() {
            if self.arena.len() >= self.opts.max_nodes {
                exhausted_budget = true;
                break;
            }
            let (pos, depth) = (self.arena[ix as usize].pos, self.arena[ix as usize].depth);
            let cand = self.arena[ix as usize].cand.clone();
            let mut children: Vec<(u32, Cand, u8, Step)> = Vec::new();
            if pos == n {
                if cand.pending.is_empty()
                    && (!self.opts.quiescent_end || quiescent(self.model, &cand.s))
                {
                    accepted = Some(ix);
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
            // Depth-first: push in reverse so the first alternative is tried first.
            for (p, c, d, st) in children.into_iter().rev() {
                self.push(&mut stack, p, c, d, ix, Some(st));
            }
        }
        let nodes = self.arena.len();
        let peak_frontier = self.per_pos.iter().copied().max().unwrap_or(0) as usize;
        let events = self.prep.events.len();
        match accepted {
            Some(ix) => {
                let (path, max_hidden_used) = self.render_path(ix);
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
                    .map(|ix| self.render_path(*ix).0)
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
        stack: &mut Vec<u32>,
        pos: u32,
        mut cand: Cand,
        depth: u8,
        parent: u32,
        step: Option<Step>,
    ) {
        cand.normalise_groups();
        let key = fingerprint(pos, &cand);
        if let Some(d) = self.seen.get(&key) {
            if *d <= depth {
                return;
            }
        } else {
            self.per_pos[pos as usize] += 1;
        }
        self.seen.insert(key, depth);
        let ix = self.arena.len() as u32;
        if depth == 0 {
            if pos > self.furthest {
                self.furthest = pos;
                self.frontier.clear();
            }
            if pos == self.furthest {
                self.frontier.push(ix);
            }
        }
        self.arena.push(Node {
            pos,
            cand,
            depth,
            parent,
            step,
        });
        stack.push(ix);
    }

    /// Every way to make progress on event `pos` from `cand`.
    fn expand(&self, cand: &Cand, pos: u32, depth: u8, out: &mut Vec<(u32, Cand, u8, Step)>) {
        let ev = &self.prep.events[pos as usize];
        // 1. Match a pending obligation.
        for k in 0..cand.pending.len() {
            if cand.pending[k].shape != ev.shape || !cand.matchable(k) {
                continue;
            }
            let mut c = cand.clone();
            let p = c.pending.remove(k);
            if c.bind_obs(&p.obs, &ev.obs) && self.instance_ok(&mut c, &p.obs, ev) {
                let step = Step::Matched {
                    line: ev.line,
                    obs: p.obs,
                };
                out.push((pos + 1, c, 0, step));
            }
        }
        // 2. A guard step whose call is this event.
        let guards = if GUARD_KINDS.contains(&ev.obs.kind()) {
            self.model.guard_steps(&cand.s)
        } else {
            Vec::new()
        };
        for g in guards {
            if shape_hash(&g[0]) != ev.shape {
                continue;
            }
            let mut c = cand.clone();
            if !c.bind_obs(&g[0], &ev.obs) || !self.instance_ok(&mut c, &g[0], ev) {
                continue;
            }
            let rest: Vec<Obs> = g[1..]
                .iter()
                .filter(|o| self.observed(o))
                .cloned()
                .collect();
            if !self.obligations_fit(&c, pos + 1, &rest) {
                continue;
            }
            c.owe(rest, |o| self.deadline_for(o, pos));
            out.push((pos + 1, c, 0, Step::Guard(g)));
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
    fn model_steps(
        &self,
        cand: &Cand,
        pos: u32,
        depth: u8,
        at_end: bool,
        out: &mut Vec<(u32, Cand, u8, Step)>,
    ) {
        let (t, t_prev) = if at_end {
            (0.0, 0.0)
        } else {
            let t = self.prep.events[pos as usize].t;
            let prev = pos
                .checked_sub(1)
                .map_or(t, |p| self.prep.events[p as usize].t);
            (t, prev)
        };
        let mut actions = Vec::new();
        stateright::Model::actions(self.model, &cand.s, &mut actions);
        for a in actions {
            let Some(next) = stateright::Model::next_state(self.model, &cand.s, a.clone()) else {
                continue;
            };
            if !stateright::Model::within_boundary(self.model, &next) {
                continue;
            }
            let obs: Vec<Obs> = self
                .model
                .observe(&cand.s, &a, &next)
                .into_iter()
                .filter(|o| self.observed(o))
                .collect();
            let allowed = if at_end {
                obs.is_empty()
            } else {
                self.obligations_fit(cand, pos, &obs)
                    && !(obs.is_empty() && depth as usize >= self.opts.max_hidden)
                    && cand.pending.len() + obs.len() <= 16
                    && self.timers_ok(cand, &a, t)
            };
            if !allowed {
                continue;
            }
            let mut c = cand.clone();
            if !at_end {
                c.owe(obs.iter().cloned(), |o| self.deadline_for(o, pos));
                let stamp = if obs.is_empty() { t_prev } else { t };
                self.update_timers(&mut c, &cand.s, &next, stamp);
            }
            c.s = next;
            out.push((pos, c, depth + 1, Step::Model(a, obs)));
        }
    }

    /// The worker-instance rule: a worker's events come from one script evaluation until it is
    /// started again, and every start gives a new one.
    fn instance_ok(&self, c: &mut Cand, m: &Obs, ev: &PEvent) -> bool {
        let Some(inst) = ev.instance else { return true };
        let Channel::Worker(&w) = m.channel() else {
            return true;
        };
        match c.inst.iter_mut().find(|e| e.0 == w) {
            None => {
                c.inst.push((w, inst, false));
                c.inst.sort_unstable();
                true
            }
            Some(e) => {
                let ok = (e.1 == inst) != e.2;
                e.1 = inst;
                e.2 = false;
                ok
            }
        }
    }

    fn tol(&self) -> f64 {
        self.opts.timer_tolerance_ms
    }

    /// The profile's lower bounds on timers, for a step taken at time `t` (ms).
    fn timers_ok(&self, c: &Cand, a: &Action, t: f64) -> bool {
        match *a {
            // A redundant worker's stop is not an idle stop: engines stop a worker as soon as
            // it is doomed (Chromium `ServiceWorkerVersion::Doom`), the spec leaves it to idle.
            Action::Stop {
                worker,
                cause: StopCause::Idle,
            } if c.s.worker(worker).state == WorkerState::Redundant => true,
            Action::Stop {
                worker,
                cause: StopCause::Idle,
            } => match (self.params.idle_timeout_ms, get(&c.busy, worker)) {
                (Some(idle), Some(since)) => t - since as f64 >= idle - self.tol(),
                _ => true,
            },
            Action::EventTimedOut(worker) => {
                match (self.params.event_timeout_ms, get(&c.ext, worker)) {
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
                    get(&c.sync_fail, tag),
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
            {
                set(&mut c.busy, id, t);
            }
            let had_ext = pre.workers.get(i).is_some_and(|p| !p.extended.is_empty());
            if w.extended.is_empty() {
                unset(&mut c.ext, id);
            } else if !had_ext && self.params.event_timeout_ms.is_some() {
                set(&mut c.ext, id, t);
            }
            if pre
                .workers
                .get(i)
                .is_some_and(|p| p.running != RunningStatus::Running)
                && w.running == RunningStatus::Running
            {
                if let Some(e) = c.inst.iter_mut().find(|e| e.0 == id) {
                    e.2 = true;
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
                if waiting && was != Some(true) && self.params.sync_initial_retry_delay_ms.is_some()
                {
                    set(&mut c.sync_fail, g.tag, t);
                }
            }
        }
    }

    fn name_of(&self, c: &Cand, space: IdSpace, m: u8) -> String {
        match get(&c.bind[space_ix(space)], m) {
            Some(t) => self.prep.interner.name(space, t).to_string(),
            None => format!("#{m}"),
        }
    }

    fn render_obs(&self, c: &Cand, o: &Obs) -> String {
        let named = o.map_ids(|space, m| self.name_of(c, space, *m));
        serde_json::to_string(&named).unwrap_or_default()
    }

    fn render_path(&self, mut ix: u32) -> (Vec<String>, usize) {
        let mut steps = Vec::new();
        while ix != u32::MAX {
            let node = &self.arena[ix as usize];
            if let Some(st) = &node.step {
                steps.push((ix, st.clone(), node.depth));
            }
            ix = node.parent;
        }
        steps.reverse();
        let final_cand = steps
            .last()
            .map(|(i, _, _)| &self.arena[*i as usize].cand)
            .cloned();
        let mut out = Vec::new();
        let mut max_depth = 0usize;
        for (ix, st, depth) in steps {
            let c = final_cand.as_ref().unwrap_or(&self.arena[ix as usize].cand);
            max_depth = max_depth.max(depth as usize);
            match st {
                Step::Model(a, obs) => {
                    let shown: Vec<String> = obs.iter().map(|o| self.render_obs(c, o)).collect();
                    out.push(format!(
                        "  step   {a}  [{}]{}",
                        a.spec(),
                        if shown.is_empty() {
                            "  (unobservable)".to_string()
                        } else {
                            format!("  => {}", shown.join(", "))
                        }
                    ));
                }
                Step::Guard(g) => {
                    let shown: Vec<String> = g.iter().map(|o| self.render_obs(c, o)).collect();
                    out.push(format!("  guard  {} (no state change)", shown.join(", ")));
                }
                Step::Matched { line, obs } => {
                    out.push(format!("  line {line}: {}", self.render_obs(c, &obs)));
                }
            }
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
        let cands: Vec<&Cand> = self
            .frontier
            .iter()
            .map(|ix| &self.arena[*ix as usize].cand)
            .collect();
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
            .map(|ix| {
                let (p, _) = self.render_path(*ix);
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
