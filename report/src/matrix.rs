//! The conformance matrix: scenario × engine folder, each cell a captured trace checked against
//! the spec profile and against the engine's own profile (and against the other engines'
//! profiles, to say where engines differ), or the record of why the engine cannot run the
//! scenario. `swspec matrix` prints it as Markdown ([`Matrix::markdown`]); `swspec report`
//! draws it as the report's index page from the same data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use swspec_conformance::capture::Unsupported;
use swspec_conformance::check::{self, Options, Outcome, Verdict};
use swspec_conformance::expected::{Expectation, Expectations, Pin};
use swspec_conformance::trace::Trace;
use swspec_model::Profile;

/// A trace with its verdicts.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The trace (its path, header and events).
    pub trace: Trace,
    /// Checked against the spec profile.
    pub spec: Outcome,
    /// Checked against the header's profile.
    pub engine: Outcome,
    /// The other engines' profiles the trace diverges from.
    pub unlike: Vec<Profile>,
    /// Its entry in the folder's `expected.toml`, if any.
    pub expectation: Option<Expectation>,
}

/// One cell.
#[derive(Clone, Debug)]
pub enum Cell {
    /// A captured trace.
    Checked(Box<Checked>),
    /// The engine lacks what the scenario needs.
    Unsupported(Unsupported),
}

/// One engine folder (`chromium-148`): one version of one engine.
#[derive(Clone, Debug)]
pub struct Column {
    /// The folder's name.
    pub name: String,
    /// The engine its traces name (`chromium`, `firefox`, `webkit`).
    pub engine: String,
    /// The version its name gives (after the last `-`: `148`, `2.50`).
    pub version: String,
    /// The folder.
    pub folder: PathBuf,
    /// Scenario → cell.
    pub cells: BTreeMap<String, Cell>,
}

/// The matrix, and the traces that are not an engine's (synthetic ones).
#[derive(Clone, Debug, Default)]
pub struct Matrix {
    /// Engine folders, grouped by engine and in version order within it (`chromium-99` before
    /// `chromium-148`).
    pub columns: Vec<Column>,
    /// Synthetic traces (when asked for), in path order.
    pub synthetic: Vec<Checked>,
    /// Unusable input, each naming its file (and line where known).
    pub errors: Vec<String>,
}

/// One folder to read: all of its traces and records, or only some files of it.
#[derive(Clone, Debug)]
pub struct Source {
    /// The folder.
    pub folder: PathBuf,
    /// Only these files (`None`: every file in it).
    pub only: Option<Vec<PathBuf>>,
}

/// The verdict of `trace` against `profile`.
pub fn check_against(trace: &Trace, profile: Profile) -> Result<Outcome, String> {
    let opts = Options {
        profile: Some(profile),
        ..Options::default()
    };
    check::check(trace, &opts).map_err(|(line, e)| match line {
        Some(l) => format!("{}:{l}: {e}", trace.path.display()),
        None => format!("{}: {e}", trace.path.display()),
    })
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned())
}

/// A folder's folders and regular files, sorted. A symlink is kept only when it leads to a
/// regular file: a link to a folder could loop (`up -> ..`), and a FIFO or a device named
/// `*.jsonl` would block the read (the rules of `swspec_conformance::walk`).
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| {
            let e = e.ok()?;
            let ft = e.file_type().ok()?;
            let path = e.path();
            let keep = ft.is_dir()
                || ft.is_file()
                || (ft.is_symlink() && std::fs::metadata(&path).is_ok_and(|m| m.is_file()));
            keep.then_some(path)
        })
        .collect();
    v.sort();
    Ok(v)
}

/// The folders under each path that hold traces or unsupported records (a path that is a
/// file: its folder, that file only), in path order.
pub fn sources(paths: &[PathBuf]) -> Result<Vec<Source>, String> {
    fn walk(dir: &Path, out: &mut Vec<Source>) -> Result<(), String> {
        let entries = sorted_entries(dir)?;
        let holds = entries.iter().any(|p| {
            let n = name_of(p);
            p.is_file() && (n.ends_with(".jsonl") || n.ends_with(".unsupported.json"))
        });
        if holds {
            out.push(Source {
                folder: dir.to_path_buf(),
                only: None,
            });
        }
        for p in entries.iter().filter(|p| p.is_dir()) {
            walk(p, out)?;
        }
        Ok(())
    }
    let mut out: Vec<Source> = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.is_dir() {
            walk(p, &mut out)?;
            continue;
        }
        let folder = p.parent().unwrap_or(Path::new(".")).to_path_buf();
        match out.iter_mut().find(|s| s.folder == folder) {
            Some(Source { only: Some(v), .. }) => v.push(p.clone()),
            Some(_) => {}
            None => out.push(Source {
                folder,
                only: Some(vec![p.clone()]),
            }),
        }
    }
    Ok(out)
}

