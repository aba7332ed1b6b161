//! Small-cell suppression: which counts a non-curator may see.
//!
//! Every count the measures publish is a [`Cell`] of one [`Grid`], with the number of
//! cases it rests on (its *basis*: for a count of cases, the count itself; for a count of
//! improvement actions, the cases that have such actions). The grid also holds every
//! linear relation a reader could use to work a hidden count out: a total equals the sum
//! of its parts (margins of a table, the quarters of a period, the years of a period, the
//! cases with and without a property, one organization plus the rest of the collaborative
//! equals the collaborative). A part that is never printed but follows from printed
//! numbers (the rest of the collaborative, the cases *without* an apology) is a cell too.
//!
//! [`Grid::suppress`] hides
//! 1. every cell resting on 1 to [`MIN_CELL`]` - 1` cases (*primary* suppression; a count
//!    of zero rests on nobody and is shown), then
//! 2. more cells (*complementary* suppression) until no relation has exactly one hidden
//!    member, and no hidden cell is determined by the relations together with the shown
//!    values (checked exactly, by Gaussian elimination over the hidden cells).
//!
//! Medians and percentiles are not cells: the report hides one resting on fewer than
//! [`MIN_CELL`] values.

/// The smallest number of cases a figure shown to a non-curator may rest on.
pub const MIN_CELL: u64 = 11;

/// A cell's index in its grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId(usize);

impl CellId {
    /// The index.
    pub fn index(self) -> usize {
        self.0
    }
}

/// One count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    pub value: u64,
    /// Cases the count rests on.
    pub basis: u64,
    pub hidden: bool,
}

/// `total = parts[0] + parts[1] + …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub total: CellId,
    pub parts: Vec<CellId>,
}

impl Relation {
    /// Every member, the total first.
    pub fn members(&self) -> impl Iterator<Item = CellId> + '_ {
        std::iter::once(self.total).chain(self.parts.iter().copied())
    }
}

/// Counts and the relations between them.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    cells: Vec<Cell>,
    relations: Vec<Relation>,
}

impl Grid {
    pub fn new() -> Self {
        Grid::default()
    }

    /// A count of cases.
    pub fn cases(&mut self, value: u64) -> CellId {
        self.cell(value, value)
    }

    /// A count resting on `basis` cases.
    pub fn cell(&mut self, value: u64, basis: u64) -> CellId {
        self.cells.push(Cell {
            value,
            basis,
            hidden: false,
        });
        CellId(self.cells.len() - 1)
    }

    /// A cell as given (a copy from another grid).
    pub fn push(&mut self, cell: Cell) -> CellId {
        self.cells.push(cell);
        CellId(self.cells.len() - 1)
    }

    /// Hides a cell whatever it rests on (before [`Grid::suppress`]).
    pub fn hide(&mut self, id: CellId) {
        self.cells[id.0].hidden = true;
    }

    /// Records `total = Σ parts`. Relations whose values do not add up are a bug in the
    /// caller (debug builds panic).
    pub fn relate(&mut self, total: CellId, parts: Vec<CellId>) {
        debug_assert_eq!(
            self.cells[total.0].value,
            parts.iter().map(|p| self.cells[p.0].value).sum::<u64>(),
            "a relation that does not add up"
        );
        if parts.is_empty() {
            return;
        }
        self.relations.push(Relation { total, parts });
    }

    pub fn get(&self, id: CellId) -> &Cell {
        &self.cells[id.0]
    }

    /// The value if shown.
    pub fn shown(&self, id: CellId) -> Option<u64> {
        let c = &self.cells[id.0];
        (!c.hidden).then_some(c.value)
    }

    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    pub fn relations(&self) -> &[Relation] {
        &self.relations
    }

    /// Whether a cell rests on too few cases to be shown at all.
    pub fn is_small(cell: &Cell) -> bool {
        cell.basis > 0 && cell.basis < MIN_CELL
    }

