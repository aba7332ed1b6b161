//! PDF documents of Patient Safety Work Product: the board report of the measures, the
//! safe-table discussion packet.
//!
//! [`Writer`] lays out headings, wrapped paragraphs, tables and [`Scene`] drawings on US
//! Letter pages, breaking pages as it goes, and frames every page with the PSWP marking
//! ([`PSWP_MARKING`]) at the top and the document's title and page number at the bottom.
//! Text is real text in an embedded, subsetted font (DejaVu Sans, see `fonts/README.md`),
//! so it can be searched, copied and read by assistive technology and `pdftotext`.
//!
//! ```
//! use safetable::pdf::Writer;
//! let mut w = Writer::new("Quarterly board report").unwrap();
//! w.heading("Measures");
//! w.paragraph("Cases received in 2025-Q3.");
//! w.table(&["Measure".into(), "Value".into()], &[vec!["Cases".into(), "42".into()]]);
//! let bytes = w.finish().unwrap();
//! assert!(bytes.starts_with(b"%PDF"));
//! ```

pub mod scene;

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::text::{Font, TextDirection};
use krilla::Document;

pub use scene::{Anchor, Rgb, Scene, Shape};

/// The marking on every page.
pub const PSWP_MARKING: &str = "Patient Safety Work Product — privileged and confidential under the Patient Safety and Quality Improvement Act";

static REGULAR: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("fonts/DejaVuSans-Bold.ttf");

/// US Letter, in points.
pub const PAGE_W: f32 = 612.0;
pub const PAGE_H: f32 = 792.0;
const MARGIN: f32 = 54.0;
/// Below the marking band.
const BODY_TOP: f32 = 86.0;
/// Above the footer.
const BODY_BOTTOM: f32 = PAGE_H - 60.0;
const BODY_W: f32 = PAGE_W - 2.0 * MARGIN;

/// Why a PDF could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font cannot be read")]
    Font,
    #[error("PDF: {0}")]
    Write(String),
}

/// Advance widths of the embedded fonts, to wrap and align text.
struct Metrics {
    regular: ttf_parser::Face<'static>,
    bold: ttf_parser::Face<'static>,
}

impl Metrics {
    fn load() -> Result<Self, PdfError> {
        Ok(Metrics {
            regular: ttf_parser::Face::parse(REGULAR, 0).map_err(|_| PdfError::Font)?,
            bold: ttf_parser::Face::parse(BOLD, 0).map_err(|_| PdfError::Font)?,
        })
    }

    /// The width of `text` at `size` points.
    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let face = if bold { &self.bold } else { &self.regular };
        let upem = f32::from(face.units_per_em());
        let units: f32 = text
            .chars()
            .map(|c| {
                face.glyph_index(c)
                    .and_then(|g| face.glyph_hor_advance(g))
                    .map_or(upem / 2.0, f32::from)
            })
            .sum();
        units * size / upem
    }
}

/// Lays out a document page by page; [`Writer::finish`] draws it.
pub struct Writer {
    title: String,
    metrics: Metrics,
    pages: Vec<Vec<Shape>>,
    y: f32,
    watermark: Option<String>,
}

fn words_in_lines(text: &str, max: f32, measure: impl Fn(&str) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if measure(&candidate) <= max || line.is_empty() {
                line = candidate;
            } else {
                lines.push(std::mem::take(&mut line));
                line = word.to_owned();
            }
        }
        lines.push(line);
    }
    lines
}

impl Writer {
    /// A document with one empty page.
    pub fn new(title: impl Into<String>) -> Result<Self, PdfError> {
        Ok(Writer {
            title: title.into(),
            metrics: Metrics::load()?,
            pages: vec![Vec::new()],
            y: BODY_TOP,
            watermark: None,
        })
    }

    /// Names whose copy this is on every page: a line under the marking and a light
    /// diagonal across the page, both real text (a leaked copy says whose it was).
    pub fn watermark(&mut self, text: impl Into<String>) {
        self.watermark = Some(text.into());
    }

    fn page(&mut self) -> &mut Vec<Shape> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page.
    pub fn page_break(&mut self) {
        self.pages.push(Vec::new());
        self.y = BODY_TOP;
    }

    /// Makes room for `h` points, breaking the page if needed.
    fn room(&mut self, h: f32) {
        if self.y + h > BODY_BOTTOM && self.y > BODY_TOP {
            self.page_break();
        }
    }

    /// Vertical space.
    pub fn space(&mut self, h: f32) {
        self.y += h;
    }

    fn text_at(&mut self, x: f32, y: f32, size: f32, text: &str, bold: bool, anchor: Anchor) {
        self.page().push(Shape::Text {
            at: (x, y),
            size,
            text: text.to_owned(),
            anchor,
            color: Rgb::TEXT,
            bold,
        });
    }

