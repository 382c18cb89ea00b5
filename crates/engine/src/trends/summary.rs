//! Plain-language sentences for early-warning flags and evaluation results:
//! what was found, how sure we are, and what could make it wrong.

use evident_stats::evaluation::{Caveat, ItsResult};

use super::FlaggedSeries;
use super::evaluation::{DonorWeight, Interval};
use crate::request::DateBasis;
use crate::series::AreaLevel;

/// What every evaluation paragraph mentions.
pub(crate) struct Context {
    /// "Burglary (ICCS 0501)".
    pub outcome: String,
    /// Number of treated districts.
    pub treated: usize,
    /// First month under the programme.
    pub start: String,
    /// Months from the start to the end of the data.
    pub months_after: usize,
    /// Interval level.
    pub level: f64,
    /// Recording or occurrence date.
    pub date_basis: DateBasis,
}

/// A whole number with thousands separators.
fn count(value: f64) -> String {
    let rounded = value.abs().round() as u64;
    let digits = rounded.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "25 % lower", "3 % higher", "unchanged".
fn change(relative: f64) -> String {
    let pct = (100.0 * relative.abs()).round();
    if pct == 0.0 {
        "unchanged".to_owned()
    } else if relative < 0.0 {
        format!("{pct:.0} % lower")
    } else {
        format!("{pct:.0} % higher")
    }
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".to_owned()
    } else {
        format!("p = {p:.3}")
    }
}

fn level_text(level: f64) -> String {
    format!("{:.0} %", 100.0 * level)
}

/// "(95 % interval: 18 % to 33 % lower)".
fn interval_text(relative: &Interval, level: f64) -> String {
    let (lo, hi) = (relative.lower, relative.upper);
    let body = if hi < 0.0 {
        format!(
            "{:.0} % to {:.0} % lower",
            (100.0 * -hi).round(),
            (100.0 * -lo).round()
        )
    } else if lo > 0.0 {
        format!(
            "{:.0} % to {:.0} % higher",
            (100.0 * lo).round(),
            (100.0 * hi).round()
        )
    } else {
        format!("from {} to {}", change(lo), change(hi))
    };
    format!("{} interval: {body}", level_text(level))
}

/// The change in offences over the months after the start.
fn offences_text(absolute: &Interval, months: usize) -> String {
    let direction = if absolute.estimate < 0.0 {
        "fewer"
    } else {
        "more"
    };
    let range = if absolute.upper < 0.0 || absolute.lower > 0.0 {
        format!(
            "between {} and {}",
            count(absolute.lower),
            count(absolute.upper)
        )
    } else {
        format!(
            "between {} fewer and {} more",
            count(absolute.lower),
            count(absolute.upper)
        )
    };
    format!(
        "about {} {direction} offences over the {months} months from the start ({range})",
        count(absolute.estimate)
    )
}

fn verdict(p: f64, level: f64, relative: Option<&Interval>) -> &'static str {
    let excludes_zero = relative.is_none_or(|r| r.upper < 0.0 || r.lower > 0.0);
    if p < 1.0 - level && excludes_zero {
        "A change this large is unlikely to be chance."
    } else {
        "The data are consistent with no effect: the change could be chance."
    }
}

/// One caveat in words.
pub(crate) fn caveat_text(caveat: &Caveat) -> String {
    match caveat {
        Caveat::FewPeriods { before, after } => format!(
            "Only {before} months before and {after} after the start: trends and seasons are poorly pinned down."
        ),
        Caveat::FewClusters { clusters } => format!(
            "Only {clusters} areas: uncertainty estimated from so few areas is itself uncertain (20 or more are advisable)."
        ),
        Caveat::FailedPreTrends { p_value } => format!(
            "The treated and comparison areas were already moving apart before the programme (test of the months before the start: {}), so the comparison may be biased.",
            p_text(*p_value)
        ),
        Caveat::PoorPreFit { relative_rmspe } => format!(
            "The comparison did not track the treated areas closely before the programme (prediction error {:.0} % of their month-to-month variation).",
            100.0 * relative_rmspe
        ),
        Caveat::FewControls { controls } => format!(
            "Only {controls} comparison areas: the placebo test cannot reach the stated confidence, and the interval is the range of placebo effects."
        ),
        Caveat::Autocorrelation { lag1 } => format!(
            "Months next to each other remain correlated after the model (lag-1 correlation {lag1:.2}): the interval may be too narrow."
        ),
        Caveat::Overdispersion { dispersion } => format!(
            "Counts vary {dispersion:.1} times more than chance alone would make them; the interval allows for it, but something the model lacks may be moving the counts."
        ),
        Caveat::SingleTreatedUnit => {
            "Only one treated area: its own peculiarities cannot be told apart from the programme's effect.".to_owned()
        }
    }
}

fn caveats_text(caveats: &[Caveat]) -> String {
    caveats
        .iter()
        .map(caveat_text)
        .map(|c| format!(" Caveat: {c}"))
        .collect()
}

fn basis_text(basis: DateBasis) -> &'static str {
    match basis {
        DateBasis::Recorded => "by the month the police recorded them",
        DateBasis::Occurred => "by the month they occurred",
    }
}

fn areas_text(n: usize) -> String {
    if n == 1 {
        "the treated district".to_owned()
    } else {
        format!("the {n} treated districts")
    }
}

