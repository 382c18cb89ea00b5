//! How each kind of offence behaves: when it happens (family), what the
//! record looks like (weapon, place, victims), who is suspected, and what the
//! courts do with it.
//!
//! The figures are invented for a fictional country but kept in the range of
//! published statistics (sources in `docs/synthetic-country.md`): homicide
//! victims are about four in five male (UNODC, 2019, *Global Study on
//! Homicide*, booklet 2), about half of detected trafficking victims are
//! trafficked for sexual exploitation and 38 % for forced labour (UNODC, 2020,
//! *Global Report on Trafficking in Persons*), and property crime is cleared
//! far less often than violence.

/// Groups of offences that share a seasonal shape, a weekday pattern, a
/// long-term trend and a recording-lag distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Family {
    Homicide,
    Violence,
    Sexual,
    Robbery,
    Burglary,
    Theft,
    Vehicle,
    Damage,
    Fraud,
    Cyber,
    Drugs,
    PublicOrder,
    Traffic,
    Other,
}

/// Time pattern of a family.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rhythm {
    /// Relative amplitude A of the seasonal factor 1 + A·cos(2π(m − peak)/12).
    pub seasonal_amplitude: f64,
    /// Month (1–12) with the highest seasonal factor.
    pub peak_month: u32,
    /// Relative intensity Monday … Sunday (normalised to mean 1 when used).
    pub weekday: [f64; 7],
    /// Growth per year: the intensity is multiplied by (1 + trend)^(years since start).
    pub trend: f64,
    /// Recording lag (days from occurrence to recording), a three-part mixture.
    pub lag: Lag,
}

/// Recording lag: with probability `quick` a geometric number of days with
/// mean `quick_mean`; with probability `medium` an exponential with mean
/// `medium_mean`; otherwise a log-normal long tail with median `long_median`
/// and log-scale spread `long_sigma`.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub(crate) struct Lag {
    pub quick: f64,
    pub quick_mean: f64,
    pub medium: f64,
    pub medium_mean: f64,
    pub long_median: f64,
    pub long_sigma: f64,
}

const fn lag(
    quick: f64,
    medium: f64,
    quick_mean: f64,
    medium_mean: f64,
    long_median: f64,
    long_sigma: f64,
) -> Lag {
    Lag {
        quick,
        quick_mean,
        medium,
        medium_mean,
        long_median,
        long_sigma,
    }
}

impl Family {
    pub(crate) const ALL: [Family; 14] = [
        Family::Homicide,
        Family::Violence,
        Family::Sexual,
        Family::Robbery,
        Family::Burglary,
        Family::Theft,
        Family::Vehicle,
        Family::Damage,
        Family::Fraud,
        Family::Cyber,
        Family::Drugs,
        Family::PublicOrder,
        Family::Traffic,
        Family::Other,
    ];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Family::Homicide => "homicide",
            Family::Violence => "violence",
            Family::Sexual => "sexual",
            Family::Robbery => "robbery",
            Family::Burglary => "burglary",
            Family::Theft => "theft",
            Family::Vehicle => "vehicle",
            Family::Damage => "damage",
            Family::Fraud => "fraud",
            Family::Cyber => "cyber",
            Family::Drugs => "drugs",
            Family::PublicOrder => "public_order",
            Family::Traffic => "traffic",
            Family::Other => "other",
        }
    }

    #[rustfmt::skip]
    pub(crate) fn rhythm(self) -> Rhythm {
        // Violence and disorder peak on summer weekends, burglary in the dark
        // winter months on weekdays, fraud and computer crime grow fast and are
        // reported late: the patterns police-recorded series typically show.
        let r = |seasonal_amplitude, peak_month, weekday, trend, lag| Rhythm { seasonal_amplitude, peak_month, weekday, trend, lag };
        match self {
            Family::Homicide => r(0.10, 7, [0.9, 0.85, 0.85, 0.9, 1.05, 1.3, 1.15], 0.0, lag(0.95, 0.04, 0.3, 5.0, 60.0, 0.8)),
            Family::Violence => r(0.12, 7, [0.85, 0.8, 0.85, 0.9, 1.1, 1.35, 1.15], 0.01, lag(0.80, 0.17, 1.0, 10.0, 60.0, 0.8)),
            Family::Sexual => r(0.10, 7, [0.9, 0.9, 0.9, 0.95, 1.05, 1.2, 1.1], 0.05, lag(0.50, 0.30, 2.0, 20.0, 120.0, 0.9)),
            Family::Robbery => r(0.08, 12, [0.95, 0.95, 0.95, 1.0, 1.1, 1.1, 0.95], -0.02, lag(0.90, 0.09, 0.5, 7.0, 60.0, 0.8)),
            Family::Burglary => r(0.15, 12, [1.05, 1.05, 1.05, 1.05, 1.05, 0.9, 0.85], -0.04, lag(0.80, 0.17, 1.0, 6.0, 45.0, 0.8)),
            Family::Theft => r(0.08, 8, [1.0, 1.0, 1.0, 1.05, 1.1, 1.1, 0.75], -0.03, lag(0.80, 0.17, 1.5, 10.0, 60.0, 0.8)),
            Family::Vehicle => r(0.08, 11, [1.0, 1.0, 1.0, 1.0, 1.05, 1.0, 0.95], -0.02, lag(0.85, 0.13, 1.0, 7.0, 45.0, 0.8)),
            Family::Damage => r(0.10, 7, [0.95, 0.9, 0.9, 0.95, 1.05, 1.15, 1.1], -0.02, lag(0.80, 0.17, 1.5, 10.0, 60.0, 0.8)),
            Family::Fraud => r(0.05, 12, [1.1, 1.1, 1.1, 1.1, 1.05, 0.8, 0.75], 0.08, lag(0.35, 0.40, 3.0, 30.0, 120.0, 0.9)),
            Family::Cyber => r(0.03, 11, [1.1, 1.1, 1.1, 1.1, 1.0, 0.8, 0.8], 0.15, lag(0.40, 0.40, 3.0, 30.0, 120.0, 0.9)),
            Family::Drugs => r(0.05, 6, [1.05, 1.05, 1.05, 1.05, 1.0, 0.95, 0.85], -0.02, lag(0.95, 0.04, 0.3, 5.0, 30.0, 0.8)),
            Family::PublicOrder => r(0.08, 7, [0.8, 0.8, 0.85, 0.9, 1.1, 1.4, 1.15], 0.0, lag(0.90, 0.09, 0.5, 7.0, 45.0, 0.8)),
            Family::Traffic => r(0.06, 12, [0.9, 0.9, 0.9, 0.95, 1.1, 1.2, 1.05], -0.01, lag(0.95, 0.04, 0.3, 5.0, 30.0, 0.8)),
            Family::Other => r(0.03, 6, [1.1, 1.1, 1.1, 1.1, 1.05, 0.8, 0.75], 0.0, lag(0.60, 0.30, 2.0, 20.0, 90.0, 0.9)),
        }
    }
}

