//! Re-deriving a captured trace's observations from its raw records with today's mapping
//! (`swspec remap`).
//!
//! A captured trace keeps, on every line, the raw record it came from ([`Event::raw`]), and the
//! mapping ([`map::map`]) is a pure function of those records. So when the mapping learns to
//! read more (a new observation kind, a fixed binding), old captures can be brought up to date
//! without a browser: [`records`] gives back the records a trace was mapped from, [`remap`] maps
//! them again and says what changed. Lines the mapping derived itself (a running status read off
//! heartbeats, a background fetch's settlement read off its event; their `raw` says
//! `derived_from`) are not records: they are derived again. The new header's `observes` is what
//! a capture of that engine claims today ([`observes`]), which is only true if the old records
//! carry what the mapping now reads; every kind added is reported, so a person can check that.
//! Traces not written by a capture (engine `synthetic`) have no records to re-derive from.

use super::engine::{observes, Engine};
use super::map;
use super::server::{RecSrc, Record};
use crate::trace::{Event, Header, InputError, Source, Trace};
use std::collections::BTreeMap;
use swspec_model::Observation;

/// What changed between a trace and its remapped form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Lines (of one record, at one time) whose observation (or its interval) is another one.
    pub altered: usize,
    /// Observations the old trace did not have.
    pub added: usize,
    /// Observations the old trace had and today's mapping does not give.
    pub removed: usize,
    /// Observation kinds the header now lists and did not.
    pub observes_added: Vec<String>,
    /// Observation kinds the header listed and now does not.
    pub observes_removed: Vec<String>,
}

impl Changes {
    /// Observations altered, added or removed.
    pub fn observations(&self) -> usize {
        self.altered + self.added + self.removed
    }

    /// Whether the remapped trace says the same as the old one.
    pub fn is_empty(&self) -> bool {
        self.observations() == 0
            && self.observes_added.is_empty()
            && self.observes_removed.is_empty()
    }
}

/// A trace mapped again from its records.
#[derive(Clone, Debug)]
pub struct Remapped {
    /// The header, with the `observes` of today's capture of its engine.
    pub header: Header,
    /// The events today's mapping gives.
    pub events: Vec<Event>,
    /// What changed.
    pub changes: Changes,
    /// Records the mapping could not give the observation they seem to show (as a capture
    /// reports them).
    pub unmapped: Vec<String>,
}

/// The engine that captured a trace, or `None` for one not written by a capture.
pub fn engine_of(header: &Header) -> Option<Engine> {
    Engine::from_name(&header.engine)
}

fn located(trace: &Trace, line: usize, field: &str, message: String) -> InputError {
    InputError {
        path: trace.path.clone(),
        line: Some(line),
        field: Some(field.into()),
        message,
    }
}

/// Whether a line's `raw` is the mapping's own note rather than a record.
fn derived(e: &Event) -> bool {
    e.raw
        .as_ref()
        .is_some_and(|r| r.get("derived_from").is_some())
}

/// The raw records a captured trace was mapped from, in its line order. A DevTools record that
/// showed two observations is on two lines with one `raw` and one time: it is one record.
pub fn records(trace: &Trace) -> Result<Vec<Record>, InputError> {
    let mut out: Vec<Record> = Vec::new();
    let mut last_devtools: Option<usize> = None;
    for (no, e) in &trace.events {
        if derived(e) {
            continue;
        }
        let Some(raw) = &e.raw else {
            return Err(located(
                trace,
                *no,
                "raw",
                "no raw record on this line: a captured trace keeps one on every line it did \
                 not derive, and remap re-derives the observation from it"
                    .into(),
            ));
        };
        let src = match &e.src {
            Source::Driver => RecSrc::Driver,
            Source::Page { client } => RecSrc::Page(client.clone()),
            Source::Worker { .. } => RecSrc::Worker,
            Source::Devtools => RecSrc::Devtools,
            Source::Server => RecSrc::Server,
            Source::Heartbeat { .. } => {
                return Err(located(
                    trace,
                    *no,
                    "raw",
                    "a heartbeat line whose raw record has no `derived_from`: heartbeat lines \
                     are derived by the mapping, never recorded"
                        .into(),
                ))
            }
        };
        if src == RecSrc::Devtools {
            if let Some(i) = last_devtools {
                if out[i].t == e.t && &out[i].data == raw {
                    continue;
                }
            }
            last_devtools = Some(out.len());
        }
        out.push(Record {
            t: e.t,
            src,
            data: raw.clone(),
        });
    }
    Ok(out)
}

/// A line's identity across mappings: its time, source and raw payload.
type Key = (u64, Source, String);
/// What a line shows: its observation and, for an interval, its earliest time.
type Shown = (Option<Observation<String>>, Option<u64>);

fn shown(events: &[Event]) -> BTreeMap<Key, Vec<Shown>> {
    let mut out: BTreeMap<Key, Vec<Shown>> = BTreeMap::new();
    for e in events {
        let raw = e.raw.as_ref().map(|r| r.to_string()).unwrap_or_default();
        out.entry((e.t.to_bits(), e.src.clone(), raw))
            .or_default()
            .push((e.obs.clone(), e.earliest.map(f64::to_bits)));
    }
    out
}

