//! The explorer's filters, as read from the query string of a plain HTML form.
//!
//! Forms submit every field, with an empty value for "all", so an empty value
//! means "no filter". Values are checked for shape here (a period looks like a
//! period, a level is 1 to 4); whether a code exists is the data layer's call.

use std::fmt::Write as _;

use thiserror::Error;

/// A filter value that cannot be right whatever the data holds.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the filter \"{field}\" cannot be used: {problem} (got \"{value}\")")]
pub struct FilterError {
    /// The query parameter.
    pub field: &'static str,
    /// The value received (shortened if long).
    pub value: String,
    /// What was expected.
    pub problem: &'static str,
}

/// The explorer's filters. `None` means "all" (or the data layer's default).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExplorerQuery {
    /// Indicator id.
    pub indicator: Option<String>,
    /// First period shown.
    pub from: Option<String>,
    /// Last period shown.
    pub to: Option<String>,
    /// Area code.
    pub area: Option<String>,
    /// ICCS level of the table by category (1 to 4).
    pub level: Option<u8>,
    /// ICCS category the page is restricted to.
    pub iccs: Option<String>,
    /// Sex code.
    pub sex: Option<String>,
    /// Age-group code.
    pub age: Option<String>,
}

const MAX_LEN: usize = 64;

impl ExplorerQuery {
    /// Reads the filters from query-string pairs. Unknown parameters are ignored;
    /// when a parameter repeats, the last value wins (as a form would send it).
    pub fn from_pairs<'a, I>(pairs: I) -> Result<ExplorerQuery, FilterError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut query = ExplorerQuery::default();
        for (key, raw) in pairs {
            let value = raw.trim();
            let (field, slot) = match key {
                "indicator" => ("indicator", &mut query.indicator),
                "from" => ("from", &mut query.from),
                "to" => ("to", &mut query.to),
                "area" => ("area", &mut query.area),
                "iccs" => ("iccs", &mut query.iccs),
                "sex" => ("sex", &mut query.sex),
                "age" => ("age", &mut query.age),
                "level" => {
                    query.level = parse_level(value)?;
                    continue;
                }
                _ => continue,
            };
            *slot = if value.is_empty() {
                None
            } else {
                Some(check(field, value)?)
            };
        }
        if let (Some(from), Some(to)) = (&query.from, &query.to)
            && period_key(from) > period_key(to)
        {
            return Err(FilterError {
                field: "from",
                value: format!("{from} > {to}"),
                problem: "the first period must not come after the last",
            });
        }
        Ok(query)
    }

    /// The query string (without `?`) that reproduces these filters; empty when
    /// no filter is set.
    pub fn to_query_string(&self) -> String {
        let mut out = String::new();
        let level = self.level.map(|l| l.to_string());
        let fields = [
            ("indicator", self.indicator.as_deref()),
            ("from", self.from.as_deref()),
            ("to", self.to.as_deref()),
            ("area", self.area.as_deref()),
            ("level", level.as_deref()),
            ("iccs", self.iccs.as_deref()),
            ("sex", self.sex.as_deref()),
            ("age", self.age.as_deref()),
        ];
        for (key, value) in fields {
            if let Some(value) = value {
                if !out.is_empty() {
                    out.push('&');
                }
                out.push_str(key);
                out.push('=');
                percent_encode_into(&mut out, value);
            }
        }
        out
    }

    /// The explorer URL for these filters.
    pub fn href(&self) -> String {
        let qs = self.to_query_string();
        if qs.is_empty() {
            "/explorer".to_owned()
        } else {
            format!("/explorer?{qs}")
        }
    }

    /// The filter value for a form field, or "" when unset.
    pub fn field(&self, name: &str) -> String {
        match name {
            "indicator" => self.indicator.clone(),
            "from" => self.from.clone(),
            "to" => self.to.clone(),
            "area" => self.area.clone(),
            "level" => self.level.map(|l| l.to_string()),
            "iccs" => self.iccs.clone(),
            "sex" => self.sex.clone(),
            "age" => self.age.clone(),
            _ => None,
        }
        .unwrap_or_default()
    }
}

fn parse_level(value: &str) -> Result<Option<u8>, FilterError> {
    if value.is_empty() {
        return Ok(None);
    }
    match value.parse::<u8>() {
        Ok(level @ 1..=4) => Ok(Some(level)),
        _ => Err(FilterError {
            field: "level",
            value: shorten(value),
            problem: "an ICCS level is a number from 1 to 4",
        }),
    }
}

