//! `GET /review`: the curators' queue (cases in review, oldest first), and `GET /cases`:
//! a contributor's own organization's cases, by status. Both list through the case
//! service, which scopes them by role and organization.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::super::labels;
use super::super::session::SignedIn;
use super::super::{Layout, NavItem, UiError};
use crate::auth::Action;
use crate::case::CaseStatus;
use crate::service::{ListQuery, Services};
use crate::store::{CaseOrder, CaseSummary};

/// Rows on one page.
const PAGE: i64 = 50;

pub struct Row {
    pub href: String,
    pub id: String,
    pub title: String,
    pub harm_class: &'static str,
    pub harm: String,
    pub status: String,
    pub status_class: &'static str,
    pub received: String,
    /// Whole days since the case was received (today − the day it came in, UTC).
    pub age_days: i64,
    pub updated: String,
    /// The case may still be withdrawn (a link to the confirmation page).
    pub withdrawable: bool,
    /// Returned: it may be contributed again.
    pub returned: bool,
}

pub struct Tab {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

/// `templates/cases.html`.
#[derive(Template)]
#[template(path = "cases.html")]
pub struct CasesPage {
    pub layout: Layout,
    pub heading: &'static str,
    pub intro: &'static str,
    pub tabs: Vec<Tab>,
    pub rows: Vec<Row>,
    pub notice: Option<String>,
    /// The queue: an "Age (days)" column.
    pub show_age: bool,
    /// The contributor's list: a column of actions (withdraw, resubmit) per case.
    pub actions: bool,
    pub empty: &'static str,
    pub next: Option<String>,
    pub prev: Option<String>,
    pub contribute: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    done: Option<String>,
    /// The case a `done` notice is about.
    #[serde(default)]
    case: Option<String>,
}

impl ListParams {
    /// "Case ID is withdrawn", when the notice is about a withdrawal.
    fn withdrawn(&self) -> Option<String> {
        if self.done.as_deref() != Some("withdrawn") {
            return None;
        }
        let id = self
            .case
            .as_deref()
            .and_then(|c| c.parse::<crate::case::CaseId>().ok());
        Some(match id {
            Some(id) => format!("Case {id} is withdrawn: its shared view is gone from search and its sealed original is destroyed."),
            None => "The case is withdrawn: its shared view is gone from search and its sealed original is destroyed.".into(),
        })
    }
}

fn status_class(s: CaseStatus) -> &'static str {
    match s {
        CaseStatus::Published => "st-tag--ok",
        CaseStatus::InReview => "st-tag--category",
        CaseStatus::Returned => "st-tag--harm-moderate",
        CaseStatus::Withdrawn => "st-tag--muted",
    }
}

/// Whole days from the day `received` to `today` (0 on the day itself, never less).
pub fn age_in_days(received: chrono::NaiveDateTime, today: chrono::NaiveDate) -> i64 {
    (today - received.date()).num_days().max(0)
}

fn row(c: &CaseSummary, today: chrono::NaiveDate) -> Row {
    Row {
        href: format!("/cases/{}", c.id),
        id: c.id.to_string(),
        title: format!("{} event, {}", labels::value(c.category.as_str()), c.year),
        harm_class: labels::harm_class(c.harm),
        harm: labels::value(c.harm.as_str()),
        status: labels::value(c.status.as_str()),
        status_class: status_class(c.status),
        received: c.created_at.format("%Y-%m-%d").to_string(),
        age_days: age_in_days(c.created_at, today),
        updated: c.updated_at.format("%Y-%m-%d %H:%M").to_string(),
        withdrawable: c.status.may_become(CaseStatus::Withdrawn),
        returned: c.status == CaseStatus::Returned,
    }
}

async fn list(
    user: &SignedIn,
    services: web::Data<Services>,
    status: Option<CaseStatus>,
    order: CaseOrder,
    page: u32,
) -> Result<(Vec<Row>, bool), UiError> {
    let principal = user.principal().clone();
    let query = ListQuery {
        status,
        external_ref: None,
        limit: Some(PAGE + 1),
        offset: Some(i64::from(page.saturating_sub(1)) * PAGE),
        order,
    };
    let cases = web::block(move || services.cases.list(&principal, &query)).await??;
    let more = cases.len() as i64 > PAGE;
    let today = chrono::Utc::now().date_naive();
    Ok((
        cases
            .iter()
            .take(PAGE as usize)
            .map(|c| row(c, today))
            .collect(),
        more,
    ))
}

