//! The code hierarchies of the release's dimensions, checked against their
//! codelists, and the rule for victim-identifying cells.

use std::collections::HashMap;

use evident_iccs::iccs;

use crate::layout::BINARY_DIMENSIONS;

/// The total over a dimension (SDMX generic code).
pub(crate) const TOTAL: &str = "_T";
/// Offences whose national code is not mapped to the ICCS (the engine's code).
pub(crate) const NOT_CLASSIFIABLE: &str = "NC";
/// Suffix of a category's "not further specified" residual (the engine's code).
pub(crate) const NOT_FURTHER_SPECIFIED: &str = "_NFS";
/// A region the engine could not determine (an area without a parent).
pub(crate) const UNKNOWN_AREA: &str = "_U";

pub(crate) const SEXES: &[(&str, &str)] = &[
    ("M", "Male"),
    ("F", "Female"),
    ("X", "Other or not applicable"),
    ("U", "Not known"),
];
pub(crate) const AGES: &[(&str, &str)] = &[
    ("Y0T14", "Under 15 years"),
    ("Y15T29", "15 to 29 years"),
    ("Y30T44", "30 to 44 years"),
    ("Y45T59", "45 to 59 years"),
    ("Y_GE60", "60 years or over"),
    ("U", "Not known"),
];
pub(crate) const EXPLOITATIONS: &[(&str, &str)] = &[
    ("sexual", "Sexual exploitation"),
    ("forced_labour", "Forced labour or services"),
    ("organ_removal", "Removal of organs"),
    ("other", "Other purposes"),
    ("U", "Not recorded"),
];
pub(crate) const OCCUPATIONS: &[(&str, &str)] = &[
    ("journalist", "Journalist"),
    ("media_worker", "Media worker"),
    ("trade_unionist", "Trade unionist"),
    ("human_rights_defender", "Human rights defender"),
];
pub(crate) const SUB_INDICES: &[(&str, &str)] = &[
    ("violent", "Violent offences (ICCS sections 01-04)"),
    (
        "non_violent",
        "Non-violent offences (ICCS sections 05-11, not classifiable)",
    ),
];
pub(crate) const STAGES: &[(&str, &str)] = &[
    ("recorded", "Offences recorded by the police"),
    ("suspects", "Persons recorded as suspects"),
    ("prosecuted", "Persons prosecuted"),
    ("convicted", "Persons convicted"),
    ("custody", "Persons sentenced to custody"),
];
pub(crate) const FOLLOW_UPS: &[(&str, &str)] = &[
    ("Y3", "Three years after release"),
    ("Y5", "Five years after release"),
];
pub(crate) const BINARY: &[(&str, &str)] = &[("Y", "Yes"), ("N", "No")];

/// How a dimension's codes are organised.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// ICCS: `_T` → sections (and `NC`) → divisions → groups → classes, with
    /// `<code>_NFS` under its category.
    Iccs,
    /// Areas: `_T` → regions → districts, as the caller's codelist says.
    Area,
    /// Periods: years → quarters or months (no total over years).
    Period,
    /// `_T` above a fixed list of codes.
    Flat(&'static [(&'static str, &'static str)]),
}

/// The kind of a dimension, by name.
pub(crate) fn kind(dimension: &str) -> Kind {
    match dimension {
        "iccs" => Kind::Iccs,
        "area" => Kind::Area,
        "period" => Kind::Period,
        "sex" => Kind::Flat(SEXES),
        "age" => Kind::Flat(AGES),
        "exploitation" => Kind::Flat(EXPLOITATIONS),
        "occupation" => Kind::Flat(OCCUPATIONS),
        "sub_index" => Kind::Flat(SUB_INDICES),
        "stage" => Kind::Flat(STAGES),
        "follow_up" => Kind::Flat(FOLLOW_UPS),
        d if BINARY_DIMENSIONS.contains(&d) => Kind::Flat(BINARY),
        _ => Kind::Flat(&[]),
    }
}

/// The code a group uses for a table's code (the severity index calls its
/// total `total`).
pub(crate) fn to_group<'a>(dimension: &str, code: &'a str) -> &'a str {
    if dimension == "sub_index" && code == "total" {
        TOTAL
    } else {
        code
    }
}

/// The table's code for a group's code (inverse of [`to_group`]).
pub(crate) fn to_table<'a>(dimension: &str, code: &'a str) -> &'a str {
    if dimension == "sub_index" && code == TOTAL {
        "total"
    } else {
        code
    }
}

/// The area codelist given by the caller, with `_U` for an unknown region.
#[derive(Debug, Clone, Default)]
pub(crate) struct Areas {
    parent: HashMap<String, Option<String>>,
    name: HashMap<String, String>,
}

