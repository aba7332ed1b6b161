//! Stage 1, tokens: the words of a field, each with its folded key, its shape (capital,
//! upper case, sentence start, touching a digit) and the lists of the rule set that hold it.

use crate::redaction::fold::fold_into;
use crate::redaction::rules::{lex, RuleSet};

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
    pub(crate) flags: u32,
}

impl Token {
    pub(crate) fn has(&self, bits: u32) -> bool {
        self.flags & bits != 0
    }
}

pub(super) fn tokenize(text: &str, rules: &RuleSet) -> Vec<Token> {
    tokenize_where(text, rules, |_| true)
}

/// The words of `text` as [`tokenize`] finds them, but only those starting with a capital
/// get their key and lists looked up (the others have an empty key and no list): what the
/// flags stage needs, at a fraction of the cost.
pub(super) fn tokenize_capitals(text: &str, rules: &RuleSet) -> Vec<Token> {
    tokenize_where(text, rules, |cap| cap)
}

fn tokenize_where(text: &str, rules: &RuleSet, look_up: impl Fn(bool) -> bool) -> Vec<Token> {
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
        let cap = c.is_uppercase();
        let upper = word.chars().all(|c| !c.is_lowercase());
        if !look_up(cap) {
            out.push(Token {
                flags: 0,
                start,
                end,
                key: String::new(),
                cap,
                upper,
                sentence_start,
                digit_adjacent: false,
            });
            sentence_start = false;
            continue;
        }
        let mut key = String::with_capacity(word.len());
        fold_into(word, &mut key);
        let digit_adjacent = text[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_digit())
            || text[end..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit());
        let flags = rules.lexicon.get(&key).unwrap_or_else(|| {
            // A plural or contracted form of a known-safe word (`TVs`, `PVCs`, `D/C'd`,
            // `sx'd`) is as safe as the word.
            let (stem, contracted) = match key.split_once('\'') {
                Some((a, b)) if b.len() <= 2 => (a, true),
                Some(_) => ("", false),
                None => (key.strip_suffix('s').unwrap_or(""), false),
            };
            let known = rules.lexicon.get(stem).unwrap_or(0);
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

pub(super) fn word_is_sentence_start(text: &str, at: usize) -> bool {
    let before = text[..at].trim_end();
    before.is_empty() || before.ends_with(['.', '!', '?', ':', '\n'])
}

/// In no vocabulary at all.
pub(crate) fn unknown(t: &Token) -> bool {
    !t.has(lex::SAFE | lex::FIRST | lex::LAST) && t.key.len() >= 2 && !t.digit_adjacent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitals_only_tokens_agree_with_full_tokens() {
        let rules = crate::redaction::rules::test_rules();
        for text in [
            "Met [PERSON-A] and Zorblatt at the Foley check. O'Brien's PVCs; TVs D/C'd",
            "ÉLODIE met dr. Ng at 03:10 — “Sunny” Smi\u{ad}thers",
            "",
        ] {
            let full = tokenize(text, rules);
            let caps = tokenize_capitals(text, rules);
            assert_eq!(full.len(), caps.len(), "{text}");
            for (f, c) in full.iter().zip(&caps) {
                assert_eq!(
                    (f.start, f.end, f.cap, f.upper, f.sentence_start),
                    (c.start, c.end, c.cap, c.upper, c.sentence_start)
                );
                if f.cap {
                    assert_eq!(
                        (&f.key, f.flags, f.digit_adjacent),
                        (&c.key, c.flags, c.digit_adjacent)
                    );
                } else {
                    assert!(c.key.is_empty() && c.flags == 0);
                }
            }
        }
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