/// How many persons are recorded as victims of one offence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Victims {
    /// No natural-person victim (the state, a business, society).
    None,
    /// Exactly one.
    One,
    /// One plus a geometric number with this mean.
    Several(f64),
}

/// What the courts do with a prosecuted person for this kind of offence.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub(crate) struct Justice {
    /// Share of identified suspects who are prosecuted.
    pub prosecute: f64,
    /// Share of prosecuted persons convicted.
    pub convict: f64,
    /// Share acquitted (the rest is dismissed by the court).
    pub acquit: f64,
    /// Sentence mix of convicted persons: custody, suspended, community, fine, other.
    pub sentence: [f64; 5],
    /// Median custodial sentence in months (log-normal).
    pub custody_months: f64,
    /// Log-scale spread of custodial sentences.
    pub custody_sigma: f64,
    /// Share of prosecuted persons held on remand until the decision.
    pub remand: f64,
    /// Median days from recording to prosecution.
    pub investigation_days: f64,
    /// Median days from prosecution to decision.
    pub court_days: f64,
}

impl Justice {
    /// Mean of the log-normal custodial sentence: median · exp(σ²/2).
    pub(crate) fn mean_custody_months(&self) -> f64 {
        self.custody_months * (self.custody_sigma * self.custody_sigma / 2.0).exp()
    }
}

/// Everything about one kind of offence except its code and volume.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Profile {
    pub family: Family,
    pub attempted: f64,
    pub cyber: f64,
    /// ICCS `We` values 1–6.
    pub weapon: [f64; 6],
    /// ICCS `Lo` values 1–8.
    pub location: [f64; 8],
    pub victims: Victims,
    pub victim_male: f64,
    /// Weights over [`VICTIM_AGE_BANDS`].
    pub victim_age: [f64; 9],
    /// ICCS `ViP` values 1–11.
    pub relationship: [f64; 11],
    /// Chance that the victim is drawn from a small per-district pool (repeat victimisation).
    pub repeat_victims: f64,
    /// Whether the victim's occupation is recorded (violent offences).
    pub occupation: bool,
    /// Whether victims are trafficked persons with a form of exploitation.
    pub exploitation: bool,
    /// Chance that a suspect is identified.
    pub clearance: f64,
    pub two_suspects: f64,
    pub suspect_male: f64,
    /// Weights over [`OFFENDER_AGE_BANDS`].
    pub suspect_age: [f64; 7],
    pub justice: Justice,
}

/// Victim age bands (inclusive) used for sampling ages.
#[rustfmt::skip]
pub(crate) const VICTIM_AGE_BANDS: [(i32, i32); 9] = [(0, 13), (14, 15), (16, 17), (18, 24), (25, 34), (35, 44), (45, 59), (60, 79), (80, 94)];
/// Suspect age bands (inclusive); the age of criminal responsibility is 12.
#[rustfmt::skip]
pub(crate) const OFFENDER_AGE_BANDS: [(i32, i32); 7] = [(12, 14), (15, 17), (18, 24), (25, 34), (35, 44), (45, 59), (60, 84)];

// Weapon mixes (firearm, knife, other means, unknown means, none/not applicable, not known).
const W_NONE: [f64; 6] = [0.0, 0.0, 0.0, 0.0, 1.0, 0.0];
const W_HOMICIDE: [f64; 6] = [0.30, 0.35, 0.20, 0.10, 0.0, 0.05];
const W_ASSAULT: [f64; 6] = [0.01, 0.08, 0.15, 0.03, 0.70, 0.03];
const W_SERIOUS: [f64; 6] = [0.04, 0.30, 0.35, 0.05, 0.22, 0.04];
const W_ROBBERY: [f64; 6] = [0.08, 0.25, 0.15, 0.05, 0.45, 0.02];
const W_THREAT: [f64; 6] = [0.03, 0.10, 0.05, 0.02, 0.78, 0.02];
const W_SEXUAL: [f64; 6] = [0.005, 0.02, 0.03, 0.01, 0.90, 0.035];