impl Matrix {
    /// The matrix of the folders directly under `root` (what `swspec matrix` shows); synthetic
    /// traces are left out unchecked.
    pub fn from_root(root: &Path) -> Result<Matrix, String> {
        let sources = sorted_entries(root)?
            .into_iter()
            .filter(|p| p.is_dir())
            .map(|folder| Source { folder, only: None })
            .collect::<Vec<_>>();
        Ok(Matrix::collect(&sources, false))
    }

    /// The matrix of `sources`. With `for_report`, synthetic traces are checked too (kept
    /// apart) and each trace's `expected.toml` entry is read. Unusable input is recorded in
    /// [`Matrix::errors`] and the rest is still read.
    pub fn collect(sources: &[Source], for_report: bool) -> Matrix {
        let mut m = Matrix::default();
        let mut expectations = Expectations::default();
        for src in sources {
            let files = match &src.only {
                Some(v) => v.clone(),
                None => match sorted_entries(&src.folder) {
                    Ok(v) => v,
                    Err(e) => {
                        m.errors.push(e);
                        continue;
                    }
                },
            };
            let mut cells = BTreeMap::new();
            let mut engine_folder = false;
            let mut engine = String::new();
            for f in files {
                let name = name_of(&f);
                if let Some(scenario) = name.strip_suffix(".unsupported.json") {
                    match read_unsupported(&f) {
                        Ok(u) => {
                            if engine.is_empty() {
                                engine = u.engine.clone();
                            }
                            cells.insert(scenario.to_string(), Cell::Unsupported(u));
                            engine_folder = true;
                        }
                        Err(e) => m.errors.push(e),
                    }
                } else if name.ends_with(".jsonl") && !name.ends_with(".partial.jsonl") {
                    let trace = match std::fs::read(&f)
                        .map_err(|e| format!("{}: {e}", f.display()))
                        .and_then(|b| Trace::parse(&f, &b).map_err(|e| e.to_string()))
                    {
                        Ok(t) => t,
                        Err(e) => {
                            m.errors.push(e);
                            continue;
                        }
                    };
                    let is_synthetic = trace.header.engine == "synthetic";
                    if is_synthetic && !for_report {
                        continue;
                    }
                    let expectation = match for_report.then(|| expectations.for_trace(&f)) {
                        Some(Ok(x)) => x.cloned(),
                        Some(Err(e)) => {
                            m.errors.push(e);
                            None
                        }
                        None => None,
                    };
                    match checked(trace, expectation) {
                        Ok(c) if is_synthetic => m.synthetic.push(c),
                        Ok(c) => {
                            engine_folder = true;
                            if engine.is_empty() {
                                engine = c.trace.header.engine.clone();
                            }
                            cells.insert(
                                c.trace.header.scenario.clone(),
                                Cell::Checked(Box::new(c)),
                            );
                        }
                        Err(e) => m.errors.push(e),
                    }
                }
            }
            if engine_folder {
                let name = name_of(&src.folder);
                m.columns.push(Column {
                    version: name.rsplit('-').next().unwrap_or_default().to_string(),
                    name,
                    engine,
                    folder: src.folder.clone(),
                    cells,
                });
            }
        }
        m.columns.sort_by(|a, b| {
            (a.engine.as_str(), version_key(&a.version), a.name.as_str()).cmp(&(
                b.engine.as_str(),
                version_key(&b.version),
                b.name.as_str(),
            ))
        });
        m
    }

    /// The column of the same engine's previous version, if the matrix has one.
    pub fn previous_version(&self, i: usize) -> Option<usize> {
        let engine = &self.columns.get(i)?.engine;
        (0..i).rev().find(|&j| self.columns[j].engine == *engine)
    }

    /// Whether column `i`'s cell for `scenario` has other verdicts than the same engine's
    /// previous version's (both captured or recorded unsupported); the mark names that
    /// version (`≠148`).
    pub fn version_change(&self, i: usize, scenario: &str) -> Option<String> {
        let p = self.previous_version(i)?;
        let (now, before) = (
            self.columns[i].cells.get(scenario)?,
            self.columns[p].cells.get(scenario)?,
        );
        (now.verdicts() != before.verdicts()).then(|| format!("≠{}", self.columns[p].version))
    }

    /// Every scenario of any column, sorted.
    pub fn scenarios(&self) -> Vec<&str> {
        let mut s: Vec<&str> = self
            .columns
            .iter()
            .flat_map(|c| c.cells.keys().map(String::as_str))
            .collect();
        s.sort();
        s.dedup();
        s
    }