impl Areas {
    pub fn new(areas: &[evident_sdmx::crime::Area]) -> Result<Areas, String> {
        let mut out = Areas::default();
        for a in areas {
            if a.code == TOTAL || a.code.is_empty() {
                return Err(format!("area code {:?} is reserved or empty", a.code));
            }
            if out
                .parent
                .insert(a.code.clone(), a.parent.clone())
                .is_some()
            {
                return Err(format!("area {} is listed twice", a.code));
            }
            out.name.insert(a.code.clone(), a.name.clone());
        }
        for a in areas {
            if let Some(p) = &a.parent
                && !out.parent.contains_key(p)
            {
                return Err(format!(
                    "area {} has parent {p}, which is not listed",
                    a.code
                ));
            }
        }
        // A parent chain longer than the number of areas is a loop.
        for a in areas {
            let mut code = a.code.as_str();
            let mut steps = 0;
            while let Some(Some(p)) = out.parent.get(code) {
                code = p;
                steps += 1;
                if steps > areas.len() {
                    return Err(format!("the parents of area {} form a loop", a.code));
                }
            }
        }
        if !out.parent.contains_key(UNKNOWN_AREA) {
            out.parent.insert(UNKNOWN_AREA.to_owned(), None);
            out.name
                .insert(UNKNOWN_AREA.to_owned(), "Region not known".to_owned());
        }
        Ok(out)
    }

    pub fn name(&self, code: &str) -> Option<&str> {
        if code == TOTAL {
            return Some("All areas");
        }
        self.name.get(code).map(String::as_str)
    }

    pub fn parent(&self, code: &str) -> Option<Option<&str>> {
        self.parent.get(code).map(|p| p.as_deref())
    }
}

