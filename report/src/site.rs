//! The static site: `index.html` (the conformance matrix, each cell a link to its trace's
//! page; the coverage from the model; the synthetic traces; unusable input), one page per trace with its diagram as a
//! standalone `.svg` and the trace copied beside it, `spec-notes.html` (SPEC_NOTES.md with its
//! GitHub anchors), and `style.css`. Every link is relative and every asset is written into the
//! output folder, so the site opens from `file://` with no server and no network; no script.
//! Each file is written whole (a temporary file renamed over it).

use crate::anchors::Anchors;
use crate::html::{escape, slug};
use crate::matrix::{missing_text, Cell, Checked, Matrix};
use crate::notes::{self, Notes};
use crate::page::{self, badge, Context};
use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use swspec_model::Profile;

/// The style sheet.
pub const STYLE: &str = include_str!("style.css");

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// The index page.
    pub index: PathBuf,
    /// Trace pages written.
    pub pages: usize,
    /// Files written in all.
    pub files: usize,
}

/// Writes `text` to `path` whole: a temporary file beside it, then renamed.
pub fn write_file(path: &Path, text: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension(format!(
        "{}.tmp-{}",
        path.extension().and_then(|e| e.to_str()).unwrap_or(""),
        std::process::id()
    ));
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            format!("{}: {e}", path.display())
        })
}

/// Site-relative page paths, one per trace, unique.
struct Paths {
    used: BTreeSet<String>,
}

impl Paths {
    /// `folder/stem` for the trace file (with `-2`, `-3`, … when taken).
    fn of(&mut self, c: &Checked) -> String {
        let p = &c.trace.path;
        let folder = p
            .parent()
            .and_then(|d| d.file_name())
            .map_or("traces".to_string(), |n| slug(&n.to_string_lossy()));
        let stem = p
            .file_stem()
            .map_or("trace".to_string(), |n| slug(&n.to_string_lossy()));
        let base = format!("{folder}/{stem}");
        let mut name = base.clone();
        let mut n = 1;
        while !self.used.insert(name.clone()) {
            n += 1;
            name = format!("{base}-{n}");
        }
        name
    }
}

/// Writes the whole site for `m` into `out`. `notes`: SPEC_NOTES.md, when found; `command`:
/// what produced the report (shown at the bottom of the index).
pub fn write(
    m: &Matrix,
    out: &Path,
    notes: Option<&Notes>,
    command: &str,
) -> Result<Written, String> {
    let mut w = Written {
        index: out.join("index.html"),
        ..Written::default()
    };
    let mut paths = Paths {
        used: BTreeSet::new(),
    };
    // Every trace's page: columns first, in matrix order, then the synthetic ones.
    let mut links: Vec<(String, &Checked)> = Vec::new();
    for col in &m.columns {
        for cell in col.cells.values() {
            if let Cell::Checked(c) = cell {
                links.push((paths.of(c), c));
            }
        }
    }
    for c in &m.synthetic {
        links.push((paths.of(c), c));
    }
    for (rel, c) in &links {
        let stem = rel.rsplit('/').next().unwrap_or(rel);
        let svg = page::svg(c);
        let bytes =
            std::fs::read(&c.trace.path).map_err(|e| format!("{}: {e}", c.trace.path.display()))?;
        write_file(&out.join(format!("{rel}.jsonl")), &bytes)?;
        write_file(&out.join(format!("{rel}.svg")), svg.as_bytes())?;
        let depth = rel.matches('/').count();
        let ctx = Context {
            root: "../".repeat(depth),
            trace_file: format!("{stem}.jsonl"),
            svg_file: format!("{stem}.svg"),
            notes,
        };
        write_file(
            &out.join(format!("{rel}.html")),
            page::page(c, &ctx, &svg).as_bytes(),
        )?;
        w.pages += 1;
        w.files += 3;
    }
    write_file(&out.join("style.css"), STYLE.as_bytes())?;
    w.files += 1;
    if let Some(n) = notes {
        write_file(&out.join("spec-notes.html"), spec_notes(n).as_bytes())?;
        w.files += 1;
    }
    let index = index(m, &links, notes.is_some(), command);
    write_file(&w.index, index.as_bytes())?;
    w.files += 1;
    Ok(w)
}

fn head(title: &str, root: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{}</title>\
         <link rel=\"stylesheet\" href=\"{root}style.css\"></head>\n",
        escape(title)
    )
}

/// SPEC_NOTES.md as a page.
fn spec_notes(n: &Notes) -> String {
    format!(
        "{}<body class=\"notes-page\"><nav><a href=\"index.html\">← conformance matrix</a></nav>\n<main>{}</main></body></html>\n",
        head("SPEC_NOTES.md", ""),
        notes::to_html(&n.text)
    )
}

fn link_of<'a>(links: &'a [(String, &Checked)], c: &Checked) -> Option<&'a str> {
    links
        .iter()
        .find(|(_, x)| std::ptr::eq(*x, c))
        .map(|(l, _)| l.as_str())
}

