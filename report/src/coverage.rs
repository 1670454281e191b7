//! Coverage from the model: which of the model's behaviours the stored real traces exercise.
//!
//! Trace validation says that what a browser did is allowed; coverage asks the other half:
//! did some real trace make the browser do each thing the model allows? The things counted:
//!
//! - **action classes**: a model [`Action`] variant with the arguments that change its meaning
//!   (enum and boolean fields: `InstallEventSettled(Rejected)`, `StopWorker { cause: Idle }`),
//!   identifiers dropped;
//! - **`sometimes` properties**: reachability goals of the model, met by a state on the path;
//! - **guard steps**: calls that reject or do nothing (`update → job_settled { outcome:
//!   invalid_state_error }`), by their observations' types and enum fields;
//! - **profile timers**: each timer the profile bounds, exercised by the step it times.
//!
//! The universe of each is what the model can do under an engine folder's profile with every
//! API that profile has: found by [`WALKS`] seeded random walks and [`RARE_WALKS`] walks that
//! favour the classes taken least so far, of [`WALK_LEN`] steps each (a deterministic sample,
//! so a rare class may still be absent; it is then absent from every column).
//! A trace exercises what its matched model path (against its own profile) takes. A class an
//! engine cannot drive is listed with the reason, not counted as a gap: its API is absent from
//! the profile, no scenario step or automation hook makes it happen (the reason `swspec
//! scenario --cover` gives too), or the only scenarios known to drive it are recorded
//! unsupported there. A class a trace exercised counts as covered whatever the reason.

use crate::matrix::{missing_text, Cell, Column, Matrix};
use serde::Serialize;
use serde_json::Value;
use stateright::Model;
use std::collections::{BTreeMap, BTreeSet};
use swspec_conformance::capture::scenario::no_automation;
use swspec_conformance::check::wide_config;
use swspec_conformance::generate;
use swspec_model::observe::GuardStep;
use swspec_model::properties::{self, Kind};
use swspec_model::{Action, ModelConfig, Profile, SwModel, SwState};

/// Random walks per profile that sample the model's universe. Default 1,500.
pub const WALKS: u64 = 1_500;
/// Further walks per profile that favour the classes taken least so far (`novel_step`):
/// uniform walks alone miss classes at the end of long chains. Default 500.
pub const RARE_WALKS: u64 = 500;
/// Steps per sampling walk. Default 80 (deep enough for a sync's last chance).
pub const WALK_LEN: usize = 80;

/// What the model can do under one profile (every API of the profile on).
#[derive(Clone, Debug, Default)]
pub struct Universe {
    /// Action classes.
    pub classes: BTreeSet<String>,
    /// `sometimes` properties that apply.
    pub properties: BTreeSet<&'static str>,
    /// Guard step classes.
    pub guards: BTreeSet<String>,
    /// Action classes no scenario can drive, with the reason
    /// ([`swspec_conformance::capture::scenario::no_automation`]).
    pub no_automation: BTreeMap<String, &'static str>,
}

/// The class of an action: its variant with its enum and boolean arguments.
pub fn action_class(a: &Action) -> String {
    let v = serde_json::to_value(a).unwrap_or(Value::Null);
    let name = v["action"].as_str().unwrap_or("?").to_string();
    with_meaning(name, &v["with"])
}

/// The class of a guard step: its observations' types with their enum and boolean fields.
pub fn guard_class(g: &GuardStep) -> String {
    let parts: Vec<String> = g
        .iter()
        .map(|o| {
            let mut v = serde_json::to_value(o).unwrap_or(Value::Null);
            let kind = v["type"].as_str().unwrap_or("?").to_string();
            if let Some(m) = v.as_object_mut() {
                m.remove("type");
            }
            with_meaning(kind, &v)
        })
        .collect();
    parts.join(" → ")
}

/// `name` with the enum (string) and boolean parts of `with`: `Name(Value)` for a single value,
/// `Name { field: value, .. }` for fields; identifiers (numbers) and lists are left out.
fn with_meaning(name: String, with: &Value) -> String {
    let plain = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match with {
        Value::Object(m) => {
            let fields: Vec<String> = m
                .iter()
                .filter_map(|(k, v)| plain(v).map(|v| format!("{k}: {v}")))
                .collect();
            if fields.is_empty() {
                name
            } else {
                format!("{name} {{ {} }}", fields.join(", "))
            }
        }
        v => match plain(v) {
            Some(p) => format!("{name}({p})"),
            None => name,
        },
    }
}

