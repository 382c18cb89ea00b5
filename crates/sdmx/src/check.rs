//! Checks that run before anything is written: identifiers against the SDMX 2.1
//! patterns, references between artefacts, and every observation against its DSD.
//! A writer either gets a fully checked, sorted view of the data or a
//! typed error; it never writes half a message because of bad input.
//!
//! Identifier patterns are those of the SDMX 2.1 schema `SDMXCommonReferences.xsd`:
//! `IDType` `[A-Za-z0-9_@$\-]+` (codes, artefact IDs), `NCNameIDType`
//! `[A-Za-z][A-Za-z0-9_\-]*` (components and concepts, which become XML attribute
//! names in structure-specific data), `NestedNCNameIDType` (agencies) and
//! `VersionType` `[0-9]+(\.[0-9]+)*`.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use crate::error::{Result, SdmxError};
use crate::model::{
    ArtefactRef, Assignment, Attachment, Attribute, Codelist, DataSet, DataStructure, Dataflow,
    Header, Observation, Representation, Structures, TextType,
};

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | '$' | '-')
}

fn is_ncname_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-')
}

/// Checks an SDMX `IDType` (codes and maintainable artefact IDs).
pub fn check_id(what: impl FnOnce() -> String, value: &str) -> Result<()> {
    if value.is_empty() || !value.chars().all(is_id_char) {
        return Err(SdmxError::InvalidId {
            what: what(),
            value: value.to_owned(),
            rule: "use only letters A-Z a-z, digits, and _ @ $ -",
        });
    }
    Ok(())
}

/// Checks an SDMX `NCNameIDType` (dimension, attribute, measure and concept IDs).
pub fn check_ncname(what: impl FnOnce() -> String, value: &str) -> Result<()> {
    let mut chars = value.chars();
    let valid = match chars.next() {
        Some(first) => first.is_ascii_alphabetic() && chars.all(is_ncname_char),
        None => false,
    };
    if !valid {
        return Err(SdmxError::InvalidId {
            what: what(),
            value: value.to_owned(),
            rule: "start with a letter, then use only letters, digits, _ and -",
        });
    }
    Ok(())
}

/// Checks an agency ID (SDMX `NestedNCNameIDType`: NCNames joined by dots).
pub fn check_agency(what: impl FnOnce() -> String, value: &str) -> Result<()> {
    let valid = !value.is_empty()
        && value.split('.').all(|part| {
            let mut chars = part.chars();
            matches!(chars.next(), Some(first) if first.is_ascii_alphabetic())
                && chars.all(is_ncname_char)
        });
    if !valid {
        return Err(SdmxError::InvalidId {
            what: what(),
            value: value.to_owned(),
            rule: "agency IDs are dot-separated parts that each start with a letter, then letters, digits, _ and -",
        });
    }
    Ok(())
}

fn check_version(what: impl FnOnce() -> String, value: &str) -> Result<()> {
    let valid = !value.is_empty()
        && value
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if !valid {
        return Err(SdmxError::InvalidVersion {
            what: what(),
            value: value.to_owned(),
        });
    }
    Ok(())
}

/// Checks text that goes into a message: XML 1.0 forbids most control characters
/// (XML 1.0, 5th ed., production 2, `Char`), and escaping cannot save them.
pub fn check_text(what: impl FnOnce() -> String, value: &str) -> Result<()> {
    if let Some(bad) = value.chars().find(|&c| {
        let code = c as u32;
        (code < 0x20 && !matches!(c, '\t' | '\n' | '\r')) || code == 0xFFFE || code == 0xFFFF
    }) {
        return Err(SdmxError::InvalidText {
            what: what(),
            problem: format!(
                "contains the character U+{:04X}, which XML 1.0 cannot carry",
                bad as u32
            ),
        });
    }
    Ok(())
}

fn check_name(what: impl Fn() -> String, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(SdmxError::InvalidText {
            what: what(),
            problem: "the name is empty; SDMX requires one".to_owned(),
        });
    }
    check_text(what, value)
}

fn check_maintainable(kind: &str, agency: &str, id: &str, version: &str, name: &str) -> Result<()> {
    let label = || format!("{kind} {agency}:{id}({version})");
    check_agency(|| format!("agency of {}", label()), agency)?;
    check_id(|| format!("ID of {}", label()), id)?;
    check_version(label, version)?;
    check_name(|| format!("name of {}", label()), name)
}

