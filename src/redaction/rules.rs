//! The rule set: TOML pattern files and word lists under `redaction-rules/`, compiled once.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

use super::category::Category;
use super::fold::{fold_key, WordMap, WordSet};
use super::lexicon::Lexicon;

/// A rule file that could not be loaded: names the file, the rule (if any) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The file, relative to the rule directory's parent (e.g. `redaction-rules/dates.toml`).
    pub file: String,
    /// The rule's name, when the error is in one rule.
    pub rule: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule {
            Some(rule) => write!(f, "{}: rule \"{}\": {}", self.file, rule, self.reason),
            None => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}

impl std::error::Error for RuleError {}

/// What a rule does with its match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Replace with the category's placeholder.
    Redact,
    /// Parse as a date and replace with `[DAY ±n]` or `[DATE]`.
    Date,
    /// Parse the `age` group; replace with `90+` when over 89, else keep.
    Age,
    /// Keep unless the match is shaped like an identifier.
    IdShape,
    /// A facility name: leading function words are trimmed.
    Facility,
    /// A clinical measurement: no pattern or dictionary span inside it is replaced.
    Protect,
}

/// One compiled pattern rule.
#[derive(Debug)]
pub(crate) struct Rule {
    pub name: String,
    pub category: Category,
    pub action: Action,
    pub priority: u8,
    pub regex: Regex,
    /// Index of the capture group to replace (0 = whole match).
    pub group: usize,
    /// Whether captures are needed (named groups read or a group replaced).
    pub needs_captures: bool,
    pub needs: Needs,
}

impl Rule {
    /// Cheap necessary condition: every rule needs a digit, an `@`, a `:`, a `.` or a
    /// capital letter somewhere in the text, as its `needs` byte class says.
    pub(crate) fn applies_to(&self, text: &str) -> bool {
        match self.needs {
            Needs::Digit => text.bytes().any(|b| b.is_ascii_digit()),
            Needs::Anything => true,
        }
    }
}

/// What a text must contain for a rule to match at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needs {
    Digit,
    Anything,
}

/// Rewrites Unicode-aware classes to their ASCII forms (`\b`, `\d`, `\s`), which keeps
/// every rule on the fast DFA engines; identifiers are ASCII in practice.
fn asciify(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    let mut in_class = 0usize;
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('b') if in_class == 0 => out.push_str("(?-u:\\b)"),
                Some('d') => out.push_str(if in_class > 0 { "0-9" } else { "[0-9]" }),
                Some('s') => out.push_str(if in_class > 0 {
                    "\\t\\n\\r\\x0C "
                } else {
                    "[\\t\\n\\r\\x0C ]"
                }),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
            continue;
        }
        if c == '[' {
            in_class += 1;
        } else if c == ']' && in_class > 0 {
            in_class -= 1;
        }
        out.push(c);
    }
    out
}

/// Words that introduce or follow names.
#[derive(Debug, Default)]
pub(crate) struct Context {
    pub titles: WordSet,
    pub roles: WordSet,
    pub relatives: WordSet,
    pub cues: WordSet,
    pub post_roles: WordSet,
    pub place_cues: WordSet,
    pub eponym_heads: WordSet,
    pub facility_generic: WordSet,
    /// Words that never stand for a name, even after a title or a relative (`dr aware`,
    /// `son called`).
    pub name_stops: WordSet,
    /// Head nouns of facility names (`Hospital`, `Hosp`, `Rehab`, `Memorial`).
    pub facility_heads: WordSet,
    /// Facility names made of ordinary words (`sacred heart`, `holy cross`), as phrases.
    pub facility_names: WordSet,
    /// Words after which a name is an employer (`CEO of`, `works at`).
    pub employer_cues: WordSet,
    /// Verbs and prepositions of a transfer, after which `<Name> <number>` is a ward.
    pub unit_cues: WordSet,
    /// Every word of `facility_names`.
    pub facility_name_words: WordSet,
    /// US state names (one word each: `maryland`, `carolina`).
    pub regions: WordSet,
    /// Verbs of going somewhere (`went`, `transferred`).
    pub go_verbs: WordSet,
    /// Lower-case particles of family names (`van der`, `de la`, `bin`).
    pub particles: WordSet,
    /// Particles that only join two parts of a family name, never open one (`der`, `la`).
    pub joining_particles: WordSet,
    /// Suffixes and credentials written after a structured name (`Jr`, `III`, `MD`).
    pub name_suffixes: WordSet,
    /// Words after which a lower-case given name is a name (`reviewed by bobby`).
    pub name_leads: WordSet,
    /// Verbs that make the given name before them a person (`bill called`).
    pub says_verbs: WordSet,
    /// Words before a quoted nickname (`prefers to be called 'Sunny'`).
    pub nickname_cues: WordSet,
    /// Extensions of the files a case may name (`marisol_frontal_2024.jpg`).
    pub file_extensions: WordSet,
    /// Words opening the suite or apartment part of a street address.
    pub street_units: WordSet,
    /// Words trimmed from the start of a facility match (`at`, `the`, `our`).
    pub facility_leads: WordSet,
    /// Function words left out of a facility's acronym (`of`, `the`, `and`).
    pub acronym_skips: WordSet,
    /// Departments and staff after a hospital acronym (`GH ER`, `GBMC nurse`).
    pub department_words: WordSet,
    /// Units of care in a slash-separated list of wards (`F-MICU/<ward>/CCU`).
    pub care_units: WordSet,
    /// Words of living or travelling before a place cue (`lives nearby in`).
    pub residence_words: WordSet,
    /// Place cues after which even a lower-case unknown word is a place (`from`).
    pub strong_place_cues: WordSet,
    /// Words of a transfer, after which an unknown word is a ward.
    pub transfer_words: WordSet,
    /// Words for a university before a state's name (`U Maryland`).
    pub university_words: WordSet,
    /// Prepositions between an employer cue and the employer (`CEO of`, `works at`).
    pub employer_links: WordSet,
    /// `St` and `Saint`, which open facility names (`St Agnes`).
    pub saint_words: WordSet,
    /// Generic facility words that make a name only with another (`Med`).
    pub weak_facility_words: WordSet,
}

