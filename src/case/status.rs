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
    /// Every status.
    pub const ALL: [CaseStatus; 4] = [
        CaseStatus::InReview,
        CaseStatus::Published,
        CaseStatus::Returned,
        CaseStatus::Withdrawn,
    ];

    /// The transition graph, the one place it is written:
    /// - `in_review` → `published` (a curator publishes) or `returned` (a curator returns
    ///   it to its organization);
    /// - `returned` → `in_review` (its organization sends it again);
    /// - `published` → `in_review` (re-redaction found an identifier the old view missed);
    /// - any but `withdrawn` → `withdrawn`, which is final.
    pub fn may_become(self, to: CaseStatus) -> bool {
        use CaseStatus::*;
        matches!(
            (self, to),
            (InReview, Published)
                | (InReview, Returned)
                | (Returned, InReview)
                | (Published, InReview)
                | (InReview | Published | Returned, Withdrawn)
        )
    }

    /// Whether a submission with this case's reference replaces it (and sends it back to
    /// review): only a case returned to its organization is sent again; any other is a
    /// duplicate or a conflict.
    pub fn takes_resubmission(self) -> bool {
        self == CaseStatus::Returned && self.may_become(CaseStatus::InReview)
    }

    /// Whether a curator may still change the shared view by hand: only under review.
    pub fn takes_manual_redaction(self) -> bool {
        self == CaseStatus::InReview
    }

    /// The statuses from which a case may become `to`.
    pub fn sources_of(to: CaseStatus) -> Vec<CaseStatus> {
        CaseStatus::ALL
            .into_iter()
            .filter(|s| s.may_become(to))
            .collect()
    }

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

/// Why a curator returns a case to its organization: required, 1 to 10,000 characters.
#[derive(Clone, PartialEq, Eq)]
pub struct ReturnComment(String);

impl ReturnComment {
    /// The longest comment.
    pub const MAX_CHARS: usize = 10_000;

    /// A comment, or what is wrong with it (never quoting it).
    pub fn parse(raw: Option<&str>) -> Result<Self, super::FieldError> {
        let problem = match raw.map(str::trim) {
            None | Some("") => {
                "a comment is required: say why the case goes back to its organization"
            }
            Some(c) if c.chars().count() > Self::MAX_CHARS => {
                "must not be longer than 10000 characters"
            }
            Some(c) if c.contains('\0') => "must not contain NUL characters",
            Some(_) => return Ok(ReturnComment(raw.unwrap_or_default().to_owned())),
        };
        Err(super::FieldError {
            path: "comment".into(),
            problem: problem.into(),
        })
    }

    /// The comment as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod transition_tests {
    use super::CaseStatus::{self, *};

    #[test]
    fn the_graph_allows_what_the_workflow_does_and_nothing_else() {
        assert_eq!(CaseStatus::sources_of(Published), vec![InReview]);
        assert_eq!(CaseStatus::sources_of(Returned), vec![InReview]);
        assert_eq!(
            CaseStatus::sources_of(Withdrawn),
            vec![InReview, Published, Returned]
        );
        for to in CaseStatus::ALL {
            assert!(!Withdrawn.may_become(to), "withdrawn is final");
            assert!(!to.may_become(to), "{to} to itself");
        }
        assert!(!Returned.may_become(Published));
    }
}

#[cfg(test)]
mod return_comment_tests {
    use super::ReturnComment;

    #[test]
    fn a_comment_is_required_and_bounded() {
        for missing in [None, Some(""), Some("  \n")] {
            let e = ReturnComment::parse(missing).err().unwrap();
            assert_eq!(e.path, "comment");
            assert!(e.problem.contains("a comment is required"), "{}", e.problem);
        }
        let long = "x".repeat(10_001);
        assert!(ReturnComment::parse(Some(&long)).is_err());
        assert_eq!(
            ReturnComment::parse(Some("Remove the unit."))
                .unwrap()
                .as_str(),
            "Remove the unit."
        );
    }
}
