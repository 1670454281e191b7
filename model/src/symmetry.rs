//! Symmetry reduction over interchangeable clients (stateright `Representative`).
//!
//! Clients carry no identity the model relies on: sorting them (and renaming the client ids held
//! by jobs) maps every state to a canonical representative of its equivalence class. The sort key
//! is the client's own state plus where the job queue refers to it, so two clients tie only when
//! they are truly interchangeable and the representative does not depend on their order.

use crate::{ClientId, SwState};
use stateright::Representative;

impl SwState {
    /// Where the job queue names client `c`: (job index, 0 for the job's own promise or 1 + the
    /// position among its coalesced jobs).
    fn job_references(&self, c: usize) -> Vec<(usize, usize)> {
        let mut refs = Vec::new();
        for (j, job) in self.jobs.iter().enumerate() {
            if job.client == Some(c as ClientId) {
                refs.push((j, 0));
            }
            for (k, e) in job.equivalent.iter().enumerate() {
                if *e == Some(c as ClientId) {
                    refs.push((j, k + 1));
                }
            }
        }
        refs
    }
}

impl Representative for SwState {
    fn representative(&self) -> Self {
        let mut order: Vec<usize> = (0..self.clients.len()).collect();
        if self.jobs.is_empty() {
            order.sort_by_key(|&i| self.clients[i]);
        } else {
            order.sort_by_cached_key(|&i| (self.clients[i], self.job_references(i)));
        }
        // new_id[old] = position of the old client in the sorted order.
        let mut new_id = vec![0 as ClientId; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_id[old] = new as ClientId;
        }
        let rename = |c: Option<ClientId>| c.map(|c| new_id[c as usize]);
        let mut s = self.clone();
        s.clients = order.iter().map(|&i| self.clients[i]).collect();
        for job in &mut s.jobs {
            job.client = rename(job.client);
            for e in &mut job.equivalent {
                *e = rename(*e);
            }
        }
        s
    }
}
