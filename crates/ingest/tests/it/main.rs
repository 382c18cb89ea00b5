//! Ingest tests against real workspaces in temporary directories.

mod support;

mod bad_input;
mod batches;
mod formats;
mod privacy;
mod properties;
mod real_data;
mod synthetic;
