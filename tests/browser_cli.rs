//! `swspec check --report` and `swspec explore` in a real browser (Debian's headless Chromium,
//! started as report/tests/browser.rs starts it; this test is the CLI's, since it runs the
//! `swspec` binary). The summary page's links all resolve and its verdicts are styled; a
//! counterexample's page (a liveness lasso) has one lifeline per actor, its loop drawn, every
//! link resolving; the Explorer, started at that lasso's path, renders our sequence diagram
//! of the path and our action texts. Nothing is fetched from the network (only file:// and
//! the Explorer on 127.0.0.1). Screenshots go to the test's target folder.

mod common;
use common::{lanes, scratch, swspec};
use serde_json::json;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

#[path = "../report/tests/common/browser.rs"]
mod browser;
use browser::{check_links, chromium, remote_requests, Browser};

/// A running `swspec explore`, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn check_report_and_explorer_in_headless_chromium() {
    let Some(binary) = chromium() else { return };
    let dir = scratch("browser-check");
    let site = dir.join("site");
    let s = site.display().to_string();
    let model = ["--clients", "1", "--no-fetch-events", "--liveness"];
    let (code, out, err) = swspec(&[&["check"][..], &model, &["--report", &s]].concat());
    assert_eq!(code, 0, "{out}{err}");
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("check-report-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let b = Browser::start(&binary, &shots.join("chromium.stderr"));

    // The summary page: every property, each discovery a link to its page.
    let index = site.join("index.html");
    b.open(&index);
    let links = check_links(&b, &index);
    let rows = b.eval("document.querySelectorAll('table.properties tbody tr').length");
    assert!(rows.as_u64().is_some_and(|r| r > 40), "{rows} rows");
    assert!(links >= 20, "{links} links");
    let bg = b.eval("getComputedStyle(document.querySelector('.v.expected')).backgroundColor");
    assert_eq!(bg, json!("rgb(253, 240, 207)"), "style.css is not applied");
    b.screenshot(&shots.join("index.png"));

    // A counterexample: the lasso of a liveness property (finding 1).
    let stem = "waiting_worker_activated_when_unused_1_";
    let page = site.join(format!("paths/{stem}.html"));
    b.open(&page);
    check_links(&b, &page);
    let actions: Vec<swspec_model::Action> = serde_json::from_str(
        &std::fs::read_to_string(site.join(format!("paths/{stem}.json"))).expect("actions"),
    )
    .expect("json");
    let drawn = b.eval(
        "Array.from(document.querySelectorAll('svg.sequence > g.lifeline')).map(g => g.dataset.lifeline)",
    );
    let drawn: BTreeSet<String> = serde_json::from_value(drawn).expect("labels");
    assert_eq!(drawn, lanes(&actions), "one lifeline per actor");
    let looped = b.eval(
        "(() => { const g = document.getElementById('loop'); if (!g) return null; \
         g.scrollIntoView({block: 'center'}); \
         return getComputedStyle(g.querySelector('rect')).stroke; })()",
    );
    assert_eq!(looped, json!("rgb(51, 103, 214)"), "the loop is not drawn");
    b.screenshot(&shots.join("lasso.png"));

    // The Explorer at that path.
    let mut child = Command::new(env!("CARGO_BIN_EXE_swspec"))
        .args(["explore", "--port", "0"])
        .args(model)
        .args([
            "--path",
            &site
                .join(format!("paths/{stem}.json"))
                .display()
                .to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn swspec explore");
    let stdout = child.stdout.take().expect("stdout");
    let _server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let _ = lines.next();
    let url = lines
        .next()
        .and_then(Result::ok)
        .and_then(|l| {
            l.split_once(": http://")
                .map(|(_, u)| format!("http://{u}"))
        })
        .expect("the path's URL");
    let origin = url.split("/#").next().unwrap_or("").to_string();
    b.open_url(&url);
    assert!(
        b.wait_for(&format!(
            "document.querySelectorAll('svg.sequence g.row').length >= {}",
            actions.len()
        )),
        "the Explorer shows no diagram of the path"
    );
    let text = b.eval("document.body.innerText");
    assert!(
        text.as_str()
            .is_some_and(|t| t.contains("[§Try Activate") || t.contains("[§Run Job")),
        "{text}"
    );
    b.screenshot(&shots.join("explorer.png"));

    let remote = remote_requests(&b, &origin);
    assert!(
        remote.is_empty(),
        "requests left file:// and the Explorer: {remote:?}"
    );
    eprintln!("screenshots in {}", shots.display());
    let _ = std::fs::remove_dir_all(&dir);
}
