//! The threads of an ingest. One reads (decompresses, hashes, decodes and
//! tokenises) records into chunks; two check and convert rows and compute
//! their keys, taking chunks in turn; the caller's thread takes the chunks back
//! in the same turn, so in file order, decides duplicates and fills the Arrow
//! builders, whose batches another thread encodes to Parquet (`write`). Chunks
//! travel round the ring and keep their buffers, so nothing is allocated per
//! row.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::error::IngestError;
use crate::read::{RawRecord, RecordSource};
use crate::validate::{Plan, RowScratch};

/// Rows per chunk.
pub(crate) const CHUNK: usize = 2048;
/// Chunks in flight between two threads: enough to absorb uneven speeds.
const IN_FLIGHT: usize = 3;

/// The outcome of checking one row.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// No problems: the row may be stored.
    pub ok: bool,
    /// Its cells, scratch strings and problems.
    pub scratch: RowScratch,
    /// Its key's fingerprint (valid rows).
    pub fingerprint: u128,
    /// Its year partition (valid rows).
    pub partition: Option<i32>,
}

/// Rows on their way through the threads.
pub(crate) struct Chunk {
    pub records: Vec<RawRecord>,
    pub checked: Vec<Checked>,
    pub filled: usize,
}

impl Chunk {
    fn new() -> Chunk {
        Chunk {
            records: (0..CHUNK).map(|_| RawRecord::default()).collect(),
            checked: (0..CHUNK).map(|_| Checked::default()).collect(),
            filled: 0,
        }
    }
}

type Sent = Result<Chunk, IngestError>;

/// Checking threads; chunks go to them in turn.
const CHECKERS: usize = 2;

/// The reading and checking threads, seen from the thread that consumes rows.
pub(crate) struct Stages {
    checked: Vec<Receiver<Sent>>,
    turn: usize,
    back: SyncSender<Chunk>,
    handles: Vec<JoinHandle<()>>,
    finished: bool,
}

impl Stages {
    pub(crate) fn start(mut source: Box<dyn RecordSource>, plan: Arc<Plan>) -> Stages {
        let mut to_check = Vec::new();
        let mut from_read = Vec::new();
        let mut to_consume = Vec::new();
        let mut checked = Vec::new();
        for _ in 0..CHECKERS {
            let (tx, rx) = sync_channel::<Sent>(IN_FLIGHT);
            to_check.push(tx);
            from_read.push(rx);
            let (tx, rx) = sync_channel::<Sent>(IN_FLIGHT);
            to_consume.push(tx);
            checked.push(rx);
        }
        let pool = CHECKERS * 2 * IN_FLIGHT + 3;
        let (back, back_rx) = sync_channel::<Chunk>(pool + 1);
        let mut handles = Vec::new();
        let reader = std::thread::Builder::new()
            .name("evident-read".to_owned())
            .spawn(move || {
                let mut spare = pool;
                let mut turn = 0;
                loop {
                    let mut chunk = match back_rx.try_recv() {
                        Ok(chunk) => chunk,
                        Err(_) if spare > 0 => {
                            spare -= 1;
                            Chunk::new()
                        }
                        Err(_) => match back_rx.recv() {
                            Ok(chunk) => chunk,
                            Err(_) => return,
                        },
                    };
                    chunk.filled = 0;
                    let mut end = false;
                    while chunk.filled < CHUNK {
                        match source.next_record(&mut chunk.records[chunk.filled]) {
                            Ok(true) => chunk.filled += 1,
                            Ok(false) => {
                                end = true;
                                break;
                            }
                            Err(e) => {
                                let _ = to_check[turn].send(Err(e));
                                return;
                            }
                        }
                    }
                    if to_check[turn].send(Ok(chunk)).is_err() || end {
                        return;
                    }
                    turn = (turn + 1) % CHECKERS;
                }
            });
        handles.extend(reader.ok());
        for (input, output) in from_read.into_iter().zip(to_consume) {
            let plan = Arc::clone(&plan);
            let checker = std::thread::Builder::new()
                .name("evident-check".to_owned())
                .spawn(move || {
                    for sent in input {
                        let sent = sent.map(|mut chunk| {
                            for i in 0..chunk.filled {
                                check_row(&plan, &chunk.records[i], &mut chunk.checked[i]);
                            }
                            chunk
                        });
                        if output.send(sent).is_err() {
                            return;
                        }
                    }
                });
            handles.extend(checker.ok());
        }
        let finished = handles.len() < 1 + CHECKERS;
        Stages {
            checked,
            turn: 0,
            back,
            handles,
            finished,
        }
    }

