//! Stage 2, known identifiers: what the structured fields of a case name (people,
//! facility, unit, address, numbers, the contributing organization), found in every surface
//! form the text may give them (initials, acronyms, short unit forms, nicknames): the
//! highest-priority detector, run again over the output by the rendering stage.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::redaction::category::Category;
use crate::redaction::fold::{fold_key, Folded};
use crate::redaction::literals::Matcher;
use crate::redaction::rules::lex;
use crate::redaction::rules::RuleSet;
use crate::redaction::span::{Repl, Span, PRIORITY_KNOWN, PRIORITY_NAME};

use super::names::{nickname_after, trailing_initial};
use super::tokens::Token;
use super::CaseContext;
use crate::case::SubmittedCase;

/// What a known surface stands for.
#[derive(Debug, Clone, Copy)]
struct KnownPattern {
    category: Category,
    person: Option<usize>,
    /// The text must start with an upper-case letter (the surface is also a common word).
    needs_capital: bool,
}

/// The people of a case and the placeholders they get.
#[derive(Debug, Default)]
pub(crate) struct People {
    /// Placeholder per person; index 0 is the patient.
    pub placeholders: Vec<String>,
    /// Folded name word → person.
    pub by_key: crate::redaction::fold::WordMap<usize>,
    /// Letters handed out per role token.
    counters: HashMap<String, usize>,
}

impl People {
    /// Adds a person with a role token (`RN`, `FAMILY`, `PERSON`) and returns its index.
    pub fn add(&mut self, token: &str) -> usize {
        let n = self.counters.entry(token.to_owned()).or_insert(0);
        let placeholder = format!("[{}-{}]", token, letters(*n));
        *n += 1;
        self.placeholders.push(placeholder);
        self.placeholders.len() - 1
    }
}

/// `A`…`Z`, `AA`, `AB`, …: a letter per distinct person.
pub(crate) fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The matcher of a case's structured identifiers could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MatcherError;

/// The compiled matcher of one case's structured identifiers.
pub(crate) struct Known {
    surfaces: Matcher,
    pats: Vec<KnownPattern>,
    digits_ac: Option<AhoCorasick>,
    digit_pats: Vec<Category>,
}

struct Builder<'r> {
    rules: &'r RuleSet,
    surfaces: Vec<String>,
    pats: Vec<KnownPattern>,
    seen: HashMap<String, usize>,
    digit_surfaces: Vec<String>,
    digit_pats: Vec<Category>,
}

