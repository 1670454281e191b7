//! The capture's HTTP server (127.0.0.1, an ephemeral port) and the recorder every source writes
//! into, on one clock.
//!
//! It serves the client page, a blank page for the DevTools observer (reached as `localhost`, a
//! different origin), the worker script of the version the scenario currently serves, `/echo`,
//! the sync attempt counter and the background-fetch resources, and it takes the worker's
//! `/log` POSTs.

use super::scenario::Behaviour;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const PAGE: &str = include_str!("page.html");
const WORKER: &str = include_str!("sw.js");

/// Who recorded a raw record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecSrc {
    /// The harness's steps.
    Driver,
    /// A client page (its scenario name), through the console.
    Page(String),
    /// A worker script, through `/log`.
    Worker,
    /// DevTools events.
    Devtools,
    /// The server itself (script fetched, resource requested).
    Server,
}

/// One raw record: when (ms on the capture clock), who, and what.
#[derive(Clone, Debug)]
pub struct Record {
    /// Milliseconds since the capture started.
    pub t: f64,
    /// Who.
    pub src: RecSrc,
    /// The payload.
    pub data: Value,
}

/// The capture's one clock: milliseconds since it started. Page and worker stamps are wall-clock
/// epoch milliseconds (`performance.timeOrigin + now()`) and are moved onto it.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    start: Instant,
    epoch_ms: f64,
    /// The resolution of the page and worker stamps (`Engine::stamp_resolution_ms`); 0 until
    /// the capture sets it.
    resolution_ms: f64,
}

impl Clock {
    /// Starts now.
    pub fn start() -> Clock {
        let epoch_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        Clock {
            start: Instant::now(),
            epoch_ms,
            resolution_ms: 0.0,
        }
    }
    /// Now, on the capture clock.
    pub fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }
    /// An epoch stamp from a page or worker, on the capture clock: the latest moment a stamp of
    /// its resolution stands for.
    pub fn from_epoch(&self, ms: f64) -> f64 {
        ms + self.resolution_ms - self.epoch_ms
    }
}

/// Everything recorded so far, shared by all sources.
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<(Mutex<Vec<Record>>, Condvar)>,
    /// The clock.
    pub clock: Clock,
}

impl Recorder {
    /// An empty recorder on a fresh clock.
    pub fn new() -> Recorder {
        Recorder {
            inner: Arc::new((Mutex::new(Vec::new()), Condvar::new())),
            clock: Clock::start(),
        }
    }

