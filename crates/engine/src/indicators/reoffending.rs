//! Reoffending: the Ministry of Justice's proven reoffending measure and the
//! Bureau of Justice Statistics' rearrest and reconviction measures.
//!
//! MoJ (England and Wales), *Guide to Proven Reoffending Statistics*: the cohort
//! is everyone released from custody or given a non-custodial sentence at court in
//! the period, each person once (their first such event, the "index event"); a
//! proven reoffence is an offence committed in the 12 months after the index event
//! and proven by a conviction within those 12 months or a further 6-month waiting
//! period. Measures: the share of offenders who reoffend, reoffences per offender
//! and per reoffender, by index offence, sex and age.
//!
//! BJS, Durose, Cooper & Snyder (2014), *Recidivism of Prisoners Released in 30
//! States in 2005* (NCJ 244205): the cohort is prisoners released in the period;
//! rearrest (here: recorded as a suspect of an offence recorded after release) and
//! reconviction (convicted of an offence committed after release) within 3 and 5
//! years.
//!
//! A cohort is reported only once its whole follow-up (and waiting period) lies
//! within the data, so recent cohorts do not look better than they are.

use evident_stats::{ProportionMethod, proportion_interval};

use super::counts::{LEVEL, dimension_columns};
use super::{Allowed, Job, period_levels};
use crate::cube::{Aggregate, Cell, CubeDimension, CubeMeasure};
use crate::error::Result;
use crate::output::{Column, IndicatorTable, Values};
use crate::request::{Breakdown, Frequency, Period};
use crate::tables::{ICCS_LEVELS, NOT_CLASSIFIABLE, OFFENCES, PERSONS, PRISON_EVENTS};

const ALLOWED: Allowed = Allowed {
    iccs: true,
    area: false,
    sex: true,
    age: true,
    finest_period: Frequency::Quarter,
};

/// Sentences served in the community, which put a person in the MoJ cohort.
const NON_CUSTODIAL: &str = "('suspended', 'community', 'fine', 'other')";

/// SQL for the age group of a person born in `birth_year` at `date`.
fn age_group(birth_year: &str, date: &str) -> String {
    let age = format!("(CAST(date_part('year', {date}) AS BIGINT) - {birth_year})");
    format!(
        "CASE WHEN {birth_year} IS NULL THEN 'U' WHEN {age} < 15 THEN 'Y0T14' WHEN {age} < 30 THEN 'Y15T29' \
         WHEN {age} < 45 THEN 'Y30T44' WHEN {age} < 60 THEN 'Y45T59' ELSE 'Y_GE60' END"
    )
}

/// Each person record with its sex and the birth year its age implies (the
/// year the offence was recorded minus the age).
pub(crate) fn person_records() -> String {
    format!(
        "(SELECT p.person_id, p.sex, \
                 CAST(date_part('year', o.recorded_date) AS BIGINT) - p.age AS birth_year \
          FROM {PERSONS} p JOIN {OFFENCES} o ON p.record_id = o.record_id)"
    )
}

/// Sex and approximate birth year of every person, from their records
/// ([`person_records`]).
pub(crate) fn person_attributes(records: &str) -> String {
    format!(
        "(SELECT r.person_id, MAX(r.sex) AS sex, MIN(r.birth_year) AS birth_year \
          FROM {records} r GROUP BY r.person_id)"
    )
}

