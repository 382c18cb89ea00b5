//! A synthetic country with known answers.
//!
//! This crate owns the generator of the Republic of Valmora: a deterministic
//! data set shaped like the raw files a statistics office receives from the
//! police, the courts, the prison administration and the census office, with
//! the office's own national offence code list and correspondence table to
//! the ICCS, a known share of dirty rows, and injected effects (a burglary
//! prevention programme, an emerging threat, a reoffending rate) that later
//! stages must recover. `truth.json` records every parameter, every effect and
//! the exact dirty-row counts.
//!
//! It deliberately knows nothing about the canonical store, ingest schemas or
//! indicators: it writes raw files in the agencies' own column names,
//! encodings and date formats, as described in `docs/synthetic-country.md`.
//! The same [`CountrySpec`] gives the same bytes, whatever the number of
//! threads.
//!
//! ```no_run
//! use evident_synthetic::{CountrySpec, generate};
//! let spec = CountrySpec { offences: 20_000, ..CountrySpec::default() };
//! let summary = generate(&spec, std::path::Path::new("out"), &|_| {})?;
//! println!("{} files", summary.files.len());
//! # Ok::<(), evident_synthetic::GenerateError>(())
//! ```

mod codes;
mod country;
mod date;
mod files;
mod justice;
mod model;
mod offences;
mod people;
mod profiles;
mod rng;
mod text;
mod truth;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::country::{Country, Period};
use crate::files::Output;
use crate::justice::JusticeSim;
use crate::model::Model;
use crate::offences::{
    ChunkOutput, ChunkPlan, ChunkStats, Context, DIRT_DUPLICATE, PERSON_DIRT, POLICE_DIRT,
    generate_chunk,
};
use crate::rng::{Alias, Rng};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountrySpec {
    /// Offences occurring in the period (those not yet recorded at the
    /// extraction date are absent from the files, as in real extracts).
    pub offences: u64,
    /// Master seed: the same seed gives byte-identical files.
    pub seed: u64,
    /// First calendar year of the period.
    pub start_year: i32,
    /// Number of calendar years (at least 2, so effects have a before and an after).
    pub years: u32,
    /// Residents at the start of the period.
    pub population: u64,
    /// Worker threads; 0 means one per available core. Does not change the output.
    pub threads: usize,
}

impl Default for CountrySpec {
    /// 200,000 offences, seed 42, 2019–2024, 4.2 million residents.
    fn default() -> Self {
        CountrySpec {
            offences: 200_000,
            seed: 42,
            start_year: 2019,
            years: 6,
            population: 4_200_000,
            threads: 0,
        }
    }
}

/// The part of the work a progress report refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Police offences, victims, suspects and court decisions (done/total = offences).
    Offences,
    /// Prison movements and facilities.
    Prisons,
    /// Area register, population, code list, correspondence tables and truth.
    Reference,
}

/// A progress report: `done` out of `total` units of the current stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// What is being done.
    pub stage: Stage,
    /// Units finished.
    pub done: u64,
    /// Units in the stage.
    pub total: u64,
}

/// One file written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    /// Path relative to the output directory.
    pub path: PathBuf,
    /// Data rows (without the header), dirty rows included.
    pub rows: u64,
    /// Size on disk.
    pub bytes: u64,
}

/// Dirty rows of one kind in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirtyCount {
    /// File name relative to the output directory.
    pub file: String,
    /// `malformed_date`, `unknown_offence_code`, `unknown_district`, `missing_required`,
    /// `duplicate`, `invalid_utf8` or `ragged`.
    pub kind: String,
    /// Number of such rows in the file.
    pub rows: u64,
}

/// What was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Every file written, `truth.json` last.
    pub files: Vec<FileSummary>,
    /// Offences drawn for the period.
    pub offences_generated: u64,
    /// Of those, recorded by the extraction date (clean rows of the police file).
    pub offences_recorded: u64,
    /// Dirty rows by file and kind (the same numbers as `truth.json`).
    pub dirty: Vec<DirtyCount>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The specification cannot describe a country.
    #[error("invalid {field}: {reason}")]
    InvalidSpec {
        /// The field of [`CountrySpec`].
        field: &'static str,
        /// What is allowed.
        reason: String,
    },
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A text cannot be represented in the file's encoding.
    #[error("{}: character {character:?} has no Windows-1252 encoding", path.display())]
    Encoding {
        /// The file.
        path: PathBuf,
        /// The character without an encoding.
        character: char,
    },
}

