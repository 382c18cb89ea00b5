//! Suspects, court decisions and prison movements: a sequential simulation
//! over the cleared offences in order of their date.
//!
//! Each identified suspect of a cleared offence is either prosecuted or not;
//! prosecuted persons may be remanded in custody (unsentenced) until the
//! decision; convicted persons get a sentence, and custody means admission
//! (or a change of status from remand), then release after two thirds of the
//! sentence. A person has at most one open case at a time.
//!
//! Reoffending is injected with the definition of the Ministry of Justice's
//! proven reoffending statistics (Ministry of Justice, 2019, *Guide to Proven
//! Reoffending Statistics*): at every index event (release from a custodial
//! sentence, or a conviction with a non-custodial sentence) the person is,
//! with probability [`REOFFEND_SHARE`], scheduled to commit a new offence
//! within 365 days that is convicted within a further 183 days; otherwise they
//! commit no offence in those 365 days. The reoffence is an offence that the
//! volume model generated anyway (the next convicted case after the scheduled
//! date), so volumes and conviction rates keep their shape.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};

use crate::codes::CODES;
use crate::country::WOMENS_FACILITY;
use crate::date::{self, Day};
use crate::offences::{
    CaseSeed, Context, ROLE_SUSPECT, push_case_id, push_person_row, recorded_sex, suspect_age,
};
use crate::people::{Person, Sex, born_for_age};
use crate::rng::Rng;
use crate::text::push_tenths;

/// Share of persons at an index event who are proven to reoffend.
pub(crate) const REOFFEND_SHARE: f64 = 0.30;
/// Follow-up after the index event during which the new offence is committed.
pub(crate) const FOLLOW_UP_DAYS: i32 = 365;
/// Further time allowed for the conviction.
pub(crate) const WAITING_DAYS: i32 = 183;
/// Custodial sentences are served until release on parole at two thirds.
pub(crate) const TIME_SERVED: f64 = 2.0 / 3.0;
/// Chance that a case's suspect is a previously known offender who is free.
const REPEAT_SUSPECT: f64 = 0.35;
/// Average days in a month, for sentence lengths.
const DAYS_PER_MONTH: f64 = 30.4375;
const STREAM_JUSTICE: u64 = 0x4A55_5354;

/// Words the court uses for outcomes and sentences.
pub(crate) const DECISION_WORDS: [&str; 4] =
    ["CONDAMNATION", "ACQUITTEMENT", "CLASSEMENT", "EN COURS"];
pub(crate) const SENTENCE_WORDS: [&str; 5] = ["PRISON", "SURSIS", "TIG", "AMENDE", "AUTRE"];
/// Words the prison uses for movements and status.
pub(crate) const MOVEMENT_WORDS: [&str; 3] = ["Zugang", "Statuswechsel", "Abgang"];
pub(crate) const STATUS_WORDS: [&str; 2] = ["U-Haft", "Strafhaft"];
/// Kinds of dirty rows in the court file and the prison file.
pub(crate) const COURT_DIRT: [&str; 3] = ["duplicate", "malformed_date", "unknown_offence_code"];
pub(crate) const PRISON_DIRT: [&str; 1] = ["duplicate"];
const COURT_DIRT_RATE: [f64; 3] = [0.002, 0.001, 0.001];
const PRISON_DIRT_RATE: f64 = 0.002;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Available,
    Busy,
    Blocked,
    Scheduled,
    Due,
}

#[derive(Debug, Clone)]
struct Suspect {
    person: Person,
    state: State,
    /// Position in its sex's pool while available.
    pool_pos: u32,
    /// Current index event (into the reoffending log) while scheduled or due.
    index: u32,
    cases: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EventKind {
    Free,
    Index,
    DueStart,
}

/// One index event and what happened after it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IndexEvent {
    pub person: u32,
    pub day: Day,
    pub flagged: bool,
    pub reoffended: bool,
}

/// A prison movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Movement {
    pub day: Day,
    pub person: u32,
    /// 0 admission, 1 status change, 2 release.
    pub kind: u8,
    /// 0 unsentenced, 1 sentenced.
    pub status: u8,
    pub facility: u8,
}

