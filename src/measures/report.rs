//! From case facts to what one audience may see: tallies by population and period, every
//! count a cell of one suppression [`Grid`], then the tables the page, the API, the CSV
//! and the board report all show, figure for figure.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::definitions::{self, SUPPRESSION_NOTE};
use super::facts::CaseFacts;
use super::query::{MeasuresQuery, Quarter, QueryError};
use super::release::{self, AnswerGrid, Range, Release, Slice};
use super::suppress::{CellId, Grid, MIN_CELL};
use super::tally::{self, Tally, METHODS};
use crate::case::{ActionStatus, ActionStrength, Category, Harm, OrgId, ReviewMethod};

/// Who is looking, which decides the columns and whether small cells are hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Members and faculty: the collaborative only, suppressed.
    Collaborative,
    /// A contributor: its own organization beside the collaborative, suppressed.
    Contributor { own: OrgId },
    /// PSO staff: unsuppressed, with the distribution across organizations (and the own
    /// organization's column when the curator also contributes).
    Curator {
        own: Option<OrgId>,
        /// Organization names for the distribution, by id.
        names: BTreeMap<OrgId, String>,
    },
}

impl Audience {
    fn own(&self) -> Option<OrgId> {
        match self {
            Audience::Collaborative => None,
            Audience::Contributor { own } => Some(*own),
            Audience::Curator { own, .. } => *own,
        }
    }

    fn suppressed(&self) -> bool {
        !matches!(self, Audience::Curator { .. })
    }

    /// The view's name in the API.
    pub fn name(&self) -> &'static str {
        match self {
            Audience::Collaborative => "collaborative",
            Audience::Contributor { .. } => "own_and_collaborative",
            Audience::Curator { .. } => "curator",
        }
    }
}

/// One figure as shown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Figure {
    /// A number of cases (or of improvement actions).
    Count { value: u64 },
    /// A share, in percent, one decimal.
    Percent { value: f64 },
    /// A number of days (a median or percentile).
    Days { value: f64 },
    /// Rests on fewer than 11 cases, or would reveal one that does: shown as `<11`.
    Suppressed,
    /// Nothing to compute (no case in the denominator).
    None,
}

impl Figure {
    /// As the page and the CSV print it.
    pub fn display(&self) -> String {
        match self {
            Figure::Count { value } => value.to_string(),
            Figure::Percent { value } => format!("{value:.1}%"),
            Figure::Days { value } => {
                if value.fract() == 0.0 {
                    format!("{value:.0}")
                } else {
                    format!("{value:.1}")
                }
            }
            Figure::Suppressed => "<11".into(),
            Figure::None => "—".into(),
        }
    }

    pub fn is_suppressed(&self) -> bool {
        matches!(self, Figure::Suppressed)
    }

    /// The number, if one is shown.
    pub fn number(&self) -> Option<f64> {
        match *self {
            Figure::Count { value } => Some(value as f64),
            Figure::Percent { value } | Figure::Days { value } => Some(value),
            Figure::Suppressed | Figure::None => None,
        }
    }
}

/// A row of a table.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Row {
    pub label: String,
    /// The measure's id in the definitions, when the row is one measure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure: Option<&'static str>,
    pub values: Vec<Figure>,
}

/// A table with a caption, a header for the row labels and one per column.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Table {
    pub id: String,
    pub caption: String,
    pub row_header: String,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

/// A line of a trend chart: one population's values by quarter.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub points: Vec<(Quarter, Option<f64>)>,
}

/// Stacked shares of one population (stronger, intermediate, weaker).
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    pub label: String,
    pub shares: Option<[f64; 3]>,
}

/// What the charts draw, taken from the tables (suppressed values are gaps).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartData {
    pub initial_communication: Vec<Series>,
    pub days_to_first_contact: Vec<Series>,
    pub strength_mix: Vec<Stack>,
}

/// The measures as one audience may see them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MeasuresReport {
    /// `collaborative` (members, faculty), `own_and_collaborative` (contributors) or
    /// `curator` (unsuppressed, with the distribution across organizations).
    pub view: &'static str,
    /// The filters in words.
    pub selection: String,
    /// The column of each population in the tables: `Your organization`, `Collaborative`.
    pub populations: Vec<String>,
    /// Figures resting on fewer cases than this are hidden for everyone but curators.
    pub min_cell: u64,
    pub suppressed: bool,
    pub suppression_note: &'static str,
    /// What the answer leaves out, and why.
    pub notes: Vec<String>,
    pub tables: Vec<Table>,
    /// How each measure is computed.
    #[schema(value_type = Vec<super::Definition>)]
    pub definitions: &'static [super::Definition],
    #[serde(skip)]
    pub charts: ChartData,
}

