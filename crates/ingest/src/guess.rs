//! Starter schemas: `evident schema guess FILE` reads the header and a sample
//! of rows, guesses the record kind, the encoding, the delimiter, each
//! column's type and date format, and which source column feeds which
//! canonical column, and prints a schema file for a person to check.

use std::fmt::Write as _;
use std::path::Path;

use evident_store::{Codelist, ColumnType, Presence, RecordKind, Values};

use crate::dates::DateFormat;
use crate::error::IngestError;
use crate::pipeline::detect_format;
use crate::read::{
    CsvRecords, JsonLines, ParquetRows, RawRecord, RecordSource, decoding_reader, open_source,
};
use crate::schema::{Encoding, Format};

/// What to guess with.
#[derive(Debug, Clone, Copy)]
pub struct GuessOptions {
    /// The record kind, if known; otherwise guessed from column names.
    pub kind: Option<RecordKind>,
    /// Rows to sample.
    pub sample_rows: usize,
}

impl Default for GuessOptions {
    fn default() -> Self {
        GuessOptions {
            kind: None,
            sample_rows: 1000,
        }
    }
}

/// Date formats tried, in order (day-first before month-first, as most
/// countries write dates).
const DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%d %b %Y",
    "%Y-%m",
];

/// Names (lower case, words joined by `_`) under which each canonical column
/// commonly appears.
fn synonyms(column: &str) -> &'static [&'static str] {
    match column {
        "record_id" => &[
            "record_id",
            "id",
            "crime_id",
            "incident_id",
            "offence_id",
            "offense_id",
            "crime_reference",
            "occurrence_id",
            "crime",
        ],
        "source" => &["source", "agency", "reported_by", "force", "police_force"],
        "recorded_date" => &[
            "recorded_date",
            "date",
            "month",
            "date_recorded",
            "report_date",
            "reported_date",
            "recorded",
        ],
        "occurred_date" => &[
            "occurred_date",
            "date_occurred",
            "incident_date",
            "occurrence_date",
            "committed_date",
        ],
        "area_code" => &[
            "area_code",
            "area",
            "district",
            "district_code",
            "code_district",
            "code_geo",
            "lsoa_code",
            "region_code",
            "municipality",
            "county",
            "jurisdiction",
            "region",
        ],
        "national_code" => &[
            "national_code",
            "offence_code",
            "offense_code",
            "crime_code",
            "code",
            "statute",
            "ucr_code",
        ],
        "description" => &[
            "description",
            "crime_type",
            "offence_type",
            "offense_type",
            "offence",
            "offense",
            "offence_description",
            "title",
            "name_of_offence",
        ],
        "attempted" => &["attempted", "attempt"],
        "weapon" => &["weapon", "weapon_type"],
        "location_type" => &["location_type", "location", "place_type", "premises"],
        "cyber" => &["cyber", "cyber_related", "online"],
        "case_id" => &["case_id", "case", "case_number", "docket", "case_no"],
        "person_id" => &[
            "person_id",
            "person",
            "individual_id",
            "pid",
            "offender_id",
            "victim_id",
            "suspect_id",
            "prisoner_id",
            "inmate_id",
        ],
        "role" => &["role", "person_role", "party", "involvement"],
        "sex" => &["sex", "gender", "sexe", "geschlecht"],
        "age" => &["age", "age_years", "alter"],
        "age_group" => &[
            "age_group",
            "age_band",
            "age_class",
            "tranche_age",
            "altersgruppe",
        ],
        "citizenship" => &["citizenship", "nationality"],
        "relationship" => &["relationship", "relation", "victim_relationship"],
        "occupation" => &["occupation", "profession"],
        "exploitation" => &["exploitation", "exploitation_type", "form_of_exploitation"],
        "offence_date" => &[
            "offence_date",
            "offense_date",
            "date_of_offence",
            "crime_date",
        ],
        "prosecution_date" => &[
            "prosecution_date",
            "charge_date",
            "date_charged",
            "filing_date",
        ],
        "decision_date" => &[
            "decision_date",
            "judgment_date",
            "verdict_date",
            "disposal_date",
        ],
        "outcome" => &["outcome", "verdict", "decision", "disposal", "result"],
        "sentence_type" => &["sentence_type", "sentence", "penalty", "sanction"],
        "sentence_months" => &[
            "sentence_months",
            "sentence_length",
            "months",
            "custody_months",
        ],
        "facility_id" => &[
            "facility_id",
            "facility",
            "prison",
            "institution",
            "prison_id",
        ],
        "event_date" => &["event_date", "date", "movement_date"],
        "event" => &["event", "event_type", "movement", "movement_type"],
        "status" => &["status", "detention_status", "legal_status"],
        "name" => &["name", "area_name", "facility_name", "title"],
        "capacity" => &["capacity", "places", "official_capacity"],
        "valid_from" => &["valid_from", "from", "start_date", "effective_from"],
        "valid_to" => &["valid_to", "to", "end_date", "effective_to"],
        "year" => &["year", "yr", "annee", "jahr"],
        "population" => &[
            "population",
            "persons",
            "residents",
            "pop",
            "count",
            "effectif",
            "einwohner",
        ],
        "level" => &["level", "area_level", "tier"],
        "parent_code" => &["parent_code", "parent", "parent_area", "region_code"],
        _ => &[],
    }
}

