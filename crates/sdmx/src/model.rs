//! The slice of the SDMX 2.1 information model that a statistical release needs:
//! codelists, a concept scheme, a data structure definition (DSD), a dataflow, and
//! one data set of observations.
//!
//! Simplifications, chosen because Evident's releases never need more:
//! - every component (dimension, attribute, measure) takes its concept from the
//!   DSD's one concept scheme, under the component's own ID;
//! - names and descriptions are in one language, given in the message [`Header`];
//! - attributes attach either to the observation or to the whole series key
//!   (no groups, no data-set-level attributes);
//! - the time dimension is the observation dimension of every data message.

use std::collections::BTreeMap;
use std::fmt;

/// The identity of a maintainable artefact: agency, ID and version. Displays as
/// `AGENCY:ID(VERSION)`, the form SDMX-CSV uses in its `DATAFLOW` column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArtefactRef {
    /// Maintenance agency, e.g. `NSO_XX`.
    pub agency: String,
    /// Artefact ID, e.g. `CL_ICCS`.
    pub id: String,
    /// Version, e.g. `1.0`.
    pub version: String,
}

impl ArtefactRef {
    /// A reference from its three parts.
    pub fn new(
        agency: impl Into<String>,
        id: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        ArtefactRef {
            agency: agency.into(),
            id: id.into(),
            version: version.into(),
        }
    }
}

impl fmt::Display for ArtefactRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}({})", self.agency, self.id, self.version)
    }
}

/// One code of a codelist.
#[derive(Debug, Clone, PartialEq)]
pub struct Code {
    /// The code ID (SDMX `IDType`: letters, digits, `_ @ $ -`; leading digits allowed,
    /// so ICCS `0101` is a valid code).
    pub id: String,
    /// Name in the message language.
    pub name: String,
    /// Optional longer description.
    pub description: Option<String>,
    /// Parent code in the same codelist, for hierarchical lists such as the ICCS.
    pub parent: Option<String>,
}

impl Code {
    /// A code without description or parent.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Code {
            id: id.into(),
            name: name.into(),
            description: None,
            parent: None,
        }
    }

    /// The same code with a parent.
    pub fn with_parent(mut self, parent: impl Into<String>) -> Self {
        self.parent = Some(parent.into());
        self
    }

    /// The same code with a description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// A list of codes, the allowed values of a coded dimension or attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Codelist {
    /// Maintenance agency.
    pub agency: String,
    /// Codelist ID, conventionally starting `CL_`.
    pub id: String,
    /// Version.
    pub version: String,
    /// Name.
    pub name: String,
    /// Optional description (where the codes come from).
    pub description: Option<String>,
    /// The codes, in publication order.
    pub codes: Vec<Code>,
}

impl Codelist {
    /// This codelist's identity.
    pub fn reference(&self) -> ArtefactRef {
        ArtefactRef::new(&self.agency, &self.id, &self.version)
    }

    /// The code with this ID.
    pub fn code(&self, id: &str) -> Option<&Code> {
        self.codes.iter().find(|code| code.id == id)
    }
}

/// A concept: the meaning behind a dimension, attribute or measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Concept {
    /// Concept ID; equals the ID of the component that uses it.
    pub id: String,
    /// Name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
}

impl Concept {
    /// A concept without description.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Concept {
            id: id.into(),
            name: name.into(),
            description: None,
        }
    }
}

/// A maintained list of concepts.
#[derive(Debug, Clone, PartialEq)]
pub struct ConceptScheme {
    /// Maintenance agency.
    pub agency: String,
    /// Scheme ID.
    pub id: String,
    /// Version.
    pub version: String,
    /// Name.
    pub name: String,
    /// The concepts.
    pub concepts: Vec<Concept>,
}

impl ConceptScheme {
    /// This scheme's identity.
    pub fn reference(&self) -> ArtefactRef {
        ArtefactRef::new(&self.agency, &self.id, &self.version)
    }
}

