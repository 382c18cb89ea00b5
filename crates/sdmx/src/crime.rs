//! Evident's standard crime-statistics structure: one DSD for every indicator table
//! of a release, its codelists (the full ICCS, areas, sex, age, units, observation
//! and confidentiality status), and the cell-to-observation rules that keep
//! suppressed values out of every format.
//!
//! Key: `FREQ . SERIES . ICCS . REF_AREA . SEX . AGE`, then `TIME_PERIOD`.
//! `SERIES` holds Evident's own indicators and, where a table is an SDG indicator,
//! the SDG series code of the global SDG database, so that the figures can be
//! matched with UN data without a lookup table.

use std::collections::HashMap;

use evident_iccs::iccs;

use crate::error::{Result, SdmxError};
use crate::model::{
    ArtefactRef, Assignment, Attachment, Attribute, Code, Codelist, Concept, ConceptScheme,
    DataSet, DataStructure, Dataflow, Dimension, Observation, Representation, Structures, TextType,
};

/// Dimension IDs, in key order.
pub const DIMENSIONS: [&str; 6] = ["FREQ", "SERIES", "ICCS", "REF_AREA", "SEX", "AGE"];

/// The SDMX generic code for a total over a dimension ("_T"; SDMX Guidelines for the
/// Creation and Management of SDMX Code Lists, version 3.0, 2018, generic codes).
pub const TOTAL: &str = "_T";

/// The ICCS code for offences that could not be classified ("_X", the SDMX generic
/// code for "not allocated / unspecified", same guideline). It keeps unmapped
/// records visible in the totals instead of dropping them.
pub const NOT_CLASSIFIABLE: &str = "_X";

/// Unit of measure of a series (codes of the SDG database's CL_UNIT_MEASURE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// A count (`NUMBER`).
    Number,
    /// A rate per 100 000 population (`PER_100000_POP`).
    Per100000Population,
    /// A percentage (`PT`).
    Percent,
}

impl Unit {
    /// The UNIT_MEASURE code.
    pub fn code(self) -> &'static str {
        match self {
            Unit::Number => "NUMBER",
            Unit::Per100000Population => "PER_100000_POP",
            Unit::Percent => "PT",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Unit::Number => "Number",
            Unit::Per100000Population => "Per 100,000 population",
            Unit::Percent => "Percent",
        }
    }

    const ALL: [Unit; 3] = [Unit::Number, Unit::Per100000Population, Unit::Percent];
}

/// An SDG series that Evident computes from criminal-justice records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdgSeries {
    /// The series code of the global SDG database.
    pub code: &'static str,
    /// The SDG indicator, e.g. `16.1.1`.
    pub indicator: &'static str,
    /// What the series measures.
    pub name: &'static str,
    /// Its unit.
    pub unit: Unit,
    /// The ICCS category its numerator counts (`_T` when it counts persons held for
    /// any offence).
    pub iccs: &'static str,
}

