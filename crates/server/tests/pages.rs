//! Rendering and routing tests: each page rendered from the hand-written
//! fixture view models (tests/fixture), checked for its tables, number
//! formats, suppressed cells and text alternatives, and served through the
//! router with its headers. Expected figures are worked out by hand in comments.

mod fixture;

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use evident_server::{
    CONTENT_SECURITY_POLICY, Cell, ExplorerQuery, SeriesPoint, kyoto_view, render_data_quality,
    render_early_warning, render_explorer, render_home, render_kyoto, render_releases, router,
};
use tower::ServiceExt;

fn explorer(pairs: &[(&str, &str)]) -> String {
    let query = ExplorerQuery::from_pairs(pairs.iter().copied()).unwrap();
    render_explorer(&fixture::explorer_view(&query).unwrap()).unwrap()
}

/// The text between `start` and the next `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not found"))
        + start.len();
    let to = from
        + html[from..]
            .find(end)
            .unwrap_or_else(|| panic!("{end} not found after {start}"));
    &html[from..to]
}

/// Whether any tag has an `on…=` attribute (an inline event handler).
fn has_event_handler(html: &str) -> bool {
    html.split('<').skip(1).any(|tag| {
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        tag.split_whitespace().skip(1).any(|attr| {
            attr.strip_prefix("on").is_some_and(|rest| {
                rest.split('=')
                    .next()
                    .is_some_and(|n| n.chars().all(|c| c.is_ascii_lowercase()))
                    && rest.contains('=')
            })
        })
    })
}

fn all_pages() -> Vec<(&'static str, String)> {
    vec![
        ("home", render_home(&fixture::home_view()).unwrap()),
        ("explorer", explorer(&[])),
        ("explorer islands", explorer(&[("area", "I"), ("sex", "F")])),
        (
            "early warning",
            render_early_warning(&fixture::early_warning_view()).unwrap(),
        ),
        (
            "data quality",
            render_data_quality(&fixture::data_quality_view()).unwrap(),
        ),
        (
            "releases",
            render_releases(&fixture::releases_view()).unwrap(),
        ),
        (
            "kyoto",
            render_kyoto(&kyoto_view(&fixture::summaries(), false).unwrap()).unwrap(),
        ),
    ]
}

// ---------------------------------------------------------------------------
// Explorer

#[test]
fn explorer_trend_table_has_formatted_values_and_intervals() {
    let html = explorer(&[]);
    let table = between(&html, "<table id=\"trend-table\">", "</table>");
    for row in [
        "<tr><th scope=\"row\">2019</th><td class=\"num\">512.4</td><td class=\"num\">508.0 – 516.8</td></tr>",
        "<tr><th scope=\"row\">2020</th><td class=\"num\">488.9</td><td class=\"num\">484.6 – 493.2</td></tr>",
        "<tr><th scope=\"row\">2023</th><td class=\"num\">547.2</td><td class=\"num\">542.6 – 551.8</td></tr>",
    ] {
        assert!(table.contains(row), "missing {row} in {table}");
    }
    assert!(table.contains("<th scope=\"col\" class=\"num\">95 % confidence interval</th>"));
}

#[test]
fn explorer_caption_describes_the_trend_in_words() {
    // 512.4 (2019) → 547.2 (2023): +34.8 / 512.4 = +6.79 %; lowest 488.9 (2020), highest 547.2 (2023).
    let html = explorer(&[]);
    assert_eq!(
        between(&html, "<figcaption id=\"trend-caption\">", "</figcaption>"),
        "The value (victims per 100,000 population) rose from 512.4 in 2019 to 547.2 in 2023 (+6.8 %). \
         Lowest: 488.9 in 2020; highest: 547.2 in 2023."
    );
    // The canvas gets the same words as its accessible name (dashboard.js reads data-caption).
    assert!(html.contains("data-caption=\"trend-caption\""));
}

