//! Row validation: each raw record becomes either a row of typed cells ready
//! for the store, or a list of problems, each naming the source column, the
//! value and what was expected. Nothing here fails the whole file.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use evident_store::records::age_group;
use evident_store::{Column, ColumnType, Presence, RecordKind, Values};

use crate::dates::{self, DateFormat};
use crate::error::{IngestError, MissingColumn};
use crate::pseudonym::{Pseudonymiser, token_value};
use crate::read::{RawRecord, RecordProblem};
use crate::schema::{ColumnRef, Mapping, Schema, Source, closest};

/// A converted value. Text cells point into the record, the row's scratch
/// strings, the plan's mapped codes or static code lists, so converting a row
/// allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell {
    Null,
    Field { start: u32, end: u32 },
    Scratch(usize),
    Code(u32),
    Static(&'static str),
    Date(i32),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// One thing wrong with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The source column as the user knows it.
    pub column: String,
    /// The offending value, if there is one to show.
    pub value: Option<String>,
    /// What is wrong and what was expected.
    pub reason: String,
    /// A short stable name for counting (`required`, `not_a_date` …).
    pub code: &'static str,
}

/// Per-row working memory, reused from row to row.
#[derive(Debug, Default)]
pub(crate) struct RowScratch {
    pub cells: Vec<Cell>,
    pub strings: Vec<String>,
    pub problems: Vec<Problem>,
    pub key: Vec<u8>,
    ranges: Vec<Option<(u32, u32)>>,
}

/// Where a canonical column's value comes from, resolved against the header.
#[derive(Debug, Clone)]
enum Input {
    Field(usize),
    Fields(Vec<usize>),
    Constant(String),
    Unmapped,
}

#[derive(Debug)]
struct ColumnPlan {
    column: &'static Column,
    input: Input,
    label: String,
    mapping: Option<Mapping>,
    codes: FastMap<u32>,
    /// For code indexes whose value is a code of this column's code list: that code.
    static_codes: Vec<Option<&'static str>>,
    other: Option<u32>,
    reference: Option<(Arc<FastSet>, &'static str)>,
    check_future: bool,
}

/// A check across columns, by column index.
#[derive(Debug, Clone, Copy)]
enum RowRule {
    /// The first date must not be after the second.
    Order(usize, usize),
    /// A sentence other than `none` needs a conviction.
    Sentence { outcome: usize, sentence: usize },
    /// The age band follows the age, else the source, else `U`.
    AgeGroup { age: usize, group: usize },
}

/// Limits a plan applies, resolved from the workspace and the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub earliest: i32,
    pub today: i32,
    pub max_age: i32,
    pub max_field: usize,
}

/// Everything needed to check rows of one file against one schema.
#[derive(Debug)]
pub(crate) struct Plan {
    pub kind: RecordKind,
    columns: Vec<ColumnPlan>,
    code_values: Vec<String>,
    header_len: usize,
    header: Vec<String>,
    /// Per source column: read by some mapping.
    pub source_used: Vec<bool>,
    /// Per source column: feeds a pseudonymised column (its raw value must not be kept).
    pub source_identifying: Vec<bool>,
    key_columns: Vec<usize>,
    key_label: String,
    /// Column indexes of each group of which one must have a value.
    groups: Vec<Vec<usize>>,
    /// Rules across columns.
    rules: Vec<RowRule>,
    partition: Option<usize>,
    limits: Limits,
    trim: bool,
    null_values: Vec<String>,
    /// Whether `null_values` has more than the empty string.
    extra_nulls: bool,
    pseudonymiser: Pseudonymiser,
}

/// FxHash, the multiply-rotate hash of Firefox and rustc: a few cycles for a
/// short code, where SipHash costs tens. The maps it serves hold values from
/// schemas and reference data, not values a source file chooses, so they need
/// no protection against engineered collisions.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A hash set of strings with [`FxHasher`].
pub(crate) type FastSet = HashSet<String, BuildHasherDefault<FxHasher>>;
type FastMap<V> = HashMap<String, V, BuildHasherDefault<FxHasher>>;

/// Reference values by kind, loaded from the store.
pub(crate) type References = HashMap<RecordKind, Arc<FastSet>>;

/// Which reference kinds a schema needs (those its mapped columns point to).
pub(crate) fn needed_references(schema: &Schema) -> Vec<RecordKind> {
    let mut kinds = Vec::new();
    for m in &schema.mappings {
        if let Values::Reference(kind) = m.column.values
            && !kinds.contains(&kind)
        {
            kinds.push(kind);
        }
    }
    kinds
}

/// The words used for reference data in messages.
pub(crate) fn reference_name(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Area => "area codelist",
        RecordKind::OffenceCode => "offence code list",
        RecordKind::Facility => "facility list",
        _ => "reference list",
    }
}

const FUTURE_CHECKED: &[&str] = &[
    "recorded_date",
    "occurred_date",
    "offence_date",
    "prosecution_date",
    "decision_date",
    "event_date",
];

