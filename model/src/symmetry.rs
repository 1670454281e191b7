//! Symmetry reduction over interchangeable clients (stateright `Representative`).
//!
//! Clients carry no identity the model relies on: sorting them (and renaming the client ids held
//! by jobs and by queued fetch events) maps every state to a canonical representative of its
//! equivalence class. The sort key is the client's own state plus bitmasks of the job-promise
//! positions and of the fetch-event positions that name it; no position names two clients, so
//! two clients tie only when neither is named and they are truly interchangeable. No
//! allocation: this runs for every generated state.

use crate::{capacity, ClientId, EventKind, JobClient, SwState};
use stateright::Representative;

impl SwState {
    /// Bit `4 * job + k` is set when job `job`'s promise (`k == 0`) or its `k`-th coalesced
    /// promise names client `c`.
    fn job_mask(&self, c: usize) -> u32 {
        let mut mask = 0;
        for (j, job) in self.jobs.iter().enumerate() {
            if job.client == Some(JobClient::Page(c as ClientId)) {
                mask |= 1 << (4 * j);
            }
            for (k, e) in job.equivalent.iter().enumerate() {
                if *e == Some(JobClient::Page(c as ClientId)) {
                    mask |= 1 << (4 * j + k + 1);
                }
            }
        }
        mask
    }

    /// Every queued, extended or backed-up fetch event (in no particular order: renaming needs
    /// none).
    fn fetch_events_mut(&mut self) -> impl Iterator<Item = &mut EventKind> {
        let workers = self
            .workers
            .iter_mut()
            .flat_map(|w| w.tasks.iter_mut().chain(w.extended.iter_mut()));
        let backups = self
            .registrations
            .iter_mut()
            .flat_map(|r| r.backup.iter_mut());
        workers
            .chain(backups)
            .filter(|k| matches!(k, EventKind::Fetch { .. }))
    }

    /// Entry `c`'s bit `p` (at most 63) is set when the `p`-th fetch event naming a client is
    /// for client `c`, in a fixed order: each worker's tasks, then its extended events, then
    /// each registration's backed-up tasks. All zero when fetch events name no client
    /// (`ModelConfig::fetch_details` off). Positions past 63 share the last bit:
    /// two clients may then tie without being interchangeable, which costs reduction, never
    /// soundness (any renaming of clients is a symmetry of the model).
    fn fetch_masks(&self) -> [u64; capacity::CLIENTS] {
        let mut masks = [0; capacity::CLIENTS];
        let workers = self
            .workers
            .iter()
            .flat_map(|w| w.tasks.iter().chain(w.extended.iter()));
        let backups = self.registrations.iter().flat_map(|r| r.backup.iter());
        let clients = workers.chain(backups).filter_map(|k| match k {
            EventKind::Fetch {
                client: Some(c), ..
            } => Some(*c as usize),
            _ => None,
        });
        for (p, c) in clients.enumerate() {
            masks[c] |= 1 << p.min(63);
        }
        masks
    }
}

impl SwState {
    /// Puts the state into the representative of its class, in place: no copy when it already
    /// is one (the search's hot path; `Representative::representative` copies, then calls this).
    pub fn canonicalize(&mut self) {
        let n = self.clients.len();
        let fetches = self.fetch_masks();
        let mut keys = [(crate::Client::default(), 0u32, 0u64); capacity::CLIENTS];
        for (i, key) in keys.iter_mut().enumerate().take(n) {
            *key = (self.clients[i], self.job_mask(i), fetches[i]);
        }
        let mut order = [0usize; capacity::CLIENTS];
        for (i, o) in order.iter_mut().enumerate() {
            *o = i;
        }
        let order = &mut order[..n];
        order.sort_by_key(|&i| keys[i]);
        if order.iter().enumerate().all(|(pos, &i)| pos == i) {
            return;
        }
        // new_id[old] = position of the old client in the sorted order.
        let mut new_id = [0 as ClientId; capacity::CLIENTS];
        for (new, &old) in order.iter().enumerate() {
            new_id[old] = new as ClientId;
        }
        // Only pages are renamed: a worker holding a job promise keeps its id.
        let rename = |c: Option<JobClient>| match c {
            Some(JobClient::Page(c)) => Some(JobClient::Page(new_id[c as usize])),
            other => other,
        };
        let before = self.clients;
        for (pos, &old) in order.iter().enumerate() {
            self.clients[pos] = before[old];
        }
        for job in &mut self.jobs {
            job.client = rename(job.client);
            for e in &mut job.equivalent {
                *e = rename(*e);
            }
        }
        // Without fetch details no fetch event names a client: nothing to rename.
        if fetches.iter().all(|m| *m == 0) {
            return;
        }
        for kind in self.fetch_events_mut() {
            if let EventKind::Fetch {
                client: Some(c), ..
            } = kind
            {
                *c = new_id[*c as usize];
            }
        }
    }
}

impl Representative for SwState {
    fn representative(&self) -> Self {
        let mut s = self.clone();
        s.canonicalize();
        s
    }
}
