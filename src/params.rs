//! Query-string parameters, read the same way by every endpoint: each name must be one
//! the endpoint takes, a name given twice is refused unless it repeats by design (a facet
//! filter), and a number must be whole and in range. Messages name the parameter (only as
//! [`shown`] allows) and never quote its value.

use std::collections::HashSet;
use std::ops::RangeInclusive;

/// A query parameter's name as a message may quote it: up to 32 letters, digits and `_`,
/// else a neutral word (a hostile or mistaken key may hold text that must not be echoed
/// into a response or a log).
pub fn shown(key: &str) -> &str {
    if !key.is_empty()
        && key.len() <= 32
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        key
    } else {
        "(a parameter)"
    }
}

/// The parameters an endpoint takes.
#[derive(Debug, Clone, Copy)]
pub struct Accepted<'a> {
    /// Names given at most once.
    pub single: &'a [&'a str],
    /// Names that may be given several times.
    pub repeatable: &'a [&'a str],
}

impl Accepted<'_> {
    /// Checks every name of `pairs`: known, and not repeated unless repeatable. The
    /// error lists what the endpoint takes.
    pub fn check(&self, pairs: &[(String, String)]) -> Result<(), String> {
        let mut seen = HashSet::new();
        for (key, _) in pairs {
            let key = key.as_str();
            if self.repeatable.contains(&key) {
                continue;
            }
            if !self.single.contains(&key) {
                let all: Vec<&str> = self.single.iter().chain(self.repeatable).copied().collect();
                return Err(if all.is_empty() {
                    format!(
                        "unknown parameter `{}`; this endpoint takes no parameters",
                        shown(key)
                    )
                } else {
                    format!(
                        "unknown parameter `{}`; accepted: {}",
                        shown(key),
                        all.join(", ")
                    )
                });
            }
            if !seen.insert(key) {
                return Err(format!("`{key}` may be given once"));
            }
        }
        Ok(())
    }
}

/// `value` as a whole number in `range`, or a message that names `name` and the range.
pub fn whole_number(
    name: &str,
    value: &str,
    range: RangeInclusive<usize>,
) -> Result<usize, String> {
    value
        .parse::<usize>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            format!(
                "`{}` must be a whole number from {} to {}",
                shown(name),
                range.start(),
                range.end()
            )
        })
}

/// Query pairs from string slices (for tests).
#[cfg(test)]
pub(crate) fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAKES: Accepted<'static> = Accepted {
        single: &["q", "limit"],
        repeatable: &["harm"],
    };

    #[test]
    fn known_names_pass_and_repeatable_ones_repeat() {
        let ok = pairs(&[("q", "x"), ("harm", "a"), ("harm", "b"), ("limit", "3")]);
        assert_eq!(TAKES.check(&ok), Ok(()));
        assert_eq!(TAKES.check(&[]), Ok(()));
    }

    #[test]
    fn unknown_and_repeated_names_are_refused_without_quoting_values() {
        let e = TAKES.check(&pairs(&[("colour", "secret")])).unwrap_err();
        assert!(
            e.contains("`colour`") && e.contains("q, limit, harm"),
            "{e}"
        );
        assert!(!e.contains("secret"));
        let e = TAKES.check(&pairs(&[("John Smith <b>", "x")])).unwrap_err();
        assert!(e.contains("(a parameter)") && !e.contains("John"), "{e}");
        let e = TAKES
            .check(&pairs(&[("limit", "1"), ("limit", "2")]))
            .unwrap_err();
        assert!(e.contains("`limit` may be given once"), "{e}");
        let none = Accepted {
            single: &[],
            repeatable: &[],
        };
        assert!(none
            .check(&pairs(&[("a", "")]))
            .unwrap_err()
            .contains("takes no parameters"));
    }

    #[test]
    fn numbers_are_whole_and_in_range() {
        assert_eq!(whole_number("limit", "5", 1..=10), Ok(5));
        for bad in ["0", "11", "-1", "1.5", "", " 5", "99999999999999999999999"] {
            let e = whole_number("limit", bad, 1..=10).unwrap_err();
            assert_eq!(e, "`limit` must be a whole number from 1 to 10", "{bad:?}");
        }
    }
}
