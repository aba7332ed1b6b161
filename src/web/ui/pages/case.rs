//! `GET /cases/{id}`: a case's shared view as a readable story, with similar cases. For
//! curators a case in review carries the review panel: every flagged span marked with
//! why, a manual redaction (select text in the story, or type it), publish, or return
//! with a comment. The contributing organization sees its own case's status and the
//! curator's comment.
//!
//! `POST /cases/{id}/publish`, `/return`, `/redactions`: the review actions.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::super::labels;
use super::super::redacted::{markable, Flagged};
use super::super::session::SignedIn;
use super::super::{Layout, NavItem, UiError};
use crate::auth::{Action, Role};
use crate::case::{CaseId, CaseStatus, FieldSelector, RedactionFlag, SharedView, TextField};
use crate::error::AppError;
use crate::index::SearchHit;
use crate::service::{CaseDetail, ManualRedaction, Services};

/// Similar cases shown.
const SIMILAR: usize = 5;

/// A passage of the story: its field's path (for a manual redaction by selection), and
/// its text with flags.
pub struct Passage {
    pub path: String,
    pub text: String,
    pub flags: Vec<(usize, usize, String)>,
}

impl Passage {
    pub fn html(&self) -> Flagged<'_> {
        Flagged {
            text: &self.text,
            spans: self.flags.clone(),
            anchor: self.anchor(),
        }
    }

    /// The prefix of its flags' ids: `flag-review-findings`, `flag-roles-0`.
    fn anchor(&self) -> String {
        let mut id = String::from("flag");
        for part in self
            .path
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .filter(|p| !p.is_empty())
        {
            id.push('-');
            id.push_str(part);
        }
        id
    }

    /// Its flags as the review panel lists them.
    fn flag_items(&self) -> Vec<FlagItem> {
        let anchor = self.anchor();
        markable(&self.text, &self.flags)
            .into_iter()
            .enumerate()
            .map(|(n, (start, end, reason))| FlagItem {
                href: format!("#{anchor}-{n}"),
                field: field_label(&self.path),
                text: self.text[*start..*end].to_owned(),
                reason: reason.clone(),
            })
            .collect()
    }
}

/// A flagged span in the review panel's list: where, what, and why.
pub struct FlagItem {
    /// The mark in the story.
    pub href: String,
    pub field: String,
    pub text: String,
    pub reason: String,
}

/// A shared-view field's name as the story shows it.
fn field_label(path: &str) -> String {
    let indexed = |prefix: &str| {
        path.strip_prefix(prefix)
            .and_then(|rest| rest.split(']').next())
            .and_then(|i| i.parse::<usize>().ok())
    };
    match path {
        "event.summary" => "What happened".into(),
        "event.service" => "Service".into(),
        "communication.notes" => "Communication".into(),
        "review.findings" => "Findings".into(),
        "resolution.notes" => "Resolution".into(),
        "lessons_learned" => "Lessons learned".into(),
        _ => match (indexed("improvement_actions["), indexed("roles[")) {
            (Some(i), _) => format!("Improvement action {}", i + 1),
            (_, Some(_)) => "People involved".into(),
            _ => path.to_owned(),
        },
    }
}

impl Story {
    /// Every flagged span of the story, in reading order.
    pub fn flag_items(&self) -> Vec<FlagItem> {
        let mut passages: Vec<&Passage> = vec![&self.summary];
        passages.extend(self.roles.iter());
        passages.extend(self.communication_notes.iter());
        passages.extend(self.findings.iter());
        passages.extend(self.resolution_notes.iter());
        passages.push(&self.lessons);
        passages.extend(self.actions.iter().map(|a| &a.description));
        passages.iter().flat_map(|p| p.flag_items()).collect()
    }
}

/// One step of the timeline.
pub struct Step {
    pub label: &'static str,
    pub day: String,
}

pub struct ActionView {
    pub description: Passage,
    pub strength: String,
    pub strength_class: &'static str,
    pub status: String,
    pub due: Option<String>,
}

