//! Stage 5, places: towns and cities from the place list, and facilities, wards and places
//! found by context (a head noun, an acronym, a cue such as `lives in` or `transfer to`).

use super::tokens::{between, unknown, Token};
use crate::redaction::category::Category;
use crate::redaction::rules::{lex, RuleSet};
use crate::redaction::span::{Repl, Span, PRIORITY_NAME};

/// US and world city names: a multi-word name written with capitals anywhere; a one-word
/// name after a place cue (`in Fresno`) or before a state (`Salem, OR`).
pub(super) fn detect_cities(
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
        i > 0 && toks[i - 1].has(lex::PLACE_CUE) && between(text, &toks[i - 1], &toks[i]) == " "
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
        // (`Baltimore reconsult`, `BAltimore`), unless it starts a sentence in lower case.
        // One that is also a name is an identifier either way: a place, unless the names
        // stage finds a person there (its spans win).
        let anywhere = single && t.cap && plain && t.key.len() >= 4;
        let also_name = t.has(lex::FIRST | lex::LAST);
        let accept = if single {
            before_state || (cued && plain) || anywhere
        } else if !t.cap {
            cued
        } else {
            !t.sentence_start || cued || before_state
        };
        if accept {
            let by_list_alone = single && !before_state && !cued && also_name;
            out.push(Span {
                start: toks[i].start,
                end: toks[j].end,
                category: Category::Location,
                priority: if by_list_alone {
                    PRIORITY_NAME - 1
                } else {
                    PRIORITY_NAME + 1
                },
                repl: Repl::Category,
            });
            i = j + 1;
        } else {
            i += 1;
        }
    }
}