    /// Primary and complementary suppression (see the module's description).
    pub fn suppress(&mut self) {
        for c in &mut self.cells {
            if Self::is_small(c) {
                c.hidden = true;
            }
        }
        let mut totals = vec![false; self.cells.len()];
        for r in &self.relations {
            totals[r.total.0] = true;
        }
        loop {
            self.complete_relations(&totals);
            let determined = self.determined();
            let Some(&first) = determined.first() else {
                return;
            };
            // Hide one more member of a relation of the determined cell.
            let Some(extra) = self
                .relations
                .iter()
                .filter(|r| r.members().any(|m| m == first))
                .filter_map(|r| self.cheapest_shown(r, &totals))
                .min_by_key(|&id| self.cost(id, &totals))
            else {
                // Every relation of it is hidden already: nothing can determine it.
                return;
            };
            self.cells[extra.0].hidden = true;
        }
    }

    /// Which shown member of `r` to hide: the smallest non-zero part, else the total.
    fn cheapest_shown(&self, r: &Relation, totals: &[bool]) -> Option<CellId> {
        r.members()
            .filter(|m| !self.cells[m.0].hidden)
            .min_by_key(|&m| self.cost(m, totals))
    }

    /// Hiding zeros protects little (a reader may guess them) and totals hide much.
    fn cost(&self, id: CellId, totals: &[bool]) -> (bool, bool, u64) {
        let c = &self.cells[id.0];
        (c.value == 0, totals[id.0], c.value)
    }

