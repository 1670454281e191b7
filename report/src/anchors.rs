//! Spec anchors: every "§Name" the model cites, resolved to a link into the spec's own
//! fragment id, from the committed table `report/spec-anchors.toml`.
//!
//! A citation is free text such as `"Background Sync §fire a sync event; §Fire Functional
//! Event"`. Each `§` starts a name; the spec is the prefix written just before it (`Background
//! Sync`), else the spec of the citation's previous name when that spec has the name, else the
//! one spec whose table has it (two specs with the name and no prefix: unresolved, ambiguous).
//! The name is the longest one in the table that the text after `§` starts with, ending at a
//! word boundary, so prose such as "§Run Job for the front job" resolves to "Run Job".

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The committed table.
pub const TABLE: &str = include_str!("../spec-anchors.toml");

/// One specification of the table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Short key (`sw`, `background-sync`, …).
    pub key: String,
    /// Its title.
    pub title: String,
    /// The prefixes a citation writes before `§` to name it.
    pub cite: Vec<String>,
    /// The published document the links go to.
    pub url: String,
    /// The source file the ids were read from.
    pub source: String,
    /// The source's commit.
    pub commit: String,
    /// Name → id written in the source.
    #[serde(default)]
    pub anchors: BTreeMap<String, String>,
    /// Name → id the spec's tool generates from the definition's text.
    #[serde(default)]
    pub generated: BTreeMap<String, String>,
}

impl Spec {
    /// The fragment id of `name`, if the table has it.
    pub fn id(&self, name: &str) -> Option<&str> {
        self.anchors
            .get(name)
            .or_else(|| self.generated.get(name))
            .map(String::as_str)
    }

    /// Every name, with its id.
    pub fn names(&self) -> impl Iterator<Item = (&str, &str)> {
        self.anchors
            .iter()
            .chain(self.generated.iter())
            .map(|(n, i)| (n.as_str(), i.as_str()))
    }

    /// The longest name of this spec that `text` starts with, ending at a word boundary.
    fn longest_prefix(&self, text: &str) -> Option<&str> {
        self.names()
            .map(|(n, _)| n)
            .filter(|n| text.starts_with(n) && boundary(&text[n.len()..]))
            .max_by_key(|n| n.len())
    }
}

/// Whether a name may end where `rest` begins: not in the middle of a word.
fn boundary(rest: &str) -> bool {
    rest.chars()
        .next()
        .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
}

/// The table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchors {
    /// The specifications, in table order.
    pub spec: Vec<Spec>,
}

/// One `§` of a citation, resolved or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cite<'a> {
    /// Byte range of `§Name` in the citation (for an unresolved one: `§` alone).
    pub start: usize,
    /// End of that range.
    pub end: usize,
    /// What it resolved to.
    pub target: Result<Target<'a>, String>,
}

/// A resolved name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target<'a> {
    /// The spec's key.
    pub spec: &'a str,
    /// Its title.
    pub title: &'a str,
    /// The name as the table writes it.
    pub name: &'a str,
    /// The link: the published document with the fragment id.
    pub url: String,
    /// Whether the name is all of the cited name: what follows it ends the name (end of text,
    /// ` (`, `;`, `:`, `,`, ` /`, `)`, `.`) rather than continuing prose.
    pub whole: bool,
}

impl Anchors {
    /// Parses a table.
    pub fn parse(text: &str) -> Result<Anchors, String> {
        let a: Anchors = toml::from_str(text).map_err(|e| e.to_string())?;
        for s in &a.spec {
            if let Some(n) = s.anchors.keys().find(|n| s.generated.contains_key(*n)) {
                return Err(format!("spec {}: {n:?} is in both tables", s.key));
            }
        }
        Ok(a)
    }