pub struct SimilarView {
    pub href: String,
    pub title: String,
    pub summary: super::super::snippet::Snippet,
}

pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

/// A shared view as a story: what happened, the timeline, communication, review,
/// resolution, lessons, actions and what safe tables concluded (`templates/story.html`).
/// The case page shows one; a discussion and its printable packet one per case.
#[derive(Template)]
#[template(path = "story.html")]
pub struct Story {
    /// Prefix of the element ids, unique on the page.
    pub prefix: String,
    /// The level of the story's section headings (2 on the case page, 3 in a discussion).
    pub level: u8,
    /// Said to screen readers after each heading when a page holds several stories
    /// (`case 2`), so that every section's name is unique.
    pub context: String,
    pub summary: Passage,
    pub steps: Vec<Step>,
    pub communication: Vec<Fact>,
    pub communication_notes: Option<Passage>,
    pub review: Vec<Fact>,
    pub factors: Vec<String>,
    pub findings: Option<Passage>,
    pub resolution: Vec<Fact>,
    pub resolution_notes: Option<Passage>,
    pub lessons: Passage,
    pub actions: Vec<ActionView>,
    pub roles: Vec<Passage>,
    pub takeaways: Vec<Passage>,
}

/// `templates/case.html`.
#[derive(Template)]
#[template(path = "case.html")]
pub struct CasePage {
    pub layout: Layout,
    /// The breadcrumb's parent page: its path and name.
    pub crumb: (&'static str, &'static str),
    pub csrf_token: String,
    pub id: String,
    pub heading: String,
    pub facts: Vec<Fact>,
    pub status: Option<String>,
    pub status_class: &'static str,
    pub return_comment: Option<Passage>,
    pub story: Story,
    /// For faculty and curators on a published case: the discussions it can be added to.
    pub add_to: Vec<(i64, String)>,
    pub similar: Vec<SimilarView>,
    pub show_similar: bool,
    /// Curators, on a case in review.
    pub reviewing: bool,
    pub flag_count: usize,
    /// The flagged spans with why each was flagged, listed in the review panel.
    pub flag_list: Vec<FlagItem>,
    pub field_options: Vec<String>,
    pub review_error: Option<String>,
    pub review_notice: Option<String>,
    pub redaction_text: String,
    pub redaction_field: String,
    /// The user may withdraw the case (its own organization's, or a curator), and it is
    /// not withdrawn yet: a link to the confirmation page.
    pub withdrawable: bool,
    /// A returned case of the user's organization: how to contribute it again.
    pub resubmit: bool,
}

impl CasePage {
    /// Whether the field a failed redaction named is one of the listed options.
    pub fn field_listed(&self) -> bool {
        self.field_options.contains(&self.redaction_field)
    }
}

/// `+3`, `0`, `-1`: a day relative to the event.
fn day(n: i64) -> String {
    match n {
        0 => "Day 0".into(),
        n if n > 0 => format!("Day +{n}"),
        n => format!("Day {n}"),
    }
}

fn yes_no(b: bool) -> String {
    if b { "Yes" } else { "No" }.into()
}

fn flags_for(flags: &[RedactionFlag], path: &str) -> Vec<(usize, usize, String)> {
    flags
        .iter()
        .filter(|f| f.field == path)
        .map(|f| (f.start, f.end, labels::value(&f.reason)))
        .collect()
}

fn passage(flags: &[RedactionFlag], field: TextField, text: &str) -> Passage {
    let path = field.path();
    Passage {
        flags: flags_for(flags, &path),
        path,
        text: text.to_owned(),
    }
}

/// The flags of a curator's redaction report.
fn report_flags(detail: &CaseDetail) -> Vec<RedactionFlag> {
    detail
        .redaction_report
        .as_ref()
        .and_then(|r| r.get("flags"))
        .and_then(|f| serde_json::from_value(f.clone()).ok())
        .unwrap_or_default()
}

fn status_class(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Published => "st-tag--ok",
        CaseStatus::InReview => "st-tag--category",
        CaseStatus::Returned => "st-tag--harm-moderate",
        CaseStatus::Withdrawn => "st-tag--muted",
    }
}

