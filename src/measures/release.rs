//! The release: every count a non-curator may ever be shown, protected once and together.
//!
//! Suppressing each answer on its own is not enough: two answers with different filters
//! or periods can be subtracted (the cases of 2025-Q1 to Q4 minus those of Q1 to Q3 are
//! the cases of Q4, however each answer hid its own small cells). So the counts behind
//! every answer come from one [`Release`], built from all contributed cases and
//! suppressed as one [`Grid`]:
//!
//! - its **slices** are the whole collaborative and each single category, harm level and
//!   setting (a non-curator narrows by one of them at a time);
//! - each slice has every cell ([`SlotCells`]) for the whole period, each quarter of
//!   contribution and each event year, and the relations between them: periods add up to
//!   the whole, the categories (harm levels, settings) of a period add up to the slice of
//!   the whole collaborative, yes and no add up to the cases;
//! - a collaborative count is hidden when it rests on 1 to 10 cases, *or when the cases
//!   of any one organization leave 1 to 10 others*: that organization knows its own
//!   cases, so it could subtract them (its own figures beside the collaborative, or the
//!   collaborative seen by its member accounts);
//! - then complementary suppression, exact across the whole release.
//!
//! An answer ([`answer`]) only ever shows a release cell as the release shows it, or a sum
//! of release cells (a range of quarters or years) when every part is shown, so it is
//! determined by what the release already shows: no combination of answers reveals more
//! than the release, and the release reveals no hidden cell. An organization's own column
//! comes from its own release, suppressed the same way.

use std::collections::{BTreeMap, BTreeSet};

use super::facts::CaseFacts;
use super::query::{MeasuresQuery, Quarter, QueryError};
use super::report::{slot_cells, Population, Slot, SlotCells, Tallies};
use super::suppress::{Cell, CellId, Grid, MIN_CELL};
use super::tally::Tally;
use crate::case::{Category, Harm, OrgId, Setting};

/// The cases a non-curator's answer narrows to: all, or one category, harm or setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Slice {
    All,
    Category(Category),
    Harm(Harm),
    Setting(Setting),
}

impl Slice {
    /// Every slice of the release: all, then each category, harm level and setting.
    pub fn every() -> Vec<Slice> {
        std::iter::once(Slice::All)
            .chain(Category::ALL.iter().map(|c| Slice::Category(*c)))
            .chain(Harm::ALL.iter().map(|h| Slice::Harm(*h)))
            .chain(Setting::ALL.iter().map(|s| Slice::Setting(*s)))
            .collect()
    }

    pub fn admits(self, f: &CaseFacts) -> bool {
        match self {
            Slice::All => true,
            Slice::Category(c) => f.category == c,
            Slice::Harm(h) => f.harm == h,
            Slice::Setting(s) => f.setting == s,
        }
    }

    /// The slice a query narrows to. Two of category, harm and setting at once would ask
    /// for cells the release does not hold (and that would split the collaborative into
    /// cells too small to show), so a non-curator is refused.
    pub fn of(query: &MeasuresQuery) -> Result<Slice, QueryError> {
        let given: Vec<Slice> = [
            query.category.map(Slice::Category),
            query.harm.map(Slice::Harm),
            query.setting.map(Slice::Setting),
        ]
        .into_iter()
        .flatten()
        .collect();
        match given[..] {
            [] => Ok(Slice::All),
            [one] => Ok(one),
            _ => Err(QueryError(
                "narrow by one of category, harm and setting at a time; combining them is \
                 for PSO staff only (it would split the collaborative into cells too small \
                 to show)"
                    .into(),
            )),
        }
    }
}

/// Counts of the slices, by period, suppressed together.
#[derive(Debug, Clone)]
pub struct Release {
    pub grid: Grid,
    /// An organization's own release.
    own: bool,
    slices: Vec<(Slice, BTreeMap<Slot, SlotCells>)>,
    /// The quarters of contribution and event years of the cases, in order.
    pub(super) quarters: Vec<Quarter>,
    pub(super) years: Vec<i32>,
}

/// Which periods an answer covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Range {
    /// The whole period: the release's total slot.
    Whole,
    /// These quarters of contribution (possibly none).
    Quarters(Vec<Quarter>),
    /// These event years (possibly none).
    Years(Vec<i32>),
}

impl Release {
    /// The release of `facts` over `slices`. With `guard_orgs`, a count is also hidden
    /// when one organization's cases leave 1 to 10 others in it (the collaborative's
    /// release; an organization's own release has nothing to guard).
    pub fn build(facts: &[CaseFacts], slices: &[Slice], guard_orgs: bool) -> Release {
        let quarters: Vec<Quarter> = facts
            .iter()
            .map(|f| Quarter::of(f.received_at))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let years: Vec<i32> = facts
            .iter()
            .map(|f| f.event_year)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        Self::build_over(facts, slices, guard_orgs, quarters, years, true)
    }

    /// The collaborative's release: every slice, guarded against each organization.
    pub fn collaborative(facts: &[CaseFacts]) -> Release {
        Self::build(facts, &Slice::every(), true)
    }

