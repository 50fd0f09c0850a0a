//! Builds a `SessionContext`: stored tables, UDFs, JSON functions and the `sql/*.sql`
//! views. Only `Workspace` calls [`build_context`], so every consumer (CLI, server, healing
//! runner, tests, benches) sees the same names.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Schema, SchemaRef};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::cache::cache_manager::CacheManagerConfig;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::SessionContext;

use datafusion::arrow::array::RecordBatch;
use datafusion::catalog::view::ViewTable;
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::logical_expr::{CreateView, DdlStatement, LogicalPlan};
use datafusion::sql::parser::DFParser;

use crate::detect::{rollup, Detection};
use crate::slo::{self, SloDefinition};
use crate::storage::schema::{
    day_partitioned_by, file_schema, PARTITION_COLUMN, SLO_ROLLUPS, TABLES,
};
use crate::storage::DataStore;
use day_pruning::DayPrunedTable;

mod day_pruning;
mod view_text;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/sql_files.rs"));
}

/// The view definitions compiled into this binary: `(file name, SQL)`, in load order.
pub const SQL_FILES: &[(&str, &str)] = embedded::SQL_FILES;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot register table {table}: {source}")]
    Table {
        table: String,
        source: datafusion::error::DataFusionError,
    },
    #[error("view file sql/{file} failed: {source}")]
    View {
        file: String,
        source: datafusion::error::DataFusionError,
    },
    #[error("invalid as-of time: {0}")]
    AsOf(datafusion::error::DataFusionError),
    #[error("cannot set up the session: {0}")]
    Setup(datafusion::error::DataFusionError),
    #[error("cannot read the rollup watermarks: {0}")]
    Watermarks(crate::storage::StorageError),
    #[error("cannot prepare the detect views (rollups, evidence windows): {0}")]
    Detect(Box<crate::detect::DetectError>),
}

/// Options every consumer may set when building a context.
#[derive(Debug, Clone, Default)]
pub(crate) struct ContextOptions {
    /// Evaluation time for windowed views (`shape.as_of`); `None` means now.
    pub as_of: Option<String>,
    /// The SLOs (`slo_definitions`); see `slo::load_slos`.
    pub slos: Vec<SloDefinition>,
    /// Where the SLO views read per-minute counts from.
    pub minutes_source: MinutesSource,
    /// Memory pool for query execution (bytes); a query that needs more fails with a
    /// "Resources exhausted" error instead of taking the process down. `None`: unbounded.
    pub memory_limit: Option<usize>,
    /// `[detect]` settings, template masks and fix rules for the detect views.
    pub detection: Detection,
    /// `anomalies`, `anomaly_links` and `root_cause_candidates` computed once (see
    /// `QueryOptions::snapshot_detection`).
    pub snapshot_detection: bool,
    /// `[cluster]` workers to plan over; `None`: plan and run in this process.
    pub workers: Option<crate::cluster::LiveWorkers>,
}

/// The view file that defines `anomalies` (a snapshot replaces it after it is made).
const ANOMALIES_FILE: &str = "90_anomalies.sql";

/// With snapshots on (`shape detect`), the views computed once, right after the statement
/// that makes them, so that every later statement and file reads the rows: the anomalies,
/// the links between them (their events read once for every incident view), and the
/// root-cause candidates that `root_causes` and `fix_recommendations` both read.
const SNAPSHOTS: &[(&str, &str)] = &[
    (ANOMALIES_FILE, "anomalies"),
    ("90_anomaly_links.sql", "anomaly_links"),
    ("91_root_causes.sql", "root_cause_candidates"),
];

/// `slo_minutes` from the rollups (normal), or computed from raw events (to check the
/// rollups and to measure what they save).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MinutesSource {
    #[default]
    Rollups,
    RawEvents,
}

/// The view file that defines `slo_minutes` from rollups (replaced in raw mode).
const SLO_MINUTES_FILE: &str = "20_slo_minutes.sql";

