//! `swspec check` under its limits, end to end: a configuration far too large stops at the
//! memory bound, and on SIGINT or SIGTERM, with a complete report (every verdict found so far,
//! `unknown` where nothing was proven, the counts and the reason) and exit status 1; a swarm
//! never claims `holds` or `not_found`; the engine and stateright's checker agree; a discovery's
//! path replays in the model and the printed replay command reproduces it.

mod common;
use common::swspec;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use swspec_model::{Action, ModelConfig, SwModel};

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).expect("stdout is one JSON object")
}

/// Each property's status, by name.
fn statuses(v: &serde_json::Value) -> Vec<(String, String)> {
    v["properties"]
        .as_array()
        .expect("properties")
        .iter()
        .map(|p| (p["name"].to_string(), p["status"].to_string()))
        .collect()
}

/// Every feature at the default bounds: far beyond what a test can exhaust.
const TOO_LARGE: [&str; 2] = ["check", "--all-features"];

/// A cut report: exit 1, undecided properties `unknown` (none `holds` or `not_found`), some
/// found, the counts and the reason given.
fn assert_cut(code: i32, v: &serde_json::Value, reason: &str) {
    assert_eq!(code, 1);
    assert_eq!(v["complete"], false);
    assert!(
        v["stopped"].as_str().is_some_and(|s| s.contains(reason)),
        "{}",
        v["stopped"]
    );
    assert!(v["unique_states"].as_u64().unwrap_or(0) > 1000);
    let s = statuses(v);
    assert!(s.iter().any(|(_, st)| st == "\"unknown\""));
    assert!(s.iter().any(|(_, st)| st == "\"found\""));
    assert!(!s
        .iter()
        .any(|(_, st)| st == "\"holds\"" || st == "\"not_found\""));
}

#[test]
fn a_configuration_far_too_large_stops_at_the_memory_bound() {
    let start = Instant::now();
    let mut args = TOO_LARGE.to_vec();
    args.extend(["--max-memory", "32M", "--liveness", "--json"]);
    let (code, out, err) = swspec(&args);
    let v = json(&out);
    assert_cut(code, &v, "memory bound reached");
    // The liveness properties are listed too, undecided.
    assert!(v["properties"]
        .as_array()
        .expect("properties")
        .iter()
        .any(|p| p["kind"] == "liveness" && p["status"] == "unknown"));
    assert!(start.elapsed() < Duration::from_secs(120), "{err}");
}

#[test]
fn sigint_and_sigterm_stop_the_check_with_a_report() {
    for signal in ["INT", "TERM"] {
        let mut args = TOO_LARGE.to_vec();
        args.push("--json");
        let child = Command::new(env!("CARGO_BIN_EXE_swspec"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run swspec");
        std::thread::sleep(Duration::from_secs(3));
        let sent = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
        let out = child.wait_with_output().expect("swspec ends");
        let v = json(&String::from_utf8_lossy(&out.stdout));
        assert_cut(out.status.code().unwrap_or(-1), &v, "interrupted");
    }
}

#[test]
fn a_swarm_finds_but_never_proves() {
    let mut args = TOO_LARGE.to_vec();
    args.extend(["--swarm", "5s", "--json"]);
    let (code, out, _) = swspec(&args);
    let v = json(&out);
    assert_eq!(v["search"], "swarm");
    assert_cut(code, &v, "time budget");
    assert!(v["engine"]["swarm_runs"].as_u64().unwrap_or(0) >= 1);
}

/// The engine (default) and stateright's checker (`--stateright`) give the same unique count
/// and the same verdicts on a small configuration with a broken model switch off and on.
#[test]
fn the_engine_and_stateright_agree_through_the_cli() {
    let small = ["check", "--clients", "1", "--no-fetch-events", "--json"];
    let (code, out, err) = swspec(&small);
    let mut with_sr = small.to_vec();
    with_sr.push("--stateright");
    let (sr_code, sr_out, sr_err) = swspec(&with_sr);
    assert_eq!((code, sr_code), (0, 0), "{err}{sr_err}");
    let (v, sr) = (json(&out), json(&sr_out));
    assert_eq!(v["checker"], "engine");
    assert_eq!(sr["checker"], "stateright");
    assert_eq!(v["unique_states"], sr["unique_states"]);
    assert_eq!(statuses(&v), statuses(&sr));
}

/// A counterexample's printed path replays in the model to a state where its property fails,
/// and the printed replay command reproduces the same report.
#[test]
fn a_discovery_replays_and_its_replay_command_reproduces_it() {
    let args = [
        "check",
        "--clients",
        "1",
        "--max-workers",
        "2",
        "--no-fetch-events",
        "--max-pending-events",
        "0",
        "--max-states",
        "200000",
        "--json",
    ];
    let (_, out, _) = swspec(&args);
    let first = json(&out);
    let model = SwModel::new(ModelConfig {
        clients: 1,
        max_workers: 2,
        fetch_events: false,
        max_pending_events: 0,
        ..ModelConfig::default()
    });
    let mut replayed = 0;
    for p in first["properties"].as_array().expect("properties") {
        let Some(steps) = p["path"].as_array() else {
            continue;
        };
        let actions: Vec<Action> = steps
            .iter()
            .map(|s| serde_json::from_value(s.clone()).expect("a step is an action"))
            .collect();
        let mut state = stateright::Model::init_states(&model).remove(0);
        for a in actions {
            state = stateright::Model::next_state(&model, &state, a).expect("the step applies");
        }
        let info = swspec_model::properties::property(p["name"].as_str().unwrap_or(""))
            .expect("a model property");
        let holds = (info.condition)(&model, &state);
        assert_eq!(holds, p["kind"] == "sometimes", "{}", p["name"]);
        replayed += 1;
    }
    assert!(replayed >= 3, "{replayed} paths");
    let replay = first["replay"].as_str().expect("replay").to_string();
    let mut again: Vec<&str> = replay.split(' ').skip(1).collect();
    again.push("--json");
    let (_, out, _) = swspec(&again);
    let second = json(&out);
    for field in ["config", "unique_states", "properties", "replay"] {
        assert_eq!(second[field], first[field], "{field} under `{replay}`");
    }
}
