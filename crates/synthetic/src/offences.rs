//! Police-recorded offences and their victims, one month ("chunk") at a time.
//!
//! A chunk is generated from its own random stream (derived from the master
//! seed and the month), so chunks can run on any number of threads and the
//! files are the same bytes whatever the thread count. The chunk writes the
//! police offence rows and victim rows into memory, inserts the planned dirty
//! rows, and hands back the cleared offences ("case seeds") for the courts.

use crate::codes::{CODES, RecordFacts, UNKNOWN_CODES};
use crate::date::{self, Day};
use crate::model::{Model, MonthSampler, lag_days};
use crate::people::{Person, born_for_age};
use crate::profiles::{Family, Lag, OFFENDER_AGE_BANDS, VICTIM_AGE_BANDS, Victims};
use crate::rng::{Rng, mix};
use crate::text::{push_padded, push_u64, to_windows_1252};

/// Kinds of dirty rows in the police offence file, in the order of truth.json.
pub(crate) const POLICE_DIRT: [&str; 7] = [
    "malformed_date",
    "unknown_offence_code",
    "unknown_district",
    "missing_required",
    "duplicate",
    "invalid_utf8",
    "ragged",
];
pub(crate) const DIRT_DUPLICATE: usize = 4;
/// Kinds of dirty rows in the police persons file.
pub(crate) const PERSON_DIRT: [&str; 2] = ["duplicate", "missing_required"];

/// Police weapon codes for ICCS `We` 1–6.
pub(crate) const WEAPON_WORDS: [&str; 6] = ["SW", "MS", "AM", "UM", "KW", "KA"];
/// Police place codes for ICCS `Lo` 1–8.
pub(crate) const LOCATION_WORDS: [&str; 8] = [
    "WOHNUNG",
    "STRASSE",
    "SCHULE",
    "ANSTALT",
    "HEIM",
    "GEWERBE",
    "SONSTIGE",
    "UNBEKANNT",
];
/// Police relationship words for ICCS `ViP` 1–11.
pub(crate) const RELATIONSHIP_WORDS: [&str; 11] = [
    "Partner",
    "Ex-Partner",
    "Verwandt",
    "Haushalt",
    "Freund",
    "Bekannt",
    "Kollege",
    "Obhut",
    "Sonst. bekannt",
    "Fremd",
    "Unbekannt",
];
/// Occupations that SDG 16.10.1 counts, then the others.
pub(crate) const OCCUPATION_WORDS: [&str; 12] = [
    "Journalist",
    "Medienschaffend",
    "Gewerkschafter",
    "Menschenrechtsverteidiger",
    "Angestellt",
    "Arbeiter",
    "Selbständig",
    "Arbeitslos",
    "Student",
    "Beamter",
    "Schüler",
    "Rentner",
];
/// Forms of exploitation of trafficking victims (sexual, forced labour, organ removal, other).
pub(crate) const EXPLOITATION_WORDS: [&str; 4] = ["sexuell", "Arbeit", "Organentnahme", "sonstige"];
const EXPLOITATION_SHARES: [f64; 4] = [0.50, 0.38, 0.01, 0.11];
pub(crate) const ROLE_VICTIM: &str = "Opfer";
pub(crate) const ROLE_SUSPECT: &str = "Tatverdächtig";

/// Shares of homicide victims with an SDG 16.10.1 occupation (journalist, media
/// worker, trade unionist, human-rights defender).
const PROTECTED_OCCUPATIONS: [f64; 4] = [0.006, 0.004, 0.004, 0.006];

const STREAM_OFFENCES: u64 = 0x4F46_4645;
const STREAM_BURN_IN: u64 = 0x4255_524E;

/// What one chunk must produce.
#[derive(Debug, Clone)]
pub(crate) struct ChunkPlan {
    /// Month index from the start (negative for the burn-in months before the period).
    pub t: i32,
    /// Offences occurring in the month (before the extraction cut).
    pub count: u64,
    /// Sequence number of the first offence; numbering restarts each year.
    pub first_seq: u64,
    /// Dirty police rows to add, by kind (see [`POLICE_DIRT`]).
    pub police_dirt: [u64; 7],
    /// Dirty person rows to add, by kind (see [`PERSON_DIRT`]).
    pub person_dirt: [u64; 2],
    /// Burn-in months produce only case seeds.
    pub burn_in: bool,
    /// Early burn-in months draw only codes with long custodial sentences.
    pub long_only: bool,
}