/// One matrix cell.
fn cell(c: &Checked, href: &str) -> String {
    let own = c.trace.header.profile;
    let x = c.as_expected();
    let mut s = format!(
        "<a class=\"cell\" href=\"{}.html\">{} · {}</a>",
        escape(href),
        badge(&c.spec, x.map(|x| x.0), Profile::Spec),
        badge(&c.engine, x.map(|x| x.1), own)
    );
    if !c.unlike.is_empty() {
        let names: Vec<&str> = c.unlike.iter().map(|p| p.name()).collect();
        let _ = write!(
            s,
            " <span class=\"unlike\" title=\"the trace diverges from these engines' profiles\">≠ {}</span>",
            names.join(", ")
        );
    }
    s
}

/// The index page.
fn index(m: &Matrix, links: &[(String, &Checked)], notes: bool, command: &str) -> String {
    let mut s = head("swspec conformance report", "");
    s.push_str("<body class=\"index\">\n<header><h1>swspec conformance report</h1>\n");
    s.push_str(
        "<p>Each captured browser trace checked against the model: the verdict against the \
         <b>spec</b> profile · against the engine's <b>own</b> profile (<code>l44</code>: the \
         line of the first divergence). ✓: as the folder's <code>expected.toml</code> says; \
         ✗: not. <span class=\"unlike\">≠ webkit</span>: the trace diverges from another \
         engine's profile, so the engines differ there. <i>unsupported</i>: the engine lacks an \
         API or an automation command the scenario needs; –: not captured. Each cell opens the \
         trace's sequence diagram beside the matched model path.</p>",
    );
    if notes {
        s.push_str("<p><a href=\"spec-notes.html\">SPEC_NOTES.md</a>: the model against the specs, the findings, the engine divergences.</p>");
    }
    s.push_str("</header>\n<main>\n");
    if !m.columns.is_empty() {
        s.push_str(
            "<h2>Conformance matrix</h2>\n<table class=\"matrix\"><thead><tr><th>scenario</th>",
        );
        for col in &m.columns {
            let version = col.cells.values().next().map(|c| match c {
                Cell::Checked(c) => {
                    format!(
                        "{} {}",
                        c.trace.header.engine, c.trace.header.engine_version
                    )
                }
                Cell::Unsupported(u) => format!("{} {}", u.engine, u.engine_version),
            });
            let _ = write!(
                s,
                "<th>{}<br><span class=\"version\">{}</span></th>",
                escape(&col.name),
                escape(&version.unwrap_or_default())
            );
        }
        s.push_str("</tr></thead><tbody>\n");
        for sc in m.scenarios() {
            let _ = write!(s, "<tr><th>{}</th>", escape(sc));
            for col in &m.columns {
                match col.cells.get(sc) {
                    Some(Cell::Checked(c)) => {
                        let href = link_of(links, c).unwrap_or("");
                        let _ = write!(s, "<td>{}</td>", cell(c, href));
                    }
                    Some(Cell::Unsupported(u)) => {
                        let _ = write!(
                            s,
                            "<td class=\"unsupported\" title=\"{}\">unsupported: {}</td>",
                            escape(&u.missing.join("; ")),
                            escape(&missing_text(u))
                        );
                    }
                    None => s.push_str("<td class=\"none\">–</td>"),
                }
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody></table>\n");
        s.push_str(&crate::coverage::html(&crate::coverage::coverage(m)));
    }
    if !m.synthetic.is_empty() {
        s.push_str("<h2>Synthetic traces</h2>\n<table class=\"matrix\"><thead><tr><th>trace</th><th>verdicts</th><th>note</th></tr></thead><tbody>\n");
        for c in &m.synthetic {
            let href = link_of(links, c).unwrap_or("");
            let name = c
                .trace
                .path
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned());
            let note = c
                .expectation
                .as_ref()
                .and_then(|x| x.note.clone())
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "<tr><th>{}</th><td>{}</td><td class=\"small\">{}</td></tr>",
                escape(&name),
                cell(c, href),
                escape(&note)
            );
        }
        s.push_str("</tbody></table>\n");
    }
    if !m.errors.is_empty() {
        s.push_str("<h2>Unusable input</h2><ul class=\"errors mono\">");
        for e in &m.errors {
            let _ = write!(s, "<li>{}</li>", escape(e));
        }
        s.push_str("</ul>\n");
    }
    s.push_str(
        "</main>\n<footer><p>Spec links go to the published drafts; their anchors were read from ",
    );
    let specs: Vec<String> = Anchors::builtin()
        .spec
        .iter()
        .map(|sp| {
            format!(
                "<a href=\"{}\">{}</a> ({} at {})",
                escape(&sp.url),
                escape(&sp.title),
                escape(&sp.source),
                escape(sp.commit.get(..7).unwrap_or(&sp.commit))
            )
        })
        .collect();
    s.push_str(&specs.join(", "));
    let _ = write!(
        s,
        ".</p><p>Written by <code>{}</code> (swspec {}).</p></footer>\n</body></html>\n",
        escape(command),
        env!("CARGO_PKG_VERSION")
    );
    s
}
