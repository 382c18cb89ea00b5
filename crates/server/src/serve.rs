//! `evident serve`: the API and the dashboard on one address.
//!
//! Every request passes one gate: a bearer token, if sent, is checked (a bad
//! one is refused after a delay and the failure audited; it never falls back
//! to anonymous access), the caller's role chooses which figures the
//! dashboard shows (the latest release for the public, the protected live
//! tables for analysts, the unprotected ones for the microdata role and
//! administrators), and every authenticated request is written to the audit
//! log after it is answered.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{Next, from_fn_with_state, map_response};
use axum::response::{IntoResponse, Response};
use evident_store::{NewAuditEntry, Role, Workspace, now_utc};
use tower::ServiceExt;

use crate::api::{self, ApiError, ApiState};
use crate::audit::{AuditTrail, AuditWriter};
use crate::auth::{Authenticator, Caller};
use crate::figures::Figures;
use crate::routes::security_headers;
use crate::site::WorkspaceData;

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The workspace directory.
    pub workspace: PathBuf,
    /// The address to listen on; port 0 picks a free port (see [`Server::local_addr`]).
    pub addr: SocketAddr,
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The workspace cannot be opened.
    #[error(transparent)]
    Workspace(#[from] evident_store::StoreError),
    /// The address cannot be bound, or the connection loop failed.
    #[error("{what}: {error}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        error: std::io::Error,
    },
}

/// The whole application: API, dashboard, gate, audit.
pub struct App {
    /// The router to serve (with connect info, see [`Server::run_until`]).
    pub router: Router,
    /// The audit writer: await [`AuditWriter::finish`] after the router is dropped.
    pub audit: AuditWriter,
    /// The figures behind both, for warming up.
    pub figures: Arc<Figures>,
}

#[derive(Clone)]
struct Gate {
    auth: Arc<Authenticator>,
    audit: AuditTrail,
}

#[derive(Clone)]
struct Dashboards {
    by_role: Arc<[(Role, Router); 4]>,
}

/// Builds the application over an open workspace (must run inside a tokio runtime).
pub fn app(ws: Arc<Workspace>) -> App {
    let figures = Arc::new(Figures::new(ws.clone()));
    let (audit, writer) = AuditTrail::start(ws.clone());
    let gate = Gate {
        auth: Arc::new(Authenticator::new(ws)),
        audit,
    };
    let dashboard = |role: Role| {
        (
            role,
            crate::routes::router(Arc::new(WorkspaceData::new(figures.clone(), role))),
        )
    };
    let dashboards = Dashboards {
        by_role: Arc::new([
            dashboard(Role::Public),
            dashboard(Role::Analyst),
            dashboard(Role::Microdata),
            dashboard(Role::Admin),
        ]),
    };
    let api = api::router(ApiState {
        figures: figures.clone(),
    });
    let dashboard: Router = Router::new()
        .fallback(dashboard_for_caller)
        .with_state(dashboards);
    let router = Router::new()
        .nest("/api", api)
        .fallback_service(dashboard)
        .layer(from_fn_with_state(gate, identify))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        // Outside the timeout, so that its answer is explained and carries
        // the security headers too.
        .layer(map_response(explain_timeout))
        .layer(map_response(security_headers));
    App {
        router,
        audit: writer,
        figures,
    }
}

/// How long a request may take before it is answered with `timeout`.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// The timeout layer answers with an empty body: give it the API's JSON error.
async fn explain_timeout(response: Response) -> Response {
    if response.status() == StatusCode::REQUEST_TIMEOUT
        && !response.headers().contains_key(CONTENT_TYPE)
    {
        return ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            format!(
                "The request took longer than {} s; live figures may still be being \
                 prepared: retry in a minute.",
                REQUEST_TIMEOUT.as_secs()
            ),
        )
        .into_response();
    }
    response
}

