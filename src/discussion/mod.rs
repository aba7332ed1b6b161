//! Safe-table discussions: faculty build a confidential peer session from published
//! cases, invite member organizations (or all of them), and publish it; a member of an
//! invited organization accepts the confidentiality statement before seeing anything of
//! it; the facilitator records attendance and takeaways afterwards.
//!
//! Who sees what ([`service::Access`]): faculty and curators manage every discussion;
//! members of an invited organization read a published one once attested; everyone else
//! is told that no such discussion exists (404), so that its existence does not leak.
//!
//! Every free text typed here (title, description, facilitator notes, questions,
//! takeaways) goes through the redaction pipeline before it is stored.

pub mod ics;
pub mod packet;
mod service;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use crate::case::DiscussionId;
use crate::case::{CaseId, FieldError, OrgId, SharedView, UserId};
pub use service::{
    Access, DiscussionDetail, DiscussionService, ListedDiscussion, Participant, TakeawaysInput,
};

/// Longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest description, facilitator notes or takeaway, in characters.
pub const MAX_TEXT: usize = 10_000;
/// Longest discussion question, in characters.
pub const MAX_QUESTION: usize = 1_000;
/// Most questions per case.
pub const MAX_QUESTIONS: usize = 12;
/// Most cases per discussion.
pub const MAX_CASES: usize = 20;
/// Shortest and longest session, in minutes.
pub const DURATION_MINUTES: std::ops::RangeInclusive<u32> = 15..=480;

/// What a participant accepts before seeing a discussion.
pub const CONFIDENTIALITY_STATEMENT: [&str; 4] = [
    "What I see and hear in this safe table is Patient Safety Work Product, privileged and \
     confidential under the Patient Safety and Quality Improvement Act of 2005.",
    "I will not copy, forward or share any part of it outside the session, and I will keep \
     the packet only for the session.",
    "I will not try to identify any patient, clinician or organization, and if I believe I \
     recognize one, I will say nothing of it and tell the facilitator.",
    "My acceptance, my downloads and my attendance are recorded.",
];

/// Whether invitees can see the discussion yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiscussionStatus {
    /// Being prepared: only faculty and curators see it.
    Draft,
    /// Visible to the invited organizations' members.
    Published,
}

impl DiscussionStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DiscussionStatus::Draft => "draft",
            DiscussionStatus::Published => "published",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "draft" => Some(DiscussionStatus::Draft),
            "published" => Some(DiscussionStatus::Published),
            _ => None,
        }
    }
}

/// Who is invited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invitees {
    /// Every member organization.
    All,
    /// These organizations.
    Orgs(Vec<OrgId>),
}

impl Invitees {
    /// Whether `org` is invited.
    pub fn includes(&self, org: OrgId) -> bool {
        match self {
            Invitees::All => true,
            Invitees::Orgs(orgs) => orgs.contains(&org),
        }
    }
}

/// A discussion's own fields, validated (free text not yet redacted).
#[derive(Debug, Clone)]
pub struct DiscussionInput {
    pub title: String,
    /// The start, in UTC.
    pub starts_at: NaiveDateTime,
    pub time_zone: Tz,
    pub duration_minutes: u32,
    pub description: String,
    pub facilitator_notes: String,
    pub invitees: Invitees,
}

fn default_duration() -> u32 {
    90
}

/// A discussion as sent by the API (JSON) or the form.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscussionBody {
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// The local date and time of the session in `time_zone`, `YYYY-MM-DDTHH:MM` (seconds
    /// allowed), in 2000-2100.
    #[schema(
        example = "2027-01-14T15:00",
        pattern = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
    )]
    pub starts_at: String,
    /// An IANA time zone, e.g. `America/Chicago` (the document lists them).
    #[schema(example = "America/Chicago")]
    pub time_zone: String,
    /// 15 to 480; 90 when not given.
    #[serde(default = "default_duration")]
    #[schema(minimum = 15, maximum = 480)]
    pub duration_minutes: u32,
    /// What the session is about; up to 10,000 characters.
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub description: String,
    /// For faculty and curators only; up to 10,000 characters.
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub facilitator_notes: String,
    /// Every member organization is invited.
    #[serde(default)]
    pub invite_all: bool,
    /// The organizations invited when `invite_all` is false (at least one).
    #[serde(default)]
    #[schema(value_type = Vec<i64>)]
    pub invited_orgs: Vec<i64>,
}

fn field_error(path: &str, problem: impl Into<String>) -> FieldError {
    FieldError {
        path: path.into(),
        problem: problem.into(),
    }
}