/// Uncoded value types used by Evident's DSDs (a subset of SDMX `SimpleDataType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextType {
    /// Free text.
    String,
    /// A finite floating-point number.
    Double,
    /// A whole number.
    Integer,
}

impl TextType {
    /// The SDMX-ML `textType` value.
    pub fn sdmx_name(self) -> &'static str {
        match self {
            TextType::String => "String",
            TextType::Double => "Double",
            TextType::Integer => "Integer",
        }
    }
}

/// How a component's values are represented.
#[derive(Debug, Clone, PartialEq)]
pub enum Representation {
    /// A code of this codelist.
    Coded(ArtefactRef),
    /// Uncoded text of this type.
    Text(TextType),
}

/// A dimension of the series key (the time dimension is described separately).
#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    /// Dimension ID (SDMX `NCNameIDType`: starts with a letter).
    pub id: String,
    /// The codelist its values come from.
    pub codelist: ArtefactRef,
}

/// Whether an attribute must be reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignment {
    /// Every observation must have a value.
    Mandatory,
    /// Reported where it applies.
    Conditional,
}

impl Assignment {
    /// The SDMX-ML `assignmentStatus` value.
    pub fn sdmx_name(self) -> &'static str {
        match self {
            Assignment::Mandatory => "Mandatory",
            Assignment::Conditional => "Conditional",
        }
    }
}

/// What an attribute value describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attachment {
    /// One observation (e.g. OBS_STATUS, CONF_STATUS, confidence bounds).
    Observation,
    /// The whole series: all dimensions except time (e.g. UNIT_MEASURE).
    Series,
}

/// A data attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// Attribute ID (SDMX `NCNameIDType`).
    pub id: String,
    /// Coded or text.
    pub representation: Representation,
    /// Mandatory or conditional.
    pub assignment: Assignment,
    /// Observation or series level.
    pub attachment: Attachment,
}

/// A data structure definition.
#[derive(Debug, Clone, PartialEq)]
pub struct DataStructure {
    /// Maintenance agency.
    pub agency: String,
    /// DSD ID.
    pub id: String,
    /// Version.
    pub version: String,
    /// Name.
    pub name: String,
    /// The concept scheme that holds one concept per component ID.
    pub concepts: ArtefactRef,
    /// Dimensions of the series key, in key order.
    pub dimensions: Vec<Dimension>,
    /// ID of the time dimension (conventionally `TIME_PERIOD`), which comes last.
    pub time_dimension: String,
    /// ID of the primary measure (conventionally `OBS_VALUE`), a double.
    pub primary_measure: String,
    /// Attributes, in the order the writers emit them.
    pub attributes: Vec<Attribute>,
}

impl DataStructure {
    /// This DSD's identity.
    pub fn reference(&self) -> ArtefactRef {
        ArtefactRef::new(&self.agency, &self.id, &self.version)
    }

    /// The attribute with this ID.
    pub fn attribute(&self, id: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|attribute| attribute.id == id)
    }
}

/// A dataflow: the published data set's identity, structured by a DSD.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataflow {
    /// Maintenance agency.
    pub agency: String,
    /// Dataflow ID.
    pub id: String,
    /// Version.
    pub version: String,
    /// Name.
    pub name: String,
    /// The DSD.
    pub structure: ArtefactRef,
}

impl Dataflow {
    /// This dataflow's identity.
    pub fn reference(&self) -> ArtefactRef {
        ArtefactRef::new(&self.agency, &self.id, &self.version)
    }
}

/// Everything a structure message carries. A release's structures are
/// self-contained: every referenced codelist, scheme and DSD must be here.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Structures {
    /// Codelists.
    pub codelists: Vec<Codelist>,
    /// Concept schemes.
    pub concept_schemes: Vec<ConceptScheme>,
    /// Data structure definitions.
    pub data_structures: Vec<DataStructure>,
    /// Dataflows.
    pub dataflows: Vec<Dataflow>,
}

