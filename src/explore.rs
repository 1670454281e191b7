//! `swspec explore`: stateright's Explorer (a web UI to walk the state graph step by step) on
//! the model, served on 127.0.0.1 only. Each action is shown with its description and spec
//! sections, each state with the path so far drawn as the sequence diagram of
//! `swspec check --report` (each step a link to its spec section). It can start from a path (a
//! counterexample's actions, as `check --report` writes them, or the model path a trace
//! matched), and prints the Explorer URL of that path's state (`#/steps/0/i1/i2/…`: the
//! initial state, then each step's index among the actions enabled before it), so a link
//! reproduces the state a discussion is about.

use crate::check::{liveness_config, CheckArgs};
use clap::Args;
use serde_json::Value;
use stateright::{Checker, Model, Path, Property};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use swspec_conformance::check::{self, Options};
use swspec_conformance::trace::Trace;
use swspec_model::properties::{applicable, Kind, PropertyInfo};
use swspec_model::{Action, Profile, SwModel, SwState};
use swspec_report::anchors::Anchors;
use swspec_report::model_diagram;
use swspec_report::svg::{self, Layout};

/// Knobs of `swspec explore`: where to serve, where to start, and the model (the model flags
/// of `swspec check`; its search and output flags do not apply).
#[derive(Args, Debug, Clone)]
pub struct ExploreArgs {
    /// The port on 127.0.0.1 to serve on (0: any free port) [default: 3000].
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Start at this path: a JSON list of actions, inline or in a file (the `paths/NAME.json`
    /// that `swspec check --report` writes, or a property's `path` from `check --json`)
    /// [default: the initial state].
    #[arg(long, value_name = "ACTIONS", conflicts_with = "from_trace")]
    path: Option<String>,
    /// Start at the model path this trace matched (on divergence, the path to the furthest
    /// candidate), in the model the trace is checked under (the model flags do not apply)
    /// [default: none].
    #[arg(long, value_name = "FILE")]
    from_trace: Option<PathBuf>,
    /// With --from-trace: the profile to check the trace against [default: its header's].
    #[arg(long, value_name = "PROFILE", requires = "from_trace")]
    trace_profile: Option<Profile>,
    #[command(flatten)]
    model: CheckArgs,
}

/// The model as the Explorer shows it: actions by their text and spec sections, states with
/// the path so far as a sequence diagram.
struct Explorable {
    model: SwModel,
    props: Vec<&'static PropertyInfo>,
}

/// Property `I` of the model (the Explorer takes plain function pointers, so each property's
/// condition is reached through one instance of this function).
fn cond<const I: usize>(m: &Explorable, s: &SwState) -> bool {
    m.props.get(I).is_some_and(|p| (p.condition)(&m.model, s))
}

/// One condition per property index (more than any configuration has).
const CONDS: [fn(&Explorable, &SwState) -> bool; 128] = [
    cond::<0>,
    cond::<1>,
    cond::<2>,
    cond::<3>,
    cond::<4>,
    cond::<5>,
    cond::<6>,
    cond::<7>,
    cond::<8>,
    cond::<9>,
    cond::<10>,
    cond::<11>,
    cond::<12>,
    cond::<13>,
    cond::<14>,
    cond::<15>,
    cond::<16>,
    cond::<17>,
    cond::<18>,
    cond::<19>,
    cond::<20>,
    cond::<21>,
    cond::<22>,
    cond::<23>,
    cond::<24>,
    cond::<25>,
    cond::<26>,
    cond::<27>,
    cond::<28>,
    cond::<29>,
    cond::<30>,
    cond::<31>,
    cond::<32>,
    cond::<33>,
    cond::<34>,
    cond::<35>,
    cond::<36>,
    cond::<37>,
    cond::<38>,
    cond::<39>,
    cond::<40>,
    cond::<41>,
    cond::<42>,
    cond::<43>,
    cond::<44>,
    cond::<45>,
    cond::<46>,
    cond::<47>,
    cond::<48>,
    cond::<49>,
    cond::<50>,
    cond::<51>,
    cond::<52>,
    cond::<53>,
    cond::<54>,
    cond::<55>,
    cond::<56>,
    cond::<57>,
    cond::<58>,
    cond::<59>,
    cond::<60>,
    cond::<61>,
    cond::<62>,
    cond::<63>,
    cond::<64>,
    cond::<65>,
    cond::<66>,
    cond::<67>,
    cond::<68>,
    cond::<69>,
    cond::<70>,
    cond::<71>,
    cond::<72>,
    cond::<73>,
    cond::<74>,
    cond::<75>,
    cond::<76>,
    cond::<77>,
    cond::<78>,
    cond::<79>,
    cond::<80>,
    cond::<81>,
    cond::<82>,
    cond::<83>,
    cond::<84>,
    cond::<85>,
    cond::<86>,
    cond::<87>,
    cond::<88>,
    cond::<89>,
    cond::<90>,
    cond::<91>,
    cond::<92>,
    cond::<93>,
    cond::<94>,
    cond::<95>,
    cond::<96>,
    cond::<97>,
    cond::<98>,
    cond::<99>,
    cond::<100>,
    cond::<101>,
    cond::<102>,
    cond::<103>,
    cond::<104>,
    cond::<105>,
    cond::<106>,
    cond::<107>,
    cond::<108>,
    cond::<109>,
    cond::<110>,
    cond::<111>,
    cond::<112>,
    cond::<113>,
    cond::<114>,
    cond::<115>,
    cond::<116>,
    cond::<117>,
    cond::<118>,
    cond::<119>,
    cond::<120>,
    cond::<121>,
    cond::<122>,
    cond::<123>,
    cond::<124>,
    cond::<125>,
    cond::<126>,
    cond::<127>,
];

impl Model for Explorable {
    type State = SwState;
    type Action = Action;

