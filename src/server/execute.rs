//! Plain queries: one `SELECT`, `VALUES` or `WITH` statement, with no parameters. They are
//! what dashboards repeat, so they take a path of their own: planned once per session
//! ([`PlanCache`]), answered from the [`ResultCache`] when the same statement ran under the
//! same settings at the same data version, and otherwise run on the query runtime, where
//! the rows are encoded too ([`super::encode`]), so the runtime that serves connections only
//! moves bytes and a light statement is answered while heavy ones run.
//!
//! Everything else (SET, COPY, cursors, transactions, statements with parameters) goes
//! through datafusion-postgres' handler and the hooks, as before.

use std::pin::Pin;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::task::{Context, Poll};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::execution::session_state::SessionState;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::execute_stream;
use datafusion::physical_plan::execution_plan::reset_plan_states;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::Statement;
use datafusion_postgres::arrow_pg::datatypes::arrow_schema_to_pg_fields;
use datafusion_postgres::datafusion_pg_catalog::sql::PostgresCompatibilityParser;
use datafusion_postgres::pgwire::api::portal::Format;
use datafusion_postgres::pgwire::api::results::{FieldInfo, QueryResponse, Response};
use datafusion_postgres::pgwire::api::stmt::QueryParser;
use datafusion_postgres::pgwire::api::{ClientInfo, Type};
use datafusion_postgres::pgwire::error::{PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::data::DataRow;
use datafusion_postgres::pgwire::messages::response::TransactionStatus;
use datafusion_postgres::pgwire::types::format::FormatOptions;
use datafusion_postgres::Parser;
use futures::{Stream, StreamExt};
use tokio::runtime::Handle;

use super::cache::{
    session_as_of, settings_fingerprint, CachedPlan, PlanCache, PlanTraits, ResultCache, ResultKey,
};
use super::encode::encode_batch;
use super::pg_names::pg_field_names;
use crate::storage::DataStore;

/// Encoded batches in flight between the query runtime and a connection.
const BATCHES_IN_FLIGHT: usize = 2;

fn api_error(e: datafusion::error::DataFusionError) -> PgWireError {
    PgWireError::ApiError(Box::new(e))
}

/// Whether a statement is a plain query this module answers.
pub fn is_plain_query(statement: &Statement) -> bool {
    matches!(statement, Statement::Query(_))
}

/// Whether running a statement may change the session's settings (anything but queries,
/// transaction control and reading settings).
pub fn may_change_settings(statement: &Statement) -> bool {
    !matches!(
        statement,
        Statement::Query(_)
            | Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Savepoint { .. }
            | Statement::ReleaseSavepoint { .. }
            | Statement::ShowVariable { .. }
            | Statement::Copy { .. }
            | Statement::Declare { .. }
            | Statement::Fetch { .. }
            | Statement::Close { .. }
    )
}

/// A session's plain-query path.
pub struct PlainQueries {
    ctx: Arc<SessionContext>,
    plans: PlanCache,
    results: Arc<ResultCache>,
    store: Option<DataStore>,
    runtime: Handle,
    /// Made again after statements that may change the settings.
    settings: Mutex<SessionSnapshot>,
}

/// The session's settings as plain queries need them.
#[derive(Clone)]
struct SessionSnapshot {
    fingerprint: u64,
    as_of: String,
    /// The session state and a task context, made once per settings change. Cloning the
    /// state and making a task context copy every function registry (hundreds of functions):
    /// per statement, that was most of a small statement's time. Used for plans that do not
    /// read the clock (a clock-reading plan gets a fresh state, which fixes its `now()`).
    state: Arc<SessionState>,
    task: Arc<TaskContext>,
}

impl SessionSnapshot {
    fn of(ctx: &SessionContext) -> SessionSnapshot {
        let state = ctx.state();
        SessionSnapshot {
            fingerprint: settings_fingerprint(&state),
            as_of: session_as_of(&state),
            task: state.task_ctx(),
            state: Arc::new(state),
        }
    }
}

/// What a plain query runs under: the session's settings and the data version (`None` when
/// it could not be read: then nothing is cached).
pub(crate) struct Scope {
    snapshot: SessionSnapshot,
    data_version: Option<String>,
}

impl PlainQueries {
    pub fn new(
        ctx: Arc<SessionContext>,
        plans: PlanCache,
        results: Arc<ResultCache>,
        store: Option<DataStore>,
        runtime: Handle,
    ) -> PlainQueries {
        let settings = SessionSnapshot::of(&ctx);
        PlainQueries {
            ctx,
            plans,
            results,
            store,
            runtime,
            settings: Mutex::new(settings),
        }
    }

    /// Reads the session's settings again (after a statement that may have changed them).
    pub fn refresh_settings(&self) {
        let now = SessionSnapshot::of(&self.ctx);
        if let Ok(mut settings) = self.settings.lock() {
            *settings = now;
        }
    }

    pub(crate) async fn scope(&self) -> Scope {
        let snapshot = match self.settings.lock() {
            Ok(snapshot) => snapshot.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let data_version = match &self.store {
            Some(store) => store.data_version().await.ok(),
            None => Some(String::new()),
        };
        Scope {
            snapshot,
            data_version,
        }
    }

    /// The plan cached for `key`, if any (nothing is cached without a data version).
    fn cached(&self, key: &str, scope: &Scope) -> Option<Arc<CachedPlan>> {
        let version = scope.data_version.as_deref()?;
        self.plans
            .get(key, &[], scope.snapshot.fingerprint, version)
    }

    /// Plans `logical` for keeping: optimized now unless the clock or parameters can change
    /// the optimized plan.
    fn prepare(
        &self,
        statement: Arc<Statement>,
        logical: LogicalPlan,
        scope: &Scope,
    ) -> PgWireResult<Arc<CachedPlan>> {
        let traits = PlanTraits::of(&logical, &scope.snapshot.as_of);
        let has_parameters = logical
            .get_parameter_types()
            .map(|types| !types.is_empty())
            .unwrap_or(true);
        let optimized = if traits.reads_clock || has_parameters {
            None
        } else {
            Some(self.ctx.state().optimize(&logical).map_err(api_error)?)
        };
        Ok(Arc::new(CachedPlan {
            text: statement.to_string(),
            statement,
            logical,
            optimized,
            physical: OnceLock::new(),
            traits,
        }))
    }

    fn keep(&self, key: &str, scope: &Scope, plan: &Arc<CachedPlan>) {
        if let Some(version) = &scope.data_version {
            self.plans
                .put(key, &[], scope.snapshot.fingerprint, version, plan.clone());
        }
    }

    /// Answers a simple-protocol query text: `Ok(None)` when it is not a plain query (the
    /// caller hands it to the general handler).
    pub async fn simple<C: ClientInfo>(
        &self,
        client: &C,
        text: &str,
    ) -> PgWireResult<Option<Response>> {
        if client.transaction_status() == TransactionStatus::Error {
            return Ok(None);
        }
        let scope = self.scope().await;
        if let Some(response) = self.cached_result(text, &scope, &Format::UnifiedText, client)? {
            return Ok(Some(response));
        }
        let plan = match self.cached(text, &scope) {
            Some(plan) => plan,
            None => {
                let Some(statement) = single_plain_query(text) else {
                    return Ok(None);
                };
                // What PgSyntaxHook does for a query that needs PostgreSQL syntax rewritten.
                let planned =
                    super::pg_syntax::rewrite(&statement).unwrap_or_else(|| statement.clone());
                let logical = super::pg_syntax::plan(planned, &self.ctx).await?;
                let prepared = self.prepare(Arc::new(statement), logical, &scope)?;
                self.keep(text, &scope, &prepared);
                prepared
            }
        };
        self.run(client, text, &plan, &scope, &Format::UnifiedText)
            .await
            .map(Some)
    }

    /// Executes an extended-protocol portal of a plain query without parameters:
    /// `Ok(None)` for anything else.
    pub async fn portal<C: ClientInfo>(
        &self,
        client: &C,
        parsed: &ParsedStatement,
        format: &Format,
    ) -> PgWireResult<Option<Response>> {
        let (text, Some((statement, planned))) = parsed else {
            return Ok(None);
        };
        if !is_plain_query(statement) || client.transaction_status() == TransactionStatus::Error {
            return Ok(None);
        }
        if planned
            .get_parameter_types()
            .map(|types| !types.is_empty())
            .unwrap_or(true)
        {
            return Ok(None);
        }
        let scope = self.scope().await;
        // Keyed apart from simple-protocol texts: this key is the parsed statement's text
        // (made at Parse).
        let key = format!("\u{1}{text}");
        if let Some(response) = self.cached_result(&key, &scope, format, client)? {
            return Ok(Some(response));
        }
        let plan = match self.cached(&key, &scope) {
            Some(plan) => plan,
            None => {
                let prepared =
                    self.prepare(Arc::new(statement.clone()), planned.clone(), &scope)?;
                self.keep(&key, &scope, &prepared);
                prepared
            }
        };
        self.run(client, &key, &plan, &scope, format)
            .await
            .map(Some)
    }

    /// The answer kept for the statement `key` under `scope`, if any. Looked up before
    /// planning: a kept result was made by the same text under the same settings at the same
    /// data version, so planning again would make the same plan.
    fn cached_result<C: ClientInfo>(
        &self,
        key: &str,
        scope: &Scope,
        format: &Format,
        client: &C,
    ) -> PgWireResult<Option<Response>> {
        let Some(version) = &scope.data_version else {
            return Ok(None);
        };
        let result_key = ResultKey {
            text: key.to_string(),
            settings: scope.snapshot.fingerprint,
            data_version: version.clone(),
        };
        let Some(hit) = self.results.get(&result_key) else {
            return Ok(None);
        };
        let options = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
        let fields = arrow_schema_to_pg_fields(&hit.schema, format, Some(options))?;
        let fields = Arc::new(pg_field_names(&hit.statement, fields));
        let batches = hit.batches.clone();
        let encoder_fields = fields.clone();
        let rows = futures::stream::iter(batches).flat_map(move |batch| {
            futures::stream::iter(rows_or_error(encode_batch(&encoder_fields, &batch)))
        });
        Ok(Some(Response::Query(QueryResponse::new(fields, rows))))
    }

    /// Runs a plan on the query runtime (after [`PlainQueries::cached_result`] found nothing),
    /// keeping its result when it may.
    async fn run<C: ClientInfo>(
        &self,
        client: &C,
        key: &str,
        plan: &CachedPlan,
        scope: &Scope,
        format: &Format,
    ) -> PgWireResult<Response> {
        let options = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
        let result_key = scope
            .data_version
            .as_ref()
            .filter(|_| self.results.accepts(&plan.traits))
            .map(|version| ResultKey {
                text: key.to_string(),
                settings: scope.snapshot.fingerprint,
                data_version: version.clone(),
            });
        if result_key.is_some() {
            self.results.missed();
        }

        let (state, task, optimized) = match &plan.optimized {
            Some(optimized) => (
                scope.snapshot.state.clone(),
                scope.snapshot.task.clone(),
                optimized.clone(),
            ),
            None => {
                // A fresh state: it fixes now() for this statement.
                let state = self.ctx.state();
                let optimized = state.optimize(&plan.logical).map_err(api_error)?;
                let task = state.task_ctx();
                (Arc::new(state), task, optimized)
            }
        };
        let schema: SchemaRef = Arc::new(optimized.schema().as_arrow().clone());
        let fields = plan.fields(&schema, format, options)?;
        let physical = match plan.physical.get() {
            // What PostgreSQL's plan cache does for `SELECT 1`, which connection pools send
            // as their health check: the plan is run again, its state reset as DataFusion
            // resets plans it runs twice.
            Some(physical) => reset_plan_states(physical.clone()).map_err(api_error)?,
            None => {
                let physical = state
                    .query_planner()
                    .create_physical_plan(&optimized, state.as_ref())
                    .await
                    .map_err(api_error)?;
                if plan.optimized.is_some() && plan.traits.constant {
                    let _ = plan.physical.set(physical.clone());
                }
                physical
            }
        };
        let recorder = result_key.map(|key| Recorder {
            cache: self.results.clone(),
            key,
            statement: plan.statement.clone(),
            schema: schema.clone(),
            batches: Vec::new(),
            bytes: 0,
            reads_clock: plan.traits.reads_clock,
        });
        let batches = execute_stream(physical, task).map_err(api_error)?;
        if plan.traits.reads_data {
            let rows = spawn_rows(batches, fields.clone(), recorder, &self.runtime);
            Ok(Response::Query(QueryResponse::new(fields, rows)))
        } else {
            let encoder_fields = fields.clone();
            let rows = batches.flat_map(move |batch| {
                let rows = batch
                    .map_err(api_error)
                    .and_then(|b| encode_batch(&encoder_fields, &b));
                futures::stream::iter(rows_or_error(rows))
            });
            Ok(Response::Query(QueryResponse::new(fields, rows)))
        }
    }
}

impl CachedPlan {
    /// The RowDescription of a result with `schema`: arrow-pg's types, PostgreSQL's names.
    fn fields(
        &self,
        schema: &SchemaRef,
        format: &Format,
        options: Arc<FormatOptions>,
    ) -> PgWireResult<Arc<Vec<FieldInfo>>> {
        let fields = arrow_schema_to_pg_fields(schema, format, Some(options))?;
        Ok(Arc::new(pg_field_names(&self.statement, fields)))
    }
}

/// The extended protocol's parser: datafusion-postgres' (with the hooks), its plans of plain
/// queries kept in the session's plan cache, and result columns named as PostgreSQL names
/// them in Describe.
pub struct ShapeParser {
    inner: Arc<Parser>,
    plain: Arc<PlainQueries>,
}

impl ShapeParser {
    pub fn new(inner: Arc<Parser>, plain: Arc<PlainQueries>) -> ShapeParser {
        ShapeParser { inner, plain }
    }
}

/// A parsed extended-protocol statement, as datafusion-postgres keeps it in a portal.
pub type ParsedStatement = (String, Option<(Statement, LogicalPlan)>);

#[async_trait::async_trait]
impl QueryParser for ShapeParser {
    type Statement = ParsedStatement;

    async fn parse_sql<C>(
        &self,
        client: &C,
        sql: &str,
        types: &[Option<Type>],
    ) -> PgWireResult<Option<ParsedStatement>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let scope = self.plain.scope().await;
        // Keyed apart from simple-protocol texts and executed statements.
        let key = format!("\u{2}{sql}");
        let oids: Vec<u32> = types
            .iter()
            .map(|t| t.as_ref().map_or(0, |t| t.oid()))
            .collect();
        if let Some(version) = scope.data_version.as_deref() {
            if let Some(hit) =
                self.plain
                    .plans
                    .get(&key, &oids, scope.snapshot.fingerprint, version)
            {
                let statement = hit.statement.as_ref().clone();
                return Ok(Some((
                    hit.text.clone(),
                    Some((statement, hit.logical.clone())),
                )));
            }
        }
        let parsed = self.inner.parse_sql(client, sql, types).await?;
        if let (Some((text, Some((statement, logical)))), Some(version)) =
            (&parsed, scope.data_version.as_deref())
        {
            if is_plain_query(statement) {
                let kept = Arc::new(CachedPlan {
                    text: text.clone(),
                    statement: Arc::new(statement.clone()),
                    logical: logical.clone(),
                    optimized: None,
                    physical: OnceLock::new(),
                    traits: PlanTraits::of(logical, &scope.snapshot.as_of),
                });
                self.plain
                    .plans
                    .put(&key, &oids, scope.snapshot.fingerprint, version, kept);
            }
        }
        Ok(parsed)
    }

    fn get_parameter_types(&self, statement: &ParsedStatement) -> PgWireResult<Vec<Type>> {
        self.inner.get_parameter_types(statement)
    }

    fn get_result_schema(
        &self,
        statement: &ParsedStatement,
        column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        let fields = self.inner.get_result_schema(statement, column_format)?;
        Ok(match statement {
            (_, Some((parsed, _))) => pg_field_names(parsed, fields),
            _ => fields,
        })
    }
}

/// datafusion-postgres' parser (with its PostgreSQL compatibility rewrites), made once:
/// making one tokenizes its rewrite tables.
static PARSER: LazyLock<PostgresCompatibilityParser> =
    LazyLock::new(PostgresCompatibilityParser::new);

/// The one statement of `text` when it is a plain query.
fn single_plain_query(text: &str) -> Option<Statement> {
    let mut statements = PARSER.parse(text).ok()?;
    (statements.len() == 1 && is_plain_query(&statements[0])).then(|| statements.remove(0))
}

fn rows_or_error(rows: PgWireResult<Vec<DataRow>>) -> Vec<PgWireResult<DataRow>> {
    match rows {
        Ok(rows) => rows.into_iter().map(Ok).collect(),
        Err(e) => vec![Err(e)],
    }
}

/// Collects a result's batches while they stream to the client; a complete result small
/// enough goes into the result cache.
struct Recorder {
    cache: Arc<ResultCache>,
    key: ResultKey,
    statement: Arc<Statement>,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    bytes: usize,
    reads_clock: bool,
}

impl Recorder {
    /// Keeps `batch`; false once the result has grown past what the cache would keep.
    fn add(&mut self, batch: &RecordBatch) -> bool {
        self.bytes += batch.get_array_memory_size();
        if self.bytes > self.cache.max_entry_bytes() {
            self.batches.clear();
            return false;
        }
        self.batches.push(batch.clone());
        true
    }

    fn finish(self) {
        self.cache.put(
            self.key,
            self.statement,
            self.schema,
            self.batches,
            self.reads_clock,
        );
    }
}

/// Runs `batches` to the end on `runtime`, encoding rows there; the connection receives
/// encoded rows. Dropping the returned stream (client gone, statement stopped) aborts it.
fn spawn_rows(
    mut batches: SendableRecordBatchStream,
    fields: Arc<Vec<FieldInfo>>,
    mut recorder: Option<Recorder>,
    runtime: &Handle,
) -> RowsFromTask {
    let (sender, receiver) = tokio::sync::mpsc::channel(BATCHES_IN_FLIGHT);
    let task = runtime.spawn(async move {
        while let Some(batch) = batches.next().await {
            let batch = batch.map_err(api_error);
            if let (Some(r), Ok(batch)) = (recorder.as_mut(), &batch) {
                if !r.add(batch) {
                    recorder = None;
                }
            }
            let rows = batch.and_then(|b| encode_batch(&fields, &b));
            let failed = rows.is_err();
            if sender.send(rows).await.is_err() || failed {
                return;
            }
        }
        if let Some(recorder) = recorder {
            recorder.finish();
        }
    });
    RowsFromTask {
        receiver,
        pending: Vec::new().into_iter(),
        task,
    }
}

/// Rows encoded by a [`spawn_rows`] task.
struct RowsFromTask {
    receiver: tokio::sync::mpsc::Receiver<PgWireResult<Vec<DataRow>>>,
    pending: std::vec::IntoIter<DataRow>,
    task: tokio::task::JoinHandle<()>,
}

impl Stream for RowsFromTask {
    type Item = PgWireResult<DataRow>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(row) = self.pending.next() {
                return Poll::Ready(Some(Ok(row)));
            }
            match self.receiver.poll_recv(cx) {
                Poll::Ready(Some(Ok(rows))) => self.pending = rows.into_iter(),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl Drop for RowsFromTask {
    fn drop(&mut self) {
        self.task.abort();
    }
}
