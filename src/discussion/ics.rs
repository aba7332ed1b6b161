//! An iCalendar file (RFC 5545) for a session: its title, time and a reminder of its
//! confidentiality, and nothing of its cases or description.

use chrono::NaiveDateTime;

use super::Discussion;

/// Escapes a TEXT value.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a character.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
    out
}

fn utc(t: &NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The calendar of one discussion, stamped `now`.
pub fn calendar(d: &Discussion, now: &NaiveDateTime) -> String {
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//safetable//safe-table discussion//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:discussion-{}@safetable", d.id),
        format!("DTSTAMP:{}", utc(now)),
        format!("DTSTART:{}", utc(&d.starts_at)),
        format!("DTEND:{}", utc(&d.ends_at())),
        format!("SUMMARY:{}", text(&format!("Safe table: {}", d.title))),
        format!(
            "DESCRIPTION:{}",
            text(&format!(
                "A confidential safe-table discussion ({} in {}). Its cases are Patient Safety Work Product: open them in safetable, not from this invitation.",
                d.when(),
                d.time_zone.name()
            ))
        ),
        "CLASS:CONFIDENTIAL".to_owned(),
        "TRANSP:OPAQUE".to_owned(),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    lines.iter().map(|l| fold(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_long_lines_folded() {
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let long = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&long);
        for line in folded.split("\r\n") {
            assert!(line.len() <= 75, "{line:?}");
        }
        assert_eq!(folded.replace("\r\n ", ""), format!("{long}\r\n"));
    }
}
