//! Writes engine-shaped indicator tables of a synthetic country for the
//! release benchmark: `offences` (ICCS to divisions × regions and districts ×
//! months and the year, every total, zero cells omitted as the engine omits
//! them) and the `justice_chain`'s recorded offences by section, which share
//! the national section totals with it.
//!
//! ```text
//! synthetic_tables OUT_DIR OFFENCES_PER_YEAR [DISTRICTS] [REGIONS]
//! ```
//!
//! Counts are Poisson draws from a fixed seed: categories fall off with their
//! rank, district sizes vary tenfold, months by ±20 %. Every offence is its
//! own person (contributors = count). Writes `OUT_DIR/<indicator>.parquet`
//! and `OUT_DIR/areas.csv`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use evident_engine::{Column, IndicatorTable, Values};
use evident_iccs::{Level, iccs};
use evident_stats::{RateMethod, poisson_rate_interval};

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fixed generator, so the
/// benchmark's tables are the same on every run.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// A Poisson draw: Knuth's product of uniforms for small means, the normal
    /// approximation (Box-Muller) for large ones.
    fn poisson(&mut self, mean: f64) -> u64 {
        if mean < 30.0 {
            let limit = (-mean).exp();
            let mut k = 0;
            let mut p = self.uniform();
            while p > limit {
                k += 1;
                p *= self.uniform();
            }
            k
        } else {
            let z = (-2.0 * self.uniform().ln()).sqrt()
                * (std::f64::consts::TAU * self.uniform()).cos();
            (mean + mean.sqrt() * z).round().max(0.0) as u64
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        return Err(
            "usage: synthetic_tables OUT_DIR OFFENCES_PER_YEAR [DISTRICTS] [REGIONS]".to_owned(),
        );
    }
    let out = Path::new(&args[0]);
    let total: f64 = args[1]
        .parse()
        .map_err(|_| "OFFENCES_PER_YEAR must be a number")?;
    let districts: usize = args
        .get(2)
        .map_or(Ok(300), |a| a.parse())
        .map_err(|_| "DISTRICTS")?;
    let regions: usize = args
        .get(3)
        .map_or(Ok(20), |a| a.parse())
        .map_err(|_| "REGIONS")?;
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let mut rng = SplitMix(20_250_331);

    // Areas: districts spread evenly over regions.
    let region_of = |d: usize| d * regions / districts;
    let mut areas = String::from("area_code,name,level,parent_code\n");
    for r in 0..regions {
        areas.push_str(&format!("R{r:02},Region {r},1,\n"));
    }
    let size: Vec<f64> = (0..districts).map(|_| 0.3 + 2.7 * rng.uniform()).collect();
    let population: Vec<f64> = size.iter().map(|s| (s * 40_000.0).round()).collect();
    for d in 0..districts {
        areas.push_str(&format!("D{d:03},District {d},2,R{:02}\n", region_of(d)));
    }
    std::fs::write(out.join("areas.csv"), areas).map_err(|e| e.to_string())?;

    // Offence categories: the ICCS divisions (and sections without divisions).
    let categories: Vec<(&str, &str)> = iccs()
        .categories()
        .iter()
        .filter(|c| c.level == Level::Division)
        .map(|c| (c.code, c.section()))
        .collect();
    let weight: Vec<f64> = (0..categories.len())
        .map(|i| 1.0 / (1.0 + i as f64).powf(1.1))
        .collect();
    let (size_sum, weight_sum): (f64, f64) = (size.iter().sum(), weight.iter().sum());

    // (iccs, area, period) -> count, for every level of every dimension.
    let mut cells: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for (d, s) in size.iter().enumerate() {
        let district = format!("D{d:03}");
        let region = format!("R{:02}", region_of(d));
        for ((division, section), w) in categories.iter().zip(&weight) {
            for month in 1..=12u32 {
                let season = 1.0 + 0.2 * (std::f64::consts::TAU * f64::from(month) / 12.0).sin();
                let mean = total * s / size_sum * w / weight_sum / 12.0 * season;
                let n = rng.poisson(mean);
                if n == 0 {
                    continue;
                }
                for iccs in ["_T", section, division] {
                    for area in ["_T", region.as_str(), district.as_str()] {
                        for period in ["2024".to_owned(), format!("2024-{month:02}")] {
                            *cells
                                .entry((iccs.to_owned(), area.to_owned(), period))
                                .or_insert(0) += n;
                        }
                    }
                }
            }
        }
    }
    let population_of = |area: &str| -> f64 {
        match area {
            "_T" => population.iter().sum(),
            a if a.starts_with('R') => (0..districts)
                .filter(|&d| format!("R{:02}", region_of(d)) == a)
                .map(|d| population[d])
                .sum(),
            a => population[a[1..].parse::<usize>().unwrap_or(0)],
        }
    };
    let mut region_population: BTreeMap<String, f64> = BTreeMap::new();
    let level = |code: &str, section_len: usize| -> i64 {
        if code == "_T" {
            0
        } else if code.len() == section_len {
            1
        } else {
            2
        }
    };
    let (mut iccs_codes, mut area_codes, mut freq, mut period_codes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut iccs_level, mut area_level, mut counts, mut pops) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut rate, mut lower, mut upper) = (Vec::new(), Vec::new(), Vec::new());
    for ((iccs, area, period), n) in &cells {
        iccs_codes.push(iccs.clone());
        area_codes.push(area.clone());
        freq.push(if period.len() == 4 { "A" } else { "M" }.to_owned());
        period_codes.push(period.clone());
        iccs_level.push(Some(level(iccs, 2)));
        area_level.push(Some(level(area, 3)));
        counts.push(Some(*n as i64));
        let pop = *region_population
            .entry(area.clone())
            .or_insert_with(|| population_of(area));
        pops.push(Some(pop as i64));
        let r = poisson_rate_interval(*n, pop, 100_000.0, 0.95, RateMethod::ExactPoisson)
            .map_err(|e| e.to_string())?;
        rate.push(Some(r.rate));
        lower.push(Some(r.lower));
        upper.push(Some(r.upper));
    }
    let text = |name: &str, v: Vec<String>| Column {
        name: name.to_owned(),
        values: Values::Text(v.into_iter().map(Into::into).collect()),
    };
    let offences = IndicatorTable {
        indicator: "offences".to_owned(),
        columns: vec![
            text("iccs", iccs_codes),
            Column {
                name: "iccs_level".into(),
                values: Values::Int(iccs_level),
            },
            text("area", area_codes),
            Column {
                name: "area_level".into(),
                values: Values::Int(area_level),
            },
            text("freq", freq),
            text("period", period_codes),
            Column {
                name: "offences".into(),
                values: Values::Int(counts.clone()),
            },
            Column {
                name: "contributors".into(),
                values: Values::Int(counts),
            },
            Column {
                name: "population".into(),
                values: Values::Int(pops),
            },
            Column {
                name: "rate_per_100k".into(),
                values: Values::Float(rate),
            },
            Column {
                name: "rate_lower".into(),
                values: Values::Float(lower),
            },
            Column {
                name: "rate_upper".into(),
                values: Values::Float(upper),
            },
        ],
    };
    offences.write(out).map_err(|e| e.to_string())?;

    // The justice chain's first stage: the national section totals of the year.
    let sections: Vec<(&String, &u64)> = cells
        .iter()
        .filter(|((i, a, p), _)| a == "_T" && p == "2024" && i.len() <= 2)
        .map(|((i, _, _), n)| (i, n))
        .collect();
    let n = sections.len();
    let chain = IndicatorTable {
        indicator: "justice_chain".to_owned(),
        columns: vec![
            text("iccs", sections.iter().map(|(i, _)| (*i).clone()).collect()),
            Column {
                name: "iccs_level".into(),
                values: Values::Int(sections.iter().map(|(i, _)| Some(level(i, 2))).collect()),
            },
            text("freq", vec!["A".to_owned(); n]),
            text("period", vec!["2024".to_owned(); n]),
            text("stage", vec!["recorded".to_owned(); n]),
            Column {
                name: "count".into(),
                values: Values::Int(sections.iter().map(|(_, c)| Some(**c as i64)).collect()),
            },
            text("counting_unit", vec!["offence".to_owned(); n]),
            Column {
                name: "contributors".into(),
                values: Values::Int(sections.iter().map(|(_, c)| Some(**c as i64)).collect()),
            },
            Column {
                name: "pct_of_previous_stage".into(),
                values: Values::Float(vec![None; n]),
            },
        ],
    };
    chain.write(out).map_err(|e| e.to_string())?;
    for extension in ["csv"] {
        for table in ["offences", "justice_chain"] {
            let _ = std::fs::remove_file(out.join(format!("{table}.{extension}")));
        }
    }
    println!(
        "{} offence cells (non-zero), {} offences in 2024",
        cells.len(),
        cells
            .get(&("_T".into(), "_T".into(), "2024".into()))
            .copied()
            .unwrap_or(0)
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("synthetic_tables: {e}");
            ExitCode::FAILURE
        }
    }
}
