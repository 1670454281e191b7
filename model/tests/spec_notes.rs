//! SPEC_NOTES.md names every property and every action the model has.

use swspec_model::properties::PROPERTIES;

const ACTIONS: &[&str] = &[
    "OpenClient",
    "Navigate",
    "CloseClient",
    "Register",
    "Update",
    "Unregister",
    "SoftUpdate",
    "RunJob",
    "UpdateFetchFailed",
    "UpdateBytesIdentical",
    "UpdateEvaluationFailed",
    "Install",
    "InstallEventSettled",
    "ActivateEventSettled",
    "SkipWaiting",
    "Claim",
    "PostMessage",
    "Fetch",
    "WorkerStarted",
    "WorkerStartFailed",
    "DispatchEvent",
    "SettleExtendedEvent",
    "EventTimedOut",
    "Stop",
    "Subscribe",
    "PushMessage",
    "NotificationClick",
    "NotificationClose",
    "SetPermission",
    "LameDuckActivate",
    "RejectExtendedEvent",
    "SyncRegister",
    "SyncFire",
    "SyncRetryDue",
    "GoOffline",
    "GoOnline",
    "PeriodicSyncRegister",
    "PeriodicSyncUnregister",
    "PeriodicSyncFire",
    "PeriodicSyncSuspend",
    "NetworkStabilizes",
    "BackgroundFetch",
    "BgFetchAbort",
    "BgRecordProgress",
    "BgFetchOnline",
    "BgFetchComplete",
    "BgFetchClick",
    "BgUpdateUi",
];

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
            notes.contains(&format!("| `{a}")),
            "SPEC_NOTES.md has no row for action `{a}`"
        );
    }
}

/// The list above is exhaustive: a new action must be added to it (and to SPEC_NOTES.md).
#[test]
fn action_list_is_exhaustive() {
    use swspec_model::Action;
    let check = |a: &Action| -> &'static str {
        match a {
            Action::OpenClient(_) => "OpenClient",
            Action::Navigate(_) => "Navigate",
            Action::CloseClient(_) => "CloseClient",
            Action::Register { .. } => "Register",
            Action::Update { .. } => "Update",
            Action::Unregister { .. } => "Unregister",
            Action::SoftUpdate => "SoftUpdate",
            Action::RunJob => "RunJob",
            Action::UpdateFetchFailed => "UpdateFetchFailed",
            Action::UpdateBytesIdentical => "UpdateBytesIdentical",
            Action::UpdateEvaluationFailed => "UpdateEvaluationFailed",
            Action::Install => "Install",
            Action::InstallEventSettled(_) => "InstallEventSettled",
            Action::ActivateEventSettled(_) => "ActivateEventSettled",
            Action::SkipWaiting(_) => "SkipWaiting",
            Action::Claim(_) => "Claim",
            Action::PostMessage(_) => "PostMessage",
            Action::Fetch(_) => "Fetch",
            Action::WorkerStarted(_) => "WorkerStarted",
            Action::WorkerStartFailed(_) => "WorkerStartFailed",
            Action::DispatchEvent { .. } => "DispatchEvent",
            Action::SettleExtendedEvent(_) => "SettleExtendedEvent",
            Action::EventTimedOut(_) => "EventTimedOut",
            Action::Stop { .. } => "Stop",
            Action::Subscribe(_) => "Subscribe",
            Action::PushMessage => "PushMessage",
            Action::NotificationClick => "NotificationClick",
            Action::NotificationClose => "NotificationClose",
            Action::SetPermission { .. } => "SetPermission",
            Action::LameDuckActivate(_) => "LameDuckActivate",
            Action::RejectExtendedEvent(_) => "RejectExtendedEvent",
            Action::SyncRegister { .. } => "SyncRegister",
            Action::SyncFire { .. } => "SyncFire",
            Action::SyncRetryDue { .. } => "SyncRetryDue",
            Action::GoOffline => "GoOffline",
            Action::GoOnline => "GoOnline",
            Action::PeriodicSyncRegister { .. } => "PeriodicSyncRegister",
            Action::PeriodicSyncUnregister { .. } => "PeriodicSyncUnregister",
            Action::PeriodicSyncFire { .. } => "PeriodicSyncFire",
            Action::PeriodicSyncSuspend { .. } => "PeriodicSyncSuspend",
            Action::NetworkStabilizes => "NetworkStabilizes",
            Action::BackgroundFetch { .. } => "BackgroundFetch",
            Action::BgFetchAbort { .. } => "BgFetchAbort",
            Action::BgRecordProgress { .. } => "BgRecordProgress",
            Action::BgFetchOnline { .. } => "BgFetchOnline",
            Action::BgFetchComplete { .. } => "BgFetchComplete",
            Action::BgFetchClick { .. } => "BgFetchClick",
            Action::BgUpdateUi { .. } => "BgUpdateUi",
        }
    };
    assert!(ACTIONS.contains(&check(&Action::RunJob)));
}
