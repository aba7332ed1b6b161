//! Synthetic closed CRP cases for `safetable demo`: invented people, places and numbers
//! woven into realistic narratives, so that a newcomer sees the pipeline remove them.
//! Each case is composed from parts (an event scenario of its category with its drugs,
//! devices or procedures; how it came to light; how it ended at its harm level; the
//! review's findings; lessons; improvement actions with their RCA² strength; the talk with
//! the family and the resolution), so that searches find many different cases.
//! Deterministic for a seed.

mod scenarios;

use serde_json::{json, Value};

use crate::case::{
    ActionStatus, Apology, Compensation, ContributingFactor, Harm, ReviewMethod, Sex,
    StandardOfCare,
};
use scenarios::SCENARIOS;

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

const FIRST: &[&str] = &[
    "Amara",
    "Mateo",
    "Priya",
    "Liam",
    "Mei",
    "Oluwaseun",
    "Sofia",
    "Dmitri",
    "Aisha",
    "Noah",
    "Hana",
    "Carlos",
    "Fatima",
    "Ethan",
    "Ngozi",
    "Lucas",
    "Yuki",
    "Omar",
    "Grace",
    "Tomás",
];
const LAST: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Ramanathan",
    "Brennan",
    "Nakamura",
    "Castellano",
    "Haddad",
    "Kowalski",
    "Mbeki",
    "Fairbanks",
    "Thorsen",
    "Delacroix",
    "Abernathy",
    "Quintero",
    "Volkov",
    "Achterberg",
    "Szabo",
    "Whitfield",
    "Nguyen",
    "Osei",
];
const CITIES: &[&str] = &[
    "Port Avalon",
    "Millbrook",
    "East Carver",
    "Linden Falls",
    "Harrow Bay",
];
const FACILITIES: &[&str] = &[
    "St. Brigid Regional Medical Center",
    "Northgate Community Hospital",
    "Lakeside General Hospital",
];
const UNITS: &[&str] = &["4 West", "Pavilion C", "7 North", "the Birch Unit"];

/// Everything identifying about one demo case: invented, and removed by the pipeline.
struct Ids {
    patient: String,
    patient_last: &'static str,
    mrn: String,
    age: usize,
    nurse: String,
    nurse_last: &'static str,
    physician_last: &'static str,
    physician: String,
    family: String,
    family_last: &'static str,
    relation: &'static str,
    phone: String,
    risk_manager: String,
    facility: &'static str,
    unit: &'static str,
    city: &'static str,
}

impl Ids {
    fn new(rng: &mut Rng) -> Self {
        let (pf, pl) = (rng.pick(FIRST), rng.pick(LAST));
        let (nf, nl) = (rng.pick(FIRST), rng.pick(LAST));
        let (mf, ml) = (rng.pick(FIRST), rng.pick(LAST));
        let (ff, fl) = (rng.pick(FIRST), rng.pick(LAST));
        let (rf, rl) = (rng.pick(FIRST), rng.pick(LAST));
        Ids {
            patient: format!("{pf} {pl}"),
            patient_last: pl,
            mrn: (1_000_000 + rng.below(8_999_999)).to_string(),
            age: 1 + rng.below(96),
            nurse: format!("{nf} {nl}"),
            nurse_last: nl,
            physician_last: ml,
            physician: format!("{mf} {ml}"),
            family: format!("{ff} {fl}"),
            family_last: fl,
            relation: rng.pick(&["daughter", "son", "wife", "husband", "mother", "brother"]),
            phone: format!("({}) 555-{:04}", 200 + rng.below(700), rng.below(10_000)),
            risk_manager: format!("{rf} {rl}"),
            facility: rng.pick(FACILITIES),
            unit: rng.pick(UNITS),
            city: rng.pick(CITIES),
        }
    }
}

/// Fills `{slot}`s of `text` from the scenario's slots and the common ones.
fn fill(rng: &mut Rng, text: &str, slots: &[(&str, &[&str])]) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        let value = match slots.iter().find(|(n, _)| *n == name) {
            Some((_, values)) => rng.pick(values).to_owned(),
            None => match name {
                "time" => format!("{:02}:{:02}", rng.below(24), rng.below(60)),
                "morse" => (45 + 5 * rng.below(8)).to_string(),
                _ => String::new(),
            },
        };
        out.push_str(&value);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// A date `days` after `(year, month, day)`, as ISO text.
fn date_after(year: i32, month: u32, day: u32, days: u64) -> chrono::NaiveDate {
    let start = chrono::NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default();
    start
        .checked_add_days(chrono::Days::new(days))
        .unwrap_or(start)
}

