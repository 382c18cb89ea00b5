//! Integration tests that drive the real `evident` binary, one test binary for
//! the whole command line (each test binary links the full dependency tree).

mod browser;
mod common;
mod crash;
mod iccs;
mod ingest;
mod pipeline;
mod serve;
mod trends;
