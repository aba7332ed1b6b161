//! Safe-table discussions: the discussion, its invited organizations, its cases in
//! order with their questions and takeaways, attestations, attendance, and the notices
//! its facilitator must read. Every change is one transaction with its audit entry.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::cases::{lock, parse_view, record_change, ChangeOp};
use super::schema::{
    cases, discussion_attendance, discussion_attestations, discussion_cases, discussion_notices,
    discussion_orgs, discussions,
};
use super::{append_audit, now, Store, StoreError};
use crate::audit::AuditEvent;
use crate::case::{CaseId, CaseStatus, DiscussionId, OrgId, SharedView, UserId};
use crate::discussion::{
    Discussion, DiscussionCase, DiscussionInput, DiscussionStatus, Invitees, Notice, NoticeKind,
};

type DiscussionRow = (
    i64,
    String,
    NaiveDateTime,
    String,
    i32,
    String,
    String,
    bool,
    String,
    Option<String>,
    i64,
    NaiveDateTime,
    NaiveDateTime,
);

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("discussion {what}"))
}

fn discussion_of(row: DiscussionRow, orgs: Vec<OrgId>) -> Result<Discussion, StoreError> {
    let (
        id,
        title,
        starts_at,
        time_zone,
        duration,
        description,
        facilitator_notes,
        all_members,
        status,
        overall_takeaways,
        created_by,
        created_at,
        updated_at,
    ) = row;
    Ok(Discussion {
        id: DiscussionId::new(id),
        title,
        starts_at,
        time_zone: time_zone.parse().map_err(|_| corrupt("time zone"))?,
        duration_minutes: u32::try_from(duration).map_err(|_| corrupt("duration"))?,
        description,
        facilitator_notes,
        invitees: if all_members {
            Invitees::All
        } else {
            Invitees::Orgs(orgs)
        },
        status: DiscussionStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
        overall_takeaways,
        created_by: UserId::new(created_by),
        created_at,
        updated_at,
    })
}

