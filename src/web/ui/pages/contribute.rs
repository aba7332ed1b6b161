//! `GET /contribute`: the contribution form (every field of the case schema), and
//! `POST /contribute`, which builds the case's JSON from the form and submits it through
//! the case service like the API does; a refusal shows the form again with an error
//! summary on top and each message beside its field. `POST /contribute/upload`: a JSON
//! Lines file, with a result per line.

use std::collections::{BTreeMap, HashMap};

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use futures_util::StreamExt;
use serde_json::{Map, Value};

use super::super::labels::{self, sentence};
use super::super::session::SignedIn;
use super::super::{Layout, NavItem, UiError};
use crate::auth::Action;
use crate::case::{
    ActionStatus, ActionStrength, Apology, CaseId, Category, Compensation, ContributingFactor,
    Harm, ReviewMethod, Setting, Sex, StandardOfCare, MAX_ACTIONS, MAX_PEOPLE,
};
use crate::error::AppError;
use crate::service::{LineResult, Services};

/// Rows for people involved, and for improvement actions, in a new form; "Add another
/// person" and "Add another action" add one at a time, up to what the schema allows.
pub const PEOPLE_ROWS: usize = 4;
pub const ACTION_ROWS: usize = 3;

/// The visible label of each field of the form (`templates/contribute.html`), for the
/// error summary: the summary names what the reader sees, and links to the field.
const FIELD_LABELS: &[(&str, &str)] = &[
    ("external_ref", "Your case number"),
    ("closed_on", "Closed on"),
    ("event.occurred_on", "Occurred on"),
    ("event.discovered_on", "Discovered on"),
    ("event.category", "Event type (AHRQ Common Formats)"),
    ("event.harm", "Harm (AHRQ Harm Scale)"),
    ("event.setting", "Setting"),
    ("event.service", "Service"),
    ("event.summary", "What happened"),
    ("patient.name", "Name"),
    ("patient.mrn", "Medical record number"),
    ("patient.birth_date", "Date of birth"),
    ("patient.age_years", "Age in years"),
    ("patient.sex", "Sex"),
    ("patient.address.street", "Street address"),
    ("patient.address.city", "City"),
    ("patient.address.state", "State"),
    ("patient.address.zip", "ZIP code"),
    ("patient.phone", "Phone"),
    ("patient.email", "E-mail"),
    ("patient.insurance_id", "Insurance member id"),
    ("facility.name", "Hospital"),
    ("facility.unit", "Unit"),
    ("facility.city", "City"),
    ("facility.state", "State"),
    ("communication.first_contact_at", "First contact"),
    ("communication.disclosed_by_role", "Disclosed by (role)"),
    ("communication.apology", "Apology"),
    ("communication.notes", "Notes on the communication"),
    ("review.method", "Method"),
    ("review.standard_of_care_met", "Standard of care met"),
    ("review.contributing_factors", "Contributing factors"),
    ("review.findings", "Findings"),
    (
        "resolution.loop_closed_with_family",
        "Loop closed with the family",
    ),
    ("resolution.loop_closed_on", "Loop closed on"),
    ("resolution.compensation", "Compensation offered"),
    (
        "resolution.clinician_support_offered",
        "Support offered to the clinicians involved",
    ),
    ("resolution.notes", "Notes on the resolution"),
    ("lessons_learned", "Lessons learned"),
];

/// The labels of a row's fields.
const PERSON_LABELS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("role", "Role"),
    ("license_number", "Licence number"),
    ("email", "E-mail"),
    ("phone", "Phone"),
];
const ACTION_LABELS: &[(&str, &str)] = &[
    ("description", "What was changed"),
    ("strength", "Strength (RCA²)"),
    ("status", "Status"),
    ("due_on", "Due on"),
];

