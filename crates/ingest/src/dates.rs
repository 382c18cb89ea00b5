//! Date formats of source files and the conversion to Arrow's Date32.
//!
//! A format is written with strftime-style specifiers: `%Y` (four-digit year),
//! `%y` (two-digit year), `%m` (month number), `%b`/`%B` (English month name,
//! abbreviated or full), `%d` (day), `%H`, `%M`, `%S` (a time of day, checked and
//! ignored) and `%%`; anything else must appear literally. A format without a
//! day (`%Y-%m`, as in police.uk's monthly files) means the first of the month.
//! The parser is written out here rather than borrowed from chrono because it
//! runs for every date of every row, and because its errors say which part of
//! the date is wrong ("February 2021 has 28 days").

use std::fmt;

/// One element of a compiled date format.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Year4,
    Year2,
    Month,
    MonthName,
    Day,
    Hour,
    Minute,
    Second,
    Literal(u8),
}

/// A compiled date format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFormat {
    text: String,
    tokens: Vec<Token>,
    has_day: bool,
}

/// Why a format string cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("date format {format:?}: {problem}")]
pub struct FormatError {
    format: String,
    problem: String,
}

/// Why a value is not a date in the format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    /// The text does not have the format's shape.
    Shape,
    /// The shape is right but the month does not exist.
    NoSuchMonth(u32),
    /// The day does not exist in that month.
    NoSuchDay {
        /// Year.
        year: i32,
        /// Month (1–12).
        month: u32,
        /// Days in that month.
        days: u32,
    },
    /// The time of day is out of range.
    BadTime,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

const MONTH_TITLES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl DateFormat {
    /// ISO 8601 calendar dates, `YYYY-MM-DD`.
    pub fn iso() -> DateFormat {
        DateFormat::compile("%Y-%m-%d").unwrap_or_else(|_| DateFormat {
            text: "%Y-%m-%d".to_owned(),
            tokens: Vec::new(),
            has_day: true,
        })
    }

    /// Compiles a strftime-style format (see the module docs).
    pub fn compile(format: &str) -> Result<DateFormat, FormatError> {
        let err = |problem: &str| FormatError {
            format: format.to_owned(),
            problem: problem.to_owned(),
        };
        let mut tokens = Vec::new();
        let bytes = format.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let spec = bytes
                    .get(i + 1)
                    .copied()
                    .ok_or_else(|| err("ends with a lone %"))?;
                tokens.push(match spec {
                    b'Y' => Token::Year4,
                    b'y' => Token::Year2,
                    b'm' => Token::Month,
                    b'b' | b'B' => Token::MonthName,
                    b'd' | b'e' => Token::Day,
                    b'H' => Token::Hour,
                    b'M' => Token::Minute,
                    b'S' => Token::Second,
                    b'%' => Token::Literal(b'%'),
                    other => {
                        return Err(err(&format!(
                            "%{} is not supported (use %Y, %y, %m, %b, %B, %d, %H, %M, %S)",
                            char::from(other)
                        )));
                    }
                });
                i += 2;
            } else {
                tokens.push(Token::Literal(bytes[i]));
                i += 1;
            }
        }
        let count = |t: &Token| tokens.iter().filter(|x| *x == t).count();
        if count(&Token::Year4) + count(&Token::Year2) != 1 {
            return Err(err("needs exactly one year (%Y or %y)"));
        }
        if count(&Token::Month) + count(&Token::MonthName) != 1 {
            return Err(err("needs exactly one month (%m, %b or %B)"));
        }
        if count(&Token::Day) > 1 {
            return Err(err("has more than one day (%d)"));
        }
        Ok(DateFormat {
            text: format.to_owned(),
            has_day: count(&Token::Day) == 1,
            tokens,
        })
    }

    /// The format as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Parses `value` to days since 1970-01-01.
    pub fn parse(&self, value: &str) -> Result<i32, DateError> {
        let s = value.as_bytes();
        let mut pos = 0;
        let (mut year, mut month, mut day) =
            (None, None, if self.has_day { None } else { Some(1) });
        for token in &self.tokens {
            match token {
                Token::Literal(c) => {
                    if s.get(pos) != Some(c) {
                        return Err(DateError::Shape);
                    }
                    pos += 1;
                }
                Token::Year4 => year = Some(digits(s, &mut pos, 4, 4)? as i32),
                Token::Year2 => {
                    // POSIX strptime: 69–99 are 1969–1999, 00–68 are 2000–2068.
                    let yy = digits(s, &mut pos, 2, 2)? as i32;
                    year = Some(if yy >= 69 { 1900 + yy } else { 2000 + yy });
                }
                Token::Month => month = Some(digits(s, &mut pos, 1, 2)?),
                Token::MonthName => month = Some(month_name(s, &mut pos)?),
                Token::Day => day = Some(digits(s, &mut pos, 1, 2)?),
                Token::Hour => check_time(digits(s, &mut pos, 1, 2)?, 23)?,
                Token::Minute => check_time(digits(s, &mut pos, 1, 2)?, 59)?,
                Token::Second => check_time(digits(s, &mut pos, 1, 2)?, 60)?,
            }
        }
        if pos != s.len() {
            return Err(DateError::Shape);
        }
        let (Some(year), Some(month), Some(day)) = (year, month, day) else {
            return Err(DateError::Shape);
        };
        if !(1..=12).contains(&month) {
            return Err(DateError::NoSuchMonth(month));
        }
        let days = days_in_month(year, month);
        if day < 1 || day > days {
            return Err(DateError::NoSuchDay { year, month, days });
        }
        Ok(days_from_civil(year, month, day))
    }
}

