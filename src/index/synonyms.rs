//! Clinical synonyms and abbreviations (`search-index/synonyms.txt`), applied by
//! rewriting the query: `lasix heparin` becomes `(lasix OR furosemide) heparin`, so a
//! search for a brand finds cases that name the generic and the other way round. Query
//! expansion keeps the index independent of the list: editing it needs no reindex.

use std::collections::HashMap;

/// The longest synonym, in words.
const MAX_WORDS: usize = 6;

/// A compiled synonym list: for each term (lower case, words joined by one space) the
/// terms a query for it also looks for, itself first.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    expansions: HashMap<String, Vec<String>>,
}

/// A line of the synonym file that cannot be understood.
#[derive(Debug, thiserror::Error)]
#[error("synonyms line {line}: {reason}")]
pub struct SynonymError {
    pub line: usize,
    pub reason: &'static str,
}

fn normalize(term: &str) -> String {
    term.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

impl Synonyms {
    /// Parses the file format documented at the top of `search-index/synonyms.txt`.
    pub fn parse(text: &str) -> Result<Self, SynonymError> {
        let mut expansions: HashMap<String, Vec<String>> = HashMap::new();
        let mut add = |from: &str, to: &[String]| {
            let entry = expansions.entry(from.to_owned()).or_default();
            if entry.is_empty() {
                entry.push(from.to_owned());
            }
            for t in to {
                if !entry.contains(t) {
                    entry.push(t.clone());
                }
            }
        };
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |reason| SynonymError {
                line: n + 1,
                reason,
            };
            let terms = |list: &str| -> Result<Vec<String>, SynonymError> {
                let terms: Vec<String> = list.split(',').map(normalize).collect();
                if terms.iter().any(String::is_empty) {
                    return Err(err("empty term"));
                }
                if terms
                    .iter()
                    .any(|t| t.split(' ').count() > MAX_WORDS || t.contains('"'))
                {
                    return Err(err("a term has more than six words or a quote"));
                }
                Ok(terms)
            };
            match line.split_once("=>") {
                Some((from, to)) => {
                    let from = terms(from)?;
                    let to = terms(to)?;
                    for f in &from {
                        add(f, &to);
                    }
                }
                None => {
                    let group = terms(line)?;
                    if group.len() < 2 {
                        return Err(err("a group needs at least two terms"));
                    }
                    for t in &group {
                        add(t, &group);
                    }
                }
            }
        }
        Ok(Synonyms { expansions })
    }

    /// The terms a query for `term` looks for (itself included), if it has synonyms.
    pub fn lookup(&self, term: &str) -> Option<&[String]> {
        self.expansions.get(&normalize(term)).map(Vec::as_slice)
    }

    /// Rewrites a query in the query language: every run of plain words (outside quotes,
    /// not an operator, not carrying a field prefix or a `+`/`-`) is matched longest
    /// first against the list, and a match becomes `(term OR "other term" …)`. A word with
    /// a field prefix (`lessons:lasix`) expands within its field.
    pub fn expand(&self, query: &str) -> String {
        if self.expansions.is_empty() {
            return query.to_owned();
        }
        let pieces = lex(query);
        let mut out = String::with_capacity(query.len() * 2);
        let mut i = 0;
        while i < pieces.len() {
            match &pieces[i] {
                Piece::Word(_) => {
                    // Longest run of plain words starting here that has synonyms.
                    let mut matched = None;
                    for n in (1..=MAX_WORDS).rev() {
                        let Some(run) = pieces.get(i..i + n) else {
                            continue;
                        };
                        let words: Option<Vec<&str>> = run
                            .iter()
                            .map(|p| match p {
                                Piece::Word(w) => Some(trim_punct(w)),
                                _ => None,
                            })
                            .collect();
                        let Some(words) = words else { continue };
                        if words.iter().any(|w| w.is_empty()) {
                            continue;
                        }
                        if let Some(alts) = self.lookup(&words.join(" ")) {
                            matched = Some((n, alts));
                            break;
                        }
                    }
                    match matched {
                        Some((n, alts)) => {
                            push_sep(&mut out);
                            out.push('(');
                            for (k, alt) in alts.iter().enumerate() {
                                if k > 0 {
                                    out.push_str(" OR ");
                                }
                                push_term(&mut out, None, alt);
                            }
                            out.push(')');
                            i += n;
                        }
                        None => {
                            if let Piece::Word(w) = &pieces[i] {
                                push_sep(&mut out);
                                out.push_str(w);
                            }
                            i += 1;
                        }
                    }
                }
                Piece::Prefixed(field, word) => {
                    push_sep(&mut out);
                    match self.lookup(trim_punct(word)) {
                        Some(alts) if !trim_punct(word).is_empty() => {
                            out.push('(');
                            for (k, alt) in alts.iter().enumerate() {
                                if k > 0 {
                                    out.push_str(" OR ");
                                }
                                push_term(&mut out, Some(field), alt);
                            }
                            out.push(')');
                        }
                        _ => {
                            out.push_str(field);
                            out.push(':');
                            out.push_str(word);
                        }
                    }
                    i += 1;
                }
                Piece::Verbatim(v) => {
                    if *v != ")" {
                        push_sep(&mut out);
                    }
                    out.push_str(v);
                    i += 1;
                }
            }
        }
        out
    }
}