fn questions_json(questions: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(questions).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn load_discussion(
    c: &mut super::DbConnection,
    id: DiscussionId,
) -> Result<Option<Discussion>, StoreError> {
    let row: Option<DiscussionRow> = discussions::table
        .filter(discussions::id.eq(id.get()))
        .select(columns())
        .first(c)
        .optional()?;
    let Some(row) = row else {
        return Ok(None);
    };
    let orgs: Vec<i64> = discussion_orgs::table
        .filter(discussion_orgs::discussion_id.eq(id.get()))
        .select(discussion_orgs::org_id)
        .order(discussion_orgs::org_id.asc())
        .load(c)?;
    discussion_of(row, orgs.into_iter().map(OrgId::new).collect()).map(Some)
}

#[allow(clippy::type_complexity)]
fn columns() -> (
    discussions::id,
    discussions::title,
    discussions::starts_at,
    discussions::time_zone,
    discussions::duration_minutes,
    discussions::description,
    discussions::facilitator_notes,
    discussions::all_members,
    discussions::status,
    discussions::overall_takeaways,
    discussions::created_by,
    discussions::created_at,
    discussions::updated_at,
) {
    (
        discussions::id,
        discussions::title,
        discussions::starts_at,
        discussions::time_zone,
        discussions::duration_minutes,
        discussions::description,
        discussions::facilitator_notes,
        discussions::all_members,
        discussions::status,
        discussions::overall_takeaways,
        discussions::created_by,
        discussions::created_at,
        discussions::updated_at,
    )
}

fn write_orgs(
    c: &mut super::DbConnection,
    id: DiscussionId,
    invitees: &Invitees,
) -> Result<(), StoreError> {
    diesel::delete(discussion_orgs::table.filter(discussion_orgs::discussion_id.eq(id.get())))
        .execute(c)?;
    if let Invitees::Orgs(orgs) = invitees {
        for org in orgs {
            diesel::insert_into(discussion_orgs::table)
                .values((
                    discussion_orgs::discussion_id.eq(id.get()),
                    discussion_orgs::org_id.eq(org.get()),
                ))
                .execute(c)?;
        }
    }
    Ok(())
}

/// The case ids of a discussion in agenda order.
fn case_order(c: &mut super::DbConnection, id: DiscussionId) -> Result<Vec<String>, StoreError> {
    Ok(discussion_cases::table
        .filter(discussion_cases::discussion_id.eq(id.get()))
        .order(discussion_cases::position.asc())
        .select(discussion_cases::case_id)
        .load(c)?)
}

fn touch(c: &mut super::DbConnection, id: DiscussionId) -> Result<(), StoreError> {
    let n = diesel::update(discussions::table.filter(discussions::id.eq(id.get())))
        .set(discussions::updated_at.eq(now()))
        .execute(c)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Deletes a withdrawn case from every discussion, leaving each a notice; called inside
/// the withdrawal's transaction.
pub(super) fn withdraw_case(c: &mut super::DbConnection, case: &CaseId) -> Result<(), StoreError> {
    let rows: Vec<(i64, i32)> = discussion_cases::table
        .filter(discussion_cases::case_id.eq(case.as_str()))
        .select((discussion_cases::discussion_id, discussion_cases::position))
        .load(c)?;
    for (discussion, position) in rows {
        // The place in the agenda as the facilitator saw it.
        let before: i64 = discussion_cases::table
            .filter(discussion_cases::discussion_id.eq(discussion))
            .filter(discussion_cases::position.lt(position))
            .count()
            .get_result(c)?;
        diesel::insert_into(discussion_notices::table)
            .values((
                discussion_notices::discussion_id.eq(discussion),
                discussion_notices::at.eq(now()),
                discussion_notices::kind.eq(NoticeKind::CaseWithdrawn.as_str()),
                discussion_notices::position.eq(i32::try_from(before + 1).unwrap_or(i32::MAX)),
            ))
            .execute(c)?;
    }
    diesel::delete(discussion_cases::table.filter(discussion_cases::case_id.eq(case.as_str())))
        .execute(c)?;
    Ok(())
}

/// The takeaways of the cases of `ids`, by the case index of `discussion_cases`.
#[diesel::dsl::auto_type]
pub(super) fn takeaway_rows<'a>(ids: &'a [&'a str]) -> _ {
    discussion_cases::table
        .filter(discussion_cases::case_id.eq_any(ids))
        .filter(discussion_cases::takeaways.is_not_null())
        .order(discussion_cases::discussion_id.asc())
        .select((discussion_cases::case_id, discussion_cases::takeaways))
}

/// The takeaways recorded for each of `ids`, oldest discussion first.
pub(super) fn takeaways_of(
    c: &mut super::DbConnection,
    ids: &[&str],
) -> Result<HashMap<String, Vec<String>>, StoreError> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, Option<String>)> = takeaway_rows(chunk).load(c)?;
        for (case, takeaways) in rows {
            if let Some(t) = takeaways.filter(|t| !t.trim().is_empty()) {
                out.entry(case).or_default().push(t);
            }
        }
    }
    Ok(out)
}

/// Joins the takeaways of safe-table discussions to published views.
pub(super) fn attach_takeaways(
    c: &mut super::DbConnection,
    views: &mut [SharedView],
) -> Result<(), StoreError> {
    let ids: Vec<String> = views
        .iter()
        .filter_map(|v| v.id.as_ref().map(|i| i.to_string()))
        .collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut found = takeaways_of(c, &refs)?;
    for v in views.iter_mut() {
        if let Some(id) = &v.id {
            v.safe_table_takeaways = found.remove(id.as_str()).unwrap_or_default();
        }
    }
    Ok(())
}

