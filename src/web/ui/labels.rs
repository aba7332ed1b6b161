//! Words for the closed vocabularies as people read them: `pressure-injury` →
//! "Pressure injury", `rca2` → "RCA²". The values themselves (in URLs, the API and the
//! index) stay as the schema spells them.

use crate::index::FacetKind;

/// A facet's heading.
pub fn facet(kind: FacetKind) -> &'static str {
    match kind {
        FacetKind::Category => "Event type",
        FacetKind::Harm => "Harm",
        FacetKind::Setting => "Setting",
        FacetKind::Factor => "Contributing factor",
        FacetKind::Strength => "Action strength (RCA²)",
        FacetKind::ActionStatus => "Action status",
        FacetKind::Method => "Review method",
        FacetKind::StandardOfCare => "Standard of care met",
        FacetKind::Compensation => "Compensation offered",
        FacetKind::Year => "Event year",
        FacetKind::AgeBand => "Patient age",
    }
}

/// A vocabulary value as a label.
pub fn value(text: &str) -> String {
    match text {
        "rca2" => return "RCA²".into(),
        "fmea" => return "FMEA".into(),
        "surgery-anesthesia" => return "Surgery or anesthesia".into(),
        "policy-procedure" => return "Policy or procedure".into(),
        "equipment-device" => return "Equipment or device".into(),
        "staffing-workload" => return "Staffing or workload".into(),
        "training-competency" => return "Training or competency".into(),
        "leadership-culture" => return "Leadership or culture".into(),
        "information-technology" => return "Information technology".into(),
        "bill-waiver" => return "Bill waiver".into(),
        "none" => return "None".into(),
        "yes" => return "Yes".into(),
        "no" => return "No".into(),
        _ => {}
    }
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        // Age bands and years: `60-69`, `90+`.
        return text.to_owned();
    }
    let spaced = text.replace(['-', '_'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A service's message as a sentence on a page: capitalized, with a full stop.
pub fn sentence(message: &str) -> String {
    let mut c = message.chars();
    let mut s: String = match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => return String::new(),
    };
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

/// The harm level's tag class: the graver, the darker.
pub fn harm_class(harm: crate::case::Harm) -> &'static str {
    use crate::case::Harm;
    match harm {
        Harm::Death | Harm::Severe => "st-tag--harm-severe",
        Harm::Moderate => "st-tag--harm-moderate",
        Harm::Mild | Harm::None | Harm::Unknown => "st-tag--harm-mild",
    }
}

/// The RCA² strength's badge class.
pub fn strength_class(strength: crate::case::ActionStrength) -> &'static str {
    use crate::case::ActionStrength;
    match strength {
        ActionStrength::Stronger => "st-strength--stronger",
        ActionStrength::Intermediate => "st-strength--intermediate",
        ActionStrength::Weaker => "st-strength--weaker",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_words() {
        assert_eq!(value("pressure-injury"), "Pressure injury");
        assert_eq!(value("rca2"), "RCA²");
        assert_eq!(value("90+"), "90+");
        assert_eq!(value("60-69"), "60-69");
        assert_eq!(value("in-progress"), "In progress");
        assert_eq!(value("in_review"), "In review");
        assert_eq!(value(""), "");
    }

    #[test]
    fn messages_become_sentences() {
        assert_eq!(sentence("`limit` must be"), "`limit` must be.");
        assert_eq!(sentence("bad query."), "Bad query.");
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn every_facet_has_a_heading() {
        for kind in FacetKind::ALL {
            assert!(!facet(*kind).is_empty());
        }
    }
}
