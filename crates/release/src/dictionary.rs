//! The data dictionary (`data/dictionary.json` and `README.md`) and the
//! disclosure report of a release.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use evident_engine::Values;
use serde::{Deserialize, Serialize};

use crate::codes::{self, Areas, TOTAL, UNKNOWN_AREA};
use crate::layout::{self, Inputs};
use crate::model::{Decision, Model};
use crate::protect::GroupAudit;
use crate::publish::{PublishedTable, Role};
use crate::settings::{Control, ReleaseSettings};

/// One column of a published table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnEntry {
    /// Column name.
    pub name: String,
    /// `dimension`, `label`, `level`, `count`, `derived`, `public` or `status`.
    pub role: String,
    /// `text`, `integer` or `number`.
    pub r#type: String,
    /// What it holds.
    pub description: String,
    /// For counts: the disclosure group (what is counted, protected together).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub group: Option<String>,
    /// For derived values: what they are computed from.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub derived_from: Vec<String>,
}

/// One table of a release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableEntry {
    /// The indicator id (the file name).
    pub indicator: String,
    /// Title.
    pub title: String,
    /// Unit of the main value.
    pub unit: String,
    /// What is counted.
    pub counting_unit: String,
    /// Numerator of the main value.
    pub numerator: String,
    /// Denominator, for rates and shares.
    pub denominator: Option<String>,
    /// Method, in a few sentences.
    pub method: String,
    /// Where the definition comes from.
    pub source: String,
    /// SDG series codes reported.
    pub sdg_series: Vec<String>,
    /// Kyoto Declaration paragraphs the indicator gives evidence for.
    pub kyoto_paragraphs: Vec<u16>,
    /// `data/<indicator>.csv`.
    pub csv: String,
    /// `data/<indicator>.parquet`.
    pub parquet: String,
    /// Number of rows.
    pub rows: usize,
    /// The columns, in file order.
    pub columns: Vec<ColumnEntry>,
}

/// A code of a codelist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeEntry {
    /// The code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its parent in the hierarchy.
    pub parent: Option<String>,
}

/// A disclosure group: counts of one kind, protected together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupEntry {
    /// Name.
    pub name: String,
    /// What its counts count.
    pub counts: String,
    /// Its dimensions.
    pub dimensions: Vec<String>,
    /// The tables whose counts it holds.
    pub tables: Vec<String>,
}

/// `data/dictionary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dictionary {
    /// The release id.
    pub release_id: String,
    /// The tables.
    pub tables: Vec<TableEntry>,
    /// The codes used, by dimension (`area` lists the whole area codelist).
    pub codelists: BTreeMap<String, Vec<CodeEntry>>,
    /// Status codes of the `obs_status` and `conf_status` columns.
    pub statuses: Vec<CodeEntry>,
    /// The disclosure groups.
    pub groups: Vec<GroupEntry>,
    /// The disclosure method, in words.
    pub disclosure: String,
    /// Sources of the methods.
    pub citations: Vec<String>,
}

const CITATIONS: &[&str] = &[
    "UNODC (2015). International Classification of Crime for Statistical Purposes (ICCS), version 1.0. Vienna.",
    "SDMX Technical Working Group. SDMX 2.1 Technical Standards; SDMX-CSV 1.0 and SDMX-JSON 1.0 field guides; \
     SDMX Content-Oriented Guidelines, cross-domain code lists CL_OBS_STATUS and CL_CONF_STATUS.",
    "Repsilber, D. (1994). Preservation of confidentiality in aggregated data. Second International Seminar on \
     Statistical Confidentiality, Luxembourg.",
    "Giessing, S. & Repsilber, D. (2002). Tools and strategies to protect multiple tables with the GHQUAR cell \
     suppression engine. In Domingo-Ferrer (ed.), Inference Control in Statistical Databases, LNCS 2316, 181-192.",
    "Fischetti, M. & Salazar-Gonzalez, J. J. (2000). Models and algorithms for optimizing cell suppression in \
     tabular data with linear constraints. Journal of the American Statistical Association 95(451), 916-928.",
    "Hundepool, A. et al. (2012). Statistical Disclosure Control. Wiley.",
    "Cox, L. H. (1987). A constructive procedure for unbiased controlled rounding. Journal of the American \
     Statistical Association 82(398), 520-524.",
    "Garwood, F. (1936). Fiducial limits for the Poisson distribution. Biometrika 28(3/4), 437-442.",
    "Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. Journal of the \
     American Statistical Association 22(158), 209-212.",
    "Wallace, M. et al. (2009). Measuring Crime in Canada: Introducing the Crime Severity Index and Improvements \
     to the Uniform Crime Reporting Survey. Statistics Canada 85-004-X.",
    "Ministry of Justice (England and Wales). Guide to Proven Reoffending Statistics.",
    "Durose, M. R., Cooper, A. D. & Snyder, H. N. (2014). Recidivism of Prisoners Released in 30 States in 2005. \
     Bureau of Justice Statistics, NCJ 244205.",
];