/// A form path as its field's visible label, with its section where the label alone is
/// ambiguous: `people[1].role` → "Person 2: Role", `patient.name` → "Patient: Name".
pub fn field_label(path: &str) -> String {
    if let Some((_, label)) = FIELD_LABELS.iter().find(|(p, _)| *p == path) {
        return match path.split('.').next() {
            Some("patient") => format!("Patient: {label}"),
            Some("facility") => format!("Where: {label}"),
            _ => (*label).to_owned(),
        };
    }
    for (array, row, leaves) in [
        ("people", "Person", PERSON_LABELS),
        ("improvement_actions", "Improvement action", ACTION_LABELS),
    ] {
        let Some(rest) = path.strip_prefix(array).and_then(|r| r.strip_prefix('[')) else {
            continue;
        };
        let Some((i, tail)) = rest.split_once(']') else {
            continue;
        };
        let Ok(i) = i.parse::<usize>() else {
            continue;
        };
        let leaf = tail.trim_start_matches('.');
        return match leaves.iter().find(|(l, _)| *l == leaf) {
            Some((_, label)) => format!("{row} {}: {label}", i + 1),
            None => format!("{row} {}", i + 1),
        };
    }
    path.to_owned()
}

/// How many rows of `array` the form shows: at least `min`, enough for every row that
/// was sent, at most `max`.
fn rows_in(values: &HashMap<String, Vec<String>>, array: &str, min: usize, max: usize) -> usize {
    let prefix = format!("{array}[");
    values
        .keys()
        .filter_map(|k| {
            k.strip_prefix(&prefix)?
                .split_once(']')?
                .0
                .parse::<usize>()
                .ok()
        })
        .filter(|i| *i < max)
        .map(|i| i + 1)
        .max()
        .unwrap_or(0)
        .max(min)
        .min(max)
}
/// The largest uploaded file.
pub const UPLOAD_LIMIT: usize = 16 * 1024 * 1024;

/// A path's id in the page: `people[0].name` → `f-people-0-name`.
pub fn field_id(path: &str) -> String {
    let mut id = String::from("f-");
    let mut dash = false;
    for c in path.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            id.push(c);
            dash = false;
        } else if !dash {
            id.push('-');
            dash = true;
        }
    }
    id.trim_end_matches('-').to_owned()
}

/// One message of the error summary.
pub struct SummaryItem {
    pub href: String,
    pub message: String,
}

/// `templates/contribute.html`.
#[derive(Template)]
#[template(path = "contribute.html")]
pub struct ContributePage {
    pub layout: Layout,
    pub csrf_token: String,
    values: HashMap<String, Vec<String>>,
    errors: BTreeMap<String, String>,
    pub summary: Vec<SummaryItem>,
    pub general_error: Option<String>,
    pub people_rows: Vec<usize>,
    pub action_rows: Vec<usize>,
    /// The id of the field to focus (the first of a row just added).
    pub focus: Option<String>,
    pub upload: Option<UploadReport>,
    /// The returned case this contribution is meant to replace (`?resubmit=ID`).
    pub resubmit: Option<String>,
}

/// The results of an uploaded file.
pub struct UploadReport {
    pub accepted: usize,
    pub duplicates: usize,
    pub refused: usize,
    pub lines: Vec<UploadLine>,
    pub error: Option<String>,
}

pub struct UploadLine {
    pub line: usize,
    pub outcome: &'static str,
    pub class: &'static str,
    pub detail: String,
    pub href: Option<String>,
}

fn options<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> Vec<(&'static str, String)> {
    all.iter()
        .map(|v| (name(*v), labels::value(name(*v))))
        .collect()
}

impl ContributePage {
    fn new(user: &SignedIn) -> Self {
        ContributePage {
            layout: user.layout("Contribute a case", Some(NavItem::Contribute)),
            csrf_token: user.csrf_token.clone(),
            values: HashMap::new(),
            errors: BTreeMap::new(),
            summary: Vec::new(),
            general_error: None,
            people_rows: (0..PEOPLE_ROWS).collect(),
            action_rows: (0..ACTION_ROWS).collect(),
            focus: None,
            upload: None,
            resubmit: None,
        }
    }

    /// The form with what was typed, and as many rows as were sent.
    fn with_values(&mut self, values: HashMap<String, Vec<String>>) {
        self.people_rows = (0..rows_in(&values, "people", PEOPLE_ROWS, MAX_PEOPLE)).collect();
        self.action_rows =
            (0..rows_in(&values, "improvement_actions", ACTION_ROWS, MAX_ACTIONS)).collect();
        self.values = values;
    }

