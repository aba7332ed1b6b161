//! Deliberate failures inside the pipeline, so that tests can show that its fail-closed
//! paths (a matcher that cannot be built, a panic part-way) end in a refusal and never in
//! a published view. Inert unless a test arms a fault: the pipeline then pays one atomic
//! load per case.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// A failure to provoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The matcher of the case's structured identifiers cannot be built.
    Matcher,
    /// The pipeline panics the way a bad string slice does: std's message quotes the text
    /// (the event summary), so a panic hook that printed it would leak case content.
    Panic,
}

struct Entry {
    id: u64,
    /// `None`: every case.
    external_ref: Option<String>,
    fault: Fault,
}

static ARMED: AtomicUsize = AtomicUsize::new(0);
static ENTRIES: Mutex<Vec<Entry>> = Mutex::new(Vec::new());
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Keeps a fault armed until dropped.
#[must_use = "the fault is disarmed when this is dropped"]
#[derive(Debug)]
pub struct Armed {
    id: u64,
}

/// Arms `fault` for the cases whose `external_ref` is `external_ref` (`None`: every case),
/// in every thread of the process, until the returned guard is dropped.
pub fn arm(external_ref: Option<&str>, fault: Fault) -> Armed {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    ENTRIES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Entry {
            id,
            external_ref: external_ref.map(str::to_owned),
            fault,
        });
    ARMED.fetch_add(1, Ordering::SeqCst);
    Armed { id }
}

impl Drop for Armed {
    fn drop(&mut self) {
        let mut entries = ENTRIES.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|e| e.id != self.id);
        ARMED.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The fault armed for a case with this `external_ref`, if any.
pub(crate) fn armed_for(external_ref: &str) -> Option<Fault> {
    if ARMED.load(Ordering::SeqCst) == 0 {
        return None;
    }
    ENTRIES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find(|e| match &e.external_ref {
            Some(r) => r == external_ref,
            None => true,
        })
        .map(|e| e.fault)
}

/// Panics as a bad slice of `text` does (std's message quotes up to 256 bytes of it).
pub(crate) fn slice_panic(text: &str) {
    let text = std::hint::black_box(text);
    let end = std::hint::black_box(text.len() + 1);
    std::hint::black_box(&text[..end]);
}