/// Number words of the rule set: months, ordinal days, ages in words.
#[derive(Debug)]
pub(crate) struct Numbers {
    /// The first three letters of a month's name → its number.
    pub months: WordMap<u32>,
    /// A word of an ordinal day (`third`, `twenty`) → what it adds.
    pub ordinals: WordMap<u32>,
    /// A word of an age in words (`ninety`, `one`) → what it adds.
    pub age_words: WordMap<u32>,
    /// A word that multiplies the age so far (`hundred`).
    pub age_multipliers: WordMap<u32>,
    /// A whole phrase for an age range (`nineties`, `centenarian`) → its lowest age.
    pub age_decades: WordMap<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NumbersSpec {
    months: HashMap<String, u32>,
    ordinals: HashMap<String, u32>,
    age_words: HashMap<String, u32>,
    age_multipliers: HashMap<String, u32>,
    age_decades: HashMap<String, u32>,
}

/// A compiled rule set. Cheap to share: `Send + Sync`, read-only after construction.
#[derive(Debug)]
pub struct RuleSet {
    version: String,
    pub(crate) rules: Vec<Rule>,
    /// Every rule's pattern in one set: a single pass tells which rules can match a text.
    pub(crate) prefilter: Option<regex::RegexSet>,
    pub(crate) first_names: WordSet,
    pub(crate) last_names: WordSet,
    /// Formal given name → nicknames, and nickname → formal names.
    pub(crate) nicknames: WordMap<Vec<String>>,
    pub(crate) common: WordSet,
    pub(crate) clinical: WordSet,
    /// Multi-word clinical phrases, folded, words joined by one space.
    pub(crate) clinical_phrases: WordSet,
    /// Every proper beginning of a clinical phrase, in whole words (`bair` of `bair
    /// hugger`): a longer run of words that is none of these begins no phrase.
    pub(crate) clinical_phrase_prefixes: WordSet,
    /// Place names (cities), folded phrases.
    pub(crate) cities: WordSet,
    /// Every single word of the lists and context sets → which of them hold it (`lex::*`
    /// bits): one lookup per token instead of one per list.
    pub(crate) lexicon: Lexicon,
    /// A filter of the safe words that a misspelling check may land on.
    near: NearFilter,
    pub(crate) context: Context,
    pub(crate) numbers: Numbers,
    pub(crate) roles: WordMap<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesetFile {
    version: String,
    rule_files: Vec<String>,
    lists: ListsSpec,
    context: ContextSpec,
    numbers: NumbersSpec,
    #[serde(default)]
    roles: HashMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListsSpec {
    first_names: Vec<String>,
    last_names: Vec<String>,
    nicknames: Vec<String>,
    common_words: Vec<String>,
    clinical: Vec<String>,
    clinical_phrases: Vec<String>,
    cities: Vec<String>,
    #[serde(default)]
    english: Vec<String>,
    #[serde(default)]
    abbreviations: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextSpec {
    titles: Vec<String>,
    roles: Vec<String>,
    relatives: Vec<String>,
    cues: Vec<String>,
    post_roles: Vec<String>,
    place_cues: Vec<String>,
    eponym_heads: Vec<String>,
    facility_generic: Vec<String>,
    #[serde(default)]
    name_stops: Vec<String>,
    #[serde(default)]
    facility_heads: Vec<String>,
    #[serde(default)]
    facility_names: Vec<String>,
    #[serde(default)]
    employer_cues: Vec<String>,
    #[serde(default)]
    unit_cues: Vec<String>,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    facility_words: Vec<String>,
    #[serde(default)]
    go_verbs: Vec<String>,
    particles: Vec<String>,
    joining_particles: Vec<String>,
    name_suffixes: Vec<String>,
    name_leads: Vec<String>,
    says_verbs: Vec<String>,
    nickname_cues: Vec<String>,
    file_extensions: Vec<String>,
    street_units: Vec<String>,
    facility_leads: Vec<String>,
    acronym_skips: Vec<String>,
    department_words: Vec<String>,
    care_units: Vec<String>,
    residence_words: Vec<String>,
    strong_place_cues: Vec<String>,
    transfer_words: Vec<String>,
    university_words: Vec<String>,
    employer_links: Vec<String>,
    saint_words: Vec<String>,
    weak_facility_words: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternFile {
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    name: String,
    category: String,
    pattern: String,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    priority: Option<u8>,
}

/// The files compiled into the binary, by path relative to `redaction-rules/`.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "ruleset.toml",
        include_str!("../../redaction-rules/ruleset.toml"),
    ),
    (
        "dates.toml",
        include_str!("../../redaction-rules/dates.toml"),
    ),
    (
        "contact.toml",
        include_str!("../../redaction-rules/contact.toml"),
    ),
    ("ids.toml", include_str!("../../redaction-rules/ids.toml")),
    ("ages.toml", include_str!("../../redaction-rules/ages.toml")),
    (
        "places.toml",
        include_str!("../../redaction-rules/places.toml"),
    ),
    (
        "names/census-first.txt",
        include_str!("../../redaction-rules/names/census-first.txt"),
    ),
    (
        "names/census-last.txt",
        include_str!("../../redaction-rules/names/census-last.txt"),
    ),
    (
        "names/world-first.txt",
        include_str!("../../redaction-rules/names/world-first.txt"),
    ),
    (
        "names/world-last.txt",
        include_str!("../../redaction-rules/names/world-last.txt"),
    ),
    (
        "names/nicknames.txt",
        include_str!("../../redaction-rules/names/nicknames.txt"),
    ),
    (
        "words/common-en.txt",
        include_str!("../../redaction-rules/words/common-en.txt"),
    ),
    (
        "words/clinical.txt",
        include_str!("../../redaction-rules/words/clinical.txt"),
    ),
    (
        "places/cities.txt",
        include_str!("../../redaction-rules/places/cities.txt"),
    ),
    (
        "words/clinical-phrases.txt",
        include_str!("../../redaction-rules/words/clinical-phrases.txt"),
    ),
    (
        "words/english-scowl.txt",
        include_str!("../../redaction-rules/words/english-scowl.txt"),
    ),
    (
        "words/abbreviations.txt",
        include_str!("../../redaction-rules/words/abbreviations.txt"),
    ),
    (
        "words/drugs.txt",
        include_str!("../../redaction-rules/words/drugs.txt"),
    ),
    (
        "measures.toml",
        include_str!("../../redaction-rules/measures.toml"),
    ),
];

/// The most digits in one run of `s`, where a run may be joined by spaces, tabs and
/// `- . / ( ) +`, as dates and phone numbers are written.
fn longest_digit_run(s: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        if c.is_ascii_digit() {
            run += 1;
            best = best.max(run);
        } else if !matches!(c, ' ' | '\t' | '-' | '.' | '/' | '(' | ')' | '+') {
            run = 0;
        }
    }
    best
}

/// The embedded rule set, compiled once for the unit tests of this process.
#[cfg(test)]
pub(crate) fn test_rules() -> &'static RuleSet {
    static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    RULES.get_or_init(RuleSet::embedded)
}

impl RuleSet {
    /// The rule set compiled into the binary (`redaction-rules/` at build time).
    pub fn embedded() -> Self {
        Self::from_source(
            &|name: &str| {
                EMBEDDED
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, text)| (*text).to_owned())
                    .ok_or_else(|| "not among the embedded rule files".to_owned())
            },
            "redaction-rules",
        )
        // A unit test (`embedded_rules_compile`) loads these very files, so this cannot fire.
        .expect("the embedded rule set compiles")
    }

    /// Loads and compiles the rule set in `dir` (a copy of `redaction-rules/`).
    pub fn load(dir: &Path) -> Result<Self, RuleError> {
        let shown = dir.display().to_string();
        let base: PathBuf = dir.to_path_buf();
        Self::from_source(
            &move |name: &str| std::fs::read_to_string(base.join(name)).map_err(|e| e.to_string()),
            &shown,
        )
    }

    /// The version recorded in every shared view.
    pub fn version(&self) -> &str {
        &self.version
    }

    fn from_source(
        read: &dyn Fn(&str) -> Result<String, String>,
        shown_dir: &str,
    ) -> Result<Self, RuleError> {
        let shown = |name: &str| format!("{}/{}", shown_dir.trim_end_matches('/'), name);
        let file_err = |name: &str, reason: String| RuleError {
            file: shown(name),
            rule: None,
            reason,
        };
        let main_text = read("ruleset.toml").map_err(|e| file_err("ruleset.toml", e))?;
        let main: RulesetFile =
            toml::from_str(&main_text).map_err(|e| file_err("ruleset.toml", e.to_string()))?;
        if main.version.trim().is_empty() {
            return Err(file_err("ruleset.toml", "version is empty".into()));
        }
        if longest_digit_run(&main.version) >= 6 {
            // Every shared view carries the version: one that reads as a long number can
            // pass for a date or a phone number of the case (`2026.12.02-1` holds the
            // digits of 6/1/2021) to a reader or a scorer.
            return Err(file_err(
                "ruleset.toml",
                "version must not hold 6 or more digits in a run (letters or `_` between the parts keep it from reading as a date)".into(),
            ));
        }

        let mut rules = Vec::new();
        for file in &main.rule_files {
            let text = read(file).map_err(|e| file_err(file, e))?;
            let parsed: PatternFile =
                toml::from_str(&text).map_err(|e| file_err(file, e.to_string()))?;
            for spec in parsed.rule {
                rules.push(compile_rule(spec, &shown(file))?);
            }
        }

        let list = |names: &[String]| -> Result<Vec<String>, RuleError> {
            let mut out = Vec::new();
            for name in names {
                let text = read(name).map_err(|e| file_err(name, e))?;
                for line in text.lines() {
                    let line = line.trim();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    out.push(line.to_owned());
                }
            }
            Ok(out)
        };
        let words = |names: &[String]| -> Result<WordSet, RuleError> {
            Ok(list(names)?
                .iter()
                .flat_map(|l| l.split_whitespace())
                .map(fold_key)
                .filter(|w| !w.is_empty())
                .collect())
        };

        let first_names = words(&main.lists.first_names)?;
        let last_names = words(&main.lists.last_names)?;
        let common = words(&main.lists.common_words)?;
        let english = words(&main.lists.english)?;
        let abbreviations = words(&main.lists.abbreviations)?;
        // Clinical words: every word of the list is an entry; a hyphenated entry is also a
        // phrase of its parts.
        let mut clinical = WordSet::default();
        let mut clinical_phrases = WordSet::default();
        for line in list(&main.lists.clinical)? {
            for w in line.split_whitespace() {
                clinical.insert(fold_key(w));
                if w.contains('-') {
                    clinical_phrases.insert(phrase_key(w));
                }
            }
        }
        for line in list(&main.lists.clinical_phrases)? {
            clinical_phrases.insert(phrase_key(&line));
        }
        let cities: WordSet = list(&main.lists.cities)?
            .iter()
            .map(|l| phrase_key(l))
            .collect();
        let mut nicknames: WordMap<Vec<String>> = WordMap::default();
        for line in list(&main.lists.nicknames)? {
            let mut it = line.split_whitespace().map(fold_key);
            let Some(formal) = it.next() else { continue };
            for nick in it {
                nicknames
                    .entry(formal.clone())
                    .or_default()
                    .push(nick.clone());
                nicknames.entry(nick).or_default().push(formal.clone());
            }
        }
        let set = |v: &[String]| v.iter().map(|s| fold_key(s)).collect::<WordSet>();
        let context = Context {
            titles: set(&main.context.titles),
            roles: set(&main.context.roles),
            relatives: set(&main.context.relatives),
            cues: set(&main.context.cues),
            post_roles: set(&main.context.post_roles),
            place_cues: set(&main.context.place_cues),
            eponym_heads: set(&main.context.eponym_heads),
            facility_generic: set(&main.context.facility_generic),
            name_stops: set(&main.context.name_stops),
            facility_heads: set(&main.context.facility_heads),
            facility_names: main
                .context
                .facility_names
                .iter()
                .map(|s| phrase_key(s))
                .collect(),
            employer_cues: set(&main.context.employer_cues),
            unit_cues: set(&main.context.unit_cues),
            regions: set(&main.context.regions),
            go_verbs: set(&main.context.go_verbs),
            particles: set(&main.context.particles),
            joining_particles: set(&main.context.joining_particles),
            name_suffixes: set(&main.context.name_suffixes),
            name_leads: set(&main.context.name_leads),
            says_verbs: set(&main.context.says_verbs),
            nickname_cues: set(&main.context.nickname_cues),
            file_extensions: set(&main.context.file_extensions),
            street_units: set(&main.context.street_units),
            facility_leads: set(&main.context.facility_leads),
            acronym_skips: set(&main.context.acronym_skips),
            department_words: set(&main.context.department_words),
            care_units: set(&main.context.care_units),
            residence_words: set(&main.context.residence_words),
            strong_place_cues: set(&main.context.strong_place_cues),
            transfer_words: set(&main.context.transfer_words),
            university_words: set(&main.context.university_words),
            employer_links: set(&main.context.employer_links),
            saint_words: set(&main.context.saint_words),
            weak_facility_words: set(&main.context.weak_facility_words),
            facility_name_words: main
                .context
                .facility_names
                .iter()
                .flat_map(|s| s.split_whitespace())
                .chain(main.context.facility_words.iter().map(String::as_str))
                .map(fold_key)
                .collect(),
        };
        let map = |m: &HashMap<String, u32>| {
            m.iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), *v))
                .collect::<WordMap<u32>>()
        };
        let numbers = Numbers {
            months: map(&main.numbers.months),
            ordinals: map(&main.numbers.ordinals),
            age_words: map(&main.numbers.age_words),
            age_multipliers: map(&main.numbers.age_multipliers),
            age_decades: map(&main.numbers.age_decades),
        };
        let roles = main
            .roles
            .iter()
            .map(|(k, v)| (fold_key(k), v.clone()))
            .collect();
        // A set too large to compile leaves every rule to run on its own.
        let prefilter = regex::RegexSetBuilder::new(rules.iter().map(|r| r.regex.as_str()))
            .size_limit(1 << 26)
            .dfa_size_limit(1 << 27)
            .build()
            .ok();
        let mut clinical_phrase_prefixes = WordSet::default();
        for phrase in &clinical_phrases {
            let mut end = 0;
            while let Some(k) = phrase[end..].find(' ') {
                end += k;
                clinical_phrase_prefixes.insert(phrase[..end].to_owned());
                end += 1;
            }
        }
        let mut lexicon: WordMap<u32> = WordMap::default();
        {
            let mut mark = |set: &WordSet, bit: u32| {
                for w in set {
                    *lexicon.entry(w.clone()).or_insert(0) |= bit;
                }
            };
            mark(&first_names, lex::FIRST);
            mark(&last_names, lex::LAST);
            mark(&common, lex::COMMON);
            mark(&clinical, lex::CLINICAL);
            mark(&context.titles, lex::TITLE);
            mark(&context.roles, lex::ROLE);
            mark(&context.relatives, lex::RELATIVE);
            mark(&context.cues, lex::CUE);
            mark(&context.post_roles, lex::POST_ROLE);
            mark(&english, lex::ENGLISH);
            mark(&abbreviations, lex::ABBREV);
            mark(&context.name_stops, lex::STOP);
            mark(&context.facility_heads, lex::FACILITY_HEAD);
            mark(&context.facility_name_words, lex::FACILITY_NAME_WORD);
            mark(&context.saint_words, lex::SAINT);
            mark(&context.place_cues, lex::PLACE_CUE);
            mark(&context.eponym_heads, lex::EPONYM_HEAD);
            mark(&context.particles, lex::PARTICLE);
            mark(&context.says_verbs, lex::SAYS);
            let heads: WordSet = clinical_phrase_prefixes
                .iter()
                .filter(|p| !p.contains(' '))
                .cloned()
                .collect();
            mark(&heads, lex::PHRASE_HEAD);
        }
        Ok(RuleSet {
            near: NearFilter::new(lexicon.iter().filter_map(|(w, &f)| {
                (f & lex::SAFE != 0 && w.len() >= 5 && w.is_ascii()).then_some(w.as_bytes())
            })),
            lexicon: Lexicon::new(lexicon),
            version: main.version,
            rules,
            prefilter,
            first_names,
            last_names,
            nicknames,
            common,
            clinical,
            clinical_phrases,
            clinical_phrase_prefixes,
            cities,
            context,
            numbers,
            roles,
        })
    }

    /// The names of the pattern rules, in the order they are applied.
    pub fn rule_names(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.name.as_str())
    }

    /// Whether a folded word that no list holds is one edit (a letter dropped, added,
    /// changed or two swapped) from a known-safe word of five letters or more: a misspelling
    /// (`transfered`, `recieved`), not a name.
    pub(crate) fn near_safe(&self, key: &str) -> bool {
        // The same unknown words come back case after case: remember the answers, per
        // thread, for the rule set that gave them.
        thread_local! {
            static SEEN: std::cell::RefCell<(usize, WordMap<bool>)> =
                std::cell::RefCell::new((0, WordMap::default()));
        }
        let me = self as *const RuleSet as usize;
        if let Some(hit) = SEEN.with(|c| {
            let c = c.borrow();
            (c.0 == me).then(|| c.1.get(key).copied()).flatten()
        }) {
            return hit;
        }
        let answer = self.near_safe_uncached(key);
        SEEN.with(|c| {
            let mut c = c.borrow_mut();
            if c.0 != me || c.1.len() > 50_000 {
                c.0 = me;
                c.1.clear();
            }
            c.1.insert(key.to_owned(), answer);
        });
        answer
    }

    /// A word a misspelling may stand for: five letters or more, in a known-safe list.
    fn safe_target(&self, w: &[u8]) -> bool {
        w.len() >= 5
            && self
                .lexicon
                .get(w_str(w))
                .is_some_and(|f| f & lex::SAFE != 0)
    }

    fn near_safe_uncached(&self, key: &str) -> bool {
        let safe = |w: &[u8]| self.safe_target(w);
        // No misspelt English word runs past 30 letters; a longer run (a pasted blob) must not
        // cost the ~50 candidates per letter below.
        if !key.is_ascii() || key.len() < 5 || key.len() > 30 {
            return false;
        }
        // Every candidate one edit away (deletion, transposition, substitution, insertion of
        // a letter) is hashed in constant time from the word's prefix hashes; only those the
        // filter of safe words lets through are built and looked up.
        let b = key.as_bytes();
        let n = b.len();
        let near = &self.near;
        let mut pow = [1u64; 33];
        for k in 1..pow.len() {
            pow[k] = pow[k - 1].wrapping_mul(NEAR_BASE);
        }
        let mut prefix = [0u64; 32];
        for k in 0..n {
            prefix[k + 1] = prefix[k]
                .wrapping_mul(NEAR_BASE)
                .wrapping_add(u64::from(b[k]));
        }
        let whole = prefix[n];
        // The hash of b[i..].
        let suffix = |i: usize| whole.wrapping_sub(prefix[i].wrapping_mul(pow[n - i]));
        let mut tmp: Vec<u8> = Vec::with_capacity(n + 1);
        let mut check = |h: u64, build: &dyn Fn(&mut Vec<u8>)| {
            if !near.may_hold(h) {
                return false;
            }
            tmp.clear();
            build(&mut tmp);
            safe(&tmp)
        };
        for i in 0..n {
            // Deletion.
            let h = prefix[i]
                .wrapping_mul(pow[n - 1 - i])
                .wrapping_add(suffix(i + 1));
            if check(h, &|t| {
                t.extend_from_slice(&b[..i]);
                t.extend_from_slice(&b[i + 1..]);
            }) {
                return true;
            }
            // Transposition.
            if i + 1 < n {
                let (x, y) = (u64::from(b[i]), u64::from(b[i + 1]));
                let h = whole
                    .wrapping_add(y.wrapping_sub(x).wrapping_mul(pow[n - 1 - i]))
                    .wrapping_add(x.wrapping_sub(y).wrapping_mul(pow[n - 2 - i]));
                if check(h, &|t| {
                    t.extend_from_slice(b);
                    t.swap(i, i + 1);
                }) {
                    return true;
                }
            }
            // Substitution.
            for c in b'a'..=b'z' {
                if c == b[i] {
                    continue;
                }
                let d = u64::from(c).wrapping_sub(u64::from(b[i]));
                let h = whole.wrapping_add(d.wrapping_mul(pow[n - 1 - i]));
                if check(h, &|t| {
                    t.extend_from_slice(b);
                    t[i] = c;
                }) {
                    return true;
                }
            }
        }
        // Insertion.
        for i in 0..=n {
            let head = prefix[i].wrapping_mul(pow[n + 1 - i]);
            let tail = suffix(i);
            for c in b'a'..=b'z' {
                let h = head
                    .wrapping_add(u64::from(c).wrapping_mul(pow[n - i]))
                    .wrapping_add(tail);
                if check(h, &|t| {
                    t.extend_from_slice(&b[..i]);
                    t.push(c);
                    t.extend_from_slice(&b[i..]);
                }) {
                    return true;
                }
            }
        }
        false
    }

    /// Whether a folded word is a given name or surname in the dictionaries.
    pub(crate) fn is_dict_name(&self, key: &str) -> bool {
        self.first_names.contains(key) || self.last_names.contains(key)
    }
}

