//! Serve: every table and view of the catalog over the PostgreSQL wire protocol, so psql,
//! Grafana and Postgres drivers can query SHAPE.
//!
//! datafusion-postgres (pgwire) parses, plans and encodes; this module owns the parts a
//! shared service must get right, each in its own file:
//! - [`auth`]: SCRAM-SHA-256 for `[[user]]` entries, TLS required when configured (a TLS
//!   setup that cannot load stops the server), a refusal with 53300 when full;
//! - [`session`]: one `SessionContext` per connection (per-session `SET shape.as_of`,
//!   `statement_timeout` bounding execution as well as planning, cancel requests), read-only;
//! - [`execute`], [`cache`], [`encode`]: plain queries planned once per session, answered
//!   from a result cache shared by sessions, run and encoded column by column on the query
//!   runtime;
//! - [`errors`]: PostgreSQL's SQLSTATE, message, hint and cursor position for what fails;
//! - [`pg_names`]: result columns named as PostgreSQL names them;
//! - [`copy`]: `COPY (query) TO STDOUT` in text, CSV and binary;
//! - [`settings`]: `SET`/`SHOW`/`RESET` of per-session settings;
//! - [`information_schema`]: PostgreSQL type names in `information_schema.columns`;
//! - [`pg_catalog`], [`pg_functions`], [`pg_syntax`]: what psql's meta-commands, SQLAlchemy's
//!   inspector, pgcli and JDBC metadata calls need beyond datafusion-pg-catalog.
//!
//! A malformed or hostile protocol message ends that connection only: pgwire's decoder
//! rejects it and the connection task returns, other connections keep their own tasks.

pub mod auth;
pub mod cache;
mod connection;
pub mod copy;
mod descriptions;
pub mod encode;
mod errors;
pub mod execute;
pub mod information_schema;
pub mod pg_catalog;
mod pg_format;
pub mod pg_functions;
pub mod pg_names;
pub mod pg_syntax;
pub mod session;
pub mod settings;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::{MemTable, TableType};
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionContext;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::setup_pg_catalog;
use datafusion_postgres::hooks::cursor::CursorStatementHook;
use datafusion_postgres::hooks::set_show::SetShowHook;
use datafusion_postgres::hooks::transactions::TransactionStatementHook;
use datafusion_postgres::pgwire::api::cancel::CancelHandler;
use datafusion_postgres::pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use datafusion_postgres::pgwire::api::{
    auth::StartupHandler, PgWireServerHandlers, RandomPidSecretKeyGenerator,
};
use datafusion_postgres::pgwire::tokio::tokio_rustls::rustls;
use datafusion_postgres::pgwire::tokio::TlsAcceptor;
use datafusion_postgres::QueryHook;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::runtime::Handle;

