//! The report in a real browser: Debian's headless Chromium (started as the capture harness
//! starts it, over its DevTools client) opens the generated `index.html` and trace pages from
//! `file://`. Every link on them resolves to an existing file and id, the divergent line is
//! highlighted, each diagram has one lifeline per trace source, the style sheet applies, and no
//! request leaves `file://`. Screenshots go to the test's target folder.
//!
//! Without `/usr/bin/chromium` the test says so and passes, except under CI (`CI` set), where
//! Chromium is installed by `.ci/run` and its absence fails the test.

mod common;
use common::build;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use swspec_conformance::capture::cdp::Cdp;
use swspec_conformance::capture::chromium::FLAGS;
use swspec_conformance::capture::process::{fresh_profile, Group};
use swspec_conformance::capture::Engine;
use swspec_conformance::trace::Trace;

const CALL: Duration = Duration::from_secs(20);

fn devtools_url(line: &str) -> Option<String> {
    line.strip_prefix("DevTools listening on ")
        .map(|u| u.trim().to_string())
}

/// Base64 (standard alphabet, padded), as DevTools sends screenshots.
fn base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// A started Chromium with one attached tab.
struct Browser {
    group: Group,
    cdp: Cdp,
    session: String,
    loads: Arc<AtomicU32>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Browser {
    fn start(binary: &Path, log: &Path) -> Browser {
        let profile = fresh_profile("report-test").expect("profile dir");
        let mut cmd = Command::new(binary);
        cmd.args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank");
        let (mut group, url) = Group::spawn(
            cmd,
            "Chromium",
            log,
            Some(devtools_url),
            Duration::from_secs(30),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        group.remove_on_kill(profile);
        let loads = Arc::new(AtomicU32::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (l, r) = (loads.clone(), requests.clone());
        let cdp = Cdp::connect(&url.unwrap_or_default(), move |ev| {
            match ev.method.as_str() {
                "Page.loadEventFired" => {
                    l.fetch_add(1, Ordering::SeqCst);
                }
                "Network.requestWillBeSent" => {
                    let u = ev.params["request"]["url"]
                        .as_str()
                        .unwrap_or("")
                        .to_string();
                    r.lock().unwrap_or_else(|p| p.into_inner()).push(u);
                }
                _ => {}
            }
        })
        .expect("DevTools connection");
        let target = cdp
            .call(
                "Target.createTarget",
                json!({"url": "about:blank"}),
                None,
                CALL,
            )
            .expect("a tab")["targetId"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let session = cdp
            .call(
                "Target.attachToTarget",
                json!({"targetId": target, "flatten": true}),
                None,
                CALL,
            )
            .expect("attach")["sessionId"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let b = Browser {
            group,
            cdp,
            session,
            loads,
            requests,
        };
        for (m, p) in [
            ("Page.enable", json!({})),
            ("Network.enable", json!({})),
            (
                "Emulation.setDeviceMetricsOverride",
                json!({"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
            ),
        ] {
            b.call(m, p);
        }
        b
    }

    fn call(&self, method: &str, params: Value) -> Value {
        self.cdp
            .call(method, params, Some(&self.session), CALL)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn open(&self, file: &Path) {
        let before = self.loads.load(Ordering::SeqCst);
        self.call(
            "Page.navigate",
            json!({"url": format!("file://{}", file.display())}),
        );
        let until = Instant::now() + Duration::from_secs(20);
        while self.loads.load(Ordering::SeqCst) <= before {
            assert!(Instant::now() < until, "{} did not load", file.display());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Evaluates `js` in the page and returns its value.
    fn eval(&self, js: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true}),
        );
        assert!(r.get("exceptionDetails").is_none(), "{js}: {r}");
        r["result"]["value"].clone()
    }

    fn screenshot(&self, to: &Path) {
        let r = self.call("Page.captureScreenshot", json!({"format": "png"}));
        let png = base64(r["data"].as_str().unwrap_or(""));
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(to, png).expect("write the screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.cdp.close();
        self.group.kill();
    }
}

/// Every link of the open page: file links resolve to an existing file (and id), same-page
/// fragments to an element; web links are left alone (never fetched). Returns the count.
fn check_links(b: &Browser, page: &Path) -> usize {
    let links = b.eval(
        "Array.from(document.querySelectorAll('a[href]')).map(a => a.href.baseVal ?? a.href)",
    );
    let links: Vec<String> = links
        .as_array()
        .expect("links")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let here = format!("file://{}", page.display());
    let mut bad = Vec::new();
    for href in &links {
        if href.starts_with("https://") {
            continue;
        }
        let (file, frag) = href.split_once('#').unwrap_or((href, ""));
        let same = file == here || file.is_empty();
        if same {
            let js = format!("document.getElementById({}) !== null", json!(frag));
            if !frag.is_empty() && b.eval(&js) != json!(true) {
                bad.push(format!("{href}: no element #{frag}"));
            }
            continue;
        }
        let Some(path) = file.strip_prefix("file://") else {
            bad.push(format!("{href}: neither file:// nor https://"));
            continue;
        };
        let path = PathBuf::from(path.replace("%20", " "));
        match std::fs::read_to_string(&path) {
            Err(_) if !path.exists() => bad.push(format!("{href}: no such file")),
            Ok(text) if !frag.is_empty() && !text.contains(&format!("id=\"{frag}\"")) => {
                bad.push(format!("{href}: no id {frag}"))
            }
            _ => {}
        }
    }
    assert!(bad.is_empty(), "{}:\n{}", page.display(), bad.join("\n"));
    links.len()
}

#[test]
fn the_report_in_headless_chromium() {
    let default_binary = Engine::Chromium.default_binary();
    let binary = Path::new(default_binary);
    if !binary.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{default_binary} is missing under CI (apt-get install chromium)"
        );
        eprintln!("skipped: {default_binary} is not installed (apt-get install chromium)");
        return;
    }
    let (site, _) = build("browser");
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let b = Browser::start(binary, &shots.join("chromium.stderr"));

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
