//! Closed vocabularies of the case contract: AHRQ Common Formats categories, the AHRQ Harm
//! Scale, RCA² action strength and the rest. Each is an enum whose serialized names are
//! exactly the values of `spec/case.schema.json`.

use serde::{Deserialize, Serialize};

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $(#[serde(rename = $text)] #[schema(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in the order of the schema.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as written in the schema (and in URLs and facets).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// Parses the schema spelling; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// AHRQ Common Formats (hospital) event category, plus diagnosis and other.
    Category {
        Blood = "blood", Device = "device", Fall = "fall", Infection = "infection",
        Medication = "medication", Perinatal = "perinatal", PressureInjury = "pressure-injury",
        SurgeryAnesthesia = "surgery-anesthesia", VenousThromboembolism = "venous-thromboembolism",
        Diagnosis = "diagnosis", Other = "other",
    }
}

vocabulary! {
    /// AHRQ Harm Scale.
    Harm {
        Death = "death", Severe = "severe", Moderate = "moderate", Mild = "mild",
        None = "none", Unknown = "unknown",
    }
}

vocabulary! {
    /// Where the event happened.
    Setting {
        Inpatient = "inpatient", Emergency = "emergency", Ambulatory = "ambulatory",
        Perioperative = "perioperative", IntensiveCare = "intensive-care",
        LongTermCare = "long-term-care", HomeHealth = "home-health",
        BehavioralHealth = "behavioral-health", Other = "other",
    }
}

vocabulary! {
    /// Patient sex as recorded.
    Sex { Female = "female", Male = "male", Other = "other", Unknown = "unknown" }
}

vocabulary! {
    /// Kind of apology given: sympathy, or fault-admitting after review.
    Apology { None = "none", Empathy = "empathy", Responsibility = "responsibility" }
}

vocabulary! {
    /// Event review method.
    ReviewMethod {
        Rca2 = "rca2", ApparentCause = "apparent-cause", Fmea = "fmea",
        CaseReview = "case-review", Other = "other",
    }
}

vocabulary! {
    /// Whether the review found the standard of care met.
    StandardOfCare { Yes = "yes", No = "no", Undetermined = "undetermined" }
}

vocabulary! {
    /// Contributing factors found by the review.
    ContributingFactor {
        Communication = "communication", Handoff = "handoff",
        PolicyProcedure = "policy-procedure", EquipmentDevice = "equipment-device",
        StaffingWorkload = "staffing-workload", TrainingCompetency = "training-competency",
        PatientFactors = "patient-factors", Environment = "environment",
        InformationTechnology = "information-technology", MedicationProcess = "medication-process",
        LeadershipCulture = "leadership-culture", Other = "other",
    }
}

vocabulary! {
    /// Compensation offered during resolution.
    Compensation { None = "none", BillWaiver = "bill-waiver", Payment = "payment", Other = "other" }
}

vocabulary! {
    /// RCA² action hierarchy.
    ActionStrength { Stronger = "stronger", Intermediate = "intermediate", Weaker = "weaker" }
}

vocabulary! {
    /// Implementation status of an improvement action.
    ActionStatus {
        Planned = "planned", InProgress = "in-progress", Implemented = "implemented",
        Verified = "verified",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde_and_parse() {
        for c in Category::ALL {
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(Category::parse(c.as_str()), Some(*c));
        }
        assert_eq!(Category::parse("Fall"), None);
        assert!(serde_json::from_str::<Harm>("\"fatal\"").is_err());
    }
}
