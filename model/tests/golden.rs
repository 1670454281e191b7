//! Golden state counts and verdicts. A change to the model that changes a count must update the
//! number here *and* say why in the commit (and in the README figures for the default).

mod common;
use common::*;
use swspec_model::ModelConfig;

fn small() -> ModelConfig {
    ModelConfig {
        max_workers: 2,
        ..ModelConfig::default()
    }
}

#[test]
fn default_configuration_count_and_verdicts() {
    let (unique, found) = check(ModelConfig::default(), true);
    assert_eq!(violated(&found), Vec::<&str>::new());
    assert_eq!(not_found(&found), Vec::<&str>::new());
    assert_eq!(unique, 801_753);
}

#[test]
fn small_configuration_symmetric_and_not_agree() {
    let (sym_unique, sym_found) = check(small(), true);
    let (full_unique, full_found) = check(small(), false);
    assert_eq!(
        sym_found, full_found,
        "symmetry must not change any verdict"
    );
    assert_eq!(violated(&sym_found), Vec::<&str>::new());
    assert_eq!(not_found(&sym_found), Vec::<&str>::new());
    assert_eq!(sym_unique, 144_290);
    assert_eq!(full_unique, 284_588);
}

#[test]
fn one_client_one_registration() {
    let cfg = ModelConfig {
        clients: 1,
        max_registrations: 1,
        ..ModelConfig::default()
    };
    let (unique, found) = check(cfg, true);
    assert_eq!(violated(&found), Vec::<&str>::new());
    // One registration cannot be re-created after unregister.
    assert_eq!(not_found(&found), vec!["register_after_unregister"],);
    assert_eq!(unique, 11_302);
}