/// Checks a message header.
pub fn check_header(header: &Header) -> Result<()> {
    check_id(|| "message ID".to_owned(), &header.id)?;
    check_id(|| "sender ID".to_owned(), &header.sender)?;
    if !is_date_time(&header.prepared) {
        return Err(SdmxError::BadHeader(format!(
            "prepared `{}` is not a date and time like 2025-03-31T09:00:00Z",
            header.prepared
        )));
    }
    let language_ok = !header.language.is_empty()
        && header.language.split('-').all(|part| {
            (1..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric())
        });
    if !language_ok {
        return Err(SdmxError::BadHeader(format!(
            "language `{}` is not a language tag like en or fr-CA",
            header.language
        )));
    }
    Ok(())
}

/// `YYYY-MM-DDThh:mm:ss`, optional fraction, optional `Z` or `±hh:mm` (xs:dateTime).
fn is_date_time(value: &str) -> bool {
    let Some((date, time)) = value.split_once('T') else {
        return false;
    };
    if parse_date(date).is_none() {
        return false;
    }
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(at) => time.split_at(at),
        None => (time, ""),
    };
    let zone_ok = zone.is_empty()
        || zone == "Z"
        || (zone.len() == 6
            && digits_in(&zone[1..3], 0, 14)
            && &zone[3..4] == ":"
            && digits_in(&zone[4..6], 0, 59));
    let (whole, fraction) = match clock.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (clock, None),
    };
    let clock_ok = whole.len() == 8
        && digits_in(&whole[0..2], 0, 23)
        && &whole[2..3] == ":"
        && digits_in(&whole[3..5], 0, 59)
        && &whole[5..6] == ":"
        && digits_in(&whole[6..8], 0, 59)
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    zone_ok && clock_ok
}

fn digits_in(text: &str, low: u32, high: u32) -> bool {
    text.bytes().all(|b| b.is_ascii_digit())
        && !text.is_empty()
        && text.parse::<u32>().is_ok_and(|n| (low..=high).contains(&n))
}

fn parse_date(text: &str) -> Option<(u32, u32, u32)> {
    if text.len() != 10 || &text[4..5] != "-" || &text[7..8] != "-" {
        return None;
    }
    let year: u32 = digits(&text[0..4])?;
    let month: u32 = digits(&text[5..7])?;
    let day: u32 = digits(&text[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some((year, month, day))
}

fn digits(text: &str) -> Option<u32> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// The kind of an SDMX time period, which decides the frequency it can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PeriodKind {
    Year,
    Half,
    Third,
    Quarter,
    Month,
    Week,
    Day,
}

/// Parses the time periods SDMX 2.1 calls `ObservationalTimePeriod` that statistics
/// offices publish: Gregorian `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, and the reporting
/// periods `YYYY-A1`, `YYYY-Sn`, `YYYY-Tn`, `YYYY-Qn`, `YYYY-Mmm`, `YYYY-Www`,
/// `YYYY-Dddd` (SDMX 2.1 Technical Notes, section 4.2, "Time and time format").
fn period_kind(value: &str) -> Option<PeriodKind> {
    let year_ok = |y: &str| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit());
    if value.len() == 4 {
        return year_ok(value).then_some(PeriodKind::Year);
    }
    let (year, rest) = value.split_at_checked(4)?;
    if !year_ok(year) {
        return None;
    }
    let rest = rest.strip_prefix('-')?;
    if value.len() == 10 {
        return parse_date(value).map(|_| PeriodKind::Day);
    }
    if rest.len() == 2 && rest.bytes().all(|b| b.is_ascii_digit()) {
        return digits_in(rest, 1, 12).then_some(PeriodKind::Month);
    }
    let (letter, number) = rest.split_at_checked(1)?;
    let (kind, width, high) = match letter {
        "A" => (PeriodKind::Year, 1, 1),
        "S" => (PeriodKind::Half, 1, 2),
        "T" => (PeriodKind::Third, 1, 3),
        "Q" => (PeriodKind::Quarter, 1, 4),
        "M" => (PeriodKind::Month, 2, 12),
        "W" => (PeriodKind::Week, 2, 53),
        "D" => (PeriodKind::Day, 3, 366),
        _ => return None,
    };
    (number.len() == width && digits_in(number, 1, high)).then_some(kind)
}

