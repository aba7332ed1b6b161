//! The free-text fields of a case: one typed registry that the redaction pipeline, a
//! curator's manual redactions, the search index and the API's allowed `field` values all
//! read. A field added to the case model is added here once, and reaches all four.

use super::{SharedView, SubmittedCase};

/// One free-text field of a case (in the submitted case and in its shared view, at the
/// same path).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TextField {
    /// `event.service`
    Service,
    /// `event.summary`
    Summary,
    /// `communication.disclosed_by_role`
    DisclosedByRole,
    /// `communication.notes`
    CommunicationNotes,
    /// `review.findings`
    Findings,
    /// `resolution.notes`
    ResolutionNotes,
    /// `lessons_learned`
    Lessons,
    /// `improvement_actions[i].description`
    Action(usize),
    /// `roles[i]` (from `people[i].role` of the submitted case)
    Role(usize),
}

/// The search index's text fields, by their names in queries (`lessons:heparin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexField {
    Summary,
    Findings,
    Notes,
    Lessons,
    Actions,
    Service,
    Roles,
    /// What safe-table discussions of the case concluded.
    Takeaways,
}

impl IndexField {
    /// Every index field, in the index's order.
    pub const ALL: [IndexField; 8] = [
        IndexField::Summary,
        IndexField::Findings,
        IndexField::Notes,
        IndexField::Lessons,
        IndexField::Actions,
        IndexField::Service,
        IndexField::Roles,
        IndexField::Takeaways,
    ];

    /// The name in the schema and in queries.
    pub fn name(self) -> &'static str {
        match self {
            IndexField::Summary => "summary",
            IndexField::Findings => "findings",
            IndexField::Notes => "notes",
            IndexField::Lessons => "lessons",
            IndexField::Actions => "actions",
            IndexField::Service => "service",
            IndexField::Roles => "roles",
            IndexField::Takeaways => "takeaways",
        }
    }

    /// The weight of a match in this field.
    pub fn boost(self) -> f32 {
        match self {
            IndexField::Lessons | IndexField::Actions | IndexField::Takeaways => 2.0,
            IndexField::Roles => 0.5,
            _ => 1.0,
        }
    }

    /// Position in [`IndexField::ALL`].
    pub fn position(self) -> usize {
        IndexField::ALL
            .iter()
            .position(|f| *f == self)
            .unwrap_or_default()
    }
}

impl TextField {
    /// The fields that occur once per case, in order.
    pub const SINGLE: [TextField; 7] = [
        TextField::Service,
        TextField::Summary,
        TextField::DisclosedByRole,
        TextField::CommunicationNotes,
        TextField::Findings,
        TextField::ResolutionNotes,
        TextField::Lessons,
    ];

    /// The JSON path in the shared view (and in the submitted case, but for roles, which
    /// come from `people[i].role`).
    pub fn path(self) -> String {
        match self {
            TextField::Service => "event.service".into(),
            TextField::Summary => "event.summary".into(),
            TextField::DisclosedByRole => "communication.disclosed_by_role".into(),
            TextField::CommunicationNotes => "communication.notes".into(),
            TextField::Findings => "review.findings".into(),
            TextField::ResolutionNotes => "resolution.notes".into(),
            TextField::Lessons => "lessons_learned".into(),
            TextField::Action(i) => format!("improvement_actions[{i}].description"),
            TextField::Role(i) => format!("roles[{i}]"),
        }
    }

    /// The index field this text is searched in.
    pub fn index_field(self) -> IndexField {
        match self {
            TextField::Summary => IndexField::Summary,
            TextField::Findings => IndexField::Findings,
            TextField::CommunicationNotes | TextField::ResolutionNotes => IndexField::Notes,
            TextField::Lessons => IndexField::Lessons,
            TextField::Action(_) => IndexField::Actions,
            TextField::Service => IndexField::Service,
            TextField::DisclosedByRole | TextField::Role(_) => IndexField::Roles,
        }
    }
}

/// Which fields a curator's manual redaction names: one field, or every element of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldSelector {
    One(TextField),
    AllActions,
    AllRoles,
}

impl FieldSelector {
    /// Parses a `field` value; `None` for anything that is not a free-text field.
    pub fn parse(text: &str) -> Option<Self> {
        if let Some(f) = TextField::SINGLE.iter().find(|f| f.path() == text) {
            return Some(FieldSelector::One(*f));
        }
        match text {
            "improvement_actions" => return Some(FieldSelector::AllActions),
            "roles" => return Some(FieldSelector::AllRoles),
            _ => {}
        }
        let index = |rest: &str, suffix: &str| -> Option<usize> {
            let inner = rest.strip_prefix('[')?.strip_suffix(suffix)?;
            let inner = inner.strip_suffix(']')?;
            // Digits only: no sign, no space, no leading `+`.
            (!inner.is_empty() && inner.len() <= 6 && inner.bytes().all(|b| b.is_ascii_digit()))
                .then(|| inner.parse().ok())
                .flatten()
        };
        if let Some(rest) = text.strip_prefix("improvement_actions") {
            return index(rest, ".description")
                .or_else(|| index(rest, ""))
                .map(|i| FieldSelector::One(TextField::Action(i)));
        }
        if let Some(rest) = text.strip_prefix("roles") {
            return index(rest, "").map(|i| FieldSelector::One(TextField::Role(i)));
        }
        None
    }

