//! Answers of the index kept for the searcher generation that gave them.
//!
//! A search's cost is the index's work: matching, scoring, counting the facets of every
//! match. Its answer — the total, the facet counts, the ranked ids and what highlights the
//! query's terms — depends only on the request and on the documents the searcher sees. A
//! searcher generation never changes its documents, so an answer stays right for as long
//! as the reader serves that generation; the first search after the index applied a change
//! (a publication, a withdrawal) sees a new generation and starts an empty cache.
//!
//! Only the index's answer is kept: the summaries and passages of a page are made on every
//! request from the published views read from the store, so a case withdrawn meanwhile
//! never shows. The key is a digest of the request: the text a member typed is not kept.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use ring::digest;

use super::hits::Answer;
use super::SearchRequest;

/// Most answers kept per generation.
pub(super) const CAPACITY: usize = 2048;
/// How deep a first answer ranks: as deep as an answer is kept. It costs next to nothing
/// more than ranking ten: every match is scored anyway, for the total and the facet
/// counts, and only the heap of the best grows.
pub(super) const FIRST_DEPTH: usize = MAX_KEPT_DEPTH;
/// The deepest answer kept (a deeper page is answered, not kept): 2,048 answers of
/// 1,000 ranked documents hold about 24 MB.
pub(super) const MAX_KEPT_DEPTH: usize = 1000;

/// A request's key: the SHA-256 of its query and filters (not its page: every page of a
/// query is a slice of one answer).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Key([u8; 32]);

impl Key {
    pub(super) fn of(request: &SearchRequest) -> Key {
        let mut ctx = digest::Context::new(&digest::SHA256);
        let mut put = |bytes: &[u8]| {
            ctx.update(&(bytes.len() as u64).to_le_bytes());
            ctx.update(bytes);
        };
        match &request.query {
            Some(q) => put(q.as_bytes()),
            None => put(&[0xff]),
        }
        for (kind, values) in &request.filters {
            put(kind.name().as_bytes());
            for v in values {
                put(v.as_bytes());
            }
        }
        let mut out = [0; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        Key(out)
    }
}

struct Inner<K, V> {
    generation: u64,
    kept: HashMap<K, V>,
    /// Insertion order, for eviction (oldest first).
    order: VecDeque<K>,
}

/// Values of one searcher generation, at most `capacity`, the oldest dropped first: a
/// generation never changes its documents, so what was computed from them holds for as
/// long as the reader serves that generation.
pub(super) struct Kept<K, V> {
    capacity: usize,
    inner: Mutex<Inner<K, V>>,
}

/// The answers of one searcher generation.
pub(super) type AnswerCache = Kept<Key, Arc<Answer>>;

impl<K: Copy + Eq + std::hash::Hash, V: Clone> Kept<K, V> {
    pub(super) fn new(capacity: usize) -> Self {
        Kept {
            capacity,
            inner: Mutex::new(Inner {
                generation: 0,
                kept: HashMap::new(),
                order: VecDeque::new(),
            }),
        }
    }

    /// The value kept for `key` in `generation`.
    pub(super) fn get(&self, generation: u64, key: &K) -> Option<V> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.generation != generation {
            return None;
        }
        inner.kept.get(key).cloned()
    }

    /// Keeps `value` for `key` in `generation`; a newer generation drops what an older
    /// one kept, and an older one keeps nothing.
    pub(super) fn put(&self, generation: u64, key: K, value: V) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if generation < inner.generation {
            return;
        }
        if generation > inner.generation {
            inner.generation = generation;
            inner.kept.clear();
            inner.order.clear();
        }
        if inner.kept.insert(key, value).is_none() {
            inner.order.push_back(key);
        }
        while inner.order.len() > self.capacity {
            if let Some(old) = inner.order.pop_front() {
                inner.kept.remove(&old);
            }
        }
    }

    /// How many values are kept (for tests).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .kept
            .len()
    }
}
