//! The OpenAPI 3.1 description of the API, served at `/api/openapi.json`.
//!
//! Written by hand, beside the routes it describes; a test checks that every
//! route of [`crate::api::router`] appears here and the other way round.

use serde_json::{Value, json};

/// Every path of the document, with its methods (for the consistency test).
pub const PATHS: &[(&str, &str)] = &[
    ("get", "/api/health"),
    ("get", "/api/ready"),
    ("get", "/api/openapi.json"),
    ("get", "/api/whoami"),
    ("get", "/api/releases"),
    ("get", "/api/releases/{id}"),
    ("get", "/api/releases/{id}/files/{path}"),
    ("get", "/api/releases/{id}/indicators/{indicator}"),
    ("post", "/api/releases/{id}/query"),
    ("get", "/api/live/indicators"),
    ("get", "/api/live/indicators/{indicator}"),
    ("post", "/api/live/query"),
    ("get", "/api/admin/batches"),
    ("get", "/api/admin/batches/{id}"),
    ("get", "/api/admin/quarantine"),
    ("get", "/api/admin/quarantine/reasons"),
    ("get", "/api/admin/mapping-coverage"),
    ("get", "/api/admin/audit"),
];

fn error_responses(extra: &[(&str, &str)]) -> Value {
    let mut responses = serde_json::Map::new();
    for (status, description) in extra {
        responses.insert(
            (*status).to_owned(),
            json!({
                "description": description,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
            }),
        );
    }
    Value::Object(responses)
}