impl MeasuresReport {
    /// The table with `id`.
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }
}

/// Period slots: the whole selection, a quarter of contribution, an event year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Slot {
    Total,
    Quarter(Quarter),
    Year(i32),
}

/// One population's tallies by slot.
#[derive(Debug, Clone, Default)]
pub(super) struct Tallies(pub(super) BTreeMap<Slot, Tally>);

impl Tallies {
    pub(super) fn add(&mut self, f: &CaseFacts) {
        for slot in [
            Slot::Total,
            Slot::Quarter(Quarter::of(f.received_at)),
            Slot::Year(f.event_year),
        ] {
            self.0.entry(slot).or_default().add(f);
        }
    }

    pub(super) fn merged(a: &Tallies, b: &Tallies) -> Tallies {
        let mut out = a.clone();
        for (slot, t) in &b.0 {
            out.0.entry(*slot).or_default().merge(t);
        }
        out
    }

    pub(super) fn get(&self, slot: Slot) -> &Tally {
        static EMPTY: std::sync::LazyLock<Tally> = std::sync::LazyLock::new(Tally::default);
        self.0.get(&slot).unwrap_or(&EMPTY)
    }
}

/// A yes/no count: the cases with and without, both cells (the "without" is never printed
/// but follows from the total).
#[derive(Debug, Clone, Copy)]
pub(super) struct Split {
    pub(super) yes: CellId,
    pub(super) no: CellId,
}

/// The cells of one population in one period slot.
#[derive(Debug, Clone)]
pub(super) struct SlotCells {
    pub(super) cases: CellId,
    pub(super) initial_communication: Split,
    pub(super) loop_closed: Split,
    pub(super) detail: Detail,
}

#[derive(Debug, Clone)]
pub(super) struct Detail {
    pub(super) apology: Split,
    pub(super) clinician_support: Split,
    pub(super) care_not_met: CellId,
    pub(super) compensated: Split,
    pub(super) stronger: Split,
    /// Cases by category and harm: published for whole periods only (the total slot).
    pub(super) cross: Option<Cross>,
    pub(super) by_method: Vec<CellId>,
    pub(super) actions: CellId,
    pub(super) by_strength: Vec<CellId>,
    pub(super) by_status: Vec<CellId>,
}

/// The category × harm table with its margins.
#[derive(Debug, Clone)]
pub(super) struct Cross {
    pub(super) by_category_harm: Vec<Vec<CellId>>,
    pub(super) category_margin: Vec<CellId>,
    pub(super) harm_margin: Vec<CellId>,
}

impl SlotCells {
    /// Every cell, in a fixed order (to relate populations cell by cell); the order of
    /// [`SlotCells::map`], the category × harm table last.
    pub(super) fn all(&self) -> Vec<CellId> {
        let mut v = Vec::with_capacity(128);
        self.clone().map(&mut |id| {
            v.push(id);
            id
        });
        v
    }

    /// The same cells, each replaced by `f` of it, visited in a fixed order.
    pub(super) fn map(self, f: &mut impl FnMut(CellId) -> CellId) -> SlotCells {
        let split = |s: Split, f: &mut dyn FnMut(CellId) -> CellId| Split {
            yes: f(s.yes),
            no: f(s.no),
        };
        let cases = f(self.cases);
        let initial_communication = split(self.initial_communication, f);
        let loop_closed = split(self.loop_closed, f);
        let d = self.detail;
        let apology = split(d.apology, f);
        let clinician_support = split(d.clinician_support, f);
        let care_not_met = f(d.care_not_met);
        let compensated = split(d.compensated, f);
        let stronger = split(d.stronger, f);
        let by_method = d.by_method.into_iter().map(&mut *f).collect();
        let actions = f(d.actions);
        let by_strength = d.by_strength.into_iter().map(&mut *f).collect();
        let by_status = d.by_status.into_iter().map(&mut *f).collect();
        // Last, so that the cells of a slot with the table and one without line up.
        let cross = d.cross.map(|c| Cross {
            by_category_harm: c
                .by_category_harm
                .into_iter()
                .map(|r| r.into_iter().map(&mut *f).collect())
                .collect(),
            category_margin: c.category_margin.into_iter().map(&mut *f).collect(),
            harm_margin: c.harm_margin.into_iter().map(&mut *f).collect(),
        });
        SlotCells {
            cases,
            initial_communication,
            loop_closed,
            detail: Detail {
                apology,
                clinician_support,
                care_not_met,
                compensated,
                stronger,
                cross,
                by_method,
                actions,
                by_strength,
                by_status,
            },
        }
    }
}

