//! The dashboard's HTTP routes.
//!
//! Pages are rendered on the server and work without JavaScript; the only
//! scripts are our own `dashboard.js` and the vendored charting library, both
//! served from `/assets/`. Every response carries a strict
//! Content-Security-Policy: no inline scripts or styles, nothing from elsewhere.

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY as CSP, CONTENT_TYPE, ETAG, HeaderName, HeaderValue,
    IF_NONE_MATCH, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::map_response;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::assets;
use crate::data::{DashboardData, DataError};
use crate::kyoto::kyoto_view;
use crate::query::ExplorerQuery;
use crate::render::{
    RenderError, render_data_quality, render_early_warning, render_error, render_explorer,
    render_home, render_kyoto, render_releases,
};

/// The Content-Security-Policy of every dashboard response: scripts, styles,
/// images and connections from this server only; no inline code, no plugins,
/// no framing, and forms submit to this server only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// `Cache-Control` of a fingerprinted asset requested with its fingerprint.
const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of an asset requested without (or with an old) fingerprint,
/// and of pages: the browser must check with the server before reuse.
const CACHE_REVALIDATE: &str = "no-cache";

type Data = Arc<dyn DashboardData>;

/// The dashboard: `/`, `/explorer`, `/early-warning`, `/data-quality`,
/// `/releases`, `/kyoto` and `/assets/…`, with an HTML 404 for anything else.
///
/// Merge it with the API router (which must then have no fallback of its own).
pub fn router(data: Arc<dyn DashboardData>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/explorer", get(explorer))
        .route("/early-warning", get(early_warning))
        .route("/data-quality", get(data_quality))
        .route("/releases", get(releases))
        .route("/kyoto", get(kyoto))
        .route("/assets/{*path}", get(asset))
        .fallback(not_found)
        .layer(map_response(security_headers))
        .with_state(data)
}

/// Adds the security headers to a response (also usable on the API router).
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CSP, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (CACHE_CONTROL, HeaderValue::from_static(CACHE_REVALIDATE)),
        ],
        body,
    )
        .into_response()
}

fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    match render_error(status.as_u16(), heading, message) {
        Ok(body) => html(status, body),
        // The error template itself failed: plain text is all that is left.
        Err(e) => (status, format!("{heading}: {message} ({e})")).into_response(),
    }
}

fn data_error(error: DataError) -> Response {
    match error {
        DataError::NotFound(m) => error_page(StatusCode::NOT_FOUND, "Not found", &m),
        DataError::BadRequest(m) => {
            error_page(StatusCode::BAD_REQUEST, "This view cannot be shown", &m)
        }
        DataError::Unavailable(m) => {
            error_page(StatusCode::SERVICE_UNAVAILABLE, "Not available yet", &m)
        }
        DataError::Internal(detail) => {
            tracing::error!(%detail, "dashboard data layer failed");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The figures for this page could not be read. The error has been recorded on the server.",
            )
        }
    }
}

fn page(rendered: Result<String, RenderError>) -> Response {
    match rendered {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => {
            tracing::error!(error = %e, "dashboard page failed to render");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                &e.to_string(),
            )
        }
    }
}

fn respond<T>(
    result: Result<T, DataError>,
    render: impl FnOnce(&T) -> Result<String, RenderError>,
) -> Response {
    match result {
        Ok(view) => page(render(&view)),
        Err(e) => data_error(e),
    }
}

type Pairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

fn malformed(e: &QueryRejection) -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        "This address cannot be read",
        &format!("The query string is malformed: {e}"),
    )
}

async fn home(State(data): State<Data>) -> Response {
    respond(data.home().await, render_home)
}

async fn explorer(State(data): State<Data>, query: Pairs) -> Response {
    let pairs = match query {
        Ok(Query(p)) => p,
        Err(e) => return malformed(&e),
    };
    let query = match ExplorerQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    {
        Ok(q) => q,
        Err(e) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "This filter cannot be applied",
                &e.to_string(),
            );
        }
    };
    respond(data.explorer(&query).await, render_explorer)
}

async fn early_warning(State(data): State<Data>) -> Response {
    respond(data.early_warning().await, render_early_warning)
}

async fn data_quality(State(data): State<Data>) -> Response {
    respond(data.data_quality().await, render_data_quality)
}

async fn releases(State(data): State<Data>) -> Response {
    respond(data.releases().await, render_releases)
}

async fn kyoto(State(data): State<Data>, query: Pairs) -> Response {
    let pairs = match query {
        Ok(Query(p)) => p,
        Err(e) => return malformed(&e),
    };
    let only_measured = pairs.iter().any(|(k, v)| k == "only" && v == "measured");
    let summaries = match data.indicator_summaries().await {
        Ok(s) => s,
        Err(e) => return data_error(e),
    };
    match kyoto_view(&summaries, only_measured) {
        Ok(view) => page(render_kyoto(&view)),
        Err(e) => {
            tracing::error!(error = %e, "Kyoto Declaration content is unusable");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                &e.to_string(),
            )
        }
    }
}

async fn asset(
    Path(path): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let Some(asset) = assets::asset(&path) else {
        return error_page(StatusCode::NOT_FOUND, "Not found", "There is no such file.");
    };
    let etag = asset.etag();
    let fingerprinted = query
        .iter()
        .any(|(k, v)| k == "v" && *v == asset.fingerprint);
    let cache = if fingerprinted {
        CACHE_IMMUTABLE
    } else {
        CACHE_REVALIDATE
    };
    let mut response = if if_none_match(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(CONTENT_TYPE, HeaderValue::from_static(asset.content_type))],
            asset.bytes,
        )
            .into_response()
    };
    let h = response.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(ETAG, value);
    }
    response
}

/// Whether `If-None-Match` lists this entity tag (or `*`), RFC 9110 §13.1.2.
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
        })
}

async fn not_found() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no page at this address.",
    )
}
