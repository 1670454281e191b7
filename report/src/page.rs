//! One page per trace: its sequence diagram, and beside it, for each profile it was checked
//! against, the verdict, the first divergence (reason, what the model would accept, the
//! surviving candidates, the replay command) and the matched model path step by step with each
//! step's spec sections as links; above them the expected verdicts and the SPEC_NOTES.md
//! section that explains them.

use crate::html::{escape, spec_links};
use crate::matrix::{verdict_text, Checked};
use crate::notes::{self, Notes};
use crate::pathtext::{parse_line, PathLine};
use crate::sequence::{self, Marks};
use crate::svg::{self, Layout};
use std::fmt::Write;
use swspec_conformance::check::{Outcome, Verdict};
use swspec_model::Profile;

/// What a page links to around it.
#[derive(Clone, Debug)]
pub struct Context<'a> {
    /// From the page to the site's root (`../`).
    pub root: String,
    /// The trace file's name in the site (copied beside the page).
    pub trace_file: String,
    /// The diagram's file name (beside the page).
    pub svg_file: String,
    /// SPEC_NOTES.md, when found.
    pub notes: Option<&'a Notes>,
}

/// The profiles a trace was checked against, with their outcomes: its own first, then spec
/// (just spec when its own is spec).
pub fn outcomes(c: &Checked) -> Vec<(Profile, &Outcome)> {
    let own = c.trace.header.profile;
    if own == Profile::Spec {
        vec![(Profile::Spec, &c.spec)]
    } else {
        vec![(Profile::Spec, &c.spec), (own, &c.engine)]
    }
}

/// The lines the outcome's path matched.
fn matched(o: &Outcome) -> Vec<usize> {
    o.path
        .lines()
        .filter_map(|l| match parse_line(&l) {
            PathLine::Matched { line, .. } => Some(line),
            _ => None,
        })
        .collect()
}

/// The diagram's marks: the spec path's matched lines, every profile's first divergence.
pub fn marks(c: &Checked) -> Marks {
    Marks {
        matched: matched(&c.spec).into_iter().collect(),
        link_prefix: "#spec-m".into(),
        divergences: outcomes(c)
            .into_iter()
            .filter_map(|(p, o)| {
                let d = o.divergence.as_ref()?;
                Some((p.name().to_string(), d.line, d.reason.clone()))
            })
            .collect(),
    }
}

/// The trace's diagram as SVG.
pub fn svg(c: &Checked) -> String {
    svg::render(&sequence::diagram(&c.trace, &marks(c)), &Layout::default())
}

/// A verdict badge.
pub fn badge(o: &Outcome, expected: Option<bool>, profile: Profile) -> String {
    let class = o.verdict.name();
    let mark = match expected {
        Some(true) => "<span class=\"ok\" title=\"as expected.toml says\">✓</span>",
        Some(false) => {
            "<span class=\"unexpected\" title=\"not what expected.toml says\">✗ unexpected</span>"
        }
        None => "",
    };
    format!(
        "<span class=\"v {class}\" title=\"against the {} profile\">{}</span>{mark}",
        profile.name(),
        escape(&verdict_text(o))
    )
}

/// The whole page.
pub fn page(c: &Checked, ctx: &Context, svg_text: &str) -> String {
    let h = &c.trace.header;
    let mut s = String::new();
    let title = format!("{} · {} {}", h.scenario, h.engine, h.engine_version);
    let _ = write!(
        s,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"{}style.css\"></head>\n<body class=\"trace\">\n\
         <nav><a href=\"{}index.html\">← conformance matrix</a></nav>\n",
        escape(&title),
        ctx.root,
        ctx.root
    );
    let _ = write!(
        s,
        "<header><h1>{}</h1><p class=\"meta\">{} {} · header profile <b>{}</b> · {} lines, {} \
         observed events · captured {} · <code>{}</code></p>\n<p class=\"verdicts\">",
        escape(&h.scenario),
        escape(&h.engine),
        escape(&h.engine_version),
        h.profile.name(),
        c.trace.events.len(),
        c.spec.events,
        escape(&h.captured_at),
        escape(&c.trace.path.display().to_string()),
    );
    let expected = c.as_expected();
    for (i, (p, o)) in outcomes(c).into_iter().enumerate() {
        let ok = expected.map(|(a, b)| if p == Profile::Spec { a } else { b });
        let _ = write!(
            s,
            "{}<a href=\"#{}\">{}</a>: {}",
            if i > 0 { " · " } else { "" },
            p.name(),
            p.name(),
            badge(o, ok, p)
        );
    }
    let _ = writeln!(
        s,
        "</p><p class=\"files\"><a href=\"{}\">the trace (JSON Lines)</a> · <a href=\"{}\">the diagram \
         (SVG)</a></p></header>",
        escape(&ctx.trace_file),
        escape(&ctx.svg_file)
    );
    s.push_str("<main class=\"split\">\n<section class=\"diagram\">\n");
    s.push_str(svg_text);
    s.push_str("</section>\n<aside class=\"panel\">\n");
    expected_section(&mut s, c, ctx);
    for (p, o) in outcomes(c) {
        profile_section(&mut s, c, p, o);
    }
    s.push_str("</aside>\n</main>\n</body></html>\n");
    s
}

