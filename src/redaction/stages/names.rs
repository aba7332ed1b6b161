//! Stage 4, names: people, from the name lists and from context.
//!
//! The default is inverted for positions where a name can stand: after a title, a relative
//! or a role, before a sign-off credential, after an initial or a cue. There a word survives
//! only when it is known to be safe (English, clinical vocabulary, an abbreviation) and its
//! context does not make it an identifier; a word that no vocabulary knows is a name.
//! Outside such positions, an unknown capitalised word in running mixed-case text is a name.
//! Consecutive name words become one person, remembered for the whole case.

use super::known::People;
use super::tokens::{between, unknown, Token};
use super::CaseContext;
use crate::redaction::category::Category;
use crate::redaction::rules::{lex, RuleSet};
use crate::redaction::span::{Repl, Span, PRIORITY_NAME};

/// Names from dictionaries and context.
pub(super) fn detect(
    text: &str,
    toks: &[Token],
    protected: &[bool],
    ctx: &mut CaseContext<'_>,
    out: &mut Vec<Span>,
) {
    let rules = ctx.rules;
    let n = toks.len();
    let mut is_name = vec![false; n];
    let mut family = vec![false; n];
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
            && unknown(t)
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
                if p.has(lex::CUE) || rules.context.name_leads.contains(&p.key) {
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
    mark_names(text, toks, protected, rules, &mut is_name, &mut family);
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
        if !toks[k].has(lex::PARTICLE) || is_name[k] || protected[k] {
            k += 1;
            continue;
        }
        let mut m = k + 1;
        while m < n
            && m < k + 3
            && toks[m].has(lex::PARTICLE)
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
            && toks[k].has(lex::PARTICLE)
            && !rules.context.joining_particles.contains(&toks[k].key);
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
}

/// Could be a name word here: a dictionary name or an unknown word, never a stop word, a
/// context word or clinical vocabulary.
fn nameish(t: &Token) -> bool {
    (t.has(lex::FIRST | lex::LAST) || unknown(t))
        && !t.has(lex::STOP | lex::CLINICAL | lex::ABBREV | lex::TITLE | lex::RELATIVE)
        && t.key.len() >= 2
        && !t.digit_adjacent
}

/// A separator that keeps two words in one phrase (`son bill`, `son, bill`, `dr. white`).
fn tight(sep: &str) -> bool {
    sep.len() <= 3
        && !sep.is_empty()
        && !sep.contains('\n')
        && sep
            .chars()
            .all(|c| matches!(c, ' ' | '.' | ',' | '"' | '\'' | '(' | '“' | '‘'))
}

fn is_relative(t: &Token, rules: &RuleSet) -> bool {
    t.has(lex::RELATIVE)
        || t.key
            .strip_suffix('s')
            .is_some_and(|k| rules.context.relatives.contains(k))
}

/// Marks name tokens found by context (`is_name`, and `family` for relatives).
fn mark_names(
    text: &str,
    toks: &[Token],
    protected: &[bool],
    rules: &RuleSet,
    is_name: &mut [bool],
    family: &mut [bool],
) {
    let n = toks.len();
    for i in 0..n {
        if protected[i] || is_name[i] {
            continue;
        }
        let t = &toks[i];
        let prev = i.checked_sub(1).map(|p| &toks[p]);
        let sep = prev.map(|p| between(text, p, t)).unwrap_or("");
        // After a title (`dr small`, `dr. white's order`, `Dr. o rourke`): any word but a
        // stop word. A title that is also an abbreviation (`MS:`, `SR`) needs its dot.
        if let Some(p) = prev {
            // A title that is also an abbreviation (`MS` mental status, `SR` sinus rhythm)
            // needs its dot or a name after it.
            let weak = p.has(lex::ABBREV) && !sep.starts_with('.');
            let title_ok = p.has(lex::TITLE)
                && tight(sep)
                && !sep.contains([',', ':'])
                && (!weak || nameish(t));
            // `Ms. May`, `Mr. Will`: a given name that is also a function word, after a
            // title with its dot.
            let stop_ok = !t.has(lex::STOP)
                || (sep.starts_with('.') && t.cap && !t.upper && t.has(lex::FIRST));
            if title_ok
                && stop_ok
                && !t.has(lex::CLINICAL | lex::ABBREV | lex::TITLE | lex::ROLE)
                && !t.digit_adjacent
                && (t.key.len() >= 2 || next_word_joins(text, toks, i))
            {
                is_name[i] = true;
                if t.key.len() == 1 || t.key == "mc" || t.key == "mac" {
                    // `o rourke`, `mc donald`: the particle and the name.
                    if let Some(nx) = toks.get(i + 1) {
                        is_name[i + 1] = true;
                        let _ = nx;
                    }
                }
                continue;
            }
        }
        // After a relative (`son bill`, `husband milovan`, `daughter "sarah"`, `wife, rose,`).
        if let Some(p) = prev {
            // An abbreviation written as a name (`Son, Ed, was…`) is still one.
            let vocab_ok =
                !t.has(lex::ABBREV | lex::CLINICAL) || (t.cap && !t.upper && t.has(lex::FIRST));
            if tight(sep)
                && (t.has(lex::FIRST) || unknown(t))
                && vocab_ok
                && !t.has(lex::STOP | lex::ROLE | lex::RELATIVE)
                && !t.digit_adjacent
                && is_relative(p, rules)
            {
                is_name[i] = true;
                family[i] = true;
                if let Some(nx) = toks.get(i + 1) {
                    if between(text, t, nx) == " " && nameish(nx) && !nx.has(lex::ENGLISH) {
                        is_name[i + 1] = true;
                        family[i + 1] = true;
                    }
                }
                continue;
            }
        }
        // After a role (`NP grace`, `md wyman`, `RABBI KLEIN`).
        if let Some(p) = prev {
            if p.has(lex::ROLE)
                && matches!(sep, " " | ": ")
                && (t.has(lex::FIRST) || (t.has(lex::LAST) && !t.has(lex::ENGLISH)) || unknown(t))
                && nameish(t)
            {
                is_name[i] = true;
                continue;
            }
        }
        // A given name that calls, visits or speaks (`bill called`, `JOHN STATES`).
        if let Some(nx) = toks.get(i + 1) {
            let says = nx.has(lex::SAYS);
            let opens = prev.map_or(true, |p| {
                let s = between(text, p, t);
                s.contains([':', ',', '.', ';', '\n', '-']) || p.key == "and"
            });
            if says
                && opens
                && between(text, t, nx) == " "
                && t.has(lex::FIRST)
                && !t.has(
                    lex::STOP
                        | lex::ABBREV
                        | lex::CLINICAL
                        | lex::ROLE
                        | lex::RELATIVE
                        | lex::TITLE,
                )
                && t.key.len() >= 3
            {
                is_name[i] = true;
                continue;
            }
        }
        // `Initial. SURNAME` (`E. WELSH`, `B. KARGAS`, `q. lander`).
        if let Some(p) = prev {
            let initial = p.key.len() == 1
                && p.end - p.start == 1
                && (sep == ". " || sep == ".")
                && i >= 1
                && !toks
                    .get(i.wrapping_sub(2))
                    .is_some_and(|q| between(text, q, p) == "." || between(text, q, p) == "-");
            if initial
                && nameish(t)
                && (t.has(lex::FIRST | lex::LAST) || unknown(t))
                && (!t.has(lex::ENGLISH) || t.has(lex::FIRST | lex::LAST))
            {
                is_name[i] = true;
                continue;
            }
        }
    }
    // A name in quotes after a naming cue (`prefers to be called 'Sunny'`, `goes by "Bud"`).
    for i in 1..n {
        let t = &toks[i];
        let before = &text[..t.start];
        let after = &text[t.end..];
        let quoted =
            before.ends_with(['\'', '"', '‘', '“']) && after.starts_with(['\'', '"', '’', '”']);
        if quoted
            && rules.context.nickname_cues.contains(&toks[i - 1].key)
            && t.cap
            && !protected[i]
            && !t.has(lex::CLINICAL | lex::ABBREV)
        {
            is_name[i] = true;
        }
    }
    // Names inside file names (`marisol_frontal_2024.jpg`, `Scan-Okafor.pdf`): one pass over
    // the white-space separated chunks, then the tokens of the chunks that are file names.
    let mut files: Vec<(usize, usize)> = Vec::new();
    let mut chunk_start = None;
    for (p, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_whitespace(), chunk_start) {
            (false, None) => chunk_start = Some(p),
            (true, Some(s0)) => {
                chunk_start = None;
                let chunk = text[s0..p].trim_end_matches(['.', ',', ';', ')']);
                let file = chunk.contains(['_', '-'])
                    && chunk.rsplit_once('.').is_some_and(|(_, ext)| {
                        rules
                            .context
                            .file_extensions
                            .contains(&ext.to_ascii_lowercase())
                    });
                if file {
                    // Up to the extension's dot: the extension itself is no name.
                    let dot = chunk.rfind('.').unwrap_or(chunk.len());
                    files.push((s0, s0 + dot));
                }
            }
            _ => {}
        }
    }
    let mut f = 0;
    for i in 0..n {
        let t = &toks[i];
        while f < files.len() && files[f].1 <= t.start {
            f += 1;
        }
        let Some(&(fs, fe)) = files.get(f) else {
            break;
        };
        if t.start < fs || t.end > fe {
            continue;
        }
        if (t.has(lex::FIRST | lex::LAST) || unknown(t))
            && !t.has(lex::CLINICAL | lex::ABBREV | lex::STOP)
            && (!t.has(lex::ENGLISH) || t.has(lex::FIRST))
            && t.key.len() >= 3
        {
            is_name[i] = true;
        }
    }
    // Sign-offs: up to three name words and initials right before a credential at the end
    // of a phrase (`q. lander rrt`, `EARL N. RAND, RRT`, `barbara j. parrilli bsn/rn`).
    for c in 0..n {
        let cred = &toks[c];
        if !cred.has(lex::POST_ROLE) || c == 0 {
            continue;
        }
        let after = &text[cred.end..];
        let ends = after.is_empty()
            || after.starts_with(['\n', '.', ',', ';', ')', '/', ' ', '-', ':'])
            || after.trim_start().is_empty();
        if !ends {
            continue;
        }
        let mut j = c;
        let mut words = 0;
        let mut strong = false;
        while j > 0 && c - j < 4 {
            let w = &toks[j - 1];
            let s = between(text, w, &toks[j]);
            let ok_sep = if j == c {
                matches!(s, " " | ", ")
            } else {
                matches!(s, " " | ". " | "-")
            };
            if !ok_sep || protected[j - 1] {
                break;
            }
            let initial = w.key.len() == 1 && w.end - w.start == 1;
            if initial || nameish(w) {
                strong |= !initial && (w.has(lex::FIRST | lex::LAST) || unknown(w));
                words += usize::from(!initial);
                j -= 1;
            } else {
                break;
            }
        }
        if strong && words >= 1 {
            for f in is_name.iter_mut().take(c).skip(j) {
                *f = true;
            }
        }
    }
}