    /// Until no relation has exactly one hidden member.
    fn complete_relations(&mut self, totals: &[bool]) {
        loop {
            let mut changed = false;
            for i in 0..self.relations.len() {
                let r = &self.relations[i];
                let hidden = r.members().filter(|m| self.cells[m.0].hidden).count();
                if hidden == 1 {
                    if let Some(extra) = self.cheapest_shown(r, totals) {
                        self.cells[extra.0].hidden = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                return;
            }
        }
    }

    /// The hidden cells whose value follows from the relations and the shown values.
    pub fn determined(&self) -> Vec<CellId> {
        determined_cells(&self.cells, &self.relations)
    }
}

/// The hidden cells of `cells` that the relations determine: those whose unit vector lies
/// in the row space of the relations restricted to the hidden cells. Works on each
/// connected group of hidden cells apart.
pub fn determined_cells(cells: &[Cell], relations: &[Relation]) -> Vec<CellId> {
    // Hidden cells and the relations touching them, grouped by union-find.
    let hidden: Vec<usize> = (0..cells.len()).filter(|&i| cells[i].hidden).collect();
    if hidden.is_empty() {
        return Vec::new();
    }
    let mut column = vec![usize::MAX; cells.len()];
    for (k, &i) in hidden.iter().enumerate() {
        column[i] = k;
    }
    let mut parent: Vec<usize> = (0..hidden.len()).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    // Each relation as (hidden column, coefficient) pairs.
    let rows: Vec<Vec<(usize, f64)>> = relations
        .iter()
        .map(|r| {
            r.members()
                .enumerate()
                .filter(|(_, m)| cells[m.0].hidden)
                .map(|(k, m)| (column[m.0], if k == 0 { 1.0 } else { -1.0 }))
                .collect::<Vec<_>>()
        })
        .filter(|row: &Vec<(usize, f64)>| !row.is_empty())
        .collect();
    for row in &rows {
        let a = find(&mut parent, row[0].0);
        for &(c, _) in &row[1..] {
            let b = find(&mut parent, c);
            parent[b] = a;
        }
    }
    let mut groups: std::collections::BTreeMap<usize, (Vec<usize>, Vec<usize>)> =
        Default::default();
    for c in 0..hidden.len() {
        let g = find(&mut parent, c);
        groups.entry(g).or_default().0.push(c);
    }
    for (r, row) in rows.iter().enumerate() {
        let g = find(&mut parent, row[0].0);
        if let Some(entry) = groups.get_mut(&g) {
            entry.1.push(r);
        }
    }
    let mut out = Vec::new();
    for (cols, row_ids) in groups.values() {
        if row_ids.is_empty() {
            continue;
        }
        let local: std::collections::HashMap<usize, usize> =
            cols.iter().enumerate().map(|(k, &c)| (c, k)).collect();
        let mut m: Vec<Vec<f64>> = row_ids
            .iter()
            .map(|&r| {
                let mut v = vec![0.0; cols.len()];
                for &(c, coef) in &rows[r] {
                    v[local[&c]] += coef;
                }
                v
            })
            .collect();
        for k in reduced_unit_columns(&mut m) {
            out.push(CellId(hidden[cols[k]]));
        }
    }
    out.sort();
    out
}

/// Row-reduces `m` and returns the columns `k` whose unit vector is a row of the result
/// (a value the equations pin down alone).
fn reduced_unit_columns(m: &mut [Vec<f64>]) -> Vec<usize> {
    const EPS: f64 = 1e-9;
    let ncols = m.first().map_or(0, Vec::len);
    let mut pivot_row = 0;
    for col in 0..ncols {
        if pivot_row == m.len() {
            break;
        }
        let Some(best) = (pivot_row..m.len())
            .filter(|&r| m[r][col].abs() > EPS)
            .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
        else {
            continue;
        };
        m.swap(pivot_row, best);
        let p = m[pivot_row][col];
        for v in m[pivot_row].iter_mut() {
            *v /= p;
        }
        let pivot = m[pivot_row].clone();
        for (r, row) in m.iter_mut().enumerate() {
            if r != pivot_row && row[col].abs() > EPS {
                let f = row[col];
                for (v, pv) in row.iter_mut().zip(&pivot) {
                    *v -= f * pv;
                }
            }
        }
        pivot_row += 1;
    }
    m.iter()
        .filter_map(|row| {
            let mut nz = row.iter().enumerate().filter(|(_, v)| v.abs() > EPS);
            match (nz.next(), nz.next()) {
                (Some((k, _)), None) => Some(k),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_cell_and_its_complement_are_hidden_and_zero_is_shown() {
        let mut g = Grid::new();
        let total = g.cases(50);
        let yes = g.cases(3);
        let no = g.cases(47);
        let zero = g.cases(0);
        g.relate(total, vec![yes, no, zero]);
        g.suppress();
        assert_eq!(g.shown(total), Some(50));
        assert_eq!(g.shown(yes), None);
        assert_eq!(g.shown(no), None);
        assert_eq!(g.shown(zero), Some(0));
        assert!(g.determined().is_empty());
    }

    #[test]
    fn a_cross_table_never_leaves_one_hidden_cell_in_a_row_or_column() {
        // 2×2 with margins; one small cell.
        let mut g = Grid::new();
        let v = [[5u64, 40], [30, 25]];
        let cells: Vec<Vec<CellId>> = v
            .iter()
            .map(|r| r.iter().map(|&x| g.cases(x)).collect())
            .collect();
        let rows: Vec<CellId> = v.iter().map(|r| g.cases(r.iter().sum())).collect();
        let cols: Vec<CellId> = (0..2).map(|j| g.cases(v[0][j] + v[1][j])).collect();
        let all = g.cases(100);
        for i in 0..2 {
            g.relate(rows[i], cells[i].clone());
            g.relate(cols[i], vec![cells[0][i], cells[1][i]]);
        }
        g.relate(all, rows.clone());
        g.relate(all, cols.clone());
        g.suppress();
        assert_eq!(g.shown(cells[0][0]), None);
        for r in g.relations() {
            let hidden = r.members().filter(|m| g.get(*m).hidden).count();
            assert!(hidden != 1, "{r:?}");
        }
        assert!(g.determined().is_empty());
    }

    #[test]
    fn the_exact_check_finds_what_pairwise_counting_misses() {
        // a = x + y, b = x + z, c = y + z shown, x,y,z hidden: x = (a + b - c) / 2.
        let cells = vec![
            Cell {
                value: 10,
                basis: 10,
                hidden: false,
            },
            Cell {
                value: 12,
                basis: 12,
                hidden: false,
            },
            Cell {
                value: 14,
                basis: 14,
                hidden: false,
            },
            Cell {
                value: 4,
                basis: 4,
                hidden: true,
            },
            Cell {
                value: 6,
                basis: 6,
                hidden: true,
            },
            Cell {
                value: 8,
                basis: 8,
                hidden: true,
            },
        ];
        let rel = |t: usize, p: [usize; 2]| Relation {
            total: CellId(t),
            parts: p.iter().map(|&i| CellId(i)).collect(),
        };
        let relations = vec![rel(0, [3, 4]), rel(1, [3, 5]), rel(2, [4, 5])];
        assert_eq!(
            determined_cells(&cells, &relations),
            vec![CellId(3), CellId(4), CellId(5)]
        );
    }
}
