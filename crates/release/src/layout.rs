//! How each indicator table is published: the role of every column, the
//! disclosure group each count belongs to, what each derived value is computed
//! from, and the SDMX series it becomes.
//!
//! A column that no layout names is refused, so nothing reaches a release
//! without a decision about its disclosure control.

use evident_sdmx::crime::Unit;

/// A disclosure group: the counts of one counting unit, protected together as
/// one disclosure-control release over the union of their dimensions.
#[derive(Debug)]
pub(crate) struct GroupDef {
    /// Stable name (used in reports and the dictionary).
    pub name: &'static str,
    /// What a count of the group counts.
    pub counts: &'static str,
    /// The group's dimensions, in order.
    pub dimensions: &'static [&'static str],
    /// Whether the group counts victims, so that cells of children under 15 are
    /// victim-identifying.
    pub victims: bool,
    /// Whether one person can be counted in several categories (a person
    /// prosecuted for a theft and an assault is one person in the total), so
    /// that a total can be less than the sum of its parts.
    pub overlapping: bool,
}

/// Binary dimensions: a count that is a subset of another count of the same
/// cell (unsentenced of held, custody of convicted, reoffenders of offenders …)
/// sits at code `Y`, its total at `_T`, and the complement at `N`, which is
/// never published but is a cell all the same: a small complement is as
/// disclosive as a small count.
pub(crate) const BINARY_DIMENSIONS: &[&str] = &[
    "unsentenced",
    "custody",
    "reoffended",
    "rearrested_3y",
    "reconvicted_3y",
    "rearrested_5y",
    "reconvicted_5y",
];

pub(crate) static GROUPS: &[GroupDef] = &[
    GroupDef {
        name: "offences",
        counts: "police-recorded offences",
        dimensions: &["iccs", "area", "period", "sub_index"],
        victims: false,
        overlapping: false,
    },
    GroupDef {
        name: "victims",
        counts: "victims recorded with offences (one per victim and offence)",
        dimensions: &["iccs", "area", "period", "sex", "age", "exploitation"],
        victims: true,
        overlapping: false,
    },
    GroupDef {
        name: "defenders_killed",
        counts: "distinct victims of intentional homicide recorded as journalists, media workers, \
                 trade unionists or human rights defenders",
        dimensions: &["period", "sex", "occupation"],
        victims: true,
        overlapping: true,
    },
    GroupDef {
        name: "persons_held",
        counts: "distinct persons held in prison on the reference date",
        dimensions: &["area", "period", "unsentenced"],
        victims: false,
        overlapping: false,
    },
    GroupDef {
        name: "suspects",
        counts: "distinct persons recorded as suspects",
        dimensions: &["iccs", "period"],
        victims: false,
        overlapping: true,
    },
    GroupDef {
        name: "prosecuted",
        counts: "distinct persons prosecuted",
        dimensions: &["iccs", "period"],
        victims: false,
        overlapping: true,
    },
    GroupDef {
        name: "convicted",
        counts: "distinct persons convicted (and of them, sentenced to custody)",
        dimensions: &["iccs", "period", "custody"],
        victims: false,
        overlapping: true,
    },
    GroupDef {
        name: "convictions",
        counts: "convictions over all years of data, by ICCS division (the severity weights)",
        dimensions: &["iccs", "custody"],
        victims: false,
        overlapping: false,
    },
    GroupDef {
        name: "reoffending_cohort",
        counts: "offenders released from custody or given a non-custodial sentence (and of them, \
                 reoffenders)",
        dimensions: &["iccs", "period", "sex", "age", "reoffended"],
        victims: false,
        overlapping: false,
    },
    GroupDef {
        name: "reoffences",
        counts: "proven reoffences committed by the reoffending cohort",
        dimensions: &["iccs", "period", "sex", "age"],
        victims: false,
        overlapping: false,
    },
    GroupDef {
        name: "release_cohort",
        counts: "persons released from prison (and of them, rearrested or reconvicted within 3 and 5 years)",
        dimensions: &[
            "iccs",
            "period",
            "sex",
            "age",
            "rearrested_3y",
            "reconvicted_3y",
            "rearrested_5y",
            "reconvicted_5y",
        ],
        victims: false,
        overlapping: false,
    },
];

/// The ICCS sections of the severity index's violent sub-index (as the engine
/// defines them; every other section and NC is non-violent).
pub(crate) const VIOLENT_SECTIONS: &[&str] = &["01", "02", "03", "04"];

/// The group with this name.
pub(crate) fn group(name: &str) -> Option<&'static GroupDef> {
    GROUPS.iter().find(|g| g.name == name)
}

