//! The crime severity index (Statistics Canada's method).
//!
//! Wallace, Turner, Matarazzo & Babyak (2009), *Measuring Crime in Canada:
//! Introducing the Crime Severity Index and Improvements to the Uniform Crime
//! Reporting Survey*, Statistics Canada 85-004-X. The weight of an offence type is
//! its incarceration rate (custodial sentences / convictions) times the mean
//! custodial sentence in days — equivalently the custodial days per conviction.
//! The index is the weighted count per 100,000 population, divided by the
//! national value of the base year and multiplied by 100. Weights here are
//! per ICCS division from the latest five years of court decisions; a division
//! without convictions borrows its section's weight (StatCan's proxy weights
//! borrow from similar offences), and unclassifiable offences weigh nothing.

use std::collections::{BTreeMap, HashMap};

use datafusion::arrow::array::Array;

use super::counts::dimension_columns;
use super::{Allowed, Job, area_levels, period_levels, period_year};
use crate::cube::{Aggregate, Cell, CubeDimension, CubeMeasure, TOTAL, int_column, text_column};
use crate::error::{EngineError, Result};
use crate::output::{Column, IndicatorTable, Values};
use crate::request::{Breakdown, Frequency};
use crate::tables::{AREAS, ICCS_LEVELS, NOT_CLASSIFIABLE, OFFENCES};

/// Days in an average month, to turn sentence months into days.
const DAYS_PER_MONTH: f64 = 365.25 / 12.0;

/// ICCS sections counted in the violent sub-index: acts leading to death, harm
/// to the person, sexual acts, and property acts with violence (01–04).
pub(crate) const VIOLENT_SECTIONS: &[&str] = &["01", "02", "03", "04"];

/// The weight of one offence type.
#[derive(Debug, Clone, PartialEq)]
pub struct SeverityWeight {
    /// ICCS division (or section for records coded only to a section).
    pub category: String,
    /// Convictions in the weight period.
    pub convictions: i64,
    /// Of which custodial sentences.
    pub custody: i64,
    /// Sum of custodial sentence lengths, months.
    pub custody_months: f64,
    /// Weight in days of custody per conviction.
    pub weight_days: f64,
    /// `own`, `section` (proxy) or `none`.
    pub source: &'static str,
}

/// Weights from totals per category: custodial days per conviction.
pub fn severity_weights(
    totals: &BTreeMap<String, (i64, i64, f64)>,
    categories: &[String],
) -> Vec<SeverityWeight> {
    let mut sections: BTreeMap<String, (i64, i64, f64)> = BTreeMap::new();
    for (category, (convictions, custody, months)) in totals {
        let entry = sections
            .entry(category[..2.min(category.len())].to_owned())
            .or_default();
        entry.0 += convictions;
        entry.1 += custody;
        entry.2 += months;
    }
    let weight =
        |(convictions, _, months): &(i64, i64, f64)| months * DAYS_PER_MONTH / *convictions as f64;
    categories
        .iter()
        .map(|category| {
            let own = totals.get(category).filter(|t| t.0 > 0);
            let section = sections
                .get(&category[..2.min(category.len())])
                .filter(|t| t.0 > 0);
            let (source, basis) = match (own, section) {
                (Some(t), _) => ("own", Some(t)),
                (None, Some(t)) => ("section", Some(t)),
                (None, None) => ("none", None),
            };
            let own_totals = totals.get(category).copied().unwrap_or_default();
            SeverityWeight {
                category: category.clone(),
                convictions: own_totals.0,
                custody: own_totals.1,
                custody_months: own_totals.2,
                weight_days: basis.map_or(0.0, weight),
                source,
            }
        })
        .collect()
}

