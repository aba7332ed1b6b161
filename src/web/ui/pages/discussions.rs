//! Safe-table discussions in the browser.
//!
//! - `GET /discussions`: the list (faculty and curators every one, with a button for a
//!   new one; members the published ones they are invited to).
//! - `GET|POST /discussions/new`, `GET|POST /discussions/{id}/edit`: the form.
//! - `GET /discussions/{id}`: faculty manage it (agenda with questions and order,
//!   publication, attendance, takeaways, notices); an invited member accepts the
//!   confidentiality statement first, then reads it; anyone else: page not found.
//! - `GET /discussions/{id}/packet` (printable), `/packet.pdf`, `/calendar.ics`.
//! - `POST /discussions/add`: "add to discussion" from a search result or a case page.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::super::session::SignedIn;
use super::super::{Layout, NavItem, UiError};
use super::case::{story, Story};
use crate::case::{CaseId, UserId};
use crate::discussion::{
    packet::case_title, Access, DiscussionBody, DiscussionDetail, DiscussionId, DiscussionStatus,
    Invitees, TakeawaysInput, CONFIDENTIALITY_STATEMENT,
};
use crate::error::AppError;
use crate::service::Services;

fn discussion_id(raw: &str) -> Result<DiscussionId, UiError> {
    crate::web::api::discussions::discussion_id(raw).map_err(|_| UiError::NotFound)
}

fn case_id(raw: &str) -> Result<CaseId, UiError> {
    raw.parse().map_err(|_| UiError::NotFound)
}

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

fn status_label(s: DiscussionStatus) -> (&'static str, &'static str) {
    match s {
        DiscussionStatus::Draft => ("Draft", "st-tag--muted"),
        DiscussionStatus::Published => ("Published", "st-tag--ok"),
    }
}

/// A row of the list.
pub struct Row {
    pub href: String,
    pub title: String,
    pub when: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub cases: usize,
    /// For members: what to do next.
    pub next: &'static str,
}

/// `templates/discussions.html`.
#[derive(Template)]
#[template(path = "discussions.html")]
pub struct ListPage {
    pub layout: Layout,
    pub manages: bool,
    pub sections: Vec<Section>,
}

/// Upcoming or past discussions.
pub struct Section {
    pub id: &'static str,
    pub heading: &'static str,
    pub rows: Vec<Row>,
}

/// `GET /discussions`.
pub async fn list(user: SignedIn, services: web::Data<Services>) -> Result<HttpResponse, UiError> {
    let principal = user.principal().clone();
    let svc = services.clone();
    let rows = web::block(move || svc.discussions.list(&principal)).await??;
    let manages = rows.first().map(|r| r.access.manages()).unwrap_or_else(|| {
        let r = &user.principal().roles;
        r.has(crate::auth::Role::Faculty) || r.has(crate::auth::Role::Curator)
    });
    let now = crate::store::now();
    let (mut upcoming, mut past) = (Vec::new(), Vec::new());
    for r in rows {
        let (status, status_class) = status_label(r.discussion.status);
        let row = Row {
            href: format!("/discussions/{}", r.discussion.id),
            title: r.discussion.title.clone(),
            when: r.discussion.when(),
            status,
            status_class,
            cases: r.cases,
            next: match r.access {
                Access::Manage => "",
                Access::Participant { attested: None, .. } => "Accept the statement to open it",
                Access::Participant { .. } => "Open",
            },
        };
        if r.discussion.ends_at() < now {
            past.push(row);
        } else {
            upcoming.push(row);
        }
    }
    past.reverse();
    let mut sections = vec![Section {
        id: "upcoming",
        heading: "Upcoming",
        rows: upcoming,
    }];
    if !past.is_empty() {
        sections.push(Section {
            id: "past",
            heading: "Past",
            rows: past,
        });
    }
    let page = ListPage {
        layout: user.layout("Safe-table discussions", Some(NavItem::Discussions)),
        manages,
        sections,
    };
    super::render(&page)
}

/// An organization to invite, on the form.
pub struct OrgChoice {
    pub id: i64,
    pub name: String,
    pub checked: bool,
}

