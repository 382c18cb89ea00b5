//! Count series from the store: offences per ICCS category × area × month or
//! week, by recording or occurrence date, and the occurrence × recording-delay
//! triangles that nowcasting reads.
//!
//! One aggregate query reads the classified offences at their finest grain
//! (ICCS code × district × period, and the recording period for triangles);
//! every family of series (an ICCS level × an area level) is then added up
//! here from that small result, so that asking for all twelve families costs
//! one scan of the store. The SQL uses only DataFusion's built-in functions, so
//! it runs unchanged on a Ballista cluster.
//!
//! **The calendar.** Series start at the first period of recording (offences that
//! occurred earlier are outside the data's coverage and left out) and end at the
//! latest period that is both completely recorded (the last recording date is
//! the period's last day or later) and has offences occurring in it. A period
//! in which the store holds no offence at all is a gap in the data, not a zero:
//! it is missing (`NaN`) in every series.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use datafusion::arrow::array::Array;
use serde::Serialize;

use crate::cube::{int_column, text_column};
use crate::error::{EngineError, Result};
use crate::request::DateBasis;
use crate::session::Engine;
use crate::tables::{AREAS, OFFENCES, iccs_cell_name, iccs_levels};

/// The length of a series' period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesFrequency {
    /// Calendar months (`2023-07`).
    Month,
    /// ISO 8601 weeks, Monday to Sunday (`2023-W27`).
    Week,
}

impl SeriesFrequency {
    /// Periods in a seasonal cycle.
    pub fn cycle(self) -> usize {
        match self {
            SeriesFrequency::Month => 12,
            SeriesFrequency::Week => 52,
        }
    }

    /// The period that contains a date.
    pub fn period_of(self, date: Date) -> i64 {
        match self {
            SeriesFrequency::Month => i64::from(date.year) * 12 + i64::from(date.month) - 1,
            // Day 0 (1970-01-01) is a Thursday: weeks start 3 days earlier.
            SeriesFrequency::Week => (date.days() + 3).div_euclid(7),
        }
    }

    /// The first day of a period.
    pub fn first_day(self, period: i64) -> Date {
        match self {
            SeriesFrequency::Month => Date {
                year: period.div_euclid(12) as i32,
                month: (period.rem_euclid(12) + 1) as u32,
                day: 1,
            },
            SeriesFrequency::Week => Date::from_days(period * 7 - 3),
        }
    }

    /// The last day of a period.
    pub fn last_day(self, period: i64) -> Date {
        Date::from_days(self.first_day(period + 1).days() - 1)
    }

    /// The label of a period: `2023-07` or `2023-W27`.
    pub fn label(self, period: i64) -> String {
        match self {
            SeriesFrequency::Month => {
                let d = self.first_day(period);
                format!("{:04}-{:02}", d.year, d.month)
            }
            SeriesFrequency::Week => {
                // The ISO week-year is the year of the week's Thursday.
                let thursday = Date::from_days(period * 7);
                let ordinal = thursday.days() - Date::new(thursday.year, 1, 1).days();
                format!("{:04}-W{:02}", thursday.year, ordinal / 7 + 1)
            }
        }
    }

