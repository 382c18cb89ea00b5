//! Evident's web server: `evident serve`, the REST API, access control, the
//! audit trail of requests, and the dashboard.
//!
//! This crate owns HTTP: the API under `/api` with its OpenAPI document
//! ([`api`], [`openapi`]); API tokens and roles ([`auth`]); the audit of
//! authenticated requests ([`audit`]); serving published releases and the live
//! tables computed from the store, the latter protected as one cube per data
//! version ([`figures`], [`table`]); and [`site::WorkspaceData`], the
//! dashboard's data over a real workspace. [`serve`] runs it all.
//!
//! The dashboard's presentation layer owns what a browser sees: the pages (overview, indicator
//! explorer, early warning, data quality, releases, and the Kyoto Declaration
//! page with its commitments and evidence), their view models, the embedded
//! static files (our CSS and JavaScript, and the Chart.js library vendored from
//! npm), and the axum routes that serve them with a strict
//! Content-Security-Policy.
//!
//! The presentation layer knows nothing about where figures come from:
//! [`site::WorkspaceData`] implements [`DashboardData`] over the store and the
//! release catalogue and hands it finished view models whose cells have
//! already passed disclosure control (or, for the microdata role, are marked
//! as unprotected). The server computes no statistic and never adds cells up:
//! queries select cells of tables the release builder protected.
//!
//! Architecture invariant: this is the only crate that knows HTTP. Pages work
//! without JavaScript (tables and filter forms are plain HTML); charts are an
//! enhancement drawn from JSON data embedded in the page, and each has a text
//! alternative (a caption in words and the data table).
//!
//! To serve a workspace (what `evident serve` does):
//!
//! ```no_run
//! # async fn run() -> Result<(), evident_server::ServeError> {
//! let config = evident_server::ServeConfig {
//!     workspace: "valmora".into(),
//!     addr: "127.0.0.1:8080".parse().expect("address"),
//! };
//! evident_server::serve(config).await // prints the URL, runs until Ctrl-C
//! # }
//! ```
//!
//! It deliberately does not compute indicators (`evident compute` writes the
//! tables it serves), decide suppressions (`evident-release` and
//! `evident-disclosure` do), or hash identifiers.

pub mod api;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod chart;
mod data;
pub mod figures;
pub mod format;
pub mod kyoto;
pub mod openapi;
mod query;
mod render;
mod routes;
mod serve;
pub mod site;
pub mod table;
pub mod view;

pub use data::{DashboardData, DataError, DataFuture};
pub use kyoto::{KyotoError, KyotoView, kyoto_view};
pub use query::{ExplorerQuery, FilterError};
pub use render::{
    RenderError, render_data_quality, render_early_warning, render_error, render_explorer,
    render_home, render_kyoto, render_releases,
};
pub use routes::{CONTENT_SECURITY_POLICY, router, security_headers};
pub use serve::{App, ServeConfig, ServeError, Server, app, serve, shutdown_signal};
pub use view::*;