fn pages(base: &str, page: u32, more: bool) -> (Option<String>, Option<String>) {
    let sep = if base.contains('?') { '&' } else { '?' };
    (
        (page > 1).then(|| format!("{base}{sep}page={}", page - 1)),
        more.then(|| format!("{base}{sep}page={}", page + 1)),
    )
}

/// `GET /review`.
pub async fn review_queue(
    user: SignedIn,
    services: web::Data<Services>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, UiError> {
    user.require(Action::Curate)?;
    let page = params.page.unwrap_or(1).max(1);
    let (rows, more) = list(
        &user,
        services,
        Some(CaseStatus::InReview),
        CaseOrder::OldestFirst,
        page,
    )
    .await?;
    let (prev, next) = pages("/review", page, more);
    super::render(&CasesPage {
        layout: user.layout("Review queue", Some(NavItem::ReviewQueue)),
        heading: "Review queue",
        intro: "Contributed cases waiting for a curator, the longest waiting first: read each shared view for anything that could identify a patient, a clinician or the hospital, redact what the pipeline missed, then publish or return it.",
        tabs: Vec::new(),
        rows,
        notice: match params.done.as_deref() {
            Some("published") => Some("The case is published: members can find it now.".into()),
            Some("returned") => {
                Some("The case is returned to its organization with your comment.".into())
            }
            _ => params.withdrawn(),
        },
        actions: false,
        show_age: true,
        empty: "Nothing waits for review.",
        next,
        prev,
        contribute: false,
    })
}

/// `GET /cases`.
pub async fn own_cases(
    user: SignedIn,
    services: web::Data<Services>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, UiError> {
    user.require(Action::OwnCases)?;
    let status = match params.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(CaseStatus::parse(s).ok_or(UiError::BadRequest)?),
    };
    let page = params.page.unwrap_or(1).max(1);
    let (rows, more) = list(&user, services, status, CaseOrder::NewestFirst, page).await?;
    let base = match status {
        Some(s) => format!("/cases?status={}", s.as_str()),
        None => "/cases".into(),
    };
    let (prev, next) = pages(&base, page, more);
    let mut tabs = vec![Tab {
        label: "All",
        href: "/cases".into(),
        current: status.is_none(),
    }];
    for (label, s) in [
        ("In review", CaseStatus::InReview),
        ("Returned", CaseStatus::Returned),
        ("Published", CaseStatus::Published),
    ] {
        tabs.push(Tab {
            label,
            href: format!("/cases?status={}", s.as_str()),
            current: status == Some(s),
        });
    }
    super::render(&CasesPage {
        layout: user.layout("Our cases", Some(NavItem::Cases)),
        heading: "Our cases",
        intro: "The cases your organization contributed, as the PSO's members will read them once published. Returned cases carry the curator's comment.",
        tabs,
        rows,
        notice: params.withdrawn(),
        actions: true,
        show_age: false,
        empty: "No cases here yet.",
        next,
        prev,
        contribute: user.principal().may(Action::SubmitCase),
    })
}

#[cfg(test)]
mod tests {
    use super::age_in_days;
    use chrono::NaiveDate;

    #[test]
    fn age_counts_whole_days_since_the_case_came_in() {
        let today = NaiveDate::from_ymd_opt(2024, 3, 10).unwrap();
        let at = |d, h| {
            NaiveDate::from_ymd_opt(2024, 3, d)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
        };
        assert_eq!(age_in_days(at(10, 23), today), 0);
        assert_eq!(age_in_days(at(9, 23), today), 1);
        assert_eq!(age_in_days(at(1, 0), today), 9);
        // A clock that runs behind never makes a negative age.
        assert_eq!(age_in_days(at(11, 0), today), 0);
    }
}