use crate::config::Config;
use crate::storage::DataStore;
use auth::{ConnectionStartup, Users};
use cache::ResultCache;
use copy::CopyToStdoutHook;
use pg_syntax::PgSyntaxHook;
use session::{
    CancelRegistry, CancelRequests, ReadOnlyHook, SavepointHook, SessionQueries, SharedCaches,
};
use settings::{parse_pg_duration, SessionSettingsHook};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("invalid listen address {0:?}: expected HOST:PORT such as 127.0.0.1:5433")]
    Listen(String),
    #[error(
        "refusing to listen on {0}: without configured users SHAPE serves loopback addresses only \
         (use 127.0.0.1 or ::1, or add [[user]] entries with password_env to the config)"
    )]
    NotLoopback(SocketAddr),
    #[error("invalid {flag}: {message}")]
    Flag { flag: String, message: String },
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("user {user:?}: environment variable {var} {problem}; refusing to start with a user nobody can log in as")]
    Password {
        user: String,
        var: String,
        problem: &'static str,
    },
    #[error("cannot use TLS certificate {cert} and key {key}: {message}; refusing to start without the TLS that was asked for")]
    Tls {
        cert: String,
        key: String,
        message: String,
    },
    #[error("cannot set up the catalog for serving: {0}")]
    Catalog(String),
    #[error("cannot start the query runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot listen on {addr}: {source}")]
    Io {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// `[server]` in shape.toml, and the same keys as `shape serve` flags (a flag overrides
/// its key).
#[derive(Debug, Clone, Default, Deserialize, clap::Args)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSection {
    /// Address to listen on, HOST:PORT [default: 127.0.0.1:5433]; loopback only unless
    /// users are configured.
    #[arg(long)]
    pub listen: Option<String>,
    /// Memory for running queries, e.g. 512MB [default: 2GB]; a query needing more fails,
    /// the server stays.
    #[arg(long)]
    pub memory_limit: Option<String>,
    /// Connections served at once [default: 100]; more are refused with SQLSTATE 53300.
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// Default statement_timeout of each session, e.g. 30s [default: 60s]; sessions change
    /// theirs with SET statement_timeout. 0 means none.
    #[arg(long)]
    pub statement_timeout: Option<String>,
    /// TLS certificate chain (PEM; in the config, relative to it); with --tls-key. When TLS
    /// is on, plaintext connections are refused, and a file that cannot be loaded stops
    /// the server [default: no TLS].
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<String>,
    /// TLS private key (PKCS#8 PEM); with --tls-cert [default: no TLS].
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<String>,
    /// Memory for results kept for repeated statements (shared by sessions, least recently
    /// used out first), e.g. 64MB; 0 turns the result cache off [default: 256MB].
    #[arg(long)]
    pub result_cache: Option<String>,
    /// How long a cached result that read the clock (now(), the SLO views at
    /// shape.as_of = now) is reused, e.g. 30s; 0 never reuses one [default: 15s].
    #[arg(long)]
    pub result_cache_max_age: Option<String>,
    /// Also serve the dashboard, the JSON API and /metrics over HTTP on HOST:PORT, e.g.
    /// 127.0.0.1:8080 (in the config: `[http] listen`) [default: no HTTP].
    #[arg(long, value_name = "HOST:PORT")]
    #[serde(skip)]
    pub http: Option<String>,
    /// Serve HTTP only: no PostgreSQL listener.
    #[arg(long)]
    #[serde(skip)]
    pub http_only: bool,
}

/// One `[[user]]`: a login whose password is read from an environment variable at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSection {
    pub name: String,
    pub password_env: String,
}

/// Everything `serve` needs, resolved from config, flags and environment.
#[derive(Debug)]
pub struct ServerSettings {
    pub addr: SocketAddr,
    /// Bytes of the query memory pool shared by all sessions.
    pub memory_limit: usize,
    pub max_connections: usize,
    pub statement_timeout: Option<Duration>,
    pub tls: Option<TlsFiles>,
    /// (name, password) pairs.
    pub users: Vec<(String, String)>,
    /// Bytes of the result cache (0: off).
    pub result_cache_bytes: usize,
    /// How long a result that read the clock is reused.
    pub result_cache_max_age: Duration,
}

