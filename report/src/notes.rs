//! SPEC_NOTES.md in the report: its sections found by the GitHub anchor an `expected.toml`
//! note names (`SPEC_NOTES.md#chromium-activate-event-about-1-s-after-activating`), and the
//! small part of Markdown the file uses turned into HTML (headings with those anchors,
//! paragraphs, lists, tables, code, links), every "§Name" a link to the spec.

use crate::html::{escape, spec_links};

/// One heading and the text under it (up to the next heading of the same or a higher level).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// 1 for `#`, 2 for `##`, …
    pub level: usize,
    /// The heading's text.
    pub title: String,
    /// Its anchor, as GitHub makes it.
    pub slug: String,
    /// The Markdown under it, the heading line excluded.
    pub body: String,
}

/// The sections of a Markdown file.
#[derive(Clone, Debug, Default)]
pub struct Notes {
    /// The whole text.
    pub text: String,
    /// Its sections, in order.
    pub sections: Vec<Section>,
}

/// GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` dropped,
/// spaces as `-`.
pub fn github_slug(title: &str) -> String {
    title
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.bytes().take_while(|&b| b == b'#').count();
    let rest = line.get(level..)?;
    (1..=6)
        .contains(&level)
        .then_some(())
        .and(rest.strip_prefix(' '))
        .map(|t| (level, t.trim()))
}

impl Notes {
    /// Reads the sections of `text` (headings inside code fences are not headings).
    pub fn parse(text: &str) -> Notes {
        let mut heads: Vec<(usize, usize, String)> = Vec::new(); // (line, level, title)
        let mut fenced = false;
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if l.trim_start().starts_with("```") {
                fenced = !fenced;
            } else if let (false, Some((level, t))) = (fenced, heading(l)) {
                heads.push((i, level, t.to_string()));
            }
        }
        let mut seen: Vec<String> = Vec::new();
        let mut sections = Vec::new();
        for (k, (line, level, title)) in heads.iter().enumerate() {
            let end = heads[k + 1..]
                .iter()
                .find(|(_, l, _)| l <= level)
                .map_or(lines.len(), |(i, _, _)| *i);
            let base = github_slug(title);
            let n = seen.iter().filter(|s| **s == base).count();
            seen.push(base.clone());
            let slug = if n == 0 { base } else { format!("{base}-{n}") };
            sections.push(Section {
                level: *level,
                title: title.clone(),
                slug,
                body: lines[line + 1..end].join("\n"),
            });
        }
        Notes {
            text: text.to_string(),
            sections,
        }
    }

    /// The section with this anchor.
    pub fn section(&self, slug: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.slug == slug)
    }
}

/// The anchor and the rest of an `expected.toml` note (`SPEC_NOTES.md#slug: what`).
pub fn note_target(note: &str) -> Option<(&str, &str)> {
    let rest = note.trim().strip_prefix("SPEC_NOTES.md#")?;
    Some(match rest.split_once(':') {
        Some((slug, what)) => (slug.trim(), what.trim()),
        None => (rest.trim(), ""),
    })
}

