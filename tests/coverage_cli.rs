//! `swspec coverage`: per engine folder, which model behaviours the stored real traces
//! exercise; what an engine cannot drive is listed with its reason, never counted as a gap.

mod common;
use common::{scratch, swspec};
use serde_json::Value;

fn coverage_json() -> Vec<Value> {
    let (code, out, err) = swspec(&["coverage", "traces", "--json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<Vec<Value>>(&out).expect("coverage JSON")
}

fn column<'a>(cov: &'a [Value], name: &str) -> &'a Value {
    cov.iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn item<'a>(col: &'a Value, kind: &str, name: &str) -> &'a Value {
    col[kind]
        .as_array()
        .and_then(|v| v.iter().find(|i| i["name"] == name))
        .unwrap_or_else(|| panic!("no {kind} item {name} in {}", col["name"]))
}

/// Every engine folder is a column (synthetic traces are not real); the install-activate
/// scenario's trace covers install and the idle stop is covered where an idle-stop trace is.
#[test]
fn stored_traces_cover_the_lifecycle() {
    let cov = coverage_json();
    let names: Vec<&str> = cov.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "chromium-148",
            "chromium-156",
            "firefox-esr-140",
            "firefox-esr-153",
            "webkitgtk-2.50"
        ]
    );
    let chromium = column(&cov, "chromium-148");
    let install = item(chromium, "classes", "InstallEventSettled(fulfilled)");
    let by: Vec<&str> = install["covered_by"]
        .as_array()
        .expect("covered_by")
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert!(by.contains(&"install-activate"), "{by:?}");
    let idle = item(chromium, "classes", "StopWorker { cause: idle }");
    assert!(idle["covered_by"]
        .as_array()
        .is_some_and(|v| v.iter().any(|s| s == "idle-stop")));
    assert!(item(chromium, "timers", "idle timeout")["cannot_drive"].is_null());
}

/// Firefox ESR has no SyncManager: sync classes are "cannot drive" with the reason, and are
/// not counted among the drivable gaps.
#[test]
fn what_an_engine_lacks_is_not_a_gap() {
    let cov = coverage_json();
    let firefox = column(&cov, "firefox-esr-140");
    let fire = firefox["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .find(|i| {
            i["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("SyncFire"))
        })
        .expect("a SyncFire class in the firefox column");
    assert!(fire["covered_by"].as_array().is_some_and(|v| v.is_empty()));
    let reason = fire["cannot_drive"].as_str().expect("a reason");
    assert!(reason.contains("firefox"), "{reason}");
    // A property outside the profile does not apply there: it is no missing step.
    let absent: Vec<&str> = firefox["properties"]
        .as_array()
        .expect("properties")
        .iter()
        .filter(|i| i["covered_by"].as_array().is_some_and(|v| v.is_empty()))
        .filter_map(|i| i["cannot_drive"].as_str())
        .filter(|r| !r.contains("unsupported here"))
        .collect();
    assert!(
        !absent.is_empty(),
        "no property outside the firefox profile"
    );
    for r in absent {
        assert_eq!(r, "does not apply under the firefox profile");
    }
}

/// A class no scenario can drive (no automation suspends or resumes a periodic sync
/// registration) is "cannot drive" in coverage with the very reason `swspec scenario --cover`
/// refuses it with, so the two never disagree; covered by a trace it would count as covered.
#[test]
fn coverage_and_scenario_agree_on_what_no_scenario_drives() {
    let cov = coverage_json();
    let class = "PeriodicSyncSuspend { suspend: false }";
    let resume = item(column(&cov, "chromium-156"), "classes", class);
    assert!(resume["covered_by"]
        .as_array()
        .is_some_and(|v| v.is_empty()));
    let reason = resume["cannot_drive"].as_str().expect("a reason");
    assert_eq!(
        reason,
        "no automation suspends a periodic sync registration"
    );
    let (code, _, err) = swspec(&["scenario", "--cover", class]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("has no drivable step: {reason}")),
        "{err}"
    );
    // Every such class, in every column, is either covered or not drivable: none is a gap.
    for col in &cov {
        for i in col["classes"].as_array().expect("classes") {
            let name = i["name"].as_str().unwrap_or_default();
            if [
                "NotificationClick",
                "Subscribe",
                "WorkerStartFailed",
                "BgFetchClick",
            ]
            .iter()
            .any(|p| name.starts_with(p))
            {
                let covered = i["covered_by"].as_array().is_some_and(|v| !v.is_empty());
                assert!(
                    covered || i["cannot_drive"].is_string(),
                    "{name} in {}",
                    col["name"]
                );
            }
        }
    }
}

/// The text form names each folder with its counts; a path with no engine traces is exit 2.
#[test]
fn text_counts_and_bad_paths() {
    let (code, out, err) = swspec(&["coverage", "traces/chromium-148"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("chromium-148 (chromium profile"), "{out}");
    assert!(out.contains("action classes: "), "{out}");
    let (code, _, err) = swspec(&["coverage", "traces/synthetic"]);
    assert_eq!(code, 2);
    assert!(err.contains("no engine traces"), "{err}");
    let empty = scratch("coverage-empty");
    let (code, _, err) = swspec(&["coverage", &empty.display().to_string()]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = swspec(&["coverage", "no/such/folder"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/folder"), "{err}");
}

/// The README's coverage table is the one the stored traces give.
#[test]
fn the_readme_coverage_table_is_up_to_date() {
    let (code, table, err) = swspec(&["coverage", "traces", "--markdown"]);
    assert_eq!(code, 0, "{err}");
    let readme = std::fs::read_to_string("README.md").expect("README");
    assert!(
        readme.contains(&table),
        "README's coverage table is stale; regenerate with `swspec coverage --markdown`:\n{table}"
    );
}
