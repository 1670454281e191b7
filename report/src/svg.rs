//! Sequence diagrams as standalone SVG: one lifeline per participant across the top, one row
//! per event running down in time order, the time of each row in the left gutter.
//!
//! Pure functions of a [`Diagram`]: no trace or model types here. Long runs of one kind of
//! event on one lifeline (a worker's heartbeats) fold into a bar with a count, time gaps longer
//! than [`Layout::gap_ms`] are drawn as a break, and the lifeline labels repeat every
//! [`Layout::header_every`] rows, so a 1,000-event trace stays readable. Each row keeps its
//! `id` as a fragment target (folded rows too, at the fold), and its full text as a tooltip.

use crate::html::{escape, truncate};
use std::fmt::Write;

/// A participant: a column with a label.
#[derive(Clone, Debug, PartialEq)]
pub struct Lifeline {
    /// The label (`page c1`).
    pub label: String,
    /// A second, smaller line (`instance k3f9`), or empty.
    pub sub: String,
    /// CSS class for its colour (`driver`, `page`, `worker`, `devtools`, `server`, …).
    pub class: String,
}

/// What a row shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// A box on one lifeline.
    Note {
        /// The lifeline.
        on: usize,
        /// The label.
        text: String,
    },
    /// An arrow from one lifeline to another (a box when they are the same).
    Arrow {
        /// Where it starts.
        from: usize,
        /// Where it points.
        to: usize,
        /// The label above it.
        text: String,
    },
    /// A note across the whole diagram (the reason for a divergence).
    Callout {
        /// The text.
        text: String,
    },
}

/// One row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Milliseconds, shown in the gutter (none for model steps).
    pub t: Option<f64>,
    /// What it shows.
    pub item: Item,
    /// Fragment id (`l40`), if any.
    pub id: Option<String>,
    /// Extra CSS classes (`divergent`, `info`), space-separated.
    pub class: String,
    /// Tooltip: the full text (the event as written).
    pub title: String,
    /// Rows with the same key, one after another on one lifeline, may fold.
    pub fold: Option<String>,
    /// A link target for the row (`#step-12`).
    pub href: Option<String>,
}

impl Row {
    /// A row with only an item.
    pub fn new(item: Item) -> Row {
        Row {
            t: None,
            item,
            id: None,
            class: String::new(),
            title: String::new(),
            fold: None,
            href: None,
        }
    }

    /// The lifelines the row draws on.
    fn lanes(&self) -> Vec<usize> {
        match &self.item {
            Item::Note { on, .. } => vec![*on],
            Item::Arrow { from, to, .. } => vec![*from, *to],
            Item::Callout { .. } => Vec::new(),
        }
    }
}

/// A diagram.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagram {
    /// The lifelines, left to right.
    pub lifelines: Vec<Lifeline>,
    /// The rows, top to bottom.
    pub rows: Vec<Row>,
}

/// Sizes and thresholds of the drawing.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Width of one lifeline's column (px); a longer label widens its box over the next lanes. Default 124.
    pub lane: f64,
    /// Height of one row (px). Default 22.
    pub row: f64,
    /// Width of the time gutter on the left (px). Default 84.
    pub gutter: f64,
    /// Runs at least this long fold into one bar. Default 4.
    pub min_fold: usize,
    /// A jump in time longer than this (ms) between two rows is drawn as a break. Default 1000.
    pub gap_ms: f64,
    /// The lifeline labels repeat after this many rows. Default 40.
    pub header_every: usize,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            lane: 124.0,
            row: 22.0,
            gutter: 84.0,
            min_fold: 4,
            gap_ms: 1000.0,
            header_every: 40,
        }
    }
}

/// Pixels per character of the 11 px monospace font.
const CHAR_PX: f64 = 6.7;
/// Height of the lifeline labels at the top.
const HEADER: f64 = 40.0;

