//! The REST API under `/api`, described by the OpenAPI document at
//! `/api/openapi.json` (`docs/api.md` for people).
//!
//! | who | what |
//! |---|---|
//! | anyone | health, readiness, releases, their files, indicator queries on releases |
//! | analyst | live indicator queries, after disclosure control |
//! | microdata | live indicator queries without disclosure control |
//! | admin | batches, quarantine, mapping coverage, the audit log |
//!
//! Errors are JSON, `{"error": {"code": "...", "message": "..."}}`, with a
//! stable code for programs and a message for people.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Extension, Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use evident_store::{AuditQuery, BatchStatus, QuarantineCategory, RecordKind, Role};
use serde::Deserialize;

use crate::auth::Caller;
use crate::figures::{Figures, FiguresError};
use crate::table::Table;

/// The largest request body accepted (JSON queries are a few hundred bytes).
pub const MAX_BODY: usize = 16 * 1024;
/// Rows returned when the query does not say.
const DEFAULT_LIMIT: usize = 1000;
/// Rows returned at most.
const MAX_LIMIT: usize = 10_000;

/// An API error: HTTP status, a stable code and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code (`not_found`, `unknown_filter`, `forbidden` …).
    pub code: &'static str,
    /// For people.
    pub message: String,
}

impl ApiError {
    /// An error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }
}

impl From<FiguresError> for ApiError {
    fn from(e: FiguresError) -> ApiError {
        match e {
            FiguresError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, "not_found", m),
            FiguresError::Unavailable(m) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", m)
            }
            FiguresError::Internal(_) => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "The server failed; the error has been recorded in its log.",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        let mut response = (self.status, json_body(body.to_string())).into_response();
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

fn json_body(text: String) -> Response {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        text,
    )
        .into_response()
}

fn json(value: &serde_json::Value) -> Response {
    json_body(value.to_string())
}

type ApiResult = Result<Response, ApiError>;

/// What the API handlers share.
#[derive(Clone)]
pub struct ApiState {
    /// Releases and live tables.
    pub figures: Arc<Figures>,
}

/// The `/api` routes (to be nested under `/api`).
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/openapi.json", get(openapi))
        .route("/whoami", get(whoami))
        .route("/releases", get(releases))
        .route("/releases/{id}", get(release))
        .route("/releases/{id}/files/{*path}", get(release_file))
        .route("/releases/{id}/indicators/{indicator}", get(release_query))
        .route("/releases/{id}/query", post(release_query_body))
        .route("/live/indicators", get(live_indicators))
        .route("/live/indicators/{indicator}", get(live_query))
        .route("/live/query", post(live_query_body))
        .route("/admin/batches", get(admin_batches))
        .route("/admin/batches/{id}", get(admin_batch))
        .route("/admin/quarantine", get(admin_quarantine))
        .route("/admin/quarantine/reasons", get(admin_quarantine_reasons))
        .route("/admin/mapping-coverage", get(admin_mapping_coverage))
        .route("/admin/audit", get(admin_audit))
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

async fn api_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is no API endpoint at this address; see /api/openapi.json.",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This endpoint does not accept that method; see /api/openapi.json.",
    )
}

/// Refuses callers below `role`: 401 without a token, 403 with one.
fn require(caller: &Caller, role: Role) -> Result<(), ApiError> {
    if caller.may(role) {
        Ok(())
    } else if caller.user.is_none() {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            format!("This endpoint needs the {role} role: send `Authorization: Bearer TOKEN`."),
        ))
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "This endpoint needs the {role} role; your role is {}.",
                caller.role
            ),
        ))
    }
}

