//! The CSV export: every table of the report as the page shows it, `<11` included.

use super::report::MeasuresReport;

fn field(text: &str) -> String {
    // A leading =, +, - or @ would run as a formula in a spreadsheet.
    let text = if text.starts_with(['=', '+', '@']) || (text.starts_with('-') && text != "—") {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The report as CSV: one block per table (`table,caption` header, the column header,
/// its rows), blank lines between them, the suppression note first.
pub fn to_csv(report: &MeasuresReport) -> String {
    let mut out = String::new();
    let line = |out: &mut String, cells: &[String]| {
        let v: Vec<String> = cells.iter().map(|c| field(c)).collect();
        out.push_str(&v.join(","));
        out.push_str("\r\n");
    };
    line(
        &mut out,
        &[
            "Patient Safety Work Product — privileged and confidential under the Patient Safety and Quality Improvement Act".into(),
        ],
    );
    line(&mut out, &["selection".into(), report.selection.clone()]);
    line(
        &mut out,
        &["suppression".into(), report.suppression_note.into()],
    );
    for t in &report.tables {
        out.push_str("\r\n");
        line(&mut out, &["table".into(), t.id.clone(), t.caption.clone()]);
        let mut header = vec![t.row_header.clone()];
        header.extend(t.columns.iter().cloned());
        line(&mut out, &header);
        for r in &t.rows {
            let mut cells = vec![r.label.clone()];
            cells.extend(r.values.iter().map(|v| v.display()));
            line(&mut out, &cells);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(field("=1+1"), "'=1+1");
        assert_eq!(field("<11"), "<11");
        assert_eq!(field("—"), "—");
    }
}
