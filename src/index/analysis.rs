//! How case text becomes index terms: words, lower-cased, folded to ASCII, English stop
//! words dropped, stemmed; redaction placeholders (`[RN-A]`, `[DAY +3]`) skipped entirely
//! so that they neither match queries nor weigh on ranking.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, Stemmer, StopWordFilter,
    TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// English stop words of Apache Lucene's `EnglishAnalyzer` (Apache License 2.0), the list
/// tantivy's `StopWordFilter::new(Language::English)` ships.
const LUCENE_ENGLISH_STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
];

/// Our own additions: words people type in a question ("fall after surgery", "what was
/// done when…") that say nothing about a case. No clinical abbreviation is among them.
const MORE_STOP_WORDS: &[&str] = &[
    "after", "before", "during", "from", "were", "has", "had", "have", "been", "his", "her", "its",
    "who", "which", "when", "while", "than", "did", "what", "also",
];

/// The name the analyzer is registered under in the index.
pub const CASE_TEXT: &str = "case_text";

/// The analyzer used for every text field, at indexing, query and snippet time alike.
///
/// One tokenizer does the whole chain: it splits the text into words (skipping
/// placeholders) and turns each word into its term through [`term_of`], which remembers
/// the answers. Every snippet of a page of hits analyses whole fields again, and the same
/// few thousand words come back in every case: looking a word up costs a fraction of
/// lower-casing, folding and stemming it.
pub fn case_text_analyzer() -> TextAnalyzer {
    TextAnalyzer::from(PlaceholderAwareTokenizer::default())
}

/// The chain [`term_of`] applies to one word: too long words dropped, lower-cased, folded
/// to ASCII, English stop words dropped, stemmed (tantivy's own filters).
fn reference_chain() -> TextAnalyzer {
    let builder = TextAnalyzer::builder(WholeText::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .dynamic();
    let builder = builder.filter_dynamic(StopWordFilter::remove(
        LUCENE_ENGLISH_STOP_WORDS
            .iter()
            .chain(MORE_STOP_WORDS)
            .map(|w| (*w).to_owned()),
    ));
    builder
        .filter_dynamic(Stemmer::new(Language::English))
        .build()
}

/// Most words [`term_of`] remembers per thread; past it, it starts again.
const REMEMBERED_WORDS: usize = 100_000;

/// The term of one word as [`reference_chain`] makes it, `None` when the chain drops it (a
/// stop word, a word of 48 bytes or more). Remembered per thread.
fn term_of(word: &str, out: &mut String) -> bool {
    // foldhash: several times faster than SipHash on short words, still seeded per
    // process (the words come from queries too).
    type Memo = std::collections::HashMap<Box<str>, Option<Box<str>>, foldhash::fast::RandomState>;
    thread_local! {
        static CHAIN: std::cell::RefCell<(TextAnalyzer, Memo)> =
            std::cell::RefCell::new((reference_chain(), Memo::default()));
    }
    CHAIN.with(|cell| {
        let mut guard = cell.borrow_mut();
        let (chain, memo) = &mut *guard;
        let term = match memo.get(word) {
            Some(term) => term.as_deref(),
            None => {
                let mut stream = chain.token_stream(word);
                let term = stream
                    .advance()
                    .then(|| stream.token().text.clone().into_boxed_str());
                drop(stream);
                if memo.len() >= REMEMBERED_WORDS {
                    memo.clear();
                }
                memo.entry(word.into()).or_insert(term).as_deref()
            }
        };
        match term {
            Some(t) => {
                out.push_str(t);
                true
            }
            None => false,
        }
    })
}

/// A tokenizer that gives its whole input as one token (the start of [`reference_chain`]).
#[derive(Clone, Default)]
struct WholeText {
    token: Token,
}

struct WholeTextStream<'a> {
    text: &'a str,
    done: bool,
    token: &'a mut Token,
}

impl Tokenizer for WholeText {
    type TokenStream<'a> = WholeTextStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        self.token.reset();
        WholeTextStream {
            text,
            done: false,
            token: &mut self.token,
        }
    }
}

impl TokenStream for WholeTextStream<'_> {
    fn advance(&mut self) -> bool {
        if self.done {
            return false;
        }
        self.done = true;
        self.token.text.clear();
        self.token.text.push_str(self.text);
        self.token.offset_from = 0;
        self.token.offset_to = self.text.len();
        self.token.position = 0;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Length of a redaction placeholder starting at `text[0]`, if there is one: `[`, then
/// upper-case letters, digits, spaces, `+`, `-` (at most 32 bytes), then `]`.
pub fn placeholder_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'[') {
        return None;
    }
    for (i, &b) in bytes.iter().enumerate().skip(1).take(32) {
        match b {
            b']' if i > 1 => return Some(i + 1),
            b'A'..=b'Z' | b'0'..=b'9' | b' ' | b'+' | b'-' => {}
            _ => return None,
        }
    }
    None
}

/// Splits on anything that is not alphanumeric, like tantivy's simple tokenizer, skips
/// redaction placeholders, and gives each word's term ([`term_of`]).
#[derive(Clone, Default)]
pub struct PlaceholderAwareTokenizer {
    token: Token,
}

pub struct PlaceholderAwareStream<'a> {
    text: &'a str,
    at: usize,
    token: &'a mut Token,
}

