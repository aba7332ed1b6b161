//! Cases: submission (with replacement of a returned case), the curation workflow,
//! withdrawal, reads, and the change log search indexes follow.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{audit_head, cases, index_changes, manual_redactions, sealed_originals};
use super::{append_audit, now, Store, StoreError};
use crate::audit::{AuditAction, AuditEvent};
use crate::case::{CaseId, CaseStatus, OrgId, SharedView, UserId};
use crate::seal::{ContentDigest, RefDigest, SealedOriginal};

/// A case ready to store: its shared view (with `id` set), the pipeline's report, the
/// sealed original.
pub struct NewCase<'a> {
    pub org: OrgId,
    pub ref_digest: &'a RefDigest,
    /// Keyed digest of the validated case: tells the same case again from a different
    /// one that reuses the number.
    pub content_digest: &'a ContentDigest,
    pub view: &'a SharedView,
    pub report_json: &'a str,
    pub sealed: &'a SealedOriginal,
    pub actor: &'a str,
    /// Publish at once (a curator loading cases already reviewed elsewhere).
    pub publish: bool,
}

/// What a submission did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// A new case, in review.
    Created(CaseId),
    /// The organization's returned case with the same number, replaced and back in review.
    Replaced(CaseId),
    /// The organization already has this very case (same number, same content), not
    /// returned: nothing was stored.
    Duplicate(CaseId),
    /// The organization already has a *different* case with that number, not returned:
    /// nothing was stored (the API's 409).
    Conflict(CaseId),
}

/// A stored case.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    pub id: CaseId,
    pub org: OrgId,
    pub status: CaseStatus,
    pub view: SharedView,
    pub report_json: String,
    pub return_comment: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One row of a case list.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    #[schema(value_type = String)]
    pub id: CaseId,
    pub status: CaseStatus,
    pub rule_set_version: String,
    pub year: i32,
    pub category: crate::case::Category,
    pub harm: crate::case::Harm,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String)]
    pub updated_at: NaiveDateTime,
}

/// Which cases to list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only this organization's cases.
    pub org: Option<OrgId>,
    pub status: Option<CaseStatus>,
    pub ref_digest: Option<RefDigest>,
    pub limit: i64,
    pub offset: i64,
    pub order: CaseOrder,
}

/// The order of a case list, by the time each case was received (then by id).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseOrder {
    /// The latest contribution first (a contributor's own cases, the API's list).
    #[default]
    NewestFirst,
    /// The case waiting longest first (the curators' queue).
    OldestFirst,
}

/// A change a search index applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOp {
    Publish,
    Withdraw,
}

impl ChangeOp {
    fn as_str(self) -> &'static str {
        match self {
            ChangeOp::Publish => "publish",
            ChangeOp::Withdraw => "withdraw",
        }
    }
}

/// One row of the change log.
#[derive(Debug, Clone)]
pub struct IndexChangeRow {
    pub seq: i64,
    pub case_id: CaseId,
    pub op: ChangeOp,
}

type CaseRow = (
    String,
    i64,
    String,
    String,
    String,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
);

fn case_id(raw: String) -> Result<CaseId, StoreError> {
    CaseId::try_from(raw).map_err(StoreError::Corrupt)
}

fn status(raw: &str) -> Result<CaseStatus, StoreError> {
    CaseStatus::parse(raw).ok_or_else(|| StoreError::Corrupt("unknown case status".into()))
}

/// A published case as [`Store::published_view_texts`] reads it.
pub struct PublishedText {
    pub id: CaseId,
    /// The stored shared view, JSON (without the takeaways).
    pub view: String,
    /// The takeaways of safe-table discussions joined to the case.
    pub takeaways: Vec<String>,
}

impl PublishedText {
    /// The shared view, with its takeaways.
    pub fn parse(&self) -> Result<SharedView, StoreError> {
        let mut view = parse_view(&self.view)?;
        view.safe_table_takeaways = self.takeaways.clone();
        Ok(view)
    }
}

pub(super) fn parse_view(raw: &str) -> Result<SharedView, StoreError> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("shared view: {e}")))
}