/// The SDG series Evident publishes.
///
/// Codes and indicators: codelist CL_SERIES of the global SDG data structure
/// definition `IAEG-SDGs:SDG(1.4)` (Inter-agency and Expert Group on SDG Indicators,
/// 2021); definitions: UN Statistics Division, SDG indicator metadata repository,
/// metadata 16-01-01 (2023-03-31), 16-02-02 (2023-03-31), 16-03-02, 16-10-01
/// (2018-06-08). `VC_HTF_DETVR`, the 16.2.2 rate per 100 000, is newer than
/// CL_SERIES 1.4 and is the code the UN SDG database served in 2025; check the
/// current CL_SERIES before a first submission.
pub const SDG_SERIES: [SdgSeries; 12] = [
    SdgSeries {
        code: "VC_IHR_PSRC",
        indicator: "16.1.1",
        name: "Victims of intentional homicide per 100,000 population",
        unit: Unit::Per100000Population,
        iccs: "0101",
    },
    SdgSeries {
        code: "VC_IHR_PSRCN",
        indicator: "16.1.1",
        name: "Victims of intentional homicide",
        unit: Unit::Number,
        iccs: "0101",
    },
    SdgSeries {
        code: "VC_HTF_DETVR",
        indicator: "16.2.2",
        name: "Detected victims of trafficking in persons per 100,000 population",
        unit: Unit::Per100000Population,
        iccs: "0204",
    },
    SdgSeries {
        code: "VC_HTF_DETV",
        indicator: "16.2.2",
        name: "Detected victims of trafficking in persons",
        unit: Unit::Number,
        iccs: "0204",
    },
    SdgSeries {
        code: "VC_HTF_DETVSX",
        indicator: "16.2.2",
        name: "Detected victims of trafficking in persons for sexual exploitation",
        unit: Unit::Number,
        iccs: "02041",
    },
    SdgSeries {
        code: "VC_HTF_DETVFL",
        indicator: "16.2.2",
        name: "Detected victims of trafficking in persons for forced labour, servitude and slavery",
        unit: Unit::Number,
        iccs: "02042",
    },
    SdgSeries {
        code: "VC_HTF_DETVOG",
        indicator: "16.2.2",
        name: "Detected victims of trafficking in persons for the removal of organs",
        unit: Unit::Number,
        iccs: "02043",
    },
    SdgSeries {
        code: "VC_HTF_DETVOP",
        indicator: "16.2.2",
        name: "Detected victims of trafficking in persons for other purposes",
        unit: Unit::Number,
        iccs: "02044",
    },
    SdgSeries {
        code: "VC_PRS_UNSNT",
        indicator: "16.3.2",
        name: "Unsentenced detainees as a proportion of the overall prison population",
        unit: Unit::Percent,
        iccs: TOTAL,
    },
    SdgSeries {
        code: "VC_PRS_UNSNTN",
        indicator: "16.3.2",
        name: "Unsentenced detainees",
        unit: Unit::Number,
        iccs: TOTAL,
    },
    SdgSeries {
        code: "VC_VAW_MTUHRA",
        indicator: "16.10.1",
        name: "Cases of killings of human rights defenders, journalists and trade unionists",
        unit: Unit::Number,
        iccs: "0101",
    },
    SdgSeries {
        code: "VC_VOC_ENFDIS",
        indicator: "16.10.1",
        name: "Cases of enforced disappearance of human rights defenders, journalists and trade unionists",
        unit: Unit::Number,
        iccs: "0202",
    },
];

/// The SDG series with this code.
pub fn sdg_series(code: &str) -> Option<&'static SdgSeries> {
    SDG_SERIES.iter().find(|s| s.code == code)
}

/// One of Evident's own indicators, published under its own series code.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// Series code (SDMX `IDType`), e.g. `OFFENCES_RECORDED`.
    pub code: String,
    /// Name, e.g. "Offences recorded by the police".
    pub name: String,
    /// Unit.
    pub unit: Unit,
}

/// One area of the release's area hierarchy.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// Area code (SDMX `IDType`).
    pub code: String,
    /// Area name.
    pub name: String,
    /// The enclosing area, if it is also published.
    pub parent: Option<String>,
}

/// What the release builder knows about a release's structure.
#[derive(Debug, Clone, PartialEq)]
pub struct CrimeRelease {
    /// Maintenance agency of every artefact, e.g. `NSO_XX`.
    pub agency: String,
    /// Version of every artefact, e.g. `1.0`.
    pub version: String,
    /// Dataflow ID, e.g. `DF_CRIME`.
    pub dataflow_id: String,
    /// Dataflow name.
    pub dataflow_name: String,
    /// Areas published (REF_AREA codes).
    pub areas: Vec<Area>,
    /// Evident indicators published besides the SDG series.
    pub indicators: Vec<Indicator>,
}

/// Status of one published cell, as disclosure control and the engine decide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellStatus {
    /// A normal, published value.
    Normal,
    /// Published, expected to be revised.
    Provisional,
    /// Published, estimated.
    Estimated,
    /// Withheld because the cell itself is disclosive (e.g. a small count).
    PrimarySuppressed,
    /// Withheld so that a primary cell cannot be derived from totals.
    SecondarySuppressed,
    /// No value exists (e.g. no population to compute a rate).
    Missing,
}