impl Builder<'_> {
    fn add(&mut self, surface: &str, category: Category, person: Option<usize>) {
        let key = fold_key(surface.trim());
        let key = key.trim();
        if key.len() < 2 || !key.bytes().any(|b| b.is_ascii_alphanumeric()) {
            return;
        }
        // A single common word (a surname "Will", a facility "House") counts only when
        // written with a capital.
        let needs_capital = !key.contains(' ')
            && (self.rules.common.contains(key) || (category == Category::Name && key.len() <= 2));
        if let Some(&i) = self.seen.get(key) {
            // The first registration wins; a stricter one is relaxed only for the same person.
            if self.pats[i].person == person && !needs_capital {
                self.pats[i].needs_capital = false;
            }
            return;
        }
        self.seen.insert(key.to_owned(), self.pats.len());
        self.surfaces.push(key.to_owned());
        self.pats.push(KnownPattern {
            category,
            person,
            needs_capital,
        });
    }

    /// An identifier value: its literal form, its alphanumeric form and its digits.
    fn add_value(&mut self, value: &str, category: Category) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        self.add(value, category, None);
        let alnum: String = value.chars().filter(|c| c.is_alphanumeric()).collect();
        if alnum.len() >= 4 && alnum != value {
            self.add(&alnum, category, None);
        }
        let digits: String = value.chars().filter(|c| c.is_ascii_digit()).collect();
        let min = if category == Category::Location { 5 } else { 4 };
        if digits.len() >= min {
            let digits =
                if category == Category::Phone && digits.len() == 11 && digits.starts_with('1') {
                    digits[1..].to_owned()
                } else {
                    digits
                };
            self.digit_surfaces.push(digits.clone());
            self.digit_pats.push(category);
            let stripped = digits.trim_start_matches('0');
            if stripped.len() >= 5 && stripped.len() != digits.len() {
                self.digit_surfaces.push(stripped.to_owned());
                self.digit_pats.push(category);
            }
        }
    }

    fn add_name(&mut self, name: &str, person: usize, people: &mut People) {
        let rules = self.rules;
        let full = name.trim();
        if full.is_empty() {
            return;
        }
        self.add(full, Category::Name, Some(person));
        let parts: Vec<&str> = full
            .split(|c: char| c.is_whitespace() || c == ',')
            .map(|p| p.trim_matches(|c: char| c == '.' || c == '(' || c == ')' || c == '"'))
            .filter(|p| !p.is_empty())
            .filter(|p| {
                let k = fold_key(p);
                !rules.context.titles.contains(&k) && !rules.context.name_suffixes.contains(&k)
            })
            .collect();
        let mut words: Vec<String> = Vec::new();
        for p in &parts {
            words.push((*p).to_owned());
            if p.contains('-') {
                words.extend(p.split('-').filter(|s| !s.is_empty()).map(str::to_owned));
            }
        }
        if parts.len() >= 2 {
            let first = parts[0];
            let last = parts[parts.len() - 1];
            self.add(&format!("{first} {last}"), Category::Name, Some(person));
            self.add(&format!("{last}, {first}"), Category::Name, Some(person));
            let fi = first.chars().next().unwrap_or(' ');
            let li = last.chars().next().unwrap_or(' ');
            if fi.is_alphabetic() && li.is_alphabetic() {
                for s in [format!("{fi}.{li}."), format!("{fi}. {li}.")] {
                    self.add_capital(&s, person);
                }
            }
        }
        for w in &words {
            let key = fold_key(w);
            if key.len() < 2 {
                continue;
            }
            self.add(w, Category::Name, Some(person));
            if key.contains('\'') {
                self.add(&key.replace('\'', ""), Category::Name, Some(person));
            }
            people.by_key.entry(key.clone()).or_insert(person);
        }
        if let Some(first) = parts.first() {
            let key = fold_key(first);
            if let Some(nicks) = rules.nicknames.get(&key) {
                for n in nicks {
                    self.add_capital(n, person);
                }
            }
        }
    }

    fn add_capital(&mut self, surface: &str, person: usize) {
        let key = fold_key(surface);
        if key.len() < 2 || self.seen.contains_key(&key) {
            return;
        }
        self.seen.insert(key.clone(), self.pats.len());
        self.surfaces.push(key);
        self.pats.push(KnownPattern {
            category: Category::Name,
            person: Some(person),
            needs_capital: true,
        });
    }
}

/// Normalises a role to its placeholder token (`charge nurse` → `CHARGE-RN`).
pub(crate) fn role_token(role: &str, rules: &RuleSet) -> String {
    let key = fold_key(role.trim());
    if let Some(t) = rules.roles.get(&key) {
        return t.clone();
    }
    if key
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| rules.context.relatives.contains(w))
        || rules.context.relatives.contains(&key)
    {
        return "FAMILY".to_owned();
    }
    let mut out = String::new();
    for w in key
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&w.to_ascii_uppercase());
    }
    if out.is_empty() {
        "PERSON".to_owned()
    } else {
        out
    }
}

