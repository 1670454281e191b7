//! Raw bytes → `Scenario::parse` (TOML, then every validation rule). It may not panic on any
//! input, and a scenario it accepts must serialise back to TOML that parses and validates to the
//! same scenario (so validation does not depend on how a value was written). What a capture
//! derives from a scenario without a browser (the APIs it needs, each engine's missing
//! automation, every version's worker script) is computed too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use swspec_conformance::capture::{scenario::Scenario, server, Engine};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.toml");
    let scenario = match Scenario::parse(path, text) {
        Ok(s) => s,
        Err(e) => {
            // The message is what the CLI prints: rendering it must not panic either.
            let _ = e.to_string();
            return;
        }
    };
    let _ = scenario.needs();
    for engine in Engine::ALL {
        for step in &scenario.step {
            let _ = engine.lacks(step);
        }
    }
    for (v, b) in scenario.behaviours() {
        let _ = server::worker_script(v, &b, Some(500));
    }
    let again = toml::to_string(&scenario).expect("an accepted scenario serialises to TOML");
    let reparsed = Scenario::parse(path, &again)
        .unwrap_or_else(|e| panic!("its TOML does not parse again: {e}\n{again}"));
    assert_eq!(reparsed, scenario, "the round trip changed it:\n{again}");
});
