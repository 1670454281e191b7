//! A small raw DevTools-protocol client over one WebSocket, with flattened sessions. WebDriver
//! BiDi has the same shape (commands with ids, answers with `result` or `error`, events with
//! `method` and `params`), so Firefox is driven with it too, without sessions.
//!
//! Deliberately minimal: it never auto-attaches to targets. Attaching to a service worker's
//! target suppresses Chromium's idle termination, and client libraries that auto-attach with
//! `waitForDebuggerOnStart` keep workers from running their script at all.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;
use tungstenite::{Message, WebSocket};

/// One DevTools event: method, params and the session it came on.
#[derive(Clone, Debug)]
pub struct CdpEvent {
    /// `Domain.event`.
    pub method: String,
    /// Its parameters.
    pub params: Value,
    /// The flattened session, if any.
    pub session: Option<String>,
}

type Pending = Arc<Mutex<HashMap<u64, Sender<Result<Value, String>>>>>;

/// A connected client. Events go to the handler given to [`Cdp::connect`].
pub struct Cdp {
    ws: Arc<Mutex<WebSocket<TcpStream>>>,
    next: AtomicU64,
    pending: Pending,
    closed: Arc<AtomicBool>,
}

impl Cdp {
    /// Connects to `url` (`ws://127.0.0.1:P/devtools/browser/…`); `on_event` runs on the reader
    /// thread for every event.
    pub fn connect(url: &str, on_event: impl Fn(CdpEvent) + Send + 'static) -> Result<Cdp, String> {
        let addr = url
            .strip_prefix("ws://")
            .and_then(|r| r.split('/').next())
            .ok_or_else(|| format!("not a ws:// URL: {url}"))?;
        let stream =
            TcpStream::connect(addr).map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        let (ws, _) =
            tungstenite::client::client(url, stream.try_clone().map_err(|e| e.to_string())?)
                .map_err(|e| format!("WebSocket handshake with {url} failed: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_millis(5)))
            .map_err(|e| e.to_string())?;
        let ws = Arc::new(Mutex::new(ws));
        let pending: Pending = Arc::new(Mutex::new(HashMap::new()));
        let closed = Arc::new(AtomicBool::new(false));
        let (r_ws, r_pending, r_closed) = (ws.clone(), pending.clone(), closed.clone());
        thread::spawn(move || loop {
            if r_closed.load(Ordering::Relaxed) {
                break;
            }
            let msg = {
                let mut guard = r_ws.lock().unwrap_or_else(|p| p.into_inner());
                guard.read()
            };
            let text = match msg {
                Ok(Message::Text(t)) => t.to_string(),
                Ok(_) => continue,
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    thread::sleep(Duration::from_millis(1));
                    continue;
                }
                Err(_) => {
                    r_closed.store(true, Ordering::Relaxed);
                    // Fail every waiting command at once rather than at its timeout.
                    let mut p = r_pending.lock().unwrap_or_else(|p| p.into_inner());
                    for (_, tx) in p.drain() {
                        let _ = tx.send(Err("the browser closed the DevTools connection".into()));
                    }
                    break;
                }
            };
            let Ok(v) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if let Some(id) = v.get("id").and_then(Value::as_u64) {
                let tx = r_pending
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&id);
                if let Some(tx) = tx {
                    let res = match v.get("error") {
                        Some(e) => Err(e.to_string()),
                        None => Ok(v.get("result").cloned().unwrap_or(Value::Null)),
                    };
                    let _ = tx.send(res);
                }
            } else if let Some(method) = v.get("method").and_then(Value::as_str) {
                on_event(CdpEvent {
                    method: method.to_string(),
                    params: v.get("params").cloned().unwrap_or(Value::Null),
                    session: v.get("sessionId").and_then(Value::as_str).map(String::from),
                });
            }
        });
        Ok(Cdp {
            ws,
            next: AtomicU64::new(1),
            pending,
            closed,
        })
    }

    /// Sends a command and returns its receiver without waiting.
    fn start(
        &self,
        method: &str,
        params: Value,
        session: Option<&str>,
    ) -> Result<Receiver<Result<Value, String>>, String> {
        if self.closed.load(Ordering::Relaxed) {
            return Err("the browser closed the DevTools connection".into());
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let (tx, rx) = channel();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        let mut ws = self.ws.lock().unwrap_or_else(|p| p.into_inner());
        ws.send(Message::Text(msg.to_string().into()))
            .map_err(|e| format!("{method}: cannot send: {e}"))?;
        Ok(rx)
    }

    /// Sends a command and waits up to `timeout` for its result.
    pub fn call(
        &self,
        method: &str,
        params: Value,
        session: Option<&str>,
        timeout: Duration,
    ) -> Result<Value, String> {
        let rx = self.start(method, params, session)?;
        // In slices, so that a stop signal ends the wait at once.
        let until = std::time::Instant::now() + timeout;
        loop {
            let left = until.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left.min(Duration::from_millis(50))) {
                Ok(Ok(v)) => return Ok(v),
                Ok(Err(e)) => return Err(format!("{method}: {e}")),
                Err(RecvTimeoutError::Timeout) if !left.is_zero() => {
                    if let Some(sig) = super::signal::received() {
                        return Err(format!("{method}: stopped by {}", super::signal::name(sig)));
                    }
                }
                Err(_) => {
                    return Err(format!(
                        "{method}: no answer within {} ms",
                        timeout.as_millis()
                    ))
                }
            }
        }
    }

    /// Whether the connection is gone (the browser closed it, or [`Cdp::close`]).
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    /// Closes the connection.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        let mut ws = self.ws.lock().unwrap_or_else(|p| p.into_inner());
        let _ = ws.close(None);
    }
}

impl Drop for Cdp {
    fn drop(&mut self) {
        self.close();
    }
}