/// The configuration a profile's universe is sampled under: the trace checker's widest
/// configuration for two clients, with every API the profile has switched on.
pub fn universe_config(profile: Profile) -> ModelConfig {
    let apis = profile.params().apis;
    let mut cfg = wide_config(profile, 2);
    cfg.push = apis.push;
    cfg.sync = apis.sync;
    cfg.periodic_sync = apis.periodic_sync;
    cfg.background_fetch = apis.background_fetch;
    cfg.max_bg_fetches = cfg.max_bg_fetches.max(1);
    cfg.max_pending_events = cfg.max_pending_events.min(cfg.pending_events_room() as u8);
    cfg
}

/// The universe of `profile`, sampled by [`WALKS`] random walks once per process.
pub fn universe(profile: Profile) -> Universe {
    static CACHE: std::sync::Mutex<BTreeMap<&'static str, Universe>> =
        std::sync::Mutex::new(BTreeMap::new());
    if let Some(u) = CACHE
        .lock()
        .ok()
        .and_then(|c| c.get(profile.name()).cloned())
    {
        return u;
    }
    let u = sample_universe(profile);
    if let Ok(mut c) = CACHE.lock() {
        c.insert(profile.name(), u.clone());
    }
    u
}

/// [`universe`], sampled afresh.
fn sample_universe(profile: Profile) -> Universe {
    let cfg = universe_config(profile);
    let model = SwModel::new(cfg.clone());
    let mut u = Universe {
        properties: properties::applicable(&cfg)
            .filter(|p| p.kind == Kind::Sometimes)
            .map(|p| p.name)
            .collect(),
        ..Universe::default()
    };
    let mut actions = Vec::new();
    for seed in 0..WALKS {
        let walk = generate::random_walk(&model, seed, WALK_LEN);
        let mut s = model.init_state();
        visit(&model, &s, &mut actions, &mut u);
        for a in walk {
            let Some(next) = model.next_state(&s, a) else {
                break;
            };
            s = next;
            visit(&model, &s, &mut actions, &mut u);
        }
    }
    let mut taken = BTreeMap::new();
    for seed in 0..RARE_WALKS {
        let mut s = model.init_state();
        visit(&model, &s, &mut actions, &mut u);
        let mut rng = Lcg(seed.wrapping_mul(6364136223846793005).wrapping_add(1));
        for _ in 0..WALK_LEN {
            let Some(next) = novel_step(&model, &s, &mut actions, &mut taken, &mut rng) else {
                break;
            };
            s = next;
            visit(&model, &s, &mut actions, &mut u);
        }
    }
    u
}

/// A seeded linear congruential generator: the sampling is the same in every run.
struct Lcg(u64);

impl Lcg {
    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// One step of a [`RARE_WALKS`] walk from `s`: every other step an enabled action of the class taken
/// least often so far (ties broken at random), otherwise any enabled action, at random. Uniform
/// walks alone rarely reach a class at the end of a long chain (a push that shows a
/// notification, then its click), and which ones they miss moves with any change to the order
/// of the model's actions; preferring rare classes reaches them in every run.
fn novel_step(
    model: &SwModel,
    s: &SwState,
    buf: &mut Vec<Action>,
    taken: &mut BTreeMap<String, u32>,
    rng: &mut Lcg,
) -> Option<SwState> {
    buf.clear();
    model.actions(s, buf);
    let mut acts: Vec<(String, Action)> = buf.drain(..).map(|a| (action_class(&a), a)).collect();
    let rare = rng.below(2) == 0;
    while !acts.is_empty() {
        let i = if rare {
            let least = acts
                .iter()
                .map(|(c, _)| taken.get(c).copied().unwrap_or(0))
                .min()
                .unwrap_or(0);
            let pool: Vec<usize> = (0..acts.len())
                .filter(|&i| taken.get(&acts[i].0).copied().unwrap_or(0) == least)
                .collect();
            pool[rng.below(pool.len())]
        } else {
            rng.below(acts.len())
        };
        let (class, a) = acts.swap_remove(i);
        if let Some(n) = model.next_state(s, a) {
            if model.within_boundary(&n) {
                *taken.entry(class).or_insert(0) += 1;
                return Some(n);
            }
        }
    }
    None
}

/// Records the classes of the actions and guard steps enabled at `s`.
fn visit(model: &SwModel, s: &SwState, buf: &mut Vec<Action>, u: &mut Universe) {
    buf.clear();
    model.actions(s, buf);
    for a in buf.iter() {
        let class = action_class(a);
        if let Some(why) = no_automation(a) {
            u.no_automation.insert(class.clone(), why);
        }
        u.classes.insert(class);
    }
    u.guards
        .extend(model.guard_steps(s).iter().map(guard_class));
}

/// What one trace's matched path exercised.
#[derive(Clone, Debug, Default)]
pub struct Exercised {
    /// Action classes taken.
    pub classes: BTreeSet<String>,
    /// `sometimes` properties met by a state on the path.
    pub properties: BTreeSet<&'static str>,
    /// Guard step classes taken.
    pub guards: BTreeSet<String>,
}

/// What the matched path of `checked` (against its own profile) exercised.
pub fn exercised(checked: &crate::matrix::Checked) -> Exercised {
    let o = &checked.engine;
    let model = SwModel::new(o.config.clone());
    let sometimes: Vec<_> = properties::applicable(&o.config)
        .filter(|p| p.kind == Kind::Sometimes)
        .collect();
    let mut e = Exercised {
        guards: o.path.guards().iter().map(guard_class).collect(),
        ..Exercised::default()
    };
    let mut s = model.init_state();
    for a in o.path.actions() {
        e.classes.insert(action_class(a));
        let Some(next) = model.next_state(&s, a.clone()) else {
            break;
        };
        s = next;
        for p in &sometimes {
            if (p.condition)(&model, &s) {
                e.properties.insert(p.name);
            }
        }
    }
    e
}

/// One thing that can be covered, in one column.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    /// The class or property.
    pub name: String,
    /// The scenarios whose traces exercised it.
    pub covered_by: Vec<String>,
    /// Why this engine cannot drive it (`None`: it can).
    pub cannot_drive: Option<String>,
}

