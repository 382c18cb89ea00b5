//! Prison stock on a reference date: SDG 16.3.2 and occupancy.
//!
//! UN-CTS counts persons held on a specified day (31 December). The stock is
//! rebuilt from events: on the reference date a person is held if their last
//! event on or before it is an admission or a status change, and their status is
//! the one that event set. Events of one day are ordered admission, status
//! change, release: a person sentenced and released the same day (time served
//! on remand) is not held that night.

use std::collections::{BTreeMap, HashMap};

use datafusion::arrow::array::Array;
use evident_stats::{ProportionMethod, proportion_interval};

use super::counts::{LEVEL, dimension_columns};
use super::{Allowed, Job};
use crate::cube::{Aggregate, Cell, CubeDimension, CubeMeasure, TOTAL, int_column, text_column};
use crate::error::Result;
use crate::output::{Column, IndicatorTable, Values};
use crate::request::{Breakdown, Frequency};
use crate::tables::{FACILITIES, PRISON_EVENTS};

const ALLOWED: Allowed = Allowed {
    iccs: false,
    area: true,
    sex: false,
    age: false,
    finest_period: Frequency::Year,
};

/// SDG 16.3.2: unsentenced detainees as a share of persons held.
pub(crate) async fn unsentenced_share(job: &Job<'_>) -> Result<IndicatorTable> {
    let (dimensions, cells) = stock(job, "sdg_16_3_2").await?;
    let mut share = Vec::new();
    let mut lower = Vec::new();
    let mut upper = Vec::new();
    for cell in &cells {
        let (held, unsentenced) = (cell.values[0].max(0) as u64, cell.values[1].max(0) as u64);
        match proportion_interval(unsentenced, held, LEVEL, ProportionMethod::Wilson) {
            Ok(p) => {
                share.push(Some(100.0 * p.proportion));
                lower.push(Some(100.0 * p.lower));
                upper.push(Some(100.0 * p.upper));
            }
            Err(_) => {
                share.push(None);
                lower.push(None);
                upper.push(None);
            }
        }
    }
    let mut columns = dimension_columns(&dimensions, &cells);
    columns.extend([
        count_column("held", &cells, 0),
        count_column("unsentenced", &cells, 1),
        count_column("contributors", &cells, 0),
        Column {
            name: "unsentenced_pct".into(),
            values: Values::Float(share),
        },
        Column {
            name: "unsentenced_pct_lower".into(),
            values: Values::Float(lower),
        },
        Column {
            name: "unsentenced_pct_upper".into(),
            values: Values::Float(upper),
        },
    ]);
    Ok(IndicatorTable {
        indicator: "sdg_16_3_2".into(),
        columns,
    })
}

/// Occupancy: persons held × 100 / official capacity, with the pretrial share.
pub(crate) async fn occupancy(job: &Job<'_>) -> Result<IndicatorTable> {
    let (dimensions, cells) = stock(job, "prison_occupancy").await?;
    let capacity = capacities(job).await?;
    let mut capacity_column = Vec::new();
    let mut occupancy = Vec::new();
    let mut pretrial = Vec::new();
    let area = dimensions.iter().position(|d| d.name == "area");
    let period = dimensions.iter().position(|d| d.name == "period");
    for cell in &cells {
        let year = period.and_then(|p| super::period_year(&cell.codes[p]));
        let region = area.map_or(TOTAL, |a| &*cell.codes[a]).to_owned();
        let cap = year.and_then(|y| capacity.get(&(region, y)).copied());
        capacity_column.push(cap);
        occupancy.push(
            cap.filter(|c| *c > 0)
                .map(|c| 100.0 * cell.values[0] as f64 / c as f64),
        );
        pretrial.push(
            (cell.values[0] > 0).then(|| 100.0 * cell.values[1] as f64 / cell.values[0] as f64),
        );
    }
    let mut columns = dimension_columns(&dimensions, &cells);
    columns.extend([
        count_column("held", &cells, 0),
        count_column("unsentenced", &cells, 1),
        count_column("contributors", &cells, 0),
        Column {
            name: "capacity".into(),
            values: Values::Int(capacity_column),
        },
        Column {
            name: "occupancy_pct".into(),
            values: Values::Float(occupancy),
        },
        Column {
            name: "unsentenced_pct".into(),
            values: Values::Float(pretrial),
        },
    ]);
    Ok(IndicatorTable {
        indicator: "prison_occupancy".into(),
        columns,
    })
}

fn count_column(name: &str, cells: &[Cell], index: usize) -> Column {
    Column {
        name: name.into(),
        values: Values::Int(cells.iter().map(|c| Some(c.values[index])).collect()),
    }
}