    /// Parses a period label of this frequency, or a date (`YYYY-MM-DD`: the
    /// period that contains it).
    pub fn parse(self, text: &str) -> Result<i64> {
        let text = text.trim();
        if let Ok(date) = text.parse::<Date>() {
            return Ok(self.period_of(date));
        }
        let bad = || {
            EngineError::InvalidRequest(match self {
                SeriesFrequency::Month => format!(
                    "{text:?} is not a month: expected YYYY-MM (2023-07) or a date YYYY-MM-DD"
                ),
                SeriesFrequency::Week => format!(
                    "{text:?} is not a week: expected an ISO week YYYY-Www (2023-W27) or a date YYYY-MM-DD"
                ),
            })
        };
        let (year, rest) = text.split_once('-').ok_or_else(bad)?;
        let year: i32 = year
            .parse()
            .ok()
            .filter(|_| year.len() == 4)
            .ok_or_else(bad)?;
        match self {
            SeriesFrequency::Month => {
                let month: u32 = rest
                    .parse()
                    .ok()
                    .filter(|m| rest.len() == 2 && (1..=12).contains(m))
                    .ok_or_else(bad)?;
                Ok(i64::from(year) * 12 + i64::from(month) - 1)
            }
            SeriesFrequency::Week => {
                let week: i64 = rest
                    .strip_prefix('W')
                    .and_then(|w| w.parse().ok())
                    .filter(|w| (1..=53).contains(w))
                    .ok_or_else(bad)?;
                // Week 1 is the week with 4 January in it.
                let first = self.period_of(Date::new(year, 1, 4));
                let period = first + week - 1;
                if self.label(period) != format!("{year:04}-W{week:02}") {
                    return Err(bad());
                }
                Ok(period)
            }
        }
    }

    /// SQL for the period index of a date expression (the same numbering as
    /// [`SeriesFrequency::period_of`]).
    fn sql(self, date: &str) -> String {
        match self {
            SeriesFrequency::Month => format!(
                "(CAST(date_part('year', {date}) AS BIGINT) * 12 + CAST(date_part('month', {date}) AS BIGINT) - 1)"
            ),
            SeriesFrequency::Week => format!(
                "CAST(floor((date_part('epoch', CAST({date} AS TIMESTAMP)) / 86400.0 + 3.0) / 7.0) AS BIGINT)"
            ),
        }
    }
}

impl FromStr for SeriesFrequency {
    type Err = EngineError;
    fn from_str(s: &str) -> Result<SeriesFrequency> {
        match s {
            "month" | "monthly" | "M" => Ok(SeriesFrequency::Month),
            "week" | "weekly" | "W" => Ok(SeriesFrequency::Week),
            _ => Err(EngineError::InvalidRequest(format!(
                "unknown period length {s:?} for a series: expected month or week"
            ))),
        }
    }
}

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, 1–31.
    pub day: u32,
}

impl Date {
    /// A date from its parts (not checked).
    pub fn new(year: i32, month: u32, day: u32) -> Date {
        Date { year, month, day }
    }

    /// Days since 1970-01-01 (Hinnant's `days_from_civil`).
    pub fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01 (Hinnant's `civil_from_days`).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl FromStr for Date {
    type Err = EngineError;
    fn from_str(s: &str) -> Result<Date> {
        let bad = || EngineError::InvalidRequest(format!("{s:?} is not a date YYYY-MM-DD"));
        let parts: Vec<&str> = s.split('-').collect();
        if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
            return Err(bad());
        }
        let year: i32 = parts[0].parse().map_err(|_| bad())?;
        let month: u32 = parts[1].parse().map_err(|_| bad())?;
        let day: u32 = parts[2].parse().map_err(|_| bad())?;
        let date = Date { year, month, day };
        // A real calendar day round-trips through the day count.
        if !(1..=12).contains(&month) || day == 0 || Date::from_days(date.days()) != date {
            return Err(bad());
        }
        Ok(date)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Which areas a series adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    /// The whole country (area code `_T`).
    National,
    /// Regions (the districts' parent areas).
    Region,
    /// Districts (the area offences are recorded in).
    District,
}

impl AreaLevel {
    /// 0 national, 1 region, 2 district (the numbers of `--area-level`).
    pub fn number(self) -> u8 {
        match self {
            AreaLevel::National => 0,
            AreaLevel::Region => 1,
            AreaLevel::District => 2,
        }
    }

    /// The level with this number.
    pub fn from_number(n: u8) -> Option<AreaLevel> {
        match n {
            0 => Some(AreaLevel::National),
            1 => Some(AreaLevel::Region),
            2 => Some(AreaLevel::District),
            _ => None,
        }
    }

