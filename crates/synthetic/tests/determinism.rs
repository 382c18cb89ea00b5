//! Same seed → same bytes, whatever the number of threads; another seed → other records.

use std::collections::BTreeMap;
use std::path::Path;

use evident_synthetic::{CountrySpec, GenerateError, generate};

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for sub in ["", "truth"] {
        for entry in std::fs::read_dir(dir.join(sub)).expect("directory") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                let name = path
                    .strip_prefix(dir)
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned();
                out.insert(name, std::fs::read(&path).expect("readable"));
            }
        }
    }
    out
}

#[test]
fn same_seed_gives_byte_identical_files_on_one_or_two_threads() {
    let a = tempfile::tempdir().expect("temp");
    let b = tempfile::tempdir().expect("temp");
    let c = tempfile::tempdir().expect("temp");
    let spec = CountrySpec {
        offences: 8_000,
        seed: 7,
        threads: 1,
        ..CountrySpec::default()
    };
    generate(&spec, a.path(), &|_| {}).expect("first run");
    generate(
        &CountrySpec {
            threads: 2,
            ..spec.clone()
        },
        b.path(),
        &|_| {},
    )
    .expect("second run");
    generate(
        &CountrySpec {
            seed: 8,
            ..spec.clone()
        },
        c.path(),
        &|_| {},
    )
    .expect("third run");
    let (fa, fb, fc) = (files(a.path()), files(b.path()), files(c.path()));
    assert_eq!(fa.len(), 11, "{:?}", fa.keys());
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (name, bytes) in &fa {
        assert!(
            bytes == &fb[name],
            "{name} differs between runs with the same seed"
        );
    }
    // Another seed changes the records but not the country's reference files.
    assert_ne!(fa["police_offences.csv"], fc["police_offences.csv"]);
    assert_ne!(fa["court_decisions.csv"], fc["court_decisions.csv"]);
    assert_eq!(fa["areas.csv"], fc["areas.csv"]);
    assert_eq!(fa["offence_codes.csv"], fc["offence_codes.csv"]);
}

#[test]
fn progress_reaches_the_total_and_bad_specs_are_refused() {
    let dir = tempfile::tempdir().expect("temp");
    let last = std::cell::Cell::new(0u64);
    let spec = CountrySpec {
        offences: 3_000,
        ..CountrySpec::default()
    };
    generate(&spec, dir.path(), &|p| {
        if p.stage == evident_synthetic::Stage::Offences {
            assert!(p.done >= last.get(), "progress never goes back");
            last.set(p.done);
            assert_eq!(p.total, 3_000);
        }
    })
    .expect("generation");
    assert_eq!(last.get(), 3_000);
    let bad = CountrySpec {
        years: 1,
        ..CountrySpec::default()
    };
    let err = generate(&bad, dir.path(), &|_| {}).expect_err("one year is refused");
    assert!(
        matches!(err, GenerateError::InvalidSpec { field: "years", .. }),
        "{err}"
    );
    // An output path that is a file cannot become a directory: an I/O error naming it, no panic.
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").expect("write");
    let err = generate(&spec, &file, &|_| {}).expect_err("cannot write into a file");
    assert!(err.to_string().contains("not-a-dir"), "{err}");
}
