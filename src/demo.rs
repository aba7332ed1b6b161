//! Synthetic closed CRP cases for `safetable demo`: invented people, places and numbers
//! woven into realistic narratives, so that a newcomer sees the pipeline remove them.
//! Deterministic for a seed.

use serde_json::{json, Value};

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
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
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

struct Scenario {
    category: &'static str,
    setting: &'static str,
    service: &'static str,
    harm: &'static str,
    what: &'static str,
    factors: &'static [&'static str],
    lessons: &'static str,
    actions: &'static [(&'static str, &'static str)],
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        category: "medication", setting: "inpatient", service: "cardiology", harm: "moderate",
        what: "received a heparin infusion at 10 times the ordered rate after the pump library was bypassed; aPTT above 150 at 03:10 and a retroperitoneal bleed followed",
        factors: &["equipment-device", "medication-process"],
        lessons: "Smart pump drug libraries protect only when they are used; bypassing them on override was routine on nights.",
        actions: &[("Hard limits for heparin in the Alaris drug library with no override on basic infusions", "stronger"), ("Independent double check of high-alert infusions at the bedside", "weaker")],
    },
    Scenario {
        category: "fall", setting: "behavioral-health", service: "psychiatry", harm: "severe",
        what: "was found on the floor at 02:40 with a hip fracture; the Morse Fall Scale score of 65 had not triggered a bed alarm",
        factors: &["staffing-workload", "environment"],
        lessons: "Fall risk scores did not change what happened at night; hourly rounding had lapsed during a staffing gap.",
        actions: &[("Bed-exit alarms wired to the nurse call system for every Morse score above 45", "stronger"), ("Purposeful hourly rounding with a rounding log", "intermediate")],
    },
    Scenario {
        category: "medication", setting: "emergency", service: "emergency medicine", harm: "severe",
        what: "was given hydromorphone 2 mg IV instead of morphine 2 mg; respiratory depression required naloxone and a rapid response team call",
        factors: &["medication-process", "communication"],
        lessons: "Look-alike opioid vials stocked side by side in the Pyxis led to a selection error under time pressure.",
        actions: &[("Separate storage and tall-man lettering for hydromorphone and morphine in every Pyxis", "intermediate"), ("Barcode scanning required before any opioid administration", "stronger")],
    },
    Scenario {
        category: "surgery-anesthesia", setting: "perioperative", service: "general surgery", harm: "moderate",
        what: "had a retained sponge found on imaging on post-operative day 3; the count had been recorded as correct after a shift change",
        factors: &["handoff", "policy-procedure"],
        lessons: "Counts interrupted by a handoff were not restarted; the whiteboard count was not reconciled.",
        actions: &[("Radiofrequency-tagged sponges and a wand scan before closure", "stronger"), ("Standardized handoff script for scrub and circulating staff", "intermediate")],
    },
    Scenario {
        category: "pressure-injury", setting: "intensive-care", service: "critical care", harm: "moderate",
        what: "developed a stage 3 sacral pressure injury after five days on a ventilator; the Braden score was 10 but no specialty surface was ordered",
        factors: &["equipment-device", "training-competency"],
        lessons: "Low Braden scores did not lead to a support surface because ordering one needed a separate consult.",
        actions: &[("Automatic specialty mattress for Braden scores of 12 or less", "stronger"), ("Skin champion training on every ICU shift", "weaker")],
    },
    Scenario {
        category: "diagnosis", setting: "emergency", service: "emergency medicine", harm: "death",
        what: "was discharged with a diagnosis of gastritis and returned 9 hours later with an inferior myocardial infarction; the second troponin had not been drawn",
        factors: &["communication", "information-technology"],
        lessons: "A pending second troponin did not block discharge and was invisible on the tracking board.",
        actions: &[("Discharge order blocked in Epic while a serial troponin is pending", "stronger"), ("Chest pain pathway with a HEART score documented before disposition", "intermediate")],
    },
    Scenario {
        category: "venous-thromboembolism", setting: "inpatient", service: "orthopedics", harm: "severe",
        what: "developed a pulmonary embolism after knee arthroplasty; enoxaparin prophylaxis had been held for a procedure and never restarted",
        factors: &["handoff", "medication-process"],
        lessons: "Held anticoagulant orders had no stop date and no prompt to resume.",
        actions: &[("Held VTE prophylaxis orders expire after 24 hours with a mandatory review", "stronger"), ("Daily pharmacist review of held anticoagulants", "intermediate")],
    },
    Scenario {
        category: "perinatal", setting: "inpatient", service: "obstetrics", harm: "severe",
        what: "delivered an infant with Apgar scores of 2 and 5 after a category III tracing went unrecognized for 40 minutes",
        factors: &["communication", "staffing-workload"],
        lessons: "Escalation depended on one nurse reaching one physician; there was no shared view of the fetal monitor.",
        actions: &[("Central fetal monitoring with automatic escalation for category III tracings", "stronger"), ("Team drills for obstetric emergencies every quarter", "weaker")],
    },
    Scenario {
        category: "blood", setting: "intensive-care", service: "critical care", harm: "mild",
        what: "received a unit of packed red cells intended for another patient; the bedside check was done away from the patient",
        factors: &["policy-procedure", "patient-factors"],
        lessons: "The two-person check happened at the nurses' station, not at the bedside, so the wristband was never compared.",
        actions: &[("Barcode blood administration that will not release the unit without a wristband scan", "stronger"), ("Revised transfusion policy and memo to staff", "weaker")],
    },
    Scenario {
        category: "device", setting: "home-health", service: "home infusion", harm: "mild",
        what: "received a PCA bolus every 6 minutes after the pump was programmed in mL instead of mg",
        factors: &["equipment-device", "training-competency"],
        lessons: "Patient-controlled analgesia pumps allowed unit selection at programming; the home nurse had not used this model before.",
        actions: &[("Pumps configured to mg only for opioid PCA", "stronger"), ("Competency validation for each new pump model", "weaker")],
    },
];

