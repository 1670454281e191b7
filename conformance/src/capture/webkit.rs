//! The WebKit engine: Debian's `webkit2gtk-driver` (WebKitWebDriver, which starts MiniBrowser
//! with `--automation`) under `xvfb-run`, driven over W3C WebDriver classic (plain HTTP).
//! MiniBrowser's `--headless` hangs on this machine, hence the virtual X server.
//!
//! WebDriver classic has no console events, so client pages keep their records in an in-page
//! buffer that the harness drains with `execute/sync` ([`Ops::poll`]); every record carries its
//! own time, so draining late does not move it. As with Firefox, the worker's heartbeat and
//! instance ids make its stops observable.

use super::drive::Ops;
use super::engine::Engine;
use super::error::CaptureError;
use super::process::{self, Group, Scratch, Watch};
use super::scenario::Scenario;
use super::server::{RecSrc, Recorder};
use super::session::Session;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

/// The MiniBrowser WebKitWebDriver starts (package `webkit2gtk-driver` pulls it in).
pub const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

/// How long one WebDriver command may take.
const CALL: Duration = Duration::from_secs(20);

/// A WebDriver classic session over HTTP/1.1 (one connection per command).
struct WebDriver {
    port: u16,
    session: String,
}

impl WebDriver {
    /// One command: `method` on `path` with a JSON body; the answer's `value`.
    fn cmd(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        http(self.port, method, path, body)
    }

    fn s(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }
}

/// A WebDriver HTTP request; the `value` of a 2xx answer, or the error it carried.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let what = format!("{method} {path}");
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .map_err(|e| format!("{what}: cannot connect to WebKitWebDriver: {e}"))?;
    // Short reads, so that a stop signal is seen while WebKitWebDriver thinks.
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(|e| e.to_string())?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(req.as_bytes())
        .map_err(|e| format!("{what}: {e}"))?;
    let raw = read_answer(&mut stream, &what)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("{what}: malformed answer"))?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        Ok(v.get("value").cloned().unwrap_or(Value::Null))
    } else {
        Err(format!("{what}: HTTP {status}: {}", v["value"]))
    }
}

/// Reads an answer to its end, within [`CALL`], unless a stop signal comes first.
fn read_answer(stream: &mut TcpStream, what: &str) -> Result<Vec<u8>, String> {
    let until = Instant::now() + CALL;
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(raw),
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                if let Some(sig) = super::signal::received() {
                    return Err(format!("{what}: stopped by {}", super::signal::name(sig)));
                }
                if Instant::now() > until {
                    return Err(format!("{what}: no answer within {} s", CALL.as_secs()));
                }
            }
            Err(e) => return Err(format!("{what}: no answer: {e}")),
        }
    }
}

/// The body of a chunked HTTP answer.
fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A free TCP port on 127.0.0.1 (WebKitWebDriver needs a number, not 0).
fn free_port() -> Result<u16, CaptureError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| CaptureError::Setup(format!("no free port: {e}")))
}

/// WebKitWebDriver under xvfb-run, with a MiniBrowser session.
struct Browser {
    group: Group,
    watch: Watch,
    wd: WebDriver,
    version: String,
}

impl Browser {
    fn launch(binary: &Path, scratch: &Scratch) -> Result<Browser, CaptureError> {
        process::check_binary("WebKitWebDriver", binary, "webkit2gtk-driver")?;
        let xvfb = Path::new("/usr/bin/xvfb-run");
        process::check_binary("xvfb-run", xvfb, "xvfb")?;
        let port = free_port()?;
        // Its TMPDIR is the scratch's: xvfb-run's own temporary folder lands there too.
        let mut cmd = scratch.command(xvfb);
        cmd.args(["-a", "-s", "-screen 0 1280x800x24"])
            .arg(binary)
            .arg(format!("--port={port}"));
        let log = scratch.log("webkit.log");
        let (group, _) = Group::spawn(cmd, "WebKitWebDriver", &log, None, Duration::ZERO)?;
        let mut browser = Browser {
            watch: group.watch(),
            group,
            wd: WebDriver {
                port,
                session: String::new(),
            },
            version: String::new(),
        };
        let until = Instant::now() + Duration::from_secs(30);
        while http(port, "GET", "/status", None).is_err() {
            if super::signal::received().is_some() {
                return Err(CaptureError::Setup("stopped by a signal".into()));
            }
            if Instant::now() > until || browser.group.exited() {
                let why = browser.watch.exited().map_or_else(
                    || "WebKitWebDriver did not answer within 30 s".to_string(),
                    |m| format!("{m} before it answered"),
                );
                let out = std::fs::read_to_string(&log).unwrap_or_default();
                let tail: Vec<&str> = out.lines().rev().take(8).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                return Err(CaptureError::Setup(format!(
                    "{why}; its last output:\n    {}",
                    tail.join("\n    ")
                )));
            }
            thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"webkitgtk:browserOptions": {
            "binary": MINIBROWSER, "args": ["--automation"]}}}});
        let v = http(port, "POST", "/session", Some(&caps)).map_err(CaptureError::Setup)?;
        browser.wd.session = v["sessionId"].as_str().unwrap_or("").to_string();
        browser.version = v["capabilities"]["browserVersion"]
            .as_str()
            .unwrap_or("")
            .to_string();
        Ok(browser)
    }

    fn shutdown(&mut self) {
        if !self.wd.session.is_empty() {
            let _ = self.wd.cmd("DELETE", &self.wd.s(""), None);
            self.wd.session.clear();
        }
        self.group.kill();
    }
}

