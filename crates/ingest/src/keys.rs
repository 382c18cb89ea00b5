//! Record keys: duplicate detection within a file and against earlier batches.
//!
//! A row's key (the kind's key columns, after conversion) is reduced to a
//! 128-bit XXH3 fingerprint. With n keys and b bits the chance that any two
//! different keys share a fingerprint is about n²/2^(b+1) (the birthday bound),
//! small enough to treat fingerprints as the keys themselves.
//!
//! The table keeps the top 96 bits of each fingerprint (the chance of a false
//! duplicate is then about n²/2⁹⁷: 2·10⁻¹⁴ for 50 million rows) with a 32-bit
//! tag in one 16-byte slot, open addressing with linear probing, sized to a
//! power of two and kept at most 3/4 full: 21 to 43 bytes per key depending
//! on where between two powers of two the count falls, which is what an
//! ingest's memory grows by per row.
//! Each committed batch leaves its sorted fingerprints in an index file, read
//! back when a later batch of the same kind is ingested.

use std::io::{Read, Write};
use std::path::Path;

use crate::error::IngestError;

/// Where a key was seen first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// On this line of the file being ingested.
    Line(u64),
    /// In this committed batch.
    Batch(i64),
}

const BATCH_BIT: u32 = 1 << 31;

/// A set of fingerprints, each with where it was seen first. Each slot is one
/// `u128`: the fingerprint's top 96 bits above a 32-bit "seen" tag, so an
/// insert touches one cache line. Zero marks an empty slot.
pub(crate) struct KeyTable {
    slots: Vec<u128>,
    len: usize,
}

/// The top 96 bits of a fingerprint, never zero.
fn tag96(key: u128) -> u128 {
    let high = key >> 32;
    if high == 0 { 1 } else { high }
}

impl KeyTable {
    /// A table that holds `expected` keys without growing.
    pub(crate) fn with_capacity(expected: usize) -> KeyTable {
        let slots = (expected.max(1024) * 4 / 3 + 1).next_power_of_two();
        KeyTable {
            slots: vec![0; slots],
            len: 0,
        }
    }

    /// Keys held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn encode(seen: Seen) -> u32 {
        match seen {
            Seen::Line(line) => line.min(u64::from(BATCH_BIT - 1)) as u32,
            Seen::Batch(id) => BATCH_BIT | (id.clamp(0, i64::from(BATCH_BIT - 1)) as u32),
        }
    }

    fn decode(value: u32) -> Seen {
        if value & BATCH_BIT != 0 {
            Seen::Batch(i64::from(value & !BATCH_BIT))
        } else {
            Seen::Line(u64::from(value))
        }
    }

    /// Adds `key`; if it was already there, returns where it was seen and
    /// leaves the table unchanged.
    pub(crate) fn insert(&mut self, key: u128, seen: Seen) -> Option<Seen> {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let tag = tag96(key);
        let mask = self.slots.len() - 1;
        let mut slot = (tag as usize) & mask;
        loop {
            let current = self.slots[slot];
            if current == 0 {
                self.slots[slot] = (tag << 32) | u128::from(Self::encode(seen));
                self.len += 1;
                return None;
            }
            if current >> 32 == tag {
                return Some(Self::decode(current as u32));
            }
            slot = (slot + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        let mask = size - 1;
        for entry in old.into_iter().filter(|e| *e != 0) {
            let mut slot = ((entry >> 32) as usize) & mask;
            while self.slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = entry;
        }
    }

    /// The fingerprints (as stored: top 96 bits, shifted up) first seen in
    /// the file being ingested, sorted, consuming the table.
    pub(crate) fn into_file_keys(self) -> Vec<u128> {
        let mut keys: Vec<u128> = self
            .slots
            .into_iter()
            .filter(|e| *e != 0 && (*e as u32) & BATCH_BIT == 0)
            .map(|e| (e >> 32) << 32)
            .collect();
        keys.sort_unstable();
        keys
    }
}

/// The fingerprint of a key's bytes.
pub(crate) fn fingerprint(bytes: &[u8]) -> u128 {
    twox_hash::XxHash3_128::oneshot(bytes)
}

const MAGIC: &[u8; 8] = b"EVKEYS1\n";

/// Writes sorted fingerprints to an index file.
pub(crate) fn write_index(path: &Path, keys: &[u128]) -> Result<(), IngestError> {
    let err = |e: std::io::Error| IngestError::write(path, e);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    let file = std::fs::File::create(path).map_err(err)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    out.write_all(MAGIC).map_err(err)?;
    out.write_all(&(keys.len() as u64).to_le_bytes())
        .map_err(err)?;
    for key in keys {
        out.write_all(&key.to_le_bytes()).map_err(err)?;
    }
    let file = out.into_inner().map_err(|e| err(e.into_error()))?;
    file.sync_all().map_err(err)
}

/// Adds the fingerprints of an index file to `table` as seen in `batch`.
pub(crate) fn load_index(path: &Path, batch: i64, table: &mut KeyTable) -> Result<(), IngestError> {
    let err = |message: String| IngestError::Format {
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| IngestError::read(path, e))?;
    let mut input = std::io::BufReader::with_capacity(1 << 20, file);
    let mut head = [0u8; 16];
    input
        .read_exact(&mut head)
        .map_err(|e| err(format!("record index is damaged: {e}")))?;
    if &head[..8] != MAGIC {
        return Err(err("not an Evident record index".to_owned()));
    }
    let mut count_bytes = [0u8; 8];
    count_bytes.copy_from_slice(&head[8..]);
    let count = u64::from_le_bytes(count_bytes);
    let mut key = [0u8; 16];
    for _ in 0..count {
        input
            .read_exact(&mut key)
            .map_err(|e| err(format!("record index is damaged: {e}")))?;
        table.insert(u128::from_le_bytes(key), Seen::Batch(batch));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sighting_wins_and_growth_keeps_every_key() {
        let mut table = KeyTable::with_capacity(1);
        for i in 0..10_000u64 {
            assert_eq!(
                table.insert(fingerprint(&i.to_le_bytes()), Seen::Line(i + 2)),
                None
            );
        }
        assert_eq!(table.len(), 10_000);
        assert_eq!(
            table.insert(fingerprint(&7u64.to_le_bytes()), Seen::Line(99_999)),
            Some(Seen::Line(9))
        );
        assert_eq!(table.insert(fingerprint(b"x"), Seen::Batch(3)), None);
        assert_eq!(
            table.insert(fingerprint(b"x"), Seen::Line(5)),
            Some(Seen::Batch(3))
        );
        let file_keys = table.into_file_keys();
        assert_eq!(
            file_keys.len(),
            10_000,
            "keys from earlier batches are not this file's"
        );
        assert!(file_keys.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn index_files_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i/b000001.keys");
        let keys = vec![1u128 << 32, 5 << 32, u128::MAX];
        write_index(&path, &keys).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 8 + 8 + 3 * 16);
        let mut table = KeyTable::with_capacity(4);
        load_index(&path, 1, &mut table).unwrap();
        assert_eq!(table.insert(5 << 32, Seen::Line(2)), Some(Seen::Batch(1)));
        assert_eq!(table.insert(6 << 32, Seen::Line(2)), None);
    }
}
