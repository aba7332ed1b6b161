//! Detection in one free-text field: pattern rules, dictionaries and context; rendering.

use chrono::{Datelike, NaiveDate};

use super::category::Category;
use super::fold::{fold_into, Folded};
use super::known::{Known, People};
use super::rules::{lex, Action, Rule, RuleSet};
use super::span::{resolve_in, Repl, Span, PRIORITY_KNOWN, PRIORITY_NAME};

/// Most flags reported per field.
const MAX_FLAGS_PER_FIELD: usize = 50;

/// What one case's detection needs.
pub(crate) struct CaseContext<'a> {
    pub rules: &'a RuleSet,
    pub known: Known,
    pub people: People,
    pub occurred: NaiveDate,
    pub birth: Option<NaiveDate>,
}

/// A word of the text.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) key: String,
    pub(crate) cap: bool,
    pub(crate) upper: bool,
    pub(crate) sentence_start: bool,
    /// A digit touches the word (`SpO2`, `5N`): a code, not a name.
    pub(crate) digit_adjacent: bool,
    /// The lists holding the word (`lex::*` bits).
    pub(crate) flags: u16,
}

impl Token {
    pub(crate) fn has(&self, bits: u16) -> bool {
        self.flags & bits != 0
    }
}

fn tokenize(text: &str, rules: &RuleSet) -> Vec<Token> {
    let mut out = Vec::new();
    let mut iter = text.char_indices().peekable();
    let mut sentence_start = true;
    while let Some((i, c)) = iter.next() {
        if !c.is_alphabetic() {
            if matches!(c, '.' | '!' | '?' | '\n' | ':' | ';' | '•' | '—' | '–') {
                sentence_start = true;
            } else if !c.is_whitespace() && !matches!(c, '"' | '(' | '\'' | '*' | '-' | '“') {
                sentence_start = false;
            }
            continue;
        }
        let start = i;
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = iter.peek() {
            if d.is_alphabetic() {
                end = j + d.len_utf8();
                iter.next();
            } else if d == '\'' || d == '\u{2019}' {
                // An inner apostrophe (O'Brien), not a possessive 's.
                let after = &text[j + d.len_utf8()..];
                let rest: String = after.chars().take_while(|c| c.is_alphabetic()).collect();
                if !(rest.is_empty() || rest == "s" || rest == "S") {
                    iter.next();
                    end = j + d.len_utf8();
                } else {
                    if !rest.is_empty() {
                        // A possessive 's is no word of its own.
                        iter.next();
                        iter.next();
                    }
                    break;
                }
            } else {
                break;
            }
        }
        let word = &text[start..end];
        let mut key = String::with_capacity(word.len());
        fold_into(word, &mut key);
        let cap = c.is_uppercase();
        let upper = word.chars().all(|c| !c.is_lowercase());
        let digit_adjacent = text[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_digit())
            || text[end..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit());
        let flags = rules.lexicon.get(&key).copied().unwrap_or_else(|| {
            // A plural or contracted form of a known-safe word (`TVs`, `PVCs`, `D/C'd`,
            // `sx'd`) is as safe as the word.
            let (stem, contracted) = match key.split_once('\'') {
                Some((a, b)) if b.len() <= 2 => (a, true),
                Some(_) => ("", false),
                None => (key.strip_suffix('s').unwrap_or(""), false),
            };
            let known = rules.lexicon.get(stem).copied().unwrap_or(0);
            if known & lex::SAFE != 0 || (contracted && stem.len() <= 2) {
                lex::ABBREV
            } else {
                0
            }
        });
        out.push(Token {
            flags,
            start,
            end,
            key,
            cap,
            upper,
            sentence_start,
            digit_adjacent,
        });
        sentence_start = false;
    }
    out
}

/// The separator between two tokens.
pub(crate) fn between<'t>(text: &'t str, a: &Token, b: &Token) -> &'t str {
    text.get(a.end..b.start).unwrap_or("")
}

/// Runs every detector on `text`, returning candidate spans (unresolved).
pub(crate) fn detect(text: &str, ctx: &mut CaseContext<'_>) -> (Vec<Span>, Vec<Token>) {
    let mut spans = Vec::new();
    let folded = Folded::new(text);
    ctx.known.find(text, &folded, &mut spans);
    extend_known_names(text, &mut spans, ctx.rules);
    nicknames_after_known(text, ctx, &mut spans);
    let mut keep = Vec::new();
    apply_rules(text, ctx, &mut spans, &mut keep);
    let toks = detect_names(text, ctx, &mut spans);
    if !keep.is_empty() {
        // A measurement stays whole: nothing found inside it is replaced, but for the case's
        // own identifiers and the kinds of text no measurement holds.
        spans.retain(|s| {
            s.priority >= PRIORITY_KNOWN
                || matches!(
                    s.category,
                    Category::Email
                        | Category::Url
                        | Category::Ip
                        | Category::Address
                        | Category::Location
                        | Category::AgeOver89
                )
                || !keep.iter().any(|&(a, b)| {
                    let inside = a <= s.start && s.end <= b;
                    // An ID or phone that only reaches into a measurement, with too few
                    // digits to be a number of its own (`U/O50-100cc/hr`, `+10 40%`).
                    let overlaps = a < s.end && s.start < b;
                    let digits = text[s.start..s.end]
                        .bytes()
                        .filter(u8::is_ascii_digit)
                        .count();
                    // A cued identifier (`SN T5H-61649`, `MRN …`) stands on its own.
                    let cued = s.category == Category::Id && s.priority >= 60;
                    (inside && !cued)
                        || (overlaps
                            && !cued
                            && matches!(
                                s.category,
                                Category::Id | Category::Phone | Category::Unit
                            )
                            && digits < 7)
                })
        });
    }
    (spans, toks)
}

