//! The facet counts of a search, from a table of each segment's facet values built once.
//!
//! tantivy's `FacetCollector` decodes every matching document's facet column and maps
//! each term ordinal through the requested facets, for every search: at 100,000 cases that
//! was a fifth of a search's time. A segment never changes its documents, so the values of
//! each of its documents are read once into [`SegmentSlots`] (the values as small numbers,
//! the same for every segment: [`Slots`]), kept for as long as the segment lives; a search
//! then adds one to a counter per value of each match.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::FacetKind;

/// The name of the facet field.
const FIELD: &str = "facets";

/// Every facet value seen, numbered in the order first seen: `(kind, value)` ↔ slot.
#[derive(Default)]
struct Slots {
    by_value: HashMap<(FacetKind, String), u32>,
    values: Vec<(FacetKind, String)>,
}

impl Slots {
    fn slot(&mut self, kind: FacetKind, value: &str) -> u32 {
        if let Some(&s) = self.by_value.get(&(kind, value.to_owned())) {
            return s;
        }
        let s = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        self.values.push((kind, value.to_owned()));
        self.by_value.insert((kind, value.to_owned()), s);
        s
    }
}

/// The facet values of every document of one segment: document `d` has the slots
/// `slots[starts[d]..starts[d + 1]]`, each once.
pub(super) struct SegmentSlots {
    starts: Vec<u32>,
    slots: Vec<u32>,
}

/// The tables of the segments the index holds, and the numbering they share.
#[derive(Default)]
pub(super) struct FacetTables {
    slots: Mutex<Slots>,
    segments: Mutex<HashMap<SegmentId, Arc<SegmentSlots>>>,
}

impl FacetTables {
    /// The table of `segment`, built on first use.
    fn of(&self, segment: &SegmentReader) -> tantivy::Result<Arc<SegmentSlots>> {
        let id = segment.segment_id();
        if let Some(table) = self
            .segments
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
        {
            return Ok(Arc::clone(table));
        }
        let table = Arc::new(self.build(segment)?);
        self.segments
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, Arc::clone(&table));
        Ok(table)
    }

    fn build(&self, segment: &SegmentReader) -> tantivy::Result<SegmentSlots> {
        let reader = segment.facet_reader(FIELD)?;
        // Each term ordinal of the segment's facet dictionary → its slot, if it is a value
        // of a facet kind (`/harm/severe`).
        let mut by_ord = Vec::with_capacity(reader.num_facets());
        {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            let mut facet = Facet::root();
            for ord in 0..reader.num_facets() {
                reader.facet_from_ord(ord as u64, &mut facet)?;
                let path = facet.to_path();
                let slot = match (
                    path.first().and_then(|k| FacetKind::from_name(k)),
                    path.last(),
                ) {
                    (Some(kind), Some(value)) if path.len() >= 2 => Some(slots.slot(kind, value)),
                    _ => None,
                };
                by_ord.push(slot);
            }
        }
        let max_doc = segment.max_doc();
        let mut starts = Vec::with_capacity(max_doc as usize + 1);
        let mut slots = Vec::new();
        starts.push(0);
        let mut doc_slots = Vec::new();
        for doc in 0..max_doc {
            doc_slots.clear();
            doc_slots.extend(
                reader
                    .facet_ords(doc)
                    .filter_map(|ord| by_ord.get(ord as usize).copied().flatten()),
            );
            // A value counts once per case.
            doc_slots.sort_unstable();
            doc_slots.dedup();
            slots.extend_from_slice(&doc_slots);
            starts.push(u32::try_from(slots.len()).unwrap_or(u32::MAX));
        }
        Ok(SegmentSlots { starts, slots })
    }

    /// Forgets the tables of segments the searcher no longer has (merged away).
    pub(super) fn prune(&self, searcher: &tantivy::Searcher) {
        let mut segments = self.segments.lock().unwrap_or_else(PoisonError::into_inner);
        if segments.len() <= searcher.segment_readers().len() {
            return;
        }
        let live: HashSet<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(SegmentReader::segment_id)
            .collect();
        segments.retain(|id, _| live.contains(id));
    }

    /// A collector of the facet counts of a search's matches.
    pub(super) fn collector(&self) -> FacetCounts<'_> {
        FacetCounts { tables: self }
    }

    /// Counts by slot → counts by facet kind and value, every kind present.
    pub(super) fn named(&self, counts: &[u64]) -> BTreeMap<&'static str, BTreeMap<String, u64>> {
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out: BTreeMap<&'static str, BTreeMap<String, u64>> = FacetKind::ALL
            .iter()
            .map(|k| (k.name(), BTreeMap::new()))
            .collect();
        for (slot, &count) in counts.iter().enumerate() {
            if count == 0 {
                continue;
            }
            if let Some((kind, value)) = slots.values.get(slot) {
                out.entry(kind.name())
                    .or_default()
                    .insert(value.clone(), count);
            }
        }
        out
    }
}

/// See [`FacetTables::collector`]: its fruit is the count of every slot.
pub(super) struct FacetCounts<'t> {
    tables: &'t FacetTables,
}

pub(super) struct SegmentFacetCounts {
    table: Arc<SegmentSlots>,
    counts: Vec<u64>,
}

impl Collector for FacetCounts<'_> {
    type Fruit = Vec<u64>;
    type Child = SegmentFacetCounts;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounts> {
        let table = self.tables.of(segment)?;
        let slots = self
            .tables
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values
            .len();
        Ok(SegmentFacetCounts {
            table,
            counts: vec![0; slots],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u64>>) -> tantivy::Result<Vec<u64>> {
        let mut out: Vec<u64> = Vec::new();
        for fruit in fruits {
            if out.len() < fruit.len() {
                out.resize(fruit.len(), 0);
            }
            for (o, c) in out.iter_mut().zip(fruit) {
                *o += c;
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for SegmentFacetCounts {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        let t = &*self.table;
        let (Some(&from), Some(&to)) = (t.starts.get(doc as usize), t.starts.get(doc as usize + 1))
        else {
            return;
        };
        for &slot in t.slots.get(from as usize..to as usize).unwrap_or(&[]) {
            // Every slot of the table was numbered before the counters were made.
            if let Some(c) = self.counts.get_mut(slot as usize) {
                *c += 1;
            }
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.counts
    }
}
