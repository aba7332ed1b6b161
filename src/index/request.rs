//! A search request as the API receives it, checked before it reaches the index.

use std::collections::BTreeMap;

use crate::case::{
    ActionStatus, ActionStrength, AgeBand, Category, Compensation, ContributingFactor, Harm,
    ReviewMethod, Setting, StandardOfCare,
};

use super::SearchError;

/// A facet: a closed set of values each published case has zero, one or several of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FacetKind {
    Category,
    Harm,
    Setting,
    Factor,
    Strength,
    ActionStatus,
    Method,
    StandardOfCare,
    Compensation,
    Year,
    AgeBand,
}

impl FacetKind {
    pub const ALL: &'static [FacetKind] = &[
        FacetKind::Category,
        FacetKind::Harm,
        FacetKind::Setting,
        FacetKind::Factor,
        FacetKind::Strength,
        FacetKind::ActionStatus,
        FacetKind::Method,
        FacetKind::StandardOfCare,
        FacetKind::Compensation,
        FacetKind::Year,
        FacetKind::AgeBand,
    ];

    /// The name used as query parameter, as facet root and in the facet counts.
    pub fn name(self) -> &'static str {
        match self {
            FacetKind::Category => "category",
            FacetKind::Harm => "harm",
            FacetKind::Setting => "setting",
            FacetKind::Factor => "factor",
            FacetKind::Strength => "strength",
            FacetKind::ActionStatus => "action_status",
            FacetKind::Method => "method",
            FacetKind::StandardOfCare => "standard_of_care",
            FacetKind::Compensation => "compensation",
            FacetKind::Year => "year",
            FacetKind::AgeBand => "age_band",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        FacetKind::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// The values this facet takes, as the schema spells them (empty for the year, which
    /// takes any year from 1900 to 2200).
    pub fn values(self) -> Vec<&'static str> {
        fn all<T: Copy>(items: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
            items.iter().map(|v| name(*v)).collect()
        }
        match self {
            FacetKind::Category => all(Category::ALL, Category::as_str),
            FacetKind::Harm => all(Harm::ALL, Harm::as_str),
            FacetKind::Setting => all(Setting::ALL, Setting::as_str),
            FacetKind::Factor => all(ContributingFactor::ALL, ContributingFactor::as_str),
            FacetKind::Strength => all(ActionStrength::ALL, ActionStrength::as_str),
            FacetKind::ActionStatus => all(ActionStatus::ALL, ActionStatus::as_str),
            FacetKind::Method => all(ReviewMethod::ALL, ReviewMethod::as_str),
            FacetKind::StandardOfCare => all(StandardOfCare::ALL, StandardOfCare::as_str),
            FacetKind::Compensation => all(Compensation::ALL, Compensation::as_str),
            FacetKind::Year => Vec::new(),
            FacetKind::AgeBand => all(AgeBand::ALL, AgeBand::as_str),
        }
    }

    /// Whether `value` is one this facet can take.
    pub fn accepts(self, value: &str) -> bool {
        match self {
            FacetKind::Category => Category::parse(value).is_some(),
            FacetKind::Harm => Harm::parse(value).is_some(),
            FacetKind::Setting => Setting::parse(value).is_some(),
            FacetKind::Factor => ContributingFactor::parse(value).is_some(),
            FacetKind::Strength => ActionStrength::parse(value).is_some(),
            FacetKind::ActionStatus => ActionStatus::parse(value).is_some(),
            FacetKind::Method => ReviewMethod::parse(value).is_some(),
            FacetKind::StandardOfCare => StandardOfCare::parse(value).is_some(),
            FacetKind::Compensation => Compensation::parse(value).is_some(),
            FacetKind::Year => {
                value.len() == 4
                    && value.bytes().all(|b| b.is_ascii_digit())
                    && value
                        .parse::<i32>()
                        .is_ok_and(|y| (1900..=2200).contains(&y))
            }
            FacetKind::AgeBand => AgeBand::parse(value).is_some(),
        }
    }
}

/// Largest page.
pub const MAX_LIMIT: usize = 100;
/// Deepest page start.
pub const MAX_OFFSET: usize = 10_000;
/// Longest query text.
pub const MAX_QUERY_CHARS: usize = 1_000;

/// A checked search request.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// The query in the query language; `None` lists every published case (filters apply).
    pub query: Option<String>,
    /// Per facet, the accepted values: values of one facet are alternatives (OR), facets
    /// combine with AND.
    pub filters: BTreeMap<FacetKind, Vec<String>>,
    pub limit: usize,
    pub offset: usize,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: None,
            filters: BTreeMap::new(),
            limit: 10,
            offset: 0,
        }
    }
}

impl SearchRequest {
    /// A request for `query` with no filters.
    pub fn query(query: &str) -> Self {
        SearchRequest {
            query: Some(query.to_owned()),
            ..SearchRequest::default()
        }
    }

    /// Adds a filter value (unchecked; for callers holding typed values).
    pub fn filter(mut self, kind: FacetKind, value: &str) -> Self {
        self.filters.entry(kind).or_default().push(value.to_owned());
        self
    }

