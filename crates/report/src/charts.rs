//! Charts of the statistics pages, drawn on the server as inline SVG: no script, no external
//! library or CDN, readable without JavaScript and printable. Every chart has a title and a
//! text description for screen readers, and its figures are also in a table on the same page.

use std::fmt::Write;

use zhanqun_core::sanitize::escape_text;

/// One series of a chart: a name (the legend) and a value per label.
pub struct Series<'a> {
    pub name: &'a str,
    pub values: Vec<i64>,
    /// A CSS colour.
    pub colour: &'a str,
}

const W: f64 = 720.0;
const H: f64 = 220.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 34.0;

/// A "nice" upper bound of the axis for `max`: four steps of 1, 2 or 5 times a power of ten,
/// so that every grid line has a round label.
fn nice_max(max: i64) -> i64 {
    let mut p = 1i64;
    loop {
        for m in [1, 2, 5] {
            let step = m * p;
            if step * 4 >= max {
                return step * 4;
            }
        }
        p = p.saturating_mul(10);
    }
}

fn frame(out: &mut String, title: &str, labels: &[String], top: i64, series: &[Series<'_>]) {
    let _ = write!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title>",
        t = escape_text(title)
    );
    // Grid lines and the value axis.
    for i in 0..=4 {
        let v = top * i / 4;
        let y = TOP + (H - TOP - BOTTOM) * (1.0 - i as f64 / 4.0);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{x2}\" y2=\"{y:.1}\" stroke=\"#e3e7ee\"/><text x=\"{tx}\" y=\"{ty:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#5a6472\">{v}</text>",
            x2 = W - RIGHT,
            tx = LEFT - 6.0,
            ty = y + 4.0
        );
    }
    // Category labels: at most about twelve, evenly spaced.
    let n = labels.len().max(1);
    let step = n.div_ceil(12);
    let slot = (W - LEFT - RIGHT) / n as f64;
    for (i, l) in labels.iter().enumerate() {
        if i % step != 0 && i != n - 1 {
            continue;
        }
        let x = LEFT + slot * (i as f64 + 0.5);
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{y}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5a6472\">{}</text>",
            escape_text(l),
            y = H - BOTTOM + 16.0
        );
    }
    // Legend.
    let mut lx = LEFT;
    for s in series {
        let _ = write!(
            out,
            "<rect x=\"{lx}\" y=\"8\" width=\"12\" height=\"12\" fill=\"{c}\"/><text x=\"{tx}\" y=\"18\" font-size=\"12\" fill=\"#1f2733\">{name}</text>",
            c = s.colour,
            tx = lx + 16.0,
            name = escape_text(s.name)
        );
        lx += 28.0 + 13.0 * s.name.chars().count() as f64;
    }
}

/// The chart's frame (title, grid, axis, labels, legend) scaled to the largest value; returns
/// the SVG so far and the axis top.
fn start(title: &str, labels: &[String], series: &[Series<'_>]) -> (String, i64) {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0);
    let top = nice_max(max);
    let mut out = String::new();
    frame(&mut out, title, labels, top, series);
    (out, top)
}

/// Grouped bars, one group per label.
pub fn bars(title: &str, labels: &[String], series: &[Series<'_>]) -> String {
    let (mut out, top) = start(title, labels, series);
    let n = labels.len().max(1);
    let slot = (W - LEFT - RIGHT) / n as f64;
    let k = series.len().max(1) as f64;
    let bar = (slot * 0.8 / k).max(1.0);
    let plot_h = H - TOP - BOTTOM;
    for (si, s) in series.iter().enumerate() {
        for (i, v) in s.values.iter().enumerate() {
            let h = plot_h * (*v as f64) / top as f64;
            let x = LEFT + slot * i as f64 + slot * 0.1 + bar * si as f64;
            let y = TOP + plot_h - h;
            let _ = write!(
                out,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{c}\"><title>{l}：{v}</title></rect>",
                c = s.colour,
                l = escape_text(labels.get(i).map(String::as_str).unwrap_or(""))
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// Lines with points, one line per series.
pub fn lines(title: &str, labels: &[String], series: &[Series<'_>]) -> String {
    let (mut out, top) = start(title, labels, series);
    let n = labels.len().max(1);
    let slot = (W - LEFT - RIGHT) / n as f64;
    let plot_h = H - TOP - BOTTOM;
    for s in series {
        let points: Vec<(f64, f64)> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                (
                    LEFT + slot * (i as f64 + 0.5),
                    TOP + plot_h - plot_h * (*v as f64) / top as f64,
                )
            })
            .collect();
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2\"/>",
            path.join(" "),
            c = s.colour
        );
        for (i, (x, y)) in points.iter().enumerate() {
            let _ = write!(
                out,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\" fill=\"{c}\"><title>{l}：{v}</title></circle>",
                c = s.colour,
                l = escape_text(labels.get(i).map(String::as_str).unwrap_or("")),
                v = s.values[i]
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_bounds_are_round() {
        assert_eq!(nice_max(0), 4);
        assert_eq!(nice_max(6), 8);
        assert_eq!(nice_max(130), 200);
        assert_eq!(nice_max(4_900), 8_000);
        assert_eq!(nice_max(78_000), 80_000);
        for m in [0, 3, 17, 999, 123_456] {
            assert_eq!(nice_max(m) % 4, 0, "{m}");
            assert!(nice_max(m) >= m);
        }
    }

    #[test]
    fn a_chart_is_one_svg_with_its_values_and_escaped_labels() {
        let labels: Vec<String> = vec!["11-01".into(), "<b>".into()];
        let svg = bars(
            "访问量",
            &labels,
            &[Series {
                name: "浏览量",
                values: vec![3, 8],
                colour: "#1f5fae",
            }],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("浏览量") && svg.contains("：8"));
        assert!(!svg.contains("<b>"));
        assert_eq!(
            svg.matches("<rect").count(),
            3,
            "one legend swatch and two bars"
        );
        let svg = lines("趋势", &labels, &[]);
        assert!(svg.ends_with("</svg>"));
    }
}