impl ServerSettings {
    /// Reads `[server]` and `[[user]]`, applies `flags` on top, reads passwords from the
    /// environment and checks the listen address.
    pub fn load(config: &Config, flags: ServerSection) -> Result<ServerSettings, ServerError> {
        let base = config.base_dir();
        // A setting's source: a `--flag`, or a key of the config file.
        let invalid = |field: &str, message: String| {
            if field.starts_with("--") {
                ServerError::Flag {
                    flag: field.to_string(),
                    message,
                }
            } else {
                ServerError::Config(config.invalid(field, message))
            }
        };
        let section: ServerSection = config.section("server")?;
        let users: Vec<UserSection> = config.section("user")?;
        let from_config = |key: &str, value: &Option<String>| {
            value.as_ref().map(|v| (v.clone(), format!("server.{key}")))
        };

        let listen = flags
            .listen
            .or(section.listen)
            .unwrap_or_else(|| "127.0.0.1:5433".into());
        let addr: SocketAddr = listen
            .parse()
            .map_err(|_| ServerError::Listen(listen.clone()))?;

        let timeout_text = flags
            .statement_timeout
            .map(|t| (t, "--statement-timeout".to_string()))
            .or_else(|| from_config("statement_timeout", &section.statement_timeout))
            .unwrap_or_else(|| ("60s".into(), "default".into()));
        let statement_timeout =
            parse_pg_duration(&timeout_text.0).map_err(|m| invalid(&timeout_text.1, m))?;

        // Paths from the config file are relative to it; flags are relative to the cwd.
        let tls = match (flags.tls_cert, flags.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            _ => match (section.tls_cert, section.tls_key) {
                (Some(cert), Some(key)) => Some(TlsFiles {
                    cert: base.join(cert).to_string_lossy().into_owned(),
                    key: base.join(key).to_string_lossy().into_owned(),
                }),
                (None, None) => None,
                _ => {
                    return Err(invalid(
                        "server",
                        "tls_cert and tls_key go together: set both or neither".into(),
                    ))
                }
            },
        };

        let mut resolved_users = Vec::new();
        for (i, user) in users.iter().enumerate() {
            if user.name.is_empty() || resolved_users.iter().any(|(n, _)| n == &user.name) {
                return Err(invalid(
                    &format!("user[{i}].name"),
                    format!("{:?} is empty or repeated", user.name),
                ));
            }
            let password = match std::env::var(&user.password_env) {
                Ok(p) if !p.is_empty() => p,
                Ok(_) => {
                    return Err(ServerError::Password {
                        user: user.name.clone(),
                        var: user.password_env.clone(),
                        problem: "is empty",
                    })
                }
                Err(_) => {
                    return Err(ServerError::Password {
                        user: user.name.clone(),
                        var: user.password_env.clone(),
                        problem: "is not set (or not UTF-8)",
                    })
                }
            };
            resolved_users.push((user.name.clone(), password));
        }
        if resolved_users.is_empty() && !addr.ip().is_loopback() {
            return Err(ServerError::NotLoopback(addr));
        }

        let (memory_text, memory_source) = flags
            .memory_limit
            .map(|m| (m, "--memory-limit".to_string()))
            .or_else(|| from_config("memory_limit", &section.memory_limit))
            .unwrap_or_else(|| ("2GB".into(), "default".into()));
        let memory_limit = crate::common::parse_size(&memory_text).map_err(|_| {
            invalid(
                &memory_source,
                format!("{memory_text:?} is not a size such as 512MB or 2GB"),
            )
        })? as usize;
        let (cache_text, cache_source) = flags
            .result_cache
            .map(|m| (m, "--result-cache".to_string()))
            .or_else(|| from_config("result_cache", &section.result_cache))
            .unwrap_or_else(|| ("256MB".into(), "default".into()));
        let result_cache_bytes = match cache_text.trim() {
            "0" => 0,
            text => crate::common::parse_size(text).map_err(|_| {
                invalid(
                    &cache_source,
                    format!("{cache_text:?} is not a size such as 64MB or 1GB (or 0 for off)"),
                )
            })? as usize,
        };
        let (age_text, age_source) = flags
            .result_cache_max_age
            .map(|t| (t, "--result-cache-max-age".to_string()))
            .or_else(|| from_config("result_cache_max_age", &section.result_cache_max_age))
            .unwrap_or_else(|| ("15s".into(), "default".into()));
        let result_cache_max_age = parse_pg_duration(&age_text)
            .map_err(|m| invalid(&age_source, m))?
            .unwrap_or(Duration::ZERO);
        let max_connections = flags
            .max_connections
            .or(section.max_connections)
            .unwrap_or(100);
        if max_connections == 0 {
            let source = if flags.max_connections.is_some() {
                "--max-connections"
            } else {
                "server.max_connections"
            };
            return Err(invalid(
                source,
                "must be at least 1 (0 would refuse every connection)".into(),
            ));
        }

        Ok(ServerSettings {
            addr,
            memory_limit,
            max_connections,
            statement_timeout,
            tls,
            users: resolved_users,
            result_cache_bytes,
            result_cache_max_age,
        })
    }
}

