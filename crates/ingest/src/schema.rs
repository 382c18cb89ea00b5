//! Schema files: how a source file's columns, date formats, code values and
//! encoding map onto one canonical record kind. See `docs/ingest.md` for the
//! format; `schemas/` in the repository has examples.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use evident_store::{Column, ColumnType, Presence, RecordKind, Values};
use serde::Deserialize;

use crate::dates::DateFormat;

/// A schema file that cannot be used, with the key at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schema {}: {message}", path.display())]
pub struct SchemaError {
    /// The schema file.
    pub path: PathBuf,
    /// What is wrong, naming the key.
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaFile {
    kind: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    file: FileSection,
    #[serde(default)]
    checks: ChecksSection,
    #[serde(default)]
    privacy: PrivacySection,
    #[serde(default)]
    columns: BTreeMap<String, ColumnSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSection {
    format: Option<String>,
    delimiter: Option<String>,
    quote: Option<String>,
    header: Option<bool>,
    encoding: Option<String>,
    trim: Option<bool>,
    null_values: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChecksSection {
    earliest_date: Option<String>,
    max_age: Option<i32>,
    max_field_bytes: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivacySection {
    #[serde(default)]
    direct_identifiers: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum FromSpec {
    Name(String),
    Position(i64),
    Names(Vec<String>),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnSection {
    from: Option<FromSpec>,
    value: Option<String>,
    default: Option<String>,
    format: Option<String>,
    codes: Option<BTreeMap<String, String>>,
    other: Option<String>,
    true_values: Option<Vec<String>>,
    false_values: Option<Vec<String>>,
    decimal: Option<String>,
    thousands: Option<String>,
    pseudonymise: Option<bool>,
    namespace: Option<String>,
}

/// The source file's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text.
    Csv,
    /// One JSON object per line.
    JsonLines,
    /// Apache Parquet.
    Parquet,
}

impl Format {
    /// The name used in schema files and the catalog.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
            Format::Parquet => "parquet",
        }
    }
}

/// The character encoding of a text source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// Windows-1252, which also reads ISO-8859-1 (Latin-1) as the WHATWG
    /// Encoding Standard prescribes.
    Windows1252,
}

impl Encoding {
    /// The name used in schema files.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Windows1252 => "windows-1252",
        }
    }
}

/// `[file]`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOptions {
    /// The format, or `None` to decide from the file name and content.
    pub format: Option<Format>,
    /// The CSV field delimiter (default `,`; `\t` for `.tsv` files).
    pub delimiter: Option<u8>,
    /// The CSV quote character.
    pub quote: u8,
    /// Whether the first CSV row names the columns.
    pub header: bool,
    /// The character encoding.
    pub encoding: Encoding,
    /// Whether spaces around values are removed.
    pub trim: bool,
    /// Values that mean "no value" (after trimming).
    pub null_values: Vec<String>,
}

/// `[checks]` overrides of the workspace's limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckOverrides {
    /// Earliest accepted date (days since 1970-01-01).
    pub earliest_date: Option<i32>,
    /// Largest accepted age.
    pub max_age: Option<i32>,
    /// Longest accepted field, in bytes.
    pub max_field_bytes: Option<usize>,
}

/// A reference to a source column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    /// By header name.
    Name(String),
    /// By 1-based position (for files without a header).
    Position(usize),
}

impl std::fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ColumnRef::Name(name) => write!(f, "{name:?}"),
            ColumnRef::Position(p) => write!(f, "#{p}"),
        }
    }
}

/// Where a canonical column's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// One source column.
    Column(ColumnRef),
    /// Several source columns joined (a linkage key such as name + date of birth).
    Columns(Vec<ColumnRef>),
    /// The same value for every row.
    Constant(String),
}

/// How one canonical column is filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The canonical column.
    pub column: &'static Column,
    /// Where its value comes from.
    pub source: Source,
    /// Used when the source value is empty.
    pub default: Option<String>,
    /// For dates.
    pub date_format: Option<DateFormat>,
    /// Source value → canonical code (or, for numbers, the number to read).
    pub codes: HashMap<String, String>,
    /// The code for any non-empty source value not listed in `codes`.
    pub other: Option<String>,
    /// Accepted spellings of true (lower case).
    pub true_values: Vec<String>,
    /// Accepted spellings of false (lower case).
    pub false_values: Vec<String>,
    /// Decimal separator for numbers.
    pub decimal: u8,
    /// Thousands separator for numbers, if the source uses one.
    pub thousands: Option<u8>,
    /// Replace the value by its keyed hash.
    pub pseudonymise: bool,
    /// Prefix mixed into the keyed hash, to keep identifier systems apart.
    pub namespace: String,
}

