//! The order the search expands its nodes in ([`Agenda`]). The quick pass goes depth first
//! ([`Stack`]). The exact pass ([`Levels`]) goes position by position through the trace, every
//! node at one position before any at the next, and at one position in the order they were
//! made (first in, first out), so the nodes of a position are expanded by increasing number of
//! unobservable steps since the last event (breadth first over the hidden steps).
//!
//! This order is what lets the memo expand each (position, candidate) once. A node's children
//! are either at its own position, one hidden step deeper, or at the next position at depth 0
//! (an event matched); so when a position's first node is taken every node that will ever reach
//! it at depth 0 is already there, and a candidate met again at that position is never met at a
//! smaller depth. A depth-first search instead reaches a candidate first along a long run of
//! hidden steps and then again along a shorter one, and expands it, and everything after it,
//! once more each time: on a generated Background Fetch trace that was 1.68 M of 2 M nodes.
//!
//! The cost is that a trace the model explains readily is no longer followed straight through:
//! every candidate consistent with a prefix is expanded before the next event is looked at. The
//! node count is then the number of distinct (position, candidate) pairs, which is what the
//! budget bounds.

use super::bindings::Aux;
use super::candidate::{Pending, State};
use std::collections::VecDeque;
use std::rc::Rc;

/// A node waiting to be expanded: its candidate, whose obligations wait in its level's
/// obligation buffer.
pub(super) struct Open {
    /// Arena index.
    pub(super) ix: u32,
    /// Trace position.
    pub(super) pos: u32,
    /// Unobservable steps since the last matched event.
    pub(super) depth: u8,
    /// How many obligations of the level's buffer are its.
    pub(super) pending: u16,
    /// Its model state.
    pub(super) s: Rc<State>,
    /// Its bindings and stamps.
    pub(super) aux: Rc<Aux>,
}

/// The nodes waiting at one position, first in first out, and their obligations in the same
/// order (one buffer instead of a list per node).
#[derive(Default)]
struct Level {
    nodes: VecDeque<Open>,
    pending: VecDeque<Pending>,
}

/// The nodes waiting to be expanded in trace order (see the module doc): those at the
/// position being expanded, and those at the next one.
#[derive(Default)]
pub(super) struct Levels {
    /// The position being expanded.
    current: Level,
    /// The next position.
    next: Level,
    /// The position being expanded: `current`'s nodes' (`next`'s are one further).
    pos: u32,
}

impl Levels {
    /// Adds `open`, with obligations `pending`, at its position: the one being expanded or the
    /// next.
    pub(super) fn add(&mut self, open: Open, pending: &mut Vec<Pending>) {
        let level = if open.pos == self.pos {
            &mut self.current
        } else {
            debug_assert_eq!(open.pos, self.pos + 1);
            &mut self.next
        };
        level.pending.extend(pending.drain(..));
        level.nodes.push_back(open);
    }

    /// Takes the next node to expand, appending its obligations to `pending`: the current
    /// position's first, or, when it has none left, the next position's.
    pub(super) fn take(&mut self, pending: &mut Vec<Pending>) -> Option<Open> {
        if self.current.nodes.is_empty() {
            if self.next.nodes.is_empty() {
                return None;
            }
            std::mem::swap(&mut self.current, &mut self.next);
            self.pos += 1;
        }
        let open = self.current.nodes.pop_front()?;
        pending.extend(self.current.pending.drain(..usize::from(open.pending)));
        Some(open)
    }
}

/// The nodes waiting to be expanded depth first: last in, first out, their obligations in one
/// buffer in the same order.
#[derive(Default)]
pub(super) struct Stack {
    nodes: Vec<Open>,
    pending: Vec<Pending>,
}

impl Stack {
    /// Pushes `open`, with obligations `pending`.
    fn add(&mut self, open: Open, pending: &mut Vec<Pending>) {
        self.pending.append(pending);
        self.nodes.push(open);
    }

    /// Pops the last node pushed, appending its obligations to `pending`.
    fn take(&mut self, pending: &mut Vec<Pending>) -> Option<Open> {
        let open = self.nodes.pop()?;
        let start = self.pending.len() - usize::from(open.pending);
        pending.extend(self.pending.drain(start..));
        Some(open)
    }
}

