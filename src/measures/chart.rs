//! The measures' charts, as [`Scene`]s: trend lines by quarter (your organization against
//! the collaborative) and stacked bars of the RCA² strength mix. A suppressed value is a
//! gap in the line, and the text alternative says `<11` for it.

use super::report::{ChartData, Series, Stack};
use crate::pdf::scene::{Anchor, Rgb, Scene, Shape};

/// Colours by population (your organization first), told apart by dash too.
const LINE_COLORS: [Rgb; 2] = [Rgb(0x00, 0x5e, 0xa2), Rgb(0x93, 0x6f, 0x38)];
/// Stronger, intermediate, weaker.
const STACK_COLORS: [Rgb; 3] = [
    Rgb(0x00, 0x6d, 0x2e),
    Rgb(0x5d, 0x9c, 0xec),
    Rgb(0xc0, 0x56, 0x00),
];

const W: f32 = 640.0;
const H: f32 = 300.0;
const LEFT: f32 = 56.0;
const RIGHT: f32 = 16.0;
const TOP: f32 = 36.0;
const BOTTOM: f32 = 64.0;

/// How the values of a trend read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Percent,
    Days,
}

impl Unit {
    fn show(self, v: f64) -> String {
        match self {
            Unit::Percent => format!("{v:.1}%"),
            Unit::Days => format!("{v:.1} days"),
        }
    }
}

fn text(at: (f32, f32), size: f32, t: impl Into<String>, anchor: Anchor) -> Shape {
    Shape::Text {
        at,
        size,
        text: t.into(),
        anchor,
        color: Rgb::TEXT,
        bold: false,
    }
}

/// A line per population over the quarters.
pub fn trend(title: &str, series: &[Series], unit: Unit) -> Scene {
    let mut scene = Scene::new(W, H, title);
    scene.push(Shape::Text {
        at: (LEFT, 20.0),
        size: 14.0,
        text: title.into(),
        anchor: Anchor::Start,
        color: Rgb::TEXT,
        bold: true,
    });
    let quarters: Vec<_> = series
        .first()
        .map(|s| s.points.iter().map(|(q, _)| *q).collect())
        .unwrap_or_default();
    let max = series
        .iter()
        .flat_map(|s| s.points.iter().filter_map(|(_, v)| *v))
        .fold(0.0_f64, f64::max);
    let top = match unit {
        Unit::Percent => 100.0,
        Unit::Days => nice_ceiling(max),
    };
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let x_of = |i: usize| {
        if quarters.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f32 / (quarters.len() - 1) as f32
        }
    };
    let y_of = |v: f64| TOP + plot_h - (v / top) as f32 * plot_h;
    for k in 0..=4 {
        let v = top * f64::from(k) / 4.0;
        let y = y_of(v);
        scene.push(Shape::Line {
            from: (LEFT, y),
            to: (W - RIGHT, y),
            color: Rgb::GRID,
            width: 1.0,
            dashed: false,
        });
        // Quarter steps of a small scale are fractions (`0.5`): rounded, two gridlines
        // would read the same.
        let label = match unit {
            Unit::Percent => format!("{v:.0}%"),
            Unit::Days if v.fract() != 0.0 => format!("{v:.1}"),
            Unit::Days => format!("{v:.0}"),
        };
        scene.push(text((LEFT - 6.0, y + 4.0), 11.0, label, Anchor::End));
    }
    let step = quarters.len().div_ceil(8).max(1);
    for (i, q) in quarters.iter().enumerate() {
        if i % step == 0 || i + 1 == quarters.len() {
            scene.push(text(
                (x_of(i), TOP + plot_h + 16.0),
                11.0,
                q.to_string(),
                Anchor::Middle,
            ));
        }
    }
    let mut words = Vec::new();
    for (k, s) in series.iter().enumerate() {
        let color = LINE_COLORS[k % LINE_COLORS.len()];
        let dashed = k % 2 == 1;
        // Runs of shown values; a suppressed quarter breaks the line.
        let mut run: Vec<(f32, f32)> = Vec::new();
        let flush = |run: &mut Vec<(f32, f32)>, scene: &mut Scene| {
            if run.len() > 1 {
                scene.push(Shape::Polyline {
                    points: std::mem::take(run),
                    color,
                    width: 2.0,
                    dashed,
                });
            }
            run.clear();
        };
        for (i, (_, v)) in s.points.iter().enumerate() {
            match v {
                Some(v) => {
                    let p = (x_of(i), y_of(*v));
                    scene.push(Shape::Dot {
                        at: p,
                        r: 3.0,
                        color,
                    });
                    run.push(p);
                }
                None => flush(&mut run, &mut scene),
            }
        }
        flush(&mut run, &mut scene);
        let legend_x = LEFT + 200.0 * k as f32;
        let legend_y = H - 18.0;
        scene.push(Shape::Line {
            from: (legend_x, legend_y - 4.0),
            to: (legend_x + 24.0, legend_y - 4.0),
            color,
            width: 2.0,
            dashed,
        });
        scene.push(text(
            (legend_x + 30.0, legend_y),
            12.0,
            s.label.clone(),
            Anchor::Start,
        ));
        let values: Vec<String> = s
            .points
            .iter()
            .map(|(q, v)| format!("{q} {}", v.map_or("<11".into(), |v| unit.show(v))))
            .collect();
        words.push(format!(
            "{}: {}",
            s.label,
            if values.is_empty() {
                "no cases".into()
            } else {
                values.join(", ")
            }
        ));
    }
    scene.description = format!("{title}, by quarter of contribution. {}.", words.join("; "));
    scene
}