#[test]
fn explorer_shows_suppressed_cells_as_a_word_with_no_interval_and_a_gap_in_the_chart() {
    let html = explorer(&[("area", "I"), ("sex", "F")]);
    assert!(html.contains(
        "<tr><th scope=\"row\">2021</th><td class=\"num suppressed\">suppressed</td><td class=\"num\"></td></tr>"
    ));
    let data = between(
        &html,
        "<script type=\"application/json\" id=\"trend-data\">",
        "</script>",
    );
    let json: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(
        json["values"],
        serde_json::json!([30.2, 27.9, null, 29.5, 26.0])
    );
    assert_eq!(json["lower"][2], serde_json::Value::Null);
    assert_eq!(json["upper"][2], serde_json::Value::Null);
    // 30.2 (2019) → 26.0 (2023): -4.2 / 30.2 = -13.91 %.
    assert_eq!(
        between(&html, "<figcaption id=\"trend-caption\">", "</figcaption>"),
        "The value (victims per 100,000 population) fell from 30.2 in 2019 to 26.0 in 2023 (-13.9 %). \
         Lowest: 26.0 in 2023; highest: 30.2 in 2019. 1 period is suppressed and not shown."
    );
}

#[test]
fn bounds_given_for_a_suppressed_cell_are_never_shown() {
    // A data layer that (wrongly) sends bounds with a suppressed cell must not leak them:
    // the interval of a small count brackets its value.
    let query = ExplorerQuery::from_pairs([("area", "I")]).unwrap();
    let mut view = fixture::explorer_view(&query).unwrap();
    view.series[2] = SeriesPoint {
        period: "2021".into(),
        value: Cell::Suppressed,
        lower: Some(11.1),
        upper: Some(44.4),
    };
    let html = render_explorer(&view).unwrap();
    assert!(!html.contains("11.1") && !html.contains("44.4"));
}

#[test]
fn explorer_filters_are_a_plain_form_with_the_applied_values_selected() {
    let html = explorer(&[("sex", "F"), ("from", "2020")]);
    let form = between(
        &html,
        "<form class=\"filters\" method=\"get\" action=\"/explorer\"",
        "</form>",
    );
    assert!(form.contains("<option value=\"F\" selected>Female</option>"));
    assert!(form.contains("<option value=\"M\">Male</option>"));
    assert!(form.contains("<option value=\"\">All</option>"));
    assert!(form.contains("<option value=\"2020\" selected>2020</option>"));
    assert!(form.contains("<option value=\"victims\" selected>"));
    assert!(form.contains("<button type=\"submit\">Apply filters</button>"));
    assert!(html.contains("<span class=\"applied\">Periods: from 2020</span>"));
    assert!(html.contains("<span class=\"applied\">Sex: Female</span>"));
    // 2020 to 2023 only: four rows.
    assert_eq!(
        between(&html, "<table id=\"trend-table\">", "</table>")
            .matches("<tr><th scope=\"row\">")
            .count(),
        4
    );
    assert!(html.contains("<a href=\"/explorer?indicator=victims&#38;from=2020&#38;sex=F\">"));
}

#[test]
fn filters_an_indicator_cannot_use_are_not_offered() {
    let html = explorer(&[("indicator", "offences")]);
    assert!(!html.contains("name=\"sex\""));
    assert!(!html.contains("name=\"area\""));
    assert!(html.contains("name=\"from\""));
    // No interval for this indicator: two columns only.
    assert!(html.contains("<tr><th scope=\"row\">2019</th><td class=\"num\">4,210.0</td></tr>"));
    assert!(!html.contains("id=\"by-area\""));
}

#[test]
fn breakdowns_have_tables_and_captions() {
    // Sections, both sexes, 2023: highest 02 (301.5), lowest 01 (2.1).
    let html = explorer(&[]);
    assert_eq!(
        between(
            &html,
            "<figcaption id=\"by-iccs-caption\">",
            "</figcaption>"
        ),
        "2023, 4 ICCS sections (victims per 100,000 population): highest Acts causing harm or intending to cause \
         harm to the person at 301.5; lowest Acts leading to death or intending to cause death at 2.1."
    );
    let male = explorer(&[("sex", "M")]);
    let table = between(&male, "<table id=\"by-area-table\">", "</table>");
    assert!(table.contains(
        "<th scope=\"row\">I</th><td>Islands</td><td class=\"num suppressed\">suppressed</td>"
    ));
    assert!(male.contains("lowest South at 458.7. 1 value is suppressed."));
}

