//! One connection's query handling: datafusion-postgres plans and encodes, this module bounds
//! every statement (statement_timeout, cancel requests) and keeps per-session settings.
//!
//! Each connection gets its own `SessionContext` cloned from the server's: the catalog (tables,
//! views, memory pool) is shared, so data ingested while serving is visible at once, while the
//! session config is private, so `SET shape.as_of` changes only that session.

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, LazyLock, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use datafusion::common::ParamValues;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::Statement;
use datafusion_postgres::hooks::HookClient;
use datafusion_postgres::pgwire::api::cancel::CancelHandler;
use datafusion_postgres::pgwire::api::portal::Portal;
use datafusion_postgres::pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use datafusion_postgres::pgwire::api::results::{QueryResponse, Response, Tag};
use datafusion_postgres::pgwire::api::store::PortalStore;
use datafusion_postgres::pgwire::api::{ClientInfo, ClientPortalStore};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::cancel::CancelRequest;
use datafusion_postgres::pgwire::messages::response::TransactionStatus;
use datafusion_postgres::pgwire::messages::startup::SecretKey;
use datafusion_postgres::pgwire::messages::PgWireBackendMessage;
use datafusion_postgres::{DfSessionService, QueryHook};
use futures::future::{BoxFuture, Shared};
use futures::{FutureExt, Stream, StreamExt};
use regex::Regex;
use tokio::runtime::Handle;
use tokio::sync::watch;

use super::cache::{CacheCounters, PlanCache, ResultCache};
use super::execute::{may_change_settings, ParsedStatement, PlainQueries, ShapeParser};
use crate::storage::DataStore;

/// Builds a `PgWireError` the client sees with this SQLSTATE.
pub(crate) fn sql_error(severity: &str, sqlstate: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        severity.to_string(),
        sqlstate.to_string(),
        message,
    )))
}

// ---------------------------------------------------------------------------------------------
// Cancel requests
// ---------------------------------------------------------------------------------------------

/// A connection's cancel signal: a counter bumped by each valid cancel request. A statement
/// remembers the value it started with and stops when it changes, so a cancel that arrives
/// between statements cancels nothing (as in PostgreSQL).
#[derive(Debug)]
pub struct CancelSignal(watch::Sender<u64>);

/// Running connections by (process id, secret key), for cancel requests that arrive on a
/// separate connection.
#[derive(Debug, Default)]
pub struct CancelRegistry {
    connections: Mutex<HashMap<CancelKey, Arc<CancelSignal>>>,
}

/// (process id, secret key bytes): a cancel request may decode a 4-byte key differently from
/// the session it names (protocol 3.0 vs 3.2), so keys are compared as bytes.
type CancelKey = (i32, Vec<u8>);

fn cancel_key(pid: i32, secret: &SecretKey) -> CancelKey {
    (pid, secret.to_bytes().to_vec())
}

/// Removes a connection from the registry when the connection (and its session) ends.
#[derive(Debug)]
pub struct Registration {
    registry: Arc<CancelRegistry>,
    key: CancelKey,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Ok(mut map) = self.registry.connections.lock() {
            map.remove(&self.key);
        }
    }
}

impl CancelRegistry {
    /// Registers an authenticated connection: its signal and registration go into the
    /// session's extensions, so they live exactly as long as the connection.
    pub fn register<C: ClientInfo>(self: &Arc<Self>, client: &C) {
        if client.session_extensions().get::<CancelSignal>().is_some() {
            return;
        }
        let (pid, secret) = client.pid_and_secret_key();
        let key = cancel_key(pid, &secret);
        let signal = Arc::new(CancelSignal(watch::channel(0).0));
        if let Ok(mut map) = self.connections.lock() {
            map.insert(key.clone(), signal.clone());
        }
        let extensions = client.session_extensions();
        extensions.insert(Registration {
            registry: self.clone(),
            key,
        });
        extensions.insert::<Arc<CancelSignal>>(signal);
    }
}

/// Answers CancelRequest messages: a known (pid, secret) pair stops that connection's running
/// statement; anything else is ignored (PostgreSQL says nothing either way).
#[derive(Debug)]
pub struct CancelRequests(pub Arc<CancelRegistry>);