impl Plan {
    /// Resolves the schema's mappings against the file's header.
    pub(crate) fn new(
        schema: &Schema,
        header: &[String],
        path: &std::path::Path,
        limits: Limits,
        references: &References,
        pseudonymiser: Pseudonymiser,
    ) -> Result<Plan, IngestError> {
        let kind = schema.kind;
        let resolve = |column_ref: &ColumnRef, target: &str| -> Result<usize, IngestError> {
            match column_ref {
                ColumnRef::Position(p) => {
                    if *p <= header.len() {
                        Ok(p - 1)
                    } else {
                        Err(IngestError::Format {
                            path: path.to_path_buf(),
                            message: format!(
                                "schema {} maps column {p} to {target}, but the first row has only {} fields",
                                schema.name,
                                header.len()
                            ),
                        })
                    }
                }
                ColumnRef::Name(name) => {
                    let positions: Vec<usize> = header
                        .iter()
                        .enumerate()
                        .filter(|(_, h)| *h == name)
                        .map(|(i, _)| i)
                        .collect();
                    match positions.as_slice() {
                        [i] => Ok(*i),
                        [] => {
                            let names: Vec<&str> = header.iter().map(String::as_str).collect();
                            let hint = closest(name, &names)
                                .map(|c| format!(" (did you mean {c:?}?)"))
                                .unwrap_or_default();
                            Err(IngestError::MissingColumn(Box::new(MissingColumn {
                                path: path.to_path_buf(),
                                schema: schema.name.clone(),
                                column: format!("{name:?}"),
                                target: target.to_owned(),
                                hint,
                                found: names.join(", "),
                            })))
                        }
                        many => Err(IngestError::AmbiguousColumn {
                            path: path.to_path_buf(),
                            column: name.clone(),
                            count: many.len(),
                            positions: many
                                .iter()
                                .map(|i| (i + 1).to_string())
                                .collect::<Vec<_>>()
                                .join(", "),
                            first: many[0] + 1,
                        }),
                    }
                }
            }
        };
        let mut source_used = vec![false; header.len()];
        let mut source_identifying = vec![false; header.len()];
        let mut code_values: Vec<String> = Vec::new();
        let mut columns: Vec<ColumnPlan> = Vec::new();
        for column in kind.columns() {
            let mapping = schema
                .mappings
                .iter()
                .find(|m| m.column.name == column.name)
                .cloned();
            let (input, label) = match mapping.as_ref().map(|m| &m.source) {
                None => (Input::Unmapped, column.name.to_owned()),
                Some(Source::Constant(v)) => (Input::Constant(v.clone()), column.name.to_owned()),
                Some(Source::Column(c)) => {
                    let i = resolve(c, column.name)?;
                    (Input::Field(i), label_of(header, i))
                }
                Some(Source::Columns(cs)) => {
                    let mut idx = Vec::new();
                    for c in cs {
                        idx.push(resolve(c, column.name)?);
                    }
                    let label = idx
                        .iter()
                        .map(|&i| label_of(header, i))
                        .collect::<Vec<_>>()
                        .join("+");
                    (Input::Fields(idx), label)
                }
            };
            let identifying = mapping.as_ref().is_some_and(|m| m.pseudonymise);
            match &input {
                Input::Field(i) => {
                    source_used[*i] = true;
                    source_identifying[*i] |= identifying;
                }
                Input::Fields(is) => {
                    for i in is {
                        source_used[*i] = true;
                        source_identifying[*i] |= identifying;
                    }
                }
                _ => {}
            }
            let mut codes = FastMap::default();
            let mut intern = |value: &String| -> u32 {
                match code_values.iter().position(|v| v == value) {
                    Some(i) => i as u32,
                    None => {
                        code_values.push(value.clone());
                        (code_values.len() - 1) as u32
                    }
                }
            };
            let mut other = None;
            if let Some(m) = &mapping {
                for (from, to) in &m.codes {
                    codes.insert(from.trim().to_owned(), intern(to));
                }
                other = m.other.as_ref().map(&mut intern);
            }
            let reference = match column.values {
                Values::Reference(ref_kind)
                    if !matches!(input, Input::Unmapped) && !references.is_empty() =>
                {
                    let set = references.get(&ref_kind).cloned().ok_or(
                        IngestError::MissingReference {
                            what: reference_name(ref_kind),
                            kind: ref_kind.name(),
                        },
                    )?;
                    Some((set, reference_name(ref_kind)))
                }
                _ => None,
            };
            columns.push(ColumnPlan {
                column,
                input,
                label,
                mapping,
                codes,
                static_codes: Vec::new(),
                other,
                reference,
                check_future: FUTURE_CHECKED.contains(&column.name),
            });
        }
        for plan in &mut columns {
            if let Values::Codelist(list) = plan.column.values {
                plan.static_codes = code_values
                    .iter()
                    .map(|v| list.codes().iter().find(|c| **c == v.as_str()).copied())
                    .collect();
            }
        }
        let position = |name: &str| columns.iter().position(|c| c.column.name == name);
        let key_columns: Vec<usize> = kind
            .key_columns()
            .iter()
            .filter_map(|k| position(k))
            .collect();
        let key_label = kind.key_columns().join(" and ");
        let partition = kind.partition_column().and_then(position);
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut seen_groups: Vec<&str> = Vec::new();
        for column in kind.columns() {
            if let Presence::OneOf(g) = column.presence
                && !seen_groups.contains(&g)
            {
                seen_groups.push(g);
                groups.push(
                    (0..columns.len())
                        .filter(|&i| columns[i].column.presence == Presence::OneOf(g))
                        .collect(),
                );
            }
        }
        let pair = |a: &str, b: &str| Some((position(a)?, position(b)?));
        let mut rules = Vec::new();
        let orders: &[(&str, &str)] = match kind {
            RecordKind::Offence => &[("occurred_date", "recorded_date")],
            RecordKind::CourtDecision => &[
                ("offence_date", "prosecution_date"),
                ("prosecution_date", "decision_date"),
            ],
            RecordKind::OffenceCode => &[("valid_from", "valid_to")],
            _ => &[],
        };
        for (a, b) in orders {
            if let Some((a, b)) = pair(a, b) {
                rules.push(RowRule::Order(a, b));
            }
        }
        if kind == RecordKind::CourtDecision
            && let Some((outcome, sentence)) = pair("outcome", "sentence_type")
        {
            rules.push(RowRule::Sentence { outcome, sentence });
        }
        if kind == RecordKind::Person
            && let Some((age, group)) = pair("age", "age_group")
        {
            rules.push(RowRule::AgeGroup { age, group });
        }
        Ok(Plan {
            kind,
            columns,
            code_values,
            header_len: header.len(),
            header: header.to_vec(),
            source_used,
            source_identifying,
            key_columns,
            key_label,
            groups,
            rules,
            partition,
            limits,
            trim: schema.file.trim,
            null_values: schema.file.null_values.clone(),
            extra_nulls: schema.file.null_values.iter().any(|n| !n.is_empty()),
            pseudonymiser,
        })
    }