pub(crate) async fn index(job: &Job<'_>) -> Result<Vec<IndicatorTable>> {
    let default = Breakdown {
        iccs_level: None,
        area_level: Some(1),
        period: Some(Frequency::Year),
        sex: false,
        age: false,
    };
    let allowed = Allowed {
        iccs: false,
        area: true,
        sex: false,
        age: false,
        finest_period: Frequency::Year,
    };
    let b = job.breakdown("severity_index", default, &allowed)?;
    let totals = conviction_totals(job).await?;

    let date = job.offence_date("o");
    let mut dimensions =
        vec![CubeDimension::new("category", vec![format!("COALESCE(c.l2, c.l1)")]).without_total()];
    if let Some(level) = b.area_level {
        dimensions.push(CubeDimension::new(
            "area",
            area_levels(level, "o.area_code", "a"),
        ));
    }
    dimensions
        .push(CubeDimension::new("period", period_levels(Frequency::Year, &date)).without_total());
    let from = format!(
        "{OFFENCES} o JOIN {ICCS_LEVELS} c ON COALESCE(o.iccs_code, '{NOT_CLASSIFIABLE}') = c.code \
         LEFT JOIN {AREAS} a ON o.area_code = a.area_code WHERE TRUE{}",
        job.date_filter(&date)
    );
    let cells = job
        .cube(
            &from,
            &dimensions,
            &[CubeMeasure::new("offences", Aggregate::Count, "1")],
        )
        .await?;
    let categories: Vec<String> = {
        let mut c: Vec<String> = cells.iter().map(|c| c.codes[0].to_string()).collect();
        c.sort();
        c.dedup();
        c
    };
    let weights = severity_weights(&totals, &categories);
    let weight_of: HashMap<&str, f64> = weights
        .iter()
        .map(|w| {
            (
                w.category.as_str(),
                if w.category == NOT_CLASSIFIABLE {
                    0.0
                } else {
                    w.weight_days
                },
            )
        })
        .collect();

    // (area, period) -> [offences, weighted] for total, violent, non-violent.
    let area_index = dimensions.iter().position(|d| d.name == "area");
    let mut sums: BTreeMap<(String, u8, String), [[f64; 2]; 3]> = BTreeMap::new();
    for cell in &cells {
        let category = &*cell.codes[0];
        let (area, area_level) = match area_index {
            Some(i) => (cell.codes[i].to_string(), cell.levels[i]),
            None => (TOTAL.to_owned(), 0),
        };
        let period = cell.codes[dimensions.len() - 1].to_string();
        let n = cell.values[0] as f64;
        let w = weight_of.get(category).copied().unwrap_or(0.0);
        let entry = sums.entry((area, area_level, period)).or_default();
        let sub = if VIOLENT_SECTIONS.iter().any(|s| category.starts_with(s)) {
            1
        } else {
            2
        };
        for k in [0, sub] {
            entry[k][0] += n;
            entry[k][1] += n * w;
        }
    }

    let base_year = match job.request.base_year {
        Some(year) => year,
        None => sums
            .keys()
            .filter_map(|(_, _, p)| period_year(p))
            .min()
            .ok_or_else(|| {
                EngineError::MissingData("no offences to compute a severity index from".into())
            })?,
    };
    let base_population = job.population.get(TOTAL, base_year, TOTAL, TOTAL);
    let base: [Option<f64>; 3] = std::array::from_fn(|k| {
        let national = sums.get(&(TOTAL.to_owned(), 0, base_year.to_string()))?;
        let rate = national[k][1] / base_population? * 100_000.0;
        (rate > 0.0).then_some(rate)
    });
    if base.iter().all(Option::is_none) {
        return Err(EngineError::MissingData(format!(
            "severity index: no national offences or population in the base year {base_year}"
        )));
    }

    let mut out_cells = Vec::new();
    let mut measures: Vec<[Option<f64>; 6]> = Vec::new();
    for ((area, area_level, period), subs) in &sums {
        let population =
            period_year(period).and_then(|y| job.population.get(area, y, TOTAL, TOTAL));
        for (k, name) in ["total", "violent", "non_violent"].iter().enumerate() {
            let [offences, weighted] = subs[k];
            let severity = population.map(|p| weighted / p * 100_000.0);
            let index = severity.zip(base[k]).map(|(s, b)| 100.0 * s / b);
            let volume = population.map(|p| offences / p * 100_000.0);
            out_cells.push(Cell {
                codes: vec![area.as_str().into(), period.as_str().into(), (*name).into()],
                levels: vec![*area_level, 1, 1],
                values: vec![offences as i64],
            });
            measures.push([
                Some(weighted),
                population,
                severity,
                index,
                volume,
                Some(f64::from(base_year)),
            ]);
        }
    }
    let mut table_dimensions = Vec::new();
    if area_index.is_some() {
        table_dimensions.push(CubeDimension::new("area", vec![String::new()]));
    } else {
        for cell in &mut out_cells {
            cell.codes.remove(0);
            cell.levels.remove(0);
        }
    }
    table_dimensions.push(CubeDimension::new("period", vec![String::new()]));
    table_dimensions.push(CubeDimension::new("sub_index", vec![String::new()]));
    let mut columns = dimension_columns(&table_dimensions, &out_cells);
    columns.push(Column {
        name: "offences".into(),
        values: Values::Int(out_cells.iter().map(|c| Some(c.values[0])).collect()),
    });
    let names = [
        "weighted_offences",
        "population",
        "severity_per_100k",
        "index",
        "volume_per_100k",
        "base_year",
    ];
    for (k, name) in names.iter().enumerate() {
        let values: Vec<Option<f64>> = measures.iter().map(|m| m[k]).collect();
        columns.push(if matches!(*name, "population" | "base_year") {
            Column {
                name: (*name).into(),
                values: Values::Int(values.iter().map(|v| v.map(|x| x.round() as i64)).collect()),
            }
        } else {
            Column {
                name: (*name).into(),
                values: Values::Float(values),
            }
        });
    }
    let index_table = IndicatorTable {
        indicator: "severity_index".into(),
        columns,
    };

    let weights_table = IndicatorTable {
        indicator: "severity_weights".into(),
        columns: vec![
            Column {
                name: "iccs".into(),
                values: Values::Text(weights.iter().map(|w| w.category.as_str().into()).collect()),
            },
            Column {
                name: "convictions".into(),
                values: Values::Int(weights.iter().map(|w| Some(w.convictions)).collect()),
            },
            Column {
                name: "custody".into(),
                values: Values::Int(weights.iter().map(|w| Some(w.custody)).collect()),
            },
            Column {
                name: "weight_days".into(),
                values: Values::Float(weights.iter().map(|w| Some(w.weight_days)).collect()),
            },
            Column {
                name: "weight_source".into(),
                values: Values::Text(weights.iter().map(|w| w.source.into()).collect()),
            },
        ],
    };
    Ok(vec![index_table, weights_table])
}