#[test]
fn text_from_the_data_layer_is_escaped() {
    let mut view = fixture::explorer_view(&ExplorerQuery::default()).unwrap();
    view.indicator.title = "<script>alert(1)</script> & co".into();
    view.notes.push("\"quoted\" <b>".into());
    let html = render_explorer(&view).unwrap();
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62; &#38; co"));
    assert!(!html.contains("<b>"));
    // Inside the JSON block the same title cannot close the element either.
    assert!(html.contains(r"\u003cscript\u003ealert(1)\u003c/script\u003e \u0026 co"));
}

// ---------------------------------------------------------------------------
// Every page

#[test]
fn the_event_handler_check_finds_handlers_and_only_handlers() {
    assert!(has_event_handler("<p>x</p><a href=\"/\" onclick=\"go()\">"));
    assert!(!has_event_handler(
        "<p>on crime</p><a href=\"/online\" data-on=\"1\">"
    ));
}

#[test]
fn no_page_has_inline_script_or_style() {
    for (name, html) in all_pages() {
        for tag in html.split("<script").skip(1) {
            let open = &tag[..tag.find('>').unwrap()];
            assert!(
                open.contains(" src=\"/assets/") || open.contains("type=\"application/json\""),
                "{name}: inline script <script{open}>"
            );
        }
        assert!(!html.contains("<style"), "{name}: <style> element");
        assert!(!html.contains(" style=\""), "{name}: style attribute");
        assert!(!has_event_handler(&html), "{name}: inline event handler");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{name}: external URL"
        );
    }
}

#[test]
fn every_chart_has_a_caption_and_a_data_table() {
    for (name, html) in all_pages() {
        for figure in html.split("<figure class=\"chart\"").skip(1) {
            let figure = &figure[..figure.find("</figure>").unwrap()];
            let caption = between(figure, "<figcaption", "</figcaption>");
            assert!(caption.len() > 40, "{name}: short caption {caption}");
            assert!(
                figure.contains("<table") && figure.contains("<tbody>"),
                "{name}: chart without table"
            );
            assert!(
                figure.contains("hidden></div>"),
                "{name}: chart box visible without JavaScript"
            );
        }
        assert!(
            html.starts_with("<!doctype html>\n<html lang=\"en\">"),
            "{name}"
        );
    }
}

#[test]
fn navigation_marks_the_current_page() {
    let html = render_releases(&fixture::releases_view()).unwrap();
    assert!(html.contains("<a href=\"/releases\" aria-current=\"page\">Releases</a>"));
    assert_eq!(html.matches("aria-current").count(), 1);
}

// ---------------------------------------------------------------------------
// Early warning, data quality, releases, home, Kyoto

#[test]
fn early_warning_says_how_far_outside_the_range_each_flag_is() {
    let html = render_early_warning(&fixture::early_warning_view()).unwrap();
    // 57 against 20–40: 57 - 40 = 17 above.
    assert!(html.contains(
        "<figcaption id=\"warn-burglary-north-caption\">2024-03: recorded 57 against an expected 30 (range 20 to 40), \
         17 above the upper limit.</figcaption>"
    ));
    // 4.0 against 8.5–22.5: 8.5 - 4.0 = 4.5 below.
    assert!(html.contains("2024-03: recorded 4.0 against an expected 15.5 (range 8.5 to 22.5), 4.5 below the lower limit."));
    assert!(html.contains(
        "<tr><th scope=\"row\">2024-03</th><td class=\"num\">57</td><td class=\"num\">30</td><td class=\"num\">20 – 40</td><td>flagged</td></tr>"
    ));
    assert!(
        html.contains("<td class=\"num suppressed\">suppressed</td><td class=\"num\">15.5</td>")
    );
    assert!(html.contains("Checked up to 2024-03: 42 series, 2 flagged."));
}