/// Bits of `RuleSet::lexicon`.
pub(crate) mod lex {
    pub const FIRST: u32 = 1;
    pub const LAST: u32 = 2;
    pub const COMMON: u32 = 4;
    pub const CLINICAL: u32 = 8;
    pub const TITLE: u32 = 16;
    pub const ROLE: u32 = 32;
    pub const RELATIVE: u32 = 64;
    pub const CUE: u32 = 128;
    pub const POST_ROLE: u32 = 256;
    /// In the general English word list (SCOWL).
    pub const ENGLISH: u32 = 512;
    /// A clinical abbreviation or unit.
    pub const ABBREV: u32 = 1024;
    /// Never a name after a title or relative.
    pub const STOP: u32 = 2048;
    /// The head noun of a facility name.
    pub const FACILITY_HEAD: u32 = 4096;
    /// A word of facility names made of ordinary words (`holy`, `sacred`).
    pub const FACILITY_NAME_WORD: u32 = 8192;
    /// A saint's title (`St`, `Saint`).
    pub const SAINT: u32 = 16384;
    /// A word after which a place may follow (`in`, `from`).
    pub const PLACE_CUE: u32 = 32768;
    /// Any list that makes a word known to be safe: English, clinical, an abbreviation.
    /// The head noun of an eponym (`sign`, `catheter`).
    pub const EPONYM_HEAD: u32 = 1 << 16;
    /// The first word of a clinical phrase of several words.
    pub const PHRASE_HEAD: u32 = 1 << 17;
    /// A particle of family names (`van`, `de`, `bin`).
    pub const PARTICLE: u32 = 1 << 18;
    /// A verb of speaking or calling after a given name (`called`, `states`).
    pub const SAYS: u32 = 1 << 19;
    pub const SAFE: u32 = COMMON | CLINICAL | ENGLISH | ABBREV;
}

