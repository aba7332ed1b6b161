//! Every word of the rule set's lists with the bits of the lists that hold it, in one
//! open-addressing table whose short keys sit inline: a token's look-up touches one slot
//! instead of a bucket and then the heap string of its key.

use super::fold::WordMap;

/// Keys up to this many bytes are stored inline; longer ones in a map beside the table.
const INLINE: usize = 22;

#[derive(Clone, Copy, Default)]
#[repr(C)]
struct Slot {
    /// The key's bytes, zero-padded.
    key: [u8; INLINE],
    /// The key's length; 0 for an empty slot (the empty word lives in `long`).
    len: u8,
    _pad: u8,
    bits: u32,
}

/// Folded word → the `lex::*` bits of the lists holding it.
pub(crate) struct Lexicon {
    slots: Vec<Slot>,
    mask: usize,
    long: WordMap<u32>,
    words: usize,
}

fn hash(key: &[u8]) -> u64 {
    // Two overlapping 8-byte loads cover keys of 8 to 16 bytes; shorter and longer keys
    // fold their bytes in. Keys come from the rule files, not from an adversary.
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (key.len() as u64).wrapping_mul(K);
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(b)).wrapping_mul(K).rotate_left(29);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut b = [0u8; 8];
        b[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(b)).wrapping_mul(K).rotate_left(29);
    }
    h ^ (h >> 32)
}

impl Lexicon {
    /// Builds the table from a map of the same words.
    pub(crate) fn new(map: WordMap<u32>) -> Lexicon {
        let capacity = (map.len() * 2).next_power_of_two().max(16);
        let mut lexicon = Lexicon {
            slots: vec![Slot::default(); capacity],
            mask: capacity - 1,
            long: WordMap::default(),
            words: map.len(),
        };
        for (word, bits) in map {
            let key = word.as_bytes();
            if key.is_empty() || key.len() > INLINE {
                lexicon.long.insert(word, bits);
                continue;
            }
            let mut i = hash(key) as usize & lexicon.mask;
            while lexicon.slots[i].len != 0 {
                i = (i + 1) & lexicon.mask;
            }
            let slot = &mut lexicon.slots[i];
            slot.key[..key.len()].copy_from_slice(key);
            slot.len = key.len() as u8;
            slot.bits = bits;
        }
        lexicon
    }

    /// The bits of `word`, if any list holds it.
    pub(crate) fn get(&self, word: &str) -> Option<u32> {
        let key = word.as_bytes();
        if key.is_empty() || key.len() > INLINE {
            return self.long.get(word).copied();
        }
        let mut i = hash(key) as usize & self.mask;
        loop {
            let slot = &self.slots[i];
            if slot.len == 0 {
                return None;
            }
            if usize::from(slot.len) == key.len() && &slot.key[..key.len()] == key {
                return Some(slot.bits);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Whether some list holds `word`.
    pub(crate) fn contains(&self, word: &str) -> bool {
        self.get(word).is_some()
    }

    /// How many words the lists hold.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.words
    }

    /// Every word with its bits, in no particular order.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, u32)> + '_ {
        self.slots
            .iter()
            .filter(|s| s.len != 0)
            .map(|s| {
                (
                    std::str::from_utf8(&s.key[..usize::from(s.len)]).unwrap_or(""),
                    s.bits,
                )
            })
            .chain(self.long.iter().map(|(w, &b)| (w.as_str(), b)))
    }
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lexicon({} words)", self.words)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_as_the_map_it_was_built_from() {
        let mut map: WordMap<u32> = WordMap::default();
        let words = [
            "a",
            "ab",
            "lasix",
            "o'brien",
            "dương",
            "exactly-twenty-two-by",
            "twenty-three-bytes-long",
            "a much longer phrase of many words",
            "",
        ];
        for (i, w) in words.iter().enumerate() {
            map.insert((*w).to_owned(), 1 << i);
        }
        for i in 0..5000u32 {
            map.insert(format!("w{i}"), i);
        }
        let lexicon = Lexicon::new(map.clone());
        assert_eq!(lexicon.len(), map.len());
        for (w, &bits) in &map {
            assert_eq!(lexicon.get(w), Some(bits), "{w}");
        }
        for absent in ["lasi", "lasixx", "w5000", "twenty-three-bytes-lon", "b"] {
            assert_eq!(lexicon.get(absent), None, "{absent}");
            assert!(!lexicon.contains(absent));
        }
        let mut seen: Vec<(String, u32)> = lexicon.iter().map(|(w, b)| (w.to_owned(), b)).collect();
        let mut expected: Vec<(String, u32)> = map.into_iter().collect();
        seen.sort();
        expected.sort();
        assert_eq!(seen, expected);
    }
}