/// The period kinds each SDMX frequency code (CL_FREQ) allows.
fn kind_for_frequency(frequency: &str) -> Option<(PeriodKind, &'static str)> {
    match frequency {
        "A" => Some((PeriodKind::Year, "a year such as 2023")),
        "S" => Some((PeriodKind::Half, "a half-year such as 2023-S1")),
        "Q" => Some((PeriodKind::Quarter, "a quarter such as 2023-Q1")),
        "M" => Some((PeriodKind::Month, "a month such as 2023-01")),
        "W" => Some((PeriodKind::Week, "a week such as 2023-W01")),
        "D" => Some((PeriodKind::Day, "a day such as 2023-01-31")),
        _ => None,
    }
}

/// Checks every artefact of a structure message: identifiers, names, uniqueness,
/// code hierarchies, and that every reference resolves inside `structures`.
pub fn check_structures(structures: &Structures) -> Result<()> {
    let mut seen = HashSet::new();
    for codelist in &structures.codelists {
        check_codelist(codelist)?;
        if !seen.insert(codelist.reference()) {
            return Err(duplicate_artefact("codelist", &codelist.reference()));
        }
    }
    seen.clear();
    for scheme in &structures.concept_schemes {
        check_maintainable(
            "concept scheme",
            &scheme.agency,
            &scheme.id,
            &scheme.version,
            &scheme.name,
        )?;
        let container = || format!("concept scheme {}", scheme.reference());
        let mut ids = HashSet::new();
        for concept in &scheme.concepts {
            check_ncname(|| format!("concept of {}", container()), &concept.id)?;
            check_name(
                || format!("name of concept {} in {}", concept.id, container()),
                &concept.name,
            )?;
            if let Some(description) = &concept.description {
                check_text(
                    || format!("description of concept {}", concept.id),
                    description,
                )?;
            }
            if !ids.insert(concept.id.as_str()) {
                return Err(SdmxError::Duplicate {
                    kind: "concept",
                    id: concept.id.clone(),
                    container: container(),
                });
            }
        }
        if !seen.insert(scheme.reference()) {
            return Err(duplicate_artefact("concept scheme", &scheme.reference()));
        }
    }
    seen.clear();
    for dsd in &structures.data_structures {
        check_data_structure(structures, dsd)?;
        if !seen.insert(dsd.reference()) {
            return Err(duplicate_artefact("data structure", &dsd.reference()));
        }
    }
    seen.clear();
    for dataflow in &structures.dataflows {
        check_maintainable(
            "dataflow",
            &dataflow.agency,
            &dataflow.id,
            &dataflow.version,
            &dataflow.name,
        )?;
        if structures.data_structure(&dataflow.structure).is_none() {
            return Err(SdmxError::MissingReference {
                from: format!("dataflow {}", dataflow.reference()),
                kind: "data structure",
                target: dataflow.structure.to_string(),
            });
        }
        if !seen.insert(dataflow.reference()) {
            return Err(duplicate_artefact("dataflow", &dataflow.reference()));
        }
    }
    Ok(())
}

fn duplicate_artefact(kind: &'static str, reference: &ArtefactRef) -> SdmxError {
    SdmxError::Duplicate {
        kind,
        id: reference.to_string(),
        container: "the structures".to_owned(),
    }
}

fn check_codelist(codelist: &Codelist) -> Result<()> {
    check_maintainable(
        "codelist",
        &codelist.agency,
        &codelist.id,
        &codelist.version,
        &codelist.name,
    )?;
    let label = codelist.reference().to_string();
    if let Some(description) = &codelist.description {
        check_text(|| format!("description of codelist {label}"), description)?;
    }
    let mut parents: HashMap<&str, Option<&str>> = HashMap::new();
    for code in &codelist.codes {
        check_id(|| format!("code of codelist {label}"), &code.id)?;
        check_name(
            || format!("name of code {} in codelist {label}", code.id),
            &code.name,
        )?;
        if let Some(description) = &code.description {
            check_text(
                || format!("description of code {} in codelist {label}", code.id),
                description,
            )?;
        }
        if parents.insert(&code.id, code.parent.as_deref()).is_some() {
            return Err(SdmxError::Duplicate {
                kind: "code",
                id: code.id.clone(),
                container: format!("codelist {label}"),
            });
        }
    }
    for code in &codelist.codes {
        let Some(parent) = code.parent.as_deref() else {
            continue;
        };
        if !parents.contains_key(parent) {
            return Err(SdmxError::BadParent {
                codelist: label,
                code: code.id.clone(),
                parent: parent.to_owned(),
                problem: "which is not in the codelist",
            });
        }
        // Walk up at most as many steps as there are codes: a longer walk must loop.
        let mut current = Some(parent);
        for _ in 0..=codelist.codes.len() {
            match current {
                Some(id) if id == code.id => {
                    return Err(SdmxError::BadParent {
                        codelist: label,
                        code: code.id.clone(),
                        parent: parent.to_owned(),
                        problem: "which makes the hierarchy loop",
                    });
                }
                Some(id) => current = parents.get(id).copied().flatten(),
                None => break,
            }
        }
    }
    Ok(())
}