impl CountrySpec {
    fn validate(&self) -> Result<(), GenerateError> {
        let invalid = |field, reason: &str| {
            Err(GenerateError::InvalidSpec {
                field,
                reason: reason.to_string(),
            })
        };
        if self.offences == 0 || self.offences > 1_000_000_000 {
            return invalid("offences", "must be between 1 and 1,000,000,000");
        }
        if !(2..=30).contains(&self.years) {
            return invalid("years", "must be between 2 and 30");
        }
        if !(1950..=2200).contains(&self.start_year) {
            return invalid("start_year", "must be between 1950 and 2200");
        }
        if !(10_000..=2_000_000_000).contains(&self.population) {
            return invalid("population", "must be between 10,000 and 2,000,000,000");
        }
        if self.threads > 256 {
            return invalid("threads", "must be at most 256");
        }
        Ok(())
    }
}

/// One row of the true correspondence between Valmora's national offence codes and the ICCS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrespondenceRow {
    /// The national code (`PC-111`).
    pub national_code: &'static str,
    /// Its official title.
    pub title: &'static str,
    /// The true ICCS code.
    pub iccs_code: &'static str,
    /// When the row applies, in the syntax of `docs/correspondence-tables.md` (empty: always).
    pub condition: String,
    /// The reasoning, for reviewers.
    pub note: &'static str,
    /// Whether the office's shipped `correspondence.csv` contains the code.
    pub in_shipped_table: bool,
}

/// The national code list with its true correspondence, as written to
/// `truth/correspondence_true.csv` (the same for every seed).
pub fn true_correspondence() -> Vec<CorrespondenceRow> {
    codes::CODES
        .iter()
        .flat_map(|c| {
            c.map.iter().map(move |m| CorrespondenceRow {
                national_code: c.code,
                title: c.title,
                iccs_code: m.iccs,
                condition: m.cond.render(),
                note: m.note,
                in_shipped_table: !codes::OMITTED_FROM_SHIPPED_TABLE.contains(&c.code),
            })
        })
        .collect()
}

/// Dirty police rows per offence, by kind (see `POLICE_DIRT`): 0.85 % in all.
const POLICE_DIRT_RATE: [f64; 7] = [0.0015, 0.0015, 0.0010, 0.0015, 0.0020, 0.0005, 0.0005];
/// Dirty person rows per offence, by kind (see `PERSON_DIRT`).
const PERSON_DIRT_RATE: [f64; 2] = [0.0012, 0.0006];
/// Months simulated before the period so that prisons and the offender pool
/// are in a steady state at the start: all offences for the last two years,
/// only long-sentence offences before that.
const BURN_IN_MONTHS: i32 = 144;
const BURN_IN_ALL_CODES: i32 = 24;
const STREAM_PLAN: u64 = 0x504C_414E;

