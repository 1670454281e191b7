//! Writes the hand-scripted traces of traces/synthetic/: each is a model scenario (a list of
//! actions, named after the behaviour it shows) rendered as a capture would record it, and the
//! divergent ones are the same traces with one observation edited the way a buggy browser
//! would show it. Run: `cargo run --release -p swspec-conformance --example synthetic`.

use swspec_conformance::check::wide_config;
use swspec_conformance::generate;
use swspec_conformance::trace::{Event, Source, Trace};
use swspec_model::MessageTarget;
use swspec_model::{Action, InstallOutcome, Observation, Profile, StopCause, SwModel};

fn render(name: &str, actions: &[Action], edit: impl Fn(&mut Vec<Event>)) {
    let model = SwModel::new(wide_config(Profile::Spec, 2));
    let exec = generate::execute(&model, actions)
        .unwrap_or_else(|| panic!("{name}: the scenario does not replay"));
    let kinds = generate::all_kinds();
    let mut events = generate::events(&model, &exec, &kinds, 10.0, 1.0);
    edit(&mut events);
    let text = Trace::to_text(&generate::header(name, Profile::Spec, kinds), &events);
    let path = format!("traces/synthetic/{name}.jsonl");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{path}: {e}"));
    println!("wrote {path} ({} events)", events.len());
}

fn install(client: u8) -> Vec<Action> {
    vec![
        Action::OpenClient(client),
        Action::Register { client, script: 0 },
        Action::RunJob,
        Action::UpdateBytesChanged,
        Action::Install,
        Action::InstallEventSettled(InstallOutcome::Fulfilled),
        Action::ActivateEvent(0),
        Action::ActivateEventSettled(0),
    ]
}

fn find(events: &[Event], pred: impl Fn(&Observation<String>) -> bool) -> usize {
    events
        .iter()
        .position(|e| e.obs.as_ref().is_some_and(&pred))
        .expect("event to edit")
}

