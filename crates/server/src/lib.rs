//! Evident's web server: for now, the dashboard's presentation layer.
//!
//! This crate owns what a browser sees: the pages (overview, indicator
//! explorer, early warning, data quality, releases, and the Kyoto Declaration
//! page with its commitments and evidence), their view models, the embedded
//! static files (our CSS and JavaScript, and the Chart.js library vendored from
//! npm), and the axum routes that serve them with a strict
//! Content-Security-Policy.
//!
//! It deliberately knows nothing about where figures come from. The rest of
//! Evident implements [`DashboardData`] over the store, engine and release
//! catalogue, and hands the server finished view models whose cells have
//! already passed disclosure control. The dashboard computes no statistic;
//! it formats, describes and draws.
//!
//! Architecture invariant: this is the only crate that knows HTTP. Pages work
//! without JavaScript (tables and filter forms are plain HTML); charts are an
//! enhancement drawn from JSON data embedded in the page, and each has a text
//! alternative (a caption in words and the data table).
//!
//! To serve the dashboard:
//!
//! ```no_run
//! # async fn serve(data: std::sync::Arc<dyn evident_server::DashboardData>) -> std::io::Result<()> {
//! let app = evident_server::router(data);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

pub mod assets;
pub mod chart;
mod data;
pub mod format;
pub mod kyoto;
mod query;
mod render;
mod routes;
pub mod view;

pub use data::{DashboardData, DataError, DataFuture};
pub use kyoto::{KyotoError, KyotoView, kyoto_view};
pub use query::{ExplorerQuery, FilterError};
pub use render::{
    RenderError, render_data_quality, render_early_warning, render_error, render_explorer,
    render_home, render_kyoto, render_releases,
};
pub use routes::{CONTENT_SECURITY_POLICY, router, security_headers};
pub use view::*;
