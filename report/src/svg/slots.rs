//! Where each row goes: folding runs, time breaks, repeated labels.

use super::{Diagram, Item, Layout, Row};

/// What is drawn at one vertical position.
#[derive(Debug, PartialEq)]
pub(super) enum Slot<'a> {
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
pub(super) fn slots<'a>(d: &'a Diagram, l: &Layout) -> Vec<Slot<'a>> {
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
