//! What the dashboard asks of the rest of Evident.
//!
//! [`DashboardData`] is the one seam between the pages and the store, engine and
//! release builder: each method returns a finished view model. The dashboard
//! never computes a statistic itself.

use std::future::Future;
use std::pin::Pin;

use thiserror::Error;

use crate::query::ExplorerQuery;
use crate::view::{
    DataQualityView, EarlyWarningView, ExplorerView, HomeView, IndicatorSummary, ReleasesView,
};

/// Why the data layer could not produce a page.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DataError {
    /// The request names something that does not exist (an unknown indicator,
    /// an area not in the code list). Shown as 404 with the message.
    #[error("{0}")]
    NotFound(String),
    /// The request is well-formed but cannot be answered as asked (a filter the
    /// indicator has no breakdown for). Shown as 400 with the message.
    #[error("{0}")]
    BadRequest(String),
    /// Nothing to show yet (no release, no computed indicators). Shown as 503
    /// with the message, which should say what to run.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else. Logged by the data layer; the page says only that it failed.
    #[error("{0}")]
    Internal(String),
}

/// A boxed future, so that [`DashboardData`] can be used as a trait object.
pub type DataFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, DataError>> + Send + 'a>>;

/// The data behind the dashboard's pages. Implement it over the store, engine
/// and release catalogue; wrap each body in `Box::pin(async move { … })`.
///
/// Figures must already have passed disclosure control for the audience the
/// server is serving: the dashboard shows what it is given.
pub trait DashboardData: Send + Sync {
    /// The home page: headline indicators, flagged series, the latest release.
    fn home(&self) -> DataFuture<'_, HomeView>;

    /// The indicator explorer for these filters. Missing filters take the data
    /// layer's defaults, which it reports back in [`ExplorerView::filters`].
    fn explorer<'a>(&'a self, query: &'a ExplorerQuery) -> DataFuture<'a, ExplorerView>;

    /// The series flagged by the latest early-warning check.
    fn early_warning(&self) -> DataFuture<'_, EarlyWarningView>;

    /// Batches, quarantine counts by reason and mapping coverage.
    fn data_quality(&self) -> DataFuture<'_, DataQualityView>;

    /// Published releases and their files.
    fn releases(&self) -> DataFuture<'_, ReleasesView>;

    /// The latest national value and direction of each indicator (ids as in
    /// [`crate::kyoto::EVIDENCE_SOURCES`]); indicators not computed may be left out.
    fn indicator_summaries(&self) -> DataFuture<'_, Vec<IndicatorSummary>>;
}
