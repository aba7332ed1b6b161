//! At most one index search per core at a time.
//!
//! A search is CPU work from start to end (posting lists, scoring, facet counts). Run
//! sixteen at once on two cores and the operating system shares the cores among them:
//! every search takes as long as all sixteen, and an expensive one finishes last by far.
//! Admitted one per core, in arrival order, a search waits for those ahead of it and then
//! runs alone on its core, with its data in that core's caches: the same throughput or
//! better, and a tail no longer stretched by time-slicing.

use std::sync::{Condvar, Mutex, PoisonError};

/// A counting gate, first come first served.
pub(super) struct Gate {
    state: Mutex<State>,
    turn: Condvar,
}

struct State {
    /// Free places.
    free: usize,
    /// Tickets handed out, and the next ticket to be admitted.
    issued: u64,
    serving: u64,
}

/// A place in the gate, given back on drop.
pub(super) struct Place<'g> {
    gate: &'g Gate,
}

impl Gate {
    /// A gate with `places` places (at least one).
    pub(super) fn new(places: usize) -> Self {
        Gate {
            state: Mutex::new(State {
                free: places.max(1),
                issued: 0,
                serving: 0,
            }),
            turn: Condvar::new(),
        }
    }

    /// One place per core this process may use.
    pub(super) fn per_core() -> Self {
        Gate::new(std::thread::available_parallelism().map_or(2, usize::from))
    }

    /// Waits for a place, in arrival order.
    pub(super) fn enter(&self) -> Place<'_> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let ticket = state.issued;
        state.issued += 1;
        while !(state.free > 0 && state.serving == ticket) {
            state = self
                .turn
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.free -= 1;
        state.serving += 1;
        drop(state);
        // The next ticket may be admitted now if a place is still free.
        self.turn.notify_all();
        Place { gate: self }
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let mut state = self
            .gate
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        state.free += 1;
        drop(state);
        self.gate.turn.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn never_more_inside_than_places_and_everyone_gets_in() {
        let gate = Arc::new(Gate::new(2));
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (gate, inside, most, done) = (
                    Arc::clone(&gate),
                    Arc::clone(&inside),
                    Arc::clone(&most),
                    Arc::clone(&done),
                );
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let _place = gate.enter();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                    done.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(done.load(Ordering::SeqCst), 16);
        assert_eq!(
            most.load(Ordering::SeqCst),
            2,
            "two places, both used, never three"
        );
    }

    #[test]
    fn a_place_is_given_back_when_its_holder_panics() {
        let gate = Arc::new(Gate::new(1));
        let g = Arc::clone(&gate);
        let _ = std::thread::spawn(move || {
            let _place = g.enter();
            panic!("a search failed");
        })
        .join();
        drop(gate.enter());
    }
}
