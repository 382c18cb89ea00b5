//! A realistic sample release shared by the integration tests: ICCS sections ×
//! areas × sex × three years of recorded offences, rates with confidence bounds,
//! SDG series, and cells suppressed by disclosure control.

use std::path::Path;

use evident_sdmx::crime::{
    Area, Cell, CellStatus, CrimeRelease, CrimeStructures, Indicator, NOT_CLASSIFIABLE, TOTAL, Unit,
};
use evident_sdmx::{DataFormat, Header, data_bytes, structure_bytes};

pub const AGENCY: &str = "EVIDENT";

pub fn release() -> CrimeRelease {
    let area = |code: &str, name: &str, parent: Option<&str>| Area {
        code: code.to_owned(),
        name: name.to_owned(),
        parent: parent.map(str::to_owned),
    };
    CrimeRelease {
        agency: AGENCY.to_owned(),
        version: "1.0".to_owned(),
        dataflow_id: "DF_CRIME".to_owned(),
        dataflow_name: "Recorded crime, Testland, 2021-2023".to_owned(),
        areas: vec![
            area("XY", "Testland", None),
            // Names that need escaping in XML and quoting in CSV.
            area("R1", "North & \"Upper\" <Region>", Some("XY")),
            area("R2", "South, coast", Some("XY")),
            area("R1D1", "Saint-Étienne-du-Nord", Some("R1")),
        ],
        indicators: vec![
            Indicator {
                code: "OFFENCES_RECORDED".to_owned(),
                name: "Offences recorded by the police".to_owned(),
                unit: Unit::Number,
            },
            Indicator {
                code: "OFFENCE_RATE".to_owned(),
                name: "Offences recorded by the police per 100,000 population".to_owned(),
                unit: Unit::Per100000Population,
            },
        ],
    }
}

/// A small deterministic generator (a linear congruential generator with the
/// constants of Knuth's MMIX), so the sample needs no random-number crate.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn cell(
    series: &str,
    iccs: &str,
    area: &str,
    sex: &str,
    year: u32,
    value: f64,
    status: CellStatus,
) -> Cell {
    Cell {
        frequency: "A".to_owned(),
        series: series.to_owned(),
        iccs: iccs.to_owned(),
        area: area.to_owned(),
        sex: sex.to_owned(),
        age: TOTAL.to_owned(),
        time_period: year.to_string(),
        value: Some(value),
        status,
        bounds: None,
    }
}

pub fn cells() -> Vec<Cell> {
    let mut random = Lcg(20250331);
    let mut cells = Vec::new();
    let sections = [
        "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11",
    ];
    let offence_codes = [TOTAL]
        .into_iter()
        .chain(sections)
        .chain([NOT_CLASSIFIABLE]);
    for iccs in offence_codes {
        for area in ["XY", "R1", "R2", "R1D1"] {
            for sex in [TOTAL, "F", "M"] {
                for year in 2021..=2023 {
                    let count = (random.next() % 400) as f64;
                    let status = if count < 5.0 {
                        CellStatus::PrimarySuppressed
                    } else if count < 15.0 {
                        CellStatus::SecondarySuppressed
                    } else if year == 2023 {
                        CellStatus::Provisional
                    } else {
                        CellStatus::Normal
                    };
                    cells.push(cell(
                        "OFFENCES_RECORDED",
                        iccs,
                        area,
                        sex,
                        year,
                        count,
                        status,
                    ));
                }
            }
        }
    }
    // Rates with 95 % confidence bounds, values with many decimals.
    for area in ["XY", "R1", "R2"] {
        for year in 2021..=2023 {
            let rate = 1000.0 + (random.next() % 100_000) as f64 / 7.0;
            let mut rate_cell = cell(
                "OFFENCE_RATE",
                TOTAL,
                area,
                TOTAL,
                year,
                rate,
                CellStatus::Normal,
            );
            rate_cell.bounds = Some((rate * 0.97, rate * 1.03));
            cells.push(rate_cell);
        }
    }
    // SDG 16.1.1: homicide counts and rates, one rate suppressed with its bounds.
    for (year, victims) in [(2021, 41.0), (2022, 3.0), (2023, 37.0)] {
        let status = if victims < 5.0 {
            CellStatus::PrimarySuppressed
        } else {
            CellStatus::Normal
        };
        cells.push(cell(
            "VC_IHR_PSRCN",
            "0101",
            "XY",
            TOTAL,
            year,
            victims,
            status,
        ));
        let rate = victims / 2_345_678.0 * 100_000.0;
        let mut rate_cell = cell("VC_IHR_PSRC", "0101", "XY", TOTAL, year, rate, status);
        rate_cell.bounds = Some((rate * 0.7, rate * 1.3));
        cells.push(rate_cell);
    }
    // SDG 16.3.2 with one cell that has no value at all.
    cells.push(cell(
        "VC_PRS_UNSNT",
        TOTAL,
        "XY",
        TOTAL,
        2021,
        27.25,
        CellStatus::Normal,
    ));
    let mut missing = cell(
        "VC_PRS_UNSNT",
        TOTAL,
        "XY",
        TOTAL,
        2022,
        0.0,
        CellStatus::Missing,
    );
    missing.value = None;
    cells.push(missing);
    cells.push(cell(
        "VC_PRS_UNSNT",
        TOTAL,
        "XY",
        TOTAL,
        2023,
        30.5,
        CellStatus::Estimated,
    ));
    cells
}

pub fn header() -> Header {
    Header::new("EVIDENT_TEST_2023", "2025-03-31T09:00:00Z", AGENCY)
}

/// Writes the structure and every data format into `dir`; returns the structures.
pub fn write_release(dir: &Path) -> CrimeStructures {
    let structures = CrimeStructures::build(&release()).expect("the sample release is valid");
    let data = structures
        .data_set(&cells())
        .expect("the sample cells are valid");
    let header = header();
    let structure = structure_bytes(&header, &structures.structures).expect("structure message");
    std::fs::write(dir.join("structure.xml"), structure).expect("write structure.xml");
    for format in DataFormat::ALL {
        let bytes =
            data_bytes(format, &header, &structures.structures, &data).expect("data message");
        std::fs::write(dir.join(format.file_suffix()), bytes).expect("write data file");
    }
    structures
}
