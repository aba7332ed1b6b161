//! `case_facts`: the structured fields of each contributed, non-withdrawn case, kept in
//! step with the case in the same transaction, and read by the CRP measures.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{case_facts, case_facts_version, cases};
use super::{Store, StoreError};
use crate::case::{
    Apology, CaseId, CaseStatus, Category, Compensation, Harm, OrgId, ReviewMethod, Setting,
    SharedView, StandardOfCare,
};
use crate::measures::{ActionCounts, CaseFacts};

/// Which facts [`Store::case_facts`] loads; every field narrows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FactsFilter {
    /// Received at or after (UTC).
    pub received_from: Option<NaiveDateTime>,
    /// Received before (UTC).
    pub received_before: Option<NaiveDateTime>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub category: Option<Category>,
    pub harm: Option<Harm>,
    pub setting: Option<Setting>,
}

type FactsRow = (
    i64,
    NaiveDateTime,
    i32,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<bool>,
    Option<bool>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    (i32, i32, i32, i32, i32, i32, i32),
);

fn count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn uncount(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

fn code<T>(raw: &str, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    parse(raw).ok_or_else(|| StoreError::Corrupt("unknown code in case facts".into()))
}

fn optional_code<T>(
    raw: Option<String>,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, StoreError> {
    raw.map(|r| code(&r, parse)).transpose()
}

fn facts_of(row: FactsRow) -> Result<CaseFacts, StoreError> {
    let (
        org,
        received_at,
        event_year,
        category,
        harm,
        setting,
        first_contact_day,
        apology,
        clinician_support,
        loop_closed,
        loop_closed_day,
        standard_of_care,
        compensation,
        review_method,
        closed_day,
        (stronger, intermediate, weaker, planned, in_progress, implemented, verified),
    ) = row;
    Ok(CaseFacts {
        org: OrgId::new(org),
        received_at,
        event_year,
        category: code(&category, Category::parse)?,
        harm: code(&harm, Harm::parse)?,
        setting: code(&setting, Setting::parse)?,
        first_contact_day,
        apology: optional_code(apology, Apology::parse)?,
        clinician_support,
        loop_closed,
        loop_closed_day,
        standard_of_care: optional_code(standard_of_care, StandardOfCare::parse)?,
        compensation: optional_code(compensation, Compensation::parse)?,
        review_method: optional_code(review_method, ReviewMethod::parse)?,
        closed_day,
        actions: ActionCounts {
            by_strength: [uncount(stronger), uncount(intermediate), uncount(weaker)],
            by_status: [
                uncount(planned),
                uncount(in_progress),
                uncount(implemented),
                uncount(verified),
            ],
        },
    })
}

/// Writes the facts of case `id` (owned by `org`, received at the case row's
/// `created_at`) from its shared view, replacing any there were.
pub(super) fn refresh(
    c: &mut super::DbConnection,
    id: &CaseId,
    view: &SharedView,
) -> Result<(), StoreError> {
    let (org, received_at): (i64, NaiveDateTime) = cases::table
        .filter(cases::id.eq(id.as_str()))
        .select((cases::org_id, cases::created_at))
        .first(c)?;
    let f = CaseFacts::from_view(OrgId::new(org), received_at, view);
    remove(c, id)?;
    let [stronger, intermediate, weaker] = f.actions.by_strength;
    let [planned, in_progress, implemented, verified] = f.actions.by_status;
    diesel::insert_into(case_facts::table)
        .values((
            (
                case_facts::case_id.eq(id.as_str()),
                case_facts::org_id.eq(org),
                case_facts::received_at.eq(received_at),
                case_facts::event_year.eq(f.event_year),
                case_facts::category.eq(f.category.as_str()),
                case_facts::harm.eq(f.harm.as_str()),
                case_facts::setting.eq(f.setting.as_str()),
                case_facts::first_contact_day.eq(f.first_contact_day),
                case_facts::apology.eq(f.apology.map(Apology::as_str)),
                case_facts::clinician_support.eq(f.clinician_support),
                case_facts::loop_closed.eq(f.loop_closed),
                case_facts::loop_closed_day.eq(f.loop_closed_day),
            ),
            (
                case_facts::standard_of_care.eq(f.standard_of_care.map(StandardOfCare::as_str)),
                case_facts::compensation.eq(f.compensation.map(Compensation::as_str)),
                case_facts::review_method.eq(f.review_method.map(ReviewMethod::as_str)),
                case_facts::closed_day.eq(f.closed_day),
                case_facts::actions_stronger.eq(count(stronger)),
                case_facts::actions_intermediate.eq(count(intermediate)),
                case_facts::actions_weaker.eq(count(weaker)),
                case_facts::actions_planned.eq(count(planned)),
                case_facts::actions_in_progress.eq(count(in_progress)),
                case_facts::actions_implemented.eq(count(implemented)),
                case_facts::actions_verified.eq(count(verified)),
            ),
        ))
        .execute(c)?;
    Ok(())
}

/// Removes the facts of case `id` (a withdrawal, or before writing them again), and
/// bumps the facts version: every write to the facts comes through here.
pub(super) fn remove(c: &mut super::DbConnection, id: &CaseId) -> Result<(), StoreError> {
    diesel::delete(case_facts::table.filter(case_facts::case_id.eq(id.as_str()))).execute(c)?;
    diesel::update(case_facts_version::table.filter(case_facts_version::id.eq(1)))
        .set(case_facts_version::n.eq(case_facts_version::n + 1))
        .execute(c)?;
    Ok(())
}

impl FactsFilter {
    /// Whether the filter selects `f`.
    pub fn admits(&self, f: &CaseFacts) -> bool {
        self.received_from.map_or(true, |t| f.received_at >= t)
            && self.received_before.map_or(true, |t| f.received_at < t)
            && self.year_from.map_or(true, |y| f.event_year >= y)
            && self.year_to.map_or(true, |y| f.event_year <= y)
            && self.category.map_or(true, |v| f.category == v)
            && self.harm.map_or(true, |v| f.harm == v)
            && self.setting.map_or(true, |v| f.setting == v)
    }
}

/// The decoded facts of every case as of a facts version.
pub(super) type FactsCache =
    std::sync::Arc<std::sync::Mutex<Option<(i64, std::sync::Arc<Vec<CaseFacts>>)>>>;

impl Store {
    /// Fills in the facts of every non-withdrawn case that has none (cases stored before
    /// the table existed); returns how many were written. Runs when the store opens.
    pub fn backfill_case_facts(&self) -> Result<usize, StoreError> {
        let mut total = 0;
        loop {
            let _writing = self.write_guard();
            let mut conn = self.conn()?;
            let written = conn.transaction(|c| {
                let rows: Vec<(String, String)> = cases::table
                    .filter(cases::status.ne(CaseStatus::Withdrawn.as_str()))
                    .filter(diesel::dsl::not(
                        cases::id.eq_any(case_facts::table.select(case_facts::case_id)),
                    ))
                    .select((cases::id, cases::shared_view))
                    .order(cases::id.asc())
                    .limit(500)
                    .load(c)?;
                for (id, view) in &rows {
                    let id = CaseId::try_from(id.clone()).map_err(StoreError::Corrupt)?;
                    let view: SharedView = serde_json::from_str(view)
                        .map_err(|e| StoreError::Corrupt(format!("shared view: {e}")))?;
                    refresh(c, &id, &view)?;
                }
                Ok::<_, StoreError>(rows.len())
            })?;
            total += written;
            if written < 500 {
                return Ok(total);
            }
        }
    }

    /// The facts of every contributed, non-withdrawn case that `filter` selects, of every
    /// organization. Decoded facts are kept in memory and read again only when the facts
    /// version says they changed (one single-row read per call).
    pub fn case_facts(&self, filter: &FactsFilter) -> Result<Vec<CaseFacts>, StoreError> {
        let (_, all) = self.all_case_facts()?;
        Ok(all.iter().filter(|f| filter.admits(f)).cloned().collect())
    }

    /// The facts of every contributed, non-withdrawn case with the facts version they are
    /// of (it changes with every write to the facts, so a result derived from them can be
    /// kept until it does).
    pub fn all_case_facts(&self) -> Result<(i64, std::sync::Arc<Vec<CaseFacts>>), StoreError> {
        let version: i64 = {
            let mut conn = self.conn()?;
            case_facts_version::table
                .filter(case_facts_version::id.eq(1))
                .select(case_facts_version::n)
                .first(&mut *conn)?
        };
        let cached = self
            .facts_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .filter(|(v, _)| *v == version)
            .map(|(_, all)| all.clone());
        let all = match cached {
            Some(all) => all,
            None => {
                // Read before the version is recorded: a write in between makes the next
                // call read again, never serve stale facts.
                let all = std::sync::Arc::new(self.load_facts(&FactsFilter::default())?);
                *self
                    .facts_cache
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) =
                    Some((version, all.clone()));
                all
            }
        };
        Ok((version, all))
    }

    /// The facts `filter` selects, read from the database.
    pub fn load_facts(&self, filter: &FactsFilter) -> Result<Vec<CaseFacts>, StoreError> {
        let mut conn = self.conn()?;
        let mut query = case_facts::table
            .select((
                case_facts::org_id,
                case_facts::received_at,
                case_facts::event_year,
                case_facts::category,
                case_facts::harm,
                case_facts::setting,
                case_facts::first_contact_day,
                case_facts::apology,
                case_facts::clinician_support,
                case_facts::loop_closed,
                case_facts::loop_closed_day,
                case_facts::standard_of_care,
                case_facts::compensation,
                case_facts::review_method,
                case_facts::closed_day,
                (
                    case_facts::actions_stronger,
                    case_facts::actions_intermediate,
                    case_facts::actions_weaker,
                    case_facts::actions_planned,
                    case_facts::actions_in_progress,
                    case_facts::actions_implemented,
                    case_facts::actions_verified,
                ),
            ))
            .into_boxed();
        if let Some(t) = filter.received_from {
            query = query.filter(case_facts::received_at.ge(t));
        }
        if let Some(t) = filter.received_before {
            query = query.filter(case_facts::received_at.lt(t));
        }
        if let Some(y) = filter.year_from {
            query = query.filter(case_facts::event_year.ge(y));
        }
        if let Some(y) = filter.year_to {
            query = query.filter(case_facts::event_year.le(y));
        }
        if let Some(v) = filter.category {
            query = query.filter(case_facts::category.eq(v.as_str()));
        }
        if let Some(v) = filter.harm {
            query = query.filter(case_facts::harm.eq(v.as_str()));
        }
        if let Some(v) = filter.setting {
            query = query.filter(case_facts::setting.eq(v.as_str()));
        }
        let rows: Vec<FactsRow> = query.load(&mut *conn)?;
        rows.into_iter().map(facts_of).collect()
    }

    /// Every organization's id and name, for a curator's distribution.
    pub fn organizations(&self) -> Result<Vec<super::OrgRecord>, StoreError> {
        use super::schema::organizations;
        let mut conn = self.conn()?;
        let rows: Vec<(i64, String)> = organizations::table
            .select((organizations::id, organizations::name))
            .order(organizations::id.asc())
            .load(&mut *conn)?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| super::OrgRecord {
                id: OrgId::new(id),
                name,
            })
            .collect())
    }
}
