//! The shared view: the only form in which a case leaves the redaction pipeline
//! (`spec/SHARED-VIEW.md`). Every free-text field in it has been redacted; it holds no
//! calendar date, no name, no organization.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::vocab::*;
use super::CaseId;

/// What a peer may see of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SharedView {
    /// The repository's own id; absent in the output of the pure pipeline (`safetable
    /// redact`), set when the case is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub id: Option<CaseId>,
    pub event: SharedEvent,
    pub patient: SharedPatient,
    pub timeline: Timeline,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication: Option<SharedCommunication>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<SharedReview>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<SharedResolution>,
    pub lessons_learned: String,
    #[serde(default)]
    pub improvement_actions: Vec<SharedAction>,
    /// The roles of the people involved, e.g. `["RN", "pharmacist"]`.
    #[serde(default)]
    pub roles: Vec<String>,
    pub redaction: RedactionSummary,
    /// What safe-table discussions of the case concluded, one entry per discussion, as
    /// their facilitators recorded them (redacted by the pipeline). Kept apart from the
    /// stored view and joined to it when a published case is read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub safe_table_takeaways: Vec<String>,
}

impl SharedView {
    /// Replaces every occurrence of `text` (case-insensitive, whole words) in every
    /// free-text field by `placeholder`; returns how many were replaced. Used for a
    /// curator's manual redaction, which must reach every place the pipeline missed.
    pub fn replace_everywhere(&mut self, text: &str, placeholder: &str) -> usize {
        let Some(re) = Self::manual_matcher(text) else {
            return 0;
        };
        let mut total = 0;
        for name in self.present_fields() {
            let Some(field) = self.text_mut(name) else {
                continue;
            };
            let (text, n) = replace_outside_placeholders(field, &re, placeholder);
            if n > 0 {
                *field = text;
                total += n;
            }
        }
        total
    }

    /// Whether `text` occurs (as [`Self::replace_everywhere`] finds it) in a free-text
    /// field that `field` selects.
    pub fn field_mentions(&self, field: super::FieldSelector, text: &str) -> bool {
        let Some(re) = Self::manual_matcher(text) else {
            return false;
        };
        self.text_fields().into_iter().any(|(name, value)| {
            field.selects(name) && replace_outside_placeholders(value, &re, "").1 > 0
        })
    }

    fn manual_matcher(text: &str) -> Option<regex::Regex> {
        let needle = text.trim();
        if needle.is_empty() {
            return None;
        }
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let pattern = format!(
            "(?i){}{}{}",
            if word(needle.chars().next()) {
                r"\b"
            } else {
                ""
            },
            regex::escape(needle),
            if word(needle.chars().last()) {
                r"\b"
            } else {
                ""
            },
        );
        regex::Regex::new(&pattern).ok()
    }
}