/// The view file that defines `slo_rollup_hours` from the stored hour rows (made from the
/// minutes instead in raw mode and before a catch-up has stored every hour).
const SLO_HOURS_FILE: &str = "21_slo_hours.sql";

/// Builds the session: tables of `store`, SHAPE's UDFs, the JSON functions, and the views.
pub(crate) async fn build_context(
    store: &DataStore,
    options: &ContextOptions,
) -> Result<SessionContext, CatalogError> {
    let ctx = base_context(store, options).await?;
    let (unrolled, slo_hours_stored) = if options.minutes_source == MinutesSource::RawEvents {
        (Vec::new(), false)
    } else {
        let marks = store
            .rollup_watermarks()
            .await
            .map_err(CatalogError::Watermarks)?;
        let hash = rollup::settings_hash(&options.detection, &options.slos);
        let plan = rollup::plan(&ctx, &hash, &marks).await;
        let unrolled = plan.map_err(|e| CatalogError::Detect(Box::new(e)))?.missing;
        (unrolled, marks.slo_hours())
    };
    add_views(&ctx, options, &unrolled, slo_hours_stored).await?;
    Ok(ctx)
}

/// The session without views: what rollup catch-ups need (tables, functions, settings),
/// so that the views made afterwards see the rollups they wrote.
pub(crate) async fn base_context(
    store: &DataStore,
    options: &ContextOptions,
) -> Result<SessionContext, CatalogError> {
    let mut config = shape_udfs::session_config().with_information_schema(true);
    let shape = config
        .options_mut()
        .extensions
        .get_mut::<shape_udfs::ShapeOptions>()
        .expect("session_config registers the shape options");
    for (name, value) in options.detection.session_settings() {
        shape.declare(&format!("detect.{name}"), value);
    }
    shape.declare(
        "detect.slow_threshold_ms",
        slo::slow_thresholds_json(&options.slos),
    );
    shape.declare(
        "slo.window_lookback_minutes",
        slo::window_lookback_minutes(&options.slos),
    );
    shape.declare(
        "slo.burn_lookback_minutes",
        slo::burn_lookback_minutes(&options.slos),
    );
    if let Some(as_of) = &options.as_of {
        config
            .options_mut()
            .set("shape.as_of", as_of)
            .map_err(CatalogError::AsOf)?;
    }
    // No listing cache: files committed by a concurrent ingest must show up in the next query.
    let mut runtime = RuntimeEnvBuilder::new()
        .with_cache_manager(CacheManagerConfig::default().with_list_files_cache_limit(0));
    if let Some(limit) = options.memory_limit {
        runtime = runtime.with_memory_limit(limit, 1.0);
    }
    let runtime = runtime.build_arc().map_err(CatalogError::Setup)?;
    let settings = config
        .options()
        .extensions
        .get::<shape_udfs::ShapeOptions>()
        .cloned()
        .unwrap_or_default();
    let mut builder = datafusion::execution::SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_default_features();
    if let Some(workers) = &options.workers {
        builder = crate::cluster::distributed(builder, workers.clone(), settings).map_err(|e| {
            CatalogError::Setup(datafusion::error::DataFusionError::External(Box::new(e)))
        })?;
    }
    let mut ctx = SessionContext::new_with_state(builder.build());
    // Listings see through compaction records: a query during `shape compact` reads the
    // small files or their merge, never both.
    ctx.register_object_store(
        &store.root,
        Arc::new(crate::storage::CompactionAwareStore::new(store.clone())),
    );
    for table in TABLES {
        register_table(&ctx, store, table).await?;
    }
    datafusion_functions_json::register_all(&mut ctx).map_err(CatalogError::Setup)?;
    shape_udfs::register(&ctx);
    shape_udfs::register_templates(&ctx, &options.detection.masks);
    register_batch(&ctx, "fix_rules", options.detection.rules_batch())?;
    register_batch(
        &ctx,
        "slo_definitions",
        slo::definitions_batch(&options.slos),
    )?;
    register_batch(&ctx, "burn_rate_tiers", slo::tiers_batch())?;
    register_batch(&ctx, "slo_tiers", slo::slo_tiers_batch(&options.slos))?;
    register_batch(
        &ctx,
        "slo_suggestions",
        slo::suggest::suggestions_batch(&[]),
    )?;
    register_batch(&ctx, "slo_members", slo::members_batch(&options.slos))?;
    register_batch(
        &ctx,
        "slo_alert_targets",
        slo::alert_targets_batch(&options.slos),
    )?;
    Ok(ctx)
}