fn trim_punct(word: &str) -> &str {
    word.trim_end_matches([',', '.', ';', '?', '!'])
}

fn push_sep(out: &mut String) {
    if !out.is_empty() && !out.ends_with('(') {
        out.push(' ');
    }
}

fn push_term(out: &mut String, field: Option<&str>, term: &str) {
    if let Some(f) = field {
        out.push_str(f);
        out.push(':');
    }
    if term.chars().all(char::is_alphanumeric) {
        out.push_str(term);
    } else {
        out.push('"');
        out.push_str(term);
        out.push('"');
    }
}

#[derive(Debug, PartialEq)]
enum Piece<'a> {
    /// A plain word that may take part in a synonym.
    Word(&'a str),
    /// `field:word`.
    Prefixed(&'a str, &'a str),
    /// Anything else, copied as is: phrases, operators, parentheses, `+x`, `-x`, `x^2`.
    Verbatim(&'a str),
}

fn lex(query: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let bytes = query.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if b == b'(' || b == b')' {
            pieces.push(Piece::Verbatim(&query[i..i + 1]));
            i += 1;
            continue;
        }
        // A token runs to whitespace or a parenthesis, except inside quotes.
        let start = i;
        let mut quoted = false;
        while i < bytes.len() {
            let c = bytes[i];
            if c == b'"' {
                quoted = !quoted;
            } else if !quoted && (c.is_ascii_whitespace() || c == b'(' || c == b')') {
                break;
            }
            i += 1;
        }
        let token = &query[start..i];
        pieces.push(classify(token));
    }
    pieces
}

fn classify(token: &str) -> Piece<'_> {
    if matches!(token, "AND" | "OR" | "NOT") || token.contains(['"', '^', '*', '~', '[', '{']) {
        return Piece::Verbatim(token);
    }
    if token.starts_with(['+', '-']) {
        return Piece::Verbatim(token);
    }
    if let Some((field, word)) = token.split_once(':') {
        let plain_field =
            !field.is_empty() && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if plain_field && !word.is_empty() && !word.contains(':') {
            return Piece::Prefixed(field, word);
        }
        return Piece::Verbatim(token);
    }
    Piece::Word(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Synonyms {
        Synonyms::parse(
            "# comment\n\nlasix, furosemide\nrrt, rapid response team\nvte => dvt, pulmonary embolism\n",
        )
        .unwrap()
    }

    #[test]
    fn groups_work_both_ways_and_one_way_rules_one_way() {
        let s = list();
        assert_eq!(s.lookup("Lasix").unwrap(), ["lasix", "furosemide"]);
        assert_eq!(s.lookup("furosemide").unwrap(), ["furosemide", "lasix"]);
        assert_eq!(
            s.lookup("vte").unwrap(),
            ["vte", "dvt", "pulmonary embolism"]
        );
        assert!(s.lookup("dvt").is_none());
    }

    #[test]
    fn expansion_rewrites_words_and_multiword_terms() {
        let s = list();
        assert_eq!(s.expand("lasix overdose"), "(lasix OR furosemide) overdose");
        assert_eq!(
            s.expand("called the Rapid Response Team late"),
            "called the (\"rapid response team\" OR rrt) late"
        );
        assert_eq!(s.expand("vte?"), "(vte OR dvt OR \"pulmonary embolism\")");
    }

    #[test]
    fn phrases_operators_and_prefixes_are_respected() {
        let s = list();
        assert_eq!(
            s.expand("\"lasix drip\" AND -rrt"),
            "\"lasix drip\" AND -rrt"
        );
        assert_eq!(
            s.expand("lessons:lasix OR (rrt)"),
            "(lessons:lasix OR lessons:furosemide) OR ((rrt OR \"rapid response team\"))"
        );
        assert_eq!(s.expand("summary:heparin"), "summary:heparin");
    }

    #[test]
    fn bad_lines_name_their_number() {
        let e = Synonyms::parse("a, b\nlonely\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(Synonyms::parse("a, , b").is_err());
        assert!(Synonyms::parse("x => ").is_err());
    }

    #[test]
    fn the_shipped_list_parses() {
        let s = Synonyms::parse(include_str!("../../search-index/synonyms.txt")).unwrap();
        assert!(s
            .lookup("coumadin")
            .unwrap()
            .iter()
            .any(|t| t == "warfarin"));
        assert!(s
            .lookup("dilaudid")
            .unwrap()
            .iter()
            .any(|t| t == "hydromorphone"));
        assert!(s.lookup("patient-controlled analgesia").is_some());
    }
}