/// What [`Store::set_discussion_takeaways`] records.
pub struct TakeawaysUpdate<'a> {
    pub overall: Option<&'a str>,
    /// Each case's takeaways; an empty text clears them.
    pub cases: &'a [(CaseId, String)],
}

impl Store {
    /// Creates a discussion (a draft) with its invitations; its fields already redacted.
    pub fn create_discussion(
        &self,
        input: &DiscussionInput,
        by: UserId,
        event: impl Fn(DiscussionId) -> AuditEvent,
    ) -> Result<DiscussionId, StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            lock(c)?;
            let at = now();
            let id: i64 = diesel::insert_into(discussions::table)
                .values((
                    discussions::title.eq(&input.title),
                    discussions::starts_at.eq(input.starts_at),
                    discussions::time_zone.eq(input.time_zone.name()),
                    discussions::duration_minutes
                        .eq(i32::try_from(input.duration_minutes).unwrap_or(i32::MAX)),
                    discussions::description.eq(&input.description),
                    discussions::facilitator_notes.eq(&input.facilitator_notes),
                    discussions::all_members.eq(input.invitees == Invitees::All),
                    discussions::status.eq(DiscussionStatus::Draft.as_str()),
                    discussions::created_by.eq(by.get()),
                    discussions::created_at.eq(at),
                    discussions::updated_at.eq(at),
                ))
                .returning(discussions::id)
                .get_result(c)?;
            let id = DiscussionId::new(id);
            write_orgs(c, id, &input.invitees)?;
            append_audit(c, &event(id))?;
            Ok(id)
        })
    }

    /// Replaces a discussion's own fields and invitations.
    pub fn update_discussion(
        &self,
        id: DiscussionId,
        input: &DiscussionInput,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            lock(c)?;
            let n = diesel::update(discussions::table.filter(discussions::id.eq(id.get())))
                .set((
                    discussions::title.eq(&input.title),
                    discussions::starts_at.eq(input.starts_at),
                    discussions::time_zone.eq(input.time_zone.name()),
                    discussions::duration_minutes
                        .eq(i32::try_from(input.duration_minutes).unwrap_or(i32::MAX)),
                    discussions::description.eq(&input.description),
                    discussions::facilitator_notes.eq(&input.facilitator_notes),
                    discussions::all_members.eq(input.invitees == Invitees::All),
                    discussions::updated_at.eq(now()),
                ))
                .execute(c)?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            write_orgs(c, id, &input.invitees)?;
            append_audit(c, event)
        })
    }

    /// One discussion.
    pub fn discussion(&self, id: DiscussionId) -> Result<Option<Discussion>, StoreError> {
        let mut conn = self.conn()?;
        load_discussion(&mut conn, id)
    }

    /// Every discussion, soonest first, with its number of cases.
    pub fn list_discussions(&self) -> Result<Vec<(Discussion, usize)>, StoreError> {
        let mut conn = self.conn()?;
        let rows: Vec<DiscussionRow> = discussions::table
            .select(columns())
            .order((discussions::starts_at.asc(), discussions::id.asc()))
            .load(&mut *conn)?;
        let orgs: Vec<(i64, i64)> = discussion_orgs::table
            .select((discussion_orgs::discussion_id, discussion_orgs::org_id))
            .load(&mut *conn)?;
        let counts: Vec<(i64, i64)> = discussion_cases::table
            .group_by(discussion_cases::discussion_id)
            .select((
                discussion_cases::discussion_id,
                diesel::dsl::count(discussion_cases::case_id),
            ))
            .load(&mut *conn)?;
        let mut by_id: HashMap<i64, Vec<OrgId>> = HashMap::new();
        for (d, o) in orgs {
            by_id.entry(d).or_default().push(OrgId::new(o));
        }
        let counts: HashMap<i64, i64> = counts.into_iter().collect();
        rows.into_iter()
            .map(|row| {
                let id = row.0;
                let mut orgs = by_id.remove(&id).unwrap_or_default();
                orgs.sort();
                let n = counts.get(&id).copied().unwrap_or(0);
                Ok((discussion_of(row, orgs)?, usize::try_from(n).unwrap_or(0)))
            })
            .collect()
    }

    /// The published cases of a discussion, in order, with their views.
    pub fn discussion_cases(&self, id: DiscussionId) -> Result<Vec<DiscussionCase>, StoreError> {
        let mut conn = self.conn()?;
        let rows: Vec<(String, i32, String, Option<String>, i64, String)> = discussion_cases::table
            .inner_join(cases::table.on(cases::id.eq(discussion_cases::case_id)))
            .filter(discussion_cases::discussion_id.eq(id.get()))
            .filter(cases::status.eq(CaseStatus::Published.as_str()))
            .order(discussion_cases::position.asc())
            .select((
                discussion_cases::case_id,
                discussion_cases::position,
                discussion_cases::questions,
                discussion_cases::takeaways,
                cases::org_id,
                cases::shared_view,
            ))
            .load(&mut *conn)?;
        let mut views = rows
            .iter()
            .map(|r| parse_view(&r.5))
            .collect::<Result<Vec<_>, _>>()?;
        attach_takeaways(&mut conn, &mut views)?;
        let mut out = Vec::with_capacity(rows.len());
        for ((case_id, position, questions, takeaways, org, _), view) in rows.into_iter().zip(views)
        {
            out.push(DiscussionCase {
                case_id: case_id.parse().map_err(|_| corrupt("case id"))?,
                org: OrgId::new(org),
                position,
                questions: serde_json::from_str(&questions).map_err(|_| corrupt("questions"))?,
                takeaways,
                view,
            });
        }
        Ok(out)
    }

    /// Adds a published case at the end of a discussion's agenda.
    pub fn add_discussion_case(
        &self,
        id: DiscussionId,
        case: &CaseId,
        questions: &[String],
        max_cases: usize,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            lock(c)?;
            touch(c, id)?;
            let status: Option<String> = cases::table
                .filter(cases::id.eq(case.as_str()))
                .select(cases::status)
                .first(c)
                .optional()?;
            if status.as_deref() != Some(CaseStatus::Published.as_str()) {
                return Err(StoreError::Config(
                    "only a published case can be discussed".into(),
                ));
            }
            let order = case_order(c, id)?;
            if order.iter().any(|c| c == case.as_str()) {
                return Err(StoreError::Conflict(
                    "the case is already in this discussion".into(),
                ));
            }
            if order.len() >= max_cases {
                return Err(StoreError::Conflict(format!(
                    "a discussion holds at most {max_cases} cases"
                )));
            }
            let last: Option<i32> = discussion_cases::table
                .filter(discussion_cases::discussion_id.eq(id.get()))
                .select(diesel::dsl::max(discussion_cases::position))
                .first(c)?;
            diesel::insert_into(discussion_cases::table)
                .values((
                    discussion_cases::discussion_id.eq(id.get()),
                    discussion_cases::case_id.eq(case.as_str()),
                    discussion_cases::position.eq(last.unwrap_or(0) + 1),
                    discussion_cases::questions.eq(questions_json(questions)?),
                ))
                .execute(c)?;
            append_audit(c, event)
        })
    }

    /// Replaces the questions of one case of a discussion.
    pub fn set_discussion_questions(
        &self,
        id: DiscussionId,
        case: &CaseId,
        questions: &[String],
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            lock(c)?;
            touch(c, id)?;
            let n = diesel::update(
                discussion_cases::table
                    .filter(discussion_cases::discussion_id.eq(id.get()))
                    .filter(discussion_cases::case_id.eq(case.as_str())),
            )
            .set(discussion_cases::questions.eq(questions_json(questions)?))
            .execute(c)?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            append_audit(c, event)
        })
    }

    /// Removes a case from a discussion (with its questions and takeaways; the index
    /// forgets the takeaways).
    pub fn remove_discussion_case(
        &self,
        id: DiscussionId,
        case: &CaseId,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            lock(c)?;
            touch(c, id)?;
            let had_takeaways: Option<Option<String>> = discussion_cases::table
                .filter(discussion_cases::discussion_id.eq(id.get()))
                .filter(discussion_cases::case_id.eq(case.as_str()))
                .select(discussion_cases::takeaways)
                .first(c)
                .optional()?;
            let Some(had_takeaways) = had_takeaways else {
                return Err(StoreError::NotFound);
            };
            diesel::delete(
                discussion_cases::table
                    .filter(discussion_cases::discussion_id.eq(id.get()))
                    .filter(discussion_cases::case_id.eq(case.as_str())),
            )
            .execute(c)?;
            if had_takeaways.is_some() {
                record_change(c, case, ChangeOp::Publish)?;
            }
            append_audit(c, event)
        })
    }

    /// Puts a discussion's cases in the order given, which must name each exactly once.
    pub fn reorder_discussion(
        &self,
        id: DiscussionId,
        order: &[CaseId],
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            lock(c)?;
            touch(c, id)?;
            let mut current = case_order(c, id)?;
            let mut wanted: Vec<String> = order.iter().map(|c| c.to_string()).collect();
            current.sort();
            wanted.sort();
            wanted.dedup();
            if current != wanted || wanted.len() != order.len() {
                return Err(StoreError::Config(
                    "the order must name every case of the discussion exactly once".into(),
                ));
            }
            for (i, case) in order.iter().enumerate() {
                diesel::update(
                    discussion_cases::table
                        .filter(discussion_cases::discussion_id.eq(id.get()))
                        .filter(discussion_cases::case_id.eq(case.as_str())),
                )
                .set(discussion_cases::position.eq(i32::try_from(i + 1).unwrap_or(i32::MAX)))
                .execute(c)?;
            }
            append_audit(c, event)
        })
    }

    /// Sets a discussion's status.
    pub fn set_discussion_status(
        &self,
        id: DiscussionId,
        status: DiscussionStatus,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            lock(c)?;
            let n = diesel::update(discussions::table.filter(discussions::id.eq(id.get())))
                .set((
                    discussions::status.eq(status.as_str()),
                    discussions::updated_at.eq(now()),
                ))
                .execute(c)?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            append_audit(c, event)
        })
    }

    /// Records that `user` accepted the confidentiality statement (once; a second
    /// acceptance keeps the first time). Returns when.
    pub fn attest(
        &self,
        id: DiscussionId,
        user: UserId,
        event: &AuditEvent,
    ) -> Result<NaiveDateTime, StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            lock(c)?;
            if let Some(at) = attestation_in(c, id, user)? {
                return Ok(at);
            }
            let at = now();
            diesel::insert_into(discussion_attestations::table)
                .values((
                    discussion_attestations::discussion_id.eq(id.get()),
                    discussion_attestations::user_id.eq(user.get()),
                    discussion_attestations::attested_at.eq(at),
                ))
                .execute(c)?;
            append_audit(c, event)?;
            Ok(at)
        })
    }

    /// When `user` accepted the statement of a discussion.
    pub fn attestation(
        &self,
        id: DiscussionId,
        user: UserId,
    ) -> Result<Option<NaiveDateTime>, StoreError> {
        let mut conn = self.conn()?;
        attestation_in(&mut conn, id, user)
    }

    /// Every acceptance of a discussion's statement, oldest first.
    pub fn attestations(
        &self,
        id: DiscussionId,
    ) -> Result<Vec<(UserId, NaiveDateTime)>, StoreError> {
        let mut conn = self.conn()?;
        let rows: Vec<(i64, NaiveDateTime)> = discussion_attestations::table
            .filter(discussion_attestations::discussion_id.eq(id.get()))
            .order(discussion_attestations::attested_at.asc())
            .select((
                discussion_attestations::user_id,
                discussion_attestations::attested_at,
            ))
            .load(&mut *conn)?;
        Ok(rows
            .into_iter()
            .map(|(u, at)| (UserId::new(u), at))
            .collect())
    }

    /// Replaces who attended.
    pub fn set_attendance(
        &self,
        id: DiscussionId,
        users: &[UserId],
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            lock(c)?;
            touch(c, id)?;
            diesel::delete(
                discussion_attendance::table
                    .filter(discussion_attendance::discussion_id.eq(id.get())),
            )
            .execute(c)?;
            let at = now();
            for user in users {
                diesel::insert_into(discussion_attendance::table)
                    .values((
                        discussion_attendance::discussion_id.eq(id.get()),
                        discussion_attendance::user_id.eq(user.get()),
                        discussion_attendance::recorded_at.eq(at),
                    ))
                    .execute(c)?;
            }
            append_audit(c, event)
        })
    }

    /// Who attended.
    pub fn attendance(&self, id: DiscussionId) -> Result<Vec<UserId>, StoreError> {
        let mut conn = self.conn()?;
        let rows: Vec<i64> = discussion_attendance::table
            .filter(discussion_attendance::discussion_id.eq(id.get()))
            .order(discussion_attendance::user_id.asc())
            .select(discussion_attendance::user_id)
            .load(&mut *conn)?;
        Ok(rows.into_iter().map(UserId::new).collect())
    }

    /// Records takeaways (already redacted): overall, and for cases of the discussion,
    /// which are indexed again so that search finds them.
    pub fn set_discussion_takeaways(
        &self,
        id: DiscussionId,
        update: &TakeawaysUpdate<'_>,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            lock(c)?;
            touch(c, id)?;
            if let Some(overall) = update.overall {
                let value = Some(overall).filter(|t| !t.trim().is_empty());
                diesel::update(discussions::table.filter(discussions::id.eq(id.get())))
                    .set(discussions::overall_takeaways.eq(value))
                    .execute(c)?;
            }
            for (case, text) in update.cases {
                let value = Some(text.as_str()).filter(|t| !t.trim().is_empty());
                let n = diesel::update(
                    discussion_cases::table
                        .filter(discussion_cases::discussion_id.eq(id.get()))
                        .filter(discussion_cases::case_id.eq(case.as_str())),
                )
                .set(discussion_cases::takeaways.eq(value))
                .execute(c)?;
                if n == 0 {
                    return Err(StoreError::Config(
                        "a case named is not in this discussion".into(),
                    ));
                }
                record_change(c, case, ChangeOp::Publish)?;
            }
            append_audit(c, event)
        })
    }

    /// The notices of a discussion, newest first.
    pub fn discussion_notices(&self, id: DiscussionId) -> Result<Vec<Notice>, StoreError> {
        let mut conn = self.conn()?;
        let rows: Vec<(NaiveDateTime, String, i32)> = discussion_notices::table
            .filter(discussion_notices::discussion_id.eq(id.get()))
            .order(discussion_notices::id.desc())
            .select((
                discussion_notices::at,
                discussion_notices::kind,
                discussion_notices::position,
            ))
            .load(&mut *conn)?;
        rows.into_iter()
            .map(|(at, kind, position)| {
                Ok(Notice {
                    at,
                    position,
                    kind: NoticeKind::parse(&kind).ok_or_else(|| corrupt("notice"))?,
                })
            })
            .collect()
    }
}

fn attestation_in(
    c: &mut super::DbConnection,
    id: DiscussionId,
    user: UserId,
) -> Result<Option<NaiveDateTime>, StoreError> {
    Ok(discussion_attestations::table
        .filter(discussion_attestations::discussion_id.eq(id.get()))
        .filter(discussion_attestations::user_id.eq(user.get()))
        .select(discussion_attestations::attested_at)
        .first(c)
        .optional()?)
}
