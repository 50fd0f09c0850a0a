//! Running SQL for the CLI and printing results as a table, CSV or JSON lines.

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("{0}")]
    DataFusion(#[from] DataFusionError),
    #[error("{message}; the tables and views are: {known}")]
    UnknownTable { message: String, known: String },
    #[error("cannot format results: {0}")]
    Format(#[from] datafusion::arrow::error::ArrowError),
}

/// Output formats of `shape query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// An aligned text table.
    Table,
    /// CSV with a header row.
    Csv,
    /// One JSON object per row (JSON lines).
    Json,
}

/// Runs every `;`-separated statement of `sql`; returns the last statement's rows.
pub async fn run_sql(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, QueryError> {
    let mut batches = Vec::new();
    let statements = datafusion::sql::parser::DFParser::parse_sql(sql)?;
    for statement in statements {
        let plan = ctx
            .state()
            .statement_to_plan(statement)
            .await
            .map_err(|e| explain(ctx, e))?;
        batches = ctx.execute_logical_plan(plan).await?.collect().await?;
    }
    Ok(batches)
}

/// A planning error about a table that does not exist lists the ones that do.
fn explain(ctx: &SessionContext, error: DataFusionError) -> QueryError {
    let message = error.strip_backtrace();
    if !(message.contains("table '") && message.contains("not found")) {
        return QueryError::DataFusion(error);
    }
    let mut known: Vec<String> = ctx
        .catalog(shape_udfs::CATALOG)
        .and_then(|c| c.schema("public"))
        .map(|s| s.table_names())
        .unwrap_or_default();
    known.sort();
    QueryError::UnknownTable {
        message,
        known: known.join(", "),
    }
}

/// Renders batches in `format`.
pub fn format_batches(batches: &[RecordBatch], format: OutputFormat) -> Result<String, QueryError> {
    Ok(match format {
        OutputFormat::Table => {
            if batches.iter().all(|b| b.num_rows() == 0) {
                let columns = batches
                    .first()
                    .map(|b| {
                        b.schema()
                            .fields()
                            .iter()
                            .map(|f| f.name().clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                format!("(0 rows) {columns}\n")
            } else {
                format!("{}\n", pretty_format_batches(batches)?)
            }
        }
        OutputFormat::Csv => {
            let mut out = Vec::new();
            {
                let mut writer = datafusion::arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(&mut out);
                for batch in batches {
                    writer.write(batch)?;
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        }
        OutputFormat::Json => {
            let mut out = Vec::new();
            {
                let mut writer = datafusion::arrow::json::LineDelimitedWriter::new(&mut out);
                for batch in batches {
                    writer.write(batch)?;
                }
                writer.finish()?;
            }
            String::from_utf8_lossy(&out).into_owned()
        }
    })
}

/// Every value of every row as display text (NULL as empty text): for reports.
pub fn batches_to_rows(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    rows_as_text(batches, "")
}

/// Every value of every row as display text, NULL shown as `null`.
pub fn rows_as_text(batches: &[RecordBatch], null: &str) -> Vec<Vec<String>> {
    use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
    let options = FormatOptions::default().with_null(null);
    let mut out = Vec::new();
    for batch in batches {
        let formatters: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<_, _>>()
            .unwrap_or_default();
        for row in 0..batch.num_rows() {
            out.push(
                formatters
                    .iter()
                    .map(|f| f.value(row).to_string())
                    .collect(),
            );
        }
    }
    out
}

/// When `[as_of - lookback, as_of)` holds no events: a sentence saying which range the data
/// covers and the `--as-of` that looks at it (a first run over generated or old logs
/// otherwise prints empty tables with no word why). `None` when the window has events.
pub async fn coverage_hint(
    ctx: &SessionContext,
    lookback_seconds: i64,
) -> Result<Option<String>, DataFusionError> {
    let window = format!(
        "ts >= shape_as_of() - INTERVAL '{lookback_seconds} seconds' AND ts < shape_as_of()"
    );
    // The usual case, a window with events, stops at the first one (partitions and row-group
    // statistics prune the rest); the whole range is read only when the window is empty.
    let any = ctx
        .sql(&format!("SELECT 1 FROM events WHERE {window} LIMIT 1"))
        .await?
        .collect()
        .await?;
    if any.iter().any(|b| b.num_rows() > 0) {
        return Ok(None);
    }
    let sql = format!(
        "SELECT to_char(min(ts), '%Y-%m-%d %H:%M'), to_char(max(ts), '%Y-%m-%d %H:%M'), \
                to_char(date_trunc('minute', max(ts)) + INTERVAL '1 minute', '%Y-%m-%dT%H:%M:%SZ'), \
                to_char(shape_as_of() - INTERVAL '{lookback_seconds} seconds', '%Y-%m-%d %H:%M'), \
                to_char(shape_as_of(), '%Y-%m-%d %H:%M') \
         FROM events"
    );
    let rows = batches_to_rows(&ctx.sql(&sql).await?.collect().await?);
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    if r[0].is_empty() {
        return Ok(Some(
            "there are no events yet: ingest logs with `shape ingest PATH`".to_string(),
        ));
    }
    Ok(Some(format!(
        "no events between {} and {} UTC (the evaluation window); the data covers {} .. {} UTC: \
         look at it with --as-of {}",
        r[3], r[4], r[0], r[1], r[2]
    )))
}