    /// Another person may be added.
    pub fn more_people(&self) -> bool {
        self.people_rows.len() < MAX_PEOPLE
    }

    /// Another improvement action may be added.
    pub fn more_actions(&self) -> bool {
        self.action_rows.len() < MAX_ACTIONS
    }

    /// Whether the field at `prefix[i].leaf` is the one to focus.
    pub fn focused_i(&self, prefix: &str, i: &usize, leaf: &str) -> bool {
        self.focus.as_deref() == Some(self.id_i(prefix, i, leaf).as_str())
    }

    /// The value typed at `path`.
    pub fn v(&self, path: &str) -> &str {
        self.values
            .get(path)
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// `people[i].name` and the like.
    pub fn vi(&self, prefix: &str, i: &usize, leaf: &str) -> &str {
        let path = format!("{prefix}[{i}].{leaf}");
        self.values
            .get(&path)
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Whether `value` was chosen at `path` (select, radio, checkbox).
    pub fn is(&self, path: &str, value: &str) -> bool {
        self.values
            .get(path)
            .is_some_and(|v| v.iter().any(|x| x == value))
    }

    pub fn is_i(&self, prefix: &str, i: &usize, leaf: &str, value: &str) -> bool {
        self.is(&format!("{prefix}[{i}].{leaf}"), value)
    }

    /// The message for `path`, if it was refused.
    pub fn err(&self, path: &str) -> Option<&str> {
        self.errors.get(path).map(String::as_str)
    }

    pub fn err_i(&self, prefix: &str, i: &usize, leaf: &str) -> Option<&str> {
        self.errors
            .get(&format!("{prefix}[{i}].{leaf}"))
            .map(String::as_str)
    }

    pub fn id(&self, path: &str) -> String {
        field_id(path)
    }

    pub fn id_i(&self, prefix: &str, i: &usize, leaf: &str) -> String {
        field_id(&format!("{prefix}[{i}].{leaf}"))
    }

    pub fn categories(&self) -> Vec<(&'static str, String)> {
        options(Category::ALL, Category::as_str)
    }
    pub fn harms(&self) -> Vec<(&'static str, String)> {
        options(Harm::ALL, Harm::as_str)
    }
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        options(Setting::ALL, Setting::as_str)
    }
    pub fn sexes(&self) -> Vec<(&'static str, String)> {
        options(Sex::ALL, Sex::as_str)
    }
    pub fn apologies(&self) -> Vec<(&'static str, String)> {
        options(Apology::ALL, Apology::as_str)
    }
    pub fn methods(&self) -> Vec<(&'static str, String)> {
        options(ReviewMethod::ALL, ReviewMethod::as_str)
    }
    pub fn standards(&self) -> Vec<(&'static str, String)> {
        options(StandardOfCare::ALL, StandardOfCare::as_str)
    }
    pub fn factors(&self) -> Vec<(&'static str, String)> {
        options(ContributingFactor::ALL, ContributingFactor::as_str)
    }
    pub fn compensations(&self) -> Vec<(&'static str, String)> {
        options(Compensation::ALL, Compensation::as_str)
    }
    pub fn strengths(&self) -> Vec<(&'static str, String)> {
        options(ActionStrength::ALL, ActionStrength::as_str)
    }
    pub fn statuses(&self) -> Vec<(&'static str, String)> {
        options(ActionStatus::ALL, ActionStatus::as_str)
    }
}

/// Fields whose form value is a number, a yes/no, a list, or a local date-time.
const INTEGERS: &[&str] = &["patient.age_years"];
const BOOLEANS: &[&str] = &[
    "resolution.loop_closed_with_family",
    "resolution.clinician_support_offered",
];
const LISTS: &[&str] = &["review.contributing_factors"];
const DATE_TIMES: &[&str] = &["communication.first_contact_at"];

/// One step of a path: a key, or a key with an index.
fn steps(path: &str) -> Option<Vec<(String, Option<usize>)>> {
    path.split('.')
        .map(|part| match part.split_once('[') {
            Some((key, rest)) => {
                let i = rest.strip_suffix(']')?.parse().ok()?;
                Some((key.to_owned(), Some(i)))
            }
            None => Some((part.to_owned(), None)),
        })
        .collect()
}

fn set(root: &mut Map<String, Value>, path: &[(String, Option<usize>)], leaf: Value) {
    let Some(((key, index), rest)) = path.split_first() else {
        return;
    };
    let slot = root.entry(key.clone()).or_insert_with(|| {
        if index.is_some() {
            Value::Array(Vec::new())
        } else if rest.is_empty() {
            Value::Null
        } else {
            Value::Object(Map::new())
        }
    });
    let target = match (index, slot) {
        (Some(i), Value::Array(items)) => {
            while items.len() <= *i {
                items.push(Value::Object(Map::new()));
            }
            &mut items[*i]
        }
        (None, slot) => slot,
        _ => return,
    };
    if rest.is_empty() {
        *target = leaf;
    } else if let Value::Object(map) = target {
        set(map, rest, leaf);
    }
}

/// The case JSON a form makes, and for each array the form row of each item
/// (`people` item 0 may be form row 2 when rows 0 and 1 were left empty).
pub fn case_json(
    values: &HashMap<String, Vec<String>>,
) -> (Value, HashMap<&'static str, Vec<usize>>) {
    let mut root = Map::new();
    root.insert("schema_version".into(), Value::String("1".into()));
    root.insert("patient".into(), Value::Object(Map::new()));
    let mut rows: HashMap<&'static str, Vec<usize>> = HashMap::new();
    for (array, max) in [("people", MAX_PEOPLE), ("improvement_actions", MAX_ACTIONS)] {
        let mut kept = Vec::new();
        for i in 0..rows_in(values, array, 0, max) {
            let prefix = format!("{array}[{i}].");
            let used = values
                .iter()
                .any(|(k, v)| k.starts_with(&prefix) && v.iter().any(|x| !x.trim().is_empty()));
            if used {
                kept.push(i);
            }
        }
        rows.insert(array, kept);
    }
    let mut paths: Vec<&String> = values.keys().collect();
    paths.sort();
    for path in paths {
        if path == "csrf_token" {
            continue;
        }
        let list = &values[path];
        let Some(mut parsed) = steps(path) else {
            continue;
        };
        // Renumber the rows of arrays to the items kept.
        if let Some((key, Some(i))) = parsed.first().cloned() {
            let Some(kept) = rows.get(key.as_str()) else {
                continue;
            };
            let Some(pos) = kept.iter().position(|r| *r == i) else {
                continue;
            };
            parsed[0].1 = Some(pos);
        }
        let leaf = if LISTS.contains(&path.as_str()) {
            Value::Array(
                list.iter()
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| Value::String(v.trim().to_owned()))
                    .collect(),
            )
        } else {
            let text = list.first().map(|v| v.trim()).unwrap_or("");
            if text.is_empty() {
                continue;
            }
            if INTEGERS.contains(&path.as_str()) {
                text.parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::String(text.to_owned()))
            } else if BOOLEANS.contains(&path.as_str()) {
                match text {
                    "yes" => Value::Bool(true),
                    "no" => Value::Bool(false),
                    _ => continue,
                }
            } else if DATE_TIMES.contains(&path.as_str())
                && text.len() == 16
                && text.as_bytes().get(10) == Some(&b'T')
            {
                Value::String(format!("{text}:00Z"))
            } else if path.ends_with(".summary")
                || path.ends_with("notes")
                || path.ends_with("findings")
                || path == "lessons_learned"
                || path.ends_with(".description")
            {
                // Long text keeps its line breaks, as typed.
                Value::String(
                    list.first()
                        .cloned()
                        .unwrap_or_default()
                        .replace("\r\n", "\n"),
                )
            } else {
                Value::String(text.to_owned())
            }
        };
        if matches!(&leaf, Value::Array(a) if a.is_empty()) {
            continue;
        }
        set(&mut root, &parsed, leaf);
    }
    (Value::Object(root), rows)
}