    fn init_states(&self) -> Vec<SwState> {
        self.model.init_states()
    }

    fn actions(&self, s: &SwState, actions: &mut Vec<Action>) {
        self.model.actions(s, actions);
    }

    fn next_state(&self, s: &SwState, a: Action) -> Option<SwState> {
        self.model.next_state(s, a)
    }

    fn within_boundary(&self, s: &SwState) -> bool {
        self.model.within_boundary(s)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        self.props
            .iter()
            .zip(CONDS)
            .map(|(p, c)| match p.kind {
                Kind::Always => Property::always(p.name, c),
                Kind::Sometimes => Property::sometimes(p.name, c),
            })
            .collect()
    }

    fn format_action(&self, a: &Action) -> String {
        format!("{a}  [{}]", a.spec())
    }

    fn as_svg(&self, path: Path<SwState, Action>) -> Option<String> {
        Some(diagram(&path.into_actions()))
    }
}

/// The path as a sequence diagram, each step linking to its first spec section (in a new tab,
/// so the Explorer stays where it is).
fn diagram(actions: &[Action]) -> String {
    let mut d = model_diagram::diagram(actions, None);
    for (row, a) in d.rows.iter_mut().zip(actions) {
        row.href = Anchors::builtin()
            .resolve(a.spec())
            .into_iter()
            .find_map(|c| c.target.ok().map(|t| t.url));
    }
    svg::render(&d, &Layout::default())
        .replace("<a href=\"http", "<a target=\"_blank\" href=\"http")
}

/// The actions of `text`: a JSON list whose items are actions in their serde form
/// (`{"action": …, "with": …}`; other fields, such as a report step's `description`, are
/// left aside).
fn parse_actions(text: &str) -> Result<Vec<Action>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let items = v.as_array().ok_or("not a JSON list of actions")?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut a = serde_json::Map::new();
            for k in ["action", "with"] {
                if let Some(x) = item.get(k) {
                    a.insert(k.to_string(), x.clone());
                }
            }
            serde_json::from_value(Value::Object(a))
                .map_err(|e| format!("item {}: not an action: {e}", i + 1))
        })
        .collect()
}

