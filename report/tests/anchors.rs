//! Every "§Name" the model and the checker cite resolves to a spec anchor of
//! `report/spec-anchors.toml`: the spec strings in code (actions' `spec()`, properties,
//! liveness properties) name a table entry exactly, and the doc comments' prose names one at a
//! word boundary. A new name the table lacks fails here with its file and line.

use std::path::{Path, PathBuf};
use swspec_report::anchors::Anchors;

/// The repository root.
fn repo() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// The Rust sources that cite spec sections.
fn sources() -> Vec<PathBuf> {
    let root = repo();
    let mut out = Vec::new();
    for dir in ["model/src", "conformance/src", "src", "search/src"] {
        walk(&root.join(dir), &mut out);
    }
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// A line split into its string literals and its trailing `//` comment.
fn split_line(line: &str) -> (Vec<String>, Option<String>) {
    let mut strings = Vec::new();
    let mut cur: Option<String> = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (&mut cur, c) {
            (Some(s), '\\') => {
                if let Some((_, n)) = chars.next() {
                    s.push(n);
                }
            }
            (Some(_), '"') => strings.push(cur.take().unwrap_or_default()),
            (Some(s), c) => s.push(c),
            (None, '"') => cur = Some(String::new()),
            // A char literal such as '"' is not a string.
            (None, '\'') if line[i..].len() >= 3 && line[i + 2..].starts_with('\'') => {
                chars.next();
                chars.next();
            }
            (None, '/') if line[i..].starts_with("//") => {
                return (strings, Some(line[i..].trim_start_matches('/').to_string()));
            }
            _ => {}
        }
    }
    (strings, None)
}

#[test]
fn every_cited_section_resolves() {
    let anchors = Anchors::builtin();
    let mut failures = Vec::new();
    let mut cited = 0usize;
    for file in sources() {
        let text = std::fs::read_to_string(&file).expect("read a source file");
        let root = repo();
        let shown = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        // A run of comment lines is one piece of prose (a name may wrap onto the next line).
        let mut prose = String::new();
        let mut prose_line = 0;
        let flush = |prose: &mut String, line: usize, failures: &mut Vec<String>| {
            let cites = anchors.resolve(prose);
            for c in &cites {
                if let Err(e) = &c.target {
                    failures.push(format!("{shown}:{line} (comment): {e}"));
                }
            }
            prose.clear();
            cites.len()
        };
        for (n, line) in text.lines().enumerate() {
            let (strings, comment) = split_line(line);
            for s in strings.iter().filter(|s| s.contains('§')) {
                for c in anchors.resolve(s) {
                    cited += 1;
                    match c.target {
                        Ok(t) if t.whole => {}
                        Ok(t) => failures.push(format!(
                            "{shown}:{}: \"{s}\": resolves only to the shorter name {:?}",
                            n + 1,
                            t.name
                        )),
                        Err(e) => failures.push(format!("{shown}:{}: \"{s}\": {e}", n + 1)),
                    }
                }
            }
            match comment {
                Some(c) if strings.is_empty() && line.trim_start().starts_with("//") => {
                    if prose.is_empty() {
                        prose_line = n + 1;
                    }
                    prose.push_str(c.trim_start_matches('!').trim());
                    prose.push(' ');
                }
                other => {
                    cited += flush(&mut prose, prose_line, &mut failures);
                    if let Some(c) = other {
                        prose = c;
                        cited += flush(&mut prose, n + 1, &mut failures);
                    }
                }
            }
        }
        cited += flush(&mut prose, prose_line, &mut failures);
    }
    eprintln!("{cited} citations resolved");
    assert!(
        cited > 300,
        "only {cited} citations found: is the scan broken?"
    );
    assert!(
        failures.is_empty(),
        "{} citation(s) not in report/spec-anchors.toml:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_property_cites_sections_of_the_table() {
    let anchors = Anchors::builtin();
    for p in swspec_model::properties::PROPERTIES {
        // Engine behaviour properties cite the engine (no §).
        for c in anchors.resolve(p.spec) {
            let t = c
                .target
                .unwrap_or_else(|e| panic!("{}: {:?}: {e}", p.name, p.spec));
            assert!(
                t.whole,
                "{}: {:?} names more than {:?}",
                p.name, p.spec, t.name
            );
        }
    }
}

#[test]
fn the_scanner_reads_strings_and_comments() {
    let (s, c) = split_line(r#"    X => "§Run Job; §Finish Job", // §Update"#);
    assert_eq!(s, ["§Run Job; §Finish Job"]);
    assert_eq!(c.as_deref().map(str::trim), Some("§Update"));
    let (s, c) = split_line(r#"let q = '"'; f("a \"b\" §c")"#);
    assert_eq!(s, [r#"a "b" §c"#]);
    assert!(c.is_none());
}