impl CellStatus {
    /// OBS_STATUS code (SDMX cross-domain code list CL_OBS_STATUS): `A` normal value,
    /// `P` provisional, `E` estimated, `Q` missing value; suppressed, `O` missing value.
    pub fn obs_status(self) -> &'static str {
        match self {
            CellStatus::Normal => "A",
            CellStatus::Provisional => "P",
            CellStatus::Estimated => "E",
            CellStatus::PrimarySuppressed | CellStatus::SecondarySuppressed => "Q",
            CellStatus::Missing => "O",
        }
    }

    /// CONF_STATUS code (SDMX cross-domain code list CL_CONF_STATUS): `F` free for
    /// publication; `C` confidential statistical information (primary confidentiality);
    /// `D` secondary confidentiality set by the sender, not for publication. `D`
    /// rather than `N` ("not for publication, restricted for internal use only"),
    /// because `D` says why the cell is withheld and who withheld it, and `S` is for
    /// suppression decided by a receiving organisation.
    pub fn conf_status(self) -> &'static str {
        match self {
            CellStatus::PrimarySuppressed => "C",
            CellStatus::SecondarySuppressed => "D",
            _ => "F",
        }
    }

    /// Whether the cell's value (and anything derived from it) is withheld.
    pub fn is_suppressed(self) -> bool {
        matches!(
            self,
            CellStatus::PrimarySuppressed | CellStatus::SecondarySuppressed
        )
    }
}

/// One cell of an indicator table, in Evident's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Frequency code (`A` for annual tables).
    pub frequency: String,
    /// Series code: an [`Indicator`] code or an [`SdgSeries`] code.
    pub series: String,
    /// ICCS code, [`TOTAL`] or [`NOT_CLASSIFIABLE`].
    pub iccs: String,
    /// Area code or [`TOTAL`] if the release lists it.
    pub area: String,
    /// SDMX sex code (see [`sex_code`]).
    pub sex: String,
    /// SDMX age code (see [`age_code`]).
    pub age: String,
    /// Time period, e.g. `2023`.
    pub time_period: String,
    /// The computed value, before suppression.
    pub value: Option<f64>,
    /// What disclosure control decided.
    pub status: CellStatus,
    /// Confidence interval of a rate, if computed.
    pub bounds: Option<(f64, f64)>,
}

/// Maps Evident's stored sex codes (`M`, `F`, `X` other or not applicable, `U` not
/// known; see docs/data-model.md) to SDMX codes, with `_T` for the total.
pub fn sex_code(evident: &str) -> Option<&'static str> {
    match evident {
        "M" => Some("M"),
        "F" => Some("F"),
        "X" => Some("_O"),
        "U" => Some("_U"),
        "_T" | "total" => Some(TOTAL),
        _ => None,
    }
}

/// Maps Evident's age groups (the ICCS age bands) to SDMX age codes; they already
/// use the SDMX `Y..T..` form except `U` (unknown, `_U`), and `_T` is the total.
pub fn age_code(evident: &str) -> Option<&'static str> {
    match evident {
        "Y0T14" => Some("Y0T14"),
        "Y15T29" => Some("Y15T29"),
        "Y30T44" => Some("Y30T44"),
        "Y45T59" => Some("Y45T59"),
        "Y_GE60" => Some("Y_GE60"),
        "U" => Some("_U"),
        "_T" | "total" => Some(TOTAL),
        _ => None,
    }
}

fn codelist(release: &CrimeRelease, id: &str, name: &str, codes: Vec<Code>) -> Codelist {
    Codelist {
        agency: release.agency.clone(),
        id: id.to_owned(),
        version: release.version.clone(),
        name: name.to_owned(),
        description: None,
        codes,
    }
}

fn codes(pairs: &[(&str, &str)]) -> Vec<Code> {
    pairs
        .iter()
        .map(|(id, name)| Code::new(*id, *name))
        .collect()
}

/// Frequencies (SDMX cross-domain code list CL_FREQ, the codes statistics offices use).
const FREQUENCIES: [(&str, &str); 6] = [
    ("A", "Annual"),
    ("S", "Half-yearly"),
    ("Q", "Quarterly"),
    ("M", "Monthly"),
    ("W", "Weekly"),
    ("D", "Daily"),
];

const SEXES: [(&str, &str); 5] = [
    ("_T", "All sexes"),
    ("F", "Female"),
    ("M", "Male"),
    ("_O", "Other or not applicable"),
    ("_U", "Unknown"),
];

