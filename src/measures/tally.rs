//! Counting: one [`Tally`] of a set of cases, and the order statistics the measures use.

use super::facts::CaseFacts;
use crate::case::{Apology, Category, Compensation, Harm, ReviewMethod, StandardOfCare};

/// Review methods, with "not recorded" last.
pub const METHODS: usize = 6;

/// What one set of cases adds up to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub cases: u64,
    /// Cases with a first contact recorded.
    pub initial_communication: u64,
    pub first_contact_days: Vec<i64>,
    /// Apology empathy or responsibility.
    pub apology: u64,
    pub clinician_support: u64,
    pub loop_closed: u64,
    pub loop_closed_days: Vec<i64>,
    /// Standard of care not met.
    pub care_not_met: u64,
    /// Of those, offered a bill waiver, a payment or other compensation.
    pub compensated: u64,
    pub with_stronger_action: u64,
    pub closed_days: Vec<i64>,
    /// `[category][harm]`, in the vocabularies' order.
    pub by_category_harm: [[u64; 6]; 11],
    /// By [`ReviewMethod::ALL`], then not recorded.
    pub by_method: [u64; METHODS],
    pub actions: u64,
    pub cases_with_actions: u64,
    pub actions_by_strength: [u64; 3],
    pub cases_by_strength: [u64; 3],
    pub actions_by_status: [u64; 4],
    pub cases_by_status: [u64; 4],
}

/// Position of a value in its vocabulary's `ALL`.
pub fn category_index(c: Category) -> usize {
    Category::ALL.iter().position(|x| *x == c).unwrap_or(0)
}

pub fn harm_index(h: Harm) -> usize {
    Harm::ALL.iter().position(|x| *x == h).unwrap_or(0)
}

pub fn method_index(m: Option<ReviewMethod>) -> usize {
    m.and_then(|m| ReviewMethod::ALL.iter().position(|x| *x == m))
        .unwrap_or(METHODS - 1)
}

impl Tally {
    /// Counts one case.
    pub fn add(&mut self, f: &CaseFacts) {
        self.cases += 1;
        if let Some(d) = f.first_contact_day {
            self.initial_communication += 1;
            self.first_contact_days.push(d);
        }
        if matches!(f.apology, Some(Apology::Empathy | Apology::Responsibility)) {
            self.apology += 1;
        }
        if f.clinician_support == Some(true) {
            self.clinician_support += 1;
        }
        if f.loop_closed == Some(true) {
            self.loop_closed += 1;
        }
        if let Some(d) = f.loop_closed_day {
            self.loop_closed_days.push(d);
        }
        if f.standard_of_care == Some(StandardOfCare::No) {
            self.care_not_met += 1;
            if matches!(
                f.compensation,
                Some(Compensation::BillWaiver | Compensation::Payment | Compensation::Other)
            ) {
                self.compensated += 1;
            }
        }
        self.closed_days.push(f.closed_day);
        self.by_category_harm[category_index(f.category)][harm_index(f.harm)] += 1;
        self.by_method[method_index(f.review_method)] += 1;
        let a = &f.actions;
        let total: u32 = a.by_strength.iter().sum();
        if total > 0 {
            self.actions += u64::from(total);
            self.cases_with_actions += 1;
        }
        for (k, &n) in a.by_strength.iter().enumerate() {
            self.actions_by_strength[k] += u64::from(n);
            if n > 0 {
                self.cases_by_strength[k] += 1;
            }
        }
        if a.by_strength[0] > 0 {
            self.with_stronger_action += 1;
        }
        for (k, &n) in a.by_status.iter().enumerate() {
            self.actions_by_status[k] += u64::from(n);
            if n > 0 {
                self.cases_by_status[k] += 1;
            }
        }
    }

    /// Adds another tally of disjoint cases.
    pub fn merge(&mut self, o: &Tally) {
        self.cases += o.cases;
        self.initial_communication += o.initial_communication;
        self.first_contact_days
            .extend_from_slice(&o.first_contact_days);
        self.apology += o.apology;
        self.clinician_support += o.clinician_support;
        self.loop_closed += o.loop_closed;
        self.loop_closed_days.extend_from_slice(&o.loop_closed_days);
        self.care_not_met += o.care_not_met;
        self.compensated += o.compensated;
        self.with_stronger_action += o.with_stronger_action;
        self.closed_days.extend_from_slice(&o.closed_days);
        for (row, orow) in self.by_category_harm.iter_mut().zip(&o.by_category_harm) {
            for (x, y) in row.iter_mut().zip(orow) {
                *x += y;
            }
        }
        add_all(&mut self.by_method, &o.by_method);
        self.actions += o.actions;
        self.cases_with_actions += o.cases_with_actions;
        add_all(&mut self.actions_by_strength, &o.actions_by_strength);
        add_all(&mut self.cases_by_strength, &o.cases_by_strength);
        add_all(&mut self.actions_by_status, &o.actions_by_status);
        add_all(&mut self.cases_by_status, &o.cases_by_status);
    }
}

fn add_all(a: &mut [u64], b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// The median: the middle value, or the mean of the two middle values.
pub fn median(values: &mut [i64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (_, &mut hi, _) = values.select_nth_unstable(n / 2);
    if n % 2 == 1 {
        return Some(hi as f64);
    }
    let lo = values[..n / 2].iter().copied().max().unwrap_or(hi);
    Some((lo as f64 + hi as f64) / 2.0)
}

/// The 90th percentile by nearest rank: the value at rank ⌈0.9 × n⌉ (1-based).
pub fn p90(values: &mut [i64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let rank = (n * 9).div_ceil(10).max(1);
    let (_, &mut v, _) = values.select_nth_unstable(rank - 1);
    Some(v as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_p90_by_hand() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [7]), Some(7.0));
        assert_eq!(median(&mut [9, 1, 4, 2]), Some(3.0));
        assert_eq!(median(&mut [5, 1, 3]), Some(3.0));
        // 1..=10: rank 9 → 9; 1..=11: rank ⌈9.9⌉ = 10 → 10; one value → itself.
        let mut v: Vec<i64> = (1..=10).rev().collect();
        assert_eq!(p90(&mut v), Some(9.0));
        let mut v: Vec<i64> = (1..=11).collect();
        assert_eq!(p90(&mut v), Some(10.0));
        assert_eq!(p90(&mut [4]), Some(4.0));
    }
}