/// A nickname written in quotes or parentheses right after a name (`Oluwaseun ("Seun")`,
/// `William "Bill" Jones`, `Robert (Bobby)`): the byte range of the nickname word and the
/// end of its closing mark.
fn nickname_after(text: &str, end: usize, rules: &RuleSet) -> Option<(usize, usize, usize)> {
    let b = text.as_bytes();
    let mut k = end;
    if b.get(k) != Some(&b' ') {
        return None;
    }
    k += 1;
    let quote_at = |k: usize| -> Option<usize> {
        // The byte length of an opening/closing quote at k.
        let rest = &text.get(k..)?;
        for q in ["\"", "'", "\u{201c}", "\u{201d}", "\u{2018}", "\u{2019}"] {
            if rest.starts_with(q) {
                return Some(q.len());
            }
        }
        None
    };
    let paren = b.get(k) == Some(&b'(');
    if paren {
        k += 1;
    }
    let quote = quote_at(k);
    if let Some(q) = quote {
        k += q;
    }
    if !paren && quote.is_none() {
        return None;
    }
    let ws = k;
    let first = text[ws..].chars().next()?;
    if !first.is_uppercase() {
        return None;
    }
    let mut we = ws;
    for (i, c) in text[ws..].char_indices() {
        if c.is_alphabetic() || ((c == '-' || c == '\'') && i > 0) {
            we = ws + i + c.len_utf8();
        } else {
            break;
        }
    }
    let word = text[ws..we].trim_end_matches(['-', '\'']);
    let we = ws + word.len();
    if word.chars().count() < 2 || word.chars().count() > 20 {
        return None;
    }
    let mut c = we;
    if quote.is_some() {
        c += quote_at(c)?;
    }
    if paren {
        if b.get(c) != Some(&b')') {
            return None;
        }
        c += 1;
    }
    let key = super::fold::fold_key(word);
    let upper = word.chars().all(|c| !c.is_lowercase());
    if (upper && key.len() <= 5)
        || rules.clinical.contains(&key)
        || rules.context.titles.contains(&key)
        || rules.context.roles.contains(&key)
        || rules.context.relatives.contains(&key)
        || rules.context.post_roles.contains(&key)
        || rules.context.facility_generic.contains(&key)
        || (rules.common.contains(&key) && !rules.first_names.contains(&key))
    {
        return None;
    }
    Some((ws, we, c))
}