/// The ICCS age bands (ICCS 1.0, Table II, tags AV/AP) in SDMX age-code form.
const AGES: [(&str, &str); 7] = [
    ("_T", "All ages"),
    ("Y0T14", "Under 15 years"),
    ("Y15T29", "15 to 29 years"),
    ("Y30T44", "30 to 44 years"),
    ("Y45T59", "45 to 59 years"),
    ("Y_GE60", "60 years or over"),
    ("_U", "Unknown"),
];

/// Unit multipliers (SDMX cross-domain code list CL_UNIT_MULT: the power of ten).
const UNIT_MULTIPLIERS: [(&str, &str); 4] = [
    ("0", "Units"),
    ("3", "Thousands"),
    ("6", "Millions"),
    ("9", "Billions"),
];

/// SDMX cross-domain code list CL_OBS_STATUS (SDMX Content-Oriented Guidelines,
/// cross-domain code lists; codes as in version 2.2).
const OBS_STATUSES: [(&str, &str); 20] = [
    ("A", "Normal value"),
    ("B", "Time series break"),
    ("D", "Definition differs"),
    ("E", "Estimated value"),
    ("F", "Forecast value"),
    ("G", "Experimental value"),
    ("H", "Missing value; holiday or weekend"),
    ("I", "Imputed value (CCSA definition)"),
    ("J", "Derogation"),
    ("K", "Data included in another category"),
    ("L", "Missing value; data exist but were not collected"),
    ("M", "Missing value; data cannot exist"),
    ("N", "Not significant"),
    ("O", "Missing value"),
    ("P", "Provisional value"),
    ("Q", "Missing value; suppressed"),
    ("S", "Strike and other special events"),
    ("U", "Low reliability"),
    ("V", "Unvalidated value"),
    ("W", "Includes data from another category"),
];

/// SDMX cross-domain code list CL_CONF_STATUS (SDMX Content-Oriented Guidelines,
/// cross-domain code lists; version 1.0 had F, N, C, D, S, later versions added the
/// reasons for primary confidentiality).
const CONF_STATUSES: [(&str, &str); 12] = [
    ("F", "Free (free for publication)"),
    ("A", "Primary confidentiality due to small counts"),
    ("C", "Confidential statistical information"),
    (
        "D",
        "Secondary confidentiality set by the sender, not for publication",
    ),
    (
        "E",
        "Not for publication until the embargo time elapses, free afterwards",
    ),
    (
        "G",
        "Primary confidentiality due to dominance by one or two units",
    ),
    (
        "M",
        "Primary confidentiality due to data declared confidential based on other measures of concentration",
    ),
    ("N", "Not for publication, restricted for internal use only"),
    ("O", "Primary confidentiality due to dominance by one unit"),
    (
        "S",
        "Secondary confidentiality set and managed by the receiver, not for publication",
    ),
    ("T", "Primary confidentiality due to dominance by two units"),
    ("X", "Confidentiality due to military secrecy"),
];

const CONCEPTS: [(&str, &str); 14] = [
    ("FREQ", "Frequency"),
    ("SERIES", "Series (indicator)"),
    ("ICCS", "Offence category (ICCS)"),
    ("REF_AREA", "Reference area"),
    ("SEX", "Sex"),
    ("AGE", "Age"),
    ("TIME_PERIOD", "Time period"),
    ("OBS_VALUE", "Observation value"),
    ("UNIT_MEASURE", "Unit of measure"),
    ("UNIT_MULT", "Unit multiplier"),
    ("OBS_STATUS", "Observation status"),
    ("CONF_STATUS", "Confidentiality status"),
    ("LOWER_BOUND", "Lower bound of the confidence interval"),
    ("UPPER_BOUND", "Upper bound of the confidence interval"),
];

