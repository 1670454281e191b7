//! SPEC_NOTES.md names every property and every action the model has, and each action's
//! catalogue entry points at the function that enables it.

use swspec_model::action::ACTIONS;
use swspec_model::properties::PROPERTIES;

#[test]
fn spec_notes_cover_every_property_and_action() {
    let notes = include_str!("../../SPEC_NOTES.md");
    for p in PROPERTIES {
        assert!(
            notes.contains(&format!("| `{}` |", p.name)),
            "SPEC_NOTES.md has no row for property `{}`",
            p.name
        );
    }
    for a in ACTIONS {
        assert!(
            notes.contains(&format!("| `{}", a.name)),
            "SPEC_NOTES.md has no row for action `{}`",
            a.name
        );
    }
}

/// Each entry's `enabled_in` (`file.rs: SwModel::function`) names a function defined in that
/// file of `model/src`, and every entry has a description and a spec section.
#[test]
fn each_action_names_the_home_of_its_enabling_rule() {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src/");
    for a in ACTIONS {
        let (file, function) = a
            .enabled_in
            .split_once(": ")
            .unwrap_or_else(|| panic!("{}: `{}` is not `file: function`", a.name, a.enabled_in));
        let function = function.rsplit("::").next().unwrap_or(function).trim();
        let text = std::fs::read_to_string(format!("{src}{file}"))
            .unwrap_or_else(|e| panic!("{}: {file}: {e}", a.name));
        assert!(
            text.contains(&format!("fn {function}(")),
            "{}: no `fn {function}` in model/src/{file}",
            a.name
        );
        assert!(
            !a.description.is_empty() && !a.spec.is_empty(),
            "{}",
            a.name
        );
    }
    let mut names: Vec<&str> = ACTIONS.iter().map(|a| a.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), ACTIONS.len());
}
