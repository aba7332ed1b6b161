//! The case model: what a member organization submits ([`SubmittedCase`], the contract in
//! `spec/case.schema.json`), what a peer may see of it ([`SharedView`], the contract in
//! `spec/SHARED-VIEW.md`), and the typed vocabulary both share.

mod fields;
mod ids;
mod schema;
mod shared;
mod status;
mod submitted;
mod validate;
mod vocab;

pub use fields::{FieldSelector, IndexField, TextField};
pub use ids::{CaseId, DiscussionId, OrgId, UserId};
pub use schema::{json_schema, MAX_ACTIONS, MAX_ERRORS, MAX_PEOPLE, MAX_SHORT_CHARS};
pub use shared::{
    AgeBand, RedactionFlag, RedactionSummary, SharedAction, SharedCommunication, SharedEvent,
    SharedPatient, SharedResolution, SharedReview, SharedView, Timeline,
};
pub use status::{CaseStatus, ReturnComment};
pub use submitted::{
    Address, Communication, Event, Facility, ImprovementAction, Patient, Person, Resolution,
    Review, SubmittedCase,
};
pub use validate::{check_plain_json, parse_case, FieldError, ParseError, MAX_BODY_BYTES};
pub use vocab::{
    ActionStatus, ActionStrength, Apology, Category, Compensation, ContributingFactor, Harm,
    ReviewMethod, Setting, Sex, StandardOfCare,
};