fn check(field: &'static str, value: &str) -> Result<String, FilterError> {
    let fail = |problem| {
        Err(FilterError {
            field,
            value: shorten(value),
            problem,
        })
    };
    if value.len() > MAX_LEN {
        return fail("too long");
    }
    match field {
        "from" | "to" => {
            if period_key(value).is_none() {
                return fail("a period is a year (2023), a quarter (2023-Q4) or a month (2023-12)");
            }
        }
        "iccs" => {
            let digits = value.bytes().all(|b| b.is_ascii_digit());
            if !(digits && matches!(value.len(), 2 | 4 | 5 | 6)) && value != "NC" {
                return fail("an ICCS code has 2, 4, 5 or 6 digits (or is NC)");
            }
        }
        "indicator" => {
            if !value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return fail("an indicator id has lower-case letters, digits and underscores");
            }
        }
        _ => {
            let ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
            if !value.bytes().all(ok) {
                return fail("a code has letters, digits, '_', '-' and '.' only");
            }
        }
    }
    Ok(value.to_owned())
}

/// Orders periods of one frequency: (year, sub-period), where a year alone is
/// sub-period 0, quarters 1-4 and months 1-12. `None` when it is not a period.
fn period_key(period: &str) -> Option<(u16, u8)> {
    let year_of = |s: &str| {
        (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u16>().ok())
            .flatten()
    };
    match period.split_once('-') {
        None => Some((year_of(period)?, 0)),
        Some((year, rest)) => {
            let year = year_of(year)?;
            let sub = if let Some(q) = rest.strip_prefix('Q') {
                q.parse::<u8>()
                    .ok()
                    .filter(|q| (1..=4).contains(q) && rest.len() == 2)?
            } else {
                rest.parse::<u8>()
                    .ok()
                    .filter(|m| (1..=12).contains(m) && rest.len() == 2)?
            };
            Some((year, sub))
        }
    }
}

fn shorten(value: &str) -> String {
    value.chars().take(MAX_LEN).collect()
}

/// Percent-encodes everything outside the unreserved set of RFC 3986 §2.3.
fn percent_encode_into(out: &mut String, value: &str) {
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<ExplorerQuery, FilterError> {
        ExplorerQuery::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn empty_form_fields_mean_no_filter() {
        let q = parse(&[
            ("indicator", "victims"),
            ("sex", ""),
            ("age", "  "),
            ("level", ""),
        ])
        .unwrap();
        assert_eq!(
            q,
            ExplorerQuery {
                indicator: Some("victims".into()),
                ..Default::default()
            }
        );
    }

    #[test]
    fn all_filters_are_read_and_unknown_parameters_ignored() {
        let q = parse(&[
            ("indicator", "sdg_16_1_1"),
            ("from", "2019"),
            ("to", "2023"),
            ("area", "R01.D02"),
            ("level", "2"),
            ("iccs", "0101"),
            ("sex", "F"),
            ("age", "Y15T29"),
            ("utm_source", "x"),
        ])
        .unwrap();
        assert_eq!(q.level, Some(2));
        assert_eq!(q.area.as_deref(), Some("R01.D02"));
        assert_eq!(q.age.as_deref(), Some("Y15T29"));
        assert_eq!(
            q.to_query_string(),
            "indicator=sdg_16_1_1&from=2019&to=2023&area=R01.D02&level=2&iccs=0101&sex=F&age=Y15T29"
        );
    }

    #[test]
    fn the_last_repeated_parameter_wins() {
        let q = parse(&[("sex", "M"), ("sex", "F")]).unwrap();
        assert_eq!(q.sex.as_deref(), Some("F"));
    }

    #[test]
    fn bad_shapes_are_rejected_with_the_field_named() {
        let cases: &[(&str, &str)] = &[
            ("level", "5"),
            ("level", "one"),
            ("from", "23"),
            ("from", "2023-Q5"),
            ("to", "2023-13"),
            ("to", "2023-1"),
            ("iccs", "010"),
            ("iccs", "01a1"),
            ("indicator", "Offences"),
            ("area", "<script>"),
            ("sex", "F M"),
        ];
        for &(field, value) in cases {
            let err = parse(&[(field, value)]).unwrap_err();
            assert_eq!(err.field, field, "{field}={value}");
        }
    }

    #[test]
    fn periods_of_each_frequency_are_accepted() {
        for p in ["2023", "2023-Q1", "2023-Q4", "2023-01", "2023-12"] {
            assert!(parse(&[("from", p)]).is_ok(), "{p}");
        }
        assert!(parse(&[("iccs", "NC")]).is_ok());
    }

    #[test]
    fn a_reversed_range_is_rejected() {
        let err = parse(&[("from", "2023"), ("to", "2019")]).unwrap_err();
        assert_eq!(err.field, "from");
        assert!(parse(&[("from", "2023-Q1"), ("to", "2023-Q2")]).is_ok());
    }

    #[test]
    fn long_values_are_rejected_and_shortened_in_the_message() {
        let long = "A".repeat(500);
        let err = parse(&[("area", &long)]).unwrap_err();
        assert_eq!(err.value.len(), MAX_LEN);
    }

    #[test]
    fn hrefs_encode_reserved_characters() {
        let q = ExplorerQuery {
            area: Some("a&b c".into()),
            ..Default::default()
        };
        assert_eq!(q.href(), "/explorer?area=a%26b%20c");
        assert_eq!(ExplorerQuery::default().href(), "/explorer");
    }
}
