//! The CSV-and-schema path: arbitrary bytes as a source file, read with a
//! fixed schema, or, when the input holds a NUL byte, an arbitrary schema
//! (before the NUL) and file (after it). Besides not crashing, every row must
//! be accounted for and every problem must name a line, a column and a reason.

#![no_main]

use std::path::Path;

use evident_ingest::{Schema, check_rows};
use libfuzzer_sys::fuzz_target;

const SCHEMA: &str = r#"
kind = "person"
[file]
delimiter = ";"
[columns.person_id]
from = ["id", "born"]
pseudonymise = true
[columns.role]
from = "role"
codes = { V = "victim", S = "suspect" }
[columns.record_id]
from = "crime"
[columns.sex]
from = "sex"
default = "U"
[columns.age]
from = "age"
thousands = ","
[checks]
max_field_bytes = 64
"#;

fuzz_target!(|data: &[u8]| {
    let (schema_text, file) = match data.iter().position(|&b| b == 0) {
        Some(i) => (
            String::from_utf8_lossy(&data[..i]).into_owned(),
            &data[i + 1..],
        ),
        None => (SCHEMA.to_owned(), data),
    };
    let Ok(schema) = Schema::parse(Path::new("fuzz.toml"), &schema_text) else {
        return;
    };
    if let Ok(check) = check_rows(&schema, "fuzz.csv", file, 10_000) {
        assert_eq!(
            check.rows_read,
            check.rows_valid + check.rows_invalid + check.rows_duplicate
        );
        for (line, column, reason) in &check.problems {
            assert!(*line >= 1, "line {line}");
            assert!(
                !column.is_empty() && !reason.is_empty(),
                "{column:?}: {reason:?}"
            );
        }
    }
});
