//! The discussion packet as a PDF: the agenda, every case's shared view with its
//! questions, and (for those who may see them) the takeaways. Every page carries the
//! PSWP marking, the discussion's title and a watermark naming who downloaded it, when.

use chrono::NaiveDateTime;

use super::{DiscussionCase, DiscussionDetail, CONFIDENTIALITY_STATEMENT};
use crate::case::SharedView;
use crate::pdf::{PdfError, Writer};
use crate::web::ui::labels::value as label;

/// Whose copy it is.
pub struct Watermark {
    pub email: String,
    pub organization: String,
    /// UTC.
    pub at: NaiveDateTime,
}

impl Watermark {
    /// The text printed on every page.
    pub fn text(&self) -> String {
        format!(
            "Copy of {} ({}), downloaded {} UTC — not to be shared",
            self.email,
            self.organization,
            self.at.format("%Y-%m-%d %H:%M")
        )
    }
}

fn day(n: i64) -> String {
    match n {
        0 => "Day 0".into(),
        n if n > 0 => format!("Day +{n}"),
        n => format!("Day {n}"),
    }
}

/// `Fall event · Moderate harm · 2024`.
pub fn case_title(view: &SharedView) -> String {
    format!(
        "{} event · {} harm · {}",
        label(view.event.category.as_str()),
        label(view.event.harm.as_str()),
        view.event.year
    )
}

fn facts(view: &SharedView) -> String {
    let mut parts = vec![format!("Setting: {}", label(view.event.setting.as_str()))];
    if let Some(s) = &view.event.service {
        parts.push(format!("Service: {s}"));
    }
    if let Some(a) = view.patient.age_band {
        parts.push(format!("Patient age: {}", a.as_str()));
    }
    if let Some(s) = view.patient.sex {
        parts.push(format!("Patient sex: {}", label(s.as_str())));
    }
    parts.join(" · ")
}

fn timeline(view: &SharedView) -> String {
    let t = &view.timeline;
    let mut steps = vec![(0, "event")];
    for (d, what) in [
        (t.discovered_day, "discovered"),
        (t.first_contact_day, "first contact with the family"),
        (t.loop_closed_day, "loop closed with the family"),
        (Some(t.closed_day), "case closed"),
    ] {
        if let Some(d) = d {
            steps.push((d, what));
        }
    }
    steps.sort_by_key(|s| s.0);
    steps
        .iter()
        .map(|(d, what)| format!("{}: {what}", day(*d)))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn write_case(w: &mut Writer, n: usize, case: &DiscussionCase) {
    let v = &case.view;
    w.page_break();
    w.heading(&format!("Case {n}: {}", case_title(v)));
    w.note(&facts(v));
    w.subheading("What happened");
    w.paragraph(&v.event.summary);
    if !v.roles.is_empty() {
        w.note(&format!("People involved: {}", v.roles.join(", ")));
    }
    w.subheading("Timeline");
    w.paragraph(&timeline(v));
    if let Some(c) = &v.communication {
        w.subheading("Communication with the family");
        let mut parts = Vec::new();
        if let Some(r) = &c.disclosed_by_role {
            parts.push(format!("Disclosed by: {r}"));
        }
        if let Some(a) = c.apology {
            parts.push(format!("Apology: {}", label(a.as_str())));
        }
        if !parts.is_empty() {
            w.paragraph(&parts.join(" · "));
        }
        if let Some(notes) = &c.notes {
            w.paragraph(notes);
        }
    }
    if let Some(r) = &v.review {
        w.subheading("Event review");
        let mut parts = Vec::new();
        if let Some(m) = r.method {
            parts.push(format!("Method: {}", label(m.as_str())));
        }
        if let Some(s) = r.standard_of_care_met {
            parts.push(format!("Standard of care met: {}", label(s.as_str())));
        }
        if !r.contributing_factors.is_empty() {
            parts.push(format!(
                "Contributing factors: {}",
                r.contributing_factors
                    .iter()
                    .map(|f| label(f.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !parts.is_empty() {
            w.paragraph(&parts.join(" · "));
        }
        if let Some(f) = &r.findings {
            w.paragraph(f);
        }
    }
    if let Some(r) = &v.resolution {
        w.subheading("Resolution");
        let mut parts = Vec::new();
        if let Some(b) = r.loop_closed_with_family {
            parts.push(format!("Loop closed with the family: {}", yes_no(b)));
        }
        if let Some(c) = r.compensation {
            parts.push(format!("Compensation: {}", label(c.as_str())));
        }
        if let Some(b) = r.clinician_support_offered {
            parts.push(format!("Clinician support offered: {}", yes_no(b)));
        }
        if !parts.is_empty() {
            w.paragraph(&parts.join(" · "));
        }
        if let Some(n) = &r.notes {
            w.paragraph(n);
        }
    }
    w.subheading("Lessons learned");
    w.paragraph(&v.lessons_learned);
    if !v.improvement_actions.is_empty() {
        w.subheading("Improvement actions");
        for a in &v.improvement_actions {
            w.bullet(&format!(
                "{} ({} action, {})",
                a.description,
                label(a.strength.as_str()),
                label(a.status.as_str()).to_lowercase()
            ));
        }
    }
    if !v.safe_table_takeaways.is_empty() {
        w.subheading("What earlier safe tables concluded");
        for t in &v.safe_table_takeaways {
            w.bullet(t);
        }
    }
    if !case.questions.is_empty() {
        w.subheading("Questions for the discussion");
        for (i, q) in case.questions.iter().enumerate() {
            w.paragraph(&format!("{}. {q}", i + 1));
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// The packet, watermarked for `who`.
pub fn pdf(detail: &DiscussionDetail, who: &Watermark) -> Result<Vec<u8>, PdfError> {
    let d = &detail.discussion;
    let mut w = Writer::new(format!("Safe table: {}", d.title))?;
    w.watermark(who.text());
    w.title(&d.title);
    w.paragraph(&format!("Safe-table discussion · {}", d.when()));
    if !d.description.is_empty() {
        w.paragraph(&d.description);
    }
    w.subheading("Confidentiality");
    for line in CONFIDENTIALITY_STATEMENT {
        w.bullet(line);
    }
    w.heading("Agenda");
    if detail.cases.is_empty() {
        w.paragraph("No cases yet.");
    }
    for (i, c) in detail.cases.iter().enumerate() {
        let questions = match c.questions.len() {
            0 => "no questions yet".to_owned(),
            1 => "1 question".to_owned(),
            n => format!("{n} questions"),
        };
        w.paragraph(&format!("{}. {} ({questions})", i + 1, case_title(&c.view)));
    }
    if let Some(t) = &d.overall_takeaways {
        w.heading("Key takeaways");
        w.paragraph(t);
    }
    for (i, c) in detail.cases.iter().enumerate() {
        write_case(&mut w, i + 1, c);
        if let Some(t) = &c.takeaways {
            w.subheading("Takeaways from this discussion");
            w.paragraph(t);
        }
    }
    w.finish()
}
