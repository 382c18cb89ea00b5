//! The data behind each chart, embedded in the page as JSON.
//!
//! A chart is drawn in the browser by `assets/dashboard.js` from a
//! `<script type="application/json">` block next to it; the block is data, not
//! code, so the Content-Security-Policy (scripts from 'self' only) allows it.
//! The format is ours, not the charting library's, so the library can change
//! without touching the pages. Suppressed and missing values are `null`: the
//! chart shows a gap, and no bound of a withheld value is ever written.

use serde::Serialize;

use crate::view::{Breakdown, FlaggedSeries, SeriesPoint};

/// A chart's data.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ChartData {
    /// A line over periods with a shaded band (a confidence interval or an
    /// expected range), optionally an expected line and flagged points.
    Band {
        /// Period labels, in order.
        labels: Vec<String>,
        /// Legend text of the line.
        value_label: String,
        /// The line; `null` where not published.
        values: Vec<Option<f64>>,
        /// Legend text of the band.
        band_label: String,
        /// Lower edge of the band.
        lower: Vec<Option<f64>>,
        /// Upper edge of the band.
        upper: Vec<Option<f64>>,
        /// An expected line (early warning), if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        expected: Option<Vec<Option<f64>>>,
        /// Which points are flagged (early warning), if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        flagged: Option<Vec<bool>>,
        /// Decimals for tooltips and axis labels.
        decimals: u8,
    },
    /// Horizontal bars, one bar (or one stack) per label.
    Bars {
        /// Bar labels, in order.
        labels: Vec<String>,
        /// One or more series; several are stacked.
        series: Vec<BarSeries>,
        /// Decimals for tooltips and axis labels.
        decimals: u8,
    },
}

/// One series of a bar chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BarSeries {
    /// Legend text.
    pub label: String,
    /// Values; `null` where not published.
    pub values: Vec<Option<f64>>,
}

impl ChartData {
    /// A trend with its confidence band.
    pub fn trend(
        points: &[SeriesPoint],
        value_label: &str,
        band_label: &str,
        decimals: u8,
    ) -> ChartData {
        let bound =
            |p: &SeriesPoint, b: Option<f64>| p.value.value().and(b).filter(|v| v.is_finite());
        ChartData::Band {
            labels: points.iter().map(|p| p.period.clone()).collect(),
            value_label: value_label.to_owned(),
            values: points.iter().map(|p| p.value.value()).collect(),
            band_label: band_label.to_owned(),
            lower: points.iter().map(|p| bound(p, p.lower)).collect(),
            upper: points.iter().map(|p| bound(p, p.upper)).collect(),
            expected: None,
            flagged: None,
            decimals,
        }
    }

    /// A flagged series: observed values, the expected line and its range.
    pub fn warning(series: &FlaggedSeries) -> ChartData {
        let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
        let points = &series.points;
        ChartData::Band {
            labels: points.iter().map(|p| p.period.clone()).collect(),
            value_label: "Observed".to_owned(),
            values: points.iter().map(|p| p.observed.value()).collect(),
            band_label: "Expected range".to_owned(),
            lower: points.iter().map(|p| finite(p.lower)).collect(),
            upper: points.iter().map(|p| finite(p.upper)).collect(),
            expected: Some(points.iter().map(|p| finite(p.expected)).collect()),
            flagged: Some(points.iter().map(|p| p.flagged).collect()),
            decimals: series.decimals,
        }
    }

    /// One value per row of a breakdown.
    pub fn breakdown(breakdown: &Breakdown, label: &str, decimals: u8) -> ChartData {
        ChartData::Bars {
            labels: breakdown.rows.iter().map(|r| r.label.clone()).collect(),
            series: vec![BarSeries {
                label: label.to_owned(),
                values: breakdown.rows.iter().map(|r| r.value.value()).collect(),
            }],
            decimals,
        }
    }