/// The ICCS as a hierarchical codelist: the total, all 320 categories with their
/// parents (ICCS 1.0, UNODC 2015), and the code for offences not classifiable.
fn iccs_codelist(release: &CrimeRelease) -> Codelist {
    let mut codes = vec![Code::new(TOTAL, "All offences")];
    for category in iccs().categories() {
        let mut code = Code::new(category.code, category.name);
        code.parent = category.parent.map(str::to_owned);
        codes.push(code);
    }
    codes.push(
        Code::new(NOT_CLASSIFIABLE, "Not classifiable in the ICCS")
            .with_description("Offences recorded under national codes that have no ICCS mapping"),
    );
    let mut list = codelist(
        release,
        "CL_ICCS",
        "International Classification of Crime for Statistical Purposes",
        codes,
    );
    list.description = Some(format!(
        "ICCS version {} (UNODC, 2015), with _T for all offences and _X for offences not classifiable",
        evident_iccs::VERSION
    ));
    list
}

/// The structures of a release, with what is needed to turn cells into observations.
#[derive(Debug, Clone)]
pub struct CrimeStructures {
    /// Codelists, concept scheme, DSD and dataflow, ready for the structure writer.
    pub structures: Structures,
    /// The dataflow that data sets of this release belong to.
    pub dataflow: ArtefactRef,
    units: HashMap<String, Unit>,
}

impl CrimeStructures {
    /// Builds the structures of a release. Fails with a typed error on invalid
    /// identifiers, duplicate codes (e.g. an indicator reusing an SDG series code)
    /// or an area whose parent is not listed.
    pub fn build(release: &CrimeRelease) -> Result<Self> {
        let agency = &release.agency;
        let version = &release.version;
        let reference = |id: &str| ArtefactRef::new(agency, id, version);

        let mut series_codes: Vec<Code> = SDG_SERIES
            .iter()
            .map(|s| {
                Code::new(s.code, s.name).with_description(format!(
                    "SDG indicator {} (global SDG database series)",
                    s.indicator
                ))
            })
            .collect();
        series_codes.extend(
            release
                .indicators
                .iter()
                .map(|i| Code::new(&i.code, &i.name)),
        );
        let mut units: HashMap<String, Unit> = SDG_SERIES
            .iter()
            .map(|s| (s.code.to_owned(), s.unit))
            .collect();
        units.extend(release.indicators.iter().map(|i| (i.code.clone(), i.unit)));

        let area_codes: Vec<Code> = release
            .areas
            .iter()
            .map(|a| Code {
                id: a.code.clone(),
                name: a.name.clone(),
                description: None,
                parent: a.parent.clone(),
            })
            .collect();
        let unit_codes: Vec<Code> = Unit::ALL
            .iter()
            .map(|u| Code::new(u.code(), u.name()))
            .collect();

        let codelists = vec![
            codelist(release, "CL_FREQ", "Frequency", codes(&FREQUENCIES)),
            codelist(release, "CL_SERIES", "Series (indicators)", series_codes),
            iccs_codelist(release),
            codelist(release, "CL_AREA", "Areas", area_codes),
            codelist(release, "CL_SEX", "Sex", codes(&SEXES)),
            codelist(release, "CL_AGE", "Age groups", codes(&AGES)),
            codelist(release, "CL_UNIT_MEASURE", "Unit of measure", unit_codes),
            codelist(
                release,
                "CL_UNIT_MULT",
                "Unit multiplier",
                codes(&UNIT_MULTIPLIERS),
            ),
            codelist(
                release,
                "CL_OBS_STATUS",
                "Observation status",
                codes(&OBS_STATUSES),
            ),
            codelist(
                release,
                "CL_CONF_STATUS",
                "Confidentiality status",
                codes(&CONF_STATUSES),
            ),
        ];
        let concepts = ConceptScheme {
            agency: agency.clone(),
            id: "CS_CRIME".to_owned(),
            version: version.clone(),
            name: "Concepts of crime and criminal-justice statistics".to_owned(),
            concepts: CONCEPTS
                .iter()
                .map(|(id, name)| Concept::new(*id, *name))
                .collect(),
        };
        let dimension_codelists = [
            "CL_FREQ",
            "CL_SERIES",
            "CL_ICCS",
            "CL_AREA",
            "CL_SEX",
            "CL_AGE",
        ];
        let dimensions = DIMENSIONS
            .iter()
            .zip(dimension_codelists)
            .map(|(id, codelist)| Dimension {
                id: (*id).to_owned(),
                codelist: reference(codelist),
            })
            .collect();
        let coded = |id: &str, codelist: &str, assignment, attachment| Attribute {
            id: id.to_owned(),
            representation: Representation::Coded(reference(codelist)),
            assignment,
            attachment,
        };
        let bound = |id: &str| Attribute {
            id: id.to_owned(),
            representation: Representation::Text(TextType::Double),
            assignment: Assignment::Conditional,
            attachment: Attachment::Observation,
        };
        let dsd = DataStructure {
            agency: agency.clone(),
            id: "DSD_CRIME".to_owned(),
            version: version.clone(),
            name: "Crime and criminal-justice statistics".to_owned(),
            concepts: concepts.reference(),
            dimensions,
            time_dimension: "TIME_PERIOD".to_owned(),
            primary_measure: "OBS_VALUE".to_owned(),
            attributes: vec![
                coded(
                    "UNIT_MEASURE",
                    "CL_UNIT_MEASURE",
                    Assignment::Mandatory,
                    Attachment::Series,
                ),
                coded(
                    "UNIT_MULT",
                    "CL_UNIT_MULT",
                    Assignment::Mandatory,
                    Attachment::Series,
                ),
                coded(
                    "OBS_STATUS",
                    "CL_OBS_STATUS",
                    Assignment::Mandatory,
                    Attachment::Observation,
                ),
                coded(
                    "CONF_STATUS",
                    "CL_CONF_STATUS",
                    Assignment::Mandatory,
                    Attachment::Observation,
                ),
                bound("LOWER_BOUND"),
                bound("UPPER_BOUND"),
            ],
        };
        let dataflow = Dataflow {
            agency: agency.clone(),
            id: release.dataflow_id.clone(),
            version: version.clone(),
            name: release.dataflow_name.clone(),
            structure: dsd.reference(),
        };
        let dataflow_ref = dataflow.reference();
        let structures = Structures {
            codelists,
            concept_schemes: vec![concepts],
            data_structures: vec![dsd],
            dataflows: vec![dataflow],
        };
        crate::check::check_structures(&structures)?;
        Ok(CrimeStructures {
            structures,
            dataflow: dataflow_ref,
            units,
        })
    }

