//! Raw bytes → `Trace::parse` → (if it parses) `check` under the header's profile and under
//! Chromium's. Neither may panic on any input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use swspec_conformance::check::{check, Options, Verdict};
use swspec_conformance::trace::Trace;
use swspec_model::Profile;

fuzz_target!(|data: &[u8]| {
    let trace = match Trace::parse(Path::new("fuzz.jsonl"), data) {
        Ok(t) => t,
        Err(e) => {
            // The message is what the CLI prints: rendering it must not panic either.
            let _ = e.to_string();
            return;
        }
    };
    for profile in [None, Some(Profile::Chromium)] {
        let opts = Options {
            max_nodes: 20_000,
            profile,
            ..Options::default()
        };
        if let Ok(out) = check(&trace, &opts) {
            assert_eq!(
                out.verdict == Verdict::Conforms,
                out.divergence.is_none(),
                "a divergence report exactly when the verdict is not `conforms`"
            );
            let _ = serde_json::to_string(&out.divergence);
        }
    }
});