/// A checked schema file.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The file's stem, recorded with each batch.
    pub name: String,
    /// Where it was read from.
    pub path: PathBuf,
    /// The file's text, recorded with each batch.
    pub text: String,
    /// Free text from the file.
    pub description: Option<String>,
    /// The record kind it produces.
    pub kind: RecordKind,
    /// `[file]`.
    pub file: FileOptions,
    /// `[checks]`.
    pub checks: CheckOverrides,
    /// Source columns that directly identify people and are never read unless
    /// a pseudonymised mapping needs them.
    pub direct_identifiers: Vec<String>,
    /// One mapping per mapped canonical column, in canonical order.
    pub mappings: Vec<Mapping>,
}

const DEFAULT_TRUE: &[&str] = &["true", "t", "yes", "y", "1"];
const DEFAULT_FALSE: &[&str] = &["false", "f", "no", "n", "0"];

impl Schema {
    /// Reads and checks a schema file.
    pub fn load(path: &Path) -> Result<Schema, SchemaError> {
        let text = std::fs::read_to_string(path).map_err(|e| SchemaError {
            path: path.to_path_buf(),
            message: format!("cannot read it: {e}"),
        })?;
        Schema::parse(path, &text)
    }

    /// Checks schema text; `path` is used for its name and in messages.
    pub fn parse(path: &Path, text: &str) -> Result<Schema, SchemaError> {
        let err = |message: String| SchemaError {
            path: path.to_path_buf(),
            message,
        };
        let raw: SchemaFile = toml::from_str(text).map_err(|e| err(toml_message(&e, text)))?;
        let kind = RecordKind::from_name(raw.kind.trim()).ok_or_else(|| {
            err(format!(
                "kind = {:?} is not a record kind; expected one of {}",
                raw.kind,
                RecordKind::ALL.map(RecordKind::name).join(", ")
            ))
        })?;
        let file = resolve_file(&raw.file).map_err(err)?;
        let checks = resolve_checks(&raw.checks).map_err(err)?;
        let mut mappings = Vec::new();
        for (name, section) in &raw.columns {
            let column = kind.column(name).ok_or_else(|| {
                let names: Vec<&str> = kind.columns().iter().map(|c| c.name).collect();
                let hint = closest(name, &names)
                    .map(|s| format!(" (did you mean {s:?}?)"))
                    .unwrap_or_default();
                err(format!(
                    "[columns.{name}]: {kind} records have no column {name:?}{hint}; they have {}",
                    names.join(", ")
                ))
            })?;
            mappings.push(
                resolve_column(column, section, file.header)
                    .map_err(|m| err(format!("[columns.{name}] {m}")))?,
            );
        }
        mappings.sort_by_key(|m| kind.columns().iter().position(|c| c.name == m.column.name));
        for column in kind.columns() {
            let mapped = mappings.iter().any(|m| m.column.name == column.name);
            match column.presence {
                Presence::Required if !mapped => {
                    return Err(err(format!(
                        "{kind} records need {:?} ({}), but there is no [columns.{}]",
                        column.name, column.doc, column.name
                    )));
                }
                Presence::OneOf(group) if !mapped => {
                    let group_columns: Vec<&str> = kind
                        .columns()
                        .iter()
                        .filter(|c| c.presence == Presence::OneOf(group))
                        .map(|c| c.name)
                        .collect();
                    let any = mappings
                        .iter()
                        .any(|m| group_columns.contains(&m.column.name));
                    if !any {
                        return Err(err(format!(
                            "{kind} records need at least one of {}, but none is mapped",
                            group_columns.join(", ")
                        )));
                    }
                }
                _ => {}
            }
        }
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| kind.name().to_owned());
        Ok(Schema {
            name,
            path: path.to_path_buf(),
            text: text.to_owned(),
            description: raw.description,
            kind,
            file,
            checks,
            direct_identifiers: raw.privacy.direct_identifiers,
            mappings,
        })
    }

    /// Every source column a mapping reads.
    pub fn source_columns(&self) -> Vec<&ColumnRef> {
        let mut out = Vec::new();
        for m in &self.mappings {
            match &m.source {
                Source::Column(c) => out.push(c),
                Source::Columns(cs) => out.extend(cs.iter()),
                Source::Constant(_) => {}
            }
        }
        out
    }
}

/// The toml error, on one line where it fits, without the echo of the file.
fn toml_message(e: &toml::de::Error, text: &str) -> String {
    let message = e.message().trim().to_owned();
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("{message} (line {line})")
        }
        None => message,
    }
}

