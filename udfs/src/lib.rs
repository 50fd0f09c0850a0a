//! SHAPE's custom DataFusion functions and session options, usable by any DataFusion program:
//!
//! ```no_run
//! let ctx = datafusion::prelude::SessionContext::new_with_config(shape_udfs::session_config());
//! shape_udfs::register(&ctx);
//! ```
//!
//! | function | returns | what |
//! |---|---|---|
//! | `shape_as_of()` | timestamp (µs, UTC) | the session's evaluation time: `SET shape.as_of = '...'`, else now |
//! | `shape_burn_rate(error_ratio, objective)` | double | error_ratio / (1 - objective); objective 1: 0 without errors, else NULL |
//! | `shape_budget_remaining(spent_ratio, objective)` | double | (B - spent)/B with B = 1 - objective; may be negative; objective 1: 0 or NULL |
//! | `shape_exhaustion_hours(remaining, burn_rate, period_seconds)` | double | hours until the budget is gone at this burn; 0 if gone, NULL if never |
//! | `shape_health_score(mean_remaining, breached, pages, tickets)` | double | 100 x mean remaining budget - 30/breach - 20/page - 5/ticket, in [0, 100] |
//! | `shape_window_start(as_of, window_seconds, calendar_unit, tz)` | timestamp | start of an SLO window (rolling, or the calendar period before `as_of`) |
//! | `shape_window_seconds(as_of, window_seconds, calendar_unit, tz)` | bigint | the window's full length (a calendar month's own length) |
//! | `shape_period_start(ts, unit, tz)`, `shape_period_end(ts, unit, tz)` | timestamp | the week (from Monday), month or quarter containing `ts` in `tz` |
//! | `shape_minutes_sum(hour, minutes, 'good'\|'total', from_seconds, to_seconds)` | bigint | of an hour row's packed minutes, the sum of one count over the minutes starting in `[from, to)` (Unix seconds) |
//! | `shape_minute_counts(minutes, 'offset'\|'good'\|'total')` | bigint[] | one count of every packed minute (to `unnest` an hour) |
//! | `shape_hour_slices(hour, minutes, window_start, slice_seconds, from, to)` | struct[] | of an hour row's packed minutes in `[from, to)`, per time slice (counted from `window_start`): `{slice, good, total, first_offset}` (to `unnest`) |
//! | `shape_pack_minutes(offset, good, total)` (aggregate) | bytea | a group's minutes packed as hour rows store them |
//!
//! | `log_template(message)` | text | the message with variables masked as `<*>` (numbers, ids, hex, IPs, paths, hosts, `key=` values, user names) |
//! | `template_id(message)` | text | stable 16-hex-digit FNV-1a hash of `log_template(message)` |
//!
//! | `shape_setting(name)`, `shape_number(name)`, `shape_integer(name)` | text, double, bigint | a declared `shape.*` setting of the session (`SET shape.detect.z_threshold = 3`) |
//! | `shape_scoped_number(name, component, operation)` | double | a per-scope number of a declared JSON setting `{"component": {"operation": n, "*": n}}`: the operation's, else the component's, else NULL |
//!
//! | `latency_sketch(x)` (aggregate) | bytea | a mergeable DDSketch of the values (1% relative accuracy) |
//! | `merge_sketches(sketch)` (aggregate) | bytea | one sketch of every value the input sketches saw |
//! | `sketch_quantile(sketch, q)` | double | the q-quantile of a sketch, within 1% of the exact value |
//!
//! | `linked_group(node, neighbor) OVER (...)` (window) | text | the smallest node of `node`'s connected component, the partition's rows being edges |
//!
//! | `current_setting(name)` | text | PostgreSQL compatibility: server_version(_num), search_path, TimeZone, shape.as_of, ... |
//! | `version()` | text | PostgreSQL-style version string naming SHAPE and DataFusion |
//! | `to_char(time, template)` | text | PostgreSQL's template patterns (`YYYY-MM-DD HH24:MI:SS.MS`, `Mon`, `FMDD`, `"quoted"`); a template with `%` is chrono's, as DataFusion's `to_char` reads it |
//!
//! No function returns NaN or infinity: undefined values are NULL.

mod as_of;
pub mod graph;
pub mod minutes;
pub mod pg_compat;
pub mod pg_timestamp;
pub mod pg_to_char;
pub mod sketch;
pub mod slo;
pub mod template;

pub use as_of::{as_of_udf, parse_as_of, scoped_number_udf, setting_udfs, ShapeOptions};

use datafusion::prelude::{SessionConfig, SessionContext};

/// The catalog SHAPE's tables live in; PostgreSQL clients see it as the database `shape`.
pub const CATALOG: &str = "shape";

/// A session config carrying SHAPE's options (`shape.*`), so `SET shape.as_of` works.
pub fn session_config() -> SessionConfig {
    // The catalog is named after the database clients connect to (`current_database()`).
    SessionConfig::new()
        .with_default_catalog_and_schema(CATALOG, "public")
        .with_option_extension(ShapeOptions::default())
}

/// Registers every SHAPE function in `ctx`.
pub fn register(ctx: &SessionContext) {
    ctx.register_udf(as_of_udf());
    for udf in setting_udfs() {
        ctx.register_udf(udf);
    }
    ctx.register_udf(scoped_number_udf());
    ctx.register_udf(pg_compat::current_setting_udf());
    ctx.register_udf(pg_compat::version_udf());
    ctx.register_udf(pg_to_char::to_char_udf());
    ctx.add_analyzer_rule(std::sync::Arc::new(pg_timestamp::PgTimestampLiterals));
    for udf in slo::udfs()
        .into_iter()
        .chain(sketch::udfs())
        .chain(minutes::udfs())
    {
        ctx.register_udf(udf);
    }
    for udaf in sketch::udafs().into_iter().chain(minutes::udafs()) {
        ctx.register_udaf(udaf);
    }
    ctx.register_udwf(graph::linked_group_udwf());
    register_templates(ctx, &template::TemplateMasks::default());
}

/// (Re-)registers `log_template` and `template_id` with the given masks.
pub fn register_templates(ctx: &SessionContext, masks: &template::TemplateMasks) {
    for udf in template::udfs(masks) {
        ctx.register_udf(udf);
    }
}
