//! Stage 3, patterns: the rule files' regular expressions (dates, contacts, identifiers,
//! ages, facilities; measurements to protect), with the checks a match needs (a whole
//! number, an identifier's shape, a real date) and the placeholder it gets.

use chrono::{Datelike, NaiveDate};

use super::tokens::word_is_sentence_start;
use super::CaseContext;
use crate::redaction::category::Category;
use crate::redaction::rules::{lex, Action, Rule, RuleSet};
use crate::redaction::span::{Repl, Span};

pub(super) fn apply_rules(
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
                    Action::Age => {
                        match caps.name("age").and_then(|a| age_value(a.as_str(), rules)) {
                            Some(age) if age >= 90 => Repl::Text("[90+]".into()),
                            _ => continue,
                        }
                    }
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

fn month_number(name: &str, rules: &RuleSet) -> Option<u32> {
    let k = name.to_ascii_lowercase();
    let k = k.trim_end_matches('.');
    rules.numbers.months.get(k.get(..3)?).copied()
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
        Some(m) => month_number(m.as_str(), ctx.rules)?,
        None => num(month_group)?,
    };
    let mut day = num(day_group)
        .or_else(|| num("dayd").filter(|_| day_group == "day"))
        .or_else(|| {
            caps.name("dayw")
                .filter(|_| day_group == "day")
                .and_then(|m| ordinal_value(m.as_str(), ctx.rules))
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
fn ordinal_value(s: &str, rules: &RuleSet) -> Option<u32> {
    let s = s.to_ascii_lowercase();
    let mut total = 0;
    for w in s.split([' ', '-', '\t', '\n']).filter(|w| !w.is_empty()) {
        total += rules.numbers.ordinals.get(w).copied()?;
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
fn age_value(s: &str, rules: &RuleSet) -> Option<u32> {
    let s = s.trim().to_ascii_lowercase();
    if let Ok(n) = s.parse::<u32>() {
        return (n <= 130).then_some(n);
    }
    let numbers = &rules.numbers;
    if let Some(&n) = numbers.age_decades.get(s.as_str()) {
        return Some(n);
    }
    let mut total = 0;
    for w in s.split([' ', '-']).filter(|w| !w.is_empty()) {
        if let Some(&m) = numbers.age_multipliers.get(w) {
            total = total.max(1) * m;
        } else {
            total += numbers.age_words.get(w).copied()?;
        }
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
    let key = crate::redaction::fold::fold_key(s);
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
        let key = crate::redaction::fold::fold_key(word);
        if rules.context.facility_leads.contains(&key)
            || (rules.common.contains(&key)
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
            .contains(&crate::redaction::fold::fold_key(w))
    });
    if !named {
        return None;
    }
    Some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_in_words() {
        let r = RuleSet::embedded();
        assert_eq!(age_value("ninety-one", &r), Some(91));
        assert_eq!(age_value("one hundred and two", &r), Some(102));
        assert_eq!(age_value("92", &r), Some(92));
        assert_eq!(age_value("nineties", &r), Some(90));
        assert_eq!(age_value("eighty", &r), None);
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
}