/// An error's path in the case JSON back to the form's own path.
fn form_path(path: &str, rows: &HashMap<&'static str, Vec<usize>>) -> String {
    let path = path.trim_start_matches('.').trim_start_matches('/');
    for (array, kept) in rows {
        if let Some(rest) = path.strip_prefix(&format!("{array}[")) {
            if let Some((i, tail)) = rest.split_once(']') {
                if let Some(row) = i.parse::<usize>().ok().and_then(|i| kept.get(i)) {
                    return format!("{array}[{row}]{tail}");
                }
            }
        }
    }
    // `review.contributing_factors[3]` is the checkbox group.
    match path.split_once('[') {
        Some((head, _)) if LISTS.contains(&head) => head.to_owned(),
        _ => path.to_owned(),
    }
}

/// `GET /contribute` parameters: `?resubmit=ID` to contribute a returned case again,
/// `external_ref` to fill in the case number.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormQuery {
    #[serde(default)]
    resubmit: Option<String>,
    #[serde(default)]
    external_ref: Option<String>,
}

/// A case id given in a form or address, when it is one.
fn resubmitted(raw: Option<&str>) -> Option<String> {
    raw.and_then(|r| r.parse::<CaseId>().ok())
        .map(|id| id.to_string())
}

/// `GET /contribute`.
pub async fn form(user: SignedIn, query: web::Query<FormQuery>) -> Result<HttpResponse, UiError> {
    user.require(Action::SubmitCase)?;
    let mut page = ContributePage::new(&user);
    page.resubmit = resubmitted(query.resubmit.as_deref());
    if let Some(r) = query
        .external_ref
        .as_deref()
        .filter(|r| r.chars().count() <= 64)
    {
        page.values
            .insert("external_ref".into(), vec![r.to_owned()]);
    }
    super::render(&page)
}