/// Counters by code of court decisions present in the file (decided by the extraction date).
#[derive(Debug, Clone, Default)]
pub(crate) struct CourtCounts {
    pub prosecuted: Vec<u64>,
    pub decided: Vec<u64>,
    pub convicted: Vec<u64>,
    pub custody: Vec<u64>,
    pub custody_tenths: Vec<u64>,
}

struct Outcome {
    prosecuted: bool,
    prosecution: Day,
    decision: Day,
    /// 0 convicted, 1 acquitted, 2 dismissed.
    verdict: u8,
    sentence: u8,
    custody_tenths: u64,
    remand: bool,
}

pub(crate) struct JusticeSim<'a> {
    ctx: &'a Context<'a>,
    rng: Rng,
    suspects: Vec<Suspect>,
    /// Serials handed out per birth date and sex (see [`JusticeSim::new_person`]).
    serials: Vec<[u16; 2]>,
    pool: [Vec<u32>; 2],
    /// Calendar queue: pending events by day, from `first_day`.
    events: Vec<Vec<(EventKind, u32)>>,
    first_day: Day,
    /// Next day of the calendar queue to handle.
    cursor: usize,
    due: BinaryHeap<Reverse<(Day, u32)>>,
    pub index_log: Vec<IndexEvent>,
    pub movements: Vec<Movement>,
    pub court: Vec<u8>,
    pub persons: Vec<u8>,
    pub court_rows: u64,
    pub court_dirt: [u64; 3],
    pub suspect_rows: u64,
    pub counts: CourtCounts,
}