/// What a page shows of a case, and what its forms had typed.
#[derive(Default)]
pub struct Extra {
    pub review_error: Option<String>,
    pub review_notice: Option<String>,
    pub redaction_text: String,
    pub redaction_field: String,
}

impl Extra {
    fn notice(notice: Option<String>) -> Self {
        Extra {
            review_notice: notice,
            ..Extra::default()
        }
    }

    fn error(message: String) -> Self {
        Extra {
            review_error: Some(message),
            ..Extra::default()
        }
    }
}

/// The story of a view, with `flags` marked (a curator's review), its element ids
/// prefixed by `prefix` and its headings at `level`.
pub fn story(
    v: &SharedView,
    flags: &[RedactionFlag],
    prefix: String,
    level: u8,
    context: String,
) -> Story {
    let flags = flags.to_vec();
    let t = &v.timeline;
    let mut steps = vec![Step {
        label: "Event",
        day: day(0),
    }];
    let mut push = |label, d: Option<i64>| {
        if let Some(d) = d {
            steps.push(Step { label, day: day(d) });
        }
    };
    push("Discovered", t.discovered_day);
    push("First contact with the family", t.first_contact_day);
    push("Loop closed with the family", t.loop_closed_day);
    push("Case closed", Some(t.closed_day));
    steps.sort_by_key(|s| {
        s.day
            .trim_start_matches("Day ")
            .trim_start_matches('+')
            .parse::<i64>()
            .unwrap_or(0)
    });
    let mut communication = Vec::new();
    let mut communication_notes = None;
    if let Some(c) = &v.communication {
        if let Some(r) = &c.disclosed_by_role {
            communication.push(Fact {
                label: "Disclosed by",
                value: r.clone(),
            });
        }
        if let Some(a) = c.apology {
            communication.push(Fact {
                label: "Apology",
                value: labels::value(a.as_str()),
            });
        }
        communication_notes = c
            .notes
            .as_deref()
            .map(|n| passage(&flags, TextField::CommunicationNotes, n));
    }
    let mut review = Vec::new();
    let mut factors = Vec::new();
    let mut findings = None;
    if let Some(r) = &v.review {
        if let Some(m) = r.method {
            review.push(Fact {
                label: "Method",
                value: labels::value(m.as_str()),
            });
        }
        if let Some(s) = r.standard_of_care_met {
            review.push(Fact {
                label: "Standard of care met",
                value: labels::value(s.as_str()),
            });
        }
        factors = r
            .contributing_factors
            .iter()
            .map(|f| labels::value(f.as_str()))
            .collect();
        findings = r
            .findings
            .as_deref()
            .map(|n| passage(&flags, TextField::Findings, n));
    }
    let mut resolution = Vec::new();
    let mut resolution_notes = None;
    if let Some(r) = &v.resolution {
        if let Some(b) = r.loop_closed_with_family {
            resolution.push(Fact {
                label: "Loop closed with the family",
                value: yes_no(b),
            });
        }
        if let Some(c) = r.compensation {
            resolution.push(Fact {
                label: "Compensation",
                value: labels::value(c.as_str()),
            });
        }
        if let Some(b) = r.clinician_support_offered {
            resolution.push(Fact {
                label: "Clinician support offered",
                value: yes_no(b),
            });
        }
        resolution_notes = r
            .notes
            .as_deref()
            .map(|n| passage(&flags, TextField::ResolutionNotes, n));
    }
    let actions = v
        .improvement_actions
        .iter()
        .enumerate()
        .map(|(i, a)| ActionView {
            description: passage(&flags, TextField::Action(i), &a.description),
            strength: labels::value(a.strength.as_str()),
            strength_class: labels::strength_class(a.strength),
            status: labels::value(a.status.as_str()),
            due: a.due_day.map(day),
        })
        .collect();
    let roles = v
        .roles
        .iter()
        .enumerate()
        .map(|(i, r)| passage(&flags, TextField::Role(i), r))
        .collect();
    Story {
        prefix,
        level,
        context,
        summary: passage(&flags, TextField::Summary, &v.event.summary),
        steps,
        communication,
        communication_notes,
        review,
        factors,
        findings,
        resolution,
        resolution_notes,
        lessons: passage(&flags, TextField::Lessons, &v.lessons_learned),
        actions,
        roles,
        takeaways: v
            .safe_table_takeaways
            .iter()
            .map(|t| Passage {
                path: String::new(),
                text: t.clone(),
                flags: Vec::new(),
            })
            .collect(),
    }
}