impl Tokenizer for PlaceholderAwareTokenizer {
    type TokenStream<'a> = PlaceholderAwareStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        self.token.reset();
        PlaceholderAwareStream {
            text,
            at: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for PlaceholderAwareStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        let text = self.text;
        let bytes = text.as_bytes();
        // The character at byte `i` (a boundary) and its width; ASCII without decoding.
        let char_at = |i: usize| -> (char, usize) {
            match bytes[i] {
                b if b < 0x80 => (char::from(b), 1),
                _ => text[i..]
                    .chars()
                    .next()
                    .map_or((' ', 1), |c| (c, c.len_utf8())),
            }
        };
        let mut i = self.at;
        while i < bytes.len() {
            if bytes[i] == b'[' {
                if let Some(len) = placeholder_len(&text[i..]) {
                    // Skip the placeholder; its `len` bytes are all ASCII.
                    i += len;
                    continue;
                }
            }
            let (c, width) = char_at(i);
            if !c.is_alphanumeric() {
                i += width;
                continue;
            }
            let start = i;
            let mut end = i + width;
            while end < bytes.len() {
                let (c, width) = char_at(end);
                if !c.is_alphanumeric() {
                    break;
                }
                end += width;
            }
            // Every word takes a position, a dropped one too (as tantivy's filters leave
            // the positions of the words they drop unused).
            self.token.position = self.token.position.wrapping_add(1);
            if term_of(&text[start..end], &mut self.token.text) {
                self.token.offset_from = start;
                self.token.offset_to = end;
                self.at = end;
                return true;
            }
            i = end;
        }
        self.at = bytes.len();
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let mut analyzer = case_text_analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// The words, offsets and positions a plain character-by-character splitter finds.
    fn plain_words(text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '[' {
                if let Some(len) = placeholder_len(&text[i..]) {
                    while chars.peek().is_some_and(|(j, _)| *j < i + len) {
                        chars.next();
                    }
                    continue;
                }
            }
            if c.is_alphanumeric() {
                let mut end = i + c.len_utf8();
                while let Some((j, d)) = chars.peek().copied() {
                    if !d.is_alphanumeric() {
                        break;
                    }
                    end = j + d.len_utf8();
                    chars.next();
                }
                out.push((i, end));
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn words_are_found_as_a_plain_splitter_finds_them(
            text in "([A-Za-z0-9 .,\\[\\]+-]|é|ß|İ|日本|\\[PATIENT\\]|\\[RN-A\\]|🙂){0,40}"
        ) {
            let mut tokenizer = PlaceholderAwareTokenizer::default();
            let mut stream = tokenizer.token_stream(&text);
            let plain = plain_words(&text);
            let mut found = Vec::new();
            while stream.advance() {
                let t = stream.token();
                found.push((t.offset_from, t.offset_to, t.position));
            }
            // Every kept word is one the plain splitter finds, at its place and position.
            for (from, to, position) in found {
                let at = plain.iter().position(|w| *w == (from, to));
                proptest::prop_assert!(at.is_some(), "{from}..{to} in {text:?}");
                proptest::prop_assert_eq!(at, Some(position));
            }
        }
    }

    #[test]
    fn placeholders_are_not_terms() {
        assert_eq!(
            terms("[RN-A] found [PATIENT] on the floor at 03:10 on [DAY +3]"),
            vec!["found", "floor", "03", "10"]
        );
    }

    #[test]
    fn brackets_that_are_not_placeholders_are_text() {
        assert_eq!(terms("[see note] Falls"), vec!["see", "note", "fall"]);
        assert_eq!(terms("[RN-B"), vec!["rn", "b"]);
    }

    #[test]
    fn question_words_are_stop_words() {
        assert_eq!(
            terms("Fall with injury after surgery, what was done?"),
            vec!["fall", "injuri", "surgeri", "done"]
        );
    }

    #[test]
    fn words_are_lowercased_folded_and_stemmed() {
        assert_eq!(
            terms("Patients' FALLS café"),
            vec!["patient", "fall", "cafe"]
        );
    }

    /// Every token of `text`: its term, byte range and position.
    fn tokens(text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut analyzer = case_text_analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
        }
        out
    }

    #[test]
    fn dropped_words_keep_their_positions() {
        // As tantivy's stop word filter leaves them: a phrase query with a stop word in it
        // matches the same texts.
        let got = tokens("Fall with injury");
        assert_eq!(
            got,
            vec![("fall".into(), 0, 4, 0), ("injuri".into(), 10, 16, 2)]
        );
        let long = "x".repeat(60);
        let got = tokens(&format!("heparin {long} drip"));
        assert_eq!(got[1].0, "drip");
        assert_eq!(got[1].3, 2, "{got:?}");
    }

    #[test]
    fn remembered_terms_equal_fresh_ones() {
        let text = "Pt's Heparin drip was held; the RN called Dr on-call. Bouncing bouncing \
                    Ärztin café NAÏVE x2 5mg [RN-A] 03:10 running ran runs";
        // A thread of its own starts with nothing remembered.
        let fresh = std::thread::spawn(move || tokens(text))
            .join()
            .expect("analysis");
        let warm = tokens(text);
        let again = tokens(text);
        assert_eq!(fresh, warm);
        assert_eq!(warm, again);
        let terms: Vec<&str> = fresh.iter().map(|t| t.0.as_str()).collect();
        assert!(terms.contains(&"bounc"), "{terms:?}");
        assert!(terms.contains(&"arztin"), "{terms:?}");
        assert!(terms.contains(&"naiv"), "{terms:?}");
        assert!(!terms.contains(&"the"), "{terms:?}");
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let mut analyzer = case_text_analyzer();
        let text = "[UNIT] Heparin drip";
        let mut stream = analyzer.token_stream(text);
        assert!(stream.advance());
        let t = stream.token();
        assert_eq!(&text[t.offset_from..t.offset_to], "Heparin");
    }

    #[test]
    fn html_is_escaped() {
        let mut out = String::new();
        escape_html("<script>alert('x') & \"y\"</script>", &mut out);
        assert_eq!(
            out,
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }
}