    /// The unit of a series code.
    pub fn unit(&self, series: &str) -> Option<Unit> {
        self.units.get(series).copied()
    }

    /// Turns one cell into an observation. A suppressed cell loses its value and its
    /// confidence bounds (the bounds would reveal the value); every cell gets its
    /// series' unit, unit multiplier 0, OBS_STATUS and CONF_STATUS.
    pub fn observation(&self, index: usize, cell: &Cell) -> Result<Observation> {
        let unit = self
            .unit(&cell.series)
            .ok_or_else(|| SdmxError::UnknownCode {
                index,
                dimension: "SERIES".to_owned(),
                codelist: ArtefactRef::new(
                    &self.dataflow.agency,
                    "CL_SERIES",
                    &self.dataflow.version,
                )
                .to_string(),
                code: cell.series.clone(),
            })?;
        let suppressed = cell.status.is_suppressed();
        let value = if suppressed { None } else { cell.value };
        let mut observation = Observation::new(
            [
                &cell.frequency,
                &cell.series,
                &cell.iccs,
                &cell.area,
                &cell.sex,
                &cell.age,
            ],
            &cell.time_period,
            value,
        )
        .with("UNIT_MEASURE", unit.code())
        .with("UNIT_MULT", "0")
        .with("OBS_STATUS", cell.status.obs_status())
        .with("CONF_STATUS", cell.status.conf_status());
        if let (Some((lower, upper)), false) = (cell.bounds, suppressed) {
            observation = observation
                .with_number("LOWER_BOUND", lower)
                .with_number("UPPER_BOUND", upper);
        }
        Ok(observation)
    }

    /// Turns the cells of a release into its data set.
    pub fn data_set<'c>(&self, cells: impl IntoIterator<Item = &'c Cell>) -> Result<DataSet> {
        let observations = cells
            .into_iter()
            .enumerate()
            .map(|(index, cell)| self.observation(index, cell))
            .collect::<Result<Vec<_>>>()?;
        Ok(DataSet {
            dataflow: self.dataflow.clone(),
            observations,
        })
    }
}
