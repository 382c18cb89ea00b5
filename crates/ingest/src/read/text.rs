//! Character encodings. UTF-8 passes through untouched (invalid bytes are
//! reported per field later); Windows-1252 and UTF-16 (recognised by its
//! byte-order mark) are converted to UTF-8 while streaming.

use std::io::Read;

use encoding_rs::{CoderResult, Decoder};

use crate::schema::Encoding;

/// Wraps `reader` so it yields UTF-8 (or raw bytes that claim to be UTF-8).
/// `head` is the start of the stream, used to spot a UTF-16 byte-order mark.
pub(crate) fn decoding_reader(
    reader: Box<dyn Read + Send>,
    encoding: Encoding,
    head: &[u8],
) -> (Box<dyn Read + Send>, &'static str) {
    let utf16 = head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]);
    let starts_utf8_bom = head.starts_with(&[0xef, 0xbb, 0xbf]);
    match encoding {
        Encoding::Utf8 if !utf16 => (reader, "utf-8"),
        // new_decoder() sniffs the BOM: a UTF-16 or UTF-8 mark overrides the label.
        Encoding::Utf8 => (
            Box::new(Transcoder::new(reader, encoding_rs::UTF_16LE.new_decoder())),
            "utf-16",
        ),
        Encoding::Windows1252 if starts_utf8_bom => (
            Box::new(Transcoder::new(reader, encoding_rs::UTF_8.new_decoder())),
            "utf-8",
        ),
        Encoding::Windows1252 => (
            Box::new(Transcoder::new(
                reader,
                encoding_rs::WINDOWS_1252.new_decoder(),
            )),
            "windows-1252",
        ),
    }
}

/// Streams `inner` through an `encoding_rs` decoder.
struct Transcoder {
    inner: Box<dyn Read + Send>,
    decoder: Decoder,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    output: Vec<u8>,
    out_start: usize,
    out_end: usize,
    eof: bool,
    done: bool,
}

impl Transcoder {
    fn new(inner: Box<dyn Read + Send>, decoder: Decoder) -> Transcoder {
        Transcoder {
            inner,
            decoder,
            input: vec![0; 64 * 1024],
            in_start: 0,
            in_end: 0,
            // Windows-1252 bytes expand to at most 3 UTF-8 bytes each.
            output: vec![0; 3 * 64 * 1024 + 16],
            out_start: 0,
            out_end: 0,
            eof: false,
            done: false,
        }
    }
}

impl Read for Transcoder {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.out_start == self.out_end {
            if self.done {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.in_start = 0;
                self.in_end = n;
                self.eof = n == 0;
            }
            let (result, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.in_start..self.in_end],
                &mut self.output,
                self.eof,
            );
            self.in_start += read;
            self.out_start = 0;
            self.out_end = written;
            if self.eof && result == CoderResult::InputEmpty {
                self.done = true;
            }
        }
        let n = buf.len().min(self.out_end - self.out_start);
        buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
        self.out_start += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], encoding: Encoding) -> (String, &'static str) {
        let (mut reader, name) = decoding_reader(
            Box::new(std::io::Cursor::new(bytes.to_vec())),
            encoding,
            bytes,
        );
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        (String::from_utf8(out).unwrap(), name)
    }

    #[test]
    fn windows_1252_bytes_become_their_unicode_characters() {
        // 0xE9 é, 0x80 € (Windows-1252 only), 0xA3 £ (same in Latin-1).
        let (text, name) = decode(b"Caf\xe9 \x80 \xa3", Encoding::Windows1252);
        assert_eq!(text, "Café € £");
        assert_eq!(name, "windows-1252");
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_recognised() {
        let bytes = [0xff, 0xfe, b'a', 0, b',', 0, 0xe9, 0];
        assert_eq!(decode(&bytes, Encoding::Utf8), ("a,é".to_owned(), "utf-16"));
    }

    #[test]
    fn utf8_bom_wins_over_a_windows_1252_label() {
        let (text, name) = decode("\u{feff}Café".as_bytes(), Encoding::Windows1252);
        assert_eq!((text.as_str(), name), ("Café", "utf-8"));
    }

    #[test]
    fn large_inputs_stream_through_small_reads() {
        let bytes: Vec<u8> = (0..300_000)
            .map(|i| if i % 7 == 0 { 0xe9 } else { b'a' })
            .collect();
        let (text, _) = decode(&bytes, Encoding::Windows1252);
        assert_eq!(text.chars().count(), 300_000);
        assert_eq!(text.chars().filter(|c| *c == 'é').count(), 300_000 / 7 + 1);
    }
}