/// The nodes waiting to be expanded, in the order of one of the search's two passes.
pub(super) enum Agenda {
    /// The quick pass: depth first.
    Stack(Stack),
    /// The exact pass: in trace order, breadth first within a position.
    Levels(Levels),
}

impl Agenda {
    /// Adds `open`, with obligations `pending` (left empty).
    pub(super) fn add(&mut self, open: Open, pending: &mut Vec<Pending>) {
        match self {
            Agenda::Stack(s) => s.add(open, pending),
            Agenda::Levels(l) => l.add(open, pending),
        }
    }

    /// Takes the next node to expand, appending its obligations to `pending`.
    pub(super) fn take(&mut self, pending: &mut Vec<Pending>) -> Option<Open> {
        match self {
            Agenda::Stack(s) => s.take(pending),
            Agenda::Levels(l) => l.take(pending),
        }
    }

    /// Is the next node taken the last one added (so a node's children go in in reverse, to
    /// try the first alternative first)?
    pub(super) fn last_in_first_out(&self) -> bool {
        matches!(self, Agenda::Stack(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use swspec_model::{ModelConfig, SwModel};

    fn open(pos: u32, depth: u8, ix: u32) -> Open {
        let model = SwModel::new(ModelConfig::default());
        Open {
            ix,
            pos,
            depth,
            pending: 0,
            s: State::new(model.init_state()),
            aux: Rc::default(),
        }
    }

    /// Every node at one position before any at the next; first in, first out within one.
    #[test]
    fn takes_positions_in_order_and_each_position_first_in_first_out() {
        let mut a = Levels::default();
        let mut none = Vec::new();
        let ix = |a: &mut Levels| a.take(&mut Vec::new()).map(|o| o.ix);
        a.add(open(0, 0, 0), &mut none);
        assert_eq!(ix(&mut a), Some(0));
        a.add(open(0, 1, 1), &mut none);
        a.add(open(1, 0, 2), &mut none);
        a.add(open(0, 1, 3), &mut none);
        assert_eq!(ix(&mut a), Some(1));
        a.add(open(0, 2, 4), &mut none);
        assert_eq!(ix(&mut a), Some(3));
        assert_eq!(ix(&mut a), Some(4));
        assert_eq!(ix(&mut a), Some(2));
        a.add(open(2, 0, 5), &mut none);
        a.add(open(1, 1, 6), &mut none);
        assert_eq!(ix(&mut a), Some(6));
        assert_eq!(ix(&mut a), Some(5));
        assert_eq!(ix(&mut a), None);
    }

    /// A node's obligations come back with it, in either order.
    #[test]
    fn obligations_come_back_with_their_node() {
        for lifo in [false, true] {
            obligations_come_back(if lifo {
                Agenda::Stack(Stack::default())
            } else {
                Agenda::Levels(Levels::default())
            });
        }
    }

    fn obligations_come_back(mut a: Agenda) {
        let lifo = a.last_in_first_out();
        let p = |deadline| Pending {
            obs: swspec_model::Observation::GoOnline,
            shape: 0,
            group: 0,
            chan: 0,
            deadline,
            earlier_instance: false,
        };
        let mut first = open(0, 0, 0);
        first.pending = 2;
        a.add(first, &mut vec![p(1), p(2)]);
        let mut second = open(0, 1, 1);
        second.pending = 1;
        a.add(second, &mut vec![p(3)]);
        let mut got = Vec::new();
        let deadlines = |a: &mut Agenda, got: &mut Vec<Pending>| {
            got.clear();
            a.take(got);
            got.iter().map(|x| x.deadline).collect::<Vec<_>>()
        };
        let (first, second) = (deadlines(&mut a, &mut got), deadlines(&mut a, &mut got));
        if lifo {
            assert_eq!((first, second), (vec![3], vec![1, 2]));
        } else {
            assert_eq!((first, second), (vec![1, 2], vec![3]));
        }
    }
}