/// Where the number of persons behind a count comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Contributors {
    /// A column of the same row (the engine's `contributors`, or the persons a
    /// count of events belongs to).
    Column(&'static str),
    /// The count counts persons, so it is its own number of contributors.
    Count,
}

/// A count column and the cells it fills.
#[derive(Debug)]
pub(crate) struct Count {
    /// The column.
    pub column: &'static str,
    /// The disclosure group.
    pub group: &'static str,
    /// Only rows whose column has this code (e.g. a stage of the justice chain).
    pub when: Option<(&'static str, &'static str)>,
    /// A table dimension over which the count repeats unchanged (released
    /// persons appear once per follow-up window), and the code to use when a row
    /// has to be added for this count alone.
    pub repeats_over: Option<(&'static str, &'static str)>,
    /// Codes of group dimensions the table does not have (other missing ones are `_T`).
    pub fixed: &'static [(&'static str, &'static str)],
    /// Persons behind the count.
    pub contributors: Contributors,
}

/// Which counts a derived value is computed from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Inputs {
    /// Count columns of the same row.
    Counts(&'static [&'static str]),
    /// The row's `count` and the previous stage's (justice chain).
    PreviousStage,
    /// The row's offences and the offence counts by ICCS division behind the
    /// crime severity index for the same area and period.
    Severity,
}

/// Which number of an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    Point,
    Lower,
    Upper,
}

/// How a derived value is recomputed from rounded counts (with rounding
/// instead of suppression, a value computed from the true counts would give
/// them back).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Recompute {
    /// A rate per 100,000 of the row's `population` with its exact Poisson interval.
    PoissonRate { count: &'static str, bound: Bound },
    /// A rate per 100,000 of the row's `population`, without interval.
    PerPopulation { count: &'static str },
    /// A percentage with its Wilson interval.
    WilsonPercent {
        part: &'static str,
        whole: &'static str,
        bound: Bound,
    },
    /// `100 × part / whole` (the whole may be a public column such as capacity).
    Percent {
        part: &'static str,
        whole: &'static str,
    },
    /// `numerator / denominator`.
    Ratio {
        numerator: &'static str,
        denominator: &'static str,
    },
    /// `100 × count / count of the previous stage`.
    PreviousStagePercent,
    /// Cannot be recomputed from the row's rounded counts: withheld.
    Withheld,
}

/// A derived column.
#[derive(Debug)]
pub(crate) struct Derived {
    pub column: &'static str,
    pub inputs: Inputs,
    pub rounded: Recompute,
}

/// An SDMX series fed by a column.
#[derive(Debug)]
pub(crate) struct Series {
    /// The column (a count or a derived value).
    pub column: &'static str,
    /// Only rows whose column has this code.
    pub when: Option<(&'static str, &'static str)>,
    /// The SERIES code.
    pub code: &'static str,
    /// Its name (for Evident's own series; SDG series have theirs).
    pub name: &'static str,
    /// Its unit.
    pub unit: Unit,
    /// The ICCS code of the key when the table has no `iccs` column.
    pub iccs: Option<&'static str>,
    /// Columns holding the confidence interval.
    pub bounds: Option<(&'static str, &'static str)>,
}

/// The publication layout of one indicator table.
#[derive(Debug)]
pub(crate) struct Layout {
    /// The table's indicator id.
    pub indicator: &'static str,
    /// The catalogue entry describing it.
    pub catalogue: &'static str,
    /// A title when the table is not the catalogue entry's main table.
    pub title: Option<&'static str>,
    /// Dimension columns (codes) the table may have.
    pub dimensions: &'static [&'static str],
    /// Other text columns, published as they are (`freq` is recomputed for added rows).
    pub labels: &'static [&'static str],
    /// Level columns of hierarchical codes.
    pub levels: &'static [&'static str],
    /// Count columns.
    pub counts: &'static [Count],
    /// Columns used by disclosure control and never published.
    pub internal: &'static [&'static str],
    /// Derived columns.
    pub derived: &'static [Derived],
    /// Columns of public data (population, capacity …), published as they are.
    pub public: &'static [&'static str],
    /// SDMX series.
    pub series: &'static [Series],
}

impl Layout {
    /// The derived column with this name.
    pub fn derived(&self, column: &str) -> Option<&Derived> {
        self.derived.iter().find(|d| d.column == column)
    }
}

/// The layout for an indicator table.
pub(crate) fn layout(indicator: &str) -> Option<&'static Layout> {
    LAYOUTS.iter().find(|l| l.indicator == indicator)
}

/// The position of an indicator in release order (the catalogue's order).
pub(crate) fn order(indicator: &str) -> usize {
    LAYOUTS
        .iter()
        .position(|l| l.indicator == indicator)
        .unwrap_or(usize::MAX)
}

const CONTRIBUTORS: Contributors = Contributors::Column("contributors");