fn split(g: &mut Grid, total: CellId, yes: u64) -> Split {
    let all = g.get(total).value;
    let yes = g.cases(yes);
    let no = g.cases(all - g.get(yes).value);
    g.relate(total, vec![yes, no]);
    Split { yes, no }
}

/// The cells of tally `t`, with the category × harm table when `cross`.
pub(super) fn slot_cells(g: &mut Grid, t: &Tally, cross: bool) -> SlotCells {
    let cases = g.cases(t.cases);
    let initial_communication = split(g, cases, t.initial_communication);
    let loop_closed = split(g, cases, t.loop_closed);
    let apology = split(g, cases, t.apology);
    let clinician_support = split(g, cases, t.clinician_support);
    let care_not_met = g.cases(t.care_not_met);
    let compensated = split(g, care_not_met, t.compensated);
    let stronger = split(g, cases, t.with_stronger_action);
    let cross = cross.then(|| {
        let by_category_harm: Vec<Vec<CellId>> = t
            .by_category_harm
            .iter()
            .map(|row| row.iter().map(|&n| g.cases(n)).collect())
            .collect();
        let category_margin: Vec<CellId> = t
            .by_category_harm
            .iter()
            .map(|row| g.cases(row.iter().sum()))
            .collect();
        let harm_margin: Vec<CellId> = (0..Harm::ALL.len())
            .map(|j| g.cases(t.by_category_harm.iter().map(|r| r[j]).sum()))
            .collect();
        for (i, &m) in category_margin.iter().enumerate() {
            g.relate(m, by_category_harm[i].clone());
        }
        for (j, &m) in harm_margin.iter().enumerate() {
            g.relate(m, by_category_harm.iter().map(|r| r[j]).collect());
        }
        g.relate(cases, category_margin.clone());
        g.relate(cases, harm_margin.clone());
        Cross {
            by_category_harm,
            category_margin,
            harm_margin,
        }
    });
    let by_method: Vec<CellId> = t.by_method.iter().map(|&n| g.cases(n)).collect();
    g.relate(cases, by_method.clone());
    let actions = g.cell(t.actions, t.cases_with_actions);
    let by_strength: Vec<CellId> = (0..3)
        .map(|k| g.cell(t.actions_by_strength[k], t.cases_by_strength[k]))
        .collect();
    let by_status: Vec<CellId> = (0..4)
        .map(|k| g.cell(t.actions_by_status[k], t.cases_by_status[k]))
        .collect();
    g.relate(actions, by_strength.clone());
    g.relate(actions, by_status.clone());
    SlotCells {
        cases,
        initial_communication,
        loop_closed,
        detail: Detail {
            apology,
            clinician_support,
            care_not_met,
            compensated,
            stronger,
            cross,
            by_method,
            actions,
            by_strength,
            by_status,
        },
    }
}

/// One population: its tallies and cells.
pub(super) struct Population {
    pub(super) label: String,
    pub(super) tallies: Tallies,
    pub(super) cells: BTreeMap<Slot, SlotCells>,
}

/// Builds what `audience` may see of `facts` (every organization's facts of the
/// selection; the audience decides what is shown of them).
pub fn build(facts: &[CaseFacts], query: &MeasuresQuery, audience: &Audience) -> MeasuresReport {
    build_with_grid(facts, query, audience).0
}