/// The parent of a code in its dimension (`None` for the total), or why the
/// code is not valid there.
pub(crate) fn parent(
    kind: Kind,
    code: &str,
    areas: &Areas,
) -> std::result::Result<Option<String>, String> {
    if code == TOTAL {
        return Ok(None);
    }
    match kind {
        Kind::Iccs => {
            if code == NOT_CLASSIFIABLE {
                return Ok(Some(TOTAL.to_owned()));
            }
            if let Some(base) = code.strip_suffix(NOT_FURTHER_SPECIFIED) {
                return match iccs().get(base) {
                    Some(_) => Ok(Some(base.to_owned())),
                    None => Err(format!("{code:?}: {base:?} is not an ICCS 1.0 category")),
                };
            }
            match iccs().get(code) {
                Some(category) => Ok(Some(category.parent.unwrap_or(TOTAL).to_owned())),
                None => Err(format!(
                    "{code:?} is not an ICCS 1.0 category, {NOT_CLASSIFIABLE}, _T or <category>{NOT_FURTHER_SPECIFIED}"
                )),
            }
        }
        Kind::Area => match areas.parent(code) {
            Some(p) => Ok(Some(p.unwrap_or(TOTAL).to_owned())),
            None => Err(format!("{code:?} is not in the area codelist")),
        },
        Kind::Period => match parse_period(code) {
            Some(Period::Year(_)) => Ok(Some(TOTAL.to_owned())),
            Some(Period::Quarter(y, _)) | Some(Period::Month(y, _)) => Ok(Some(format!("{y:04}"))),
            None => Err(format!(
                "{code:?} is not a period: expected a year (2021), a quarter (2021-Q1) or a month (2021-03)"
            )),
        },
        Kind::Flat(codes) => {
            if codes.iter().any(|(c, _)| *c == code) {
                Ok(Some(TOTAL.to_owned()))
            } else {
                Err(format!(
                    "{code:?} is not one of {}",
                    codes
                        .iter()
                        .map(|(c, _)| *c)
                        .chain([TOTAL])
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        }
    }
}

/// How many steps below the total a code is.
pub(crate) fn depth(kind: Kind, code: &str, areas: &Areas) -> Option<u32> {
    let mut depth = 0;
    let mut current = code.to_owned();
    while let Ok(Some(p)) = parent(kind, &current, areas) {
        depth += 1;
        current = p;
        if depth > 16 {
            return None;
        }
    }
    parent(kind, code, areas).ok().map(|_| depth)
}

/// A calendar period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Period {
    Year(i32),
    Quarter(i32, u32),
    Month(i32, u32),
}

pub(crate) fn parse_period(code: &str) -> Option<Period> {
    let bytes = code.as_bytes();
    if bytes.len() < 4 || !bytes[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let year: i32 = code[..4].parse().ok()?;
    match &code[4..] {
        "" => Some(Period::Year(year)),
        rest => {
            let rest = rest.strip_prefix('-')?;
            if let Some(q) = rest.strip_prefix('Q') {
                let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
                (q.to_string() == rest[1..]).then_some(Period::Quarter(year, q))
            } else {
                let m: u32 = rest.parse().ok().filter(|m| (1..=12).contains(m))?;
                (rest.len() == 2).then_some(Period::Month(year, m))
            }
        }
    }
}

/// The SDMX frequency code of a period code.
pub(crate) fn frequency(period: &str) -> &'static str {
    match parse_period(period) {
        Some(Period::Quarter(..)) => "Q",
        Some(Period::Month(..)) => "M",
        _ => "A",
    }
}

/// Whether cells of this ICCS code identify victims: sexual offences (section
/// 03, including the sexual exploitation of children, 03022), trafficking in
/// persons (0204) and the abduction of a minor (02021). ICCS codes extend their
/// parent's code, so a prefix test covers the subdivisions.
pub(crate) fn victim_identifying_offence(code: &str) -> bool {
    let base = code.strip_suffix(NOT_FURTHER_SPECIFIED).unwrap_or(code);
    ["03", "0204", "02021"].iter().any(|p| base.starts_with(p))
}

/// The name of a code of a dimension, for the data dictionary.
pub(crate) fn name(dimension: &str, code: &str, areas: &Areas) -> String {
    match kind(dimension) {
        Kind::Iccs if code == TOTAL => "All offences".to_owned(),
        Kind::Iccs => evident_engine::tables::iccs_cell_name(code),
        Kind::Area => areas.name(code).unwrap_or(code).to_owned(),
        Kind::Period => code.to_owned(),
        Kind::Flat(_) if code == TOTAL => "Total".to_owned(),
        Kind::Flat(codes) => codes
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(code, |(_, n)| *n)
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_follow_each_codelist() {
        let areas = Areas::new(&[
            evident_sdmx::crime::Area {
                code: "R1".into(),
                name: "Region One".into(),
                parent: None,
            },
            evident_sdmx::crime::Area {
                code: "D11".into(),
                name: "District 11".into(),
                parent: Some("R1".into()),
            },
        ])
        .unwrap();
        let p = |k, c| parent(k, c, &areas).unwrap();
        assert_eq!(p(Kind::Iccs, "020111"), Some("02011".into()));
        assert_eq!(p(Kind::Iccs, "01"), Some("_T".into()));
        assert_eq!(p(Kind::Iccs, "NC"), Some("_T".into()));
        assert_eq!(p(Kind::Iccs, "0501_NFS"), Some("0501".into()));
        assert_eq!(p(Kind::Area, "D11"), Some("R1".into()));
        assert_eq!(p(Kind::Area, "R1"), Some("_T".into()));
        assert_eq!(p(Kind::Area, "_U"), Some("_T".into()));
        assert_eq!(p(Kind::Period, "2021-03"), Some("2021".into()));
        assert_eq!(p(Kind::Period, "2021-Q4"), Some("2021".into()));
        assert_eq!(p(Kind::Period, "2021"), Some("_T".into()));
        assert_eq!(depth(Kind::Iccs, "020111", &areas), Some(4));
        assert_eq!(depth(Kind::Area, "D11", &areas), Some(2));
        assert!(parent(Kind::Iccs, "9999", &areas).is_err());
        assert!(parent(Kind::Area, "D99", &areas).is_err());
        assert!(parent(Kind::Period, "2021-13", &areas).is_err());
        assert!(parent(Kind::Period, "2021-Q04", &areas).is_err());
        assert!(parent(Kind::Flat(SEXES), "Z", &areas).is_err());
    }

    #[test]
    fn victim_identifying_categories() {
        for code in [
            "03", "0301", "03022", "030221", "0204", "02041", "02021", "020211", "03_NFS",
        ] {
            assert!(victim_identifying_offence(code), "{code}");
        }
        for code in ["_T", "02", "0202", "02022", "0101", "NC", "0501_NFS"] {
            assert!(!victim_identifying_offence(code), "{code}");
        }
    }

    #[test]
    fn area_loops_and_missing_parents_are_refused() {
        let area = |c: &str, p: Option<&str>| evident_sdmx::crime::Area {
            code: c.into(),
            name: c.into(),
            parent: p.map(Into::into),
        };
        assert!(Areas::new(&[area("A", Some("B")), area("B", Some("A"))]).is_err());
        assert!(Areas::new(&[area("A", Some("Z"))]).is_err());
        assert!(Areas::new(&[area("A", None), area("A", None)]).is_err());
    }
}
