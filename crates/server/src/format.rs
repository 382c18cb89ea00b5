//! Numbers and sentences for readers: thousands separators, file sizes, and the
//! captions that describe each chart in words (the chart's text alternative).

use crate::view::{Breakdown, Cell, SeriesPoint};

/// Shown instead of a withheld value.
pub const SUPPRESSED: &str = "suppressed";
/// Shown where there is no value.
pub const NOT_AVAILABLE: &str = "not available";

/// A number with a comma every three digits and a fixed number of decimals
/// (`1234567.891`, 1 → `1,234,567.9`). Non-finite values read "not available".
pub fn number(value: f64, decimals: u8) -> String {
    if !value.is_finite() {
        return NOT_AVAILABLE.to_owned();
    }
    let decimals = usize::from(decimals.min(6));
    let text = format!("{:.*}", decimals, value.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::with_capacity(text.len() + text.len() / 3 + 1);
    // "-0.0" would read as a negative figure; only show a sign for a non-zero result.
    if value < 0.0 && text.bytes().any(|b| matches!(b, b'1'..=b'9')) {
        out.push('-');
    }
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// A cell as shown in a table: the number, "suppressed", or "not available".
pub fn cell(value: Cell, decimals: u8) -> String {
    match value {
        Cell::Value(v) => number(v, decimals),
        Cell::Suppressed => SUPPRESSED.to_owned(),
        Cell::Missing => NOT_AVAILABLE.to_owned(),
    }
}

/// An interval as shown in a table ("1,180.2 – 1,302.5"), only beside a
/// published value: the bounds of a suppressed cell would reveal it.
pub fn interval(value: Cell, lower: Option<f64>, upper: Option<f64>, decimals: u8) -> String {
    match (value.value(), lower, upper) {
        (Some(_), Some(lo), Some(hi)) if lo.is_finite() && hi.is_finite() => {
            format!("{} – {}", number(lo, decimals), number(hi, decimals))
        }
        _ => String::new(),
    }
}

/// A file size in decimal units (`1234567` → `1.2 MB`).
pub fn bytes(size: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if size < 1000 {
        return format!("{size} bytes");
    }
    // u64 → f64 loses precision only beyond 2^53 bytes, far below display precision.
    let mut value = size as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A share as a percentage with one decimal (`part` of `whole`); "not available"
/// when the whole is zero.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return NOT_AVAILABLE.to_owned();
    }
    format!("{:.1} %", part as f64 * 100.0 / whole as f64)
}

/// Describes a trend in one or two sentences: where it starts and ends, the
/// change in per cent, its lowest and highest values, and how many periods are
/// withheld. Suppressed and missing periods are left out of every figure.
pub fn describe_trend(points: &[SeriesPoint], unit: &str, decimals: u8) -> String {
    let published: Vec<(&str, f64)> = points
        .iter()
        .filter_map(|p| p.value.value().map(|v| (p.period.as_str(), v)))
        .collect();
    let suppressed = points.iter().filter(|p| p.value.is_suppressed()).count();
    let mut text = match published.as_slice() {
        [] => "No published values for the selected filters.".to_owned(),
        [(period, v)] => format!(
            "{} {unit} in {period}; no other period is published.",
            number(*v, decimals)
        ),
        [(p0, v0), .., (p1, v1)] => {
            let change = if v1 > v0 {
                format!(
                    "rose from {} in {p0} to {} in {p1}",
                    number(*v0, decimals),
                    number(*v1, decimals)
                )
            } else if v1 < v0 {
                format!(
                    "fell from {} in {p0} to {} in {p1}",
                    number(*v0, decimals),
                    number(*v1, decimals)
                )
            } else {
                format!("was {} in both {p0} and {p1}", number(*v0, decimals))
            };
            let relative = if *v0 != 0.0 && v1 != v0 {
                format!(" ({:+.1} %)", (v1 - v0) / v0.abs() * 100.0)
            } else {
                String::new()
            };
            let (lo_p, lo) = extreme(&published, |a, b| a < b);
            let (hi_p, hi) = extreme(&published, |a, b| a > b);
            format!(
                "The value ({unit}) {change}{relative}. Lowest: {} in {lo_p}; highest: {} in {hi_p}.",
                number(lo, decimals),
                number(hi, decimals)
            )
        }
    };
    if suppressed > 0 {
        let periods = if suppressed == 1 {
            "period is"
        } else {
            "periods are"
        };
        text.push_str(&format!(
            " {suppressed} {periods} suppressed and not shown."
        ));
    }
    text
}

/// Describes a breakdown: its largest and smallest rows and how many are withheld.
pub fn describe_breakdown(breakdown: &Breakdown, what: &str, unit: &str, decimals: u8) -> String {
    let published: Vec<(&str, f64)> = breakdown
        .rows
        .iter()
        .filter_map(|r| r.value.value().map(|v| (r.label.as_str(), v)))
        .collect();
    let suppressed = breakdown
        .rows
        .iter()
        .filter(|r| r.value.is_suppressed())
        .count();
    let period = &breakdown.period;
    let mut text = match published.as_slice() {
        [] => format!("No published values by {what} for {period}."),
        [(label, v)] => format!(
            "{period}, by {what} ({unit}): only {label} is published, at {}.",
            number(*v, decimals)
        ),
        _ => {
            let (hi_l, hi) = extreme(&published, |a, b| a > b);
            let (lo_l, lo) = extreme(&published, |a, b| a < b);
            format!(
                "{period}, {} {what}s ({unit}): highest {hi_l} at {}; lowest {lo_l} at {}.",
                published.len(),
                number(hi, decimals),
                number(lo, decimals)
            )
        }
    };
    if suppressed > 0 {
        let rows = if suppressed == 1 {
            "value is"
        } else {
            "values are"
        };
        text.push_str(&format!(" {suppressed} {rows} suppressed."));
    }
    text
}

/// The first entry whose value beats every other by `better` (ties keep the first).
fn extreme<'a>(values: &[(&'a str, f64)], better: impl Fn(f64, f64) -> bool) -> (&'a str, f64) {
    let mut best = values[0];
    for &(label, v) in &values[1..] {
        if better(v, best.1) {
            best = (label, v);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::BreakdownRow;

    fn point(period: &str, value: Cell) -> SeriesPoint {
        SeriesPoint {
            period: period.into(),
            value,
            lower: None,
            upper: None,
        }
    }

    #[test]
    fn numbers_get_thousands_separators_and_fixed_decimals() {
        assert_eq!(number(0.0, 0), "0");
        assert_eq!(number(999.0, 0), "999");
        assert_eq!(number(1000.0, 0), "1,000");
        assert_eq!(number(1234567.891, 1), "1,234,567.9");
        assert_eq!(number(12.345, 2), "12.35"); // 12.345 is stored as 12.3450000000000006
        assert_eq!(number(-4321.5, 1), "-4,321.5");
        assert_eq!(number(-0.04, 1), "0.0");
        assert_eq!(number(100000.0, 1), "100,000.0");
        assert_eq!(number(f64::NAN, 1), "not available");
    }

    #[test]
    fn cells_show_suppressed_as_a_word_and_hide_its_interval() {
        assert_eq!(cell(Cell::Value(1523.25), 1), "1,523.2"); // round-half-even on the binary value 1523.25
        assert_eq!(cell(Cell::Suppressed, 1), "suppressed");
        assert_eq!(cell(Cell::Missing, 1), "not available");
        assert_eq!(
            interval(Cell::Value(10.0), Some(8.5), Some(12.25), 2),
            "8.50 – 12.25"
        );
        assert_eq!(interval(Cell::Suppressed, Some(1.0), Some(4.0), 1), "");
        assert_eq!(interval(Cell::Value(10.0), None, Some(12.0), 1), "");
    }

    #[test]
    fn sizes_use_decimal_units() {
        assert_eq!(bytes(512), "512 bytes");
        assert_eq!(bytes(1000), "1.0 kB");
        assert_eq!(bytes(210_082), "210.1 kB");
        assert_eq!(bytes(1_234_567), "1.2 MB");
        assert_eq!(bytes(999_960), "1.0 MB");
        assert_eq!(bytes(5_000_000_000), "5.0 GB");
    }

    #[test]
    fn percentages_of_a_whole() {
        assert_eq!(percent(1, 3), "33.3 %");
        assert_eq!(percent(0, 0), "not available");
    }

    #[test]
    fn a_rising_trend_is_described_with_its_change_and_extremes() {
        // 1,200.0 → 1,260.0 is +60 / 1,200 = +5.0 %; lowest 1,150.5 (2020), highest 1,260.0 (2023).
        let points = [
            point("2019", Cell::Value(1200.0)),
            point("2020", Cell::Value(1150.5)),
            point("2021", Cell::Suppressed),
            point("2022", Cell::Value(1210.0)),
            point("2023", Cell::Value(1260.0)),
        ];
        assert_eq!(
            describe_trend(&points, "offences per 100,000", 1),
            "The value (offences per 100,000) rose from 1,200.0 in 2019 to 1,260.0 in 2023 (+5.0 %). \
             Lowest: 1,150.5 in 2020; highest: 1,260.0 in 2023. 1 period is suppressed and not shown."
        );
    }

    #[test]
    fn a_falling_trend_skips_unpublished_ends() {
        // First published 80 (2020), last published 60 (2022): -20 / 80 = -25.0 %.
        let points = [
            point("2019", Cell::Missing),
            point("2020", Cell::Value(80.0)),
            point("2021", Cell::Value(70.0)),
            point("2022", Cell::Value(60.0)),
            point("2023", Cell::Suppressed),
        ];
        assert_eq!(
            describe_trend(&points, "percent", 0),
            "The value (percent) fell from 80 in 2020 to 60 in 2022 (-25.0 %). \
             Lowest: 60 in 2022; highest: 80 in 2020. 1 period is suppressed and not shown."
        );
    }

    #[test]
    fn trends_with_one_or_no_value() {
        assert_eq!(
            describe_trend(&[point("2023", Cell::Value(3.0))], "victims", 0),
            "3 victims in 2023; no other period is published."
        );
        assert_eq!(
            describe_trend(
                &[
                    point("2022", Cell::Suppressed),
                    point("2023", Cell::Suppressed)
                ],
                "victims",
                0
            ),
            "No published values for the selected filters. 2 periods are suppressed and not shown."
        );
        assert_eq!(
            describe_trend(
                &[
                    point("2022", Cell::Value(5.0)),
                    point("2023", Cell::Value(5.0))
                ],
                "victims",
                0
            ),
            "The value (victims) was 5 in both 2022 and 2023. Lowest: 5 in 2022; highest: 5 in 2022."
        );
    }

    #[test]
    fn a_breakdown_names_its_largest_and_smallest_rows() {
        let row = |code: &str, label: &str, value| BreakdownRow {
            code: code.into(),
            label: label.into(),
            value,
            lower: None,
            upper: None,
        };
        let b = Breakdown {
            period: "2023".into(),
            rows: vec![
                row("01", "Homicide", Cell::Value(2.5)),
                row("05", "Property", Cell::Value(812.25)),
                row("02", "Injury", Cell::Value(301.0)),
                row("11", "Other", Cell::Suppressed),
            ],
        };
        assert_eq!(
            describe_breakdown(&b, "section", "per 100,000", 1),
            "2023, 3 sections (per 100,000): highest Property at 812.2; lowest Homicide at 2.5. 1 value is suppressed."
        );
    }
}