impl ChunkPlan {
    /// Sequence numbers this chunk consumes (clean offences and dirty extras with their own number).
    pub(crate) fn numbers(&self) -> u64 {
        self.count
            + self
                .police_dirt
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != DIRT_DUPLICATE)
                .map(|(_, n)| n)
                .sum::<u64>()
    }
}

/// A cleared offence, handed to the court simulation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CaseSeed {
    pub year: i32,
    pub seq: u32,
    pub code: u16,
    pub district: u16,
    pub occurred: Day,
    pub recorded: Day,
    pub suspects: u8,
    /// False for burn-in cases, whose police records predate the files.
    pub in_files: bool,
}

/// Counters a chunk reports; summed over chunks into truth.json.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChunkStats {
    pub generated: u64,
    pub recorded: u64,
    pub offence_rows: u64,
    pub person_rows: u64,
    pub victims: u64,
    /// Records per code and correspondence row (flattened, see `Context::row_offset`).
    pub by_code_row: Vec<u64>,
    /// Records per code (recorded, clean).
    pub by_code: Vec<u64>,
    pub police_dirt: [u64; 7],
    pub person_dirt: [u64; 2],
    /// Victims of intentional homicide (true ICCS 0101) by recorded sex (M, F, X, U) and age group (5 + unknown).
    pub homicide_victims: [[u64; 6]; 4],
    /// Victims of trafficking by form of exploitation and recorded sex.
    pub trafficking_victims: [[u64; 4]; 4],
    /// Victims of intentional homicide by occupation group (journalist, media worker,
    /// trade unionist, human-rights defender, other, not recorded).
    pub homicide_occupation: [u64; 6],
    /// Recorded offences by lag band: same day, 1–7 days, 8–30, 31–90, over 90.
    pub lag_bands: [u64; 5],
    /// Victims of intentional homicide by year of recording.
    pub homicide_by_year: std::collections::BTreeMap<i32, u64>,
}

impl ChunkStats {
    fn new(rows: usize) -> ChunkStats {
        ChunkStats {
            by_code_row: vec![0; rows],
            by_code: vec![0; CODES.len()],
            ..ChunkStats::default()
        }
    }

    pub(crate) fn add(&mut self, other: &ChunkStats) {
        self.generated += other.generated;
        self.recorded += other.recorded;
        self.offence_rows += other.offence_rows;
        self.person_rows += other.person_rows;
        self.victims += other.victims;
        if self.by_code_row.len() < other.by_code_row.len() {
            self.by_code_row.resize(other.by_code_row.len(), 0);
        }
        for (a, b) in self.by_code_row.iter_mut().zip(&other.by_code_row) {
            *a += b;
        }
        if self.by_code.len() < other.by_code.len() {
            self.by_code.resize(other.by_code.len(), 0);
        }
        for (a, b) in self.by_code.iter_mut().zip(&other.by_code) {
            *a += b;
        }
        for k in 0..7 {
            self.police_dirt[k] += other.police_dirt[k];
        }
        for k in 0..2 {
            self.person_dirt[k] += other.person_dirt[k];
        }
        for s in 0..4 {
            for g in 0..6 {
                self.homicide_victims[s][g] += other.homicide_victims[s][g];
            }
            for f in 0..4 {
                self.trafficking_victims[f][s] += other.trafficking_victims[f][s];
            }
        }
        for k in 0..6 {
            self.homicide_occupation[k] += other.homicide_occupation[k];
        }
        for k in 0..5 {
            self.lag_bands[k] += other.lag_bands[k];
        }
        for (year, n) in &other.homicide_by_year {
            *self.homicide_by_year.entry(*year).or_default() += n;
        }
    }
}

/// What a chunk hands back.
#[derive(Debug, Default)]
pub(crate) struct ChunkOutput {
    pub offences: Vec<u8>,
    pub persons: Vec<u8>,
    pub cases: Vec<CaseSeed>,
    pub stats: ChunkStats,
}