/// The reference date of each year: 31 December, or the last event date when
/// the data end earlier in that year.
async fn reference_dates(job: &Job<'_>) -> Result<Vec<(i32, String)>> {
    let batches = job
        .engine
        .query(&format!(
            "SELECT CAST(MIN(event_date) AS VARCHAR), CAST(MAX(event_date) AS VARCHAR) FROM {PRISON_EVENTS}"
        ))
        .await?;
    let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) else {
        return Ok(Vec::new());
    };
    let (min, max) = (text_column(batch, 0)?, text_column(batch, 1)?);
    if min.is_null(0) || max.is_null(0) {
        return Ok(Vec::new());
    }
    let (first, last) = (min.value(0).to_owned(), max.value(0).to_owned());
    let year = |d: &str| d.get(..4).and_then(|y| y.parse::<i32>().ok());
    let (Some(first_year), Some(last_year)) = (year(&first), year(&last)) else {
        return Ok(Vec::new());
    };
    // Prison files often reach back years before the offence data; a stock
    // rebuilt from events alone misses everyone admitted before the file starts,
    // so by default the years are those the offence data cover.
    let offence_start: Option<i32> = job
        .engine
        .query(&format!(
            "SELECT CAST(MIN(recorded_date) AS VARCHAR) FROM {}",
            crate::tables::OFFENCES
        ))
        .await?
        .iter()
        .find(|b| b.num_rows() > 0)
        .and_then(|b| text_column(b, 0).ok())
        .and_then(|c| (!c.is_null(0)).then(|| c.value(0).to_owned()))
        .and_then(|d| year(&d));
    let first_year = offence_start.map_or(first_year, |y| y.max(first_year));
    let from_year = job
        .request
        .from
        .map_or(first_year, |p| p.year.max(first_year));
    let to_year = job.request.to.map_or(last_year, |p| p.year.min(last_year));
    Ok((from_year..=to_year)
        .map(|y| {
            let december = format!("{y:04}-12-31");
            (
                y,
                if december > last {
                    last.clone()
                } else {
                    december
                },
            )
        })
        .collect())
}

async fn stock(job: &Job<'_>, id: &str) -> Result<(Vec<CubeDimension>, Vec<Cell>)> {
    let default = Breakdown {
        iccs_level: None,
        area_level: Some(1),
        period: Some(Frequency::Year),
        sex: false,
        age: false,
    };
    let b = job.breakdown(id, default, &ALLOWED)?;
    let dates = reference_dates(job).await?;
    let mut dimensions = Vec::new();
    if b.area_level.is_some() {
        dimensions.push(CubeDimension::new(
            "area",
            vec!["COALESCE(f.area_code, '_U')".to_owned()],
        ));
    }
    dimensions.push(CubeDimension::new("period", vec!["s.period".to_owned()]).without_total());
    if dates.is_empty() {
        return Ok((dimensions, Vec::new()));
    }
    let values = dates
        .iter()
        .map(|(y, d)| format!("('{y}', DATE '{d}')"))
        .collect::<Vec<_>>()
        .join(", ");
    let facility_region = format!(
        "(SELECT facility_id, MAX(area_code) AS area_code FROM {FACILITIES} GROUP BY facility_id)"
    );
    let from = format!(
        "(SELECT r.period, e.person_id, e.facility_id, e.event, e.status, \
                 ROW_NUMBER() OVER (PARTITION BY r.period, e.person_id \
                   ORDER BY e.event_date DESC, \
                   CASE e.event WHEN 'admission' THEN 0 WHEN 'status_change' THEN 1 ELSE 2 END DESC) AS rn \
          FROM {PRISON_EVENTS} e JOIN (VALUES {values}) AS r(period, ref_date) \
            ON e.event_date <= r.ref_date) s \
         LEFT JOIN {facility_region} f ON s.facility_id = f.facility_id \
         WHERE s.rn = 1 AND s.event <> 'release'"
    );
    // `rn = 1` leaves one row per (period, person) and every cell is within one
    // period (periods have no total), so counting rows counts persons: the
    // cheaper additive plan gives the distinct count exactly.
    let cells = job
        .cube(
            &from,
            &dimensions,
            &[
                CubeMeasure::new("held", Aggregate::Count, "s.person_id"),
                CubeMeasure::new(
                    "unsentenced",
                    Aggregate::Count,
                    "CASE WHEN s.status = 'unsentenced' THEN s.person_id END",
                ),
            ],
        )
        .await?;
    Ok((dimensions, cells))
}

/// Official capacity by (region or `_T`, year): for each facility the row in
/// force on the year's reference date.
async fn capacities(job: &Job<'_>) -> Result<HashMap<(String, i32), i64>> {
    let dates = reference_dates(job).await?;
    let batches = job
        .engine
        .query(&format!(
            "SELECT facility_id, COALESCE(area_code, '_U'), CAST(capacity AS BIGINT), \
                    CAST(valid_from AS VARCHAR) FROM {FACILITIES}"
        ))
        .await?;
    // facility -> [(valid_from, region, capacity)]
    let mut facilities: BTreeMap<String, Vec<(String, String, i64)>> = BTreeMap::new();
    for batch in &batches {
        let id = text_column(batch, 0)?;
        let region = text_column(batch, 1)?;
        let capacity = int_column(batch, 2)?;
        let from = text_column(batch, 3)?;
        for row in 0..batch.num_rows() {
            if capacity.is_null(row) {
                continue;
            }
            let valid_from = if from.is_null(row) {
                String::new()
            } else {
                from.value(row).to_owned()
            };
            facilities
                .entry(id.value(row).to_owned())
                .or_default()
                .push((
                    valid_from,
                    region.value(row).to_owned(),
                    capacity.value(row),
                ));
        }
    }
    let mut out: HashMap<(String, i32), i64> = HashMap::new();
    for (year, date) in &dates {
        for rows in facilities.values() {
            let in_force = rows
                .iter()
                .filter(|(from, _, _)| from.as_str() <= date.as_str())
                .max_by(|a, b| a.0.cmp(&b.0));
            if let Some((_, region, capacity)) = in_force {
                *out.entry((region.clone(), *year)).or_insert(0) += capacity;
                *out.entry((TOTAL.to_owned(), *year)).or_insert(0) += capacity;
            }
        }
    }
    Ok(out)
}
