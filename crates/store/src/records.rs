//! The canonical record kinds: their columns, Arrow types, which columns are
//! required, which take values from a code list, and how each kind is keyed and
//! partitioned. `docs/data-model.md` is the prose version of this module; keep
//! the two in step.

use std::fmt;
use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use evident_iccs::{TagGroup, iccs};

/// One kind of canonical record; each kind is one Parquet dataset in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    /// A police-recorded offence.
    Offence,
    /// A victim or suspect of an offence.
    Person,
    /// A court decision about one person in one case.
    CourtDecision,
    /// A prison admission, release or change of detention status.
    PrisonEvent,
    /// A prison facility and its capacity.
    Facility,
    /// Resident population by area, year, sex and age group.
    Population,
    /// The area codelist (regions and districts).
    Area,
    /// The country's offence code list.
    OffenceCode,
}

impl RecordKind {
    /// Every kind, reference data first (the order in which they must be ingested).
    pub const ALL: [RecordKind; 8] = [
        RecordKind::Area,
        RecordKind::OffenceCode,
        RecordKind::Facility,
        RecordKind::Population,
        RecordKind::Offence,
        RecordKind::Person,
        RecordKind::CourtDecision,
        RecordKind::PrisonEvent,
    ];

    /// The kind's name in schema files, directory names and the catalog.
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Offence => "offence",
            RecordKind::Person => "person",
            RecordKind::CourtDecision => "court_decision",
            RecordKind::PrisonEvent => "prison_event",
            RecordKind::Facility => "facility",
            RecordKind::Population => "population",
            RecordKind::Area => "area",
            RecordKind::OffenceCode => "offence_code",
        }
    }

    /// The kind with this name.
    pub fn from_name(name: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// A short description for help texts.
    pub fn description(self) -> &'static str {
        match self {
            RecordKind::Offence => "police-recorded offences",
            RecordKind::Person => "victims and suspects of offences",
            RecordKind::CourtDecision => "court decisions per person and case",
            RecordKind::PrisonEvent => "prison admissions, releases and status changes",
            RecordKind::Facility => "prison facilities and their capacity",
            RecordKind::Population => "population by area, year, sex and age group",
            RecordKind::Area => "the area codelist (regions and districts)",
            RecordKind::OffenceCode => "the national offence code list",
        }
    }

    /// The columns of this kind, in storage order.
    pub fn columns(self) -> &'static [Column] {
        match self {
            RecordKind::Offence => OFFENCE,
            RecordKind::Person => PERSON,
            RecordKind::CourtDecision => COURT_DECISION,
            RecordKind::PrisonEvent => PRISON_EVENT,
            RecordKind::Facility => FACILITY,
            RecordKind::Population => POPULATION,
            RecordKind::Area => AREA,
            RecordKind::OffenceCode => OFFENCE_CODE,
        }
    }

    /// The column with this name.
    pub fn column(self, name: &str) -> Option<&'static Column> {
        self.columns().iter().find(|c| c.name == name)
    }

    /// The Arrow schema of the kind's Parquet files.
    pub fn arrow_schema(self) -> SchemaRef {
        static SCHEMAS: LazyLock<Vec<(RecordKind, SchemaRef)>> = LazyLock::new(|| {
            RecordKind::ALL
                .into_iter()
                .map(|kind| {
                    let fields: Vec<Field> = kind
                        .columns()
                        .iter()
                        .map(|c| Field::new(c.name, c.ty.arrow(), !c.is_always_present()))
                        .collect();
                    (kind, Arc::new(Schema::new(fields)))
                })
                .collect()
        });
        SCHEMAS
            .iter()
            .find(|(k, _)| *k == self)
            .map(|(_, s)| Arc::clone(s))
            .unwrap_or_else(|| Arc::new(Schema::empty()))
    }

    /// The column whose year partitions the dataset (`year=YYYY` directories),
    /// if the kind is partitioned: a date column or an integer year column.
    pub fn partition_column(self) -> Option<&'static str> {
        match self {
            RecordKind::Offence => Some("recorded_date"),
            RecordKind::CourtDecision => Some("prosecution_date"),
            RecordKind::PrisonEvent => Some("event_date"),
            RecordKind::Population => Some("year"),
            RecordKind::Person
            | RecordKind::Facility
            | RecordKind::Area
            | RecordKind::OffenceCode => None,
        }
    }

    /// The columns that identify one record: two rows with equal values here are
    /// duplicates, within a file and across batches.
    pub fn key_columns(self) -> &'static [&'static str] {
        match self {
            RecordKind::Offence => &["source", "record_id"],
            RecordKind::Person => &["record_id", "role", "person_id"],
            RecordKind::CourtDecision => {
                &["case_id", "person_id", "national_code", "prosecution_date"]
            }
            RecordKind::PrisonEvent => &["person_id", "facility_id", "event_date", "event"],
            RecordKind::Facility => &["facility_id", "valid_from"],
            RecordKind::Population => &["area_code", "year", "sex", "age_group"],
            RecordKind::Area => &["area_code"],
            RecordKind::OffenceCode => &["national_code", "valid_from"],
        }
    }

    /// Reference data (codelists other kinds are checked against).
    pub fn is_reference(self) -> bool {
        matches!(
            self,
            RecordKind::Area | RecordKind::OffenceCode | RecordKind::Facility
        )
    }

    /// The column of this (reference) kind that lists the allowed values of a
    /// [`Values::Reference`] to it.
    pub fn reference_column(self) -> Option<&'static str> {
        match self {
            RecordKind::Area => Some("area_code"),
            RecordKind::OffenceCode => Some("national_code"),
            RecordKind::Facility => Some("facility_id"),
            _ => None,
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The storage type of a canonical column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// UTF-8 text; codes are always text so leading zeros survive.
    Text,
    /// A calendar date (Arrow Date32, days since 1970-01-01).
    Date,
    /// A 32-bit integer (ages, years, levels).
    Int32,
    /// A 64-bit integer (counts, capacities).
    Int64,
    /// A floating-point number (sentence lengths).
    Float64,
    /// True or false (ICCS flags such as attempted or cyber-related).
    Boolean,
}