impl Structures {
    /// The codelist with this identity.
    pub fn codelist(&self, reference: &ArtefactRef) -> Option<&Codelist> {
        self.codelists.iter().find(|c| &c.reference() == reference)
    }

    /// The concept scheme with this identity.
    pub fn concept_scheme(&self, reference: &ArtefactRef) -> Option<&ConceptScheme> {
        self.concept_schemes
            .iter()
            .find(|c| &c.reference() == reference)
    }

    /// The DSD with this identity.
    pub fn data_structure(&self, reference: &ArtefactRef) -> Option<&DataStructure> {
        self.data_structures
            .iter()
            .find(|d| &d.reference() == reference)
    }

    /// The dataflow with this identity.
    pub fn dataflow(&self, reference: &ArtefactRef) -> Option<&Dataflow> {
        self.dataflows.iter().find(|d| &d.reference() == reference)
    }
}

/// The header every SDMX message starts with.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Message ID (SDMX `IDType`), e.g. the release ID.
    pub id: String,
    /// Whether the message is a test.
    pub test: bool,
    /// When the message was prepared, as an `xs:dateTime` such as
    /// `2025-03-31T09:00:00Z`. Passed in rather than read from the clock so that the
    /// same release always gives the same bytes.
    pub prepared: String,
    /// Sender ID, usually the publishing agency.
    pub sender: String,
    /// Language of all names (`xml:lang`), e.g. `en`.
    pub language: String,
}

impl Header {
    /// A non-test header in English.
    pub fn new(
        id: impl Into<String>,
        prepared: impl Into<String>,
        sender: impl Into<String>,
    ) -> Self {
        Header {
            id: id.into(),
            test: false,
            prepared: prepared.into(),
            sender: sender.into(),
            language: "en".to_owned(),
        }
    }
}

/// One cell of a published table.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// One code per DSD dimension, in DSD order (time excluded).
    pub key: Vec<String>,
    /// The time period, e.g. `2023`, `2023-Q1`, `2023-01`.
    pub time_period: String,
    /// The value; `None` for a missing or suppressed cell.
    pub value: Option<f64>,
    /// Attribute values by attribute ID (codes for coded attributes, decimal text
    /// for numeric ones). A series-level attribute may be given on any or every
    /// observation of its series; where given more than once, the values must agree.
    pub attributes: BTreeMap<String, String>,
}

impl Observation {
    /// An observation without attributes.
    pub fn new<K, S>(key: K, time_period: impl Into<String>, value: Option<f64>) -> Self
    where
        K: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Observation {
            key: key.into_iter().map(Into::into).collect(),
            time_period: time_period.into(),
            value,
            attributes: BTreeMap::new(),
        }
    }

    /// The same observation with one more attribute value.
    pub fn with(mut self, attribute: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.insert(attribute.into(), value.into());
        self
    }

    /// The same observation with a numeric attribute value, formatted as SDMX expects.
    pub fn with_number(self, attribute: impl Into<String>, value: f64) -> Self {
        self.with(attribute, format_number(value))
    }
}

/// The data of one dataflow.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSet {
    /// The dataflow the observations belong to.
    pub dataflow: ArtefactRef,
    /// The observations, in any order: writers sort them by key (codelist order)
    /// and time, so the output does not depend on the order the engine produced.
    pub observations: Vec<Observation>,
}

/// Formats a number the way all writers print values: the shortest decimal text that
/// reads back as the same `f64`, never in exponent notation (`12`, `0.1`, `1234.5`).
pub fn format_number(value: f64) -> String {
    // Rust's `Display` for f64 is shortest-round-trip and never uses an exponent;
    // negative zero is printed as `-0`, which no reader needs, so fold it.
    if value == 0.0 {
        "0".to_owned()
    } else {
        format!("{value}")
    }
}