/// What is drawn at one vertical position.
#[derive(Debug, PartialEq)]
enum Slot<'a> {
    /// A row as given.
    Row(&'a Row),
    /// The start of a folded run: its first row, the count, the time span, the folded ids.
    FoldStart {
        first: &'a Row,
        lane: usize,
        count: usize,
        until: Option<f64>,
        ids: Vec<&'a str>,
    },
    /// The end of a folded run.
    FoldEnd { lane: usize, t: Option<f64> },
    /// A break in time.
    Gap { ms: f64 },
    /// The lifeline labels again.
    Header,
}

/// The runs to fold: for each row index, `Some(run)` when it is in a folded run.
fn runs(rows: &[Row], min: usize) -> Vec<Option<usize>> {
    let mut run_of = vec![None; rows.len()];
    // Per lane: the open run's key and row indices.
    let mut open: Vec<(String, Vec<usize>)> = Vec::new();
    let lanes = rows.iter().flat_map(Row::lanes).max().map_or(0, |m| m + 1);
    open.resize(lanes, (String::new(), Vec::new()));
    let mut next_run = 0;
    let mut close = |run: &mut Vec<usize>, run_of: &mut Vec<Option<usize>>| {
        if run.len() >= min.max(2) {
            for &i in run.iter() {
                run_of[i] = Some(next_run);
            }
            next_run += 1;
        }
        run.clear();
    };
    for (i, r) in rows.iter().enumerate() {
        let foldable = match (&r.item, &r.fold) {
            (Item::Note { on, .. }, Some(k)) => Some((*on, k)),
            _ => None,
        };
        for lane in r.lanes() {
            let (key, run) = &mut open[lane];
            match foldable {
                Some((_, k)) if *k == *key && !run.is_empty() => run.push(i),
                Some((_, k)) => {
                    close(run, &mut run_of);
                    *key = k.clone();
                    run.push(i);
                }
                None => close(run, &mut run_of),
            }
        }
    }
    for (_, run) in open.iter_mut() {
        close(run, &mut run_of);
    }
    run_of
}

/// The slots, top to bottom.
fn slots<'a>(d: &'a Diagram, l: &Layout) -> Vec<Slot<'a>> {
    let run_of = runs(&d.rows, l.min_fold);
    let mut out = Vec::new();
    let mut last_t: Option<f64> = None;
    let mut since_header = 0;
    let mut open_folds = 0usize;
    for (i, r) in d.rows.iter().enumerate() {
        let run = run_of[i];
        let first = run.is_some() && (i == 0 || !run_of[..i].contains(&run));
        let last = run.is_some() && !run_of[i + 1..].contains(&run);
        if run.is_some() && !first && !last {
            continue;
        }
        // While a fold is open its bar spans the time; elsewhere a long jump is a break.
        if let (Some(a), Some(b), 0) = (last_t, r.t, open_folds) {
            if b - a > l.gap_ms {
                out.push(Slot::Gap { ms: b - a });
            }
        }
        last_t = r.t.or(last_t);
        if since_header >= l.header_every {
            out.push(Slot::Header);
            since_header = 0;
        }
        since_header += 1;
        let lane = r.lanes().first().copied().unwrap_or(0);
        if first {
            open_folds += 1;
            let members: Vec<usize> = (i..d.rows.len()).filter(|&j| run_of[j] == run).collect();
            let end = members.last().map(|&j| &d.rows[j]);
            out.push(Slot::FoldStart {
                first: r,
                lane,
                count: members.len(),
                until: end.and_then(|e| e.t),
                ids: members
                    .iter()
                    .filter_map(|&j| d.rows[j].id.as_deref())
                    .collect(),
            });
        } else if last {
            open_folds -= 1;
            out.push(Slot::FoldEnd { lane, t: r.t });
        } else {
            out.push(Slot::Row(r));
        }
    }
    out
}

/// `t` (ms) for the gutter.
pub fn format_ms(t: f64) -> String {
    if t.abs() >= 100_000.0 {
        format!("{:.2} s", t / 1000.0)
    } else {
        format!("{t:.1}")
    }
}

/// A duration (ms) for a gap or a fold.
fn format_span(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        format!("{ms:.0} ms")
    }
}