fn main() {
    use Action::*;
    let _ = std::fs::create_dir_all("traces/synthetic");
    let none = |_: &mut Vec<Event>| {};
    // Conforming behaviours.
    render("install-activate", &install(0), none);
    let mut update_waiting = install(0);
    update_waiting.extend([
        CloseClient(0),
        OpenClient(0),
        FunctionalEvent {
            worker: 0,
            wait_until: false,
            notify: false,
        },
        Update { client: 0 },
        RunJob,
        UpdateBytesChanged,
        Install,
        InstallEventSettled(InstallOutcome::Fulfilled),
        Reload(0),
        FunctionalEvent {
            worker: 0,
            wait_until: false,
            notify: false,
        },
    ]);
    render("update-waits-while-controlled", &update_waiting, none);
    let mut last_client = update_waiting.clone();
    last_client.extend([CloseClient(0), ActivateEvent(1), ActivateEventSettled(1)]);
    render("activate-when-last-client-closes", &last_client, none);
    let mut identical = install(0);
    identical.extend([Update { client: 0 }, RunJob, UpdateBytesIdentical]);
    render("update-identical-bytes", &identical, none);
    let mut skip = update_waiting.clone();
    skip.extend([SkipWaiting(1), ActivateEvent(1), ActivateEventSettled(1)]);
    render("skip-waiting-from-waiting", &skip, none);
    let mut claim = install(0);
    claim.extend([Claim(0)]);
    render("claim-takes-over", &claim, none);
    let mut message = install(0);
    message.extend([
        CloseClient(0),
        OpenClient(0),
        FunctionalEvent {
            worker: 0,
            wait_until: false,
            notify: false,
        },
        PostMessage {
            client: 0,
            to: MessageTarget::Controller,
        },
        FunctionalEvent {
            worker: 0,
            wait_until: true,
            notify: false,
        },
        WaitUntilSettled {
            worker: 0,
            event: 0,
            fulfilled: true,
        },
        StopWorker {
            worker: 0,
            cause: StopCause::Forced,
        },
        Fetch(0),
        WorkerStarted(0),
        FunctionalEvent {
            worker: 0,
            wait_until: false,
            notify: false,
        },
    ]);
    render("message-stop-restart", &message, none);
    let failed = vec![
        OpenClient(0),
        Register {
            client: 0,
            script: 0,
        },
        RunJob,
        UpdateBytesChanged,
        Install,
        InstallEventSettled(InstallOutcome::Rejected),
    ];
    render("first-install-rejects", &failed, none);
    let mut unregister = install(0);
    unregister.extend([
        CloseClient(0),
        OpenClient(0),
        FunctionalEvent {
            worker: 0,
            wait_until: false,
            notify: false,
        },
        Unregister { client: 0 },
        RunJob,
        CloseClient(0),
    ]);
    render("unregister-while-controlled", &unregister, none);
    // claim() while v1 is activating controls the page; its fetch waits for the activate event
    // and for activation (§Handle Fetch: "wait for activated").
    let fetch_activating = vec![
        OpenClient(0),
        Register {
            client: 0,
            script: 0,
        },
        RunJob,
        UpdateBytesChanged,
        Install,
        InstallEventSettled(InstallOutcome::Fulfilled),
        Claim(0),
        Fetch(0),
        ActivateEvent(0),
        ActivateEventSettled(0),
        FunctionalEvent {
            worker: 0,
            wait_until: false,
            notify: false,
        },
    ];
    render("fetch-waits-for-activation", &fetch_activating, none);

    // Divergent ones: one observation edited.
    render("diverge-activated-before-installed", &install(0), |ev| {
        let i = find(
            ev,
            |o| matches!(o, Observation::StateChange { state, .. } if *state == swspec_model::WorkerState::Installed),
        );
        if let Some(Observation::StateChange { state, .. }) = &mut ev[i].obs {
            *state = swspec_model::WorkerState::Activated;
        }
    });
    render("diverge-reload-activates-waiting", &update_waiting, |ev| {
        // A browser that activates the waiting worker on reload.
        let t = ev.last().map_or(0.0, |e| e.t) + 5.0;
        ev.push(Event {
            t,
            earliest: None,
            src: Source::Devtools,
            obs: Some(Observation::StateChange {
                worker: generate::rename(swspec_model::IdSpace::Worker, 1),
                state: swspec_model::WorkerState::Activating,
            }),
            raw: None,
        });
    });
    render("diverge-no-controllerchange-on-claim", &claim, |ev| {
        let i = find(ev, |o| matches!(o, Observation::ControllerChange { .. }));
        ev.remove(i);
        // The claim's effect never shows; a later reload makes the end observable.
        let t = ev.last().map_or(0.0, |e| e.t) + 10.0;
        ev.push(Event {
            t,
            earliest: None,
            src: Source::Driver,
            obs: Some(Observation::Reload {
                client: generate::rename(swspec_model::IdSpace::Client, 0),
            }),
            raw: None,
        });
    });
    render("diverge-fetch-to-stopped-worker", &message, |ev| {
        // The fetch event reaches the same script instance although the worker was stopped.
        let first = ev
            .iter()
            .find_map(|e| match &e.src {
                Source::Worker { instance, .. } => Some(instance.clone()),
                _ => None,
            })
            .expect("a worker event");
        let last = ev.len() - 1;
        if let Source::Worker { instance, .. } = &mut ev[last].src {
            *instance = first;
        }
    });
    render(
        "diverge-failed-install-resolves-type-error",
        &failed,
        |ev| {
            let i = find(ev, |o| matches!(o, Observation::JobSettled { .. }));
            if let Some(Observation::JobSettled { outcome, .. }) = &mut ev[i].obs {
                *outcome = swspec_model::observe::JobOutcome::TypeError;
            }
        },
    );
    render(
        "diverge-fetch-before-activate-event",
        &fetch_activating,
        |ev| {
            // The fetch event is dispatched to the activating worker before its activate event
            // (as Chromium 156 was seen to do).
            let a = find(ev, |o| {
                matches!(
                    o,
                    Observation::LifecycleEvent {
                        event: swspec_model::observe::LifecycleEvent::Activate,
                        ..
                    }
                )
            });
            let f = find(ev, |o| matches!(o, Observation::FunctionalEvent { .. }));
            let mut e = ev.remove(f);
            e.t = ev[a].t - 0.5;
            ev.insert(a, e);
        },
    );
    render("diverge-update-found-twice", &install(0), |ev| {
        let i = find(ev, |o| matches!(o, Observation::UpdateFound));
        let e = ev[i].clone();
        ev.insert(i + 1, e);
    });
}