impl Known {
    /// Collects every structured identifier of `case`; registers its people in `people`.
    /// Fails when a matcher cannot be built: the case must then be refused, never shown
    /// with its known identifiers unmatched.
    pub fn build(
        case: &SubmittedCase,
        rules: &RuleSet,
        org_names: &[String],
        people: &mut People,
    ) -> Result<Known, MatcherError> {
        let mut b = Builder {
            rules,
            surfaces: Vec::new(),
            pats: Vec::new(),
            seen: HashMap::new(),
            digit_surfaces: Vec::new(),
            digit_pats: Vec::new(),
        };
        people.placeholders.push("[PATIENT]".to_owned());
        let p = &case.patient;
        if let Some(name) = &p.name {
            b.add_name(name, 0, people);
        }
        for person in &case.people {
            let token = role_token(&person.role, rules);
            let idx = if token == "PATIENT" {
                0
            } else {
                people.add(&token)
            };
            b.add_name(&person.name, idx, people);
        }
        if let Some(v) = &p.mrn {
            b.add_value(v, Category::Id);
        }
        if let Some(v) = &p.insurance_id {
            b.add_value(v, Category::Id);
        }
        if let Some(v) = &p.phone {
            b.add_value(v, Category::Phone);
        }
        if let Some(v) = &p.email {
            add_email(&mut b, v);
        }
        if let Some(a) = &p.address {
            if let Some(street) = &a.street {
                add_street(&mut b, street);
            }
            if let Some(city) = &a.city {
                add_place(&mut b, city, Category::Location);
            }
            if let Some(zip) = &a.zip {
                b.add_value(zip, Category::Location);
            }
        }
        for person in &case.people {
            if let Some(v) = &person.license_number {
                b.add_value(v, Category::Id);
            }
            if let Some(v) = &person.phone {
                b.add_value(v, Category::Phone);
            }
            if let Some(v) = &person.email {
                add_email(&mut b, v);
            }
        }
        if let Some(f) = &case.facility {
            if let Some(name) = &f.name {
                add_facility(&mut b, name);
            }
            if let Some(unit) = &f.unit {
                add_unit(&mut b, unit);
            }
            if let Some(city) = &f.city {
                add_place(&mut b, city, Category::Location);
            }
        }
        b.add_value(&case.external_ref, Category::Id);
        for name in org_names {
            add_facility(&mut b, name);
        }

        let build = |pats: &[String], kind: MatchKind| {
            if pats.is_empty() {
                return Ok(None);
            }
            // Built once per case: a plain NFA over lower-case patterns (the haystack is
            // folded to lower case) builds fastest; a DFA would cost more than it saves.
            AhoCorasickBuilder::new()
                .kind(Some(aho_corasick::AhoCorasickKind::NoncontiguousNFA))
                .match_kind(kind)
                .build(pats)
                .map(Some)
        };
        Ok(Known {
            surfaces: Matcher::new(&b.surfaces).map_err(|_| MatcherError)?,
            pats: b.pats,
            digits_ac: build(&b.digit_surfaces, MatchKind::Standard).map_err(|_| MatcherError)?,
            digit_pats: b.digit_pats,
        })
    }

    /// Spans of known identifiers in `text`.
    pub fn find(&self, text: &str, folded: &Folded<'_>, out: &mut Vec<Span>) {
        {
            let hay = folded.text.as_bytes();
            let mut pos = 0;
            // Leftmost-longest, but a match rejected at a word boundary gives way to a
            // shorter one inside it ("Brendaport" in "0Lake Brendaport").
            while pos < hay.len() {
                let Some(m) = self.surfaces.find_from(hay, pos) else {
                    break;
                };
                let (s, e) = (m.start, m.end);
                let pat = self.pats.get(m.pattern);
                // Values (e-mail, IDs) are removed even when glued to other text.
                let glued_ok = pat.is_some_and(|p| p.category != Category::Name && e - s >= 6);
                let (os, oe) = folded.original(s, e);
                // Word boundaries are judged on the original characters (a folded
                // character may turn into letters).
                let alnum = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                let left_ok =
                    !alnum(text[..os].chars().next_back()) || !alnum(text[os..].chars().next());
                let right_ok =
                    !alnum(text[oe..].chars().next()) || !alnum(text[..oe].chars().next_back());
                let (left_ok, right_ok) = (left_ok || glued_ok, right_ok || glued_ok);
                let capital_ok = pat.is_some_and(|p| {
                    !p.needs_capital || text[os..].chars().next().is_some_and(char::is_uppercase)
                });
                let (true, true, true, Some(pat)) = (left_ok, right_ok, capital_ok, pat) else {
                    pos = s + 1;
                    continue;
                };
                out.push(Span {
                    start: os,
                    end: oe,
                    category: pat.category,
                    priority: PRIORITY_KNOWN,
                    repl: match pat.person {
                        Some(p) => Repl::Person(p),
                        None => Repl::Category,
                    },
                });
                pos = e.max(s + 1);
            }
        }
        if let Some(ac) = &self.digits_ac {
            let mut digits = String::new();
            for (rs, re) in digit_runs(text) {
                digits.clear();
                digits.extend(text[rs..re].chars().filter(char::is_ascii_digit));
                // Overlapping search: a rejected short number must not hide a longer one.
                let hit = ac.find_overlapping_iter(digits.as_bytes()).find_map(|m| {
                    let len = m.end() - m.start();
                    // A short known number (a ZIP) only counts when it is the whole run.
                    (len >= 6 || len == digits.len()).then(|| {
                        self.digit_pats
                            .get(m.pattern().as_usize())
                            .copied()
                            .unwrap_or(Category::Id)
                    })
                });
                if let Some(category) = hit {
                    out.push(Span {
                        start: rs,
                        end: re,
                        category,
                        priority: PRIORITY_KNOWN,
                        repl: Repl::Category,
                    });
                }
            }
        }
    }
}