    /// An empty recorder on a fresh clock whose page and worker stamps have resolution
    /// `resolution_ms` (`Engine::stamp_resolution_ms`).
    pub fn with_stamp_resolution(resolution_ms: f64) -> Recorder {
        let mut rec = Recorder::new();
        rec.clock.resolution_ms = resolution_ms;
        rec
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Record>> {
        // A panicking writer cannot leave a record half-written; keep going with what is there.
        self.inner.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records `data` from `src` at `t`.
    pub fn push_at(&self, t: f64, src: RecSrc, data: Value) {
        self.lock().push(Record { t, src, data });
        self.inner.1.notify_all();
    }

    /// Records `data` from `src` now.
    pub fn push(&self, src: RecSrc, data: Value) {
        self.push_at(self.clock.now(), src, data);
    }

    /// A copy of every record so far.
    pub fn snapshot(&self) -> Vec<Record> {
        self.lock().clone()
    }

    /// Blocks until a record arrives or `timeout` passes.
    pub fn wait_change(&self, timeout: Duration) {
        let guard = self.lock();
        let n = guard.len();
        let _ = self
            .inner
            .1
            .wait_timeout_while(guard, timeout, |v| v.len() == n);
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

/// Shared state of the server.
struct State {
    rec: Recorder,
    version: AtomicU32,
    behaviours: BTreeMap<u32, Behaviour>,
    heartbeat_ms: Option<u32>,
    attempts: Mutex<BTreeMap<String, u32>>,
    stop: AtomicBool,
}

/// The running server.
pub struct Server {
    state: Arc<State>,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl Server {
    /// Binds 127.0.0.1:0 and serves until dropped. `heartbeat_ms`: the worker reports a
    /// heartbeat that often (engines that do not expose running status; see [`worker_script`]).
    pub fn start(
        rec: Recorder,
        behaviours: BTreeMap<u32, Behaviour>,
        heartbeat_ms: Option<u32>,
    ) -> std::io::Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        listener.set_nonblocking(true)?;
        let state = Arc::new(State {
            rec,
            version: AtomicU32::new(1),
            behaviours,
            heartbeat_ms,
            attempts: Mutex::new(BTreeMap::new()),
            stop: AtomicBool::new(false),
        });
        let st = state.clone();
        thread::spawn(move || {
            while !st.stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let st = st.clone();
                        thread::spawn(move || {
                            let _ = serve(&st, stream);
                        });
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Ok(Server { state, port })
    }

    /// The client pages' origin.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The same server under the other loopback name (`localhost`): a different origin, so
    /// out of every scope registered from [`Server::origin`].
    pub fn origin_elsewhere(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    /// Serves script version `v` from now on.
    pub fn set_version(&self, v: u32) {
        self.state.version.store(v, Ordering::SeqCst);
    }

    /// The version served now.
    pub fn version(&self) -> u32 {
        self.state.version.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::Relaxed);
    }
}

/// The worker script of version `v`: the behaviour as a constant, then the body. With
/// `heartbeat_ms` the worker also reports a `heartbeat` that often, so that its stops show where
/// the engine exposes no running status (a timer does not keep a worker alive).
pub fn worker_script(v: u32, b: &Behaviour, heartbeat_ms: Option<u32>) -> String {
    let mut cfg = serde_json::to_value(b).unwrap_or_else(|_| json!({}));
    if let Value::Object(m) = &mut cfg {
        m.insert("version".into(), json!(v));
        if let Some(hb) = heartbeat_ms {
            m.insert("heartbeat_ms".into(), json!(hb));
        }
    }
    format!("const SWSPEC = {cfg};\n{WORKER}")
}

/// The body of a `/res/404` (and of any path the server does not know).
const NOT_FOUND: &[u8] = b"not found";

/// The body length of `/res/ok?size=N`: N bytes (1000 without a readable `size`), at most 64 MiB.
fn ok_size(size: Option<String>) -> usize {
    size.and_then(|v| v.parse().ok())
        .unwrap_or(1000usize)
        .min(64 << 20)
}

/// The bytes of the body this server answers a GET of `url` (a path, or an absolute URL on the
/// server's origin) with: what a background fetch of it can store. `/res/ok?size=N` serves N,
/// `/res/404` and unknown paths the 9-byte "not found", `/res/reset` and `/res/hang` nothing
/// (the connection closes or never answers); `None` for the pages, scripts and logs, whose
/// bodies this function does not know.
pub fn served_body_len(url: &str) -> Option<u64> {
    let target = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => url,
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let size = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "size")
        .map(|(_, v)| v.to_string());
    let len = match path {
        "/res/ok" => ok_size(size),
        "/res/reset" | "/res/hang" => 0,
        "/page.html" | "/blank.html" | "/sw.js" | "/log" | "/echo" | "/attempt" => return None,
        _ => NOT_FOUND.len(),
    };
    Some(len as u64)
}

fn respond(s: &mut TcpStream, status: &str, ctype: &str, body: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    s.flush()
}

fn serve(st: &State, stream: TcpStream) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; len.min(16 << 20)];
    reader.read_exact(&mut body)?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    let mut s = stream;
    match (method.as_str(), path) {
        ("GET", "/page.html") => respond(&mut s, "200 OK", "text/html", PAGE.as_bytes()),
        ("GET", "/blank.html") => respond(&mut s, "200 OK", "text/html", b"<!doctype html>"),
        ("GET", "/sw.js") => {
            let v = st.version.load(Ordering::SeqCst);
            let b = st.behaviours.get(&v).cloned().unwrap_or_default();
            st.rec
                .push(RecSrc::Server, json!({"ev": "script", "version": v}));
            respond(
                &mut s,
                "200 OK",
                "text/javascript",
                worker_script(v, &b, st.heartbeat_ms).as_bytes(),
            )
        }
        ("POST", "/log") => {
            if let Ok(Value::Array(recs)) = serde_json::from_slice::<Value>(&body) {
                for r in recs {
                    let t = r.get("t_js").and_then(Value::as_f64);
                    let t = t.map_or_else(|| st.rec.clock.now(), |t| st.rec.clock.from_epoch(t));
                    st.rec.push_at(t, RecSrc::Worker, r);
                }
            }
            respond(&mut s, "204 No Content", "text/plain", b"")
        }
        ("GET", "/echo") => respond(&mut s, "200 OK", "application/json", b"{\"server\":true}"),
        ("GET", "/attempt") => {
            let tag = param("tag").unwrap_or_default();
            let n = {
                let mut a = st.attempts.lock().unwrap_or_else(|p| p.into_inner());
                let n = a.entry(tag.clone()).or_insert(0);
                *n += 1;
                *n
            };
            st.rec.push(
                RecSrc::Server,
                json!({"ev": "sync_attempt", "tag": tag, "n": n}),
            );
            respond(
                &mut s,
                "200 OK",
                "application/json",
                format!("{{\"n\":{n}}}").as_bytes(),
            )
        }
        ("GET", "/res/ok") => {
            let size = ok_size(param("size"));
            st.rec
                .push(RecSrc::Server, json!({"ev": "resource", "path": target}));
            respond(
                &mut s,
                "200 OK",
                "application/octet-stream",
                &vec![b'x'; size],
            )
        }
        ("GET", "/res/404") => {
            st.rec
                .push(RecSrc::Server, json!({"ev": "resource", "path": target}));
            respond(&mut s, "404 Not Found", "text/plain", NOT_FOUND)
        }
        ("GET", "/res/reset") => {
            st.rec
                .push(RecSrc::Server, json!({"ev": "resource", "path": target}));
            // Close without an answer: the browser sees the connection reset.
            s.shutdown(Shutdown::Both)
        }
        ("GET", "/res/hang") => {
            st.rec
                .push(RecSrc::Server, json!({"ev": "resource", "path": target}));
            while !st.stop.load(Ordering::Relaxed) {
                thread::sleep(Duration::from_millis(100));
            }
            Ok(())
        }
        _ => respond(&mut s, "404 Not Found", "text/plain", NOT_FOUND),
    }
}

#[cfg(test)]
mod tests {
    use super::Recorder;

    /// A page or worker stamp lands at the latest moment it stands for: a WebKit record stamped
    /// in the same millisecond as the driver step that caused it is placed after that step.
    #[test]
    fn a_coarse_stamp_lands_at_the_end_of_its_resolution() {
        let precise = Recorder::new().clock;
        let mut coarse = Recorder::with_stamp_resolution(1.0).clock;
        coarse.epoch_ms = precise.epoch_ms;
        let stamp = precise.epoch_ms.floor() + 5.0;
        assert_eq!(coarse.from_epoch(stamp) - precise.from_epoch(stamp), 1.0);
        assert!(coarse.from_epoch(stamp) > stamp - precise.epoch_ms);
    }
}