/// Writes the synthetic country into `out_dir` (created if missing; files are overwritten).
pub fn generate(
    spec: &CountrySpec,
    out_dir: &Path,
    progress: &dyn Fn(Progress),
) -> Result<Summary, GenerateError> {
    spec.validate()?;
    let started = Instant::now();
    for dir in [out_dir.to_path_buf(), out_dir.join("truth")] {
        std::fs::create_dir_all(&dir).map_err(|source| GenerateError::Io {
            path: dir.clone(),
            source,
        })?;
    }
    let start = date::day(spec.start_year, 1, 1);
    let end_year = spec.start_year + spec.years as i32 - 1;
    let end = date::day(end_year, 12, 31);
    let period = Period {
        start_year: spec.start_year,
        years: spec.years,
        start,
        end,
        extraction: end + 31,
    };
    let model = Model::new(Country::new(spec.start_year, spec.population), period);
    let ctx = Context::new(&model, spec.seed, spec.offences);
    let plans = plan_chunks(&model, spec);

    let mut police = Output::create(out_dir, files::POLICE_OFFENCES)?;
    let mut persons = Output::create(out_dir, files::POLICE_PERSONS)?;
    let mut court = Output::create(out_dir, files::COURT_DECISIONS)?;
    let mut justice = JusticeSim::new(&ctx);
    let mut stats = ChunkStats::default();
    let mut done = 0u64;

    let threads = match spec.threads {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        n => n,
    }
    .clamp(1, plans.len().max(1));

    let mut handle = |plan: &ChunkPlan, mut chunk: ChunkOutput| -> Result<(), GenerateError> {
        police.write(&chunk.offences)?;
        persons.write(&chunk.persons)?;
        justice.process(&mut chunk.cases);
        persons.write(&justice.persons)?;
        justice.persons.clear();
        court.write(&justice.court)?;
        justice.court.clear();
        if !plan.burn_in {
            stats.add(&chunk.stats);
            done += chunk.stats.generated;
            progress(Progress {
                stage: Stage::Offences,
                done,
                total: spec.offences,
            });
        }
        Ok(())
    };

    let abort = AtomicBool::new(false);
    let next = AtomicUsize::new(0);
    let result: Result<(), GenerateError> = std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<(usize, ChunkOutput)>(threads * 2);
        for _ in 0..threads {
            let tx = tx.clone();
            let (ctx, plans, abort, next) = (&ctx, &plans, &abort, &next);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= plans.len() || abort.load(Ordering::Relaxed) {
                        break;
                    }
                    if tx.send((i, generate_chunk(ctx, &plans[i]))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Chunks finish in any order; they are written in month order.
        let mut pending = BTreeMap::new();
        let mut want = 0;
        for (i, chunk) in rx {
            pending.insert(i, chunk);
            while let Some(chunk) = pending.remove(&want) {
                if let Err(e) = handle(&plans[want], chunk) {
                    abort.store(true, Ordering::Relaxed);
                    return Err(e);
                }
                want += 1;
            }
        }
        Ok(())
    });
    result?;

    justice.finish();
    police.rows = stats.offence_rows;
    persons.rows = stats.person_rows + justice.suspect_rows;
    court.rows = justice.court_rows + justice.court_dirt.iter().sum::<u64>();
    progress(Progress {
        stage: Stage::Prisons,
        done: 0,
        total: 2,
    });

    let mut prison = Output::create(out_dir, files::PRISON_MOVEMENTS)?;
    let (prison_body, prison_rows, prison_duplicates) = justice.prison_rows();
    prison.write(&prison_body)?;
    prison.rows = prison_rows + prison_duplicates;
    drop(prison_body);
    let prisons = truth::prison_truth(&justice, &model);
    let facilities = files::write_facilities(out_dir, &model.country, &prisons.capacities)?;
    progress(Progress {
        stage: Stage::Prisons,
        done: 2,
        total: 2,
    });

    let mut outputs = vec![police, persons, court, prison, facilities];
    outputs.push(files::write_areas(out_dir, &model.country)?);
    outputs.push(files::write_population(out_dir, &model.country, &period)?);
    outputs.push(files::write_code_list(out_dir, &period)?);
    outputs.push(files::write_correspondence(out_dir, true)?);
    outputs.push(files::write_correspondence(out_dir, false)?);

    let mut dirty = Vec::new();
    for (k, kind) in POLICE_DIRT.iter().enumerate() {
        dirty.push(DirtyCount {
            file: files::POLICE_OFFENCES.path.into(),
            kind: (*kind).into(),
            rows: stats.police_dirt[k],
        });
    }
    for (k, kind) in PERSON_DIRT.iter().enumerate() {
        dirty.push(DirtyCount {
            file: files::POLICE_PERSONS.path.into(),
            kind: (*kind).into(),
            rows: stats.person_dirt[k],
        });
    }
    for (k, kind) in justice::COURT_DIRT.iter().enumerate() {
        dirty.push(DirtyCount {
            file: files::COURT_DECISIONS.path.into(),
            kind: (*kind).into(),
            rows: justice.court_dirt[k],
        });
    }
    dirty.push(DirtyCount {
        file: files::PRISON_MOVEMENTS.path.into(),
        kind: justice::PRISON_DIRT[0].into(),
        rows: prison_duplicates,
    });

    let mut summaries = Vec::new();
    for output in outputs {
        let layout = output.layout;
        let (_, rows, bytes) = output.finish()?;
        summaries.push((layout, rows, bytes));
    }
    let truth_path = out_dir.join("truth.json");
    let truth = truth::build(&truth::Inputs {
        spec,
        model: &model,
        stats: &stats,
        justice: &justice,
        prisons: &prisons,
        files: &summaries,
        dirty: &dirty,
        burn_in_months: BURN_IN_MONTHS,
    });
    let text = serde_json::to_string_pretty(&truth).map_err(|e| GenerateError::Io {
        path: truth_path.clone(),
        source: std::io::Error::other(e),
    })?;
    std::fs::write(&truth_path, text.as_bytes()).map_err(|source| GenerateError::Io {
        path: truth_path.clone(),
        source,
    })?;
    progress(Progress {
        stage: Stage::Reference,
        done: 1,
        total: 1,
    });

    let mut files: Vec<FileSummary> = summaries
        .iter()
        .map(|(layout, rows, bytes)| FileSummary {
            path: PathBuf::from(layout.path),
            rows: *rows,
            bytes: *bytes,
        })
        .collect();
    files.push(FileSummary {
        path: PathBuf::from("truth.json"),
        rows: 0,
        bytes: text.len() as u64,
    });
    Ok(Summary {
        files,
        offences_generated: stats.generated,
        offences_recorded: stats.recorded,
        dirty,
        elapsed: started.elapsed(),
    })
}