fn type_name(values: &Values) -> &'static str {
    match values {
        Values::Text(_) => "text",
        Values::Int(_) => "integer",
        Values::Float(_) => "number",
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Dimension => "dimension",
        Role::Label => "label",
        Role::Level => "level",
        Role::Count => "count",
        Role::Derived => "derived",
        Role::Public => "public",
    }
}

/// How a method of disclosure control reads in the dictionary and the README.
pub(crate) fn describe_control(control: &Control) -> String {
    match control {
        Control::Suppression { rules } => format!(
            "Cell suppression. A count with fewer than {} contributing persons ({} for victim-identifying \
             cells: sexual offences, trafficking in persons, abduction of a minor, victims under 15) is \
             withheld (primary, CONF_STATUS C); further cells are withheld so that none of them can be \
             worked out from published totals within {} % of its value or {} units (secondary, D), by a \
             hypercube method over all tables that share counts (Repsilber 1994; Giessing & Repsilber 2002). \
             An independent interval audit (Fischetti & Salazar-Gonzalez 2000) passed before anything was \
             written. Rates, intervals and shares computed from a withheld count are withheld with the same status.",
            rules.threshold,
            rules.sensitive_threshold,
            rules.protection_percent,
            rules.minimum_width
        ),
        Control::RandomRounding { base, seed } => format!(
            "Unbiased random rounding of every count to a multiple of {base} (seed {seed}); totals are rounded \
             on their own and need not equal the sum of their rounded parts. Rates and percentages are \
             recomputed from the rounded counts; the severity index and weights, which cannot be, are withheld."
        ),
        Control::ControlledRounding { base, seed } => format!(
            "Unbiased controlled rounding of every count to a multiple of {base} (Cox 1987; seed {seed}); \
             rounded parts add up to their rounded totals. Rates and percentages are recomputed from the \
             rounded counts; the severity index and weights are withheld."
        ),
    }
}

