//! `truth.json`: every parameter and injected effect, with what was realised,
//! so that tests of later stages can check what they recover.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::codes::{CODES, OMITTED_FROM_SHIPPED_TABLE, UNKNOWN_CODES};
use crate::country::AGE_GROUPS;
use crate::date::{self, Day};
use crate::files::{self, Layout};
use crate::justice::{self, FOLLOW_UP_DAYS, JusticeSim, REOFFEND_SHARE, TIME_SERVED, WAITING_DAYS};
use crate::model::Model;
use crate::offences::{
    ChunkStats, EXPLOITATION_WORDS, LOCATION_WORDS, OCCUPATION_WORDS, RELATIONSHIP_WORDS,
    WEAPON_WORDS,
};
use crate::profiles::Family;
use crate::{CountrySpec, DirtyCount};

/// Facility capacities and the prison stock on reference dates.
pub(crate) struct PrisonTruth {
    /// (facility, capacity, valid from).
    pub capacities: Vec<(usize, u64, Day)>,
    /// (date, unsentenced, sentenced) for the whole country.
    pub stock: Vec<(Day, u64, u64)>,
    /// Mean stock per facility over the month ends of the first year.
    pub mean_first_year: Vec<f64>,
}

/// Facility that opens a new wing, and when (months after the start).
const EXPANDED_FACILITY: usize = 3;
const EXPANSION_MONTH: i32 = 42;
const EXPANSION: f64 = 1.25;

pub(crate) fn prison_truth(sim: &JusticeSim, model: &Model) -> PrisonTruth {
    let country = &model.country;
    let period = model.period;
    let n = country.facilities.len();
    let mut mean = vec![0.0; n];
    let month_ends: Vec<Day> = (0..12)
        .map(|m| {
            let (y, mo) = date::month_of(period.start_year, m);
            date::day(y, mo, date::days_in_month(y, mo))
        })
        .collect();
    for stock in sim.stock_on(&month_ends, n) {
        for (f, s) in stock.iter().enumerate() {
            mean[f] += (s[0] + s[1]) as f64 / 12.0;
        }
    }
    let opened = date::day(period.start_year - 10, 1, 1);
    let mut capacities = Vec::new();
    for (f, facility) in country.facilities.iter().enumerate() {
        let capacity = (mean[f] / facility.occupancy).round().max(10.0) as u64;
        capacities.push((f, capacity, opened));
        if f == EXPANDED_FACILITY {
            let (y, mo) = date::month_of(period.start_year, EXPANSION_MONTH);
            capacities.push((
                f,
                (capacity as f64 * EXPANSION).round() as u64,
                date::day(y, mo, 1),
            ));
        }
    }
    let mut dates = vec![period.start - 1];
    for y in period.start_year..period.start_year + period.years as i32 {
        dates.push(date::day(y, 12, 31));
    }
    dates.push(period.extraction);
    let stock = dates
        .iter()
        .zip(sim.stock_on(&dates, n))
        .map(|(d, s)| {
            (
                *d,
                s.iter().map(|x| x[0]).sum(),
                s.iter().map(|x| x[1]).sum(),
            )
        })
        .collect();
    PrisonTruth {
        capacities,
        stock,
        mean_first_year: mean,
    }
}

pub(crate) struct Inputs<'a> {
    pub spec: &'a CountrySpec,
    pub model: &'a Model,
    pub stats: &'a ChunkStats,
    pub justice: &'a JusticeSim<'a>,
    pub prisons: &'a PrisonTruth,
    pub files: &'a [(Layout, u64, u64)],
    pub dirty: &'a [DirtyCount],
    pub burn_in_months: i32,
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn month_text(model: &Model, t: i32) -> String {
    let (y, m) = date::month_of(model.period.start_year, t);
    format!("{y}-{m:02}")
}