impl ColumnType {
    /// The Arrow type used in the store.
    pub fn arrow(self) -> DataType {
        match self {
            ColumnType::Text => DataType::Utf8,
            ColumnType::Date => DataType::Date32,
            ColumnType::Int32 => DataType::Int32,
            ColumnType::Int64 => DataType::Int64,
            ColumnType::Float64 => DataType::Float64,
            ColumnType::Boolean => DataType::Boolean,
        }
    }

    /// The name used in schema files and messages.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Date => "date",
            ColumnType::Int32 | ColumnType::Int64 => "whole number",
            ColumnType::Float64 => "number",
            ColumnType::Boolean => "true/false",
        }
    }
}

/// Whether a column must have a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Every row must have a value.
    Required,
    /// May be empty.
    Optional,
    /// At least one column of the named group must have a value.
    OneOf(&'static str),
    /// Computed at ingest from other columns (and from the source when those are empty).
    Derived,
}

/// What values a column accepts beyond its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// Any value of the type.
    Any,
    /// A code from a fixed code list.
    Codelist(Codelist),
    /// A value present in the store's reference data of this kind.
    Reference(RecordKind),
    /// A person identifier, replaced at ingest by its keyed hash.
    Pseudonym,
    /// A whole number within the range (inclusive).
    Range(i64, i64),
    /// A number of at least zero.
    NonNegative,
    /// An age in years, from 0 to the workspace's maximum age.
    Age,
}

/// The fixed code lists of `docs/data-model.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codelist {
    /// `M`, `F`, `X`, `U`.
    Sex,
    /// The ICCS age bands.
    AgeGroup,
    /// `victim`, `suspect`.
    Role,
    /// ICCS tag `We`.
    Weapon,
    /// ICCS tag `Lo`.
    LocationType,
    /// ICCS tag `ViP`.
    Relationship,
    /// SDG 16.10.1 occupations.
    Occupation,
    /// `national`, `foreign`, `U`.
    Citizenship,
    /// Forms of exploitation of trafficking victims.
    Exploitation,
    /// Court outcomes.
    Outcome,
    /// Sentence types.
    SentenceType,
    /// Prison event types.
    PrisonEvent,
    /// Sentenced or unsentenced.
    DetentionStatus,
}