/// `count` synthetic cases (each a JSON object valid against the case schema).
pub fn synthetic_cases(count: usize, seed: u64) -> impl Iterator<Item = Value> {
    let mut rng = Rng(seed);
    (0..count).map(move |i| one(&mut rng, i))
}

fn one(rng: &mut Rng, i: usize) -> Value {
    let s = &SCENARIOS[rng.below(SCENARIOS.len())];
    let (pf, pl) = (rng.pick(FIRST), rng.pick(LAST));
    let (nf, nl) = (rng.pick(FIRST), rng.pick(LAST));
    let (mf, ml) = (rng.pick(FIRST), rng.pick(LAST));
    let (df, dl) = (rng.pick(FIRST), rng.pick(LAST));
    let city = rng.pick(CITIES);
    let facility = rng.pick(FACILITIES);
    let unit = rng.pick(UNITS);
    let year = 2019 + rng.below(6) as i32;
    let month = 1 + rng.below(12);
    let day = 1 + rng.below(27);
    let age = 20 + rng.below(75);
    let mrn = 1_000_000 + rng.below(8_999_999);
    let phone = format!("({}) 555-{:04}", 200 + rng.below(700), rng.below(10_000));
    let occurred = format!("{year}-{month:02}-{day:02}");
    let contact_day = 1 + rng.below(3);
    let closed_month = (month + 3).min(12);
    let summary = format!(
        "{pf} {pl} (MRN {mrn}), {age}, admitted to {unit} at {facility} in {city} on {month}/{day}/{year}, {what}. \
         {nf} {nl}, RN, noticed the change and called Dr. {ml}. Ms. {dl}, the patient's daughter, \
         was reached at {phone} and came in that evening. {pl}'s condition stabilized.",
        what = s.what,
    );
    json!({
        "schema_version": "1",
        "external_ref": format!("DEMO-{year}-{i:05}"),
        "closed_on": format!("{year}-{closed_month:02}-28"),
        "event": {
            "occurred_on": occurred,
            "discovered_on": occurred,
            "category": s.category,
            "harm": s.harm,
            "setting": s.setting,
            "service": s.service,
            "summary": summary,
        },
        "patient": {
            "name": format!("{pf} {pl}"),
            "mrn": mrn.to_string(),
            "age_years": age,
            "sex": if rng.below(2) == 0 { "female" } else { "male" },
            "address": { "city": city, "state": "OH" },
        },
        "people": [
            { "name": format!("{nf} {nl}"), "role": "RN" },
            { "name": format!("{mf} {ml}"), "role": "attending physician" },
            { "name": format!("{df} {dl}"), "role": "daughter", "phone": phone },
        ],
        "facility": { "name": facility, "unit": unit, "city": city, "state": "OH" },
        "communication": {
            "first_contact_at": format!("{year}-{month:02}-{:02}T14:30:00-05:00", (day + contact_day).min(28)),
            "disclosed_by_role": "attending physician",
            "apology": "responsibility",
            "notes": format!("Dr. {ml} met {dl} and the patient, explained what happened and apologized. The family asked how it would be prevented."),
        },
        "review": {
            "method": "rca2",
            "standard_of_care_met": "no",
            "contributing_factors": s.factors,
            "findings": s.lessons,
        },
        "resolution": {
            "loop_closed_with_family": true,
            "loop_closed_on": format!("{year}-{closed_month:02}-20"),
            "compensation": if rng.below(2) == 0 { "bill-waiver" } else { "payment" },
            "clinician_support_offered": true,
            "notes": format!("The review findings and the changes were shared with {dl}."),
        },
        "lessons_learned": s.lessons,
        "improvement_actions": s.actions.iter().map(|(d, strength)| json!({
            "description": d, "strength": strength, "status": "implemented",
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn synthetic_cases_are_valid_and_deterministic() {
        let a: Vec<_> = super::synthetic_cases(50, 7).collect();
        let b: Vec<_> = super::synthetic_cases(50, 7).collect();
        assert_eq!(a, b);
        for case in &a {
            let bytes = serde_json::to_vec(case).unwrap();
            assert!(crate::case::parse_case(&bytes).is_ok());
        }
    }
}