/// Drives one scenario; the caller writes what was recorded.
pub fn run(
    scenario: &Scenario,
    binary: &Path,
    session: &mut Session,
    scratch: &Scratch,
) -> Result<(), CaptureError> {
    let rec = session.rec.clone();
    let server = session.server.clone();
    let mut browser = Browser::launch(binary, scratch)?;
    session.engine_version = browser.version.clone();
    session.settings.insert(
        "display".into(),
        json!("xvfb-run -a (MiniBrowser --automation)"),
    );
    let result = (|| {
        let mut driver = Driver {
            wd: &browser.wd,
            watch: browser.watch.clone(),
            rec: &rec,
            tabs: BTreeMap::new(),
            current: String::new(),
            anchor: String::new(),
        };
        // The first window stays on another origin: closing the last client tab then leaves the
        // browser running, and it is no client of the registration.
        driver.anchor = driver
            .cmd("GET", "/window", None)?
            .as_str()
            .unwrap_or("")
            .to_string();
        driver.current = driver.anchor.clone();
        let blank = format!("http://localhost:{}/blank.html", server.port);
        driver.cmd("POST", "/url", Some(json!({"url": blank})))?;
        super::drive::run(scenario, Engine::Webkit, &mut driver, &rec, &server)
    })();
    browser.shutdown();
    result
}

struct Driver<'a> {
    wd: &'a WebDriver,
    watch: Watch,
    rec: &'a Recorder,
    /// Client name → window handle.
    tabs: BTreeMap<String, String>,
    /// The window WebDriver commands go to.
    current: String,
    /// The first window (about:blank on another origin).
    anchor: String,
}

impl Driver<'_> {
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, CaptureError> {
        self.alive()?;
        self.wd
            .cmd(method, &self.wd.s(path), body.as_ref())
            .map_err(
                |e| match self.watch.check_within(Duration::from_millis(500)) {
                    Err(exited) => exited,
                    Ok(()) if !self.watch.runs("MiniBrowser") => {
                        CaptureError::Browser(format!("MiniBrowser exited (WebKitWebDriver: {e})"))
                    }
                    Ok(()) => CaptureError::Browser(e),
                },
            )
    }

    fn switch(&mut self, handle: &str) -> Result<(), CaptureError> {
        if self.current != handle {
            self.cmd("POST", "/window", Some(json!({"handle": handle})))?;
            self.current = handle.to_string();
        }
        Ok(())
    }

    fn handle(&self, client: &str) -> Result<String, CaptureError> {
        self.tabs
            .get(client)
            .cloned()
            .ok_or_else(|| CaptureError::Scenario(format!("client `{client}` is not open")))
    }

    /// Moves one client's buffered records into the recorder.
    fn drain(&mut self, client: &str) -> Result<(), CaptureError> {
        let handle = self.handle(client)?;
        self.switch(&handle)?;
        let v = self.cmd(
            "POST",
            "/execute/sync",
            Some(
                json!({"script": "return window.swspec ? window.swspec.drain() : [];", "args": []}),
            ),
        )?;
        for data in v.as_array().into_iter().flatten() {
            let t = data["t_js"]
                .as_f64()
                .map_or_else(|| self.rec.clock.now(), |t| self.rec.clock.from_epoch(t));
            self.rec
                .push_at(t, RecSrc::Page(client.to_string()), data.clone());
        }
        Ok(())
    }
}

impl Ops for Driver<'_> {
    /// WebDriver classic has no event stream to carry a crash: WebKitWebDriver (with xvfb-run
    /// and Xvfb) is watched as a process, and a dead MiniBrowser shows as the next command
    /// failing (the page poll sends one at least every 250 ms), which then looks for it.
    fn alive(&self) -> Result<(), CaptureError> {
        self.watch.check()
    }

    fn open(&mut self, client: &str, url: &str) -> Result<(), CaptureError> {
        let v = self.cmd("POST", "/window/new", Some(json!({"type": "tab"})))?;
        let handle = v["handle"].as_str().unwrap_or("").to_string();
        self.switch(&handle)?;
        self.tabs.insert(client.to_string(), handle);
        self.cmd("POST", "/url", Some(json!({"url": url})))
            .map(drop)
    }

    fn reload(&mut self, client: &str) -> Result<(), CaptureError> {
        // What the old document still buffers goes first: the reload discards it.
        self.drain(client)?;
        self.cmd("POST", "/refresh", Some(json!({}))).map(drop)
    }

    fn navigate_to(&mut self, client: &str, url: &str) -> Result<(), CaptureError> {
        // What the old document still buffers goes first: the navigation discards it.
        self.drain(client)?;
        self.cmd("POST", "/url", Some(json!({"url": url})))
            .map(drop)
    }

    fn close(&mut self, client: &str) -> Result<(), CaptureError> {
        self.drain(client)?;
        self.cmd("DELETE", "/window", None)?;
        self.tabs.remove(client);
        let anchor = self.anchor.clone();
        self.current.clear();
        self.switch(&anchor)
    }

    fn eval(&mut self, client: &str, expr: &str) -> Result<(), CaptureError> {
        let handle = self.handle(client)?;
        self.switch(&handle)?;
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": format!("{expr}; return null;"), "args": []})),
        )
        .map(drop)
        .map_err(|e| CaptureError::Scenario(format!("`{expr}` failed in {client}: {e}")))
    }

    fn poll(&mut self) -> Result<(), CaptureError> {
        let clients: Vec<String> = self.tabs.keys().cloned().collect();
        for c in clients {
            self.drain(&c)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(dechunk("4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n"), "{\"a\":1}");
    }
}
