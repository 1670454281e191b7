//! Helpers the CLI test binaries share: run the `swspec` binary, make a scratch folder.
#![allow(dead_code)] // each test binary uses its own subset

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use swspec_model::{Action, Actor};

/// Runs `swspec args` from the project root: (exit code, stdout, stderr).
pub fn swspec(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_swspec"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run swspec");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An empty folder under the temp dir, unique to this process and `name`, removed with
/// everything in it when the returned guard drops (a test that fails leaves nothing either).
pub fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("swspec-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    Scratch(dir)
}

/// A test's scratch folder (see [`scratch`]): a path that removes its folder on drop.
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl AsRef<std::path::Path> for Scratch {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The lifelines a path needs: each client and worker an action names, the browser, the
/// environment.
pub fn lanes(actions: &[Action]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for a in actions {
        let v = serde_json::to_value(a).expect("action");
        let with = &v["with"];
        let n = |f: &str| {
            with.get(f)
                .and_then(Value::as_u64)
                .or_else(|| with.as_u64())
        };
        let worker = with.get("worker").and_then(Value::as_u64).or_else(|| {
            with.as_u64()
                .filter(|w| a.to_string().starts_with(&format!("worker {w}")))
        });
        let own = match a.actor() {
            Actor::Page => n("client").map_or("browser".into(), |c| format!("client {c}")),
            Actor::Worker => n("worker").map_or("browser".into(), |w| format!("worker {w}")),
            Actor::Browser => "browser".into(),
            Actor::Environment => "environment".into(),
        };
        out.insert(own);
        if matches!(a.actor(), Actor::Browser | Actor::Environment) {
            out.extend(worker.map(|w| format!("worker {w}")));
        }
    }
    out
}
