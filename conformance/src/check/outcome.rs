//! What checking one trace returns: the [`Verdict`], the search's figures, the [`Divergence`]
//! when no candidate explains the trace, and the path found ([`PathText`]). These are the types
//! the CLI prints and serialises; how they are filled in is in `report`.

use swspec_model::{observe::GuardStep, Action, ModelConfig, Profile};

/// A divergence: where the trace leaves every candidate.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Divergence {
    /// Line of the first event no candidate accepts (`None`: the trace ended where no
    /// candidate's run can end: observations the model made still unseen, or a prompt step
    /// still due at a quiescent capture's end).
    pub line: Option<usize>,
    /// That event, as written.
    pub event: Option<String>,
    /// Why, in a sentence.
    pub reason: String,
    /// The limit of the check that was hit there, when one was (the job queue's capacity,
    /// `--max-hidden`): the verdict is then `inconclusive`, never `diverges`.
    pub limit: Option<String>,
    /// Observations the model would have accepted there (trace ids where bound, `#n` model ids
    /// otherwise).
    pub expected: Vec<String>,
    /// Candidates alive before it.
    pub candidates: usize,
    /// Summaries of up to `report_candidates` of them.
    pub candidate_summaries: Vec<String>,
    /// Line of the last event matched.
    pub last_matched_line: Option<usize>,
    /// The steps of one surviving candidate since the last matched event, with spec sections.
    pub last_steps: Vec<String>,
}

/// The verdict on one trace.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Some model execution explains every event.
    Conforms,
    /// None does.
    Diverges,
    /// The search hit `max_nodes`.
    Inconclusive,
}

impl Verdict {
    /// The verdict's name.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Conforms => "conforms",
            Verdict::Diverges => "diverges",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// What checking one trace found.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The profile used.
    pub profile: Profile,
    /// The verdict.
    pub verdict: Verdict,
    /// Observed events (lines with an `obs`).
    pub events: usize,
    /// Search nodes visited.
    pub nodes: usize,
    /// The most candidates memoised at one position (the peak frontier).
    pub peak_frontier: usize,
    /// The most unobservable steps taken between two events on the accepted path.
    pub max_hidden_used: usize,
    /// The divergence, when it diverges.
    pub divergence: Option<Divergence>,
    /// The accepted path (or, on divergence, the path to the furthest candidate), rendered.
    pub path: PathText,
    /// The model configuration the trace was checked under (what [`PathText::actions`] replays
    /// in, from its initial state).
    pub config: ModelConfig,
}

/// A rendered path, one line per step: each distinct step's text is rendered once, and a line
/// is put together when it is read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathText {
    /// The distinct steps' texts.
    pub(super) texts: Vec<String>,
    /// Per line: its step's text, and the trace line of the event it matched (`u32::MAX`: the
    /// step is not a match).
    pub(super) lines: Vec<(u32, u32)>,
    /// The model actions of the path, in order (guard steps and matches take none).
    pub(super) actions: Vec<Action>,
    /// The guard steps of the path (calls that changed no state), in order.
    pub(super) guards: Vec<GuardStep>,
}

impl PathText {
    /// The number of lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// No lines?
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Line `i`.
    pub fn line(&self, i: usize) -> Option<String> {
        let &(text, line) = self.lines.get(i)?;
        let shown = &self.texts[text as usize];
        Some(if line == u32::MAX {
            shown.clone()
        } else {
            let mut out = String::with_capacity(shown.len() + 20);
            out.push_str("  line ");
            out.push_str(itoa(line as usize, &mut [0; 20]));
            out.push_str(": ");
            out.push_str(shown);
            out
        })
    }

    /// The path's model actions, in order: replayed from the initial state of
    /// [`Outcome::config`]'s model they reach the path's last state.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The path's guard steps (calls that reject or do nothing), in order.
    pub fn guards(&self) -> &[GuardStep] {
        &self.guards
    }

    /// The lines, in order.
    pub fn lines(&self) -> impl ExactSizeIterator<Item = String> + '_ {
        (0..self.len()).map(|i| self.line(i).unwrap_or_default())
    }
}

/// `n` in decimal, written into `buf`.
fn itoa(mut n: usize, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("?")
}