    /// The selectors that name a whole field or a whole list, in the registry's order
    /// (the choices of the review page's form).
    pub fn whole() -> Vec<FieldSelector> {
        TextField::SINGLE
            .into_iter()
            .map(FieldSelector::One)
            .chain([FieldSelector::AllActions, FieldSelector::AllRoles])
            .collect()
    }

    /// Every form a `field` value may take (`N` for an index), for messages and the API's
    /// description; derived from the registry, as [`FieldSelector::parse`] reads them.
    pub fn forms() -> Vec<String> {
        let mut out: Vec<String> = Self::whole().into_iter().map(Self::path).collect();
        let actions = FieldSelector::AllActions.path();
        out.push(format!("{actions}[N]"));
        for one in [TextField::Action(0), TextField::Role(0)] {
            out.push(one.path().replace("[0]", "[N]"));
        }
        out
    }

    /// A regular expression every `field` value [`FieldSelector::parse`] takes matches
    /// (for the API's schema), derived from the registry.
    pub fn pattern() -> String {
        let esc = |s: &str| s.replace('.', "\\.");
        let index = r"\[[0-9]{1,6}\]";
        let mut alternatives: Vec<String> =
            TextField::SINGLE.iter().map(|f| esc(&f.path())).collect();
        let actions = FieldSelector::AllActions.path();
        let suffix = TextField::Action(0)
            .path()
            .strip_prefix(&format!("{actions}[0]"))
            .map(str::to_owned)
            .unwrap_or_default();
        alternatives.push(format!("{}({index}({})?)?", esc(&actions), esc(&suffix)));
        alternatives.push(format!(
            "{}({index})?",
            esc(&FieldSelector::AllRoles.path())
        ));
        format!("^({})$", alternatives.join("|"))
    }

    /// The canonical form, as stored with the redaction.
    pub fn path(self) -> String {
        match self {
            FieldSelector::One(f) => f.path(),
            FieldSelector::AllActions => "improvement_actions".into(),
            FieldSelector::AllRoles => "roles".into(),
        }
    }

    /// Whether `field` is one the selector names.
    pub fn selects(self, field: TextField) -> bool {
        match self {
            FieldSelector::One(f) => f == field,
            FieldSelector::AllActions => matches!(field, TextField::Action(_)),
            FieldSelector::AllRoles => matches!(field, TextField::Role(_)),
        }
    }
}

impl SubmittedCase {
    /// Every free-text field present in the case, in the registry's order.
    pub fn text_fields(&self) -> Vec<(TextField, &str)> {
        let mut out: Vec<(TextField, &str)> = Vec::new();
        if let Some(s) = &self.event.service {
            out.push((TextField::Service, s));
        }
        out.push((TextField::Summary, &self.event.summary));
        if let Some(c) = &self.communication {
            if let Some(r) = &c.disclosed_by_role {
                out.push((TextField::DisclosedByRole, r));
            }
            if let Some(n) = &c.notes {
                out.push((TextField::CommunicationNotes, n));
            }
        }
        if let Some(f) = self.review.as_ref().and_then(|r| r.findings.as_deref()) {
            out.push((TextField::Findings, f));
        }
        if let Some(n) = self.resolution.as_ref().and_then(|r| r.notes.as_deref()) {
            out.push((TextField::ResolutionNotes, n));
        }
        out.push((TextField::Lessons, &self.lessons_learned));
        for (i, a) in self.improvement_actions.iter().enumerate() {
            out.push((TextField::Action(i), &a.description));
        }
        for (i, p) in self.people.iter().enumerate() {
            out.push((TextField::Role(i), &p.role));
        }
        out
    }
}

impl SharedView {
    /// Every free-text field present in the view, in the registry's order.
    pub fn text_fields(&self) -> Vec<(TextField, &str)> {
        let mut out: Vec<(TextField, &str)> = Vec::new();
        if let Some(s) = &self.event.service {
            out.push((TextField::Service, s));
        }
        out.push((TextField::Summary, &self.event.summary));
        if let Some(c) = &self.communication {
            if let Some(r) = &c.disclosed_by_role {
                out.push((TextField::DisclosedByRole, r));
            }
            if let Some(n) = &c.notes {
                out.push((TextField::CommunicationNotes, n));
            }
        }
        if let Some(f) = self.review.as_ref().and_then(|r| r.findings.as_deref()) {
            out.push((TextField::Findings, f));
        }
        if let Some(n) = self.resolution.as_ref().and_then(|r| r.notes.as_deref()) {
            out.push((TextField::ResolutionNotes, n));
        }
        out.push((TextField::Lessons, &self.lessons_learned));
        for (i, a) in self.improvement_actions.iter().enumerate() {
            out.push((TextField::Action(i), &a.description));
        }
        for (i, r) in self.roles.iter().enumerate() {
            out.push((TextField::Role(i), r));
        }
        out
    }