/// Adds the views: those made from the configuration here, then `sql/*.sql`.
/// `detect_unrolled`: the runs without detection rollups, which `detect_minutes` reads from
/// events. `slo_hours_stored`: every SLO rollup has its hour rows (`Watermarks::slo_hours`),
/// so `slo_rollup_hours` reads them; else it makes them from the minutes.
pub(crate) async fn add_views(
    ctx: &SessionContext,
    options: &ContextOptions,
    detect_unrolled: &[String],
    slo_hours_stored: bool,
) -> Result<(), CatalogError> {
    let ctx = ctx.clone();
    let raw = options.minutes_source == MinutesSource::RawEvents;
    let hash = rollup::settings_hash(&options.detection, &options.slos);
    let composite_slos = options.slos.iter().any(|slo| !slo.members.is_empty());
    // Built from the SLOs' own predicates (user-written SQL), so made here, not in sql/.
    for (view, sql) in [
        ("slo_minutes_raw", slo::raw_minutes_sql(&options.slos)),
        ("slo_bad_events", slo::bad_events_sql(&options.slos)),
        (
            "detect_minutes",
            rollup::detect_minutes_sql(&hash, detect_unrolled, raw),
        ),
    ] {
        run_statements(&ctx, view, &format!("CREATE VIEW {view} AS {sql}")).await?;
    }
    for (file, sql) in SQL_FILES {
        if *file == SLO_MINUTES_FILE && options.minutes_source == MinutesSource::RawEvents {
            run_statements(
                &ctx,
                file,
                "CREATE VIEW slo_rollup_rows AS SELECT * FROM slo_minutes_raw; \
                 CREATE VIEW slo_minutes AS SELECT slo_id, minute, good, total FROM slo_minutes_raw",
            )
            .await?;
            continue;
        }
        let snapshot_view = SNAPSHOTS
            .iter()
            .find(|(f, _)| f == file)
            .filter(|_| options.snapshot_detection)
            .map(|(_, view)| *view);
        let sql = view_text::view_text(sql, composite_slos);
        run_file(&ctx, file, &sql, snapshot_view).await?;
        if *file == SLO_HOURS_FILE && (raw || !slo_hours_stored) {
            run_statements(
                &ctx,
                file,
                "CREATE OR REPLACE VIEW slo_rollup_hours AS SELECT * FROM slo_minute_hours",
            )
            .await?;
        }
        if *file == ANOMALIES_FILE {
            let bucket_minutes = options.detection.settings.bucket_minutes;
            let evidence = crate::detect::evidence_events_sql(
                &ctx,
                bucket_minutes,
                options.snapshot_detection,
            )
            .await
            .map_err(|e| CatalogError::Detect(Box::new(e)))?;
            run_statements(
                &ctx,
                "evidence_events",
                &format!("CREATE VIEW evidence_events AS {evidence}"),
            )
            .await?;
        }
    }
    Ok(())
}

/// Replaces view `name` by a table of its rows: the views made after it read them.
async fn snapshot(ctx: &SessionContext, name: &str) -> datafusion::error::Result<()> {
    let table = computed_rows(ctx, name).await?;
    ctx.deregister_table(name)?;
    ctx.register_table(name, table)?;
    Ok(())
}

