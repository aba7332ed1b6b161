//! What a measures request asks: the period (quarters of contribution, event years) and
//! the category, harm and setting filters; parsed from query parameters into types.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::case::{Category, Harm, Setting};
use crate::store::FactsFilter;

/// The earliest and latest years anything may name (the case contract's bounds).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

/// A calendar quarter, `2025-Q3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quarter {
    year: i32,
    /// 1 to 4.
    q: u8,
}

impl Quarter {
    /// `None` unless the year is in [`YEARS`] and `q` is 1 to 4.
    pub fn new(year: i32, q: u8) -> Option<Self> {
        (YEARS.contains(&year) && (1..=4).contains(&q)).then_some(Quarter { year, q })
    }

    /// Parses `2025-Q3` (or `2025Q3`, either case).
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.to_ascii_uppercase();
        let (y, q) = t.split_once('Q')?;
        let y = y.strip_suffix('-').unwrap_or(y);
        if y.len() != 4 || q.len() != 1 || !y.bytes().chain(q.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        Quarter::new(y.parse().ok()?, q.parse().ok()?)
    }

    /// The quarter a moment falls in (UTC).
    pub fn of(t: NaiveDateTime) -> Self {
        let q = ((t.month() - 1) / 3 + 1) as u8;
        Quarter { year: t.year(), q }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn number(self) -> u8 {
        self.q
    }

    /// Its first moment.
    pub fn start(self) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.q) * 3 - 2, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default()
    }

    /// The next quarter.
    pub fn next(self) -> Self {
        if self.q == 4 {
            Quarter {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q + 1,
            }
        }
    }

    /// The quarter before.
    pub fn previous(self) -> Self {
        if self.q == 1 {
            Quarter {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }

    /// A dense index, for charts.
    pub fn ordinal(self) -> i64 {
        i64::from(self.year) * 4 + i64::from(self.q) - 1
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-Q{}", self.year, self.q)
    }
}

/// A measures request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeasuresQuery {
    /// First quarter of contribution (inclusive).
    pub from: Option<Quarter>,
    /// Last quarter of contribution (inclusive).
    pub to: Option<Quarter>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub category: Option<Category>,
    pub harm: Option<Harm>,
    pub setting: Option<Setting>,
}

/// A refused parameter: the message names the parameter and what it takes, never echoing
/// more than the parameter's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

