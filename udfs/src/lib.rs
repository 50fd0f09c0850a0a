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
//!
//! Later layers add their functions (burn rate, budget, health score...) here.

mod as_of;

pub use as_of::{as_of_udf, parse_as_of, ShapeOptions};

use datafusion::prelude::{SessionConfig, SessionContext};

/// A session config carrying SHAPE's options (`shape.*`), so `SET shape.as_of` works.
pub fn session_config() -> SessionConfig {
    SessionConfig::new().with_option_extension(ShapeOptions::default())
}

/// Registers every SHAPE function in `ctx`.
pub fn register(ctx: &SessionContext) {
    ctx.register_udf(as_of_udf());
}