    fn lines(&mut self, text: &str, size: f32, bold: bool, indent: f32) {
        let line_h = size * 1.35;
        let lines = words_in_lines(text, BODY_W - indent, |t| self.metrics.width(t, size, bold));
        for line in lines {
            self.room(line_h);
            self.y += line_h;
            let y = self.y - size * 0.3;
            self.text_at(MARGIN + indent, y, size, &line, bold, Anchor::Start);
        }
    }

    /// A title (larger, bold).
    pub fn title(&mut self, text: &str) {
        self.room(60.0);
        self.lines(text, 20.0, true, 0.0);
        self.space(6.0);
    }

    /// A section heading; kept with at least a few lines after it.
    pub fn heading(&mut self, text: &str) {
        self.room(90.0);
        self.space(10.0);
        self.lines(text, 14.0, true, 0.0);
        self.space(4.0);
    }

    /// A wrapped paragraph.
    pub fn paragraph(&mut self, text: &str) {
        self.lines(text, 10.0, false, 0.0);
        self.space(6.0);
    }

    /// A subheading.
    pub fn subheading(&mut self, text: &str) {
        self.room(50.0);
        self.space(4.0);
        self.lines(text, 11.0, true, 0.0);
        self.space(2.0);
    }

    /// A list item with a bullet, wrapped under its text.
    pub fn bullet(&mut self, text: &str) {
        let size = 10.0;
        self.room(size * 1.35);
        let y = self.y + size * 1.35 - size * 0.3;
        self.text_at(MARGIN + 4.0, y, size, "•", false, Anchor::Start);
        self.lines(text, size, false, 16.0);
        self.space(2.0);
    }

    /// A small note.
    pub fn note(&mut self, text: &str) {
        self.lines(text, 8.5, false, 0.0);
        self.space(4.0);
    }

    /// A table: the first column left-aligned and wide, the others right-aligned; the
    /// header is repeated on every page the table runs onto. Cells are truncated to their
    /// column, never wrapped.
    pub fn table(&mut self, header: &[String], rows: &[Vec<String>]) {
        let n = header.len().max(1);
        let first = if n == 1 {
            BODY_W
        } else {
            (BODY_W * 0.36).max(BODY_W - 80.0 * (n - 1) as f32)
        };
        let rest = if n > 1 {
            (BODY_W - first) / (n - 1) as f32
        } else {
            0.0
        };
        let size = if n > 5 { 7.0 } else { 9.0 };
        let header_lines: Vec<Vec<String>> = header
            .iter()
            .enumerate()
            .map(|(k, h)| {
                let w = if k == 0 { first } else { rest } - 4.0;
                words_in_lines(h, w, |t| self.metrics.width(t, size, true))
            })
            .collect();
        let header_h =
            header_lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * size * 1.3 + 4.0;
        let row_h = size * 1.6;
        let draw_header = |w: &mut Writer| {
            w.room(header_h + row_h);
            let top = w.y;
            for (k, lines) in header_lines.iter().enumerate() {
                for (i, line) in lines.iter().enumerate() {
                    let y = top + size * 1.3 * (i as f32 + 1.0);
                    if k == 0 {
                        w.text_at(MARGIN, y, size, line, true, Anchor::Start);
                    } else {
                        let right = MARGIN + first + rest * k as f32 - 2.0;
                        w.text_at(right, y, size, line, true, Anchor::End);
                    }
                }
            }
            w.y = top + header_h;
            let y = w.y;
            w.page().push(Shape::Line {
                from: (MARGIN, y),
                to: (MARGIN + BODY_W, y),
                color: Rgb::TEXT,
                width: 0.8,
                dashed: false,
            });
        };
        draw_header(self);
        for row in rows {
            if self.y + row_h > BODY_BOTTOM {
                self.page_break();
                draw_header(self);
            }
            self.y += row_h;
            let y = self.y - size * 0.45;
            for (k, cell) in row.iter().enumerate().take(n) {
                let width = if k == 0 { first } else { rest } - 4.0;
                let cell = self.fit(cell, width, size);
                if k == 0 {
                    self.text_at(MARGIN, y, size, &cell, false, Anchor::Start);
                } else {
                    let right = MARGIN + first + rest * k as f32 - 2.0;
                    self.text_at(right, y, size, &cell, false, Anchor::End);
                }
            }
            let line_y = self.y;
            self.page().push(Shape::Line {
                from: (MARGIN, line_y),
                to: (MARGIN + BODY_W, line_y),
                color: Rgb::GRID,
                width: 0.5,
                dashed: false,
            });
        }
        self.space(10.0);
    }

    fn fit(&self, text: &str, width: f32, size: f32) -> String {
        if self.metrics.width(text, size, false) <= width {
            return text.to_owned();
        }
        let mut out: String = text.to_owned();
        while !out.is_empty() && self.metrics.width(&format!("{out}…"), size, false) > width {
            out.pop();
        }
        format!("{out}…")
    }