/// `templates/discussion_form.html`.
#[derive(Template)]
#[template(path = "discussion_form.html")]
pub struct FormPage {
    pub layout: Layout,
    pub csrf_token: String,
    /// `None` for a new discussion.
    pub id: Option<i64>,
    pub title: String,
    pub starts_at: String,
    pub time_zone: String,
    pub duration: String,
    pub description: String,
    pub facilitator_notes: String,
    pub invite_all: bool,
    pub orgs: Vec<OrgChoice>,
    /// IANA names with their labels.
    pub zones: Vec<(&'static str, String)>,
    pub errors: Vec<(String, String)>,
}

impl FormPage {
    /// The id of the input an error is about, for the summary's links.
    pub fn anchor(&self, path: &str) -> String {
        let field = path.split('[').next().unwrap_or(path);
        format!("field-{field}")
    }

    /// The message of a field, if it has one.
    pub fn error_of(&self, path: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(p, _)| p == path || p.starts_with(&format!("{path}[")))
            .map(|(_, m)| m.as_str())
    }
}

/// The form's fields as typed.
#[derive(Deserialize, Default)]
pub struct DiscussionForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    duration_minutes: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    facilitator_notes: String,
    #[serde(default)]
    invite: String,
    #[serde(default)]
    orgs: Vec<i64>,
}

impl DiscussionForm {
    /// From the form's pairs (`orgs` repeats).
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut f = DiscussionForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf_token" => f.csrf_token = v.clone(),
                "title" => f.title = v.clone(),
                "starts_at" => f.starts_at = v.clone(),
                "time_zone" => f.time_zone = v.clone(),
                "duration_minutes" => f.duration_minutes = v.clone(),
                "description" => f.description = v.clone(),
                "facilitator_notes" => f.facilitator_notes = v.clone(),
                "invite" => f.invite = v.clone(),
                "orgs" => f.orgs.extend(v.trim().parse::<i64>().ok()),
                _ => {}
            }
        }
        f
    }

    fn body(&self) -> DiscussionBody {
        DiscussionBody {
            title: self.title.clone(),
            starts_at: self.starts_at.clone(),
            time_zone: self.time_zone.clone(),
            duration_minutes: self.duration_minutes.trim().parse().unwrap_or(0),
            description: self.description.clone(),
            facilitator_notes: self.facilitator_notes.clone(),
            invite_all: self.invite != "selected",
            invited_orgs: if self.invite == "selected" {
                self.orgs.clone()
            } else {
                Vec::new()
            },
        }
    }
}

async fn form_page(
    user: &SignedIn,
    services: &web::Data<Services>,
    id: Option<i64>,
    form: &DiscussionForm,
    errors: Vec<(String, String)>,
) -> Result<FormPage, UiError> {
    let principal = user.principal().clone();
    let svc = services.clone();
    let orgs = web::block(move || svc.discussions.invitable_orgs(&principal)).await??;
    let title = if id.is_some() {
        "Edit the discussion"
    } else {
        "New safe-table discussion"
    };
    Ok(FormPage {
        layout: user.layout(title, Some(NavItem::Discussions)),
        csrf_token: user.csrf_token.clone(),
        id,
        title: form.title.clone(),
        starts_at: form.starts_at.clone(),
        time_zone: if form.time_zone.is_empty() {
            "America/New_York".into()
        } else {
            form.time_zone.clone()
        },
        duration: if form.duration_minutes.is_empty() {
            "90".into()
        } else {
            form.duration_minutes.clone()
        },
        description: form.description.clone(),
        facilitator_notes: form.facilitator_notes.clone(),
        invite_all: form.invite != "selected",
        orgs: orgs
            .into_iter()
            .map(|(id, name)| OrgChoice {
                id: id.get(),
                checked: form.orgs.contains(&id.get()),
                name,
            })
            .collect(),
        zones: chrono_tz::TZ_VARIANTS
            .iter()
            .map(|z| z.name())
            .filter(|n| n.contains('/') && !n.starts_with("Etc/"))
            .map(|n| (n, n.replace('_', " ")))
            .collect(),
        errors,
    })
}

/// `GET /discussions/new`.
pub async fn new_form(
    user: SignedIn,
    services: web::Data<Services>,
) -> Result<HttpResponse, UiError> {
    require_manager(&user)?;
    let page = form_page(
        &user,
        &services,
        None,
        &DiscussionForm::default(),
        Vec::new(),
    )
    .await?;
    super::render(&page)
}

