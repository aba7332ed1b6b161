//! The quarterly board report: an organization's measures beside the collaborative, with
//! the charts, the suppression note and the definitions, as PDF ([`crate::pdf`]).

use super::definitions::{DEFINITIONS, POPULATION};
use super::report::MeasuresReport;
use crate::pdf::{PdfError, Writer};

/// The report's PDF. `report` is what the organization's contributor sees (own beside
/// collaborative, suppressed); the PDF prints exactly its tables.
pub fn board_report(report: &MeasuresReport) -> Result<Vec<u8>, PdfError> {
    let mut w = Writer::new("CRP measures: quarterly board report")?;
    w.title("CRP measures: quarterly board report");
    w.paragraph(&format!("Selection: {}.", report.selection));
    w.paragraph(
        "Your organization's Communication-and-Resolution Program measures beside the \
         collaborative of the Patient Safety Organization (CMS Patient Safety Structural \
         Measure, domain 4).",
    );
    w.note(&format!("Suppression: {}", report.suppression_note));
    let mut tables = report.tables.iter();
    if let Some(summary) = tables.next() {
        table(&mut w, summary);
    }
    w.heading("Charts");
    for (_, scene) in super::chart::all(&report.charts) {
        w.scene(&scene);
    }
    for t in tables {
        table(&mut w, t);
    }
    w.heading("Definitions");
    w.paragraph(POPULATION);
    for d in DEFINITIONS {
        w.paragraph(&format!("{}: {}", d.name, d.formula));
    }
    w.finish()
}

fn table(w: &mut Writer, t: &super::Table) {
    w.heading(&t.caption);
    let mut header = vec![t.row_header.clone()];
    header.extend(t.columns.iter().cloned());
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| {
            let mut cells = vec![r.label.clone()];
            cells.extend(r.values.iter().map(|v| v.display()));
            cells
        })
        .collect();
    if rows.is_empty() {
        w.paragraph("No cases.");
    } else {
        w.table(&header, &rows);
    }
}
