//! The indicator catalogue: every published indicator, defined once.
//!
//! A definition says what is counted, over what, with which method and from
//! which source, and which commitment it serves: the Sustainable Development
//! Goal series (global SDG indicator framework, A/RES/71/313) and the paragraphs
//! of the Kyoto Declaration (A/CONF.234/16, 2021) it gives evidence for.

/// One indicator of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    /// Stable identifier, used on the command line, in file names and in SDMX.
    pub id: &'static str,
    /// Title for people.
    pub title: &'static str,
    /// Unit of the main value.
    pub unit: &'static str,
    /// What the main value counts.
    pub numerator: &'static str,
    /// What it is divided by, if it is a rate or share.
    pub denominator: Option<&'static str>,
    /// The unit being counted: offence, victim, person, case …
    pub counting_unit: &'static str,
    /// Dimensions the table can be broken down by.
    pub dimensions: &'static [Dimension],
    /// How it is computed, in a few sentences.
    pub method: &'static str,
    /// Where the definition comes from.
    pub source: &'static str,
    /// SDG series codes (IAEG-SDGs DSD) this indicator reports, if any.
    pub sdg_series: &'static [&'static str],
    /// Kyoto Declaration paragraphs the indicator gives evidence for.
    pub kyoto_paragraphs: &'static [u16],
}

/// A dimension an indicator table can be broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    /// ICCS category, levels 1–4.
    Iccs,
    /// ICCS section only.
    IccsSection,
    /// Area: region (level 1) or district (level 2).
    Area,
    /// Period: month, quarter or year.
    Period,
    /// Sex of the victim or person.
    Sex,
    /// Age group of the victim or person.
    Age,
    /// Form of exploitation of a trafficking victim.
    Exploitation,
    /// Occupation of a victim (journalist, trade unionist …).
    Occupation,
    /// Stage of the justice chain.
    Stage,
    /// Sub-index of the crime severity index.
    SubIndex,
    /// Follow-up window of a reoffending measure.
    FollowUp,
}

impl Dimension {
    /// The column name in result tables.
    pub fn column(self) -> &'static str {
        match self {
            Dimension::Iccs | Dimension::IccsSection => "iccs",
            Dimension::Area => "area",
            Dimension::Period => "period",
            Dimension::Sex => "sex",
            Dimension::Age => "age",
            Dimension::Exploitation => "exploitation",
            Dimension::Occupation => "occupation",
            Dimension::Stage => "stage",
            Dimension::SubIndex => "sub_index",
            Dimension::FollowUp => "follow_up",
        }
    }
}

use Dimension::*;