/// [`build`], with the suppression grid behind the report (for tests that check that no
/// hidden figure can be worked out from the shown ones).
pub fn build_with_grid(
    facts: &[CaseFacts],
    query: &MeasuresQuery,
    audience: &Audience,
) -> (MeasuresReport, Grid) {
    let own_org = audience.own();
    let mut own = Tallies::default();
    let mut others = Tallies::default();
    let mut per_org: BTreeMap<OrgId, Tally> = BTreeMap::new();
    let curator = matches!(audience, Audience::Curator { .. });
    for f in facts {
        if Some(f.org) == own_org {
            own.add(f);
        } else {
            others.add(f);
        }
        if curator {
            per_org.entry(f.org).or_default().add(f);
        }
    }
    let collaborative = Tallies::merged(&own, &others);
    let quarters: Vec<Quarter> = collaborative
        .0
        .keys()
        .filter_map(|s| match s {
            Slot::Quarter(q) => Some(*q),
            _ => None,
        })
        .collect();
    let years: Vec<i32> = collaborative
        .0
        .keys()
        .filter_map(|s| match s {
            Slot::Year(y) => Some(*y),
            _ => None,
        })
        .collect();
    let slots: Vec<Slot> = std::iter::once(Slot::Total)
        .chain(quarters.iter().map(|q| Slot::Quarter(*q)))
        .chain(years.iter().map(|y| Slot::Year(*y)))
        .collect();

    let mut grid = Grid::new();
    let mut populations: Vec<Population> = Vec::new();
    let make = |label: &str, tallies: Tallies, grid: &mut Grid| {
        let cells: BTreeMap<Slot, SlotCells> = slots
            .iter()
            .map(|&s| (s, slot_cells(grid, tallies.get(s), s == Slot::Total)))
            .collect();
        // The periods add up to the whole, quarters and years alike.
        let whole = cells[&Slot::Total].clone();
        for pick in [
            (|c: &SlotCells| c.cases) as fn(&SlotCells) -> CellId,
            |c| c.initial_communication.yes,
            |c| c.initial_communication.no,
            |c| c.loop_closed.yes,
            |c| c.loop_closed.no,
        ] {
            for quarterly in [true, false] {
                let parts: Vec<CellId> = cells
                    .iter()
                    .filter(|(s, _)| match s {
                        Slot::Quarter(_) => quarterly,
                        Slot::Year(_) => !quarterly,
                        Slot::Total => false,
                    })
                    .map(|(_, c)| pick(c))
                    .collect();
                grid.relate(pick(&whole), parts);
            }
        }
        Population {
            label: label.into(),
            tallies,
            cells,
        }
    };
    if own_org.is_some() {
        let own_pop = make("Your organization", own, &mut grid);
        let rest = make("Rest of the collaborative", others, &mut grid);
        let all = make("Collaborative", collaborative, &mut grid);
        // Your organization and the rest add up to the collaborative, cell by cell.
        for slot in &slots {
            let (a, b, c) = (
                own_pop.cells[slot].all(),
                rest.cells[slot].all(),
                all.cells[slot].all(),
            );
            for ((x, y), z) in a.into_iter().zip(b).zip(c) {
                grid.relate(z, vec![x, y]);
            }
        }
        populations.push(own_pop);
        populations.push(all);
        // `rest` is never printed, but its cells stay in the grid.
    } else {
        populations.push(make("Collaborative", collaborative, &mut grid));
    }
    let suppressed = audience.suppressed();
    if suppressed {
        grid.suppress();
    }

    let view = Viewer {
        grid: &grid,
        suppressed,
    };
    let mut tables = vec![summary(&view, &populations)];
    tables.extend(category_harm(&view, &populations));
    tables.push(method_mix(&view, &populations));
    tables.push(strength_mix(&view, &populations));
    tables.push(status_mix(&view, &populations));
    tables.push(by_period(&view, &populations, &quarters, true));
    tables.push(by_period(
        &view,
        &populations,
        &years.iter().map(|&y| y as i64).collect::<Vec<_>>(),
        false,
    ));
    if let Audience::Curator { names, .. } = audience {
        tables.push(distribution(&per_org, names));
    }
    let charts = charts(&view, &populations, &quarters);
    let report = MeasuresReport {
        view: audience.name(),
        selection: query.describe(),
        populations: populations.iter().map(|p| p.label.clone()).collect(),
        min_cell: MIN_CELL,
        suppressed,
        suppression_note: SUPPRESSION_NOTE,
        notes: Vec::new(),
        tables,
        definitions: definitions::DEFINITIONS,
        charts,
    };
    (report, grid)
}

