//! The criminal justice chain: from recorded offences to custodial sentences.
//!
//! Stages and their counting units (UN-CTS): offences recorded (offences);
//! suspects, persons prosecuted, convicted and sentenced to custody (distinct
//! persons in the year). Each stage is placed in the year of its own event, so a
//! ratio between stages is a flow indicator, not a probability (ICCS Annex 1).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::counts::dimension_columns;
use super::{Allowed, Job, period_levels};
use crate::cube::{Aggregate, Cell, CubeDimension, CubeMeasure};
use crate::error::Result;
use crate::output::{Column, IndicatorTable, Values};
use crate::request::{Breakdown, Frequency};
use crate::tables::{ICCS_LEVELS, NOT_CLASSIFIABLE, OFFENCES, PERSONS};

/// The stages, in order, with their counting unit.
pub(crate) const STAGES: &[(&str, &str)] = &[
    ("recorded", "offence"),
    ("suspects", "person"),
    ("prosecuted", "person"),
    ("convicted", "person"),
    ("custody", "person"),
];

pub(crate) async fn chain(job: &Job<'_>) -> Result<IndicatorTable> {
    let default = Breakdown {
        iccs_level: Some(1),
        area_level: None,
        period: Some(Frequency::Year),
        sex: false,
        age: false,
    };
    let allowed = Allowed {
        iccs: true,
        area: false,
        sex: false,
        age: false,
        finest_period: Frequency::Year,
    };
    let b = job.breakdown("justice_chain", default, &allowed)?;
    let frequency = b.period.unwrap_or(Frequency::Year);
    let dims = |date: &str| {
        vec![
            CubeDimension::new("iccs", vec!["c.l1".to_owned()]),
            CubeDimension::new("period", period_levels(frequency, date)).without_total(),
        ]
    };
    let join_iccs = |alias: &str| {
        format!(
            "JOIN {ICCS_LEVELS} c ON COALESCE({alias}.iccs_code, '{NOT_CLASSIFIABLE}') = c.code"
        )
    };
    let court = job.court().await?;
    let offence_date = job.offence_date("o");

    let mut stages: Vec<Vec<Cell>> = Vec::new();
    let recorded_from = format!(
        "{OFFENCES} o {} WHERE TRUE{}",
        join_iccs("o"),
        job.date_filter(&offence_date)
    );
    stages.push(
        job.cube(
            &recorded_from,
            &dims(&offence_date),
            &[CubeMeasure::new("n", Aggregate::Count, "1")],
        )
        .await?,
    );
    let suspects_from = format!(
        "{PERSONS} p JOIN {OFFENCES} o ON p.record_id = o.record_id {} WHERE p.role = 'suspect'{}",
        join_iccs("o"),
        job.date_filter(&offence_date)
    );
    stages.push(
        job.cube(
            &suspects_from,
            &dims(&offence_date),
            &[CubeMeasure::new(
                "n",
                Aggregate::CountDistinct,
                "p.person_id",
            )],
        )
        .await?,
    );
    for (date, condition) in [
        ("d.prosecution_date", "TRUE"),
        ("d.decision_date", "d.outcome = 'convicted'"),
        (
            "d.decision_date",
            "d.outcome = 'convicted' AND d.sentence_type = 'custody'",
        ),
    ] {
        let from = format!(
            "{court} d {} WHERE {date} IS NOT NULL AND {condition}{}",
            join_iccs("d"),
            job.date_filter(date)
        );
        stages.push(
            job.cube(
                &from,
                &dims(date),
                &[CubeMeasure::new(
                    "n",
                    Aggregate::CountDistinct,
                    "d.person_id",
                )],
            )
            .await?,
        );
    }

    // Long format: one row per (section, period, stage), ratio to the previous stage.
    let mut counts: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for (s, cells) in stages.iter().enumerate() {
        for cell in cells {
            counts
                .entry((cell.codes[0].to_string(), cell.codes[1].to_string()))
                .or_insert_with(|| vec![0; STAGES.len()])[s] = cell.values[0];
        }
    }
    let mut cells = Vec::new();
    let mut units = Vec::new();
    let mut ratio = Vec::new();
    for ((section, period), values) in &counts {
        for (s, (stage, unit)) in STAGES.iter().enumerate() {
            cells.push(Cell {
                codes: vec![
                    section.as_str().into(),
                    period.as_str().into(),
                    (*stage).into(),
                ],
                levels: vec![u8::from(section != "_T"), 1, 1],
                values: vec![values[s]],
            });
            units.push(Arc::from(*unit));
            ratio.push(
                (s > 0 && values[s - 1] > 0)
                    .then(|| 100.0 * values[s] as f64 / values[s - 1] as f64),
            );
        }
    }
    let dimensions = vec![
        CubeDimension::new("iccs", vec![String::new()]),
        CubeDimension::new("period", vec![String::new()]),
        CubeDimension::new("stage", vec![String::new()]),
    ];
    let mut columns = dimension_columns(&dimensions, &cells);
    columns.push(Column {
        name: "count".into(),
        values: Values::Int(cells.iter().map(|c| Some(c.values[0])).collect()),
    });
    columns.push(Column {
        name: "contributors".into(),
        values: Values::Int(cells.iter().map(|c| Some(c.values[0])).collect()),
    });
    columns.push(Column {
        name: "counting_unit".into(),
        values: Values::Text(units),
    });
    columns.push(Column {
        name: "pct_of_previous_stage".into(),
        values: Values::Float(ratio),
    });
    Ok(IndicatorTable {
        indicator: "justice_chain".into(),
        columns,
    })
}