/// Builds the dictionary of the published tables.
pub(crate) fn dictionary(
    settings: &ReleaseSettings,
    model: &Model,
    tables: &[PublishedTable],
) -> Dictionary {
    let mut entries = Vec::new();
    let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for table in tables {
        let layout = table.layout;
        let about = evident_engine::indicator(layout.catalogue);
        let mut columns = Vec::new();
        for (column, role) in table.columns.iter().zip(&table.roles) {
            let name = column.name.as_str();
            if *role == Role::Dimension
                && let Values::Text(codes) = &column.values
            {
                used.entry(name.to_owned())
                    .or_default()
                    .extend(codes.iter().map(|c| c.to_string()));
            }
            let group = (*role == Role::Count).then(|| {
                let mut groups: Vec<&str> = layout
                    .counts
                    .iter()
                    .filter(|c| c.column == name)
                    .map(|c| c.group)
                    .collect();
                groups.dedup();
                groups.join(", ")
            });
            let derived_from = match layout.derived(name).map(|d| d.inputs) {
                Some(Inputs::Counts(inputs)) => inputs.iter().map(|s| (*s).to_owned()).collect(),
                Some(Inputs::PreviousStage) => {
                    vec!["count".to_owned(), "count of the previous stage".to_owned()]
                }
                Some(Inputs::Severity) => vec![
                    "offences".to_owned(),
                    "offences by ICCS division (table offences)".to_owned(),
                ],
                None => Vec::new(),
            };
            columns.push(ColumnEntry {
                name: name.to_owned(),
                role: role_name(*role).to_owned(),
                r#type: type_name(&column.values).to_owned(),
                description: layout::describe(name).to_owned(),
                group,
                derived_from,
            });
        }
        for name in ["obs_status", "conf_status"] {
            columns.push(ColumnEntry {
                name: name.to_owned(),
                role: "status".to_owned(),
                r#type: "text".to_owned(),
                description: layout::describe(name).to_owned(),
                group: None,
                derived_from: Vec::new(),
            });
        }
        entries.push(TableEntry {
            indicator: table.indicator.clone(),
            title: layout
                .title
                .or(about.map(|a| a.title))
                .unwrap_or(layout.indicator)
                .to_owned(),
            unit: if layout.title.is_some() {
                "days (weights) and convictions".to_owned()
            } else {
                about.map_or("", |a| a.unit).to_owned()
            },
            counting_unit: about.map_or("", |a| a.counting_unit).to_owned(),
            numerator: about.map_or("", |a| a.numerator).to_owned(),
            denominator: about.and_then(|a| a.denominator).map(str::to_owned),
            method: about.map_or("", |a| a.method).to_owned(),
            source: about.map_or("", |a| a.source).to_owned(),
            sdg_series: about.map_or_else(Vec::new, |a| {
                a.sdg_series.iter().map(|s| (*s).to_owned()).collect()
            }),
            kyoto_paragraphs: about.map_or_else(Vec::new, |a| a.kyoto_paragraphs.to_vec()),
            csv: format!("data/{}.csv", table.indicator),
            parquet: format!("data/{}.parquet", table.indicator),
            rows: table.rows(),
            columns,
        });
    }
    let mut codelists = BTreeMap::new();
    for (dimension, codes_used) in &used {
        if dimension == "area" || dimension == "period" {
            continue;
        }
        codelists.insert(
            dimension.clone(),
            codelist(dimension, codes_used, &model.areas),
        );
    }
    if used.contains_key("area") {
        let mut all: BTreeSet<String> = settings.areas.iter().map(|a| a.code.clone()).collect();
        if used.get("area").is_some_and(|u| u.contains(UNKNOWN_AREA)) {
            all.insert(UNKNOWN_AREA.to_owned());
        }
        codelists.insert("area".to_owned(), codelist("area", &all, &model.areas));
    }
    let statuses = [
        ("A", "obs_status: normal value"),
        ("Q", "obs_status: missing value; suppressed"),
        ("F", "conf_status: free for publication"),
        ("C", "conf_status: confidential statistical information (primary: too few persons behind the count)"),
        ("D", "conf_status: secondary confidentiality set by the sender, not for publication (withheld to protect other cells)"),
    ]
    .iter()
    .map(|(c, n)| CodeEntry {
        code: (*c).to_owned(),
        name: (*n).to_owned(),
        parent: None,
    })
    .collect();
    let groups = model
        .groups
        .iter()
        .map(|g| GroupEntry {
            name: g.def.name.to_owned(),
            counts: g.def.counts.to_owned(),
            dimensions: g.def.dimensions.iter().map(|d| (*d).to_owned()).collect(),
            tables: {
                let mut t: Vec<String> = g
                    .members
                    .iter()
                    .map(|&m| model.tables[model.members[m].table].indicator().to_owned())
                    .collect();
                t.dedup();
                t
            },
        })
        .collect();
    Dictionary {
        release_id: settings.id.clone(),
        tables: entries,
        codelists,
        statuses,
        groups,
        disclosure: describe_control(&settings.control),
        citations: CITATIONS.iter().map(|c| (*c).to_owned()).collect(),
    }
}

