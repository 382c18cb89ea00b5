//! Calendar dates for validity periods (`YYYY-MM-DD`), without a date library.
//!
//! Only what correspondence tables need: parsing, ordering, the next and the
//! previous day, and printing. Day arithmetic uses the days-from-civil
//! algorithm of H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"
//! (2013), for the proleptic Gregorian calendar.

use std::fmt;

/// A day of the proleptic Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01 (negative before it).
    days: i64,
}

impl Date {
    /// The date with this year, month (1–12) and day (1–31), if it exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date {
            days: days_from_civil(i64::from(year), month, day),
        })
    }

    /// Parses `YYYY-MM-DD` (four-digit year, two-digit month and day).
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = text.get(range)?;
            if part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        let year = digits(0..4)?;
        let month = digits(5..7)?;
        let day = digits(8..10)?;
        Date::from_ymd(i32::try_from(year).ok()?, month, day)
    }

    /// Year, month and day.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.days)
    }

    /// The following day.
    pub fn next_day(self) -> Date {
        Date {
            days: self.days + 1,
        }
    }

    /// The preceding day.
    pub fn previous_day(self) -> Date {
        Date {
            days: self.days - 1,
        }
    }

    /// Days since 1970-01-01, the value of an Arrow `Date32`.
    pub fn days_since_epoch(self) -> i64 {
        self.days
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year as i32, month, day)
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn epoch_and_known_day_numbers() {
        // 1970-01-01 is day 0 of Arrow's Date32; 2000-03-01 is day 11017
        // (30 years of 365 days + 7 leap days + 59 days of Jan-Feb 2000 + 1 for the 29th).
        assert_eq!(
            Date::parse("1970-01-01").map(Date::days_since_epoch),
            Some(0)
        );
        assert_eq!(
            Date::parse("2000-03-01").map(Date::days_since_epoch),
            Some(30 * 365 + 7 + 60)
        );
        assert_eq!(
            Date::parse("1969-12-31").map(Date::days_since_epoch),
            Some(-1)
        );
    }

    #[test]
    fn leap_days_and_month_ends() {
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2023-02-29").is_none());
        assert!(
            Date::parse("1900-02-29").is_none(),
            "1900 is not a leap year"
        );
        assert!(Date::parse("2000-02-29").is_some(), "2000 is a leap year");
        assert!(Date::parse("2021-04-31").is_none());
        let end = Date::parse("2019-12-31")
            .map(Date::next_day)
            .map(|d| d.to_string());
        assert_eq!(end.as_deref(), Some("2020-01-01"));
        let back = Date::parse("2024-03-01")
            .map(Date::previous_day)
            .map(|d| d.to_string());
        assert_eq!(back.as_deref(), Some("2024-02-29"));
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "2020-1-01",
            "20-01-2020",
            "2020/01/01",
            "2020-13-01",
            "2020-00-10",
            "",
            "abcd-ef-gh",
        ] {
            assert!(Date::parse(bad).is_none(), "{bad:?} should be rejected");
        }
    }
}