async fn health() -> Response {
    json(&serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

async fn ready(State(state): State<ApiState>) -> Response {
    let catalog = sqlx_ping(&state.figures).await;
    let releases = state.figures.releases().await.map(|r| r.len());
    let live = match state.figures.live().await {
        Ok(live) => serde_json::json!({
            "version": live.version,
            "stale": live.stale,
            "tables": live.raw.len(),
        }),
        Err(e) => serde_json::json!({ "unavailable": e.to_string() }),
    };
    let ok = catalog.is_ok() && releases.is_ok();
    let body = serde_json::json!({
        "ready": ok,
        "catalog": catalog.err().unwrap_or_else(|| "ok".to_owned()),
        "releases": releases.ok(),
        "live": live,
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, json(&body)).into_response()
}

async fn sqlx_ping(figures: &Figures) -> Result<(), String> {
    figures
        .workspace()
        .audit_entries(&AuditQuery {
            limit: Some(1),
            ..AuditQuery::default()
        })
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn openapi() -> Response {
    let mut response = json_body(crate::openapi::document().to_string());
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

async fn whoami(Extension(caller): Extension<Caller>) -> Response {
    json(&serde_json::json!({
        "user": caller.user,
        "role": caller.role.name(),
        "token": caller.token_id,
    }))
}

fn release_summary(record: &evident_store::ReleaseRecord) -> serde_json::Value {
    serde_json::json!({
        "id": record.id,
        "created": record.created_at,
        "manifest_sha256": record.manifest_sha256,
        "href": format!("/api/releases/{}", record.id),
    })
}

async fn releases(State(state): State<ApiState>) -> ApiResult {
    let records = state.figures.releases().await?;
    let latest = records.last().map(|r| r.id.clone());
    let list: Vec<serde_json::Value> = records.iter().rev().map(release_summary).collect();
    Ok(public(json(
        &serde_json::json!({ "latest": latest, "releases": list }),
    )))
}

/// Release responses may be cached briefly by anyone.
fn public(mut response: Response) -> Response {
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    response
}

/// Responses for authenticated callers must not be stored by any cache.
fn private(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn release(State(state): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    let loaded = state.figures.release(&id).await?;
    let id = &loaded.record.id;
    let files: Vec<serde_json::Value> = std::iter::once(loaded.file(evident_release::MANIFEST))
        .flatten()
        .chain(loaded.manifest.files.iter().cloned())
        .map(|f| {
            serde_json::json!({
                "path": f.path,
                "bytes": f.bytes,
                "sha256": f.sha256,
                "href": format!("/api/releases/{id}/files/{}", f.path),
            })
        })
        .collect();
    let indicators: Vec<serde_json::Value> = loaded
        .tables
        .iter()
        .map(|(name, table)| {
            indicator_entry(
                name,
                table,
                &format!("/api/releases/{id}/indicators/{name}"),
            )
        })
        .collect();
    Ok(public(json(&serde_json::json!({
        "id": id,
        "created": loaded.manifest.created,
        "agency": loaded.manifest.agency,
        "revises": loaded.manifest.revises,
        "disclosure": loaded.manifest.disclosure,
        "indicators": indicators,
        "files": files,
    }))))
}

fn indicator_entry(name: &str, table: &Table, href: &str) -> serde_json::Value {
    let title = evident_engine::indicator(name).map(|i| i.title);
    serde_json::json!({
        "id": name,
        "title": title,
        "rows": table.rows(),
        "columns": table.column_names(),
        "filters": table.filters(),
        "href": href,
    })
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("csv") => "text/csv; charset=utf-8",
        Some("parquet") => "application/vnd.apache.parquet",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("md") => "text/markdown; charset=utf-8",
        _ => "application/octet-stream",
    }
}

async fn release_file(
    State(state): State<ApiState>,
    Path((id, path)): Path<(String, String)>,
) -> ApiResult {
    let loaded = state.figures.release(&id).await?;
    // Only files the manifest lists, by exact name: nothing else under the
    // release directory, and nothing outside it, can be named.
    let entry = loaded.file(&path).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("Release {} has no file {path:?}.", loaded.record.id),
        )
    })?;
    let bytes = tokio::fs::read(loaded.dir.join(&entry.path))
        .await
        .map_err(|e| ApiError::from(FiguresError::Internal(e.to_string())))?;
    if bytes.len() as u64 != entry.bytes {
        tracing::error!(file = %entry.path, release = %loaded.record.id, "release file changed on disk");
        return Err(ApiError::from(FiguresError::Internal(
            "release file changed".into(),
        )));
    }
    let name = entry.path.rsplit('/').next().unwrap_or("file").to_owned();
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(content_type(&entry.path)),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", entry.sha256)) {
        headers.insert(axum::http::header::ETAG, v);
    }
    Ok(public(response))
}

/// A query: which rows of one indicator table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableQuery {
    /// Dimension → code.
    pub filters: BTreeMap<String, String>,
    /// First row returned.
    pub offset: usize,
    /// Rows returned at most.
    pub limit: usize,
}