// Location mixes (residence, street/transport, school, prison, care institution,
// commercial/public non-residential, other, not known).
pub(crate) const L_HOME: [f64; 8] = [0.90, 0.02, 0.0, 0.0, 0.01, 0.02, 0.03, 0.02];
pub(crate) const L_STREET: [f64; 8] = [0.05, 0.75, 0.02, 0.0, 0.0, 0.10, 0.05, 0.03];
pub(crate) const L_VIOLENCE: [f64; 8] = [0.35, 0.35, 0.04, 0.02, 0.02, 0.15, 0.04, 0.03];
pub(crate) const L_COMMERCIAL: [f64; 8] = [0.0, 0.02, 0.0, 0.0, 0.0, 0.95, 0.02, 0.01];
pub(crate) const L_PUBLIC: [f64; 8] = [0.0, 0.05, 0.35, 0.05, 0.15, 0.35, 0.05, 0.0];
pub(crate) const L_MIXED: [f64; 8] = [0.30, 0.25, 0.05, 0.01, 0.02, 0.20, 0.12, 0.05];
pub(crate) const L_PREMISES: [f64; 8] = [0.50, 0.0, 0.03, 0.0, 0.02, 0.30, 0.10, 0.05];
pub(crate) const L_REMOTE: [f64; 8] = [0.05, 0.0, 0.0, 0.0, 0.0, 0.05, 0.10, 0.80];
pub(crate) const L_ROBBERY: [f64; 8] = [0.12, 0.60, 0.03, 0.01, 0.01, 0.15, 0.05, 0.03];
pub(crate) const L_VEHICLE: [f64; 8] = [0.15, 0.70, 0.0, 0.0, 0.0, 0.10, 0.05, 0.0];
pub(crate) const L_OTHER: [f64; 8] = [0.05, 0.15, 0.0, 0.0, 0.0, 0.10, 0.65, 0.05];
pub(crate) const L_PRISON: [f64; 8] = [0.0, 0.05, 0.0, 0.85, 0.05, 0.05, 0.0, 0.0];

