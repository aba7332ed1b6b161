//! The structured fields of one contributed case that the measures count: no free text,
//! no calendar date of the event, only its year, day offsets and closed vocabularies.

use chrono::NaiveDateTime;

use crate::case::{
    ActionStatus, ActionStrength, Apology, Category, Compensation, Harm, OrgId, ReviewMethod,
    Setting, SharedView, StandardOfCare,
};

/// Improvement actions of one case, counted by RCA² strength and by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActionCounts {
    /// By [`ActionStrength::ALL`] order: stronger, intermediate, weaker.
    pub by_strength: [u32; 3],
    /// By [`ActionStatus::ALL`] order: planned, in progress, implemented, verified.
    pub by_status: [u32; 4],
}

/// What the measures know of one contributed, non-withdrawn case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFacts {
    pub org: OrgId,
    /// When the repository received the case (UTC); the quarter of contribution.
    pub received_at: NaiveDateTime,
    /// The event's year (the shared view's year).
    pub event_year: i32,
    pub category: Category,
    pub harm: Harm,
    pub setting: Setting,
    /// Days from the event to the first communication with the patient or family.
    pub first_contact_day: Option<i64>,
    pub apology: Option<Apology>,
    pub clinician_support: Option<bool>,
    pub loop_closed: Option<bool>,
    /// Days from the event to closing the loop with the family.
    pub loop_closed_day: Option<i64>,
    pub standard_of_care: Option<StandardOfCare>,
    pub compensation: Option<Compensation>,
    pub review_method: Option<ReviewMethod>,
    /// Days from the event to the case's closure.
    pub closed_day: i64,
    pub actions: ActionCounts,
}

/// Index of a strength in [`ActionStrength::ALL`].
pub fn strength_index(s: ActionStrength) -> usize {
    match s {
        ActionStrength::Stronger => 0,
        ActionStrength::Intermediate => 1,
        ActionStrength::Weaker => 2,
    }
}

/// Index of a status in [`ActionStatus::ALL`].
pub fn status_index(s: ActionStatus) -> usize {
    match s {
        ActionStatus::Planned => 0,
        ActionStatus::InProgress => 1,
        ActionStatus::Implemented => 2,
        ActionStatus::Verified => 3,
    }
}

impl CaseFacts {
    /// The facts of a stored shared view.
    pub fn from_view(org: OrgId, received_at: NaiveDateTime, view: &SharedView) -> Self {
        let mut actions = ActionCounts::default();
        for a in &view.improvement_actions {
            actions.by_strength[strength_index(a.strength)] += 1;
            actions.by_status[status_index(a.status)] += 1;
        }
        CaseFacts {
            org,
            received_at,
            event_year: view.event.year,
            category: view.event.category,
            harm: view.event.harm,
            setting: view.event.setting,
            first_contact_day: view.timeline.first_contact_day,
            apology: view.communication.as_ref().and_then(|c| c.apology),
            clinician_support: view
                .resolution
                .as_ref()
                .and_then(|r| r.clinician_support_offered),
            loop_closed: view
                .resolution
                .as_ref()
                .and_then(|r| r.loop_closed_with_family),
            loop_closed_day: view.timeline.loop_closed_day,
            standard_of_care: view.review.as_ref().and_then(|r| r.standard_of_care_met),
            compensation: view.resolution.as_ref().and_then(|r| r.compensation),
            review_method: view.review.as_ref().and_then(|r| r.method),
            closed_day: view.timeline.closed_day,
            actions,
        }
    }
}
