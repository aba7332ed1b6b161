//! The rules of safe-table discussions, for the API and the pages alike.

use chrono::NaiveDateTime;
use serde_json::json;

use super::{
    check_questions, check_text, Discussion, DiscussionBody, DiscussionCase, DiscussionId,
    DiscussionInput, DiscussionStatus, Invitees, Notice, MAX_CASES, MAX_TEXT,
};
use crate::audit::{AuditAction, AuditEvent};
use crate::auth::{Principal, Role};
use crate::case::{CaseId, CaseStatus, FieldError, OrgId, UserId};
use crate::error::AppError;
use crate::follow::Nudge;
use crate::intake::Intake;
use crate::store::{StoreError, TakeawaysUpdate};

/// What the caller may do with one discussion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Faculty and curators: build, edit, publish, record attendance and takeaways.
    Manage,
    /// A member of an invited organization, on a published discussion.
    Participant {
        attested: Option<NaiveDateTime>,
        attended: bool,
    },
}

impl Access {
    /// Whether the caller manages the discussion.
    pub fn manages(self) -> bool {
        self == Access::Manage
    }

    /// Whether the caller may read the discussion's content now.
    pub fn may_read(self) -> bool {
        match self {
            Access::Manage => true,
            Access::Participant { attested, .. } => attested.is_some(),
        }
    }

    /// Whether the caller sees the takeaways.
    pub fn sees_takeaways(self) -> bool {
        match self {
            Access::Manage => true,
            Access::Participant { attended, .. } => attended,
        }
    }
}

/// A discussion in a list.
#[derive(Debug, Clone)]
pub struct ListedDiscussion {
    pub discussion: Discussion,
    pub cases: usize,
    pub access: Access,
}

/// Someone who accepted the statement, for the facilitator.
#[derive(Debug, Clone)]
pub struct Participant {
    pub user: UserId,
    pub email: String,
    pub organization: String,
    pub attested_at: NaiveDateTime,
    pub attended: bool,
}

/// A discussion as the caller may see it: facilitator notes, notices, invitations and
/// participants only for those who manage it; takeaways only for them and for members
/// who attended.
#[derive(Debug, Clone)]
pub struct DiscussionDetail {
    pub discussion: Discussion,
    pub cases: Vec<DiscussionCase>,
    pub access: Access,
    pub notices: Vec<Notice>,
    /// The organizations invited, by name (when not all).
    pub invited: Vec<(OrgId, String)>,
    pub participants: Vec<Participant>,
}

/// Takeaways to record: overall (when given) and per case.
#[derive(Debug, Clone, Default)]
pub struct TakeawaysInput {
    pub overall: Option<String>,
    pub cases: Vec<(CaseId, String)>,
}

/// Safe-table discussions.
#[derive(Clone)]
pub struct DiscussionService {
    intake: Intake,
    nudge: Nudge,
}

fn schema(fields: Vec<FieldError>) -> AppError {
    let message = fields
        .iter()
        .map(|f| format!("{}: {}", f.path, f.problem))
        .collect::<Vec<_>>()
        .join("; ");
    AppError::Schema { message, fields }
}

fn field(path: &str, problem: &str) -> AppError {
    schema(vec![FieldError {
        path: path.into(),
        problem: problem.into(),
    }])
}

fn not_found(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound => AppError::NotFound("discussion"),
        e => e.into(),
    }
}

fn subject(id: DiscussionId) -> Option<String> {
    Some(format!("discussion:{id}"))
}

impl DiscussionService {
    pub fn new(intake: Intake, nudge: Nudge) -> Self {
        DiscussionService { intake, nudge }
    }

    fn manager(who: &Principal) -> bool {
        who.roles.has(Role::Faculty) || who.roles.has(Role::Curator)
    }