fn ok(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn operation(
    summary: &str,
    role: &str,
    params: Vec<Value>,
    success: Value,
    errors: &[(&str, &str)],
) -> Value {
    let mut responses = error_responses(errors);
    if let Value::Object(map) = &mut responses {
        map.insert("200".to_owned(), success);
    }
    let mut op = json!({
        "summary": summary,
        "x-evident-role": role,
        "parameters": params,
        "responses": responses,
    });
    if role != "public" {
        op["security"] = json!([{ "bearer": [] }]);
    }
    op
}

fn path_param(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": { "type": "string" } })
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn filter_params() -> Vec<Value> {
    let mut params: Vec<Value> = crate::table::FILTERABLE
        .iter()
        .map(|d| {
            query_param(
                d,
                "Keep rows whose code in this column equals the value (exact match; one value). \
                 A column the table does not have is refused with `unknown_filter`.",
                json!({ "type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9_.-]+$" }),
            )
        })
        .collect();
    params.push(query_param(
        "limit",
        "Rows returned at most (default 1000).",
        json!({ "type": "integer", "minimum": 0, "maximum": 10000 }),
    ));
    params.push(query_param(
        "offset",
        "Rows skipped first (see next_offset).",
        json!({ "type": "integer", "minimum": 0 }),
    ));
    params
}

fn body() -> Value {
    json!({
        "required": true,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Query" } } }
    })
}

/// The document.
pub fn document() -> Value {
    let table = json!({ "$ref": "#/components/schemas/TableResult" });
    let any = json!({ "type": "object" });
    let query_errors: &[(&str, &str)] = &[
        (
            "400",
            "A malformed filter, limit or offset, or a filter the table does not have (`unknown_filter`).",
        ),
        ("404", "No such release or indicator."),
        ("503", "Nothing published or computed yet."),
    ];
    let auth_errors: &[(&str, &str)] = &[
        (
            "401",
            "No token, or an invalid, expired or revoked one (answered after a delay).",
        ),
        ("403", "The token's role is too weak."),
    ];
    let join = |a: &[(&'static str, &'static str)],
                b: &[(&'static str, &'static str)]|
     -> Vec<(&'static str, &'static str)> { a.iter().chain(b).copied().collect() };
    let live_errors = join(query_errors, auth_errors);
    let body_errors: Vec<(&str, &str)> = join(
        query_errors,
        &[
            ("413", "The body is larger than 16 KiB (`body_too_large`)."),
            ("415", "The body is not `application/json`."),
        ],
    );
    let live_body_errors = join(&body_errors, auth_errors);
    let mut release_query_params = vec![
        path_param("id", "Release id, or `latest`."),
        path_param("indicator", "Indicator id."),
    ];
    release_query_params.extend(filter_params());
    let mut live_query_params = vec![path_param("indicator", "Indicator id.")];
    live_query_params.extend(filter_params());
    let mut post_release = operation(
        "Query a release's indicator table with a JSON body",
        "public",
        vec![path_param("id", "Release id, or `latest`.")],
        ok("The matching rows.", table.clone()),
        &body_errors,
    );
    post_release["requestBody"] = body();
    let mut post_live = operation(
        "Live query with a JSON body",
        "analyst",
        vec![],
        ok("The matching rows.", table.clone()),
        &live_body_errors,
    );
    post_live["requestBody"] = body();
    let admin_errors: &[(&str, &str)] = auth_errors;

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Evident API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Crime and criminal-justice statistics classified by ICCS: published releases (public), \
                live indicator tables after disclosure control (analyst), and the workspace's data quality (admin). \
                Queries select cells of tables by exact codes; they never add cells up. See docs/api.md."
        },
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "An API token from `evident tokens create`: evt_<id>_<64 hex digits>." }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": {
                        "code": { "type": "string", "description": "Stable: not_found, unknown_indicator, unknown_filter, bad_parameter, malformed_body, body_too_large, unsupported_media_type, unauthorized, invalid_token, expired_token, revoked_token, forbidden, method_not_allowed, timeout, unavailable, internal." },
                        "message": { "type": "string" }
                    } } }
                },
                "Query": {
                    "type": "object",
                    "required": ["indicator"],
                    "additionalProperties": false,
                    "properties": {
                        "indicator": { "type": "string" },
                        "filters": { "type": "object", "additionalProperties": { "type": "string" } },
                        "limit": { "type": "integer", "minimum": 0, "maximum": 10000 },
                        "offset": { "type": "integer", "minimum": 0 }
                    }
                },
                "TableResult": {
                    "type": "object",
                    "required": ["indicator", "source", "columns", "total", "offset", "limit", "rows"],
                    "properties": {
                        "indicator": { "type": "string" },
                        "source": { "type": "object", "description": "The release (and its disclosure control), or the live data version and its protection." },
                        "filters": { "type": "object", "additionalProperties": { "type": "string" } },
                        "columns": { "type": "array", "items": { "type": "string" } },
                        "total": { "type": "integer", "description": "Rows matching the filters." },
                        "offset": { "type": "integer" },
                        "limit": { "type": "integer" },
                        "next_offset": { "type": ["integer", "null"] },
                        "rows": { "type": "array", "items": { "type": "object", "description": "Column → value. A withheld value is null with obs_status Q and conf_status C (primary) or D (secondary)." } }
                    }
                }
            }
        },
        "paths": {
            "/api/health": { "get": operation("Liveness: the process answers", "public", vec![], ok("Alive.", any.clone()), &[]) },
            "/api/ready": { "get": operation("Readiness: the catalog answers and releases can be listed", "public", vec![], ok("Ready (503 with the same body when not).", any.clone()), &[("503", "Not ready.")]) },
            "/api/openapi.json": { "get": operation("This document", "public", vec![], ok("OpenAPI 3.1.", any.clone()), &[]) },
            "/api/whoami": { "get": operation("The caller's user and role (public without a token)", "public", vec![], ok("Who you are.", any.clone()), &[("401", "An invalid, expired or revoked token.")]) },
            "/api/releases": { "get": operation("Published releases, newest first", "public", vec![], ok("Releases.", any.clone()), &[]) },
            "/api/releases/{id}": { "get": operation("A release: its indicators, disclosure settings and files with SHA-256", "public", vec![path_param("id", "Release id, or `latest`.")], ok("The release.", any.clone()), &[("404", "No such release.")]) },
            "/api/releases/{id}/files/{path}": { "get": operation("Download a file listed in the release's manifest (nothing else is served)", "public", vec![path_param("id", "Release id, or `latest`."), path_param("path", "The file's path as the manifest lists it, e.g. data/offences.csv.")], json!({ "description": "The file, as an attachment; ETag is its SHA-256." }), &[("404", "The manifest lists no such file.")]) },
            "/api/releases/{id}/indicators/{indicator}": { "get": operation("Rows of a release's protected indicator table", "public", release_query_params, ok("The matching rows.", table.clone()), query_errors) },
            "/api/releases/{id}/query": { "post": post_release },
            "/api/live/indicators": { "get": operation("Live indicator tables: protected for analysts, unprotected for the microdata role", "analyst", vec![], ok("Tables, their columns and filters, and the data version.", any.clone()), &live_errors) },
            "/api/live/indicators/{indicator}": { "get": operation("Rows of a live indicator table (one protected cube per data version; filters select its cells)", "analyst", live_query_params, ok("The matching rows.", table.clone()), &live_errors) },
            "/api/live/query": { "post": post_live },
            "/api/admin/batches": { "get": operation("Ingest batches, newest first, with reconciliation", "admin", vec![query_param("kind", "Only this record kind.", json!({ "type": "string" }))], ok("Batches.", any.clone()), admin_errors) },
            "/api/admin/batches/{id}": { "get": operation("One batch with its ingest summary", "admin", vec![path_param("id", "Batch number.")], ok("The batch.", any.clone()), &join(admin_errors, &[("404", "No such batch.")])) },
            "/api/admin/quarantine": { "get": operation("Problems found in quarantined and duplicate rows", "admin", vec![
                query_param("batch", "Only this batch.", json!({ "type": "integer" })),
                query_param("category", "invalid or duplicate.", json!({ "type": "string", "enum": ["invalid", "duplicate"] })),
                query_param("limit", "At most this many (default 100).", json!({ "type": "integer", "maximum": 10000 }))
            ], ok("Entries.", any.clone()), admin_errors) },
            "/api/admin/quarantine/reasons": { "get": operation("Rows set aside as invalid, by reason", "admin", vec![], ok("Counts by reason.", any.clone()), admin_errors) },
            "/api/admin/mapping-coverage": { "get": operation("Offences mapped to ICCS per batch", "admin", vec![], ok("Coverage.", any.clone()), admin_errors) },
            "/api/admin/audit": { "get": operation("The audit log, newest entries (oldest first)", "admin", vec![
                query_param("action", "Only this action (request, publish, user.role, auth.failed …).", json!({ "type": "string" })),
                query_param("actor", "Only this actor.", json!({ "type": "string" })),
                query_param("since", "Only entries at or after this RFC 3339 time.", json!({ "type": "string" })),
                query_param("after", "Only entries after this id.", json!({ "type": "integer" })),
                query_param("limit", "At most this many (default 100).", json!({ "type": "integer", "maximum": 10000 }))
            ], ok("Entries.", any), admin_errors) }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_every_path_once_with_its_method() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(paths.len(), PATHS.len());
        for (method, path) in PATHS {
            let op = &paths[*path][*method];
            assert!(op.is_object(), "{method} {path}");
            assert!(op["responses"]["200"].is_object(), "{method} {path}");
            let role = op["x-evident-role"].as_str().unwrap();
            assert_eq!(op["security"].is_array(), role != "public", "{path}");
            // Every {parameter} of the path is declared.
            for part in path.split('/').filter(|p| p.starts_with('{')) {
                let name = part.trim_matches(|c| c == '{' || c == '}');
                let declared = op["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["name"] == name && p["in"] == "path");
                assert!(declared, "{path}: {name}");
            }
        }
    }
}
