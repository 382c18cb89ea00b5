//! Opening a source file: checks that it is a readable regular file, detects
//! compression from its first bytes, and counts and hashes every byte read so
//! the batch can record the file's SHA-256 without a second pass.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::error::IngestError;

/// How the file's bytes are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    fn sniff(magic: &[u8]) -> Compression {
        if magic.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// Bytes read from the file so far and their running SHA-256.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    bytes: AtomicU64,
    sha: Mutex<Sha256>,
}

impl Tally {
    /// Bytes of the file read so far (compressed bytes for compressed files).
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    fn add(&self, data: &[u8]) {
        self.sha
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .update(data);
        self.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
    }

    /// Hashes whatever the reader did not consume (trailing bytes after a
    /// compressed stream) and returns the SHA-256 of the whole file.
    pub(crate) fn finish(&self, path: &Path) -> Result<String, IngestError> {
        let done = self.bytes();
        let mut file = File::open(path).map_err(|e| IngestError::read(path, e))?;
        file.seek(SeekFrom::Start(done))
            .map_err(|e| IngestError::read(path, e))?;
        let mut chunk = vec![0u8; 1 << 20];
        loop {
            let n = file
                .read(&mut chunk)
                .map_err(|e| IngestError::read(path, e))?;
            if n == 0 {
                break;
            }
            self.add(&chunk[..n]);
        }
        let sha = self
            .sha
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        Ok(hex::encode(sha.finalize()))
    }
}

struct TallyReader<R> {
    inner: R,
    tally: Arc<Tally>,
}

impl<R: Read> Read for TallyReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.tally.add(&buf[..n]);
        Ok(n)
    }
}

/// An opened source: the decompressed byte stream and what was learned.
pub(crate) struct OpenedFile {
    pub compression: Compression,
    /// The first bytes after decompression (for format sniffing).
    pub head: Vec<u8>,
    pub tally: Arc<Tally>,
    pub reader: Box<dyn Read + Send>,
}

/// Opens `path` for streaming, refusing directories and other non-files.
pub(crate) fn open_source(path: &Path) -> Result<OpenedFile, IngestError> {
    let meta = std::fs::metadata(path).map_err(|e| IngestError::read(path, e))?;
    if meta.is_dir() {
        return Err(IngestError::NotAFile {
            path: path.to_path_buf(),
            what: "a directory",
        });
    }
    if !meta.is_file() {
        return Err(IngestError::NotAFile {
            path: path.to_path_buf(),
            what: "not a regular file",
        });
    }
    let mut file = File::open(path).map_err(|e| IngestError::read(path, e))?;
    let mut magic = [0u8; 4];
    let mut got = 0;
    while got < magic.len() {
        let n = file
            .read(&mut magic[got..])
            .map_err(|e| IngestError::read(path, e))?;
        if n == 0 {
            break;
        }
        got += n;
    }
    file.seek(SeekFrom::Start(0))
        .map_err(|e| IngestError::read(path, e))?;
    let compression = Compression::sniff(&magic[..got]);
    let tally = Arc::new(Tally::default());
    let counted = std::io::BufReader::with_capacity(
        256 * 1024,
        TallyReader {
            inner: file,
            tally: Arc::clone(&tally),
        },
    );
    let mut reader: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(counted),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(counted)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(counted)
                .map_err(|e| IngestError::read(path, e))?,
        ),
    };
    // Read a little ahead to sniff the format, then put it back in front.
    let mut head = vec![0u8; 4096];
    let mut filled = 0;
    while filled < head.len() {
        let n = reader
            .read(&mut head[filled..])
            .map_err(|e| IngestError::read(path, e))?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    head.truncate(filled);
    let reader: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(head.clone()).chain(reader));
    Ok(OpenedFile {
        compression,
        head,
        tally,
        reader,
    })
}