/// The rows of view `name`, as a table.
async fn computed_rows(
    ctx: &SessionContext,
    name: &str,
) -> datafusion::error::Result<Arc<MemTable>> {
    let frame = ctx.table(name).await?;
    let planned = Arc::new(frame.schema().as_arrow().clone());
    let batches = frame.collect().await?;
    // The rows' own schema: a view's planned one may differ in nullability from what
    // its plan produces, and a table must agree with its batches.
    let schema = batches.first().map_or(planned, |b| b.schema());
    Ok(Arc::new(MemTable::try_new(schema, vec![batches])?))
}

/// The views a page of SLO figures reads, remade over computed rows (see
/// [`slo_snapshot_session`]): the files that make them, after the SLO views they read.
const SLO_SNAPSHOT_VIEWS: &[&str] = &["slo_status", "slo_burn_alerts"];
const SLO_SNAPSHOT_FILES: &[(&str, &str)] = &[
    ("70_component_health.sql", "component_health"),
    ("80_slo_breaches.sql", "slo_breaches"),
];

/// A session over `ctx`'s tables and views, at `ctx`'s settings (its `shape.as_of`), in
/// which `slo_status` and `slo_burn_alerts` are computed once and `component_health` and
/// `slo_breaches` are made again over those rows: what a dashboard page or a `/metrics`
/// scrape reads several times costs one evaluation. The session has a catalog of its own,
/// so the server's views are untouched.
pub(crate) async fn slo_snapshot_session(
    ctx: &SessionContext,
) -> Result<SessionContext, CatalogError> {
    use datafusion::catalog::{
        CatalogProvider, CatalogProviderList, MemoryCatalogProvider, MemoryCatalogProviderList,
        MemorySchemaProvider, SchemaProvider,
    };
    let mut state = ctx.state();
    let setup = CatalogError::Setup;
    let options = state.config().options();
    let (catalog_name, schema_name) = (
        options.catalog.default_catalog.clone(),
        options.catalog.default_schema.clone(),
    );
    let shared = state
        .catalog_list()
        .catalog(&catalog_name)
        .and_then(|c| c.schema(&schema_name))
        .ok_or_else(|| {
            setup(datafusion::error::DataFusionError::Plan(format!(
                "no schema {catalog_name}.{schema_name}"
            )))
        })?;
    let own = Arc::new(MemorySchemaProvider::new());
    for name in shared.table_names() {
        if let Some(table) = shared.table(&name).await.map_err(setup)? {
            own.register_table(name, table).map_err(setup)?;
        }
    }
    let catalog = Arc::new(MemoryCatalogProvider::new());
    catalog.register_schema(&schema_name, own).map_err(setup)?;
    let list = Arc::new(MemoryCatalogProviderList::new());
    list.register_catalog(catalog_name, catalog);
    // One optimizer pass: the SLO views reach their plan in the first (the second and third
    // change nothing but the order of commuted comparisons, measured) and together cost
    // 15-20 ms of a cold evaluation. Other sessions keep three: a user's query may need them.
    state.config_mut().options_mut().optimizer.max_passes = 1;
    let state = datafusion::execution::SessionStateBuilder::new_from_existing(state)
        .with_catalog_list(list)
        .build();
    let session = SessionContext::new_with_state(state);
    // Independent of each other: computed side by side, each on a task of its own, since
    // planning (most of a cold evaluation) runs on the task that awaits it.
    let computed = futures::future::try_join_all(SLO_SNAPSHOT_VIEWS.iter().map(|view| {
        let session = session.clone();
        tokio::spawn(async move { computed_rows(&session, view).await })
    }))
    .await
    .map_err(|e| setup(datafusion::error::DataFusionError::External(Box::new(e))))?
    .into_iter()
    .collect::<Result<Vec<_>, _>>()
    .map_err(setup)?;
    for (view, table) in SLO_SNAPSHOT_VIEWS.iter().zip(computed) {
        session.deregister_table(*view).map_err(setup)?;
        session.register_table(*view, table).map_err(setup)?;
    }
    for (file, view) in SLO_SNAPSHOT_FILES {
        let (_, sql) = SQL_FILES
            .iter()
            .find(|(name, _)| name == file)
            .expect("the snapshot files are compiled in");
        session.deregister_table(*view).map_err(setup)?;
        run_statements(&session, file, sql).await?;
    }
    Ok(session)
}