fn build(user: &SignedIn, detail: &CaseDetail, similar: Vec<SearchHit>, extra: Extra) -> CasePage {
    let v: &SharedView = &detail.view;
    let reviewing =
        detail.status == Some(CaseStatus::InReview) && user.principal().may(Action::Curate);
    let flags = if reviewing {
        report_flags(detail)
    } else {
        Vec::new()
    };
    let category = labels::value(v.event.category.as_str());
    let harm = labels::value(v.event.harm.as_str());
    let mut facts = vec![
        Fact {
            label: "Event type",
            value: category.clone(),
        },
        Fact {
            label: "Harm (AHRQ Harm Scale)",
            value: harm.clone(),
        },
        Fact {
            label: "Setting",
            value: labels::value(v.event.setting.as_str()),
        },
        Fact {
            label: "Year",
            value: v.event.year.to_string(),
        },
    ];
    if let Some(s) = &v.event.service {
        facts.push(Fact {
            label: "Service",
            value: s.clone(),
        });
    }
    if let Some(a) = v.patient.age_band {
        facts.push(Fact {
            label: "Patient age",
            value: a.as_str().to_owned(),
        });
    }
    if let Some(s) = v.patient.sex {
        facts.push(Fact {
            label: "Patient sex",
            value: labels::value(s.as_str()),
        });
    }
    let story = story(v, &flags, String::new(), 2, String::new());
    let flag_list = story.flag_items();
    let similar = similar
        .into_iter()
        .filter(|h| Some(&h.id) != v.id.as_ref())
        .take(SIMILAR)
        .map(|h| SimilarView {
            href: format!("/cases/{}", h.id),
            title: format!(
                "{} event · {} harm · {}",
                labels::value(h.category.as_str()),
                labels::value(h.harm.as_str()),
                h.year
            ),
            summary: super::super::snippet::Snippet::trusted(h.summary),
        })
        .collect();
    let current = if reviewing {
        Some(NavItem::ReviewQueue)
    } else if user.principal().roles.has(Role::Contributor)
        && detail.status.is_some()
        && !user.principal().roles.has(Role::Curator)
    {
        Some(NavItem::Cases)
    } else {
        Some(NavItem::Search)
    };
    let crumb = match current {
        Some(NavItem::ReviewQueue) => ("/review", "Review queue"),
        Some(NavItem::Cases) => ("/cases", "Our cases"),
        _ => ("/search", "Search"),
    };
    CasePage {
        crumb,
        layout: user.layout(format!("{category} event, {harm} harm"), current),
        csrf_token: user.csrf_token.clone(),
        id: v.id.as_ref().map(|i| i.to_string()).unwrap_or_default(),
        heading: format!("{category} event · {harm} harm"),
        facts,
        status: detail.status.map(|s| labels::value(s.as_str())),
        status_class: detail.status.map(status_class).unwrap_or(""),
        return_comment: detail.return_comment.as_ref().map(|c| Passage {
            path: String::new(),
            text: c.clone(),
            flags: Vec::new(),
        }),
        story,
        add_to: Vec::new(),
        show_similar: detail.status.is_none() || detail.status == Some(CaseStatus::Published),
        similar,
        reviewing,
        flag_count: flag_list.len(),
        flag_list,
        field_options: {
            // The story first: most misses are there.
            let mut options: Vec<String> = FieldSelector::whole()
                .into_iter()
                .map(FieldSelector::path)
                .collect();
            options.sort_by_key(|f| f != "event.summary");
            options
        },
        review_error: extra.review_error,
        review_notice: extra.review_notice,
        redaction_text: extra.redaction_text,
        redaction_field: extra.redaction_field,
        withdrawable: !reviewing
            && user.principal().may(Action::Withdraw)
            && detail
                .status
                .is_some_and(|s| s.may_become(CaseStatus::Withdrawn)),
        resubmit: detail.status == Some(CaseStatus::Returned)
            && user.principal().may(Action::SubmitCase),
    }
}