impl<'a> JusticeSim<'a> {
    pub(crate) fn new(ctx: &'a Context<'a>) -> JusticeSim<'a> {
        let n = CODES.len();
        JusticeSim {
            ctx,
            rng: Rng::stream(ctx.seed, &[STREAM_JUSTICE]),
            suspects: Vec::new(),
            serials: Vec::new(),
            pool: [Vec::new(), Vec::new()],
            events: Vec::new(),
            first_day: Day::MAX,
            cursor: 0,
            due: BinaryHeap::new(),
            index_log: Vec::new(),
            movements: Vec::new(),
            court: Vec::new(),
            persons: Vec::new(),
            court_rows: 0,
            court_dirt: [0; 3],
            suspect_rows: 0,
            counts: CourtCounts {
                prosecuted: vec![0; n],
                decided: vec![0; n],
                convicted: vec![0; n],
                custody: vec![0; n],
                custody_tenths: vec![0; n],
            },
        }
    }

    /// Number of distinct suspects and of those with more than one case.
    pub(crate) fn suspect_counts(&self) -> (u64, u64) {
        let repeat = self.suspects.iter().filter(|s| s.cases > 1).count() as u64;
        (self.suspects.len() as u64, repeat)
    }

    /// Processes the cleared offences of one month (sorted here by date).
    pub(crate) fn process(&mut self, cases: &mut [CaseSeed]) {
        cases.sort_by_key(|c| (c.occurred, c.year, c.seq));
        for case in cases.iter() {
            self.advance_to(case.occurred);
            let mut first: Option<u32> = None;
            for _ in 0..case.suspects {
                let outcome = self.outcome(case);
                let who = self.choose(case, &outcome, first);
                self.apply(case, who, &outcome);
                first = Some(who);
            }
        }
    }

    /// Queues an event. Events after the extraction never matter; events
    /// dated before the day being handled are handled with it.
    fn schedule(&mut self, day: Day, kind: EventKind, who: u32) {
        if day > self.ctx.model.period.extraction + 1 {
            return;
        }
        let slot = ((day - self.first_day).max(0) as usize).max(self.cursor);
        if slot >= self.events.len() {
            self.events.resize_with(slot + 1, Vec::new);
        }
        self.events[slot].push((kind, who));
    }

    /// Handles every pending event dated before `day`, day by day in the order they were queued.
    fn advance_to(&mut self, day: Day) {
        if self.first_day == Day::MAX {
            self.first_day = day;
        }
        let until = (day - self.first_day).max(0) as usize;
        while self.cursor < until {
            let mut k = 0;
            while k < self.events.get(self.cursor).map_or(0, |v| v.len()) {
                let (kind, who) = self.events[self.cursor][k];
                k += 1;
                self.handle(self.first_day + self.cursor as Day, kind, who);
            }
            if let Some(v) = self.events.get_mut(self.cursor) {
                *v = Vec::new();
            }
            self.cursor += 1;
        }
    }

    fn handle(&mut self, when: Day, kind: EventKind, who: u32) {
        {
            match kind {
                EventKind::Free => self.make_available(who),
                EventKind::Index => self.index_event(who, when),
                EventKind::DueStart => {
                    let s = &mut self.suspects[who as usize];
                    s.state = State::Due;
                    let start = self.index_log[s.index as usize].day;
                    self.due.push(Reverse((start + FOLLOW_UP_DAYS, who)));
                }
            }
        }
    }

    /// Runs the remaining events up to the extraction date.
    pub(crate) fn finish(&mut self) {
        let end = self.ctx.model.period.extraction + 1;
        self.advance_to(end);
    }

    fn make_available(&mut self, who: u32) {
        let sex = self.suspects[who as usize].person.sex() as usize;
        let s = &mut self.suspects[who as usize];
        s.state = State::Available;
        s.pool_pos = self.pool[sex].len() as u32;
        self.pool[sex].push(who);
    }

    fn take_from_pool(&mut self, who: u32) {
        let sex = self.suspects[who as usize].person.sex() as usize;
        let pos = self.suspects[who as usize].pool_pos as usize;
        let pool = &mut self.pool[sex];
        pool.swap_remove(pos);
        if let Some(&moved) = pool.get(pos) {
            self.suspects[moved as usize].pool_pos = pos as u32;
        }
    }

    fn index_event(&mut self, who: u32, day: Day) {
        let flagged = self.rng.chance(REOFFEND_SHARE);
        let log = self.index_log.len() as u32;
        self.index_log.push(IndexEvent {
            person: who,
            day,
            flagged,
            reoffended: false,
        });
        let s = &mut self.suspects[who as usize];
        s.index = log;
        if flagged {
            s.state = State::Scheduled;
            let start = day + self.rng.between(1, 300) as Day;
            self.schedule(start, EventKind::DueStart, who);
        } else {
            s.state = State::Blocked;
            self.schedule(day + FOLLOW_UP_DAYS + 1, EventKind::Free, who);
        }
    }

    fn outcome(&mut self, case: &CaseSeed) -> Outcome {
        let j = CODES[case.code as usize].profile.justice;
        let rng = &mut self.rng;
        if !rng.chance(j.prosecute) {
            return Outcome {
                prosecuted: false,
                prosecution: case.recorded,
                decision: case.recorded,
                verdict: 2,
                sentence: 0,
                custody_tenths: 0,
                remand: false,
            };
        }
        let prosecution = case.recorded
            + (rng.lognormal(j.investigation_days, 0.6).round() as Day).clamp(1, 1500);
        let decision =
            prosecution + (rng.lognormal(j.court_days, 0.5).round() as Day).clamp(7, 2500);
        let u = rng.uniform();
        let verdict = if u < j.convict {
            0
        } else if u < j.convict + j.acquit {
            1
        } else {
            2
        };
        let (sentence, custody_tenths) = if verdict == 0 {
            let s = rng.weighted(&j.sentence) as u8;
            let tenths = if s == 0 {
                (rng.lognormal(j.custody_months, j.custody_sigma) * 10.0)
                    .round()
                    .clamp(5.0, 3600.0) as u64
            } else {
                0
            };
            (s, tenths)
        } else {
            (0, 0)
        };
        Outcome {
            prosecuted: true,
            prosecution,
            decision,
            verdict,
            sentence,
            custody_tenths,
            remand: rng.chance(j.remand),
        }
    }

    fn choose(&mut self, case: &CaseSeed, outcome: &Outcome, exclude: Option<u32>) -> u32 {
        let day = case.occurred;
        // A scheduled reoffender takes the next convicted case within their window.
        if outcome.prosecuted && outcome.verdict == 0 {
            while let Some(Reverse((window_end, who))) = self.due.peek().copied() {
                if window_end >= day {
                    break;
                }
                self.due.pop();
                self.make_available(who);
            }
            if let Some(Reverse((_, who))) = self.due.peek().copied() {
                let start = self.index_log[self.suspects[who as usize].index as usize].day;
                if outcome.decision <= start + FOLLOW_UP_DAYS + WAITING_DAYS
                    && Some(who) != exclude
                    && day > start
                {
                    self.due.pop();
                    let log = self.suspects[who as usize].index as usize;
                    self.index_log[log].reoffended = true;
                    return who;
                }
            }
        }
        let p = &CODES[case.code as usize].profile;
        let sex = if self.rng.chance(p.suspect_male) {
            0usize
        } else {
            1
        };
        if self.rng.chance(REPEAT_SUSPECT) && !self.pool[sex].is_empty() {
            let pos = self.rng.below(self.pool[sex].len() as u64) as usize;
            let who = self.pool[sex][pos];
            let age = date::age_on(self.suspects[who as usize].person.born, day);
            if Some(who) != exclude && (12..=80).contains(&age) {
                self.take_from_pool(who);
                return who;
            }
        }
        let age = suspect_age(&mut self.rng, &p.suspect_age);
        let born = born_for_age(&mut self.rng, day, age);
        let person = self.new_person(born, sex as Sex);
        self.suspects.push(Suspect {
            person,
            state: State::Busy,
            pool_pos: 0,
            index: 0,
            cases: 0,
        });
        (self.suspects.len() - 1) as u32
    }

    /// A new suspect with an identity number no other suspect has: serials are
    /// handed out per birth date and sex through a fixed permutation of 0–499
    /// (k ↦ 37k + h mod 500, 37 being coprime with 500), so they look random
    /// but never repeat; when a birth date's 500 serials are used up, the
    /// next day is taken.
    fn new_person(&mut self, mut born: Day, sex: Sex) -> Person {
        const EARLIEST: Day = -30_000; // 1887
        loop {
            let slot = (born - EARLIEST).max(0) as usize;
            if slot >= self.serials.len() {
                self.serials.resize(slot + 1, [0, 0]);
            }
            let k = self.serials[slot][sex as usize];
            if k < 500 {
                self.serials[slot][sex as usize] = k + 1;
                let h = (crate::rng::mix(&[born as u64, sex as u64]) % 500) as u16;
                let half = ((k as u32 * 37 + h as u32) % 500) as u16;
                return Person {
                    born,
                    serial: half * 2 + if sex == 0 { 1 } else { 0 },
                };
            }
            born += 1;
        }
    }

    fn apply(&mut self, case: &CaseSeed, who: u32, o: &Outcome) {
        let period = self.ctx.model.period;
        let person = self.suspects[who as usize].person;
        {
            let s = &mut self.suspects[who as usize];
            s.state = State::Busy;
            s.cases += 1;
        }
        if case.in_files {
            let sex = recorded_sex(&mut self.rng, &person, 0.005);
            let nationality = if self.rng.chance(0.02) {
                None
            } else {
                Some(person.nationality())
            };
            let age = date::age_on(person.born, case.occurred);
            push_person_row(
                &mut self.persons,
                case.year,
                case.seq as u64,
                ROLE_SUSPECT,
                &person,
                sex,
                Some(age),
                nationality,
                None,
                None,
                None,
            );
            self.suspect_rows += 1;
        }
        if !o.prosecuted {
            self.schedule(o.prosecution + 1, EventKind::Free, who);
            return;
        }
        let in_court_file = o.prosecution <= period.extraction
            && (o.prosecution >= period.start || o.decision >= period.start);
        if in_court_file {
            self.write_court_row(case, &person, o);
        }
        let female = person.sex() == 1;
        let region = self.ctx.model.country.districts[case.district as usize].region;
        let facility = if female {
            WOMENS_FACILITY
        } else {
            self.ctx.model.country.facility_of_region[region]
        } as u8;
        let convicted = o.verdict == 0;
        let custody = convicted && o.sentence == 0;
        let mut stay: Vec<Movement> = Vec::with_capacity(3);
        if custody {
            let served =
                (o.custody_tenths as f64 / 10.0 * DAYS_PER_MONTH * TIME_SERVED).round() as Day;
            let start = if o.remand { o.prosecution } else { o.decision };
            let release = (start + served).max(o.decision);
            if o.remand {
                stay.push(Movement {
                    day: o.prosecution,
                    person: who,
                    kind: 0,
                    status: 0,
                    facility,
                });
                stay.push(Movement {
                    day: o.decision,
                    person: who,
                    kind: 1,
                    status: 1,
                    facility,
                });
            } else {
                stay.push(Movement {
                    day: o.decision,
                    person: who,
                    kind: 0,
                    status: 1,
                    facility,
                });
            }
            stay.push(Movement {
                day: release,
                person: who,
                kind: 2,
                status: 1,
                facility,
            });
            self.schedule(release, EventKind::Index, who);
        } else {
            if o.remand {
                stay.push(Movement {
                    day: o.prosecution,
                    person: who,
                    kind: 0,
                    status: 0,
                    facility,
                });
                stay.push(Movement {
                    day: o.decision,
                    person: who,
                    kind: 2,
                    status: 0,
                    facility,
                });
            }
            if convicted {
                self.schedule(o.decision, EventKind::Index, who);
            } else {
                self.schedule(o.decision + 1, EventKind::Free, who);
            }
        }
        // The prison register lists every stay that is open on or after the start.
        if stay.last().is_some_and(|m| m.day >= period.start) {
            self.movements
                .extend(stay.into_iter().filter(|m| m.day <= period.extraction));
        }
    }

    fn write_court_row(&mut self, case: &CaseSeed, person: &Person, o: &Outcome) {
        let period = self.ctx.model.period;
        let decided = o.decision <= period.extraction;
        let code = case.code as usize;
        self.counts.prosecuted[code] += 1;
        if decided {
            self.counts.decided[code] += 1;
            if o.verdict == 0 {
                self.counts.convicted[code] += 1;
                if o.sentence == 0 {
                    self.counts.custody[code] += 1;
                    self.counts.custody_tenths[code] += o.custody_tenths;
                }
            }
        }
        let start = self.court.len();
        let out = &mut self.court;
        push_case_id(out, case.year, case.seq as u64);
        out.push(b',');
        person.push_id(out);
        out.push(b',');
        date::push_iso(out, person.born);
        out.push(b',');
        date::push_iso(out, case.occurred);
        out.push(b',');
        let prosecution_at = out.len();
        date::push_iso(out, o.prosecution);
        out.push(b',');
        if decided {
            date::push_iso(out, o.decision);
        }
        out.push(b',');
        let code_at = out.len();
        out.extend_from_slice(CODES[code].code.as_bytes());
        let code_end = out.len();
        out.push(b',');
        out.extend_from_slice(
            DECISION_WORDS[if decided { o.verdict as usize } else { 3 }].as_bytes(),
        );
        out.push(b',');
        if decided && o.verdict == 0 {
            out.extend_from_slice(SENTENCE_WORDS[o.sentence as usize].as_bytes());
        }
        out.push(b',');
        if decided && o.verdict == 0 && o.sentence == 0 {
            push_tenths(out, o.custody_tenths);
        }
        out.push(b'\n');
        self.court_rows += 1;
        let end = self.court.len();

        // Dirty copies: a re-sent row, a row with an impossible prosecution date,
        // a row with a code that is not in the code list.
        for (kind, rate) in COURT_DIRT_RATE.iter().enumerate() {
            if !self.rng.chance(*rate) {
                continue;
            }
            let mut row = self.court[start..end].to_vec();
            match kind {
                0 => {}
                1 => {
                    let (y, _, _) = date::civil(o.prosecution);
                    let bad = if self.rng.chance(0.5) {
                        format!("{y}-02-30")
                    } else {
                        format!("{y}-13-01")
                    };
                    let at = prosecution_at - start;
                    row.splice(at..at + 10, bad.into_bytes());
                }
                _ => {
                    let unknown = crate::codes::UNKNOWN_CODES[self.rng.below(3) as usize];
                    row.splice(code_at - start..code_end - start, unknown.bytes());
                }
            }
            self.court.extend_from_slice(&row);
            self.court_dirt[kind] += 1;
        }
    }

    /// The prison file body (CRLF lines, sorted by date) and its duplicate count.
    pub(crate) fn prison_rows(&mut self) -> (Vec<u8>, u64, u64) {
        self.movements.sort_unstable();
        let mut out = Vec::with_capacity(self.movements.len() * 64);
        let mut duplicates = 0;
        let mut rows = 0;
        let facilities = &self.ctx.model.country.facilities;
        for m in &self.movements {
            let start = out.len();
            let person = &self.suspects[m.person as usize].person;
            person.push_id(&mut out);
            out.push(b';');
            person.push_name(&mut out);
            out.push(b';');
            out.extend_from_slice(facilities[m.facility as usize].id.as_bytes());
            out.push(b';');
            date::push_dmy(&mut out, m.day, b'.');
            out.push(b';');
            out.extend_from_slice(MOVEMENT_WORDS[m.kind as usize].as_bytes());
            out.push(b';');
            out.extend_from_slice(STATUS_WORDS[m.status as usize].as_bytes());
            out.extend_from_slice(b"\r\n");
            rows += 1;
            if self.rng.chance(PRISON_DIRT_RATE) {
                out.extend_from_within(start..);
                duplicates += 1;
            }
        }
        (out, rows, duplicates)
    }

    /// Persons held at the end of each of `days` (ascending), by facility and
    /// status, from the movements sorted by [`JusticeSim::prison_rows`].
    pub(crate) fn stock_on(&self, days: &[Day], facilities: usize) -> Vec<Vec<[u64; 2]>> {
        let mut held: Vec<Option<(u8, u8)>> = vec![None; self.suspects.len()];
        let mut counts = vec![[0u64; 2]; facilities];
        let mut out = Vec::with_capacity(days.len());
        let mut next = 0;
        for &day in days {
            while next < self.movements.len() && self.movements[next].day <= day {
                let m = self.movements[next];
                if let Some((f, s)) = held[m.person as usize].take() {
                    counts[f as usize][s as usize] -= 1;
                }
                if m.kind != 2 {
                    held[m.person as usize] = Some((m.facility, m.status));
                    counts[m.facility as usize][m.status as usize] += 1;
                }
                next += 1;
            }
            out.push(counts.clone());
        }
        out
    }
}

