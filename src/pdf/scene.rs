//! A small vector drawing (lines, rectangles, dots, text) that renders the same to SVG
//! (for pages: presentation attributes only, never a `style` attribute, so a strict
//! Content-Security-Policy shows it) and to PDF ([`super::Writer::scene`]).

use std::fmt::Write as _;

/// An RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const TEXT: Rgb = Rgb(0x1b, 0x1b, 0x1b);
    pub const GRID: Rgb = Rgb(0xdf, 0xe1, 0xe2);

    fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Where a text's anchor point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// One element; coordinates in points from the top left.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Line {
        from: (f32, f32),
        to: (f32, f32),
        color: Rgb,
        width: f32,
        dashed: bool,
    },
    /// Connected segments.
    Polyline {
        points: Vec<(f32, f32)>,
        color: Rgb,
        width: f32,
        dashed: bool,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    Dot {
        at: (f32, f32),
        r: f32,
        color: Rgb,
    },
    Text {
        at: (f32, f32),
        size: f32,
        text: String,
        anchor: Anchor,
        color: Rgb,
        bold: bool,
    },
}

/// A drawing with a title and a text alternative.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub width: f32,
    pub height: f32,
    pub title: String,
    /// What the drawing shows, in words (its text alternative).
    pub description: String,
    pub shapes: Vec<Shape>,
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Scene {
    /// An empty drawing.
    pub fn new(width: f32, height: f32, title: impl Into<String>) -> Self {
        Scene {
            width,
            height,
            title: title.into(),
            description: String::new(),
            shapes: Vec::new(),
        }
    }

    pub fn push(&mut self, shape: Shape) {
        self.shapes.push(shape);
    }

    /// The drawing as an SVG element: `role="img"`, labelled by its `<title>` and
    /// described by its `<desc>`, whose ids start with `id`. Only presentation
    /// attributes; every text escaped.
    pub fn to_svg(&self, id: &str) -> String {
        let id = escape(id);
        let mut s = String::new();
        let _ = write!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"st-chart\" viewBox=\"0 0 {w} {h}\" \
             width=\"{w}\" height=\"{h}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
             font-family=\"Source Sans Pro, Helvetica, Arial, sans-serif\">\
             <title id=\"{id}-title\">{title}</title><desc id=\"{id}-desc\">{desc}</desc>",
            w = self.width,
            h = self.height,
            title = escape(&self.title),
            desc = escape(&self.description),
        );
        for shape in &self.shapes {
            match shape {
                Shape::Line {
                    from,
                    to,
                    color,
                    width,
                    dashed,
                } => {
                    let _ = write!(
                        s,
                        "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"{width}\"{}/>",
                        from.0,
                        from.1,
                        to.0,
                        to.1,
                        color.hex(),
                        if *dashed { " stroke-dasharray=\"4 3\"" } else { "" }
                    );
                }
                Shape::Polyline {
                    points,
                    color,
                    width,
                    dashed,
                } => {
                    let pts: Vec<String> = points
                        .iter()
                        .map(|(x, y)| format!("{x:.1},{y:.1}"))
                        .collect();
                    let _ = write!(
                        s,
                        "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{width}\"{}/>",
                        pts.join(" "),
                        color.hex(),
                        if *dashed { " stroke-dasharray=\"6 3\"" } else { "" }
                    );
                }
                Shape::Rect { x, y, w, h, color } => {
                    let _ = write!(
                        s,
                        "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{}\"/>",
                        color.hex()
                    );
                }
                Shape::Dot { at, r, color } => {
                    let _ = write!(
                        s,
                        "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r}\" fill=\"{}\"/>",
                        at.0,
                        at.1,
                        color.hex()
                    );
                }
                Shape::Text {
                    at,
                    size,
                    text,
                    anchor,
                    color,
                    bold,
                } => {
                    let anchor = match anchor {
                        Anchor::Start => "start",
                        Anchor::Middle => "middle",
                        Anchor::End => "end",
                    };
                    let _ = write!(
                        s,
                        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{size}\" text-anchor=\"{anchor}\" fill=\"{}\"{}>{}</text>",
                        at.0,
                        at.1,
                        color.hex(),
                        if *bold { " font-weight=\"bold\"" } else { "" },
                        escape(text)
                    );
                }
            }
        }
        s.push_str("</svg>");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_has_a_title_a_description_and_no_style_attribute() {
        let mut scene = Scene::new(100.0, 50.0, "A <chart>");
        scene.description = "Values & more".into();
        scene.push(Shape::Text {
            at: (1.0, 2.0),
            size: 10.0,
            text: "\"x\" <script>".into(),
            anchor: Anchor::Middle,
            color: Rgb::TEXT,
            bold: true,
        });
        scene.push(Shape::Rect {
            x: 0.0,
            y: 0.0,
            w: 5.0,
            h: 5.0,
            color: Rgb(1, 2, 3),
        });
        let svg = scene.to_svg("c1");
        assert!(svg.contains("<title id=\"c1-title\">A &lt;chart&gt;</title>"));
        assert!(svg.contains("<desc id=\"c1-desc\">Values &amp; more</desc>"));
        assert!(svg.contains("aria-labelledby=\"c1-title c1-desc\""));
        assert!(!svg.contains("<script>"));
        assert!(!svg.contains("style="));
        assert!(svg.contains("fill=\"#010203\""));
    }
}