const fn count(column: &'static str, group: &'static str) -> Count {
    Count {
        column,
        group,
        when: None,
        repeats_over: None,
        fixed: &[],
        contributors: CONTRIBUTORS,
    }
}

/// The rate, its lower and its upper limit, derived from `count`.
const fn rates(count: &'static str, inputs: &'static [&'static str]) -> [Derived; 3] {
    let inputs = Inputs::Counts(inputs);
    [
        Derived {
            column: "rate_per_100k",
            inputs,
            rounded: Recompute::PoissonRate {
                count,
                bound: Bound::Point,
            },
        },
        Derived {
            column: "rate_lower",
            inputs,
            rounded: Recompute::PoissonRate {
                count,
                bound: Bound::Lower,
            },
        },
        Derived {
            column: "rate_upper",
            inputs,
            rounded: Recompute::PoissonRate {
                count,
                bound: Bound::Upper,
            },
        },
    ]
}

static OFFENCE_RATES: [Derived; 3] = rates("offences", &["offences"]);
static VICTIM_RATES: [Derived; 3] = rates("victims", &["victims"]);

const fn series(
    column: &'static str,
    code: &'static str,
    name: &'static str,
    unit: Unit,
) -> Series {
    Series {
        column,
        when: None,
        code,
        name,
        unit,
        iccs: None,
        bounds: None,
    }
}

const RATE_BOUNDS: Option<(&str, &str)> = Some(("rate_lower", "rate_upper"));

static LAYOUTS: &[Layout] = &[
    Layout {
        indicator: "offences",
        catalogue: "offences",
        title: None,
        dimensions: &["iccs", "area", "period"],
        labels: &["freq"],
        levels: &["iccs_level", "area_level"],
        counts: &[count("offences", "offences")],
        internal: &["contributors"],
        derived: &OFFENCE_RATES,
        public: &["population"],
        series: &[
            series(
                "offences",
                "OFFENCES",
                "Offences recorded by the police",
                Unit::Number,
            ),
            Series {
                bounds: RATE_BOUNDS,
                ..series(
                    "rate_per_100k",
                    "OFFENCES_RATE",
                    "Offences recorded by the police per 100,000 population",
                    Unit::Per100000Population,
                )
            },
        ],
    },
    Layout {
        indicator: "victims",
        catalogue: "victims",
        title: None,
        dimensions: &["iccs", "area", "period", "sex", "age"],
        labels: &["freq"],
        levels: &["iccs_level", "area_level"],
        counts: &[count("victims", "victims")],
        internal: &["contributors"],
        derived: &VICTIM_RATES,
        public: &["population"],
        series: &[
            series(
                "victims",
                "VICTIMS",
                "Victims of police-recorded offences",
                Unit::Number,
            ),
            Series {
                bounds: RATE_BOUNDS,
                ..series(
                    "rate_per_100k",
                    "VICTIMS_RATE",
                    "Victims of police-recorded offences per 100,000 population",
                    Unit::Per100000Population,
                )
            },
        ],
    },
    Layout {
        indicator: "sdg_16_1_1",
        catalogue: "sdg_16_1_1",
        title: None,
        dimensions: &["area", "period", "sex", "age"],
        labels: &["freq"],
        levels: &["area_level"],
        counts: &[Count {
            fixed: &[("iccs", "0101")],
            ..count("victims", "victims")
        }],
        internal: &["contributors"],
        derived: &VICTIM_RATES,
        public: &["population"],
        series: &[
            Series {
                iccs: Some("0101"),
                ..series("victims", "VC_IHR_PSRCN", "", Unit::Number)
            },
            Series {
                iccs: Some("0101"),
                bounds: RATE_BOUNDS,
                ..series(
                    "rate_per_100k",
                    "VC_IHR_PSRC",
                    "",
                    Unit::Per100000Population,
                )
            },
        ],
    },
    Layout {
        indicator: "sdg_16_2_2",
        catalogue: "sdg_16_2_2",
        title: None,
        dimensions: &["area", "period", "sex", "age", "exploitation"],
        labels: &["freq"],
        levels: &["area_level"],
        counts: &[Count {
            fixed: &[("iccs", "0204")],
            ..count("victims", "victims")
        }],
        internal: &["contributors"],
        derived: &VICTIM_RATES,
        public: &["population"],
        series: TRAFFICKING.as_flattened(),
    },
    Layout {
        indicator: "sdg_16_10_1",
        catalogue: "sdg_16_10_1",
        title: None,
        dimensions: &["period", "sex", "occupation"],
        labels: &["freq"],
        levels: &[],
        counts: &[count("victims", "defenders_killed")],
        internal: &["contributors"],
        derived: &[],
        public: &[],
        series: &[
            defenders("_T", "VC_VAW_MTUHRA", ""),
            defenders("journalist", "KILLED_JOURNALISTS", "Journalists killed"),
            defenders(
                "media_worker",
                "KILLED_MEDIA_WORKERS",
                "Media workers killed",
            ),
            defenders(
                "trade_unionist",
                "KILLED_TRADE_UNIONISTS",
                "Trade unionists killed",
            ),
            defenders(
                "human_rights_defender",
                "KILLED_HR_DEFENDERS",
                "Human rights defenders killed",
            ),
        ],
    },
    Layout {
        indicator: "sdg_16_3_2",
        catalogue: "sdg_16_3_2",
        title: None,
        dimensions: &["area", "period"],
        labels: &["freq"],
        levels: &["area_level"],
        counts: &HELD_COUNTS,
        internal: &["contributors"],
        derived: &[
            unsentenced_share("unsentenced_pct", Bound::Point),
            unsentenced_share("unsentenced_pct_lower", Bound::Lower),
            unsentenced_share("unsentenced_pct_upper", Bound::Upper),
        ],
        public: &[],
        series: &[
            Series {
                iccs: Some("_T"),
                ..series(
                    "held",
                    "PRISONERS_HELD",
                    "Persons held in prison",
                    Unit::Number,
                )
            },
            Series {
                iccs: Some("_T"),
                ..series("unsentenced", "VC_PRS_UNSNTN", "", Unit::Number)
            },
            Series {
                iccs: Some("_T"),
                bounds: Some(("unsentenced_pct_lower", "unsentenced_pct_upper")),
                ..series("unsentenced_pct", "VC_PRS_UNSNT", "", Unit::Percent)
            },
        ],
    },
    Layout {
        indicator: "prison_occupancy",
        catalogue: "prison_occupancy",
        title: None,
        dimensions: &["area", "period"],
        labels: &["freq"],
        levels: &["area_level"],
        counts: &HELD_COUNTS,
        internal: &["contributors"],
        derived: &[
            Derived {
                column: "occupancy_pct",
                inputs: Inputs::Counts(&["held"]),
                rounded: Recompute::Percent {
                    part: "held",
                    whole: "capacity",
                },
            },
            Derived {
                column: "unsentenced_pct",
                inputs: Inputs::Counts(&["held", "unsentenced"]),
                rounded: Recompute::Percent {
                    part: "unsentenced",
                    whole: "held",
                },
            },
        ],
        public: &["capacity"],
        series: &[
            Series {
                iccs: Some("_T"),
                ..series(
                    "held",
                    "PRISONERS_HELD",
                    "Persons held in prison",
                    Unit::Number,
                )
            },
            Series {
                iccs: Some("_T"),
                ..series("unsentenced", "VC_PRS_UNSNTN", "", Unit::Number)
            },
            Series {
                iccs: Some("_T"),
                ..series(
                    "occupancy_pct",
                    "PRISON_OCCUPANCY",
                    "Persons held per 100 official places",
                    Unit::Percent,
                )
            },
        ],
    },
    Layout {
        indicator: "justice_chain",
        catalogue: "justice_chain",
        title: None,
        dimensions: &["iccs", "period", "stage"],
        labels: &["freq", "counting_unit"],
        levels: &["iccs_level"],
        counts: &[
            Count {
                when: Some(("stage", "recorded")),
                ..count("count", "offences")
            },
            Count {
                when: Some(("stage", "suspects")),
                ..count("count", "suspects")
            },
            Count {
                when: Some(("stage", "prosecuted")),
                ..count("count", "prosecuted")
            },
            Count {
                when: Some(("stage", "convicted")),
                fixed: &[("custody", "_T")],
                ..count("count", "convicted")
            },
            Count {
                when: Some(("stage", "custody")),
                fixed: &[("custody", "Y")],
                ..count("count", "convicted")
            },
        ],
        internal: &["contributors"],
        derived: &[Derived {
            column: "pct_of_previous_stage",
            inputs: Inputs::PreviousStage,
            rounded: Recompute::PreviousStagePercent,
        }],
        public: &[],
        series: STAGES.as_flattened(),
    },
    Layout {
        indicator: "severity_index",
        catalogue: "severity_index",
        title: None,
        dimensions: &["area", "period", "sub_index"],
        labels: &["freq"],
        levels: &["area_level"],
        counts: &[Count {
            contributors: Contributors::Count,
            ..count("offences", "offences")
        }],
        internal: &[],
        derived: &[
            Derived {
                column: "weighted_offences",
                inputs: Inputs::Severity,
                rounded: Recompute::Withheld,
            },
            Derived {
                column: "severity_per_100k",
                inputs: Inputs::Severity,
                rounded: Recompute::Withheld,
            },
            Derived {
                column: "index",
                inputs: Inputs::Severity,
                rounded: Recompute::Withheld,
            },
            Derived {
                column: "volume_per_100k",
                inputs: Inputs::Counts(&["offences"]),
                rounded: Recompute::PerPopulation { count: "offences" },
            },
        ],
        public: &["population", "base_year"],
        series: &[
            Series {
                when: Some(("sub_index", "total")),
                iccs: Some("_T"),
                ..series(
                    "offences",
                    "OFFENCES",
                    "Offences recorded by the police",
                    Unit::Number,
                )
            },
            Series {
                when: Some(("sub_index", "violent")),
                iccs: Some("_T"),
                ..series(
                    "offences",
                    "OFFENCES_VIOLENT",
                    "Violent offences recorded by the police (ICCS sections 01-04)",
                    Unit::Number,
                )
            },
            Series {
                when: Some(("sub_index", "non_violent")),
                iccs: Some("_T"),
                ..series(
                    "offences",
                    "OFFENCES_NON_VIOLENT",
                    "Non-violent offences recorded by the police (ICCS sections 05-11 and not classifiable)",
                    Unit::Number,
                )
            },
        ],
    },
    Layout {
        indicator: "severity_weights",
        catalogue: "severity_index",
        title: Some("Crime severity index: weights by ICCS division"),
        dimensions: &["iccs"],
        labels: &["weight_source"],
        levels: &[],
        counts: &[
            Count {
                fixed: &[("custody", "_T")],
                contributors: Contributors::Count,
                ..count("convictions", "convictions")
            },
            Count {
                fixed: &[("custody", "Y")],
                contributors: Contributors::Count,
                ..count("custody", "convictions")
            },
        ],
        internal: &[],
        derived: &[Derived {
            column: "weight_days",
            inputs: Inputs::Counts(&["convictions", "custody"]),
            rounded: Recompute::Withheld,
        }],
        public: &[],
        series: &[],
    },
    Layout {
        indicator: "reoffending",
        catalogue: "reoffending",
        title: None,
        dimensions: &["iccs", "period", "sex", "age"],
        labels: &["freq"],
        levels: &["iccs_level"],
        counts: &[
            Count {
                fixed: &[("reoffended", "_T")],
                ..count("offenders", "reoffending_cohort")
            },
            Count {
                fixed: &[("reoffended", "Y")],
                contributors: Contributors::Count,
                ..count("reoffenders", "reoffending_cohort")
            },
            Count {
                contributors: Contributors::Column("reoffenders"),
                ..count("reoffences", "reoffences")
            },
        ],
        internal: &["contributors"],
        derived: &[
            reoffending_share("reoffending_pct", Bound::Point),
            reoffending_share("reoffending_pct_lower", Bound::Lower),
            reoffending_share("reoffending_pct_upper", Bound::Upper),
            Derived {
                column: "reoffences_per_offender",
                inputs: Inputs::Counts(&["reoffences", "offenders"]),
                rounded: Recompute::Ratio {
                    numerator: "reoffences",
                    denominator: "offenders",
                },
            },
            Derived {
                column: "reoffences_per_reoffender",
                inputs: Inputs::Counts(&["reoffences", "reoffenders"]),
                rounded: Recompute::Ratio {
                    numerator: "reoffences",
                    denominator: "reoffenders",
                },
            },
        ],
        public: &[],
        series: &[
            series(
                "offenders",
                "REOFFENDING_COHORT",
                "Offenders in the proven reoffending cohort",
                Unit::Number,
            ),
            series(
                "reoffenders",
                "REOFFENDERS",
                "Offenders with a proven reoffence within 12 months",
                Unit::Number,
            ),
            series(
                "reoffences",
                "REOFFENCES",
                "Proven reoffences within 12 months",
                Unit::Number,
            ),
            Series {
                bounds: Some(("reoffending_pct_lower", "reoffending_pct_upper")),
                ..series(
                    "reoffending_pct",
                    "REOFFENDING_RATE",
                    "Proven reoffending rate",
                    Unit::Percent,
                )
            },
        ],
    },
    Layout {
        indicator: "recidivism",
        catalogue: "recidivism",
        title: None,
        dimensions: &["iccs", "period", "sex", "age", "follow_up"],
        labels: &["freq"],
        levels: &["iccs_level"],
        counts: &[
            Count {
                repeats_over: Some(("follow_up", "Y3")),
                ..count("released", "release_cohort")
            },
            follow_up("rearrested", "Y3", &[("rearrested_3y", "Y")]),
            follow_up("rearrested", "Y5", &[("rearrested_5y", "Y")]),
            follow_up("reconvicted", "Y3", &[("reconvicted_3y", "Y")]),
            follow_up("reconvicted", "Y5", &[("reconvicted_5y", "Y")]),
        ],
        internal: &["contributors"],
        derived: &[
            Derived {
                column: "rearrest_pct",
                inputs: Inputs::Counts(&["released", "rearrested"]),
                rounded: Recompute::Percent {
                    part: "rearrested",
                    whole: "released",
                },
            },
            Derived {
                column: "reconviction_pct",
                inputs: Inputs::Counts(&["released", "reconvicted"]),
                rounded: Recompute::Percent {
                    part: "reconvicted",
                    whole: "released",
                },
            },
        ],
        public: &[],
        series: &[
            series(
                "released",
                "RELEASED_FROM_PRISON",
                "Persons released from prison",
                Unit::Number,
            ),
            Series {
                when: Some(("follow_up", "Y3")),
                ..series(
                    "rearrested",
                    "REARRESTED_3Y",
                    "Released persons rearrested within 3 years",
                    Unit::Number,
                )
            },
            Series {
                when: Some(("follow_up", "Y5")),
                ..series(
                    "rearrested",
                    "REARRESTED_5Y",
                    "Released persons rearrested within 5 years",
                    Unit::Number,
                )
            },
            Series {
                when: Some(("follow_up", "Y3")),
                ..series(
                    "reconvicted",
                    "RECONVICTED_3Y",
                    "Released persons reconvicted within 3 years",
                    Unit::Number,
                )
            },
            Series {
                when: Some(("follow_up", "Y5")),
                ..series(
                    "reconvicted",
                    "RECONVICTED_5Y",
                    "Released persons reconvicted within 5 years",
                    Unit::Number,
                )
            },
            Series {
                when: Some(("follow_up", "Y3")),
                ..series(
                    "rearrest_pct",
                    "REARREST_RATE_3Y",
                    "Share of released persons rearrested within 3 years",
                    Unit::Percent,
                )
            },
            Series {
                when: Some(("follow_up", "Y5")),
                ..series(
                    "rearrest_pct",
                    "REARREST_RATE_5Y",
                    "Share of released persons rearrested within 5 years",
                    Unit::Percent,
                )
            },
            Series {
                when: Some(("follow_up", "Y3")),
                ..series(
                    "reconviction_pct",
                    "RECONVICTION_RATE_3Y",
                    "Share of released persons reconvicted within 3 years",
                    Unit::Percent,
                )
            },
            Series {
                when: Some(("follow_up", "Y5")),
                ..series(
                    "reconviction_pct",
                    "RECONVICTION_RATE_5Y",
                    "Share of released persons reconvicted within 5 years",
                    Unit::Percent,
                )
            },
        ],
    },
];

static TRAFFICKING: [[Series; 2]; 6] = [
    trafficking("_T", "VC_HTF_DETV", "0204", "", "VC_HTF_DETVR", ""),
    trafficking(
        "sexual",
        "VC_HTF_DETVSX",
        "02041",
        "",
        "TIP_VICTIMS_RATE_SX",
        "Detected victims of trafficking for sexual exploitation per 100,000 population",
    ),
    trafficking(
        "forced_labour",
        "VC_HTF_DETVFL",
        "02042",
        "",
        "TIP_VICTIMS_RATE_FL",
        "Detected victims of trafficking for forced labour per 100,000 population",
    ),
    trafficking(
        "organ_removal",
        "VC_HTF_DETVOG",
        "02043",
        "",
        "TIP_VICTIMS_RATE_OG",
        "Detected victims of trafficking for the removal of organs per 100,000 population",
    ),
    trafficking(
        "other",
        "VC_HTF_DETVOP",
        "02044",
        "",
        "TIP_VICTIMS_RATE_OP",
        "Detected victims of trafficking for other purposes per 100,000 population",
    ),
    trafficking(
        "U",
        "TIP_VICTIMS_U",
        "0204",
        "Detected victims of trafficking, form of exploitation not recorded",
        "TIP_VICTIMS_RATE_U",
        "Detected victims of trafficking, form of exploitation not recorded, per 100,000 population",
    ),
];

static STAGES: [[Series; 2]; 5] = [
    stage(
        "recorded",
        "JUSTICE_RECORDED",
        "Offences recorded (justice chain)",
        "",
    ),
    stage(
        "suspects",
        "JUSTICE_SUSPECTS",
        "Suspects (distinct persons)",
        "JUSTICE_SUSPECTS_PCT",
    ),
    stage(
        "prosecuted",
        "JUSTICE_PROSECUTED",
        "Persons prosecuted",
        "JUSTICE_PROSECUTED_PCT",
    ),
    stage(
        "convicted",
        "JUSTICE_CONVICTED",
        "Persons convicted",
        "JUSTICE_CONVICTED_PCT",
    ),
    stage(
        "custody",
        "JUSTICE_CUSTODY",
        "Persons sentenced to custody",
        "JUSTICE_CUSTODY_PCT",
    ),
];

static HELD_COUNTS: [Count; 2] = [
    Count {
        fixed: &[("unsentenced", "_T")],
        ..count("held", "persons_held")
    },
    Count {
        fixed: &[("unsentenced", "Y")],
        contributors: Contributors::Count,
        ..count("unsentenced", "persons_held")
    },
];

const fn unsentenced_share(column: &'static str, bound: Bound) -> Derived {
    Derived {
        column,
        inputs: Inputs::Counts(&["held", "unsentenced"]),
        rounded: Recompute::WilsonPercent {
            part: "unsentenced",
            whole: "held",
            bound,
        },
    }
}

const fn reoffending_share(column: &'static str, bound: Bound) -> Derived {
    Derived {
        column,
        inputs: Inputs::Counts(&["offenders", "reoffenders"]),
        rounded: Recompute::WilsonPercent {
            part: "reoffenders",
            whole: "offenders",
            bound,
        },
    }
}

const fn follow_up(
    column: &'static str,
    window: &'static str,
    fixed: &'static [(&'static str, &'static str)],
) -> Count {
    Count {
        column,
        group: "release_cohort",
        when: Some(("follow_up", window)),
        repeats_over: None,
        fixed,
        contributors: Contributors::Count,
    }
}

const fn trafficking(
    exploitation: &'static str,
    count_code: &'static str,
    iccs: &'static str,
    count_name: &'static str,
    rate_code: &'static str,
    rate_name: &'static str,
) -> [Series; 2] {
    [
        Series {
            column: "victims",
            when: Some(("exploitation", exploitation)),
            code: count_code,
            name: count_name,
            unit: Unit::Number,
            iccs: Some(iccs),
            bounds: None,
        },
        Series {
            column: "rate_per_100k",
            when: Some(("exploitation", exploitation)),
            code: rate_code,
            name: rate_name,
            unit: Unit::Per100000Population,
            iccs: Some(iccs),
            bounds: RATE_BOUNDS,
        },
    ]
}

const fn defenders(occupation: &'static str, code: &'static str, name: &'static str) -> Series {
    Series {
        column: "victims",
        when: Some(("occupation", occupation)),
        code,
        name,
        unit: Unit::Number,
        iccs: Some("0101"),
        bounds: None,
    }
}

/// The count series of a stage and, after the first stage, its ratio to the
/// previous one (`ratio_code` empty for the first stage, which has none).
const fn stage(
    stage: &'static str,
    code: &'static str,
    name: &'static str,
    ratio_code: &'static str,
) -> [Series; 2] {
    [
        Series {
            column: "count",
            when: Some(("stage", stage)),
            code,
            name,
            unit: Unit::Number,
            iccs: None,
            bounds: None,
        },
        Series {
            column: "pct_of_previous_stage",
            when: Some(("stage", stage)),
            code: ratio_code,
            name: "Persons at this stage per 100 at the previous stage of the same year",
            unit: Unit::Percent,
            iccs: None,
            bounds: None,
        },
    ]
}

/// The stage before a stage of the justice chain.
pub(crate) fn previous_stage(stage: &str) -> Option<&'static str> {
    match stage {
        "suspects" => Some("recorded"),
        "prosecuted" => Some("suspects"),
        "convicted" => Some("prosecuted"),
        "custody" => Some("convicted"),
        _ => None,
    }
}