fn single_byte(key: &str, value: &str) -> Result<u8, String> {
    let resolved = match value {
        "\\t" | "tab" | "\t" => "\t",
        other => other,
    };
    match resolved.as_bytes() {
        [b] if b.is_ascii() => Ok(*b),
        _ => Err(format!(
            "[file] {key} = {value:?} must be a single ASCII character (or \"tab\")"
        )),
    }
}

fn resolve_file(raw: &FileSection) -> Result<FileOptions, String> {
    let format = match raw.format.as_deref() {
        None => None,
        Some("csv") | Some("tsv") => Some(Format::Csv),
        Some("jsonl") | Some("ndjson") | Some("json-lines") => Some(Format::JsonLines),
        Some("parquet") => Some(Format::Parquet),
        Some(other) => {
            return Err(format!(
                "[file] format = {other:?} is not supported; expected csv, jsonl or parquet"
            ));
        }
    };
    let delimiter = raw
        .delimiter
        .as_deref()
        .map(|d| single_byte("delimiter", d))
        .transpose()?;
    let quote = raw
        .quote
        .as_deref()
        .map(|q| single_byte("quote", q))
        .transpose()?
        .unwrap_or(b'"');
    let encoding = match raw
        .encoding
        .as_deref()
        .map(|e| e.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("utf-8") | Some("utf8") => Encoding::Utf8,
        Some("windows-1252") | Some("cp1252") | Some("latin-1") | Some("latin1")
        | Some("iso-8859-1") => Encoding::Windows1252,
        Some(other) => {
            return Err(format!(
                "[file] encoding = {other:?} is not supported; expected utf-8 or windows-1252 (also read as latin-1 / iso-8859-1)"
            ));
        }
    };
    Ok(FileOptions {
        format,
        delimiter,
        quote,
        header: raw.header.unwrap_or(true),
        encoding,
        trim: raw.trim.unwrap_or(true),
        null_values: raw
            .null_values
            .clone()
            .unwrap_or_else(|| vec![String::new()]),
    })
}

fn resolve_checks(raw: &ChecksSection) -> Result<CheckOverrides, String> {
    let earliest_date = raw
        .earliest_date
        .as_deref()
        .map(|d| {
            DateFormat::iso().parse(d).map_err(|_| {
                format!("[checks] earliest_date = {d:?} is not a date in the form YYYY-MM-DD")
            })
        })
        .transpose()?;
    if let Some(age) = raw.max_age
        && !(1..=150).contains(&age)
    {
        return Err(format!(
            "[checks] max_age = {age} must be between 1 and 150"
        ));
    }
    if raw.max_field_bytes == Some(0) {
        return Err("[checks] max_field_bytes must be at least 1".to_owned());
    }
    Ok(CheckOverrides {
        earliest_date,
        max_age: raw.max_age,
        max_field_bytes: raw.max_field_bytes,
    })
}

