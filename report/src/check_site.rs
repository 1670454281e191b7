//! The site of `swspec check --report DIR`: `index.html`, every property of the run with its
//! verdict, kind, spec sections (links to the spec's anchors) and statement, each discovery a
//! link to its path page; one page per example, counterexample and liveness lasso, with the
//! path as a sequence diagram ([`crate::model_diagram`], the loop drawn as a loop) beside its
//! numbered steps, each with its spec links; the diagram also as a standalone `.svg` and the
//! actions as JSON (what `swspec explore --path` reads), the replay command and the explore
//! command. Every asset is written into DIR and every link is relative, so it opens from
//! `file://`.
//!
//! The site is published whole ([`publish`]): written into a fresh folder beside DIR, which
//! then replaces DIR by renames, so a failure never leaves half a site.

use crate::html::{escape, slug, spec_links};
use crate::model_diagram;
use crate::site::STYLE;
use crate::svg::{self, Layout};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use swspec_model::Action;

/// The file that marks a folder as a check report (so that publishing may replace it).
pub const MARKER: &str = ".swspec-check-report";

/// A discovery's path: the actions from the initial state; for a lasso, where its loop starts.
#[derive(Clone, Debug, Default)]
pub struct ModelPath {
    /// The actions from the initial state (a lasso's prefix, then its loop).
    pub actions: Vec<Action>,
    /// A lasso: the index of the loop's first action.
    pub loop_start: Option<usize>,
    /// A lasso ending where nothing more can happen.
    pub deadlock: bool,
    /// That end is the checked boundary, not a real deadlock.
    pub at_boundary: bool,
}

/// One property of the run.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    /// Its name.
    pub name: String,
    /// `always`, `sometimes` or `liveness`.
    pub kind: String,
    /// Its verdict as the text report prints it (`holds`, `VIOLATED`, `violated*`, `found`…).
    pub verdict: String,
    /// The verdict's CSS class: `good`, `bad`, `expected` or `unknown`.
    pub class: &'static str,
    /// Its spec sections.
    pub spec: String,
    /// What it says.
    pub summary: String,
    /// Liveness: the weak-fairness assumptions.
    pub fairness: Vec<String>,
    /// A violation explained by a spec finding.
    pub expected_by: Option<String>,
    /// Its example, counterexample or lasso.
    pub path: Option<ModelPath>,
}

/// One run of the checker.
#[derive(Clone, Debug, Default)]
pub struct CheckRun {
    /// What was checked, one line each (the text report's header).
    pub header: Vec<String>,
    /// The run's figures, one line each.
    pub figures: Vec<String>,
    /// The command that replays the run.
    pub replay: String,
    /// `swspec explore` with the run's model flags (a path page adds `--path FILE`).
    pub explore: String,
    /// The site's folder as the user named it (the explore command's `--path` is in it).
    pub dir: String,
    /// Every property.
    pub properties: Vec<Entry>,
}

impl Entry {
    /// The page of its path, relative to the site's root.
    pub fn page(&self) -> Option<String> {
        self.path
            .as_ref()
            .map(|_| format!("paths/{}.html", slug(&self.name)))
    }

    /// `counterexample to`, `example of` or `lasso for`.
    fn what(&self) -> &'static str {
        match (self.kind.as_str(), self.class) {
            ("liveness", _) => "lasso for",
            (_, "good") if self.kind == "sometimes" => "example of",
            _ => "counterexample to",
        }
    }
}

/// The site's files: (path relative to the site's root, contents).
pub fn files(run: &CheckRun) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![
        ("style.css".to_string(), STYLE.as_bytes().to_vec()),
        (
            MARKER.to_string(),
            b"written by swspec check --report\n".to_vec(),
        ),
        ("index.html".to_string(), index(run).into_bytes()),
    ];
    for e in &run.properties {
        let Some(p) = &e.path else { continue };
        let stem = format!("paths/{}", slug(&e.name));
        let svg = diagram_svg(p);
        let actions = serde_json::to_string_pretty(&p.actions).unwrap_or_else(|_| "[]".into());
        out.push((format!("{stem}.svg"), svg.clone().into_bytes()));
        out.push((format!("{stem}.json"), (actions + "\n").into_bytes()));
        out.push((
            format!("{stem}.html"),
            path_page(run, e, p, &svg).into_bytes(),
        ));
    }
    out
}

/// The path as a sequence diagram.
pub fn diagram_svg(p: &ModelPath) -> String {
    svg::render(
        &model_diagram::diagram(&p.actions, p.loop_start),
        &Layout::default(),
    )
}

fn head(title: &str, root: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{}</title>\
         <link rel=\"stylesheet\" href=\"{root}style.css\"></head>\n",
        escape(title)
    )
}

fn badge(e: &Entry) -> String {
    format!(
        "<span class=\"v {}\">{}</span>",
        e.class,
        escape(&e.verdict)
    )
}