/// Read-only context shared by all chunks.
pub(crate) struct Context<'a> {
    pub model: &'a Model,
    pub seed: u64,
    /// Offset of each code's first correspondence row in the flattened row counters.
    pub row_offset: Vec<usize>,
    pub rows: usize,
    /// Size of each district's pool of repeat victims.
    pub repeat_pool: Vec<u32>,
    /// Regions whose police name has accented letters (for stray-encoding rows).
    pub accented_regions: Vec<usize>,
    pub districts_of_region: Vec<Vec<usize>>,
    pub lags: Vec<Lag>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(model: &'a Model, seed: u64, offences: u64) -> Context<'a> {
        let mut row_offset = Vec::with_capacity(CODES.len());
        let mut rows = 0;
        for c in CODES {
            row_offset.push(rows);
            rows += c.map.len();
        }
        // Repeat victims: size the pools so that each pooled person is drawn about
        // 2.5 times over the period, in proportion to the district's population.
        let total_share: f64 = CODES.iter().map(|c| c.share).sum();
        let repeat_share: f64 = CODES
            .iter()
            .map(|c| c.share * c.profile.repeat_victims)
            .sum::<f64>()
            / total_share;
        let country = &model.country;
        let national = country.national_total(model.period.start_year) as f64;
        let repeat_pool = (0..country.districts.len())
            .map(|d| {
                let draws = offences as f64
                    * repeat_share
                    * country.district_total(d, model.period.start_year) as f64
                    / national;
                (draws / 2.5).round().max(2.0) as u32
            })
            .collect();
        let accented_regions = (0..country.regions.len())
            .filter(|r| !country.regions[*r].police.is_ascii())
            .collect();
        let mut districts_of_region = vec![Vec::new(); country.regions.len()];
        for (i, d) in country.districts.iter().enumerate() {
            districts_of_region[d.region].push(i);
        }
        let lags = Family::ALL.iter().map(|f| f.rhythm().lag).collect();
        Context {
            model,
            seed,
            row_offset,
            rows,
            repeat_pool,
            accented_regions,
            districts_of_region,
            lags,
        }
    }
}

/// One victim as drawn for a record.
#[derive(Debug, Clone, Copy)]
struct Victim {
    person: Person,
    /// Recorded sex: 0 M, 1 F, 2 X, 3 not recorded.
    sex: u8,
    age: Option<i32>,
    nationality: Option<&'static str>,
    relationship: u8,
    occupation: Option<u8>,
    exploitation: Option<u8>,
}

/// Everything a police row shows.
struct Offence {
    year: i32,
    seq: u64,
    district: usize,
    code: usize,
    occurred: Option<Day>,
    recorded: Day,
    attempted: bool,
    weapon: u8,
    location: u8,
    cyber: bool,
    case: bool,
}

fn push_record_id(out: &mut Vec<u8>, year: i32, seq: u64) {
    push_u64(out, year as u64);
    out.push(b'-');
    push_padded(out, seq, 7);
}

/// Writes the case identifier of a record: `AZ-yyyy-nnnnnnn`.
pub(crate) fn push_case_id(out: &mut Vec<u8>, year: i32, seq: u64) {
    out.extend_from_slice(b"AZ-");
    push_record_id(out, year, seq);
}

fn push_offence(out: &mut Vec<u8>, ctx: &Context, o: &Offence) {
    let country = &ctx.model.country;
    let district = &country.districts[o.district];
    push_record_id(out, o.year, o.seq);
    out.push(b';');
    out.extend_from_slice(country.regions[district.region].police.as_bytes());
    out.push(b';');
    if let Some(d) = o.occurred {
        date::push_dmy(out, d, b'/');
    }
    out.push(b';');
    date::push_dmy(out, o.recorded, b'/');
    out.push(b';');
    out.extend_from_slice(district.code.as_bytes());
    out.push(b';');
    out.extend_from_slice(CODES[o.code].code.as_bytes());
    out.push(b';');
    out.push(if o.attempted { b'J' } else { b'N' });
    out.push(b';');
    out.extend_from_slice(WEAPON_WORDS[o.weapon as usize - 1].as_bytes());
    out.push(b';');
    out.extend_from_slice(LOCATION_WORDS[o.location as usize - 1].as_bytes());
    out.push(b';');
    out.push(if o.cyber { b'J' } else { b'N' });
    out.push(b';');
    if o.case {
        push_case_id(out, o.year, o.seq);
    }
    out.push(b'\n');
}