/// Sentenced releases with the offence of the latest custodial conviction before them.
///
/// The match is an inner join, with the releases that found no conviction added
/// back by an equi-join: an outer join with a date condition must stay a hash
/// join (see `joins`), and at 100 million offences its table did not fit beside
/// the window sorts.
pub(crate) fn releases(court: &str) -> String {
    let released = format!("FROM {PRISON_EVENTS} WHERE event = 'release' AND status = 'sentenced'");
    format!(
        "(SELECT e.person_id, e.index_date, COALESCE(m.iccs_code, '{NOT_CLASSIFIABLE}') AS index_iccs \
          FROM (SELECT DISTINCT person_id, event_date AS index_date {released}) e \
          LEFT JOIN \
           (SELECT person_id, index_date, iccs_code FROM \
             (SELECT e.person_id, e.event_date AS index_date, d.iccs_code, \
                     ROW_NUMBER() OVER (PARTITION BY e.person_id, e.event_date \
                                        ORDER BY d.decision_date DESC, d.iccs_code) AS pick \
              FROM (SELECT person_id, event_date {released}) e JOIN {court} d \
                ON d.person_id = e.person_id AND d.outcome = 'convicted' \
               AND d.sentence_type = 'custody' AND d.decision_date <= e.event_date) \
            WHERE pick = 1) m \
          ON m.person_id = e.person_id AND m.index_date = e.index_date)"
    )
}

/// The cohort: each person's first index event of each period.
fn cohort(job: &Job<'_>, events: &str, frequency: Frequency) -> String {
    let finest = period_levels(frequency, "ev.index_date")
        .pop()
        .unwrap_or_default();
    format!(
        "(SELECT person_id, index_date, index_iccs FROM \
           (SELECT ev.person_id, ev.index_date, ev.index_iccs, \
                   ROW_NUMBER() OVER (PARTITION BY ev.person_id, {finest} \
                                      ORDER BY ev.index_date, ev.index_iccs) AS first \
            FROM {events} ev WHERE ev.index_date IS NOT NULL{}) \
         WHERE first = 1)",
        job.date_filter("ev.index_date")
    )
}

fn cohort_dimensions(b: &Breakdown) -> Vec<CubeDimension> {
    let mut dimensions = Vec::new();
    if b.iccs_level.is_some() {
        dimensions.push(CubeDimension::new("iccs", vec!["c.l1".to_owned()]));
    }
    dimensions.push(
        CubeDimension::new(
            "period",
            period_levels(b.period.unwrap_or(Frequency::Year), "k.index_date"),
        )
        .without_total(),
    );
    if b.sex {
        dimensions.push(CubeDimension::new(
            "sex",
            vec!["COALESCE(pa.sex, 'U')".to_owned()],
        ));
    }
    if b.age {
        dimensions.push(CubeDimension::new(
            "age",
            vec![age_group("pa.birth_year", "k.index_date")],
        ));
    }
    dimensions
}

/// The last date the data cover for follow-up purposes.
async fn data_end(job: &Job<'_>, sql: &str) -> Result<Option<String>> {
    use datafusion::arrow::array::Array;
    for batch in job.engine.query(sql).await? {
        if batch.num_rows() > 0 {
            let column = crate::cube::text_column(&batch, 0)?;
            if !column.is_null(0) {
                return Ok(Some(column.value(0).to_owned()));
            }
        }
    }
    Ok(None)
}

/// The first day `months` after a first-of-month date `YYYY-MM-01`.
fn add_months(date: &str, months: u32) -> String {
    let year: i32 = date[..4].parse().unwrap_or(0);
    let month: u32 = date[5..7].parse().unwrap_or(1);
    let total = year * 12 + (month as i32 - 1) + months as i32;
    format!(
        "{:04}-{:02}-01",
        total.div_euclid(12),
        total.rem_euclid(12) + 1
    )
}

/// Whether a cohort period's follow-up of `months` ends within the data: the
/// follow-up of the period's last day ends the day before `end_exclusive +
/// months`, so that date must be at most the day after the last data date.
fn follow_up_complete(period: &str, months: u32, end: &str) -> bool {
    match (period.parse::<Period>(), next_day(end)) {
        (Ok(p), Some(after_end)) => add_months(&p.end_exclusive(), months) <= after_end,
        _ => false,
    }
}

