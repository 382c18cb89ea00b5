//! Persons: national identity numbers, names and nationality.
//!
//! Valmora's personal identity number is `YYYYMMDD-SSSC`: the date of birth,
//! a three-digit serial whose last digit is odd for men and even for women,
//! and a Luhn check digit computed over `YYMMDDSSS` (the layout of the Swedish
//! *personnummer*, Skatteverket, SKV 704). Everything else about a person that
//! must stay the same across records (name, nationality) is derived from the
//! number itself, so the same person looks the same in police, court and
//! prison files without any shared state between the chunks that write them.

use crate::country::{FEMALE_NAMES, FOREIGN, MALE_NAMES, NATIONAL, SURNAMES};
use crate::date::{self, Day};
use crate::rng::{Rng, mix};

/// Sex by the identity number's serial: 0 male, 1 female.
pub(crate) type Sex = u8;

/// A person as the generator knows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Person {
    pub born: Day,
    /// 0–999; odd for men, even for women.
    pub serial: u16,
}

impl Person {
    /// A random serial of the right parity for this sex.
    pub(crate) fn draw(rng: &mut Rng, born: Day, sex: Sex) -> Person {
        let half = rng.below(500) as u16;
        let serial = half * 2 + if sex == 0 { 1 } else { 0 };
        Person { born, serial }
    }

    pub(crate) fn sex(&self) -> Sex {
        if self.serial % 2 == 1 { 0 } else { 1 }
    }

    /// A compact key (unique per identity number).
    pub(crate) fn key(&self) -> u64 {
        ((self.born as i64 + 1_000_000) as u64) * 1000 + self.serial as u64
    }

    fn hash(&self) -> u64 {
        mix(&[self.key(), 0x6E61_6D65])
    }

    /// Writes `YYYYMMDD-SSSC`.
    pub(crate) fn push_id(&self, out: &mut Vec<u8>) {
        let start = out.len();
        date::push_compact(out, self.born);
        out.push(b'-');
        let s = self.serial;
        out.push(b'0' + (s / 100) as u8);
        out.push(b'0' + (s / 10 % 10) as u8);
        out.push(b'0' + (s % 10) as u8);
        // Luhn over YYMMDDSSS: bytes 2..8 (YYMMDD) and 9..12 (SSS) of what we just wrote.
        let mut digits = [0u8; 9];
        digits[..6].copy_from_slice(&out[start + 2..start + 8]);
        digits[6..].copy_from_slice(&out[start + 9..start + 12]);
        out.push(b'0' + luhn_check(&digits));
    }

    #[cfg(test)]
    pub(crate) fn id(&self) -> String {
        let mut out = Vec::with_capacity(13);
        self.push_id(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Writes "Surname, Given name".
    pub(crate) fn push_name(&self, out: &mut Vec<u8>) {
        let h = self.hash();
        let surname = SURNAMES[(h % SURNAMES.len() as u64) as usize];
        let given = if self.sex() == 0 {
            &MALE_NAMES[..]
        } else {
            &FEMALE_NAMES[..]
        };
        let given = given[((h >> 20) % given.len() as u64) as usize];
        out.extend_from_slice(surname.as_bytes());
        out.extend_from_slice(b", ");
        out.extend_from_slice(given.as_bytes());
    }

    /// Nationality code: Valmora for most, a foreign code for about one in eight.
    pub(crate) fn nationality(&self) -> &'static str {
        let h = self.hash() >> 40;
        let u = (h % 10_000) as f64 / 10_000.0;
        if u < 0.875 {
            return NATIONAL;
        }
        let v = (u - 0.875) / 0.125;
        let total: f64 = FOREIGN.iter().map(|f| f.1).sum();
        let mut x = v * total;
        for (code, w) in FOREIGN {
            if x < w {
                return code;
            }
            x -= w;
        }
        FOREIGN[FOREIGN.len() - 1].0
    }
}

/// Luhn check digit of a digit string (ISO/IEC 7812-1, Annex B).
pub(crate) fn luhn_check(digits: &[u8]) -> u8 {
    let mut sum = 0u32;
    // Double every second digit starting from the rightmost payload digit.
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = (d - b'0') as u32;
        if i % 2 == 0 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    ((10 - sum % 10) % 10) as u8
}

/// A date of birth for someone who is `age` years old on `on`.
pub(crate) fn born_for_age(rng: &mut Rng, on: Day, age: i32) -> Day {
    // Someone of age a on day D was born in (D − (a+1) years, D − a years].
    let latest = date::add_years(on, -age);
    let earliest = date::add_years(on, -(age + 1)) + 1;
    rng.between(earliest as i64, latest as i64) as Day
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_worked_example() {
        // Skatteverket's published example 811218-9876: payload 811218987, check digit 6.
        assert_eq!(luhn_check(b"811218987"), 6);
        // ISO/IEC 7812 example: 7992739871 has check digit 3.
        assert_eq!(luhn_check(b"7992739871"), 3);
    }

    #[test]
    fn identity_number_layout_and_sex() {
        let p = Person {
            born: date::day(1981, 12, 18),
            serial: 987,
        };
        assert_eq!(p.id(), "19811218-9876");
        assert_eq!(p.sex(), 0);
        assert_eq!(Person { born: 0, serial: 4 }.sex(), 1);
        let mut name = Vec::new();
        p.push_name(&mut name);
        let name = String::from_utf8(name).expect("names are UTF-8");
        assert!(name.contains(", "));
    }

    #[test]
    fn born_for_age_gives_that_age() {
        let mut rng = Rng::stream(1, &[]);
        let on = date::day(2021, 3, 1);
        for age in [0, 15, 16, 40, 90] {
            for _ in 0..200 {
                let born = born_for_age(&mut rng, on, age);
                assert_eq!(date::age_on(born, on), age);
            }
        }
    }
}
