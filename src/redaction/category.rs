//! The categories of identifiers the pipeline removes.

use std::fmt;
use std::str::FromStr;

/// A category of identifier; its name is the key of the report's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Name,
    Date,
    AgeOver89,
    Phone,
    Email,
    Address,
    Location,
    Id,
    Url,
    Ip,
    Facility,
    Unit,
}

impl Category {
    /// All categories, in report order.
    pub const ALL: [Category; 12] = [
        Category::Name,
        Category::Date,
        Category::AgeOver89,
        Category::Phone,
        Category::Email,
        Category::Address,
        Category::Location,
        Category::Id,
        Category::Url,
        Category::Ip,
        Category::Facility,
        Category::Unit,
    ];

    /// The name used in rule files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Name => "NAME",
            Category::Date => "DATE",
            Category::AgeOver89 => "AGE_OVER_89",
            Category::Phone => "PHONE",
            Category::Email => "EMAIL",
            Category::Address => "ADDRESS",
            Category::Location => "LOCATION",
            Category::Id => "ID",
            Category::Url => "URL",
            Category::Ip => "IP",
            Category::Facility => "FACILITY",
            Category::Unit => "UNIT",
        }
    }

    /// The placeholder for a span of this category when no more specific one applies.
    pub fn placeholder(self) -> &'static str {
        match self {
            Category::Name => "[PERSON]",
            Category::Date => "[DATE]",
            Category::AgeOver89 => "[90+]",
            Category::Phone => "[PHONE]",
            Category::Email => "[EMAIL]",
            Category::Address | Category::Location => "[LOCATION]",
            Category::Id => "[ID]",
            Category::Url => "[URL]",
            Category::Ip => "[IP]",
            Category::Facility => "[FACILITY]",
            Category::Unit => "[UNIT]",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_names_round_trip() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>(), Ok(c));
        }
        assert!("name".parse::<Category>().is_err());
    }
}
