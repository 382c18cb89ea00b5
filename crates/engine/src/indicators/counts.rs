//! Counts and rates of offences and victims, and the SDG victim indicators.

use evident_stats::{RateMethod, poisson_count_interval};

use std::collections::HashMap;
use std::sync::Arc;

use super::{
    Allowed, Job, area_levels, iccs_level_columns, period_frequency, period_levels, period_year,
};
use crate::cube::{self, Aggregate, Cell, CubeDimension, CubeMeasure, TOTAL};
use crate::error::Result;
use crate::output::{Column, IndicatorTable, Values};
use crate::request::{Breakdown, Frequency};
use crate::tables::{AREAS, ICCS_LEVELS, NOT_CLASSIFIABLE, OFFENCES, PERSONS};

/// Confidence level of every published interval.
pub(crate) const LEVEL: f64 = 0.95;
/// Rates are per 100,000 population.
const PER: f64 = 100_000.0;

const ALL_DIMENSIONS: Allowed = Allowed {
    iccs: true,
    area: true,
    sex: false,
    age: false,
    finest_period: Frequency::Month,
};

/// Police-recorded offences: counts and rates per 100,000.
pub(crate) async fn offences(job: &Job<'_>) -> Result<IndicatorTable> {
    let default = Breakdown {
        iccs_level: Some(2),
        area_level: Some(2),
        period: Some(Frequency::Month),
        sex: false,
        age: false,
    };
    let publication = Breakdown {
        area_level: Some(1),
        period: Some(Frequency::Year),
        ..default.clone()
    };
    let b = job.breakdown(
        "offences",
        job.standard(default, publication),
        &ALL_DIMENSIONS,
    )?;
    let date = job.offence_date("o");
    let dimensions = offence_dimensions(&b, &date, false, false);
    let from = format!(
        "{OFFENCES} o JOIN {ICCS_LEVELS} c ON COALESCE(o.iccs_code, '{NOT_CLASSIFIABLE}') = c.code \
         LEFT JOIN {AREAS} a ON o.area_code = a.area_code WHERE TRUE{}",
        job.date_filter(&date)
    );
    let counts = job
        .cube(
            &from,
            &dimensions,
            &[CubeMeasure::new("offences", Aggregate::Count, "1")],
        )
        .await?;
    // Contributors for disclosure control: distinct persons linked to the cell's
    // offences, plus offences with nobody recorded (each is its own unit).
    let persons_from = format!(
        "{OFFENCES} o JOIN {ICCS_LEVELS} c ON COALESCE(o.iccs_code, '{NOT_CLASSIFIABLE}') = c.code \
         LEFT JOIN {AREAS} a ON o.area_code = a.area_code \
         LEFT JOIN {PERSONS} p ON p.record_id = o.record_id WHERE TRUE{}",
        job.date_filter(&date)
    );
    let persons = job
        .cube(
            &persons_from,
            &dimensions,
            &[
                CubeMeasure::new("persons", Aggregate::CountDistinct, "p.person_id"),
                CubeMeasure::new(
                    "unlinked",
                    Aggregate::Count,
                    "CASE WHEN p.person_id IS NULL THEN 1 END",
                ),
            ],
        )
        .await?;
    // Both cubes have a cell for every offence (the persons join is a LEFT
    // JOIN), so merging them only lines the cells up.
    let counts = cube::merge_cells(vec![(counts, vec![0]), (persons, vec![1, 2])], 3);
    let contributors: Vec<i64> = counts
        .iter()
        .map(|cell| match cell.values[1] + cell.values[2] {
            0 => cell.values[0],
            linked_or_not => linked_or_not,
        })
        .collect();
    rate_table(
        job,
        "offences",
        "offences",
        &dimensions,
        &counts,
        Some(&contributors),
    )
}