    /// A drawing, scaled to the body's width at most, with its text alternative below.
    pub fn scene(&mut self, scene: &Scene) {
        let scale = (BODY_W / scene.width).min(1.0);
        let h = scene.height * scale;
        self.room(h + 10.0);
        let (ox, oy) = (MARGIN, self.y);
        let t = |p: (f32, f32)| (ox + p.0 * scale, oy + p.1 * scale);
        let shapes: Vec<Shape> = scene
            .shapes
            .iter()
            .map(|s| match s.clone() {
                Shape::Line {
                    from,
                    to,
                    color,
                    width,
                    dashed,
                } => Shape::Line {
                    from: t(from),
                    to: t(to),
                    color,
                    width: width * scale,
                    dashed,
                },
                Shape::Polyline {
                    points,
                    color,
                    width,
                    dashed,
                } => Shape::Polyline {
                    points: points.into_iter().map(t).collect(),
                    color,
                    width: width * scale,
                    dashed,
                },
                Shape::Rect { x, y, w, h, color } => {
                    let (x, y) = t((x, y));
                    Shape::Rect {
                        x,
                        y,
                        w: w * scale,
                        h: h * scale,
                        color,
                    }
                }
                Shape::Dot { at, r, color } => Shape::Dot {
                    at: t(at),
                    r: r * scale,
                    color,
                },
                Shape::Text {
                    at,
                    size,
                    text,
                    anchor,
                    color,
                    bold,
                } => Shape::Text {
                    at: t(at),
                    size: size * scale,
                    text,
                    anchor,
                    color,
                    bold,
                },
            })
            .collect();
        self.page().extend(shapes);
        self.y += h + 4.0;
        let alt = scene.description.clone();
        self.note(&alt);
    }

    /// How many pages so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Draws every page with its frame and returns the PDF.
    pub fn finish(self) -> Result<Vec<u8>, PdfError> {
        let regular = Font::new(REGULAR.into(), 0).ok_or(PdfError::Font)?;
        let bold = Font::new(BOLD.into(), 0).ok_or(PdfError::Font)?;
        let mut doc = Document::new();
        doc.set_metadata(
            Metadata::new()
                .title(self.title.clone())
                .language("en-US".into())
                .creator("safetable".into()),
        );
        let total = self.pages.len();
        // The marking fits the band whatever the font's widths.
        let marking_size = {
            let w = self.metrics.width(PSWP_MARKING, 8.5, true);
            (8.5 * (PAGE_W - 48.0) / w).min(8.5)
        };
        for (i, shapes) in self.pages.iter().enumerate() {
            let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
                .ok_or_else(|| PdfError::Write("page size".into()))?;
            let mut page = doc.start_page_with(settings);
            let mut surface = page.surface();
            let mut frame = vec![
                Shape::Rect {
                    x: 0.0,
                    y: 0.0,
                    w: PAGE_W,
                    h: 40.0,
                    color: Rgb(0x1b, 0x1b, 0x1b),
                },
                Shape::Text {
                    at: (PAGE_W / 2.0, 24.0),
                    size: marking_size,
                    text: PSWP_MARKING.into(),
                    anchor: Anchor::Middle,
                    color: Rgb(0xff, 0xff, 0xff),
                    bold: true,
                },
                Shape::Text {
                    at: (MARGIN, PAGE_H - 30.0),
                    size: 8.0,
                    text: self.title.clone(),
                    anchor: Anchor::Start,
                    color: Rgb::TEXT,
                    bold: false,
                },
                Shape::Text {
                    at: (PAGE_W - MARGIN, PAGE_H - 30.0),
                    size: 8.0,
                    text: format!("Page {} of {total}", i + 1),
                    anchor: Anchor::End,
                    color: Rgb::TEXT,
                    bold: false,
                },
            ];
            if let Some(mark) = &self.watermark {
                let size = {
                    let w = self.metrics.width(mark, 8.0, false);
                    (8.0 * (PAGE_W - 2.0 * MARGIN) / w).min(8.0)
                };
                frame.push(Shape::Text {
                    at: (PAGE_W / 2.0, 56.0),
                    size,
                    text: mark.clone(),
                    anchor: Anchor::Middle,
                    color: Rgb(0x5c, 0x5c, 0x5c),
                    bold: false,
                });
            }
            if let Some(mark) = &self.watermark {
                // Across the page, light, drawn first so that the text lies over it.
                let size = {
                    let w = self.metrics.width(mark, 16.0, true);
                    (16.0 * (PAGE_H * 0.9) / w).min(16.0)
                };
                surface.push_transform(&krilla::geom::Transform::from_rotate_at(
                    -52.0,
                    PAGE_W / 2.0,
                    PAGE_H / 2.0,
                ));
                draw(
                    &mut surface,
                    &Shape::Text {
                        at: (PAGE_W / 2.0, PAGE_H / 2.0),
                        size,
                        text: mark.clone(),
                        anchor: Anchor::Middle,
                        color: Rgb(0xe4, 0xe4, 0xe4),
                        bold: true,
                    },
                    &regular,
                    &bold,
                    &self.metrics,
                );
                surface.pop();
            }
            frame.extend(shapes.iter().cloned());
            for shape in &frame {
                draw(&mut surface, shape, &regular, &bold, &self.metrics);
            }
            surface.finish();
            page.finish();
        }
        doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
    }
}