/// The paragraph of an interrupted time series.
pub(crate) fn its(
    c: &Context,
    relative: &Interval,
    absolute: &Interval,
    p: f64,
    r: &ItsResult,
) -> String {
    format!(
        "Interrupted time series: from {start}, {outcome} in {areas} (offences counted {basis}) was {chg} than their own earlier trend and seasonal pattern predict ({interval}; {p}), {offences}. {verdict} This compares the treated districts only with their own past: it assumes they would have continued as before, so anything else that changed at the same time (another policy, a change in recording practice) would be counted as the programme's effect.{caveats}",
        start = c.start,
        outcome = c.outcome,
        areas = areas_text(c.treated),
        basis = basis_text(c.date_basis),
        chg = change(relative.estimate),
        interval = interval_text(relative, c.level),
        p = p_text(p),
        offences = offences_text(absolute, c.months_after),
        verdict = verdict(p, c.level, Some(relative)),
        caveats = caveats_text(&r.caveats),
    )
}

/// The paragraph of a difference-in-differences.
#[allow(clippy::too_many_arguments)]
pub(crate) fn did(
    c: &Context,
    relative: Option<&Interval>,
    absolute: &Interval,
    p: f64,
    controls: usize,
    pretrend_p: Option<f64>,
    staggered: bool,
    caveats: &[Caveat],
    left_out: Option<&str>,
) -> String {
    let size = match relative {
        Some(r) => format!(
            "{} ({}; {})",
            change(r.estimate),
            interval_text(r, c.level),
            p_text(p)
        ),
        None => format!("changed ({})", p_text(p)),
    };
    let pretrend = match pretrend_p {
        Some(q) if q >= 0.05 => format!(
            " Before the programme the treated and comparison districts moved in parallel (test of the 12 months before: {}), which supports the comparison.",
            p_text(q)
        ),
        Some(_) => String::new(), // the FailedPreTrends caveat says it
        None => {
            " There were too few months before the start to check that the areas moved in parallel."
                .to_owned()
        }
    };
    let estimator = if staggered {
        " The areas started at different dates, so each group of areas is compared with the never-treated districts from its own start (Callaway and Sant'Anna)."
    } else {
        ""
    };
    format!(
        "Difference-in-differences: after the programme started ({start}), {outcome} in {areas} (offences counted {basis}) was {size} compared with the change in the {controls} other districts over the same months, {offences}. {verdict}{estimator}{pretrend} This assumes that without the programme the treated districts would have changed like the others.{left_out}{caveats}",
        start = c.start,
        outcome = c.outcome,
        areas = areas_text(c.treated),
        basis = basis_text(c.date_basis),
        offences = offences_text(absolute, c.months_after),
        verdict = verdict(p, c.level, relative),
        left_out = left_out.map(|l| format!(" Note: {l}.")).unwrap_or_default(),
        caveats = caveats_text(caveats),
    )
}

/// The paragraph of a synthetic control.
pub(crate) fn synth(
    c: &Context,
    relative: Option<&Interval>,
    absolute: &Interval,
    p: f64,
    weights: &[DonorWeight],
    placebos: usize,
    caveats: &[Caveat],
) -> String {
    let size = match relative {
        Some(r) => format!("{} ({})", change(r.estimate), interval_text(r, c.level)),
        None => "different".to_owned(),
    };
    let top: Vec<String> = weights
        .iter()
        .take(3)
        .map(|w| format!("{} {:.0} %", w.name, 100.0 * w.weight))
        .collect();
    format!(
        "Synthetic control: from {start}, {outcome} in {areas} taken together (offences counted {basis}) was {size} than in a weighted combination of untreated areas that followed them closely before the programme (mostly {top}), {offences}. In a placebo test that pretends each of the {placebos} comparison areas had the programme, the treated areas' change ranks with {p}. {verdict} This assumes the combination would have kept tracking the treated areas without the programme.{caveats}",
        start = c.start,
        outcome = c.outcome,
        areas = areas_text(c.treated),
        basis = basis_text(c.date_basis),
        top = top.join(", "),
        offences = offences_text(absolute, c.months_after),
        p = p_text(p),
        verdict = verdict(p, c.level, relative),
        caveats = caveats_text(caveats),
    )
}

/// One line describing a flagged series, for people.
pub fn describe_flag(f: &FlaggedSeries) -> String {
    let area = match f.area_level {
        AreaLevel::National => "nationally".to_owned(),
        AreaLevel::Region => format!("in region {} {}", f.area, f.area_name),
        AreaLevel::District => format!("in district {} {}", f.area, f.area_name),
    };
    let shift = match (&f.start, &f.size) {
        (Some(start), Some(s)) => format!(
            "{} from {start}: ×{:.2} (95 % interval {:.2}–{:.2}), {:+.1} offences a period",
            f.change, s.ratio, s.lower, s.upper, s.extra_per_period
        ),
        _ => f.change.to_owned(),
    };
    format!(
        "{} {} {area}: {shift}; scored periods {} against {} expected (×{:.2}); q = {:.1e}",
        f.code,
        f.name,
        count(f.scored.estimated),
        count(f.scored.expected),
        f.scored.ratio,
        f.q_value
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(count(1_234_567.4), "1,234,567");
        assert_eq!(count(-950.6), "951");
        assert_eq!(count(12.0), "12");
        assert_eq!(change(-0.254), "25 % lower");
        assert_eq!(change(0.031), "3 % higher");
        assert_eq!(change(0.001), "unchanged");
        let i = Interval {
            estimate: -0.25,
            lower: -0.33,
            upper: -0.18,
        };
        assert_eq!(interval_text(&i, 0.95), "95 % interval: 18 % to 33 % lower");
        let j = Interval {
            estimate: 0.02,
            lower: -0.05,
            upper: 0.12,
        };
        assert_eq!(
            interval_text(&j, 0.9),
            "90 % interval: from 5 % lower to 12 % higher"
        );
        assert_eq!(p_text(0.0004), "p < 0.001");
        assert_eq!(p_text(0.0312), "p = 0.031");
    }
}
