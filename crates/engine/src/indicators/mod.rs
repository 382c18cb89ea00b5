//! Computation of the catalogue's indicators.
//!
//! Each indicator is SQL over the canonical tables (aggregated by the engine,
//! local or distributed) followed by a little Rust over the small aggregated
//! result: denominators, confidence intervals, ratios. Rows are sorted by their
//! codes so that the same data always gives the same bytes.

mod counts;
mod justice;
mod population;
mod prison;
mod reoffending;
mod severity;

use crate::catalogue::{Indicator, indicator};
use crate::cube::{self, Cell, CubeDimension, CubeMeasure, CubeQuery};
use crate::error::{EngineError, Result};
use crate::output::IndicatorTable;
use crate::request::{Breakdown, ComputeRequest, DateBasis, Frequency};
use crate::session::Engine;

pub use population::Population;

/// The indicators computed when none are named.
pub const STANDARD_SET: &[&str] = &[
    "offences",
    "victims",
    "sdg_16_1_1",
    "sdg_16_2_2",
    "sdg_16_3_2",
    "sdg_16_10_1",
    "justice_chain",
    "prison_occupancy",
    "severity_index",
    "reoffending",
    "recidivism",
];

/// Computes the requested indicators (the standard set when none are named).
pub async fn compute(engine: &Engine, request: &ComputeRequest) -> Result<Vec<IndicatorTable>> {
    let mut tables = Vec::new();
    compute_each(engine, request, |table| {
        tables.push(table);
        Ok::<(), EngineError>(())
    })
    .await?;
    Ok(tables)
}

/// [`compute`], handing each table to `sink` as soon as it is computed, so that
/// a caller writing the tables holds one at a time (the analysis tables of a
/// large country are millions of rows each).
pub async fn compute_each<E: From<EngineError>>(
    engine: &Engine,
    request: &ComputeRequest,
    mut sink: impl FnMut(IndicatorTable) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let ids: Vec<&str> = if request.indicators.is_empty() {
        STANDARD_SET.to_vec()
    } else {
        request.indicators.iter().map(String::as_str).collect()
    };
    let mut wanted = Vec::new();
    for id in ids {
        let definition = indicator(id).ok_or_else(|| {
            EngineError::InvalidRequest(format!(
                "unknown indicator {id:?}; `evident indicators list` shows the catalogue"
            ))
        })?;
        wanted.push(definition);
    }
    let job = Job {
        engine,
        request,
        population: Population::load(engine).await?,
        data_end: last_recorded_date(engine).await?,
        court: tokio::sync::OnceCell::new(),
        persons: tokio::sync::OnceCell::new(),
        releases: tokio::sync::OnceCell::new(),
        scratch: std::sync::Mutex::default(),
    };
    let computed = job.compute_all(&wanted, &mut sink).await;
    // The intermediate tables go whether or not the indicators succeeded.
    let written = std::mem::take(&mut *job.scratch.lock().unwrap_or_else(|e| e.into_inner()));
    for table in written {
        engine.drop_materialized(&table)?;
    }
    computed
}

impl Job<'_> {
    async fn compute_all<E: From<EngineError>>(
        &self,
        wanted: &[&'static Indicator],
        sink: &mut impl FnMut(IndicatorTable) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        for &definition in wanted {
            tracing::info!(indicator = definition.id, "computing");
            for mut table in self.compute(definition).await? {
                // A period that runs past the last recorded date would show a
                // partial count as if it were complete; it is left out unless
                // asked for.
                if let (None, Some(end), Some(periods)) =
                    (&self.request.to, &self.data_end, table.text("period"))
                {
                    let keep: Vec<bool> =
                        periods.iter().map(|p| period_is_complete(p, end)).collect();
                    table.retain_rows(&keep);
                }
                sink(table)?;
            }
        }
        Ok(())
    }
}

/// Shared state of one compute run.
pub(crate) struct Job<'a> {
    pub engine: &'a Engine,
    pub request: &'a ComputeRequest,
    pub population: Population,
    /// The last date offences were recorded (`YYYY-MM-DD`): the data's horizon.
    pub data_end: Option<String>,
    /// Court decisions with their ICCS codes, as a FROM item ([`Job::court`]).
    court: tokio::sync::OnceCell<String>,
    /// Each person's sex and birth year, as a FROM item ([`Job::persons`]).
    persons: tokio::sync::OnceCell<String>,
    /// Sentenced releases with their index offence ([`Job::releases`]).
    releases: tokio::sync::OnceCell<String>,
    /// Tables written to the scratch directory, dropped at the end.
    scratch: std::sync::Mutex<Vec<String>>,
}