/// The day after `YYYY-MM-DD`.
pub(crate) fn next_day(date: &str) -> Option<String> {
    let year: i32 = date.get(..4)?.parse().ok()?;
    let month: u32 = date.get(5..7)?.parse().ok()?;
    let day: u32 = date.get(8..10)?.parse().ok()?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    Some(match (day < days, month) {
        (true, _) => format!("{year:04}-{month:02}-{:02}", day + 1),
        (false, 12) => format!("{:04}-01-01", year + 1),
        (false, _) => format!("{year:04}-{:02}-01", month + 1),
    })
}

pub(crate) async fn proven_reoffending(job: &Job<'_>) -> Result<IndicatorTable> {
    let default = Breakdown {
        iccs_level: Some(1),
        area_level: None,
        period: Some(Frequency::Year),
        sex: true,
        age: true,
    };
    let b = job.breakdown("reoffending", default, &ALLOWED)?;
    let court = job.court().await?;
    let frequency = b.period.unwrap_or(Frequency::Year);
    let releases = job.releases().await?;
    let events = format!(
        "(SELECT person_id, index_date, index_iccs FROM {releases} \
          UNION ALL \
          SELECT d.person_id, d.decision_date AS index_date, d.iccs_code AS index_iccs FROM {court} d \
          WHERE d.outcome = 'convicted' AND d.sentence_type IN {NON_CUSTODIAL})"
    );
    let cohort = job
        .stage("reoffending_cohort", &cohort(job, &events, frequency))
        .await?;
    let reoffences = job
        .stage(
            "reoffences",
            &format!(
                "(SELECT k2.person_id, k2.index_date, COUNT(*) AS reoffences FROM {cohort} k2 \
                  JOIN {court} r ON r.person_id = k2.person_id AND r.outcome = 'convicted' \
                   AND r.offence_date > k2.index_date \
                   AND r.offence_date <= k2.index_date + INTERVAL '12 months' \
                   AND r.decision_date <= k2.index_date + INTERVAL '18 months' \
                  GROUP BY k2.person_id, k2.index_date)"
            ),
        )
        .await?;
    let from = format!(
        "{cohort} k JOIN {ICCS_LEVELS} c ON k.index_iccs = c.code \
         LEFT JOIN {reoffences} ro ON ro.person_id = k.person_id AND ro.index_date = k.index_date \
         LEFT JOIN {attributes} pa ON pa.person_id = k.person_id",
        attributes = job.persons().await?
    );
    let dimensions = cohort_dimensions(&b);
    let cells = job
        .cube(
            &from,
            &dimensions,
            &[
                CubeMeasure::new("offenders", Aggregate::Count, "1"),
                CubeMeasure::new(
                    "reoffenders",
                    Aggregate::Count,
                    "CASE WHEN ro.reoffences > 0 THEN 1 END",
                ),
                CubeMeasure::new("reoffences", Aggregate::Sum, "COALESCE(ro.reoffences, 0)"),
            ],
        )
        .await?;
    let end = data_end(
        job,
        &format!("SELECT CAST(MAX(decision_date) AS VARCHAR) FROM {court} d"),
    )
    .await?;
    let period_index = dimensions
        .iter()
        .position(|d| d.name == "period")
        .unwrap_or(0);
    let cells: Vec<Cell> = cells
        .into_iter()
        .filter(|c| {
            end.as_deref()
                .is_some_and(|e| follow_up_complete(&c.codes[period_index], 18, e))
        })
        .collect();

    let mut pct = Vec::new();
    let mut lower = Vec::new();
    let mut upper = Vec::new();
    let mut per_offender = Vec::new();
    let mut per_reoffender = Vec::new();
    for cell in &cells {
        let [offenders, reoffenders, reoffences] = [cell.values[0], cell.values[1], cell.values[2]];
        match proportion_interval(
            reoffenders.max(0) as u64,
            offenders.max(0) as u64,
            LEVEL,
            ProportionMethod::Wilson,
        ) {
            Ok(p) => {
                pct.push(Some(100.0 * p.proportion));
                lower.push(Some(100.0 * p.lower));
                upper.push(Some(100.0 * p.upper));
            }
            Err(_) => {
                pct.push(None);
                lower.push(None);
                upper.push(None);
            }
        }
        per_offender.push((offenders > 0).then(|| reoffences as f64 / offenders as f64));
        per_reoffender.push((reoffenders > 0).then(|| reoffences as f64 / reoffenders as f64));
    }
    let mut columns = dimension_columns(&dimensions, &cells);
    for (k, name) in ["offenders", "reoffenders", "reoffences"]
        .iter()
        .enumerate()
    {
        columns.push(Column {
            name: (*name).into(),
            values: Values::Int(cells.iter().map(|c| Some(c.values[k])).collect()),
        });
    }
    columns.push(Column {
        name: "contributors".into(),
        values: Values::Int(cells.iter().map(|c| Some(c.values[0])).collect()),
    });
    columns.extend([
        Column {
            name: "reoffending_pct".into(),
            values: Values::Float(pct),
        },
        Column {
            name: "reoffending_pct_lower".into(),
            values: Values::Float(lower),
        },
        Column {
            name: "reoffending_pct_upper".into(),
            values: Values::Float(upper),
        },
        Column {
            name: "reoffences_per_offender".into(),
            values: Values::Float(per_offender),
        },
        Column {
            name: "reoffences_per_reoffender".into(),
            values: Values::Float(per_reoffender),
        },
    ]);
    Ok(IndicatorTable {
        indicator: "reoffending".into(),
        columns,
    })
}

