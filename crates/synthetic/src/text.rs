//! Allocation-free number formatting, CSV quoting and Windows-1252 encoding.

/// Appends the decimal digits of `n`.
#[inline]
pub(crate) fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends `n` with leading zeros to at least `width` digits.
#[inline]
pub(crate) fn push_padded(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    let mut m = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    let digits = buf.len() - i;
    for _ in digits..width {
        out.push(b'0');
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends a non-negative number with one decimal (months of a sentence).
pub(crate) fn push_tenths(out: &mut Vec<u8>, tenths: u64) {
    push_u64(out, tenths / 10);
    if !tenths.is_multiple_of(10) {
        out.push(b'.');
        out.push(b'0' + (tenths % 10) as u8);
    }
}

/// A CSV field, quoted (RFC 4180) when it contains the delimiter, a quote or a line break.
pub(crate) fn push_field(out: &mut Vec<u8>, value: &str, delimiter: u8) {
    let needs = value
        .bytes()
        .any(|b| b == delimiter || b == b'"' || b == b'\n' || b == b'\r');
    if needs {
        out.push(b'"');
        for b in value.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(value.as_bytes());
    }
}

/// Windows-1252 bytes of a string, or the first character it cannot encode.
///
/// Latin-1 (U+00A0–U+00FF) maps to the same byte values; the few letters and
/// marks that Windows-1252 places in 0x80–0x9F are listed explicitly
/// (Microsoft, "Windows 1252" code page table, as in the WHATWG Encoding
/// Standard's index-windows-1252).
pub(crate) fn to_windows_1252(text: &str) -> Result<Vec<u8>, char> {
    let mut out = Vec::with_capacity(text.len());
    for ch in text.chars() {
        let code = ch as u32;
        let byte = match code {
            0x00..=0x7F | 0xA0..=0xFF => code as u8,
            0x20AC => 0x80,
            0x201A => 0x82,
            0x0192 => 0x83,
            0x201E => 0x84,
            0x2026 => 0x85,
            0x2020 => 0x86,
            0x2021 => 0x87,
            0x02C6 => 0x88,
            0x2030 => 0x89,
            0x0160 => 0x8A,
            0x2039 => 0x8B,
            0x0152 => 0x8C,
            0x017D => 0x8E,
            0x2018 => 0x91,
            0x2019 => 0x92,
            0x201C => 0x93,
            0x201D => 0x94,
            0x2022 => 0x95,
            0x2013 => 0x96,
            0x2014 => 0x97,
            0x02DC => 0x98,
            0x2122 => 0x99,
            0x0161 => 0x9A,
            0x203A => 0x9B,
            0x0153 => 0x9C,
            0x017E => 0x9E,
            0x0178 => 0x9F,
            _ => return Err(ch),
        };
        out.push(byte);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let mut out = Vec::new();
        push_u64(&mut out, 0);
        out.push(b' ');
        push_u64(&mut out, 1_234_567);
        out.push(b' ');
        push_padded(&mut out, 42, 7);
        out.push(b' ');
        push_padded(&mut out, 12_345_678, 7);
        out.push(b' ');
        push_tenths(&mut out, 185);
        out.push(b' ');
        push_tenths(&mut out, 120);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "0 1234567 0000042 12345678 18.5 12"
        );
    }

    #[test]
    fn quoting() {
        let mut out = Vec::new();
        push_field(&mut out, "Robbery, aggravated", b',');
        out.push(b'|');
        push_field(&mut out, "He said \"no\"", b',');
        out.push(b'|');
        push_field(&mut out, "plain", b',');
        assert_eq!(
            String::from_utf8_lossy(&out),
            "\"Robbery, aggravated\"|\"He said \"\"no\"\"\"|plain"
        );
    }

    #[test]
    fn windows_1252_bytes() {
        // é is 0xE9, œ is 0x9C and ß is 0xDF in Windows-1252.
        assert_eq!(
            to_windows_1252("Mont-Cœur").expect("encodable"),
            b"Mont-C\x9Cur"
        );
        assert_eq!(
            to_windows_1252("Émeraude ß").expect("encodable"),
            b"\xC9meraude \xDF"
        );
        assert_eq!(to_windows_1252("Yılmaz"), Err('ı'));
    }
}