fn parse_number(name: &str, value: &str, max: usize) -> Result<usize, ApiError> {
    value
        .parse::<usize>()
        .ok()
        .filter(|&n| n <= max)
        .ok_or_else(|| {
            ApiError::bad(
                "bad_parameter",
                format!("{name} must be a whole number from 0 to {max}, got {value:?}"),
            )
        })
}

fn check_code(name: &str, value: &str) -> Result<(), ApiError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad(
            "bad_parameter",
            format!(
                "the filter {name} must be a code of letters, digits, '_', '-' or '.' (at most 64)"
            ),
        ))
    }
}

impl TableQuery {
    /// Reads `?dimension=code&…&limit=N&offset=N`; a repeated name is refused.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<TableQuery, ApiError> {
        let mut query = TableQuery {
            limit: DEFAULT_LIMIT,
            ..TableQuery::default()
        };
        let mut seen = std::collections::BTreeSet::new();
        for (name, value) in pairs {
            if !seen.insert(name.as_str()) {
                return Err(ApiError::bad(
                    "bad_parameter",
                    format!("{name} is given twice; a filter selects one code"),
                ));
            }
            match name.as_str() {
                "limit" => query.limit = parse_number("limit", value, MAX_LIMIT)?,
                "offset" => query.offset = parse_number("offset", value, usize::MAX)?,
                _ => {
                    check_code(name, value)?;
                    query.filters.insert(name.clone(), value.clone());
                }
            }
        }
        Ok(query)
    }
}

/// The body of `POST …/query`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryBody {
    indicator: String,
    #[serde(default)]
    filters: BTreeMap<String, String>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    offset: Option<usize>,
}

fn read_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(String, TableQuery), ApiError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("The request body is larger than {MAX_BODY} bytes."),
            )
        } else {
            ApiError::bad(
                "malformed_body",
                format!("The request body cannot be read: {e}"),
            )
        }
    })?;
    let json_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim() == "application/json")
        });
    if !json_type {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the query as JSON with `Content-Type: application/json`.",
        ));
    }
    let parsed: QueryBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad(
            "malformed_body",
            format!("The request body is not a valid query: {e}"),
        )
    })?;
    if parsed.filters.contains_key("limit") || parsed.filters.contains_key("offset") {
        return Err(ApiError::bad(
            "bad_parameter",
            "limit and offset go beside filters, not inside them",
        ));
    }
    let mut pairs: Vec<(String, String)> = parsed.filters.into_iter().collect();
    if let Some(limit) = parsed.limit {
        pairs.push(("limit".into(), limit.to_string()));
    }
    if let Some(offset) = parsed.offset {
        pairs.push(("offset".into(), offset.to_string()));
    }
    Ok((parsed.indicator, TableQuery::from_pairs(&pairs)?))
}

/// The rows of `table` that match `query`, as a JSON document whose rows are
/// copied from the table's pre-rendered JSON.
fn answer(table: &Table, query: &TableQuery, about: serde_json::Value) -> ApiResult {
    let filters: Vec<(&str, &str)> = query
        .filters
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let rows = table.select(&filters).map_err(|e| {
        ApiError::bad(
            "unknown_filter",
            format!(
                "{} cannot be filtered by {:?}; its filters are: {}",
                table.indicator,
                e.column,
                e.allowed.join(", ")
            ),
        )
    })?;
    let total = rows.len();
    let page = rows.iter().skip(query.offset).take(query.limit);
    let next =
        (query.offset.saturating_add(query.limit) < total).then(|| query.offset + query.limit);
    let head = serde_json::json!({
        "indicator": table.indicator,
        "source": about,
        "filters": query.filters,
        "columns": table.column_names(),
        "total": total,
        "offset": query.offset,
        "limit": query.limit,
        "next_offset": next,
    })
    .to_string();
    let mut out = String::with_capacity(head.len() + 16 + query.limit.min(total) * 160);
    out.push_str(&head[..head.len() - 1]);
    out.push_str(",\"rows\":[");
    for (i, row) in page.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(table.json_row(*row));
    }
    out.push_str("]}");
    Ok(json_body(out))
}