fn resolve_column(
    column: &'static Column,
    raw: &ColumnSection,
    header: bool,
) -> Result<Mapping, String> {
    let source = match (&raw.from, &raw.value) {
        (Some(_), Some(_)) => return Err("has both `from` and `value`; use one".to_owned()),
        (None, None) => {
            return Err(
                "needs `from` (the source column) or `value` (a constant for every row)".to_owned(),
            );
        }
        (None, Some(value)) => Source::Constant(value.clone()),
        (Some(FromSpec::Name(name)), None) => Source::Column(ColumnRef::Name(name.clone())),
        (Some(FromSpec::Position(p)), None) => {
            if *p < 1 {
                return Err(format!("from = {p}: positions count from 1"));
            }
            Source::Column(ColumnRef::Position(*p as usize))
        }
        (Some(FromSpec::Names(names)), None) => {
            if names.is_empty() {
                return Err("from = []: name at least one source column".to_owned());
            }
            if names.len() == 1 {
                Source::Column(ColumnRef::Name(names[0].clone()))
            } else {
                Source::Columns(names.iter().cloned().map(ColumnRef::Name).collect())
            }
        }
    };
    if !header && let Source::Column(ColumnRef::Name(name)) = &source {
        return Err(format!(
            "from = {name:?}: the file has no header ([file] header = false), so map columns by position, e.g. from = 3"
        ));
    }
    let ty = column.ty;
    let only = |key: &str, present: bool, allowed: bool, what: &str| -> Result<(), String> {
        if present && !allowed {
            Err(format!(
                "`{key}` applies only to {what} columns; {} is {}",
                column.name,
                ty.name()
            ))
        } else {
            Ok(())
        }
    };
    only(
        "format",
        raw.format.is_some(),
        ty == ColumnType::Date,
        "date",
    )?;
    only(
        "true_values",
        raw.true_values.is_some(),
        ty == ColumnType::Boolean,
        "true/false",
    )?;
    only(
        "false_values",
        raw.false_values.is_some(),
        ty == ColumnType::Boolean,
        "true/false",
    )?;
    let numeric = matches!(
        ty,
        ColumnType::Int32 | ColumnType::Int64 | ColumnType::Float64
    );
    only(
        "decimal",
        raw.decimal.is_some(),
        ty == ColumnType::Float64,
        "decimal number",
    )?;
    only("thousands", raw.thousands.is_some(), numeric, "number")?;
    let pseudonym = column.values == Values::Pseudonym;
    let pseudonymise = pseudonym || raw.pseudonymise == Some(true);
    if pseudonymise
        && (ty != ColumnType::Text || !matches!(column.values, Values::Any | Values::Pseudonym))
    {
        return Err(format!(
            "pseudonymise = true applies only to free text columns; {} is checked against a code list",
            column.name
        ));
    }
    if pseudonym && raw.pseudonymise == Some(false) {
        return Err(format!(
            "{} is always pseudonymised; remove pseudonymise = false",
            column.name
        ));
    }
    if raw.namespace.is_some() && !pseudonymise {
        return Err("`namespace` applies only to pseudonymised columns".to_owned());
    }
    if matches!(source, Source::Columns(_)) && !pseudonymise {
        return Err(
            "several source columns can only be combined into a pseudonymised identifier (set pseudonymise = true)"
                .to_owned(),
        );
    }
    let date_format = if ty == ColumnType::Date {
        Some(match &raw.format {
            Some(f) => DateFormat::compile(f).map_err(|e| format!("format: {e}"))?,
            None => DateFormat::iso(),
        })
    } else {
        None
    };
    let codes: HashMap<String, String> =
        raw.codes.clone().unwrap_or_default().into_iter().collect();
    if (!codes.is_empty() || raw.other.is_some()) && pseudonymise {
        return Err("`codes` and `other` do not apply to pseudonymised columns".to_owned());
    }
    if (!codes.is_empty() || raw.other.is_some())
        && let Values::Codelist(list) = column.values
    {
        let mut targets: Vec<&String> = codes.values().chain(raw.other.iter()).collect();
        targets.sort();
        for target in targets {
            if !list.contains(target) {
                return Err(format!(
                    "codes: {target:?} is not a {} code; expected {}",
                    list.name(),
                    list.codes().join(", ")
                ));
            }
        }
    }
    let lower = |values: &Option<Vec<String>>, default: &[&str]| -> Vec<String> {
        values
            .clone()
            .map(|v| v.into_iter().map(|s| s.trim().to_lowercase()).collect())
            .unwrap_or_else(|| default.iter().map(|s| (*s).to_owned()).collect())
    };
    let decimal = match raw.decimal.as_deref() {
        None | Some(".") => b'.',
        Some(",") => b',',
        Some(other) => return Err(format!("decimal = {other:?} must be \".\" or \",\"")),
    };
    let thousands = match raw.thousands.as_deref() {
        None | Some("") => None,
        Some(t) if t.len() == 1 && matches!(t, "," | "." | " " | "'" | "_") => {
            Some(t.as_bytes()[0])
        }
        Some(other) => {
            return Err(format!(
                "thousands = {other:?} must be one of \",\", \".\", \" \", \"'\" or \"_\""
            ));
        }
    };
    if thousands.is_some() && Some(decimal) == thousands {
        return Err("decimal and thousands separators must differ".to_owned());
    }
    Ok(Mapping {
        column,
        source,
        default: raw.default.clone(),
        date_format,
        codes,
        other: raw.other.clone(),
        true_values: lower(&raw.true_values, DEFAULT_TRUE),
        false_values: lower(&raw.false_values, DEFAULT_FALSE),
        decimal,
        thousands,
        pseudonymise,
        namespace: raw.namespace.clone().unwrap_or_default(),
    })
}