pub(crate) fn build(i: &Inputs) -> Value {
    let model = i.model;
    let country = &model.country;
    let period = model.period;
    let stats = i.stats;
    let years: Vec<i32> = (period.start_year..period.start_year + period.years as i32).collect();

    // Files and dirty rows.
    let mut files_json = Map::new();
    for (layout, rows, bytes) in i.files {
        let dirty_rows: u64 = i
            .dirty
            .iter()
            .filter(|d| d.file == layout.path)
            .map(|d| d.rows)
            .sum();
        files_json.insert(
            layout.path.to_string(),
            json!({
                "agency": layout.agency,
                "encoding": layout.encoding,
                "bom": layout.bom,
                "line_end": layout.line_end,
                "delimiter": layout.delimiter,
                "date_format": layout.date_format,
                "header": layout.header,
                "rows": rows,
                "dirty_rows": dirty_rows,
                "clean_rows": rows - dirty_rows,
                "bytes": bytes,
            }),
        );
    }
    let mut dirty_json = Map::new();
    for d in i.dirty {
        let entry = dirty_json
            .entry(d.file.clone())
            .or_insert_with(|| json!({"kinds": {}}));
        entry["kinds"][&d.kind] = json!(d.rows);
    }
    for (file, entry) in dirty_json.iter_mut() {
        let total: u64 = i
            .dirty
            .iter()
            .filter(|d| &d.file == file)
            .map(|d| d.rows)
            .sum();
        let rows = i
            .files
            .iter()
            .find(|f| f.0.path == file)
            .map(|f| f.1)
            .unwrap_or(0);
        entry["total"] = json!(total);
        entry["rows"] = json!(rows);
        entry["share"] = json!(if rows > 0 {
            round6(total as f64 / rows as f64)
        } else {
            0.0
        });
    }

    // Codes and volumes.
    let total_share: f64 = CODES.iter().map(|c| c.share).sum();
    let mut by_code = Map::new();
    let mut by_iccs: BTreeMap<&str, u64> = BTreeMap::new();
    let mut offset = 0;
    for (k, c) in CODES.iter().enumerate() {
        let rows: Vec<Value> = c
            .map
            .iter()
            .enumerate()
            .map(|(r, m)| {
                let n = stats.by_code_row.get(offset + r).copied().unwrap_or(0);
                *by_iccs.entry(m.iccs).or_default() += n;
                json!({"iccs_code": m.iccs, "condition": m.cond.render(), "records": n})
            })
            .collect();
        offset += c.map.len();
        let j = c.profile.justice;
        let counts = &i.justice.counts;
        let custody_mean = if counts.custody[k] > 0 {
            round6(counts.custody_tenths[k] as f64 / 10.0 / counts.custody[k] as f64)
        } else {
            0.0
        };
        let custody_rate = j.sentence[0];
        by_code.insert(
            c.code.to_string(),
            json!({
                "title": c.title,
                "family": c.profile.family.name(),
                "share_percent": round6(c.share / total_share * 100.0),
                "in_force_from": date::iso(files::in_force_from(c, &period)),
                "in_force_to": files::in_force_to(c, &period).map(date::iso),
                "records": stats.by_code.get(k).copied().unwrap_or(0),
                "correspondence": rows,
                "tags": {"attempted_share": c.profile.attempted, "cyber_share": c.profile.cyber},
                "justice": {
                    "clearance": c.profile.clearance,
                    "prosecution": j.prosecute,
                    "conviction": j.convict,
                    "acquittal": j.acquit,
                    "dismissal": round6(1.0 - j.convict - j.acquit),
                    "sentence_mix": {
                        "custody": j.sentence[0], "suspended": j.sentence[1], "community": j.sentence[2],
                        "fine": j.sentence[3], "other": j.sentence[4]
                    },
                    "median_custody_months": j.custody_months,
                    "custody_sigma": j.custody_sigma,
                    "mean_custody_months": round6(j.mean_custody_months()),
                    "severity_weight_months": round6(custody_rate * j.mean_custody_months()),
                    "remand": j.remand,
                    "realised": {
                        "prosecuted": counts.prosecuted[k],
                        "decided": counts.decided[k],
                        "convicted": counts.convicted[k],
                        "custody": counts.custody[k],
                        "mean_custody_months": custody_mean,
                    }
                }
            }),
        );
    }

    let mut rhythm = Map::new();
    for f in Family::ALL {
        let r = f.rhythm();
        let w = &model.weekday[f.index()];
        rhythm.insert(
            f.name().to_string(),
            json!({
                "seasonal_amplitude": r.seasonal_amplitude,
                "peak_month": r.peak_month,
                "weekday_factors_mon_to_sun": w.iter().map(|x| round6(*x)).collect::<Vec<_>>(),
                "trend_per_year": r.trend,
                "recording_lag": r.lag,
                "codes": CODES.iter().filter(|c| c.profile.family == f).map(|c| c.code).collect::<Vec<_>>(),
            }),
        );
    }

    // Effects.
    let p = &model.programme;
    let treated: Vec<&str> = p
        .districts
        .iter()
        .map(|d| country.districts[*d].code.as_str())
        .collect();
    let (py, pm) = date::month_of(period.start_year, p.start_month);
    let e = &model.emerging;
    let (ey, em) = date::month_of(period.start_year, e.start_month);
    let complete_until = period.extraction - FOLLOW_UP_DAYS - WAITING_DAYS;
    let cohorts: Vec<Value> = justice::cohorts(
        &i.justice.index_log,
        period.start_year,
        period.start_year + period.years as i32 - 1,
    )
    .into_iter()
    .map(|(year, persons, reoffenders)| {
        json!({
            "year": year,
            "persons": persons,
            "reoffenders": reoffenders,
            "share": if persons > 0 { round6(reoffenders as f64 / persons as f64) } else { 0.0 },
            "complete": date::day(year, 12, 31) <= complete_until,
        })
    })
    .collect();
    let flagged = i.justice.index_log.iter().filter(|e| e.flagged).count();
    let reoffended = i.justice.index_log.iter().filter(|e| e.reoffended).count();

    // Prisons.
    let facilities: Vec<Value> = i
        .prisons
        .capacities
        .iter()
        .map(|(f, capacity, from)| {
            let facility = &country.facilities[*f];
            json!({
                "id": facility.id,
                "name": facility.name,
                "region": country.regions[facility.region].code,
                "capacity": capacity,
                "valid_from": date::iso(*from),
                "serves_regions": facility.serves.iter().map(|r| country.regions[*r].code.clone()).collect::<Vec<_>>(),
                "holds_women": *f == crate::country::WOMENS_FACILITY,
                "target_occupancy": facility.occupancy,
                "mean_stock_first_year": round6(i.prisons.mean_first_year[*f]),
            })
        })
        .collect();
    let stock: Vec<Value> = i
        .prisons
        .stock
        .iter()
        .map(|(d, u, s)| {
            json!({
                "date": date::iso(*d),
                "unsentenced": u,
                "sentenced": s,
                "unsentenced_share": if u + s > 0 { round6(*u as f64 / (u + s) as f64) } else { 0.0 },
            })
        })
        .collect();

    // Victims.
    let sexes = ["M", "F", "X", "U"];
    let mut hom_sex = Map::new();
    let mut hom_age = Map::new();
    for (s, name) in sexes.iter().enumerate() {
        hom_sex.insert(
            name.to_string(),
            json!(stats.homicide_victims[s].iter().sum::<u64>()),
        );
    }
    for (g, label) in AGE_GROUPS.iter().chain(&["U"]).enumerate() {
        hom_age.insert(
            label.to_string(),
            json!((0..4).map(|s| stats.homicide_victims[s][g]).sum::<u64>()),
        );
    }
    let hom_total: u64 = stats.homicide_victims.iter().flatten().sum();
    let mut hom_rate = Map::new();
    for y in &years {
        let n = stats.homicide_by_year.get(y).copied().unwrap_or(0);
        let pop = country.national_total(*y);
        hom_rate.insert(y.to_string(), json!({"victims": n, "population": pop, "rate_per_100000": round6(n as f64 / pop as f64 * 1e5)}));
    }
    let forms = ["sexual", "forced_labour", "organ_removal", "other"];
    let mut trafficking = Map::new();
    for (f, name) in forms.iter().enumerate() {
        let mut by_sex = Map::new();
        for (s, sex) in sexes.iter().enumerate() {
            by_sex.insert(sex.to_string(), json!(stats.trafficking_victims[f][s]));
        }
        trafficking.insert(
            name.to_string(),
            json!({"raw_value": EXPLOITATION_WORDS[f], "victims": stats.trafficking_victims[f].iter().sum::<u64>(), "by_sex": by_sex}),
        );
    }
    let occupations = [
        "journalist",
        "media_worker",
        "trade_unionist",
        "human_rights_defender",
        "other",
        "U",
    ];
    let mut killed = Map::new();
    for (k, name) in occupations.iter().enumerate() {
        killed.insert(name.to_string(), json!(stats.homicide_occupation[k]));
    }

    let population: Map<String, Value> = years
        .iter()
        .map(|y| (y.to_string(), json!(country.national_total(*y))))
        .collect();
    let (suspects, repeat_suspects) = i.justice.suspect_counts();
    let lag_bands = [
        "same_day",
        "1_to_7_days",
        "8_to_30_days",
        "31_to_90_days",
        "over_90_days",
    ];
    let lag_json: Map<String, Value> = lag_bands
        .iter()
        .enumerate()
        .map(|(k, b)| (b.to_string(), json!(stats.lag_bands[k])))
        .collect();

    json!({
        "generator": {
            "crate": "evident-synthetic",
            "version": env!("CARGO_PKG_VERSION"),
            "seed": i.spec.seed,
            "offences": i.spec.offences,
            "note": "the same seed and parameters give byte-identical files, whatever the number of threads",
        },
        "country": {
            "name": "Republic of Valmora",
            "nationality_code": crate::country::NATIONAL,
            "regions": country.regions.len(),
            "districts": country.districts.len(),
            "population_by_year": population,
            "area_code_format": "region: 2 digits (01-20); district: region code + 3 digits (01001)",
        },
        "period": {
            "start": date::iso(period.start),
            "end": date::iso(period.end),
            "extraction_date": date::iso(period.extraction),
            "burn_in_months_simulated_before_start": i.burn_in_months,
        },
        "files": files_json,
        "dirty_rows": dirty_json,
        "codes": {
            "count": CODES.len(),
            "unknown_codes_in_dirty_rows": UNKNOWN_CODES,
            "omitted_from_shipped_correspondence": OMITTED_FROM_SHIPPED_TABLE,
            "introduced_during_period": CODES.iter().filter(|c| c.from_month.is_some()).map(|c| json!({"code": c.code, "in_force_from": date::iso(files::in_force_from(c, &period))})).collect::<Vec<_>>(),
            "repealed_during_period": CODES.iter().filter(|c| c.to_month.is_some()).map(|c| json!({"code": c.code, "in_force_to": files::in_force_to(c, &period).map(date::iso)})).collect::<Vec<_>>(),
            "by_code": by_code,
        },
        "volumes": {
            "offences_generated": stats.generated,
            "offences_recorded_by_extraction": stats.recorded,
            "not_yet_recorded_at_extraction": stats.generated - stats.recorded,
            "records_by_true_iccs": by_iccs,
            "recorded_by_lag": lag_json,
            "model": "Poisson intensity share_c × season_f(month) × (1+trend_f)^((t+0.5)/12) × weekday_f × population_d × crime_factor_d × effects, conditioned on the total",
        },
        "families": rhythm,
        "effects": {
            "programme": {
                "description": "crime-prevention programme lowering burglary in treated districts",
                "iccs_code": "0501",
                "national_codes": p.codes.iter().map(|c| CODES[*c].code).collect::<Vec<_>>(),
                "treated_districts": treated,
                "start_date": date::iso(date::day(py, pm, 1)),
                "relative_change": round6(p.factor - 1.0),
                "multiplier": p.factor,
                "applies_to": "occurrence date",
            },
            "emerging_threat": {
                "description": "abrupt rise of thefts of motor-vehicle parts (catalytic converters) in one region",
                "national_code": CODES[e.code].code,
                "iccs_code": CODES[e.code].map[0].iccs,
                "region": country.regions[e.region].code,
                "region_name": country.regions[e.region].name,
                "start_month": month_text(model, e.start_month),
                "start_date": date::iso(date::day(ey, em, 1)),
                "multiplier": e.factor,
                "applies_to": "occurrence date",
            },
            "reoffending": {
                "definition": "proven reoffending (Ministry of Justice, England and Wales): cohort = persons with an index event in the year (release from custody with status Strafhaft, or a conviction with a non-custodial sentence); first index event per person and year; reoffender = an offence committed within follow_up_days after the index date that is convicted by index date + follow_up_days + waiting_days",
                "share": REOFFEND_SHARE,
                "follow_up_days": FOLLOW_UP_DAYS,
                "waiting_days": WAITING_DAYS,
                "cohorts": cohorts,
                "index_events_all": i.justice.index_log.len(),
                "index_events_scheduled_to_reoffend": flagged,
                "index_events_reoffended": reoffended,
                "note": "cohorts marked complete have their whole follow-up and waiting period before the extraction date",
            },
        },
        "justice": {
            "time_served_fraction": round6(TIME_SERVED),
            "remand": "prosecuted persons held in custody from the prosecution date to the decision (U-Haft)",
            "severity_weight": "custody share of convictions × mean custodial sentence in months (Statistics Canada Crime Severity Index weights)",
            "suspects": suspects,
            "suspects_with_more_than_one_case": repeat_suspects,
        },
        "prison": {
            "facilities": facilities,
            "stock": stock,
            "women_held_in": country.facilities[crate::country::WOMENS_FACILITY].id,
        },
        "victims": {
            "intentional_homicide": {
                "total": hom_total,
                "by_sex": hom_sex,
                "by_age_group": hom_age,
                "by_recording_year": hom_rate,
                "by_occupation": killed,
            },
            "trafficking_by_form": trafficking,
        },
        "recodings": {
            "police_weapon_to_iccs_we": WEAPON_WORDS.iter().enumerate().map(|(k, w)| (w.to_string(), json!(k + 1))).collect::<Map<String, Value>>(),
            "police_place_to_iccs_lo": LOCATION_WORDS.iter().enumerate().map(|(k, w)| (w.to_string(), json!(k + 1))).collect::<Map<String, Value>>(),
            "police_relationship_to_iccs_vip": RELATIONSHIP_WORDS.iter().enumerate().map(|(k, w)| (w.to_string(), json!(k + 1))).collect::<Map<String, Value>>(),
            "police_occupation": OCCUPATION_WORDS.iter().enumerate().map(|(k, w)| (w.to_string(), json!(if k < 4 { occupations[k] } else { "other" }))).collect::<Map<String, Value>>(),
            "police_exploitation": EXPLOITATION_WORDS.iter().zip(forms).map(|(w, f)| (w.to_string(), json!(f))).collect::<Map<String, Value>>(),
            "police_sex": {"m": "M", "w": "F", "d": "X", "": "U"},
            "police_role": {"Opfer": "victim", "Tatverdächtig": "suspect"},
            "police_yes_no": {"J": true, "N": false},
            "nationality": {"VLM": "national", "other code": "foreign", "": "U"},
            "court_decision": {"CONDAMNATION": "convicted", "ACQUITTEMENT": "acquitted", "CLASSEMENT": "dismissed", "EN COURS": "pending"},
            "court_sentence": {"PRISON": "custody", "SURSIS": "suspended", "TIG": "community", "AMENDE": "fine", "AUTRE": "other", "": "none"},
            "prison_movement": {"Zugang": "admission", "Statuswechsel": "status_change", "Abgang": "release"},
            "prison_status": {"U-Haft": "unsentenced", "Strafhaft": "sentenced"},
            "population_sex": {"1": "M", "2": "F"},
            "population_age_group": {"0-14": "Y0T14", "15-29": "Y15T29", "30-44": "Y30T44", "45-59": "Y45T59", "60+": "Y_GE60"},
            "area_level": {"Région": 1, "District": 2},
        },
    })
}
