//! Unit tests of coverage classes, universes and timers.

use super::*;
use swspec_model::{InstallOutcome, StopCause};

#[test]
fn a_class_keeps_meaning_and_drops_identifiers() {
    assert_eq!(
        action_class(&Action::InstallEventSettled(InstallOutcome::Rejected)),
        "InstallEventSettled(rejected)"
    );
    assert_eq!(action_class(&Action::OpenClient(1)), "OpenClient");
    let stop = Action::StopWorker {
        worker: 0,
        cause: StopCause::Idle,
    };
    assert_eq!(action_class(&stop), "StopWorker { cause: idle }");
}

#[test]
fn an_unbounded_timer_is_not_counted_covered() {
    // WebKit stops idle workers with no timer of its own: its traces' idle stops exercise
    // no bounded idle timeout.
    assert!(swspec_model::Profile::Webkit
        .params()
        .idle_timeout_ms
        .is_none());
    let it = unbounded_timer("idle timeout", Profile::Webkit);
    assert!(!it.covered());
    assert_eq!(
        it.cannot_drive.as_deref(),
        Some("the webkit profile bounds no idle timeout")
    );
    assert_eq!(counts(&[it]), (0, 0, 1));
}

#[test]
fn the_spec_universe_holds_the_lifecycle_and_every_api() {
    let u = universe(Profile::Spec);
    for c in [
        "Register",
        "InstallEventSettled(rejected)",
        "StopWorker { cause: idle }",
        "SyncFire",
        "ActivateEvent",
    ] {
        assert!(u.classes.contains(c), "{c} not sampled: {:?}", u.classes);
    }
    assert!(!u.guards.is_empty() && !u.properties.is_empty());
    let firefox = universe(Profile::Firefox);
    assert!(!firefox.classes.iter().any(|c| c.starts_with("SyncFire")));
}

/// Classes at the end of long chains are in the universe of every profile that has them: the
/// uniform walks alone missed `SyncRetryDue` under every profile, and lost `NotificationClick`
/// (Chromium) and `PostMessage { to: waiting }` (WebKit) when the model's actions changed order.
#[test]
fn the_universe_reaches_the_ends_of_long_chains() {
    let chromium = universe(Profile::Chromium);
    for class in [
        "SyncRetryDue",
        "NotificationClick",
        "NotificationClose",
        "PostMessage { to: waiting }",
        "InstallEventSettled(timed_out)",
    ] {
        assert!(chromium.classes.contains(class), "chromium lacks {class}");
    }
    let webkit = universe(Profile::Webkit);
    assert!(webkit.classes.contains("PostMessage { to: waiting }"));
    // Without Background Sync, a sync retry is not in the WebKit profile's model.
    assert!(!webkit.classes.contains("SyncRetryDue"));
}