impl Codelist {
    /// The code list's name.
    pub fn name(self) -> &'static str {
        match self {
            Codelist::Sex => "sex",
            Codelist::AgeGroup => "age_group",
            Codelist::Role => "role",
            Codelist::Weapon => "weapon",
            Codelist::LocationType => "location_type",
            Codelist::Relationship => "relationship",
            Codelist::Occupation => "occupation",
            Codelist::Citizenship => "citizenship",
            Codelist::Exploitation => "exploitation",
            Codelist::Outcome => "outcome",
            Codelist::SentenceType => "sentence_type",
            Codelist::PrisonEvent => "prison_event",
            Codelist::DetentionStatus => "detention_status",
        }
    }

    /// The allowed codes, in their documented order.
    pub fn codes(self) -> &'static [&'static str] {
        match self {
            Codelist::Sex => &["M", "F", "X", "U"],
            Codelist::AgeGroup => AGE_GROUPS,
            Codelist::Role => &["victim", "suspect"],
            Codelist::Weapon => iccs_codes(TagGroup::Event, "We"),
            Codelist::LocationType => iccs_codes(TagGroup::Event, "Lo"),
            Codelist::Relationship => iccs_codes(TagGroup::Victim, "ViP"),
            Codelist::Occupation => &[
                "journalist",
                "media_worker",
                "trade_unionist",
                "human_rights_defender",
                "other",
                "U",
            ],
            Codelist::Citizenship => &["national", "foreign", "U"],
            Codelist::Exploitation => &["sexual", "forced_labour", "organ_removal", "other"],
            Codelist::Outcome => &["convicted", "acquitted", "dismissed", "pending"],
            Codelist::SentenceType => {
                &["custody", "suspended", "community", "fine", "other", "none"]
            }
            Codelist::PrisonEvent => &["admission", "release", "status_change"],
            Codelist::DetentionStatus => &["unsentenced", "sentenced"],
        }
    }

    /// Whether `code` is in the list.
    pub fn contains(self, code: &str) -> bool {
        self.codes().contains(&code)
    }
}

/// The ICCS age bands (tags AV and AP, ICCS 1.0 Table II), as SDMX-style codes.
pub const AGE_GROUPS: &[&str] = &["Y0T14", "Y15T29", "Y30T44", "Y45T59", "Y_GE60", "U"];

/// The ICCS age band of an age in completed years (ICCS 1.0 Table II, tags AV/AP:
/// 0–14, 15–29, 30–44, 45–59, 60+).
pub fn age_group(age: i32) -> &'static str {
    match age {
        i32::MIN..=-1 => "U",
        0..=14 => "Y0T14",
        15..=29 => "Y15T29",
        30..=44 => "Y30T44",
        45..=59 => "Y45T59",
        _ => "Y_GE60",
    }
}

fn iccs_codes(group: TagGroup, acronym: &'static str) -> &'static [&'static str] {
    static CODES: LazyLock<Vec<(TagGroup, &'static str, Vec<&'static str>)>> =
        LazyLock::new(|| {
            [
                (TagGroup::Event, "We"),
                (TagGroup::Event, "Lo"),
                (TagGroup::Victim, "ViP"),
            ]
            .into_iter()
            .map(|(group, acronym)| {
                let codes = iccs()
                    .tag(group, acronym)
                    .map(|t| t.values.iter().map(|v| v.code).collect())
                    .unwrap_or_default();
                (group, acronym, codes)
            })
            .collect()
        });
    CODES
        .iter()
        .find(|(g, a, _)| *g == group && *a == acronym)
        .map(|(_, _, codes)| codes.as_slice())
        .unwrap_or(&[])
}

/// One canonical column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The column's name in the store.
    pub name: &'static str,
    /// Its storage type.
    pub ty: ColumnType,
    /// Whether it must have a value.
    pub presence: Presence,
    /// What values it accepts.
    pub values: Values,
    /// One line for help texts and generated schema files.
    pub doc: &'static str,
}

impl Column {
    /// Whether every stored row has a value in this column.
    pub fn is_always_present(&self) -> bool {
        matches!(self.presence, Presence::Required | Presence::Derived)
    }
}

const fn col(
    name: &'static str,
    ty: ColumnType,
    presence: Presence,
    values: Values,
    doc: &'static str,
) -> Column {
    Column {
        name,
        ty,
        presence,
        values,
        doc,
    }
}

use ColumnType::{Boolean, Date, Float64, Int32, Int64, Text};
use Presence::{Derived, OneOf, Optional, Required};