/// One stacked bar per population: the shares of stronger, intermediate and weaker
/// actions.
pub fn stacked(title: &str, stacks: &[Stack]) -> Scene {
    let height = TOP + 44.0 * stacks.len() as f32 + 56.0;
    let mut scene = Scene::new(W, height, title);
    scene.push(Shape::Text {
        at: (16.0, 20.0),
        size: 14.0,
        text: title.into(),
        anchor: Anchor::Start,
        color: Rgb::TEXT,
        bold: true,
    });
    let left = 170.0;
    let width = W - left - RIGHT;
    let mut words = Vec::new();
    for (k, s) in stacks.iter().enumerate() {
        let y = TOP + 44.0 * k as f32;
        scene.push(text(
            (left - 8.0, y + 20.0),
            12.0,
            s.label.clone(),
            Anchor::End,
        ));
        match s.shares {
            Some(shares) => {
                let mut x = left;
                for (j, share) in shares.iter().enumerate() {
                    let w = width * (*share / 100.0) as f32;
                    scene.push(Shape::Rect {
                        x,
                        y,
                        w,
                        h: 28.0,
                        color: STACK_COLORS[j],
                    });
                    x += w;
                }
                words.push(format!(
                    "{}: stronger {:.1}%, intermediate {:.1}%, weaker {:.1}%",
                    s.label, shares[0], shares[1], shares[2]
                ));
            }
            None => {
                scene.push(text(
                    (left, y + 20.0),
                    12.0,
                    "<11: too few cases to show",
                    Anchor::Start,
                ));
                words.push(format!("{}: <11", s.label));
            }
        }
    }
    let legend_y = height - 20.0;
    for (j, name) in ["Stronger", "Intermediate", "Weaker"].iter().enumerate() {
        let x = left + 130.0 * j as f32;
        scene.push(Shape::Rect {
            x,
            y: legend_y - 10.0,
            w: 12.0,
            h: 12.0,
            color: STACK_COLORS[j],
        });
        scene.push(text((x + 18.0, legend_y), 12.0, *name, Anchor::Start));
    }
    scene.description = format!("{title}. {}.", words.join("; "));
    scene
}

/// The three charts of a report.
pub fn all(data: &ChartData) -> Vec<(&'static str, Scene)> {
    vec![
        (
            "chart-initial-communication",
            trend(
                "Share with an initial communication",
                &data.initial_communication,
                Unit::Percent,
            ),
        ),
        (
            "chart-first-contact",
            trend(
                "Median days from event to first contact",
                &data.days_to_first_contact,
                Unit::Days,
            ),
        ),
        (
            "chart-strength",
            stacked("Improvement actions by RCA² strength", &data.strength_mix),
        ),
    ]
}

fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 {
        return 10.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if v <= m * magnitude {
            return m * magnitude;
        }
    }
    10.0 * magnitude
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measures::Quarter;

    #[test]
    fn a_suppressed_quarter_breaks_the_line_and_is_told_in_words() {
        let q = |s: &str| Quarter::parse(s).unwrap();
        let series = vec![Series {
            label: "Collaborative".into(),
            points: vec![
                (q("2025-Q1"), Some(50.0)),
                (q("2025-Q2"), Some(60.0)),
                (q("2025-Q3"), None),
                (q("2025-Q4"), Some(70.0)),
            ],
        }];
        let scene = trend("Share", &series, Unit::Percent);
        let lines = scene
            .shapes
            .iter()
            .filter(|s| matches!(s, Shape::Polyline { .. }))
            .count();
        assert_eq!(lines, 1, "only Q1–Q2 are joined");
        assert!(scene.description.contains("2025-Q3 <11"));
        assert!(scene.description.contains("2025-Q4 70.0%"));
        assert_eq!(nice_ceiling(37.0), 50.0);
        assert_eq!(nice_ceiling(0.0), 10.0);
    }

    #[test]
    fn the_gridlines_of_a_small_scale_read_apart() {
        let q = Quarter::parse("2026-Q4").unwrap();
        let series = vec![Series {
            label: "Collaborative".into(),
            points: vec![(q, Some(2.0))],
        }];
        let scene = trend("Median days", &series, Unit::Days);
        let labels: Vec<&str> = scene
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .filter(|t| t.parse::<f64>().is_ok())
            .collect();
        let mut distinct = labels.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(labels.len(), 5, "{labels:?}");
        assert_eq!(distinct.len(), labels.len(), "{labels:?}");
    }
}
