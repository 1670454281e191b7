//! The drawing's unit tests.

use super::*;

fn lanes(n: usize) -> Vec<Lifeline> {
    (0..n)
        .map(|i| Lifeline {
            label: format!("lane {i}"),
            sub: String::new(),
            class: "page".into(),
        })
        .collect()
}

fn note_at(on: usize, t: f64, text: &str, fold: Option<&str>) -> Row {
    Row {
        t: Some(t),
        id: Some(format!("l{}", t as u64)),
        fold: fold.map(str::to_string),
        title: text.to_string(),
        ..Row::new(Item::Note {
            on,
            text: text.to_string(),
        })
    }
}

fn count(s: &str, pat: &str) -> usize {
    s.matches(pat).count()
}

#[test]
fn one_lifeline_group_per_lifeline() {
    let d = Diagram {
        lifelines: lanes(5),
        rows: vec![note_at(0, 1.0, "a", None)],
    };
    let svg = render(&d, &Layout::default());
    assert_eq!(count(&svg, "<g class=\"lifeline "), 5);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
}

#[test]
fn a_long_run_on_one_lane_folds_and_keeps_its_ids() {
    let mut rows: Vec<Row> = (0..10)
        .map(|i| note_at(1, 100.0 + i as f64, "heartbeat", Some("hb")))
        .collect();
    // Rows on another lane do not break the run.
    rows.insert(5, note_at(0, 104.5, "open_client c1", None));
    let d = Diagram {
        lifelines: lanes(2),
        rows,
    };
    let svg = render(&d, &Layout::default());
    assert_eq!(count(&svg, "class=\"fold\""), 1, "{svg}");
    assert!(svg.contains("heartbeat ×10"), "{svg}");
    for i in 0..10 {
        assert!(
            svg.contains(&format!("id=\"l{}\"", 100 + i)),
            "l{}",
            100 + i
        );
    }
    assert!(svg.contains("open_client c1"));
    // Two rows for the fold (start, end) and one for the other lane.
    assert_eq!(slots(&d, &Layout::default()).len(), 3);
}

#[test]
fn a_short_run_or_a_broken_run_does_not_fold() {
    let rows = vec![
        note_at(0, 1.0, "heartbeat", Some("hb")),
        note_at(0, 2.0, "heartbeat", Some("hb")),
        note_at(0, 3.0, "heartbeat", Some("hb")),
        note_at(0, 4.0, "install", None),
        note_at(0, 5.0, "heartbeat", Some("hb")),
    ];
    let d = Diagram {
        lifelines: lanes(1),
        rows,
    };
    let svg = render(&d, &Layout::default());
    assert_eq!(count(&svg, "class=\"fold\""), 0);
    assert_eq!(count(&svg, "class=\"note\""), 5);
}

#[test]
fn time_gaps_are_breaks() {
    let d = Diagram {
        lifelines: lanes(1),
        rows: vec![note_at(0, 10.0, "a", None), note_at(0, 31_000.0, "b", None)],
    };
    let svg = render(&d, &Layout::default());
    assert!(svg.contains("⋯ +31.0 s"), "{svg}");
}

#[test]
fn arrows_point_between_lanes_and_a_self_arrow_is_a_box() {
    let mut d = Diagram {
        lifelines: lanes(3),
        rows: vec![Row::new(Item::Arrow {
            from: 0,
            to: 2,
            text: "register".into(),
        })],
    };
    let svg = render(&d, &Layout::default());
    assert_eq!(count(&svg, "class=\"arrow\""), 1);
    d.rows[0].item = Item::Arrow {
        from: 1,
        to: 1,
        text: "x".into(),
    };
    let svg = render(&d, &Layout::default());
    assert_eq!(count(&svg, "class=\"arrow\""), 0);
    assert_eq!(count(&svg, "class=\"note\""), 1);
}

#[test]
fn text_is_escaped_and_cut_with_the_full_text_as_tooltip() {
    let long = format!("<script>&{}", "x".repeat(200));
    let d = Diagram {
        lifelines: lanes(1),
        rows: vec![note_at(0, 1.0, &long, None)],
    };
    let svg = render(&d, &Layout::default());
    assert!(!svg.contains("<script>"));
    assert!(svg.contains(&format!(
        "<title>&lt;script&gt;&amp;{}</title>",
        "x".repeat(200)
    )));
    assert!(svg.contains('…'));
}

#[test]
fn a_thousand_event_trace_with_heartbeats_stays_short() {
    // 3 workers beating every 500 ms for 150 s, each handling an event every 10 s (which
    // breaks its run), and a page event now and then: 1,000 events.
    let mut rows = Vec::new();
    for i in 0..300 {
        let t = i as f64 * 500.0;
        for w in 0..3 {
            if i % 20 == 10 {
                rows.push(note_at(1 + w, t + w as f64, "functional_event", None));
            } else {
                rows.push(note_at(1 + w, t + w as f64, "heartbeat", Some("hb")));
            }
        }
        if i % 3 == 0 {
            rows.push(note_at(0, t + 5.0, "fetch", None));
        }
    }
    rows.truncate(1000);
    assert_eq!(rows.len(), 1000);
    let d = Diagram {
        lifelines: lanes(4),
        rows,
    };
    let l = Layout::default();
    let n = slots(&d, &l).len();
    // 48 folds (two rows each), 45 worker events, 100 page events, 6 repeated headers.
    assert_eq!(n, 247, "rows drawn for 1,000 events");
    let svg = render(&d, &l);
    // Per worker: 16 runs of beats between its 15 events.
    assert_eq!(count(&svg, "class=\"fold\""), 48);
    for r in &d.rows {
        let id = r.id.as_deref().unwrap_or_default();
        assert!(svg.contains(&format!("id=\"{id}\"")), "{id} lost");
    }
}

#[test]
fn the_labels_repeat_down_a_long_diagram() {
    let d = Diagram {
        lifelines: lanes(2),
        rows: (0..100)
            .map(|i| note_at(i % 2, i as f64, "e", None))
            .collect(),
    };
    let svg = render(&d, &Layout::default());
    assert_eq!(count(&svg, "class=\"header-repeat\""), 2);
    assert_eq!(count(&svg, "<g class=\"lifeline "), 2);
}