impl Item {
    /// Covered by some trace.
    pub fn covered(&self) -> bool {
        !self.covered_by.is_empty()
    }
}

/// The coverage of one engine folder.
#[derive(Clone, Debug, Serialize)]
pub struct ColumnCoverage {
    /// The folder's name (engine and version).
    pub name: String,
    /// The profile its traces were captured for.
    pub profile: Profile,
    /// Traces checked.
    pub traces: usize,
    /// Action classes.
    pub classes: Vec<Item>,
    /// `sometimes` properties.
    pub properties: Vec<Item>,
    /// Guard steps.
    pub guards: Vec<Item>,
    /// Profile timers.
    pub timers: Vec<Item>,
}

/// Counts of one kind of item: (covered, drivable, cannot be driven).
pub fn counts(items: &[Item]) -> (usize, usize, usize) {
    let drivable = items.iter().filter(|i| i.cannot_drive.is_none()).count();
    let covered = items
        .iter()
        .filter(|i| i.cannot_drive.is_none() && i.covered())
        .count();
    (covered, drivable, items.len() - drivable)
}

/// Whether a profile bounds a timer.
pub type Bounded = fn(&swspec_model::ProfileParams) -> bool;

/// The profile timers: each timer a profile may bound, whether a profile bounds it, and the
/// action class whose timing it constrains.
pub const TIMERS: &[(&str, Bounded, &str)] = &[
    (
        "idle timeout",
        |p| p.idle_timeout_ms.is_some(),
        "StopWorker { cause: idle }",
    ),
    (
        "event timeout",
        |p| p.event_timeout_ms.is_some(),
        "EventTimedOut",
    ),
    (
        "unresponsive stop",
        |p| p.unresponsive_timeout_ms.is_some(),
        "StopWorker { cause: unresponsive }",
    ),
    (
        "lame-duck activation",
        |p| p.lame_duck_ms.is_some(),
        "LameDuckActivate",
    ),
    (
        "sync retry delay",
        |p| p.sync_initial_retry_delay_ms.is_some(),
        "SyncRetryDue",
    ),
    (
        "periodic sync minimum interval",
        |p| p.periodic_min_interval_ms.is_some(),
        "PeriodicSyncFire",
    ),
];