/// Folded words of a phrase joined by single spaces; hyphens and possessives split words.
pub(crate) fn phrase_key(s: &str) -> String {
    let mut out = String::new();
    for w in fold_key(s).split(|c: char| c.is_whitespace() || c == '-') {
        let w = w.trim_end_matches("'s").trim_end_matches('\'');
        if w.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

fn compile_rule(spec: RuleSpec, file: &str) -> Result<Rule, RuleError> {
    let err = |reason: String| RuleError {
        file: file.to_owned(),
        rule: Some(spec.name.clone()),
        reason,
    };
    let protect = spec.action.as_deref() == Some("protect");
    if protect != (spec.category == "KEEP") {
        return Err(err(
            "category \"KEEP\" goes with action \"protect\", and only with it".into(),
        ));
    }
    let category: Category = if protect {
        Category::Id
    } else {
        spec.category
            .parse()
            .map_err(|()| err(format!("unknown category {:?}", spec.category)))?
    };
    let action = match spec.action.as_deref() {
        Some("protect") => Action::Protect,
        None | Some("redact") => Action::Redact,
        Some("date") => Action::Date,
        Some("age") => Action::Age,
        Some("id_shape") => Action::IdShape,
        Some("facility") => Action::Facility,
        Some(other) => return Err(err(format!("unknown action {other:?}"))),
    };
    let pattern = asciify(&spec.pattern);
    let regex = regex::RegexBuilder::new(&pattern)
        .size_limit(1 << 24)
        // Room for the lazy DFA of the larger measurement and date rules, so that its cache
        // is not cleared and rebuilt again and again on long texts.
        .dfa_size_limit(1 << 25)
        .build()
        .map_err(|e| err(format!("regex parse error: {e}")))?;
    let group = match &spec.group {
        None => 0,
        Some(g) => regex
            .capture_names()
            .position(|n| n == Some(g.as_str()))
            .ok_or_else(|| err(format!("group {g:?} is not in the pattern")))?,
    };
    if action == Action::Age && !regex.capture_names().any(|n| n == Some("age")) {
        return Err(err("an age rule needs a group named \"age\"".into()));
    }
    if action == Action::Date
        && !regex
            .capture_names()
            .any(|n| matches!(n, Some("month") | Some("mon")))
    {
        return Err(err(
            "a date rule needs a group named \"month\" or \"mon\"".into()
        ));
    }
    let needs_captures = group != 0 || matches!(action, Action::Date | Action::Age);
    // Rules of these categories cannot match without a digit (ages in words excepted).
    let needs = match category {
        Category::Date | Category::Phone | Category::Id | Category::Ip | Category::Address
            if action != Action::Age =>
        {
            if spec.name.contains("word") || spec.name == "po_box" {
                Needs::Anything
            } else {
                Needs::Digit
            }
        }
        Category::Location => Needs::Digit,
        _ => Needs::Anything,
    };
    Ok(Rule {
        name: spec.name,
        category,
        action,
        priority: spec.priority.unwrap_or(50),
        regex,
        group,
        needs_captures,
        needs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_rules_compile() {
        let rules = RuleSet::embedded();
        assert!(!rules.version().is_empty());
        assert!(rules.rules.len() > 10);
        assert!(rules.first_names.contains("maria"));
        assert!(rules.last_names.contains("smith"));
        assert!(rules.clinical.contains("lasix"));
        assert!(rules.common.contains("the"));
    }

    #[test]
    fn a_version_that_reads_as_a_date_is_refused() {
        assert_eq!(longest_digit_run("2026.12.02-1"), 9);
        assert_eq!(longest_digit_run("2026-W49-2"), 4);
        assert!(longest_digit_run(RuleSet::embedded().version()) < 6);
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("redaction-rules");
        let dir = tempfile::tempdir().expect("temp dir");
        copy_dir(&src, dir.path());
        let main = dir.path().join("ruleset.toml");
        let text = std::fs::read_to_string(&main).expect("ruleset.toml");
        let version = RuleSet::embedded().version().to_owned();
        std::fs::write(
            &main,
            text.replace(&format!("\"{version}\""), "\"2026.12.02-1\""),
        )
        .expect("write");
        let err = RuleSet::load(dir.path()).expect_err("a version of 9 digits in a run");
        assert!(err.to_string().contains("6 or more digits"), "{err}");
    }

    /// The misspelling check by brute force: every string one edit away, looked up.
    fn near_safe_by_brute_force(rules: &RuleSet, key: &str) -> bool {
        let safe = |w: &[u8]| rules.safe_target(w);
        if !key.is_ascii() || key.len() < 5 || key.len() > 30 {
            return false;
        }
        let b = key.as_bytes();
        let mut cands: Vec<Vec<u8>> = Vec::new();
        for i in 0..b.len() {
            cands.push([&b[..i], &b[i + 1..]].concat());
            if i + 1 < b.len() {
                let mut t = b.to_vec();
                t.swap(i, i + 1);
                cands.push(t);
            }
            for c in b'a'..=b'z' {
                if c != b[i] {
                    let mut t = b.to_vec();
                    t[i] = c;
                    cands.push(t);
                }
            }
        }
        for i in 0..=b.len() {
            for c in b'a'..=b'z' {
                cands.push([&b[..i], &[c][..], &b[i..]].concat());
            }
        }
        cands.iter().any(|c| safe(c))
    }

    #[test]
    fn the_misspelling_filter_answers_as_brute_force_does() {
        let rules = test_rules();
        let mut words: Vec<String> = rules
            .lexicon
            .iter()
            .map(|(w, _)| w)
            .filter(|w| w.len() >= 4 && w.len() <= 12 && w.is_ascii())
            .step_by(97)
            .take(300)
            .map(str::to_owned)
            .collect();
        // Each one edit away in several ways, and some far from any word.
        let mut more = Vec::new();
        for w in &words {
            let b = w.as_bytes();
            more.push(format!("{}q{}", &w[..1], &w[1..]));
            more.push(String::from_utf8([&b[..b.len() - 1], b"z"].concat()).unwrap_or_default());
            more.push(w[1..].to_owned());
            let mut t = b.to_vec();
            t.swap(0, 1);
            more.push(String::from_utf8(t).unwrap_or_default());
        }
        words.extend(more);
        words.extend(
            [
                "qzxvkjwpq",
                "zzzzz",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "fóley",
            ]
            .map(String::from),
        );
        let mut near = 0;
        for w in &words {
            let expected = near_safe_by_brute_force(rules, w);
            assert_eq!(rules.near_safe_uncached(w), expected, "{w}");
            near += usize::from(expected);
        }
        // Both answers occur, so the comparison means something.
        assert!(
            near > 100 && near < words.len() - 10,
            "{near} of {}",
            words.len()
        );
    }

    #[test]
    fn rule_set_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<RuleSet>();
    }

    #[test]
    fn load_from_directory_matches_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("redaction-rules");
        let loaded = RuleSet::load(&dir).expect("the shipped rules load");
        assert_eq!(loaded.version(), RuleSet::embedded().version());
        assert_eq!(loaded.rules.len(), RuleSet::embedded().rules.len());
    }

    #[test]
    fn broken_regex_names_file_and_rule() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("redaction-rules");
        let dir = tempfile::tempdir().expect("temp dir");
        copy_dir(&src, dir.path());
        std::fs::write(
            dir.path().join("dates.toml"),
            "[[rule]]\nname = \"us_numeric\"\ncategory = \"DATE\"\naction = \"date\"\npattern = '(?P<month>\\d+'\n",
        )
        .expect("write");
        let err = RuleSet::load(dir.path()).expect_err("a broken regex fails");
        let msg = err.to_string();
        assert!(msg.contains("dates.toml"), "{msg}");
        assert!(msg.contains("rule \"us_numeric\""), "{msg}");
        assert!(msg.contains("regex parse error"), "{msg}");
    }

    #[test]
    fn unknown_category_and_missing_file_are_errors() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("redaction-rules");
        let dir = tempfile::tempdir().expect("temp dir");
        copy_dir(&src, dir.path());
        std::fs::write(
            dir.path().join("ids.toml"),
            "[[rule]]\nname = \"x\"\ncategory = \"NOPE\"\npattern = 'a'\n",
        )
        .expect("write");
        let err = RuleSet::load(dir.path()).expect_err("unknown category");
        assert!(err.to_string().contains("unknown category"));
        std::fs::remove_file(dir.path().join("ids.toml")).expect("rm");
        let err = RuleSet::load(dir.path()).expect_err("missing file");
        assert!(err.to_string().contains("ids.toml"));
    }

    fn copy_dir(from: &Path, to: &Path) {
        for entry in std::fs::read_dir(from).expect("read dir") {
            let entry = entry.expect("entry");
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                std::fs::create_dir_all(&target).expect("mkdir");
                copy_dir(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).expect("copy");
            }
        }
    }
}

