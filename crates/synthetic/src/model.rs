//! The volume model: how many offences of each code happen in each district
//! on each day.
//!
//! Offences follow an inhomogeneous Poisson process whose intensity for code
//! c, district d and day t is
//!
//! λ(c, d, t) = s_c · S_f(month) · T_f(t) · W_f(weekday) · P_d(year) · k_d · E(c, d, t)
//!
//! where s_c is the code's share, f its family, S the seasonal factor
//! 1 + A_f·cos(2π(month − peak_f)/12), T = (1 + g_f)^(years since start,
//! evaluated at the middle of the month), W the weekday factor (mean 1 over
//! a week), P the district's population, k its crime level, and E the
//! injected effects (0.75 for burglary codes in programme districts from the
//! programme start, 2.5 for the emerging code in its region from its start
//! month). Conditioning the process on the total N gives a multinomial: each
//! offence's month, code, district and day are drawn from the normalised
//! intensity, month by month.

use crate::codes::{CODES, index_of};
use crate::country::{Country, Period};
use crate::date::{self, Day};
use crate::profiles::{Family, Lag};
use crate::rng::{Alias, Rng};

/// The crime-prevention programme.
#[derive(Debug, Clone)]
pub(crate) struct Programme {
    /// Indices of treated districts.
    pub districts: Vec<usize>,
    pub treated: Vec<bool>,
    /// Month index (from the start) of the first month with the effect.
    pub start_month: i32,
    /// Multiplier of the intensity (0.75 = a 25 % reduction).
    pub factor: f64,
    /// Indices of the codes whose true ICCS code lies within 0501 (burglary).
    pub codes: Vec<usize>,
}

/// The emerging threat.
#[derive(Debug, Clone)]
pub(crate) struct Emerging {
    pub code: usize,
    pub region: usize,
    pub start_month: i32,
    pub factor: f64,
}

/// Which district distribution a code uses in a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    Base,
    Programme,
    Emerging,
}

#[derive(Debug)]
pub(crate) struct Model {
    pub country: Country,
    pub period: Period,
    pub programme: Programme,
    pub emerging: Emerging,
    /// Normalised weekday factors by family.
    pub weekday: Vec<[f64; 7]>,
}

/// Share of programme months: the programme starts 55 % into the period.
const PROGRAMME_AT: f64 = 0.55;
/// The emerging threat starts 75 % into the period.
const EMERGING_AT: f64 = 0.75;
pub(crate) const PROGRAMME_FACTOR: f64 = 0.75;
pub(crate) const EMERGING_FACTOR: f64 = 2.5;
pub(crate) const EMERGING_CODE: &str = "PC-219";