fn check_data_structure(structures: &Structures, dsd: &DataStructure) -> Result<()> {
    check_maintainable(
        "data structure",
        &dsd.agency,
        &dsd.id,
        &dsd.version,
        &dsd.name,
    )?;
    let label = dsd.reference().to_string();
    let bad = |problem: String| SdmxError::BadDataStructure {
        dsd: label.clone(),
        problem,
    };
    if dsd.dimensions.is_empty() {
        return Err(bad("it has no dimension besides time".to_owned()));
    }
    let scheme =
        structures
            .concept_scheme(&dsd.concepts)
            .ok_or_else(|| SdmxError::MissingReference {
                from: format!("data structure {label}"),
                kind: "concept scheme",
                target: dsd.concepts.to_string(),
            })?;
    let mut component_ids = HashSet::new();
    let all_ids = dsd
        .dimensions
        .iter()
        .map(|d| d.id.as_str())
        .chain([dsd.time_dimension.as_str(), dsd.primary_measure.as_str()])
        .chain(dsd.attributes.iter().map(|a| a.id.as_str()));
    for id in all_ids {
        check_ncname(|| format!("component of data structure {label}"), id)?;
        if !component_ids.insert(id) {
            return Err(SdmxError::Duplicate {
                kind: "component",
                id: id.to_owned(),
                container: format!("data structure {label}"),
            });
        }
        if !scheme.concepts.iter().any(|c| c.id == id) {
            return Err(SdmxError::MissingReference {
                from: format!("component {id} of data structure {label}"),
                kind: "concept",
                target: format!("{id} in {}", dsd.concepts),
            });
        }
    }
    for dimension in &dsd.dimensions {
        if structures.codelist(&dimension.codelist).is_none() {
            return Err(SdmxError::MissingReference {
                from: format!("dimension {} of data structure {label}", dimension.id),
                kind: "codelist",
                target: dimension.codelist.to_string(),
            });
        }
    }
    for attribute in &dsd.attributes {
        if let Representation::Coded(reference) = &attribute.representation
            && structures.codelist(reference).is_none()
        {
            return Err(SdmxError::MissingReference {
                from: format!("attribute {} of data structure {label}", attribute.id),
                kind: "codelist",
                target: reference.to_string(),
            });
        }
    }
    Ok(())
}

/// FNV-1a (Fowler, Noll and Vo, 1991), a fast hash for the short code strings that
/// every observation looks up; the keys come from the release's own codelists, so
/// the hash-flooding protection of the default hasher buys nothing here.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(PRIME);
        }
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// A data set checked against its structures, with observations grouped into
/// series and sorted (series by the codelist positions of their key codes, then
/// observations by time period).
#[derive(Debug)]
pub(crate) struct Resolved<'a> {
    pub dataflow: &'a Dataflow,
    pub dsd: &'a DataStructure,
    /// The codelist of each dimension, in DSD order.
    pub dimension_codelists: Vec<&'a Codelist>,
    /// The codelist of each attribute (None for text attributes), in DSD order.
    pub attribute_codelists: Vec<Option<&'a Codelist>>,
    pub series: Vec<Series<'a>>,
}

/// One series: observations sharing every dimension code except time.
#[derive(Debug)]
pub(crate) struct Series<'a> {
    pub key: &'a [String],
    /// Position of each key code in its dimension's codelist.
    pub positions: Vec<usize>,
    pub observations: Vec<&'a Observation>,
}