/// Runs of digits joined by up to three separators (` \t-./()+`), as byte ranges.
pub(crate) fn digit_runs(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        let mut j = i;
        loop {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            end = end.max(j);
            let mut k = j;
            let mut seps = 0;
            while k < b.len()
                && seps < 3
                && matches!(b[k], b' ' | b'\t' | b'-' | b'.' | b'/' | b'(' | b')' | b'+')
            {
                k += 1;
                seps += 1;
            }
            if k > j && k < b.len() && b[k].is_ascii_digit() {
                j = k;
            } else {
                break;
            }
        }
        out.push((start, end));
        i = end.max(start + 1);
    }
    out
}

fn add_email(b: &mut Builder<'_>, email: &str) {
    b.add_value(email, Category::Email);
    if let Some((local, _)) = email.split_once('@') {
        let key = fold_key(local);
        if key.len() >= 5 && !b.rules.common.contains(&key) && !b.rules.is_dict_name(&key) {
            b.add(local, Category::Email, None);
        }
    }
}

fn add_street(b: &mut Builder<'_>, street: &str) {
    b.add(street, Category::Address, None);
    let words: Vec<&str> = street.split_whitespace().collect();
    // Without a trailing suite/apartment part, and without the house number.
    let cut = words
        .iter()
        .position(|w| {
            b.rules
                .context
                .street_units
                .contains(fold_key(w).trim_end_matches('.'))
                || w.starts_with('#')
        })
        .unwrap_or(words.len());
    let main = &words[..cut];
    if main.len() >= 2 {
        b.add(&main.join(" "), Category::Address, None);
        if main[0].chars().all(|c| c.is_ascii_digit()) && main.len() >= 3 {
            b.add(&main[1..].join(" "), Category::Address, None);
        }
    }
}

fn add_place(b: &mut Builder<'_>, place: &str, category: Category) {
    b.add(place, category, None);
    for w in place.split_whitespace() {
        let key = fold_key(w);
        if key.len() >= 4
            && !b.rules.common.contains(&key)
            && !b.rules.context.facility_generic.contains(&key)
            && !b.rules.clinical.contains(&key)
        {
            b.add(w, category, None);
        }
    }
}

fn add_facility(b: &mut Builder<'_>, name: &str) {
    let rules = b.rules;
    b.add(name, Category::Facility, None);
    let words: Vec<&str> = name.split_whitespace().collect();
    // The core: the name without its trailing generic words ("St. Rita's" of
    // "St. Rita's Medical Center").
    let mut end = words.len();
    while end > 0
        && rules
            .context
            .facility_generic
            .contains(&fold_key(words[end - 1]))
    {
        end -= 1;
    }
    let core = &words[..end];
    if !core.is_empty() {
        let joined = core.join(" ");
        let distinctive = core.iter().any(|w| {
            let k = fold_key(w.trim_end_matches("'s"));
            !rules.context.facility_generic.contains(&k) && k.len() >= 3
        });
        if distinctive {
            b.add(&joined, Category::Facility, None);
            for variant in saint_variants(&joined) {
                b.add(&variant, Category::Facility, None);
            }
            if let Some(stem) = joined
                .strip_suffix("'s")
                .or_else(|| joined.strip_suffix("’s"))
            {
                b.add(stem, Category::Facility, None);
                for variant in saint_variants(stem) {
                    b.add(&variant, Category::Facility, None);
                }
            }
        }
        for w in core {
            let k = fold_key(w);
            let stem = k.trim_end_matches("'s");
            if stem.len() >= 4
                && !rules.common.contains(stem)
                && !rules.context.facility_generic.contains(stem)
                && !rules.clinical.contains(stem)
            {
                b.add(w, Category::Facility, None);
            }
        }
    }
    // Acronyms: `SRMC` of "St. Rita's Medical Center", `HFH` of "Henry Ford Hospital";
    // also written with dots or an ampersand left out (`S.R.M.C.`).
    for acronym in facility_acronyms(&words, rules) {
        if acronym.len() >= 3 || !rules.lexicon.contains(&acronym.to_ascii_lowercase()) {
            b.add(&acronym, Category::Facility, None);
            let dotted: String = acronym.chars().flat_map(|c| [c, '.']).collect();
            b.add(&dotted, Category::Facility, None);
        }
    }
    // "Mercy General" of "Mercy General Hospital": the name without its last word.
    if words.len() >= 3 {
        b.add(
            &words[..words.len() - 1].join(" "),
            Category::Facility,
            None,
        );
    }
}