const OFFENCE: &[Column] = &[
    col(
        "record_id",
        Text,
        Required,
        Values::Any,
        "unique within its source",
    ),
    col("source", Text, Required, Values::Any, "reporting agency"),
    col(
        "recorded_date",
        Date,
        Required,
        Values::Any,
        "when the police recorded it; partition key",
    ),
    col(
        "occurred_date",
        Date,
        Optional,
        Values::Any,
        "when it happened; on or before recorded_date",
    ),
    col(
        "area_code",
        Text,
        Required,
        Values::Reference(RecordKind::Area),
        "a code in the area codelist",
    ),
    col(
        "national_code",
        Text,
        OneOf("offence"),
        Values::Reference(RecordKind::OffenceCode),
        "the country's offence code",
    ),
    col(
        "description",
        Text,
        OneOf("offence"),
        Values::Any,
        "free-text description",
    ),
    col("attempted", Boolean, Optional, Values::Any, "ICCS tag At"),
    col(
        "weapon",
        Text,
        Optional,
        Values::Codelist(Codelist::Weapon),
        "ICCS tag We",
    ),
    col(
        "location_type",
        Text,
        Optional,
        Values::Codelist(Codelist::LocationType),
        "ICCS tag Lo",
    ),
    col("cyber", Boolean, Optional, Values::Any, "ICCS tag Cy"),
    col(
        "case_id",
        Text,
        Optional,
        Values::Any,
        "links to court decisions",
    ),
];

const PERSON: &[Column] = &[
    col(
        "person_id",
        Text,
        Required,
        Values::Pseudonym,
        "keyed hash of the source identifier",
    ),
    col(
        "role",
        Text,
        Required,
        Values::Codelist(Codelist::Role),
        "victim or suspect",
    ),
    col("record_id", Text, Required, Values::Any, "the offence"),
    col(
        "sex",
        Text,
        Optional,
        Values::Codelist(Codelist::Sex),
        "M, F, X or U",
    ),
    col(
        "age",
        Int32,
        Optional,
        Values::Age,
        "years at the offence date",
    ),
    col(
        "age_group",
        Text,
        Derived,
        Values::Codelist(Codelist::AgeGroup),
        "from age; else from the source; else U",
    ),
    col(
        "citizenship",
        Text,
        Optional,
        Values::Codelist(Codelist::Citizenship),
        "national, foreign or U",
    ),
    col(
        "relationship",
        Text,
        Optional,
        Values::Codelist(Codelist::Relationship),
        "ICCS tag ViP",
    ),
    col(
        "occupation",
        Text,
        Optional,
        Values::Codelist(Codelist::Occupation),
        "SDG 16.10.1",
    ),
    col(
        "exploitation",
        Text,
        Optional,
        Values::Codelist(Codelist::Exploitation),
        "victims of trafficking",
    ),
];

const COURT_DECISION: &[Column] = &[
    col("case_id", Text, Required, Values::Any, "the case"),
    col(
        "person_id",
        Text,
        Required,
        Values::Pseudonym,
        "keyed hash, as for persons",
    ),
    col(
        "offence_date",
        Date,
        Required,
        Values::Any,
        "when the offence was committed",
    ),
    col(
        "prosecution_date",
        Date,
        Required,
        Values::Any,
        "partition key",
    ),
    col(
        "decision_date",
        Date,
        Optional,
        Values::Any,
        "empty while pending",
    ),
    col(
        "national_code",
        Text,
        Required,
        Values::Reference(RecordKind::OffenceCode),
        "offence charged",
    ),
    col(
        "outcome",
        Text,
        Required,
        Values::Codelist(Codelist::Outcome),
        "convicted, acquitted, dismissed, pending",
    ),
    col(
        "sentence_type",
        Text,
        Required,
        Values::Codelist(Codelist::SentenceType),
        "none unless convicted",
    ),
    col(
        "sentence_months",
        Float64,
        Optional,
        Values::NonNegative,
        "custodial length",
    ),
];

const PRISON_EVENT: &[Column] = &[
    col(
        "person_id",
        Text,
        Required,
        Values::Pseudonym,
        "keyed hash, as for persons",
    ),
    col(
        "facility_id",
        Text,
        Required,
        Values::Reference(RecordKind::Facility),
        "a facility in the store",
    ),
    col("event_date", Date, Required, Values::Any, "partition key"),
    col(
        "event",
        Text,
        Required,
        Values::Codelist(Codelist::PrisonEvent),
        "admission, release, status_change",
    ),
    col(
        "status",
        Text,
        Required,
        Values::Codelist(Codelist::DetentionStatus),
        "unsentenced or sentenced",
    ),
];