/// `POST /contribute`.
pub async fn submit(
    user: SignedIn,
    services: web::Data<Services>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, UiError> {
    user.require(Action::SubmitCase)?;
    let mut values: HashMap<String, Vec<String>> = HashMap::new();
    let mut token = String::new();
    let mut resubmit = None;
    let mut add = None;
    for (k, v) in form.into_inner() {
        if k == "csrf_token" {
            token = v;
            continue;
        }
        if k == "resubmit" {
            resubmit = resubmitted(Some(&v));
            continue;
        }
        if k == "add_person" || k == "add_action" {
            add = Some(k);
            continue;
        }
        if k.len() > 80 {
            return Err(UiError::BadRequest);
        }
        values.entry(k).or_default().push(v);
    }
    user.verify_csrf(&token)?;
    if let Some(add) = add {
        // "Add another person" or "Add another action": the same form with one more row
        // and everything typed kept; nothing is submitted.
        let mut page = ContributePage::new(&user);
        page.resubmit = resubmit;
        page.with_values(values);
        if add == "add_person" && page.more_people() {
            let i = page.people_rows.len();
            page.people_rows.push(i);
            page.focus = Some(field_id(&format!("people[{i}].name")));
        } else if add == "add_action" && page.more_actions() {
            let i = page.action_rows.len();
            page.action_rows.push(i);
            page.focus = Some(field_id(&format!("improvement_actions[{i}].description")));
        }
        return super::render(&page);
    }
    let (json, rows) = case_json(&values);
    let body = serde_json::to_vec(&json).map_err(|e| UiError::Internal(e.to_string()))?;
    let principal = user.principal().clone();
    let svc = services.clone();
    let outcome = web::block(move || svc.cases.submit(&principal, &body)).await?;
    let mut page = ContributePage::new(&user);
    page.resubmit = resubmit;
    match outcome {
        Ok(submitted) => {
            let done = if submitted.replaced {
                "resubmitted"
            } else {
                "submitted"
            };
            return Ok(HttpResponse::SeeOther()
                .insert_header((
                    header::LOCATION,
                    format!("/cases/{}?done={done}", submitted.id),
                ))
                .finish());
        }
        Err(AppError::Schema { fields, message }) => {
            for f in &fields {
                let path = form_path(&f.path, &rows);
                let text = sentence(&f.problem);
                if path.is_empty() || path == "." {
                    page.general_error = Some(sentence(&message));
                    continue;
                }
                page.summary.push(SummaryItem {
                    href: format!("#{}", field_id(&path)),
                    message: format!("{}: {}", field_label(&path), text),
                });
                page.errors.entry(path).or_insert(text);
            }
            if fields.is_empty() {
                page.general_error = Some(sentence(&message));
            }
        }
        Err(AppError::Conflict(message)) => {
            page.errors.insert(
                "external_ref".into(),
                "Your organization already contributed a case with this reference.".into(),
            );
            page.summary.push(SummaryItem {
                href: format!("#{}", field_id("external_ref")),
                message: sentence(&message),
            });
        }
        Err(AppError::Redaction(e)) => page.general_error = Some(sentence(&e.to_string())),
        Err(AppError::TooLarge(m)) => page.general_error = Some(sentence(&m)),
        Err(e) => return Err(e.into()),
    }
    page.with_values(values);
    Ok(super::html(
        HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY),
        page.render()?,
    ))
}

