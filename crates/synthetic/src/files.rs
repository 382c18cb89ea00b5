//! The raw files: names, encodings, headers and the small reference files.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::GenerateError;
use crate::codes::{CODES, OMITTED_FROM_SHIPPED_TABLE};
use crate::country::{AGE_GROUPS, Country, Period};
use crate::date::{self, Day};
use crate::text::{push_field, push_u64, to_windows_1252};

/// How a raw file is encoded and laid out.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub(crate) struct Layout {
    pub path: &'static str,
    pub agency: &'static str,
    pub encoding: &'static str,
    pub bom: bool,
    pub line_end: &'static str,
    pub delimiter: &'static str,
    pub date_format: &'static str,
    pub header: &'static str,
}

pub(crate) const POLICE_OFFENCES: Layout = Layout {
    path: "police_offences.csv",
    agency: "Police (Landespolizei / Police nationale)",
    encoding: "UTF-8",
    bom: false,
    line_end: "LF",
    delimiter: ";",
    date_format: "dd/mm/yyyy",
    header: "Vorgangsnummer;Dienststelle;Tatdatum;Erfassungsdatum;Bezirk;Delikt;Versuch;Waffe;Tatort;Cyber;Aktenzeichen",
};
pub(crate) const POLICE_PERSONS: Layout = Layout {
    path: "police_persons.csv",
    agency: "Police (Landespolizei / Police nationale)",
    encoding: "UTF-8",
    bom: false,
    line_end: "LF",
    delimiter: ";",
    date_format: "none (age in years)",
    header: "Vorgangsnummer;Rolle;Personenkennziffer;Name;Geschlecht;Alter;Staatsangehoerigkeit;Beziehung;Beruf;Ausbeutung",
};
pub(crate) const COURT_DECISIONS: Layout = Layout {
    path: "court_decisions.csv",
    agency: "Ministère de la Justice, registre des affaires pénales",
    encoding: "UTF-8",
    bom: true,
    line_end: "LF",
    delimiter: ",",
    date_format: "yyyy-mm-dd",
    header: crate::justice::COURT_HEADER,
};
pub(crate) const PRISON_MOVEMENTS: Layout = Layout {
    path: "prison_movements.csv",
    agency: "Strafvollzugsamt (prison administration)",
    encoding: "UTF-8",
    bom: false,
    line_end: "CRLF",
    delimiter: ";",
    date_format: "dd.mm.yyyy",
    header: crate::justice::PRISON_HEADER,
};
pub(crate) const PRISON_FACILITIES: Layout = Layout {
    path: "prison_facilities.csv",
    agency: "Strafvollzugsamt (prison administration)",
    encoding: "UTF-8",
    bom: false,
    line_end: "CRLF",
    delimiter: ";",
    date_format: "dd.mm.yyyy",
    header: "Anstalt;Bezeichnung;Region;Haftplaetze;gueltig_ab",
};
pub(crate) const AREAS: Layout = Layout {
    path: "areas.csv",
    agency: "Institut national de la statistique",
    encoding: "windows-1252",
    bom: false,
    line_end: "CRLF",
    delimiter: ";",
    date_format: "none",
    header: "CODE_GEO;LIBELLE;NIVEAU;CODE_PARENT",
};
pub(crate) const POPULATION: Layout = Layout {
    path: "population.csv",
    agency: "Institut national de la statistique",
    encoding: "UTF-8",
    bom: false,
    line_end: "LF",
    delimiter: ",",
    date_format: "none (year)",
    header: "code_district,annee,sexe,tranche_age,effectif",
};
pub(crate) const OFFENCE_CODES: Layout = Layout {
    path: "offence_codes.csv",
    agency: "Ministry of Justice, national offence code list",
    encoding: "UTF-8",
    bom: false,
    line_end: "LF",
    delimiter: ",",
    date_format: "yyyy-mm-dd",
    header: "offence_code,title,in_force_from,in_force_to",
};
pub(crate) const CORRESPONDENCE: Layout = Layout {
    path: "correspondence.csv",
    agency: "National statistical office, correspondence table (as shipped)",
    encoding: "UTF-8",
    bom: false,
    line_end: "LF",
    delimiter: ",",
    date_format: "yyyy-mm-dd",
    header: "national_code,national_description,iccs_code,condition,valid_from,valid_to,note",
};
pub(crate) const CORRESPONDENCE_TRUE: Layout = Layout {
    path: "truth/correspondence_true.csv",
    ..CORRESPONDENCE
};

