//! `swspec remap`: on the committed captures it adds only what the mapping learnt since
//! (`script_fetched`, `worker_update`, …) and is then a fixed point; it fixes a trace whose observations no longer
//! follow from its records; bad input is a located error, exit 2 and an untouched file; and
//! the remapped Firefox captures show the checker's Soft Update.

mod common;
use common::{scratch, swspec};
use std::path::Path;
use swspec_conformance::capture::remap;
use swspec_conformance::check::Verdict;
use swspec_conformance::trace::Trace;
use swspec_conformance::walk;
use swspec_model::Profile;

/// Trace text as today's mapping writes it.
fn remapped_text(t: &Trace) -> String {
    let r = remap::remap(t).expect("remaps");
    Trace::to_text(&r.header, &r.events)
}

#[test]
fn remap_only_adds_what_the_mapping_learnt_and_then_is_a_fixed_point() {
    let files = walk::collect(&["traces".into()]).files;
    let mut captures = 0;
    for f in &files {
        let t = Trace::read(f).expect("committed traces parse");
        if remap::engine_of(&t.header).is_none() {
            continue;
        }
        captures += 1;
        let r = remap::remap(&t).expect("remaps");
        // What the mapping learnt since the older folders were captured: the server's script
        // requests, and the results of calls and of a worker's skipWaiting()/claim(). Every
        // script request is one of them; nothing captured is altered or dropped. A worker's own
        // update() (`worker_update`) is new in the vocabulary since too.
        let learnt = [
            "script_fetched",
            "call_settled",
            "worker_call_settled",
            "worker_update",
        ];
        let unmapped_requests = t
            .events
            .iter()
            .filter(|(_, e)| e.obs.is_none() && e.raw.as_ref().is_some_and(|r| r["ev"] == "script"))
            .count();
        // The one observation the mapping now derives anew: a `background_fetch` call gains
        // `download_total` (below) where its step passed less than the server serves.
        let bg_fetch_calls = t
            .events
            .iter()
            .filter(|(_, e)| {
                e.obs
                    .as_ref()
                    .is_some_and(|o| o.kind() == "background_fetch")
            })
            .count();
        let c = &r.changes;
        assert_eq!(c.removed, 0, "{}: {c:?}", f.display());
        assert!(c.altered <= bg_fetch_calls, "{}: {c:?}", f.display());
        assert!(c.added >= unmapped_requests, "{}: {c:?}", f.display());
        assert!(
            c.observes_added
                .iter()
                .all(|k| learnt.contains(&k.as_str()))
                && c.observes_removed.is_empty(),
            "{}: {c:?}",
            f.display()
        );
        // Byte for byte: remapping what remap wrote changes nothing.
        let text = Trace::to_text(&r.header, &r.events);
        let again = Trace::parse(f, text.as_bytes()).expect("parses");
        assert!(remap::remap(&again).expect("remaps").changes.is_empty());
        assert_eq!(remapped_text(&again), text, "{}", f.display());
    }
    assert!(captures >= 90, "only {captures} captures under traces/");
    let (code, out, err) = swspec(&["remap", "--check", "traces"]);
    assert!(code == 0 || code == 1, "{out}{err}");
    assert!(out.contains(" skipped (not captures), 0 unusable"), "{out}");
}

/// A committed capture with one observation edited and one kind dropped from its header.
fn edited(dir: &Path) -> (std::path::PathBuf, String) {
    let src = Path::new("traces/chromium-148/install-activate.jsonl");
    let original = remapped_text(&Trace::read(src).expect("parses"));
    let from = r#""outcome":"registration""#;
    assert!(original.contains(from), "the trace has a resolved register");
    let text = original
        .replacen(from, r#""outcome":"type_error""#, 1)
        .replacen(r#""controller_change","#, "", 1);
    assert_ne!(text, original);
    let file = dir.join("install-activate.jsonl");
    std::fs::write(&file, &text).expect("write");
    (file, original)
}

#[test]
fn an_edited_capture_is_reported_by_check_and_restored_by_remap() {
    let dir = scratch("remap-edited");
    let (file, original) = edited(&dir);
    let f = file.display().to_string();
    let before = std::fs::read_to_string(&file).expect("read");
    let (code, out, err) = swspec(&["remap", "--check", &f]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("1 observation changed (0 added, 0 removed, 1 altered); observes + controller_change (would be rewritten)"),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), before);
    let (code, out, err) = swspec(&["remap", &f]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("(rewritten)"), "{out}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), original);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");
    let (code, out, _) = swspec(&["remap", "--check", &f]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn bad_input_is_a_located_error_and_the_other_traces_are_still_remapped() {
    let dir = scratch("remap-bad");
    let (good, original) = edited(&dir);
    let lines: Vec<&str> = original.lines().collect();
    // A line that lost its raw record, and a line that is not JSON.
    let mut no_raw: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let mut e: serde_json::Value = serde_json::from_str(lines[1]).expect("json");
    e.as_object_mut().expect("object").remove("raw");
    no_raw[1] = e.to_string();
    let no_raw_file = dir.join("a-no-raw.jsonl");
    std::fs::write(&no_raw_file, no_raw.join("\n") + "\n").expect("write");
    let broken_file = dir.join("b-broken.jsonl");
    let broken = format!("{}\n{}\n{{\"t\": 1,\n", lines[0], lines[1]);
    std::fs::write(&broken_file, &broken).expect("write");
    let (code, out, err) = swspec(&["remap", &dir.display().to_string()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(&format!(
            "{}:2: field `raw`: no raw record",
            no_raw_file.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{}:3: ", broken_file.display())) && err.contains("truncated line"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&broken_file).expect("read"), broken);
    assert_eq!(std::fs::read_to_string(&good).expect("read"), original);
    assert!(
        out.contains("3 traces: 1 changed, 0 unchanged, 0 skipped (not captures), 2 unusable"),
        "{out}"
    );
}

#[test]
fn synthetic_traces_are_skipped() {
    let (code, out, err) = swspec(&["remap", "--check", "traces/synthetic"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("skipped (engine \"synthetic\" is not a capture)"),
        "{out}"
    );
}

/// The Firefox captures whose divergence was the checker's missing Soft Update, remapped so
/// that their script requests are observed, checked against the firefox profile.
fn remapped_verdict(name: &str) -> (Verdict, Option<usize>) {
    use swspec_conformance::check::{self, Options};
    let path = Path::new("traces/firefox-esr-140").join(name);
    let text = remapped_text(&Trace::read(&path).expect("parses"));
    let t = Trace::parse(&path, text.as_bytes()).expect("parses");
    assert!(t.header.observes.iter().any(|k| k == "script_fetched"));
    let o = check::check(
        &t,
        &Options {
            profile: Some(Profile::Firefox),
            ..Options::default()
        },
    )
    .expect("checks");
    (o.verdict, o.divergence.and_then(|d| d.line))
}

#[test]
fn with_script_requests_observed_firefox_soft_updates_are_matched() {
    // The soft update's job installs v2; the page's update() is a job of its own behind it,
    // with its own (identical) fetch.
    assert_eq!(
        remapped_verdict("skip-waiting-from-message.jsonl"),
        (Verdict::Conforms, None)
    );
    // The update() job's fetch (line 41) settles the promise of a page that has reloaded since.
    assert_eq!(
        remapped_verdict("reload-keeps-waiting.jsonl"),
        (Verdict::Diverges, Some(41))
    );
}