/// What a member, faculty or a contributor sees of `query`: the counts of the
/// collaborative's [`Release`] (and of the organization's own release beside it), read
/// for the query's slice and period; the order statistics from `selected`, the facts the
/// query selects. Refuses a query the release cannot answer (two of category, harm and
/// setting, or a period of contribution crossed with event years).
pub fn answer(
    release: &Release,
    own: Option<(OrgId, &Release)>,
    selected: &[CaseFacts],
    query: &MeasuresQuery,
) -> Result<(MeasuresReport, AnswerGrid), QueryError> {
    let slice = Slice::of(query)?;
    let range = release.range(query)?;
    let mut grid = AnswerGrid::default();
    let mut populations = Vec::new();
    let view_name = match own {
        Some((org, own_release)) => {
            let tallies = release::tallies_of(selected.iter().filter(|f| f.org == org));
            populations.push(own_release.population(
                &mut grid,
                slice,
                &range,
                "Your organization",
                tallies,
            ));
            Audience::Contributor { own: org }.name()
        }
        None => Audience::Collaborative.name(),
    };
    populations.push(release.population(
        &mut grid,
        slice,
        &range,
        "Collaborative",
        release::tallies_of(selected.iter()),
    ));
    let (quarters, years, notes) = match &range {
        Range::Whole => (release.quarters.clone(), release.years.clone(), Vec::new()),
        Range::Quarters(q) => (q.clone(), Vec::new(), vec![PART_OF_PERIOD.to_owned()]),
        Range::Years(y) => (Vec::new(), y.clone(), vec![PART_OF_PERIOD.to_owned()]),
    };
    let view = Viewer {
        grid: &grid.grid,
        suppressed: true,
    };
    let mut tables = vec![summary(&view, &populations)];
    tables.extend(category_harm(&view, &populations));
    tables.push(method_mix(&view, &populations));
    tables.push(strength_mix(&view, &populations));
    tables.push(status_mix(&view, &populations));
    if !matches!(range, Range::Years(_)) {
        tables.push(by_period(&view, &populations, &quarters, true));
    }
    if !matches!(range, Range::Quarters(_)) {
        let keys: Vec<i64> = years.iter().map(|&y| y as i64).collect();
        tables.push(by_period(&view, &populations, &keys, false));
    }
    let charts = charts(&view, &populations, &quarters);
    let report = MeasuresReport {
        view: view_name,
        selection: query.describe(),
        populations: populations.iter().map(|p| p.label.clone()).collect(),
        min_cell: MIN_CELL,
        suppressed: true,
        suppression_note: SUPPRESSION_NOTE,
        notes,
        tables,
        definitions: definitions::DEFINITIONS,
        charts,
    };
    Ok((report, grid))
}

/// Why a table is missing from the answer for part of the period.
const PART_OF_PERIOD: &str = "For part of the period, cases by category and harm are not \
     published, nor the other kind of period (quarters of contribution or event years): \
     their crossing would split the collaborative into cells too small to show.";

/// Reads figures off the grid.
struct Viewer<'a> {
    grid: &'a Grid,
    suppressed: bool,
}

impl Viewer<'_> {
    fn count(&self, id: CellId) -> Figure {
        match self.grid.shown(id) {
            Some(value) => Figure::Count { value },
            None => Figure::Suppressed,
        }
    }

    fn share(&self, num: CellId, den: CellId) -> Figure {
        let d = self.grid.get(den).value;
        if d == 0 {
            return Figure::None;
        }
        match (self.grid.shown(num), self.grid.shown(den)) {
            (Some(n), Some(d)) if !self.suppressed || d >= MIN_CELL => Figure::Percent {
                value: (n as f64 * 1000.0 / d as f64).round() / 10.0,
            },
            _ => Figure::Suppressed,
        }
    }

    /// A median or percentile over `values`; hidden below [`MIN_CELL`] values.
    fn order_statistic(&self, values: &[i64], f: fn(&mut [i64]) -> Option<f64>) -> Figure {
        if values.is_empty() {
            return Figure::None;
        }
        if self.suppressed && (values.len() as u64) < MIN_CELL {
            return Figure::Suppressed;
        }
        let mut v = values.to_vec();
        match f(&mut v) {
            Some(value) => Figure::Days {
                value: (value * 10.0).round() / 10.0,
            },
            None => Figure::None,
        }
    }
}

fn labels(pops: &[Population]) -> Vec<String> {
    pops.iter().map(|p| p.label.clone()).collect()
}

fn row(label: &str, measure: Option<&'static str>, values: Vec<Figure>) -> Row {
    Row {
        label: label.into(),
        measure,
        values,
    }
}

fn detail(p: &Population) -> (&SlotCells, &Detail) {
    let c = &p.cells[&Slot::Total];
    (c, &c.detail)
}

