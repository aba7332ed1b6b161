//! A leftmost-longest matcher of a few hundred byte strings, built in microseconds.
//!
//! Every case has its own set of known surfaces (names, nicknames, acronyms, values), so
//! the matcher is built once per case and searched a few times. An Aho-Corasick automaton
//! spends more on filling its failure transitions than the searches cost; this matcher
//! indexes each pattern by its first two bytes instead: a 65,536-bit table says which pairs
//! start a pattern, and the patterns of one pair are tried longest first. Its answers are
//! those of a leftmost-longest Aho-Corasick search (the earliest start, then the longest
//! pattern there).

/// The largest number of patterns (and of their total bytes) one matcher takes.
const MAX_PATTERNS: usize = 1 << 20;
const MAX_BYTES: usize = 1 << 26;

/// Why a matcher could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LiteralsError {
    /// A pattern shorter than two bytes.
    TooShort,
    /// More patterns, or more bytes of them, than one matcher takes.
    TooLarge,
    /// The automaton for a set with many patterns of one beginning could not be built.
    Automaton,
}

/// The most patterns of one two-byte beginning that the table tries at a position; a set
/// with more (many people of one name, built to slow the search down) is searched by an
/// automaton instead, whose time does not grow with the patterns.
const MAX_BUCKET: usize = 16;

/// A leftmost-longest matcher: the table for ordinary sets, an Aho-Corasick automaton when
/// one beginning has more than [`MAX_BUCKET`] patterns. Both give the same answers.
pub(crate) enum Matcher {
    Table(Literals),
    Automaton(aho_corasick::AhoCorasick),
}

impl Matcher {
    /// Compiles `patterns` (each at least two bytes).
    pub(crate) fn new<P: AsRef<[u8]>>(patterns: &[P]) -> Result<Matcher, LiteralsError> {
        let table = Literals::new(patterns)?;
        if table.widest_bucket() <= MAX_BUCKET {
            return Ok(Matcher::Table(table));
        }
        aho_corasick::AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::NoncontiguousNFA))
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(patterns)
            .map(Matcher::Automaton)
            .map_err(|_| LiteralsError::Automaton)
    }

    /// The leftmost-longest match in `hay[from..]`.
    pub(crate) fn find_from(&self, hay: &[u8], from: usize) -> Option<LiteralMatch> {
        match self {
            Matcher::Table(t) => t.find_from(hay, from),
            Matcher::Automaton(ac) => {
                if from > hay.len() {
                    return None;
                }
                ac.find(aho_corasick::Input::new(hay).span(from..hay.len()))
                    .map(|m| LiteralMatch {
                        pattern: m.pattern().as_usize(),
                        start: m.start(),
                        end: m.end(),
                    })
            }
        }
    }
}

/// A match: the pattern's index and its byte range in the haystack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LiteralMatch {
    pub pattern: usize,
    pub start: usize,
    pub end: usize,
}

/// The compiled set.
pub(crate) struct Literals {
    /// The patterns' bytes, one after another.
    bytes: Vec<u8>,
    /// Pattern index → its range in `bytes`.
    ranges: Vec<(u32, u32)>,
    /// Pattern indexes sorted by (first two bytes, length descending, index).
    order: Vec<u32>,
    /// The first two bytes of `order[i]`, for a binary search.
    heads: Vec<u16>,
    /// Bit `h` is set when some pattern starts with the pair `h`.
    present: Box<[u64; 1024]>,
}

fn pair(a: u8, b: u8) -> u16 {
    (u16::from(a) << 8) | u16::from(b)
}

