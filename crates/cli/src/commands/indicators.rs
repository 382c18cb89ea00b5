//! `evident indicators list|show`: the catalogue.

use clap::Subcommand;
use evident_engine::{CATALOGUE, Indicator, indicator};
use serde::Serialize;

use crate::output::{Output, UsageError};

#[derive(Debug, Subcommand)]
pub enum IndicatorsCommand {
    /// List every indicator of the catalogue.
    #[command(after_help = "Example:\n  evident indicators list\n  evident indicators list --json")]
    List,
    /// Show one indicator's definition, method and sources.
    #[command(after_help = "Example:\n  evident indicators show sdg_16_1_1")]
    Show {
        /// The indicator's id (see `evident indicators list`).
        id: String,
    },
}

#[derive(Serialize)]
struct IndicatorView {
    id: &'static str,
    title: &'static str,
    unit: &'static str,
    numerator: &'static str,
    denominator: Option<&'static str>,
    counting_unit: &'static str,
    dimensions: Vec<&'static str>,
    method: &'static str,
    source: &'static str,
    sdg_series: &'static [&'static str],
    kyoto_paragraphs: &'static [u16],
}

impl From<&'static Indicator> for IndicatorView {
    fn from(i: &'static Indicator) -> Self {
        IndicatorView {
            id: i.id,
            title: i.title,
            unit: i.unit,
            numerator: i.numerator,
            denominator: i.denominator,
            counting_unit: i.counting_unit,
            dimensions: i.dimensions.iter().map(|d| d.column()).collect(),
            method: i.method,
            source: i.source,
            sdg_series: i.sdg_series,
            kyoto_paragraphs: i.kyoto_paragraphs,
        }
    }
}

pub fn run(command: IndicatorsCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        IndicatorsCommand::List => {
            let views: Vec<IndicatorView> = CATALOGUE.iter().map(IndicatorView::from).collect();
            out.emit(&views, |w| {
                for v in &views {
                    let sdg = if v.sdg_series.is_empty() {
                        String::new()
                    } else {
                        format!("  [{}]", v.sdg_series.join(", "))
                    };
                    writeln!(w, "{:<18} {}{sdg}", v.id, v.title)?;
                }
                Ok(())
            })
        }
        IndicatorsCommand::Show { id } => {
            let Some(definition) = indicator(&id) else {
                let known: Vec<&str> = CATALOGUE.iter().map(|i| i.id).collect();
                return Err(UsageError(format!(
                    "unknown indicator {id:?}; the catalogue has: {}",
                    known.join(", ")
                ))
                .into());
            };
            let v = IndicatorView::from(definition);
            out.emit(&v, |w| {
                writeln!(w, "{}  {}", v.id, v.title)?;
                writeln!(w, "  unit:          {}", v.unit)?;
                writeln!(w, "  numerator:     {}", v.numerator)?;
                if let Some(d) = v.denominator {
                    writeln!(w, "  denominator:   {d}")?;
                }
                writeln!(w, "  counting unit: {}", v.counting_unit)?;
                writeln!(w, "  dimensions:    {}", v.dimensions.join(", "))?;
                if !v.sdg_series.is_empty() {
                    writeln!(w, "  SDG series:    {}", v.sdg_series.join(", "))?;
                }
                let paragraphs: Vec<String> =
                    v.kyoto_paragraphs.iter().map(u16::to_string).collect();
                writeln!(
                    w,
                    "  Kyoto Declaration paragraphs: {}",
                    paragraphs.join(", ")
                )?;
                writeln!(w, "  method: {}", v.method)?;
                writeln!(w, "  source: {}", v.source)?;
                Ok(())
            })
        }
    }
}