fn summary(v: &Viewer, pops: &[Population]) -> Table {
    let per = |f: &dyn Fn(&Population) -> Figure| pops.iter().map(f).collect::<Vec<_>>();
    fn total(p: &Population) -> &Tally {
        p.tallies.get(Slot::Total)
    }
    let rows = vec![
        row("Cases", Some("cases"), per(&|p| v.count(detail(p).0.cases))),
        row(
            "Cases with an initial communication",
            Some("initial_communication"),
            per(&|p| v.count(detail(p).0.initial_communication.yes)),
        ),
        row(
            "Share with an initial communication",
            Some("initial_communication"),
            per(&|p| {
                let c = detail(p).0;
                v.share(c.initial_communication.yes, c.cases)
            }),
        ),
        row(
            "Median days from event to first contact",
            Some("days_to_first_contact"),
            per(&|p| v.order_statistic(&total(p).first_contact_days, tally::median)),
        ),
        row(
            "90th percentile of days from event to first contact",
            Some("days_to_first_contact"),
            per(&|p| v.order_statistic(&total(p).first_contact_days, tally::p90)),
        ),
        row(
            "Share with an apology",
            Some("apology"),
            per(&|p| {
                let (c, d) = detail(p);
                v.share(d.apology.yes, c.cases)
            }),
        ),
        row(
            "Share with clinician support offered",
            Some("clinician_support"),
            per(&|p| {
                let (c, d) = detail(p);
                v.share(d.clinician_support.yes, c.cases)
            }),
        ),
        row(
            "Share with the loop closed with the family",
            Some("loop_closed"),
            per(&|p| {
                let c = detail(p).0;
                v.share(c.loop_closed.yes, c.cases)
            }),
        ),
        row(
            "Median days from event to loop closure",
            Some("days_to_loop_closure"),
            per(&|p| v.order_statistic(&total(p).loop_closed_days, tally::median)),
        ),
        row(
            "Cases where the standard of care was not met",
            Some("compensation_when_care_unreasonable"),
            per(&|p| v.count(detail(p).1.care_not_met)),
        ),
        row(
            "Share of those offered compensation",
            Some("compensation_when_care_unreasonable"),
            per(&|p| {
                let d = detail(p).1;
                v.share(d.compensated.yes, d.care_not_met)
            }),
        ),
        row(
            "Share of cases with at least one stronger action",
            Some("stronger_action"),
            per(&|p| {
                let (c, d) = detail(p);
                v.share(d.stronger.yes, c.cases)
            }),
        ),
        row(
            "Median days from event to closure",
            Some("days_to_closure"),
            per(&|p| v.order_statistic(&total(p).closed_days, tally::median)),
        ),
    ];
    Table {
        id: "summary".into(),
        caption: "CRP measures".into(),
        row_header: "Measure".into(),
        columns: labels(pops),
        rows,
    }
}

fn category_harm(v: &Viewer, pops: &[Population]) -> Vec<Table> {
    let mut columns: Vec<String> = Harm::ALL.iter().map(|h| harm_label(*h).into()).collect();
    columns.push("Total".into());
    pops.iter()
        .enumerate()
        .filter_map(|(k, p)| {
            let d = detail(p).1.cross.as_ref()?;
            let mut rows: Vec<Row> = Category::ALL
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let mut values: Vec<Figure> = d.by_category_harm[i]
                        .iter()
                        .map(|&id| v.count(id))
                        .collect();
                    values.push(v.count(d.category_margin[i]));
                    row(category_label(*c), None, values)
                })
                .collect();
            let mut totals: Vec<Figure> = d.harm_margin.iter().map(|&id| v.count(id)).collect();
            totals.push(v.count(detail(p).0.cases));
            rows.push(row("Total", None, totals));
            Some(Table {
                id: if k == 0 && pops.len() > 1 {
                    "cases_by_category_harm_own".into()
                } else {
                    "cases_by_category_harm".into()
                },
                caption: format!("Cases by category and harm: {}", p.label.to_lowercase()),
                row_header: "Category".into(),
                columns: columns.clone(),
                rows,
            })
        })
        .collect()
}

fn method_mix(v: &Viewer, pops: &[Population]) -> Table {
    let mut names: Vec<&str> = ReviewMethod::ALL.iter().map(|m| method_label(*m)).collect();
    names.push("Not recorded");
    debug_assert_eq!(names.len(), METHODS);
    let mut rows: Vec<Row> = names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            row(
                name,
                Some("review_method"),
                pops.iter()
                    .map(|p| v.count(detail(p).1.by_method[k]))
                    .collect(),
            )
        })
        .collect();
    rows.push(row(
        "Total",
        None,
        pops.iter().map(|p| v.count(detail(p).0.cases)).collect(),
    ));
    Table {
        id: "review_method".into(),
        caption: "Cases by review method".into(),
        row_header: "Review method".into(),
        columns: labels(pops),
        rows,
    }
}