/// All indicators, in the order they are listed.
pub static CATALOGUE: &[Indicator] = &[
    Indicator {
        id: "offences",
        title: "Police-recorded offences",
        unit: "offences per 100,000 population",
        numerator: "offences recorded by the police in the period",
        denominator: Some("resident population of the area in the period's year"),
        counting_unit: "offence",
        dimensions: &[Iccs, Area, Period],
        method: "Offences are counted by recording date (or occurrence date on request) and \
                 classified to ICCS 1.0; offences whose national code is not mapped are counted \
                 under NC (not classifiable), so totals never shrink. Rates per 100,000 carry 95 % \
                 exact Poisson confidence intervals (Garwood 1936). Monthly and quarterly rates \
                 are not annualised.",
        source: "UNODC, ICCS 1.0 (2015); UN-CTS definitions of police-recorded offences",
        sdg_series: &[],
        kyoto_paragraphs: &[22, 23],
    },
    Indicator {
        id: "victims",
        title: "Victims of police-recorded offences",
        unit: "victims per 100,000 population",
        numerator: "victims recorded with offences in the period (one per victim and offence)",
        denominator: Some("resident population of the same sex and age group"),
        counting_unit: "victim",
        dimensions: &[Iccs, Area, Period, Sex, Age],
        method: "Each victim record of an offence counts once (a person victimised twice counts \
                 twice), so tables add up. Rates use the population of the victim's sex and age \
                 group, with 95 % exact Poisson intervals.",
        source: "UNODC, ICCS 1.0 (2015), victim tags SV and AV",
        sdg_series: &[],
        kyoto_paragraphs: &[22, 23],
    },
    Indicator {
        id: "sdg_16_1_1",
        title: "Victims of intentional homicide per 100,000 population (SDG 16.1.1)",
        unit: "victims per 100,000 population",
        numerator: "victims of intentional homicide (ICCS 0101) in the year",
        denominator: Some("resident population"),
        counting_unit: "victim",
        dimensions: &[Area, Period, Sex, Age],
        method: "Victims of offences classified to ICCS 0101 (attempts, 0102, are excluded), by \
                 victim sex and age, divided by the resident population × 100,000, with 95 % \
                 exact Poisson intervals.",
        source: "SDG metadata 16.1.1 (UNODC, WHO; update 2023-03-31); ICCS 1.0 division 0101",
        sdg_series: &["VC_IHR_PSRC", "VC_IHR_PSRCN"],
        kyoto_paragraphs: &[22, 23],
    },
    Indicator {
        id: "sdg_16_2_2",
        title: "Detected victims of trafficking in persons per 100,000 population (SDG 16.2.2)",
        unit: "victims per 100,000 population",
        numerator: "detected victims of trafficking in persons (ICCS 0204) in the year",
        denominator: Some("resident population"),
        counting_unit: "victim",
        dimensions: &[Area, Period, Sex, Age, Exploitation],
        method: "Victims of offences classified to ICCS 0204, by form of exploitation (the ICCS \
                 group: 02041 sexual exploitation, 02042 forced labour or services, 02043 organ \
                 removal, 02044 other purposes; the victim's own record where it says more), \
                 divided by the resident population × 100,000.",
        source: "SDG metadata 16.2.2 (UNODC; update 2023-03-31); UN TIP Protocol art. 3; ICCS 0204",
        sdg_series: &["VC_HTF_DETVR", "VC_HTF_DETV"],
        kyoto_paragraphs: &[81],
    },
    Indicator {
        id: "sdg_16_3_2",
        title: "Unsentenced detainees as a proportion of the overall prison population (SDG 16.3.2)",
        unit: "percent",
        numerator: "persons held unsentenced on 31 December",
        denominator: Some("persons held on 31 December"),
        counting_unit: "person",
        dimensions: &[Area, Period],
        method: "Prison stock on the reference date (31 December, or the last day of the data) \
                 reconstructed from admissions, releases and status changes: a person is held if \
                 their last admission precedes the date with no release in between, and is \
                 unsentenced if their status then is unsentenced. 95 % Wilson intervals.",
        source: "SDG metadata 16.3.2 (UNODC); UN-CTS definitions of persons held and unsentenced",
        sdg_series: &["VC_PRS_UNSNT", "VC_PRS_UNSNTN"],
        kyoto_paragraphs: &[36],
    },
    Indicator {
        id: "sdg_16_10_1",
        title: "Killings of journalists, media workers, trade unionists and human rights defenders \
                (SDG 16.10.1, killings)",
        unit: "victims",
        numerator: "victims of intentional homicide (ICCS 0101) recorded as journalists, media \
                    workers, trade unionists or human rights defenders",
        denominator: None,
        counting_unit: "victim (each person once)",
        dimensions: &[Period, Sex, Occupation],
        method: "Distinct victims of ICCS 0101 whose occupation is journalist, media worker, trade \
                 unionist or human rights defender; each person counted once even if recorded \
                 under several occupations. Police records are one input to the verified cases \
                 that OHCHR, UNESCO and ILO compile.",
        source: "SDG metadata 16.10.1 (OHCHR, UNESCO, ILO; 2018-06-08)",
        sdg_series: &["VC_VAW_MTUHRA"],
        kyoto_paragraphs: &[57],
    },
    Indicator {
        id: "justice_chain",
        title: "Flow of cases through the criminal justice chain",
        unit: "count and ratio to the previous stage",
        numerator: "offences recorded, suspects, persons prosecuted, convicted, sentenced to custody",
        denominator: Some("the previous stage (attrition ratio)"),
        counting_unit: "offence (recorded); person (all later stages)",
        dimensions: &[IccsSection, Period, Stage],
        method: "Per ICCS section and year: offences recorded (offences), suspects (distinct \
                 persons recorded as suspects), prosecuted (distinct persons with a prosecution \
                 started in the year), convicted and sentenced to custody (distinct persons with \
                 such a decision in the year). Ratios compare successive stages of the same year, \
                 so they mix cohorts and counting units; read them as flow indicators, not as \
                 probabilities (ICCS Annex 1 on counting units).",
        source: "UN-CTS stages (persons brought into formal contact, prosecuted, convicted)",
        sdg_series: &[],
        kyoto_paragraphs: &[22, 23, 36, 51],
    },
    Indicator {
        id: "prison_occupancy",
        title: "Prison occupancy and pretrial share",
        unit: "percent",
        numerator: "persons held on 31 December",
        denominator: Some("official capacity on 31 December"),
        counting_unit: "person",
        dimensions: &[Area, Period],
        method: "Persons held on the reference date × 100 / official capacity of the facilities \
                 (UN-CTS occupancy rate), with the unsentenced share beside it.",
        source: "UN-CTS definitions of persons held and official capacity",
        sdg_series: &[],
        kyoto_paragraphs: &[36],
    },
    Indicator {
        id: "severity_index",
        title: "Crime severity index",
        unit: "index, base year = 100",
        numerator: "offences weighted by their seriousness",
        denominator: Some("resident population, rebased to the base year"),
        counting_unit: "offence",
        dimensions: &[Area, Period, SubIndex],
        method: "Statistics Canada's method: the weight of each offence type (ICCS level 2) is its \
                 incarceration rate among convictions times the mean custodial sentence (days), \
                 from the court decisions; the weighted count per 100,000 population is divided \
                 by the national value in the base year and multiplied by 100. Violent (ICCS \
                 sections 01–04) and non-violent (05–11) sub-indices use the same base. The plain \
                 volume rate is given beside it.",
        source: "Wallace et al. (2009), Measuring Crime in Canada: Introducing the Crime Severity \
                 Index, Statistics Canada 85-004-X",
        sdg_series: &[],
        kyoto_paragraphs: &[22, 23],
    },
    Indicator {
        id: "reoffending",
        title: "Proven reoffending (Ministry of Justice measure)",
        unit: "percent",
        numerator: "offenders in the cohort with a proven reoffence",
        denominator: Some("offenders in the cohort"),
        counting_unit: "person (once per cohort)",
        dimensions: &[IccsSection, Period, Sex, Age],
        method: "Cohort: persons released from custody or given a non-custodial sentence at court \
                 in the period, each counted once (first event). A proven reoffence is an offence \
                 committed within 12 months of that event and proven by a conviction within the \
                 12 months or a further 6-month waiting period. Reports the binary rate with a \
                 95 % Wilson interval, reoffences per offender and per reoffender, by index \
                 offence (ICCS section), sex and age group.",
        source: "Ministry of Justice (England and Wales), Guide to Proven Reoffending Statistics",
        sdg_series: &[],
        kyoto_paragraphs: &[37, 38, 39],
    },
    Indicator {
        id: "recidivism",
        title: "Rearrest and reconviction after release (BJS measure)",
        unit: "percent",
        numerator: "released persons rearrested (or reconvicted) within the follow-up",
        denominator: Some("persons released from prison in the period"),
        counting_unit: "person (once per cohort)",
        dimensions: &[IccsSection, Period, Sex, Age, FollowUp],
        method: "Cohort: persons released from prison in the period (first release). Rearrest: \
                 recorded as a suspect of an offence recorded after release; reconviction: \
                 convicted of an offence committed after release; within 3 and 5 years. Cohorts \
                 whose follow-up extends beyond the data are reported as incomplete.",
        source: "Bureau of Justice Statistics, Recidivism of Prisoners Released in 30 States in \
                 2005 (Durose, Cooper & Snyder 2014, NCJ 244205)",
        sdg_series: &[],
        kyoto_paragraphs: &[37, 38, 39],
    },
];

/// The indicator with this id.
pub fn indicator(id: &str) -> Option<&'static Indicator> {
    CATALOGUE.iter().find(|i| i.id == id)
}