/// Counts what differs between two lists of lines, pairing lines by time, source and raw
/// record (one record's lines in order).
fn diff(old: &[Event], new: &[Event]) -> Changes {
    let (old, new) = (shown(old), shown(new));
    let mut c = Changes::default();
    let none = Vec::new();
    for key in old
        .keys()
        .chain(new.keys().filter(|k| !old.contains_key(*k)))
    {
        let (a, b) = (old.get(key).unwrap_or(&none), new.get(key).unwrap_or(&none));
        for i in 0..a.len().max(b.len()) {
            match (a.get(i), b.get(i)) {
                (Some(x), Some(y)) if x == y => {}
                (Some((Some(_), _)), Some((Some(_), _))) => c.altered += 1,
                (Some((Some(_), _)), _) => c.removed += 1,
                (_, Some((Some(_), _))) => c.added += 1,
                // An informational line that stays one (its interval cannot differ).
                _ => {}
            }
        }
    }
    c
}

/// Maps a captured trace again from its records; an error (located) if it is not a capture or
/// a line has no record.
pub fn remap(trace: &Trace) -> Result<Remapped, InputError> {
    let Some(engine) = engine_of(&trace.header) else {
        return Err(located(
            trace,
            1,
            "engine",
            format!(
                "engine {:?} is not one the capture harness drives (chromium, firefox, webkit): \
                 the trace has no raw records to re-derive its observations from",
                trace.header.engine
            ),
        ));
    };
    let records = records(trace)?;
    let mapped = map::map(&records);
    let old: Vec<Event> = trace.events.iter().map(|(_, e)| e.clone()).collect();
    let mut changes = diff(&old, &mapped.events);
    let mut header = trace.header.clone();
    header.observes = observes(engine);
    changes.observes_added = header
        .observes
        .iter()
        .filter(|k| !trace.header.observes.contains(k))
        .cloned()
        .collect();
    changes.observes_removed = trace
        .header
        .observes
        .iter()
        .filter(|k| !header.observes.contains(k))
        .cloned()
        .collect();
    Ok(Remapped {
        header,
        events: mapped.events,
        changes,
        unmapped: mapped.unmapped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const HEADER: &str = r#"{"format":"swspec-trace","version":1,"engine":"chromium","engine_version":"1","scenario":"s","profile":"chromium","captured_at":"x","harness":"swspec 0.1.0","observes":["open_client","job_settled"]}"#;

    fn trace(lines: &[&str]) -> Trace {
        let text = std::iter::once(HEADER)
            .chain(lines.iter().copied())
            .collect::<Vec<_>>()
            .join("\n");
        Trace::parse(Path::new("t.jsonl"), text.as_bytes()).expect("parses")
    }

    #[test]
    fn a_wrong_observation_is_re_derived_from_its_record() {
        // The page's raw record is a rejected register; the line claims a resolved one.
        let t = trace(&[
            r#"{"t":1.0,"src":{"kind":"driver"},"obs":{"type":"open_client","client":"c1"},"raw":{"obs":{"type":"open_client","client":"c1"}}}"#,
            r#"{"t":2.0,"src":{"kind":"page","client":"c1"},"obs":{"type":"job_settled","client":"c1","call":"register","outcome":"registration"},"raw":{"ev":"job","call":"register","ok":false,"error":"TypeError"}}"#,
            r#"{"t":3.0,"src":{"kind":"page","client":"c1"},"obs":{"type":"controller_change","client":"c1"},"raw":{"ev":"load"}}"#,
        ]);
        let r = remap(&t).expect("remaps");
        assert_eq!(
            (r.changes.altered, r.changes.added, r.changes.removed),
            (1, 0, 1)
        );
        assert_eq!(r.events.len(), 3);
        assert!(r
            .changes
            .observes_added
            .contains(&"running_status".to_string()));
        // Mapped again, it is a fixed point.
        let again = Trace::parse(
            Path::new("t.jsonl"),
            Trace::to_text(&r.header, &r.events).as_bytes(),
        )
        .expect("parses");
        assert!(remap(&again).expect("remaps").changes.is_empty());
    }

    #[test]
    fn a_line_without_its_record_is_a_located_error() {
        let t = trace(&[
            r#"{"t":1.0,"src":{"kind":"driver"},"obs":{"type":"open_client","client":"c1"}}"#,
        ]);
        let e = remap(&t).expect_err("refused");
        assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("raw")));
    }

    #[test]
    fn one_devtools_record_on_two_lines_is_one_record() {
        let raw = r#"{"ev":"version","versionId":"0","status":"installing","runningStatus":"running","script_version":1}"#;
        let l1 = format!(
            r#"{{"t":5.0,"src":{{"kind":"devtools"}},"obs":{{"type":"running_status","worker":"sw-0","status":"running"}},"raw":{raw}}}"#
        );
        let l2 = format!(
            r#"{{"t":5.0,"src":{{"kind":"devtools"}},"obs":{{"type":"state_change","worker":"sw-0","state":"installing"}},"raw":{raw}}}"#
        );
        let t = trace(&[&l1, &l2]);
        assert_eq!(records(&t).expect("records").len(), 1);
        let r = remap(&t).expect("remaps");
        assert_eq!(r.changes.observations(), 0, "{:?}", r.changes);
    }
}