/// The counting unit of a stage of the justice chain (for rows the release adds).
pub(crate) fn stage_unit(stage: &str) -> &'static str {
    if stage == "recorded" {
        "offence"
    } else {
        "person"
    }
}

/// What a column holds, for the data dictionary.
pub(crate) fn describe(column: &str) -> &'static str {
    match column {
        "iccs" => {
            "ICCS 1.0 category (_T all offences; NC not classifiable: national code not mapped; \
                   <code>_NFS: coded to the category but to none of its subdivisions)"
        }
        "iccs_level" => "ICCS level of the code (0 total, 1 section, 2 division, 3 group, 4 class)",
        "area" => "Area code (_T the whole country; _U region not known)",
        "area_level" => "Level of the area code (0 the whole country, 1 region, 2 district)",
        "period" => "Reference period: a year (2021), a quarter (2021-Q1) or a month (2021-03)",
        "freq" => "SDMX frequency of the period: A annual, Q quarterly, M monthly",
        "sex" => "Sex (M male, F female, X other or not applicable, U not known, _T all)",
        "age" => "Age group (ICCS bands Y0T14 … Y_GE60, U not known, _T all ages)",
        "exploitation" => "Form of exploitation of a trafficking victim (_T all)",
        "occupation" => "Occupation of the victim (_T all of the listed occupations)",
        "stage" => "Stage of the criminal justice chain",
        "counting_unit" => "What the stage counts: offence or person",
        "sub_index" => "Sub-index: total, violent (ICCS sections 01-04) or non_violent",
        "follow_up" => "Follow-up window after release: Y3 three years, Y5 five years",
        "offences" => "Number of offences",
        "victims" => "Number of victims",
        "held" => "Persons held on the reference date (31 December, or the last day of the data)",
        "unsentenced" => "Persons held without a final sentence on the reference date",
        "count" => "Offences (recorded) or distinct persons (later stages) in the year",
        "convictions" => "Convictions for offences of the division, all years of data",
        "custody" => "Convictions with a custodial sentence, all years of data",
        "offenders" => "Offenders in the cohort (each person once per period)",
        "reoffenders" => "Offenders of the cohort with a proven reoffence",
        "reoffences" => "Proven reoffences committed by the cohort",
        "released" => "Persons released from prison in the period (first release)",
        "rearrested" => "Released persons recorded as suspects within the follow-up window",
        "reconvicted" => {
            "Released persons convicted of an offence committed within the follow-up window"
        }
        "population" => "Resident population (public denominator)",
        "rate_per_100k" => "Rate per 100,000 population",
        "rate_lower" => "Lower limit of the 95 % exact Poisson interval of the rate (Garwood 1936)",
        "rate_upper" => "Upper limit of the 95 % exact Poisson interval of the rate (Garwood 1936)",
        "unsentenced_pct" => "Unsentenced persons per 100 persons held",
        "unsentenced_pct_lower" => {
            "Lower limit of the 95 % Wilson interval of the share (Wilson 1927)"
        }
        "unsentenced_pct_upper" => {
            "Upper limit of the 95 % Wilson interval of the share (Wilson 1927)"
        }
        "capacity" => "Official capacity (places) of the prisons on the reference date (public)",
        "occupancy_pct" => "Persons held per 100 official places",
        "pct_of_previous_stage" => "Count per 100 at the previous stage of the same year",
        "weighted_offences" => "Offences weighted by the seriousness of their ICCS division",
        "severity_per_100k" => "Weighted offences per 100,000 population",
        "index" => "Crime severity index (national value in the base year = 100)",
        "volume_per_100k" => "Offences per 100,000 population (unweighted)",
        "base_year" => "Base year of the index",
        "weight_days" => "Weight of the division: incarceration rate times mean custodial days",
        "weight_source" => {
            "own: the division's convictions; section: borrowed from its section; none"
        }
        "reoffending_pct" => "Offenders with a proven reoffence per 100 offenders",
        "reoffending_pct_lower" => "Lower limit of the 95 % Wilson interval (Wilson 1927)",
        "reoffending_pct_upper" => "Upper limit of the 95 % Wilson interval (Wilson 1927)",
        "reoffences_per_offender" => "Proven reoffences per offender of the cohort",
        "reoffences_per_reoffender" => "Proven reoffences per reoffender",
        "rearrest_pct" => "Rearrested persons per 100 released",
        "reconviction_pct" => "Reconvicted persons per 100 released",
        "obs_status" => {
            "SDMX observation status of the row's counts: A normal, Q withheld (suppressed)"
        }
        "conf_status" => {
            "SDMX confidentiality status of the row's counts: F free, C primary \
                          confidentiality, D secondary confidentiality"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_names_known_groups_and_dimensions() {
        for l in LAYOUTS {
            for c in l.counts {
                let g =
                    group(c.group).unwrap_or_else(|| panic!("{}: group {}", l.indicator, c.group));
                for (d, _) in c.fixed {
                    assert!(
                        g.dimensions.contains(d),
                        "{}: {d} not in {}",
                        l.indicator,
                        g.name
                    );
                }
                // Every table dimension is a group dimension, a row filter or repeated over.
                for d in l.dimensions {
                    let placed = g.dimensions.contains(d)
                        || c.when.is_some_and(|(w, _)| w == *d)
                        || c.repeats_over.is_some_and(|(r, _)| r == *d);
                    assert!(
                        placed,
                        "{}: table dimension {d} has no place in {}",
                        l.indicator, g.name
                    );
                }
            }
            for column in l
                .counts
                .iter()
                .map(|c| c.column)
                .chain(l.derived.iter().map(|d| d.column))
            {
                assert!(!describe(column).is_empty(), "{column} has no description");
            }
        }
    }

    #[test]
    fn catalogue_indicators_all_have_layouts() {
        for indicator in evident_engine::CATALOGUE {
            assert!(layout(indicator.id).is_some(), "{}", indicator.id);
        }
    }
}
