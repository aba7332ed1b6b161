//! The workflow status of a stored case.

use serde::{Deserialize, Serialize};

/// `in_review` → `published` | `returned`; `returned` → `in_review` on resubmission;
/// any → `withdrawn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    InReview,
    Published,
    Returned,
    Withdrawn,
}

impl CaseStatus {
    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::InReview => "in_review",
            CaseStatus::Published => "published",
            CaseStatus::Returned => "returned",
            CaseStatus::Withdrawn => "withdrawn",
        }
    }

    /// Parses the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "in_review" => Some(CaseStatus::InReview),
            "published" => Some(CaseStatus::Published),
            "returned" => Some(CaseStatus::Returned),
            "withdrawn" => Some(CaseStatus::Withdrawn),
            _ => None,
        }
    }
}

impl std::fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
