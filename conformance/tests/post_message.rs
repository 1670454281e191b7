//! Messages to a worker that is not the controller (`post_message` with `to`): the captured
//! `post-message-to-*` traces of every engine conform, and retargeting a message (its `to`
//! field, the one edit the vocabulary's new field allows) makes each diverge.

use std::path::Path;
use swspec_conformance::check::{self, Options, Verdict};
use swspec_conformance::trace::Trace;

const FOLDERS: [&str; 3] = ["chromium-156", "firefox-esr-153", "webkitgtk-2.50"];

fn path(folder: &str, file: &str) -> String {
    format!("{}/../traces/{folder}/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// The verdict against the trace's own engine profile.
fn verdict(file: &str, text: &str) -> Verdict {
    let t = Trace::parse(Path::new(file), text.as_bytes()).expect("parses");
    check::check(&t, &Options::default())
        .expect("checks")
        .verdict
}

/// `text` with the one `post_message` observation to `from` retargeted to `to` (`None`: the
/// field left out, which means the controller).
fn retarget(text: &str, from: &str, to: Option<&str>) -> String {
    let old = format!(r#""type":"post_message","client":"c1","to":"{from}"}}"#);
    let new = match to {
        Some(to) => format!(r#""type":"post_message","client":"c1","to":"{to}"}}"#),
        None => r#""type":"post_message","client":"c1"}"#.to_string(),
    };
    assert_eq!(text.matches(&old).count(), 1, "{old}");
    text.replace(&old, &new)
}

#[test]
fn messages_to_the_registrations_workers_conform_in_every_engine() {
    for folder in FOLDERS {
        for file in [
            "post-message-to-installing.jsonl",
            "post-message-to-waiting-and-active.jsonl",
        ] {
            let p = path(folder, file);
            let text = std::fs::read_to_string(&p).expect("committed");
            assert_eq!(verdict(&p, &text), Verdict::Conforms, "{p}");
        }
    }
}

/// Each edit, and whether it needs DevTools' state changes to be told apart: without them
/// (Firefox, WebKit) nothing shows v2's install ending before the message, so a message to
/// `registration.installing` fits there as well.
const EDITS: [(&str, &str, Option<&str>, bool); 6] = [
    (
        "post-message-to-installing.jsonl",
        "installing",
        Some("waiting"),
        false,
    ),
    (
        "post-message-to-installing.jsonl",
        "installing",
        Some("active"),
        false,
    ),
    (
        "post-message-to-installing.jsonl",
        "installing",
        None,
        false,
    ),
    (
        "post-message-to-waiting-and-active.jsonl",
        "waiting",
        Some("active"),
        false,
    ),
    (
        "post-message-to-waiting-and-active.jsonl",
        "waiting",
        Some("installing"),
        true,
    ),
    (
        "post-message-to-waiting-and-active.jsonl",
        "active",
        Some("waiting"),
        false,
    ),
];

#[test]
fn a_retargeted_message_diverges() {
    for folder in FOLDERS {
        let devtools = folder.starts_with("chromium");
        for (file, from, to, needs_devtools) in EDITS {
            let p = path(folder, file);
            let text = std::fs::read_to_string(&p).expect("committed");
            let edited = retarget(&text, from, to);
            let want = if needs_devtools && !devtools {
                Verdict::Conforms
            } else {
                Verdict::Diverges
            };
            assert_eq!(verdict(&p, &edited), want, "{p}: {from} → {to:?}");
        }
    }
}