/// A file being written, with its row count.
pub(crate) struct Output {
    pub layout: Layout,
    pub path: PathBuf,
    writer: BufWriter<File>,
    pub rows: u64,
}

impl Output {
    pub(crate) fn create(dir: &Path, layout: Layout) -> Result<Output, GenerateError> {
        let path = dir.join(layout.path);
        let file = File::create(&path).map_err(|source| GenerateError::Io {
            path: path.clone(),
            source,
        })?;
        let mut out = Output {
            layout,
            path,
            writer: BufWriter::with_capacity(1 << 20, file),
            rows: 0,
        };
        if layout.bom {
            out.write(b"\xEF\xBB\xBF")?;
        }
        let mut header = layout.header.as_bytes().to_vec();
        if layout.encoding == "windows-1252" {
            header =
                to_windows_1252(layout.header).map_err(|character| GenerateError::Encoding {
                    path: out.path.clone(),
                    character,
                })?;
        }
        header.extend_from_slice(if layout.line_end == "CRLF" {
            b"\r\n"
        } else {
            b"\n"
        });
        out.write(&header)?;
        Ok(out)
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<(), GenerateError> {
        self.writer
            .write_all(bytes)
            .map_err(|source| GenerateError::Io {
                path: self.path.clone(),
                source,
            })
    }

    /// Flushes and returns (rows, bytes).
    pub(crate) fn finish(mut self) -> Result<(PathBuf, u64, u64), GenerateError> {
        self.writer.flush().map_err(|source| GenerateError::Io {
            path: self.path.clone(),
            source,
        })?;
        let bytes = std::fs::metadata(&self.path)
            .map_err(|source| GenerateError::Io {
                path: self.path.clone(),
                source,
            })?
            .len();
        Ok((self.path, self.rows, bytes))
    }
}

/// The area register in Windows-1252 with CRLF line ends.
pub(crate) fn write_areas(dir: &Path, country: &Country) -> Result<Output, GenerateError> {
    let mut out = Output::create(dir, AREAS)?;
    let mut text = String::new();
    for r in &country.regions {
        text.push_str(&format!("{};{};Région;\r\n", r.code, r.name));
        out.rows += 1;
    }
    for d in &country.districts {
        text.push_str(&format!(
            "{};{};District;{}\r\n",
            d.code, d.name, country.regions[d.region].code
        ));
        out.rows += 1;
    }
    let bytes = to_windows_1252(&text).map_err(|character| GenerateError::Encoding {
        path: out.path.clone(),
        character,
    })?;
    out.write(&bytes)?;
    Ok(out)
}

/// Population on 1 January of each year, by district, sex (1 male, 2 female) and age group.
pub(crate) fn write_population(
    dir: &Path,
    country: &Country,
    period: &Period,
) -> Result<Output, GenerateError> {
    let mut out = Output::create(dir, POPULATION)?;
    let mut buf = Vec::new();
    for (i, d) in country.districts.iter().enumerate() {
        for year in period.start_year..period.start_year + period.years as i32 {
            let pop = country.population(i, year);
            for (sex, groups) in pop.iter().enumerate() {
                for (g, n) in groups.iter().enumerate() {
                    buf.extend_from_slice(d.code.as_bytes());
                    buf.push(b',');
                    push_u64(&mut buf, year as u64);
                    buf.push(b',');
                    buf.push(if sex == 0 { b'1' } else { b'2' });
                    buf.push(b',');
                    buf.extend_from_slice(AGE_GROUPS[g].as_bytes());
                    buf.push(b',');
                    push_u64(&mut buf, *n);
                    buf.push(b'\n');
                    out.rows += 1;
                }
            }
        }
    }
    out.write(&buf)?;
    Ok(out)
}

/// The day a code came into force (long-standing codes: the penal code of `start_year − 14`).
pub(crate) fn in_force_from(code: &crate::codes::OffenceCode, period: &Period) -> Day {
    match code.from_month {
        Some(m) => {
            let (y, mo) = date::month_of(period.start_year, m);
            date::day(y, mo, 1)
        }
        None => date::day(period.start_year - 14, 1, 1),
    }
}

/// The last day a code was in force, if it was repealed.
pub(crate) fn in_force_to(code: &crate::codes::OffenceCode, period: &Period) -> Option<Day> {
    code.to_month.map(|m| {
        let (y, mo) = date::month_of(period.start_year, m);
        date::day(y, mo, date::days_in_month(y, mo))
    })
}

pub(crate) fn write_code_list(dir: &Path, period: &Period) -> Result<Output, GenerateError> {
    let mut out = Output::create(dir, OFFENCE_CODES)?;
    let mut buf = Vec::new();
    for c in CODES {
        push_field(&mut buf, c.code, b',');
        buf.push(b',');
        push_field(&mut buf, c.title, b',');
        buf.push(b',');
        date::push_iso(&mut buf, in_force_from(c, period));
        buf.push(b',');
        if let Some(to) = in_force_to(c, period) {
            date::push_iso(&mut buf, to);
        }
        buf.push(b'\n');
        out.rows += 1;
    }
    out.write(&buf)?;
    Ok(out)
}

/// The correspondence table: the full truth, or the office's shipped table without the newest codes.
pub(crate) fn write_correspondence(dir: &Path, shipped: bool) -> Result<Output, GenerateError> {
    let mut out = Output::create(
        dir,
        if shipped {
            CORRESPONDENCE
        } else {
            CORRESPONDENCE_TRUE
        },
    )?;
    let mut buf = Vec::new();
    for c in CODES {
        if shipped && OMITTED_FROM_SHIPPED_TABLE.contains(&c.code) {
            continue;
        }
        for m in c.map {
            push_field(&mut buf, c.code, b',');
            buf.push(b',');
            push_field(&mut buf, c.title, b',');
            buf.push(b',');
            push_field(&mut buf, m.iccs, b',');
            buf.push(b',');
            push_field(&mut buf, &m.cond.render(), b',');
            buf.extend_from_slice(b",,,");
            push_field(&mut buf, m.note, b',');
            buf.push(b'\n');
            out.rows += 1;
        }
    }
    out.write(&buf)?;
    Ok(out)
}

/// Prison facilities with their capacities; one facility gains a new wing during the period.
pub(crate) fn write_facilities(
    dir: &Path,
    country: &Country,
    capacities: &[(usize, u64, Day)],
) -> Result<Output, GenerateError> {
    let mut out = Output::create(dir, PRISON_FACILITIES)?;
    let mut buf = Vec::new();
    for (f, capacity, from) in capacities {
        let facility = &country.facilities[*f];
        buf.extend_from_slice(facility.id.as_bytes());
        buf.push(b';');
        buf.extend_from_slice(facility.name.as_bytes());
        buf.push(b';');
        buf.extend_from_slice(country.regions[facility.region].code.as_bytes());
        buf.push(b';');
        push_u64(&mut buf, *capacity);
        buf.push(b';');
        date::push_dmy(&mut buf, *from, b'.');
        buf.extend_from_slice(b"\r\n");
        out.rows += 1;
    }
    out.write(&buf)?;
    Ok(out)
}