fn unknown_indicator(indicator: &str, known: impl Iterator<Item = String>) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_indicator",
        format!(
            "There is no table {indicator:?} here; there are: {}",
            known.collect::<Vec<_>>().join(", ")
        ),
    )
}

type Pairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

fn pairs(query: Pairs) -> Result<Vec<(String, String)>, ApiError> {
    query.map(|Query(p)| p).map_err(|e| {
        ApiError::bad(
            "bad_parameter",
            format!("The query string cannot be read: {e}"),
        )
    })
}

async fn release_answer(
    state: &ApiState,
    id: &str,
    indicator: &str,
    query: &TableQuery,
) -> ApiResult {
    let loaded = state.figures.release(id).await?;
    let table = loaded
        .tables
        .get(indicator)
        .ok_or_else(|| unknown_indicator(indicator, loaded.tables.keys().cloned()))?;
    let about = serde_json::json!({ "release": loaded.record.id, "protection": loaded.manifest.disclosure });
    answer(table, query, about).map(public)
}

async fn release_query(
    State(state): State<ApiState>,
    Path((id, indicator)): Path<(String, String)>,
    query: Pairs,
) -> ApiResult {
    let query = TableQuery::from_pairs(&pairs(query)?)?;
    release_answer(&state, &id, &indicator, &query).await
}

async fn release_query_body(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let (indicator, query) = read_body(&headers, body)?;
    release_answer(&state, &id, &indicator, &query).await
}

/// Live tables for the caller: protected for analysts, as computed for the
/// microdata role and above.
async fn live_tables(
    state: &ApiState,
    caller: &Caller,
) -> Result<(BTreeMap<String, Arc<Table>>, serde_json::Value), ApiError> {
    require(caller, Role::Analyst)?;
    if caller.may(Role::Microdata) {
        let live = state.figures.live().await?;
        let about = serde_json::json!({
            "live": live.version,
            "computed_at": live.computed_at,
            "stale": live.stale,
            "protection": "none (microdata role)",
        });
        Ok((live.raw.clone(), about))
    } else {
        let (live, cube) = state.figures.protected().await?;
        let about = serde_json::json!({
            "live": live.version,
            "computed_at": live.computed_at,
            "stale": live.stale,
            "protection": "suppression",
            "audited_jointly_with": cube.jointly_with,
        });
        Ok((cube.tables.clone(), about))
    }
}

async fn live_indicators(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    let (tables, about) = live_tables(&state, &caller).await?;
    let list: Vec<serde_json::Value> = tables
        .iter()
        .map(|(name, t)| indicator_entry(name, t, &format!("/api/live/indicators/{name}")))
        .collect();
    Ok(private(json(
        &serde_json::json!({ "source": about, "indicators": list }),
    )))
}

async fn live_answer(
    state: &ApiState,
    caller: &Caller,
    indicator: &str,
    query: &TableQuery,
) -> ApiResult {
    let (tables, about) = live_tables(state, caller).await?;
    let table = tables
        .get(indicator)
        .ok_or_else(|| unknown_indicator(indicator, tables.keys().cloned()))?;
    answer(table, query, about).map(private)
}

async fn live_query(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(indicator): Path<String>,
    query: Pairs,
) -> ApiResult {
    require(&caller, Role::Analyst)?;
    let query = TableQuery::from_pairs(&pairs(query)?)?;
    live_answer(&state, &caller, &indicator, &query).await
}

async fn live_query_body(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    require(&caller, Role::Analyst)?;
    let (indicator, query) = read_body(&headers, body)?;
    live_answer(&state, &caller, &indicator, &query).await
}

fn store_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::from(FiguresError::Internal(e.to_string()))
}

