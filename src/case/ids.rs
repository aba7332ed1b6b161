//! Identifier newtypes. A [`CaseId`] cannot be passed where an [`OrgId`] is expected.

use serde::{Deserialize, Serialize};

/// The repository's own id of a case: 128 random bits as 32 hex digits, never derived
/// from anything the organization submitted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseId(String);

impl CaseId {
    /// A fresh random id.
    pub fn random() -> Self {
        let mut bytes = [0u8; 16];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
            .expect("the operating system's random source is available");
        CaseId(hex::encode(bytes))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CaseId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.len() == 32
            && value
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            Ok(CaseId(value))
        } else {
            Err("a case id is 32 lower-case hexadecimal digits".into())
        }
    }
}

impl std::str::FromStr for CaseId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CaseId::try_from(s.to_owned())
    }
}

impl From<CaseId> for String {
    fn from(id: CaseId) -> String {
        id.0
    }
}

impl std::fmt::Display for CaseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! int_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a database key.
            pub fn new(raw: i64) -> Self {
                $name(raw)
            }
            /// The database key.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

int_id!(
    /// A member organization.
    OrgId
);
int_id!(
    /// A user account.
    UserId
);
int_id!(
    /// A safe-table discussion.
    DiscussionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_case_ids_are_distinct_and_valid() {
        let a = CaseId::random();
        let b = CaseId::random();
        assert_ne!(a, b);
        assert_eq!(CaseId::try_from(a.as_str().to_owned()), Ok(a));
        assert!("../../etc/passwd".parse::<CaseId>().is_err());
    }
}