impl Resolved<'_> {
    /// Indexes into `dsd.attributes` of the series-level attributes.
    pub fn series_attributes(&self) -> Vec<usize> {
        self.attribute_indexes(Attachment::Series)
    }

    /// Indexes into `dsd.attributes` of the observation-level attributes.
    pub fn observation_attributes(&self) -> Vec<usize> {
        self.attribute_indexes(Attachment::Observation)
    }

    fn attribute_indexes(&self, level: Attachment) -> Vec<usize> {
        (0..self.dsd.attributes.len())
            .filter(|&i| self.dsd.attributes[i].attachment == level)
            .collect()
    }

    /// Every observation in output order.
    pub fn observations(&self) -> impl Iterator<Item = &Observation> {
        self.series
            .iter()
            .flat_map(|s| s.observations.iter().copied())
    }
}

/// The attribute that carries SDMX confidentiality status, and the one code that
/// allows a value to be published ("F", free; SDMX cross-domain code list
/// CL_CONF_STATUS).
const CONF_STATUS: &str = "CONF_STATUS";
const CONF_FREE: &str = "F";

/// Checks a data set against `structures` and groups it for writing.
pub(crate) fn resolve<'a>(structures: &'a Structures, data: &'a DataSet) -> Result<Resolved<'a>> {
    check_structures(structures)?;
    let dataflow = structures
        .dataflow(&data.dataflow)
        .ok_or_else(|| SdmxError::UnknownDataflow(data.dataflow.to_string()))?;
    let dsd = structures
        .data_structure(&dataflow.structure)
        .ok_or_else(|| SdmxError::MissingReference {
            from: format!("dataflow {}", dataflow.reference()),
            kind: "data structure",
            target: dataflow.structure.to_string(),
        })?;
    // Present: `check_structures` verified every reference above.
    let dimension_codelists: Vec<&Codelist> = dsd
        .dimensions
        .iter()
        .filter_map(|d| structures.codelist(&d.codelist))
        .collect();
    let attribute_codelists: Vec<Option<&Codelist>> = dsd
        .attributes
        .iter()
        .map(|a| match &a.representation {
            Representation::Coded(reference) => structures.codelist(reference),
            Representation::Text(_) => None,
        })
        .collect();
    let code_positions: Vec<FastMap<&str, usize>> = dimension_codelists
        .iter()
        .map(|cl| {
            cl.codes
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id.as_str(), i))
                .collect()
        })
        .collect();
    let frequency_dimension = dsd.dimensions.iter().position(|d| d.id == "FREQ");
    let attribute_lookup = AttributeLookup::new(dsd, &attribute_codelists);

    // Check each observation and note its key as codelist positions.
    let mut entries: Vec<(Vec<usize>, usize, &Observation)> =
        Vec::with_capacity(data.observations.len());
    for (index, observation) in data.observations.iter().enumerate() {
        if observation.key.len() != dsd.dimensions.len() {
            return Err(SdmxError::KeyLength {
                index,
                expected: dsd.dimensions.len(),
                dimensions: dsd
                    .dimensions
                    .iter()
                    .map(|d| d.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                found: observation.key.len(),
            });
        }
        let mut positions = Vec::with_capacity(observation.key.len());
        for ((code, dimension), lookup) in observation
            .key
            .iter()
            .zip(&dsd.dimensions)
            .zip(&code_positions)
        {
            let position = lookup
                .get(code.as_str())
                .ok_or_else(|| SdmxError::UnknownCode {
                    index,
                    dimension: dimension.id.clone(),
                    codelist: dimension.codelist.to_string(),
                    code: code.clone(),
                })?;
            positions.push(*position);
        }
        check_time_period(index, observation, frequency_dimension)?;
        if let Some(value) = observation.value
            && !value.is_finite()
        {
            return Err(SdmxError::NonFiniteValue {
                index,
                value: value.to_string(),
            });
        }
        check_observation_attributes(index, observation, dsd, &attribute_lookup)?;
        entries.push((positions, index, observation));
    }

    // Sorting by key, time and input position makes each series a run of entries
    // and puts repeated periods next to each other.
    entries.sort_unstable_by(|(pa, ia, a), (pb, ib, b)| {
        pa.cmp(pb)
            .then_with(|| period_order(&a.time_period).cmp(&period_order(&b.time_period)))
            .then(ia.cmp(ib))
    });
    let series_attributes: Vec<&Attribute> = dsd
        .attributes
        .iter()
        .filter(|a| a.attachment == Attachment::Series)
        .collect();
    let mut resolved_series = Vec::new();
    for run in entries.chunk_by(|(pa, _, _), (pb, _, _)| pa == pb) {
        for pair in run.windows(2) {
            let ((_, first, a), (_, second, b)) = (&pair[0], &pair[1]);
            if a.time_period == b.time_period {
                return Err(SdmxError::DuplicateObservation {
                    first: *first,
                    second: *second,
                    key: a.key.join("."),
                    time_period: a.time_period.clone(),
                });
            }
        }
        for attribute in &series_attributes {
            let mut values = run
                .iter()
                .filter_map(|(_, index, o)| Some((*index, o.attributes.get(&attribute.id)?)));
            match values.next() {
                Some((_, first)) => {
                    if let Some((index, second)) = values.find(|(_, v)| *v != first) {
                        return Err(SdmxError::InconsistentSeriesAttribute {
                            index,
                            series: run[0].2.key.join("."),
                            attribute: attribute.id.clone(),
                            first: first.clone(),
                            second: second.clone(),
                        });
                    }
                }
                None if attribute.assignment == Assignment::Mandatory => {
                    let first_in_input = run.iter().map(|(_, index, _)| *index).min();
                    return Err(SdmxError::MissingAttribute {
                        index: first_in_input.unwrap_or_default(),
                        attribute: attribute.id.clone(),
                    });
                }
                None => {}
            }
        }
        resolved_series.push(Series {
            key: &run[0].2.key,
            positions: run[0].0.clone(),
            observations: run.iter().map(|(_, _, o)| *o).collect(),
        });
    }

    Ok(Resolved {
        dataflow,
        dsd,
        dimension_codelists,
        attribute_codelists,
        series: resolved_series,
    })
}

