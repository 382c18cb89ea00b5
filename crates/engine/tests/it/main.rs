//! Engine tests over a tiny country whose every figure is computed by hand in
//! `fixture.rs`, run on the local engine and, with the `ballista-standalone`
//! feature, on an in-process Ballista cluster.

#[cfg(feature = "ballista-standalone")]
mod ballista;
mod classification;
mod cube;
mod evaluation;
mod fixture;
mod indicators;
mod joins;
mod published;
mod series;
