//! The report of the stored traces, read as files: every relative link and fragment resolves,
//! nothing is loaded from elsewhere (no remote style sheet, image or script; no script at all),
//! every trace has its page, and a divergent trace's page marks the divergent line.

mod common;
use common::build;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The values of `attr="…"` in `html`, unescaped.
fn attrs(html: &str, attr: &str) -> Vec<String> {
    let pat = format!(" {attr}=\"");
    html.match_indices(&pat)
        .filter_map(|(i, _)| {
            let rest = &html[i + pat.len()..];
            rest.find('"').map(|e| rest[..e].replace("&amp;", "&"))
        })
        .collect()
}

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            html_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "html") {
            out.push(p);
        }
    }
}

#[test]
fn every_link_resolves_and_nothing_is_remote() {
    let (out, m) = build("site");
    let mut pages = Vec::new();
    html_files(&out, &mut pages);
    let traces = m
        .columns
        .iter()
        .map(|c| {
            c.cells
                .values()
                .filter(|c| matches!(c, swspec_report::matrix::Cell::Checked(_)))
                .count()
        })
        .sum::<usize>()
        + m.synthetic.len();
    // The index, spec-notes.html and one page per trace.
    assert_eq!(pages.len(), traces + 2);
    let mut cache: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut read = |p: &Path| -> Option<String> {
        if !cache.contains_key(p) {
            cache.insert(p.to_path_buf(), std::fs::read_to_string(p).ok()?);
        }
        cache.get(p).cloned()
    };
    let mut checked = 0;
    let mut bad = Vec::new();
    for page in &pages {
        let html = read(page).expect("page");
        assert!(!html.contains("<script"), "{}: a script", page.display());
        for src in attrs(&html, "src") {
            bad.push(format!("{}: loads {src}", page.display()));
        }
        for href in attrs(&html, "href") {
            checked += 1;
            if href.starts_with("https://") || href.starts_with("http://") {
                continue; // a link the reader may follow, never loaded by the page
            }
            let (file, frag) = href.split_once('#').unwrap_or((&href, ""));
            let target = if file.is_empty() {
                page.clone()
            } else {
                page.parent().expect("dir").join(file)
            };
            let Some(text) = (if target.extension().is_some_and(|x| x == "html") {
                read(&target)
            } else {
                target.exists().then(String::new)
            }) else {
                bad.push(format!("{}: {href}: no such file", page.display()));
                continue;
            };
            if !frag.is_empty() && !text.contains(&format!("id=\"{frag}\"")) {
                bad.push(format!("{}: {href}: no such id", page.display()));
            }
        }
    }
    let index = read(&out.join("index.html")).expect("index");
    for l in attrs(&index, "rel") {
        assert_eq!(l, "stylesheet");
    }
    assert!(attrs(&index, "href").iter().any(|h| h == "style.css"));
    // The coverage from the model, one row per engine folder.
    assert!(index.contains("id=\"coverage\""), "no coverage section");
    for col in &m.columns {
        assert!(
            index.contains(&format!("<tr><th>{}</th><td>", col.name)),
            "no coverage row for {}",
            col.name
        );
    }
    assert!(checked > 5000, "only {checked} links checked");
    assert!(
        bad.is_empty(),
        "{} bad links:\n{}",
        bad.len(),
        bad.join("\n")
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_divergent_trace_marks_its_line_and_gives_the_replay_command() {
    let (out, _) = build("site-divergent");
    let page = std::fs::read_to_string(out.join("chromium-148/skip-waiting-in-install.html"))
        .expect("page");
    assert!(
        page.contains("<g class=\"row divergent\" id=\"l50\">"),
        "no divergent row"
    );
    assert!(page.contains("first divergence against spec"));
    assert!(
        page.contains("swspec conform ")
            && page.contains("skip-waiting-in-install.jsonl --profile spec --explain")
    );
    // The expected note's SPEC_NOTES.md section is quoted.
    assert!(page.contains("SPEC_NOTES.md: Chromium: activate event about 1 s after activating"));
    // Model steps link to the spec's anchors.
    assert!(page.contains("href=\"https://w3c.github.io/ServiceWorker/#try-activate-algorithm\""));
    let svg =
        std::fs::read_to_string(out.join("chromium-148/skip-waiting-in-install.svg")).expect("svg");
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    // driver, page c1, two worker instances, DevTools, server.
    assert_eq!(svg.matches("<g class=\"lifeline ").count(), 6);
    let _ = std::fs::remove_dir_all(&out);
}