/// The expected verdicts, the note and its SPEC_NOTES.md section.
fn expected_section(s: &mut String, c: &Checked, ctx: &Context) {
    let Some(x) = &c.expectation else {
        s.push_str(
            "<section class=\"expected\"><h2>Expected</h2><p>No entry in the folder's \
                    <code>expected.toml</code>.</p></section>\n",
        );
        return;
    };
    let line = |p: &Option<swspec_conformance::expected::Pin>| {
        p.as_ref().map(|p| format!(" at {p}")).unwrap_or_default()
    };
    let _ = write!(
        s,
        "<section class=\"expected\"><h2>Expected</h2><p><code>expected.toml</code>: spec \
         <b>{}</b>{}, {} <b>{}</b>{}.</p>",
        escape(&x.spec),
        line(&x.spec_at),
        c.trace.header.profile.name(),
        escape(&x.engine),
        line(&x.engine_at)
    );
    if let Some(note) = &x.note {
        let _ = write!(s, "<p class=\"note\">Note: {}</p>", spec_links(note));
        if let Some((slug, _)) = notes::note_target(note) {
            match ctx.notes.and_then(|n| n.section(slug)) {
                Some(sec) => {
                    let _ = write!(
                        s,
                        "<blockquote class=\"notes\"><h3><a href=\"{}spec-notes.html#{}\">SPEC_NOTES.md: \
                         {}</a></h3>{}</blockquote>",
                        ctx.root,
                        escape(&sec.slug),
                        escape(&sec.title),
                        notes::to_html(&sec.body)
                    );
                }
                None => {
                    let _ = write!(
                        s,
                        "<p class=\"missing\">SPEC_NOTES.md has no section <code>#{}</code>.</p>",
                        escape(slug)
                    );
                }
            }
        }
    }
    s.push_str("</section>\n");
}

/// The replay command for a profile.
pub fn replay(c: &Checked, p: Profile) -> String {
    format!(
        "swspec conform {} --profile {} --explain",
        c.trace.path.display(),
        p.name()
    )
}

/// One profile's verdict, divergence and path.
fn profile_section(s: &mut String, c: &Checked, p: Profile, o: &Outcome) {
    let name = p.name();
    let _ = write!(
        s,
        "<section class=\"profile\" id=\"{name}\"><h2>Against the {name} profile: {}</h2>",
        escape(&verdict_text(o))
    );
    if let Some(d) = &o.divergence {
        s.push_str("<div class=\"divergence\">");
        if o.verdict == Verdict::Inconclusive {
            s.push_str("<p><b>The search budget ran out</b> (raise <code>--max-nodes</code>): this is a limit, not a verdict.</p>");
        }
        match d.line {
            Some(l) => {
                let _ = write!(
                    s,
                    "<p><b>First divergence:</b> <a href=\"#l{l}\">line {l}</a> <code>{}</code></p>",
                    escape(d.event.as_deref().unwrap_or(""))
                );
            }
            None => s.push_str("<p><b>First divergence:</b> at the end of the trace</p>"),
        }
        let _ = write!(s, "<p class=\"reason\">{}</p>", escape(&d.reason));
        if let Some(l) = d.last_matched_line {
            let _ = write!(s, "<p>Last matched: <a href=\"#l{l}\">line {l}</a>.</p>");
        }
        let _ = write!(s, "<p>Candidate states before it: {}</p>", d.candidates);
        list(s, &d.candidate_summaries);
        if !d.expected.is_empty() {
            s.push_str("<p>The model would accept there:</p>");
            list(s, &d.expected);
        }
        let _ = write!(
            s,
            "<p>Replay: <code class=\"replay\">{}</code></p></div>",
            escape(&replay(c, p))
        );
    }
    let what = if o.divergence.is_some() {
        "path to the furthest candidate"
    } else {
        "matched path"
    };
    let _ = write!(
        s,
        "<details open><summary>{what}: {} lines, at most {} unobservable steps between two events</summary>\
         <ol class=\"path\">",
        o.path.len(),
        o.max_hidden_used
    );
    for line in o.path.lines() {
        path_line(s, name, &parse_line(&line));
    }
    s.push_str("</ol></details></section>\n");
}

fn list(s: &mut String, items: &[String]) {
    if items.is_empty() {
        return;
    }
    s.push_str("<ul class=\"mono\">");
    for i in items {
        let _ = write!(s, "<li>{}</li>", escape(i));
    }
    s.push_str("</ul>");
}

/// One line of a path.
fn path_line(s: &mut String, profile: &str, l: &PathLine) {
    match l {
        PathLine::Step {
            description,
            spec,
            observations,
        } => {
            let obs = if observations.is_empty() {
                "<span class=\"hidden\">unobservable</span>".to_string()
            } else {
                format!("⇒ <code>{}</code>", escape(observations))
            };
            let _ = write!(
                s,
                "<li class=\"step\"><span class=\"desc\">{}</span> <span class=\"specs\">[{}]</span> {obs}</li>",
                escape(description),
                spec_links(spec)
            );
        }
        PathLine::Matched { line, observation } => {
            let _ = write!(
                s,
                "<li class=\"match\" id=\"{profile}-m{line}\"><a href=\"#l{line}\">line {line}</a> \
                 <code>{}</code></li>",
                escape(observation)
            );
        }
        PathLine::Guard { observations } => {
            let _ = write!(
                s,
                "<li class=\"guard\">guard <code>{}</code> (no state change)</li>",
                escape(observations)
            );
        }
        PathLine::Other(t) => {
            let _ = write!(s, "<li>{}</li>", escape(t));
        }
    }
}