/// The codes used with their ancestors, parents before children.
fn codelist(dimension: &str, used: &BTreeSet<String>, areas: &Areas) -> Vec<CodeEntry> {
    let kind = codes::kind(dimension);
    // In the group's spelling (the severity index's `total` is `_T`).
    let mut all: BTreeSet<String> = BTreeSet::new();
    for code in used {
        let mut current = Some(codes::to_group(dimension, code).to_owned());
        while let Some(c) = current {
            current = codes::parent(kind, &c, areas).ok().flatten();
            all.insert(c);
        }
    }
    let mut entries: Vec<(u32, CodeEntry)> = all
        .iter()
        .map(|code| {
            let parent = codes::parent(kind, code, areas)
                .ok()
                .flatten()
                // Regions are the top of the area codelist, as the caller gave it.
                .filter(|p| !(dimension == "area" && p == TOTAL))
                .map(|p| codes::to_table(dimension, &p).to_owned());
            let entry = CodeEntry {
                code: codes::to_table(dimension, code).to_owned(),
                name: codes::name(dimension, code, areas),
                parent,
            };
            (codes::depth(kind, code, areas).unwrap_or(0), entry)
        })
        .collect();
    entries.sort_by(|a, b| (a.0, &a.1.code).cmp(&(b.0, &b.1.code)));
    entries.into_iter().map(|(_, e)| e).collect()
}

/// The disclosure report of one table: what was withheld, as anyone can count
/// it in the published files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableReport {
    /// The indicator.
    pub indicator: String,
    /// Rows published.
    pub rows: usize,
    /// Count values (rows × count columns).
    pub values: usize,
    /// Count values published.
    pub published: usize,
    /// Count values withheld by the threshold rule.
    pub primary: usize,
    /// Count values withheld to protect others.
    pub secondary: usize,
    /// Count values withheld because the previous release withheld them.
    pub carried: usize,
    /// Withheld count values as a share of all count values.
    pub withheld_share: f64,
    /// Derived values (rates, shares …) withheld with their counts.
    pub derived_withheld: usize,
}

/// `disclosure/report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The release id.
    pub release_id: String,
    /// The disclosure method, in words.
    pub method: String,
    /// Per table.
    pub tables: Vec<TableReport>,
    /// Why the report counts cells and not values: the share of the value
    /// withheld, with the published totals, would give back the sum of the
    /// withheld cells.
    pub note: String,
}

/// Counts withheld values table by table.
pub(crate) fn report(settings: &ReleaseSettings, tables: &[PublishedTable]) -> Report {
    let tables = tables
        .iter()
        .map(|t| {
            let mut r = TableReport {
                indicator: t.indicator.clone(),
                rows: t.rows(),
                values: 0,
                published: 0,
                primary: 0,
                secondary: 0,
                carried: 0,
                withheld_share: 0.0,
                derived_withheld: 0,
            };
            for decisions in t.decisions.values() {
                for d in decisions {
                    r.values += 1;
                    match d {
                        Decision::Published => r.published += 1,
                        Decision::Primary => r.primary += 1,
                        Decision::Secondary => r.secondary += 1,
                        Decision::Carried => r.carried += 1,
                    }
                }
            }
            if r.values > 0 {
                r.withheld_share = (r.values - r.published) as f64 / r.values as f64;
            }
            for (status, role) in t.status.iter().zip(&t.roles) {
                if *role == Role::Derived {
                    r.derived_withheld += status.iter().filter(|s| s.is_suppressed()).count();
                }
            }
            r
        })
        .collect();
    Report {
        release_id: settings.id.clone(),
        method: describe_control(&settings.control),
        tables,
        note: "Counts of cells, not of values: the share of the value withheld, together with the published \
               totals, would give back the sum of the withheld cells. The publisher sees it in the build summary."
            .to_owned(),
    }
}

/// `disclosure/audit.json`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AuditFile<'a> {
    pub release_id: &'a str,
    pub method: &'a str,
    pub passed: bool,
    pub groups: &'a [GroupAudit],
    pub note: &'static str,
}

