//! Serve: every table and view of the catalog over the PostgreSQL wire protocol, through
//! datafusion-postgres (pgwire), so psql, Grafana and Postgres drivers can query SHAPE.
//!
//! This first cut serves the shared context (simple and extended protocol, pg_catalog) on a
//! loopback address only, without authentication; see the README's "Use with psql" for
//! what is there and what is not yet.

use std::net::SocketAddr;
use std::sync::Arc;

use datafusion::prelude::SessionContext;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::setup_pg_catalog;
use datafusion_postgres::ServerOptions;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("invalid --listen {0:?}: expected HOST:PORT such as 127.0.0.1:5433")]
    Listen(String),
    #[error(
        "refusing to listen on {0}: without configured users SHAPE serves loopback addresses only \
         (use 127.0.0.1 or ::1)"
    )]
    NotLoopback(SocketAddr),
    #[error("cannot set up pg_catalog: {0}")]
    Catalog(String),
    #[error("server failed on {addr}: {source}")]
    Io {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Parses and checks the listen address (loopback only while there is no authentication).
pub fn listen_address(listen: &str) -> Result<SocketAddr, ServerError> {
    let addr: SocketAddr = listen
        .parse()
        .map_err(|_| ServerError::Listen(listen.to_string()))?;
    if !addr.ip().is_loopback() {
        return Err(ServerError::NotLoopback(addr));
    }
    Ok(addr)
}

/// Serves `ctx` until the process ends.
pub async fn serve(ctx: SessionContext, addr: SocketAddr) -> Result<(), ServerError> {
    setup_pg_catalog(&ctx, "datafusion", EmptyContextProvider)
        .map_err(|e| ServerError::Catalog(e.to_string()))?;
    let options = ServerOptions::new()
        .with_host(addr.ip().to_string())
        .with_port(addr.port());
    datafusion_postgres::serve(Arc::new(ctx), &options)
        .await
        .map_err(|source| ServerError::Io { addr, source })
}
