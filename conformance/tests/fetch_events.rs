//! Fetch events carry their client and whether they are a navigation (issue 17 item 11): the
//! model queues a navigation's fetch event for the navigating client in mode `"navigate"` and a
//! subresource request's for the client that made it, and the trace's `functional_event` says
//! both (`client`, `navigate`), so one cannot stand in for the other. Before, every fetch event
//! had one shape: a navigation's could be matched as the next subresource request's.

mod common;

use common::{check_text, join, lines};
use swspec_conformance::check::Verdict;

/// Every committed capture with a navigation's fetch event.
fn with_navigation_fetch() -> Vec<String> {
    let mut files = Vec::new();
    for dir in std::fs::read_dir("../traces").expect("traces/") {
        let dir = dir.expect("entry").path();
        if !dir.is_dir() || dir.ends_with("synthetic") {
            continue;
        }
        for f in std::fs::read_dir(&dir).expect("folder") {
            let f = f.expect("entry").path();
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            if f.extension().is_some_and(|e| e == "jsonl") && text.contains("\"navigate\":true") {
                files.push(f.to_string_lossy().into_owned());
            }
        }
    }
    files.sort();
    files
}

/// Trace `f`, edited into the lines `l`, diverges at entry `i` (line `i + 1`).
fn assert_diverges_at(f: &str, l: &[serde_json::Value], i: usize) {
    let c = check_text(f, &join(l), None);
    assert_eq!(
        (c.verdict, c.line),
        (Verdict::Diverges, Some(i + 1)),
        "{f}: {}",
        c.reason
    );
}

fn is_fetch_event(l: &serde_json::Value) -> bool {
    l["obs"]["type"] == "functional_event" && l["obs"]["event"] == "fetch"
}

/// The verdict of committed trace `file` with the first navigation fetch event's `navigate`
/// taken away (a subresource request's fetch event in its place).
fn as_subresource(file: &str) -> Verdict {
    let mut l = lines(file);
    let i = l
        .iter()
        .position(|x| is_fetch_event(x) && x["obs"]["navigate"] == true)
        .expect("a navigation fetch event");
    l[i]["obs"]
        .as_object_mut()
        .expect("an object")
        .remove("navigate");
    check_text(file, &join(&l), None).verdict
}

#[test]
fn a_navigation_fetch_event_shown_as_a_subresource_one_diverges() {
    let files = with_navigation_fetch();
    assert!(files.len() >= 100, "{} captures", files.len());
    let conforming: Vec<&String> = files
        .iter()
        .filter(|f| as_subresource(f) != Verdict::Diverges)
        .collect();
    assert!(conforming.is_empty(), "still conform: {conforming:?}");
}

/// A subresource request's fetch event shown as a navigation's diverges: the navigation before
/// it already had its fetch event.
#[test]
fn a_subresource_fetch_event_shown_as_a_navigation_diverges() {
    let f = "../traces/chromium-156/navigate-in-and-out-of-scope.jsonl";
    let mut l = lines(f);
    assert_eq!(check_text(f, &join(&l), None).verdict, Verdict::Conforms);
    let i = l
        .iter()
        .position(|x| is_fetch_event(x) && x["raw"]["mode"] == "cors")
        .expect("a subresource fetch event");
    l[i]["obs"]["navigate"] = true.into();
    assert_diverges_at(f, &l, i);
}

/// The client a fetch event names is held to the one whose request it is: in a synthetic trace
/// and in the three captures of `navigate-in-and-out-of-scope` taken on 2026-12-04 (whose fetch
/// events name their client), the last fetch event of the trace's first client, given a client
/// that never opened, diverges at that line.
#[test]
fn a_fetch_event_for_another_client_diverges() {
    for (f, client) in [
        ("../traces/synthetic/message-stop-restart.jsonl", "page-7"),
        (
            "../traces/chromium-156/navigate-in-and-out-of-scope.jsonl",
            "c1",
        ),
        (
            "../traces/firefox-esr-153/navigate-in-and-out-of-scope.jsonl",
            "c1",
        ),
        (
            "../traces/webkitgtk-2.50/navigate-in-and-out-of-scope.jsonl",
            "c1",
        ),
    ] {
        let mut l = lines(f);
        assert_eq!(
            check_text(f, &join(&l), None).verdict,
            Verdict::Conforms,
            "{f}"
        );
        let i = l
            .iter()
            .rposition(|x| is_fetch_event(x) && x["obs"]["client"] == client)
            .unwrap_or_else(|| panic!("{f}: a fetch event of {client}"));
        l[i]["obs"]["client"] = "page-9".into();
        assert_diverges_at(f, &l, i);
    }
}

/// A capture whose fetch events name no client (every one stored before they did) is checked
/// with the model's fetch clients left out; one that names them is held to them. The same
/// synthetic trace with its clients removed conforms too.
#[test]
fn fetch_events_without_clients_are_matched_without_them() {
    let f = "../traces/synthetic/message-stop-restart.jsonl";
    let mut l = lines(f);
    for x in l.iter_mut().filter(|x| is_fetch_event(x)) {
        x["obs"]
            .as_object_mut()
            .expect("an object")
            .remove("client");
    }
    assert_eq!(check_text(f, &join(&l), None).verdict, Verdict::Conforms);
}