/// Convictions, custodial sentences and custodial months per ICCS division over
/// the latest five years of court decisions.
async fn conviction_totals(job: &Job<'_>) -> Result<BTreeMap<String, (i64, i64, f64)>> {
    let court = job.court().await?;
    let last = job
        .engine
        .query(&format!("SELECT CAST(MAX(decision_date) AS VARCHAR) FROM {court} d WHERE d.outcome = 'convicted'"))
        .await?;
    let mut last_year: Option<i32> = None;
    for batch in &last {
        if batch.num_rows() > 0 {
            let column = text_column(batch, 0)?;
            if !column.is_null(0) {
                last_year = column.value(0).get(..4).and_then(|y| y.parse().ok());
            }
        }
    }
    let Some(last_year) = last_year else {
        return Ok(BTreeMap::new());
    };
    let sql = format!(
        "SELECT COALESCE(c.l2, c.l1) AS category, COUNT(*) AS convictions, \
                COUNT(CASE WHEN d.sentence_type = 'custody' THEN 1 END) AS custody, \
                COALESCE(SUM(CASE WHEN d.sentence_type = 'custody' \
                    THEN CAST(ROUND(d.sentence_months * 1000) AS BIGINT) END), 0) AS milli_months \
         FROM {court} d JOIN {ICCS_LEVELS} c ON d.iccs_code = c.code \
         WHERE d.outcome = 'convicted' AND d.decision_date >= DATE '{:04}-01-01' \
         GROUP BY COALESCE(c.l2, c.l1)",
        last_year - 4
    );
    let mut totals = BTreeMap::new();
    for batch in job.engine.query(&sql).await? {
        let category = text_column(&batch, 0)?;
        let convictions = int_column(&batch, 1)?;
        let custody = int_column(&batch, 2)?;
        // Summed as integers (thousandths of a month) so that the total does not
        // depend on the order in which partitions add up: the same bytes locally
        // and on a cluster.
        let milli_months = int_column(&batch, 3)?;
        for row in 0..batch.num_rows() {
            totals.insert(
                category.value(row).to_owned(),
                (
                    convictions.value(row),
                    custody.value(row),
                    milli_months.value(row) as f64 / 1000.0,
                ),
            );
        }
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    // New Zealand Law Commission, Study Paper 21, ch. 3 "Alternative approaches":
    // 100 convicted, 50 imprisoned for 30 days on average -> a score of 15 days
    // (0.5 x 30), the same functional form as the Canadian weight.
    #[test]
    fn weight_is_incarceration_rate_times_mean_custodial_days() {
        let months_for_30_days = 30.0 / DAYS_PER_MONTH;
        let totals = BTreeMap::from([("0401".to_owned(), (100, 50, 50.0 * months_for_30_days))]);
        let weights = severity_weights(&totals, &["0401".to_owned()]);
        assert!((weights[0].weight_days - 15.0).abs() < 1e-9, "{weights:?}");
        assert_eq!(weights[0].source, "own");
    }

    #[test]
    fn a_division_without_convictions_borrows_its_section_weight() {
        let totals = BTreeMap::from([
            ("0501".to_owned(), (10, 2, 24.0)),
            ("0502".to_owned(), (30, 0, 0.0)),
        ]);
        let categories = ["0501", "0502", "0503", "NC"].map(String::from);
        let weights = severity_weights(&totals, &categories);
        // Section 05: 40 convictions, 24 custodial months -> 0.6 months per conviction.
        let section = 24.0 / 40.0 * DAYS_PER_MONTH;
        assert!((weights[0].weight_days - 2.4 * DAYS_PER_MONTH).abs() < 1e-9);
        assert_eq!(
            weights[1].weight_days, 0.0,
            "own data: convictions but no custody"
        );
        assert!((weights[2].weight_days - section).abs() < 1e-9);
        assert_eq!(weights[2].source, "section");
        assert_eq!((weights[3].weight_days, weights[3].source), (0.0, "none"));
    }
}