impl MeasuresQuery {
    /// The parameters, for messages and the API description.
    pub const PARAMETERS: &'static [&'static str] = &[
        "from",
        "to",
        "year_from",
        "year_to",
        "category",
        "harm",
        "setting",
    ];

    /// Parses the query of the page's GET form, where an empty field means the filter is
    /// not used.
    pub fn from_form_pairs(pairs: &[(String, String)]) -> Result<Self, QueryError> {
        let given: Vec<(String, String)> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .cloned()
            .collect();
        Self::from_pairs(&given)
    }

    /// Parses query parameters. An unknown or repeated parameter, an empty or bad value,
    /// or a range whose start is after its end is refused.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, QueryError> {
        crate::params::Accepted {
            single: Self::PARAMETERS,
            repeatable: &[],
        }
        .check(pairs)
        .map_err(QueryError)?;
        let mut q = MeasuresQuery::default();
        for (key, value) in pairs {
            let name = key.as_str();
            let value = value.as_str();
            if value.is_empty() {
                return Err(QueryError(format!("`{name}` needs a value")));
            }
            let quarter = || {
                Quarter::parse(value).ok_or_else(|| {
                    QueryError(format!(
                        "{name} must be a quarter such as 2025-Q3, years 1900 to 2199"
                    ))
                })
            };
            let year = || {
                Some(value)
                    .filter(|v| v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|v| v.parse::<i32>().ok())
                    .filter(|y| YEARS.contains(y))
                    .ok_or_else(|| QueryError(format!("{name} must be a year from 1900 to 2199")))
            };
            fn vocab<T>(
                name: &str,
                value: &str,
                parse: fn(&str) -> Option<T>,
                all: &[T],
            ) -> Result<T, QueryError>
            where
                T: std::fmt::Display,
            {
                parse(value).ok_or_else(|| {
                    QueryError(format!(
                        "{name} must be one of {}",
                        all.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })
            }
            match name {
                "from" => q.from = Some(quarter()?),
                "to" => q.to = Some(quarter()?),
                "year_from" => q.year_from = Some(year()?),
                "year_to" => q.year_to = Some(year()?),
                "category" => {
                    q.category = Some(vocab(name, value, Category::parse, Category::ALL)?)
                }
                "harm" => q.harm = Some(vocab(name, value, Harm::parse, Harm::ALL)?),
                _ => q.setting = Some(vocab(name, value, Setting::parse, Setting::ALL)?),
            }
        }
        if let (Some(a), Some(b)) = (q.from, q.to) {
            if a > b {
                return Err(QueryError("from must not be after to".into()));
            }
        }
        if let (Some(a), Some(b)) = (q.year_from, q.year_to) {
            if a > b {
                return Err(QueryError("year_from must not be after year_to".into()));
            }
        }
        Ok(q)
    }

    /// The store's filter.
    pub fn filter(&self) -> FactsFilter {
        FactsFilter {
            received_from: self.from.map(Quarter::start),
            received_before: self.to.map(|q| q.next().start()),
            year_from: self.year_from,
            year_to: self.year_to,
            category: self.category,
            harm: self.harm,
            setting: self.setting,
        }
    }

    /// The query as parameters (empty ones left out), for links to the CSV and the report.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(v) = self.from {
            out.push(("from", v.to_string()));
        }
        if let Some(v) = self.to {
            out.push(("to", v.to_string()));
        }
        if let Some(v) = self.year_from {
            out.push(("year_from", v.to_string()));
        }
        if let Some(v) = self.year_to {
            out.push(("year_to", v.to_string()));
        }
        if let Some(v) = self.category {
            out.push(("category", v.to_string()));
        }
        if let Some(v) = self.harm {
            out.push(("harm", v.to_string()));
        }
        if let Some(v) = self.setting {
            out.push(("setting", v.to_string()));
        }
        out
    }

    /// `?from=…&…` (or empty), every value from a closed vocabulary or a number.
    pub fn query_string(&self) -> String {
        let pairs = self.to_pairs();
        if pairs.is_empty() {
            return String::new();
        }
        let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("?{}", body.join("&"))
    }

    /// The filters in words, for captions and the report.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match (self.from, self.to) {
            (Some(a), Some(b)) if a == b => parts.push(format!("received in {a}")),
            (Some(a), Some(b)) => parts.push(format!("received {a} to {b}")),
            (Some(a), None) => parts.push(format!("received from {a}")),
            (None, Some(b)) => parts.push(format!("received up to {b}")),
            (None, None) => {}
        }
        match (self.year_from, self.year_to) {
            (Some(a), Some(b)) if a == b => parts.push(format!("events of {a}")),
            (Some(a), Some(b)) => parts.push(format!("events of {a} to {b}")),
            (Some(a), None) => parts.push(format!("events from {a}")),
            (None, Some(b)) => parts.push(format!("events up to {b}")),
            (None, None) => {}
        }
        if let Some(v) = self.category {
            parts.push(format!("category {v}"));
        }
        if let Some(v) = self.harm {
            parts.push(format!("harm {v}"));
        }
        if let Some(v) = self.setting {
            parts.push(format!("setting {v}"));
        }
        if parts.is_empty() {
            "all cases".into()
        } else {
            parts.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::pairs;

    #[test]
    fn quarters_parse_print_and_step() {
        let q = Quarter::parse("2025-q4").unwrap();
        assert_eq!(q.to_string(), "2025-Q4");
        assert_eq!(q.next().to_string(), "2026-Q1");
        assert_eq!(q.next().previous(), q);
        assert_eq!(Quarter::parse("2025Q1").unwrap().to_string(), "2025-Q1");
        for bad in [
            "2025-Q5", "2025-Q0", "25-Q1", "1899-Q4", "2025", "Q1", "2025-Q12",
        ] {
            assert_eq!(Quarter::parse(bad), None, "{bad}");
        }
        assert_eq!(
            q.start(),
            NaiveDate::from_ymd_opt(2025, 10, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
        );
        assert_eq!(
            Quarter::of(q.next().start() - chrono::Duration::seconds(1)),
            q
        );
    }

    #[test]
    fn a_query_parses_into_types_and_refuses_what_it_does_not_know() {
        let q = MeasuresQuery::from_form_pairs(&pairs(&[
            ("from", "2025-Q1"),
            ("to", "2025-Q4"),
            ("category", "fall"),
            ("harm", ""),
            ("year_from", "2024"),
        ]))
        .unwrap();
        assert_eq!(q.category, Some(Category::Fall));
        assert_eq!(q.harm, None);
        assert_eq!(
            q.query_string(),
            "?from=2025-Q1&to=2025-Q4&year_from=2024&category=fall"
        );
        let f = q.filter();
        assert_eq!(
            f.received_before,
            Some(Quarter::parse("2026-Q1").unwrap().start())
        );
        for bad in [
            vec![("from", "2025-Q4"), ("to", "2025-Q1")],
            vec![("year_from", "2030"), ("year_to", "2020")],
            vec![("category", "Fall")],
            vec![("harm", "fatal")],
            vec![("year_to", "12345678901234567890")],
            vec![("from", "x")],
            vec![("org", "1")],
            vec![("harm", "death"), ("harm", "mild")],
            vec![("harm", "")],
            vec![("year_from", "+2024")],
            vec![("from", " 2025-Q1")],
        ] {
            assert!(MeasuresQuery::from_pairs(&pairs(&bad)).is_err(), "{bad:?}");
        }
    }
}