/// A case's harm: the first six cases take each level once, the rest are drawn with the
/// spread CRP programmes see (most harm mild or moderate).
fn harm(rng: &mut Rng, i: usize) -> Harm {
    if let Some(h) = Harm::ALL.get(i) {
        return *h;
    }
    match rng.below(100) {
        0..=6 => Harm::Death,
        7..=21 => Harm::Severe,
        22..=51 => Harm::Moderate,
        52..=79 => Harm::Mild,
        80..=93 => Harm::None,
        _ => Harm::Unknown,
    }
}

/// `count` synthetic cases (each a JSON object valid against the case schema), composed
/// from [`scenarios::SCENARIOS`]: every scenario is used before any repeats, and no two
/// cases tell the same story once their identifiers are removed.
pub fn synthetic_cases(count: usize, seed: u64) -> impl Iterator<Item = Value> {
    let mut rng = Rng(seed);
    let mut told = std::collections::HashSet::new();
    (0..count).map(move |i| one(&mut rng, i, &mut told))
}

fn one(rng: &mut Rng, i: usize, told: &mut std::collections::HashSet<String>) -> Value {
    let s = match SCENARIOS.get(i) {
        Some(s) => s,
        None => &SCENARIOS[rng.below(SCENARIOS.len())],
    };
    let harm = harm(rng, i);
    let harm_index = Harm::ALL.iter().position(|h| *h == harm).unwrap_or(0);
    // The story without identifiers: drawn again until it is new.
    let mut story = String::new();
    for _ in 0..50 {
        let (event, discovery) = (rng.pick(s.events), rng.pick(s.discovery));
        story = format!(
            "{} {} {}",
            fill(rng, event, s.slots),
            fill(rng, discovery, s.slots),
            scenarios::outcomes(s.category)[harm_index],
        );
        if told.insert(story.clone()) {
            break;
        }
    }
    let ids = Ids::new(rng);
    let year = 2019 + rng.below(7) as i32;
    let (month, day) = (1 + rng.below(12) as u32, 1 + rng.below(28) as u32);
    let occurred = date_after(year, month, day, 0);
    let discovered = date_after(year, month, day, rng.below(3) as u64);
    let contact_days = rng.below(6) as u64;
    let contact = date_after(year, month, day, contact_days);
    let loop_days = 20 + rng.below(90) as u64;
    let loop_closed = date_after(year, month, day, loop_days);
    let closed = date_after(year, month, day, loop_days + 5 + rng.below(30) as u64);
    let us_date = |d: chrono::NaiveDate| d.format("%-m/%-d/%Y").to_string();
    let long_date = |d: chrono::NaiveDate| d.format("%B %-d, %Y").to_string();
    let setting = rng.pick(s.settings);
    let service = rng.pick(s.services);

    let intro = match rng.below(3) {
        0 => format!(
            "{} ({}, MRN {}) was on {} at {} on {}.",
            ids.patient,
            ids.age,
            ids.mrn,
            ids.unit,
            ids.facility,
            us_date(occurred)
        ),
        1 => format!(
            "On {}, {}, aged {}, was cared for at {} in {}.",
            long_date(occurred),
            ids.patient,
            ids.age,
            ids.facility,
            ids.city
        ),
        _ => format!(
            "{}, {}, seen at {} ({}) on {}.",
            ids.patient,
            ids.age,
            ids.facility,
            ids.unit,
            us_date(occurred)
        ),
    };
    let tail = match rng.below(3) {
        0 => format!(
            " {}, RN, escalated to Dr. {}; {} ({}) was called at {}.",
            ids.nurse, ids.physician_last, ids.family, ids.relation, ids.phone
        ),
        1 => format!(
            " Dr. {} spoke with {}, the patient's {}, the same evening; {} was told on {}.",
            ids.physician_last,
            ids.family,
            ids.relation,
            ids.patient_last,
            us_date(discovered)
        ),
        _ => format!(
            " Reported by {}, RN, on {}.",
            ids.nurse,
            long_date(discovered)
        ),
    };
    let summary = format!("{intro} {story}{tail}");

    // Review: mostly RCA² for harm, lighter methods for the rest.
    let method = match (harm, rng.below(10)) {
        (Harm::Death | Harm::Severe, 0..=7) | (_, 0..=3) => ReviewMethod::Rca2,
        (_, 4..=6) => ReviewMethod::ApparentCause,
        (_, 7) => ReviewMethod::CaseReview,
        (_, 8) => ReviewMethod::Fmea,
        _ => ReviewMethod::Other,
    };
    let standard = match rng.below(10) {
        0..=5 => StandardOfCare::No,
        6..=7 => StandardOfCare::Undetermined,
        _ => StandardOfCare::Yes,
    };
    let mut factors: Vec<ContributingFactor> = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let f = rng.pick(s.factors);
        if !factors.contains(&f) {
            factors.push(f);
        }
    }
    let finding = rng.pick(s.findings);
    let mut findings = fill(rng, finding, s.slots);
    if rng.below(2) == 0 {
        findings.push_str(&format!(
            " {}, RN, said the unit was {} that shift.",
            ids.nurse_last,
            rng.pick(&[
                "two nurses short",
                "at full staffing",
                "covering a sick call",
                "admitting four patients"
            ])
        ));
    }

    let apology = match standard {
        StandardOfCare::No => Apology::Responsibility,
        _ if rng.below(8) == 0 => Apology::None,
        _ => Apology::Empathy,
    };
    let said = match apology {
        Apology::Responsibility => {
            "explained what happened, apologized and said the hospital took responsibility"
        }
        Apology::Empathy => "expressed sympathy, explained what was known and promised a review",
        Apology::None => "explained what was known; no apology was made at that first meeting",
    };
    let asked = rng.pick(&[
        "how it would be prevented for the next patient",
        "who would pay for the extra days",
        "to see the review when it was done",
        "why nobody had called them sooner",
        "whether the nurse involved was all right",
    ]);
    let discloser = rng.pick(&[
        "attending physician",
        "chief medical officer",
        "unit nurse manager",
        "surgeon",
    ]);
    let communication_notes = format!(
        "Dr. {} and {} of risk management met {} on {} and {said}. The family asked {asked}.",
        ids.physician_last,
        ids.risk_manager,
        ids.family,
        us_date(contact)
    );

    let compensation = match (standard, rng.below(10)) {
        (StandardOfCare::No, 0..=4) => Compensation::Payment,
        (StandardOfCare::No, 5..=7) => Compensation::BillWaiver,
        (StandardOfCare::No, 8) => Compensation::Other,
        (StandardOfCare::Undetermined, 0..=3) => Compensation::BillWaiver,
        _ => Compensation::None,
    };
    let resolution_notes = match compensation {
        Compensation::Payment => format!(
            "A payment was offered after the review and accepted; {} received a letter on {} describing the changes.",
            ids.family_last,
            long_date(loop_closed)
        ),
        Compensation::BillWaiver => format!(
            "The bills for the admission were waived. The review findings were shared with {} on {}.",
            ids.family,
            us_date(loop_closed)
        ),
        Compensation::Other => "The hospital paid for the rehabilitation the family asked for.".to_owned(),
        Compensation::None => format!(
            "No compensation was offered: the review found the care reasonable, and {} was told why.",
            ids.family_last
        ),
    };
    let loop_closed_with_family = rng.below(10) < 9;
    let support = rng.below(10) < 8;

    let mut lessons = rng.pick(s.lessons).to_owned();
    if s.lessons.len() > 1 && rng.below(2) == 0 {
        let more = rng.pick(s.lessons);
        if !lessons.contains(more) {
            lessons.push(' ');
            lessons.push_str(more);
        }
    }
    let mut actions = Vec::new();
    let mut chosen: Vec<&str> = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let (description, strength) = s.actions[rng.below(s.actions.len())];
        if chosen.contains(&description) {
            continue;
        }
        chosen.push(description);
        let status = rng.pick(ActionStatus::ALL);
        let mut action = json!({
            "description": description,
            "strength": strength.as_str(),
            "status": status.as_str(),
        });
        if matches!(status, ActionStatus::Planned | ActionStatus::InProgress) {
            action["due_on"] =
                json!(
                    date_after(year, month, day, loop_days + 60 + rng.below(120) as u64)
                        .to_string()
                );
        }
        actions.push(action);
    }

    let sex = match rng.below(20) {
        0 => Sex::Unknown,
        1 => Sex::Other,
        n if n % 2 == 0 => Sex::Female,
        _ => Sex::Male,
    };
    let mut case = json!({
        "schema_version": "1",
        "external_ref": format!("DEMO-{year}-{i:05}"),
        "closed_on": closed.to_string(),
        "event": {
            "occurred_on": occurred.to_string(),
            "discovered_on": discovered.to_string(),
            "category": s.category.as_str(),
            "harm": harm.as_str(),
            "setting": setting.as_str(),
            "service": service,
            "summary": summary,
        },
        "patient": {
            "name": ids.patient,
            "mrn": ids.mrn,
            "age_years": ids.age,
            "sex": sex.as_str(),
            "address": { "city": ids.city, "state": "OH" },
        },
        "people": [
            { "name": ids.nurse, "role": "RN" },
            { "name": ids.physician, "role": "attending physician" },
            { "name": ids.family, "role": ids.relation, "phone": ids.phone },
            { "name": ids.risk_manager, "role": "risk manager" },
        ],
        "facility": { "name": ids.facility, "unit": ids.unit, "city": ids.city, "state": "OH" },
        "communication": {
            "first_contact_at": format!("{contact}T{:02}:{:02}:00-05:00", 8 + rng.below(11), rng.below(60)),
            "disclosed_by_role": discloser,
            "apology": apology.as_str(),
            "notes": communication_notes,
        },
        "review": {
            "method": method.as_str(),
            "standard_of_care_met": standard.as_str(),
            "contributing_factors": factors.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            "findings": findings,
        },
        "resolution": {
            "loop_closed_with_family": loop_closed_with_family,
            "compensation": compensation.as_str(),
            "clinician_support_offered": support,
            "notes": resolution_notes,
        },
        "lessons_learned": lessons,
        "improvement_actions": actions,
    });
    if loop_closed_with_family {
        case["resolution"]["loop_closed_on"] = json!(loop_closed.to_string());
    }
    case
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::case::{ActionStrength, Category, Harm, Setting};
    use crate::index::{IndexChange, IndexSettings, SearchIndex, SearchRequest};
    use crate::redaction::{redact, RuleSet};

    #[test]
    fn synthetic_cases_are_valid_and_deterministic() {
        let a: Vec<_> = super::synthetic_cases(50, 7).collect();
        let b: Vec<_> = super::synthetic_cases(50, 7).collect();
        assert_eq!(a, b);
        for case in &a {
            let bytes = serde_json::to_vec(case).unwrap();
            assert!(crate::case::parse_case(&bytes).is_ok(), "{case}");
        }
        let c: Vec<_> = super::synthetic_cases(50, 8).collect();
        assert_ne!(a, c);
    }

    /// The demo's 200 cases through the real pipeline: every category, harm level,
    /// setting and action strength; no two summaries alike once redacted; and the searches
    /// the README shows find several different cases.
    #[test]
    fn the_demo_corpus_shows_the_product() {
        let rules = RuleSet::embedded();
        let index = SearchIndex::open_in_ram(&IndexSettings::embedded()).unwrap();
        let mut summaries = BTreeSet::new();
        let mut categories = BTreeSet::new();
        let mut harms = BTreeSet::new();
        let mut settings = BTreeSet::new();
        let mut strengths = BTreeSet::new();
        let mut placeholders = 0;
        let mut changes = Vec::new();
        let mut views = std::collections::HashMap::new();
        for case in super::synthetic_cases(200, 7) {
            let submitted = crate::case::parse_case(&serde_json::to_vec(&case).unwrap())
                .unwrap_or_else(|e| panic!("{e}: {case}"));
            let mut view = redact(&submitted, &rules)
                .unwrap_or_else(|e| panic!("{e}: {case}"))
                .view;
            view.id = Some(crate::case::CaseId::random());
            categories.insert(view.event.category);
            harms.insert(view.event.harm);
            settings.insert(view.event.setting);
            for a in &view.improvement_actions {
                strengths.insert(a.strength);
            }
            let summary = view.event.summary.clone();
            placeholders += usize::from(summary.contains("[PATIENT]") && summary.contains("[DAY"));
            assert!(summaries.insert(summary.clone()), "twice: {summary}");
            views.insert(view.id.clone().unwrap(), view.clone());
            changes.push(IndexChange::Upsert(view));
        }
        assert_eq!(categories.len(), Category::ALL.len(), "{categories:?}");
        assert_eq!(harms.len(), Harm::ALL.len(), "{harms:?}");
        assert_eq!(settings.len(), Setting::ALL.len(), "{settings:?}");
        assert_eq!(strengths.len(), ActionStrength::ALL.len());
        assert!(
            placeholders > 100,
            "only {placeholders} summaries show redactions"
        );
        index.apply(&changes, 1).unwrap();
        for q in [
            "Lasix",
            "furosemide",
            "fall with injury",
            "wrong-site surgery",
            "heparin",
            "insulin",
            "sepsis",
        ] {
            let mut request = SearchRequest::query(q);
            request.limit = 100;
            let page = index.search(&request).unwrap();
            let ids = page.hits.ids();
            let r = page.into_results(ids.iter().filter_map(|id| views.get(id).cloned()));
            let distinct: BTreeSet<&str> = r.hits.iter().map(|h| h.summary.as_str()).collect();
            assert!(
                distinct.len() >= 2,
                "{q}: {} hits, {} distinct",
                r.total,
                distinct.len()
            );
            assert_eq!(r.relaxed, None, "{q} needed relaxing");
        }
    }
}
