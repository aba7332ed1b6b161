//! ASCII folding: `Dương` and `duong` compare equal; offsets map back to the original.

use std::borrow::Cow;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: dictionary keys are short words, for which it beats SipHash several times over;
/// the keys come from the rule files, not from attackers choosing collisions.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// A hash set of folded words.
pub(crate) type WordSet = std::collections::HashSet<String, BuildHasherDefault<Fnv>>;
/// A hash map keyed by folded words.
pub(crate) type WordMap<V> = std::collections::HashMap<String, V, BuildHasherDefault<Fnv>>;

/// The lower-cased ASCII fold of a word, the key of every dictionary.
pub(crate) fn fold_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// Appends the lower-cased ASCII fold of `s` to `out` (curly apostrophes become `'`).
pub(crate) fn fold_into(s: &str, out: &mut String) {
    if s.is_ascii() {
        out.extend(s.bytes().map(|b| b.to_ascii_lowercase() as char));
        return;
    }
    for ch in s.chars() {
        push_folded_char(ch, out);
    }
}

fn push_folded_char(ch: char, out: &mut String) {
    if ch.is_ascii() {
        out.push(ch.to_ascii_lowercase());
    } else if ch == '\u{2019}' || ch == '\u{2018}' {
        out.push('\'');
    } else {
        let mut buf = [0u8; 4];
        let folded = deunicode::deunicode_char(ch).unwrap_or("");
        // Keep one output byte per folded byte, letters and digits only, so word
        // boundaries stay where they were; an unknown character becomes a space.
        let mut any = false;
        for b in folded.bytes() {
            if b.is_ascii_alphanumeric() {
                out.push(b.to_ascii_lowercase() as char);
                any = true;
            }
        }
        if !any {
            let _ = ch.encode_utf8(&mut buf);
            out.push(' ');
        }
    }
}

/// A text folded to lower-case ASCII, with a map from folded byte offsets to original ones.
pub(crate) struct Folded<'a> {
    pub text: Cow<'a, str>,
    /// `map[i]` = original byte offset of folded byte `i`; `None` when the text is ASCII
    /// (offsets are equal).
    map: Option<Vec<u32>>,
    original_len: usize,
}

impl<'a> Folded<'a> {
    /// Folds `text` to lower-case ASCII (ASCII text without capitals is borrowed as is), so
    /// that matchers need no case-insensitive automaton.
    pub fn new(text: &'a str) -> Self {
        if text.is_ascii() {
            let text_cow = if text.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(text.to_ascii_lowercase())
            } else {
                Cow::Borrowed(text)
            };
            return Folded {
                text: text_cow,
                map: None,
                original_len: text.len(),
            };
        }
        let mut out = String::with_capacity(text.len());
        let mut map = Vec::with_capacity(text.len() + 1);
        for (i, ch) in text.char_indices() {
            let before = out.len();
            push_folded_char(ch, &mut out);
            for _ in before..out.len() {
                map.push(i as u32);
            }
        }
        map.push(text.len() as u32);
        Folded {
            text: Cow::Owned(out),
            map: Some(map),
            original_len: text.len(),
        }
    }

    /// The original byte range of the folded range `start..end`.
    pub fn original(&self, start: usize, end: usize) -> (usize, usize) {
        match &self.map {
            None => (start, end),
            Some(map) => {
                let s = map.get(start).copied().unwrap_or(self.original_len as u32) as usize;
                // The end is the start of the first original char after the last folded byte.
                let e = if end == 0 {
                    s
                } else {
                    let last =
                        map.get(end - 1)
                            .copied()
                            .unwrap_or(self.original_len as u32) as usize;
                    let mut e = end;
                    while e < map.len() && map[e] as usize == last {
                        e += 1;
                    }
                    map.get(e).copied().unwrap_or(self.original_len as u32) as usize
                };
                (s, e.max(s))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_key_strips_diacritics_and_case() {
        assert_eq!(fold_key("Dương"), "duong");
        assert_eq!(fold_key("José"), "jose");
        assert_eq!(fold_key("O’Brien"), "o'brien");
        assert_eq!(fold_key("MÜLLER"), "muller");
    }

    #[test]
    fn folded_offsets_map_back() {
        let text = "Bà Dương đã ngã";
        let f = Folded::new(text);
        let pos = f.text.find("duong").expect("folded name present");
        let (s, e) = f.original(pos, pos + 5);
        assert_eq!(&text[s..e], "Dương");
    }
}