    /// Every level, coarse to fine.
    pub const ALL: [AreaLevel; 3] = [AreaLevel::National, AreaLevel::Region, AreaLevel::District];
}

/// The code of the national total in the area dimension.
pub const NATIONAL: &str = "_T";
/// The region of a district without a known parent.
pub const UNKNOWN_REGION: &str = "_U";

/// The area codelist: names and the district → region relation.
#[derive(Debug, Clone, Default)]
pub struct Areas {
    names: HashMap<String, String>,
    parents: HashMap<String, String>,
}

impl Areas {
    /// A codelist from (code, name, parent) rows.
    pub fn new<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str, Option<&'a str>)>) -> Areas {
        let mut areas = Areas::default();
        for (code, name, parent) in rows {
            areas.names.insert(code.to_owned(), name.to_owned());
            if let Some(p) = parent.filter(|p| !p.is_empty()) {
                areas.parents.insert(code.to_owned(), p.to_owned());
            }
        }
        areas
    }

    /// Reads the `areas` table.
    pub async fn load(engine: &Engine) -> Result<Areas> {
        let batches = engine
            .query(&format!("SELECT area_code, name, parent_code FROM {AREAS}"))
            .await?;
        let mut areas = Areas::default();
        for batch in &batches {
            let codes = text_column(batch, 0)?;
            let names = text_column(batch, 1)?;
            let parents = text_column(batch, 2)?;
            for row in 0..batch.num_rows() {
                if codes.is_null(row) {
                    continue;
                }
                let code = codes.value(row).to_owned();
                if !names.is_null(row) {
                    areas
                        .names
                        .insert(code.clone(), names.value(row).to_owned());
                }
                if !parents.is_null(row) && !parents.value(row).is_empty() {
                    areas.parents.insert(code, parents.value(row).to_owned());
                }
            }
        }
        Ok(areas)
    }

    /// The region of a district (`_U` when the codelist does not say).
    pub fn region_of(&self, district: &str) -> &str {
        self.parents
            .get(district)
            .map_or(UNKNOWN_REGION, String::as_str)
    }

    /// The area's name, or its code when the codelist has none.
    pub fn name(&self, code: &str) -> String {
        match code {
            NATIONAL => "National total".to_owned(),
            UNKNOWN_REGION => "Unknown region".to_owned(),
            _ => self
                .names
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.to_owned()),
        }
    }

    /// Whether the code is in the codelist.
    pub fn contains(&self, code: &str) -> bool {
        self.names.contains_key(code)
    }

    /// Whether some area has this code as its parent (a region).
    pub fn is_parent(&self, code: &str) -> bool {
        self.parents.values().any(|p| p == code)
    }

    /// The area a district falls in at a level.
    pub fn at_level<'a>(&'a self, district: &'a str, level: AreaLevel) -> &'a str {
        match level {
            AreaLevel::National => NATIONAL,
            AreaLevel::Region => self.region_of(district),
            AreaLevel::District => district,
        }
    }
}

/// What one series counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SeriesKey {
    /// ICCS level of the category, 1–4.
    pub iccs_level: u8,
    /// The ICCS category (`0501`, or `0501_NFS` for records coded to 0501 but to
    /// none of its subdivisions).
    pub iccs: String,
    /// The level of the area.
    pub area_level: AreaLevel,
    /// The area: `_T` nationally, a region or a district code.
    pub area: String,
}

/// One count series.
#[derive(Debug, Clone, PartialEq)]
pub struct CountSeries {
    /// What it counts.
    pub key: SeriesKey,
    /// Offences per period of the calendar (`NaN` where the data have a gap).
    pub counts: Vec<f64>,
    /// By occurrence, when asked for: `triangle[t][d]` offences that occurred in
    /// period t and were recorded d periods later (the last column "`max_delay`
    /// or later"), for the delays observed by the last recording period; the
    /// last row is the latest period.
    pub triangle: Option<Vec<Vec<f64>>>,
}

/// The periods every series of a set covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Calendar {
    /// Months or weeks.
    pub frequency: SeriesFrequency,
    /// Index of the first period (see [`SeriesFrequency::period_of`]).
    pub first: i64,
    /// Number of periods.
    pub len: usize,
    /// The last completely recorded period (the recording horizon; after the
    /// last period when offences are still being recorded for it).
    pub last_recorded: i64,
}