/// Victims of police-recorded offences per 100,000 by sex and age.
pub(crate) async fn victims(job: &Job<'_>) -> Result<IndicatorTable> {
    let default = Breakdown {
        iccs_level: Some(2),
        area_level: Some(2),
        period: Some(Frequency::Month),
        sex: true,
        age: false,
    };
    let allowed = Allowed {
        sex: true,
        age: true,
        ..ALL_DIMENSIONS
    };
    // Published at division level so that the SDG victim tables (ICCS 0101,
    // 0204) are cells of this table too, and disclosure control sees one system.
    let publication = Breakdown {
        area_level: Some(1),
        period: Some(Frequency::Year),
        ..default.clone()
    };
    let b = job.breakdown("victims", job.standard(default, publication), &allowed)?;
    victim_table(job, "victims", &b, "TRUE", None).await
}

/// SDG 16.1.1: victims of intentional homicide (ICCS 0101) per 100,000.
pub(crate) async fn homicide_victims(job: &Job<'_>) -> Result<IndicatorTable> {
    let default = Breakdown {
        iccs_level: None,
        area_level: Some(1),
        period: Some(Frequency::Year),
        sex: true,
        age: true,
    };
    let allowed = Allowed {
        iccs: false,
        area: true,
        sex: true,
        age: true,
        finest_period: Frequency::Month,
    };
    let publication = Breakdown {
        area_level: None,
        ..default.clone()
    };
    let b = job.breakdown("sdg_16_1_1", job.standard(default, publication), &allowed)?;
    victim_table(job, "sdg_16_1_1", &b, "o.iccs_code = '0101'", None).await
}

/// SDG 16.2.2: detected victims of trafficking in persons per 100,000, by form of exploitation.
pub(crate) async fn trafficking_victims(job: &Job<'_>) -> Result<IndicatorTable> {
    let default = Breakdown {
        iccs_level: None,
        area_level: Some(1),
        period: Some(Frequency::Year),
        sex: true,
        age: true,
    };
    let allowed = Allowed {
        iccs: false,
        area: true,
        sex: true,
        age: true,
        finest_period: Frequency::Month,
    };
    let publication = Breakdown {
        area_level: None,
        age: false,
        ..default.clone()
    };
    let b = job.breakdown("sdg_16_2_2", job.standard(default, publication), &allowed)?;
    // The victim's own record of the form of exploitation wins; otherwise the
    // ICCS group of the offence says it (02041 … 02044).
    let exploitation = "COALESCE(p.exploitation, CASE substr(o.iccs_code, 1, 5) \
        WHEN '02041' THEN 'sexual' WHEN '02042' THEN 'forced_labour' \
        WHEN '02043' THEN 'organ_removal' WHEN '02044' THEN 'other' ELSE 'U' END)";
    victim_table(
        job,
        "sdg_16_2_2",
        &b,
        "substr(o.iccs_code, 1, 4) = '0204'",
        Some(CubeDimension::new(
            "exploitation",
            vec![exploitation.to_owned()],
        )),
    )
    .await
}