/// Initials of a facility name, with and without its function words (`of`, `the`, `and`):
/// "Hospital of the University of Pennsylvania" gives `HUP` and `HOTUOP`.
fn facility_acronyms(words: &[&str], rules: &RuleSet) -> Vec<String> {
    let initial = |w: &&str| {
        w.chars()
            .find(|c| c.is_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
    };
    let function = |w: &&str| rules.context.acronym_skips.contains(&fold_key(w));
    let mut out = Vec::new();
    if words.len() >= 2 {
        let content: String = words
            .iter()
            .filter(|w| !function(w))
            .filter_map(initial)
            .collect();
        let all: String = words.iter().filter_map(initial).collect();
        for a in [content, all] {
            if a.chars().count() >= 2 && !out.contains(&a) {
                out.push(a);
            }
        }
    }
    out
}

fn saint_variants(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (from, tos) in [
        ("St. ", &["St ", "Saint "][..]),
        ("St ", &["St. ", "Saint "][..]),
        ("Saint ", &["St. ", "St "][..]),
        ("Mt. ", &["Mt ", "Mount "][..]),
        ("Mount ", &["Mt. ", "Mt "][..]),
    ] {
        if let Some(rest) = s.strip_prefix(from) {
            for to in tos {
                out.push(format!("{to}{rest}"));
            }
        }
    }
    out
}

fn add_unit(b: &mut Builder<'_>, unit: &str) {
    b.add(unit, Category::Unit, None);
    for form in unit_short_forms(unit) {
        b.add(&form, Category::Unit, None);
    }
}

/// Short forms of a ward's name, as staff write them: "Tower 6 North" gives `T6N`, `6N`,
/// `6 N`, `6 North`, `6North`, `Tower 6`, `TOW6N`; "Hunt 7" gives `HUN7`, `Hunt7`, `H7`,
/// `Hunt-7`.
fn unit_short_forms(unit: &str) -> Vec<String> {
    let words: Vec<&str> = unit
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| !w.is_empty())
        .collect();
    let dir = |w: &str| match fold_key(w).as_str() {
        "north" | "n" => Some('N'),
        "south" | "s" => Some('S'),
        "east" | "e" => Some('E'),
        "west" | "w" => Some('W'),
        _ => None,
    };
    let Some(ni) = words.iter().position(|w| {
        w.chars().all(|c| c.is_ascii_digit())
            || w.chars().next().is_some_and(|c| c.is_ascii_digit())
    }) else {
        return Vec::new();
    };
    let num = words[ni];
    let before: Vec<&str> = words[..ni].to_vec();
    let after: Vec<&str> = words[ni + 1..].to_vec();
    let d: Option<char> = after.first().and_then(|w| dir(w));
    let dl: String = d.map(String::from).unwrap_or_default();
    let mut out = Vec::new();
    if let Some(dw) = after.first().filter(|_| d.is_some()) {
        out.push(format!("{num}{dl}"));
        out.push(format!("{num} {dl}"));
        out.push(format!("{num} {dw}"));
        out.push(format!("{num}{dw}"));
        out.push(format!("{num}-{dw}"));
    }
    if !before.is_empty() {
        let initials: String = before
            .iter()
            .filter_map(|w| w.chars().next())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        out.push(format!("{initials}{num}{dl}"));
        let joined = before.join(" ");
        out.push(format!("{joined} {num}"));
        out.push(format!("{joined}{num}"));
        out.push(format!("{joined}-{num}"));
        let first = before[0];
        if first.chars().count() >= 4 {
            let stem: String = first.chars().take(3).collect::<String>().to_uppercase();
            out.push(format!("{stem}{num}{dl}"));
            out.push(format!("{stem}{num}"));
        }
    }
    out.retain(|f| f.len() >= 2);
    out.dedup();
    out
}