fn batch_json(b: &evident_store::BatchInfo) -> serde_json::Value {
    let (status, retracted) = match &b.status {
        BatchStatus::Committed => ("committed", serde_json::Value::Null),
        BatchStatus::Retracted { at, by, reason } => (
            "retracted",
            serde_json::json!({ "at": at, "by": by, "reason": reason }),
        ),
    };
    serde_json::json!({
        "id": b.id,
        "kind": b.kind.name(),
        "schema": b.schema_name,
        "committed_at": b.committed_at,
        "actor": b.actor,
        "source": {
            "file": b.source.path.file_name().map(|n| n.to_string_lossy().into_owned()),
            "sha256": b.source.sha256,
            "bytes": b.source.size_bytes,
            "format": b.source.format,
        },
        "rows_read": b.rows_read,
        "rows_stored": b.rows_stored,
        "rows_quarantined": b.rows_quarantined,
        "rows_duplicate": b.rows_duplicate,
        "reconciles": b.rows_read == b.rows_stored + b.rows_quarantined + b.rows_duplicate,
        "status": status,
        "retraction": retracted,
    })
}

async fn admin_batches(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    query: Pairs,
) -> ApiResult {
    require(&caller, Role::Admin)?;
    let mut kind = None;
    for (k, v) in pairs(query)? {
        match k.as_str() {
            "kind" => {
                kind = Some(RecordKind::from_name(&v).ok_or_else(|| {
                    ApiError::bad("bad_parameter", format!("{v:?} is not a record kind"))
                })?)
            }
            other => {
                return Err(ApiError::bad(
                    "bad_parameter",
                    format!("unknown parameter {other:?}"),
                ));
            }
        }
    }
    let batches = state
        .figures
        .workspace()
        .batches(kind)
        .await
        .map_err(store_error)?;
    let list: Vec<serde_json::Value> = batches.iter().map(batch_json).collect();
    Ok(private(json(&serde_json::json!({ "batches": list }))))
}

async fn admin_batch(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    require(&caller, Role::Admin)?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad("bad_parameter", format!("{id:?} is not a batch number")))?;
    match state.figures.workspace().batch(id).await {
        Ok(b) => {
            let mut value = batch_json(&b);
            value["summary"] = b.summary.clone();
            Ok(private(json(&value)))
        }
        Err(evident_store::StoreError::NoSuchBatch(_)) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("There is no batch {id}."),
        )),
        Err(e) => Err(store_error(e)),
    }
}

async fn admin_quarantine(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    query: Pairs,
) -> ApiResult {
    require(&caller, Role::Admin)?;
    let (mut batch, mut category, mut limit) = (None, None, 100u64);
    for (k, v) in pairs(query)? {
        match k.as_str() {
            "batch" => {
                batch = Some(v.parse::<i64>().map_err(|_| {
                    ApiError::bad("bad_parameter", format!("{v:?} is not a batch number"))
                })?)
            }
            "category" => {
                category = Some(match v.as_str() {
                    "invalid" => QuarantineCategory::Invalid,
                    "duplicate" => QuarantineCategory::Duplicate,
                    _ => {
                        return Err(ApiError::bad(
                            "bad_parameter",
                            "category is invalid or duplicate",
                        ));
                    }
                })
            }
            "limit" => limit = parse_number("limit", &v, MAX_LIMIT)? as u64,
            other => {
                return Err(ApiError::bad(
                    "bad_parameter",
                    format!("unknown parameter {other:?}"),
                ));
            }
        }
    }
    let entries = state
        .figures
        .workspace()
        .quarantine_entries(batch, category, Some(limit))
        .await
        .map_err(store_error)?;
    let list: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "batch": e.batch_id,
                "row": e.row_index,
                "line": e.line,
                "column": e.column,
                "value": e.value,
                "reason": e.reason,
                "category": e.category.name(),
            })
        })
        .collect();
    Ok(private(json(
        &serde_json::json!({ "entries": list, "limit": limit }),
    )))
}

async fn admin_quarantine_reasons(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    require(&caller, Role::Admin)?;
    let reasons = state
        .figures
        .workspace()
        .quarantine_reasons()
        .await
        .map_err(store_error)?;
    let list: Vec<serde_json::Value> = reasons
        .iter()
        .map(|(reason, rows)| serde_json::json!({ "reason": reason, "rows": rows }))
        .collect();
    Ok(private(json(&serde_json::json!({ "reasons": list }))))
}