/// Facilities, wards and places found by context, as spans.
pub(super) fn detect_by_context(
    text: &str,
    toks: &[Token],
    protected: &[bool],
    rules: &RuleSet,
    out: &mut Vec<Span>,
) {
    let n = toks.len();
    let push = |out: &mut Vec<Span>, s: usize, e: usize, category: Category| {
        out.push(Span {
            start: s,
            end: e,
            category,
            priority: PRIORITY_NAME + 2,
            repl: Repl::Category,
        });
    };
    let cue = |i: usize| {
        i > 0
            && toks[i - 1].has(lex::PLACE_CUE)
            && matches!(between(text, &toks[i - 1], &toks[i]), " " | " the ")
    };
    let at_sign = |i: usize| {
        i > 0 && {
            let b = between(text, &toks[i - 1], &toks[i]);
            b.trim() == "@"
        } || text[..toks[i].start].trim_end().ends_with('@')
    };
    let mut i = 0;
    while i < n {
        let t = &toks[i];
        if protected[i] {
            i += 1;
            continue;
        }
        // A facility head with the name words before it (`Harbor Hosp`, `sacred heart
        // hospital`, `Baltimore Rehab`, `kessler-adventist rehab facility`).
        if t.has(lex::FACILITY_HEAD) {
            let mut j = i;
            let mut named = false;
            while j > 0 && i - j < 3 {
                let w = &toks[j - 1];
                let s = between(text, w, &toks[j]);
                if !matches!(s, " " | "-") || protected[j - 1] {
                    break;
                }
                let facility_word = w.has(lex::FACILITY_NAME_WORD);
                // In shouted text every word is capitalised: there a name word is one that no
                // vocabulary knows, or a word of hospital names (`UNION HOSP`).
                let capital_name = if w.upper {
                    !w.has(lex::ENGLISH | lex::COMMON) || facility_word
                } else {
                    w.cap && !w.sentence_start
                };
                let name_word = (facility_word || !w.has(lex::STOP | lex::CLINICAL | lex::ABBREV))
                    && !w.has(lex::PLACE_CUE)
                    && !w.digit_adjacent
                    && w.key.len() >= 2
                    && (capital_name || !w.has(lex::COMMON | lex::ENGLISH) || facility_word);
                if name_word {
                    named |= !rules.context.facility_generic.contains(&w.key)
                        || facility_word && !rules.context.weak_facility_words.contains(&w.key);
                    j -= 1;
                } else {
                    break;
                }
            }
            // Trailing heads belong to the name too (`Baltimore rehab hospital`).
            let mut e = i;
            while e + 1 < n
                && toks[e + 1].has(lex::FACILITY_HEAD)
                && between(text, &toks[e], &toks[e + 1]) == " "
            {
                e += 1;
            }
            // `Memorial Hospital`: a head before another head names the place.
            let memorial = e > i && t.key == "memorial" && (t.cap || t.upper);
            if (j < i && named) || memorial {
                push(out, toks[j].start, toks[e].end, Category::Facility);
                i = e + 1;
                continue;
            }
        }
        // Facility names made of ordinary words (`Holy Cross`, `sacred heart`), and `St X`,
        // after a place cue or `@`.
        if let Some(nx) = toks.get(i + 1) {
            let candidate = t.has(lex::FACILITY_NAME_WORD | lex::SAINT);
            if candidate && between(text, t, nx) == " " {
                let phrase = format!("{} {}", t.key, nx.key);
                // `St A.`, `Saint Agnes`; not `ST` (sinus tachycardia) in shouted text.
                let saint = rules.context.saint_words.contains(&t.key) && nx.cap && !t.upper;
                if (rules.context.facility_names.contains(&phrase) || saint)
                    && (cue(i) || at_sign(i) || (t.cap && nx.cap))
                {
                    let mut e = nx.end;
                    if saint && text[e..].starts_with('.') && nx.key.len() == 1 {
                        e += 1;
                    }
                    // Trailing heads belong to the name (`sacred heart Memorial`).
                    let mut k = i + 1;
                    while k + 1 < n
                        && toks[k + 1].has(lex::FACILITY_HEAD)
                        && between(text, &toks[k], &toks[k + 1]) == " "
                    {
                        k += 1;
                        e = toks[k].end;
                    }
                    push(out, t.start, e, Category::Facility);
                    i = k + 1;
                    continue;
                }
            }
        }
        // Hospital acronyms (`GH`, `VAMC`, `GBMC`): ending like a hospital's initials, in no
        // vocabulary, after a place cue or `by`, or before a department (`GH ER`, `GBMC
        // nurse`); in lower case only after a place cue (`sent to gh`).
        let dept_after = || {
            toks.get(i + 1).is_some_and(|nx| {
                between(text, t, nx) == " " && rules.context.department_words.contains(&nx.key)
            })
        };
        let by = i > 0 && toks[i - 1].key == "by";
        let go_to =
            i >= 2 && toks[i - 1].key == "to" && rules.context.go_verbs.contains(&toks[i - 2].key);
        if t.key.len() >= 2
            && t.key.len() <= 5
            && !t.digit_adjacent
            && !t.has(lex::SAFE)
            && ((t.upper && (cue(i) || by || dept_after() || at_sign(i)))
                || (!t.cap && t.key.len() <= 4 && (dept_after() || go_to))
                || (!t.cap && t.key.len() <= 3 && t.key.ends_with('h') && cue(i)))
            && (t.end - t.start) == t.key.len()
            && ["h", "mc", "hc", "hs", "mh"]
                .iter()
                .any(|s| t.key.ends_with(s))
        {
            push(out, t.start, t.end, Category::Facility);
            i += 1;
            continue;
        }
        // A ward: an unknown word with a number (`quartermain 6`, `QUARTERMAIN7`, `Hunt 7`
        // after a transfer cue).
        let rest = &text[t.end..];
        let num_len = |r: &str| {
            let r2 = r.strip_prefix(' ').unwrap_or(r);
            let d = r2.bytes().take_while(u8::is_ascii_digit).count();
            // The number ends there: no decimal, range, ratio or unit glued on.
            let after = &r2[d..];
            let boundary = match after.chars().next() {
                None => true,
                Some(c) if c.is_whitespace() => true,
                Some('.' | ',') => !after[1..].starts_with(|c: char| c.is_ascii_digit()),
                Some(')' | ']' | ';' | ':') => true,
                Some(_) => false,
            };
            ((1..=2).contains(&d) && boundary).then(|| r.len() - r2.len() + d)
        };
        let unit_cued = || {
            i > 0
                && (rules.context.unit_cues.contains(&toks[i - 1].key) || cue(i))
                && between(text, &toks[i - 1], t) == " "
        };
        if let Some(d) = num_len(rest) {
            let unit_cued = unit_cued();
            let wardish =
                (unknown(t) && !rules.near_safe(&t.key) && (unit_cued || (t.cap && !t.upper)))
                    || (unit_cued && t.cap && !t.has(lex::SAFE | lex::STOP));
            if wardish && t.key.len() >= 5 && !protected[i] {
                push(out, t.start, t.end + d, Category::Unit);
                i += 1;
                continue;
            }
        }
        // An unknown word after a place or transfer cue (`lives in rockport`, `to
        // quartermain`, `from reisterstown`).
        // In lower case or shouted text only after a strong cue: `from`, `near`, or `in`/`to`
        // after a word of living or travelling (`lives nearby in rockport`).
        // (Judged only for an unknown word: the look-ups below are most of this stage's cost.)
        let residence = || {
            (1..=3).any(|k| i > k && rules.context.residence_words.contains(&toks[i - 1 - k].key))
        };
        let strong_cue = || {
            cue(i) && (rules.context.strong_place_cues.contains(&toks[i - 1].key) || residence())
        };
        let transfer =
            || i > 0 && (rules.context.transfer_words.contains(&toks[i - 1].key) || go_to);
        let (strong_cue, transfer) = if unknown(t) && t.key.len() >= 3 {
            (strong_cue(), transfer())
        } else {
            (false, false)
        };
        if unknown(t)
            && t.key.len() >= 3
            && (strong_cue || transfer || (cue(i) && t.cap && !t.upper && !t.sentence_start))
            && !t.digit_adjacent
            && !rules.near_safe(&t.key)
        {
            let category = if transfer && !strong_cue {
                Category::Unit
            } else {
                Category::Location
            };
            push(out, t.start, t.end, category);
            i += 1;
            continue;
        }
        // A university by its state (`U Maryland scale`, `Univ. of Iowa`).
        if t.cap && rules.context.university_words.contains(&t.key) {
            let mut k = i + 1;
            if toks.get(k).is_some_and(|w| w.key == "of") {
                k += 1;
            }
            if let Some(w) = toks.get(k) {
                let gap = &text[t.end..w.start];
                if w.cap
                    && rules.context.regions.contains(&w.key)
                    && gap.len() <= 5
                    && !gap.contains('\n')
                {
                    push(out, t.start, w.end, Category::Facility);
                    i = k + 1;
                    continue;
                }
            }
        }
        // An unknown word before a state (`towson maryland's facility`); one a letter away
        // from an English word only when it is a town of the list.
        let placeish = unknown(t) || (t.has(lex::FIRST | lex::LAST) && !t.has(lex::SAFE));
        if placeish
            && t.key.len() >= 3
            && (!rules.near_safe(&t.key) || rules.cities.contains(&t.key))
        {
            if let Some(nx) = toks.get(i + 1) {
                if between(text, t, nx) == " " && rules.context.regions.contains(&nx.key) {
                    push(out, t.start, t.end, Category::Location);
                    i += 1;
                    continue;
                }
            }
        }
        // A name after a verb of going (`went to Harbor`, `sent to Mercy`), written with a
        // capital in mixed-case text.
        if i >= 2
            && t.cap
            && !t.upper
            && toks[i - 1].key == "to"
            && rules.context.go_verbs.contains(&toks[i - 2].key)
            && between(text, &toks[i - 2], &toks[i - 1]) == " "
            && between(text, &toks[i - 1], t) == " "
            && !t.has(lex::ABBREV | lex::CLINICAL | lex::STOP | lex::FACILITY_HEAD)
            && !rules.context.facility_generic.contains(&t.key)
            && !t.digit_adjacent
        {
            let mut e = i;
            while e + 1 < n
                && between(text, &toks[e], &toks[e + 1]) == " "
                && toks[e + 1].cap
                && !toks[e + 1].has(lex::STOP | lex::ABBREV)
                && e - i < 2
            {
                e += 1;
            }
            push(out, t.start, toks[e].end, Category::Facility);
            i = e + 1;
            continue;
        }
        // A ward in a list of units of care (`F-MICU/QUARTERMAIN/CCU`).
        if unknown(t) && t.key.len() >= 4 && !rules.near_safe(&t.key) {
            let before = &text[..t.start];
            let after = &text[t.end..];
            let slash_unit =
                |w: Option<&Token>| w.is_some_and(|w| rules.context.care_units.contains(&w.key));
            let prev_unit = before.ends_with('/') && slash_unit(i.checked_sub(1).map(|p| &toks[p]));
            let next_unit = after.starts_with('/') && slash_unit(toks.get(i + 1));
            if prev_unit || next_unit {
                push(out, t.start, t.end, Category::Unit);
                i += 1;
                continue;
            }
        }
        // An employer (`CEO OF IBM`, `works at Acme`).
        let employer = i >= 2
            && rules.context.employer_links.contains(&toks[i - 1].key)
            && rules.context.employer_cues.contains(&toks[i - 2].key)
            && between(text, &toks[i - 2], &toks[i - 1]) == " ";
        if employer {
            let s = between(text, &toks[i - 1], t);
            if s == " " && (t.cap || unknown(t)) && !t.has(lex::STOP | lex::ABBREV) {
                let mut e = i;
                while e + 1 < n
                    && between(text, &toks[e], &toks[e + 1]) == " "
                    && toks[e + 1].cap
                    && !toks[e + 1].has(lex::STOP)
                    && e - i < 3
                {
                    e += 1;
                }
                push(out, t.start, toks[e].end, Category::Location);
                i = e + 1;
                continue;
            }
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::redaction::rules::test_rules;

    fn places(text: &str) -> Vec<(String, Category)> {
        let rules = test_rules();
        let toks = super::super::tokens::tokenize(text, rules);
        let protected = vec![false; toks.len()];
        let mut spans = Vec::new();
        detect_cities(text, &toks, &protected, rules, &mut spans);
        detect_by_context(text, &toks, &protected, rules, &mut spans);
        spans
            .iter()
            .map(|s| (text[s.start..s.end].to_owned(), s.category))
            .collect()
    }

    #[test]
    fn towns_after_cues_and_before_states() {
        assert!(places("she lives in fresno now").contains(&("fresno".into(), Category::Location)));
        assert!(
            places("drove from Salem, OR today").contains(&("Salem".into(), Category::Location))
        );
        assert!(places("Reading the chart again").is_empty());
    }

    #[test]
    fn a_city_that_is_also_a_surname_is_a_place_in_any_case() {
        for text in [
            "no seizure activity noted, Baltimore reconsult for transfer",
            "no seizure activity noted, BAltimore reconsult for transfer",
        ] {
            let found = places(text);
            assert!(
                found
                    .iter()
                    .any(|(t, c)| t.eq_ignore_ascii_case("baltimore") && *c == Category::Location),
                "{text}: {found:?}"
            );
        }
    }

    #[test]
    fn a_lower_case_town_before_a_state_is_a_place() {
        let found = places("given a brief overview of this towson maryland's facility");
        assert!(
            found.contains(&("towson".into(), Category::Location)),
            "{found:?}"
        );
    }

    #[test]
    fn facilities_and_wards_by_context() {
        let found = places("transferred to Harbor Hosp overnight");
        assert!(
            found.contains(&("Harbor Hosp".into(), Category::Facility)),
            "{found:?}"
        );
        let found = places("pt moved to quartermain 2 after rounds");
        assert!(
            found
                .iter()
                .any(|(t, c)| t.starts_with("quartermain") && *c == Category::Unit),
            "{found:?}"
        );
        let found = places("report given to GBMC nurse");
        assert!(
            found.contains(&("GBMC".into(), Category::Facility)),
            "{found:?}"
        );
        assert!(places("sent to the ICU for monitoring").is_empty());
    }
}