/// `text` with every match of `re` that is not inside a placeholder (`[RN-A]`,
/// `[DAY +3]`) replaced by `placeholder`, and how many were replaced: a manual redaction of
/// `RN` must not turn `[RN-A]` into `[[RN]-A]`.
fn replace_outside_placeholders(
    text: &str,
    re: &regex::Regex,
    placeholder: &str,
) -> (String, usize) {
    static PLACEHOLDER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\[[A-Z0-9][A-Z0-9 +\-]{0,38}\]").expect("placeholder pattern")
    });
    let taken: Vec<std::ops::Range<usize>> =
        PLACEHOLDER.find_iter(text).map(|m| m.range()).collect();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut n = 0;
    for m in re.find_iter(text) {
        if taken.iter().any(|t| m.start() < t.end && t.start < m.end()) {
            continue;
        }
        out.push_str(&text[last..m.start()]);
        out.push_str(placeholder);
        last = m.end();
        n += 1;
    }
    out.push_str(&text[last..]);
    (out, n)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SharedEvent {
    /// The year of `occurred_on` alone.
    pub year: i32,
    pub category: Category,
    pub harm: Harm,
    pub setting: Setting,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SharedPatient {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_band: Option<AgeBand>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
}

/// HIPAA-safe age band: 0-17, 18-29, ten-year bands to 80-89, then 90+.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum AgeBand {
    #[serde(rename = "0-17")]
    #[schema(rename = "0-17")]
    Under18,
    #[serde(rename = "18-29")]
    #[schema(rename = "18-29")]
    From18To29,
    #[serde(rename = "30-39")]
    #[schema(rename = "30-39")]
    Thirties,
    #[serde(rename = "40-49")]
    #[schema(rename = "40-49")]
    Forties,
    #[serde(rename = "50-59")]
    #[schema(rename = "50-59")]
    Fifties,
    #[serde(rename = "60-69")]
    #[schema(rename = "60-69")]
    Sixties,
    #[serde(rename = "70-79")]
    #[schema(rename = "70-79")]
    Seventies,
    #[serde(rename = "80-89")]
    #[schema(rename = "80-89")]
    Eighties,
    #[serde(rename = "90+")]
    #[schema(rename = "90+")]
    NinetyPlus,
}

impl AgeBand {
    /// Every band, youngest first.
    pub const ALL: &'static [AgeBand] = &[
        AgeBand::Under18,
        AgeBand::From18To29,
        AgeBand::Thirties,
        AgeBand::Forties,
        AgeBand::Fifties,
        AgeBand::Sixties,
        AgeBand::Seventies,
        AgeBand::Eighties,
        AgeBand::NinetyPlus,
    ];

    /// The band of an age in whole years.
    pub fn from_years(years: u32) -> Self {
        match years {
            0..=17 => AgeBand::Under18,
            18..=29 => AgeBand::From18To29,
            30..=39 => AgeBand::Thirties,
            40..=49 => AgeBand::Forties,
            50..=59 => AgeBand::Fifties,
            60..=69 => AgeBand::Sixties,
            70..=79 => AgeBand::Seventies,
            80..=89 => AgeBand::Eighties,
            _ => AgeBand::NinetyPlus,
        }
    }

    /// The band as written in the shared view.
    pub fn as_str(self) -> &'static str {
        match self {
            AgeBand::Under18 => "0-17",
            AgeBand::From18To29 => "18-29",
            AgeBand::Thirties => "30-39",
            AgeBand::Forties => "40-49",
            AgeBand::Fifties => "50-59",
            AgeBand::Sixties => "60-69",
            AgeBand::Seventies => "70-79",
            AgeBand::Eighties => "80-89",
            AgeBand::NinetyPlus => "90+",
        }
    }

    /// Parses the shared-view spelling.
    pub fn parse(text: &str) -> Option<Self> {
        AgeBand::ALL.iter().copied().find(|b| b.as_str() == text)
    }
}