impl fmt::Display for DateFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl DateError {
    /// The reason shown in the quarantine for `value` in `format`.
    pub fn describe(&self, value: &str, format: &DateFormat) -> String {
        match self {
            DateError::Shape => format!("{value:?} does not match the date format {format}"),
            DateError::NoSuchMonth(m) => {
                format!("{value:?} is not a real date: there is no month {m}")
            }
            DateError::NoSuchDay { year, month, days } => format!(
                "{value:?} is not a real date: {} {year} has {days} days",
                MONTH_TITLES[(*month as usize).clamp(1, 12) - 1]
            ),
            DateError::BadTime => format!("{value:?} has an impossible time of day"),
        }
    }
}

fn digits(s: &[u8], pos: &mut usize, min: usize, max: usize) -> Result<u32, DateError> {
    let mut value = 0u32;
    let mut n = 0;
    while n < max {
        match s.get(*pos + n) {
            Some(c) if c.is_ascii_digit() => {
                value = value * 10 + u32::from(c - b'0');
                n += 1;
            }
            _ => break,
        }
    }
    if n < min {
        return Err(DateError::Shape);
    }
    *pos += n;
    Ok(value)
}

fn month_name(s: &[u8], pos: &mut usize) -> Result<u32, DateError> {
    let rest = &s[*pos..];
    let word_len = rest.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if word_len < 3 {
        return Err(DateError::Shape);
    }
    let word = rest[..word_len].to_ascii_lowercase();
    for (i, name) in MONTHS.iter().enumerate() {
        let name = name.as_bytes();
        if word == name || (word_len == 3 && word == name[..3]) || (word == b"sept" && i == 8) {
            *pos += word_len;
            return Ok(i as u32 + 1);
        }
    }
    Err(DateError::Shape)
}

fn check_time(value: u32, max: u32) -> Result<(), DateError> {
    if value > max {
        Err(DateError::BadTime)
    } else {
        Ok(())
    }
}