/// `POST /contribute/upload` (multipart: `csrf_token`, `file`).
pub async fn upload(
    user: SignedIn,
    services: web::Data<Services>,
    mut multipart: Multipart,
) -> Result<HttpResponse, UiError> {
    user.require(Action::SubmitCase)?;
    let mut token = String::new();
    let mut file: Vec<u8> = Vec::new();
    let mut too_large = false;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|_| UiError::BadRequest)?;
        let name = field.name().unwrap_or("").to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| UiError::BadRequest)?;
            if bytes.len() + chunk.len() > UPLOAD_LIMIT {
                too_large = true;
                break;
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf_token" => token = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => file = bytes,
            _ => {}
        }
        if too_large {
            break;
        }
    }
    user.verify_csrf(&token)?;
    let mut page = ContributePage::new(&user);
    if too_large || file.is_empty() {
        page.upload = Some(UploadReport {
            accepted: 0,
            duplicates: 0,
            refused: 0,
            lines: Vec::new(),
            error: Some(if too_large {
                format!(
                    "The file is larger than {} MiB. Split it, or ask the PSO to import it.",
                    UPLOAD_LIMIT >> 20
                )
            } else {
                "Choose a JSON Lines file (.jsonl) with one case per line.".into()
            }),
        });
        return Ok(super::html(
            HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY),
            page.render()?,
        ));
    }
    let principal = user.principal().clone();
    let outcome = web::block(move || services.cases.submit_lines(&principal, &file)).await?;
    let report = match outcome {
        Ok(lines) => {
            let mut report = UploadReport {
                accepted: 0,
                duplicates: 0,
                refused: 0,
                lines: Vec::new(),
                error: None,
            };
            for l in lines {
                let (outcome, class, detail, href) = match l.result {
                    LineResult::Accepted { id, replaced } => {
                        report.accepted += 1;
                        (
                            if replaced { "Replaced" } else { "Accepted" },
                            "st-tag--ok",
                            format!("in review as {id}"),
                            Some(format!("/cases/{id}")),
                        )
                    }
                    LineResult::Duplicate => {
                        report.duplicates += 1;
                        (
                            "Duplicate",
                            "st-tag--muted",
                            "your organization contributed this external_ref before".into(),
                            None,
                        )
                    }
                    LineResult::Refused { message, fields } => {
                        report.refused += 1;
                        let detail = if fields.is_empty() {
                            message
                        } else {
                            fields
                                .iter()
                                .map(|f| format!("{}: {}", f.path, f.problem))
                                .collect::<Vec<_>>()
                                .join("; ")
                        };
                        ("Error", "st-tag--harm-severe", detail, None)
                    }
                };
                report.lines.push(UploadLine {
                    line: l.line,
                    outcome,
                    class,
                    detail,
                    href,
                });
            }
            if report.lines.is_empty() {
                report.error = Some("The file holds no case: every line is blank.".into());
            }
            report
        }
        Err(AppError::TooLarge(m)) => UploadReport {
            accepted: 0,
            duplicates: 0,
            refused: 0,
            lines: Vec::new(),
            error: Some(sentence(&m)),
        },
        Err(e) => return Err(e.into()),
    };
    let status = if report.refused > 0 || report.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page.upload = Some(report);
    Ok(super::html(HttpResponse::build(status), page.render()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(list: &[(&str, &str)]) -> HashMap<String, Vec<String>> {
        let mut m: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in list {
            m.entry(k.to_string()).or_default().push(v.to_string());
        }
        m
    }

    #[test]
    fn the_form_makes_the_case_json_with_types_and_compact_rows() {
        let (json, rows) = case_json(&values(&[
            ("external_ref", " CRP-1 "),
            ("event.category", "fall"),
            ("patient.age_years", "81"),
            ("resolution.clinician_support_offered", "yes"),
            ("review.contributing_factors", "handoff"),
            ("review.contributing_factors", "environment"),
            ("people[0].name", ""),
            ("people[2].name", "Ann Example"),
            ("people[2].role", "RN"),
            ("communication.first_contact_at", "2024-03-02T10:15"),
            ("facility.name", ""),
        ]));
        assert_eq!(json["schema_version"], "1");
        assert_eq!(json["external_ref"], "CRP-1");
        assert_eq!(json["patient"]["age_years"], 81);
        assert_eq!(json["resolution"]["clinician_support_offered"], true);
        assert_eq!(
            json["review"]["contributing_factors"],
            serde_json::json!(["handoff", "environment"])
        );
        assert_eq!(json["people"].as_array().unwrap().len(), 1);
        assert_eq!(json["people"][0]["role"], "RN");
        assert_eq!(
            json["communication"]["first_contact_at"],
            "2024-03-02T10:15:00Z"
        );
        assert!(json.get("facility").is_none());
        assert_eq!(rows["people"], [2]);
        assert_eq!(form_path("people[0].role", &rows), "people[2].role");
        assert_eq!(
            form_path("review.contributing_factors[1]", &rows),
            "review.contributing_factors"
        );
    }

    #[test]
    fn every_label_of_the_summary_is_the_one_the_form_shows() {
        let template = include_str!("../templates/contribute.html");
        for (path, label) in FIELD_LABELS {
            let shown = template.contains(&format!("(\"{path}\", \"{label}\""))
                || template.contains(&format!(">{label}</legend>"));
            assert!(shown, "{path}: {label} is not in the form");
        }
        for (leaf, label) in PERSON_LABELS.iter().chain(ACTION_LABELS) {
            let shown = template.contains(&format!("(\"{leaf}\", \"{label}\""))
                || template.contains(&format!(">{label}</label>"));
            assert!(shown, "{leaf}: {label} is not in the form");
        }
        assert_eq!(field_label("lessons_learned"), "Lessons learned");
        assert_eq!(field_label("patient.name"), "Patient: Name");
        assert_eq!(field_label("people[1].role"), "Person 2: Role");
        assert_eq!(
            field_label("improvement_actions[0].strength"),
            "Improvement action 1: Strength (RCA²)"
        );
        assert_eq!(field_label("people[3]"), "Person 4");
    }

    #[test]
    fn rows_cover_what_was_sent_within_the_schema() {
        let sent = values(&[("people[6].name", "A"), ("people[900].name", "B")]);
        assert_eq!(rows_in(&sent, "people", PEOPLE_ROWS, MAX_PEOPLE), 7);
        assert_eq!(
            rows_in(&sent, "improvement_actions", ACTION_ROWS, MAX_ACTIONS),
            3
        );
        let (json, rows) = case_json(&values(&[
            ("people[6].name", "Ann Example"),
            ("people[6].role", "RN"),
        ]));
        assert_eq!(rows["people"], [6]);
        assert_eq!(json["people"][0]["role"], "RN");
    }

    #[test]
    fn field_ids_are_safe_for_html() {
        assert_eq!(field_id("people[0].name"), "f-people-0-name");
        assert_eq!(field_id("event.summary"), "f-event-summary");
    }
}
