//! Property: for any mix of valid, invalid and duplicate rows, every row is
//! accounted for (read = stored + quarantined + duplicates), the counts match
//! a simple model of the rules written out here, and every quarantined row's
//! reason names its column.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;

use crate::support::{Env, OFFENCE_HEADER, OFFENCE_SCHEMA};

#[derive(Debug, Clone)]
struct Row {
    id: Option<u8>,
    bad_utf8: bool,
    date: &'static str,
    area: &'static str,
    code: &'static str,
    shape: i8,
}

fn row() -> impl Strategy<Value = Row> {
    (
        prop::option::weighted(0.9, 0u8..6),
        prop::bool::weighted(0.05),
        prop::sample::select(vec![
            "2021-03-04",
            "2021-03-05",
            "2021-02-30",
            "03/04/2021",
            "",
        ]),
        prop::sample::select(vec!["D1", "D2", "D9", ""]),
        prop::sample::select(vec!["0101", "0401", "9999", ""]),
        prop::sample::select(vec![0i8, 0, 0, 0, -1, 1]),
    )
        .prop_map(|(id, bad_utf8, date, area, code, shape)| Row {
            id,
            bad_utf8,
            date,
            area,
            code,
            shape,
        })
}

impl Row {
    fn valid(&self) -> bool {
        self.id.is_some()
            && !self.bad_utf8
            && matches!(self.date, "2021-03-04" | "2021-03-05")
            && matches!(self.area, "D1" | "D2")
            && matches!(self.code, "0101" | "0401")
            && self.shape == 0
    }

    fn bytes(&self, case: usize) -> Vec<u8> {
        let mut id = match self.id {
            Some(n) => format!("C{case}-{n}").into_bytes(),
            None => Vec::new(),
        };
        if self.bad_utf8 {
            id.push(0xff);
        }
        let mut fields = vec![
            id,
            self.date.into(),
            Vec::new(),
            self.area.into(),
            self.code.into(),
            Vec::new(),
        ];
        match self.shape {
            -1 => {
                fields.pop();
            }
            1 => fields.push(b"extra".to_vec()),
            _ => {}
        }
        let mut line = fields.join(&b","[..]);
        line.push(b'\n');
        line
    }
}

fn runtime() -> &'static (tokio::runtime::Runtime, Env) {
    static SHARED: std::sync::OnceLock<(tokio::runtime::Runtime, Env)> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let env = rt.block_on(Env::with_reference_data());
        (rt, env)
    })
}

static CASE: AtomicUsize = AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn every_row_is_accounted_for(rows in prop::collection::vec(row(), 1..40)) {
        let (rt, env) = runtime();
        let case = CASE.fetch_add(1, Ordering::SeqCst);
        let mut file = OFFENCE_HEADER.as_bytes().to_vec();
        for r in &rows {
            file.extend(r.bytes(case));
        }
        let (batch, _) = rt.block_on(env.stored(OFFENCE_SCHEMA, &format!("case{case}.csv"), file));

        // The model: valid rows are stored unless their id was stored before.
        let mut seen = HashSet::new();
        let (mut stored, mut duplicates) = (0u64, 0u64);
        for r in rows.iter().filter(|r| r.valid()) {
            if seen.insert(r.id) { stored += 1 } else { duplicates += 1 }
        }
        let quarantined = rows.len() as u64 - stored - duplicates;
        prop_assert_eq!(batch.rows_read, rows.len() as u64);
        prop_assert_eq!(batch.rows_read, batch.rows_stored + batch.rows_quarantined + batch.rows_duplicate);
        prop_assert_eq!((batch.rows_stored, batch.rows_quarantined, batch.rows_duplicate), (stored, quarantined, duplicates));

        let entries = rt.block_on(env.ws.quarantine_entries(Some(batch.id), None, None)).unwrap();
        let header: Vec<&str> = OFFENCE_HEADER.trim().split(',').collect();
        let rows_with_entries: HashSet<u64> = entries.iter().map(|e| e.row_index).collect();
        prop_assert_eq!(rows_with_entries.len() as u64, quarantined + duplicates);
        for entry in &entries {
            let column = entry.column.clone().unwrap_or_default();
            prop_assert!(
                header.contains(&column.as_str()) || column == "field 7",
                "reason without a column: {:?}", entry
            );
        }
    }
}