#[async_trait::async_trait]
impl CancelHandler for CancelRequests {
    async fn on_cancel_request(&self, request: CancelRequest) {
        let signal = self.0.connections.lock().ok().and_then(|map| {
            map.get(&cancel_key(request.pid, &request.secret_key))
                .cloned()
        });
        if let Some(signal) = signal {
            signal.0.send_modify(|generation| *generation += 1);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Statement limits
// ---------------------------------------------------------------------------------------------

/// Client metadata key of this session's statement_timeout in milliseconds ("0" = none).
pub(crate) const STATEMENT_TIMEOUT_KEY: &str = "shape.statement_timeout_ms";

#[derive(Debug, Clone, Copy)]
enum Stop {
    Timeout(Duration),
    Cancelled,
}

impl Stop {
    fn error(self) -> PgWireError {
        match self {
            Stop::Timeout(limit) => sql_error(
                "ERROR",
                "57014",
                format!(
                    "canceling statement due to statement timeout ({} ms; SET statement_timeout to change it)",
                    limit.as_millis()
                ),
            ),
            Stop::Cancelled => sql_error(
                "ERROR",
                "57014",
                "canceling statement due to user request".to_string(),
            ),
        }
    }
}

type StopSignal = Shared<BoxFuture<'static, Stop>>;

/// The session's statement timeout: its own setting, else the server default.
pub(crate) fn statement_timeout<C: ClientInfo + ?Sized>(
    client: &C,
    default: Option<Duration>,
) -> Option<Duration> {
    match client.metadata().get(STATEMENT_TIMEOUT_KEY) {
        Some(ms) => ms
            .parse::<u64>()
            .ok()
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis),
        None => default,
    }
}

/// A future that resolves when this statement must stop: its deadline passes or the
/// connection receives a cancel request.
fn stop_signal<C: ClientInfo>(client: &C, default_timeout: Option<Duration>) -> StopSignal {
    let timeout = statement_timeout(client, default_timeout);
    let mut cancel = client
        .session_extensions()
        .get::<Arc<CancelSignal>>()
        .map(|signal| signal.0.subscribe());
    let deadline = timeout.map(|limit| (tokio::time::Instant::now() + limit, limit));
    async move {
        let timed_out = async {
            match deadline {
                Some((at, limit)) => {
                    tokio::time::sleep_until(at).await;
                    Stop::Timeout(limit)
                }
                None => std::future::pending().await,
            }
        };
        let cancelled = async {
            if let Some(receiver) = cancel.as_mut() {
                let started = *receiver.borrow_and_update();
                if receiver.wait_for(|now| *now != started).await.is_ok() {
                    return Stop::Cancelled;
                }
            }
            std::future::pending().await
        };
        tokio::select! {
            stop = timed_out => stop,
            stop = cancelled => stop,
        }
    }
    .boxed()
    .shared()
}

/// Polls a future with `runtime` as the current runtime, so the tasks DataFusion spawns while
/// it runs (one per partition) go to the query runtime. The connection task itself stays on
/// the network runtime, where a timeout, a cancel request or a new connection is noticed even
/// while every query thread is busy.
struct OnQueryRuntime<F> {
    runtime: Handle,
    inner: F,
}

impl<F: Future + Unpin> Future for OnQueryRuntime<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _entered = self.runtime.enter();
        self.inner.poll_unpin(cx)
    }
}

/// Runs `work` until it finishes or the statement must stop.
async fn bounded<T>(
    work: impl Future<Output = PgWireResult<T>>,
    runtime: &Handle,
    stop: &StopSignal,
) -> PgWireResult<T> {
    let work = OnQueryRuntime {
        runtime: runtime.clone(),
        inner: Box::pin(work),
    };
    tokio::select! {
        biased;
        stop = stop.clone() => Err(stop.error()),
        result = work => result,
    }
}

/// Rows of a result, cut off with an error when the statement must stop. DataFusion runs the
/// query as these rows are pulled, so the limit covers execution, not just planning; dropping
/// the inner stream stops DataFusion's tasks.
struct BoundedRows<T> {
    rows: Pin<Box<dyn Stream<Item = PgWireResult<T>> + Send>>,
    runtime: Handle,
    stop: StopSignal,
    since_check: u32,
    finished: bool,
}