/// Sort key for time periods: periods of one frequency sort correctly as text;
/// the length first keeps a year (`2023`) ahead of its sub-periods when a DSD
/// without FREQ mixes them.
fn period_order(period: &str) -> (usize, &str) {
    (period.len(), period)
}

fn check_time_period(
    index: usize,
    observation: &Observation,
    frequency_dimension: Option<usize>,
) -> Result<()> {
    let period = &observation.time_period;
    let Some(kind) = period_kind(period) else {
        return Err(SdmxError::InvalidTimePeriod {
            index,
            value: period.clone(),
            problem: "expected an SDMX time period such as 2023, 2023-Q1, 2023-01 or 2023-01-31"
                .to_owned(),
        });
    };
    if let Some(at) = frequency_dimension {
        let frequency = &observation.key[at];
        if let Some((expected, example)) = kind_for_frequency(frequency)
            && kind != expected
        {
            return Err(SdmxError::InvalidTimePeriod {
                index,
                value: period.clone(),
                problem: format!("FREQ is {frequency}, so the period must be {example}"),
            });
        }
    }
    Ok(())
}

/// Lookups for checking attribute values, built once per data set.
struct AttributeLookup<'a> {
    position: FastMap<&'a str, usize>,
    /// The codes of each coded attribute's codelist.
    codes: Vec<Option<FastMap<&'a str, ()>>>,
}

impl<'a> AttributeLookup<'a> {
    fn new(dsd: &'a DataStructure, codelists: &[Option<&'a Codelist>]) -> Self {
        AttributeLookup {
            position: dsd
                .attributes
                .iter()
                .enumerate()
                .map(|(i, a)| (a.id.as_str(), i))
                .collect(),
            codes: codelists
                .iter()
                .map(|cl| cl.map(|cl| cl.codes.iter().map(|c| (c.id.as_str(), ())).collect()))
                .collect(),
        }
    }
}

