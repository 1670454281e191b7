//! `swspec scenario --cover CLASS`: a scenario file from the model's shortest path that
//! exercises a coverage class (an action class, a `sometimes` property, a guard step or a
//! profile timer, as `swspec coverage` names them), for a person to review and commit.
//!
//! The model knows the path; the scenario format knows the steps: [`translate`] turns each model
//! action into the steps, worker behaviours and waits a capture would take for it, and says
//! which actions no scenario step can drive.

mod render;
mod translate;

use clap::Args;
use stateright::{Model, Representative};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use swspec_conformance::capture::scenario::Scenario;
use swspec_model::properties::{self, Kind};
use swspec_model::{Action, Profile, SwModel, SwState};
use swspec_report::coverage::{self, action_class, guard_class};
use swspec_search::engine::codec::BitPack;
use swspec_search::engine::memory::{MemoryBound, StopFlag};
use swspec_search::shortest::{shortest_paths_packed, Limits};

/// Unique states the search visits at most before it gives up (default 3,000,000; the
/// memory bound, `--max-memory`'s default, stops it earlier on a small machine).
pub const MAX_STATES: usize = 3_000_000;

/// Knobs of `swspec scenario`.
#[derive(Args, Debug, Clone)]
pub struct ScenarioArgs {
    /// The coverage class: an action class (`InstallEventSettled(rejected)`), a `sometimes`
    /// property, a guard step (`update → job_settled { call: update, outcome:
    /// invalid_state_error }`) or a profile timer (`idle timeout`), as `swspec coverage` prints.
    #[arg(long)]
    cover: String,
    /// The profile whose model is searched (its APIs all on, as coverage samples it): spec,
    /// chromium, firefox or webkit. Default chromium, whose automation drives the most steps.
    #[arg(long, default_value = "chromium")]
    profile: Profile,
    /// Write the scenario here (refused if the file exists); default: print it.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Unique states the search visits at most.
    #[arg(long, default_value_t = MAX_STATES)]
    max_states: usize,
}

/// What a search looks for.
#[derive(Clone, Debug)]
enum Goal {
    /// A state where an action of this class is enabled (then that action).
    Class(String),
    /// A state where this guard step is available (then the call).
    Guard(String),
    /// A state where the property's condition holds.
    Property(fn(&SwModel, &SwState) -> bool),
}

/// The model, searched for one goal (the predicate reads the goal off the model).
struct Cover {
    model: SwModel,
    goal: Goal,
}

impl Cover {
    /// The action of the goal's class enabled at `s`, or (for guards and properties) whether
    /// the goal is met at `s`.
    fn hit(&self, s: &SwState) -> Option<Option<Action>> {
        match &self.goal {
            Goal::Class(c) => {
                let mut buf = Vec::new();
                self.model.actions(s, &mut buf);
                buf.into_iter().find(|a| action_class(a) == *c).map(Some)
            }
            Goal::Guard(g) => self
                .model
                .guard_steps(s)
                .iter()
                .any(|step| guard_class(step) == *g)
                .then_some(None),
            Goal::Property(cond) => cond(&self.model, s).then_some(None),
        }
    }
}

impl Model for Cover {
    type State = SwState;
    type Action = Action;
    fn init_states(&self) -> Vec<SwState> {
        self.model.init_states()
    }
    fn actions(&self, s: &SwState, out: &mut Vec<Action>) {
        self.model.actions(s, out)
    }
    fn next_state(&self, s: &SwState, a: Action) -> Option<SwState> {
        self.model.next_state(s, a)
    }
    fn within_boundary(&self, s: &SwState) -> bool {
        self.model.within_boundary(s)
    }
}