/// Whole days relative to `event.occurred_on` (day 0).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Timeline {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovered_day: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_contact_day: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_closed_day: Option<i64>,
    pub closed_day: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SharedCommunication {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosed_by_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apology: Option<Apology>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SharedReview {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<ReviewMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_of_care_met: Option<StandardOfCare>,
    #[serde(default)]
    pub contributing_factors: Vec<ContributingFactor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SharedResolution {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_closed_with_family: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation: Option<Compensation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clinician_support_offered: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SharedAction {
    pub description: String,
    pub strength: ActionStrength,
    pub status: ActionStatus,
    /// `due_on` as whole days relative to the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_day: Option<i64>,
}

/// What the pipeline did: counts by category and the rule-set version; never a removed
/// value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RedactionSummary {
    /// Version of the rule set that produced this view (`redaction-rules/`).
    pub rule_set_version: String,
    /// Version of the pipeline's code that produced this view (its stages and their order);
    /// empty in views made before it was recorded.
    #[serde(default)]
    pub pipeline_version: String,
    /// Number of spans replaced, by category (`NAME`, `DATE`, `PHONE`, …).
    pub counts: BTreeMap<String, u32>,
    /// Manual redactions a curator added after the pipeline ran.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub manual: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A span the pipeline kept but a curator should look at (e.g. a capitalized word found in
/// neither the name dictionaries nor the clinical vocabulary). Offsets are byte offsets
/// into the named field of the shared view; the flag never carries the text itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RedactionFlag {
    /// JSON path of the field in the shared view, e.g. `event.summary`.
    pub field: String,
    pub start: usize,
    pub end: usize,
    /// Why it was flagged, e.g. `capitalized-unknown-word`.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view_with(summary: &str, lessons: &str) -> SharedView {
        SharedView {
            id: None,
            event: SharedEvent {
                year: 2024,
                category: Category::Fall,
                harm: Harm::Mild,
                setting: Setting::Inpatient,
                service: None,
                summary: summary.into(),
            },
            patient: SharedPatient {
                age_band: None,
                sex: None,
            },
            timeline: Timeline::default(),
            communication: None,
            review: None,
            resolution: None,
            lessons_learned: lessons.into(),
            improvement_actions: vec![],
            roles: vec![],
            redaction: RedactionSummary::default(),
            safe_table_takeaways: vec![],
        }
    }

    fn sel(path: &str) -> crate::case::FieldSelector {
        crate::case::FieldSelector::parse(path).unwrap()
    }

    #[test]
    fn manual_redaction_never_rewrites_inside_a_placeholder() {
        let mut v = view_with("[RN-A] and the RN on [DAY +3].", "RN-A was there.");
        v.roles = vec!["RN".into(), "charge RN".into()];
        assert!(!v.field_mentions(sel("event.summary"), "DAY"));
        assert_eq!(v.replace_everywhere("RN", "[ROLE]"), 4);
        assert_eq!(v.event.summary, "[RN-A] and the [ROLE] on [DAY +3].");
        assert_eq!(v.lessons_learned, "[ROLE]-A was there.");
        assert_eq!(v.roles, vec!["[ROLE]", "charge [ROLE]"]);
    }

    #[test]
    fn manual_redaction_reaches_every_field_and_whole_words_only() {
        let mut v = view_with(
            "Seen by Bo at Oakview; Oakview's unit.",
            "oakview staff. Bob left.",
        );
        assert_eq!(v.replace_everywhere("Oakview", "[FACILITY]"), 3);
        assert_eq!(
            v.event.summary,
            "Seen by Bo at [FACILITY]; [FACILITY]'s unit."
        );
        assert_eq!(v.lessons_learned, "[FACILITY] staff. Bob left.");
        assert_eq!(v.replace_everywhere("Bo", "[RN-A]"), 1);
        assert!(v.lessons_learned.contains("Bob"));
        assert_eq!(v.replace_everywhere("  ", "[X]"), 0);
        assert!(v.field_mentions(sel("lessons_learned"), "bob"));
        assert!(!v.field_mentions(sel("event.summary"), "Bob"));
        assert!(!v.field_mentions(sel("lessons_learned"), "  "));
    }

    #[test]
    fn age_bands_follow_safe_harbor() {
        assert_eq!(AgeBand::from_years(0), AgeBand::Under18);
        assert_eq!(AgeBand::from_years(17), AgeBand::Under18);
        assert_eq!(AgeBand::from_years(18), AgeBand::From18To29);
        assert_eq!(AgeBand::from_years(89), AgeBand::Eighties);
        assert_eq!(AgeBand::from_years(90), AgeBand::NinetyPlus);
        assert_eq!(AgeBand::from_years(130), AgeBand::NinetyPlus);
        for b in AgeBand::ALL {
            let json = serde_json::to_string(b).unwrap();
            assert_eq!(json, format!("\"{}\"", b.as_str()));
            assert_eq!(AgeBand::parse(b.as_str()), Some(*b));
        }
    }
}
