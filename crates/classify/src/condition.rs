//! Conditions on a record's tags: which row of a correspondence table applies.
//!
//! A condition is a conjunction of clauses `field op value`, written in a
//! table's `condition` column as `attempted=true;weapon in 1|2`. The same
//! condition is evaluated on one record ([`Condition::matches`]) and rendered as
//! SQL for the engine ([`Condition::to_sql`]); both follow one rule: a record
//! whose field is missing satisfies no clause on that field (SQL's `NULL`
//! comparisons are never true, so the two agree).

use std::fmt;

use evident_iccs::{TagGroup, iccs};

/// A record attribute that a condition may test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// ICCS tag At: whether the act was attempted rather than completed.
    Attempted,
    /// ICCS tag Cy: whether the offence was cybercrime-related.
    Cyber,
    /// ICCS tag We: type of weapon used (codes 1–6).
    Weapon,
    /// ICCS tag Lo: location of the crime (codes 1–8).
    LocationType,
    /// Age of the victim in whole years (the youngest victim when there are several).
    VictimAge,
    /// Sex of the victim: `M`, `F`, `X` (other / not applicable), `U` (not known).
    VictimSex,
    /// ICCS tag ViP: victim–perpetrator relationship (codes 1–11).
    Relationship,
}

/// What kind of values a field holds, which decides the operators it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// `true` or `false`; operators `=`, `!=`, `in`.
    Flag,
    /// One code of a fixed list; operators `=`, `!=`, `in`.
    Code,
    /// Whole years; every operator.
    Age,
}

/// The oldest age a condition may name; larger numbers are taken as typing errors.
pub const MAX_AGE: u32 = 150;

impl Field {
    /// All fields, in the order of the documentation.
    pub const ALL: [Field; 7] = [
        Field::Attempted,
        Field::Cyber,
        Field::Weapon,
        Field::LocationType,
        Field::VictimAge,
        Field::VictimSex,
        Field::Relationship,
    ];