fn check_observation_attributes(
    index: usize,
    observation: &Observation,
    dsd: &DataStructure,
    lookup: &AttributeLookup<'_>,
) -> Result<()> {
    for (id, value) in &observation.attributes {
        let Some(&at) = lookup.position.get(id.as_str()) else {
            return Err(SdmxError::UnknownAttribute {
                index,
                attribute: id.clone(),
                dsd: dsd.reference().to_string(),
            });
        };
        let attribute = &dsd.attributes[at];
        let invalid = |problem: String| SdmxError::InvalidAttributeValue {
            index,
            attribute: id.clone(),
            value: value.clone(),
            problem,
        };
        match (&attribute.representation, &lookup.codes[at]) {
            (Representation::Coded(reference), Some(codes)) => {
                if !codes.contains_key(value.as_str()) {
                    return Err(invalid(format!("not a code of {reference}")));
                }
            }
            (Representation::Coded(reference), None) => {
                return Err(invalid(format!("codelist {reference} is missing")));
            }
            (Representation::Text(TextType::Double), _) => {
                if !value.parse::<f64>().is_ok_and(f64::is_finite)
                    || value.contains(['e', 'E', 'i', 'n', 'N'])
                {
                    return Err(invalid(
                        "expected a finite decimal number such as 12.5".to_owned(),
                    ));
                }
            }
            (Representation::Text(TextType::Integer), _) => {
                if value.parse::<i64>().is_err() {
                    return Err(invalid("expected a whole number".to_owned()));
                }
            }
            (Representation::Text(TextType::String), _) => {
                check_text(|| format!("observation {index}: attribute {id}"), value)?;
            }
        }
    }
    // Series-level attributes may sit on any observation of their series; `resolve`
    // checks those once the series are grouped.
    for attribute in &dsd.attributes {
        if attribute.assignment == Assignment::Mandatory
            && attribute.attachment == Attachment::Observation
            && !observation.attributes.contains_key(&attribute.id)
        {
            return Err(SdmxError::MissingAttribute {
                index,
                attribute: attribute.id.clone(),
            });
        }
    }
    if observation.value.is_some()
        && let Some(status) = observation.attributes.get(CONF_STATUS)
        && status != CONF_FREE
    {
        return Err(SdmxError::ConfidentialValue {
            index,
            key: observation.key.join("."),
            time_period: observation.time_period.clone(),
            status: status.clone(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_sdmx_21_patterns() {
        let what = || "test".to_owned();
        // IDType allows leading digits (ICCS codes) and the SDMX generic codes.
        for ok in ["0101", "_T", "_X", "Y_GE60", "A@b$c-d"] {
            assert!(check_id(what, ok).is_ok(), "{ok}");
        }
        for bad in ["", "01.1", "a b", "é", "x/y"] {
            assert!(check_id(what, bad).is_err(), "{bad}");
        }
        // NCNameIDType must start with a letter: usable as an XML attribute name.
        assert!(check_ncname(what, "REF_AREA").is_ok());
        for bad in ["_T", "0101", "", "A@B"] {
            assert!(check_ncname(what, bad).is_err(), "{bad}");
        }
        assert!(check_agency(what, "IAEG-SDGs").is_ok());
        assert!(check_agency(what, "ESTAT.NSO").is_ok());
        assert!(check_agency(what, "1NSO").is_err());
        assert!(check_version(what, "1.10.0").is_ok());
        for bad in ["1.", "v1", "", "1..0"] {
            assert!(check_version(what, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn time_periods_follow_sdmx_formats() {
        let cases = [
            ("2023", Some(PeriodKind::Year)),
            ("2023-A1", Some(PeriodKind::Year)),
            ("2023-S2", Some(PeriodKind::Half)),
            ("2023-Q4", Some(PeriodKind::Quarter)),
            ("2023-Q5", None),
            ("2023-01", Some(PeriodKind::Month)),
            ("2023-M12", Some(PeriodKind::Month)),
            ("2023-13", None),
            ("2023-W53", Some(PeriodKind::Week)),
            ("2024-02-29", Some(PeriodKind::Day)), // 2024 is a leap year
            ("2023-02-29", None),                  // 2023 is not
            ("1900-02-29", None),                  // divisible by 100, not by 400
            ("2000-02-29", Some(PeriodKind::Day)), // divisible by 400
            ("2023-D366", Some(PeriodKind::Day)),
            ("23", None),
            ("2023Q1", None),
        ];
        for (text, expected) in cases {
            assert_eq!(period_kind(text), expected, "{text}");
        }
    }

    #[test]
    fn prepared_must_be_an_xs_date_time() {
        for ok in [
            "2025-03-31T09:00:00Z",
            "2025-03-31T09:00:00",
            "2025-03-31T09:00:00.5+02:00",
        ] {
            assert!(is_date_time(ok), "{ok}");
        }
        for bad in [
            "2025-03-31",
            "2025-03-31 09:00:00",
            "2025-03-31T25:00:00Z",
            "2025-02-30T00:00:00Z",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn control_characters_are_refused() {
        assert!(check_text(|| "x".to_owned(), "tab\tand newline\n are fine").is_ok());
        let error = check_text(|| "name".to_owned(), "bell\u{7}").unwrap_err();
        assert!(error.to_string().contains("U+0007"), "{error}");
    }
}