/// Writes one row of the persons file.
#[allow(clippy::too_many_arguments)]
pub(crate) fn push_person_row(
    out: &mut Vec<u8>,
    year: i32,
    seq: u64,
    role: &str,
    person: &Person,
    sex: u8,
    age: Option<i32>,
    nationality: Option<&str>,
    relationship: Option<u8>,
    occupation: Option<u8>,
    exploitation: Option<u8>,
) {
    push_record_id(out, year, seq);
    out.push(b';');
    out.extend_from_slice(role.as_bytes());
    out.push(b';');
    person.push_id(out);
    out.push(b';');
    person.push_name(out);
    out.push(b';');
    match sex {
        0 => out.push(b'm'),
        1 => out.push(b'w'),
        2 => out.push(b'd'),
        _ => {}
    }
    out.push(b';');
    if let Some(a) = age {
        push_u64(out, a.max(0) as u64);
    }
    out.push(b';');
    if let Some(n) = nationality {
        out.extend_from_slice(n.as_bytes());
    }
    out.push(b';');
    if let Some(r) = relationship {
        out.extend_from_slice(RELATIONSHIP_WORDS[r as usize - 1].as_bytes());
    }
    out.push(b';');
    if let Some(o) = occupation {
        out.extend_from_slice(OCCUPATION_WORDS[o as usize].as_bytes());
    }
    out.push(b';');
    if let Some(e) = exploitation {
        out.extend_from_slice(EXPLOITATION_WORDS[e as usize].as_bytes());
    }
    out.push(b'\n');
}

/// Recorded sex of a person: mostly as the identity number says, sometimes
/// "diverse" or not recorded.
pub(crate) fn recorded_sex(rng: &mut Rng, person: &Person, missing: f64) -> u8 {
    let u = rng.uniform();
    if u < missing {
        3
    } else if u < missing + 0.002 {
        2
    } else {
        person.sex()
    }
}

fn age_group(age: Option<i32>) -> usize {
    match age {
        Some(a) if a <= 14 => 0,
        Some(a) if a <= 29 => 1,
        Some(a) if a <= 44 => 2,
        Some(a) if a <= 59 => 3,
        Some(_) => 4,
        None => 5,
    }
}

fn draw_age(rng: &mut Rng, weights: &[f64], bands: &[(i32, i32)]) -> i32 {
    let (lo, hi) = bands[rng.weighted(weights)];
    rng.between(lo as i64, hi as i64) as i32
}

/// Draws a suspect's age for a profile.
pub(crate) fn suspect_age(rng: &mut Rng, weights: &[f64; 7]) -> i32 {
    draw_age(rng, weights, &OFFENDER_AGE_BANDS)
}

fn pool_person(district: usize, k: u32) -> Person {
    // A fixed person per (district, slot): born 1950–2004, four in five women
    // (repeat victimisation is mostly domestic abuse).
    let h = mix(&[0x504F_4F4C, district as u64, k as u64]);
    let born = date::day(1950, 1, 1) + (h % (55 * 365)) as i32;
    let female = (h >> 32) % 100 < 80;
    let half = ((h >> 48) % 500) as u16;
    Person {
        born,
        serial: half * 2 + if female { 0 } else { 1 },
    }
}

fn occupation_for(rng: &mut Rng, age: i32, homicide: bool) -> Option<u8> {
    if rng.chance(0.05) {
        return None;
    }
    let scale = if homicide { 1.0 } else { 0.3 };
    let u = rng.uniform();
    let mut acc = 0.0;
    for (k, p) in PROTECTED_OCCUPATIONS.iter().enumerate() {
        acc += p * scale;
        if u < acc {
            return Some(k as u8);
        }
    }
    Some(if age < 16 {
        10
    } else if age >= 66 {
        11
    } else if age < 25 && rng.chance(0.4) {
        8
    } else {
        [4, 4, 4, 5, 5, 6, 7, 9][rng.below(8) as usize]
    })
}