    /// The field's name in conditions and its canonical column name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Attempted => "attempted",
            Field::Cyber => "cyber",
            Field::Weapon => "weapon",
            Field::LocationType => "location_type",
            Field::VictimAge => "victim_age",
            Field::VictimSex => "victim_sex",
            Field::Relationship => "relationship",
        }
    }

    /// The field with this name.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The kind of values the field holds.
    pub fn kind(self) -> FieldKind {
        match self {
            Field::Attempted | Field::Cyber => FieldKind::Flag,
            Field::VictimAge => FieldKind::Age,
            Field::Weapon | Field::LocationType | Field::VictimSex | Field::Relationship => {
                FieldKind::Code
            }
        }
    }

    /// The valid codes of a code field (empty for flags and ages).
    ///
    /// Weapon, location and relationship codes are the value codes of the ICCS
    /// tags We, Lo and ViP (ICCS 1.0, Table II), read from `evident-iccs`.
    pub fn codes(self) -> Vec<&'static str> {
        let tag_codes = |group: TagGroup, acronym: &str| -> Vec<&'static str> {
            iccs()
                .tag(group, acronym)
                .map(|t| t.values.iter().map(|v| v.code).collect())
                .unwrap_or_default()
        };
        match self {
            Field::Weapon => tag_codes(TagGroup::Event, "We"),
            Field::LocationType => tag_codes(TagGroup::Event, "Lo"),
            Field::Relationship => tag_codes(TagGroup::Victim, "ViP"),
            Field::VictimSex => vec!["M", "F", "X", "U"],
            Field::Attempted | Field::Cyber | Field::VictimAge => Vec::new(),
        }
    }

    fn expectation(self) -> String {
        match self.kind() {
            FieldKind::Flag => "true, false".to_owned(),
            FieldKind::Age => format!("whole years from 0 to {MAX_AGE}"),
            FieldKind::Code => self.codes().join(", "),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`, with values separated by `|`.
    In,
}

impl Op {
    /// The operator as written in conditions.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::In => " in ",
        }
    }

    fn allowed_for(self, kind: FieldKind) -> bool {
        matches!(
            (self, kind),
            (Op::Eq | Op::Ne | Op::In, _) | (_, FieldKind::Age)
        )
    }
}

/// A value in a clause.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    /// A flag value.
    Flag(bool),
    /// A code, upper-case for sex codes.
    Code(String),
    /// An age in years.
    Age(u32),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Flag(b) => write!(f, "{b}"),
            Value::Code(c) => f.write_str(c),
            Value::Age(a) => write!(f, "{a}"),
        }
    }
}

/// A borrowed field value of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRef<'a> {
    /// A flag value.
    Flag(bool),
    /// A code.
    Code(&'a str),
    /// An age in years.
    Age(u32),
}

/// The tags of one record that conditions may test; `None` means missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordTags {
    /// ICCS tag At.
    pub attempted: Option<bool>,
    /// ICCS tag Cy.
    pub cyber: Option<bool>,
    /// ICCS tag We value code.
    pub weapon: Option<String>,
    /// ICCS tag Lo value code.
    pub location_type: Option<String>,
    /// Age of the (youngest) victim in years.
    pub victim_age: Option<u32>,
    /// Sex code of the victim.
    pub victim_sex: Option<String>,
    /// ICCS tag ViP value code.
    pub relationship: Option<String>,
}

impl RecordTags {
    /// The record's value of one field.
    pub fn get(&self, field: Field) -> Option<ValueRef<'_>> {
        match field {
            Field::Attempted => self.attempted.map(ValueRef::Flag),
            Field::Cyber => self.cyber.map(ValueRef::Flag),
            Field::Weapon => self.weapon.as_deref().map(ValueRef::Code),
            Field::LocationType => self.location_type.as_deref().map(ValueRef::Code),
            Field::VictimAge => self.victim_age.map(ValueRef::Age),
            Field::VictimSex => self.victim_sex.as_deref().map(ValueRef::Code),
            Field::Relationship => self.relationship.as_deref().map(ValueRef::Code),
        }
    }
}

/// One test `field op value(s)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Clause {
    /// The field tested.
    pub field: Field,
    /// The comparison.
    pub op: Op,
    /// One value, or several for `in`.
    pub values: Vec<Value>,
}

impl Clause {
    /// Whether a record's value (or its absence) satisfies the clause.
    pub fn holds(&self, value: Option<ValueRef<'_>>) -> bool {
        let Some(value) = value else { return false };
        let same = |v: &Value| match (v, value) {
            (Value::Flag(a), ValueRef::Flag(b)) => *a == b,
            (Value::Code(a), ValueRef::Code(b)) => a.eq_ignore_ascii_case(b.trim()),
            (Value::Age(a), ValueRef::Age(b)) => *a == b,
            _ => false,
        };
        let first = self.values.first();
        match self.op {
            Op::Eq => first.is_some_and(same),
            Op::Ne => first.is_some_and(|v| !same(v)),
            Op::In => self.values.iter().any(same),
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                let (Some(Value::Age(bound)), ValueRef::Age(age)) = (first, value) else {
                    return false;
                };
                match self.op {
                    Op::Lt => age < *bound,
                    Op::Le => age <= *bound,
                    Op::Gt => age > *bound,
                    _ => age >= *bound,
                }
            }
        }
    }

    /// The clause as a SQL boolean expression over `column`.
    pub fn to_sql(&self, column: &str) -> String {
        let literal = |v: &Value| match v {
            Value::Flag(true) => "TRUE".to_owned(),
            Value::Flag(false) => "FALSE".to_owned(),
            Value::Code(c) => format!("'{}'", c.replace('\'', "''")),
            Value::Age(a) => a.to_string(),
        };
        let first = self
            .values
            .first()
            .map(literal)
            .unwrap_or_else(|| "NULL".to_owned());
        match self.op {
            Op::Eq => format!("{column} = {first}"),
            Op::Ne => format!("{column} <> {first}"),
            Op::Lt => format!("{column} < {first}"),
            Op::Le => format!("{column} <= {first}"),
            Op::Gt => format!("{column} > {first}"),
            Op::Ge => format!("{column} >= {first}"),
            Op::In => {
                let list: Vec<String> = self.values.iter().map(literal).collect();
                format!("{column} IN ({})", list.join(", "))
            }
        }
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let values: Vec<String> = self.values.iter().map(Value::to_string).collect();
        write!(f, "{}{}{}", self.field, self.op.symbol(), values.join("|"))
    }
}

/// All clauses must hold; an empty condition always holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Condition {
    clauses: Vec<Clause>,
}

/// Why a condition could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConditionError {
    /// No operator between field and value.
    #[error("clause {clause:?} has no operator (allowed: =, !=, <, <=, >, >=, in)")]
    NoOperator {
        /// The clause as written.
        clause: String,
    },
    /// The field is not one conditions may test.
    #[error(
        "in clause {clause:?}, {found:?} is not a field (allowed: {})",
        field_names()
    )]
    UnknownField {
        /// The clause as written.
        clause: String,
        /// The field name found.
        found: String,
    },
    /// The operator does not apply to the field's kind of value.
    #[error("in clause {clause:?}, operator `{}` does not apply to {field} (allowed: =, !=, in)", op.symbol().trim())]
    OperatorNotAllowed {
        /// The clause as written.
        clause: String,
        /// The field.
        field: Field,
        /// The operator.
        op: Op,
    },
    /// A value is not valid for the field.
    #[error("in clause {clause:?}, {value:?} is not a {field} value (allowed: {expected})")]
    BadValue {
        /// The clause as written.
        clause: String,
        /// The field.
        field: Field,
        /// The value found.
        value: String,
        /// What the field accepts.
        expected: String,
    },
}

