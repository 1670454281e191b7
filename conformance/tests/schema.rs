//! traces/schema.json is generated from the trace types (`swspec schema`); this test keeps the
//! committed copy in sync and checks that the schema knows every observation kind.

#[test]
fn committed_schema_matches_the_types() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../traces/schema.json");
    let committed = std::fs::read_to_string(path).expect("traces/schema.json exists");
    let generated = serde_json::to_string_pretty(&swspec_conformance::trace::schema())
        .expect("schema serialises")
        + "\n";
    assert!(
        committed == generated,
        "traces/schema.json is stale: regenerate it with `cargo run --release -- schema > traces/schema.json`"
    );
}

#[test]
fn schema_names_every_observation_kind() {
    let text = serde_json::to_string(&swspec_conformance::trace::schema()).expect("serialises");
    for kind in swspec_model::Observation::<String>::KINDS {
        assert!(
            text.contains(&format!("\"{kind}\"")),
            "observation kind {kind} missing from the schema"
        );
    }
}
