//! Each measure's formula, written once: the page's help, the API description, the CSV
//! and the board report all print these.

/// One measure: a stable id, its name and how it is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Definition {
    pub id: &'static str,
    pub name: &'static str,
    pub formula: &'static str,
}

/// Which cases every measure counts.
pub const POPULATION: &str = "Every contributed case that is not withdrawn (in review, returned \
or published), of the selected period and filters. The quarter of contribution is when the \
repository received the case; the event year is the year of the event (the shared view's year).";

/// How suppression works, as the page, the CSV and the report say it.
pub const SUPPRESSION_NOTE: &str = "Figures resting on 1 to 10 cases are shown as <11, and so \
are figures in which one organization's own cases leave 1 to 10 of others (it could subtract its \
own), and other figures from which one of them could be worked out (totals, margins, other \
periods, other filters). Every answer is read from one release of the collaborative's counts, \
protected as a whole, so that no two answers can be subtracted either. Medians and percentiles \
of fewer than 11 cases are hidden too. A count of zero rests on no case and is shown.";

/// The definitions, in the order the page lists them.
pub const DEFINITIONS: &[Definition] = &[
    Definition {
        id: "cases",
        name: "Cases by category and harm",
        formula: "Number of cases, by AHRQ Common Formats event category (rows) and AHRQ Harm \
Scale level (columns), with totals.",
    },
    Definition {
        id: "initial_communication",
        name: "Share with an initial communication",
        formula: "Cases with a first communication with the patient or family recorded \
(communication.first_contact_at) ÷ all cases.",
    },
    Definition {
        id: "days_to_first_contact",
        name: "Days from event to first contact (median, 90th percentile)",
        formula: "Over cases with a first contact recorded: days from the event to the first \
contact. Median: the middle value (the mean of the two middle values for an even count). 90th \
percentile: the value at rank ⌈0.9 × n⌉ of the sorted days.",
    },
    Definition {
        id: "apology",
        name: "Share with an apology",
        formula: "Cases whose apology is empathy or responsibility ÷ all cases.",
    },
    Definition {
        id: "clinician_support",
        name: "Share with clinician support offered",
        formula: "Cases with resolution.clinician_support_offered = yes ÷ all cases.",
    },
    Definition {
        id: "loop_closed",
        name: "Share with the loop closed with the family",
        formula: "Cases with resolution.loop_closed_with_family = yes ÷ all cases.",
    },
    Definition {
        id: "days_to_loop_closure",
        name: "Days from event to loop closure (median)",
        formula: "Median, over cases with a loop-closure date, of the days from the event to \
closing the loop with the family.",
    },
    Definition {
        id: "compensation_when_care_unreasonable",
        name: "Share offered compensation when the standard of care was not met",
        formula: "Cases whose review found the standard of care not met and whose compensation \
is a bill waiver, a payment or other ÷ cases whose review found the standard of care not met.",
    },
    Definition {
        id: "review_method",
        name: "Review method mix",
        formula: "Number of cases by event review method (RCA², apparent cause, FMEA, case \
review, other, not recorded).",
    },
    Definition {
        id: "actions_by_strength",
        name: "Improvement actions by RCA² strength",
        formula: "Number of improvement actions by RCA² strength (stronger, intermediate, \
weaker), and their share of all actions.",
    },
    Definition {
        id: "stronger_action",
        name: "Share of cases with at least one stronger action",
        formula: "Cases with one or more improvement actions of stronger RCA² strength ÷ all \
cases.",
    },
    Definition {
        id: "action_status",
        name: "Action status mix",
        formula: "Number of improvement actions by status (planned, in progress, implemented, \
verified).",
    },
    Definition {
        id: "days_to_closure",
        name: "Days from event to closure (median)",
        formula: "Median, over all cases, of the days from the event to the case's closure.",
    },
];

/// The definition with `id`.
pub fn definition(id: &str) -> Option<&'static Definition> {
    DEFINITIONS.iter().find(|d| d.id == id)
}

/// The definitions as one Markdown list, for the API description.
pub fn markdown() -> String {
    let mut out = format!("{POPULATION}\n\n");
    for d in DEFINITIONS {
        out.push_str(&format!("- **{}** (`{}`): {}\n", d.name, d.id, d.formula));
    }
    out.push('\n');
    out.push_str(SUPPRESSION_NOTE);
    out
}