// Victim ages over VICTIM_AGE_BANDS.
const A_ADULT: [f64; 9] = [0.03, 0.03, 0.04, 0.16, 0.22, 0.18, 0.20, 0.12, 0.02];
const A_HOMICIDE: [f64; 9] = [0.04, 0.01, 0.02, 0.15, 0.24, 0.20, 0.20, 0.12, 0.02];
const A_RAPE: [f64; 9] = [0.08, 0.12, 0.12, 0.30, 0.20, 0.10, 0.06, 0.02, 0.0];
const A_CHILD: [f64; 9] = [0.75, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
const A_MINOR: [f64; 9] = [0.55, 0.25, 0.20, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
const A_ELDER: [f64; 9] = [0.0, 0.0, 0.01, 0.08, 0.14, 0.15, 0.25, 0.30, 0.07];
const A_HOUSEHOLD: [f64; 9] = [0.0, 0.0, 0.01, 0.10, 0.20, 0.20, 0.25, 0.19, 0.05];
const A_YOUNG: [f64; 9] = [0.05, 0.06, 0.06, 0.30, 0.22, 0.12, 0.11, 0.07, 0.01];
const A_MIGRANT: [f64; 9] = [0.06, 0.06, 0.08, 0.40, 0.28, 0.10, 0.02, 0.0, 0.0];

// Relationship of the victim to the suspect (ICCS ViP 1–11).
#[rustfmt::skip]
const R_HOMICIDE: [f64; 11] = [0.10, 0.04, 0.10, 0.03, 0.06, 0.17, 0.02, 0.01, 0.11, 0.25, 0.11];
#[rustfmt::skip]
const R_VIOLENCE: [f64; 11] = [0.10, 0.05, 0.05, 0.02, 0.06, 0.15, 0.05, 0.02, 0.05, 0.35, 0.10];
#[rustfmt::skip]
const R_DOMESTIC: [f64; 11] = [0.45, 0.25, 0.12, 0.06, 0.0, 0.0, 0.0, 0.0, 0.02, 0.0, 0.10];
#[rustfmt::skip]
const R_SEXUAL: [f64; 11] = [0.15, 0.08, 0.10, 0.05, 0.08, 0.20, 0.04, 0.04, 0.06, 0.12, 0.08];
#[rustfmt::skip]
const R_CHILD: [f64; 11] = [0.0, 0.0, 0.30, 0.10, 0.05, 0.15, 0.0, 0.20, 0.10, 0.05, 0.05];
#[rustfmt::skip]
const R_UNKNOWN: [f64; 11] = [0.0, 0.0, 0.0, 0.0, 0.0, 0.02, 0.01, 0.0, 0.02, 0.25, 0.70];
#[rustfmt::skip]
const R_STRANGER: [f64; 11] = [0.0, 0.0, 0.0, 0.0, 0.01, 0.04, 0.01, 0.0, 0.02, 0.80, 0.12];
#[rustfmt::skip]
const R_EXPLOIT: [f64; 11] = [0.05, 0.0, 0.05, 0.0, 0.05, 0.25, 0.30, 0.05, 0.10, 0.10, 0.05];

// Suspect ages over OFFENDER_AGE_BANDS.
const S_GENERAL: [f64; 7] = [0.04, 0.08, 0.25, 0.27, 0.17, 0.14, 0.05];
const S_YOUTH: [f64; 7] = [0.08, 0.15, 0.35, 0.22, 0.10, 0.08, 0.02];
const S_ADULT: [f64; 7] = [0.0, 0.02, 0.15, 0.28, 0.25, 0.22, 0.08];

#[allow(clippy::too_many_arguments)]
const fn justice(
    prosecute: f64,
    convict: f64,
    acquit: f64,
    sentence: [f64; 5],
    custody_months: f64,
    custody_sigma: f64,
    remand: f64,
    investigation_days: f64,
    court_days: f64,
) -> Justice {
    Justice {
        prosecute,
        convict,
        acquit,
        sentence,
        custody_months,
        custody_sigma,
        remand,
        investigation_days,
        court_days,
    }
}

/// A profile with no victim and neutral defaults, refined by the builder methods below.
const fn base(family: Family, clearance: f64, justice: Justice) -> Profile {
    Profile {
        family,
        attempted: 0.0,
        cyber: 0.0,
        weapon: W_NONE,
        location: L_OTHER,
        victims: Victims::None,
        victim_male: 0.5,
        victim_age: A_ADULT,
        relationship: R_UNKNOWN,
        repeat_victims: 0.0,
        occupation: false,
        exploitation: false,
        clearance,
        two_suspects: 0.05,
        suspect_male: 0.80,
        suspect_age: S_GENERAL,
        justice,
    }
}

impl Profile {
    const fn victim(
        mut self,
        victims: Victims,
        male: f64,
        age: [f64; 9],
        relationship: [f64; 11],
    ) -> Profile {
        self.victims = victims;
        self.victim_male = male;
        self.victim_age = age;
        self.relationship = relationship;
        self
    }
    const fn place(mut self, weapon: [f64; 6], location: [f64; 8]) -> Profile {
        self.weapon = weapon;
        self.location = location;
        self
    }
    const fn suspects(mut self, male: f64, age: [f64; 7], two: f64) -> Profile {
        self.suspect_male = male;
        self.suspect_age = age;
        self.two_suspects = two;
        self
    }
    const fn tags(mut self, attempted: f64, cyber: f64) -> Profile {
        self.attempted = attempted;
        self.cyber = cyber;
        self
    }
    const fn repeat(mut self, share: f64) -> Profile {
        self.repeat_victims = share;
        self
    }
    const fn occupation(mut self) -> Profile {
        self.occupation = true;
        self
    }
    const fn exploitation(mut self) -> Profile {
        self.exploitation = true;
        self
    }
}

use Family as F;
use Victims as V;

#[rustfmt::skip]
pub(crate) const MURDER: Profile = base(F::Homicide, 0.90, justice(0.95, 0.85, 0.10, [0.97, 0.0, 0.0, 0.0, 0.03], 150.0, 0.35, 0.90, 45.0, 330.0))
    .victim(V::Several(0.03), 0.88, A_HOMICIDE, R_HOMICIDE)
    .place(W_HOMICIDE, L_VIOLENCE)
    .suspects(0.90, S_GENERAL, 0.08)
    .tags(0.5, 0.0)
    .occupation();
#[rustfmt::skip]
pub(crate) const MANSLAUGHTER: Profile = base(F::Homicide, 0.90, justice(0.95, 0.80, 0.12, [0.92, 0.05, 0.0, 0.0, 0.03], 84.0, 0.40, 0.80, 45.0, 300.0))
    .victim(V::One, 0.88, A_HOMICIDE, R_HOMICIDE)
    .place(W_HOMICIDE, L_VIOLENCE)
    .suspects(0.90, S_GENERAL, 0.06)
    .tags(0.45, 0.0)
    .occupation();
#[rustfmt::skip]
pub(crate) const NEGLIGENT_DEATH: Profile = base(F::Homicide, 0.90, justice(0.80, 0.70, 0.20, [0.30, 0.50, 0.10, 0.10, 0.0], 18.0, 0.5, 0.05, 60.0, 240.0))
    .victim(V::One, 0.65, A_ADULT, R_STRANGER)
    .place(W_NONE, L_STREET)
    .suspects(0.80, S_ADULT, 0.0)
    .occupation();
#[rustfmt::skip]
pub(crate) const SERIOUS_ASSAULT: Profile = base(F::Violence, 0.65, justice(0.75, 0.75, 0.15, [0.45, 0.35, 0.12, 0.05, 0.03], 24.0, 0.6, 0.35, 30.0, 180.0))
    .victim(V::One, 0.70, A_YOUNG, R_VIOLENCE)
    .place(W_SERIOUS, L_VIOLENCE)
    .suspects(0.88, S_YOUTH, 0.12)
    .tags(0.08, 0.0)
    .occupation();
#[rustfmt::skip]
pub(crate) const ASSAULT: Profile = base(F::Violence, 0.60, justice(0.50, 0.75, 0.15, [0.10, 0.30, 0.25, 0.33, 0.02], 5.0, 0.6, 0.05, 30.0, 120.0))
    .victim(V::One, 0.62, A_YOUNG, R_VIOLENCE)
    .place(W_ASSAULT, L_VIOLENCE)
    .suspects(0.84, S_YOUTH, 0.10)
    .tags(0.03, 0.0)
    .occupation();
#[rustfmt::skip]
pub(crate) const DOMESTIC: Profile = base(F::Violence, 0.90, justice(0.55, 0.70, 0.15, [0.15, 0.40, 0.25, 0.18, 0.02], 8.0, 0.6, 0.12, 20.0, 120.0))
    .victim(V::One, 0.20, A_ADULT, R_DOMESTIC)
    .place(W_ASSAULT, L_HOME)
    .suspects(0.85, S_ADULT, 0.0)
    .repeat(0.5);
#[rustfmt::skip]
pub(crate) const THREAT: Profile = base(F::Violence, 0.55, justice(0.45, 0.70, 0.15, [0.05, 0.30, 0.20, 0.43, 0.02], 4.0, 0.6, 0.02, 30.0, 120.0))
    .victim(V::One, 0.55, A_ADULT, R_VIOLENCE)
    .place(W_THREAT, L_VIOLENCE)
    .suspects(0.82, S_GENERAL, 0.03)
    .tags(0.0, 0.12)
    .occupation();
#[rustfmt::skip]
pub(crate) const HARASSMENT: Profile = base(F::Violence, 0.60, justice(0.40, 0.65, 0.15, [0.03, 0.30, 0.25, 0.40, 0.02], 4.0, 0.6, 0.01, 30.0, 120.0))
    .victim(V::One, 0.30, A_ADULT, R_SEXUAL)
    .place(W_NONE, L_MIXED)
    .suspects(0.80, S_ADULT, 0.0)
    .tags(0.0, 0.35)
    .repeat(0.3);
#[rustfmt::skip]
pub(crate) const COERCION: Profile = base(F::Violence, 0.40, justice(0.60, 0.70, 0.15, [0.30, 0.35, 0.10, 0.20, 0.05], 18.0, 0.6, 0.20, 45.0, 180.0))
    .victim(V::One, 0.55, A_ADULT, R_VIOLENCE)
    .place(W_THREAT, L_MIXED)
    .suspects(0.85, S_GENERAL, 0.10)
    .tags(0.15, 0.30);
#[rustfmt::skip]
pub(crate) const LIBERTY: Profile = base(F::Violence, 0.70, justice(0.70, 0.75, 0.15, [0.50, 0.30, 0.10, 0.05, 0.05], 30.0, 0.6, 0.40, 30.0, 200.0))
    .victim(V::One, 0.45, A_ADULT, R_VIOLENCE)
    .place(W_THREAT, L_MIXED)
    .suspects(0.88, S_GENERAL, 0.15)
    .tags(0.10, 0.0);
#[rustfmt::skip]
pub(crate) const CHILD_ABDUCTION: Profile = base(F::Violence, 0.90, justice(0.60, 0.70, 0.15, [0.20, 0.50, 0.15, 0.10, 0.05], 12.0, 0.6, 0.10, 30.0, 200.0))
    .victim(V::One, 0.50, A_MINOR, R_CHILD)
    .place(W_NONE, L_HOME)
    .suspects(0.55, S_ADULT, 0.0);
#[rustfmt::skip]
pub(crate) const TRAFFICKING: Profile = base(F::Other, 0.80, justice(0.80, 0.70, 0.20, [0.80, 0.15, 0.0, 0.0, 0.05], 48.0, 0.5, 0.70, 90.0, 300.0))
    .victim(V::Several(0.8), 0.35, A_MIGRANT, R_EXPLOIT)
    .place(W_NONE, L_OTHER)
    .suspects(0.75, S_ADULT, 0.30)
    .exploitation();
#[rustfmt::skip]
pub(crate) const FORCED_LABOUR: Profile = base(F::Other, 0.80, justice(0.75, 0.70, 0.20, [0.50, 0.35, 0.0, 0.10, 0.05], 30.0, 0.5, 0.30, 90.0, 300.0))
    .victim(V::Several(0.5), 0.60, A_MIGRANT, R_EXPLOIT)
    .place(W_NONE, L_COMMERCIAL)
    .suspects(0.75, S_ADULT, 0.20);
#[rustfmt::skip]
pub(crate) const RAPE: Profile = base(F::Sexual, 0.55, justice(0.65, 0.60, 0.30, [0.75, 0.20, 0.03, 0.0, 0.02], 48.0, 0.5, 0.55, 60.0, 270.0))
    .victim(V::One, 0.08, A_RAPE, R_SEXUAL)
    .place(W_SEXUAL, L_VIOLENCE)
    .suspects(0.98, S_GENERAL, 0.04)
    .tags(0.10, 0.0);
#[rustfmt::skip]
pub(crate) const SEXUAL_ASSAULT: Profile = base(F::Sexual, 0.45, justice(0.55, 0.65, 0.25, [0.35, 0.45, 0.12, 0.05, 0.03], 18.0, 0.6, 0.15, 45.0, 200.0))
    .victim(V::One, 0.12, A_RAPE, R_SEXUAL)
    .place(W_SEXUAL, L_VIOLENCE)
    .suspects(0.97, S_GENERAL, 0.03)
    .tags(0.05, 0.0);
#[rustfmt::skip]
pub(crate) const CHILD_SEXUAL: Profile = base(F::Sexual, 0.60, justice(0.70, 0.70, 0.20, [0.60, 0.35, 0.03, 0.0, 0.02], 36.0, 0.6, 0.30, 60.0, 240.0))
    .victim(V::One, 0.25, A_CHILD, R_CHILD)
    .place(W_SEXUAL, L_HOME)
    .suspects(0.96, S_ADULT, 0.02)
    .tags(0.05, 0.0);
#[rustfmt::skip]
pub(crate) const GROOMING: Profile = base(F::Sexual, 0.70, justice(0.75, 0.80, 0.10, [0.35, 0.50, 0.10, 0.03, 0.02], 15.0, 0.6, 0.05, 60.0, 200.0))
    .victim(V::One, 0.20, A_CHILD, R_STRANGER)
    .place(W_NONE, L_REMOTE)
    .suspects(0.97, S_ADULT, 0.0)
    .tags(0.0, 0.95);
#[rustfmt::skip]
pub(crate) const ABUSE_MATERIAL: Profile = base(F::Sexual, 0.70, justice(0.75, 0.80, 0.10, [0.35, 0.50, 0.10, 0.03, 0.02], 15.0, 0.6, 0.05, 60.0, 200.0))
    .place(W_NONE, L_REMOTE)
    .suspects(0.97, S_ADULT, 0.0)
    .tags(0.0, 0.90);
#[rustfmt::skip]
pub(crate) const SEXUAL_MINOR: Profile = base(F::Sexual, 0.30, justice(0.40, 0.70, 0.15, [0.03, 0.25, 0.20, 0.50, 0.02], 4.0, 0.6, 0.01, 30.0, 120.0))
    .victim(V::One, 0.10, A_YOUNG, R_STRANGER)
    .place(W_NONE, L_STREET)
    .suspects(0.97, S_GENERAL, 0.0)
    .tags(0.0, 0.10);
#[rustfmt::skip]
pub(crate) const SEXUAL_EXPLOITATION: Profile = base(F::Sexual, 0.70, justice(0.70, 0.70, 0.20, [0.45, 0.40, 0.05, 0.05, 0.05], 24.0, 0.6, 0.30, 60.0, 240.0))
    .victim(V::One, 0.10, A_MIGRANT, R_EXPLOIT)
    .place(W_NONE, L_OTHER)
    .suspects(0.80, S_ADULT, 0.20);
#[rustfmt::skip]
pub(crate) const ROBBERY: Profile = base(F::Robbery, 0.30, justice(0.75, 0.75, 0.15, [0.55, 0.30, 0.10, 0.02, 0.03], 30.0, 0.5, 0.50, 30.0, 180.0))
    .victim(V::Several(0.1), 0.65, A_YOUNG, R_STRANGER)
    .place(W_ROBBERY, L_ROBBERY)
    .suspects(0.92, S_YOUTH, 0.30)
    .tags(0.15, 0.0);
#[rustfmt::skip]
pub(crate) const ROBBERY_PREMISES: Profile = base(F::Robbery, 0.40, justice(0.80, 0.80, 0.12, [0.70, 0.20, 0.05, 0.02, 0.03], 42.0, 0.5, 0.65, 30.0, 200.0))
    .victim(V::One, 0.50, A_ADULT, R_STRANGER)
    .place(W_ROBBERY, L_COMMERCIAL)
    .suspects(0.93, S_YOUTH, 0.35)
    .tags(0.20, 0.0);
#[rustfmt::skip]
pub(crate) const BURGLARY_HOME: Profile = base(F::Burglary, 0.10, justice(0.70, 0.80, 0.10, [0.45, 0.35, 0.12, 0.05, 0.03], 16.0, 0.6, 0.22, 30.0, 150.0))
    .victim(V::One, 0.50, A_HOUSEHOLD, R_UNKNOWN)
    .place(W_NONE, L_HOME)
    .suspects(0.90, S_YOUTH, 0.20)
    .tags(0.25, 0.0);
#[rustfmt::skip]
pub(crate) const BURGLARY_OTHER: Profile = base(F::Burglary, 0.12, justice(0.65, 0.80, 0.10, [0.35, 0.40, 0.15, 0.07, 0.03], 12.0, 0.6, 0.15, 30.0, 150.0))
    .place(W_NONE, L_COMMERCIAL)
    .suspects(0.92, S_YOUTH, 0.25)
    .tags(0.20, 0.0);
#[rustfmt::skip]
pub(crate) const THEFT: Profile = base(F::Theft, 0.12, justice(0.45, 0.80, 0.10, [0.08, 0.25, 0.20, 0.45, 0.02], 4.0, 0.7, 0.04, 20.0, 90.0))
    .victim(V::One, 0.48, A_YOUNG, R_UNKNOWN)
    .place(W_NONE, L_STREET)
    .suspects(0.75, S_GENERAL, 0.08)
    .tags(0.05, 0.0);
#[rustfmt::skip]
pub(crate) const THEFT_BUSINESS: Profile = base(F::Theft, 0.60, justice(0.45, 0.85, 0.05, [0.05, 0.15, 0.20, 0.58, 0.02], 2.0, 0.7, 0.01, 10.0, 60.0))
    .place(W_NONE, L_COMMERCIAL)
    .suspects(0.62, S_GENERAL, 0.08)
    .tags(0.05, 0.0);
#[rustfmt::skip]
pub(crate) const VEHICLE_THEFT: Profile = base(F::Vehicle, 0.08, justice(0.60, 0.80, 0.10, [0.25, 0.35, 0.20, 0.17, 0.03], 10.0, 0.6, 0.08, 30.0, 120.0))
    .victim(V::One, 0.60, A_HOUSEHOLD, R_UNKNOWN)
    .place(W_NONE, L_VEHICLE)
    .suspects(0.92, S_YOUTH, 0.20)
    .tags(0.15, 0.0);
#[rustfmt::skip]
pub(crate) const DAMAGE: Profile = base(F::Damage, 0.12, justice(0.40, 0.80, 0.10, [0.05, 0.25, 0.25, 0.43, 0.02], 4.0, 0.7, 0.01, 30.0, 100.0))
    .victim(V::One, 0.55, A_HOUSEHOLD, R_UNKNOWN)
    .place(W_NONE, L_MIXED)
    .suspects(0.85, S_YOUTH, 0.15)
    .tags(0.02, 0.0);
#[rustfmt::skip]
pub(crate) const ARSON: Profile = base(F::Damage, 0.20, justice(0.60, 0.75, 0.15, [0.45, 0.35, 0.10, 0.05, 0.05], 24.0, 0.6, 0.20, 45.0, 200.0))
    .victim(V::One, 0.55, A_HOUSEHOLD, R_UNKNOWN)
    .place(W_NONE, L_MIXED)
    .suspects(0.85, S_YOUTH, 0.10)
    .tags(0.10, 0.0);
#[rustfmt::skip]
pub(crate) const FRAUD: Profile = base(F::Fraud, 0.25, justice(0.50, 0.75, 0.15, [0.15, 0.40, 0.15, 0.27, 0.03], 10.0, 0.7, 0.02, 60.0, 200.0))
    .victim(V::One, 0.50, A_ELDER, R_UNKNOWN)
    .place(W_NONE, L_REMOTE)
    .suspects(0.70, S_ADULT, 0.08)
    .tags(0.08, 0.40);
#[rustfmt::skip]
pub(crate) const ONLINE_FRAUD: Profile = base(F::Cyber, 0.08, justice(0.55, 0.75, 0.15, [0.12, 0.45, 0.13, 0.27, 0.03], 10.0, 0.7, 0.02, 60.0, 200.0))
    .victim(V::One, 0.50, A_ADULT, R_STRANGER)
    .place(W_NONE, L_REMOTE)
    .suspects(0.75, S_ADULT, 0.05)
    .tags(0.05, 0.95);
#[rustfmt::skip]
pub(crate) const STATE_FRAUD: Profile = base(F::Fraud, 0.70, justice(0.60, 0.75, 0.15, [0.15, 0.40, 0.10, 0.30, 0.05], 12.0, 0.6, 0.01, 90.0, 250.0))
    .place(W_NONE, L_OTHER)
    .suspects(0.60, S_ADULT, 0.05);
#[rustfmt::skip]
pub(crate) const FORGERY: Profile = base(F::Fraud, 0.60, justice(0.55, 0.80, 0.10, [0.15, 0.40, 0.10, 0.30, 0.05], 10.0, 0.6, 0.05, 60.0, 200.0))
    .place(W_NONE, L_COMMERCIAL)
    .suspects(0.75, S_ADULT, 0.10)
    .tags(0.05, 0.15);
#[rustfmt::skip]
pub(crate) const CORRUPTION: Profile = base(F::Other, 0.90, justice(0.70, 0.65, 0.25, [0.30, 0.45, 0.05, 0.17, 0.03], 18.0, 0.6, 0.05, 120.0, 365.0))
    .place(W_NONE, L_COMMERCIAL)
    .suspects(0.75, S_ADULT, 0.20);
#[rustfmt::skip]
pub(crate) const DRUG_USE: Profile = base(F::Drugs, 0.98, justice(0.35, 0.85, 0.05, [0.02, 0.08, 0.15, 0.70, 0.05], 2.0, 0.6, 0.0, 20.0, 80.0))
    .place(W_NONE, L_STREET)
    .suspects(0.85, S_YOUTH, 0.03);
#[rustfmt::skip]
pub(crate) const DRUG_SUPPLY: Profile = base(F::Drugs, 0.95, justice(0.75, 0.80, 0.12, [0.60, 0.25, 0.07, 0.05, 0.03], 30.0, 0.7, 0.55, 45.0, 200.0))
    .place(W_NONE, L_STREET)
    .suspects(0.88, S_GENERAL, 0.15);
#[rustfmt::skip]
pub(crate) const PUBLIC_ORDER: Profile = base(F::PublicOrder, 0.90, justice(0.35, 0.80, 0.10, [0.03, 0.15, 0.20, 0.60, 0.02], 2.0, 0.6, 0.01, 15.0, 80.0))
    .place(W_NONE, L_STREET)
    .suspects(0.85, S_YOUTH, 0.10);
#[rustfmt::skip]
pub(crate) const JUSTICE_ORDER: Profile = base(F::PublicOrder, 0.95, justice(0.60, 0.85, 0.08, [0.25, 0.30, 0.20, 0.22, 0.03], 4.0, 0.6, 0.15, 10.0, 60.0))
    .place(W_NONE, L_OTHER)
    .suspects(0.85, S_GENERAL, 0.0);
#[rustfmt::skip]
pub(crate) const PROTECTION_ORDER: Profile = base(F::Violence, 0.95, justice(0.60, 0.85, 0.08, [0.25, 0.30, 0.20, 0.22, 0.03], 4.0, 0.6, 0.15, 10.0, 60.0))
    .victim(V::One, 0.15, A_ADULT, R_DOMESTIC)
    .place(W_NONE, L_HOME)
    .suspects(0.88, S_ADULT, 0.0)
    .repeat(0.6);
#[rustfmt::skip]
pub(crate) const WEAPONS: Profile = base(F::PublicOrder, 0.95, justice(0.55, 0.80, 0.10, [0.25, 0.35, 0.10, 0.27, 0.03], 12.0, 0.6, 0.15, 30.0, 120.0))
    .place(W_NONE, L_STREET)
    .suspects(0.93, S_YOUTH, 0.05);
#[rustfmt::skip]
pub(crate) const DRINK_DRIVING: Profile = base(F::Traffic, 0.98, justice(0.80, 0.92, 0.04, [0.04, 0.20, 0.10, 0.65, 0.01], 3.0, 0.6, 0.0, 20.0, 60.0))
    .place(W_NONE, L_STREET)
    .suspects(0.85, S_ADULT, 0.0);
#[rustfmt::skip]
pub(crate) const TRAFFIC: Profile = base(F::Traffic, 0.70, justice(0.60, 0.85, 0.08, [0.02, 0.10, 0.08, 0.78, 0.02], 2.0, 0.6, 0.0, 20.0, 80.0))
    .place(W_NONE, L_STREET)
    .suspects(0.80, S_GENERAL, 0.0);
#[rustfmt::skip]
pub(crate) const TRAFFIC_INJURY: Profile = base(F::Traffic, 0.85, justice(0.70, 0.80, 0.12, [0.05, 0.35, 0.15, 0.43, 0.02], 6.0, 0.6, 0.0, 30.0, 150.0))
    .victim(V::One, 0.55, A_ADULT, R_STRANGER)
    .place(W_NONE, L_STREET)
    .suspects(0.75, S_GENERAL, 0.0);
#[rustfmt::skip]
pub(crate) const COMPUTER: Profile = base(F::Cyber, 0.10, justice(0.60, 0.70, 0.20, [0.15, 0.45, 0.10, 0.25, 0.05], 12.0, 0.6, 0.02, 60.0, 200.0))
    .place(W_NONE, L_REMOTE)
    .suspects(0.88, S_YOUTH, 0.05)
    .tags(0.10, 1.0);
#[rustfmt::skip]
pub(crate) const ORGANISED: Profile = base(F::Other, 0.90, justice(0.80, 0.70, 0.20, [0.70, 0.20, 0.0, 0.05, 0.05], 48.0, 0.6, 0.60, 120.0, 365.0))
    .place(W_NONE, L_OTHER)
    .suspects(0.90, S_GENERAL, 0.40);
#[rustfmt::skip]
pub(crate) const ENVIRONMENT: Profile = base(F::Other, 0.50, justice(0.50, 0.70, 0.15, [0.03, 0.15, 0.05, 0.72, 0.05], 6.0, 0.6, 0.0, 60.0, 200.0))
    .place(W_NONE, L_OTHER)
    .suspects(0.85, S_ADULT, 0.05);
#[rustfmt::skip]
pub(crate) const NEGLECT: Profile = base(F::Other, 0.90, justice(0.50, 0.70, 0.15, [0.10, 0.50, 0.20, 0.15, 0.05], 8.0, 0.6, 0.02, 45.0, 180.0))
    .victim(V::One, 0.50, A_CHILD, R_CHILD)
    .place(W_NONE, L_HOME)
    .suspects(0.45, S_ADULT, 0.15);
#[rustfmt::skip]
pub(crate) const NEGLECT_ADULT: Profile = base(F::Other, 0.90, justice(0.50, 0.70, 0.15, [0.10, 0.50, 0.20, 0.15, 0.05], 8.0, 0.6, 0.02, 45.0, 180.0))
    .victim(V::One, 0.40, A_ELDER, R_CHILD)
    .place(W_NONE, L_HOME)
    .suspects(0.45, S_ADULT, 0.05);
#[rustfmt::skip]
pub(crate) const MIGRATION: Profile = base(F::Other, 0.95, justice(0.50, 0.85, 0.05, [0.10, 0.20, 0.05, 0.60, 0.05], 3.0, 0.6, 0.05, 15.0, 60.0))
    .place(W_NONE, L_STREET)
    .suspects(0.80, S_GENERAL, 0.10);
#[rustfmt::skip]
pub(crate) const MINOR_PERSONAL: Profile = base(F::Other, 0.50, justice(0.25, 0.60, 0.20, [0.0, 0.10, 0.10, 0.78, 0.02], 1.0, 0.5, 0.0, 30.0, 120.0))
    .victim(V::One, 0.50, A_ADULT, R_VIOLENCE)
    .place(W_NONE, L_MIXED)
    .suspects(0.70, S_ADULT, 0.0)
    .tags(0.0, 0.30);
#[rustfmt::skip]
pub(crate) const REGULATORY: Profile = base(F::Other, 0.90, justice(0.60, 0.75, 0.15, [0.10, 0.35, 0.05, 0.45, 0.05], 12.0, 0.6, 0.0, 90.0, 300.0))
    .place(W_NONE, L_COMMERCIAL)
    .suspects(0.75, S_ADULT, 0.10);
#[rustfmt::skip]
pub(crate) const STATE_SECURITY: Profile = base(F::Other, 0.80, justice(0.85, 0.75, 0.20, [0.85, 0.10, 0.0, 0.0, 0.05], 60.0, 0.5, 0.80, 120.0, 365.0))
    .place(W_NONE, L_OTHER)
    .suspects(0.85, S_GENERAL, 0.20);
#[rustfmt::skip]
pub(crate) const PRISON_ORDER: Profile = base(F::PublicOrder, 0.95, justice(0.70, 0.85, 0.08, [0.60, 0.20, 0.05, 0.10, 0.05], 6.0, 0.6, 0.0, 15.0, 90.0))
    .place(W_NONE, L_PRISON)
    .suspects(0.92, S_GENERAL, 0.0);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lognormal_mean_formula() {
        // Median 16 months, sigma 0.6: mean = 16 · exp(0.18) = 16 · 1.197217 = 19.1555.
        let j = BURGLARY_HOME.justice;
        assert!((j.mean_custody_months() - 19.1555).abs() < 1e-3);
    }
}