/// The last recorded date of the offences, if there are any.
async fn last_recorded_date(engine: &Engine) -> Result<Option<String>> {
    use datafusion::arrow::array::Array;
    let batches = engine
        .query(&format!(
            "SELECT CAST(MAX(recorded_date) AS VARCHAR) FROM {}",
            crate::tables::OFFENCES
        ))
        .await?;
    for batch in &batches {
        if batch.num_rows() > 0 {
            let column = crate::cube::text_column(batch, 0)?;
            if !column.is_null(0) {
                return Ok(Some(column.value(0).to_owned()));
            }
        }
    }
    Ok(None)
}

/// Whether the period ends on or before `end` (a `YYYY-MM-DD` date).
pub(crate) fn period_is_complete(period: &str, end: &str) -> bool {
    match (
        period.parse::<crate::request::Period>(),
        reoffending::next_day(end),
    ) {
        (Ok(p), Some(after)) => p.end_exclusive() <= after,
        _ => true,
    }
}

impl Job<'_> {
    async fn compute(&self, definition: &'static Indicator) -> Result<Vec<IndicatorTable>> {
        let one = |t: IndicatorTable| vec![t];
        match definition.id {
            "offences" => counts::offences(self).await.map(one),
            "victims" => counts::victims(self).await.map(one),
            "sdg_16_1_1" => counts::homicide_victims(self).await.map(one),
            "sdg_16_2_2" => counts::trafficking_victims(self).await.map(one),
            "sdg_16_10_1" => counts::killings_of_defenders(self).await.map(one),
            "sdg_16_3_2" => prison::unsentenced_share(self).await.map(one),
            "prison_occupancy" => prison::occupancy(self).await.map(one),
            "justice_chain" => justice::chain(self).await.map(one),
            "severity_index" => severity::index(self).await,
            "reoffending" => reoffending::proven_reoffending(self).await.map(one),
            "recidivism" => reoffending::recidivism(self).await.map(one),
            other => Err(EngineError::InvalidRequest(format!(
                "indicator {other} has no computation"
            ))),
        }
    }

    /// The breakdown asked for, or `default`; refuses dimensions the indicator lacks.
    pub fn breakdown(&self, id: &str, default: Breakdown, allowed: &Allowed) -> Result<Breakdown> {
        let Some(asked) = &self.request.breakdown else {
            return Ok(default);
        };
        let refuse = |what: &str| {
            Err(EngineError::InvalidRequest(format!(
                "indicator {id} cannot be broken down by {what}"
            )))
        };
        if asked.iccs_level.is_some() && !allowed.iccs {
            return refuse("ICCS category");
        }
        if asked.area_level.is_some() && !allowed.area {
            return refuse("area");
        }
        if asked.sex && !allowed.sex {
            return refuse("sex");
        }
        if asked.age && !allowed.age {
            return refuse("age");
        }
        if let Some(period) = asked.period {
            if period < allowed.finest_period {
                return refuse(
                    &format!("{period:?} (finest is {:?})", allowed.finest_period).to_lowercase(),
                );
            }
        }
        Ok(Breakdown {
            // An indicator always keeps a period; the request may change its length.
            period: asked.period.or(default.period),
            ..asked.clone()
        })
    }

    /// The standard breakdown for the request's purpose.
    pub fn standard(&self, analysis: Breakdown, publication: Breakdown) -> Breakdown {
        match self.request.purpose {
            crate::request::Purpose::Analysis => analysis,
            crate::request::Purpose::Publication => publication,
        }
    }

    /// `AND <date> >= … AND <date> < …` for the requested periods.
    pub fn date_filter(&self, column: &str) -> String {
        let mut filter = String::new();
        if let Some(from) = &self.request.from {
            filter.push_str(&format!(" AND {column} >= DATE '{}'", from.first_day()));
        }
        if let Some(to) = &self.request.to {
            filter.push_str(&format!(" AND {column} < DATE '{}'", to.end_exclusive()));
        }
        filter
    }

    /// The date that places an offence in a period.
    pub fn offence_date(&self, alias: &str) -> String {
        match self.request.date_basis {
            DateBasis::Recorded => format!("{alias}.recorded_date"),
            DateBasis::Occurred => {
                format!("COALESCE({alias}.occurred_date, {alias}.recorded_date)")
            }
        }
    }

    /// Runs a cube and returns its cells keyed by their codes.
    pub async fn cube(
        &self,
        from: &str,
        dimensions: &[CubeDimension],
        measures: &[CubeMeasure],
    ) -> Result<Vec<Cell>> {
        // The textbook query is logged for readers and for the benchmark's
        // baselines; the plan's queries are what runs.
        let sql = cube::cube_sql(from, dimensions, measures);
        tracing::debug!(%sql, "cube");
        let mut parts = Vec::new();
        for query in cube::cube_queries(from, dimensions, measures, self.engine.counts_units()) {
            let started = std::time::Instant::now();
            tracing::debug!(sql = query.sql(), "cube query");
            let cells = match &query {
                CubeQuery::Cells {
                    sql,
                    measures: yielded,
                } => {
                    let batches = self.engine.query(sql).await?;
                    let yielded: Vec<CubeMeasure> =
                        yielded.iter().map(|&i| measures[i].clone()).collect();
                    cube::read_cells(&batches, dimensions, &yielded)?
                }
                CubeQuery::Units { sql, .. } => {
                    // One counter per core, each counting the units of its part.
                    let counters = (0..self.engine.parallelism())
                        .map(|_| cube::UnitCounter::new(dimensions))
                        .collect();
                    let mut counters = self
                        .engine
                        .query_sorted_parts(sql, "unit", counters, cube::UnitCounter::push)
                        .await?
                        .into_iter();
                    let mut counter = counters
                        .next()
                        .unwrap_or_else(|| cube::UnitCounter::new(dimensions));
                    for other in counters {
                        counter.absorb(other);
                    }
                    counter.finish()
                }
            };
            tracing::debug!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                cells = cells.len(),
                "cube query done"
            );
            parts.push((cells, query.measures()));
        }
        let started = std::time::Instant::now();
        let cells = cube::merge_cells(parts, measures.len());
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            cells = cells.len(),
            "cube merged"
        );
        Ok(cells)
    }
}

