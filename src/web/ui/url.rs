//! Query strings of links: the search state as ordered `(name, value)` pairs, encoded
//! the way browsers encode forms, so that a link and a submitted form give the same URL.

/// Ordered query parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn push(&mut self, key: &str, value: &str) {
        if !self.0.iter().any(|(k, v)| k == key && v == value) {
            self.0.push((key.to_owned(), value.to_owned()));
        }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, comma-separated ones split.
    pub fn values_of<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .flat_map(|(_, v)| v.split(',').map(str::trim).filter(|v| !v.is_empty()))
    }

    /// A copy with `key=value` added (and the page reset).
    pub fn with(&self, key: &str, value: &str) -> Params {
        let mut p = self.without_key("page");
        if key == "page" {
            p.0.push((key.to_owned(), value.to_owned()));
        } else {
            p.push(key, value);
        }
        p
    }

    /// A copy without the value `value` of `key` (and the page reset).
    pub fn without(&self, key: &str, value: &str) -> Params {
        let mut out = Vec::new();
        for (k, v) in &self.0 {
            if k == "page" {
                continue;
            }
            if k == key {
                let rest: Vec<&str> = v
                    .split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty() && *x != value)
                    .collect();
                if !rest.is_empty() {
                    out.push((k.clone(), rest.join(",")));
                }
            } else {
                out.push((k.clone(), v.clone()));
            }
        }
        Params(out)
    }

    /// A copy without `key` at all (and the page reset).
    pub fn without_key(&self, key: &str) -> Params {
        Params(
            self.0
                .iter()
                .filter(|(k, _)| k != key && k != "page")
                .cloned()
                .collect(),
        )
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `application/x-www-form-urlencoded` of one component.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `path?k=v&…`, or `path` alone.
pub fn href(path: &str, params: &Params) -> String {
    if params.is_empty() {
        return path.to_owned();
    }
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("{path}?{}", query.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_encode_like_forms_and_toggle_values() {
        let mut p = Params::default();
        p.push("q", "fall with injury & more");
        p.push("harm", "severe");
        assert_eq!(
            href("/search", &p),
            "/search?q=fall+with+injury+%26+more&harm=severe"
        );
        let p2 = p.with("harm", "death").with("page", "2");
        assert_eq!(
            href("/search", &p2),
            "/search?q=fall+with+injury+%26+more&harm=severe&harm=death&page=2"
        );
        assert_eq!(
            href("/search", &p2.without("harm", "severe")),
            "/search?q=fall+with+injury+%26+more&harm=death"
        );
        assert_eq!(
            href("/search", &p2.without_key("q")),
            "/search?harm=severe&harm=death"
        );
        assert_eq!(encode("90+ é"), "90%2B+%C3%A9");
    }

    #[test]
    fn comma_separated_values_count_one_by_one() {
        let mut p = Params::default();
        p.push("harm", "severe,death");
        assert_eq!(p.values_of("harm").collect::<Vec<_>>(), ["severe", "death"]);
        assert_eq!(href("/s", &p.without("harm", "death")), "/s?harm=severe");
    }
}