const FACILITY: &[Column] = &[
    col(
        "facility_id",
        Text,
        Required,
        Values::Any,
        "the facility's code",
    ),
    col("name", Text, Optional, Values::Any, "its name"),
    col(
        "area_code",
        Text,
        Optional,
        Values::Reference(RecordKind::Area),
        "its region",
    ),
    col(
        "capacity",
        Int64,
        Required,
        Values::NonNegative,
        "official capacity (places)",
    ),
    col(
        "valid_from",
        Date,
        Optional,
        Values::Any,
        "capacity valid from",
    ),
];

const POPULATION: &[Column] = &[
    col(
        "area_code",
        Text,
        Required,
        Values::Reference(RecordKind::Area),
        "a code in the area codelist",
    ),
    col(
        "year",
        Int32,
        Required,
        Values::Range(1800, 2200),
        "partition key",
    ),
    col(
        "sex",
        Text,
        Required,
        Values::Codelist(Codelist::Sex),
        "M, F, X or U",
    ),
    col(
        "age_group",
        Text,
        Required,
        Values::Codelist(Codelist::AgeGroup),
        "ICCS age band",
    ),
    col(
        "population",
        Int64,
        Required,
        Values::NonNegative,
        "residents",
    ),
];

const AREA: &[Column] = &[
    col("area_code", Text, Required, Values::Any, "the area's code"),
    col("name", Text, Required, Values::Any, "its name"),
    col(
        "level",
        Int32,
        Required,
        Values::Range(1, 9),
        "1 region, 2 district, …",
    ),
    col(
        "parent_code",
        Text,
        Optional,
        Values::Any,
        "the enclosing area",
    ),
];

const OFFENCE_CODE: &[Column] = &[
    col(
        "national_code",
        Text,
        Required,
        Values::Any,
        "the country's offence code",
    ),
    col("description", Text, Required, Values::Any, "its title"),
    col(
        "valid_from",
        Date,
        Optional,
        Values::Any,
        "first day in force",
    ),
    col("valid_to", Date, Optional, Values::Any, "last day in force"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_reference_kinds_come_first() {
        for kind in RecordKind::ALL {
            assert_eq!(RecordKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(RecordKind::from_name("offences"), None);
        let first_non_reference = RecordKind::ALL
            .iter()
            .position(|k| !k.is_reference() && *k != RecordKind::Population);
        assert_eq!(first_non_reference, Some(4));
    }

    #[test]
    fn key_and_partition_columns_exist_in_their_kind() {
        for kind in RecordKind::ALL {
            for key in kind.key_columns() {
                assert!(kind.column(key).is_some(), "{kind}: key {key}");
            }
            if let Some(p) = kind.partition_column() {
                let column = kind.column(p).map(|c| (c.ty, c.presence));
                assert!(
                    matches!(
                        column,
                        Some((ColumnType::Date | ColumnType::Int32, Presence::Required))
                    ),
                    "{kind}: partition {p}"
                );
            }
        }
    }

    #[test]
    fn iccs_tag_codelists_match_table_ii() {
        // ICCS 1.0 Table II: weapon 1–6, location 1–8, relationship 1–11.
        assert_eq!(Codelist::Weapon.codes(), &["1", "2", "3", "4", "5", "6"]);
        assert_eq!(Codelist::LocationType.codes().len(), 8);
        assert_eq!(Codelist::Relationship.codes().len(), 11);
        assert_eq!(Codelist::Relationship.codes()[10], "11");
    }

    #[test]
    fn age_bands_follow_iccs() {
        let cases = [
            (0, "Y0T14"),
            (14, "Y0T14"),
            (15, "Y15T29"),
            (29, "Y15T29"),
            (30, "Y30T44"),
            (44, "Y30T44"),
            (45, "Y45T59"),
            (59, "Y45T59"),
            (60, "Y_GE60"),
            (101, "Y_GE60"),
        ];
        for (age, band) in cases {
            assert_eq!(age_group(age), band, "age {age}");
        }
    }

    #[test]
    fn arrow_schema_declares_codes_as_text_and_dates_as_date32() {
        let schema = RecordKind::Offence.arrow_schema();
        assert_eq!(
            schema
                .field_with_name("area_code")
                .map(|f| f.data_type().clone())
                .ok(),
            Some(DataType::Utf8)
        );
        let recorded = schema.field_with_name("recorded_date");
        assert_eq!(
            recorded
                .map(|f| (f.data_type().clone(), f.is_nullable()))
                .ok(),
            Some((DataType::Date32, false))
        );
        assert_eq!(
            schema
                .field_with_name("occurred_date")
                .map(|f| f.is_nullable())
                .ok(),
            Some(true)
        );
    }
}
