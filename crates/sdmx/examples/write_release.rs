//! Writes a synthetic release (every ICCS code × AREAS districts × 3 sexes, one year)
//! in every SDMX format and prints the time each writer took, as JSON.
//!
//! Usage: cargo run --release -p evident-sdmx --example write_release -- AREAS OUT_DIR
//!
//! Used by `bench/sdmx/run.sh`, which compares the writers with pysdmx.

use std::time::Instant;

use evident_iccs::iccs;
use evident_sdmx::crime::{
    Area, Cell, CellStatus, CrimeRelease, CrimeStructures, Indicator, NOT_CLASSIFIABLE, TOTAL, Unit,
};
use evident_sdmx::{DataFormat, Header, all_data_bytes, data_bytes, structure_bytes};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        return Err("usage: write_release AREAS OUT_DIR".into());
    }
    let area_count: usize = args[1].parse()?;
    let out = std::path::PathBuf::from(&args[2]);
    std::fs::create_dir_all(&out)?;

    let mut areas = vec![Area {
        code: "XY".to_owned(),
        name: "Testland".to_owned(),
        parent: None,
    }];
    areas.extend((0..area_count).map(|i| Area {
        code: format!("D{i:05}"),
        name: format!("District {i}"),
        parent: Some("XY".to_owned()),
    }));
    let release = CrimeRelease {
        agency: "EVIDENT".to_owned(),
        version: "1.0".to_owned(),
        dataflow_id: "DF_CRIME".to_owned(),
        dataflow_name: "Synthetic benchmark release".to_owned(),
        areas,
        indicators: vec![Indicator {
            code: "OFFENCES_RECORDED".to_owned(),
            name: "Offences recorded by the police".to_owned(),
            unit: Unit::Number,
        }],
    };
    let offences: Vec<&str> = [TOTAL]
        .into_iter()
        .chain(iccs().categories().iter().map(|c| c.code))
        .chain([NOT_CLASSIFIABLE])
        .collect();
    let mut state: u64 = 7;
    let mut cells = Vec::new();
    for area in release.areas.iter().skip(1) {
        for iccs_code in &offences {
            for sex in [TOTAL, "F", "M"] {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let count = ((state >> 33) % 200) as f64;
                cells.push(Cell {
                    frequency: "A".to_owned(),
                    series: "OFFENCES_RECORDED".to_owned(),
                    iccs: (*iccs_code).to_owned(),
                    area: area.code.clone(),
                    sex: sex.to_owned(),
                    age: TOTAL.to_owned(),
                    time_period: "2023".to_owned(),
                    value: Some(count),
                    status: if count < 3.0 {
                        CellStatus::PrimarySuppressed
                    } else {
                        CellStatus::Normal
                    },
                    bounds: None,
                });
            }
        }
    }

    let start = Instant::now();
    let structures = CrimeStructures::build(&release)?;
    let data = structures.data_set(&cells)?;
    let build_seconds = start.elapsed().as_secs_f64();
    let header = Header::new("BENCH", "2025-03-31T09:00:00Z", "EVIDENT");

    let start = Instant::now();
    std::fs::write(
        out.join("structure.xml"),
        structure_bytes(&header, &structures.structures)?,
    )?;
    let mut timings = vec![format!(
        "\"structure\": {:.4}",
        start.elapsed().as_secs_f64()
    )];
    for format in DataFormat::ALL {
        let start = Instant::now();
        let bytes = data_bytes(format, &header, &structures.structures, &data)?;
        std::fs::write(out.join(format.file_suffix()), &bytes)?;
        timings.push(format!(
            "\"{}\": {:.4}",
            format.file_suffix(),
            start.elapsed().as_secs_f64()
        ));
    }
    let start = Instant::now();
    let all = all_data_bytes(&header, &structures.structures, &data)?;
    timings.push(format!(
        "\"all formats, one check\": {:.4}",
        start.elapsed().as_secs_f64()
    ));
    drop(all);
    println!(
        "{{\"observations\": {}, \"build_seconds\": {:.4}, \"write_seconds\": {{{}}}}}",
        data.observations.len(),
        build_seconds,
        timings.join(", ")
    );
    Ok(())
}