fn require_manager(user: &SignedIn) -> Result<(), UiError> {
    let r = &user.principal().roles;
    if r.has(crate::auth::Role::Faculty) || r.has(crate::auth::Role::Curator) {
        Ok(())
    } else {
        Err(UiError::NotAllowed)
    }
}

fn field_errors(e: AppError) -> Result<Vec<(String, String)>, UiError> {
    match e {
        AppError::Schema { fields, .. } => Ok(fields
            .into_iter()
            .map(|f| (f.path, sentence_case(&f.problem)))
            .collect()),
        AppError::Redaction(_) => Ok(vec![(
            "title".into(),
            "The text could not be redacted; shorten it or remove unusual characters".into(),
        )]),
        e => Err(e.into()),
    }
}

fn sentence_case(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// `POST /discussions/new`.
pub async fn create(
    user: SignedIn,
    services: web::Data<Services>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, UiError> {
    let form = DiscussionForm::from_pairs(&form);
    user.verify_csrf(&form.csrf_token)?;
    require_manager(&user)?;
    let principal = user.principal().clone();
    let svc = services.clone();
    let body = form.body();
    match web::block(move || svc.discussions.create(&principal, &body)).await? {
        Ok(id) => Ok(see_other(format!("/discussions/{id}?done=created"))),
        Err(e) => {
            let errors = field_errors(e)?;
            let page = form_page(&user, &services, None, &form, errors).await?;
            Ok(super::html(
                HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY),
                page.render()?,
            ))
        }
    }
}

/// `GET /discussions/{id}/edit`.
pub async fn edit_form(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
) -> Result<HttpResponse, UiError> {
    require_manager(&user)?;
    let id = discussion_id(&path)?;
    let principal = user.principal().clone();
    let svc = services.clone();
    let (d, _) = web::block(move || svc.discussions.preview(&principal, id)).await??;
    let form = DiscussionForm {
        title: d.title.clone(),
        starts_at: d.local_start_input(),
        time_zone: d.time_zone.name().to_owned(),
        duration_minutes: d.duration_minutes.to_string(),
        description: d.description.clone(),
        facilitator_notes: d.facilitator_notes.clone(),
        invite: match &d.invitees {
            Invitees::All => "all".into(),
            Invitees::Orgs(_) => "selected".into(),
        },
        orgs: match &d.invitees {
            Invitees::All => Vec::new(),
            Invitees::Orgs(o) => o.iter().map(|o| o.get()).collect(),
        },
        ..DiscussionForm::default()
    };
    let page = form_page(&user, &services, Some(id.get()), &form, Vec::new()).await?;
    super::render(&page)
}

/// `POST /discussions/{id}/edit`.
pub async fn update(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, UiError> {
    let form = DiscussionForm::from_pairs(&form);
    user.verify_csrf(&form.csrf_token)?;
    require_manager(&user)?;
    let id = discussion_id(&path)?;
    let principal = user.principal().clone();
    let svc = services.clone();
    let body = form.body();
    match web::block(move || svc.discussions.update(&principal, id, &body)).await? {
        Ok(()) => Ok(see_other(format!("/discussions/{id}?done=saved"))),
        Err(e) => {
            let errors = field_errors(e)?;
            let page = form_page(&user, &services, Some(id.get()), &form, errors).await?;
            Ok(super::html(
                HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY),
                page.render()?,
            ))
        }
    }
}

/// One case of the agenda.
pub struct AgendaItem {
    pub n: usize,
    pub case_id: String,
    pub title: String,
    pub questions: Vec<String>,
    pub questions_text: String,
    pub takeaways: String,
    pub first: bool,
    pub last: bool,
    pub story: Story,
}

/// Someone who accepted the statement.
pub struct ParticipantRow {
    pub id: i64,
    pub email: String,
    pub organization: String,
    pub attested: String,
    pub attended: bool,
}

/// `templates/discussion.html`: the facilitator's view and the participant's.
#[derive(Template)]
#[template(path = "discussion.html")]
pub struct DiscussionPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub id: i64,
    pub title: String,
    pub when: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub draft: bool,
    pub manages: bool,
    pub description: String,
    pub facilitator_notes: String,
    pub invited: String,
    pub agenda: Vec<AgendaItem>,
    pub notices: Vec<String>,
    pub participants: Vec<ParticipantRow>,
    pub sees_takeaways: bool,
    pub overall_takeaways: String,
    pub notice: Option<String>,
    pub error: Option<String>,
}

