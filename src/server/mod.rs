//! Serve: every table and view of the catalog over the PostgreSQL wire protocol, through
//! datafusion-postgres (pgwire), so psql, Grafana and Postgres drivers can query SHAPE.
//!
//! This first cut serves the shared context (simple and extended protocol, pg_catalog),
//! read-only, on a loopback address only, without authentication; see the README's "Use
//! with psql" for what is there and what is not yet.

use std::net::SocketAddr;
use std::sync::Arc;

use datafusion::common::ParamValues;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::Statement;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::setup_pg_catalog;
use datafusion_postgres::hooks::cursor::CursorStatementHook;
use datafusion_postgres::hooks::set_show::SetShowHook;
use datafusion_postgres::hooks::transactions::TransactionStatementHook;
use datafusion_postgres::hooks::HookClient;
use datafusion_postgres::pgwire::api::results::Response;
use datafusion_postgres::pgwire::api::ClientInfo;
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::{QueryHook, ServerOptions};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("invalid --listen {0:?}: expected HOST:PORT such as 127.0.0.1:5433")]
    Listen(String),
    #[error(
        "refusing to listen on {0}: without configured users SHAPE serves loopback addresses only \
         (use 127.0.0.1 or ::1)"
    )]
    NotLoopback(SocketAddr),
    #[error("cannot use TLS certificate {cert} and key {key}: {message}; refusing to start without the TLS that was asked for")]
    Tls {
        cert: String,
        key: String,
        message: String,
    },
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

/// Statements that would change data or schema; SHAPE's tables are written by ingest only.
const WRITE_KEYWORDS: &[&str] = &[
    "INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "DROP", "ALTER", "TRUNCATE", "COPY", "GRANT",
    "REVOKE", "VACUUM",
];

/// Refuses DDL and DML with SQLSTATE 25006 (read_only_sql_transaction), and SET of engine
/// settings with 0A000, on both protocols.
pub struct ReadOnlyHook;

impl ReadOnlyHook {
    fn refusal(statement: &Statement) -> Option<PgWireError> {
        let text = statement.to_string();
        let keyword = text.split_whitespace().next()?.to_ascii_uppercase();
        if WRITE_KEYWORDS.contains(&keyword.as_str()) {
            return Some(error(
                "25006",
                format!("SHAPE serves read-only: {keyword} is not allowed (data changes come from `shape ingest`)"),
            ));
        }
        // Engine settings live in the context every connection shares: a SET would leak into
        // other sessions, so it is refused until settings are kept per connection.
        let lowered = text.to_ascii_lowercase();
        let setting = lowered
            .strip_prefix("set ")
            .map(|rest| rest.trim_start_matches("session ").trim_start());
        if setting.is_some_and(|s| s.starts_with("shape.") || s.starts_with("datafusion.")) {
            return Some(error(
                "0A000",
                "SET of shape.* and datafusion.* settings is not supported over the wire yet (it would change \
                 every session); filter on explicit times instead, or use `shape query --as-of`"
                    .to_string(),
            ));
        }
        None
    }
}

fn error(sqlstate: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_string(),
        sqlstate.to_string(),
        message,
    )))
}

#[async_trait::async_trait]
impl QueryHook for ReadOnlyHook {
    async fn handle_simple_query(
        &self,
        statement: &Statement,
        _ctx: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        Self::refusal(statement).map(Err)
    }

    async fn handle_extended_parse_query(
        &self,
        statement: &Statement,
        _ctx: &SessionContext,
        _client: &(dyn ClientInfo + Send + Sync),
    ) -> Option<PgWireResult<LogicalPlan>> {
        Self::refusal(statement).map(Err)
    }

    async fn handle_extended_query(
        &self,
        statement: &Statement,
        _plan: &LogicalPlan,
        _params: &ParamValues,
        _ctx: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        Self::refusal(statement).map(Err)
    }
}

/// TLS certificate chain and PKCS#8 private key (PEM files).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: String,
    pub key: String,
}

impl TlsFiles {
    /// Checks the files the way the listener will load them: datafusion-postgres falls back
    /// to plaintext when they fail to load, so a bad file must stop the server here instead.
    pub fn validate(&self) -> Result<(), ServerError> {
        let fail = |message: String| ServerError::Tls {
            cert: self.cert.clone(),
            key: self.key.clone(),
            message,
        };
        let open = |path: &str| {
            std::fs::File::open(path)
                .map(std::io::BufReader::new)
                .map_err(|e| fail(format!("{path}: {e}")))
        };
        let certs = rustls_pemfile::certs(&mut open(&self.cert)?)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| fail(format!("{}: {e}", self.cert)))?;
        if certs.is_empty() {
            return Err(fail(format!("{}: no PEM certificate found", self.cert)));
        }
        let keys = rustls_pemfile::pkcs8_private_keys(&mut open(&self.key)?)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| fail(format!("{}: {e}", self.key)))?;
        if keys.is_empty() {
            return Err(fail(format!(
                "{}: no PKCS#8 private key found (BEGIN PRIVATE KEY)",
                self.key
            )));
        }
        Ok(())
    }
}

/// Serves `ctx` until the process ends.
pub async fn serve(
    ctx: SessionContext,
    addr: SocketAddr,
    max_connections: usize,
    tls: Option<TlsFiles>,
) -> Result<(), ServerError> {
    if let Some(tls) = &tls {
        tls.validate()?;
    }
    setup_pg_catalog(&ctx, "datafusion", EmptyContextProvider)
        .map_err(|e| ServerError::Catalog(e.to_string()))?;
    let options = ServerOptions::new()
        .with_host(addr.ip().to_string())
        .with_port(addr.port())
        .with_max_connections(max_connections)
        .with_tls_cert_path(tls.as_ref().map(|t| t.cert.clone()))
        .with_tls_key_path(tls.map(|t| t.key));
    // Read-only first, then datafusion-postgres' own hooks (cursors, SET/SHOW, transactions).
    let hooks: Vec<Arc<dyn QueryHook>> = vec![
        Arc::new(ReadOnlyHook),
        Arc::new(CursorStatementHook),
        Arc::new(SetShowHook),
        Arc::new(TransactionStatementHook),
    ];
    datafusion_postgres::serve_with_hooks(Arc::new(ctx), &options, hooks)
        .await
        .map_err(|source| ServerError::Io { addr, source })
}