/// TLS certificate chain and PKCS#8 private key (PEM files).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: String,
    pub key: String,
}

impl TlsFiles {
    /// Loads the certificate and key into an acceptor; any failure stops the server.
    pub fn acceptor(&self) -> Result<TlsAcceptor, ServerError> {
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
        let key = rustls_pemfile::pkcs8_private_keys(&mut open(&self.key)?)
            .next()
            .ok_or_else(|| {
                fail(format!(
                    "{}: no PKCS#8 private key found (BEGIN PRIVATE KEY)",
                    self.key
                ))
            })?
            .map_err(|e| fail(format!("{}: {e}", self.key)))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| fail(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(certs, key.into())
            .map_err(|e| fail(e.to_string()))?;
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

/// What every connection shares.
struct Shared {
    ctx: SessionContext,
    query_runtime: Handle,
    users: Arc<Users>,
    require_tls: bool,
    cancels: Arc<CancelRegistry>,
    pids: Arc<RandomPidSecretKeyGenerator>,
    statement_timeout: Option<Duration>,
    max_connections: usize,
    open: AtomicUsize,
    caches: SharedCaches,
}

/// The handlers of one connection: its own context and session state.
struct Connection {
    queries: Arc<SessionQueries>,
    startup: Arc<ConnectionStartup>,
    cancel: Arc<CancelRequests>,
}

impl PgWireServerHandlers for Connection {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.queries.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.queries.clone()
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.startup.clone()
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        self.cancel.clone()
    }
}

/// Counts a connection as open for as long as it lives.
struct OpenSlot(Arc<Shared>);

impl Drop for OpenSlot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Shared {
    fn connection(self: &Arc<Self>) -> (Connection, OpenSlot) {
        let open = self.open.fetch_add(1, Ordering::SeqCst) + 1;
        let slot = OpenSlot(self.clone());
        // Cancel requests arrive on short connections of their own; they count briefly too,
        // so a full server still accepts them only when a slot is free (PostgreSQL does the same).
        let full_at = (open > self.max_connections).then_some(self.max_connections);
        // A private copy of the session state: shared catalog and memory pool, own config.
        let ctx = SessionContext::new_with_state(self.ctx.state());
        let hooks: Vec<Arc<dyn QueryHook>> = vec![
            Arc::new(ReadOnlyHook),
            Arc::new(SessionSettingsHook {
                default_timeout: self.statement_timeout,
            }),
            Arc::new(SavepointHook),
            Arc::new(CopyToStdoutHook),
            Arc::new(PgSyntaxHook),
            Arc::new(CursorStatementHook),
            Arc::new(SetShowHook),
            Arc::new(TransactionStatementHook),
        ];
        let connection = Connection {
            queries: Arc::new(SessionQueries::new(
                ctx,
                hooks,
                self.query_runtime.clone(),
                self.statement_timeout,
                &self.caches,
            )),
            startup: Arc::new(ConnectionStartup::new(
                &self.users,
                self.require_tls,
                self.cancels.clone(),
                &self.pids,
                full_at,
            )),
            cancel: Arc::new(CancelRequests(self.cancels.clone())),
        };
        (connection, slot)
    }
}

/// The runtime DataFusion's partition tasks run on, apart from the runtime that serves
/// connections (the arrangement InfluxDB 3 calls a dedicated executor). Lives as long as
/// the process.
fn query_runtime() -> Result<Handle, ServerError> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime.handle().clone());
    }
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("shape-query")
        .thread_stack_size(crate::THREAD_STACK_BYTES)
        .enable_all()
        .build()
        .map_err(ServerError::Runtime)?;
    Ok(RUNTIME.get_or_init(|| runtime).handle().clone())
}