/// Splits the offences over months (multinomial on the model's monthly
/// intensity), adds the burn-in months, spreads the dirty rows over months and
/// numbers the records year by year.
fn plan_chunks(model: &Model, spec: &CountrySpec) -> Vec<ChunkPlan> {
    let months = model.period.months();
    let weights: Vec<f64> = (0..months)
        .map(|t| model.code_weights(t).iter().sum())
        .collect();
    let mut counts = vec![0u64; months as usize];
    if let Some(alias) = Alias::new(&weights) {
        let mut rng = Rng::stream(spec.seed, &[STREAM_PLAN]);
        for _ in 0..spec.offences {
            counts[alias.sample(&mut rng)] += 1;
        }
    }
    let total_weight: f64 = weights.iter().sum();
    let mut plans = Vec::with_capacity((months + BURN_IN_MONTHS) as usize);
    for t in -BURN_IN_MONTHS..0 {
        let long_only = t < -BURN_IN_ALL_CODES;
        let w: f64 = model
            .code_weights(t)
            .iter()
            .zip(codes::CODES)
            .filter(|(_, c)| !long_only || model::long_custody(c))
            .map(|(w, _)| w)
            .sum();
        let count = (spec.offences as f64 * w / total_weight.max(f64::MIN_POSITIVE)).round() as u64;
        plans.push(ChunkPlan {
            t,
            count,
            first_seq: 0,
            police_dirt: [0; 7],
            person_dirt: [0; 2],
            burn_in: true,
            long_only,
        });
    }
    let police_dirt: Vec<Vec<u64>> = POLICE_DIRT_RATE
        .iter()
        .map(|r| spread((spec.offences as f64 * r).round() as u64, &counts))
        .collect();
    let person_dirt: Vec<Vec<u64>> = PERSON_DIRT_RATE
        .iter()
        .map(|r| spread((spec.offences as f64 * r).round() as u64, &counts))
        .collect();
    for t in 0..months {
        let i = t as usize;
        let mut plan = ChunkPlan {
            t,
            count: counts[i],
            first_seq: 0,
            police_dirt: [0; 7],
            person_dirt: [0; 2],
            burn_in: false,
            long_only: false,
        };
        for (slot, per_month) in plan.police_dirt.iter_mut().zip(&police_dirt) {
            *slot = per_month[i];
        }
        for (slot, per_month) in plan.person_dirt.iter_mut().zip(&person_dirt) {
            *slot = per_month[i];
        }
        plans.push(plan);
    }
    // Record numbers restart every year of occurrence.
    let mut next: BTreeMap<i32, u64> = BTreeMap::new();
    for plan in &mut plans {
        let year = model.month(plan.t).2;
        let n = next.entry(year).or_insert(1);
        plan.first_seq = *n;
        *n += plan.numbers();
    }
    debug_assert!(POLICE_DIRT.len() == 7 && DIRT_DUPLICATE < 7);
    plans
}

/// Splits `total` over months in proportion to `weights` by largest remainder.
fn spread(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u64 = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights
        .iter()
        .map(|w| total as f64 * *w as f64 / sum as f64)
        .collect();
    let mut out: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let mut left = total - out.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|a, b| {
        let ra = exact[*a] - exact[*a].floor();
        let rb = exact[*b] - exact[*b].floor();
        rb.total_cmp(&ra).then(a.cmp(b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_spread() {
        // 10 over weights 1:1:1 → exact 3.33 each; floors 3,3,3, one left for the first (ties by index).
        assert_eq!(spread(10, &[5, 5, 5]), vec![4, 3, 3]);
        // 7 over 1:2:4 → exact 1, 2, 4.
        assert_eq!(spread(7, &[1, 2, 4]), vec![1, 2, 4]);
        assert_eq!(spread(3, &[0, 0]), vec![0, 0]);
    }

    #[test]
    fn spec_validation() {
        assert!(CountrySpec::default().validate().is_ok());
        let bad = CountrySpec {
            years: 1,
            ..CountrySpec::default()
        };
        assert!(matches!(
            bad.validate(),
            Err(GenerateError::InvalidSpec { field: "years", .. })
        ));
        let bad = CountrySpec {
            offences: 0,
            ..CountrySpec::default()
        };
        assert!(matches!(
            bad.validate(),
            Err(GenerateError::InvalidSpec {
                field: "offences",
                ..
            })
        ));
    }
}
