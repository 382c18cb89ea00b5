//! Population denominators at every level of the area, sex and age hierarchies.

use std::collections::{BTreeSet, HashMap};

use datafusion::arrow::array::Array;

use crate::cube::{TOTAL, float_column, int_column, text_column};
use crate::error::Result;
use crate::session::Engine;
use crate::tables::{AREAS, POPULATION};

/// Resident population by area (district, region or `_T`), year, sex and age
/// group (each possibly `_T`).
#[derive(Debug, Default)]
pub struct Population {
    by_key: HashMap<(String, i32, String, String), f64>,
    years: BTreeSet<i32>,
}

impl Population {
    /// Loads the population table and adds up every total.
    pub async fn load(engine: &Engine) -> Result<Population> {
        let sql = format!(
            "SELECT p.area_code, COALESCE(a.parent_code, '_U') AS region, \
                    CAST(p.year AS BIGINT) AS year, p.sex, p.age_group, \
                    CAST(p.population AS DOUBLE) AS population \
             FROM {POPULATION} p LEFT JOIN {AREAS} a ON p.area_code = a.area_code"
        );
        let mut population = Population::default();
        for batch in engine.query(&sql).await? {
            let district = text_column(&batch, 0)?;
            let region = text_column(&batch, 1)?;
            let years = int_column(&batch, 2)?;
            let sex = text_column(&batch, 3)?;
            let age = text_column(&batch, 4)?;
            let values = float_column(&batch, 5)?;
            for row in 0..batch.num_rows() {
                if values.is_null(row) || years.is_null(row) {
                    continue;
                }
                let year = years.value(row) as i32;
                population.years.insert(year);
                for area in [district.value(row), region.value(row), TOTAL] {
                    for s in [sex.value(row), TOTAL] {
                        for a in [age.value(row), TOTAL] {
                            *population
                                .by_key
                                .entry((area.to_owned(), year, s.to_owned(), a.to_owned()))
                                .or_insert(0.0) += values.value(row);
                        }
                    }
                }
            }
        }
        Ok(population)
    }

    /// The population for a cell; for a year without figures, the latest earlier
    /// year's (population estimates usually lag the crime data).
    pub fn get(&self, area: &str, year: i32, sex: &str, age: &str) -> Option<f64> {
        let year = *self.years.range(..=year).next_back()?;
        self.by_key
            .get(&(area.to_owned(), year, sex.to_owned(), age.to_owned()))
            .copied()
            .filter(|p| *p > 0.0)
    }

    /// Whether any population figures were loaded.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}