fn draw_victims(
    ctx: &Context,
    rng: &mut Rng,
    code: usize,
    district: usize,
    on: Day,
    out: &mut Vec<Victim>,
) {
    out.clear();
    let oc = &CODES[code];
    let p = &oc.profile;
    let n = match p.victims {
        Victims::None => return,
        Victims::One => 1,
        Victims::Several(mean) => 1 + rng.geometric(mean).min(9),
    };
    // Homicide victims and victims of age-conditional codes always have an age.
    let age_required = p.family == Family::Homicide
        || oc
            .map
            .iter()
            .any(|m| !matches!(m.cond, crate::codes::Cond::Always));
    for _ in 0..n {
        let relationship = rng.weighted(&p.relationship) as u8 + 1;
        let person = if p.repeat_victims > 0.0 && rng.chance(p.repeat_victims) {
            let k = rng.below(ctx.repeat_pool[district] as u64) as u32;
            pool_person(district, k)
        } else {
            let female = if matches!(relationship, 1 | 2)
                && matches!(p.family, Family::Homicide | Family::Violence)
            {
                rng.chance(0.8)
            } else {
                !rng.chance(p.victim_male)
            };
            let age = draw_age(rng, &p.victim_age, &VICTIM_AGE_BANDS);
            let born = born_for_age(rng, on, age);
            Person::draw(rng, born, if female { 1 } else { 0 })
        };
        if out.iter().any(|v| v.person == person) {
            continue;
        }
        let true_age = date::age_on(person.born, on);
        let age = if !age_required && rng.chance(0.015) {
            None
        } else {
            Some(true_age)
        };
        let nationality = if rng.chance(0.02) {
            None
        } else {
            Some(person.nationality())
        };
        let occupation = if p.occupation {
            occupation_for(rng, true_age, p.family == Family::Homicide)
        } else {
            None
        };
        let exploitation = if p.exploitation {
            Some(rng.weighted(&EXPLOITATION_SHARES) as u8)
        } else {
            None
        };
        let sex = recorded_sex(rng, &person, if age_required { 0.005 } else { 0.01 });
        out.push(Victim {
            person,
            sex,
            age,
            nationality,
            relationship,
            occupation,
            exploitation,
        });
    }
}

fn lag_band(lag: i32) -> usize {
    match lag {
        0 => 0,
        1..=7 => 1,
        8..=30 => 2,
        31..=90 => 3,
        _ => 4,
    }
}