    /// The committed table (`report/spec-anchors.toml`, checked by this crate's tests).
    pub fn builtin() -> &'static Anchors {
        static A: OnceLock<Anchors> = OnceLock::new();
        A.get_or_init(|| {
            Anchors::parse(TABLE)
                .unwrap_or_else(|e| panic!("report/spec-anchors.toml does not parse: {e}"))
        })
    }

    /// The spec with this key.
    pub fn spec(&self, key: &str) -> Option<&Spec> {
        self.spec.iter().find(|s| s.key == key)
    }

    /// The spec a citation prefix (the text before `§`, trimmed) names, if it ends with one.
    fn prefixed(&self, before: &str) -> Option<&Spec> {
        let before = before.trim_end();
        self.spec
            .iter()
            .flat_map(|s| s.cite.iter().map(move |c| (s, c)))
            .filter(|(_, c)| {
                before.ends_with(c.as_str())
                    && !before[..before.len() - c.len()]
                        .chars()
                        .next_back()
                        .is_some_and(char::is_alphanumeric)
            })
            .max_by_key(|(_, c)| c.len())
            .map(|(s, _)| s)
    }

    /// Every `§` of `citation`, resolved. A `§` followed by a digit is a numbered section of
    /// another document (such as the spec digest) and is skipped.
    pub fn resolve<'a>(&'a self, citation: &str) -> Vec<Cite<'a>> {
        let mut out = Vec::new();
        let mut previous: Option<&Spec> = None;
        let mut from = 0;
        for (at, _) in citation.match_indices('§') {
            let rest = &citation[at + '§'.len_utf8()..];
            if rest.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            let before = &citation[from..at];
            from = at;
            let target = self.target(self.prefixed(before), previous, rest);
            if let Ok((spec, name)) = &target {
                previous = Some(spec);
                let end = at + '§'.len_utf8() + name.len();
                let tail = &citation[end..];
                let whole = [" (", ";", ":", ",", " /", ")", ".", "]"]
                    .iter()
                    .any(|t| tail.starts_with(t))
                    || tail.trim().is_empty();
                let id = spec.id(name).unwrap_or_default();
                out.push(Cite {
                    start: at,
                    end,
                    target: Ok(Target {
                        spec: &spec.key,
                        title: &spec.title,
                        name,
                        url: format!("{}#{id}", spec.url),
                        whole,
                    }),
                });
            } else if let Err(e) = target {
                out.push(Cite {
                    start: at,
                    end: at + '§'.len_utf8(),
                    target: Err(e),
                });
            }
        }
        out
    }

    /// The spec and table name `rest` (the text after `§`) cites.
    fn target<'a>(
        &'a self,
        explicit: Option<&'a Spec>,
        previous: Option<&'a Spec>,
        rest: &str,
    ) -> Result<(&'a Spec, &'a str), String> {
        let shown: String = rest.chars().take(40).collect();
        if let Some(spec) = explicit {
            return spec
                .longest_prefix(rest)
                .map(|n| (spec, n))
                .ok_or_else(|| format!("{}: no name in the table for \"§{shown}\"", spec.title));
        }
        if let Some(p) = previous {
            if let Some(n) = p.longest_prefix(rest) {
                return Ok((p, n));
            }
        }
        let found: Vec<(&Spec, &str)> = self
            .spec
            .iter()
            .filter_map(|s| s.longest_prefix(rest).map(|n| (s, n)))
            .collect();
        let longest = found.iter().map(|(_, n)| n.len()).max();
        let best: Vec<(&Spec, &str)> = found
            .into_iter()
            .filter(|(_, n)| Some(n.len()) == longest)
            .collect();
        match best.as_slice() {
            [one] => Ok(*one),
            [] => Err(format!("no spec's table has a name for \"§{shown}\"")),
            many => Err(format!(
                "\"§{shown}\" is ambiguous without a spec prefix ({})",
                many.iter()
                    .map(|(s, _)| s.title.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(c: &str) -> Vec<String> {
        Anchors::builtin()
            .resolve(c)
            .into_iter()
            .map(|c| c.target.map(|t| t.url).unwrap_or_else(|e| e))
            .collect()
    }

    #[test]
    fn the_table_parses_and_every_spec_has_names() {
        let a = Anchors::builtin();
        assert_eq!(a.spec[0].key, "sw");
        assert!(a.spec.iter().all(|s| s.names().next().is_some()));
    }

    #[test]
    fn names_resolve_to_heading_ids() {
        assert_eq!(
            urls("§Try Activate"),
            ["https://w3c.github.io/ServiceWorker/#try-activate-algorithm"]
        );
        assert_eq!(
            urls("§Run Job; §Register / §Update / §Unregister"),
            [
                "https://w3c.github.io/ServiceWorker/#run-job-algorithm",
                "https://w3c.github.io/ServiceWorker/#register-algorithm",
                "https://w3c.github.io/ServiceWorker/#update-algorithm",
                "https://w3c.github.io/ServiceWorker/#unregister-algorithm",
            ]
        );
    }

    #[test]
    fn the_longest_name_wins_at_a_word_boundary() {
        let a = Anchors::builtin();
        let c = a.resolve("§Update Worker State (the statechange)");
        let t = c[0].target.as_ref().expect("resolves");
        assert_eq!(t.name, "Update Worker State");
        assert!(t.whole);
        let c = a.resolve("§Run Job for the front job");
        let t = c[0].target.as_ref().expect("resolves");
        assert_eq!(t.name, "Run Job");
        assert!(!t.whole, "prose continues after the name");
        assert!(a.resolve("§Installation")[0].target.is_err());
    }

    #[test]
    fn a_prefix_names_the_spec_and_later_names_inherit_it() {
        assert_eq!(
            urls("Background Sync §fire a sync event; §Fire Functional Event"),
            [
                "https://wicg.github.io/background-sync/spec/#fire-a-sync-event",
                "https://w3c.github.io/ServiceWorker/#fire-functional-event-algorithm",
            ]
        );
        assert_eq!(
            urls("Background Fetch §abort(); §Display (user abort)"),
            [
                "https://wicg.github.io/background-fetch/#background-fetch-registration-abort",
                "https://wicg.github.io/background-fetch/#background-fetch-display-algorithm",
            ]
        );
        assert_eq!(
            urls("Periodic Background Sync §getTags()"),
            ["https://wicg.github.io/periodic-background-sync/#dom-periodicsyncmanager-gettags"]
        );
    }

    #[test]
    fn an_unprefixed_name_in_two_specs_is_ambiguous() {
        let c = Anchors::builtin().resolve("§getTags()");
        let e = c[0].target.as_ref().expect_err("ambiguous");
        assert!(e.contains("ambiguous"), "{e}");
    }

    #[test]
    fn numbered_sections_of_other_documents_are_skipped() {
        assert!(Anchors::builtin()
            .resolve("the digest (§6 \"Termination\")")
            .is_empty());
    }

    #[test]
    fn a_name_in_both_tables_is_an_error() {
        let t = "[[spec]]\nkey='k'\ntitle='T'\ncite=[]\nurl='u'\nsource='s'\ncommit='c'\n\
                 [spec.anchors]\nA='a'\n[spec.generated]\nA='b'\n";
        assert!(Anchors::parse(t).is_err());
    }
}