impl Model {
    pub(crate) fn new(country: Country, period: Period) -> Model {
        let months = period.months();
        let programme_codes: Vec<usize> = CODES
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.map
                    .iter()
                    .all(|m| evident_iccs::iccs().is_within(m.iccs, "0501"))
            })
            .map(|(i, _)| i)
            .collect();
        let districts = country.programme_districts();
        let mut treated = vec![false; country.districts.len()];
        for d in &districts {
            treated[*d] = true;
        }
        let programme = Programme {
            districts,
            treated,
            start_month: (months as f64 * PROGRAMME_AT).floor() as i32,
            factor: PROGRAMME_FACTOR,
            codes: programme_codes,
        };
        let emerging = Emerging {
            code: index_of(EMERGING_CODE).unwrap_or(0),
            region: country.emerging_region(),
            start_month: (months as f64 * EMERGING_AT).floor() as i32,
            factor: EMERGING_FACTOR,
        };
        let weekday = Family::ALL
            .iter()
            .map(|f| {
                let w = f.rhythm().weekday;
                let mean = w.iter().sum::<f64>() / 7.0;
                let mut out = [0.0; 7];
                for (o, x) in out.iter_mut().zip(w) {
                    *o = x / mean;
                }
                out
            })
            .collect();
        Model {
            country,
            period,
            programme,
            emerging,
            weekday,
        }
    }

    /// First day and length of month `t` (months after the start; may be negative).
    pub(crate) fn month(&self, t: i32) -> (Day, u32, i32, u32) {
        let (y, m) = date::month_of(self.period.start_year, t);
        (date::day(y, m, 1), date::days_in_month(y, m), y, m)
    }

    pub(crate) fn variant(&self, code: usize, t: i32) -> Variant {
        if t >= self.programme.start_month && self.programme.codes.contains(&code) {
            Variant::Programme
        } else if t >= self.emerging.start_month && code == self.emerging.code {
            Variant::Emerging
        } else {
            Variant::Base
        }
    }

    /// District weights (population × crime level × effect) in month `t`.
    pub(crate) fn district_weights(&self, t: i32, variant: Variant) -> Vec<f64> {
        let (_, _, year, _) = self.month(t);
        self.country
            .districts
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let base = self.country.district_total(i, year) as f64 * d.crime_factor;
                match variant {
                    Variant::Base => base,
                    Variant::Programme if self.programme.treated[i] => base * self.programme.factor,
                    Variant::Programme => base,
                    Variant::Emerging if d.region == self.emerging.region => {
                        base * self.emerging.factor
                    }
                    Variant::Emerging => base,
                }
            })
            .collect()
    }

    /// Seasonal × trend factor of a family in month `t`.
    pub(crate) fn season_trend(&self, family: Family, t: i32) -> f64 {
        let r = family.rhythm();
        let (_, _, _, m) = self.month(t);
        let season = 1.0
            + r.seasonal_amplitude
                * (std::f64::consts::TAU * (m as f64 - r.peak_month as f64) / 12.0).cos();
        let trend = (1.0 + r.trend).powf((t as f64 + 0.5) / 12.0);
        season * trend
    }

    /// Weekday weights of the days of month `t` for a family.
    pub(crate) fn day_weights(&self, family: Family, t: i32) -> Vec<f64> {
        let (first, len, _, _) = self.month(t);
        let w = &self.weekday[family.index()];
        (0..len as i32)
            .map(|k| w[date::weekday(first + k)])
            .collect()
    }

    /// Expected-intensity weight of each code in month `t` (summed over districts and days).
    pub(crate) fn code_weights(&self, t: i32) -> Vec<f64> {
        let sums = [
            self.district_weights(t, Variant::Base).iter().sum::<f64>(),
            self.district_weights(t, Variant::Programme)
                .iter()
                .sum::<f64>(),
            self.district_weights(t, Variant::Emerging)
                .iter()
                .sum::<f64>(),
        ];
        let mut day_sums = [0.0; 14];
        for f in Family::ALL {
            day_sums[f.index()] = self.day_weights(f, t).iter().sum();
        }
        CODES
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if !c.in_force(t) {
                    return 0.0;
                }
                let f = c.profile.family;
                let districts = match self.variant(i, t) {
                    Variant::Base => sums[0],
                    Variant::Programme => sums[1],
                    Variant::Emerging => sums[2],
                };
                c.share * self.season_trend(f, t) * day_sums[f.index()] * districts
            })
            .collect()
    }
}

/// Samplers for one month, built once per chunk.
pub(crate) struct MonthSampler {
    pub codes: Option<Alias>,
    pub districts: [Option<Alias>; 3],
    pub days: Vec<Option<Alias>>,
}

impl MonthSampler {
    pub(crate) fn new(model: &Model, t: i32, long_only: bool) -> MonthSampler {
        let districts = [
            Alias::new(&model.district_weights(t, Variant::Base)),
            Alias::new(&model.district_weights(t, Variant::Programme)),
            Alias::new(&model.district_weights(t, Variant::Emerging)),
        ];
        let days = Family::ALL
            .iter()
            .map(|f| Alias::new(&model.day_weights(*f, t)))
            .collect();
        let mut weights = model.code_weights(t);
        if long_only {
            for (w, c) in weights.iter_mut().zip(CODES) {
                if !long_custody(c) {
                    *w = 0.0;
                }
            }
        }
        MonthSampler {
            codes: Alias::new(&weights),
            districts,
            days,
        }
    }

