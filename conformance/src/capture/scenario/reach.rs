//! What no scenario can make happen: model steps the scenario format has no step or worker
//! behaviour for, in any engine. Said once here, for the two readers that must agree:
//! `swspec scenario --cover` refuses such a class with this reason, and `swspec coverage` lists
//! it as one the engines cannot drive (unless a trace shows the browser doing it by itself),
//! rather than as a gap.

use swspec_model::{Action, InstallOutcome};

/// Why no scenario step drives `action`, or `None` when one can (in some engine and state).
/// A function of the action's coverage class alone (its variant and the arguments that
/// change its meaning), so it holds for every action of the class.
pub fn no_automation(action: &Action) -> Option<&'static str> {
    use Action as A;
    Some(match action {
        A::UpdateFetchFailed => "no scenario step makes the script fetch fail",
        A::UpdateEvaluationFailed => "no worker behaviour makes the script fail to evaluate",
        A::InstallEventSettled(InstallOutcome::StartFailed) | A::WorkerStartFailed(_) => {
            "no scenario step makes the worker fail to start"
        }
        A::Subscribe(_) => "no scenario step subscribes to push",
        A::NotificationClick | A::NotificationClose => {
            "no automation clicks or closes a notification"
        }
        A::PeriodicSyncSuspend { .. } => "no automation suspends a periodic sync registration",
        A::BgFetchClick { .. } => "no automation clicks a background fetch's UI",
        _ => return None,
    })
}