fn mix_columns(pops: &[Population]) -> Vec<String> {
    pops.iter()
        .flat_map(|p| {
            [
                format!("{}: actions", p.label),
                format!("{}: share", p.label),
            ]
        })
        .collect()
}

fn strength_mix(v: &Viewer, pops: &[Population]) -> Table {
    let mut rows: Vec<Row> = ActionStrength::ALL
        .iter()
        .enumerate()
        .map(|(k, s)| {
            row(
                strength_label(*s),
                Some("actions_by_strength"),
                pops.iter()
                    .flat_map(|p| {
                        let d = detail(p).1;
                        [
                            v.count(d.by_strength[k]),
                            v.share(d.by_strength[k], d.actions),
                        ]
                    })
                    .collect(),
            )
        })
        .collect();
    rows.push(row(
        "All actions",
        None,
        pops.iter()
            .flat_map(|p| {
                let d = detail(p).1;
                [v.count(d.actions), v.share(d.actions, d.actions)]
            })
            .collect(),
    ));
    Table {
        id: "actions_by_strength".into(),
        caption: "Improvement actions by RCA² strength".into(),
        row_header: "Strength".into(),
        columns: mix_columns(pops),
        rows,
    }
}

fn status_mix(v: &Viewer, pops: &[Population]) -> Table {
    let mut rows: Vec<Row> = ActionStatus::ALL
        .iter()
        .enumerate()
        .map(|(k, s)| {
            row(
                status_label(*s),
                Some("action_status"),
                pops.iter()
                    .flat_map(|p| {
                        let d = detail(p).1;
                        [v.count(d.by_status[k]), v.share(d.by_status[k], d.actions)]
                    })
                    .collect(),
            )
        })
        .collect();
    rows.push(row(
        "All actions",
        None,
        pops.iter()
            .flat_map(|p| {
                let d = detail(p).1;
                [v.count(d.actions), v.share(d.actions, d.actions)]
            })
            .collect(),
    ));
    Table {
        id: "action_status".into(),
        caption: "Improvement actions by status".into(),
        row_header: "Status".into(),
        columns: mix_columns(pops),
        rows,
    }
}

/// By quarter of contribution (`keys` are quarter ordinals) or by event year.
fn by_period<K: Copy + PeriodKey>(
    v: &Viewer,
    pops: &[Population],
    keys: &[K],
    quarterly: bool,
) -> Table {
    let mut columns = Vec::new();
    for p in pops {
        for c in [
            "cases",
            "initial communication",
            "median days to first contact",
            "loop closed",
        ] {
            columns.push(format!("{}: {c}", p.label));
        }
    }
    let rows = keys
        .iter()
        .map(|k| {
            let slot = k.slot();
            let values = pops
                .iter()
                .flat_map(|p| {
                    let c = &p.cells[&slot];
                    let t = p.tallies.get(slot);
                    [
                        v.count(c.cases),
                        v.share(c.initial_communication.yes, c.cases),
                        v.order_statistic(&t.first_contact_days, tally::median),
                        v.share(c.loop_closed.yes, c.cases),
                    ]
                })
                .collect();
            row(&k.label(), None, values)
        })
        .collect();
    Table {
        id: if quarterly {
            "by_quarter"
        } else {
            "by_event_year"
        }
        .into(),
        caption: if quarterly {
            "By quarter of contribution".into()
        } else {
            "By year of the event".into()
        },
        row_header: if quarterly { "Quarter" } else { "Event year" }.into(),
        columns,
        rows,
    }
}

trait PeriodKey {
    fn slot(self) -> Slot;
    fn label(self) -> String;
}

impl PeriodKey for Quarter {
    fn slot(self) -> Slot {
        Slot::Quarter(self)
    }
    fn label(self) -> String {
        self.to_string()
    }
}

impl PeriodKey for i64 {
    fn slot(self) -> Slot {
        Slot::Year(self as i32)
    }
    fn label(self) -> String {
        self.to_string()
    }
}

