//! The ICCS disaggregating variables (ICCS 1.0, Table A p. 21 and Table II pp. 98–101).

use std::fmt;

/// Which unit a disaggregating variable describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagGroup {
    /// The offence as an event (attempted, weapon, location, cyber-related …).
    Event,
    /// The victim (sex, age, relationship …).
    Victim,
    /// The perpetrator (sex, age, recidivism …).
    Perpetrator,
    /// Flags that describe what a count includes (threats, aiding, conspiracy …).
    DataDescription,
}

impl TagGroup {
    pub(crate) fn from_name(name: &str) -> Option<TagGroup> {
        match name {
            "event" => Some(TagGroup::Event),
            "victim" => Some(TagGroup::Victim),
            "perpetrator" => Some(TagGroup::Perpetrator),
            "data_description" => Some(TagGroup::DataDescription),
            _ => None,
        }
    }

    /// The group's name as used in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            TagGroup::Event => "event",
            TagGroup::Victim => "victim",
            TagGroup::Perpetrator => "perpetrator",
            TagGroup::DataDescription => "data_description",
        }
    }
}

impl fmt::Display for TagGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A disaggregating variable and its value codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Event, victim, perpetrator or data description.
    pub group: TagGroup,
    /// The ICCS acronym (`At`, `We`, `SV`, `ViP` …).
    pub acronym: &'static str,
    /// The variable's name.
    pub name: &'static str,
    /// The coded values, in the order of Table II. Empty for free-format tags.
    pub values: Vec<TagValue>,
    /// For tags without value codes: the format Table II prescribes.
    pub format_note: Option<&'static str>,
}

impl Tag {
    /// The value with this code, if any.
    pub fn value(&self, code: &str) -> Option<&TagValue> {
        self.values.iter().find(|v| v.code == code)
    }
}

/// One value of a disaggregating variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagValue {
    /// The value code as printed (`1`, `2`, `1a` …).
    pub code: &'static str,
    /// The value's label.
    pub label: &'static str,
}