    /// Code, district and day-of-month offset of one offence.
    pub(crate) fn draw(&self, model: &Model, t: i32, rng: &mut Rng) -> Option<(usize, usize, i32)> {
        let code = self.codes.as_ref()?.sample(rng);
        let variant = model.variant(code, t);
        let slot = match variant {
            Variant::Base => 0,
            Variant::Programme => 1,
            Variant::Emerging => 2,
        };
        let district = self.districts[slot].as_ref()?.sample(rng);
        let family = CODES[code].profile.family;
        let day = self.days[family.index()].as_ref()?.sample(rng) as i32;
        Some((code, district, day))
    }
}

/// Whether a code's mean custodial sentence exceeds 18 months (12 months
/// served): only those offences still matter for the prison population more
/// than two years later, so the early burn-in draws only them.
pub(crate) fn long_custody(code: &crate::codes::OffenceCode) -> bool {
    let j = code.profile.justice;
    j.sentence[0] > 0.0 && j.mean_custody_months() > 18.0
}

/// Days from occurrence to recording.
pub(crate) fn lag_days(rng: &mut Rng, lag: &Lag) -> i32 {
    let u = rng.uniform();
    let days = if u < lag.quick {
        rng.geometric(lag.quick_mean) as f64
    } else if u < lag.quick + lag.medium {
        rng.exponential(lag.medium_mean).floor()
    } else {
        rng.lognormal(lag.long_median, lag.long_sigma).floor()
    };
    days.clamp(0.0, 3650.0) as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::country::Country;

    fn model() -> Model {
        let start = date::day(2019, 1, 1);
        let period = Period {
            start_year: 2019,
            years: 6,
            start,
            end: date::day(2024, 12, 31),
            extraction: date::day(2025, 1, 31),
        };
        Model::new(Country::new(2019, 4_200_000), period)
    }

    #[test]
    fn effect_dates_and_codes() {
        let m = model();
        // 72 months: programme at floor(0.55·72) = 39 → April 2022; emerging at 54 → July 2023.
        assert_eq!(m.programme.start_month, 39);
        assert_eq!(m.month(39).2, 2022);
        assert_eq!(m.month(39).3, 4);
        assert_eq!(m.emerging.start_month, 54);
        let codes: Vec<&str> = m.programme.codes.iter().map(|i| CODES[*i].code).collect();
        assert_eq!(
            codes,
            ["PC-201", "PC-202", "PC-203", "PC-204", "PC-205", "PC-206"]
        );
    }

    #[test]
    fn programme_lowers_treated_district_weights_by_a_quarter() {
        let m = model();
        let t = m.programme.start_month;
        let base = m.district_weights(t, Variant::Base);
        let prog = m.district_weights(t, Variant::Programme);
        let d = m.programme.districts[0];
        assert!((prog[d] / base[d] - 0.75).abs() < 1e-12);
        let control = (0..300)
            .find(|i| !m.programme.treated[*i])
            .expect("a control district");
        assert_eq!(prog[control], base[control]);
    }

    #[test]
    fn seasonal_factor_worked_example() {
        // Burglary: A = 0.15, peak December. In June (6 months from the peak)
        // the factor is 1 − 0.15 = 0.85; trend at t = 5 (June of year 1):
        // 0.96^(5.5/12) = exp(5.5/12 · ln 0.96) = 0.981465.
        let m = model();
        let v = m.season_trend(Family::Burglary, 5);
        assert!((v - 0.85 * 0.981_465).abs() < 1e-5, "{v}");
    }

    #[test]
    fn weekday_weights_average_one() {
        let m = model();
        for w in &m.weekday {
            assert!((w.iter().sum::<f64>() - 7.0).abs() < 1e-12);
        }
    }
}