/// Curators only: one row per organization, unsuppressed.
fn distribution(per_org: &BTreeMap<OrgId, Tally>, names: &BTreeMap<OrgId, String>) -> Table {
    let share = |n: u64, d: u64| {
        if d == 0 {
            Figure::None
        } else {
            Figure::Percent {
                value: (n as f64 * 1000.0 / d as f64).round() / 10.0,
            }
        }
    };
    let rows = per_org
        .iter()
        .map(|(org, t)| {
            let mut days = t.first_contact_days.clone();
            let label = names
                .get(org)
                .cloned()
                .unwrap_or_else(|| format!("organization {org}"));
            row(
                &label,
                None,
                vec![
                    Figure::Count { value: t.cases },
                    share(t.initial_communication, t.cases),
                    tally::median(&mut days).map_or(Figure::None, |value| Figure::Days { value }),
                    share(t.loop_closed, t.cases),
                    share(t.with_stronger_action, t.cases),
                ],
            )
        })
        .collect();
    Table {
        id: "distribution".into(),
        caption: "Distribution across organizations (PSO staff only)".into(),
        row_header: "Organization".into(),
        columns: vec![
            "Cases".into(),
            "Initial communication".into(),
            "Median days to first contact".into(),
            "Loop closed".into(),
            "At least one stronger action".into(),
        ],
        rows,
    }
}

fn charts(v: &Viewer, pops: &[Population], quarters: &[Quarter]) -> ChartData {
    let series = |f: &dyn Fn(&Population, Slot) -> Figure| -> Vec<Series> {
        pops.iter()
            .map(|p| Series {
                label: p.label.clone(),
                points: quarters
                    .iter()
                    .map(|q| (*q, f(p, Slot::Quarter(*q)).number()))
                    .collect(),
            })
            .collect()
    };
    ChartData {
        initial_communication: series(&|p, s| {
            let c = &p.cells[&s];
            v.share(c.initial_communication.yes, c.cases)
        }),
        days_to_first_contact: series(&|p, s| {
            v.order_statistic(&p.tallies.get(s).first_contact_days, tally::median)
        }),
        strength_mix: pops
            .iter()
            .map(|p| {
                let d = detail(p).1;
                let shares: Vec<Option<f64>> = (0..3)
                    .map(|k| v.share(d.by_strength[k], d.actions).number())
                    .collect();
                Stack {
                    label: p.label.clone(),
                    shares: match shares[..] {
                        [Some(a), Some(b), Some(c)] => Some([a, b, c]),
                        _ => None,
                    },
                }
            })
            .collect(),
    }
}

pub fn category_label(c: Category) -> &'static str {
    match c {
        Category::Blood => "Blood",
        Category::Device => "Device",
        Category::Fall => "Fall",
        Category::Infection => "Infection",
        Category::Medication => "Medication",
        Category::Perinatal => "Perinatal",
        Category::PressureInjury => "Pressure injury",
        Category::SurgeryAnesthesia => "Surgery/anesthesia",
        Category::VenousThromboembolism => "Venous thromboembolism",
        Category::Diagnosis => "Diagnosis",
        Category::Other => "Other",
    }
}

pub fn harm_label(h: Harm) -> &'static str {
    match h {
        Harm::Death => "Death",
        Harm::Severe => "Severe harm",
        Harm::Moderate => "Moderate harm",
        Harm::Mild => "Mild harm",
        Harm::None => "No harm",
        Harm::Unknown => "Unknown",
    }
}

pub fn method_label(m: ReviewMethod) -> &'static str {
    match m {
        ReviewMethod::Rca2 => "RCA²",
        ReviewMethod::ApparentCause => "Apparent cause",
        ReviewMethod::Fmea => "FMEA",
        ReviewMethod::CaseReview => "Case review",
        ReviewMethod::Other => "Other",
    }
}

pub fn strength_label(s: ActionStrength) -> &'static str {
    match s {
        ActionStrength::Stronger => "Stronger",
        ActionStrength::Intermediate => "Intermediate",
        ActionStrength::Weaker => "Weaker",
    }
}

pub fn status_label(s: ActionStatus) -> &'static str {
    match s {
        ActionStatus::Planned => "Planned",
        ActionStatus::InProgress => "In progress",
        ActionStatus::Implemented => "Implemented",
        ActionStatus::Verified => "Verified",
    }
}

/// The set of quarters a report covers (for tests and the board report).
pub fn quarters_of(facts: &[CaseFacts]) -> BTreeSet<Quarter> {
    facts.iter().map(|f| Quarter::of(f.received_at)).collect()
}

/// Every measure id a row refers to exists among the definitions.
pub fn measures_defined(report: &MeasuresReport) -> bool {
    report
        .tables
        .iter()
        .flat_map(|t| &t.rows)
        .filter_map(|r| r.measure)
        .all(|m| definitions::definition(m).is_some())
}