    /// The text of one field, when the view has it.
    pub fn text_mut(&mut self, field: TextField) -> Option<&mut String> {
        match field {
            TextField::Service => self.event.service.as_mut(),
            TextField::Summary => Some(&mut self.event.summary),
            TextField::DisclosedByRole => self
                .communication
                .as_mut()
                .and_then(|c| c.disclosed_by_role.as_mut()),
            TextField::CommunicationNotes => {
                self.communication.as_mut().and_then(|c| c.notes.as_mut())
            }
            TextField::Findings => self.review.as_mut().and_then(|r| r.findings.as_mut()),
            TextField::ResolutionNotes => self.resolution.as_mut().and_then(|r| r.notes.as_mut()),
            TextField::Lessons => Some(&mut self.lessons_learned),
            TextField::Action(i) => self
                .improvement_actions
                .get_mut(i)
                .map(|a| &mut a.description),
            TextField::Role(i) => self.roles.get_mut(i),
        }
    }

    /// The fields present in the view, as a list to edit in place.
    pub fn present_fields(&self) -> Vec<TextField> {
        self.text_fields().into_iter().map(|(f, _)| f).collect()
    }

    /// The text of every index field: the view's fields joined by line breaks, in the
    /// order of [`IndexField::ALL`].
    pub fn index_texts(&self) -> [String; IndexField::ALL.len()] {
        let mut out: [String; IndexField::ALL.len()] = Default::default();
        let takeaways = self
            .safe_table_takeaways
            .iter()
            .map(|t| (IndexField::Takeaways, t.as_str()));
        let fields = self
            .text_fields()
            .into_iter()
            .map(|(f, t)| (f.index_field(), t));
        for (field, text) in fields.chain(takeaways) {
            let slot = &mut out[field.position()];
            if !slot.is_empty() {
                slot.push('\n');
            }
            slot.push_str(text);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_parse_paths_lists_and_indexes() {
        assert_eq!(
            FieldSelector::parse("event.summary"),
            Some(FieldSelector::One(TextField::Summary))
        );
        assert_eq!(
            FieldSelector::parse("communication.disclosed_by_role"),
            Some(FieldSelector::One(TextField::DisclosedByRole))
        );
        assert_eq!(
            FieldSelector::parse("roles[2]"),
            Some(FieldSelector::One(TextField::Role(2)))
        );
        assert_eq!(
            FieldSelector::parse("improvement_actions[1].description"),
            Some(FieldSelector::One(TextField::Action(1)))
        );
        assert_eq!(
            FieldSelector::parse("improvement_actions[1]"),
            Some(FieldSelector::One(TextField::Action(1)))
        );
        assert_eq!(FieldSelector::parse("roles"), Some(FieldSelector::AllRoles));
        for bad in [
            "",
            "roles[]",
            "roles[-1]",
            "roles[+1]",
            "roles[ 1]",
            "roles[1",
            "event",
            "event.summary ",
            "improvement_actions[1].strength",
            "patient.sex",
        ] {
            assert_eq!(FieldSelector::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_path_parses_back_to_its_field() {
        let fields = TextField::SINGLE
            .iter()
            .copied()
            .chain([TextField::Action(3), TextField::Role(0)]);
        for f in fields {
            assert_eq!(FieldSelector::parse(&f.path()), Some(FieldSelector::One(f)));
        }
    }

    #[test]
    fn the_described_forms_and_the_pattern_agree_with_parse() {
        let pattern = regex::Regex::new(&FieldSelector::pattern()).unwrap();
        for form in FieldSelector::forms() {
            let example = form.replace("[N]", "[12]");
            assert!(FieldSelector::parse(&example).is_some(), "{example}");
            assert!(pattern.is_match(&example), "{example} against {pattern}");
        }
        for f in TextField::SINGLE
            .into_iter()
            .chain([TextField::Action(3), TextField::Role(0)])
        {
            assert!(pattern.is_match(&f.path()), "{}", f.path());
        }
        // The fields the pipeline rewrites are all reachable by hand.
        let forms = FieldSelector::forms();
        for path in ["communication.disclosed_by_role", "roles", "roles[N]"] {
            assert!(forms.iter().any(|f| f == path), "{path}");
        }
        for bad in [
            "event",
            "roles[]",
            "roles[-1]",
            "improvement_actions[1].x",
            "x.summary",
        ] {
            assert!(FieldSelector::parse(bad).is_none(), "{bad}");
            assert!(!pattern.is_match(bad), "{bad}");
        }
    }
}