/// Checks a free text: trimmed, within `max` characters, no NUL; `required` refuses an
/// empty one.
pub(crate) fn check_text(
    errors: &mut Vec<FieldError>,
    path: &str,
    text: &str,
    max: usize,
    required: bool,
) -> String {
    // The length as sent: what the API's description promises.
    let sent = text.chars().count();
    let text = text.trim();
    if required && text.is_empty() {
        errors.push(field_error(path, "is required"));
    } else if sent > max {
        errors.push(field_error(
            path,
            format!("must be at most {max} characters"),
        ));
    } else if text.contains('\0') {
        errors.push(field_error(path, "must not contain NUL characters"));
    }
    text.to_owned()
}

/// Parses `YYYY-MM-DDTHH:MM` (seconds allowed) as a wall time in `tz`, into UTC. A wall
/// time that does not exist (a spring-forward gap) is an error; an ambiguous one (the
/// fall-back hour) takes the earlier instant.
pub fn parse_local_start(raw: &str, tz: Tz) -> Result<NaiveDateTime, &'static str> {
    const FORM: &str = "must be a local date and time, YYYY-MM-DDTHH:MM";
    // Exactly the documented form: chrono alone would take one-digit months and more.
    let b = raw.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b[i].is_ascii_digit());
    let shape = (b.len() == 16 || (b.len() == 19 && b[16] == b':' && digits(17..19)))
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16);
    if !shape {
        return Err(FORM);
    }
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| FORM)?;
    if !(2000..=2100).contains(&chrono::Datelike::year(&local)) {
        return Err("must be a year between 2000 and 2100");
    }
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.naive_utc())
        .ok_or("does not exist in that time zone (the clocks skip it)")
}

impl DiscussionBody {
    /// The validated input, or every field that is wrong.
    pub fn validate(&self) -> Result<DiscussionInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = check_text(&mut errors, "title", &self.title, MAX_TITLE, true);
        let description = check_text(
            &mut errors,
            "description",
            &self.description,
            MAX_TEXT,
            false,
        );
        let facilitator_notes = check_text(
            &mut errors,
            "facilitator_notes",
            &self.facilitator_notes,
            MAX_TEXT,
            false,
        );
        let time_zone = match self.time_zone.parse::<Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                errors.push(field_error(
                    "time_zone",
                    "must be an IANA time zone, e.g. America/Chicago",
                ));
                None
            }
        };
        let starts_at = time_zone.and_then(|tz| match parse_local_start(&self.starts_at, tz) {
            Ok(t) => Some(t),
            Err(problem) => {
                errors.push(field_error("starts_at", problem));
                None
            }
        });
        if !DURATION_MINUTES.contains(&self.duration_minutes) {
            errors.push(field_error(
                "duration_minutes",
                "must be between 15 and 480 minutes",
            ));
        }
        let invitees = if self.invite_all {
            Invitees::All
        } else if self.invited_orgs.is_empty() {
            errors.push(field_error(
                "invited_orgs",
                "invite at least one organization, or all of them",
            ));
            Invitees::Orgs(Vec::new())
        } else if self.invited_orgs.len() > 1000 {
            errors.push(field_error("invited_orgs", "must list at most 1,000"));
            Invitees::Orgs(Vec::new())
        } else {
            let mut orgs: Vec<OrgId> = self.invited_orgs.iter().map(|&o| OrgId::new(o)).collect();
            orgs.sort();
            orgs.dedup();
            Invitees::Orgs(orgs)
        };
        match (errors.is_empty(), starts_at, time_zone) {
            (true, Some(starts_at), Some(time_zone)) => Ok(DiscussionInput {
                title,
                starts_at,
                time_zone,
                duration_minutes: self.duration_minutes,
                description,
                facilitator_notes,
                invitees,
            }),
            _ => Err(errors),
        }
    }
}

/// Checks the questions of one case.
pub fn check_questions(questions: &[String]) -> Result<Vec<String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if questions.len() > MAX_QUESTIONS {
        errors.push(field_error(
            "questions",
            format!("at most {MAX_QUESTIONS} questions per case"),
        ));
    }
    let kept: Vec<String> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            check_text(
                &mut errors,
                &format!("questions[{i}]"),
                q,
                MAX_QUESTION,
                false,
            )
        })
        .filter(|q| !q.is_empty())
        .collect();
    if errors.is_empty() {
        Ok(kept)
    } else {
        Err(errors)
    }
}

