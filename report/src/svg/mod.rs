//! Sequence diagrams as standalone SVG: one lifeline per participant across the top, one row
//! per event running down in time order, the time of each row in the left gutter.
//!
//! Pure functions of a [`Diagram`]: no trace or model types here. Long runs of one kind of
//! event on one lifeline (a worker's heartbeats) fold into a bar with a count, time gaps longer
//! than [`Layout::gap_ms`] are drawn as a break, and the lifeline labels repeat every
//! [`Layout::header_every`] rows, so a 1,000-event trace stays readable. Each row keeps its
//! `id` as a fragment target (folded rows too, at the fold), and its full text as a tooltip.

mod slots;

use crate::html::{escape, truncate};
use slots::{slots, Slot};
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
mod tests;