fn field_names() -> String {
    Field::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Condition {
    /// The condition that always holds.
    pub fn always() -> Condition {
        Condition::default()
    }

    /// A condition from clauses.
    pub fn from_clauses(clauses: Vec<Clause>) -> Condition {
        Condition { clauses }
    }

    /// Reads a condition such as `attempted=true; victim_age<16`. Empty text is [`Condition::always`].
    pub fn parse(text: &str) -> Result<Condition, ConditionError> {
        let mut clauses = Vec::new();
        for part in text.split(';') {
            let part = part.trim();
            if !part.is_empty() {
                clauses.push(parse_clause(part)?);
            }
        }
        Ok(Condition { clauses })
    }

    /// The clauses, in the order written.
    pub fn clauses(&self) -> &[Clause] {
        &self.clauses
    }

    /// Whether the condition has no clause.
    pub fn is_always(&self) -> bool {
        self.clauses.is_empty()
    }

    /// The fields the condition tests, without repeats.
    pub fn fields(&self) -> Vec<Field> {
        let mut fields: Vec<Field> = self.clauses.iter().map(|c| c.field).collect();
        fields.sort();
        fields.dedup();
        fields
    }

    /// Whether a record with these tags satisfies every clause.
    pub fn matches(&self, tags: &RecordTags) -> bool {
        self.clauses.iter().all(|c| c.holds(tags.get(c.field)))
    }

    /// The condition as a SQL boolean expression; `column_of` names the column
    /// (or qualified expression) that holds each field, e.g. `o.attempted`.
    ///
    /// The empty condition is `TRUE`; several clauses are joined with `AND`
    /// inside parentheses so the result can be combined safely.
    pub fn to_sql(&self, column_of: &dyn Fn(Field) -> String) -> String {
        match self.clauses.as_slice() {
            [] => "TRUE".to_owned(),
            [one] => one.to_sql(&column_of(one.field)),
            many => {
                let parts: Vec<String> =
                    many.iter().map(|c| c.to_sql(&column_of(c.field))).collect();
                format!("({})", parts.join(" AND "))
            }
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.clauses.iter().map(Clause::to_string).collect();
        f.write_str(&parts.join(";"))
    }
}

fn parse_clause(clause: &str) -> Result<Clause, ConditionError> {
    let name_end = clause
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(clause.len());
    let name = &clause[..name_end];
    let rest = clause[name_end..].trim_start();
    let (op, value_text) = if let Some(v) = rest.strip_prefix(">=") {
        (Op::Ge, v)
    } else if let Some(v) = rest.strip_prefix("<=") {
        (Op::Le, v)
    } else if let Some(v) = rest.strip_prefix("!=") {
        (Op::Ne, v)
    } else if let Some(v) = rest.strip_prefix('=') {
        (Op::Eq, v)
    } else if let Some(v) = rest.strip_prefix('<') {
        (Op::Lt, v)
    } else if let Some(v) = rest.strip_prefix('>') {
        (Op::Gt, v)
    } else if rest.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("in"))
        && rest[2..].starts_with(char::is_whitespace)
    {
        (Op::In, &rest[2..])
    } else {
        return Err(ConditionError::NoOperator {
            clause: clause.to_owned(),
        });
    };
    let field = Field::from_name(&name.to_ascii_lowercase()).ok_or_else(|| {
        ConditionError::UnknownField {
            clause: clause.to_owned(),
            found: name.to_owned(),
        }
    })?;
    if !op.allowed_for(field.kind()) {
        return Err(ConditionError::OperatorNotAllowed {
            clause: clause.to_owned(),
            field,
            op,
        });
    }
    let raw_values: Vec<&str> = if op == Op::In {
        value_text.split('|').map(str::trim).collect()
    } else {
        vec![value_text.trim()]
    };
    let mut values = Vec::with_capacity(raw_values.len());
    for raw in raw_values {
        let value = parse_value(field, raw).ok_or_else(|| ConditionError::BadValue {
            clause: clause.to_owned(),
            field,
            value: raw.to_owned(),
            expected: field.expectation(),
        })?;
        if !values.contains(&value) {
            values.push(value);
        }
    }
    Ok(Clause { field, op, values })
}

fn parse_value(field: Field, raw: &str) -> Option<Value> {
    match field.kind() {
        FieldKind::Flag => match raw.to_ascii_lowercase().as_str() {
            "true" => Some(Value::Flag(true)),
            "false" => Some(Value::Flag(false)),
            _ => None,
        },
        FieldKind::Age => {
            if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            raw.parse::<u32>()
                .ok()
                .filter(|a| *a <= MAX_AGE)
                .map(Value::Age)
        }
        FieldKind::Code => field
            .codes()
            .into_iter()
            .find(|c| c.eq_ignore_ascii_case(raw))
            .map(|c| Value::Code(c.to_owned())),
    }
}