/// Which dimensions an indicator accepts in `--by`.
pub(crate) struct Allowed {
    pub iccs: bool,
    pub area: bool,
    pub sex: bool,
    pub age: bool,
    pub finest_period: Frequency,
}

/// Level expressions of the period dimension for a date expression.
pub(crate) fn period_levels(frequency: Frequency, date: &str) -> Vec<String> {
    let year = format!("to_char({date}, '%Y')");
    match frequency {
        Frequency::Year => vec![year],
        Frequency::Quarter => vec![
            year.clone(),
            format!(
                "concat({year}, '-Q', CAST(CAST(date_part('quarter', {date}) AS BIGINT) AS VARCHAR))"
            ),
        ],
        Frequency::Month => vec![year, format!("to_char({date}, '%Y-%m')")],
    }
}

/// Level expressions of the area dimension (region, district) given the alias
/// of the `areas` row of the record's district.
pub(crate) fn area_levels(level: u8, district: &str, areas_alias: &str) -> Vec<String> {
    let region = format!("COALESCE({areas_alias}.parent_code, '_U')");
    if level >= 2 {
        vec![region, district.to_owned()]
    } else {
        vec![region]
    }
}

/// Level expressions of the ICCS dimension given the alias of the `iccs_levels` row.
pub(crate) fn iccs_level_columns(level: u8, alias: &str) -> Vec<String> {
    (1..=level.clamp(1, 4))
        .map(|l| format!("{alias}.l{l}"))
        .collect()
}

/// The level of a period code: years are 1, months and quarters 2.
pub(crate) fn period_frequency(code: &str) -> Frequency {
    if code.contains("-Q") {
        Frequency::Quarter
    } else if code.len() == 7 {
        Frequency::Month
    } else {
        Frequency::Year
    }
}

/// The year of a period code.
pub(crate) fn period_year(code: &str) -> Option<i32> {
    code.get(..4)?.parse().ok()
}

