//! HTML and SVG text helpers shared by the pages and the diagrams.

use crate::anchors::Anchors;

/// `s` with the five XML special characters escaped (text and attribute values alike).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `s` cut to at most `max` characters, with an ellipsis when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A file-name-safe form of `s`: letters, digits, `-`, `_` and `.` kept, anything else `_`.
pub fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `text` escaped, with every resolved "§Name" a link to the spec's anchor (the spec's title
/// and the name as tooltip). Unresolved ones stay text.
pub fn spec_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for c in Anchors::builtin().resolve(text) {
        let Ok(t) = c.target else { continue };
        out.push_str(&escape(&text[at..c.start]));
        out.push_str(&format!(
            "<a class=\"spec\" href=\"{}\" title=\"{}: {}\">{}</a>",
            escape(&t.url),
            escape(t.title),
            escape(t.name),
            escape(&text[c.start..c.end])
        ));
        at = c.end;
    }
    out.push_str(&escape(&text[at..]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn truncates_by_characters() {
        assert_eq!(truncate("abcdef", 6), "abcdef");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("§§§§§", 3), "§§…");
    }

    #[test]
    fn citations_become_spec_links() {
        assert_eq!(
            spec_links("§Run Job; §Nope & more"),
            "<a class=\"spec\" href=\"https://w3c.github.io/ServiceWorker/#run-job-algorithm\" \
             title=\"Service Workers: Run Job\">§Run Job</a>; §Nope &amp; more"
        );
    }

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(slug("chromium-148/a b.jsonl"), "chromium-148_a_b.jsonl");
    }
}