    /// Reads `q`, `limit`, `offset` (each at most once) and one parameter per facet
    /// (repeatable, or comma-separated), as [`crate::params`] reads every endpoint's.
    /// Anything unknown, repeated or out of range is a [`SearchError::BadQuery`] that says
    /// what is accepted.
    pub fn from_query_pairs(pairs: &[(String, String)]) -> Result<Self, SearchError> {
        let facets: Vec<&str> = FacetKind::ALL.iter().map(|k| k.name()).collect();
        crate::params::Accepted {
            single: &["q", "limit", "offset"],
            repeatable: &facets,
        }
        .check(pairs)
        .map_err(SearchError::BadQuery)?;
        let mut request = SearchRequest::default();
        for (key, value) in pairs {
            match key.as_str() {
                "q" => {
                    if value.chars().count() > MAX_QUERY_CHARS {
                        return Err(SearchError::BadQuery(format!(
                            "`q` is longer than {MAX_QUERY_CHARS} characters"
                        )));
                    }
                    // `category:fall` typed in the box is the category filter.
                    let typed = super::query::take_facet_terms(value)?;
                    request.query = typed.text;
                    for (kind, v) in typed.filters {
                        let values = request.filters.entry(kind).or_default();
                        if !values.contains(&v) {
                            values.push(v);
                        }
                    }
                }
                "limit" => {
                    request.limit = crate::params::whole_number("limit", value, 1..=MAX_LIMIT)
                        .map_err(SearchError::BadQuery)?;
                }
                "offset" => {
                    request.offset = crate::params::whole_number("offset", value, 0..=MAX_OFFSET)
                        .map_err(SearchError::BadQuery)?;
                }
                other => {
                    let kind = FacetKind::from_name(other)
                        .ok_or_else(|| SearchError::BadQuery("unknown parameter".into()))?;
                    if value.trim().is_empty() {
                        return Err(SearchError::BadQuery(format!(
                            "`{}` needs a value; leave the parameter out to take every value",
                            kind.name()
                        )));
                    }
                    for v in value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                        if !kind.accepts(v) {
                            return Err(SearchError::BadQuery(format!(
                                "`{}` does not take the value given; see the case schema for its values",
                                kind.name()
                            )));
                        }
                        let values = request.filters.entry(kind).or_default();
                        if !values.iter().any(|x| x == v) {
                            values.push(v.to_owned());
                        }
                    }
                }
            }
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::pairs;

    #[test]
    fn reads_query_paging_and_filters() {
        let r = SearchRequest::from_query_pairs(&pairs(&[
            ("q", " heparin "),
            ("limit", "5"),
            ("offset", "10"),
            ("harm", "severe,death"),
            ("harm", "severe"),
            ("strength", "stronger"),
            ("year", "2024"),
            ("age_band", "90+"),
        ]))
        .unwrap();
        assert_eq!(r.query.as_deref(), Some("heparin"));
        assert_eq!((r.limit, r.offset), (5, 10));
        assert_eq!(r.filters[&FacetKind::Harm], ["severe", "death"]);
        assert_eq!(r.filters[&FacetKind::Strength], ["stronger"]);
        assert_eq!(r.filters[&FacetKind::AgeBand], ["90+"]);
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        for bad in [
            ("limit", "0"),
            ("limit", "1000"),
            ("limit", "x"),
            ("offset", "-1"),
            ("harm", "catastrophic"),
            ("year", "99"),
            ("colour", "red"),
        ] {
            let e = SearchRequest::from_query_pairs(&pairs(&[bad])).unwrap_err();
            assert!(matches!(e, SearchError::BadQuery(_)), "{bad:?}");
        }
        let long = "a".repeat(MAX_QUERY_CHARS + 1);
        assert!(SearchRequest::from_query_pairs(&pairs(&[("q", &long)])).is_err());
        for twice in ["q", "limit", "offset"] {
            let e =
                SearchRequest::from_query_pairs(&pairs(&[(twice, "1"), (twice, "2")])).unwrap_err();
            assert!(e.to_string().contains("may be given once"), "{twice}: {e}");
        }
    }

    #[test]
    fn facet_terms_in_the_query_are_filters() {
        let r = SearchRequest::from_query_pairs(&pairs(&[
            ("category", "medication"),
            ("q", "category:fall with injury category:medication"),
        ]))
        .unwrap();
        assert_eq!(r.query.as_deref(), Some("with injury"));
        assert_eq!(r.filters[&FacetKind::Category], ["medication", "fall"]);
        let r = SearchRequest::from_query_pairs(&pairs(&[("q", "harm:death")])).unwrap();
        assert_eq!(r.query, None);
        assert_eq!(r.filters[&FacetKind::Harm], ["death"]);
        assert!(SearchRequest::from_query_pairs(&pairs(&[("q", "harm:fatal")])).is_err());
        let twice = pairs(&[("q", "harm:death"), ("q", "x")]);
        assert!(SearchRequest::from_query_pairs(&twice).is_err());
    }

    #[test]
    fn an_empty_query_lists_everything() {
        let r = SearchRequest::from_query_pairs(&pairs(&[("q", "  ")])).unwrap();
        assert_eq!(r.query, None);
    }
}