/// `o rourke` after a title: a one-letter particle joined to the next word.
fn next_word_joins(text: &str, toks: &[Token], i: usize) -> bool {
    toks.get(i + 1).is_some_and(|nx| {
        matches!(between(text, &toks[i], nx), " " | "'" | "’") && nx.key.len() >= 3
    })
}

/// A nickname written in quotes or parentheses right after a name (`Oluwaseun ("Seun")`,
/// `William "Bill" Jones`, `Robert (Bobby)`): the byte range of the nickname word and the
/// end of its closing mark.
pub(super) fn nickname_after(
    text: &str,
    end: usize,
    rules: &RuleSet,
) -> Option<(usize, usize, usize)> {
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
    let key = crate::redaction::fold::fold_key(word);
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

/// The length of an initial written right after a name (`Priya R.`, `Tom K said`), or 0.
/// Without a period, `I` and `A` are words and a letter before a number is a symbol (`K 4.1`).
pub(super) fn trailing_initial(text: &str, end: usize) -> usize {
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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::redaction::rules::test_rules;
    use crate::redaction::stages::tests::bare_context;

    fn names(text: &str) -> Vec<String> {
        let rules = test_rules();
        let mut ctx = bare_context(rules);
        let toks = super::super::tokens::tokenize(text, rules);
        let protected = super::super::clinical::protected_by_phrases(text, &toks, rules);
        let mut spans = Vec::new();
        detect(text, &toks, &protected, &mut ctx, &mut spans);
        spans
            .iter()
            .map(|s| text[s.start..s.end].to_owned())
            .collect()
    }

    #[test]
    fn context_makes_ordinary_words_names() {
        assert_eq!(names("son bill at bedside"), ["bill"]);
        assert_eq!(names("per B. KARGAS plan continues"), ["B. KARGAS"]);
        assert_eq!(names("called dr small re plan"), ["small"]);
        assert!(names("prefers to be called 'Sunny' by staff").contains(&"Sunny".to_owned()));
    }

    #[test]
    fn clinical_words_and_eponyms_are_never_names() {
        assert!(names("Foley draining, Ativan infusing").is_empty());
        assert!(names("Swan-Ganz catheter placed").is_empty());
        assert!(names("positive Murphy's sign").is_empty());
    }

    #[test]
    fn particles_join_the_family_name() {
        assert_eq!(
            names("met with Maria de la Cruz today"),
            ["Maria de la Cruz"]
        );
        assert!(rules_particles_hold(&["van", "bin", "de"]));
    }

    fn rules_particles_hold(words: &[&str]) -> bool {
        words
            .iter()
            .all(|w| test_rules().context.particles.contains(*w))
    }

    #[test]
    fn an_initial_goes_with_the_name() {
        assert_eq!(trailing_initial("Priya R. said", 5), 3);
        assert_eq!(trailing_initial("Tom K said", 3), 2);
        assert_eq!(trailing_initial("K 4.1 given", 0), 0);
        assert_eq!(absorb_initials("seen by J. Tran", 11), 8);
    }
}