/// Rows between two looks at the stop signal while rows keep coming (polling it costs a lock
/// and a waker clone; per row that was a measurable share of streaming).
const ROWS_PER_STOP_CHECK: u32 = 256;

impl<T> Stream for BoundedRows<T> {
    type Item = PgWireResult<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        if self.since_check >= ROWS_PER_STOP_CHECK {
            self.since_check = 0;
            if let Poll::Ready(stop) = self.stop.poll_unpin(cx) {
                self.finished = true;
                return Poll::Ready(Some(Err(stop.error())));
            }
        }
        let this = &mut *self;
        let next = {
            let _entered = this.runtime.enter();
            this.rows.poll_next_unpin(cx)
        };
        match next {
            Poll::Ready(Some(row)) => {
                self.since_check += 1;
                Poll::Ready(Some(row))
            }
            Poll::Ready(None) => {
                self.finished = true;
                Poll::Ready(None)
            }
            // Waiting for DataFusion: the stop signal must be able to wake this task.
            Poll::Pending => match self.stop.poll_unpin(cx) {
                Poll::Ready(stop) => {
                    self.finished = true;
                    Poll::Ready(Some(Err(stop.error())))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

fn bound_response(response: Response, runtime: &Handle, stop: &StopSignal) -> Response {
    match response {
        Response::Query(query) => {
            let QueryResponse {
                command_tag,
                row_schema,
                data_rows,
                ..
            } = query;
            let mut bounded = QueryResponse::new(
                row_schema,
                BoundedRows {
                    rows: data_rows,
                    runtime: runtime.clone(),
                    stop: stop.clone(),
                    // Look at once: a statement stopped during planning ends before any row.
                    since_check: ROWS_PER_STOP_CHECK,
                    finished: false,
                },
            );
            bounded.set_command_tag(&command_tag);
            Response::Query(bounded)
        }
        Response::CopyOut(mut copy) => {
            let rows = std::mem::replace(&mut copy.data_stream, Box::pin(futures::stream::empty()));
            copy.data_stream = Box::pin(BoundedRows {
                rows,
                runtime: runtime.clone(),
                stop: stop.clone(),
                since_check: ROWS_PER_STOP_CHECK,
                finished: false,
            });
            Response::CopyOut(copy)
        }
        other => other,
    }
}

// ---------------------------------------------------------------------------------------------
// The connection's query handler
// ---------------------------------------------------------------------------------------------

/// Simple and extended query protocol for one connection: datafusion-postgres' service over
/// the connection's own context, with every statement bounded.
pub struct SessionQueries {
    inner: DfSessionService,
    /// Plain queries, with the session's plan cache and the shared result cache.
    plain: Arc<PlainQueries>,
    parser: Arc<ShapeParser>,
    runtime: Handle,
    default_timeout: Option<Duration>,
}

/// What every session of a server shares for caching.
#[derive(Clone)]
pub struct SharedCaches {
    pub results: Arc<ResultCache>,
    pub plan_counters: Arc<CacheCounters>,
    /// Where the data version is read; `None` serves a context without a data dir.
    pub store: Option<DataStore>,
}

impl SessionQueries {
    pub fn new(
        ctx: SessionContext,
        hooks: Vec<Arc<dyn QueryHook>>,
        runtime: Handle,
        default_timeout: Option<Duration>,
        caches: &SharedCaches,
    ) -> SessionQueries {
        let ctx = Arc::new(ctx);
        let inner = DfSessionService::new_with_hooks(ctx.clone(), hooks);
        let plain = Arc::new(PlainQueries::new(
            ctx,
            PlanCache::new(caches.plan_counters.clone()),
            caches.results.clone(),
            caches.store.clone(),
            runtime.clone(),
        ));
        let parser = Arc::new(ShapeParser::new(inner.query_parser(), plain.clone()));
        SessionQueries {
            inner,
            plain,
            parser,
            runtime,
            default_timeout,
        }
    }
}

/// The subquery Grafana's table and column listings use to test "is this schema on the
/// search_path" (postgresMetaQuery.ts). DataFusion cannot plan it (`s[i]` over a
/// generate_series alias) and datafusion-postgres replaces it with `''`, which lists every
/// table schema-qualified and finds no columns for an unqualified table. It is swapped for
/// what it evaluates to here, the one schema SHAPE serves (`'public'`; the `"$user"` entry
/// names no schema): a literal list, because Grafana also uses it inside ORDER BY, where
/// DataFusion plans no subqueries. Matched ignoring whitespace and case.
static GRAFANA_SEARCH_PATH: LazyLock<Regex> = LazyLock::new(|| {
    let subquery = r#"SELECT CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
        FROM generate_series(array_lower(string_to_array(current_setting('search_path'),','),1),
                             array_upper(string_to_array(current_setting('search_path'),','),1)) as i,
             string_to_array(current_setting('search_path'),',') s"#;
    let pattern: String = subquery
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| format!("{}\\s*", regex::escape(&c.to_string())))
        .collect();
    Regex::new(&format!("(?i){pattern}")).expect("a valid pattern")
});

fn grafana_compatible(query: &str) -> Cow<'_, str> {
    if query.contains("current_setting('search_path')") {
        GRAFANA_SEARCH_PATH.replace_all(query, "'public'")
    } else {
        Cow::Borrowed(query)
    }
}

#[async_trait::async_trait]
impl SimpleQueryHandler for SessionQueries {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo
            + ClientPortalStore
            + futures::Sink<PgWireBackendMessage>
            + Unpin
            + Send
            + Sync,
        C::PortalStore: PortalStore,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as futures::Sink<PgWireBackendMessage>>::Error>,
    {
        let stop = stop_signal(client, self.default_timeout);
        let query = grafana_compatible(query);
        let work = async {
            if let Some(response) = self.plain.simple(client, &query).await? {
                return Ok(vec![response]);
            }
            let responses = SimpleQueryHandler::do_query(&self.inner, client, &query).await;
            // SET, RESET and the like change what cached plans and results were made under.
            self.plain.refresh_settings();
            responses
        };
        let responses = bounded(work, &self.runtime, &stop).await?;
        Ok(responses
            .into_iter()
            .map(|response| bound_response(response, &self.runtime, &stop))
            .collect())
    }
}

#[async_trait::async_trait]
impl ExtendedQueryHandler for SessionQueries {
    type Statement = ParsedStatement;
    type QueryParser = ShapeParser;

    fn query_parser(&self) -> Arc<ShapeParser> {
        self.parser.clone()
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Self::Statement>,
        max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo
            + ClientPortalStore
            + futures::Sink<PgWireBackendMessage>
            + Unpin
            + Send
            + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as futures::Sink<PgWireBackendMessage>>::Error>,
    {
        let stop = stop_signal(client, self.default_timeout);
        let work = async {
            let format = &portal.result_column_format;
            let parsed_statement = &portal.statement.statement;
            if let Some(response) = self.plain.portal(client, parsed_statement, format).await? {
                return Ok(response);
            }
            let (_, parsed) = parsed_statement;
            let response =
                ExtendedQueryHandler::do_query(&self.inner, client, portal, max_rows).await;
            if parsed
                .as_ref()
                .is_some_and(|(statement, _)| may_change_settings(statement))
            {
                self.plain.refresh_settings();
            }
            response
        };
        let response = bounded(work, &self.runtime, &stop).await?;
        Ok(bound_response(response, &self.runtime, &stop))
    }
}

// ---------------------------------------------------------------------------------------------
// Hooks: read-only refusal and per-session settings
// ---------------------------------------------------------------------------------------------

/// Statements that would change data or schema; SHAPE's tables are written by ingest only.
const WRITE_KEYWORDS: &[&str] = &[
    "INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "DROP", "ALTER", "TRUNCATE", "COPY", "GRANT",
    "REVOKE", "VACUUM",
];

/// Refuses DDL and DML with SQLSTATE 25006 (read_only_sql_transaction), on both protocols.
pub struct ReadOnlyHook;

impl ReadOnlyHook {
    fn refusal(statement: &Statement) -> Option<PgWireError> {
        if super::copy::is_copy_to_stdout(statement) {
            return None;
        }
        let text = statement.to_string();
        let keyword = text.split_whitespace().next()?.to_ascii_uppercase();
        WRITE_KEYWORDS.contains(&keyword.as_str()).then(|| {
            sql_error(
                "ERROR",
                "25006",
                format!("SHAPE serves read-only: {keyword} is not allowed (data changes come from `shape ingest`; results are exported with COPY (query) TO STDOUT, psql's \\copy)"),
            )
        })
    }
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

/// The plan of a statement that returns no columns (what Describe reports for it), for hooks
/// that answer the statement themselves at Execute.
pub(crate) fn no_columns_plan() -> LogicalPlan {
    LogicalPlan::EmptyRelation(datafusion::logical_expr::EmptyRelation {
        produce_one_row: false,
        schema: Arc::new(datafusion::common::DFSchema::empty()),
    })
}

/// Savepoints, which drivers wrap around statements inside a transaction (psycopg 3's nested
/// `transaction()`, SQLAlchemy's `begin_nested`). Nothing is written here, so there is nothing
/// to undo: `SAVEPOINT` and `RELEASE` succeed, `ROLLBACK TO` returns a failed transaction to a
/// working one, as in PostgreSQL.
pub struct SavepointHook;

impl SavepointHook {
    fn respond(statement: &Statement, client: &dyn ClientInfo) -> Option<PgWireResult<Response>> {
        let failed = client.transaction_status() == TransactionStatus::Error;
        match statement {
            Statement::Savepoint { .. } if failed => Some(Err(sql_error(
                "ERROR",
                "25P02",
                "current transaction is aborted, commands ignored until end of transaction block"
                    .to_string(),
            ))),
            Statement::Savepoint { .. } => Some(Ok(Response::Execution(Tag::new("SAVEPOINT")))),
            Statement::ReleaseSavepoint { .. } => {
                Some(Ok(Response::Execution(Tag::new("RELEASE"))))
            }
            Statement::Rollback {
                savepoint: Some(_), ..
            } => Some(Ok(Response::TransactionStart(Tag::new("ROLLBACK")))),
            _ => None,
        }
    }

    fn is_savepoint(statement: &Statement) -> bool {
        matches!(
            statement,
            Statement::Savepoint { .. }
                | Statement::ReleaseSavepoint { .. }
                | Statement::Rollback {
                    savepoint: Some(_),
                    ..
                }
        )
    }
}

#[async_trait::async_trait]
impl QueryHook for SavepointHook {
    async fn handle_simple_query(
        &self,
        statement: &Statement,
        _ctx: &SessionContext,
        client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        Self::respond(statement, client)
    }

    async fn handle_extended_parse_query(
        &self,
        statement: &Statement,
        _ctx: &SessionContext,
        _client: &(dyn ClientInfo + Send + Sync),
    ) -> Option<PgWireResult<LogicalPlan>> {
        Self::is_savepoint(statement).then(|| Ok(no_columns_plan()))
    }

    async fn handle_extended_query(
        &self,
        statement: &Statement,
        _plan: &LogicalPlan,
        _params: &ParamValues,
        _ctx: &SessionContext,
        client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        Self::respond(statement, client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grafana_search_path_subquery_is_rewritten_whatever_the_spacing() {
        let grafana = "SELECT 1 WHERE quote_ident(table_schema) IN (SELECT\n  CASE WHEN trim(s[i]) = '\"$user\"' THEN user ELSE trim(s[i]) END\n FROM\n generate_series(\n array_lower(string_to_array(current_setting('search_path'),','),1),\n array_upper(string_to_array(current_setting('search_path'),','),1)\n ) as i,\n string_to_array(current_setting('search_path'),',') s\n)";
        assert_eq!(
            grafana_compatible(grafana),
            "SELECT 1 WHERE quote_ident(table_schema) IN ('public')"
        );
        let other = "SELECT current_setting('search_path')";
        assert_eq!(grafana_compatible(other), other);
    }
}