/// A stored discussion.
#[derive(Debug, Clone)]
pub struct Discussion {
    pub id: DiscussionId,
    pub title: String,
    /// UTC.
    pub starts_at: NaiveDateTime,
    pub time_zone: Tz,
    pub duration_minutes: u32,
    pub description: String,
    pub facilitator_notes: String,
    pub invitees: Invitees,
    pub status: DiscussionStatus,
    pub overall_takeaways: Option<String>,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Discussion {
    /// The start in the session's time zone.
    pub fn local_start(&self) -> DateTime<Tz> {
        Utc.from_utc_datetime(&self.starts_at)
            .with_timezone(&self.time_zone)
    }

    /// The end, in UTC.
    pub fn ends_at(&self) -> NaiveDateTime {
        self.starts_at + chrono::Duration::minutes(i64::from(self.duration_minutes))
    }

    /// `Thursday 14 January 2027, 15:00–16:30 CST (America/Chicago)`.
    pub fn when(&self) -> String {
        let start = self.local_start();
        let end = Utc
            .from_utc_datetime(&self.ends_at())
            .with_timezone(&self.time_zone);
        format!(
            "{}, {}–{} {} ({})",
            start.format("%A %-d %B %Y"),
            start.format("%H:%M"),
            end.format("%H:%M"),
            start.format("%Z"),
            self.time_zone.name()
        )
    }

    /// The local start as a form shows it, `YYYY-MM-DDTHH:MM`.
    pub fn local_start_input(&self) -> String {
        self.local_start().format("%Y-%m-%dT%H:%M").to_string()
    }
}

/// One case of a discussion, with its published shared view.
#[derive(Debug, Clone)]
pub struct DiscussionCase {
    pub case_id: CaseId,
    /// The contributing organization (never shown outside the curator role; used to
    /// redact its names from takeaways).
    pub org: OrgId,
    pub position: i32,
    pub questions: Vec<String>,
    pub takeaways: Option<String>,
    pub view: SharedView,
}

/// Something the facilitator must be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub at: NaiveDateTime,
    /// Where in the agenda the case stood (1-based).
    pub position: i32,
    pub kind: NoticeKind,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// A case was withdrawn by its organization or the PSO, and left the discussion.
    CaseWithdrawn,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::CaseWithdrawn => "case_withdrawn",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        (raw == "case_withdrawn").then_some(NoticeKind::CaseWithdrawn)
    }
}

impl Notice {
    /// What the facilitator reads.
    pub fn message(&self) -> String {
        match self.kind {
            NoticeKind::CaseWithdrawn => format!(
                "The case in place {} was withdrawn on {} and has left this discussion, its questions and takeaways with it.",
                self.position,
                self.at.format("%-d %B %Y")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> DiscussionBody {
        DiscussionBody {
            title: "Falls at night".into(),
            starts_at: "2027-01-14T15:00".into(),
            time_zone: "America/Chicago".into(),
            duration_minutes: 90,
            description: String::new(),
            facilitator_notes: String::new(),
            invite_all: true,
            invited_orgs: vec![],
        }
    }

    #[test]
    fn a_local_start_is_kept_in_utc_and_shown_in_its_zone() {
        let input = body().validate().unwrap();
        assert_eq!(input.starts_at.to_string(), "2027-01-14 21:00:00");
        let d = Discussion {
            id: DiscussionId::new(1),
            title: input.title,
            starts_at: input.starts_at,
            time_zone: input.time_zone,
            duration_minutes: 90,
            description: String::new(),
            facilitator_notes: String::new(),
            invitees: Invitees::All,
            status: DiscussionStatus::Draft,
            overall_takeaways: None,
            created_by: UserId::new(1),
            created_at: input.starts_at,
            updated_at: input.starts_at,
        };
        assert_eq!(
            d.when(),
            "Thursday 14 January 2027, 15:00–16:30 CST (America/Chicago)"
        );
        assert_eq!(d.local_start_input(), "2027-01-14T15:00");
    }

    #[test]
    fn bad_fields_are_each_named() {
        let mut b = body();
        b.title = "  ".into();
        b.time_zone = "Mars/Olympus".into();
        b.duration_minutes = 5;
        b.invite_all = false;
        let errors = b.validate().unwrap_err();
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            ["title", "time_zone", "duration_minutes", "invited_orgs"]
        );
        let mut b = body();
        b.starts_at = "2027-03-14T02:30".into();
        b.time_zone = "America/New_York".into();
        let errors = b.validate().unwrap_err();
        assert_eq!(errors[0].path, "starts_at");
        assert!(errors[0].problem.contains("skip"), "{:?}", errors[0]);
        b.starts_at = "tomorrow".into();
        assert_eq!(b.validate().unwrap_err()[0].path, "starts_at");
    }

    #[test]
    fn questions_are_trimmed_and_bounded() {
        let q = check_questions(&["  Why? ".into(), " ".into()]).unwrap();
        assert_eq!(q, ["Why?"]);
        let many = vec!["q".to_owned(); MAX_QUESTIONS + 1];
        assert_eq!(check_questions(&many).unwrap_err()[0].path, "questions");
        let long = vec!["x".repeat(MAX_QUESTION + 1)];
        assert_eq!(check_questions(&long).unwrap_err()[0].path, "questions[0]");
    }
}