fn agenda(detail: &DiscussionDetail) -> Vec<AgendaItem> {
    let n = detail.cases.len();
    detail
        .cases
        .iter()
        .enumerate()
        .map(|(i, c)| AgendaItem {
            n: i + 1,
            case_id: c.case_id.to_string(),
            title: case_title(&c.view),
            questions: c.questions.clone(),
            questions_text: c.questions.join("\n"),
            takeaways: c.takeaways.clone().unwrap_or_default(),
            first: i == 0,
            last: i + 1 == n,
            story: story(
                &c.view,
                &[],
                format!("case-{}-", i + 1),
                3,
                format!("case {}", i + 1),
            ),
        })
        .collect()
}

fn page_of(
    user: &SignedIn,
    detail: DiscussionDetail,
    notice: Option<String>,
    error: Option<String>,
) -> DiscussionPage {
    let d = &detail.discussion;
    let (status, status_class) = status_label(d.status);
    DiscussionPage {
        layout: user.layout(d.title.clone(), Some(NavItem::Discussions)),
        csrf_token: user.csrf_token.clone(),
        id: d.id.get(),
        title: d.title.clone(),
        when: d.when(),
        status,
        status_class,
        draft: d.status == DiscussionStatus::Draft,
        manages: detail.access.manages(),
        description: d.description.clone(),
        facilitator_notes: d.facilitator_notes.clone(),
        invited: match &d.invitees {
            Invitees::All => "Every member organization".into(),
            Invitees::Orgs(_) => detail
                .invited
                .iter()
                .map(|(_, n)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        },
        agenda: agenda(&detail),
        notices: detail.notices.iter().map(|n| n.message()).collect(),
        participants: detail
            .participants
            .iter()
            .map(|p| ParticipantRow {
                id: p.user.get(),
                email: p.email.clone(),
                organization: p.organization.clone(),
                attested: p.attested_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                attended: p.attended,
            })
            .collect(),
        sees_takeaways: detail.access.sees_takeaways(),
        overall_takeaways: d.overall_takeaways.clone().unwrap_or_default(),
        notice,
        error,
    }
}

/// `templates/discussion_attest.html`.
#[derive(Template)]
#[template(path = "discussion_attest.html")]
pub struct AttestPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub id: i64,
    pub title: String,
    pub when: String,
    pub statement: &'static [&'static str],
    pub error: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

fn done_notice(done: Option<&str>) -> Option<String> {
    Some(
        match done? {
            "created" => "The discussion is created as a draft. Add cases from search results or a case page, then publish it.",
            "saved" => "Saved.",
            "added" => "The case is added at the end of the agenda.",
            "questions" => "The questions are saved.",
            "moved" => "The agenda is in its new order.",
            "removed" => "The case is removed from the discussion.",
            "published" => "The discussion is published: invited members see it once they accept the confidentiality statement.",
            "takeaways" => "The takeaways are saved, redacted. Each case's takeaways now show on its page and are found by search.",
            "attendance" => "Attendance is saved.",
            "attested" => "Thank you. Your acceptance is recorded.",
            _ => return None,
        }
        .to_owned(),
    )
}

async fn render_discussion(
    user: &SignedIn,
    services: &web::Data<Services>,
    id: DiscussionId,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<HttpResponse, UiError> {
    let principal = user.principal().clone();
    let svc = services.clone();
    let outcome = web::block(move || {
        let (d, access) = svc.discussions.preview(&principal, id)?;
        if access.may_read() {
            Ok(Ok(svc.discussions.get(&principal, id)?))
        } else {
            Ok::<_, AppError>(Err(d))
        }
    })
    .await??;
    match outcome {
        Ok(detail) => {
            let page = page_of(user, detail, notice, error);
            Ok(super::html(HttpResponse::build(status), page.render()?))
        }
        Err(d) => {
            let page = AttestPage {
                layout: user.layout("Confidentiality statement", Some(NavItem::Discussions)),
                csrf_token: user.csrf_token.clone(),
                id: d.id.get(),
                title: d.title.clone(),
                when: d.when(),
                statement: &CONFIDENTIALITY_STATEMENT,
                error: error.is_some(),
            };
            Ok(super::html(HttpResponse::build(status), page.render()?))
        }
    }
}

/// `GET /discussions/{id}`.
pub async fn show(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
    query: web::Query<Done>,
) -> Result<HttpResponse, UiError> {
    let id = discussion_id(&path)?;
    let notice = done_notice(query.done.as_deref());
    render_discussion(&user, &services, id, StatusCode::OK, notice, None).await
}

#[derive(Deserialize)]
pub struct AttestForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    accept: String,
}