    /// The matrix as the README's Markdown table (with its legend).
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        md.push_str(
            "Each cell: the verdict against the spec profile · against the engine's own profile ",
        );
        md.push_str("(`l44`: the line of the first divergence, explained in `expected.toml` and SPEC_NOTES.md); ");
        md.push_str(
            "`unsupported`: the engine lacks an API or an automation command the scenario needs; ",
        );
        md.push_str(
            "`(≠ webkit)`: the trace diverges from another engine's profile, so the engines ",
        );
        md.push_str("differ there; ");
        md.push_str(
            "`≠148`: the verdicts differ from those of the same engine's previous version ",
        );
        md.push_str("(148 here), so the engine changed there; ");
        md.push_str(
            "`–`: not captured. Columns are engine versions, grouped by engine.\n\n| scenario |",
        );
        for c in &self.columns {
            md.push_str(&format!(" {} |", c.name));
        }
        md.push_str("\n|---|");
        md.push_str(&"---|".repeat(self.columns.len()));
        md.push('\n');
        for s in self.scenarios() {
            md.push_str(&format!("| {s} |"));
            for (i, c) in self.columns.iter().enumerate() {
                let mut cell = c.cells.get(s).map_or("–".to_string(), Cell::text);
                if let Some(mark) = self.version_change(i, s) {
                    cell.push_str(&format!(" {mark}"));
                }
                md.push_str(&format!(" {cell} |"));
            }
            md.push('\n');
        }
        md
    }
}

/// A version for ordering: its dot-separated numbers (`2.50` → [2, 50]); a part that is no
/// number sorts after every number.
fn version_key(v: &str) -> Vec<(u64, String)> {
    v.split('.')
        .map(|p| match p.parse::<u64>() {
            Ok(n) => (n, String::new()),
            Err(_) => (u64::MAX, p.to_string()),
        })
        .collect()
}

fn read_unsupported(f: &Path) -> Result<Unsupported, String> {
    let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", f.display()))
}

/// Checks a trace against the spec, its own and the other engines' profiles.
fn checked(trace: Trace, expectation: Option<Expectation>) -> Result<Checked, String> {
    let spec = check_against(&trace, Profile::Spec)?;
    let own = trace.header.profile;
    let engine = check_against(&trace, own)?;
    let mut unlike = Vec::new();
    for p in Profile::ALL
        .into_iter()
        .filter(|p| ![Profile::Spec, own].contains(p))
    {
        if check_against(&trace, p)?.verdict == Verdict::Diverges {
            unlike.push(p);
        }
    }
    Ok(Checked {
        trace,
        spec,
        engine,
        unlike,
        expectation,
    })
}

/// `diverges (l44)`, `conforms`, `inconclusive`.
pub fn verdict_text(o: &Outcome) -> String {
    match (&o.verdict, o.divergence.as_ref().and_then(|d| d.line)) {
        (Verdict::Diverges, Some(l)) => format!("diverges (l{l})"),
        (v, _) => v.name().to_string(),
    }
}

/// The short form of an unsupported record's missing pieces (`no SyncManager`, `` no `push` ``).
pub fn missing_text(u: &Unsupported) -> String {
    let short: Vec<String> = u
        .missing
        .iter()
        .map(|m| {
            m.strip_suffix(" is not exposed")
                .map(|api| format!("no {api}"))
                .or_else(|| m.split('`').nth(1).map(|step| format!("no `{step}`")))
                .unwrap_or_else(|| m.clone())
        })
        .collect();
    short.join(", ")
}

impl Cell {
    /// The verdicts (spec, engine) of a captured trace; `None` for an unsupported record.
    pub fn verdicts(&self) -> Option<(Verdict, Verdict)> {
        match self {
            Cell::Checked(c) => Some((c.spec.verdict.clone(), c.engine.verdict.clone())),
            Cell::Unsupported(_) => None,
        }
    }

    /// The cell as the Markdown table writes it.
    pub fn text(&self) -> String {
        match self {
            Cell::Checked(c) => {
                let mut cell = format!("{} · {}", verdict_text(&c.spec), verdict_text(&c.engine));
                if !c.unlike.is_empty() {
                    let names: Vec<&str> = c.unlike.iter().map(|p| p.name()).collect();
                    cell.push_str(&format!(" (≠ {})", names.join(", ")));
                }
                cell
            }
            Cell::Unsupported(u) => format!("unsupported: {}", missing_text(u)),
        }
    }
}

impl Checked {
    /// Whether each verdict is the one `expected.toml` states (spec, engine); `None` without an
    /// entry.
    pub fn as_expected(&self) -> Option<(bool, bool)> {
        let x = self.expectation.as_ref()?;
        let ok = |o: &Outcome, want: &str, pin: &Option<Pin>| {
            o.verdict.name() == want
                && pin
                    .as_ref()
                    .is_none_or(|p| p.holds(&self.trace, o.divergence.as_ref()))
        };
        Some((
            ok(&self.spec, &x.spec, &x.spec_at),
            ok(&self.engine, &x.engine, &x.engine_at),
        ))
    }
}