/// Whether `year` is a leap year in the proleptic Gregorian calendar.
pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in a month (1–12) of the proleptic Gregorian calendar.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
///
/// The algorithm is `days_from_civil` of Howard Hinnant, "chrono-Compatible
/// Low-Level Date Algorithms" (2013): shift the year to start in March so the
/// leap day is last, then count 400-year eras of 146,097 days.
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`], same source).
pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i32::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DD` of a day number.
pub fn iso(days: i32) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(format: &str, value: &str) -> Result<i32, DateError> {
        DateFormat::compile(format).unwrap().parse(value)
    }

    #[test]
    fn day_numbers_match_hand_counts() {
        // 1970-01-01 is day 0; 2000-03-01 is 30 years (7 leap days: 72, 76, 80,
        // 84, 88, 92, 96) plus Jan + Feb 2000 (31 + 29) after it:
        // 30 * 365 + 7 + 60 = 11,017.
        assert_eq!(parse("%Y-%m-%d", "1970-01-01"), Ok(0));
        assert_eq!(parse("%Y-%m-%d", "2000-03-01"), Ok(11_017));
        // 1969-12-31 is the day before day 0.
        assert_eq!(parse("%Y-%m-%d", "1969-12-31"), Ok(-1));
        // 2021-02-28: 51 years (13 leap days from 1972 to 2020) + 31 + 27 days.
        assert_eq!(parse("%Y-%m-%d", "2021-02-28"), Ok(51 * 365 + 13 + 31 + 27));
        assert_eq!(
            parse("%d/%m/%Y", "28/02/2021"),
            parse("%Y-%m-%d", "2021-02-28")
        );
        assert_eq!(parse("%d %b %Y", "1 Mar 2000"), Ok(11_017));
        assert_eq!(parse("%B %d, %Y", "March 1, 2000"), Ok(11_017));
        assert_eq!(
            parse("%Y-%m-%dT%H:%M:%S", "2000-03-01T23:59:60"),
            Ok(11_017)
        );
    }

    #[test]
    fn month_only_formats_mean_the_first_day() {
        assert_eq!(parse("%Y-%m", "2017-07"), parse("%Y-%m-%d", "2017-07-01"));
    }

    #[test]
    fn two_digit_years_pivot_like_posix() {
        assert_eq!(
            parse("%d.%m.%y", "01.01.69").map(iso),
            Ok("1969-01-01".to_owned())
        );
        assert_eq!(
            parse("%d.%m.%y", "01.01.68").map(iso),
            Ok("2068-01-01".to_owned())
        );
    }

    #[test]
    fn impossible_dates_say_why() {
        let f = DateFormat::iso();
        let e = f.parse("2021-02-30").unwrap_err();
        assert_eq!(
            e.describe("2021-02-30", &f),
            "\"2021-02-30\" is not a real date: February 2021 has 28 days"
        );
        let e = f.parse("2020-02-30").unwrap_err();
        assert_eq!(
            e.describe("2020-02-30", &f),
            "\"2020-02-30\" is not a real date: February 2020 has 29 days"
        );
        assert_eq!(
            f.parse("1900-02-29"),
            Err(DateError::NoSuchDay {
                year: 1900,
                month: 2,
                days: 28
            })
        );
        assert!(
            f.parse("2000-02-29").is_ok(),
            "2000 is a leap year (divisible by 400)"
        );
        let e = f.parse("2021-13-01").unwrap_err();
        assert_eq!(
            e.describe("2021-13-01", &f),
            "\"2021-13-01\" is not a real date: there is no month 13"
        );
        assert_eq!(
            f.parse("2021-04-31"),
            Err(DateError::NoSuchDay {
                year: 2021,
                month: 4,
                days: 30
            })
        );
        let e = f.parse("03/04/2021").unwrap_err();
        assert_eq!(
            e.describe("03/04/2021", &f),
            "\"03/04/2021\" does not match the date format %Y-%m-%d"
        );
        assert_eq!(f.parse("2021-03-04x"), Err(DateError::Shape));
        assert_eq!(f.parse(""), Err(DateError::Shape));
    }

    #[test]
    fn inverse_round_trips_over_four_centuries() {
        for days in (-200_000..200_000).step_by(37) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(iso(11_017), "2000-03-01");
    }

    #[test]
    fn bad_formats_are_refused() {
        let e = DateFormat::compile("%d/%m").unwrap_err();
        assert_eq!(
            e.to_string(),
            "date format \"%d/%m\": needs exactly one year (%Y or %y)"
        );
        let e = DateFormat::compile("%Y-%q").unwrap_err();
        assert_eq!(
            e.to_string(),
            "date format \"%Y-%q\": %q is not supported (use %Y, %y, %m, %b, %B, %d, %H, %M, %S)"
        );
    }
}