/// The Explorer's fragment for the state `actions` reach from the initial state:
/// `/steps/0/i1/…`, each index the action's among those enabled before it.
fn steps_fragment(model: &SwModel, actions: &[Action]) -> Result<String, String> {
    let mut s = model.init_state();
    let mut out = String::from("#/steps/0");
    let mut enabled = Vec::new();
    for (i, a) in actions.iter().enumerate() {
        enabled.clear();
        model.actions(&s, &mut enabled);
        let ix = enabled
            .iter()
            .position(|x| x == a)
            .ok_or_else(|| format!("step {} `{a}` is not enabled there", i + 1))?;
        out.push_str(&format!("/{ix}"));
        s = model
            .next_state(&s, a.clone())
            .ok_or_else(|| format!("step {} `{a}` has no next state", i + 1))?;
    }
    Ok(out)
}

/// The model to explore and the path to start at, as the flags say.
fn start(args: &ExploreArgs) -> Result<(SwModel, Vec<Action>), String> {
    if let Some(file) = &args.from_trace {
        let t = Trace::read(file).map_err(|e| e.to_string())?;
        let opts = Options {
            profile: Some(args.trace_profile.unwrap_or(t.header.profile)),
            ..Options::default()
        };
        let o = check::check(&t, &opts).map_err(|(line, e)| match line {
            Some(l) => format!("{}:{l}: {e}", file.display()),
            None => format!("{}: {e}", file.display()),
        })?;
        println!(
            "{}: {} against the {} profile; starting at its {} ({} model steps)",
            file.display(),
            o.verdict.name(),
            o.profile.name(),
            if o.divergence.is_some() {
                "path to the furthest candidate"
            } else {
                "matched path"
            },
            o.path.actions().len()
        );
        return Ok((SwModel::new(o.config.clone()), o.path.actions().to_vec()));
    }
    let mut run = args.model.run_config();
    run.model.validate()?;
    if run.search.liveness {
        run.model = liveness_config(&run.model);
    }
    let actions = match &args.path {
        None => Vec::new(),
        Some(p) if p.trim_start().starts_with('[') => {
            parse_actions(p).map_err(|e| format!("--path: {e}"))?
        }
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}"))?;
            parse_actions(&text).map_err(|e| format!("{p}: {e}"))?
        }
    };
    Ok((SwModel::new(run.model), actions))
}

/// Runs `swspec explore`: serves until stopped (Ctrl-C); exit status 2 on bad input or a busy
/// port.
pub fn run(args: &ExploreArgs) -> ExitCode {
    let m = &args.model;
    if m.json || m.traces.is_some() || m.report.is_some() || m.itf.is_some() {
        eprintln!("swspec explore: --json, --traces, --report and --itf are flags of swspec check");
        return ExitCode::from(2);
    }
    let (model, actions) = match start(args) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("swspec explore: {e}");
            return ExitCode::from(2);
        }
    };
    let fragment = match steps_fragment(&model, &actions) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("swspec explore: the path does not replay in this model: {e}");
            return ExitCode::from(2);
        }
    };
    // stateright's server panics on a port it cannot bind: find out first.
    let port = match TcpListener::bind(("127.0.0.1", args.port)).and_then(|l| l.local_addr()) {
        Ok(a) => a.port(),
        Err(e) => {
            eprintln!(
                "swspec explore: cannot listen on 127.0.0.1:{}: {e} (choose another --port, or 0 for any free one)",
                args.port
            );
            return ExitCode::from(2);
        }
    };
    let props = applicable(&model.cfg).collect();
    let explorable = Explorable { model, props };
    println!(
        "swspec explore: the Explorer on http://127.0.0.1:{port}/ (loopback only; Ctrl-C stops it)"
    );
    if !actions.is_empty() {
        println!(
            "the path's state ({} steps): http://127.0.0.1:{port}/{fragment}",
            actions.len()
        );
    }
    let checker = explorable.checker().serve(format!("127.0.0.1:{port}"));
    // serve returns only if its server thread ends.
    eprintln!(
        "swspec explore: the server stopped ({} states seen)",
        checker.unique_state_count()
    );
    ExitCode::from(2)
}
