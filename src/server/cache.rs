//! Caches for repeated statements: plans per session, results shared by every session.
//!
//! Dashboards repeat the same statements: Grafana sends each panel's SQL on every refresh, for
//! every viewer. Two caches make a repeat cheap, and both are keyed so that a cached answer
//! is exactly what running the statement again would give:
//! - the **plan cache** (one per session) maps a statement's text and parameter types, under
//!   the session's settings, to its logical plan; plans that do not read the clock are kept
//!   optimized too, so a repeat skips parsing, planning and optimizing;
//! - the **result cache** (one per server, bounded in bytes, least recently used first out)
//!   maps a statement's text, under the same settings, at the same data version, to its
//!   record batches. Results that read the clock (`now()`, or the SLO views at `shape.as_of`
//!   = now) are kept at most `result_cache_max_age`, since time moves them even when no data
//!   arrives.
//!
//! Both are dropped when the data changes: every key carries the data dir's data version
//! ([`crate::storage::DataStore::data_version`]), which every commit, rollup and healing record
//! moves on. `shape_cache_stats` shows their sizes and hit counts.

use std::hash::{Hash, Hasher};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::{Expr, LogicalPlan, Volatility};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::Statement;
use lru::LruCache;

use super::{LiveRows, LiveTable};

/// Plans one session keeps (least recently used first out).
const PLANS_PER_SESSION: usize = 256;

/// Stable functions whose value depends only on the session's settings, which are part of
/// every key (any other stable function is taken to read the clock).
const SETTINGS_ONLY_FUNCTIONS: &[&str] = &[
    "shape_setting",
    "shape_number",
    "shape_integer",
    "shape_scoped_number",
    "current_setting",
];

/// What a statement's plan says about caching it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanTraits {
    /// Evaluating it reads the clock: `now()`, `current_date`, `shape_as_of()` at a relative
    /// `shape.as_of`, a `'now'`/`'today'` literal.
    pub reads_clock: bool,
    /// It calls a volatile function (`random()`): never answered from the result cache.
    pub volatile: bool,
    /// It reads one of SHAPE's tables or views (not only the catalog or constants): worth a
    /// result cache entry.
    pub reads_data: bool,
    /// It reads no table and has no join, sort, aggregate or subquery (`SELECT 1`,
    /// `SELECT version()`): its physical plan holds no state and can be run again.
    pub constant: bool,
}

impl PlanTraits {
    /// Looks through `plan` (views are inlined when planned) and its subqueries. `as_of` is the
    /// session's `shape.as_of` ("" = now).
    pub fn of(plan: &LogicalPlan, as_of: &str) -> PlanTraits {
        let mut traits = PlanTraits {
            reads_clock: false,
            volatile: false,
            reads_data: false,
            constant: true,
        };
        let as_of_moves = is_relative_time(as_of);
        let _ = plan.apply_with_subqueries(|node| {
            traits.constant &= matches!(
                node,
                LogicalPlan::Projection(_)
                    | LogicalPlan::EmptyRelation(_)
                    | LogicalPlan::Values(_)
                    | LogicalPlan::SubqueryAlias(_)
            );
            if let LogicalPlan::TableScan(scan) = node {
                let schema = scan.table_name.schema().unwrap_or("public");
                if schema != "pg_catalog" && schema != "information_schema" {
                    traits.reads_data = true;
                }
            }
            node.apply_expressions(|expr| {
                expr.apply(|e| {
                    match e {
                        Expr::ScalarFunction(call) => {
                            let name = call.func.name();
                            match call.func.signature().volatility {
                                Volatility::Volatile => traits.volatile = true,
                                Volatility::Stable if name == "shape_as_of" => {
                                    traits.reads_clock |= as_of_moves
                                }
                                Volatility::Stable => {
                                    traits.reads_clock |= !SETTINGS_ONLY_FUNCTIONS.contains(&name)
                                }
                                Volatility::Immutable => {}
                            }
                        }
                        Expr::Literal(ScalarValue::Utf8(Some(text)), _)
                            if is_relative_time(text) && !text.is_empty() =>
                        {
                            traits.reads_clock = true
                        }
                        _ => {}
                    }
                    Ok(TreeNodeRecursion::Continue)
                })
            })?;
            Ok(TreeNodeRecursion::Continue)
        });
        traits
    }