/// Runs every statement of a view file (`;`-separated).
async fn run_statements(ctx: &SessionContext, file: &str, sql: &str) -> Result<(), CatalogError> {
    run_file(ctx, file, sql, None).await
}

/// [`run_statements`], replacing view `snapshot` by its rows as soon as a statement made it.
async fn run_file(
    ctx: &SessionContext,
    file: &str,
    sql: &str,
    mut snapshot_view: Option<&str>,
) -> Result<(), CatalogError> {
    let err = |source| CatalogError::View {
        file: file.to_string(),
        source,
    };
    for statement in DFParser::parse_sql(sql).map_err(err)? {
        let plan = ctx
            .state()
            .statement_to_plan(statement)
            .await
            .map_err(err)?;
        execute(ctx, plan).await.map_err(err)?;
        if let Some(view) = snapshot_view {
            if ctx.table_exist(view).map_err(err)? {
                snapshot(ctx, view).await.map_err(err)?;
                snapshot_view = None;
            }
        }
    }
    Ok(())
}

/// Runs one statement of a view file. `CREATE VIEW` registers the planned view itself:
/// DataFusion's own `CREATE VIEW` type-coerces the view's whole plan, in which every view it
/// reads is already inlined, so each view over views cost its whole tree again (about three
/// quarters of a context's set-up). A query coerces the plan it runs anyway; the test
/// `views_keep_their_schema_once_coerced` checks that coercion changes no view's columns.
async fn execute(ctx: &SessionContext, plan: LogicalPlan) -> datafusion::error::Result<()> {
    match plan {
        // sql/ writes plain CREATE VIEW only; DataFusion keeps the other forms
        LogicalPlan::Ddl(DdlStatement::CreateView(view)) if !view.temporary && !view.or_replace => {
            register_view(ctx, view)
        }
        other => ctx.execute_logical_plan(other).await.map(|_| ()),
    }
}

/// Registers a planned view, with `CREATE VIEW`'s checks (new name, unique column names).
fn register_view(ctx: &SessionContext, view: CreateView) -> datafusion::error::Result<()> {
    let plan_error = datafusion::error::DataFusionError::Plan;
    if ctx.table_exist(view.name.clone())? {
        return Err(plan_error(format!("view {} already exists", view.name)));
    }
    let mut seen = std::collections::HashSet::new();
    for field in view.input.schema().fields() {
        if !seen.insert(field.name().as_str()) {
            return Err(plan_error(format!(
                "view {} has two columns named {}",
                view.name,
                field.name()
            )));
        }
    }
    let table = ViewTable::new(Arc::unwrap_or_clone(view.input), view.definition);
    ctx.register_table(view.name, Arc::new(table))?;
    Ok(())
}

/// Registers (or replaces) an in-memory table.
pub(crate) fn register_batch(
    ctx: &SessionContext,
    name: &str,
    batch: RecordBatch,
) -> Result<(), CatalogError> {
    let err = |source| CatalogError::Table {
        table: name.to_string(),
        source,
    };
    let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).map_err(err)?;
    ctx.deregister_table(name).map_err(err)?;
    ctx.register_table(name, Arc::new(table)).map_err(err)?;
    Ok(())
}

/// `schema` with its strings read as string views: the SLO views read the rollups' 1.3 M rows
/// per 30 days of 31 SLOs twice per evaluation, and a view keeps Parquet's dictionary
/// pages where a plain string column copies every value out of them.
fn string_views(schema: &SchemaRef) -> SchemaRef {
    let fields = schema.fields().iter().map(|f| match f.data_type() {
        DataType::Utf8 => Arc::new(f.as_ref().clone().with_data_type(DataType::Utf8View)),
        _ => f.clone(),
    });
    Arc::new(Schema::new(fields.collect::<Vec<_>>()))
}

