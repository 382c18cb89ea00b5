//! What the user asks for: indicators, periods and breakdowns.

use std::fmt;
use std::str::FromStr;

use crate::error::{EngineError, Result};

/// The length of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Frequency {
    /// Calendar month (`2021-03`).
    Month,
    /// Calendar quarter (`2021-Q1`).
    Quarter,
    /// Calendar year (`2021`).
    Year,
}

impl Frequency {
    /// The SDMX FREQ code (`M`, `Q`, `A`).
    pub fn sdmx_code(self) -> &'static str {
        match self {
            Frequency::Month => "M",
            Frequency::Quarter => "Q",
            Frequency::Year => "A",
        }
    }
}

impl FromStr for Frequency {
    type Err = EngineError;
    fn from_str(s: &str) -> Result<Frequency> {
        match s {
            "month" | "monthly" | "M" => Ok(Frequency::Month),
            "quarter" | "quarterly" | "Q" => Ok(Frequency::Quarter),
            "year" | "yearly" | "annual" | "A" => Ok(Frequency::Year),
            _ => Err(EngineError::InvalidRequest(format!(
                "unknown period length {s:?}: expected month, quarter or year"
            ))),
        }
    }
}

/// A calendar period: a year, a quarter or a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    /// The year.
    pub year: i32,
    /// The length.
    pub frequency: Frequency,
    /// Month (1–12) or quarter (1–4) within the year; 1 for years.
    pub index: u32,
}

impl Period {
    /// The first day, as `YYYY-MM-DD`.
    pub fn first_day(&self) -> String {
        let month = match self.frequency {
            Frequency::Year => 1,
            Frequency::Quarter => (self.index - 1) * 3 + 1,
            Frequency::Month => self.index,
        };
        format!("{:04}-{month:02}-01", self.year)
    }

    /// The first day after the period, as `YYYY-MM-DD`.
    pub fn end_exclusive(&self) -> String {
        let (year, month) = match self.frequency {
            Frequency::Year => (self.year + 1, 1),
            Frequency::Quarter if self.index == 4 => (self.year + 1, 1),
            Frequency::Quarter => (self.year, self.index * 3 + 1),
            Frequency::Month if self.index == 12 => (self.year + 1, 1),
            Frequency::Month => (self.year, self.index + 1),
        };
        format!("{year:04}-{month:02}-01")
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.frequency {
            Frequency::Year => write!(f, "{}", self.year),
            Frequency::Quarter => write!(f, "{}-Q{}", self.year, self.index),
            Frequency::Month => write!(f, "{}-{:02}", self.year, self.index),
        }
    }
}

impl FromStr for Period {
    type Err = EngineError;
    fn from_str(s: &str) -> Result<Period> {
        let bad = || {
            EngineError::InvalidRequest(format!(
                "{s:?} is not a period: expected a year (2021), a quarter (2021-Q1) or a month (2021-03)"
            ))
        };
        let (year, rest) = match s.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (s, None),
        };
        if year.len() != 4 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let (frequency, index) = match rest {
            None => (Frequency::Year, 1),
            Some(q) if q.starts_with('Q') => {
                let i: u32 = q[1..].parse().map_err(|_| bad())?;
                if !(1..=4).contains(&i) {
                    return Err(bad());
                }
                (Frequency::Quarter, i)
            }
            Some(m) => {
                if m.len() != 2 {
                    return Err(bad());
                }
                let i: u32 = m.parse().map_err(|_| bad())?;
                if !(1..=12).contains(&i) {
                    return Err(bad());
                }
                (Frequency::Month, i)
            }
        };
        Ok(Period {
            year,
            frequency,
            index,
        })
    }
}

/// Which date places an offence in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateBasis {
    /// When the police recorded it (the usual basis of police statistics).
    #[default]
    Recorded,
    /// When it happened, where known (recorded date otherwise).
    Occurred,
}