#[test]
fn data_quality_reconciles_each_batch() {
    let html = render_data_quality(&fixture::data_quality_view()).unwrap();
    // Batch 3: 119,980 + 430 + 40 = 120,450 = read. Batch 2: 79,990 + 7 = 79,997, 3 short of 80,000.
    assert!(html.contains("<td class=\"ok\">all rows accounted for</td>"));
    assert!(html.contains("<td class=\"problem\">3 rows unaccounted for</td>"));
    assert!(html.contains("<strong>1 of 3 batches do not reconcile.</strong>"));
    assert!(html.contains("<tr class=\"retracted\">"));
    // Totals: read 120,450 + 80,000 + 1,000; stored 119,980 + 79,990 + 990; quarantined 430 + 7 + 10.
    let foot = between(&html, "<tfoot>", "</tfoot>");
    for total in ["201,450", "200,960", "447", "40"] {
        assert!(
            foot.contains(&format!("<td class=\"num\">{total}</td>")),
            "{total}"
        );
    }
    // 250 / 447 = 55.93 %, 150 / 447 = 33.56 %, 47 / 447 = 10.51 %.
    assert!(html.contains("the most common is “recorded date in the future” (250 rows, 55.9 %)."));
    assert!(html.contains("<td class=\"num\">150</td><td class=\"num\">33.6 %</td>"));
    assert!(html.contains("<td class=\"num\">47</td><td class=\"num\">10.5 %</td>"));
    // 95,000 + 700 mapped of 100,000 + 1,000 = 94.75 %.
    assert!(html.contains("95,700 of 101,000 offences (94.8 %) are mapped"));
    assert!(html.contains("<td class=\"num\">700</td><td class=\"num\">0</td><td class=\"num\">300</td><td class=\"num\">70.0 %</td>"));
}

#[test]
fn releases_list_files_with_sizes_checksums_and_links() {
    let html = render_releases(&fixture::releases_view()).unwrap();
    assert!(html.contains(
        "<a href=\"/releases/2024-1/files/crime-2019-2023.xml\" download>crime-2019-2023.xml</a>"
    ));
    assert!(html.contains("<td class=\"num\">1.2 MB</td>"));
    assert!(html.contains("<td class=\"num\">210.1 kB</td>"));
    assert!(html.contains("<td class=\"num\">512 bytes</td>"));
    assert!(html.contains("<code class=\"checksum\">e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855</code>"));
}

#[test]
fn home_shows_headlines_with_direction_in_words() {
    let html = render_home(&fixture::home_view()).unwrap();
    assert!(html.contains("<p class=\"figure\">547.2</p>"));
    assert!(html.contains("<p class=\"detail\">victims per 100,000 population, 2023</p>"));
    assert!(html.contains("<span aria-hidden=\"true\">↑</span> rising"));
    assert!(html.contains("<p class=\"figure suppressed\">suppressed</p>"));
    assert!(html.contains("<p class=\"note\">2 of 42 series flagged in 2024-03</p>"));
    assert!(html.contains("2 series flagged as unusual"));
    assert!(html.contains("latest “Crime statistics 2019–2023”, published 2024-02-01."));
}

#[test]
fn kyoto_page_lists_every_commitment_and_says_when_there_is_no_indicator() {
    let view = kyoto_view(&fixture::summaries(), false).unwrap();
    let html = render_kyoto(&view).unwrap();
    assert_eq!(html.matches("<article class=\"commitment\"").count(), 76);
    assert_eq!(
        html.matches("No indicator in Evident yet.").count(),
        76 - view.measured
    );
    assert!(html.contains(&format!(
        "<strong>{} of the 76 commitments</strong>",
        view.measured
    )));
    let p81 = between(&html, "id=\"p81\"", "</article>");
    assert!(p81.contains("<a href=\"/explorer?indicator=sdg_16_2_2\">"));
    let p57 = between(&html, "id=\"p57\"", "</article>");
    assert!(p57.contains("<span class=\"value suppressed\">suppressed (2023)</span>"));
    let p22 = between(&html, "id=\"p22\"", "</article>");
    assert!(p22.contains("547.2 victims per 100,000 population (2023)"));
    assert!(p22.contains("Programme evaluation:")); // no page to link to
    let p23 = between(&html, "id=\"p23\"", "</article>");
    assert!(p23.contains("<a href=\"/early-warning\">Early warning</a>:"));
    assert!(p23.contains("2 of 42 series flagged in 2024-03"));
    let p82 = between(&html, "id=\"p82\"", "</article>");
    assert!(p82.contains("<a href=\"/explorer?indicator=offences&#38;iccs=08051\">Smuggling of migrants offences (08051)</a>"));
    assert!(html.contains("<h3>Evidence-based crime prevention</h3>"));

    let only = render_kyoto(&kyoto_view(&fixture::summaries(), true).unwrap()).unwrap();
    assert_eq!(
        only.matches("<article class=\"commitment\"").count(),
        view.measured
    );
    assert!(!only.contains("No indicator in Evident yet."));
}