/// Writes the index-event table used for truth: cohort year → (persons, reoffenders),
/// counting each person's first index event in the year.
pub(crate) fn cohorts(log: &[IndexEvent], first_year: i32, last_year: i32) -> Vec<(i32, u64, u64)> {
    let mut out = Vec::new();
    for year in first_year..=last_year {
        let from = date::day(year, 1, 1);
        let to = date::day(year, 12, 31);
        let mut seen = HashSet::new();
        let mut persons = 0;
        let mut reoffenders = 0;
        for e in log.iter().filter(|e| e.day >= from && e.day <= to) {
            // The log is in the order events were handled, which is date order.
            if seen.insert(e.person) {
                persons += 1;
                reoffenders += e.reoffended as u64;
            }
        }
        out.push((year, persons, reoffenders));
    }
    out
}

/// Header lines of the court and prison files.
pub(crate) const COURT_HEADER: &str = "numero_affaire,id_personne,date_naissance,date_faits,date_poursuite,date_jugement,code_infraction,decision,peine,duree_mois";
pub(crate) const PRISON_HEADER: &str = "Ident-Nr;Name;Anstalt;Datum;Bewegung;Haftart";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cohorts_count_first_event_per_person_and_year() {
        // Person 1 has two index events in 2020: only the first (not reoffended) counts.
        // Person 2 reoffended after their 2020 event. Person 3's event is in 2021.
        let log = [
            IndexEvent {
                person: 1,
                day: date::day(2020, 2, 1),
                flagged: false,
                reoffended: false,
            },
            IndexEvent {
                person: 2,
                day: date::day(2020, 3, 1),
                flagged: true,
                reoffended: true,
            },
            IndexEvent {
                person: 1,
                day: date::day(2020, 9, 1),
                flagged: true,
                reoffended: true,
            },
            IndexEvent {
                person: 3,
                day: date::day(2021, 1, 5),
                flagged: true,
                reoffended: false,
            },
        ];
        assert_eq!(cohorts(&log, 2020, 2021), vec![(2020, 2, 1), (2021, 1, 0)]);
    }
}