async fn dashboard_for_caller(State(dashboards): State<Dashboards>, request: Request) -> Response {
    let role = request
        .extensions()
        .get::<Caller>()
        .map_or(Role::Public, |c| c.role);
    let router = dashboards
        .by_role
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, router)| router.clone());
    match router {
        Some(router) => match router.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn bearer(request: &Request) -> Option<Result<String, ()>> {
    let value = request.headers().get(AUTHORIZATION)?;
    let text = value.to_str().map_err(|_| ());
    Some(text.and_then(|t| {
        let (scheme, token) = t.trim().split_once(' ').ok_or(())?;
        if scheme.eq_ignore_ascii_case("bearer") {
            Ok(token.trim().to_owned())
        } else {
            Err(())
        }
    }))
}

async fn identify(State(gate): State<Gate>, mut request: Request, next: Next) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let caller = match bearer(&request) {
        None => Caller::anonymous(),
        Some(presented) => {
            let outcome = match presented {
                Ok(token) => gate.auth.authenticate(&token, ip).await,
                // Not even a bearer token: refused as a token that cannot
                // parse, so it is slowed down, queued and counted like any
                // other failure from this address.
                Err(()) => gate.auth.authenticate("", ip).await,
            };
            match outcome {
                Ok(caller) => caller,
                Err(refusal) => {
                    gate.audit
                        .record(NewAuditEntry {
                            at: now_utc(),
                            actor: "anonymous".into(),
                            action: "auth.failed".into(),
                            target: format!("{method} {path}"),
                            detail: serde_json::json!({ "reason": refusal.code(), "ip": ip.to_string() }),
                        })
                        .await;
                    let mut response =
                        ApiError::new(StatusCode::UNAUTHORIZED, refusal.code(), refusal.message())
                            .into_response();
                    response
                        .headers_mut()
                        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                    return response;
                }
            }
        }
    };
    request.extensions_mut().insert(caller.clone());
    let mut response = next.run(request).await;
    if let Some(user) = caller.user {
        // Figures for a signed-in caller must not be kept by shared caches.
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
        gate.audit
            .record(NewAuditEntry {
                at: now_utc(),
                actor: user,
                action: "request".into(),
                target: format!("{method} {path}"),
                detail: serde_json::json!({
                    "status": response.status().as_u16(),
                    "query": query,
                    "role": caller.role.name(),
                    "token": caller.token_id,
                    "ip": ip.to_string(),
                }),
            })
            .await;
    }
    response
}

/// A bound server, not yet accepting connections.
pub struct Server {
    listener: tokio::net::TcpListener,
    app: App,
    ws: Arc<Workspace>,
}

impl Server {
    /// Opens the workspace and binds the address.
    pub async fn bind(config: &ServeConfig) -> Result<Server, ServeError> {
        let ws = Arc::new(Workspace::open(&config.workspace).await?);
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|error| ServeError::Io {
                what: format!("cannot listen on {}", config.addr),
                error,
            })?;
        let app = app(ws.clone());
        Ok(Server { listener, app, ws })
    }

    /// The address actually bound (the port chosen when 0 was asked for).
    pub fn local_addr(&self) -> Result<SocketAddr, ServeError> {
        self.listener.local_addr().map_err(|error| ServeError::Io {
            what: "reading the bound address".into(),
            error,
        })
    }

    /// Serves until `shutdown` completes, then finishes open requests and
    /// writes the queued audit entries.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let Server { listener, app, ws } = self;
        let App {
            router,
            audit,
            figures,
        } = app;
        // Warm up: check the latest release and load the live tables now, not
        // on the first request that needs them. Protecting the live tables is
        // left to the first analyst who asks: on a large workspace it takes
        // minutes of a core that a public-only server should not spend.
        let warm = figures.clone();
        let warming = tokio::spawn(async move {
            let _ = warm.release("latest").await;
            if let Err(e) = warm.live().await {
                tracing::info!(reason = %e, "live figures are not available yet");
            }
        });
        let served = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|error| ServeError::Io {
            what: "serving".into(),
            error,
        });
        warming.abort();
        drop(figures);
        audit.finish().await;
        ws.close().await;
        served
    }
}

/// Serves the workspace on `config.addr`: prints the address, then runs
/// until Ctrl-C (or SIGTERM).
pub async fn serve(config: ServeConfig) -> Result<(), ServeError> {
    let server = Server::bind(&config).await?;
    let addr = server.local_addr()?;
    println!("Evident is serving http://{addr}/ (API at http://{addr}/api, Ctrl-C to stop)");
    server.run_until(shutdown_signal()).await
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_timeout_is_answered_with_the_api_error_and_other_answers_pass() {
        let bare = StatusCode::REQUEST_TIMEOUT.into_response();
        let explained = explain_timeout(bare).await;
        assert_eq!(explained.status(), StatusCode::REQUEST_TIMEOUT);
        let body = axum::body::to_bytes(explained.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "timeout");
        assert!(body["error"]["message"].as_str().unwrap().contains("120 s"));

        let page = (StatusCode::OK, "fine").into_response();
        let passed = explain_timeout(page).await;
        assert_eq!(passed.status(), StatusCode::OK);
        let body = axum::body::to_bytes(passed.into_body(), 1 << 16)
            .await
            .unwrap();
        assert_eq!(&body[..], b"fine");
    }
}
