//! `swspec explore`: serves stateright's Explorer on loopback, prints the URL of the given
//! path's state, answers `/.status` and `/.states/…` with our action texts and diagrams; a busy
//! port is a clear error (exit 2), never a panic.

mod common;
use common::swspec;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `swspec explore`, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The body of `GET path` from 127.0.0.1:`port`.
fn get(port: u16, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    let (head, body) = text.split_once("\r\n\r\n").expect("a response");
    (
        head.lines().next().unwrap_or("").to_string(),
        body.to_string(),
    )
}

#[test]
fn serves_the_explorer_at_a_given_path() {
    // Client 0 navigates into the scope, then calls register(script 0).
    let path = r#"[{"action":"OpenClient","with":0},{"action":"Register","with":{"client":0,"script":0}}]"#;
    let mut child = Command::new(env!("CARGO_BIN_EXE_swspec"))
        .args([
            "explore",
            "--port",
            "0",
            "--clients",
            "1",
            "--no-fetch-events",
            "--path",
            path,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("text");
    let port: u16 = first
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no URL: {first}"));
    let second = lines.next().expect("a line").expect("text");
    let fragment = second
        .split(&format!("{port}/"))
        .nth(1)
        .expect("URL")
        .to_string();
    assert!(fragment.starts_with("#/steps/0/"), "{second}");
    // The server is up once it answers.
    let mut status = None;
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            status = Some(get(port, "/.status"));
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let (code, body) = status.expect("the server answers");
    assert!(code.contains("200"), "{code}");
    let v: Value = serde_json::from_str(&body).expect("status JSON");
    assert!(
        v["properties"].as_array().is_some_and(|p| p.len() > 20),
        "{body}"
    );
    // The fragment's state: its successors, each action with its spec sections, each state
    // with the path so far as a diagram.
    let at = fragment.trim_start_matches("#/steps");
    let (code, body) = get(port, &format!("/.states{at}"));
    assert!(code.contains("200"), "{code} {body}");
    let next: Vec<Value> = serde_json::from_str(&body).expect("states JSON");
    assert!(!next.is_empty());
    let run_job = next
        .iter()
        .find(|s| {
            s["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("browser runs the front job"))
        })
        .expect("the job can run");
    assert!(run_job["action"]
        .as_str()
        .is_some_and(|a| a.contains("[§Run Job")));
    let svg = run_job["svg"].as_str().expect("svg");
    assert_eq!(
        svg.matches("data-lifeline=").count(),
        2,
        "client 0 and the browser"
    );
    assert!(svg.contains("3. browser runs the front job"));
    assert!(svg.contains("href=\"https://w3c.github.io/ServiceWorker/#run-job-algorithm\""));
    let (_, init) = get(port, "/.states");
    assert!(init.contains("\"actionIndex\":0"), "{init}");
    drop(server);
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let taken = TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let (code, out, err) = swspec(&["explore", "--port", &port, "--clients", "1"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_path_that_does_not_replay_is_named() {
    let path = r#"[{"action":"Register","with":{"client":0,"script":0}}]"#;
    let (code, _, err) = swspec(&["explore", "--port", "0", "--clients", "1", "--path", path]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("step 1 `client 0 calls register(script 0)` is not enabled"),
        "{err}"
    );
}