/// How a table is broken down (`--by iccs:2,area:2,period:month,sex,age`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Breakdown {
    /// ICCS level 1–4, if broken down by offence category.
    pub iccs_level: Option<u8>,
    /// Area level: 1 regions, 2 districts.
    pub area_level: Option<u8>,
    /// Period length.
    pub period: Option<Frequency>,
    /// By sex.
    pub sex: bool,
    /// By age group.
    pub age: bool,
}

impl FromStr for Breakdown {
    type Err = EngineError;
    fn from_str(s: &str) -> Result<Breakdown> {
        let mut breakdown = Breakdown::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = match part.split_once(':') {
                Some((n, v)) => (n, Some(v)),
                None => (part, None),
            };
            let level = |max: u8, default: u8| -> Result<u8> {
                match value {
                    None => Ok(default),
                    Some(v) => v
                        .parse::<u8>()
                        .ok()
                        .filter(|l| (1..=max).contains(l))
                        .ok_or_else(|| {
                            EngineError::InvalidRequest(format!(
                                "--by {name}:{v}: the level must be a number from 1 to {max}"
                            ))
                        }),
                }
            };
            match name {
                "iccs" => breakdown.iccs_level = Some(level(4, 1)?),
                "area" => breakdown.area_level = Some(level(2, 2)?),
                "period" => {
                    breakdown.period = Some(value.unwrap_or("year").parse()?);
                }
                "sex" => breakdown.sex = true,
                "age" => breakdown.age = true,
                other => {
                    return Err(EngineError::InvalidRequest(format!(
                        "--by: unknown dimension {other:?}; expected iccs[:LEVEL], area[:LEVEL], \
                         period[:month|quarter|year], sex, age"
                    )));
                }
            }
        }
        Ok(breakdown)
    }
}

/// What the tables are for, which sets each indicator's standard breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Purpose {
    /// Fine detail for analysts and the dashboard (districts, months).
    #[default]
    Analysis,
    /// The detail a statistics office publishes: regions and years, SDG
    /// indicators nationally, so that disclosure control withholds little.
    Publication,
}

/// A request to compute indicators.
#[derive(Debug, Clone, Default)]
pub struct ComputeRequest {
    /// Indicator ids; empty means the standard set.
    pub indicators: Vec<String>,
    /// First period included.
    pub from: Option<Period>,
    /// Last period included.
    pub to: Option<Period>,
    /// The breakdown; `None` means each indicator's standard breakdown.
    pub breakdown: Option<Breakdown>,
    /// Which date places offences in periods.
    pub date_basis: DateBasis,
    /// Base year of the crime severity index (index = 100); default: the first
    /// complete year of data.
    pub base_year: Option<i32>,
    /// Analysis or publication detail, when no breakdown is given.
    pub purpose: Purpose,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_bound() {
        let p: Period = "2021-Q4".parse().expect("quarter");
        assert_eq!(
            (p.first_day(), p.end_exclusive()),
            ("2021-10-01".into(), "2022-01-01".into())
        );
        let m: Period = "2020-02".parse().expect("month");
        assert_eq!(
            (m.first_day(), m.end_exclusive()),
            ("2020-02-01".into(), "2020-03-01".into())
        );
        let y: Period = "2019".parse().expect("year");
        assert_eq!(y.to_string(), "2019");
        for bad in ["21", "2021-13", "2021-Q5", "2021-1", "abcd", ""] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }

    #[test]
    fn breakdown_parses_the_documented_syntax() {
        let b: Breakdown = "iccs:2,area:2,period:month,sex".parse().expect("parse");
        assert_eq!(
            b,
            Breakdown {
                iccs_level: Some(2),
                area_level: Some(2),
                period: Some(Frequency::Month),
                sex: true,
                age: false
            }
        );
        let err = "iccs:5".parse::<Breakdown>().expect_err("level 5");
        assert_eq!(
            err.to_string(),
            "--by iccs:5: the level must be a number from 1 to 4"
        );
        assert!("colour".parse::<Breakdown>().is_err());
    }
}