/// Generates one chunk.
pub(crate) fn generate_chunk(ctx: &Context, plan: &ChunkPlan) -> ChunkOutput {
    let model = ctx.model;
    let extraction = model.period.extraction;
    let stream = if plan.burn_in {
        STREAM_BURN_IN
    } else {
        STREAM_OFFENCES
    };
    let mut rng = Rng::stream(ctx.seed, &[stream, plan.t as i64 as u64]);
    let sampler = MonthSampler::new(model, plan.t, plan.long_only);
    let (first_day, _, year, _) = model.month(plan.t);
    let mut draws: Vec<(i32, u32, u16, u16)> = Vec::with_capacity(plan.count as usize);
    for _ in 0..plan.count {
        if let Some((c, d, day)) = sampler.draw(model, plan.t, &mut rng) {
            draws.push((day, rng.next_u64() as u32, c as u16, d as u16));
        }
    }
    // Record numbers follow the day of occurrence; within a day the order is random.
    draws.sort_unstable();

    let mut out = ChunkOutput {
        stats: ChunkStats::new(ctx.rows),
        ..ChunkOutput::default()
    };
    out.stats.generated = draws.len() as u64;
    if plan.burn_in {
        for (i, (day, _, c, d)) in draws.iter().enumerate() {
            let p = &CODES[*c as usize].profile;
            let occurred = first_day + day;
            let recorded = occurred + lag_days(&mut rng, &ctx.lags[p.family.index()]);
            if rng.chance(p.clearance) {
                out.cases.push(CaseSeed {
                    year,
                    seq: (plan.first_seq + i as u64) as u32,
                    code: *c,
                    district: *d,
                    occurred,
                    recorded,
                    suspects: 1 + rng.chance(p.two_suspects) as u8,
                    in_files: false,
                });
            }
        }
        return out;
    }

    out.offences.reserve(draws.len() * 96);
    out.persons.reserve(draws.len() * 50);

    // Dirty extras with their own record number, at random positions among the clean rows.
    let mut extras: Vec<(u64, usize)> = Vec::new();
    for (kind, n) in plan.police_dirt.iter().enumerate() {
        if kind == DIRT_DUPLICATE {
            continue;
        }
        for _ in 0..*n {
            extras.push((rng.below(draws.len() as u64 + 1), kind));
        }
    }
    extras.sort_unstable();
    let mut next_extra = 0;
    let mut extra_seq = plan.first_seq + plan.count;

    let mut offence_spans: Vec<(u32, u32)> = Vec::with_capacity(draws.len());
    let mut victim_spans: Vec<(u32, u32)> = Vec::new();
    let mut victims: Vec<Victim> = Vec::with_capacity(4);

    for (i, (day, _, c, d)) in draws.iter().enumerate() {
        while next_extra < extras.len() && extras[next_extra].0 == i as u64 {
            write_dirty_extra(
                ctx,
                &mut rng,
                &sampler,
                plan,
                extras[next_extra].1,
                extra_seq,
                &mut out,
            );
            extra_seq += 1;
            next_extra += 1;
        }
        let code = *c as usize;
        let district = *d as usize;
        let oc = &CODES[code];
        let p = &oc.profile;
        let occurred = first_day + day;
        let lag = lag_days(&mut rng, &ctx.lags[p.family.index()]);
        let recorded = occurred + lag;
        if recorded > extraction {
            continue;
        }
        let seq = plan.first_seq + i as u64;
        let attempted = rng.chance(p.attempted);
        let weapon = rng.weighted(&p.weapon) as u8 + 1;
        let location = rng.weighted(&p.location) as u8 + 1;
        let cyber = rng.chance(p.cyber);
        let occurred_known = !rng.chance(0.01);
        let cleared = rng.chance(p.clearance);
        draw_victims(ctx, &mut rng, code, district, occurred, &mut victims);

        let offence = Offence {
            year,
            seq,
            district,
            code,
            occurred: occurred_known.then_some(occurred),
            recorded,
            attempted,
            weapon,
            location,
            cyber,
            case: cleared,
        };
        let start = out.offences.len() as u32;
        push_offence(&mut out.offences, ctx, &offence);
        offence_spans.push((start, out.offences.len() as u32));

        for v in &victims {
            let start = out.persons.len() as u32;
            push_person_row(
                &mut out.persons,
                year,
                seq,
                ROLE_VICTIM,
                &v.person,
                v.sex,
                v.age,
                v.nationality,
                Some(v.relationship),
                v.occupation,
                v.exploitation,
            );
            victim_spans.push((start, out.persons.len() as u32));
        }

        // Truth counters.
        let st = &mut out.stats;
        st.recorded += 1;
        st.by_code[code] += 1;
        st.lag_bands[lag_band(lag)] += 1;
        st.victims += victims.len() as u64;
        let youngest = victims.iter().filter_map(|v| v.age).min();
        let facts = RecordFacts {
            attempted,
            weapon,
            location,
            youngest_victim_age: youngest,
        };
        if let Some(row) = oc.map.iter().position(|m| m.cond.holds(&facts)) {
            st.by_code_row[ctx.row_offset[code] + row] += 1;
            if oc.map[row].iccs == "0101" {
                *st.homicide_by_year
                    .entry(date::civil(recorded).0)
                    .or_default() += victims.len() as u64;
                for v in &victims {
                    st.homicide_victims[v.sex as usize][age_group(v.age)] += 1;
                    let occ = match v.occupation {
                        Some(k) if k < 4 => k as usize,
                        Some(_) => 4,
                        None => 5,
                    };
                    st.homicide_occupation[occ] += 1;
                }
            }
        }
        if p.exploitation {
            for v in &victims {
                if let Some(e) = v.exploitation {
                    st.trafficking_victims[e as usize][v.sex as usize] += 1;
                }
            }
        }
        if cleared {
            out.cases.push(CaseSeed {
                year,
                seq: seq as u32,
                code: code as u16,
                district: district as u16,
                occurred,
                recorded,
                suspects: 1 + rng.chance(p.two_suspects) as u8,
                in_files: true,
            });
        }
    }
    while next_extra < extras.len() {
        write_dirty_extra(
            ctx,
            &mut rng,
            &sampler,
            plan,
            extras[next_extra].1,
            extra_seq,
            &mut out,
        );
        extra_seq += 1;
        next_extra += 1;
    }
    // Records sent twice arrive at the end of the monthly batch.
    if !offence_spans.is_empty() {
        for _ in 0..plan.police_dirt[DIRT_DUPLICATE] {
            let (a, b) = offence_spans[rng.below(offence_spans.len() as u64) as usize];
            out.offences.extend_from_within(a as usize..b as usize);
            out.stats.police_dirt[DIRT_DUPLICATE] += 1;
        }
    }
    out.stats.person_rows = victim_spans.len() as u64;
    if !victim_spans.is_empty() {
        for _ in 0..plan.person_dirt[0] {
            let (a, b) = victim_spans[rng.below(victim_spans.len() as u64) as usize];
            out.persons.extend_from_within(a as usize..b as usize);
            out.stats.person_dirt[0] += 1;
        }
        for _ in 0..plan.person_dirt[1] {
            // A copy of a victim row whose identity number was not entered.
            let (a, b) = victim_spans[rng.below(victim_spans.len() as u64) as usize];
            let row = out.persons[a as usize..b as usize].to_vec();
            let mut fields: Vec<&[u8]> = row.split(|x| *x == b';').collect();
            fields[2] = b"";
            out.persons.extend_from_slice(&fields.join(&b';'));
            out.stats.person_dirt[1] += 1;
        }
    }
    out.stats.person_rows += out.stats.person_dirt.iter().sum::<u64>();
    out.stats.offence_rows = out.stats.recorded + out.stats.police_dirt.iter().sum::<u64>();
    out
}

