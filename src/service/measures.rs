//! CRP measures: who sees which figures, and every form they leave in (JSON, CSV, the
//! board report's PDF, the page).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::audit::{AuditAction, AuditEvent};
use crate::auth::{Action, Principal, Role};
use crate::error::AppError;
use crate::intake::Intake;
use crate::measures::{
    self, Audience, MeasuresQuery, MeasuresReport, Quarter, QueryError, Release, Slice,
};
use crate::store::FactsFilter;

/// The collaborative's release as of a facts version.
type KeptRelease = Arc<Mutex<Option<(i64, Arc<Release>)>>>;

/// The measures, for every role.
#[derive(Clone)]
pub struct MeasuresService {
    pub(super) intake: Intake,
    /// Built once per facts version: every answer to a non-curator reads it.
    release: KeptRelease,
}

impl From<QueryError> for AppError {
    fn from(e: QueryError) -> Self {
        AppError::BadQuery(e.0)
    }
}

impl From<crate::pdf::PdfError> for AppError {
    fn from(e: crate::pdf::PdfError) -> Self {
        AppError::Internal(e.to_string())
    }
}

/// In which form the measures leave, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Json,
    Page,
    Csv,
    BoardReport,
}

impl Form {
    fn as_str(self) -> &'static str {
        match self {
            Form::Json => "json",
            Form::Page => "page",
            Form::Csv => "csv",
            Form::BoardReport => "board_report",
        }
    }
}

impl MeasuresService {
    pub(super) fn new(intake: Intake) -> Self {
        MeasuresService {
            intake,
            release: Arc::default(),
        }
    }

    /// The collaborative's release of the current facts (built when they changed), with
    /// those facts.
    fn release(&self) -> Result<(Arc<Release>, Arc<Vec<measures::CaseFacts>>), AppError> {
        let (version, facts) = self.intake.store.all_case_facts()?;
        let kept = self
            .release
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|(v, _)| *v == version)
            .map(|(_, r)| r.clone());
        let release = match kept {
            Some(r) => r,
            None => {
                let r = Arc::new(Release::collaborative(&facts));
                *self.release.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some((version, r.clone()));
                r
            }
        };
        Ok((release, facts))
    }

    /// The report of `query` for `audience`: curators from the selected facts, everyone
    /// else from the release.
    fn build(
        &self,
        query: &MeasuresQuery,
        audience: &Audience,
    ) -> Result<MeasuresReport, AppError> {
        let own = match audience {
            Audience::Curator { .. } => {
                let facts = self.intake.store.case_facts(&query.filter())?;
                return Ok(measures::build(&facts, query, audience));
            }
            Audience::Contributor { own } => Some(*own),
            Audience::Collaborative => None,
        };
        let (release, facts) = self.release()?;
        let filter: FactsFilter = query.filter();
        let selected: Vec<measures::CaseFacts> =
            facts.iter().filter(|f| filter.admits(f)).cloned().collect();
        let slice = Slice::of(query)?;
        let own_release = own.map(|org| (org, Release::own(&facts, org, slice, &release)));
        let (report, _) = measures::answer(
            &release,
            own_release.as_ref().map(|(org, r)| (*org, r)),
            &selected,
            query,
        )?;
        Ok(report)
    }

    /// What `who` may see: curators everything, unsuppressed, with the distribution
    /// across organizations (by name: they are PSO staff); a contributor its own
    /// organization beside the collaborative; members and faculty the collaborative.
    fn audience(&self, who: &Principal) -> Result<Audience, AppError> {
        let r = &who.roles;
        if r.has(Role::Curator) {
            let names: BTreeMap<_, _> = self
                .intake
                .store
                .organizations()?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect();
            return Ok(Audience::Curator {
                own: r.has(Role::Contributor).then_some(who.org),
                names,
            });
        }
        if r.has(Role::Contributor) {
            return Ok(Audience::Contributor { own: who.org });
        }
        if r.has(Role::Member) || r.has(Role::Faculty) {
            return Ok(Audience::Collaborative);
        }
        Err(AppError::Forbidden)
    }

    /// The measures of `query` as `who` may see them; audited with the filters.
    pub fn report(
        &self,
        who: &Principal,
        query: &MeasuresQuery,
        form: Form,
    ) -> Result<MeasuresReport, AppError> {
        let audience = self.audience(who)?;
        let report = self.build(query, &audience)?;
        let filters: serde_json::Map<String, serde_json::Value> = query
            .to_pairs()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v)))
            .collect();
        self.intake.store.audit(
            &AuditEvent::new(who.actor(), AuditAction::Measures, None).with_detail(
                serde_json::json!({ "form": form.as_str(), "view": report.view, "filters": filters }),
            ),
        )?;
        Ok(report)
    }

    /// The CSV of exactly what the page shows.
    pub fn csv(&self, who: &Principal, query: &MeasuresQuery) -> Result<String, AppError> {
        Ok(measures::csv::to_csv(&self.report(
            who,
            query,
            Form::Csv,
        )?))
    }

    /// The board report's PDF: contributors only (it is about their own organization).
    /// Without a period, the four quarters of contribution up to the last complete one.
    pub fn board_report(
        &self,
        who: &Principal,
        query: &MeasuresQuery,
    ) -> Result<Vec<u8>, AppError> {
        who.require(Action::BoardReport)?;
        let query = board_period(query, Quarter::of(crate::store::now()));
        let report = self.report(who, &query, Form::BoardReport)?;
        Ok(measures::board::board_report(&report)?)
    }
}

/// `query` with a default period: the four quarters ending with the one before `current`
/// when neither end is given; the four quarters ending with `to` when only `to` is.
pub fn board_period(query: &MeasuresQuery, current: Quarter) -> MeasuresQuery {
    let mut q = query.clone();
    if q.from.is_none() {
        let to = q.to.unwrap_or_else(|| current.previous());
        q.to = Some(to);
        q.from = Some(to.previous().previous().previous());
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_board_report_defaults_to_the_last_four_complete_quarters() {
        let now = Quarter::parse("2026-Q1").unwrap();
        let q = board_period(&MeasuresQuery::default(), now);
        assert_eq!(q.from.unwrap().to_string(), "2025-Q1");
        assert_eq!(q.to.unwrap().to_string(), "2025-Q4");
        let only_to = MeasuresQuery {
            to: Quarter::parse("2024-Q2"),
            ..Default::default()
        };
        assert_eq!(
            board_period(&only_to, now).from.unwrap().to_string(),
            "2023-Q3"
        );
        let given = MeasuresQuery {
            from: Quarter::parse("2020-Q1"),
            ..Default::default()
        };
        assert_eq!(board_period(&given, now), given);
    }
}