impl Job<'_> {
    /// Court decisions with their ICCS codes ([`classified_court_decisions`]) as
    /// a FROM item. Four indicators read them, the reoffending query four
    /// times, and each reading re-aggregates every offence by case (at 100
    /// million offences those aggregations together exhausted the memory pool).
    pub async fn court(&self) -> Result<String> {
        self.court
            .get_or_try_init(|| async {
                let sql = classified_court_decisions();
                if !self.engine.counts_units() {
                    return Ok(sql);
                }
                self.write_scratch("court_decisions_classified", &sql).await
            })
            .await
            .cloned()
    }

    /// Each person's sex and approximate birth year
    /// ([`reoffending::person_attributes`]) as a FROM item, read by both
    /// reoffending measures. The local engine writes the person records joined
    /// to their offences, then their aggregation by person: at 100 million
    /// offences the two in one query left a sort too little of the memory
    /// pool.
    pub async fn persons(&self) -> Result<String> {
        self.persons
            .get_or_try_init(|| async {
                let records = reoffending::person_records();
                if !self.engine.counts_units() {
                    return Ok(reoffending::person_attributes(&records));
                }
                let records = self.write_scratch("person_records", &records).await?;
                self.write_scratch(
                    "person_attributes",
                    &reoffending::person_attributes(&records),
                )
                .await
            })
            .await
            .cloned()
    }

    /// Sentenced releases with the offence of the latest custodial conviction
    /// ([`reoffending::releases`]) as a FROM item, shared by both reoffending
    /// measures.
    pub async fn releases(&self) -> Result<String> {
        self.releases
            .get_or_try_init(|| async {
                let court = self.court().await?;
                self.stage("releases", &reoffending::releases(&court)).await
            })
            .await
            .cloned()
    }

    /// A subquery as a FROM item, written to the scratch directory first on the
    /// local engine. A query of many joins and window functions runs all its
    /// sorts at once, and each gets its share of the memory pool: at 100
    /// million offences the reoffending query's shares fell below one batch.
    /// Written in stages, each query's sorts share the whole pool.
    pub async fn stage(&self, prefix: &str, subquery: &str) -> Result<String> {
        if !self.engine.counts_units() {
            return Ok(subquery.to_owned());
        }
        self.write_scratch(prefix, subquery).await
    }

    /// Writes a subquery's result to the scratch directory (local engine) and
    /// returns the table's name; [`compute_each`] drops it at the end.
    async fn write_scratch(&self, prefix: &str, subquery: &str) -> Result<String> {
        // Named per process and computation: two computations may share a
        // scratch directory (two commands, or a server).
        static COMPUTATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let name = format!(
            "{prefix}_{}_{}",
            std::process::id(),
            COMPUTATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        self.scratch
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(name.clone());
        self.engine
            .materialize(&name, &format!("SELECT * FROM {subquery} AS d"))
            .await?;
        Ok(name)
    }
}

/// Court decisions with the ICCS code of the offence they decide: the code of
/// the police record in the same case with the same national code, else the
/// most common classification of that national code, else `NC`.
pub(crate) fn classified_court_decisions() -> String {
    use crate::tables::{COURT_DECISIONS, NOT_CLASSIFIABLE, OFFENCES};
    format!(
        "(SELECT d.case_id, d.person_id, d.offence_date, d.prosecution_date, d.decision_date, \
                 d.national_code, d.outcome, d.sentence_type, d.sentence_months, \
                 COALESCE(by_case.iccs_code, by_code.iccs_code, '{NOT_CLASSIFIABLE}') AS iccs_code \
          FROM {COURT_DECISIONS} d \
          LEFT JOIN (SELECT case_id, national_code, MIN(iccs_code) AS iccs_code FROM {OFFENCES} \
                     WHERE case_id IS NOT NULL AND iccs_code IS NOT NULL \
                     GROUP BY case_id, national_code) by_case \
            ON d.case_id = by_case.case_id AND d.national_code = by_case.national_code \
          LEFT JOIN (SELECT national_code, iccs_code FROM \
                       (SELECT national_code, iccs_code, ROW_NUMBER() OVER \
                          (PARTITION BY national_code ORDER BY COUNT(*) DESC, iccs_code) AS rank \
                        FROM {OFFENCES} WHERE iccs_code IS NOT NULL \
                        GROUP BY national_code, iccs_code) WHERE rank = 1) by_code \
            ON d.national_code = by_code.national_code)"
    )
}