/// Prepares `ctx` for serving (pg_catalog with SHAPE's comments and functions, the catalog
/// functions clients call, PostgreSQL-shaped information_schema). `users`: the configured
/// user names, listed as roles.
pub async fn prepare_context(ctx: &SessionContext, users: &[String]) -> Result<(), ServerError> {
    let failed = |e: &dyn std::fmt::Display| ServerError::Catalog(e.to_string());
    // SHAPE's functions: what the workspace registered beyond DataFusion's own.
    let builtin: BTreeSet<String> = SessionContext::new()
        .state()
        .scalar_functions()
        .keys()
        .cloned()
        .collect();
    let shape_functions: BTreeSet<String> = ctx
        .state()
        .scalar_functions()
        .keys()
        .filter(|name| !builtin.contains(*name))
        .cloned()
        .collect();
    setup_pg_catalog(ctx, shape_udfs::CATALOG, EmptyContextProvider).map_err(|e| failed(&e))?;
    pg_catalog::install(ctx, &shape_functions, users)
        .await
        .map_err(|e| failed(&e))?;
    information_schema::install(ctx).map_err(|e| failed(&e))
}

/// Binds the listener; serve with [`serve_on`]. Split so callers can report the bound
/// address before serving.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ServerError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Io { addr, source })
}

/// Serves `ctx` on `listener` until the process ends. `tls` is `settings.tls` loaded with
/// [`TlsFiles::acceptor`] (before binding, so a bad certificate stops the start); with it,
/// plaintext connections are refused. `store` is the data dir `ctx` reads: cached plans and
/// results are dropped when its data version moves on (`None`: a context without a data dir,
/// whose tables never change).
pub async fn serve_on(
    listener: TcpListener,
    ctx: SessionContext,
    store: Option<DataStore>,
    settings: &ServerSettings,
    tls: Option<TlsAcceptor>,
) -> Result<(), ServerError> {
    let caches = SharedCaches {
        results: Arc::new(ResultCache::new(
            settings.result_cache_bytes,
            settings.result_cache_max_age,
        )),
        plan_counters: Default::default(),
        store,
    };
    cache::register_stats(&ctx, &caches.results, &caches.plan_counters)
        .map_err(|e| ServerError::Catalog(e.to_string()))?;
    let user_names: Vec<String> = settings
        .users
        .iter()
        .map(|(name, _)| name.clone())
        .collect();
    prepare_context(&ctx, &user_names).await?;
    let shared = Arc::new(Shared {
        ctx,
        query_runtime: query_runtime()?,
        users: Arc::new(Users::new(&settings.users)),
        require_tls: tls.is_some(),
        cancels: Arc::new(CancelRegistry::default()),
        pids: Arc::new(RandomPidSecretKeyGenerator::default()),
        statement_timeout: settings.statement_timeout,
        max_connections: settings.max_connections,
        open: AtomicUsize::new(0),
        caches,
    });
    loop {
        let (socket, _peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of file descriptors and the like: wait a moment instead of spinning.
            Err(e) => {
                eprintln!("shape serve: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = socket.set_nodelay(true);
        let (handlers, slot) = shared.connection();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _slot = slot;
            // Errors here are this connection's (a reset, a malformed message): it ends,
            // the server goes on.
            let _ended = connection::serve_connection(socket, tls, handlers).await;
        });
    }
}

/// A table whose rows are computed afresh at every scan (`information_schema.columns`,
/// `shape_cache_stats`): what it must say, [`LiveTable`] serves it.
#[async_trait::async_trait]
pub(crate) trait LiveRows: std::fmt::Debug + Send + Sync + 'static {
    fn schema(&self) -> SchemaRef;
    /// How clients see it (`\d` says "table" or "view").
    fn table_type(&self) -> TableType {
        TableType::Base
    }
    async fn batch(&self) -> datafusion::error::Result<RecordBatch>;
}

/// The table provider of a [`LiveRows`].
#[derive(Debug)]
pub(crate) struct LiveTable<T>(pub T);

#[async_trait::async_trait]
impl<T: LiveRows> TableProvider for LiveTable<T> {
    fn schema(&self) -> SchemaRef {
        self.0.schema()
    }

    fn table_type(&self) -> TableType {
        self.0.table_type()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
        let now = MemTable::try_new(self.0.schema(), vec![vec![self.0.batch().await?]])?;
        now.scan(state, projection, filters, limit).await
    }
}