/// The human-readable `README.md`.
pub(crate) fn readme(
    settings: &ReleaseSettings,
    dictionary: &Dictionary,
    report: &Report,
    revises: Option<&str>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Release {}\n", settings.id);
    let _ = writeln!(
        out,
        "Crime and criminal-justice statistics published by {} on {}. Every file is listed with its \
         size and SHA-256 in `manifest.json`; `data/dictionary.json` is this page in machine-readable form.\n",
        settings.agency, settings.created
    );
    if let Some(previous) = revises {
        let _ = writeln!(
            out,
            "This release revises release {previous}; the two were audited together, so that comparing \
             them gives nothing away that either withholds.\n"
        );
    }
    let _ = writeln!(out, "## Files\n");
    let _ = writeln!(out, "| file | content |\n|---|---|");
    for t in &dictionary.tables {
        let _ = writeln!(out, "| `{}`, `{}` | {} |", t.csv, t.parquet, t.title);
    }
    for (file, content) in [
        (
            "data/dictionary.json",
            "columns, codes, units and methods of every table",
        ),
        (
            "sdmx/structure.xml",
            "SDMX-ML 2.1 structure message: codelists, concepts, DSD_CRIME, dataflow DF_CRIME",
        ),
        ("sdmx/data.xml", "SDMX-ML 2.1 structure-specific data"),
        ("sdmx/data.csv", "SDMX-CSV 1.0"),
        ("sdmx/data-v2.csv", "SDMX-CSV 2.0.0"),
        ("sdmx/data.json", "SDMX-JSON 1.0 data message"),
        (
            "disclosure/report.json",
            "values withheld per table, primary and secondary",
        ),
        (
            "disclosure/audit.json",
            "the interval audit, per disclosure group",
        ),
    ] {
        let _ = writeln!(out, "| `{file}` | {content} |");
    }
    let _ = writeln!(out, "\n## Reading the tables\n");
    let _ = writeln!(
        out,
        "Codes are text: read every dimension column as a string (ICCS `01` is not the number 1, and the \
         area code `NA` is not a missing value). A combination of codes that a table does not list has a \
         count of zero; a withheld cell is always listed, with an empty value, and a row with a withheld \
         count has no public values (population, capacity) either. Totals over a dimension use \
         the code `_T`. `obs_status` and `conf_status` describe the row's counts: `A`/`F` published, \
         `Q`/`C` withheld because too few persons are behind it, `Q`/`D` withheld to protect another cell. \
         A rate, interval or share computed from a withheld count is empty too.\n"
    );
    let _ = writeln!(out, "## Disclosure control\n\n{}\n", dictionary.disclosure);
    let _ = writeln!(
        out,
        "Counts of the same kind are protected together, so that a cell shared by two tables (the national \
         victims of homicide in `victims` and in `sdg_16_1_1`) is withheld in both or neither:\n"
    );
    let _ = writeln!(out, "| group | counts | tables |\n|---|---|---|");
    for g in &dictionary.groups {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            g.name,
            g.counts,
            g.tables.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\n| table | rows | count values | withheld (primary / secondary / carried) |\n|---|---|---|---|"
    );
    for t in &report.tables {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} / {} / {} |",
            t.indicator, t.rows, t.values, t.primary, t.secondary, t.carried
        );
    }
    for t in &dictionary.tables {
        let _ = writeln!(out, "\n## {} (`{}`)\n", t.title, t.indicator);
        if !t.method.is_empty() {
            let _ = writeln!(out, "{}\n", t.method);
        }
        if !t.unit.is_empty() {
            let _ = writeln!(out, "Unit: {}. Counting unit: {}.", t.unit, t.counting_unit);
        }
        if !t.source.is_empty() {
            let _ = writeln!(out, "Source: {}.", t.source);
        }
        if !t.sdg_series.is_empty() {
            let _ = writeln!(out, "SDG series: {}.", t.sdg_series.join(", "));
        }
        let _ = writeln!(
            out,
            "\n| column | type | role | description |\n|---|---|---|---|"
        );
        for c in &t.columns {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                c.name, c.r#type, c.role, c.description
            );
        }
    }
    let _ = writeln!(out, "\n## Codes\n");
    for (dimension, codes) in &dictionary.codelists {
        let _ = writeln!(
            out,
            "**{dimension}**: {}\n",
            codes
                .iter()
                .map(|c| format!("`{}` {}", c.code, c.name))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    let _ = writeln!(out, "## References\n");
    for c in &dictionary.citations {
        let _ = writeln!(out, "- {c}");
    }
    out
}
