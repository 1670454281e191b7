//! Text from input files made safe to print on a terminal: a trace's header fields, ids and
//! file names could otherwise carry escape sequences or carriage returns that move the cursor,
//! recolour the output or print a fake `ok` line.

use std::borrow::Cow;

/// Whether `c` is escaped: C0 and C1 control characters, DEL, and the bidirectional
/// embeddings, overrides and isolates (which reorder what follows them on the line).
fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character written as `\u{…}` (unchanged, and not copied, when it has
/// none).
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path, cleaned for the terminal (a file name may hold a newline).
pub fn path(p: &std::path::Path) -> String {
    clean(&p.display().to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert!(matches!(clean("chromium 148 §Install"), Cow::Borrowed(_)));
        assert_eq!(
            clean("x\u{1b}[32mok\rok\n\u{202e}"),
            "x\\u{1b}[32mok\\u{d}ok\\u{a}\\u{202e}"
        );
        assert_eq!(clean("\u{7f}\u{85}"), "\\u{7f}\\u{85}");
    }
}