impl Calendar {
    /// Label of the i-th period of the series.
    pub fn label(&self, i: usize) -> String {
        self.frequency.label(self.first + i as i64)
    }

    /// Position of a period in the series, if inside.
    pub fn position(&self, period: i64) -> Option<usize> {
        let i = period - self.first;
        (0..self.len as i64).contains(&i).then_some(i as usize)
    }

    /// Index of the last period.
    pub fn last(&self) -> i64 {
        self.first + self.len as i64 - 1
    }
}

/// What series to build.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRequest {
    /// Months or weeks.
    pub frequency: SeriesFrequency,
    /// Which date places an offence in a period (occurrence: the occurrence
    /// date where known, the recording date otherwise).
    pub date_basis: DateBasis,
    /// ICCS levels (1–4) of the categories.
    pub iccs_levels: Vec<u8>,
    /// Area levels.
    pub area_levels: Vec<AreaLevel>,
    /// Only offences in this ICCS category (any level); `None` for all
    /// classified offences. Offences not classifiable to ICCS are never counted.
    pub category: Option<String>,
    /// First period (label or date); default: the first period of recording.
    pub from: Option<String>,
    /// Last period (label or date); default: the latest complete period.
    pub until: Option<String>,
    /// Also build occurrence × delay triangles up to this delay (occurrence basis only).
    pub max_delay: Option<usize>,
    /// Keep only series with at least this many offences in the calendar.
    pub min_total: f64,
}

impl SeriesRequest {
    /// Monthly series by recording date for the given levels.
    pub fn monthly(iccs_levels: Vec<u8>, area_levels: Vec<AreaLevel>) -> SeriesRequest {
        SeriesRequest {
            frequency: SeriesFrequency::Month,
            date_basis: DateBasis::Recorded,
            iccs_levels,
            area_levels,
            category: None,
            from: None,
            until: None,
            max_delay: None,
            min_total: 1.0,
        }
    }
}

/// A set of series on one calendar, in key order.
#[derive(Debug, Clone)]
pub struct SeriesSet {
    /// The periods.
    pub calendar: Calendar,
    /// Which date placed offences in periods.
    pub date_basis: DateBasis,
    /// The series.
    pub series: Vec<CountSeries>,
    /// Positions of periods without any offence in the store (missing in every series).
    pub gaps: Vec<usize>,
    /// Every district offences are recorded in, sorted.
    pub districts: Vec<String>,
    /// The area codelist.
    pub areas: Areas,
}

impl SeriesSet {
    /// The series with this key.
    pub fn get(&self, key: &SeriesKey) -> Option<&CountSeries> {
        self.series
            .binary_search_by(|s| s.key.cmp(key))
            .ok()
            .map(|i| &self.series[i])
    }
}

/// The name of an ICCS category, including Evident's "not further specified" cells.
pub fn category_name(code: &str) -> String {
    iccs_cell_name(code)
}

/// The ICCS level a category code belongs to (`0501_NFS` is level 3).
pub fn category_level(code: &str) -> Option<u8> {
    if let Some(base) = code.strip_suffix(crate::tables::NOT_FURTHER_SPECIFIED) {
        return category_level(base).map(|l| l + 1);
    }
    evident_iccs::iccs().get(code).map(|c| c.level.number())
}

/// The dates that bound the stored offences.
#[derive(Debug, Clone, Copy)]
struct Horizon {
    first_recorded: Date,
    last_recorded: Date,
    last_occurred: Option<Date>,
}