    /// The next chunk of checked rows; `None` after the last.
    pub(crate) fn next_chunk(&mut self) -> Option<Result<Chunk, IngestError>> {
        if self.finished {
            return None;
        }
        let received = self.checked[self.turn].recv();
        self.turn = (self.turn + 1) % CHECKERS;
        match received {
            Ok(Ok(chunk)) => {
                self.finished = chunk.filled < CHUNK;
                Some(Ok(chunk))
            }
            Ok(Err(e)) => {
                self.finished = true;
                Some(Err(e))
            }
            Err(_) => {
                self.finished = true;
                Some(Err(IngestError::Format {
                    path: std::path::PathBuf::from("(reader)"),
                    message: "a reading thread stopped unexpectedly".to_owned(),
                }))
            }
        }
    }

    /// Returns a consumed chunk for reuse.
    pub(crate) fn give_back(&self, chunk: Chunk) {
        let _ = self.back.send(chunk);
    }
}

impl Drop for Stages {
    fn drop(&mut self) {
        // Closing our channel ends stops both threads wherever they wait.
        self.checked.clear();
        let (detached, _) = sync_channel::<Chunk>(0);
        drop(std::mem::replace(&mut self.back, detached));
        for handle in self.handles.drain(..) {
            let _ = handle.join();
        }
    }
}

/// Checks one row, and for a valid one computes its key and partition.
fn check_row(plan: &Plan, record: &RawRecord, checked: &mut Checked) {
    let whole = std::str::from_utf8(record.data()).ok();
    checked.ok = plan.check(record, whole, &mut checked.scratch);
    if checked.ok {
        checked.fingerprint = plan.key(record, whole, &mut checked.scratch);
        checked.partition = plan.partition_of(&checked.scratch);
        plan.detach_text(record, whole, &mut checked.scratch);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::*;
    use crate::pseudonym::Pseudonymiser;
    use crate::schema::Schema;
    use crate::validate::Limits;

    struct Numbers(u64, u64);

    impl RecordSource for Numbers {
        fn header(&self) -> &[String] {
            &[]
        }

        fn next_record(&mut self, record: &mut RawRecord) -> Result<bool, IngestError> {
            if self.0 == self.1 {
                return Ok(false);
            }
            self.0 += 1;
            record.clear();
            record.line = self.0;
            record.push(self.0.to_string().as_bytes());
            record.push(b"name");
            record.push(if self.0.is_multiple_of(10) {
                b"x"
            } else {
                b"2"
            });
            Ok(true)
        }
    }

    fn plan() -> Arc<Plan> {
        let text = "kind = \"area\"\n[file]\nheader = false\n[columns.area_code]\nfrom = 1\n[columns.name]\nfrom = 2\n[columns.level]\nfrom = 3\n";
        let schema = Schema::parse(Path::new("a.toml"), text).unwrap();
        let header = vec![
            "column 1".to_owned(),
            "column 2".to_owned(),
            "column 3".to_owned(),
        ];
        let limits = Limits {
            earliest: 0,
            today: 0,
            max_age: 120,
            max_field: 100,
        };
        let key = evident_store::PseudonymKey::from_bytes([0; 32]);
        Arc::new(
            Plan::new(
                &schema,
                &header,
                Path::new("a.csv"),
                limits,
                &HashMap::new(),
                Pseudonymiser::new(&key),
            )
            .unwrap(),
        )
    }

    #[test]
    fn every_row_arrives_once_in_order_and_checked() {
        for total in [0u64, 1, 1023, 1024, 1025, 5000] {
            let mut stages = Stages::start(Box::new(Numbers(0, total)), plan());
            let (mut seen, mut bad) = (0u64, 0u64);
            while let Some(chunk) = stages.next_chunk() {
                let chunk = chunk.unwrap();
                for i in 0..chunk.filled {
                    seen += 1;
                    assert_eq!(chunk.records[i].line, seen);
                    // Every tenth row has level "x", which is not a number.
                    assert_eq!(chunk.checked[i].ok, seen % 10 != 0);
                    bad += u64::from(!chunk.checked[i].ok);
                }
                stages.give_back(chunk);
            }
            assert_eq!((seen, bad), (total, total / 10));
        }
    }

    #[test]
    fn dropping_early_stops_the_threads() {
        let mut stages = Stages::start(Box::new(Numbers(0, 1_000_000)), plan());
        assert!(stages.next_chunk().is_some());
        drop(stages);
    }
}