/// `POST /discussions/{id}/attest`.
pub async fn attest(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
    form: web::Form<AttestForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    let id = discussion_id(&path)?;
    if form.accept != "yes" {
        return render_discussion(
            &user,
            &services,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some("Tick the box to accept the statement".into()),
        )
        .await;
    }
    let principal = user.principal().clone();
    let svc = services.clone();
    web::block(move || svc.discussions.attest(&principal, id)).await??;
    Ok(see_other(format!("/discussions/{id}?done=attested")))
}

/// A change the facilitator makes from the discussion page: on success back to it with
/// a notice; a refusal shows the page with the reason.
async fn change(
    user: &SignedIn,
    services: &web::Data<Services>,
    id: DiscussionId,
    done: &str,
    f: impl FnOnce(&Services, &crate::auth::Principal) -> Result<(), AppError> + Send + 'static,
) -> Result<HttpResponse, UiError> {
    let principal = user.principal().clone();
    let svc = services.clone();
    match web::block(move || f(&svc, &principal)).await? {
        Ok(()) => Ok(see_other(format!("/discussions/{id}?done={done}#{done}"))),
        Err(e) => {
            let message = match e {
                AppError::Schema { fields, message } => fields
                    .first()
                    .map(|f| format!("{}: {}.", f.path, f.problem))
                    .unwrap_or(message),
                AppError::Conflict(m) => sentence_case(&format!("{m}.")),
                AppError::Redaction(_) => {
                    "The text could not be redacted; it was not saved.".into()
                }
                e => return Err(e.into()),
            };
            render_discussion(
                user,
                services,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(message),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /discussions/{id}/publish`.
pub async fn publish(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    let id = discussion_id(&path)?;
    change(&user, &services, id, "published", move |s, p| {
        s.discussions.publish(p, id)
    })
    .await
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    discussion: String,
    #[serde(default)]
    case_id: String,
}

/// `POST /discussions/add`: from a search result or a case page.
pub async fn add_case(
    user: SignedIn,
    services: web::Data<Services>,
    form: web::Form<AddForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    require_manager(&user)?;
    let id = discussion_id(&form.discussion)?;
    let case = case_id(&form.case_id)?;
    change(&user, &services, id, "added", move |s, p| {
        s.discussions.add_case(p, id, &case, &[])
    })
    .await
}

#[derive(Deserialize)]
pub struct QuestionsForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    questions: String,
}

/// `POST /discussions/{id}/cases/{case}/questions`: one question per line.
pub async fn questions(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<(String, String)>,
    form: web::Form<QuestionsForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    let id = discussion_id(&path.0)?;
    let case = case_id(&path.1)?;
    let questions: Vec<String> = form
        .questions
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    change(&user, &services, id, "questions", move |s, p| {
        s.discussions.set_questions(p, id, &case, &questions)
    })
    .await
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    direction: String,
}

/// `POST /discussions/{id}/cases/{case}/move`: `direction=up|down`.
pub async fn move_case(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<(String, String)>,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    let id = discussion_id(&path.0)?;
    let case = case_id(&path.1)?;
    let by = match form.direction.as_str() {
        "up" => -1,
        "down" => 1,
        _ => return Err(UiError::BadRequest),
    };
    change(&user, &services, id, "moved", move |s, p| {
        s.discussions.move_case(p, id, &case, by)
    })
    .await
}

/// `POST /discussions/{id}/cases/{case}/remove`.
pub async fn remove_case(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, UiError> {
    user.verify_csrf(&form.csrf_token)?;
    let id = discussion_id(&path.0)?;
    let case = case_id(&path.1)?;
    change(&user, &services, id, "removed", move |s, p| {
        s.discussions.remove_case(p, id, &case)
    })
    .await
}

/// `POST /discussions/{id}/takeaways`: `overall` and `case:{ID}` fields.
pub async fn takeaways(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, UiError> {
    let token = form
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    user.verify_csrf(token)?;
    let id = discussion_id(&path)?;
    let mut input = TakeawaysInput::default();
    for (k, v) in form.iter() {
        if k == "overall" {
            input.overall = Some(v.clone());
        } else if let Some(case) = k.strip_prefix("case:") {
            input.cases.push((case_id(case)?, v.clone()));
        }
    }
    change(&user, &services, id, "takeaways", move |s, p| {
        s.discussions.set_takeaways(p, id, &input)
    })
    .await
}

/// `POST /discussions/{id}/attendance`: `attended` repeated.
pub async fn attendance(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, UiError> {
    let token = form
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    user.verify_csrf(token)?;
    let id = discussion_id(&path)?;
    let users = form
        .iter()
        .filter(|(k, _)| k == "attended")
        .map(|(_, v)| {
            v.trim()
                .parse::<i64>()
                .map(UserId::new)
                .map_err(|_| UiError::BadRequest)
        })
        .collect::<Result<Vec<_>, _>>()?;
    change(&user, &services, id, "attendance", move |s, p| {
        s.discussions.set_attendance(p, id, &users)
    })
    .await
}

/// `templates/discussion_packet.html`: the printable packet.
#[derive(Template)]
#[template(path = "discussion_packet.html")]
pub struct PacketPage {
    pub layout: Layout,
    pub id: i64,
    pub title: String,
    pub when: String,
    pub description: String,
    pub watermark: String,
    pub statement: &'static [&'static str],
    pub agenda: Vec<AgendaItem>,
    pub sees_takeaways: bool,
    pub overall_takeaways: String,
}

/// `GET /discussions/{id}/packet`.
pub async fn printable(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
) -> Result<HttpResponse, UiError> {
    let id = discussion_id(&path)?;
    let principal = user.principal().clone();
    let svc = services.clone();
    let detail = match web::block(move || svc.discussions.printable(&principal, id)).await? {
        Ok(d) => d,
        Err(AppError::AttestationRequired) => return Ok(see_other(format!("/discussions/{id}"))),
        Err(e) => return Err(e.into()),
    };
    let d = &detail.discussion;
    let badge = user.layout("", None).user;
    let watermark = crate::discussion::packet::Watermark {
        email: badge.as_ref().map(|b| b.email.clone()).unwrap_or_default(),
        organization: badge.as_ref().map(|b| b.org.clone()).unwrap_or_default(),
        at: crate::store::now(),
    }
    .text();
    let page = PacketPage {
        layout: user.layout(format!("Packet: {}", d.title), Some(NavItem::Discussions)),
        id: d.id.get(),
        title: d.title.clone(),
        when: d.when(),
        description: d.description.clone(),
        watermark,
        statement: &CONFIDENTIALITY_STATEMENT,
        agenda: agenda(&detail),
        sees_takeaways: detail.access.sees_takeaways(),
        overall_takeaways: d.overall_takeaways.clone().unwrap_or_default(),
    };
    let mut response = super::render(&page)?;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// `GET /discussions/{id}/packet.pdf`.
pub async fn packet_pdf(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
) -> Result<HttpResponse, UiError> {
    let id = discussion_id(&path)?;
    let principal = user.principal().clone();
    let svc = services.clone();
    match web::block(move || svc.discussions.packet(&principal, id)).await? {
        Ok(pdf) => Ok(crate::web::api::discussions::pdf_response(id, pdf)),
        Err(AppError::AttestationRequired) => Ok(see_other(format!("/discussions/{id}"))),
        Err(e) => Err(e.into()),
    }
}

/// `GET /discussions/{id}/calendar.ics`.
pub async fn calendar(
    user: SignedIn,
    services: web::Data<Services>,
    path: web::Path<String>,
) -> Result<HttpResponse, UiError> {
    let id = discussion_id(&path)?;
    let principal = user.principal().clone();
    let svc = services.clone();
    match web::block(move || svc.discussions.calendar(&principal, id)).await? {
        Ok(ics) => Ok(crate::web::api::discussions::ics_response(id, ics)),
        Err(AppError::AttestationRequired) => Ok(see_other(format!("/discussions/{id}"))),
        Err(e) => Err(e.into()),
    }
}