    /// An organization's own release of one slice, over the periods of the
    /// collaborative's `release` (so that its columns line up with the collaborative's).
    pub fn own(facts: &[CaseFacts], org: OrgId, slice: Slice, release: &Release) -> Release {
        let own: Vec<CaseFacts> = facts.iter().filter(|f| f.org == org).cloned().collect();
        Self::build_over(
            &own,
            &[slice],
            false,
            release.quarters.clone(),
            release.years.clone(),
            true,
        )
    }

    /// [`Release::build`] over the given periods; unsuppressed unless `suppress` (the
    /// tests read the value of each cell on each case from unsuppressed releases).
    pub(super) fn build_over(
        facts: &[CaseFacts],
        slices: &[Slice],
        guard_orgs: bool,
        quarters: Vec<Quarter>,
        years: Vec<i32>,
        suppress: bool,
    ) -> Release {
        let slots: Vec<Slot> = std::iter::once(Slot::Total)
            .chain(quarters.iter().map(|q| Slot::Quarter(*q)))
            .chain(years.iter().map(|y| Slot::Year(*y)))
            .collect();
        let mut grid = Grid::new();
        let mut built = Vec::with_capacity(slices.len());
        for &slice in slices {
            let mut per_org: BTreeMap<OrgId, Tallies> = BTreeMap::new();
            for f in facts.iter().filter(|f| slice.admits(f)) {
                per_org.entry(f.org).or_default().add(f);
            }
            let mut all = Tallies::default();
            for t in per_org.values() {
                all = Tallies::merged(&all, t);
            }
            let cells: BTreeMap<Slot, SlotCells> = slots
                .iter()
                .map(|&s| (s, slot_cells(&mut grid, all.get(s), s == Slot::Total)))
                .collect();
            if guard_orgs {
                guard(&mut grid, &cells, &per_org);
            }
            relate_periods(&mut grid, &cells);
            built.push((slice, cells));
        }
        relate_slices(&mut grid, &built, &slots);
        if suppress {
            grid.suppress();
        }
        Release {
            grid,
            own: !guard_orgs,
            slices: built,
            quarters,
            years,
        }
    }

    /// The periods each slice has: the whole, each quarter, each event year.
    pub fn periods(&self) -> usize {
        1 + self.quarters.len() + self.years.len()
    }

    fn cells(&self, slice: Slice) -> Option<&BTreeMap<Slot, SlotCells>> {
        self.slices
            .iter()
            .find(|(s, _)| *s == slice)
            .map(|(_, c)| c)
    }

    /// The periods `query` covers, in the release's slots.
    pub(super) fn range(&self, query: &MeasuresQuery) -> Result<Range, QueryError> {
        let quarters: Option<Vec<Quarter>> = (query.from.is_some() || query.to.is_some())
            .then(|| {
                self.quarters
                    .iter()
                    .copied()
                    .filter(|q| query.from.map_or(true, |f| *q >= f))
                    .filter(|q| query.to.map_or(true, |t| *q <= t))
                    .collect()
            })
            .filter(|qs: &Vec<Quarter>| qs.len() < self.quarters.len());
        let years: Option<Vec<i32>> = (query.year_from.is_some() || query.year_to.is_some())
            .then(|| {
                self.years
                    .iter()
                    .copied()
                    .filter(|y| query.year_from.map_or(true, |f| *y >= f))
                    .filter(|y| query.year_to.map_or(true, |t| *y <= t))
                    .collect()
            })
            .filter(|ys: &Vec<i32>| ys.len() < self.years.len());
        match (quarters, years) {
            (None, None) => Ok(Range::Whole),
            (Some(q), None) => Ok(Range::Quarters(q)),
            (None, Some(y)) => Ok(Range::Years(y)),
            (Some(_), Some(_)) => Err(QueryError(
                "give a period of contribution (from, to) or of event years (year_from, \
                 year_to), not both; their crossing is for PSO staff only"
                    .into(),
            )),
        }
    }

    /// The population of `slice` over `range` as cells of `dst`: each cell copied as the
    /// release shows it, or summed over the periods of the range and shown only when
    /// every part is shown (and it rests on at least [`MIN_CELL`] cases).
    pub(super) fn population(
        &self,
        dst: &mut AnswerGrid,
        slice: Slice,
        range: &Range,
        label: &str,
        tallies: Tallies,
    ) -> Population {
        let src = self
            .cells(slice)
            .expect("the release holds every slice it answers for");
        let slots: Vec<Slot> = match range {
            Range::Whole => std::iter::once(Slot::Total)
                .chain(self.quarters.iter().map(|q| Slot::Quarter(*q)))
                .chain(self.years.iter().map(|y| Slot::Year(*y)))
                .collect(),
            Range::Quarters(qs) => qs.iter().map(|q| Slot::Quarter(*q)).collect(),
            Range::Years(ys) => ys.iter().map(|y| Slot::Year(*y)).collect(),
        };
        let mut cells = BTreeMap::new();
        for slot in &slots {
            cells.insert(*slot, self.copy(dst, &[&src[slot]]));
        }
        if *range != Range::Whole {
            let parts: Vec<&SlotCells> = slots.iter().map(|s| &src[s]).collect();
            cells.insert(Slot::Total, self.copy(dst, &parts));
        }
        Population {
            label: label.into(),
            tallies,
            cells,
        }
    }