    /// Bars from one or more series (several are stacked), with no decimals.
    pub fn bars(labels: Vec<String>, series: Vec<BarSeries>) -> ChartData {
        ChartData::Bars {
            labels,
            series,
            decimals: 0,
        }
    }

    /// The JSON, safe to place inside a `<script type="application/json">`
    /// element: `<`, `>` and `&` are written as `\u003c`, `\u003e` and `\u0026`
    /// so that no string in the data can close the element.
    pub fn to_script_json(&self) -> String {
        // Serialising plain structs of strings, numbers and booleans cannot fail;
        // a failure would only mean a non-finite float slipped through, which
        // `Cell::value` and the bound filters already exclude.
        let json = serde_json::to_string(self).unwrap_or_else(|_| "null".to_owned());
        let mut safe = String::with_capacity(json.len());
        for ch in json.chars() {
            match ch {
                '<' => safe.push_str("\\u003c"),
                '>' => safe.push_str("\\u003e"),
                '&' => safe.push_str("\\u0026"),
                c => safe.push(c),
            }
        }
        safe
    }
}

/// The values of counts as chart values.
pub fn counts(values: impl IntoIterator<Item = u64>) -> Vec<Option<f64>> {
    values.into_iter().map(|n| Some(n as f64)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::{Cell, WarningPoint};

    #[test]
    fn a_suppressed_point_has_no_value_and_no_bounds() {
        let points = vec![
            SeriesPoint {
                period: "2022".into(),
                value: Cell::Value(4.5),
                lower: Some(3.0),
                upper: Some(6.5),
            },
            SeriesPoint {
                period: "2023".into(),
                value: Cell::Suppressed,
                lower: Some(0.1),
                upper: Some(5.6),
            },
        ];
        let json = ChartData::trend(&points, "Rate", "95 % CI", 1).to_script_json();
        assert_eq!(
            json,
            r#"{"kind":"band","labels":["2022","2023"],"value_label":"Rate","values":[4.5,null],"band_label":"95 % CI","lower":[3.0,null],"upper":[6.5,null],"decimals":1}"#
        );
    }

    #[test]
    fn labels_cannot_close_the_script_element() {
        let b = Breakdown {
            period: "2023".into(),
            rows: vec![crate::view::BreakdownRow {
                code: "x".into(),
                label: "</script><b>&".into(),
                value: Cell::Value(1.0),
                lower: None,
                upper: None,
            }],
        };
        let json = ChartData::breakdown(&b, "n", 0).to_script_json();
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        assert!(json.contains(r"\u003c/script\u003e\u003cb\u003e\u0026"));
        // The escapes are JSON string escapes: a JSON parser gets the label back.
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["labels"][0], "</script><b>&");
    }

    #[test]
    fn a_warning_chart_carries_expected_values_and_flags() {
        let s = FlaggedSeries {
            id: "s1".into(),
            indicator: "Offences".into(),
            label: "Burglary".into(),
            period: "2024-03".into(),
            observed: Cell::Value(57.0),
            expected: 30.0,
            lower: 20.0,
            upper: 40.0,
            decimals: 0,
            points: vec![
                WarningPoint {
                    period: "2024-02".into(),
                    observed: Cell::Value(31.0),
                    expected: Some(29.0),
                    lower: Some(19.0),
                    upper: Some(39.0),
                    flagged: false,
                },
                WarningPoint {
                    period: "2024-03".into(),
                    observed: Cell::Value(57.0),
                    expected: Some(30.0),
                    lower: Some(20.0),
                    upper: Some(40.0),
                    flagged: true,
                },
            ],
            explorer_href: None,
        };
        let json: serde_json::Value =
            serde_json::from_str(&ChartData::warning(&s).to_script_json()).unwrap();
        assert_eq!(json["values"], serde_json::json!([31.0, 57.0]));
        assert_eq!(json["expected"], serde_json::json!([29.0, 30.0]));
        assert_eq!(json["flagged"], serde_json::json!([false, true]));
        assert_eq!(json["lower"], serde_json::json!([19.0, 20.0]));
    }
}