/// Nicknames after names known from the structured fields: the same person, remembered
/// for every field of the case.
fn nicknames_after_known(text: &str, ctx: &mut CaseContext<'_>, spans: &mut Vec<Span>) {
    let mut found = Vec::new();
    for s in spans.iter() {
        if let (Category::Name, Repl::Person(p)) = (s.category, &s.repl) {
            if let Some((ws, we, _)) = nickname_after(text, s.end, ctx.rules) {
                found.push((ws, we, *p));
            }
        }
    }
    for (ws, we, p) in found {
        let key = super::fold::fold_key(&text[ws..we]);
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
fn extend_known_names(text: &str, spans: &mut [Span], rules: &RuleSet) {
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
            let key = super::fold::fold_key(word);
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

/// The length of an initial written right after a name (`Priya R.`, `Tom K said`), or 0.
/// Without a period, `I` and `A` are words and a letter before a number is a symbol (`K 4.1`).
fn trailing_initial(text: &str, end: usize) -> usize {
    let b = &text.as_bytes()[end..];
    if b.len() < 2 || b[0] != b' ' || !b[1].is_ascii_uppercase() {
        return 0;
    }
    match b.get(2) {
        Some(b'.') => {
            if b.get(3).is_some_and(|c| c.is_ascii_alphanumeric()) {
                0
            } else {
                3
            }
        }
        None => {
            if matches!(b[1], b'I' | b'A') {
                0
            } else {
                2
            }
        }
        Some(&c) => {
            if matches!(b[1], b'I' | b'A') || !matches!(c, b' ' | b',' | b';' | b')' | b'\n') {
                return 0;
            }
            let next = b[2..]
                .iter()
                .find(|c| !matches!(c, b' ' | b',' | b';' | b')'));
            if next.is_some_and(|c| c.is_ascii_digit()) {
                0
            } else {
                2
            }
        }
    }
}

fn apply_rules(
    text: &str,
    ctx: &CaseContext<'_>,
    out: &mut Vec<Span>,
    keep: &mut Vec<(usize, usize)>,
) {
    let rules = ctx.rules;
    let hits = rules.prefilter.as_ref().map(|set| set.matches(text));
    for (ri, rule) in rules.rules.iter().enumerate() {
        if let Some(h) = &hits {
            if !h.matched(ri) {
                continue;
            }
        } else if !rule.applies_to(text) {
            continue;
        }
        if rule.needs_captures {
            for caps in rule.regex.captures_iter(text) {
                let Some(m) = caps.get(rule.group) else {
                    continue;
                };
                if !digit_bounded(text, m.start(), m.end()) {
                    continue;
                }
                let repl = match rule.action {
                    Action::Date => match date_repl(&caps, text, ctx) {
                        Some(r) => r,
                        None => continue,
                    },
                    Action::Age => match caps.name("age").and_then(|a| age_value(a.as_str())) {
                        Some(age) if age >= 90 => Repl::Text("[90+]".into()),
                        _ => continue,
                    },
                    _ => Repl::Category,
                };
                out.push(span_of(rule, m.start(), m.end(), repl));
            }
        } else {
            for m in rule.regex.find_iter(text) {
                let (mut s, e) = (m.start(), m.end());
                if !digit_bounded(text, s, e) {
                    continue;
                }
                match rule.action {
                    Action::Protect => {
                        keep.push((s, e));
                        continue;
                    }
                    Action::IdShape if !id_shaped(m.as_str(), rules) => continue,
                    // A telephone number has seven digits or more (`+2801` is a balance).
                    Action::Redact
                        if rule.category == Category::Phone
                            && rule.name.starts_with("phone")
                            && m.as_str().bytes().filter(u8::is_ascii_digit).count() < 7 =>
                    {
                        continue
                    }
                    Action::Facility => match trim_facility(text, s, e, rules) {
                        Some(ns) => s = ns,
                        None => continue,
                    },
                    _ => {}
                }
                out.push(span_of(rule, s, e, Repl::Category));
            }
        }
    }
}

fn span_of(rule: &Rule, start: usize, end: usize, repl: Repl) -> Span {
    Span {
        start,
        end,
        category: rule.category,
        priority: rule.priority,
        repl,
    }
}

/// A numeric match must not be a piece of a longer number (`1/2/3/4`, `12345`).
fn digit_bounded(text: &str, s: usize, e: usize) -> bool {
    let b = text.as_bytes();
    let is_d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let sep = |i: usize| b.get(i).is_some_and(|c| matches!(c, b'/' | b'.' | b'-'));
    let decimal = s >= 2 && b[s - 1] == b'.' && is_d(s - 2);
    if is_d(s) && s > 0 && (is_d(s - 1) || decimal || (sep(s - 1) && s >= 2 && is_d(s - 2))) {
        return false;
    }
    if e > 0 && is_d(e - 1) && (is_d(e) || (sep(e) && is_d(e + 1))) {
        return false;
    }
    true
}

fn month_number(name: &str) -> Option<u32> {
    let k = name.to_ascii_lowercase();
    let k = k.trim_end_matches('.');
    let m = match k.get(..3)? {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    Some(m)
}

fn date_repl(caps: &regex::Captures<'_>, text: &str, ctx: &CaseContext<'_>) -> Option<Repl> {
    let _ = text;
    // "2 may need": lower-case "may" after a number is the verb; before one it is the month.
    if caps.name("mon").is_some_and(|m| m.as_str() == "may")
        && caps
            .get(0)
            .is_some_and(|m| m.as_str().starts_with(|c: char| c.is_ascii_digit()))
    {
        return None;
    }
    let first = date_value(caps, "month", "day", ctx)?;
    // The second date of a range (`6/30-7/2`).
    if caps.name("month2").is_some() {
        let second = date_value(caps, "month2", "day2", ctx)?;
        return Some(Repl::Text(format!("{first}-{second}")));
    }
    Some(Repl::Text(first))
}

/// The placeholder for the date in the groups `month`/`mon`, `day`/`dayw`, `year`/`yy`/`yy2`.
fn date_value(
    caps: &regex::Captures<'_>,
    month_group: &str,
    day_group: &str,
    ctx: &CaseContext<'_>,
) -> Option<String> {
    let num = |n: &str| caps.name(n).and_then(|m| m.as_str().parse::<u32>().ok());
    let mut month = match caps.name("mon").filter(|_| month_group == "month") {
        Some(m) => month_number(m.as_str())?,
        None => num(month_group)?,
    };
    let mut day = num(day_group)
        .or_else(|| num("dayd").filter(|_| day_group == "day"))
        .or_else(|| {
            caps.name("dayw")
                .filter(|_| day_group == "day")
                .and_then(|m| ordinal_value(m.as_str()))
        });
    if let Some(d) = day {
        if month > 12 && d <= 12 && caps.name("mon").is_none() {
            std::mem::swap(&mut month, day.as_mut()?);
        }
        if !(1..=31).contains(&day?) {
            return None;
        }
    }
    if !(1..=12).contains(&month) {
        return None;
    }
    let year = match num("year").or_else(|| num("yy2").filter(|y| *y >= 1000)) {
        Some(y) => Some(y as i32),
        None => num("yy").or_else(|| num("yy2")).map(|yy| {
            let y = 2000 + yy as i32;
            if y <= ctx.occurred.year() + 1 {
                y
            } else {
                y - 100
            }
        }),
    };
    let Some(day) = day else {
        return Some("[DATE]".into());
    };
    let date = match year {
        Some(y) => NaiveDate::from_ymd_opt(y, month, day),
        None => {
            let y0 = ctx.occurred.year();
            [y0 - 1, y0, y0 + 1]
                .iter()
                .filter_map(|&y| NaiveDate::from_ymd_opt(y, month, day))
                .min_by_key(|d| (*d - ctx.occurred).num_days().abs())
        }
    };
    let Some(date) = date else {
        return Some("[DATE]".into());
    };
    // A birth date, or any date long before the event, would give away an age in days.
    let n = (date - ctx.occurred).num_days();
    if Some(date) == ctx.birth || n < -730 {
        return Some("[DATE]".into());
    }
    Some(day_placeholder(n))
}

/// A day of the month in words: `third` → 3, `twenty-first` → 21.
fn ordinal_value(s: &str) -> Option<u32> {
    let s = s.to_ascii_lowercase();
    let mut total = 0;
    for w in s.split([' ', '-', '\t', '\n']).filter(|w| !w.is_empty()) {
        total += match w {
            "twenty" => 20,
            "thirty" => 30,
            "first" => 1,
            "second" => 2,
            "third" => 3,
            "fourth" => 4,
            "fifth" => 5,
            "sixth" => 6,
            "seventh" => 7,
            "eighth" => 8,
            "ninth" => 9,
            "tenth" => 10,
            "eleventh" => 11,
            "twelfth" => 12,
            "thirteenth" => 13,
            "fourteenth" => 14,
            "fifteenth" => 15,
            "sixteenth" => 16,
            "seventeenth" => 17,
            "eighteenth" => 18,
            "nineteenth" => 19,
            "twentieth" => 20,
            "thirtieth" => 30,
            _ => return None,
        };
    }
    (1..=31).contains(&total).then_some(total)
}

/// `[DAY 0]`, `[DAY +3]`, `[DAY -1]`.
pub(crate) fn day_placeholder(n: i64) -> String {
    match n {
        0 => "[DAY 0]".to_owned(),
        n if n > 0 => format!("[DAY +{n}]"),
        n => format!("[DAY {n}]"),
    }
}

/// The number an age phrase stands for: digits or English words.
fn age_value(s: &str) -> Option<u32> {
    let s = s.trim().to_ascii_lowercase();
    if let Ok(n) = s.parse::<u32>() {
        return (n <= 130).then_some(n);
    }
    match s.as_str() {
        "nineties" | "90s" | "90's" | "nonagenarian" => return Some(90),
        "hundreds" | "centenarian" | "supercentenarian" => return Some(100),
        _ => {}
    }
    let mut total = 0;
    for w in s.split([' ', '-']).filter(|w| !w.is_empty()) {
        total += match w {
            "a" | "and" => 0,
            "one" => 1,
            "two" => 2,
            "three" => 3,
            "four" => 4,
            "five" => 5,
            "six" => 6,
            "seven" => 7,
            "eight" => 8,
            "nine" => 9,
            "ten" => 10,
            "eleven" => 11,
            "twelve" => 12,
            "ninety" => 90,
            "hundred" => {
                total = total.max(1) * 100;
                0
            }
            _ => return None,
        };
    }
    Some(total)
}

/// Letters and digits mixed, or a long digit run; not a dose, unit, measurement or
/// clinical term. An `[ID]` needs an identifier's shape.
fn id_shaped(s: &str, rules: &RuleSet) -> bool {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    let letters = s.bytes().filter(u8::is_ascii_alphabetic).count();
    let groups: Vec<usize> = s
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .filter(|&n| n > 0)
        .collect();
    let longest = groups.iter().copied().max().unwrap_or(0);
    if letters == 0 {
        // Ranges, pressures and fractions (`120-148/57-71`) are measurements; an identifier
        // has a long run of digits, or several dash-joined groups (`12-3456-78`).
        let clock =
            |g: &str| g.len() == 4 && g[..2].parse::<u32>().is_ok_and(|h| h < 24) && g[2..] < *"60";
        let times = s.split('-').all(clock);
        return longest >= 6
            || (!s.contains(['/', '.'])
                && digits >= 7
                && longest >= 4
                && !times
                && groups.iter().all(|&n| n >= 2));
    }
    if digits < 3 || letters + digits < 5 {
        return false;
    }
    let key = super::fold::fold_key(s);
    if rules.clinical.contains(&key) {
        return false;
    }
    // Every letter run a unit or abbreviation (`850U/HR`, `tv800`, `100cc/hr`): a measurement.
    let safe_run = |r: &str| {
        r.len() == 1
            || rules
                .lexicon
                .get(r)
                .is_some_and(|f| f & (lex::ABBREV | lex::CLINICAL) != 0)
    };
    let mut runs = key
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|r| !r.is_empty());
    if runs.all(safe_run) && longest < 6 {
        return false;
    }
    // A study or enrolment code: a capitalised word, a dash and three or more digits
    // (`CRIMSON-0447`).
    if let Some((word, num)) = s.split_once('-') {
        if word.len() >= 2
            && word.bytes().all(|b| b.is_ascii_uppercase())
            && num.len() >= 3
            && num.bytes().all(|b| b.is_ascii_digit())
        {
            return true;
        }
    }
    for chunk in key.split(['-', '/']) {
        if chunk.len() >= 3
            && chunk.bytes().all(|b| b.is_ascii_alphabetic())
            && rules.common.contains(chunk)
        {
            return false;
        }
    }
    // A number with a unit suffix: 1200mL, 72hrs.
    let first_alpha = s.bytes().position(|b| b.is_ascii_alphabetic()).unwrap_or(0);
    if s.contains(['-', '/']) {
        return true;
    }
    let (num, suffix) = s.split_at(first_alpha);
    if !num.is_empty()
        && num.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && suffix.len() <= 5
        && suffix.bytes().all(|b| b.is_ascii_alphabetic())
    {
        return false;
    }
    true
}

fn trim_facility(text: &str, s: usize, e: usize, rules: &RuleSet) -> Option<usize> {
    let mut start = s;
    loop {
        let rest = &text[start..e];
        let word_end = rest.find(char::is_whitespace)?;
        let word = &rest[..word_end];
        let key = super::fold::fold_key(word);
        if matches!(
            key.as_str(),
            "the"
                | "at"
                | "to"
                | "from"
                | "in"
                | "of"
                | "a"
                | "an"
                | "and"
                | "our"
                | "their"
                | "this"
                | "that"
                | "with"
                | "by"
                | "for"
                | "on"
                | "was"
                | "is"
                | "his"
                | "her"
                | "its"
        ) || (rules.common.contains(&key)
            && !rules.context.facility_generic.contains(&key)
            && start == s
            && word_is_sentence_start(text, start))
        {
            start += word_end;
            start += text[start..e].len() - text[start..e].trim_start().len();
            continue;
        }
        break;
    }
    let rest = &text[start..e];
    // Nothing but generic words left ("Medical Center"): not a named facility.
    let named = rest.split_whitespace().any(|w| {
        !rules
            .context
            .facility_generic
            .contains(&super::fold::fold_key(w))
    });
    if !named {
        return None;
    }
    Some(start)
}

fn word_is_sentence_start(text: &str, at: usize) -> bool {
    let before = text[..at].trim_end();
    before.is_empty() || before.ends_with(['.', '!', '?', ':', '\n'])
}

/// Names from dictionaries and context.
fn detect_names(text: &str, ctx: &mut CaseContext<'_>, out: &mut Vec<Span>) -> Vec<Token> {
    let rules = ctx.rules;
    let toks = tokenize(text, rules);
    let n = toks.len();
    let mut is_name = vec![false; n];
    let mut family = vec![false; n];
    let protected = protected_by_phrases(text, &toks, rules);
    detect_places(text, &toks, &protected, rules, out);
    let common = |t: &Token| t.has(lex::COMMON);
    let clinical = |t: &Token| t.has(lex::CLINICAL | lex::ABBREV);
    let dict = |t: &Token| t.has(lex::FIRST | lex::LAST);
    let ctxword = |t: &Token| t.has(lex::TITLE | lex::ROLE | lex::RELATIVE);
    // A plausible name word: capitalised, no common word, not clinical.
    let cap_unknown =
        |t: &Token| t.cap && !common(t) && !clinical(t) && !ctxword(t) && t.key.len() >= 2;
    let name_word = |t: &Token| dict(t) && !common(t) && !clinical(t) && !ctxword(t);

    for i in 0..n {
        let t = &toks[i];
        if t.key.len() < 2 || t.digit_adjacent || protected[i] {
            continue;
        }
        let prev = if i > 0 { Some(&toks[i - 1]) } else { None };
        let sep = prev.map(|p| between(text, p, t)).unwrap_or("");
        let close = sep.len() <= 3
            && !sep.contains('\n')
            && sep
                .chars()
                .all(|c| matches!(c, ' ' | '.' | ',' | ':' | '\'' | '"' | '‘' | '“'));
        let mut hit = false;
        if let (Some(p), true) = (prev, close) {
            if p.has(lex::TITLE) {
                // Titles are judged by the context stage.
            } else if p.has(lex::RELATIVE)
                || (p.key == "law" && text[..p.start].to_ascii_lowercase().ends_with("-in-"))
            {
                if cap_unknown(t) || name_word(t) {
                    hit = true;
                    family[i] = true;
                }
            } else if p.has(lex::ROLE) && !sep.contains('.') {
                hit = (cap_unknown(t) && (p.upper || !t.sentence_start)) || name_word(t);
                if p.key.len() <= 3 && !p.upper {
                    // "do", "pa" in lower case are words, not roles.
                    hit = false;
                }
            } else if p.has(lex::CUE) && !sep.contains('.') {
                hit = cap_unknown(t) && !t.upper;
            }
        }
        // A short upper-case word is a name only when no vocabulary knows it (`LUCY`, not
        // `MAE` or `RAY`).
        if !hit
            && t.cap
            && !(t.upper && t.key.len() <= 5 && (t.has(lex::ENGLISH) || !t.has(lex::FIRST)))
            && name_word(t)
        {
            hit = true;
        }
        // A word no vocabulary knows, capitalised inside mixed-case running text.
        if !hit
            && t.cap
            && !t.upper
            && !t.sentence_start
            && t.key.len() >= 3
            && super::context::unknown(t)
            && !protected[i]
            && !rules.near_safe(&t.key)
        {
            hit = true;
        }
        // Shouted names: two upper-case dictionary names in a row (`JOHN SMITH`).
        if !hit && t.upper && t.key.len() >= 2 && name_word(t) {
            if let Some(nx) = toks.get(i + 1) {
                let s2 = between(text, t, nx);
                if nx.upper && name_word(nx) && (s2 == " " || s2 == ", ") {
                    hit = true;
                    is_name[i + 1] = true;
                }
            }
        }
        // A lower-case given name right after a cue or preposition ("reviewed by bobby").
        if !hit && !t.cap && t.has(lex::FIRST) && !common(t) && !clinical(t) {
            if let (Some(p), true) = (prev, close) {
                if p.has(lex::CUE)
                    || matches!(
                        p.key.as_str(),
                        "by" | "with" | "to" | "from" | "and" | "per" | "told" | "asked"
                    )
                {
                    hit = true;
                }
            }
        }
        // Lower-case first name followed by a lower-case surname.
        if !t.cap && t.has(lex::FIRST) && !common(t) && !clinical(t) {
            if let Some(nx) = toks.get(i + 1) {
                if !nx.cap
                    && between(text, t, nx) == " "
                    && nx.has(lex::LAST)
                    && !common(nx)
                    && !clinical(nx)
                {
                    hit = true;
                    is_name[i + 1] = true;
                }
            }
        }
        // "X, RN" / "X (charge nurse)"
        if !hit && cap_unknown(t) && !t.sentence_start {
            if let Some(nx) = toks.get(i + 1) {
                let s2 = between(text, t, nx);
                if (s2 == ", " || s2 == " (" || s2 == " - " || s2 == ", the ")
                    && nx.has(lex::POST_ROLE)
                    && (nx.upper || nx.key.len() > 3)
                {
                    hit = true;
                }
            }
        }
        if hit {
            is_name[i] = true;
        }
    }
    super::context::mark_names(text, &toks, &protected, rules, &mut is_name, &mut family);
    super::context::detect_places(text, &toks, &protected, rules, out);
    // Extend: neighbours of a name that look like names; initials.
    for i in 0..n {
        if !is_name[i] {
            continue;
        }
        let mut j = i + 1;
        while j < n && j <= i + 2 {
            let s = between(text, &toks[j - 1], &toks[j]);
            if !protected[j]
                && (s == " " || s == "-")
                && !toks[j].has(lex::STOP)
                && (cap_unknown(&toks[j]) || (toks[j].cap && dict(&toks[j]) && !clinical(&toks[j])))
            {
                is_name[j] = true;
                family[j] = family[j] || family[i];
                j += 1;
            } else {
                break;
            }
        }
        if i > 0 && !is_name[i - 1] {
            let p = &toks[i - 1];
            let s = between(text, p, &toks[i]);
            if !protected[i - 1]
                && (s == " " || s == "-")
                && !p.has(lex::STOP)
                && cap_unknown(p)
                && !p.sentence_start
                && !p.upper
            {
                is_name[i - 1] = true;
            }
        }
    }
    // Name particles: `van der Berg`, `de la Cruz`, `bin Rashid`, after a name or alone.
    let mut k = 0;
    while k < n {
        if !is_particle(&toks[k].key) || is_name[k] || protected[k] {
            k += 1;
            continue;
        }
        let mut m = k + 1;
        while m < n
            && m < k + 3
            && is_particle(&toks[m].key)
            && between(text, &toks[m - 1], &toks[m]) == " "
        {
            m += 1;
        }
        let Some(last) = toks.get(m) else { break };
        let sep_ok = matches!(between(text, &toks[m - 1], last), " " | "-");
        let after_name = k > 0 && is_name[k - 1] && between(text, &toks[k - 1], &toks[k]) == " ";
        // A clinical head (`Berg`) only after a name or two particles (`von Willebrand` stays).
        let head_ok = last.cap
            && (!clinical(last) || after_name || m - k >= 2)
            && !protected[m]
            && !last.digit_adjacent
            && !ctxword(last)
            && last.key.len() >= 2;
        let known_head = is_name[m] || (clinical(last) && (after_name || m - k >= 2));
        // Particles that open a family name on their own (`van`, `bin`), unlike the ones
        // that only join (`der`, `la`).
        let strong = !toks[k].cap
            && is_particle(&toks[k].key)
            && !matches!(toks[k].key.as_str(), "der" | "den" | "la" | "le" | "y");
        let accept = sep_ok
            && head_ok
            && (after_name
                || (m - k >= 2 && (cap_unknown(last) || name_word(last) || known_head))
                || (strong && (cap_unknown(last) || name_word(last) || is_name[m])));
        if accept {
            let fam = after_name && family[k - 1];
            for f in k..=m {
                is_name[f] = true;
                family[f] = family[f] || fam;
            }
            k = m + 1;
        } else {
            k += 1;
        }
    }
    // Group consecutive name tokens into spans; one person per group. A nickname in
    // quotes or parentheses right after a group is the same person (`Robert (Bobby)
    // Smith`), and so is the group right after it.
    let mut carry: Option<(usize, usize)> = None; // (token index, person)
    let mut i = 0;
    while i < n {
        if !is_name[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < n
            && is_name[j + 1]
            && match between(text, &toks[j], &toks[j + 1]) {
                " " | "-" => true,
                ". " => toks[j].end - toks[j].start == 1,
                _ => false,
            }
        {
            j += 1;
        }
        let start = absorb_initials(text, toks[i].start);
        let fam = (i..=j).any(|k| family[k]);
        let person = match carry.take() {
            Some((at, p)) if at == i => {
                for u in &toks[i..=j] {
                    ctx.people.by_key.entry(u.key.clone()).or_insert(p);
                }
                p
            }
            _ => person_for(&toks[i..=j], fam, &mut ctx.people),
        };
        let end = toks[j].end + trailing_initial(text, toks[j].end);
        out.push(Span {
            start,
            end,
            category: Category::Name,
            priority: PRIORITY_NAME,
            repl: Repl::Person(person),
        });
        i = j + 1;
        if let Some((ws, we, close)) = nickname_after(text, end, rules) {
            if let Some(k) = (i..n).find(|&k| toks[k].start == ws) {
                ctx.people.by_key.insert(toks[k].key.clone(), person);
                out.push(Span {
                    start: ws,
                    end: we,
                    category: Category::Name,
                    priority: PRIORITY_NAME + 5,
                    repl: Repl::Person(person),
                });
                i = k + 1;
                while i < n && toks[i].start < close {
                    i += 1;
                }
                if i < n && is_name[i] && text.get(close..toks[i].start) == Some(" ") {
                    carry = Some((i, person));
                }
            }
        }
    }
    toks
}

/// Lower-case particles of family names (`van der`, `de la`, `bin`).
fn is_particle(key: &str) -> bool {
    matches!(
        key,
        "van"
            | "von"
            | "der"
            | "den"
            | "de"
            | "la"
            | "le"
            | "du"
            | "da"
            | "di"
            | "del"
            | "della"
            | "dos"
            | "das"
            | "bin"
            | "bint"
            | "ibn"
            | "ter"
            | "ten"
            | "y"
    )
}

/// Words known as names of this case (from any field), wherever they are written.
pub(crate) fn detect_remembered(toks: &[Token], ctx: &CaseContext<'_>, out: &mut Vec<Span>) {
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

/// US and world city names: a multi-word name written with capitals anywhere; a one-word
/// name after a place cue (`in Fresno`) or before a state (`Salem, OR`).
fn detect_places(
    text: &str,
    toks: &[Token],
    protected: &[bool],
    rules: &RuleSet,
    out: &mut Vec<Span>,
) {
    if rules.cities.is_empty() {
        return;
    }
    let mut key = String::new();
    let mut i = 0;
    let cued_at = |i: usize| {
        i > 0
            && rules.context.place_cues.contains(&toks[i - 1].key)
            && between(text, &toks[i - 1], &toks[i]) == " "
    };
    while i < toks.len() {
        // Written with a capital, or in any case right after a place cue (`lives in rome`).
        let lower_ok = cued_at(i);
        if !(toks[i].cap || lower_ok) || protected[i] {
            i += 1;
            continue;
        }
        let mut best: Option<usize> = None;
        key.clear();
        key.push_str(&toks[i].key);
        if rules.cities.contains(&key) {
            best = Some(i);
        }
        for j in i + 1..toks.len().min(i + 4) {
            let sep = between(text, &toks[j - 1], &toks[j]);
            if !(sep == " " || sep == "-" || sep == ". ") || !(toks[j].cap || lower_ok) {
                break;
            }
            key.push(' ');
            key.push_str(&toks[j].key);
            if rules.cities.contains(&key) {
                best = Some(j);
            }
        }
        let Some(j) = best else {
            i += 1;
            continue;
        };
        let single = j == i;
        let cued = cued_at(i);
        let before_state = text[toks[j].end..].strip_prefix(", ").is_some_and(|rest| {
            let b = rest.as_bytes();
            b.len() >= 2
                && b[0].is_ascii_uppercase()
                && b[1].is_ascii_uppercase()
                && (b.len() == 2 || !b[2].is_ascii_alphanumeric())
        });
        let t = &toks[i];
        // A city that is no English word (`Seattle`, `rome`; not `Reading`, `mobile`).
        let plain = !t.has(lex::ENGLISH | lex::CLINICAL | lex::ABBREV);
        // A one-word city that is no English word is a place wherever it stands
        // (`Baltimore reconsult`), unless it starts a sentence in lower case.
        let anywhere =
            single && t.cap && plain && t.key.len() >= 4 && !t.has(lex::FIRST | lex::LAST);
        let accept = if single {
            before_state || (cued && plain) || anywhere
        } else if !t.cap {
            cued
        } else {
            !t.sentence_start || cued || before_state
        };
        if accept {
            out.push(Span {
                start: toks[i].start,
                end: toks[j].end,
                category: Category::Location,
                priority: PRIORITY_NAME + 1,
                repl: Repl::Category,
            });
            i = j + 1;
        } else {
            i += 1;
        }
    }
}

/// Tokens inside a clinical phrase (`Stevens-Johnson`, `Bair Hugger`).
fn protected_by_phrases(text: &str, toks: &[Token], rules: &RuleSet) -> Vec<bool> {
    let mut out = vec![false; toks.len()];
    if rules.clinical_phrases.is_empty() {
        return out;
    }
    // An eponym: a capitalised word (or a hyphenated pair) before a head noun.
    for j in 1..toks.len() {
        if !rules.context.eponym_heads.contains(&toks[j].key) {
            continue;
        }
        let mut i = j;
        while i > 0 && i + 3 > j {
            let sep = between(text, &toks[i - 1], &toks[i]);
            let ok = if i == j {
                matches!(sep, " " | "'s " | "\u{2019}s " | "' " | "-")
            } else {
                sep == "-" || sep == " "
            };
            if !ok || !toks[i - 1].cap {
                break;
            }
            let before = if i >= 2 { Some(&toks[i - 2]) } else { None };
            if before.is_some_and(|b| rules.context.titles.contains(&b.key)) {
                break;
            }
            out[i - 1] = true;
            i -= 1;
            if sep == " " && i < j {
                break;
            }
        }
    }
    let mut key = String::new();
    for i in 0..toks.len() {
        key.clear();
        key.push_str(&toks[i].key);
        for j in i + 1..toks.len().min(i + 6) {
            let sep = between(text, &toks[j - 1], &toks[j]);
            if !matches!(sep, " " | "-" | "'s " | "\u{2019}s " | "' ") {
                break;
            }
            key.push(' ');
            key.push_str(&toks[j].key);
            if rules.clinical_phrases.contains(&key) {
                for flag in &mut out[i..=j] {
                    *flag = true;
                }
            }
        }
    }
    out
}

/// Moves `start` left over initials written before a name: `J. `, `P.K. `, `P. K. `.
fn absorb_initials(text: &str, mut start: usize) -> usize {
    let b = text.as_bytes();
    for _ in 0..3 {
        let mut k = start;
        while k > 0 && b[k - 1] == b' ' {
            k -= 1;
        }
        // "X." right before (k points after the dot)
        if k >= 2 && b[k - 1] == b'.' && b[k - 2].is_ascii_uppercase() {
            let letter = k - 2;
            let free = letter == 0 || matches!(b[letter - 1], b' ' | b'(' | b'.' | b'\n' | b',');
            if free && start - k <= 1 {
                start = letter;
                continue;
            }
        }
        break;
    }
    start
}

fn person_for(toks: &[Token], family: bool, people: &mut People) -> usize {
    for t in toks.iter().rev() {
        if let Some(&p) = people.by_key.get(&t.key) {
            for u in toks {
                people.by_key.entry(u.key.clone()).or_insert(p);
            }
            return p;
        }
    }
    let p = people.add(if family { "FAMILY" } else { "PERSON" });
    for u in toks {
        people.by_key.entry(u.key.clone()).or_insert(p);
    }
    p
}

/// Whether a placeholder now touches what was glued to the removed text: a letter or digit
/// right beside it, or a digit behind a few separators (a number run it split).
fn touches(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let glued = |c: u8| c.is_ascii_alphanumeric() || c >= 0x80;
    let sep = |c: u8| matches!(c, b' ' | b'\t' | b'-' | b'.' | b'/' | b'(' | b')' | b'+');
    if (start > 0 && glued(b[start - 1])) || (end < b.len() && glued(b[end])) {
        return true;
    }
    let mut k = start;
    while k > 0 && start - k < 3 && sep(b[k - 1]) {
        k -= 1;
    }
    if k < start && k > 0 && b[k - 1].is_ascii_digit() {
        return true;
    }
    let mut k = end;
    while k < b.len() && k - end < 3 && sep(b[k]) {
        k += 1;
    }
    k > end && k < b.len() && b[k].is_ascii_digit()
}

/// Redacts `text`: resolves the spans and renders placeholders, counting per category;
/// also tells whether any replaced span touched glued text (only then can a
/// rescan find a new identifier).
fn render_spans_glued(
    text: &str,
    spans: Vec<Span>,
    people: &People,
    counts: &mut std::collections::BTreeMap<String, u32>,
) -> (String, bool) {
    let mut glued = false;
    let kept = resolve_in(text, spans);
    let mut out = String::with_capacity(text.len() + 16);
    let mut pos = 0;
    let mut last: Option<(String, usize)> = None; // placeholder, output length after it
    for s in kept {
        if s.start < pos
            || s.end > text.len()
            || !text.is_char_boundary(s.start)
            || !text.is_char_boundary(s.end)
        {
            continue;
        }
        let repl: String = match &s.repl {
            Repl::Category => s.category.placeholder().to_owned(),
            Repl::Person(p) => people
                .placeholders
                .get(*p)
                .cloned()
                .unwrap_or_else(|| "[PERSON]".to_owned()),
            Repl::Text(t) => t.clone(),
        };
        let gap = &text[pos..s.start];
        // Merge "[RN-A] [RN-A]" (first and last name found apart) into one placeholder.
        if let Some((prev, len)) = &last {
            if *prev == repl
                && *len == out.len()
                && s.category != Category::AgeOver89
                && !gap.is_empty()
                && gap.chars().all(|c| c == ' ' || c == '-')
                && repl.starts_with('[')
            {
                pos = s.end;
                continue;
            }
        }
        glued = glued || touches(text, s.start, s.end);
        out.push_str(gap);
        out.push_str(&repl);
        *counts.entry(s.category.as_str().to_owned()).or_insert(0) += 1;
        last = Some((repl, out.len()));
        pos = s.end;
        let _ = PRIORITY_KNOWN;
    }
    out.push_str(&text[pos..]);
    (out, glued)
}

/// Removing one identifier can expose another glued to it (`KatrinaRN7663794` →
/// `Katrina[ID]`): the output is scanned for known identifiers again until none is left.
/// Whether `start..end` of `out` lies inside one of the pipeline's placeholders: a `[`
/// before it and a `]` after it with nothing but placeholder characters (capitals, digits,
/// space, `-`, `+`) between them.
fn inside_placeholder(out: &str, start: usize, end: usize) -> bool {
    let before = &out[..start];
    let Some(open) = before.rfind('[') else {
        return false;
    };
    let after = &out[end..];
    let Some(close) = after.find(']') else {
        return false;
    };
    let content = &out[open + 1..end + close];
    !content.is_empty()
        && content.len() <= 40
        && content.bytes().all(|b| {
            b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'+')
        })
}

pub(crate) fn rescan_known(
    mut out: String,
    mut glued: bool,
    ctx: &CaseContext<'_>,
    counts: &mut std::collections::BTreeMap<String, u32>,
) -> String {
    for _ in 0..4 {
        if !glued {
            break;
        }
        let mut spans = Vec::new();
        let folded = Folded::new(&out);
        ctx.known.find(&out, &folded, &mut spans);
        drop(folded);
        // Never inside a placeholder: `[DAY 0]` is no surname Day. A literal `[` of the
        // text that no placeholder closes hides nothing (`[SummersBrightwater`).
        spans.retain(|s| !inside_placeholder(&out, s.start, s.end));
        if spans.is_empty() {
            break;
        }
        (out, glued) = render_spans_glued(&out, spans, &ctx.people, counts);
    }
    out
}

/// Redacts `text` and rescans the output for identifiers its replacements exposed.
pub(crate) fn render_and_rescan(
    text: &str,
    spans: Vec<Span>,
    ctx: &CaseContext<'_>,
    counts: &mut std::collections::BTreeMap<String, u32>,
) -> String {
    let (out, glued) = render_spans_glued(text, spans, &ctx.people, counts);
    rescan_known(out, glued, ctx, counts)
}

/// Flags for a curator: capitalised words of the redacted `out` found in no list.
pub(crate) fn flag_unknown_words(
    out: &str,
    rules: &RuleSet,
    field: &str,
    flags: &mut Vec<crate::case::RedactionFlag>,
) {
    let mut n = 0;
    let mut depth = 0usize;
    let mut last_end = 0;
    for t in tokenize(out, rules) {
        // Skip placeholders: count brackets between tokens.
        for c in out[last_end..t.start].chars() {
            match c {
                '[' => depth += 1,
                ']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        last_end = t.start;
        if depth > 0
            || !t.cap
            || t.sentence_start
            || (t.upper && t.key.len() <= 5)
            || t.key.len() < 2
        {
            continue;
        }
        if t.has(lex::COMMON | lex::CLINICAL | lex::ROLE)
            || rules.context.facility_generic.contains(&t.key)
        {
            continue;
        }
        if n >= MAX_FLAGS_PER_FIELD {
            break;
        }
        flags.push(crate::case::RedactionFlag {
            field: field.to_owned(),
            start: t.start,
            end: t.end,
            reason: "capitalized-unknown-word".to_owned(),
        });
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_in_words() {
        assert_eq!(age_value("ninety-one"), Some(91));
        assert_eq!(age_value("one hundred and two"), Some(102));
        assert_eq!(age_value("92"), Some(92));
        assert_eq!(age_value("nineties"), Some(90));
        assert_eq!(age_value("eighty"), None);
    }

    #[test]
    fn id_shape_keeps_doses_and_scores() {
        let r = RuleSet::embedded();
        assert!(id_shaped("MD024382", &r));
        assert!(id_shaped("3HG4-DG4-CB26", &r));
        assert!(id_shaped("538733395", &r));
        assert!(!id_shaped("1200mL", &r));
        assert!(!id_shaped("24-hour", &r));
        assert!(!id_shaped("CURB-65", &r));
        assert!(!id_shaped("G2P1", &r));
        assert!(!id_shaped("12345", &r));
    }

    #[test]
    fn tokens_keep_inner_apostrophes() {
        let t = tokenize("O'Brien's chart. Then", &RuleSet::embedded());
        assert_eq!(t[0].key, "o'brien");
        assert!(t[0].sentence_start);
        assert!(t[2].sentence_start);
        assert!(!t[1].sentence_start);
    }
}