async fn horizon(engine: &Engine) -> Result<Horizon> {
    let batches = engine
        .query(&format!(
            "SELECT CAST(MIN(recorded_date) AS VARCHAR), CAST(MAX(recorded_date) AS VARCHAR), \
                    CAST(MAX(occurred_date) AS VARCHAR) FROM {OFFENCES}"
        ))
        .await?;
    let mut values: [Option<String>; 3] = [None, None, None];
    for batch in &batches {
        if batch.num_rows() == 0 {
            continue;
        }
        for (c, value) in values.iter_mut().enumerate() {
            let column = text_column(batch, c)?;
            if !column.is_null(0) {
                *value = Some(column.value(0).to_owned());
            }
        }
    }
    let [Some(first), Some(last), occurred] = values else {
        return Err(EngineError::MissingData(
            "the store holds no offences: ingest and classify offence records first".into(),
        ));
    };
    Ok(Horizon {
        first_recorded: first.parse()?,
        last_recorded: last.parse()?,
        last_occurred: occurred.map(|d| d.parse()).transpose()?,
    })
}

/// Builds count series from the store's classified offences.
pub async fn count_series(engine: &Engine, request: &SeriesRequest) -> Result<SeriesSet> {
    for &level in &request.iccs_levels {
        if !(1..=4).contains(&level) {
            return Err(EngineError::InvalidRequest(format!(
                "ICCS level {level} does not exist: expected 1 (sections) to 4 (classes)"
            )));
        }
    }
    if request.iccs_levels.is_empty() || request.area_levels.is_empty() {
        return Err(EngineError::InvalidRequest(
            "a series request needs at least one ICCS level and one area level".into(),
        ));
    }
    if let Some(code) = &request.category
        && evident_iccs::iccs().get(code).is_none()
    {
        return Err(EngineError::InvalidRequest(format!(
            "{code:?} is not an ICCS category (see `evident iccs search`)"
        )));
    }
    let frequency = request.frequency;
    let bounds = horizon(engine).await?;
    // The last period recorded in full: the one holding the last recording date
    // if that is the period's last day, else the one before.
    let rec_period = frequency.period_of(bounds.last_recorded);
    let last_recorded = if frequency.last_day(rec_period) == bounds.last_recorded {
        rec_period
    } else {
        rec_period - 1
    };
    let mut first = frequency.period_of(bounds.first_recorded);
    let mut last = match bounds.last_occurred {
        Some(d) => last_recorded.min(frequency.period_of(d)),
        None => last_recorded,
    };
    if let Some(from) = &request.from {
        first = first.max(frequency.parse(from)?);
    }
    if let Some(until) = &request.until {
        let until = frequency.parse(until)?;
        if until > last {
            return Err(EngineError::InvalidRequest(format!(
                "--until {}: the data are complete only up to {}",
                frequency.label(until),
                frequency.label(last)
            )));
        }
        last = until;
    }
    if last < first {
        return Err(EngineError::InvalidRequest(format!(
            "no complete {} between {} and {}: the stored offences were recorded from {} to {}",
            match frequency {
                SeriesFrequency::Month => "month",
                SeriesFrequency::Week => "week",
            },
            frequency.label(first),
            frequency.label(last),
            bounds.first_recorded,
            bounds.last_recorded
        )));
    }
    let calendar = Calendar {
        frequency,
        first,
        len: (last - first + 1) as usize,
        last_recorded,
    };

    let recorded = frequency.sql("o.recorded_date");
    let placed = match request.date_basis {
        DateBasis::Recorded => recorded.clone(),
        DateBasis::Occurred => frequency.sql("COALESCE(o.occurred_date, o.recorded_date)"),
    };
    let triangles = match (request.date_basis, request.max_delay) {
        (DateBasis::Occurred, Some(d)) => Some(d),
        _ => None,
    };
    let mut filter = String::from("o.iccs_code IS NOT NULL");
    if let Some(code) = &request.category {
        // Checked against the classification above: digits only.
        filter.push_str(&format!(" AND o.iccs_code LIKE '{code}%'"));
    }
    let sql = format!(
        "SELECT code, area, period, recorded, COUNT(*) AS n FROM \
           (SELECT o.iccs_code AS code, o.area_code AS area, {placed} AS period, \
                   {recorded} AS recorded FROM {OFFENCES} o WHERE {filter}) \
         WHERE period >= {first} AND period <= {last} AND recorded <= {last_recorded} \
         GROUP BY code, area, period, recorded"
    );
    let batches = engine.query(&sql).await?;

    // Periods with no offence at all, of any kind: gaps in the data.
    let totals = engine
        .query(&format!(
            "SELECT period, COUNT(*) FROM (SELECT {placed} AS period, {recorded} AS recorded \
             FROM {OFFENCES} o) WHERE period >= {first} AND period <= {last} \
             AND recorded <= {last_recorded} GROUP BY period"
        ))
        .await?;
    let mut present = vec![false; calendar.len];
    for batch in &totals {
        let periods = int_column(batch, 0)?;
        for row in 0..batch.num_rows() {
            if let Some(i) = calendar.position(periods.value(row)) {
                present[i] = true;
            }
        }
    }
    let gaps: Vec<usize> = (0..calendar.len).filter(|&i| !present[i]).collect();
    let district_batches = engine
        .query(&format!("SELECT DISTINCT area_code FROM {OFFENCES}"))
        .await?;
    let mut districts = Vec::new();
    for batch in &district_batches {
        let codes = text_column(batch, 0)?;
        for row in 0..batch.num_rows() {
            if !codes.is_null(row) {
                districts.push(codes.value(row).to_owned());
            }
        }
    }
    districts.sort();

    let areas = Areas::load(engine).await?;
    let levels = category_levels()?;
    let mut index: HashMap<SeriesKey, usize> = HashMap::new();
    let mut keys: Vec<SeriesKey> = Vec::new();
    let mut counts: Vec<Vec<f64>> = Vec::new();
    let mut tris: Vec<Vec<Vec<f64>>> = Vec::new();
    // The series each (code, district) pair adds to, found once per pair.
    let mut targets: HashMap<(String, String), Vec<usize>> = HashMap::new();
    let row_len = |t: usize, max_delay: usize| -> usize {
        let period = first + t as i64;
        ((last_recorded - period).max(0) as usize).min(max_delay) + 1
    };
    for batch in &batches {
        let codes = text_column(batch, 0)?;
        let area_codes = text_column(batch, 1)?;
        let periods = int_column(batch, 2)?;
        let recorded_periods = int_column(batch, 3)?;
        let n = int_column(batch, 4)?;
        for row in 0..batch.num_rows() {
            if codes.is_null(row) || area_codes.is_null(row) {
                continue;
            }
            let Some(t) = calendar.position(periods.value(row)) else {
                continue;
            };
            let code = codes.value(row);
            let district = area_codes.value(row);
            let pair = (code.to_owned(), district.to_owned());
            if !targets.contains_key(&pair) {
                let mut list = Vec::new();
                if let Some(cats) = levels.get(code) {
                    for &level in &request.iccs_levels {
                        let Some(category) = &cats[usize::from(level) - 1] else {
                            continue;
                        };
                        for &area_level in &request.area_levels {
                            let key = SeriesKey {
                                iccs_level: level,
                                iccs: category.clone(),
                                area_level,
                                area: areas.at_level(district, area_level).to_owned(),
                            };
                            let i = *index.entry(key.clone()).or_insert_with(|| {
                                keys.push(key);
                                counts.push(vec![0.0; calendar.len]);
                                if let Some(d) = triangles {
                                    tris.push(
                                        (0..calendar.len)
                                            .map(|t| vec![0.0; row_len(t, d)])
                                            .collect(),
                                    );
                                }
                                keys.len() - 1
                            });
                            list.push(i);
                        }
                    }
                }
                targets.insert(pair.clone(), list);
            }
            let value = n.value(row) as f64;
            let delay = recorded_periods.value(row) - periods.value(row);
            for &i in &targets[&pair] {
                counts[i][t] += value;
                if let Some(max_delay) = triangles
                    && delay >= 0
                {
                    let d = (delay as usize).min(max_delay);
                    tris[i][t][d] += value;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..keys.len())
        .filter(|&i| counts[i].iter().sum::<f64>() >= request.min_total)
        .collect();
    order.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    let mut series = Vec::with_capacity(order.len());
    for i in order {
        let mut c = std::mem::take(&mut counts[i]);
        for &g in &gaps {
            c[g] = f64::NAN;
        }
        series.push(CountSeries {
            key: keys[i].clone(),
            counts: c,
            triangle: triangles.map(|_| std::mem::take(&mut tris[i])),
        });
    }
    Ok(SeriesSet {
        calendar,
        date_basis: request.date_basis,
        series,
        gaps,
        districts,
        areas,
    })
}

/// Every ICCS code (and `NC`) → its category at levels 1–4, from the engine's
/// `iccs_levels` table, so that series add up exactly as the indicator tables do.
fn category_levels() -> Result<BTreeMap<String, [Option<String>; 4]>> {
    let (_, batch) = iccs_levels()?;
    let code = text_column(&batch, 0)?;
    let columns = (1..=4)
        .map(|c| text_column(&batch, c))
        .collect::<Result<Vec<_>>>()?;
    let mut out = BTreeMap::new();
    for row in 0..batch.num_rows() {
        let levels: [Option<String>; 4] = std::array::from_fn(|l| {
            let a = &columns[l];
            (!a.is_null(row)).then(|| a.value(row).to_owned())
        });
        out.insert(code.value(row).to_owned(), levels);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_day_counts() {
        // 1970-01-01 is day 0; 2000-03-01 is day 11,017 (30 years of 365 days
        // plus 7 leap days to 2000-01-01 = 10,957, plus 31 + 29).
        assert_eq!(Date::new(1970, 1, 1).days(), 0);
        assert_eq!(Date::new(2000, 3, 1).days(), 10_957 + 31 + 29);
        assert_eq!(Date::from_days(-1), Date::new(1969, 12, 31));
        for d in [-800_000, -1, 0, 59, 10_000, 20_000, 2_000_000] {
            assert_eq!(Date::from_days(d).days(), d);
        }
        assert!("2021-02-29".parse::<Date>().is_err());
        assert_eq!(
            "2024-02-29".parse::<Date>().ok(),
            Some(Date::new(2024, 2, 29))
        );
    }

    #[test]
    fn iso_weeks_follow_the_standard() {
        let w = SeriesFrequency::Week;
        // ISO 8601: 2021-01-03 (a Sunday) is in 2020-W53, 2021-01-04 starts 2021-W01;
        // 2024-12-30 (Monday) is in 2025-W01; 2023-07-03 (Monday) starts 2023-W27.
        assert_eq!(w.label(w.period_of(Date::new(2021, 1, 3))), "2020-W53");
        assert_eq!(w.label(w.period_of(Date::new(2021, 1, 4))), "2021-W01");
        assert_eq!(w.label(w.period_of(Date::new(2024, 12, 30))), "2025-W01");
        assert_eq!(
            w.first_day(w.parse("2023-W27").expect("week")),
            Date::new(2023, 7, 3)
        );
        assert_eq!(
            w.last_day(w.parse("2023-W27").expect("week")),
            Date::new(2023, 7, 9)
        );
        assert!(w.parse("2021-W53").is_err(), "2021 has 52 ISO weeks");
        let m = SeriesFrequency::Month;
        assert_eq!(m.label(m.parse("2023-07").expect("month")), "2023-07");
        assert_eq!(
            m.last_day(m.parse("2024-02").expect("month")),
            Date::new(2024, 2, 29)
        );
        assert_eq!(
            m.parse("2023-07-15").expect("date"),
            m.parse("2023-07").expect("month")
        );
        assert!(m.parse("2023-13").is_err());
    }

    #[test]
    fn category_levels_read_the_hierarchy() {
        assert_eq!(category_level("0501"), Some(2));
        assert_eq!(category_level("0501_NFS"), Some(3));
        assert_eq!(category_level("050213"), Some(4));
        assert_eq!(category_level("9999"), None);
    }
}
