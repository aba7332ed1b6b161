//! A closed CRP case as a member organization submits it (`spec/case.schema.json`), with
//! all identifiers still in it. Deserialization refuses unknown fields and values outside
//! the vocabularies; [`super::parse_case`] adds the length and range checks of the schema.
//!
//! This type has no `Debug`: a submitted case is full of identifiers and must never end up
//! in a log line by accident.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::vocab::*;

/// One closed Communication-and-Resolution-Program case, as submitted.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmittedCase {
    /// Always `"1"`.
    pub schema_version: String,
    /// The organization's own case number (identifying).
    pub external_ref: String,
    /// When the CRP case was closed.
    pub closed_on: NaiveDate,
    /// What happened.
    pub event: Event,
    /// Who was harmed.
    pub patient: Patient,
    /// Everyone named other than the patient.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<Person>,
    /// The contributing facility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility: Option<Facility>,
    /// Communication with patient and family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication: Option<Communication>,
    /// Event review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
    /// Resolution with the family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// What the organization learned.
    pub lessons_learned: String,
    /// What it changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub improvement_actions: Vec<ImprovementAction>,
}

/// The event itself.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub occurred_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovered_on: Option<NaiveDate>,
    pub category: Category,
    pub harm: Harm,
    pub setting: Setting,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub summary: String,
}

/// The patient's identifiers and demographics.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patient {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_years: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurance_id: Option<String>,
}

/// A postal address.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
}

/// Someone named in the case other than the patient.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub name: String,
    /// e.g. `RN`, `attending physician`, `daughter`, `reporter`. Shareable.
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// The contributing facility.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facility {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// Communication with the patient and family.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Communication {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_contact_at: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosed_by_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apology: Option<Apology>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// The event review.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<ReviewMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_of_care_met: Option<StandardOfCare>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contributing_factors: Vec<ContributingFactor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<String>,
}

/// Resolution with the patient and family.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_closed_with_family: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_closed_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation: Option<Compensation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clinician_support_offered: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// One improvement action (RCA² strength and status).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImprovementAction {
    pub description: String,
    pub strength: ActionStrength,
    pub status: ActionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
}