    /// The canonical columns in storage order.
    pub(crate) fn columns(&self) -> impl Iterator<Item = &'static Column> + '_ {
        self.columns.iter().map(|c| c.column)
    }

    /// The text of a cell; `whole` is the record as text when it is valid UTF-8.
    pub(crate) fn text<'a>(
        &'a self,
        cell: Cell,
        record: &'a RawRecord,
        whole: Option<&'a str>,
        scratch: &'a RowScratch,
    ) -> &'a str {
        match cell {
            Cell::Field { start, end } => {
                let (start, end) = (start as usize, end as usize);
                whole
                    .and_then(|w| w.get(start..end))
                    .or_else(|| {
                        std::str::from_utf8(record.buf.get(start..end).unwrap_or_default()).ok()
                    })
                    .unwrap_or("")
            }
            Cell::Scratch(i) => scratch.strings.get(i).map(String::as_str).unwrap_or(""),
            Cell::Code(i) => self
                .code_values
                .get(i as usize)
                .map(String::as_str)
                .unwrap_or(""),
            Cell::Static(s) => s,
            _ => "",
        }
    }

    /// The year partition of a valid row.
    pub(crate) fn partition_of(&self, scratch: &RowScratch) -> Option<i32> {
        match scratch.cells.get(self.partition?)? {
            Cell::Date(d) => Some(dates::civil_from_days(*d).0),
            Cell::Int(y) => i32::try_from(*y).ok(),
            _ => None,
        }
    }

    /// Checks and converts one record; true when the row can be stored.
    /// Problems are left in `scratch.problems`.
    pub(crate) fn check(
        &self,
        record: &RawRecord,
        whole: Option<&str>,
        scratch: &mut RowScratch,
    ) -> bool {
        scratch.cells.clear();
        scratch.problems.clear();
        if let Some(problem) = &record.problem {
            let p = self.record_problem(problem, record);
            scratch.problems.push(p);
            return false;
        }
        if record.len() != self.header_len {
            let (column, value) = if record.len() < self.header_len {
                (label_of(&self.header, record.len()), None)
            } else {
                let extra = record
                    .field(self.header_len)
                    .map(|b| String::from_utf8_lossy(b).into_owned());
                (format!("field {}", self.header_len + 1), extra)
            };
            scratch.problems.push(Problem {
                column,
                value,
                reason: format!(
                    "row has {} fields but the header has {}",
                    record.len(),
                    self.header_len
                ),
                code: "ragged_row",
            });
            return false;
        }
        self.locate_fields(record, whole, scratch);
        let mut string_slot = 0;
        for plan in &self.columns {
            let cell = self.convert(plan, record, whole, scratch, &mut string_slot);
            scratch.cells.push(cell);
        }
        if scratch.problems.is_empty() {
            self.check_row(scratch);
        }
        scratch.problems.is_empty()
    }

    /// Finds each field's trimmed byte range and whether it is valid UTF-8.
    fn locate_fields(&self, record: &RawRecord, whole: Option<&str>, scratch: &mut RowScratch) {
        scratch.ranges.clear();
        let mut start = 0usize;
        for &end in record.ends() {
            let bytes = &record.buf[start..end];
            let valid = match whole {
                Some(text) => text.is_char_boundary(start) && text.is_char_boundary(end),
                None => false,
            } || std::str::from_utf8(bytes).is_ok();
            if valid {
                let (mut a, mut b) = (start, end);
                if self.trim {
                    while a < b && record.buf[a].is_ascii_whitespace() {
                        a += 1;
                    }
                    while b > a && record.buf[b - 1].is_ascii_whitespace() {
                        b -= 1;
                    }
                }
                scratch.ranges.push(Some((a as u32, b as u32)));
            } else {
                scratch.ranges.push(None);
            }
            start = end;
        }
    }

    fn record_problem(&self, problem: &RecordProblem, record: &RawRecord) -> Problem {
        let column_at = |i: usize| {
            if i < self.header.len() {
                label_of(&self.header, i)
            } else {
                format!("field {}", i + 1)
            }
        };
        match problem {
            RecordProblem::Oversized { field, bytes } => Problem {
                column: column_at(*field),
                value: record
                    .field(*field)
                    .map(|b| format!("{}…", String::from_utf8_lossy(&b[..b.len().min(40)]))),
                reason: format!(
                    "field is {bytes} bytes long, over the limit of {} bytes ([checks] max_field_bytes)",
                    self.limits.max_field
                ),
                code: "oversized_field",
            },
            RecordProblem::Unterminated { field, last_line } => Problem {
                column: column_at(*field),
                value: None,
                reason: format!(
                    "a quoted field opened here is not closed before the end of the file (line {last_line})"
                ),
                code: "unterminated_quote",
            },
            RecordProblem::TooManyFields { count } => Problem {
                column: format!("field {}", self.header_len + 1),
                value: None,
                reason: format!(
                    "row has more than {count} fields; the header has {}",
                    self.header_len
                ),
                code: "ragged_row",
            },
            RecordProblem::Malformed(message) => Problem {
                column: "(whole line)".to_owned(),
                value: None,
                reason: message.clone(),
                code: "malformed_line",
            },
        }
    }

    fn field_text<'r>(
        &self,
        record: &'r RawRecord,
        whole: Option<&'r str>,
        scratch: &RowScratch,
        i: usize,
    ) -> Result<(u32, u32, &'r str), String> {
        match scratch.ranges.get(i).copied().flatten() {
            Some((a, b)) => {
                let (start, end) = (a as usize, b as usize);
                let text = whole
                    .and_then(|w| w.get(start..end))
                    .or_else(|| std::str::from_utf8(&record.buf[start..end]).ok())
                    .unwrap_or("");
                Ok((a, b, text))
            }
            None => {
                let bytes = record.field(i).unwrap_or_default();
                let err = std::str::from_utf8(bytes).err();
                let pos = err.map_or(0, |e| e.valid_up_to());
                Err(format!(
                    "invalid UTF-8 (byte 0x{:02X} at position {}); if the file is Latin-1 or Windows-1252, set encoding = \"windows-1252\" in [file]",
                    bytes.get(pos).copied().unwrap_or(0),
                    pos + 1
                ))
            }
        }
    }

    fn is_null(&self, text: &str) -> bool {
        text.is_empty() || (self.extra_nulls && self.null_values.iter().any(|n| n == text))
    }

    fn convert<'a>(
        &'a self,
        plan: &'a ColumnPlan,
        record: &'a RawRecord,
        whole: Option<&'a str>,
        scratch: &mut RowScratch,
        slot: &mut usize,
    ) -> Cell {
        let column = plan.column;
        let label = &plan.label;
        let mapping = plan.mapping.as_ref();
        let pseudonymise = mapping.is_some_and(|m| m.pseudonymise);
        // The text and, when it is in the record, where.
        let (mut text, range): (&'a str, Option<(u32, u32)>) = match &plan.input {
            Input::Unmapped => return Cell::Null,
            Input::Constant(v) => (v.as_str(), None),
            Input::Field(i) => match self.field_text(record, whole, scratch, *i) {
                Ok((a, b, t)) => {
                    if t.len() > self.limits.max_field {
                        scratch.problems.push(Problem {
                            column: label.clone(),
                            value: Some(format!("{}…", t.chars().take(40).collect::<String>())),
                            reason: format!(
                                "field is {} bytes long, over the limit of {} bytes ([checks] max_field_bytes)",
                                t.len(),
                                self.limits.max_field
                            ),
                            code: "oversized_field",
                        });
                        return Cell::Null;
                    }
                    if self.is_null(t) {
                        ("", None)
                    } else {
                        (t, Some((a, b)))
                    }
                }
                Err(reason) => {
                    let bytes = record.field(*i).unwrap_or_default();
                    scratch.problems.push(Problem {
                        column: label.clone(),
                        value: Some(String::from_utf8_lossy(bytes).into_owned()),
                        reason,
                        code: "invalid_utf8",
                    });
                    return Cell::Null;
                }
            },
            Input::Fields(indexes) => {
                let mut parts: Vec<&str> = Vec::with_capacity(indexes.len());
                for i in indexes {
                    match self.field_text(record, whole, scratch, *i) {
                        Ok((_, _, t)) => parts.push(if self.is_null(t) { "" } else { t }),
                        Err(reason) => {
                            scratch.problems.push(Problem {
                                column: label_of(&self.header, *i),
                                value: None,
                                reason,
                                code: "invalid_utf8",
                            });
                            return Cell::Null;
                        }
                    }
                }
                if parts.iter().all(|p| p.is_empty()) {
                    ("", None)
                } else {
                    let namespace = mapping.map(|m| m.namespace.as_str()).unwrap_or("");
                    let token = token_value(parts[0]);
                    let out = next_string(scratch, slot);
                    match token {
                        Some(hex) => out.push_str(hex),
                        None => self.pseudonymiser.pseudonym_into(namespace, &parts, out),
                    }
                    return Cell::Scratch(*slot - 1);
                }
            }
        };
        // Recode: listed source values first, then `other` for any other value.
        let original = text;
        let mut mapped: Option<u32> = None;
        if !plan.codes.is_empty() || plan.other.is_some() {
            mapped = plan.codes.get(text).copied();
            if mapped.is_none() && !text.is_empty() {
                mapped = plan.other;
            }
            if let Some(i) = mapped {
                text = self.code_values[i as usize].as_str();
            }
        }
        if text.is_empty()
            && let Some(default) = mapping.and_then(|m| m.default.as_deref())
        {
            text = default;
        }
        if text.is_empty() {
            if column.presence == Presence::Required {
                scratch.problems.push(Problem {
                    column: label.clone(),
                    value: None,
                    reason: "required value is missing".to_owned(),
                    code: "required",
                });
            }
            return Cell::Null;
        }
        let problem = |scratch: &mut RowScratch, reason: String, code: &'static str| {
            scratch.problems.push(Problem {
                column: label.clone(),
                value: Some(original.to_owned()),
                reason,
                code,
            });
            Cell::Null
        };
        match column.ty {
            ColumnType::Text => {
                if pseudonymise {
                    let namespace = mapping.map(|m| m.namespace.as_str()).unwrap_or("");
                    let token = token_value(text);
                    let out = next_string(scratch, slot);
                    match token {
                        Some(hex) => out.push_str(hex),
                        None => self.pseudonymiser.pseudonym_into(namespace, &[text], out),
                    }
                    return Cell::Scratch(*slot - 1);
                }
                let value = text;
                match column.values {
                    Values::Codelist(list) => match mapped
                        .and_then(|i| plan.static_codes.get(i as usize).copied().flatten())
                        .or_else(|| list.codes().iter().find(|c| **c == value).copied())
                    {
                        Some(c) => Cell::Static(c),
                        None => problem(
                            scratch,
                            format!(
                                "{original:?} is not a known {} code (expected {}{})",
                                list.name(),
                                or_list(list.codes()),
                                if plan.codes.is_empty() {
                                    ""
                                } else {
                                    " or a value listed in its codes"
                                }
                            ),
                            "unknown_code",
                        ),
                    },
                    Values::Reference(_) => match &plan.reference {
                        Some((set, what)) if !set.contains(value) => problem(
                            scratch,
                            format!("{value:?} is not in the {what}"),
                            "unknown_reference",
                        ),
                        _ => match mapped {
                            Some(i) => Cell::Code(i),
                            None => self.keep_text(text, range, scratch, slot),
                        },
                    },
                    _ => match mapped {
                        Some(i) => Cell::Code(i),
                        None => self.keep_text(text, range, scratch, slot),
                    },
                }
            }
            ColumnType::Date => {
                let iso;
                let format = match mapping.and_then(|m| m.date_format.as_ref()) {
                    Some(f) => f,
                    None => {
                        iso = DateFormat::iso();
                        &iso
                    }
                };
                match format.parse(text) {
                    Err(e) => {
                        let code = match e {
                            dates::DateError::Shape => "not_a_date",
                            _ => "impossible_date",
                        };
                        problem(scratch, e.describe(text, format), code)
                    }
                    Ok(days) if days < self.limits.earliest => problem(
                        scratch,
                        format!(
                            "{} is before the earliest accepted date {} ([checks] earliest_date)",
                            dates::iso(days),
                            dates::iso(self.limits.earliest)
                        ),
                        "date_too_early",
                    ),
                    Ok(days) if plan.check_future && days > self.limits.today => problem(
                        scratch,
                        format!("{} is in the future", dates::iso(days)),
                        "date_in_future",
                    ),
                    Ok(days) => Cell::Date(days),
                }
            }
            ColumnType::Int32 | ColumnType::Int64 => {
                let thousands = mapping.and_then(|m| m.thousands);
                match parse_int(text, thousands) {
                    None => problem(
                        scratch,
                        format!("{text:?} is not a whole number"),
                        "not_a_number",
                    ),
                    Some(v) => self.check_int(plan, v, text, scratch),
                }
            }
            ColumnType::Float64 => {
                let (decimal, thousands) =
                    mapping.map_or((b'.', None), |m| (m.decimal, m.thousands));
                match parse_float(text, decimal, thousands) {
                    None => problem(scratch, format!("{text:?} is not a number"), "not_a_number"),
                    Some(v) if column.values == Values::NonNegative && v < 0.0 => {
                        problem(scratch, format!("{text} is negative"), "out_of_range")
                    }
                    Some(v) => Cell::Float(v),
                }
            }
            ColumnType::Boolean => {
                let (yes, no): (&[String], &[String]) =
                    mapping.map_or((&[], &[]), |m| (&m.true_values, &m.false_values));
                if yes.iter().any(|v| v.eq_ignore_ascii_case(text)) {
                    Cell::Bool(true)
                } else if no.iter().any(|v| v.eq_ignore_ascii_case(text)) {
                    Cell::Bool(false)
                } else {
                    let accepted: Vec<&str> = yes.iter().chain(no).map(String::as_str).collect();
                    problem(
                        scratch,
                        format!(
                            "{text:?} is not true or false (accepted: {})",
                            accepted.join(", ")
                        ),
                        "not_a_boolean",
                    )
                }
            }
        }
    }

    fn keep_text(
        &self,
        text: &str,
        range: Option<(u32, u32)>,
        scratch: &mut RowScratch,
        slot: &mut usize,
    ) -> Cell {
        match range {
            Some((start, end)) => Cell::Field { start, end },
            None => {
                let out = next_string(scratch, slot);
                out.push_str(text);
                Cell::Scratch(*slot - 1)
            }
        }
    }

    fn check_int(&self, plan: &ColumnPlan, v: i64, text: &str, scratch: &mut RowScratch) -> Cell {
        let column = plan.column;
        let range = match column.values {
            Values::Age => Some((0, i64::from(self.limits.max_age), "age")),
            Values::Range(lo, hi) => Some((lo, hi, "")),
            Values::NonNegative => Some((0, i64::MAX, "")),
            _ => None,
        };
        let reason = match range {
            Some((lo, hi, "age")) if v < lo || v > hi => {
                Some(format!("{v} is not a possible age ({lo} to {hi})"))
            }
            Some((0, i64::MAX, _)) if v < 0 => Some(format!("{v} is negative")),
            Some((lo, hi, _)) if v < lo || v > hi => Some(format!("{v} is outside {lo} to {hi}")),
            _ if column.ty == ColumnType::Int32 && i32::try_from(v).is_err() => {
                Some(format!("{v} is too large"))
            }
            _ => None,
        };
        match reason {
            Some(reason) => {
                scratch.problems.push(Problem {
                    column: plan.label.clone(),
                    value: Some(text.to_owned()),
                    reason,
                    code: "out_of_range",
                });
                Cell::Null
            }
            None => Cell::Int(v),
        }
    }

    /// Checks that involve several columns, with the indexes worked out once
    /// in `rules`.
    fn check_row(&self, scratch: &mut RowScratch) {
        for group in &self.groups {
            if group.iter().all(|&i| scratch.cells[i] == Cell::Null) {
                let names: Vec<&str> = group.iter().map(|&i| self.columns[i].column.name).collect();
                let first_mapped = group
                    .iter()
                    .find(|&&i| !matches!(self.columns[i].input, Input::Unmapped))
                    .map(|&i| self.columns[i].label.clone())
                    .unwrap_or_else(|| names[0].to_owned());
                scratch.problems.push(Problem {
                    column: first_mapped,
                    value: None,
                    reason: format!(
                        "{} are all empty; at least one is required",
                        names.join(" and ")
                    ),
                    code: "required",
                });
            }
        }
        for rule in &self.rules {
            match *rule {
                RowRule::Order(earlier, later) => {
                    if let (Cell::Date(a), Cell::Date(b)) =
                        (scratch.cells[earlier], scratch.cells[later])
                        && a > b
                    {
                        let (e, l) = (
                            self.columns[earlier].column.name,
                            self.columns[later].column.name,
                        );
                        scratch.problems.push(Problem {
                            column: self.columns[earlier].label.clone(),
                            value: Some(dates::iso(a)),
                            reason: format!("{e} {} is after {l} {}", dates::iso(a), dates::iso(b)),
                            code: "date_order",
                        });
                    }
                }
                RowRule::Sentence { outcome, sentence } => {
                    if let (Cell::Static(o), Cell::Static(s)) =
                        (scratch.cells[outcome], scratch.cells[sentence])
                        && o != "convicted"
                        && s != "none"
                    {
                        scratch.problems.push(Problem {
                            column: self.columns[sentence].label.clone(),
                            value: Some(s.to_owned()),
                            reason: format!(
                                "sentence_type {s:?} needs outcome \"convicted\" (outcome is {o:?})"
                            ),
                            code: "inconsistent",
                        });
                    }
                }
                RowRule::AgeGroup { age, group } => {
                    scratch.cells[group] = match scratch.cells[age] {
                        Cell::Int(years) => Cell::Static(age_group(years as i32)),
                        _ => match scratch.cells[group] {
                            Cell::Null => Cell::Static("U"),
                            other => other,
                        },
                    };
                }
            }
        }
    }

    /// Builds the row's key in `scratch.key` and returns its fingerprint and a
    /// readable form for messages.
    pub(crate) fn key(
        &self,
        record: &RawRecord,
        whole: Option<&str>,
        scratch: &mut RowScratch,
    ) -> u128 {
        let mut key = std::mem::take(&mut scratch.key);
        key.clear();
        for &i in &self.key_columns {
            match scratch.cells[i] {
                Cell::Null => key.push(0xff),
                Cell::Date(d) => key.extend_from_slice(&d.to_le_bytes()),
                Cell::Int(v) => key.extend_from_slice(&v.to_le_bytes()),
                Cell::Float(v) => key.extend_from_slice(&v.to_le_bytes()),
                Cell::Bool(b) => key.push(u8::from(b)),
                text => key.extend_from_slice(self.text(text, record, whole, scratch).as_bytes()),
            }
            key.push(0x1f);
        }
        let fp = crate::keys::fingerprint(&key);
        scratch.key = key;
        fp
    }

    /// Copies the text of cells that point into the record into the row's
    /// scratch strings, so the row can be used without its record being
    /// validated as UTF-8 again.
    pub(crate) fn detach_text(
        &self,
        record: &RawRecord,
        whole: Option<&str>,
        scratch: &mut RowScratch,
    ) {
        let mut slot = scratch
            .cells
            .iter()
            .filter_map(|c| match c {
                Cell::Scratch(i) => Some(i + 1),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        for i in 0..scratch.cells.len() {
            if let Cell::Field { start, end } = scratch.cells[i] {
                let (start, end) = (start as usize, end as usize);
                let text = whole
                    .and_then(|w| w.get(start..end))
                    .or_else(|| {
                        std::str::from_utf8(record.buf.get(start..end).unwrap_or_default()).ok()
                    })
                    .unwrap_or("");
                let out = next_string(scratch, &mut slot);
                out.push_str(text);
                scratch.cells[i] = Cell::Scratch(slot - 1);
            }
        }
    }

    /// The row's key values joined, for duplicate messages.
    pub(crate) fn key_text(
        &self,
        record: &RawRecord,
        whole: Option<&str>,
        scratch: &RowScratch,
    ) -> String {
        self.key_columns
            .iter()
            .map(|&i| match scratch.cells[i] {
                Cell::Null => String::new(),
                Cell::Date(d) => dates::iso(d),
                Cell::Int(v) => v.to_string(),
                Cell::Float(v) => v.to_string(),
                Cell::Bool(b) => b.to_string(),
                text => self.text(text, record, whole, scratch).to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" / ")
    }

    /// The source column to name in duplicate messages.
    pub(crate) fn key_column_label(&self) -> String {
        self.key_columns
            .iter()
            .map(|&i| &self.columns[i])
            .find(|c| matches!(c.input, Input::Field(_) | Input::Fields(_)))
            .map(|c| c.label.clone())
            .unwrap_or_else(|| self.key_label.clone())
    }

    /// "same source and record_id".
    pub(crate) fn key_description(&self) -> String {
        format!("same {}", self.key_label)
    }

    /// Pseudonymises a raw identifying value for the quarantine copy.
    pub(crate) fn pseudonymise_for_quarantine(&self, value: &str) -> String {
        if value.is_empty() || token_value(value).is_some() {
            return value.to_owned();
        }
        format!("pseudonym:{}", self.pseudonymiser.pseudonym("", &[value]))
    }

    /// The pseudonym token of the identifying columns that feed `source_index`
    /// (composite inputs give their token in the first column, empty in the rest).
    pub(crate) fn quarantine_identifier(
        &self,
        record: &RawRecord,
        source_index: usize,
    ) -> Option<String> {
        for plan in &self.columns {
            let namespace = plan
                .mapping
                .as_ref()
                .map(|m| m.namespace.as_str())
                .unwrap_or("");
            match &plan.input {
                Input::Field(i)
                    if *i == source_index
                        && plan.mapping.as_ref().is_some_and(|m| m.pseudonymise) =>
                {
                    let raw = record
                        .field(*i)
                        .map(String::from_utf8_lossy)
                        .unwrap_or_default();
                    let raw = if self.trim { raw.trim() } else { raw.as_ref() };
                    if raw.is_empty() || self.is_null(raw) {
                        return Some(String::new());
                    }
                    if token_value(raw).is_some() {
                        return Some(raw.to_owned());
                    }
                    return Some(format!(
                        "pseudonym:{}",
                        self.pseudonymiser.pseudonym(namespace, &[raw])
                    ));
                }
                Input::Fields(indexes) if indexes.contains(&source_index) => {
                    if indexes[0] != source_index {
                        return Some(String::new());
                    }
                    let parts: Vec<String> = indexes
                        .iter()
                        .map(|i| {
                            let raw = record
                                .field(*i)
                                .map(String::from_utf8_lossy)
                                .unwrap_or_default();
                            let t = if self.trim { raw.trim() } else { raw.as_ref() };
                            if self.is_null(t) {
                                String::new()
                            } else {
                                t.to_owned()
                            }
                        })
                        .collect();
                    if parts.iter().all(String::is_empty) {
                        return Some(String::new());
                    }
                    if token_value(&parts[0]).is_some() {
                        return Some(parts[0].clone());
                    }
                    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
                    return Some(format!(
                        "pseudonym:{}",
                        self.pseudonymiser.pseudonym(namespace, &refs)
                    ));
                }
                _ => {}
            }
        }
        None
    }

    /// Source columns that are identifying.
    pub(crate) fn identifying_columns(&self) -> Vec<String> {
        self.header
            .iter()
            .zip(&self.source_identifying)
            .filter(|(_, id)| **id)
            .map(|(h, _)| h.clone())
            .collect()
    }

    /// Source columns that no mapping reads.
    pub(crate) fn ignored_columns(&self) -> Vec<String> {
        self.header
            .iter()
            .zip(&self.source_used)
            .filter(|(_, used)| !**used)
            .map(|(h, _)| h.clone())
            .collect()
    }

    /// Which source column feeds each mapped canonical column.
    pub(crate) fn mapped_columns(&self) -> Vec<(String, String)> {
        self.columns
            .iter()
            .filter_map(|c| match &c.input {
                Input::Unmapped => None,
                Input::Constant(v) => Some((c.column.name.to_owned(), format!("constant {v:?}"))),
                _ => Some((c.column.name.to_owned(), c.label.clone())),
            })
            .collect()
    }
}

/// How messages name source column `i`: its header name, or `column N`
/// (from 1) when the header leaves it unnamed.
fn label_of(header: &[String], i: usize) -> String {
    match header.get(i) {
        Some(name) if !name.is_empty() => name.clone(),
        _ => format!("column {}", i + 1),
    }
}

fn next_string<'s>(scratch: &'s mut RowScratch, slot: &mut usize) -> &'s mut String {
    if scratch.strings.len() <= *slot {
        scratch.strings.push(String::with_capacity(64));
    }
    let out = &mut scratch.strings[*slot];
    out.clear();
    *slot += 1;
    out
}

