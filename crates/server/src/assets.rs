//! Static files compiled into the binary: our stylesheet and script, the
//! vendored charting library and its licence. Nothing is fetched from a CDN, so
//! the dashboard works offline.
//!
//! Pages link each file with its fingerprint (`/assets/dashboard.css?v=…`), so a
//! browser may keep it for a year; a new build changes the fingerprint.

use std::sync::LazyLock;

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// Path under `/assets/`.
    pub path: &'static str,
    /// `Content-Type` header value.
    pub content_type: &'static str,
    /// The bytes.
    pub bytes: &'static [u8],
    /// FNV-1a hash of the bytes, in hexadecimal: the fingerprint and the ETag.
    pub fingerprint: String,
}

impl Asset {
    /// The URL pages use, carrying the fingerprint.
    pub fn url(&self) -> String {
        format!("/assets/{}?v={}", self.path, self.fingerprint)
    }

    /// The `ETag` header value.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.fingerprint)
    }
}

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "dashboard.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/dashboard.css"),
    ),
    (
        "dashboard.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/dashboard.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../assets/favicon.svg"),
    ),
    (
        "vendor/chart.umd.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/vendor/chart.umd.min.js"),
    ),
    (
        "vendor/chart.js-LICENSE.md",
        "text/plain; charset=utf-8",
        include_bytes!("../assets/vendor/chart.js-LICENSE.md"),
    ),
];

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&(path, content_type, bytes)| Asset {
            path,
            content_type,
            bytes,
            fingerprint: format!("{:016x}", fnv1a(bytes)),
        })
        .collect()
});

/// The embedded file at this path (without the `/assets/` prefix).
pub fn asset(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// The fingerprinted URL of an embedded file; `/assets/<path>` if it is unknown,
/// which the tests rule out for every file the templates link.
pub fn url(path: &str) -> String {
    asset(path).map_or_else(|| format!("/assets/{path}"), Asset::url)
}

/// The 64-bit FNV-1a hash (Fowler, Noll & Vo; IETF draft-eastlake-fnv). Not a
/// security hash: it only has to change when a file changes.
fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // draft-eastlake-fnv, FNV-1a 64-bit: "" and "a" and "foobar".
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn the_vendored_chart_library_is_the_file_recorded_in_vendor_md() {
        let vendor = include_str!("../assets/vendor/VENDOR.md");
        let file = asset("vendor/chart.umd.min.js").unwrap();
        let sha = Sha256::digest(file.bytes);
        let hex: String = sha.iter().map(|b| format!("{b:02x}")).collect();
        assert!(
            vendor.contains(&hex),
            "VENDOR.md does not record sha256 {hex} of chart.umd.min.js"
        );
        assert!(
            std::str::from_utf8(file.bytes)
                .unwrap()
                .starts_with("/*!\n * Chart.js v4.6.1\n")
        );
    }

    #[test]
    fn urls_carry_the_fingerprint() {
        let css = asset("dashboard.css").unwrap();
        assert_eq!(
            url("dashboard.css"),
            format!("/assets/dashboard.css?v={}", css.fingerprint)
        );
        assert_eq!(css.fingerprint.len(), 16);
        assert!(asset("../Cargo.toml").is_none());
    }
}
