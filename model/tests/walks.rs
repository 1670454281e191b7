//! proptest: random action walks from the initial state never panic and never violate an
//! invariant, over random configurations; and symmetry's representative is idempotent and keeps
//! every property's verdict.

mod common;
use common::*;
use proptest::prelude::*;
use stateright::{Model, Representative};
use swspec_model::properties::PROPERTIES;
use swspec_model::{ModelConfig, SwModel};

fn config() -> impl Strategy<Value = ModelConfig> {
    (
        1u8..=3,
        1u8..=3,
        1u8..=2,
        1u8..=4,
        1u8..=3,
        1u8..=3,
        0u8..=2,
    )
        .prop_map(
            |(
                clients,
                versions,
                script_urls,
                max_workers,
                max_registrations,
                max_queued_jobs,
                ev,
            )| {
                ModelConfig {
                    clients,
                    versions,
                    script_urls,
                    max_workers,
                    max_registrations,
                    max_queued_jobs,
                    max_pending_events: ev,
                    ..ModelConfig::default()
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_walks_keep_every_invariant(cfg in config(), choices in prop::collection::vec(any::<u16>(), 0..120)) {
        let model = SwModel::new(cfg);
        let mut s = model.init_state();
        for c in choices {
            let mut actions = Vec::new();
            model.actions(&s, &mut actions);
            if actions.is_empty() {
                break;
            }
            let a = actions[c as usize % actions.len()].clone();
            let Some(next) = model.next_state(&s, a.clone()) else { continue };
            if !model.within_boundary(&next) {
                continue;
            }
            s = next;
            let failing = failing_invariants(&model, &s);
            prop_assert!(failing.is_empty(), "after {a}: {failing:?}\n{s:#?}");
            let rep = s.representative();
            prop_assert_eq!(rep.representative(), rep.clone(), "representative is idempotent");
            for p in PROPERTIES {
                prop_assert_eq!((p.condition)(&model, &s), (p.condition)(&model, &rep), "{} differs on the representative", p.name);
            }
        }
    }
}
