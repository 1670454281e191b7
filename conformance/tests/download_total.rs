//! `downloadTotal` with one request (issue 17 item 6): Chromium 156 fails a one-request
//! background fetch whose 5000-byte response passes its `downloadTotal: 100` with
//! `download-total-exceeded`, as Background Fetch §Complete a record says of the running total
//! of stored bytes. The `background_fetch` observation says whether the page's total was below
//! the bytes the capture's server serves (`download_total: "below"`), and the checker holds the
//! failure to it: the committed trace conforms to both profiles, and the same settlement after a
//! fetch whose total was not below the bytes served diverges at the settlement.

use std::path::Path;
use swspec_conformance::capture::remap;
use swspec_conformance::capture::scenario::Step;
use swspec_conformance::capture::server::served_body_len;
use swspec_conformance::check::{self, Options, Verdict};
use swspec_conformance::trace::Trace;
use swspec_model::observe::DownloadTotal;
use swspec_model::{Observation, Profile};

const FILE: &str = "../traces/chromium-156/bgfetch-download-total-exceeded.jsonl";
/// The page's `backgroundFetch.fetch()` (the driver's line).
const FETCH_LINE: usize = 29;
/// The fetch's `bg_fetch_settled` with `download-total-exceeded`.
const SETTLED_LINE: usize = 38;

fn text() -> String {
    std::fs::read_to_string(FILE).expect("committed")
}

fn parse(text: &str) -> Trace {
    Trace::parse(Path::new(FILE), text.as_bytes()).expect("parses")
}

/// The verdict and the divergence's line against `profile`.
fn verdict(trace: &Trace, profile: Profile) -> (Verdict, Option<usize>) {
    let opts = Options {
        profile: Some(profile),
        ..Options::default()
    };
    let o = check::check(trace, &opts).expect("checks");
    (o.verdict, o.divergence.and_then(|d| d.line))
}

/// Line `n` (1-based) of `text` with `from` replaced by `to`.
fn edit_line(text: &str, n: usize, from: &str, to: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    assert!(lines[n - 1].contains(from), "line {n}: {}", lines[n - 1]);
    lines[n - 1] = lines[n - 1].replace(from, to);
    lines.join("\n") + "\n"
}

/// The trace `swspec remap` makes of `trace`.
fn remapped(trace: &Trace) -> Trace {
    let r = remap::remap(trace).expect("a capture");
    Trace {
        path: trace.path.clone(),
        header: r.header,
        events: r
            .events
            .into_iter()
            .enumerate()
            .map(|(i, e)| (i + 2, e))
            .collect(),
    }
}

#[test]
fn the_one_request_fetch_over_its_download_total_conforms() {
    let t = parse(&text());
    for profile in [Profile::Chromium, Profile::Spec] {
        assert_eq!(verdict(&t, profile), (Verdict::Conforms, None), "{profile}");
    }
}

/// The committed observation is what remap derives from the driver's step (`downloadTotal: 100`,
/// one `/res/ok?size=5000`).
#[test]
fn remap_derives_below_from_the_step_and_the_served_size() {
    let t = parse(&text());
    let r = remap::remap(&t).expect("a capture");
    assert!(r.changes.is_empty(), "{:?}", r.changes);
    let fetch = r
        .events
        .iter()
        .find_map(|e| match &e.obs {
            Some(Observation::BackgroundFetch { download_total, .. }) => Some(*download_total),
            _ => None,
        })
        .expect("a background_fetch");
    assert_eq!(fetch, DownloadTotal::Below);
}

/// A mutant that claims the fetch had no total below the bytes served (the field dropped)
/// diverges at the settlement: nothing can exceed a total the page did not set below them.
#[test]
fn exceeded_without_a_total_below_the_served_size_diverges() {
    let text = text();
    let mutant = edit_line(&text, FETCH_LINE, ",\"download_total\":\"below\"", "");
    let t = parse(&mutant);
    for profile in [Profile::Chromium, Profile::Spec] {
        assert_eq!(
            verdict(&t, profile),
            (Verdict::Diverges, Some(SETTLED_LINE)),
            "{profile}"
        );
    }
    // The same through the raw record: a page passing downloadTotal 5000 for the 5000-byte
    // body, re-derived by remap, has no total below the bytes served and diverges there too.
    let raw = edit_line(
        &text,
        FETCH_LINE,
        "\"download_total\":100",
        "\"download_total\":5000",
    );
    let t = remapped(&parse(&raw));
    let line = t
        .events
        .iter()
        .find(|(n, _)| *n == FETCH_LINE)
        .expect("line");
    assert!(
        matches!(
            line.1.obs,
            Some(Observation::BackgroundFetch {
                download_total: DownloadTotal::None,
                ..
            })
        ),
        "{:?}",
        line.1.obs
    );
    assert_eq!(
        verdict(&t, Profile::Chromium),
        (Verdict::Diverges, Some(SETTLED_LINE))
    );
}

/// What the server serves and when a total is below it.
#[test]
fn below_is_against_the_bytes_the_server_serves() {
    assert_eq!(served_body_len("/res/ok?size=5000"), Some(5000));
    assert_eq!(served_body_len("http://127.0.0.1:1/res/ok"), Some(1000));
    assert_eq!(served_body_len("/res/404"), Some(9));
    assert_eq!(served_body_len("/res/hang"), Some(0));
    assert_eq!(served_body_len("/page.html"), None);
    let total = |urls: &[&str], download_total: Option<u64>| {
        let step = Step::BgFetch {
            client: "c1".into(),
            id: "f1".into(),
            urls: urls.iter().map(|u| u.to_string()).collect(),
            download_total,
        };
        match step.bg_fetch_observation() {
            Some(Observation::BackgroundFetch { download_total, .. }) => download_total,
            other => panic!("{other:?}"),
        }
    };
    let ok = "/res/ok?size=1000";
    assert_eq!(total(&[ok], Some(999)), DownloadTotal::Below);
    assert_eq!(total(&[ok], Some(1000)), DownloadTotal::None);
    assert_eq!(total(&[ok], Some(0)), DownloadTotal::None);
    assert_eq!(total(&[ok], None), DownloadTotal::None);
    // The running total over every request: 1500 is below two bodies, not below one.
    assert_eq!(total(&[ok, ok], Some(1500)), DownloadTotal::Below);
    assert_eq!(total(&[ok, "/res/404"], Some(1500)), DownloadTotal::None);
}
