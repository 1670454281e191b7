//! Headless Chromium for the report's browser tests (shared with the CLI's): started as the
//! capture harness starts it (Debian's binary, its flags, a fresh profile), one tab over its
//! DevTools client, every request it makes recorded; link checks and screenshots.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use swspec_conformance::capture::cdp::Cdp;
use swspec_conformance::capture::chromium::FLAGS;
use swspec_conformance::capture::process::{fresh_profile, Group};

/// The default binary, or None (said on stderr) when it is not installed outside CI; under CI
/// its absence fails.
pub fn chromium() -> Option<PathBuf> {
    let default_binary = swspec_conformance::capture::Engine::Chromium.default_binary();
    let binary = Path::new(default_binary);
    if binary.exists() {
        return Some(binary.to_path_buf());
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{default_binary} is missing under CI (apt-get install chromium)"
    );
    eprintln!("skipped: {default_binary} is not installed (apt-get install chromium)");
    None
}

/// The requests of `b` that left file:// (and the given local origin).
pub fn remote_requests(b: &Browser, local: &str) -> Vec<String> {
    b.requests
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|u| {
            !(u.starts_with("file://")
                || u.starts_with("data:")
                || u.starts_with("about:")
                || (!local.is_empty() && u.starts_with(local)))
        })
        .cloned()
        .collect()
}

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
pub struct Browser {
    group: Group,
    cdp: Cdp,
    session: String,
    loads: Arc<AtomicU32>,
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl Browser {
    pub fn start(binary: &Path, log: &Path) -> Browser {
        let profile = fresh_profile("report-test").expect("profile dir");
        let mut cmd = Command::new(binary);
        // Chromium's TMPDIR is the profile, so its `org.chromium.Chromium.*` singleton folder
        // goes with the profile when the browser is killed, instead of staying in /tmp.
        cmd.env("TMPDIR", &profile)
            .args(FLAGS)
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

    pub fn call(&self, method: &str, params: Value) -> Value {
        self.cdp
            .call(method, params, Some(&self.session), CALL)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Opens `file` and waits for its load event.
    pub fn open(&self, file: &Path) {
        self.open_url(&format!("file://{}", file.display()));
    }

    /// Opens `url` and waits for its load event.
    pub fn open_url(&self, url: &str) {
        let before = self.loads.load(Ordering::SeqCst);
        self.call("Page.navigate", json!({ "url": url }));
        let until = Instant::now() + Duration::from_secs(20);
        while self.loads.load(Ordering::SeqCst) <= before {
            assert!(Instant::now() < until, "{url} did not load");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Polls `js` until it is true (up to 20 s); false if it never was.
    pub fn wait_for(&self, js: &str) -> bool {
        let until = Instant::now() + Duration::from_secs(20);
        while Instant::now() < until {
            if self.eval(js) == json!(true) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// Evaluates `js` in the page and returns its value.
    pub fn eval(&self, js: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true}),
        );
        assert!(r.get("exceptionDetails").is_none(), "{js}: {r}");
        r["result"]["value"].clone()
    }

    pub fn screenshot(&self, to: &Path) {
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
pub fn check_links(b: &Browser, page: &Path) -> usize {
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
