//! Serves the dashboard over the hand-written FIXTURE data (an imaginary
//! country), for trying the pages and for the browser test and benchmark.
//!
//! ```sh
//! cargo run -p evident-server --example fixture_server -- 127.0.0.1:8080
//! ```
//!
//! Prints `listening on http://ADDR` once the socket is bound.

#[path = "../tests/fixture/mod.rs"]
mod fixture;

use std::sync::Arc;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let app = evident_server::router(Arc::new(fixture::FixtureData));
    axum::serve(listener, app).await
}
