//! Charts drawn on the server as SVG (issue 15): no JavaScript, printable, with a title, axis
//! labels and every value written on its mark. Each chart is paired on its page with a table
//! of the same numbers for screen readers (the SVG itself is `role="img"` with its title).
//! Every text is escaped here; the page inserts the finished SVG as is.

use std::fmt::Write;

/// Escape text for an SVG text node or attribute.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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

/// The fills of a chart's series, in order (print-safe: distinct in grey too).
const FILLS: [&str; 5] = ["#2b6cb0", "#dd6b20", "#2f855a", "#805ad5", "#718096"];

/// One series of a column chart: its name and one value per category.
#[derive(Debug, Clone)]
pub struct Series {
    /// Shown in the legend.
    pub name: String,
    /// One value per category.
    pub values: Vec<i64>,
}

/// What a column chart shows.
#[derive(Debug, Clone)]
pub struct Columns<'a> {
    /// Its title (also the accessible name).
    pub title: &'a str,
    /// The label under the horizontal axis.
    pub x_label: &'a str,
    /// The label beside the vertical axis.
    pub y_label: &'a str,
    /// The categories along the horizontal axis.
    pub categories: Vec<String>,
    /// The series, drawn side by side within each category.
    pub series: Vec<Series>,
    /// A reference line (a target), with its label.
    pub line: Option<(i64, String)>,
}

const WIDTH: i64 = 720;
const HEIGHT: i64 = 300;
const LEFT: i64 = 56;
const RIGHT: i64 = 16;
const TOP: i64 = 40;
const BOTTOM: i64 = 64;

/// A column chart as an SVG element: a group of columns per category, one per series, each
/// with its value written above it; the axes with their labels; a legend when there are
/// several series; a dashed reference line when asked.
pub fn columns(c: &Columns<'_>) -> String {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let top_value = c
        .series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .chain(c.line.as_ref().map(|(v, _)| *v))
        .max()
        .unwrap_or(0)
        .max(1);
    let y = |v: i64| TOP + plot_h - (v.max(0) * plot_h) / top_value;
    let n = i64::try_from(c.categories.len()).unwrap_or(1).max(1);
    let k = i64::try_from(c.series.len()).unwrap_or(1).max(1);
    let group_w = plot_w / n;
    let bar_w = ((group_w * 3 / 4) / k).max(2);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = esc(c.title)
    );
    let _ = write!(
        s,
        r#"<text x="{x}" y="18" class="chart-title" text-anchor="middle" font-size="15" font-weight="bold">{t}</text>"#,
        x = WIDTH / 2,
        t = esc(c.title)
    );
    // Axes.
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}" stroke="#333"/><line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" stroke="#333"/>"##,
        b = TOP + plot_h,
        r = WIDTH - RIGHT
    );
    let _ = write!(
        s,
        r#"<text x="14" y="{m}" font-size="12" text-anchor="middle" transform="rotate(-90 14 {m})">{t}</text>"#,
        m = TOP + plot_h / 2,
        t = esc(c.y_label)
    );
    let _ = write!(
        s,
        r#"<text x="{x}" y="{y}" font-size="12" text-anchor="middle">{t}</text>"#,
        x = LEFT + plot_w / 2,
        y = HEIGHT - 8,
        t = esc(c.x_label)
    );
    let _ = write!(
        s,
        r#"<text x="{x}" y="{y}" font-size="11" text-anchor="end">{top_value}</text><text x="{x}" y="{z}" font-size="11" text-anchor="end">0</text>"#,
        x = LEFT - 4,
        y = TOP + 4,
        z = TOP + plot_h
    );
    for (i, cat) in c.categories.iter().enumerate() {
        let i = i64::try_from(i).unwrap_or(0);
        let gx = LEFT + i * group_w + (group_w - bar_w * k) / 2;
        for (j, series) in c.series.iter().enumerate() {
            let v = series
                .values
                .get(usize::try_from(i).unwrap_or(0))
                .copied()
                .unwrap_or(0);
            let j64 = i64::try_from(j).unwrap_or(0);
            let x = gx + j64 * bar_w;
            let top = y(v);
            let _ = write!(
                s,
                r#"<rect x="{x}" y="{top}" width="{w}" height="{h}" fill="{f}" data-value="{v}"><title>{name} {cat}: {v}</title></rect>"#,
                w = bar_w - 1,
                h = TOP + plot_h - top,
                f = FILLS[j % FILLS.len()],
                name = esc(&series.name),
                cat = esc(cat),
            );
            let _ = write!(
                s,
                r#"<text x="{tx}" y="{ty}" font-size="10" text-anchor="middle" class="value">{v}</text>"#,
                tx = x + bar_w / 2,
                ty = top - 3,
            );
        }
        let _ = write!(
            s,
            r#"<text x="{x}" y="{y}" font-size="11" text-anchor="middle">{t}</text>"#,
            x = LEFT + i * group_w + group_w / 2,
            y = TOP + plot_h + 16,
            t = esc(cat)
        );
    }
    if let Some((v, label)) = &c.line {
        let ly = y(*v);
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{ly}" x2="{r}" y2="{ly}" stroke="#c53030" stroke-dasharray="6 4"/><text x="{r}" y="{ty}" font-size="11" text-anchor="end" fill="#c53030">{t}</text>"##,
            r = WIDTH - RIGHT,
            ty = ly - 4,
            t = esc(label)
        );
    }
    if c.series.len() > 1 {
        for (j, series) in c.series.iter().enumerate() {
            let j = i64::try_from(j).unwrap_or(0);
            let lx = LEFT + j * 150;
            let ly = HEIGHT - 30;
            let _ = write!(
                s,
                r#"<rect x="{lx}" y="{ry}" width="10" height="10" fill="{f}"/><text x="{tx}" y="{ly}" font-size="11">{t}</text>"#,
                ry = ly - 9,
                f = FILLS[usize::try_from(j).unwrap_or(0) % FILLS.len()],
                tx = lx + 14,
                t = esc(&series.name)
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_writes_every_value_on_its_mark_and_escapes_its_words() {
        let svg = columns(&Columns {
            title: "<HTE> & co",
            x_label: "月份",
            y_label: "家数",
            categories: vec!["2026-01".into(), "2026-02".into()],
            series: vec![
                Series {
                    name: "高企".into(),
                    values: vec![3, 7],
                },
                Series {
                    name: "科小".into(),
                    values: vec![0, 12],
                },
            ],
            line: Some((10, "目标 10".into())),
        });
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("&lt;HTE&gt; &amp; co") && !svg.contains("<HTE>"));
        for v in [3, 7, 0, 12] {
            assert!(svg.contains(&format!(r#"data-value="{v}""#)), "{v}");
        }
        assert!(svg.contains(">目标 10<") && svg.contains(">月份<") && svg.contains(">家数<"));
        assert!(svg.contains(">科小<"), "a legend for two series");
    }
}