fn normalise(name: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

struct Profile {
    name: String,
    samples: Vec<String>,
    non_empty: usize,
    distinct: Vec<String>,
    date_format: Option<&'static str>,
    integers: bool,
    numbers: bool,
    thousands: bool,
    booleans: bool,
}

fn profile(name: &str, values: &[String]) -> Profile {
    let present: Vec<&str> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    let mut distinct: Vec<String> = Vec::new();
    for v in &present {
        if distinct.len() <= 30 && !distinct.iter().any(|d| d == v) {
            distinct.push((*v).to_owned());
        }
    }
    let all = |f: &dyn Fn(&str) -> bool| !present.is_empty() && present.iter().all(|v| f(v));
    let date_format = DATE_FORMATS
        .iter()
        .copied()
        .find(|f| DateFormat::compile(f).is_ok_and(|df| all(&|v| df.parse(v).is_ok())));
    let plain_int = |v: &str| v.parse::<i64>().is_ok();
    let integers = all(&plain_int);
    let thousands =
        !integers && all(&|v: &str| v.contains(',') && v.replace(',', "").parse::<i64>().is_ok());
    let numbers = all(&|v: &str| v.parse::<f64>().is_ok_and(f64::is_finite));
    let booleans = all(&|v: &str| {
        matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "y" | "n" | "t" | "f"
        )
    });
    Profile {
        name: name.to_owned(),
        samples: present.iter().take(3).map(|s| (*s).to_owned()).collect(),
        non_empty: present.len(),
        distinct,
        date_format,
        integers,
        numbers,
        thousands,
        booleans,
    }
}

fn fits(ty: ColumnType, p: &Profile) -> bool {
    match ty {
        ColumnType::Date => p.date_format.is_some() || p.non_empty == 0,
        ColumnType::Int32 | ColumnType::Int64 => p.integers || p.thousands || p.non_empty == 0,
        ColumnType::Float64 => p.numbers || p.non_empty == 0,
        ColumnType::Boolean => p.booleans || p.integers || p.non_empty == 0,
        ColumnType::Text => true,
    }
}