pub(crate) async fn recidivism(job: &Job<'_>) -> Result<IndicatorTable> {
    let default = Breakdown {
        iccs_level: Some(1),
        area_level: None,
        period: Some(Frequency::Year),
        sex: false,
        age: false,
    };
    let b = job.breakdown("recidivism", default, &ALLOWED)?;
    let court = job.court().await?;
    let frequency = b.period.unwrap_or(Frequency::Year);
    let releases = job.releases().await?;
    let cohort = job
        .stage("recidivism_cohort", &cohort(job, &releases, frequency))
        .await?;
    let dimensions = cohort_dimensions(&b);
    let recorded_end = data_end(
        job,
        &format!("SELECT CAST(MAX(recorded_date) AS VARCHAR) FROM {OFFENCES}"),
    )
    .await?;
    let decided_end = data_end(
        job,
        &format!("SELECT CAST(MAX(decision_date) AS VARCHAR) FROM {court} d"),
    )
    .await?;
    let end = match (recorded_end, decided_end) {
        (Some(a), Some(b)) => Some(a.min(b)),
        _ => None,
    };
    let period_index = dimensions
        .iter()
        .position(|d| d.name == "period")
        .unwrap_or(0);

    // First rearrest and first reconviction after every release (the cohort keeps
    // each person's first release of the period); one pass serves both follow-ups.
    let rearrest = job
        .stage(
            "rearrest",
            &format!(
                "(SELECT r.person_id, r.index_date, MIN(o.recorded_date) AS first_date \
                  FROM {releases} r \
                  JOIN {PERSONS} p ON p.person_id = r.person_id AND p.role = 'suspect' \
                  JOIN {OFFENCES} o ON o.record_id = p.record_id \
                  WHERE o.recorded_date > r.index_date GROUP BY r.person_id, r.index_date)"
            ),
        )
        .await?;
    let reconviction = job
        .stage(
            "reconviction",
            &format!(
                "(SELECT r.person_id, r.index_date, MIN(d.offence_date) AS first_date \
                  FROM {releases} r JOIN {court} d ON d.person_id = r.person_id \
                   AND d.outcome = 'convicted' \
                  WHERE d.offence_date > r.index_date GROUP BY r.person_id, r.index_date)"
            ),
        )
        .await?;
    let from = format!(
        "{cohort} k JOIN {ICCS_LEVELS} c ON k.index_iccs = c.code \
         LEFT JOIN {rearrest} ra ON ra.person_id = k.person_id AND ra.index_date = k.index_date \
         LEFT JOIN {reconviction} rc ON rc.person_id = k.person_id AND rc.index_date = k.index_date \
         LEFT JOIN {attributes} pa ON pa.person_id = k.person_id",
        attributes = job.persons().await?
    );
    let within = |alias: &str, years: u32| {
        format!(
            "CASE WHEN {alias}.first_date <= k.index_date + INTERVAL '{years} years' THEN 1 END"
        )
    };
    let cells = job
        .cube(
            &from,
            &dimensions,
            &[
                CubeMeasure::new("released", Aggregate::Count, "1"),
                CubeMeasure::new("rearrested_3", Aggregate::Count, within("ra", 3)),
                CubeMeasure::new("reconvicted_3", Aggregate::Count, within("rc", 3)),
                CubeMeasure::new("rearrested_5", Aggregate::Count, within("ra", 5)),
                CubeMeasure::new("reconvicted_5", Aggregate::Count, within("rc", 5)),
            ],
        )
        .await?;
    let mut rows: Vec<(Cell, String)> = Vec::new();
    for cell in cells {
        for (years, first) in [(3u32, 1usize), (5, 3)] {
            if end
                .as_deref()
                .is_some_and(|e| follow_up_complete(&cell.codes[period_index], years * 12, e))
            {
                let mut row = cell.clone();
                row.values = vec![cell.values[0], cell.values[first], cell.values[first + 1]];
                rows.push((row, format!("Y{years}")));
            }
        }
    }
    rows.sort_by(|a, b| (&a.0.codes, &a.1).cmp(&(&b.0.codes, &b.1)));
    let cells: Vec<Cell> = rows
        .iter()
        .map(|(c, f)| {
            let mut c = c.clone();
            c.codes.push(f.as_str().into());
            c.levels.push(1);
            c
        })
        .collect();
    let mut table_dimensions = dimensions.clone();
    table_dimensions.push(CubeDimension::new("follow_up", vec![String::new()]));
    let mut columns = dimension_columns(&table_dimensions, &cells);
    for (k, name) in ["released", "rearrested", "reconvicted"].iter().enumerate() {
        columns.push(Column {
            name: (*name).into(),
            values: Values::Int(cells.iter().map(|c| Some(c.values[k])).collect()),
        });
    }
    columns.push(Column {
        name: "contributors".into(),
        values: Values::Int(cells.iter().map(|c| Some(c.values[0])).collect()),
    });
    for (k, name) in [(1, "rearrest_pct"), (2, "reconviction_pct")] {
        columns.push(Column {
            name: name.into(),
            values: Values::Float(
                cells
                    .iter()
                    .map(|c| {
                        (c.values[0] > 0).then(|| 100.0 * c.values[k] as f64 / c.values[0] as f64)
                    })
                    .collect(),
            ),
        });
    }
    Ok(IndicatorTable {
        indicator: "recidivism".into(),
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_up_windows() {
        assert_eq!(add_months("2020-01-01", 18), "2021-07-01");
        assert_eq!(add_months("2020-11-01", 2), "2021-01-01");
        // The 2020 cohort needs data to 2022-06-30 (12 months + 6 months waiting).
        assert!(follow_up_complete("2020", 18, "2022-06-30"));
        assert!(!follow_up_complete("2020", 18, "2022-06-29"));
        assert!(follow_up_complete("2021-Q1", 18, "2022-09-30"));
        assert!(!follow_up_complete("2021-Q2", 18, "2022-09-30"));
        assert_eq!(next_day("2024-02-28").as_deref(), Some("2024-02-29"));
        assert_eq!(next_day("2023-02-28").as_deref(), Some("2023-03-01"));
        assert_eq!(next_day("2023-12-31").as_deref(), Some("2024-01-01"));
    }
}