    /// The sum of `parts` (cells of this release, alike in shape) as new cells of `dst`.
    fn copy(&self, dst: &mut AnswerGrid, parts: &[&SlotCells]) -> SlotCells {
        let src = &self.grid;
        let own = self.own;
        let Some(first) = parts.first() else {
            // No period in the range: zeros, which rest on nobody.
            let mut scratch = Grid::new();
            let zero = slot_cells(&mut scratch, &Tally::default(), false);
            return zero.map(&mut |_| dst.push(Cell::default(), Vec::new()));
        };
        if let [one] = parts {
            return (*one)
                .clone()
                .map(&mut |id| dst.push(src.get(id).clone(), vec![Source { own, cell: id }]));
        }
        let columns: Vec<Vec<CellId>> = parts.iter().map(|p| p.all()).collect();
        let mut k = 0;
        let mut template = (*first).clone();
        template.detail.cross = None;
        template.map(&mut |_| {
            let mut sum = Cell::default();
            let mut sources = Vec::with_capacity(columns.len());
            for col in &columns {
                let c = src.get(col[k]);
                sum.value += c.value;
                sum.basis += c.basis;
                sum.hidden |= c.hidden;
                sources.push(Source { own, cell: col[k] });
            }
            sum.hidden |= Grid::is_small(&sum);
            k += 1;
            dst.push(sum, sources)
        })
    }
}

/// A release cell an answer's cell was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// From the organization's own release (else the collaborative's).
    pub own: bool,
    pub cell: CellId,
}

/// The cells of one answer, each with the release cells it is the sum of.
#[derive(Debug, Clone, Default)]
pub struct AnswerGrid {
    pub grid: Grid,
    pub sources: Vec<Vec<Source>>,
}

impl AnswerGrid {
    fn push(&mut self, cell: Cell, sources: Vec<Source>) -> CellId {
        self.sources.push(sources);
        self.grid.push(cell)
    }
}

/// Hides every cell in which one organization's cases leave 1 to [`MIN_CELL`]` - 1`
/// cases of others.
fn guard(grid: &mut Grid, cells: &BTreeMap<Slot, SlotCells>, per_org: &BTreeMap<OrgId, Tallies>) {
    for (slot, sc) in cells {
        let ids = sc.all();
        for tallies in per_org.values() {
            let mut scratch = Grid::new();
            let own = slot_cells(&mut scratch, tallies.get(*slot), *slot == Slot::Total).all();
            for (id, o) in ids.iter().zip(&own) {
                let rest = grid.get(*id).basis - scratch.get(*o).basis;
                if rest > 0 && rest < MIN_CELL {
                    grid.hide(*id);
                }
            }
        }
    }
}

/// Within one slice: the quarters add up to the whole, and so do the years, cell by cell.
fn relate_periods(grid: &mut Grid, cells: &BTreeMap<Slot, SlotCells>) {
    let total = cells[&Slot::Total].all();
    for quarterly in [true, false] {
        let parts: Vec<Vec<CellId>> = cells
            .iter()
            .filter(|(s, _)| match s {
                Slot::Quarter(_) => quarterly,
                Slot::Year(_) => !quarterly,
                Slot::Total => false,
            })
            .map(|(_, c)| c.all())
            .collect();
        if parts.is_empty() {
            continue;
        }
        // The periods' cells have no category × harm table: relate what they have.
        for (k, t) in total.iter().enumerate().take(parts[0].len()) {
            grid.relate(*t, parts.iter().map(|p| p[k]).collect());
        }
    }
}

/// Across slices: in every period, the categories add up to the whole collaborative's
/// slice, and so do the harm levels and the settings, cell by cell.
fn relate_slices(grid: &mut Grid, built: &[(Slice, BTreeMap<Slot, SlotCells>)], slots: &[Slot]) {
    let Some((_, all)) = built.iter().find(|(s, _)| *s == Slice::All) else {
        return;
    };
    let groups: [fn(&Slice) -> bool; 3] = [
        |s| matches!(s, Slice::Category(_)),
        |s| matches!(s, Slice::Harm(_)),
        |s| matches!(s, Slice::Setting(_)),
    ];
    for in_group in groups {
        let members: Vec<&BTreeMap<Slot, SlotCells>> = built
            .iter()
            .filter(|(s, _)| in_group(s))
            .map(|(_, c)| c)
            .collect();
        if members.is_empty() {
            continue;
        }
        for slot in slots {
            let whole = all[slot].all();
            let parts: Vec<Vec<CellId>> = members.iter().map(|m| m[slot].all()).collect();
            for (k, w) in whole.iter().enumerate() {
                grid.relate(*w, parts.iter().map(|p| p[k]).collect());
            }
        }
    }
}

/// The tallies of `facts` (for the order statistics, which are not cells).
pub(super) fn tallies_of<'a>(facts: impl Iterator<Item = &'a CaseFacts>) -> Tallies {
    let mut t = Tallies::default();
    for f in facts {
        t.add(f);
    }
    t
}