/// Writes a starter schema for `path` (see the module docs).
pub fn guess_schema(path: &Path, options: GuessOptions) -> Result<String, IngestError> {
    let opened = open_source(path)?;
    let format = detect_format(path, &opened.head);
    let encoding = if std::str::from_utf8(&opened.head).is_ok()
        || opened.head.len() >= 4096 && valid_utf8_prefix(&opened.head)
    {
        Encoding::Utf8
    } else {
        Encoding::Windows1252
    };
    let first_line = opened
        .head
        .split(|&b| b == b'\n')
        .next()
        .unwrap_or_default();
    let count = |c: u8| first_line.iter().filter(|&&b| b == c).count();
    let delimiter = if count(b'\t') > count(b',') && count(b'\t') > count(b';') {
        b'\t'
    } else if count(b';') > count(b',') {
        b';'
    } else {
        b','
    };
    let compression = opened.compression;
    let mut source: Box<dyn RecordSource> = match format {
        Format::Parquet => Box::new(ParquetRows::open(path)?),
        Format::Csv => {
            let (reader, _) = decoding_reader(opened.reader, encoding, &opened.head);
            Box::new(CsvRecords::new(
                path.to_path_buf(),
                reader,
                delimiter,
                b'"',
                true,
                1 << 20,
            )?)
        }
        Format::JsonLines => {
            // Keys in order of first appearance in the sample.
            let (reader, _) = decoding_reader(opened.reader, encoding, &opened.head);
            let text = {
                use std::io::Read;
                let mut sample = Vec::new();
                let _ = reader.take(4 << 20).read_to_end(&mut sample);
                sample
            };
            let mut keys: Vec<String> = Vec::new();
            for line in text.split(|&b| b == b'\n').take(options.sample_rows) {
                if let Ok(object) =
                    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(line)
                {
                    for k in object.keys() {
                        if !keys.contains(k) {
                            keys.push(k.clone());
                        }
                    }
                }
            }
            Box::new(JsonLines::new(
                path.to_path_buf(),
                Box::new(std::io::Cursor::new(text)),
                keys,
                1 << 20,
            ))
        }
    };
    let header = source.header().to_vec();
    let mut columns: Vec<Vec<String>> = vec![Vec::new(); header.len()];
    let mut record = RawRecord::default();
    let mut rows = 0;
    while rows < options.sample_rows && source.next_record(&mut record)? {
        rows += 1;
        for (i, values) in columns.iter_mut().enumerate() {
            if let Some(bytes) = record.field(i) {
                values.push(String::from_utf8_lossy(bytes).into_owned());
            }
        }
    }
    let profiles: Vec<Profile> = header
        .iter()
        .zip(&columns)
        .map(|(h, v)| profile(h, v))
        .collect();

    let assign = |kind: RecordKind| -> Vec<(&'static str, Option<usize>)> {
        let mut used = vec![false; profiles.len()];
        kind.columns()
            .iter()
            .filter(|c| c.presence != Presence::Derived || c.name == "age_group")
            .map(|c| {
                let found = synonyms(c.name).iter().find_map(|syn| {
                    profiles
                        .iter()
                        .enumerate()
                        .find(|(i, p)| {
                            let coded = matches!(c.values, Values::Codelist(_));
                            !used[*i]
                                && normalise(&p.name) == *syn
                                && fits(c.ty, p)
                                && (!coded || p.distinct.len() <= 30)
                        })
                        .map(|(i, _)| i)
                });
                if let Some(i) = found {
                    used[i] = true;
                }
                (c.name, found)
            })
            .collect()
    };
    // The kind whose required columns are best covered; none if under half.
    let guessed = options.kind.or_else(|| {
        RecordKind::ALL
            .into_iter()
            .map(|k| {
                let a = assign(k);
                let required = k
                    .columns()
                    .iter()
                    .filter(|c| c.presence == Presence::Required)
                    .count()
                    .max(1);
                let hit = a
                    .iter()
                    .filter(|(name, i)| {
                        i.is_some()
                            && k.column(name)
                                .is_some_and(|c| c.presence == Presence::Required)
                    })
                    .count();
                // Share of required columns found, then number of columns found.
                (
                    k,
                    (
                        hit * 1000 / required,
                        a.iter().filter(|(_, i)| i.is_some()).count(),
                    ),
                )
            })
            .max_by_key(|(_, score)| *score)
            .filter(|(_, (share, _))| *share >= 500)
            .map(|(k, _)| k)
    });

    let mut out = String::new();
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "# Starter schema for {file_name}, written by `evident schema guess`."
    );
    let _ = writeln!(
        out,
        "# Check every mapping (and the kind), then: evident ingest --schema THIS.toml {file_name}"
    );
    let _ = writeln!(
        out,
        "# Guessed from the header and {rows} sample rows; see docs/ingest.md for all options."
    );
    match guessed {
        Some(kind) => {
            let _ = writeln!(out, "kind = \"{}\"   # {}", kind.name(), kind.description());
        }
        None => {
            let _ = writeln!(
                out,
                "kind = \"TODO\"   # not clear from the column names; one of:"
            );
            for kind in RecordKind::ALL {
                let _ = writeln!(out, "#   {:<15} {}", kind.name(), kind.description());
            }
            let _ = writeln!(
                out,
                "# Run `evident schema guess FILE --kind KIND` for column suggestions."
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "[file]");
    let _ = writeln!(out, "format = \"{}\"", format.name());
    if format == Format::Csv {
        let d = if delimiter == b'\t' {
            "\\t".to_owned()
        } else {
            char::from(delimiter).to_string()
        };
        let _ = writeln!(out, "delimiter = \"{d}\"");
        let _ = writeln!(out, "encoding = \"{}\"", encoding.name());
        let _ = writeln!(out, "header = true");
    }
    if compression.name() != "none" {
        let _ = writeln!(
            out,
            "# (the file is {}-compressed; that is detected automatically)",
            compression.name()
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "# Source columns, with sample values:");
    for (i, p) in profiles.iter().enumerate() {
        let samples: Vec<String> = p
            .samples
            .iter()
            .map(|s| format!("{:?}", truncate(s, 30)))
            .collect();
        let _ = writeln!(
            out,
            "#   {:>2} {:?}: {}",
            i + 1,
            p.name,
            if samples.is_empty() {
                "(empty)".to_owned()
            } else {
                samples.join(", ")
            }
        );
    }
    let _ = writeln!(
        out,
        "\n# Uncomment and fill in to drop columns that identify people directly:"
    );
    let _ = writeln!(
        out,
        "# [privacy]\n# direct_identifiers = [\"Name\", \"Address\"]"
    );
    let Some(kind) = guessed else {
        return Ok(out);
    };
    for (name, found) in &assign(kind) {
        let Some(column) = kind.column(name) else {
            continue;
        };
        let _ = writeln!(out);
        let required = match column.presence {
            Presence::Required => "required",
            Presence::OneOf(_) => "one of a group is required",
            Presence::Derived => "optional (derived from age when absent)",
            Presence::Optional => "optional",
        };
        match found {
            Some(i) => {
                let p = &profiles[*i];
                let _ = writeln!(out, "[columns.{name}]   # {required}: {}", column.doc);
                let _ = writeln!(out, "from = {:?}", p.name);
                if column.ty == ColumnType::Date
                    && let Some(f) = p.date_format
                    && f != "%Y-%m-%d"
                {
                    let _ = writeln!(out, "format = {f:?}");
                }
                if matches!(column.ty, ColumnType::Int32 | ColumnType::Int64) && p.thousands {
                    let _ = writeln!(out, "thousands = \",\"");
                }
                if let Values::Codelist(list) = column.values {
                    write_codes(&mut out, list, &p.distinct);
                }
            }
            None if column.name == "source" && kind == RecordKind::Offence => {
                let _ = writeln!(out, "[columns.source]   # required: {}", column.doc);
                let _ = writeln!(out, "value = \"TODO: the reporting agency\"");
            }
            None => {
                let _ = writeln!(
                    out,
                    "# [columns.{name}]   # {required}: {} ({})",
                    column.doc,
                    column.ty.name()
                );
                let _ = writeln!(out, "# from = \"?\"");
            }
        }
    }
    Ok(out)
}

fn valid_utf8_prefix(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        // The sample may end inside a multi-byte character.
        Err(e) => e.error_len().is_none(),
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// Suggests `codes` for values that are not already canonical.
fn write_codes(out: &mut String, list: Codelist, values: &[String]) {
    let mut pairs: Vec<(String, Option<&'static str>)> = Vec::new();
    for v in values {
        if list.contains(v) {
            continue;
        }
        let lower = v.to_lowercase();
        let guess = list.codes().iter().copied().find(|c| {
            let c_lower = c.to_lowercase();
            c_lower == lower
                || (list == Codelist::Sex
                    && ((c_lower == "m" && (lower == "male" || lower == "man"))
                        || (c_lower == "f" && (lower == "female" || lower == "woman"))
                        || (c_lower == "u" && (lower == "unknown" || lower == "not known"))))
        });
        pairs.push((v.clone(), guess));
    }
    if pairs.is_empty() {
        return;
    }
    let known: Vec<String> = pairs
        .iter()
        .filter_map(|(v, g)| g.map(|g| format!("{v:?} = {g:?}")))
        .collect();
    if !known.is_empty() {
        let _ = writeln!(out, "codes = {{ {} }}", known.join(", "));
    }
    let unknown: Vec<String> = pairs
        .iter()
        .filter(|(_, g)| g.is_none())
        .map(|(v, _)| format!("{v:?}"))
        .collect();
    if !unknown.is_empty() {
        let _ = writeln!(
            out,
            "# TODO: map these values to {} codes ({}): {}",
            list.name(),
            list.codes().join(", "),
            unknown.join(", ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_to_snake_case() {
        assert_eq!(normalise("Crime ID"), "crime_id");
        assert_eq!(normalise("  LSOA code "), "lsoa_code");
        assert_eq!(normalise("M/V THEFT"), "m_v_theft");
    }

    #[test]
    fn profiles_find_types_and_date_formats() {
        let values = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            profile("d", &values(&["31/12/2020", "01/02/2021"])).date_format,
            Some("%d/%m/%Y")
        );
        assert_eq!(
            profile("d", &values(&["12/31/2020"])).date_format,
            Some("%m/%d/%Y")
        );
        assert_eq!(
            profile("d", &values(&["2017-07", ""])).date_format,
            Some("%Y-%m")
        );
        let p = profile("n", &values(&["1,563", "2,001"]));
        assert!(p.thousands && !p.integers);
        assert!(profile("n", &values(&["12", "-3"])).integers);
    }
}
