//! Search over published shared views, and similar cases.

use std::sync::Arc;

use crate::audit::{AuditAction, AuditEvent};
use crate::auth::{Action, Principal};
use crate::case::{CaseId, CaseStatus};
use crate::error::AppError;
use crate::index::{SearchError, SearchHit, SearchIndex, SearchRequest, SearchResults};
use crate::intake::Intake;

/// Search for members, faculty and curators.
#[derive(Clone)]
pub struct SearchService {
    pub(super) intake: Intake,
    pub(super) index: Arc<SearchIndex>,
}

/// Most similar cases one request returns.
pub const MAX_SIMILAR: usize = 50;

impl From<SearchError> for AppError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::BadQuery(message) => AppError::BadQuery(message),
            SearchError::NotFound => AppError::NotFound("case"),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl SearchService {
    /// Whether the store answers (for health checks, which anyone may ask).
    pub fn health(&self) -> Result<(), AppError> {
        self.intake
            .store
            .ping()
            .map_err(|_| AppError::Unavailable("the database does not answer".into()))
    }

    /// Runs a checked request; audited with what was asked, never the text typed. The
    /// index ranks; the page's summaries and passages come from the cases' published views,
    /// read from the store on every request (the index keeps no text), and are made again
    /// only for a view the kept answer has not shown in that form.
    pub fn search(
        &self,
        who: &Principal,
        request: &SearchRequest,
    ) -> Result<SearchResults, AppError> {
        who.require(Action::Search)?;
        let page = self.index.search_cached(request)?;
        let texts = self.intake.store.published_view_texts(&page.hits.ids())?;
        let results = page.results_from_texts(&texts)?;
        // A member may type a patient's name, and the hash chain makes an entry impossible
        // to erase: the query is kept as a keyed digest (the same search gives the same
        // digest); the filters are values of closed vocabularies.
        let query = request
            .query
            .as_deref()
            .map(|q| self.intake.query_digest(q).as_str().to_owned());
        let filters: serde_json::Map<String, serde_json::Value> = request
            .filters
            .iter()
            .map(|(kind, values)| (kind.name().to_owned(), serde_json::json!(values)))
            .collect();
        self.intake.store.audit(
            &AuditEvent::new(who.actor(), AuditAction::Search, None).with_detail(
                serde_json::json!({ "query": query, "filters": filters, "total": results.total }),
            ),
        )?;
        Ok(results)
    }

    /// Published cases most like `id`, best first; audited.
    pub fn similar(
        &self,
        who: &Principal,
        id: &CaseId,
        limit: usize,
    ) -> Result<Vec<SearchHit>, AppError> {
        who.require(Action::Search)?;
        if !(1..=MAX_SIMILAR).contains(&limit) {
            return Err(AppError::BadQuery(format!(
                "limit must be between 1 and {MAX_SIMILAR}"
            )));
        }
        let record = self
            .intake
            .store
            .case(id)?
            .ok_or(AppError::NotFound("case"))?;
        if record.status != CaseStatus::Published {
            return Err(AppError::NotFound("case"));
        }
        let mut view = record.view;
        view.id = Some(record.id);
        let ranked = self.index.similar(&view, limit)?;
        let views = self.intake.store.published_views(&ranked.ids())?;
        let hits = ranked.into_hits(views);
        self.intake.store.audit(&AuditEvent::new(
            who.actor(),
            AuditAction::Similar,
            Some(id.to_string()),
        ))?;
        Ok(hits)
    }
}