/// Mapping coverage per offence batch: offences the correspondence table
/// maps to ICCS and those it does not (counted as not classifiable).
pub async fn mapping_coverage(figures: &Figures) -> Result<Vec<serde_json::Value>, ApiError> {
    let ws = figures.workspace();
    let files = ws.classified_files().await.map_err(store_error)?;
    let versions = ws.mapping_versions().await.map_err(store_error)?;
    let batches = ws
        .batches(Some(RecordKind::Offence))
        .await
        .map_err(store_error)?;
    let mut out = Vec::new();
    for batch in batches.iter().rev() {
        if !matches!(batch.status, BatchStatus::Committed) {
            continue;
        }
        let mine: Vec<_> = files.iter().filter(|f| f.batch_id == batch.id).collect();
        let rows: u64 = mine.iter().map(|f| f.rows).sum();
        let mapped: u64 = mine.iter().map(|f| f.mapped).sum();
        let mut used: Vec<i64> = mine.iter().map(|f| f.mapping_version).collect();
        used.sort_unstable();
        used.dedup();
        let described: Vec<String> = used
            .iter()
            .map(|v| {
                versions
                    .iter()
                    .find(|m| m.id == *v)
                    .map(|m| format!("v{} ({})", m.id, m.source))
                    .unwrap_or_else(|| format!("v{v}"))
            })
            .collect();
        out.push(serde_json::json!({
            "batch": batch.id,
            "source": batch.source.path.file_name().map(|n| n.to_string_lossy().into_owned()),
            "mapping_versions": described,
            "offences": rows,
            "mapped": mapped,
            "unmapped": rows.saturating_sub(mapped),
            "unclassified_rows": batch.rows_stored.saturating_sub(rows),
        }));
    }
    Ok(out)
}

async fn admin_mapping_coverage(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    require(&caller, Role::Admin)?;
    let coverage = mapping_coverage(&state.figures).await?;
    Ok(private(json(&serde_json::json!({ "coverage": coverage }))))
}

async fn admin_audit(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    query: Pairs,
) -> ApiResult {
    require(&caller, Role::Admin)?;
    let mut audit = AuditQuery {
        limit: Some(100),
        ..AuditQuery::default()
    };
    for (k, v) in pairs(query)? {
        match k.as_str() {
            "action" => audit.action = Some(v),
            "actor" => audit.actor = Some(v),
            "since" => audit.since = Some(v),
            "after" => {
                audit.after_id = Some(v.parse().map_err(|_| {
                    ApiError::bad(
                        "bad_parameter",
                        format!("after: {v:?} is not an entry number"),
                    )
                })?)
            }
            "limit" => audit.limit = Some(parse_number("limit", &v, MAX_LIMIT)? as u64),
            other => {
                return Err(ApiError::bad(
                    "bad_parameter",
                    format!("unknown parameter {other:?}"),
                ));
            }
        }
    }
    let entries = state
        .figures
        .workspace()
        .audit_entries(&audit)
        .await
        .map_err(store_error)?;
    let list: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "id": e.id, "at": e.at, "actor": e.actor, "action": e.action,
                "target": e.target, "detail": e.detail,
            })
        })
        .collect();
    Ok(private(json(&serde_json::json!({ "entries": list }))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn query_strings_become_filters_limits_and_offsets() {
        let q = TableQuery::from_pairs(&pairs(&[("area", "01"), ("limit", "5"), ("offset", "10")]))
            .unwrap();
        assert_eq!(q.filters.get("area").map(String::as_str), Some("01"));
        assert_eq!((q.limit, q.offset), (5, 10));
        assert_eq!(TableQuery::from_pairs(&[]).unwrap().limit, DEFAULT_LIMIT);
        for bad in [
            &[("limit", "10001")][..],
            &[("limit", "-1")],
            &[("offset", "x")],
            &[("area", "01"), ("area", "02")],
            &[("area", "../../etc")],
            &[("area", "")],
        ] {
            let err = TableQuery::from_pairs(&pairs(bad)).unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST, "{bad:?}");
        }
    }

    #[test]
    fn only_what_the_manifest_lists_has_a_content_type() {
        assert_eq!(content_type("data/offences.csv"), "text/csv; charset=utf-8");
        assert_eq!(content_type("sdmx/data.xml"), "application/xml");
        assert_eq!(content_type("whatever"), "application/octet-stream");
    }
}
