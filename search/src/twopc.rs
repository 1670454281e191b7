//! Gray and Lamport's abstract two-phase commit (TLA+ `TwoPhase`), the engine's baseline.
//!
//! A transaction manager (TM) and `rms` resource managers (RMs) agree to commit or abort. It is
//! modelled as stateright's own `examples/2pc.rs` models it, so its unique state counts equal
//! the ones stateright pins (288 at 3 RMs, 8,832 at 5, 1,745,408 at 8), and the benches can
//! compare this engine with stateright's checker on the same model.

use serde::{Deserialize, Serialize};
use stateright::{Model, Property};

/// A resource manager's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rm {
    /// Working on the transaction.
    Working,
    /// Prepared to commit.
    Prepared,
    /// Committed.
    Committed,
    /// Aborted.
    Aborted,
}

/// The transaction manager's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tm {
    /// Collecting `Prepared` messages.
    Init,
    /// Decided to commit.
    Committed,
    /// Decided to abort.
    Aborted,
}

/// The whole system: every RM, the TM, which `Prepared` messages the TM has received, and the
/// messages sent (a set: a message once sent stays available).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TwoPcState {
    /// Each RM's state.
    pub rm: Vec<Rm>,
    /// The TM's state.
    pub tm: Tm,
    /// Per RM: the TM has received its `Prepared` message.
    pub tm_prepared: Vec<bool>,
    /// `Prepared` messages sent, per RM.
    pub sent_prepared: Vec<bool>,
    /// `Commit` was sent.
    pub sent_commit: bool,
    /// `Abort` was sent.
    pub sent_abort: bool,
}

/// One step of `TwoPhase`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TwoPcAction {
    /// `TMRcvPrepared(rm)`: the TM records RM `rm`'s `Prepared` message.
    TmRcvPrepared(usize),
    /// `TMCommit`: every RM prepared, the TM commits and sends `Commit`.
    TmCommit,
    /// `TMAbort`: the TM spontaneously aborts and sends `Abort`.
    TmAbort,
    /// `RMPrepare(rm)`: a working RM prepares and sends `Prepared`.
    RmPrepare(usize),
    /// `RMChooseToAbort(rm)`: a working RM aborts on its own.
    RmChooseToAbort(usize),
    /// `RMRcvCommitMsg(rm)`: an RM receives `Commit`.
    RmRcvCommitMsg(usize),
    /// `RMRcvAbortMsg(rm)`: an RM receives `Abort`.
    RmRcvAbortMsg(usize),
}

/// The system with `rms` resource managers.
#[derive(Clone, Debug)]
pub struct TwoPc {
    /// Number of resource managers (range 1..; stateright pins 3, 5 and 8).
    pub rms: usize,
}

impl Model for TwoPc {
    type State = TwoPcState;
    type Action = TwoPcAction;

    fn init_states(&self) -> Vec<TwoPcState> {
        vec![TwoPcState {
            rm: vec![Rm::Working; self.rms],
            tm: Tm::Init,
            tm_prepared: vec![false; self.rms],
            sent_prepared: vec![false; self.rms],
            sent_commit: false,
            sent_abort: false,
        }]
    }

    fn actions(&self, s: &TwoPcState, out: &mut Vec<TwoPcAction>) {
        if s.tm == Tm::Init && s.tm_prepared.iter().all(|p| *p) {
            out.push(TwoPcAction::TmCommit);
        }
        if s.tm == Tm::Init {
            out.push(TwoPcAction::TmAbort);
        }
        for rm in 0..self.rms {
            if s.tm == Tm::Init && s.sent_prepared[rm] {
                out.push(TwoPcAction::TmRcvPrepared(rm));
            }
            if s.rm[rm] == Rm::Working {
                out.push(TwoPcAction::RmPrepare(rm));
                out.push(TwoPcAction::RmChooseToAbort(rm));
            }
            if s.sent_commit {
                out.push(TwoPcAction::RmRcvCommitMsg(rm));
            }
            if s.sent_abort {
                out.push(TwoPcAction::RmRcvAbortMsg(rm));
            }
        }
    }

    fn next_state(&self, s: &TwoPcState, action: TwoPcAction) -> Option<TwoPcState> {
        let mut n = s.clone();
        match action {
            TwoPcAction::TmRcvPrepared(rm) => n.tm_prepared[rm] = true,
            TwoPcAction::TmCommit => {
                n.tm = Tm::Committed;
                n.sent_commit = true;
            }
            TwoPcAction::TmAbort => {
                n.tm = Tm::Aborted;
                n.sent_abort = true;
            }
            TwoPcAction::RmPrepare(rm) => {
                n.rm[rm] = Rm::Prepared;
                n.sent_prepared[rm] = true;
            }
            TwoPcAction::RmChooseToAbort(rm) => n.rm[rm] = Rm::Aborted,
            TwoPcAction::RmRcvCommitMsg(rm) => n.rm[rm] = Rm::Committed,
            TwoPcAction::RmRcvAbortMsg(rm) => n.rm[rm] = Rm::Aborted,
        }
        Some(n)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::sometimes("abort agreement", |_, s: &TwoPcState| {
                s.rm.iter().all(|r| *r == Rm::Aborted)
            }),
            Property::sometimes("commit agreement", |_, s: &TwoPcState| {
                s.rm.iter().all(|r| *r == Rm::Committed)
            }),
            Property::always("consistent", |_, s: &TwoPcState| {
                !(s.rm.contains(&Rm::Aborted) && s.rm.contains(&Rm::Committed))
            }),
        ]
    }
}