/// Inline Markdown: `code`, **bold**, `[text](url)` (only web and `#` links stay links), and
/// "§Name" citations as spec links.
pub fn inline(md: &str) -> String {
    let mut out = String::new();
    let mut rest = md;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('`') {
            if let Some(end) = after.find('`') {
                out.push_str("<code>");
                out.push_str(&escape(&after[..end]));
                out.push_str("</code>");
                rest = &after[end + 1..];
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix("**") {
            if let Some(end) = after.find("**") {
                out.push_str("<strong>");
                out.push_str(&inline(&after[..end]));
                out.push_str("</strong>");
                rest = &after[end + 2..];
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix('[') {
            if let Some((text, url, used)) = link(after) {
                if url.starts_with("http://") || url.starts_with("https://") || url.starts_with('#')
                {
                    out.push_str(&format!("<a href=\"{}\">{}</a>", escape(url), inline(text)));
                } else {
                    out.push_str(&inline(text));
                }
                rest = &after[used..];
                continue;
            }
        }
        // Plain text up to the next marker.
        let first = rest.chars().next().map_or(1, char::len_utf8);
        let next = rest[first..]
            .find(['`', '*', '['])
            .map_or(rest.len(), |i| i + first);
        out.push_str(&spec_links(&rest[..next]));
        rest = &rest[next..];
    }
    out
}

/// `text](url)` at the start of `s`: the text, the url, and the bytes used.
fn link(s: &str) -> Option<(&str, &str, usize)> {
    let close = s.find("](")?;
    let end = s[close + 2..].find(')')? + close + 2;
    Some((&s[..close], &s[close + 2..end], end + 1))
}

/// Block Markdown to HTML: headings (with their anchors), paragraphs, `-`/`*`/`1.` lists,
/// tables, fenced code.
pub fn to_html(md: &str) -> String {
    let mut out = String::new();
    let mut para: Vec<&str> = Vec::new();
    let mut list: Option<(&str, Vec<String>)> = None; // ("ul"|"ol", items)
    let mut table: Vec<&str> = Vec::new();
    let mut code: Option<Vec<&str>> = None;
    let mut seen: Vec<String> = Vec::new();
    let flush = |out: &mut String,
                 para: &mut Vec<&str>,
                 list: &mut Option<(&str, Vec<String>)>,
                 table: &mut Vec<&str>| {
        if !para.is_empty() {
            out.push_str(&format!("<p>{}</p>\n", inline(&para.join(" "))));
            para.clear();
        }
        if let Some((tag, items)) = list.take() {
            out.push_str(&format!("<{tag}>"));
            for i in items {
                out.push_str(&format!("<li>{}</li>", inline(&i)));
            }
            out.push_str(&format!("</{tag}>\n"));
        }
        if !table.is_empty() {
            out.push_str(&table_html(table));
            table.clear();
        }
    };
    for line in md.lines() {
        if let Some(c) = &mut code {
            if line.trim_start().starts_with("```") {
                out.push_str(&format!(
                    "<pre><code>{}</code></pre>\n",
                    escape(&c.join("\n"))
                ));
                code = None;
            } else {
                c.push(line);
            }
            continue;
        }
        let t = line.trim();
        if t.starts_with("```") {
            flush(&mut out, &mut para, &mut list, &mut table);
            code = Some(Vec::new());
        } else if let Some((level, title)) = heading(line) {
            flush(&mut out, &mut para, &mut list, &mut table);
            let base = github_slug(title);
            let n = seen.iter().filter(|s| **s == base).count();
            seen.push(base.clone());
            let slug = if n == 0 { base } else { format!("{base}-{n}") };
            out.push_str(&format!(
                "<h{level} id=\"{slug}\">{}</h{level}>\n",
                inline(title)
            ));
        } else if t.starts_with('|') {
            if table.is_empty() {
                flush(&mut out, &mut para, &mut list, &mut table);
            }
            table.push(t);
        } else if t.is_empty() {
            flush(&mut out, &mut para, &mut list, &mut table);
        } else if let Some((tag, item)) = list_item(t) {
            if !para.is_empty()
                || !table.is_empty()
                || list.as_ref().is_some_and(|(k, _)| *k != tag)
            {
                flush(&mut out, &mut para, &mut list, &mut table);
            }
            list.get_or_insert((tag, Vec::new()))
                .1
                .push(item.to_string());
        } else if let Some((_, items)) = &mut list {
            // A continuation line of the last item.
            if let Some(last) = items.last_mut() {
                last.push(' ');
                last.push_str(t);
            }
        } else {
            if !table.is_empty() {
                flush(&mut out, &mut para, &mut list, &mut table);
            }
            para.push(t);
        }
    }
    if let Some(c) = code {
        out.push_str(&format!(
            "<pre><code>{}</code></pre>\n",
            escape(&c.join("\n"))
        ));
    }
    flush(&mut out, &mut para, &mut list, &mut table);
    out
}

fn list_item(t: &str) -> Option<(&'static str, &str)> {
    if let Some(i) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
        return Some(("ul", i));
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0)
        .then(|| t[digits..].strip_prefix(". "))
        .flatten()
        .map(|i| ("ol", i))
}

/// A Markdown table (`| a | b |` rows, the second a `|---|` separator) as HTML.
fn table_html(rows: &[&str]) -> String {
    let cells = |r: &str| -> Vec<String> {
        r.trim()
            .trim_start_matches('|')
            .trim_end_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let sep = |r: &str| r.chars().all(|c| "|-: ".contains(c));
    let mut out = String::from("<table>");
    for (i, r) in rows.iter().enumerate() {
        if sep(r) {
            continue;
        }
        let tag = if i == 0 && rows.get(1).is_some_and(|r| sep(r)) {
            "th"
        } else {
            "td"
        };
        out.push_str("<tr>");
        for c in cells(r) {
            out.push_str(&format!("<{tag}>{}</{tag}>", inline(&c)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_github() {
        assert_eq!(
            github_slug("Chromium: activate event about 1 s after activating"),
            "chromium-activate-event-about-1-s-after-activating"
        );
        assert_eq!(
            github_slug(
                "Firefox: a soft update after each navigation (the checker leaves Soft Update out)"
            ),
            "firefox-a-soft-update-after-each-navigation-the-checker-leaves-soft-update-out"
        );
        assert_eq!(
            github_slug("Firefox and WebKit: what the captures cannot see"),
            "firefox-and-webkit-what-the-captures-cannot-see"
        );
    }

    #[test]
    fn sections_end_at_the_next_heading_of_their_level() {
        let n = Notes::parse(
            "# A\nintro\n## B\nb text\n### C\nc\n## D\nd\n```\n# not a heading\n```\n",
        );
        let b = n.section("b").expect("b");
        assert_eq!(b.body, "b text\n### C\nc");
        assert_eq!(n.sections.len(), 4);
        assert!(n.section("not-a-heading").is_none());
    }

    #[test]
    fn notes_name_their_section() {
        assert_eq!(
            note_target("SPEC_NOTES.md#synthetic-divergent-traces: updatefound fires twice"),
            Some(("synthetic-divergent-traces", "updatefound fires twice"))
        );
        assert_eq!(note_target("SPEC_NOTES.md#x"), Some(("x", "")));
        assert_eq!(note_target("elsewhere"), None);
    }

    #[test]
    fn markdown_becomes_html_with_spec_links() {
        let h = to_html(
            "### Title here\n\nText with `code <x>` and **bold**, §Try Activate and a\n\
             [link](https://example.org) and [a file](model/src/x.rs).\n\n- one\n  more\n- two\n\n\
             | a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        assert!(h.contains("<h3 id=\"title-here\">Title here</h3>"), "{h}");
        assert!(h.contains("<code>code &lt;x&gt;</code>"), "{h}");
        assert!(h.contains("<strong>bold</strong>"), "{h}");
        assert!(
            h.contains("href=\"https://w3c.github.io/ServiceWorker/#try-activate-algorithm\""),
            "{h}"
        );
        assert!(
            h.contains("<a href=\"https://example.org\">link</a>"),
            "{h}"
        );
        assert!(
            h.contains("a file") && !h.contains("model/src/x.rs\""),
            "{h}"
        );
        assert!(h.contains("<ul><li>one more</li><li>two</li></ul>"), "{h}");
        assert!(
            h.contains("<tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr>"),
            "{h}"
        );
    }
}