/// Writes one dirty police row with exactly one defect of the given kind.
fn write_dirty_extra(
    ctx: &Context,
    rng: &mut Rng,
    sampler: &MonthSampler,
    plan: &ChunkPlan,
    kind: usize,
    seq: u64,
    out: &mut ChunkOutput,
) {
    let model = ctx.model;
    let (first_day, _, year, _) = model.month(plan.t);
    let Some((code, mut district, day)) = sampler.draw(model, plan.t, rng) else {
        return;
    };
    if kind == 5 {
        // A stray encoding needs an accented police name.
        if let Some(&region) = ctx
            .accented_regions
            .get(rng.below(ctx.accented_regions.len().max(1) as u64) as usize)
        {
            let ds = &ctx.districts_of_region[region];
            district = ds[rng.below(ds.len() as u64) as usize];
        }
    }
    let p = &CODES[code].profile;
    let occurred = (first_day + day).min(model.period.extraction);
    let recorded =
        (occurred + lag_days(rng, &ctx.lags[p.family.index()])).min(model.period.extraction);
    let offence = Offence {
        year,
        seq,
        district,
        code,
        occurred: Some(occurred),
        recorded,
        attempted: rng.chance(p.attempted),
        weapon: rng.weighted(&p.weapon) as u8 + 1,
        location: rng.weighted(&p.location) as u8 + 1,
        cyber: rng.chance(p.cyber),
        case: false,
    };
    let mut row = Vec::with_capacity(128);
    push_offence(&mut row, ctx, &offence);
    row.pop();
    let mut fields: Vec<Vec<u8>> = row.split(|b| *b == b';').map(|f| f.to_vec()).collect();
    let (y, m, _) = date::civil(recorded);
    match kind {
        0 => {
            // A date that exists in no calendar, in one of three shapes.
            fields[3] = match rng.below(3) {
                0 => {
                    let (dd, mm) = [(31, 2), (30, 2), (31, 4), (31, 6), (31, 9), (31, 11)]
                        [rng.below(6) as usize];
                    format!("{dd:02}/{mm:02}/{y}").into_bytes()
                }
                1 => format!("{:02}/13/{y}", rng.between(1, 28)).into_bytes(),
                _ => format!("{y}-13-{m:02}").into_bytes(),
            };
        }
        1 => {
            fields[5] = UNKNOWN_CODES[rng.below(UNKNOWN_CODES.len() as u64) as usize]
                .as_bytes()
                .to_vec()
        }
        2 => {
            let region = &fields[4][..2].to_vec();
            fields[4] = match rng.below(3) {
                0 => [region.as_slice(), b"999"].concat(),
                1 => format!("21{:03}", rng.between(1, 30)).into_bytes(),
                _ => [b"0".as_slice(), region.as_slice(), b"1"].concat(),
            };
        }
        3 => {
            // Record number, agency, recording date, district or offence code left empty.
            let field = [0, 1, 3, 4, 5][rng.below(5) as usize];
            fields[field].clear();
        }
        5 => {
            let police = &model.country.regions[model.country.districts[district].region].police;
            if let Ok(bytes) = to_windows_1252(police) {
                fields[1] = bytes;
            }
        }
        _ => {
            if rng.chance(0.5) {
                fields.pop();
            } else {
                fields.push(b"NACHTRAG".to_vec());
            }
        }
    }
    out.offences.extend_from_slice(&fields.join(&b';'));
    out.offences.push(b'\n');
    out.stats.police_dirt[kind] += 1;
}