/// The goal `name` names under `profile`, or why it names none.
fn goal(name: &str, profile: Profile) -> Result<Goal, String> {
    let cfg = coverage::universe_config(profile);
    if let Some((_, _, class)) = coverage::TIMERS.iter().find(|(t, _, _)| *t == name) {
        return Ok(Goal::Class(class.to_string()));
    }
    if let Some(p) = properties::applicable(&cfg).find(|p| p.name == name) {
        if p.kind != Kind::Sometimes {
            return Err(format!(
                "`{name}` is an always property: coverage counts sometimes properties"
            ));
        }
        return Ok(Goal::Property(p.condition));
    }
    if properties::property(name).is_some() {
        return Err(format!(
            "`{name}` does not apply under the {profile} profile"
        ));
    }
    let u = coverage::universe(profile);
    if u.guards.contains(name) {
        return Ok(Goal::Guard(name.to_string()));
    }
    if u.classes.contains(name) {
        return Ok(Goal::Class(name.to_string()));
    }
    let spec = coverage::universe(Profile::Spec);
    if spec.classes.contains(name) || spec.guards.contains(name) {
        return Err(format!(
            "`{name}`: the {profile} profile's model has no such step (its API or behaviour is absent)"
        ));
    }
    Err(format!(
        "`{name}` is no coverage class (`swspec coverage traces --json` lists them)"
    ))
}

/// The shortest path to `goal` under `profile` and the step that exercises it at its end.
fn search(
    profile: Profile,
    goal: Goal,
    max_states: usize,
) -> Result<(SwModel, Vec<Action>, Option<Action>), String> {
    let cover = Cover {
        model: SwModel::new(coverage::universe_config(profile)),
        goal,
    };
    let limits = Limits {
        max_states,
        memory: MemoryBound::default(),
        stop: StopFlag::on_signals(),
    };
    let preds: [swspec_search::shortest::Predicate<Cover>; 1] =
        [("cover", |m: &Cover, s: &SwState| m.hit(s).is_some())];
    // Clients are symmetric: one path per class of states (each path is taken from a real state).
    let symmetry: Option<fn(&SwState) -> SwState> = Some(Representative::representative);
    let (mut paths, stop) = shortest_paths_packed(&cover, &preds, symmetry, &BitPack, &limits);
    let Some(path) = paths.pop().flatten() else {
        return Err(match stop {
            Some(stop) => format!("no path found before the search stopped: {stop}"),
            None => "unreachable in the model (every state explored)".into(),
        });
    };
    let mut s = cover.model.init_state();
    for a in &path {
        s = cover
            .model
            .next_state(&s, a.clone())
            .ok_or("the path does not replay")?;
    }
    let last = cover.hit(&s).flatten();
    Ok((cover.model, path, last))
}

/// Runs `swspec scenario`: exit 0 with the scenario written, 1 when the class cannot be driven
/// or reached (said why), 2 on bad input.
pub fn run(args: &ScenarioArgs) -> ExitCode {
    let goal = match goal(&args.cover, args.profile) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (model, mut path, last) = match search(args.profile, goal.clone(), args.max_states) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("swspec scenario: {}: {e}", args.cover);
            return ExitCode::from(1);
        }
    };
    path.extend(last);
    let guard = match &goal {
        Goal::Guard(g) => Some(g.as_str()),
        _ => None,
    };
    let t = translate::translate(&model, &path, guard, &args.cover, args.profile);
    if let Some(why) = &t.target_not_drivable {
        eprintln!(
            "swspec scenario: {} has no drivable step: {why} (the model's path: {} steps)",
            args.cover,
            path.len()
        );
        return ExitCode::from(1);
    }
    // The file must read back as a scenario: a translation bug is no file.
    let name = args
        .out
        .as_deref()
        .unwrap_or(std::path::Path::new("generated.toml"));
    if let Err(e) = Scenario::parse(name, &t.text) {
        eprintln!(
            "swspec scenario: internal error: the generated scenario does not read back: {e}"
        );
        return ExitCode::from(1);
    }
    for w in &t.not_drivable {
        eprintln!("swspec scenario: warning: {w}");
    }
    match &args.out {
        None => {
            let _ = std::io::stdout().lock().write_all(t.text.as_bytes());
        }
        Some(path) => {
            if let Err(e) = write_new(path, &t.text) {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(2);
            }
            eprintln!(
                "swspec scenario: wrote {} ({} model steps); review it before committing",
                path.display(),
                t.model_steps
            );
        }
    }
    ExitCode::SUCCESS
}

/// Writes `text` to a new file `path` (never over an existing one), whole or not at all.
fn write_new(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("toml.tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    let written = f.write_all(text.as_bytes()).and_then(|()| f.sync_all());
    drop(f);
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    linked
}
