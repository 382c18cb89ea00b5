//! Calendar dates as day numbers, and the date formats the agencies use.
//!
//! Conversions follow Howard Hinnant's algorithms (Hinnant, H., 2013,
//! "chrono-Compatible Low-Level Date Algorithms",
//! <https://howardhinnant.github.io/date_algorithms.html>): a date is the
//! number of days since 1970-01-01 in the proleptic Gregorian calendar.

/// Days since 1970-01-01.
pub(crate) type Day = i32;

/// The day number of a civil date.
pub(crate) fn day(year: i32, month: u32, day_of_month: u32) -> Day {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i32;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + day_of_month as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day number.
pub(crate) fn civil(z: Day) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub(crate) fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

/// Day of the week, 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
pub(crate) fn weekday(d: Day) -> usize {
    (d + 3).rem_euclid(7) as usize
}

/// Year and month (1–12) of the month that is `index` months after January of `start_year`.
pub(crate) fn month_of(start_year: i32, index: i32) -> (i32, u32) {
    let total = start_year * 12 + index;
    (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32)
}

/// Whole years of age on `on` for a person born on `born`.
pub(crate) fn age_on(born: Day, on: Day) -> i32 {
    let (by, bm, bd) = civil(born);
    let (y, m, d) = civil(on);
    let mut age = y - by;
    if (m, d) < (bm, bd) {
        age -= 1;
    }
    age
}

/// The same calendar day `years` later (29 February becomes 28 February).
pub(crate) fn add_years(d: Day, years: i32) -> Day {
    let (y, m, dd) = civil(d);
    let y2 = y + years;
    day(y2, m, dd.min(days_in_month(y2, m)))
}

fn push2(out: &mut Vec<u8>, n: u32) {
    out.push(b'0' + (n / 10 % 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

fn push4(out: &mut Vec<u8>, n: i32) {
    let n = n.rem_euclid(10_000) as u32;
    out.push(b'0' + (n / 1000) as u8);
    out.push(b'0' + (n / 100 % 10) as u8);
    push2(out, n % 100);
}

/// `dd/mm/yyyy` (police) or `dd.mm.yyyy` (prison), by separator.
pub(crate) fn push_dmy(out: &mut Vec<u8>, d: Day, sep: u8) {
    let (y, m, dd) = civil(d);
    push2(out, dd);
    out.push(sep);
    push2(out, m);
    out.push(sep);
    push4(out, y);
}

/// ISO 8601 `yyyy-mm-dd` (courts, code lists, truth).
pub(crate) fn push_iso(out: &mut Vec<u8>, d: Day) {
    let (y, m, dd) = civil(d);
    push4(out, y);
    out.push(b'-');
    push2(out, m);
    out.push(b'-');
    push2(out, dd);
}

pub(crate) fn iso(d: Day) -> String {
    let mut out = Vec::with_capacity(10);
    push_iso(&mut out, d);
    String::from_utf8_lossy(&out).into_owned()
}

/// `yyyymmdd`, the first part of a national identity number.
pub(crate) fn push_compact(out: &mut Vec<u8>, d: Day) {
    let (y, m, dd) = civil(d);
    push4(out, y);
    push2(out, m);
    push2(out, dd);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_day_numbers() {
        // 2000-03-01 is day 11017 (Hinnant's paper, and `date -d 2000-03-01 +%s` / 86400).
        assert_eq!(day(1970, 1, 1), 0);
        assert_eq!(day(2000, 3, 1), 11_017);
        assert_eq!(day(2024, 2, 29), 19_782);
        assert_eq!(civil(19_782), (2024, 2, 29));
        assert_eq!(civil(-1), (1969, 12, 31));
        for z in [-800_000, -1, 0, 59, 10_000, 20_000, 60_000] {
            let (y, m, d) = civil(z);
            assert_eq!(day(y, m, d), z);
        }
    }

    #[test]
    fn weekdays_and_ages() {
        // 2019-01-01 was a Tuesday; 2024-12-29 a Sunday.
        assert_eq!(weekday(day(2019, 1, 1)), 1);
        assert_eq!(weekday(day(2024, 12, 29)), 6);
        assert_eq!(age_on(day(2000, 5, 10), day(2016, 5, 9)), 15);
        assert_eq!(age_on(day(2000, 5, 10), day(2016, 5, 10)), 16);
        assert_eq!(add_years(day(2020, 2, 29), 1), day(2021, 2, 28));
        assert_eq!(month_of(2019, 13), (2020, 2));
        assert_eq!(month_of(2019, -1), (2018, 12));
    }

    #[test]
    fn formats() {
        let mut out = Vec::new();
        push_dmy(&mut out, day(2021, 3, 7), b'/');
        out.push(b' ');
        push_dmy(&mut out, day(2021, 3, 7), b'.');
        out.push(b' ');
        push_iso(&mut out, day(2021, 3, 7));
        out.push(b' ');
        push_compact(&mut out, day(1987, 11, 30));
        assert_eq!(
            String::from_utf8_lossy(&out),
            "07/03/2021 07.03.2021 2021-03-07 19871130"
        );
    }
}