fn case_id(raw: &str) -> Result<CaseId, UiError> {
    raw.parse().map_err(|_| UiError::NotFound)
}

async fn render_case(
    user: &SignedIn,
    services: &web::Data<Services>,
    id: CaseId,
    status: StatusCode,
    extra: Extra,
) -> Result<HttpResponse, UiError> {
    let principal = user.principal().clone();
    let svc = services.clone();
    let (detail, similar, add_to) = web::block(move || -> Result<_, AppError> {
        let detail = svc.cases.get(&principal, &id)?;
        let published = detail.status.is_none() || detail.status == Some(CaseStatus::Published);
        let similar = if published && principal.may(Action::Search) {
            svc.search
                .similar(&principal, &id, SIMILAR + 1)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let add_to = if published {
            svc.discussions
                .managed_list(&principal)?
                .into_iter()
                .map(|d| (d.id.get(), d.title))
                .collect()
        } else {
            Vec::new()
        };
        Ok((detail, similar, add_to))
    })
    .await??;
    let mut page = build(user, &detail, similar, extra);
    page.add_to = add_to;
    Ok(super::html(HttpResponse::build(status), page.render()?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /cases/{id}`.
pub async fn show(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
    query: web::Query<CaseQuery>,
) -> Result<HttpResponse, UiError> {
    let id = case_id(&path)?;
    let notice = match query.done.as_deref() {
        Some("redaction") => Some("The redaction is applied everywhere the text occurred.".into()),
        Some("submitted") => Some(
            "Thank you: the case is contributed. The PSO's curators review it before members can read it."
                .into(),
        ),
        Some("resubmitted") => Some(
            "Thank you: the case replaces the one that was returned, and is back in review with the PSO's curators."
                .into(),
        ),
        _ => None,
    };
    render_case(&user, &services, id, StatusCode::OK, Extra::notice(notice)).await
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub comment: String,
}

/// `POST /cases/{id}/publish`.
pub async fn publish(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    user.require(Action::Curate)?;
    let id = case_id(&path)?;
    let principal = user.principal().clone();
    let svc = services.clone();
    let target = id.clone();
    match web::block(move || svc.cases.publish(&principal, &target)).await? {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/review?done=published"))
            .finish()),
        Err(AppError::Conflict(message)) => conflict(&user, &services, id, message).await,
        Err(e) => Err(e.into()),
    }
}

async fn conflict(
    user: &SignedIn,
    services: &web::Data<Services>,
    id: CaseId,
    message: String,
) -> Result<HttpResponse, UiError> {
    render_case(
        user,
        services,
        id,
        StatusCode::CONFLICT,
        Extra::error(format!("This could not be done: {message}.")),
    )
    .await
}

/// `POST /cases/{id}/return`.
pub async fn return_to_org(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    user.require(Action::Curate)?;
    let id = case_id(&path)?;
    let principal = user.principal().clone();
    let svc = services.clone();
    let target = id.clone();
    let comment = form.comment.clone();
    match web::block(move || svc.cases.return_to_org(&principal, &target, Some(&comment))).await? {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/review?done=returned"))
            .finish()),
        Err(AppError::Schema { fields, .. }) => {
            let problem = fields
                .first()
                .map(|f| f.problem.clone())
                .unwrap_or_else(|| "is not valid".into());
            render_case(
                &user,
                &services,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Extra::error(format!("The comment {problem}.")),
            )
            .await
        }
        Err(AppError::Conflict(message)) => conflict(&user, &services, id, message).await,
        Err(e) => Err(e.into()),
    }
}

/// `templates/withdraw.html`: the confirmation before a case is withdrawn.
#[derive(Template)]
#[template(path = "withdraw.html")]
pub struct WithdrawPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub id: String,
    pub heading: String,
    pub status: String,
    pub status_class: &'static str,
    pub back: &'static str,
    pub back_label: &'static str,
}

/// `GET /cases/{id}/withdraw`: what withdrawing does, and a form to confirm it. Works
/// without JavaScript: the confirmation is a page of its own.
pub async fn withdraw_form(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
) -> Result<HttpResponse, UiError> {
    user.require(Action::Withdraw)?;
    let id = case_id(&path)?;
    let principal = user.principal().clone();
    let svc = services.clone();
    let target = id.clone();
    let detail = web::block(move || svc.cases.get(&principal, &target)).await??;
    // Only a case whose status the user sees (their own organization's) and that may
    // still be withdrawn; the service decides again when the form is sent.
    let status = detail
        .status
        .filter(|s| s.may_become(CaseStatus::Withdrawn))
        .ok_or(UiError::NotFound)?;
    let v = &detail.view;
    let category = labels::value(v.event.category.as_str());
    let harm = labels::value(v.event.harm.as_str());
    let contributor = user.principal().roles.has(Role::Contributor);
    super::render(&WithdrawPage {
        layout: user.layout(
            "Withdraw a case",
            Some(if contributor {
                NavItem::Cases
            } else {
                NavItem::Search
            }),
        ),
        csrf_token: user.csrf_token.clone(),
        id: id.to_string(),
        heading: format!("{category} event · {harm} harm · {}", v.event.year),
        status: labels::value(status.as_str()),
        status_class: status_class(status),
        back: if contributor { "/cases" } else { "/search" },
        back_label: if contributor { "Our cases" } else { "Search" },
    })
}

/// `POST /cases/{id}/withdraw`: withdraws the case through the case service, which
/// decides who may withdraw which case.
pub async fn withdraw(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    let id = case_id(&path)?;
    let principal = user.principal().clone();
    let target = id.clone();
    web::block(move || services.cases.withdraw(&principal, &target)).await??;
    let to = if user.principal().roles.has(Role::Contributor) {
        format!("/cases?done=withdrawn&case={id}")
    } else {
        format!("/review?done=withdrawn&case={id}")
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish())
}

#[derive(Deserialize)]
pub struct RedactionForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub placeholder: String,
}

/// `POST /cases/{id}/redactions`.
pub async fn add_redaction(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
    form: web::Form<RedactionForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    user.require(Action::Curate)?;
    let id = case_id(&path)?;
    let form = form.into_inner();
    let redaction = ManualRedaction {
        field: form.field.trim().to_owned(),
        text: form.text.clone(),
        placeholder: form.placeholder.trim().to_owned(),
    };
    let principal = user.principal().clone();
    let svc = services.clone();
    let target = id.clone();
    match web::block(move || svc.cases.add_redaction(&principal, &target, &redaction)).await? {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/cases/{id}?done=redaction#review"),
            ))
            .finish()),
        Err(AppError::Schema { fields, .. }) => {
            let message = fields
                .iter()
                .map(|f| match f.path.as_str() {
                    "text" => format!("The text to redact {}.", f.problem),
                    "field" => "Choose the part of the case where the text appears.".to_owned(),
                    "placeholder" => format!("The placeholder {}.", f.problem),
                    _ => format!("{} {}.", f.path, f.problem),
                })
                .collect::<Vec<_>>()
                .join(" ");
            let text = form.text.chars().take(500).collect();
            render_case(
                &user,
                &services,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Extra {
                    redaction_text: text,
                    redaction_field: form.field.chars().take(64).collect(),
                    ..Extra::error(message)
                },
            )
            .await
        }
        Err(AppError::Conflict(message)) => conflict(&user, &services, id, message).await,
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_relative_to_the_event() {
        assert_eq!(day(0), "Day 0");
        assert_eq!(day(3), "Day +3");
        assert_eq!(day(-1), "Day -1");
    }
}