/// The coverage of every engine folder of `m` (synthetic traces are not real and not counted).
pub fn coverage(m: &Matrix) -> Vec<ColumnCoverage> {
    let all = universe(Profile::Spec);
    let exercised: Vec<BTreeMap<&str, Exercised>> = m
        .columns
        .iter()
        .map(|c| {
            c.cells
                .iter()
                .filter_map(|(s, cell)| match cell {
                    Cell::Checked(ch) => Some((s.as_str(), exercised(ch))),
                    Cell::Unsupported(_) => None,
                })
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    for (i, col) in m.columns.iter().enumerate() {
        let profile = column_profile(col);
        let u = universe(profile);
        let unsupported = unsupported_reasons(m, &exercised, i);
        let ex = &exercised[i];
        // Why an item outside the profile's universe cannot be driven: a step or guard the
        // profile's model never takes, or a property that does not apply under it.
        let no_step = format!(
            "the {profile} profile's model has no such step (its API or behaviour is absent)"
        );
        let not_applicable = format!("does not apply under the {profile} profile");
        let item = |name: &str, covered_by: Vec<String>, absent: Option<&str>| Item {
            name: name.to_string(),
            cannot_drive: if !covered_by.is_empty() {
                None
            } else if let Some(why) = absent {
                Some(why.to_string())
            } else {
                unsupported.get(name).cloned()
            },
            covered_by,
        };
        let by = |f: &dyn Fn(&Exercised) -> bool| -> Vec<String> {
            ex.iter()
                .filter(|(_, e)| f(e))
                .map(|(s, _)| s.to_string())
                .collect()
        };
        let classes = items(
            &all.classes,
            &u.classes,
            |e, c| e.classes.contains(c),
            &|n, by, here| {
                let absent = (!here).then_some(no_step.as_str());
                item(n, by, absent.or_else(|| u.no_automation.get(n).copied()))
            },
            ex,
        );
        let properties = items(
            &all.properties,
            &u.properties,
            |e, p| e.properties.contains(p),
            &|n, by, here| item(n, by, (!here).then_some(not_applicable.as_str())),
            ex,
        );
        let guards = items(
            &all.guards,
            &u.guards,
            |e, g| e.guards.contains(g),
            &|n, by, here| item(n, by, (!here).then_some(no_step.as_str())),
            ex,
        );
        let params = profile.params();
        let timers = TIMERS
            .iter()
            .map(|(name, bounded, class)| {
                let by = by(&|e| e.classes.contains(*class));
                if bounded(&params) {
                    item(name, by, None)
                } else {
                    unbounded_timer(name, profile)
                }
            })
            .collect();
        out.push(ColumnCoverage {
            name: col.name.clone(),
            profile,
            traces: ex.len(),
            classes,
            properties,
            guards,
            timers,
        });
    }
    out
}

/// A timer the profile does not bound: never drivable, and never covered, whatever steps of
/// the class it would time a trace took (an idle stop under a profile with no idle timeout
/// exercises no timer).
fn unbounded_timer(name: &str, profile: Profile) -> Item {
    Item {
        name: name.to_string(),
        covered_by: Vec::new(),
        cannot_drive: Some(format!("the {profile} profile bounds no {name}")),
    }
}

/// One kind of item for a column: every name of `all` (the spec profile's universe) or `here`
/// (the column profile's), made an [`Item`] by `item` from the scenarios of `ex` that exercised
/// it (`has`) and whether the column's profile can take it.
fn items<T: AsRef<str> + Ord>(
    all: &BTreeSet<T>,
    here: &BTreeSet<T>,
    has: fn(&Exercised, &str) -> bool,
    item: &dyn Fn(&str, Vec<String>, bool) -> Item,
    ex: &BTreeMap<&str, Exercised>,
) -> Vec<Item> {
    all.union(here)
        .map(|n| {
            let name = n.as_ref();
            let by = ex.iter().filter(|(_, e)| has(e, name));
            let by = by.map(|(s, _)| s.to_string()).collect();
            item(name, by, here.contains(n))
        })
        .collect()
}

/// The profile of a column's traces (their headers'; the spec profile for an empty column).
fn column_profile(col: &Column) -> Profile {
    col.cells
        .values()
        .find_map(|c| match c {
            Cell::Checked(ch) => Some(ch.trace.header.profile),
            Cell::Unsupported(_) => None,
        })
        .unwrap_or(Profile::Spec)
}

/// For column `i`: each class (or property or guard) that another column's trace of a scenario
/// exercised, where that scenario is recorded unsupported in column `i`, with the reason.
fn unsupported_reasons(
    m: &Matrix,
    exercised: &[BTreeMap<&str, Exercised>],
    i: usize,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (scenario, cell) in &m.columns[i].cells {
        let Cell::Unsupported(u) = cell else { continue };
        let reason = format!("{scenario} is unsupported here: {}", missing_text(u));
        for (j, ex) in exercised.iter().enumerate() {
            let Some(e) = ex.get(scenario.as_str()).filter(|_| j != i) else {
                continue;
            };
            let names = e.classes.iter().chain(&e.guards).cloned();
            let names = names.chain(e.properties.iter().map(|p| p.to_string()));
            for n in names {
                out.entry(n).or_insert_with(|| reason.clone());
            }
        }
    }
    out
}

/// The coverage as text: per column, the counts and every item not covered.
pub fn text(cov: &[ColumnCoverage]) -> String {
    let mut s = format!(
        "coverage of {} engine folder(s); the model's universe per profile from {WALKS} random \
         walks of {WALK_LEN} steps\n",
        cov.len()
    );
    for c in cov {
        s += &format!(
            "\n{} ({} profile, {} traces)\n",
            c.name, c.profile, c.traces
        );
        for (what, items) in [
            ("action classes", &c.classes),
            ("sometimes properties", &c.properties),
            ("guard steps", &c.guards),
            ("profile timers", &c.timers),
        ] {
            let (covered, drivable, cannot) = counts(items);
            s += &format!(
                "  {what}: {covered} of {drivable} drivable covered ({}); {cannot} cannot be \
                 driven here\n",
                percent(covered, drivable)
            );
            for it in items.iter().filter(|i| !i.covered()) {
                match &it.cannot_drive {
                    None => s += &format!("    not covered: {}\n", it.name),
                    Some(r) => s += &format!("    cannot drive: {} ({r})\n", it.name),
                }
            }
        }
    }
    s
}

/// The table of counts per column, as Markdown (the README's coverage table).
pub fn markdown(cov: &[ColumnCoverage]) -> String {
    let mut s = String::from(
        "| engine folder | action classes | sometimes properties | guard steps | profile timers |\n\
         |---|---|---|---|---|\n",
    );
    for c in cov {
        let cell = |items: &[Item]| {
            let (covered, drivable, cannot) = counts(items);
            format!(
                "{covered}/{drivable} ({}; {cannot} not drivable)",
                percent(covered, drivable)
            )
        };
        s += &format!(
            "| {} | {} | {} | {} | {} |\n",
            c.name,
            cell(&c.classes),
            cell(&c.properties),
            cell(&c.guards),
            cell(&c.timers)
        );
    }
    s
}

/// The coverage as an HTML section for the report's index: the table of counts, then per
/// folder the items not covered (and those it cannot drive, with the reason), folded.
pub fn html(cov: &[ColumnCoverage]) -> String {
    use crate::html::escape;
    let mut s = String::from(
        "<h2 id=\"coverage\">Coverage from the model</h2>\n<p>Of what the model can do under \
         each folder's profile, what the matched paths of its traces exercised (covered of \
         drivable; what the engine cannot drive is listed apart with the reason). \
         <code>swspec coverage</code> prints the same.</p>\n<table class=\"matrix coverage\">\
         <thead><tr><th>engine folder</th><th>action classes</th><th>sometimes properties</th>\
         <th>guard steps</th><th>profile timers</th></tr></thead><tbody>\n",
    );
    let kinds = |c: &ColumnCoverage| {
        [
            ("action classes", c.classes.clone()),
            ("sometimes properties", c.properties.clone()),
            ("guard steps", c.guards.clone()),
            ("profile timers", c.timers.clone()),
        ]
    };
    for c in cov {
        s += &format!("<tr><th>{}</th>", escape(&c.name));
        for (_, items) in kinds(c) {
            let (covered, drivable, cannot) = counts(&items);
            s += &format!(
                "<td>{covered}/{drivable} ({}; {cannot} not drivable)</td>",
                percent(covered, drivable)
            );
        }
        s += "</tr>\n";
    }
    s += "</tbody></table>\n";
    for c in cov {
        s += &format!(
            "<details><summary>{}: what is not covered</summary>\n",
            escape(&c.name)
        );
        for (what, items) in kinds(c) {
            s += &format!("<h3>{what}</h3><ul class=\"mono small\">");
            for it in items.iter().filter(|i| !i.covered()) {
                match &it.cannot_drive {
                    None => s += &format!("<li>not covered: {}</li>", escape(&it.name)),
                    Some(r) => {
                        s += &format!(
                            "<li>cannot drive: {} ({})</li>",
                            escape(&it.name),
                            escape(r)
                        )
                    }
                }
            }
            s += "</ul>\n";
        }
        s += "</details>\n";
    }
    s
}

fn percent(n: usize, d: usize) -> String {
    if d == 0 {
        "n/a".into()
    } else {
        format!("{:.0} %", 100.0 * n as f64 / d as f64)
    }
}

#[cfg(test)]
mod tests;