impl Literals {
    /// Compiles `patterns` (each at least two bytes; identical ones keep the first index).
    pub(crate) fn new<I, P>(patterns: I) -> Result<Literals, LiteralsError>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        let mut bytes = Vec::new();
        let mut ranges = Vec::new();
        for p in patterns {
            let p = p.as_ref();
            if p.len() < 2 {
                return Err(LiteralsError::TooShort);
            }
            if ranges.len() >= MAX_PATTERNS || bytes.len() + p.len() > MAX_BYTES {
                return Err(LiteralsError::TooLarge);
            }
            let start = bytes.len() as u32;
            bytes.extend_from_slice(p);
            ranges.push((start, bytes.len() as u32));
        }
        let head = |i: u32| {
            let (s, _) = ranges[i as usize];
            pair(bytes[s as usize], bytes[s as usize + 1])
        };
        let len = |i: u32| {
            let (s, e) = ranges[i as usize];
            e - s
        };
        let mut order: Vec<u32> = (0..ranges.len() as u32).collect();
        order.sort_by(|&a, &b| {
            head(a)
                .cmp(&head(b))
                .then(len(b).cmp(&len(a)))
                .then(a.cmp(&b))
        });
        let heads: Vec<u16> = order.iter().map(|&i| head(i)).collect();
        let mut present = Box::new([0u64; 1024]);
        for &h in &heads {
            present[usize::from(h >> 6)] |= 1 << (h & 63);
        }
        Ok(Literals {
            bytes,
            ranges,
            order,
            heads,
            present,
        })
    }

    /// The most patterns sharing one two-byte beginning.
    fn widest_bucket(&self) -> usize {
        self.heads
            .chunk_by(|a, b| a == b)
            .map(<[u16]>::len)
            .max()
            .unwrap_or(0)
    }

    fn pattern(&self, i: u32) -> &[u8] {
        let (s, e) = self.ranges[i as usize];
        &self.bytes[s as usize..e as usize]
    }

    /// The longest pattern starting at `at`, if any.
    fn longest_at(&self, hay: &[u8], at: usize) -> Option<LiteralMatch> {
        let h = pair(hay[at], hay[at + 1]);
        if self.present[usize::from(h >> 6)] & (1 << (h & 63)) == 0 {
            return None;
        }
        let first = self.heads.partition_point(|&x| x < h);
        let rest = &hay[at..];
        self.order[first..]
            .iter()
            .zip(&self.heads[first..])
            .take_while(|(_, &x)| x == h)
            .map(|(&i, _)| i)
            .find(|&i| rest.starts_with(self.pattern(i)))
            .map(|i| LiteralMatch {
                pattern: i as usize,
                start: at,
                end: at + self.pattern(i).len(),
            })
    }

    /// The leftmost-longest match in `hay[from..]`.
    pub(crate) fn find_from(&self, hay: &[u8], from: usize) -> Option<LiteralMatch> {
        if self.order.is_empty() {
            return None;
        }
        let last = hay.len().checked_sub(1)?;
        (from..last).find_map(|at| self.longest_at(hay, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use aho_corasick::{AhoCorasick, MatchKind};
    use proptest::prelude::*;

    #[test]
    fn leftmost_then_longest() {
        let m = Literals::new(["ann", "anna", "nna lee", "lee"]).expect("built");
        let hay = b"dr anna lee saw";
        let hit = m.find_from(hay, 0).expect("a match");
        assert_eq!((hit.pattern, hit.start, hit.end), (1, 3, 7));
        let next = m.find_from(hay, hit.end).expect("another");
        assert_eq!((next.pattern, &hay[next.start..next.end]), (3, &b"lee"[..]));
        assert_eq!(m.find_from(hay, 11), None);
    }

    #[test]
    fn short_patterns_and_empty_sets() {
        assert_eq!(Literals::new(["a"]).err(), Some(LiteralsError::TooShort));
        let none = Literals::new(Vec::<&str>::new()).expect("built");
        assert_eq!(none.find_from(b"anything", 0), None);
        let m = Literals::new(["ab"]).expect("built");
        assert_eq!(m.find_from(b"", 0), None);
        assert_eq!(m.find_from(b"a", 0), None);
        assert_eq!(m.find_from(b"xab", 5), None);
    }

    #[test]
    fn many_patterns_of_one_beginning_go_to_the_automaton_with_the_same_answers() {
        let many: Vec<String> = (0..40).map(|i| format!("ma{}", "a".repeat(i))).collect();
        let few = ["mary", "mark", "ann"];
        assert!(matches!(
            Matcher::new(&few).expect("built"),
            Matcher::Table(_)
        ));
        let wide = Matcher::new(&many).expect("built");
        assert!(matches!(wide, Matcher::Automaton(_)));
        let table = Literals::new(&many).expect("built");
        let hay = "xx maaaa mam maaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".as_bytes();
        for from in 0..=hay.len() + 1 {
            assert_eq!(
                wide.find_from(hay, from),
                table.find_from(hay, from),
                "{from}"
            );
        }
    }

    proptest! {
        /// The same answers as Aho-Corasick's leftmost-longest search, from every start.
        #[test]
        fn agrees_with_aho_corasick(
            pats in proptest::collection::vec("[abc ]{2,5}", 1..12),
            hay in "[abc ]{0,40}",
        ) {
            let mut unique: Vec<String> = Vec::new();
            for p in pats {
                if !unique.contains(&p) {
                    unique.push(p);
                }
            }
            let ours = Literals::new(&unique).expect("built");
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&unique)
                .expect("built");
            let hay = hay.as_bytes();
            for from in 0..=hay.len() {
                let theirs = ac
                    .find(aho_corasick::Input::new(hay).span(from..hay.len()))
                    .map(|m| LiteralMatch { pattern: m.pattern().as_usize(), start: m.start(), end: m.end() });
                prop_assert_eq!(ours.find_from(hay, from), theirs);
            }
        }
    }
}
