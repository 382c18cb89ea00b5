//! Integration tests of the release builder, in one binary (each test binary
//! links DataFusion through the engine; see the stack notes on build time).

mod clients;
mod common;
mod diff;
mod end_to_end;
mod hand;
mod tiny;