/// "M, F, X or U".
fn or_list(codes: &[&str]) -> String {
    match codes {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// A whole number, optionally with a thousands separator; `12.0` counts as 12.
pub(crate) fn parse_int(text: &str, thousands: Option<u8>) -> Option<i64> {
    let cleaned;
    let text = match thousands {
        Some(sep) if text.as_bytes().contains(&sep) => {
            cleaned = text.replace(char::from(sep), "");
            cleaned.as_str()
        }
        _ => text,
    };
    if let Ok(v) = text.parse::<i64>() {
        return Some(v);
    }
    let (whole, fraction) = text.split_once('.')?;
    if !fraction.is_empty() && fraction.bytes().all(|b| b == b'0') {
        return whole.parse::<i64>().ok();
    }
    None
}

/// A finite decimal number with the given separators.
pub(crate) fn parse_float(text: &str, decimal: u8, thousands: Option<u8>) -> Option<f64> {
    let mut cleaned = String::with_capacity(text.len());
    for c in text.chars() {
        if thousands.is_some_and(|t| c == char::from(t)) {
            continue;
        }
        cleaned.push(if c == char::from(decimal) { '.' } else { c });
    }
    if cleaned.eq_ignore_ascii_case("nan") || cleaned.to_ascii_lowercase().contains("inf") {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_with_separators() {
        assert_eq!(parse_int("1,563", Some(b',')), Some(1563));
        assert_eq!(parse_int("1,563", None), None);
        assert_eq!(parse_int("-3", None), Some(-3));
        assert_eq!(parse_int("34.0", None), Some(34));
        assert_eq!(parse_int("34.5", None), None);
        assert_eq!(parse_float("3,5", b',', None), Some(3.5));
        assert_eq!(parse_float("1.234,5", b',', Some(b'.')), Some(1234.5));
        assert_eq!(parse_float("NaN", b'.', None), None);
        assert_eq!(parse_float("inf", b'.', None), None);
    }

    #[test]
    fn lists_read_naturally() {
        assert_eq!(or_list(&["M", "F", "X", "U"]), "M, F, X or U");
        assert_eq!(or_list(&["a"]), "a");
    }
}