async fn register_table(
    ctx: &SessionContext,
    store: &DataStore,
    table: &str,
) -> Result<(), CatalogError> {
    let err = |source| CatalogError::Table {
        table: table.to_string(),
        source,
    };
    let url = ListingTableUrl::parse(store.table_url(table)).map_err(err)?;
    let listing = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_table_partition_cols(vec![(PARTITION_COLUMN.to_string(), DataType::Utf8)]);
    let schema = file_schema(table).expect("stored tables have schemas");
    let schema = if table == SLO_ROLLUPS {
        string_views(&schema)
    } else {
        schema
    };
    let config = ListingTableConfig::new(url)
        .with_listing_options(listing)
        .with_schema(schema);
    let provider: Arc<dyn TableProvider> = Arc::new(ListingTable::try_new(config).map_err(err)?);
    let provider = match day_partitioned_by(table) {
        Some(time_column) => Arc::new(DayPrunedTable::new(provider, time_column, PARTITION_COLUMN)),
        None => provider,
    };
    ctx.register_table(table, provider).map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Views are registered uncoerced (see [`execute`]); a query coerces them. This checks
    /// that coercion leaves every view's columns (names and types) as registered, over the
    /// shipped config (its SLOs make the generated views too), in both minute sources.
    #[tokio::test]
    async fn views_keep_their_schema_once_coerced() {
        use datafusion::config::ConfigOptions;
        use datafusion::optimizer::analyzer::type_coercion::TypeCoercion;
        use datafusion::optimizer::Analyzer;
        let dir = tempfile::tempdir().unwrap();
        let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/shape.toml");
        let workspace = crate::Workspace::open(&crate::WorkspaceOptions {
            config: Some(config),
            data_dir: dir.path().to_str().unwrap().to_string(),
            overrides: Vec::new(),
        })
        .unwrap();
        for minutes_source in [MinutesSource::Rollups, MinutesSource::RawEvents] {
            let options = crate::QueryOptions {
                minutes_source,
                ..Default::default()
            };
            let ctx = workspace.context(&options).await.unwrap();
            let mut views = 0;
            for name in ctx.catalog_names().iter().flat_map(|c| {
                let catalog = ctx.catalog(c).unwrap();
                catalog
                    .schema_names()
                    .into_iter()
                    .flat_map(move |s| catalog.schema(&s).unwrap().table_names())
            }) {
                let Ok(provider) = ctx.table_provider(name.as_str()).await else {
                    continue;
                };
                let any: &dyn std::any::Any = provider.as_ref();
                let Some(view) = any.downcast_ref::<ViewTable>() else {
                    continue;
                };
                views += 1;
                let coerced = Analyzer::with_rules(vec![Arc::new(TypeCoercion::new())])
                    .execute_and_check(
                        view.logical_plan().clone(),
                        &ConfigOptions::default(),
                        |_, _| {},
                    )
                    .unwrap_or_else(|e| panic!("{name} does not coerce: {e}"));
                let columns = |schema: &datafusion::common::DFSchema| {
                    schema
                        .fields()
                        .iter()
                        .map(|f| (f.name().clone(), f.data_type().clone()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    columns(view.logical_plan().schema()),
                    columns(coerced.schema()),
                    "{name} ({minutes_source:?}) changes its columns when coerced"
                );
            }
            assert!(views >= 30, "only {views} views found");
        }
    }

    #[test]
    fn every_setting_the_views_read_is_declared() {
        let mut declared: Vec<&str> = crate::detect::Detection::default()
            .session_settings()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        declared.push("slow_threshold_ms");
        for (file, sql) in SQL_FILES {
            for part in sql.split("('detect.").skip(1) {
                let name = part.split('\'').next().unwrap();
                assert!(
                    declared.contains(&name),
                    "{file} reads undeclared detect.{name}"
                );
            }
        }
    }
}