/// The base of the polynomial hash of [`NearFilter`].
const NEAR_BASE: u64 = 0x0000_0100_0000_01b3;

/// `w` as a string: the candidates are built from ASCII bytes only.
fn w_str(w: &[u8]) -> &str {
    std::str::from_utf8(w).unwrap_or("")
}

/// A Bloom filter (two bits per word) over the polynomial hashes of the safe words that a
/// word one edit away may be: a candidate it does not hold is no safe word, so the
/// misspelling check looks up only the few it lets through.
#[derive(Debug, Default)]
struct NearFilter {
    bits: Vec<u64>,
    mask: u64,
}

impl NearFilter {
    fn hash(word: &[u8]) -> u64 {
        word.iter().fold(0u64, |h, &c| {
            h.wrapping_mul(NEAR_BASE).wrapping_add(u64::from(c))
        })
    }

    fn slots(&self, h: u64) -> (usize, usize) {
        // Mix, so that the two slots use different bits of the hash.
        let m = h.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let m = m ^ (m >> 29);
        ((m & self.mask) as usize, ((m >> 32) & self.mask) as usize)
    }

    fn new<'w>(words: impl Iterator<Item = &'w [u8]>) -> NearFilter {
        let words: Vec<&[u8]> = words.collect();
        let nbits = (words.len().max(1) * 16).next_power_of_two().max(64);
        let mut f = NearFilter {
            bits: vec![0; nbits / 64],
            mask: nbits as u64 - 1,
        };
        for w in words {
            let (a, b) = f.slots(Self::hash(w));
            f.bits[a / 64] |= 1 << (a % 64);
            f.bits[b / 64] |= 1 << (b % 64);
        }
        f
    }

    /// Whether a word of polynomial hash `h` may be in the filter.
    fn may_hold(&self, h: u64) -> bool {
        if self.bits.is_empty() {
            return false;
        }
        let (a, b) = self.slots(h);
        self.bits[a / 64] & (1 << (a % 64)) != 0 && self.bits[b / 64] & (1 << (b % 64)) != 0
    }
}
