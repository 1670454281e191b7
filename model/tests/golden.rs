//! Golden state counts and verdicts. A change to the model that changes a count must update the
//! number here *and* say why in the commit (and in the README figures for the default).

mod common;
use common::*;
use swspec_model::{ModelConfig, Profile};

/// Every always-property holds and every applicable sometimes-property is found.
fn assert_clean(cfg: &ModelConfig, found: &[&'static str]) {
    assert_eq!(violated(found), Vec::<&str>::new(), "{cfg:?}");
    assert_eq!(not_found(cfg, found), Vec::<&str>::new(), "{cfg:?}");
}

#[test]
fn default_configuration_count_and_verdicts() {
    let cfg = ModelConfig::default();
    let (unique, found) = check(cfg.clone(), true);
    assert_clean(&cfg, &found);
    assert_eq!(unique, 1_948_119);
}

/// The lifecycle with messages but without fetch events, under every engine profile.
fn per_profile(profile: Profile) -> ModelConfig {
    ModelConfig {
        fetch_events: false,
        profile,
        ..ModelConfig::default()
    }
}

#[test]
fn golden_counts_per_profile() {
    let mut counts = Vec::new();
    for profile in Profile::ALL {
        let cfg = per_profile(profile);
        let (unique, found) = check(cfg.clone(), true);
        assert_clean(&cfg, &found);
        counts.push((profile.name(), unique));
    }
    assert_eq!(
        counts,
        vec![
            ("spec", 958_988),
            ("chromium", 1_025_217),
            // Firefox runs a page's update() behind a Soft Update job as its own job
            // (ProfileParams::joins_soft_update_jobs): 905_736 if it joined.
            ("firefox", 904_248),
            ("webkit", 905_736)
        ]
    );
}

#[test]
fn push_and_notifications_count_and_verdicts() {
    for (profile, expected) in [(Profile::Spec, 2_054_288), (Profile::Chromium, 2_480_224)] {
        let cfg = ModelConfig {
            fetch_events: false,
            push: true,
            max_registrations: 1,
            profile,
            ..ModelConfig::default()
        };
        let (unique, found) = check(cfg.clone(), true);
        assert_eq!(violated(&found), Vec::<&str>::new());
        // One registration cannot be re-created after unregister.
        assert_eq!(not_found(&cfg, &found), vec!["register_after_unregister"]);
        assert_eq!(unique, expected, "{profile}");
    }
}

#[test]
fn symmetric_and_full_search_agree() {
    let cfg = ModelConfig {
        fetch_events: false,
        max_pending_events: 0,
        ..ModelConfig::default()
    };
    let (sym_unique, sym_found) = check(cfg.clone(), true);
    let (full_unique, full_found) = check(cfg.clone(), false);
    assert_eq!(
        sym_found, full_found,
        "symmetry must not change any verdict"
    );
    assert_clean(&cfg, &sym_found);
    assert_eq!((sym_unique, full_unique), (257_920, 508_373));
}

#[test]
fn one_client_one_registration() {
    let cfg = ModelConfig {
        clients: 1,
        max_registrations: 1,
        ..ModelConfig::default()
    };
    let (unique, found) = check(cfg.clone(), true);
    assert_eq!(violated(&found), Vec::<&str>::new());
    // One registration cannot be re-created after unregister.
    assert_eq!(not_found(&cfg, &found), vec!["register_after_unregister"]);
    assert_eq!(unique, 58_192);
}