    fn require_manager(who: &Principal) -> Result<(), AppError> {
        if Self::manager(who) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The caller's access to `d`; none at all is "no such discussion".
    fn access_to(&self, who: &Principal, d: &Discussion) -> Result<Access, AppError> {
        if Self::manager(who) {
            return Ok(Access::Manage);
        }
        if who.roles.has(Role::Member)
            && d.status == DiscussionStatus::Published
            && d.invitees.includes(who.org)
        {
            let store = &self.intake.store;
            let attested = store.attestation(d.id, who.user)?;
            let attended = attested.is_some() && store.attendance(d.id)?.contains(&who.user);
            return Ok(Access::Participant { attested, attended });
        }
        Err(AppError::NotFound("discussion"))
    }

    fn load(&self, id: DiscussionId) -> Result<Discussion, AppError> {
        self.intake
            .store
            .discussion(id)?
            .ok_or(AppError::NotFound("discussion"))
    }

    /// The discussion, when the caller manages it (anyone else: no such discussion, or
    /// a role that does not allow it).
    fn managed(&self, who: &Principal, id: DiscussionId) -> Result<Discussion, AppError> {
        Self::require_manager(who)?;
        self.load(id)
    }

    fn audit(
        &self,
        who: &Principal,
        action: AuditAction,
        id: DiscussionId,
        detail: serde_json::Value,
    ) -> Result<(), AppError> {
        Ok(self
            .intake
            .store
            .audit(&AuditEvent::new(who.actor(), action, subject(id)).with_detail(detail))?)
    }

    fn event(
        who: &Principal,
        action: AuditAction,
        id: DiscussionId,
        detail: serde_json::Value,
    ) -> AuditEvent {
        AuditEvent::new(who.actor(), action, subject(id)).with_detail(detail)
    }

    /// Every organization (names of each are redacted from discussion text).
    fn all_orgs(&self) -> Result<Vec<OrgId>, AppError> {
        Ok(self
            .intake
            .store
            .list_orgs()?
            .into_iter()
            .map(|o| o.id)
            .collect())
    }

    /// Validates and redacts a discussion's own fields; checks the organizations.
    fn prepare(&self, body: &DiscussionBody) -> Result<DiscussionInput, AppError> {
        let mut input = body.validate().map_err(schema)?;
        let orgs = self.all_orgs()?;
        if let Invitees::Orgs(invited) = &input.invitees {
            if let Some(i) = invited.iter().position(|o| !orgs.contains(o)) {
                return Err(field(
                    &format!("invited_orgs[{i}]"),
                    "is not a member organization",
                ));
            }
        }
        let redact = |t: &str| self.intake.redact_note_for(&orgs, t);
        input.title = redact(&input.title)?;
        input.description = redact(&input.description)?;
        input.facilitator_notes = redact(&input.facilitator_notes)?;
        Ok(input)
    }

    /// The discussions the caller may see: every one for faculty and curators; for a
    /// member, the published ones its organization is invited to.
    pub fn list(&self, who: &Principal) -> Result<Vec<ListedDiscussion>, AppError> {
        if !Self::manager(who) && !who.roles.has(Role::Member) {
            return Err(AppError::Forbidden);
        }
        let mut out = Vec::new();
        for (discussion, cases) in self.intake.store.list_discussions()? {
            let access = match self.access_to(who, &discussion) {
                Ok(access) => access,
                // Not the caller's to see: not listed.
                Err(AppError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            out.push(ListedDiscussion {
                discussion,
                cases,
                access,
            });
        }
        Ok(out)
    }

    /// A new draft discussion.
    pub fn create(&self, who: &Principal, body: &DiscussionBody) -> Result<DiscussionId, AppError> {
        Self::require_manager(who)?;
        let input = self.prepare(body)?;
        Ok(self
            .intake
            .store
            .create_discussion(&input, who.user, |id| {
                Self::event(who, AuditAction::DiscussionCreate, id, json!({}))
            })?)
    }

    /// Replaces a discussion's own fields and invitations.
    pub fn update(
        &self,
        who: &Principal,
        id: DiscussionId,
        body: &DiscussionBody,
    ) -> Result<(), AppError> {
        self.managed(who, id)?;
        let input = self.prepare(body)?;
        let event = Self::event(
            who,
            AuditAction::DiscussionEdit,
            id,
            json!({"change": "details"}),
        );
        self.intake
            .store
            .update_discussion(id, &input, &event)
            .map_err(not_found)
    }

    /// Just enough to ask for the attestation: the discussion (without facilitator
    /// notes) and the caller's access. Nobody outside the invitation learns it exists.
    pub fn preview(
        &self,
        who: &Principal,
        id: DiscussionId,
    ) -> Result<(Discussion, Access), AppError> {
        let mut d = self.load(id)?;
        let access = self.access_to(who, &d)?;
        if !access.manages() {
            d.facilitator_notes.clear();
        }
        if !access.sees_takeaways() {
            d.overall_takeaways = None;
        }
        Ok((d, access))
    }

    /// The whole discussion as the caller may see it; a participant must have accepted
    /// the statement first. Audited.
    pub fn get(&self, who: &Principal, id: DiscussionId) -> Result<DiscussionDetail, AppError> {
        let detail = self.detail(who, id)?;
        self.audit(who, AuditAction::DiscussionView, id, json!({}))?;
        Ok(detail)
    }

    /// [`DiscussionService::get`] without auditing a read: the discussion after a change
    /// the caller made.
    pub fn detail(&self, who: &Principal, id: DiscussionId) -> Result<DiscussionDetail, AppError> {
        let (discussion, access) = self.preview(who, id)?;
        if !access.may_read() {
            return Err(AppError::AttestationRequired);
        }
        let store = &self.intake.store;
        let mut cases = store.discussion_cases(id)?;
        let mut discussion = discussion;
        if !access.sees_takeaways() {
            discussion.overall_takeaways = None;
            for c in &mut cases {
                c.takeaways = None;
            }
        }
        let (notices, invited, participants) = if access.manages() {
            let invited = match &discussion.invitees {
                Invitees::All => Vec::new(),
                Invitees::Orgs(orgs) => orgs
                    .iter()
                    .map(|o| Ok((*o, store.org_by_id(*o)?.map(|r| r.name).unwrap_or_default())))
                    .collect::<Result<_, StoreError>>()?,
            };
            let attended = store.attendance(id)?;
            let mut participants = Vec::new();
            for (user, attested_at) in store.attestations(id)? {
                let Some(u) = store.user_by_id(user)? else {
                    continue;
                };
                let organization = store.org_by_id(u.org)?.map(|o| o.name).unwrap_or_default();
                participants.push(Participant {
                    user,
                    email: u.email,
                    organization,
                    attested_at,
                    attended: attended.contains(&user),
                });
            }
            (store.discussion_notices(id)?, invited, participants)
        } else {
            (Vec::new(), Vec::new(), Vec::new())
        };
        Ok(DiscussionDetail {
            discussion,
            cases,
            access,
            notices,
            invited,
            participants,
        })
    }

    /// Adds a published case at the end of the agenda, with its questions.
    pub fn add_case(
        &self,
        who: &Principal,
        id: DiscussionId,
        case: &CaseId,
        questions: &[String],
    ) -> Result<(), AppError> {
        self.managed(who, id)?;
        let questions = check_questions(questions).map_err(schema)?;
        let store = &self.intake.store;
        let record = store
            .case(case)?
            .filter(|r| r.status == CaseStatus::Published)
            .ok_or_else(|| field("case_id", "must name a published case"))?;
        let questions = questions
            .iter()
            .map(|q| self.intake.redact_note(record.org, q))
            .collect::<Result<Vec<_>, _>>()?;
        let event = Self::event(
            who,
            AuditAction::DiscussionEdit,
            id,
            json!({"change": "case_added", "case": case}),
        );
        store
            .add_discussion_case(id, case, &questions, MAX_CASES, &event)
            .map_err(|e| match e {
                StoreError::Config(_) => field("case_id", "must name a published case"),
                e => not_found(e),
            })
    }

    /// The org of a case of the discussion, or "no such case" in it.
    fn case_in(&self, id: DiscussionId, case: &CaseId) -> Result<DiscussionCase, AppError> {
        self.intake
            .store
            .discussion_cases(id)?
            .into_iter()
            .find(|c| &c.case_id == case)
            .ok_or(AppError::NotFound("case in this discussion"))
    }

    /// Replaces the questions of a case of the discussion.
    pub fn set_questions(
        &self,
        who: &Principal,
        id: DiscussionId,
        case: &CaseId,
        questions: &[String],
    ) -> Result<(), AppError> {
        self.managed(who, id)?;
        let questions = check_questions(questions).map_err(schema)?;
        let org = self.case_in(id, case)?.org;
        let questions = questions
            .iter()
            .map(|q| self.intake.redact_note(org, q))
            .collect::<Result<Vec<_>, _>>()?;
        let event = Self::event(
            who,
            AuditAction::DiscussionEdit,
            id,
            json!({"change": "questions", "case": case}),
        );
        self.intake
            .store
            .set_discussion_questions(id, case, &questions, &event)
            .map_err(|e| match e {
                StoreError::NotFound => AppError::NotFound("case in this discussion"),
                e => e.into(),
            })
    }

    /// Takes a case out of the discussion.
    pub fn remove_case(
        &self,
        who: &Principal,
        id: DiscussionId,
        case: &CaseId,
    ) -> Result<(), AppError> {
        self.managed(who, id)?;
        let event = Self::event(
            who,
            AuditAction::DiscussionEdit,
            id,
            json!({"change": "case_removed", "case": case}),
        );
        self.intake
            .store
            .remove_discussion_case(id, case, &event)
            .map_err(|e| match e {
                StoreError::NotFound => AppError::NotFound("case in this discussion"),
                e => e.into(),
            })?;
        self.nudge.nudge();
        Ok(())
    }

    /// Puts the cases in this order (each exactly once).
    pub fn reorder(
        &self,
        who: &Principal,
        id: DiscussionId,
        order: &[CaseId],
    ) -> Result<(), AppError> {
        self.managed(who, id)?;
        let event = Self::event(
            who,
            AuditAction::DiscussionEdit,
            id,
            json!({"change": "order"}),
        );
        self.intake
            .store
            .reorder_discussion(id, order, &event)
            .map_err(|e| match e {
                StoreError::Config(m) => field("case_ids", &m),
                e => not_found(e),
            })
    }

    /// Moves one case a place up (`-1`) or down (`+1`).
    pub fn move_case(
        &self,
        who: &Principal,
        id: DiscussionId,
        case: &CaseId,
        by: isize,
    ) -> Result<(), AppError> {
        self.managed(who, id)?;
        let mut order: Vec<CaseId> = self
            .intake
            .store
            .discussion_cases(id)?
            .into_iter()
            .map(|c| c.case_id)
            .collect();
        let from = order
            .iter()
            .position(|c| c == case)
            .ok_or(AppError::NotFound("case in this discussion"))?;
        let to = from
            .saturating_add_signed(by)
            .min(order.len().saturating_sub(1));
        if to == from {
            return Ok(());
        }
        let moved = order.remove(from);
        order.insert(to, moved);
        self.reorder(who, id, &order)
    }

    /// Makes a draft visible to its invitees (it needs at least one case).
    pub fn publish(&self, who: &Principal, id: DiscussionId) -> Result<(), AppError> {
        let d = self.managed(who, id)?;
        if d.status == DiscussionStatus::Published {
            return Ok(());
        }
        if self.intake.store.discussion_cases(id)?.is_empty() {
            return Err(AppError::Conflict(
                "add at least one case before publishing the discussion".into(),
            ));
        }
        let event = Self::event(who, AuditAction::DiscussionPublish, id, json!({}));
        self.intake
            .store
            .set_discussion_status(id, DiscussionStatus::Published, &event)
            .map_err(not_found)
    }

    /// Records the caller's acceptance of the confidentiality statement.
    pub fn attest(&self, who: &Principal, id: DiscussionId) -> Result<NaiveDateTime, AppError> {
        let d = self.load(id)?;
        self.access_to(who, &d)?;
        let event = Self::event(
            who,
            AuditAction::DiscussionAttest,
            id,
            json!({"statement": super::CONFIDENTIALITY_STATEMENT.len()}),
        );
        self.intake
            .store
            .attest(id, who.user, &event)
            .map_err(not_found)
    }

    /// The packet as a PDF, watermarked for the caller. Audited.
    pub fn packet(&self, who: &Principal, id: DiscussionId) -> Result<Vec<u8>, AppError> {
        let detail = self.detail(who, id)?;
        let store = &self.intake.store;
        let email = store
            .user_by_id(who.user)?
            .map(|u| u.email)
            .unwrap_or_default();
        let org = store
            .org_by_id(who.org)?
            .map(|o| o.name)
            .unwrap_or_default();
        let at = crate::store::now();
        let pdf = super::packet::pdf(
            &detail,
            &super::packet::Watermark {
                email,
                organization: org,
                at,
            },
        )
        .map_err(|e| AppError::Internal(e.to_string()))?;
        self.audit(who, AuditAction::PacketDownload, id, json!({"form": "pdf"}))?;
        Ok(pdf)
    }

    /// The discussion for the printable packet page. Audited as a packet.
    pub fn printable(
        &self,
        who: &Principal,
        id: DiscussionId,
    ) -> Result<DiscussionDetail, AppError> {
        let detail = self.detail(who, id)?;
        self.audit(
            who,
            AuditAction::PacketDownload,
            id,
            json!({"form": "print"}),
        )?;
        Ok(detail)
    }

    /// An iCalendar file of the session, with no case content.
    pub fn calendar(&self, who: &Principal, id: DiscussionId) -> Result<String, AppError> {
        let (d, access) = self.preview(who, id)?;
        if !access.may_read() {
            return Err(AppError::AttestationRequired);
        }
        Ok(super::ics::calendar(&d, &crate::store::now()))
    }

    /// Records takeaways, redacted: overall (with every case's organization's names) and
    /// per case (with its organization's); the cases are indexed again.
    pub fn set_takeaways(
        &self,
        who: &Principal,
        id: DiscussionId,
        input: &TakeawaysInput,
    ) -> Result<(), AppError> {
        self.managed(who, id)?;
        let mut errors = Vec::new();
        let cases = self.intake.store.discussion_cases(id)?;
        let overall = input
            .overall
            .as_deref()
            .map(|t| check_text(&mut errors, "overall", t, MAX_TEXT, false));
        let mut per_case = Vec::new();
        for (i, (case, text)) in input.cases.iter().enumerate() {
            let text = check_text(
                &mut errors,
                &format!("cases[{i}].takeaways"),
                text,
                MAX_TEXT,
                false,
            );
            match cases.iter().find(|c| &c.case_id == case) {
                Some(c) => per_case.push((case.clone(), c.org, text)),
                None => errors.push(FieldError {
                    path: format!("cases[{i}].case_id"),
                    problem: "is not a case of this discussion".into(),
                }),
            }
        }
        if !errors.is_empty() {
            return Err(schema(errors));
        }
        let overall = match overall {
            Some(t) => {
                let orgs: Vec<OrgId> = cases.iter().map(|c| c.org).collect();
                Some(self.intake.redact_note_for(&orgs, &t)?)
            }
            None => None,
        };
        let redacted = per_case
            .into_iter()
            .map(|(case, org, text)| Ok((case, self.intake.redact_note_for(&[org], &text)?)))
            .collect::<Result<Vec<_>, AppError>>()?;
        let event = Self::event(
            who,
            AuditAction::DiscussionTakeaways,
            id,
            json!({
                "overall": overall.is_some(),
                "cases": redacted.iter().map(|(c, _)| c.to_string()).collect::<Vec<_>>(),
            }),
        );
        self.intake
            .store
            .set_discussion_takeaways(
                id,
                &TakeawaysUpdate {
                    overall: overall.as_deref(),
                    cases: &redacted,
                },
                &event,
            )
            .map_err(|e| match e {
                StoreError::Config(m) => field("cases", &m),
                e => not_found(e),
            })?;
        self.nudge.nudge();
        Ok(())
    }

    /// Records who attended: each must have accepted the statement.
    pub fn set_attendance(
        &self,
        who: &Principal,
        id: DiscussionId,
        users: &[UserId],
    ) -> Result<(), AppError> {
        self.managed(who, id)?;
        let attested: Vec<UserId> = self
            .intake
            .store
            .attestations(id)?
            .into_iter()
            .map(|(u, _)| u)
            .collect();
        if let Some(i) = users.iter().position(|u| !attested.contains(u)) {
            return Err(field(
                &format!("attended[{i}]"),
                "has not accepted this discussion's confidentiality statement",
            ));
        }
        let mut users = users.to_vec();
        users.sort();
        users.dedup();
        let event = Self::event(
            who,
            AuditAction::DiscussionAttendance,
            id,
            json!({"attended": users.len()}),
        );
        self.intake
            .store
            .set_attendance(id, &users, &event)
            .map_err(not_found)
    }

    /// The member organizations one may invite, by name.
    pub fn invitable_orgs(&self, who: &Principal) -> Result<Vec<(OrgId, String)>, AppError> {
        Self::require_manager(who)?;
        Ok(self
            .intake
            .store
            .list_orgs()?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect())
    }

    /// The discussions the caller manages, to offer "add to discussion".
    pub fn managed_list(&self, who: &Principal) -> Result<Vec<Discussion>, AppError> {
        if !Self::manager(who) {
            return Ok(Vec::new());
        }
        Ok(self
            .intake
            .store
            .list_discussions()?
            .into_iter()
            .map(|(d, _)| d)
            .collect())
    }
}