/// The summary page.
fn index(run: &CheckRun) -> String {
    let mut s = head("swspec check report", "");
    s.push_str("<body class=\"index check\">\n<header><h1>swspec check report</h1>\n");
    for l in &run.header {
        let _ = write!(s, "<p class=\"meta\">{}</p>", escape(l));
    }
    for l in &run.figures {
        let _ = write!(s, "<p class=\"meta\">{}</p>", escape(l));
    }
    let _ = write!(
        s,
        "<p>Replay: <code class=\"replay\">{}</code></p></header>\n<main>\n\
         <h2>Properties</h2>\n<table class=\"matrix properties\"><thead><tr><th>verdict</th>\
         <th>kind</th><th>property</th><th>spec</th><th>statement</th></tr></thead><tbody>\n",
        escape(&run.replay)
    );
    for e in &run.properties {
        let name = match e.page() {
            Some(p) => format!(
                "<a href=\"{}\" title=\"{} (its path as a sequence diagram)\">{}</a>",
                escape(&p),
                e.what(),
                escape(&e.name)
            ),
            None => escape(&e.name),
        };
        let note = e
            .expected_by
            .as_ref()
            .map(|n| {
                format!(
                    "<br><span class=\"small\">expected under the spec as written: {}</span>",
                    spec_links(n)
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "<tr id=\"{}\"><td>{}</td><td>{}</td><th>{name}</th><td class=\"small\">{}</td><td>{}{note}</td></tr>",
            escape(&slug(&e.name)),
            badge(e),
            escape(&e.kind),
            spec_links(&e.spec),
            escape(&e.summary)
        );
    }
    s.push_str(
        "</tbody></table>\n<p class=\"small\">*: a violation explained by a spec finding \
         (SPEC_NOTES.md) under the spec as written.</p>\n</main>\n",
    );
    let _ = write!(
        s,
        "<footer><p>Written by <code>swspec check --report</code> (swspec {}).</p></footer>\n</body></html>\n",
        env!("CARGO_PKG_VERSION")
    );
    s
}

/// One discovery's page: the diagram beside the numbered steps.
fn path_page(run: &CheckRun, e: &Entry, p: &ModelPath, svg_text: &str) -> String {
    let stem = slug(&e.name);
    let title = format!("{} {}", e.what(), e.name);
    let mut s = head(&title, "../");
    let _ = write!(
        s,
        "<body class=\"trace check-path\">\n<nav><a href=\"../index.html#{}\">← every property</a></nav>\n\
         <header><h1>{} <code>{}</code> {}</h1><p>{}</p><p class=\"meta\">{} · spec: {}</p>",
        escape(&stem),
        e.what(),
        escape(&e.name),
        badge(e),
        escape(&e.summary),
        escape(&e.kind),
        spec_links(&e.spec)
    );
    if !e.fairness.is_empty() {
        let _ = write!(
            s,
            "<p class=\"meta\">under weak fairness of: {}</p>",
            escape(&e.fairness.join(", "))
        );
    }
    if let Some(n) = &e.expected_by {
        let _ = write!(
            s,
            "<p class=\"note\">Expected under the spec as written: {}</p>",
            spec_links(n)
        );
    }
    let _ = writeln!(
        s,
        "<p>Replay the run: <code class=\"replay\">{}</code> Explore this path: \
         <code class=\"replay\">{} --path {}/paths/{stem}.json</code></p>\
         <p class=\"files\"><a href=\"{stem}.svg\">the diagram (SVG)</a> · \
         <a href=\"{stem}.json\">the actions (JSON)</a></p></header>",
        escape(&run.replay),
        escape(&run.explore),
        escape(&run.dir),
    );
    s.push_str("<main class=\"split\">\n<section class=\"diagram\">\n");
    s.push_str(svg_text);
    s.push_str("</section>\n<aside class=\"panel\">\n<h2>Steps</h2>\n");
    if p.actions.is_empty() {
        s.push_str("<p>The initial state.</p>");
    }
    s.push_str("<ol class=\"path\">");
    for (i, a) in p.actions.iter().enumerate() {
        if Some(i) == p.loop_start {
            s.push_str(
                "<li class=\"loop\" id=\"loop-start\">⟲ from here, forever (the loop):</li>",
            );
        }
        let _ = write!(
            s,
            "<li class=\"step\" id=\"step-{}\"><span class=\"desc\">{}</span> \
             <span class=\"specs\">[{}]</span></li>",
            i + 1,
            escape(&a.to_string()),
            spec_links(a.spec())
        );
    }
    s.push_str("</ol>");
    if let Some(k) = p.loop_start {
        let _ = write!(
            s,
            "<p class=\"loop\"><a href=\"#loop-start\">↺ back to step {}</a></p>",
            k + 1
        );
    }
    if p.deadlock {
        s.push_str(if p.at_boundary {
            "<p>Then nothing more can happen: the checked boundary (a capacity of the \
             configuration), not a real deadlock.</p>"
        } else {
            "<p>Then nothing more can happen (a deadlock).</p>"
        });
    }
    s.push_str("</aside>\n</main>\n</body></html>\n");
    s
}

/// Writes `files` as the folder `out`, whole: into a fresh folder beside it, which then takes
/// `out`'s place (a previous check report there is replaced; any other existing folder is
/// refused, so that nothing else is ever deleted).
pub fn publish(out: &Path, files: &[(String, Vec<u8>)]) -> Result<PathBuf, String> {
    let name = out
        .file_name()
        .ok_or_else(|| format!("{}: not a folder name", out.display()))?
        .to_string_lossy()
        .into_owned();
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if out.exists() {
        let empty = std::fs::read_dir(out)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !out.is_dir() || !(empty || out.join(MARKER).exists()) {
            return Err(format!(
                "{}: exists and is not a swspec check report (choose a new folder)",
                out.display()
            ));
        }
    }
    std::fs::create_dir_all(&parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.tmp-{pid}"));
    let old = parent.join(format!(".{name}.old-{pid}"));
    let _ = std::fs::remove_dir_all(&tmp);
    let written = write_all(&tmp, files);
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if out.exists() {
        std::fs::rename(out, &old).map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp);
            format!("{}: {e}", out.display())
        })?;
    }
    if let Err(e) = std::fs::rename(&tmp, out) {
        // Put the previous report back.
        let _ = std::fs::rename(&old, out);
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(format!("{}: {e}", out.display()));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(out.join("index.html"))
}

fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), String> {
    for (rel, bytes) in files {
        let path = dir.join(rel);
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