fn color(c: Rgb) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

fn draw(
    surface: &mut krilla::surface::Surface<'_>,
    shape: &Shape,
    regular: &Font,
    bold_font: &Font,
    metrics: &Metrics,
) {
    let stroke = |c: Rgb, width: f32, dashed: bool| Stroke {
        paint: color(c).into(),
        width,
        dash: dashed.then(|| StrokeDash {
            array: vec![4.0, 3.0],
            offset: 0.0,
        }),
        ..Stroke::default()
    };
    match shape {
        Shape::Line {
            from,
            to,
            color: c,
            width,
            dashed,
        } => {
            let mut pb = PathBuilder::new();
            pb.move_to(from.0, from.1);
            pb.line_to(to.0, to.1);
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke(*c, *width, *dashed)));
                surface.draw_path(&path);
            }
        }
        Shape::Polyline {
            points,
            color: c,
            width,
            dashed,
        } => {
            let mut pb = PathBuilder::new();
            for (k, p) in points.iter().enumerate() {
                if k == 0 {
                    pb.move_to(p.0, p.1);
                } else {
                    pb.line_to(p.0, p.1);
                }
            }
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke(*c, *width, *dashed)));
                surface.draw_path(&path);
            }
        }
        Shape::Rect {
            x,
            y,
            w,
            h,
            color: c,
        } => {
            let mut pb = PathBuilder::new();
            if let Some(rect) = krilla::geom::Rect::from_xywh(*x, *y, w.max(0.01), h.max(0.01)) {
                pb.push_rect(rect);
            }
            if let Some(path) = pb.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(Fill {
                    paint: color(*c).into(),
                    ..Fill::default()
                }));
                surface.draw_path(&path);
            }
        }
        Shape::Dot { at, r, color: c } => {
            // A circle from four cubic arcs.
            let k = 0.552_284_8 * r;
            let (cx, cy) = *at;
            let mut pb = PathBuilder::new();
            pb.move_to(cx + r, cy);
            pb.cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r);
            pb.cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy);
            pb.cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r);
            pb.cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy);
            pb.close();
            if let Some(path) = pb.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(Fill {
                    paint: color(*c).into(),
                    ..Fill::default()
                }));
                surface.draw_path(&path);
            }
        }
        Shape::Text {
            at,
            size,
            text,
            anchor,
            color: c,
            bold,
        } => {
            let width = metrics.width(text, *size, *bold);
            let x = match anchor {
                Anchor::Start => at.0,
                Anchor::Middle => at.0 - width / 2.0,
                Anchor::End => at.0 - width,
            };
            surface.set_stroke(None);
            surface.set_fill(Some(Fill {
                paint: color(*c).into(),
                ..Fill::default()
            }));
            let font = if *bold { bold_font } else { regular };
            surface.draw_text(
                Point::from_xy(x, at.1),
                font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_fonts_parse_and_measure() {
        let m = Metrics::load().unwrap();
        let narrow = m.width("iii", 10.0, false);
        let wide = m.width("WWW", 10.0, false);
        assert!(narrow > 0.0 && wide > narrow * 2.0, "{narrow} {wide}");
        assert!(m.width("WWW", 10.0, true) >= wide);
    }

    #[test]
    fn long_text_wraps_and_long_tables_run_onto_new_pages() {
        let mut w = Writer::new("Test").unwrap();
        w.paragraph(&"word ".repeat(400));
        let rows: Vec<Vec<String>> = (0..120)
            .map(|i| vec![format!("row {i}"), i.to_string()])
            .collect();
        w.table(&["Label".into(), "Value".into()], &rows);
        assert!(w.page_count() >= 3, "{}", w.page_count());
        let pdf = w.finish().unwrap();
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn words_wrap_at_the_width() {
        let lines = words_in_lines("aa bb cc dd", 5.0, |t| t.len() as f32);
        assert_eq!(lines, ["aa bb", "cc dd"]);
        let lines = words_in_lines("averyveryverylongword x", 5.0, |t| t.len() as f32);
        assert_eq!(lines, ["averyveryverylongword", "x"]);
    }
}