/// Nicknames after names known from the structured fields: the same person, remembered
/// for every field of the case.
pub(super) fn nicknames_after_known(text: &str, ctx: &mut CaseContext<'_>, spans: &mut Vec<Span>) {
    let mut found = Vec::new();
    for s in spans.iter() {
        if let (Category::Name, Repl::Person(p)) = (s.category, &s.repl) {
            if let Some((ws, we, _)) = nickname_after(text, s.end, ctx.rules) {
                found.push((ws, we, *p));
            }
        }
    }
    for (ws, we, p) in found {
        let key = crate::redaction::fold::fold_key(&text[ws..we]);
        ctx.people.by_key.insert(key, p);
        spans.push(Span {
            start: ws,
            end: we,
            category: Category::Name,
            priority: PRIORITY_KNOWN,
            repl: Repl::Person(p),
        });
    }
}

/// Title before a known name (`Dr. Vazquez`), an initial (`I. Tran`, `Ian T.`).
pub(super) fn extend_known_names(text: &str, spans: &mut [Span], rules: &RuleSet) {
    for s in spans.iter_mut() {
        if s.category != Category::Name {
            continue;
        }
        // Left: "Dr. ", "Mrs ", "J. "
        let before = &text[..s.start];
        let trimmed = before.trim_end_matches(' ');
        if trimmed.len() < before.len() {
            let t2 = trimmed.trim_end_matches('.');
            let word_start = t2
                .rfind(|c: char| !c.is_alphabetic())
                .map(|i| i + t2[i..].chars().next().map_or(1, char::len_utf8))
                .unwrap_or(0);
            let word = &t2[word_start..];
            let key = crate::redaction::fold::fold_key(word);
            let free_before = t2[..word_start]
                .chars()
                .next_back()
                .map_or(true, |c| c.is_whitespace() || c == '(');
            let is_initial = word.chars().count() == 1
                && word.chars().all(char::is_uppercase)
                && t2.len() < trimmed.len()
                && free_before;
            if !word.is_empty() && (rules.context.titles.contains(&key) || is_initial) {
                s.start = word_start;
            }
        }
        // Right: " T." or " T" initial after a first name.
        s.end += trailing_initial(text, s.end);
    }
}

/// Words known as names of this case (from any field), wherever they are written.
pub(super) fn detect_remembered(toks: &[Token], ctx: &CaseContext<'_>, out: &mut Vec<Span>) {
    for t in toks {
        if let Some(&p) = ctx.people.by_key.get(&t.key) {
            // An English word is the remembered name only where it reads as a proper noun:
            // capitalised inside mixed-case text (`Plan` opening a line stays).
            let proper = if t.has(lex::ENGLISH | lex::COMMON) {
                t.cap && !t.sentence_start && (!t.upper || t.has(lex::FIRST | lex::LAST))
            } else {
                true
            };
            if proper && !t.has(lex::CLINICAL | lex::ABBREV | lex::STOP) && t.key.len() >= 2 {
                out.push(Span {
                    start: t.start,
                    end: t.end,
                    category: Category::Name,
                    priority: PRIORITY_NAME - 1,
                    repl: Repl::Person(p),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facility_acronyms_skip_function_words() {
        let words: Vec<&str> = "St. Rita's Medical Center".split_whitespace().collect();
        assert_eq!(
            facility_acronyms(&words, &RuleSet::embedded()),
            vec!["SRMC".to_owned()]
        );
        let words: Vec<&str> = "Hospital of the University of Pennsylvania"
            .split_whitespace()
            .collect();
        assert_eq!(
            facility_acronyms(&words, &RuleSet::embedded()),
            vec!["HUP".to_owned(), "HOTUOP".to_owned()]
        );
    }

    #[test]
    fn unit_short_forms_as_staff_write_them() {
        let forms = unit_short_forms("Tower 6 North");
        for f in ["T6N", "6N", "6 North", "Tower 6", "TOW6N"] {
            assert!(forms.iter().any(|x| x == f), "{f} missing from {forms:?}");
        }
        let forms = unit_short_forms("Hunt 7");
        for f in ["HUN7", "Hunt7", "H7"] {
            assert!(forms.iter().any(|x| x == f), "{f} missing from {forms:?}");
        }
        assert!(unit_short_forms("Medical ICU").is_empty());
    }

    #[test]
    fn letters_count_past_z() {
        assert_eq!(letters(0), "A");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(27), "AB");
    }

    #[test]
    fn digit_runs_join_separators() {
        let t = "call 816-276-4019 or (515) 410 7044 at 12:09";
        let runs: Vec<&str> = digit_runs(t).into_iter().map(|(s, e)| &t[s..e]).collect();
        assert_eq!(runs, vec!["816-276-4019", "515) 410 7044", "12", "09"]);
    }
}