    /// Whether a result of this plan may be answered from the result cache at all.
    pub fn result_cacheable(&self) -> bool {
        self.reads_data && !self.volatile
    }
}

/// Whether a timestamp text means a time relative to now (PostgreSQL's special inputs, and
/// SHAPE's empty `shape.as_of`).
fn is_relative_time(text: &str) -> bool {
    let word = text.trim().to_ascii_lowercase();
    word.is_empty()
        || ["now", "today", "yesterday", "tomorrow"]
            .iter()
            .any(|w| word == *w || word.starts_with(&format!("{w} ")))
}

/// The session settings a cached plan or result was made under, as one number: a hash of
/// every configuration option (SHAPE's `shape.*` ones included) and the time zone.
pub fn settings_fingerprint(state: &SessionState) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    for entry in state.config_options().entries() {
        entry.key.hash(&mut hasher);
        entry.value.hash(&mut hasher);
    }
    hasher.finish()
}

/// A session's `shape.as_of` ("" = now).
pub fn session_as_of(state: &SessionState) -> String {
    state
        .config_options()
        .extensions
        .get::<shape_udfs::ShapeOptions>()
        .map(|o| o.as_of.clone())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Plan cache
// ---------------------------------------------------------------------------------------------

/// A statement as planned once for a session.
#[derive(Debug)]
pub struct CachedPlan {
    /// The statement as parsed (result columns are named from it), and its text as
    /// datafusion-postgres keeps it in a prepared statement.
    pub statement: Arc<Statement>,
    pub text: String,
    /// As planned from the statement: views inlined, placeholders kept, not optimized.
    pub logical: LogicalPlan,
    /// Optimized, when neither the clock nor parameters can change it.
    pub optimized: Option<LogicalPlan>,
    /// The physical plan of an optimized constant plan, made at its first run.
    pub physical: OnceLock<Arc<dyn ExecutionPlan>>,
    pub traits: PlanTraits,
}

/// (statement text, parameter type oids as the client declared them, 0 = unspecified).
type PlanKey = (String, Vec<u32>);

/// One session's plans, all made under one settings fingerprint and one data version; a
/// change of either drops them all.
pub struct PlanCache {
    plans: Mutex<SessionPlans>,
    stats: Arc<CacheCounters>,
}

struct SessionPlans {
    settings: u64,
    data_version: String,
    entries: LruCache<PlanKey, Arc<CachedPlan>>,
}

impl PlanCache {
    pub fn new(stats: Arc<CacheCounters>) -> PlanCache {
        PlanCache {
            plans: Mutex::new(SessionPlans {
                settings: 0,
                data_version: String::new(),
                entries: LruCache::new(NonZeroUsize::new(PLANS_PER_SESSION).expect("non-zero")),
            }),
            stats,
        }
    }

    /// The plan of `text` with `types` under `settings` at `data_version`, if planned before.
    pub fn get(
        &self,
        text: &str,
        types: &[u32],
        settings: u64,
        data_version: &str,
    ) -> Option<Arc<CachedPlan>> {
        let mut plans = self.plans.lock().ok()?;
        if plans.settings != settings || plans.data_version != data_version {
            let dropped = plans.entries.len() as u64;
            plans.entries.clear();
            plans.settings = settings;
            plans.data_version = data_version.to_string();
            self.stats.invalidated.fetch_add(dropped, Ordering::Relaxed);
            self.stats.entries.fetch_sub(dropped, Ordering::Relaxed);
        }
        let found = plans
            .entries
            .get(&(text.to_string(), types.to_vec()))
            .cloned();
        self.stats.count(found.is_some());
        found
    }

    /// Keeps a plan made under `settings` at `data_version` (ignored when either has moved
    /// on since [`PlanCache::get`]).
    pub fn put(
        &self,
        text: &str,
        types: &[u32],
        settings: u64,
        data_version: &str,
        plan: Arc<CachedPlan>,
    ) {
        let Ok(mut plans) = self.plans.lock() else {
            return;
        };
        if plans.settings != settings || plans.data_version != data_version {
            return;
        }
        match plans.entries.push((text.to_string(), types.to_vec()), plan) {
            Some((old_key, _)) if old_key.0 != text || old_key.1 != types => {
                self.stats.evicted.fetch_add(1, Ordering::Relaxed);
            }
            Some(_) => {}
            None => {
                self.stats.entries.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl Drop for PlanCache {
    fn drop(&mut self) {
        if let Ok(plans) = self.plans.lock() {
            self.stats
                .entries
                .fetch_sub(plans.entries.len() as u64, Ordering::Relaxed);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Result cache
// ---------------------------------------------------------------------------------------------

/// A statement's result under some settings at some data version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResultKey {
    pub text: String,
    pub settings: u64,
    pub data_version: String,
}

/// A result kept for repeats.
#[derive(Debug)]
pub struct CachedResult {
    /// The statement it answers (its columns are named from it).
    pub statement: Arc<Statement>,
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    bytes: usize,
    made: Instant,
    reads_clock: bool,
}

/// Hit, miss and size counters of one cache (shared by every session for the plan caches).
#[derive(Debug, Default)]
pub struct CacheCounters {
    hits: AtomicU64,
    misses: AtomicU64,
    entries: AtomicU64,
    bytes: AtomicU64,
    evicted: AtomicU64,
    invalidated: AtomicU64,
}

impl CacheCounters {
    fn count(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Results shared by every session, bounded in bytes.
pub struct ResultCache {
    entries: Mutex<LruCache<ResultKey, Arc<CachedResult>>>,
    capacity_bytes: usize,
    clock_max_age: Duration,
    stats: CacheCounters,
}

impl ResultCache {
    /// `capacity_bytes` 0 turns the cache off; `clock_max_age` bounds how long a result that
    /// read the clock is reused (0: never).
    pub fn new(capacity_bytes: usize, clock_max_age: Duration) -> ResultCache {
        ResultCache {
            entries: Mutex::new(LruCache::unbounded()),
            capacity_bytes,
            clock_max_age,
            stats: CacheCounters::default(),
        }
    }

    /// Whether a result of a plan with `traits` may be kept at all.
    pub fn accepts(&self, traits: &PlanTraits) -> bool {
        self.capacity_bytes > 0
            && traits.result_cacheable()
            && (!traits.reads_clock || !self.clock_max_age.is_zero())
    }

    /// The largest single result kept: one result never pushes out more than a quarter of
    /// the cache.
    pub fn max_entry_bytes(&self) -> usize {
        self.capacity_bytes / 4
    }

    /// The result kept for `key`, counted as a hit. A lookup that finds nothing is not
    /// counted here: the caller counts a miss ([`ResultCache::missed`]) once it knows the
    /// statement's result could have been kept (results are looked up before planning).
    pub fn get(&self, key: &ResultKey) -> Option<Arc<CachedResult>> {
        let mut entries = self.entries.lock().ok()?;
        let found = match entries.get(key) {
            Some(result) if result.reads_clock && result.made.elapsed() > self.clock_max_age => {
                let stale = entries.pop(key).expect("just found");
                self.forget(&stale, &self.stats.invalidated);
                None
            }
            found => found.cloned(),
        };
        if found.is_some() {
            self.stats.count(true);
        }
        found
    }

    /// Counts a statement whose result could have been kept but was not there.
    pub fn missed(&self) {
        self.stats.count(false);
    }

    /// Keeps a complete result; older entries make room, least recently used first.
    pub fn put(
        &self,
        key: ResultKey,
        statement: Arc<Statement>,
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
        reads_clock: bool,
    ) {
        let bytes: usize = batches.iter().map(|b| b.get_array_memory_size()).sum();
        if bytes > self.max_entry_bytes() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        // Entries of an older data version can never be hit again: drop them first.
        let outdated: Vec<ResultKey> = entries
            .iter()
            .filter(|(k, _)| k.data_version != key.data_version)
            .map(|(k, _)| k.clone())
            .collect();
        for old in outdated {
            if let Some(result) = entries.pop(&old) {
                self.forget(&result, &self.stats.invalidated);
            }
        }
        while self.stats.bytes.load(Ordering::Relaxed) as usize + bytes > self.capacity_bytes {
            match entries.pop_lru() {
                Some((_, result)) => self.forget(&result, &self.stats.evicted),
                None => break,
            }
        }
        let result = Arc::new(CachedResult {
            statement,
            schema,
            batches,
            bytes,
            made: Instant::now(),
            reads_clock,
        });
        if let Some(replaced) = entries.put(key, result) {
            self.forget(&replaced, &self.stats.evicted);
        }
        self.stats.entries.fetch_add(1, Ordering::Relaxed);
        self.stats.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    fn forget(&self, result: &CachedResult, reason: &AtomicU64) {
        reason.fetch_add(1, Ordering::Relaxed);
        self.stats.entries.fetch_sub(1, Ordering::Relaxed);
        self.stats
            .bytes
            .fetch_sub(result.bytes as u64, Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------------------------
// shape_cache_stats
// ---------------------------------------------------------------------------------------------

/// Columns of `shape_cache_stats`.
pub const CACHE_STATS_COLUMNS: &[(&str, &str)] = &[
    (
        "cache",
        "`plan` (every session's plan cache together) or `result` (shared)",
    ),
    ("entries", "plans or results held now"),
    ("bytes", "memory the results hold (0 for plans)"),
    (
        "capacity_bytes",
        "the result cache's bound ([server] result_cache); 0 for plans",
    ),
    (
        "hits",
        "lookups answered from the cache since the server started",
    ),
    ("misses", "lookups that had to plan or run the statement"),
    ("evictions", "entries pushed out to make room"),
    (
        "invalidations",
        "entries dropped because the data, the settings or the clock moved on",
    ),
];

/// `shape_cache_stats`: one row per cache, read live at every query.
#[derive(Debug)]
struct CacheStatsTable {
    schema: SchemaRef,
    results: Arc<ResultCache>,
    plans: Arc<CacheCounters>,
}

impl std::fmt::Debug for ResultCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultCache")
            .field("capacity_bytes", &self.capacity_bytes)
            .finish()
    }
}

#[async_trait]
impl LiveRows for CacheStatsTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    async fn batch(&self) -> Result<RecordBatch> {
        let rows = [
            ("plan", &*self.plans, 0),
            (
                "result",
                &self.results.stats,
                self.results.capacity_bytes as i64,
            ),
        ];
        let read = |f: fn(&CacheCounters) -> &AtomicU64| -> Int64Array {
            rows.iter()
                .map(|(_, c, _)| Some(f(c).load(Ordering::Relaxed) as i64))
                .collect()
        };
        let columns: Vec<Arc<dyn datafusion::arrow::array::Array>> = vec![
            Arc::new(rows.iter().map(|r| Some(r.0)).collect::<StringArray>()),
            Arc::new(read(|c| &c.entries)),
            Arc::new(read(|c| &c.bytes)),
            Arc::new(rows.iter().map(|r| Some(r.2)).collect::<Int64Array>()),
            Arc::new(read(|c| &c.hits)),
            Arc::new(read(|c| &c.misses)),
            Arc::new(read(|c| &c.evicted)),
            Arc::new(read(|c| &c.invalidated)),
        ];
        Ok(RecordBatch::try_new(self.schema.clone(), columns)?)
    }
}

/// Registers `shape_cache_stats` in `ctx`.
pub fn register_stats(
    ctx: &SessionContext,
    results: &Arc<ResultCache>,
    plans: &Arc<CacheCounters>,
) -> Result<()> {
    let fields: Vec<Field> = CACHE_STATS_COLUMNS
        .iter()
        .map(|(name, _)| {
            let data_type = if *name == "cache" {
                DataType::Utf8
            } else {
                DataType::Int64
            };
            Field::new(*name, data_type, false)
        })
        .collect();
    ctx.register_table(
        "shape_cache_stats",
        Arc::new(LiveTable(CacheStatsTable {
            schema: Arc::new(Schema::new(fields)),
            results: results.clone(),
            plans: plans.clone(),
        })),
    )?;
    Ok(())
}