/// SDG 16.10.1 (killings): distinct victims of intentional homicide who were
/// journalists, media workers, trade unionists or human rights defenders.
pub(crate) async fn killings_of_defenders(job: &Job<'_>) -> Result<IndicatorTable> {
    let default = Breakdown {
        iccs_level: None,
        area_level: None,
        period: Some(Frequency::Year),
        sex: true,
        age: false,
    };
    let allowed = Allowed {
        iccs: false,
        area: false,
        sex: true,
        age: false,
        finest_period: Frequency::Year,
    };
    let b = job.breakdown("sdg_16_10_1", default, &allowed)?;
    let date = job.offence_date("o");
    let mut dimensions = vec![
        CubeDimension::new(
            "period",
            period_levels(b.period.unwrap_or(Frequency::Year), &date),
        )
        .without_total(),
    ];
    if b.sex {
        dimensions.push(CubeDimension::new(
            "sex",
            vec!["COALESCE(p.sex, 'U')".to_owned()],
        ));
    }
    dimensions.push(CubeDimension::new(
        "occupation",
        vec!["p.occupation".to_owned()],
    ));
    let from = format!(
        "{PERSONS} p JOIN {OFFENCES} o ON p.record_id = o.record_id \
         WHERE p.role = 'victim' AND o.iccs_code = '0101' \
         AND p.occupation IN ('journalist', 'media_worker', 'trade_unionist', 'human_rights_defender'){}",
        job.date_filter(&date)
    );
    let cells = job
        .cube(
            &from,
            &dimensions,
            &[CubeMeasure::new(
                "victims",
                Aggregate::CountDistinct,
                "p.person_id",
            )],
        )
        .await?;
    let mut columns = dimension_columns(&dimensions, &cells);
    columns.push(Column {
        name: "victims".into(),
        values: Values::Int(cells.iter().map(|c| Some(c.values[0])).collect()),
    });
    columns.push(Column {
        name: "contributors".into(),
        values: Values::Int(cells.iter().map(|c| Some(c.values[0])).collect()),
    });
    Ok(IndicatorTable {
        indicator: "sdg_16_10_1".into(),
        columns,
    })
}

/// A victims table: victim records of offences satisfying `condition`.
async fn victim_table(
    job: &Job<'_>,
    id: &str,
    b: &Breakdown,
    condition: &str,
    extra: Option<CubeDimension>,
) -> Result<IndicatorTable> {
    let date = job.offence_date("o");
    let mut dimensions = offence_dimensions(b, &date, b.sex, b.age);
    if let Some(extra) = extra {
        dimensions.push(extra);
    }
    let from = format!(
        "{PERSONS} p JOIN {OFFENCES} o ON p.record_id = o.record_id \
         JOIN {ICCS_LEVELS} c ON COALESCE(o.iccs_code, '{NOT_CLASSIFIABLE}') = c.code \
         LEFT JOIN {AREAS} a ON o.area_code = a.area_code \
         WHERE p.role = 'victim' AND {condition}{}",
        job.date_filter(&date)
    );
    let cells = job
        .cube(
            &from,
            &dimensions,
            &[
                CubeMeasure::new("victims", Aggregate::Count, "1"),
                CubeMeasure::new("persons", Aggregate::CountDistinct, "p.person_id"),
            ],
        )
        .await?;
    let contributors: Vec<i64> = cells.iter().map(|c| c.values[1]).collect();
    rate_table(job, id, "victims", &dimensions, &cells, Some(&contributors))
}

/// The ICCS, area, period, sex and age dimensions of an offence or victim table.
pub(crate) fn offence_dimensions(
    b: &Breakdown,
    date: &str,
    sex: bool,
    age: bool,
) -> Vec<CubeDimension> {
    let mut dimensions = Vec::new();
    if let Some(level) = b.iccs_level {
        dimensions.push(CubeDimension::new("iccs", iccs_level_columns(level, "c")));
    }
    if let Some(level) = b.area_level {
        dimensions.push(CubeDimension::new(
            "area",
            area_levels(level, "o.area_code", "a"),
        ));
    }
    dimensions.push(
        CubeDimension::new(
            "period",
            period_levels(b.period.unwrap_or(Frequency::Year), date),
        )
        .without_total(),
    );
    if sex {
        dimensions.push(CubeDimension::new(
            "sex",
            vec!["COALESCE(p.sex, 'U')".to_owned()],
        ));
    }
    if age {
        dimensions.push(CubeDimension::new(
            "age",
            vec!["COALESCE(p.age_group, 'U')".to_owned()],
        ));
    }
    dimensions
}