/// The candidate closest to `word` by edit distance, if it is close enough to
/// be a likely typo (at most a third of the word's letters differ).
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (levenshtein(&word.to_lowercase(), &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance (insertions, deletions, substitutions), Levenshtein (1966).
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Schema, String> {
        Schema::parse(Path::new("s.toml"), text).map_err(|e| e.to_string())
    }

    const OFFENCE: &str = r#"
kind = "offence"
[columns.record_id]
from = "Crime ID"
[columns.source]
value = "police"
[columns.recorded_date]
from = "Month"
format = "%Y-%m"
[columns.area_code]
from = "LSOA code"
[columns.description]
from = "Crime type"
"#;

    #[test]
    fn a_complete_schema_is_accepted_in_canonical_order() {
        let schema = parse(OFFENCE).unwrap();
        assert_eq!(schema.kind, RecordKind::Offence);
        let names: Vec<&str> = schema.mappings.iter().map(|m| m.column.name).collect();
        assert_eq!(
            names,
            [
                "record_id",
                "source",
                "recorded_date",
                "area_code",
                "description"
            ]
        );
        assert_eq!(
            schema.mappings[1].source,
            Source::Constant("police".to_owned())
        );
        assert_eq!(schema.file.delimiter, None);
        assert_eq!(schema.file.encoding, Encoding::Utf8);
        assert_eq!(schema.name, "s");
    }

    #[test]
    fn a_typo_in_a_key_is_named() {
        let text = OFFENCE.replace("format = ", "formt = ");
        let message = parse(&text).unwrap_err();
        assert_eq!(
            message,
            "schema s.toml: unknown field `formt`, expected one of `from`, `value`, `default`, `format`, `codes`, `other`, `true_values`, `false_values`, `decimal`, `thousands`, `pseudonymise`, `namespace` (line 9)"
        );
    }

    #[test]
    fn a_typo_in_a_column_name_suggests_the_right_one() {
        let text = OFFENCE.replace("[columns.recorded_date]", "[columns.recored_date]");
        assert_eq!(
            parse(&text).unwrap_err(),
            "schema s.toml: [columns.recored_date]: offence records have no column \"recored_date\" (did you mean \"recorded_date\"?); they have record_id, source, recorded_date, occurred_date, area_code, national_code, description, attempted, weapon, location_type, cyber, case_id"
        );
    }

    #[test]
    fn missing_required_columns_and_groups_are_named() {
        let text = OFFENCE.replace("[columns.area_code]\nfrom = \"LSOA code\"\n", "");
        assert_eq!(
            parse(&text).unwrap_err(),
            "schema s.toml: offence records need \"area_code\" (a code in the area codelist), but there is no [columns.area_code]"
        );
        let text = OFFENCE.replace("[columns.description]\nfrom = \"Crime type\"\n", "");
        assert_eq!(
            parse(&text).unwrap_err(),
            "schema s.toml: offence records need at least one of national_code, description, but none is mapped"
        );
    }

    #[test]
    fn code_targets_must_be_canonical_codes() {
        let text = r#"
kind = "person"
[columns.person_id]
from = "id"
[columns.role]
value = "victim"
[columns.record_id]
from = "crime"
[columns.sex]
from = "Gender"
codes = { Male = "M", Female = "Fem" }
"#;
        assert_eq!(
            parse(text).unwrap_err(),
            "schema s.toml: [columns.sex] codes: \"Fem\" is not a sex code; expected M, F, X, U"
        );
    }

    #[test]
    fn unknown_kind_and_bad_options_are_explained() {
        assert_eq!(
            parse("kind = \"offences\"").unwrap_err(),
            "schema s.toml: kind = \"offences\" is not a record kind; expected one of area, offence_code, facility, population, offence, person, court_decision, prison_event"
        );
        let text = format!("{OFFENCE}\n[file]\ndelimiter = \";;\"\n");
        assert_eq!(
            parse(&text).unwrap_err(),
            "schema s.toml: [file] delimiter = \";;\" must be a single ASCII character (or \"tab\")"
        );
        let text = OFFENCE.replace(
            "format = \"%Y-%m\"",
            "format = \"%Y-%m\"\nthousands = \",\"",
        );
        assert_eq!(
            parse(&text).unwrap_err(),
            "schema s.toml: [columns.recorded_date] `thousands` applies only to number columns; recorded_date is date"
        );
    }

    #[test]
    fn composite_identifiers_must_be_pseudonymised() {
        let text = r#"
kind = "person"
[columns.person_id]
from = ["Surname", "Birth date"]
[columns.role]
value = "suspect"
[columns.record_id]
from = ["a", "b"]
"#;
        assert_eq!(
            parse(text).unwrap_err(),
            "schema s.toml: [columns.record_id] several source columns can only be combined into a pseudonymised identifier (set pseudonymise = true)"
        );
    }

    #[test]
    fn edit_distance_matches_hand_computation() {
        // kitten → sitting: substitute k/s, e/i, insert g = 3 (Levenshtein's classic example).
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(
            closest("recored_date", &["record_id", "recorded_date"]),
            Some("recorded_date")
        );
        assert_eq!(closest("zzz", &["record_id"]), None);
    }
}
