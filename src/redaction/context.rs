//! The context stage: words that are identifiers because of where they stand.
//!
//! The default is inverted for positions where a name, a place or a ward can stand: after a
//! title, a relative or a role, before a sign-off credential, after an initial, after a place
//! or transfer cue. There a word survives only when it is known to be safe (English, clinical
//! vocabulary, an abbreviation) and its context does not make it an identifier; a word that
//! no vocabulary knows is redacted. Outside such positions, an unknown capitalised word in
//! running mixed-case text is a name.

use super::category::Category;
use super::rules::{lex, RuleSet};
use super::span::{Repl, Span, PRIORITY_NAME};
use super::text::{between, Token};

/// In no vocabulary at all.
pub(crate) fn unknown(t: &Token) -> bool {
    !t.has(lex::SAFE | lex::FIRST | lex::LAST) && t.key.len() >= 2 && !t.digit_adjacent
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
pub(crate) fn mark_names(
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
            if is_relative(p, rules)
                && tight(sep)
                && (t.has(lex::FIRST) || unknown(t))
                && vocab_ok
                && !t.has(lex::STOP | lex::ROLE | lex::RELATIVE)
                && !t.digit_adjacent
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
            let says = matches!(
                nx.key.as_str(),
                "called"
                    | "calls"
                    | "phoned"
                    | "visited"
                    | "visits"
                    | "states"
                    | "stated"
                    | "spoke"
                    | "asked"
                    | "requested"
                    | "agreed"
                    | "consented"
                    | "updated"
                    | "arrived"
            );
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
        let cued = matches!(
            toks[i - 1].key.as_str(),
            "called" | "named" | "by" | "nickname" | "nicknamed" | "as" | "known"
        );
        if quoted && cued && t.cap && !protected[i] && !t.has(lex::CLINICAL | lex::ABBREV) {
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
                    && chunk
                        .rsplit_once('.')
                        .is_some_and(|(_, ext)| is_file_extension(ext));
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

/// The extension of a file a case may name (images, documents, scans, recordings).
fn is_file_extension(ext: &str) -> bool {
    let ext = ext.to_ascii_lowercase();
    matches!(
        ext.as_str(),
        "jpg"
            | "jpeg"
            | "png"
            | "gif"
            | "tif"
            | "tiff"
            | "bmp"
            | "heic"
            | "pdf"
            | "doc"
            | "docx"
            | "xls"
            | "xlsx"
            | "csv"
            | "txt"
            | "rtf"
            | "dcm"
            | "mp4"
            | "mov"
            | "avi"
            | "wav"
            | "mp3"
            | "zip"
            | "msg"
            | "eml"
            | "ppt"
            | "pptx"
    )
}

/// `o rourke` after a title: a one-letter particle joined to the next word.
fn next_word_joins(text: &str, toks: &[Token], i: usize) -> bool {
    toks.get(i + 1).is_some_and(|nx| {
        matches!(between(text, &toks[i], nx), " " | "'" | "’") && nx.key.len() >= 3
    })
}

/// Facilities, wards and places found by context, as spans.
pub(crate) fn detect_places(
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
            && rules.context.place_cues.contains(&toks[i - 1].key)
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
                let facility_word = rules.context.facility_name_words.contains(&w.key);
                // In shouted text every word is capitalised: there a name word is one that no
                // vocabulary knows, or a word of hospital names (`UNION HOSP`).
                let capital_name = if w.upper {
                    !w.has(lex::ENGLISH | lex::COMMON) || facility_word
                } else {
                    w.cap && !w.sentence_start
                };
                let name_word = (facility_word || !w.has(lex::STOP | lex::CLINICAL | lex::ABBREV))
                    && !rules.context.place_cues.contains(&w.key)
                    && !w.digit_adjacent
                    && w.key.len() >= 2
                    && (capital_name || !w.has(lex::COMMON | lex::ENGLISH) || facility_word);
                if name_word {
                    named |= !rules.context.facility_generic.contains(&w.key)
                        || facility_word && !matches!(w.key.as_str(), "med" | "medical");
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
            let candidate = rules.context.facility_name_words.contains(&t.key)
                || matches!(t.key.as_str(), "st" | "saint");
            if candidate && between(text, t, nx) == " " {
                let phrase = format!("{} {}", t.key, nx.key);
                // `St A.`, `Saint Agnes`; not `ST` (sinus tachycardia) in shouted text.
                let saint = matches!(t.key.as_str(), "st" | "saint") && nx.cap && !t.upper;
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
        let dept_after = toks.get(i + 1).is_some_and(|nx| {
            between(text, t, nx) == " "
                && matches!(
                    nx.key.as_str(),
                    "er" | "ed"
                        | "ew"
                        | "icu"
                        | "micu"
                        | "ccu"
                        | "cath"
                        | "or"
                        | "lab"
                        | "nurse"
                        | "nurses"
                        | "staff"
                        | "team"
                        | "attorneys"
                        | "physicians"
                        | "doctors"
                )
        });
        let by = i > 0 && toks[i - 1].key == "by";
        let go_to =
            i >= 2 && toks[i - 1].key == "to" && rules.context.go_verbs.contains(&toks[i - 2].key);
        if t.key.len() >= 2
            && t.key.len() <= 5
            && !t.digit_adjacent
            && !t.has(lex::SAFE)
            && ((t.upper && (cue(i) || by || dept_after || at_sign(i)))
                || (!t.cap && t.key.len() <= 4 && (dept_after || go_to))
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
        let unit_cued = i > 0
            && (rules.context.unit_cues.contains(&toks[i - 1].key) || cue(i))
            && between(text, &toks[i - 1], t) == " ";
        if let Some(d) = num_len(rest) {
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
        let residence = (1..=3).any(|k| {
            i > k
                && matches!(
                    toks[i - 1 - k].key.as_str(),
                    "lives"
                        | "live"
                        | "living"
                        | "lived"
                        | "resides"
                        | "reside"
                        | "resident"
                        | "home"
                        | "moved"
                        | "moving"
                        | "visiting"
                        | "vacation"
                        | "nearby"
                        | "flew"
                        | "flying"
                        | "drove"
                        | "driving"
                        | "born"
                        | "raised"
                        | "works"
                        | "worked"
                        | "returned"
                )
        });
        let strong_cue = cue(i)
            && (matches!(toks[i - 1].key.as_str(), "from" | "near" | "outside") || residence);
        let transfer = i > 0
            && (matches!(
                toks[i - 1].key.as_str(),
                "transfer" | "transferred" | "transfered" | "tx"
            ) || go_to);
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
        if matches!(t.key.as_str(), "u" | "univ" | "university") && t.cap {
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
        // An unknown word before a state (`towson maryland's facility`).
        let placeish = unknown(t) || (t.has(lex::FIRST | lex::LAST) && !t.has(lex::SAFE));
        if placeish && t.key.len() >= 3 && !rules.near_safe(&t.key) {
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
            let slash_unit = |w: Option<&Token>| {
                w.is_some_and(|w| {
                    matches!(
                        w.key.as_str(),
                        "icu"
                            | "micu"
                            | "sicu"
                            | "ccu"
                            | "csru"
                            | "cvicu"
                            | "nicu"
                            | "picu"
                            | "pacu"
                            | "tele"
                            | "floor"
                            | "ed"
                            | "er"
                            | "ew"
                            | "or"
                            | "vicu"
                            | "ticu"
                    )
                })
            };
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
            && matches!(toks[i - 1].key.as_str(), "of" | "at" | "for" | "by")
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