/// Code columns for each dimension, plus `freq` and the level of hierarchical codes.
pub(crate) fn dimension_columns(dimensions: &[CubeDimension], cells: &[Cell]) -> Vec<Column> {
    let mut columns = Vec::new();
    for (d, dimension) in dimensions.iter().enumerate() {
        let codes: Vec<Arc<str>> = cells.iter().map(|c| c.codes[d].clone()).collect();
        if dimension.name == "period" {
            let mut frequencies: HashMap<&str, Arc<str>> = HashMap::new();
            let mut frequency = |p: &str| {
                let code = period_frequency(p).sdmx_code();
                frequencies
                    .entry(code)
                    .or_insert_with(|| code.into())
                    .clone()
            };
            columns.push(Column {
                name: "freq".into(),
                values: Values::Text(codes.iter().map(|p| frequency(p)).collect()),
            });
        }
        columns.push(Column {
            name: dimension.name.into(),
            values: Values::Text(codes),
        });
        if matches!(dimension.name, "iccs" | "area") {
            columns.push(Column {
                name: format!("{}_level", dimension.name),
                values: Values::Int(cells.iter().map(|c| Some(i64::from(c.levels[d]))).collect()),
            });
        }
    }
    columns
}

/// A table of counts with population, rate per 100,000 and its 95 % interval.
pub(crate) fn rate_table(
    job: &Job<'_>,
    id: &str,
    count_name: &str,
    dimensions: &[CubeDimension],
    cells: &[Cell],
    contributors: Option<&[i64]>,
) -> Result<IndicatorTable> {
    let position = |name: &str| dimensions.iter().position(|d| d.name == name);
    let (area, period, sex, age) = (
        position("area"),
        position("period"),
        position("sex"),
        position("age"),
    );
    let mut population = Vec::with_capacity(cells.len());
    let mut rate = Vec::with_capacity(cells.len());
    let mut lower = Vec::with_capacity(cells.len());
    let mut upper = Vec::with_capacity(cells.len());
    // Many cells share an (area, year, sex, age): look each up once.
    let mut populations: HashMap<(&str, i32, &str, &str), Option<f64>> = HashMap::new();
    let mut count_intervals: HashMap<u64, Option<(f64, f64)>> = HashMap::new();
    for cell in cells {
        let code = |i: Option<usize>| i.map_or(TOTAL, |i| &*cell.codes[i]);
        let year = period.and_then(|i| period_year(&cell.codes[i]));
        let pop = year.and_then(|y| {
            *populations
                .entry((code(area), y, code(sex), code(age)))
                .or_insert_with(|| job.population.get(code(area), y, code(sex), code(age)))
        });
        population.push(pop.map(|p| p.round() as i64));
        let count = u64::try_from(cell.values[0]).unwrap_or(0);
        // The exact interval of a count depends on the count alone (then scaled
        // as `poisson_rate_interval` does); a million cells have a few thousand
        // distinct counts.
        let bounds = *count_intervals
            .entry(count)
            .or_insert_with(|| poisson_count_interval(count, LEVEL, RateMethod::ExactPoisson).ok());
        match (pop, bounds) {
            (Some(pop), Some((lo, hi))) => {
                let scale = PER / pop;
                rate.push(Some(count as f64 * scale));
                lower.push(Some(lo * scale));
                upper.push(Some(hi * scale));
            }
            _ => {
                rate.push(None);
                lower.push(None);
                upper.push(None);
            }
        }
    }
    let mut columns = dimension_columns(dimensions, cells);
    columns.push(Column {
        name: count_name.into(),
        values: Values::Int(cells.iter().map(|c| Some(c.values[0])).collect()),
    });
    if let Some(contributors) = contributors {
        columns.push(Column {
            name: "contributors".into(),
            values: Values::Int(contributors.iter().map(|&c| Some(c)).collect()),
        });
    }
    columns.push(Column {
        name: "population".into(),
        values: Values::Int(population),
    });
    columns.push(Column {
        name: "rate_per_100k".into(),
        values: Values::Float(rate),
    });
    columns.push(Column {
        name: "rate_lower".into(),
        values: Values::Float(lower),
    });
    columns.push(Column {
        name: "rate_upper".into(),
        values: Values::Float(upper),
    });
    Ok(IndicatorTable {
        indicator: id.into(),
        columns,
    })
}
