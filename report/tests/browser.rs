//! The report in a real browser: Debian's headless Chromium (started as the capture harness
//! starts it, over its DevTools client) opens the generated `index.html` and trace pages from
//! `file://`. Every link on them resolves to an existing file and id, the divergent line is
//! highlighted, each diagram has one lifeline per trace source, the style sheet applies, and no
//! request leaves `file://`. Screenshots go to the test's target folder.
//!
//! Without `/usr/bin/chromium` the test says so and passes, except under CI (`CI` set), where
//! Chromium is installed by `.ci/run` and its absence fails the test.

mod common;
use common::browser::{check_links, chromium, Browser};
use common::build;
use serde_json::json;
use std::path::PathBuf;
use swspec_conformance::trace::Trace;

#[test]
fn the_report_in_headless_chromium() {
    let Some(binary) = chromium() else { return };
    let (site, _) = build("browser");
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let b = Browser::start(&binary, &shots.join("chromium.stderr"));

    // The index: every cell a link to an existing page, the style sheet applied.
    let index = site.join("index.html");
    b.open(&index);
    let n = check_links(&b, &index);
    let cells = b.eval("document.querySelectorAll('table.matrix a.cell').length");
    assert!(
        cells.as_u64().is_some_and(|c| c >= 100),
        "{cells} matrix links"
    );
    assert!(n as u64 > cells.as_u64().unwrap_or(0));
    let bg = b.eval("getComputedStyle(document.querySelector('.v.conforms')).backgroundColor");
    assert_eq!(bg, json!("rgb(223, 243, 227)"), "style.css is not applied");
    b.screenshot(&shots.join("index.png"));

    // A divergent Chromium trace and a long WebKit trace with heartbeats.
    for (file, divergent) in [
        ("chromium-148/skip-waiting-in-install", Some(50)),
        ("webkitgtk-2.50/event-timeout-default", None),
    ] {
        let page = site.join(format!("{file}.html"));
        b.open(&page);
        check_links(&b, &page);
        let trace =
            Trace::read(&common::repo().join(format!("traces/{file}.jsonl"))).expect("trace");
        let sources: std::collections::BTreeSet<_> =
            trace.events.iter().map(|(_, e)| e.src.clone()).collect();
        let lifelines = b.eval("document.querySelectorAll('svg.sequence > g.lifeline').length");
        assert_eq!(lifelines, json!(sources.len()), "{file}: lifelines");
        if let Some(line) = divergent {
            let js = format!(
                "(() => {{ const g = document.getElementById('l{line}'); \
                 if (!g) return null; g.scrollIntoView({{block: 'center'}}); \
                 return [g.classList.contains('divergent'), \
                         getComputedStyle(g.querySelector('rect')).fill, \
                         document.querySelectorAll('g.row.divergent').length]; }})()"
            );
            let v = b.eval(&js);
            assert_eq!(
                v[0],
                json!(true),
                "{file}: line {line} is not marked divergent"
            );
            assert_eq!(v[1], json!("rgb(255, 224, 224)"), "{file}: not highlighted");
            let name = file.replace('/', "-");
            b.screenshot(&shots.join(format!("{name}.png")));
            // A smaller one for the README (docs/report.png).
            b.call(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": 1280, "height": 640, "deviceScaleFactor": 1, "mobile": false}),
            );
            b.eval(&js);
            b.screenshot(&shots.join("readme.png"));
            b.call(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
            );
        } else {
            let folds = b.eval("document.querySelectorAll('svg.sequence rect.fold').length");
            assert!(
                folds.as_u64().is_some_and(|f| f > 0),
                "{file}: no heartbeats folded"
            );
            let rows = b.eval("document.querySelectorAll('svg.sequence g.row').length");
            assert!(
                rows.as_u64()
                    .is_some_and(|r| (r as usize) < trace.events.len() / 2),
                "{file}: {rows} rows for {} lines",
                trace.events.len()
            );
            b.screenshot(&shots.join(format!("{}.png", file.replace('/', "-"))));
        }
    }

    // Nothing was fetched from anywhere but file:// (and the style sheet was).
    let requests = b.requests.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let remote: Vec<&String> = requests
        .iter()
        .filter(|u| {
            !(u.starts_with("file://") || u.starts_with("data:") || u.starts_with("about:"))
        })
        .collect();
    assert!(remote.is_empty(), "requests left file://: {remote:?}");
    assert!(
        requests.iter().any(|u| u.ends_with("/style.css")),
        "the request monitor saw no style sheet: {requests:?}"
    );
    eprintln!("screenshots in {}", shots.display());
    let _ = std::fs::remove_dir_all(&site);
}