/// The style sheet embedded in every diagram, so the `.svg` file stands alone.
const STYLE: &str = "
text{font:11px ui-monospace,'DejaVu Sans Mono',monospace;fill:#222}
.gutter{fill:#666;text-anchor:end}
.lifeline>line{stroke:#aaa;stroke-dasharray:4 3}
.head rect{stroke:#777;rx:4}
.head text{text-anchor:middle}
.head .sub{fill:#555;font-size:10px}
.driver rect.h{fill:#e4ecf7}.page rect.h{fill:#e5f4e5}.worker rect.h{fill:#fbefd9}
.heartbeat rect.h{fill:#f4ecdf}.devtools rect.h{fill:#ece4f5}.server rect.h{fill:#eeeeee}
.model rect.h{fill:#e9f1f1}
.note{fill:#f3f6fb;stroke:#8a9bb5;rx:3}
.info .note{fill:#fafafa;stroke:#d0d0d0}.info text{fill:#888}
.matched .note{fill:#eaf6ea;stroke:#6a9d6a}
.divergent .note,.divergent .box{fill:#ffe0e0;stroke:#c00;stroke-width:2}
.divergent text{fill:#900;font-weight:bold}
.arrow{stroke:#456;stroke-width:1.2;marker-end:url(#arrowhead)}
.divergent .arrow{stroke:#c00;stroke-width:2}
.fold{fill:#e6dcc8;stroke:#b49a6a;rx:3}
.foldlabel{fill:#6b5527}
.gap line{stroke:#bbb;stroke-dasharray:2 4}.gap text{fill:#999;text-anchor:end}
.callout rect{fill:#fff4f4;stroke:#c00;stroke-dasharray:3 2}.callout text{fill:#900}
.loop .callout rect{fill:#eef4ff;stroke:#3367d6}.loop .callout text{fill:#1a3d8f}
a:hover .note{stroke-width:2}
";

/// Draws the diagram.
pub fn render(d: &Diagram, l: &Layout) -> String {
    let slots = slots(d, l);
    let n = d.lifelines.len().max(1);
    let width = l.gutter + l.lane * n as f64 + 10.0;
    let height = HEADER + l.row * slots.len() as f64 + 16.0;
    let mut s = String::with_capacity(256 + 300 * slots.len());
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sequence\" width=\"{width:.0}\" \
         height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\">\n<style>{STYLE}</style>\n\
         <defs><marker id=\"arrowhead\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" \
         markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0,0L10,5L0,10z\" fill=\"#456\"/></marker></defs>\n"
    );
    let x = |lane: usize| l.gutter + l.lane * (lane as f64 + 0.5);
    for (i, lf) in d.lifelines.iter().enumerate() {
        let _ = write!(
            s,
            "<g class=\"lifeline {}\" data-lifeline=\"{}\"><line x1=\"{x:.1}\" y1=\"{HEADER}\" \
             x2=\"{x:.1}\" y2=\"{height:.0}\"/>",
            escape(&lf.class),
            escape(&lf.label),
            x = x(i)
        );
        head(&mut s, lf, x(i), 2.0, l);
        s.push_str("</g>\n");
    }
    let mut folds: Vec<(usize, f64)> = Vec::new();
    for (k, slot) in slots.iter().enumerate() {
        let top = HEADER + l.row * k as f64;
        let yc = top + l.row / 2.0;
        match slot {
            Slot::Row(r) => row(&mut s, r, top, l, &x, width),
            Slot::FoldStart {
                first,
                lane,
                count,
                until,
                ids,
            } => {
                folds.push((*lane, top));
                fold_start(
                    &mut s,
                    first,
                    (*lane, *count),
                    *until,
                    ids,
                    top,
                    l,
                    &x,
                    width,
                );
            }
            Slot::FoldEnd { lane, t } => {
                if let Some(i) = folds.iter().rposition(|(f, _)| f == lane) {
                    let (_, y0) = folds.remove(i);
                    let _ = write!(
                        s,
                        "<rect class=\"fold\" x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"{:.1}\"/>",
                        x(*lane) - 5.0,
                        y0 + l.row - 3.0,
                        top - y0 - l.row + 9.0
                    );
                }
                gutter(&mut s, *t, yc, l);
                let _ = writeln!(
                    s,
                    "<text class=\"foldlabel\" x=\"{:.1}\" y=\"{:.1}\">last</text>",
                    x(*lane) + 9.0,
                    yc + 4.0
                );
            }
            Slot::Gap { ms } => {
                let _ = writeln!(
                    s,
                    "<g class=\"gap\"><line x1=\"{:.0}\" y1=\"{yc:.1}\" x2=\"{:.0}\" y2=\"{yc:.1}\"/>\
                     <text x=\"{:.0}\" y=\"{:.1}\">⋯ +{}</text></g>",
                    l.gutter,
                    width,
                    l.gutter - 8.0,
                    yc + 4.0,
                    format_span(*ms)
                );
            }
            Slot::Header => {
                s.push_str("<g class=\"header-repeat\">");
                for (i, lf) in d.lifelines.iter().enumerate() {
                    let _ = write!(s, "<g class=\"{}\">", escape(&lf.class));
                    head_small(&mut s, lf, x(i), top + 2.0, l);
                    s.push_str("</g>");
                }
                s.push_str("</g>\n");
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

/// A lifeline's label box at the top.
fn head(s: &mut String, lf: &Lifeline, x: f64, y: f64, l: &Layout) {
    let w = l.lane - 14.0;
    let chars = (w / CHAR_PX) as usize;
    let _ = write!(
        s,
        "<g class=\"head\"><rect class=\"h\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"34\"/>\
         <text x=\"{x:.1}\" y=\"{:.1}\">{}</text><text class=\"sub\" x=\"{x:.1}\" y=\"{:.1}\">{}</text></g>",
        x - w / 2.0,
        y + 14.0,
        escape(&truncate(&lf.label, chars)),
        y + 28.0,
        escape(&truncate(&lf.sub, chars + 2)),
    );
}

/// A lifeline's label repeated further down, one line high.
fn head_small(s: &mut String, lf: &Lifeline, x: f64, y: f64, l: &Layout) {
    let w = l.lane - 14.0;
    let text = if lf.sub.is_empty() {
        lf.label.clone()
    } else {
        format!("{} {}", lf.label, lf.sub)
    };
    let _ = write!(
        s,
        "<g class=\"head\"><rect class=\"h\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\"/>\
         <text x=\"{x:.1}\" y=\"{:.1}\">{}</text></g>",
        x - w / 2.0,
        l.row - 4.0,
        y + l.row / 2.0 + 2.0,
        escape(&truncate(&text, (w / CHAR_PX) as usize)),
    );
}

/// The time of a row in the gutter.
fn gutter(s: &mut String, t: Option<f64>, yc: f64, l: &Layout) {
    if let Some(t) = t {
        let _ = write!(
            s,
            "<text class=\"gutter\" x=\"{:.0}\" y=\"{:.1}\">{}</text>",
            l.gutter - 8.0,
            yc + 4.0,
            format_ms(t)
        );
    }
}

/// A box on lane `x` with `text`, at row top `top`. A row holds one item, so a label longer
/// than its lane widens the box over the lanes to its right (or left, at the edge) instead of
/// being cut; it is cut only at the diagram's width `right`.
fn note(s: &mut String, x: f64, top: f64, text: &str, l: &Layout, right: f64) {
    let min = l.lane - 12.0;
    let room = right - l.gutter - 8.0;
    let w = (text.chars().count() as f64 * CHAR_PX + 10.0).clamp(min, room.max(min));
    let x0 = (x - min / 2.0).min(right - 4.0 - w).max(l.gutter + 2.0);
    let _ = write!(
        s,
        "<rect class=\"note\" x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
        x0,
        top + 3.0,
        l.row - 6.0,
        x0 + 4.0,
        top + l.row / 2.0 + 4.0,
        escape(&truncate(text, ((w - 8.0) / CHAR_PX) as usize))
    );
}

/// Opens a row's group (id, classes, tooltip, link).
fn open_row(s: &mut String, r: &Row, extra: &str) {
    s.push_str("<g class=\"row");
    for c in [r.class.as_str(), extra] {
        if !c.is_empty() {
            s.push(' ');
            s.push_str(&escape(c));
        }
    }
    s.push('"');
    if let Some(id) = &r.id {
        let _ = write!(s, " id=\"{}\"", escape(id));
    }
    s.push('>');
    if !r.title.is_empty() {
        let _ = write!(s, "<title>{}</title>", escape(&r.title));
    }
    if let Some(h) = &r.href {
        let _ = write!(s, "<a href=\"{}\">", escape(h));
    }
}

fn close_row(s: &mut String, r: &Row) {
    if r.href.is_some() {
        s.push_str("</a>");
    }
    s.push_str("</g>\n");
}

/// One row as given.
fn row(s: &mut String, r: &Row, top: f64, l: &Layout, x: &dyn Fn(usize) -> f64, width: f64) {
    let yc = top + l.row / 2.0;
    open_row(s, r, "");
    gutter(s, r.t, yc, l);
    match &r.item {
        Item::Note { on, text } => note(s, x(*on), top, text, l, width),
        Item::Arrow { from, to, text } if from == to => note(s, x(*from), top, text, l, width),
        Item::Arrow { from, to, text } => {
            let (a, b) = (x(*from), x(*to));
            let span = (b - a).abs();
            let inset = 6.0;
            let (a2, b2) = if b > a {
                (a + inset, b - inset)
            } else {
                (a - inset, b + inset)
            };
            let _ = write!(
                s,
                "<line class=\"arrow\" x1=\"{a2:.1}\" y1=\"{:.1}\" x2=\"{b2:.1}\" y2=\"{:.1}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                yc + 5.0,
                yc + 5.0,
                (a + b) / 2.0,
                yc,
                escape(&truncate(text, ((span - 10.0) / CHAR_PX).max(4.0) as usize))
            );
        }
        Item::Callout { text } => {
            let w = width - l.gutter - 8.0;
            let _ = write!(
                s,
                "<g class=\"callout\"><rect x=\"{:.0}\" y=\"{:.1}\" width=\"{w:.0}\" height=\"{:.1}\"/>\
                 <text x=\"{:.0}\" y=\"{:.1}\">{}</text></g>",
                l.gutter,
                top + 2.0,
                l.row - 4.0,
                l.gutter + 6.0,
                yc + 4.0,
                escape(&truncate(text, ((w - 12.0) / CHAR_PX) as usize))
            );
        }
    }
    close_row(s, r);
}

/// The first row of a folded run: its label with the count and span, and an anchor for every
/// folded row's id.
#[allow(clippy::too_many_arguments)]
fn fold_start(
    s: &mut String,
    first: &Row,
    (lane, count): (usize, usize),
    until: Option<f64>,
    ids: &[&str],
    top: f64,
    l: &Layout,
    x: &dyn Fn(usize) -> f64,
    right: f64,
) {
    let yc = top + l.row / 2.0;
    let label = match &first.item {
        Item::Note { text, .. } | Item::Arrow { text, .. } | Item::Callout { text } => text,
    };
    let span = match (first.t, until) {
        (Some(a), Some(b)) => format!(", {}", format_span(b - a)),
        _ => String::new(),
    };
    let folded = Row {
        id: None,
        title: format!("{count} rows folded{span}; first: {}", first.title),
        ..first.clone()
    };
    open_row(s, &folded, "folded");
    for id in ids {
        let _ = write!(s, "<g id=\"{}\"/>", escape(id));
    }
    gutter(s, first.t, yc, l);
    note(
        s,
        x(lane),
        top,
        &format!("{label} ×{count}{span}"),
        l,
        right,
    );
    close_row(s, &folded);
}

#[cfg(test)]
mod tests {
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
}