/// The stored form of a view: without the takeaways of discussions, which are kept
/// with the discussion and joined when a published case is read.
fn view_json(view: &SharedView) -> Result<String, StoreError> {
    let stored;
    let view = if view.safe_table_takeaways.is_empty() {
        view
    } else {
        stored = SharedView {
            safe_table_takeaways: Vec::new(),
            ..view.clone()
        };
        &stored
    };
    serde_json::to_string(view).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Takes the write lock first, so that a transaction that reads and then writes never
/// has to upgrade its lock (SQLite) and concurrent writers queue on the chain head.
pub(super) fn lock(conn: &mut super::DbConnection) -> Result<(), StoreError> {
    diesel::update(audit_head::table.filter(audit_head::id.eq(1)))
        .set(audit_head::seq.eq(audit_head::seq))
        .execute(conn)?;
    Ok(())
}

fn load_case(
    conn: &mut super::DbConnection,
    id: &CaseId,
) -> Result<Option<CaseRecord>, StoreError> {
    let row: Option<CaseRow> = cases::table
        .filter(cases::id.eq(id.as_str()))
        .select((
            cases::id,
            cases::org_id,
            cases::status,
            cases::shared_view,
            cases::report,
            cases::return_comment,
            cases::created_at,
            cases::updated_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, org, st, view, report_json, return_comment, created_at, updated_at)) = row else {
        return Ok(None);
    };
    let status = status(&st)?;
    if status == CaseStatus::Withdrawn {
        return Ok(None);
    }
    Ok(Some(CaseRecord {
        id: case_id(id)?,
        org: OrgId::new(org),
        status,
        view: parse_view(&view)?,
        report_json,
        return_comment,
        created_at,
        updated_at,
    }))
}

pub(super) fn record_change(
    conn: &mut super::DbConnection,
    id: &CaseId,
    op: ChangeOp,
) -> Result<(), StoreError> {
    diesel::insert_into(index_changes::table)
        .values((
            index_changes::case_id.eq(id.as_str()),
            index_changes::op.eq(op.as_str()),
            index_changes::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

impl Store {
    /// Stores a submitted case in one transaction: ciphertext, shared view, status
    /// `in_review`, audit entry. A returned case with the same number is replaced; any
    /// other existing case with that number is reported as a duplicate.
    pub fn submit_case(&self, new: NewCase<'_>) -> Result<SubmitOutcome, StoreError> {
        let mut outcomes = self.submit_batch(std::slice::from_ref(&new))?;
        outcomes
            .pop()
            .ok_or_else(|| StoreError::Corrupt("a submission without outcome".into()))
    }

    /// Stores several submissions in one transaction (bulk import), in order: a later
    /// one with the same `external_ref` as an earlier one is its duplicate. All or none.
    pub fn submit_batch(&self, batch: &[NewCase<'_>]) -> Result<Vec<SubmitOutcome>, StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        let outcomes = conn.transaction(|c| {
            lock(c)?;
            batch
                .iter()
                .map(|new| submit_in(c, new))
                .collect::<Result<Vec<_>, StoreError>>()
        })?;
        if outcomes
            .iter()
            .any(|o| matches!(o, SubmitOutcome::Replaced(_)))
        {
            self.scrub_wal();
        }
        Ok(outcomes)
    }
}

/// The id, status and stored view of the cases of `ids`: by primary key alone, the status
/// checked by the caller. With `status = 'published'` in the query, SQLite's planner took
/// the status index, which every published case matches, and read the whole table for a
/// page of ten hits (`tests::a_page_of_views_is_read_by_primary_key`).
#[diesel::dsl::auto_type]
pub(super) fn rows_by_id<'a>(ids: &'a [&'a str]) -> _ {
    cases::table.filter(cases::id.eq_any(ids)).select((
        cases::id,
        cases::status,
        cases::shared_view,
    ))
}

/// One submission inside a transaction that holds the write lock.
fn submit_in(c: &mut super::DbConnection, new: &NewCase<'_>) -> Result<SubmitOutcome, StoreError> {
    let id = new
        .view
        .id
        .clone()
        .ok_or_else(|| StoreError::Corrupt("a stored shared view needs its id".into()))?;
    let existing: Option<(String, String, Option<String>)> = cases::table
        .filter(cases::org_id.eq(new.org.get()))
        .filter(cases::ref_digest.eq_any(new.ref_digest.lookup_forms()))
        .select((cases::id, cases::status, cases::content_digest))
        .first(c)
        .optional()?;
    let t = now();
    if let Some((existing_id, st, content)) = existing {
        let existing_id = case_id(existing_id)?;
        if !status(&st)?.takes_resubmission() {
            // A case stored before content digests cannot be compared: it is reported as
            // a conflict, never silently taken for the same one.
            return Ok(if content.is_some_and(|c| new.content_digest.matches(&c)) {
                SubmitOutcome::Duplicate(existing_id)
            } else {
                SubmitOutcome::Conflict(existing_id)
            });
        }
        let mut view = new.view.clone();
        view.id = Some(existing_id.clone());
        diesel::update(cases::table.filter(cases::id.eq(existing_id.as_str())))
            .set((
                cases::status.eq(CaseStatus::InReview.as_str()),
                cases::ref_digest.eq(new.ref_digest.as_str()),
                cases::content_digest.eq(new.content_digest.as_str()),
                cases::rule_set_version.eq(&view.redaction.rule_set_version),
                cases::shared_view.eq(view_json(&view)?),
                cases::report.eq(new.report_json),
                cases::return_comment.eq(None::<String>),
                cases::updated_at.eq(t),
            ))
            .execute(c)?;
        diesel::delete(
            manual_redactions::table.filter(manual_redactions::case_id.eq(existing_id.as_str())),
        )
        .execute(c)?;
        super::facts::refresh(c, &existing_id, &view)?;
        diesel::update(
            sealed_originals::table.filter(sealed_originals::case_id.eq(existing_id.as_str())),
        )
        .set(sealed_originals::ciphertext.eq(new.sealed.as_bytes()))
        .execute(c)?;
        append_audit(
            c,
            &AuditEvent::new(
                new.actor,
                AuditAction::Replace,
                Some(existing_id.to_string()),
            ),
        )?;
        if new.publish {
            diesel::update(cases::table.filter(cases::id.eq(existing_id.as_str())))
                .set(cases::status.eq(CaseStatus::Published.as_str()))
                .execute(c)?;
            record_change(c, &existing_id, ChangeOp::Publish)?;
            append_audit(
                c,
                &AuditEvent::new(
                    new.actor,
                    AuditAction::Publish,
                    Some(existing_id.to_string()),
                ),
            )?;
        }
        return Ok(SubmitOutcome::Replaced(existing_id));
    }
    let initial = if new.publish {
        CaseStatus::Published
    } else {
        CaseStatus::InReview
    };
    diesel::insert_into(cases::table)
        .values((
            cases::id.eq(id.as_str()),
            cases::org_id.eq(new.org.get()),
            cases::ref_digest.eq(new.ref_digest.as_str()),
            cases::content_digest.eq(new.content_digest.as_str()),
            cases::status.eq(initial.as_str()),
            cases::rule_set_version.eq(&new.view.redaction.rule_set_version),
            cases::shared_view.eq(view_json(new.view)?),
            cases::report.eq(new.report_json),
            cases::created_at.eq(t),
            cases::updated_at.eq(t),
        ))
        .execute(c)?;
    super::facts::refresh(c, &id, new.view)?;
    diesel::insert_into(sealed_originals::table)
        .values((
            sealed_originals::case_id.eq(id.as_str()),
            sealed_originals::ciphertext.eq(new.sealed.as_bytes()),
        ))
        .execute(c)?;
    append_audit(
        c,
        &AuditEvent::new(new.actor, AuditAction::Submit, Some(id.to_string())),
    )?;
    if new.publish {
        record_change(c, &id, ChangeOp::Publish)?;
        append_audit(
            c,
            &AuditEvent::new(new.actor, AuditAction::Publish, Some(id.to_string())),
        )?;
    }
    Ok(SubmitOutcome::Created(id.clone()))
}

impl Store {
    /// A case that is not withdrawn; a published one with the takeaways of its
    /// discussions.
    pub fn case(&self, id: &CaseId) -> Result<Option<CaseRecord>, StoreError> {
        let mut conn = self.conn()?;
        let mut record = load_case(&mut conn, id)?;
        if let Some(r) = record
            .as_mut()
            .filter(|r| r.status == CaseStatus::Published)
        {
            super::discussions::attach_takeaways(&mut conn, std::slice::from_mut(&mut r.view))?;
        }
        Ok(record)
    }

    /// Cases by filter, in the filter's order (withdrawn cases never).
    pub fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseSummary>, StoreError> {
        let mut conn = self.conn()?;
        let mut query = cases::table
            .filter(cases::status.ne(CaseStatus::Withdrawn.as_str()))
            .select((
                cases::id,
                cases::status,
                cases::rule_set_version,
                cases::shared_view,
                cases::created_at,
                cases::updated_at,
            ))
            .limit(filter.limit.clamp(1, 1000))
            .offset(filter.offset.max(0))
            .into_boxed();
        query = match filter.order {
            CaseOrder::NewestFirst => query.order((cases::created_at.desc(), cases::id.asc())),
            CaseOrder::OldestFirst => query.order((cases::created_at.asc(), cases::id.asc())),
        };
        if let Some(org) = filter.org {
            query = query.filter(cases::org_id.eq(org.get()));
        }
        if let Some(st) = filter.status {
            query = query.filter(cases::status.eq(st.as_str()));
        }
        if let Some(d) = &filter.ref_digest {
            query = query.filter(cases::ref_digest.eq_any(d.lookup_forms()));
        }
        let rows: Vec<(String, String, String, String, NaiveDateTime, NaiveDateTime)> =
            query.load(&mut *conn)?;
        rows.into_iter()
            .map(|(id, st, rule_set_version, view, created_at, updated_at)| {
                let view = parse_view(&view)?;
                Ok(CaseSummary {
                    id: case_id(id)?,
                    status: status(&st)?,
                    rule_set_version,
                    year: view.event.year,
                    category: view.event.category,
                    harm: view.event.harm,
                    created_at,
                    updated_at,
                })
            })
            .collect()
    }

    /// Moves a case from one of `from` to `to`, with its audit entry, and for a
    /// publication its change-log row, in one transaction.
    pub fn transition(
        &self,
        id: &CaseId,
        from: &[CaseStatus],
        to: CaseStatus,
        comment: Option<&str>,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            lock(c)?;
            let current = load_case(c, id)?.ok_or(StoreError::NotFound)?;
            if !from.contains(&current.status) || !current.status.may_become(to) {
                return Err(StoreError::InvalidTransition {
                    from: current.status.as_str(),
                    to: to.as_str(),
                });
            }
            diesel::update(cases::table.filter(cases::id.eq(id.as_str())))
                .set((
                    cases::status.eq(to.as_str()),
                    cases::return_comment.eq(comment),
                    cases::updated_at.eq(now()),
                ))
                .execute(c)?;
            if to == CaseStatus::Published {
                record_change(c, id, ChangeOp::Publish)?;
            }
            append_audit(c, event)
        })
    }

    /// Applies a curator's manual redaction to every occurrence in a case under review;
    /// records field, placeholder and count (never the text) and audits it. Returns how
    /// many occurrences were replaced.
    pub fn add_manual_redaction(
        &self,
        id: &CaseId,
        field: crate::case::FieldSelector,
        text: &str,
        placeholder: &str,
        by: UserId,
        event: &AuditEvent,
    ) -> Result<usize, StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            lock(c)?;
            let mut current = load_case(c, id)?.ok_or(StoreError::NotFound)?;
            if !current.status.takes_manual_redaction() {
                return Err(StoreError::InvalidTransition {
                    from: current.status.as_str(),
                    to: "redacted by hand",
                });
            }
            // The curator saw it in that field: if it is not there, the redaction would
            // do nothing, or something other than what was meant.
            if !current.view.field_mentions(field, text) {
                return Err(StoreError::NotInField);
            }
            let replaced = current.view.replace_everywhere(text, placeholder);
            current.view.redaction.manual += 1;
            diesel::update(cases::table.filter(cases::id.eq(id.as_str())))
                .set((
                    cases::shared_view.eq(view_json(&current.view)?),
                    cases::updated_at.eq(now()),
                ))
                .execute(c)?;
            diesel::insert_into(manual_redactions::table)
                .values((
                    manual_redactions::case_id.eq(id.as_str()),
                    manual_redactions::field.eq(field.path()),
                    manual_redactions::placeholder.eq(placeholder),
                    manual_redactions::replaced.eq(i32::try_from(replaced).unwrap_or(i32::MAX)),
                    manual_redactions::created_by.eq(by.get()),
                    manual_redactions::created_at.eq(now()),
                ))
                .execute(c)?;
            append_audit(c, event)?;
            Ok(replaced)
        })
        .inspect(|_| self.scrub_wal())
    }

    /// Replaces a case's shared view with one the current pipeline made from its original
    /// (`safetable reredact`), with its audit entry, in one transaction. A published case
    /// whose new view found an identifier the old one missed goes back to review and out of
    /// the indexes; another published case is indexed again. Returns the status after.
    pub fn replace_view(
        &self,
        id: &CaseId,
        view: &SharedView,
        report_json: &str,
        back_to_review: bool,
        event: &AuditEvent,
    ) -> Result<CaseStatus, StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            lock(c)?;
            let current = load_case(c, id)?.ok_or(StoreError::NotFound)?;
            let status = if back_to_review && current.status == CaseStatus::Published {
                CaseStatus::InReview
            } else {
                current.status
            };
            diesel::update(cases::table.filter(cases::id.eq(id.as_str())))
                .set((
                    cases::shared_view.eq(view_json(view)?),
                    cases::report.eq(report_json),
                    cases::rule_set_version.eq(&view.redaction.rule_set_version),
                    cases::status.eq(status.as_str()),
                    cases::updated_at.eq(now()),
                ))
                .execute(c)?;
            super::facts::refresh(c, id, view)?;
            match (current.status, status) {
                (CaseStatus::Published, CaseStatus::InReview) => {
                    record_change(c, id, ChangeOp::Withdraw)?
                }
                (CaseStatus::Published, CaseStatus::Published) => {
                    record_change(c, id, ChangeOp::Publish)?
                }
                _ => {}
            }
            append_audit(c, event)?;
            Ok(status)
        })
        .inspect(|_| self.scrub_wal())
    }

    /// Withdraws a case: destroys its ciphertext and shared view (the row stays as a
    /// tombstone with no content), frees its number, removes it from the indexes through
    /// the change log, audited, in one transaction.
    pub fn withdraw(&self, id: &CaseId, event: &AuditEvent) -> Result<(), StoreError> {
        let _writing = self.write_guard();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            lock(c)?;
            let current = load_case(c, id)?.ok_or(StoreError::NotFound)?;
            // Checked again under the write lock: the caller's check may be stale.
            if !current.status.may_become(CaseStatus::Withdrawn) {
                return Err(StoreError::InvalidTransition {
                    from: current.status.as_str(),
                    to: CaseStatus::Withdrawn.as_str(),
                });
            }
            diesel::delete(
                sealed_originals::table.filter(sealed_originals::case_id.eq(id.as_str())),
            )
            .execute(c)?;
            diesel::delete(
                manual_redactions::table.filter(manual_redactions::case_id.eq(id.as_str())),
            )
            .execute(c)?;
            super::facts::remove(c, id)?;
            super::discussions::withdraw_case(c, id)?;
            diesel::update(cases::table.filter(cases::id.eq(id.as_str())))
                .set((
                    cases::status.eq(CaseStatus::Withdrawn.as_str()),
                    cases::shared_view.eq(""),
                    cases::report.eq(""),
                    cases::return_comment.eq(None::<String>),
                    cases::ref_digest.eq(format!("withdrawn:{id}")),
                    cases::content_digest.eq(None::<String>),
                    cases::updated_at.eq(now()),
                ))
                .execute(c)?;
            if current.status == CaseStatus::Published {
                record_change(c, id, ChangeOp::Withdraw)?;
            }
            append_audit(c, event)
        })
        .inspect(|_| self.scrub_wal())
    }

    /// The ciphertext of a case's original.
    pub fn sealed_original(&self, id: &CaseId) -> Result<Option<SealedOriginal>, StoreError> {
        let mut conn = self.conn()?;
        let bytes: Option<Vec<u8>> = sealed_originals::table
            .filter(sealed_originals::case_id.eq(id.as_str()))
            .select(sealed_originals::ciphertext)
            .first(&mut *conn)
            .optional()?;
        Ok(bytes.map(SealedOriginal::from_bytes))
    }

    /// Change-log rows after `seq`, oldest first.
    pub fn changes_since(&self, seq: i64, limit: i64) -> Result<Vec<IndexChangeRow>, StoreError> {
        let mut conn = self.conn()?;
        let rows: Vec<(i64, String, String)> = index_changes::table
            .filter(index_changes::seq.gt(seq))
            .order(index_changes::seq.asc())
            .limit(limit)
            .select((
                index_changes::seq,
                index_changes::case_id,
                index_changes::op,
            ))
            .load(&mut *conn)?;
        rows.into_iter()
            .map(|(seq, id, op)| {
                let op = match op.as_str() {
                    "publish" => ChangeOp::Publish,
                    "withdraw" => ChangeOp::Withdraw,
                    _ => return Err(StoreError::Corrupt("unknown change-log operation".into())),
                };
                Ok(IndexChangeRow {
                    seq,
                    case_id: case_id(id)?,
                    op,
                })
            })
            .collect()
    }

    /// The newest change-log sequence (0 when empty).
    pub fn last_change_seq(&self) -> Result<i64, StoreError> {
        let mut conn = self.conn()?;
        let seq: Option<i64> = index_changes::table
            .select(diesel::dsl::max(index_changes::seq))
            .first(&mut *conn)?;
        Ok(seq.unwrap_or(0))
    }

    /// The shared views of those of `ids` that are published now, in no particular order
    /// (one query: a page of search hits, a batch of the change log).
    pub fn published_views(&self, ids: &[CaseId]) -> Result<Vec<SharedView>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn()?;
        let ids: Vec<&str> = ids.iter().map(CaseId::as_str).collect();
        let rows: Vec<(String, String, String)> = rows_by_id(&ids).load(&mut *conn)?;
        let published = CaseStatus::Published.as_str();
        let mut views = rows
            .iter()
            .filter(|(_, status, _)| status == published)
            .map(|(_, _, v)| parse_view(v))
            .collect::<Result<Vec<_>, _>>()?;
        super::discussions::attach_takeaways(&mut conn, &mut views)?;
        Ok(views)
    }

    /// [`Store::published_views`] as the store holds them, unparsed: for each of `ids`
    /// published now, its id, the stored view's JSON and the takeaways of discussions
    /// joined to it (a search page parses only the views it has not shown before).
    pub fn published_view_texts(&self, ids: &[CaseId]) -> Result<Vec<PublishedText>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn()?;
        let ids: Vec<&str> = ids.iter().map(CaseId::as_str).collect();
        let rows: Vec<(String, String, String)> = rows_by_id(&ids).load(&mut *conn)?;
        let published = CaseStatus::Published.as_str();
        let rows: Vec<(String, String)> = rows
            .into_iter()
            .filter(|(_, status, _)| status == published)
            .map(|(id, _, view)| (id, view))
            .collect();
        let refs: Vec<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
        let mut takeaways = super::discussions::takeaways_of(&mut conn, &refs)?;
        rows.into_iter()
            .map(|(id, view)| {
                let takeaways = takeaways.remove(&id).unwrap_or_default();
                let id = CaseId::try_from(id)
                    .map_err(|_| StoreError::Corrupt("a case id in the store".into()))?;
                Ok(PublishedText {
                    id,
                    view,
                    takeaways,
                })
            })
            .collect()
    }

    /// Published shared views in id order after `after`, for a rebuild.
    pub fn published_page(
        &self,
        after: Option<&CaseId>,
        limit: i64,
    ) -> Result<Vec<SharedView>, StoreError> {
        let mut conn = self.conn()?;
        let mut query = cases::table
            .filter(cases::status.eq(CaseStatus::Published.as_str()))
            .order(cases::id.asc())
            .limit(limit)
            .select(cases::shared_view)
            .into_boxed();
        if let Some(after) = after {
            query = query.filter(cases::id.gt(after.as_str().to_owned()));
        }
        let rows: Vec<String> = query.load(&mut *conn)?;
        let mut views = rows
            .iter()
            .map(|v| parse_view(v))
            .collect::<Result<Vec<_>, _>>()?;
        super::discussions::attach_takeaways(&mut conn, &mut views)?;
        Ok(views)
    }

    /// How many cases are published.
    pub fn published_count(&self) -> Result<i64, StoreError> {
        let mut conn = self.conn()?;
        Ok(cases::table
            .filter(cases::status.eq(CaseStatus::Published.as_str()))
            .count()
            .get_result(&mut *conn)?)
    }
}