// ---------------------------------------------------------------------------
// Routes

async fn get(uri: &str, headers: &[(header::HeaderName, &str)]) -> (StatusCode, HeaderMap, String) {
    request(Method::GET, uri, headers).await
}

async fn request(
    method: Method,
    uri: &str,
    headers: &[(header::HeaderName, &str)],
) -> (StatusCode, HeaderMap, String) {
    let app = router(Arc::new(fixture::FixtureData));
    let mut req = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        req = req.header(name, *value);
    }
    let response = app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), 10 << 20).await.unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn pages_are_html_with_a_strict_content_security_policy() {
    for path in [
        "/",
        "/explorer",
        "/early-warning",
        "/data-quality",
        "/releases",
        "/kyoto",
        "/kyoto?only=measured",
    ] {
        let (status, headers, body) = get(path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            headers[header::CONTENT_TYPE],
            "text/html; charset=utf-8",
            "{path}"
        );
        assert_eq!(
            headers[header::CONTENT_SECURITY_POLICY],
            CONTENT_SECURITY_POLICY,
            "{path}"
        );
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
        assert!(body.contains("</html>"));
    }
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
    assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
}

#[tokio::test]
async fn bad_requests_get_an_html_page_with_the_reason() {
    let (status, headers, body) = get("/explorer?level=9", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert!(body.contains("an ICCS level is a number from 1 to 4 (got &#34;9&#34;)"));

    let (status, _, body) = get("/explorer?indicator=offences&sex=F", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("no breakdown by sex"));

    let (status, _, body) = get("/explorer?indicator=crime_rate", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("There is no indicator &#34;crime_rate&#34;."));

    let (status, _, _) = get("/explorer?sex=%3Cb%3E", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, headers, body) = get("/no-such-page", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        headers[header::CONTENT_SECURITY_POLICY],
        CONTENT_SECURITY_POLICY
    );
    assert!(body.contains("There is no page at this address."));
}

#[tokio::test]
async fn assets_are_served_with_their_type_and_cached_by_fingerprint() {
    let css = evident_server::assets::asset("dashboard.css").unwrap();
    let (status, headers, body) = get(&css.url(), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(headers[header::ETAG], format!("\"{}\"", css.fingerprint));
    assert_eq!(body.as_bytes(), css.bytes);

    // Without the fingerprint the browser must revalidate; a matching ETag gives 304.
    let (_, headers, _) = get("/assets/dashboard.css", &[]).await;
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    let etag = css.etag();
    let (status, _, body) = get(
        "/assets/dashboard.css",
        &[(header::IF_NONE_MATCH, &format!("\"x\", {etag}"))],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());

    let (status, headers, _) = get("/assets/vendor/chart.umd.min.js", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );

    for missing in [
        "/assets/../Cargo.toml",
        "/assets/nothing.js",
        "/assets/vendor/chart.umd.min.js.map",
    ] {
        assert_eq!(
            get(missing, &[]).await.0,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

#[tokio::test]
async fn every_asset_a_page_links_exists() {
    let (_, _, html) = get("/explorer", &[]).await;
    let mut links = 0;
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            let url = &part[..part.find('"').unwrap()];
            if url.starts_with("/assets/") {
                let url = url.replace("&#38;", "&");
                assert_eq!(get(&url, &[]).await.0, StatusCode::OK, "{url}");
                links += 1;
            }
        }
    }
    // stylesheet, icon, two scripts, licence
    assert_eq!(links, 5);
}

#[tokio::test]
async fn head_requests_get_headers_only() {
    let (status, headers, body) = request(Method::HEAD, "/kyoto", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert!(body.is_empty());
}
