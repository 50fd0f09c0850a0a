//! `shape slo suggest`, the SLO definition engine: from the history in `events`, propose per
//! component the five SLIs of SHAPE's framework (availability, p95-latency threshold, error
//! rate, throughput floor, slow-tail latency) with objectives the service could have met,
//! what each would have cost in budget, and ready-to-paste `[[slo]]` config.
//!
//! Rule: the strictest objective from a ladder of "nines" whose budget the history would have
//! spent at most `MAX_SPEND` of; latency thresholds are the observed p95/p99 rounded up to a
//! readable value, with objectives 0.95 and 0.99 (so the threshold is a real percentile), and
//! the tail's threshold always above the p95's (two latency SLIs never share a threshold).
//!
//! History: the `HISTORY_DAYS` before `shape.as_of`, less the windows the user excludes
//! (`--exclude FROM..TO`, incidents) and, unless asked otherwise, the windows the detector
//! marks anomalous for a component: an SLO should describe normal service. Only components
//! with request traffic (events with an operation, a status code or a duration) get
//! proposals; log-only components (logger names, daemons) are listed as left out.

use std::fmt::Write as _;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Float64Type;
use datafusion::prelude::SessionContext;

use super::SloError;

/// The window the proposals use, and the history they are drawn from.
pub const HISTORY_DAYS: i64 = 30;
/// A component needs this many request events (an operation, a status code or a duration)
/// to get proposals.
pub const MIN_REQUESTS: f64 = 100.0;

/// What to draw the proposals from.
#[derive(Debug, Clone, Default)]
pub struct SuggestOptions {
    /// Windows to leave out, as SQL timestamp literals (`FROM`, `TO`), e.g. incidents.
    pub exclude: Vec<(String, String)>,
    /// Keep the windows the detector marks anomalous (left out by default).
    pub keep_anomalies: bool,
}

/// Proposals and what the user should know about them.
#[derive(Debug, Clone, Default)]
pub struct SuggestReport {
    pub suggestions: Vec<Suggestion>,
    /// Components with events but no request traffic.
    pub left_out: Vec<String>,
    /// Anomalous windows left out: (component, from, to).
    pub anomalous_windows: Vec<(String, String, String)>,
    pub warnings: Vec<String>,
}

const OBJECTIVE_LADDER: &[f64] = &[0.9999, 0.9995, 0.999, 0.995, 0.99, 0.98, 0.95, 0.9];
/// A proposal leaves headroom: the history may have spent at most half its budget.
const MAX_SPEND: f64 = 0.5;

#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub component: String,
    pub sli: &'static str,
    pub objective: f64,
    pub threshold_ms: Option<f64>,
    pub min_events_per_minute: Option<f64>,
    /// The SLI as observed over the history.
    pub observed: f64,
    /// Share of the proposed budget the history would have spent (0.3 = 30%).
    pub budget_spent: f64,
}

/// Strictest ladder objective whose budget `bad_ratio` spends at most MAX_SPEND of; returns
/// (objective, spent share).
pub fn pick_objective(bad_ratio: f64) -> (f64, f64) {
    for objective in OBJECTIVE_LADDER {
        let spent = bad_ratio / (1.0 - objective);
        if spent <= MAX_SPEND {
            return (*objective, spent);
        }
    }
    let loosest = *OBJECTIVE_LADDER.last().expect("ladder");
    (loosest, bad_ratio / (1.0 - loosest))
}

/// Rounds a latency up to a readable threshold (1, 2, 2.5, 5 x 10^n ms).
pub fn nice_ceiling(ms: f64) -> f64 {
    if ms <= 1.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(ms.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if ms <= step * magnitude {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

async fn floats(
    ctx: &SessionContext,
    sql: &str,
) -> Result<Vec<(String, Vec<Option<f64>>)>, SloError> {
    let batches = ctx.sql(sql).await?.collect().await?;
    let mut out = Vec::new();
    for batch in batches {
        let names = batch.column(0).as_string::<i32>().clone();
        let columns: Vec<_> = (1..batch.num_columns())
            .map(|i| {
                datafusion::arrow::compute::cast(
                    batch.column(i),
                    &datafusion::arrow::datatypes::DataType::Float64,
                )
                .map(|a| a.as_primitive::<Float64Type>().clone())
            })
            .collect::<Result<_, _>>()?;
        for row in 0..batch.num_rows() {
            let values = columns
                .iter()
                .map(|c| c.is_valid(row).then(|| c.value(row)))
                .collect();
            out.push((names.value(row).to_string(), values));
        }
    }
    Ok(out)
}

/// Parses `FROM..TO` (RFC 3339, or `YYYY-MM-DD[ HH:MM[:SS]]` in UTC) into SQL literals.
pub fn parse_range(text: &str) -> Result<(String, String), String> {
    let (from, to) = text
        .split_once("..")
        .ok_or_else(|| format!("{text:?} is not a range FROM..TO"))?;
    let parse = |t: &str| -> Result<String, String> {
        let t = t.trim();
        if let Ok(ts) = chrono::DateTime::parse_from_rfc3339(t) {
            return Ok(ts.with_timezone(&chrono::Utc).to_rfc3339());
        }
        for format in [
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
        ] {
            if let Ok(ts) = chrono::NaiveDateTime::parse_from_str(t, format) {
                return Ok(ts.and_utc().to_rfc3339());
            }
        }
        chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(|d| {
                d.and_hms_opt(0, 0, 0)
                    .expect("midnight")
                    .and_utc()
                    .to_rfc3339()
            })
            .map_err(|_| format!("{t:?} in {text:?} is not a time such as 2025-11-20T14:00:00Z"))
    };
    let (from, to) = (parse(from)?, parse(to)?);
    if from >= to {
        return Err(format!("{text:?}: FROM must come before TO"));
    }
    Ok((from, to))
}

/// Proposals for every component with request traffic in the history.
pub async fn suggest(
    ctx: &SessionContext,
    options: &SuggestOptions,
) -> Result<SuggestReport, SloError> {
    let mut report = SuggestReport::default();
    let mut filter =
        format!("ts >= shape_as_of() - INTERVAL '{HISTORY_DAYS} days' AND ts < shape_as_of()");
    for (from, to) in &options.exclude {
        filter.push_str(&format!(
            " AND NOT (ts >= TIMESTAMP '{from}' AND ts < TIMESTAMP '{to}')"
        ));
    }
    if !options.keep_anomalies {
        let windows = crate::query::batches_to_rows(
            &ctx.sql(
                "SELECT component, to_char(window_start, '%Y-%m-%dT%H:%M:%SZ'),                         to_char(window_end, '%Y-%m-%dT%H:%M:%SZ') FROM anomalies                  ORDER BY window_start LIMIT 500",
            )
            .await?
            .collect()
            .await?,
        );
        for w in windows {
            filter.push_str(&format!(
                " AND NOT (component = {} AND ts >= TIMESTAMP '{}' AND ts < TIMESTAMP '{}')",
                crate::common::sql_string(&w[0]),
                w[1],
                w[2]
            ));
            report
                .anomalous_windows
                .push((w[0].clone(), w[1].clone(), w[2].clone()));
        }
    }
    let stats = floats(
        ctx,
        &format!(
            "SELECT component, count(*), \
                avg(CASE WHEN outcome = 'error' THEN 1.0 WHEN outcome IS NULL THEN NULL ELSE 0.0 END), \
                avg(CASE WHEN level IN ('ERROR', 'FATAL') THEN 1.0 ELSE 0.0 END), \
                approx_percentile_cont(duration_ms, 0.95), approx_percentile_cont(duration_ms, 0.99), \
                count(CASE WHEN operation IS NOT NULL OR status_code IS NOT NULL THEN 1 END), count(duration_ms), \
                count(CASE WHEN operation IS NOT NULL OR status_code IS NOT NULL OR duration_ms IS NOT NULL THEN 1 END), \
                to_unixtime(max(ts)) - to_unixtime(min(ts)), count(DISTINCT date_bin(INTERVAL '1 minute', ts)) \
             FROM events WHERE {filter} GROUP BY component ORDER BY component"
        ),
    )
    .await?;
    let minutes = floats(
        ctx,
        &format!(
            "SELECT component, approx_percentile_cont(CAST(n AS DOUBLE), 0.01), count(*) FROM ( \
                 SELECT component, date_bin(INTERVAL '1 minute', ts) AS minute, count(*) AS n FROM events \
                 WHERE {filter} GROUP BY 1, 2 \
             ) GROUP BY component"
        ),
    )
    .await?;
    let span_days = stats
        .iter()
        .filter_map(|(_, v)| v[8])
        .fold(0.0f64, f64::max)
        / 86_400.0;
    if !stats.is_empty() && span_days < HISTORY_DAYS as f64 {
        report.warnings.push(format!(
            "the history covers {span_days:.1} days, shorter than the {HISTORY_DAYS}-day window proposed: \
             the objectives rest on less traffic than they will be judged on"
        ));
    }
    // v: count, bad availability, bad error rate, p95, p99, request events (an operation or a
    // status code), events with a duration, with either, seconds spanned, distinct minutes
    for (component, v) in stats {
        let get = |i: usize| v[i].unwrap_or(0.0);
        if get(7) < MIN_REQUESTS {
            report.left_out.push(component);
            continue;
        }
        let out = &mut report.suggestions;
        if get(5) >= MIN_REQUESTS {
            out.push(ratio_suggestion(&component, "availability", get(1)));
        }
        let p95_threshold = match v[3].filter(|_| get(6) >= MIN_REQUESTS) {
            Some(p95) => {
                let s = latency_suggestion(
                    ctx,
                    &filter,
                    &component,
                    "latency_p95",
                    nice_ceiling(p95),
                    0.95,
                )
                .await?;
                let threshold = s.threshold_ms;
                out.push(s);
                threshold
            }
            None => None,
        };
        out.push(ratio_suggestion(&component, "error_rate", get(2)));
        // a throughput floor only for steady traffic: events in nine minutes of ten
        let span_minutes = (get(8) / 60.0).max(1.0);
        if let Some((_, m)) = minutes.iter().find(|(c, _)| *c == component) {
            if get(9) >= 0.9 * span_minutes {
                // Half the 1st-percentile minute: a floor that only a real drop breaks.
                let floor = (m[0].unwrap_or(0.0) * 0.5).floor().max(1.0);
                out.push(Suggestion {
                    component: component.clone(),
                    sli: "throughput",
                    objective: 0.99,
                    threshold_ms: None,
                    min_events_per_minute: Some(floor),
                    observed: f64::NAN,
                    budget_spent: f64::NAN,
                });
            }
        }
        if let (Some(p99), Some(p95_threshold)) = (v[4], p95_threshold) {
            // the tail's threshold is above the p95's, else both SLIs measure the same thing
            let mut threshold = nice_ceiling(p99);
            if threshold <= p95_threshold {
                threshold = nice_ceiling(p95_threshold * 1.000_001);
            }
            out.push(
                latency_suggestion(ctx, &filter, &component, "latency_tail", threshold, 0.99)
                    .await?,
            );
        }
    }
    Ok(report)
}

/// An event-ratio SLI whose history had `bad_ratio` bad events: the ladder's objective.
fn ratio_suggestion(component: &str, sli: &'static str, bad_ratio: f64) -> Suggestion {
    let (objective, spent) = pick_objective(bad_ratio);
    Suggestion {
        component: component.to_string(),
        sli,
        objective,
        threshold_ms: None,
        min_events_per_minute: None,
        observed: 1.0 - bad_ratio,
        budget_spent: spent,
    }
}

/// A latency SLI at an observed percentile: threshold = the percentile rounded up, and the
/// budget the history would have spent at `objective`.
async fn latency_suggestion(
    ctx: &SessionContext,
    filter: &str,
    component: &str,
    sli: &'static str,
    threshold: f64,
    objective: f64,
) -> Result<Suggestion, SloError> {
    let over = fraction_over(ctx, filter, component, threshold).await?;
    Ok(Suggestion {
        component: component.to_string(),
        sli,
        objective,
        threshold_ms: Some(threshold),
        min_events_per_minute: None,
        observed: 1.0 - over,
        budget_spent: over / (1.0 - objective),
    })
}

async fn fraction_over(
    ctx: &SessionContext,
    filter: &str,
    component: &str,
    threshold: f64,
) -> Result<f64, SloError> {
    let sql = format!(
        "SELECT component, avg(CASE WHEN duration_ms > {threshold} THEN 1.0 ELSE 0.0 END) FROM events \
         WHERE {filter} AND component = {} AND duration_ms IS NOT NULL GROUP BY component",
        crate::common::sql_string(component)
    );
    Ok(floats(ctx, &sql)
        .await?
        .first()
        .and_then(|(_, v)| v[0])
        .unwrap_or(0.0))
}

/// The report as a table, notes and ready-to-paste `[[slo]]` config.
pub fn render(report: &SuggestReport) -> String {
    let mut out = render_table(&report.suggestions);
    if !report.left_out.is_empty() {
        let _ = writeln!(
            out,
            "\nleft out (too little request traffic: under {MIN_REQUESTS} events with an operation, a status code or a duration): {}",
            report.left_out.join(", ")
        );
    }
    if !report.anomalous_windows.is_empty() {
        let _ = writeln!(
            out,
            "\nleft out {} anomalous window(s) (keep them with --keep-anomalies):",
            report.anomalous_windows.len()
        );
        for (component, from, to) in report.anomalous_windows.iter().take(10) {
            let _ = writeln!(out, "  {component} {from} .. {to}");
        }
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "\nwarning: {warning}");
    }
    if !report.suggestions.is_empty() {
        let _ = writeln!(
            out,
            "\n# Ready to paste into shape.toml (or: shape slo suggest --write shape.toml):"
        );
        out.push_str(&render_config(&report.suggestions));
    }
    out
}

/// The proposals as a table.
pub fn render_table(suggestions: &[Suggestion]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<14} {:<13} {:>9} {:>12} {:>10} {:>14}",
        "component", "sli", "objective", "threshold", "observed", "budget spent"
    );
    for s in suggestions {
        let threshold = match (s.threshold_ms, s.min_events_per_minute) {
            (Some(ms), _) => format!("<= {ms} ms"),
            (_, Some(n)) => format!(">= {n}/min"),
            _ => "-".into(),
        };
        let pct = |v: f64| {
            if v.is_nan() {
                "-".to_string()
            } else {
                format!("{:.3}%", v * 100.0)
            }
        };
        let _ = writeln!(
            out,
            "{:<14} {:<13} {:>9} {:>12} {:>10} {:>14}",
            s.component,
            s.sli,
            format!("{}", s.objective),
            threshold,
            pct(s.observed),
            if s.budget_spent.is_nan() {
                "-".to_string()
            } else {
                format!("{:.0}%", s.budget_spent * 100.0)
            }
        );
    }
    out
}

/// The proposals as `[[slo]]` tables.
pub fn render_config(suggestions: &[Suggestion]) -> String {
    let mut out = String::new();
    for s in suggestions {
        let (sli, id_suffix) = match s.sli {
            "latency_p95" => ("latency", "latency-p95"),
            "latency_tail" => ("latency", "latency-tail"),
            other => (other, other),
        };
        let _ = writeln!(out, "\n[[slo]]\nid = \"{}-{id_suffix}\"\ncomponent = \"{}\"\nsli = \"{sli}\"\nobjective = {}", s.component, s.component, s.objective);
        if let Some(ms) = s.threshold_ms {
            let _ = writeln!(out, "threshold_ms = {ms}");
        }
        if let Some(n) = s.min_events_per_minute {
            let _ = writeln!(out, "min_events_per_minute = {n}");
        }
        let _ = writeln!(out, "window = \"30d\"");
    }
    out
}

/// The `slo_suggestions` table: empty unless a server started with no SLO configured
/// filled it (so that clients and dashboards can show the proposals).
pub fn suggestions_batch(suggestions: &[Suggestion]) -> datafusion::arrow::array::RecordBatch {
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    #[derive(serde::Serialize)]
    struct Row<'a> {
        component: &'a str,
        sli: &'a str,
        objective: f64,
        threshold_ms: Option<f64>,
        min_events_per_minute: Option<f64>,
        observed: Option<f64>,
        budget_spent: Option<f64>,
    }
    let schema = std::sync::Arc::new(Schema::new(vec![
        Field::new("component", DataType::Utf8, false),
        Field::new("sli", DataType::Utf8, false),
        Field::new("objective", DataType::Float64, false),
        Field::new("threshold_ms", DataType::Float64, true),
        Field::new("min_events_per_minute", DataType::Float64, true),
        Field::new("observed", DataType::Float64, true),
        Field::new("budget_spent", DataType::Float64, true),
    ]));
    let finite = |v: f64| v.is_finite().then_some(v);
    let rows: Vec<Row> = suggestions
        .iter()
        .map(|s| Row {
            component: &s.component,
            sli: s.sli,
            objective: s.objective,
            threshold_ms: s.threshold_ms,
            min_events_per_minute: s.min_events_per_minute,
            observed: finite(s.observed),
            budget_spent: finite(s.budget_spent),
        })
        .collect();
    crate::storage::batch_from_records(schema, &rows).expect("suggestion rows match their schema")
}

/// Writes the proposals to `path` as `[[slo]]` tables. An existing file is refused unless
/// `force`; then its `[[slo]]` tables are replaced and everything else (sections, comments,
/// order) is kept.
pub fn write_config(
    path: &std::path::Path,
    suggestions: &[Suggestion],
    force: bool,
) -> Result<(), String> {
    let proposed = render_config(suggestions);
    let text = match std::fs::read_to_string(path) {
        Ok(_) if !force => {
            return Err(format!(
            "{} exists: give --force to replace its [[slo]] tables (its other sections are kept)",
            path.display()
        ))
        }
        Ok(existing) => {
            let mut doc: toml_edit::DocumentMut = existing
                .parse()
                .map_err(|e| format!("{} is not valid TOML: {e}", path.display()))?;
            doc.remove("slo");
            format!(
                "{}\n# Proposed by `shape slo suggest`.{proposed}",
                doc.to_string().trim_end()
            )
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            format!("# Proposed by `shape slo suggest`: objectives the history could have met.{proposed}")
        }
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objectives_leave_headroom() {
        assert_eq!(pick_objective(0.0).0, 0.9999);
        let (objective, spent) = pick_objective(0.0012);
        assert_eq!(objective, 0.995);
        assert!((spent - 0.24).abs() < 1e-9);
        assert_eq!(pick_objective(0.5).0, 0.9);
    }

    #[test]
    fn ranges_parse_or_say_why() {
        let (from, to) = parse_range("2025-11-20 14:00..2025-11-20T15:30:00Z").unwrap();
        assert_eq!(
            (from.as_str(), to.as_str()),
            ("2025-11-20T14:00:00+00:00", "2025-11-20T15:30:00+00:00")
        );
        assert!(parse_range("2025-11-20").unwrap_err().contains("FROM..TO"));
        assert!(parse_range("2025-11-21..2025-11-20")
            .unwrap_err()
            .contains("before"));
        assert!(parse_range("yesterday..2025-11-20")
            .unwrap_err()
            .contains("\"yesterday\""));
    }

    #[test]
    fn writing_keeps_the_rest_of_a_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shape.toml");
        let proposal = [Suggestion {
            component: "api".into(),
            sli: "availability",
            objective: 0.999,
            threshold_ms: None,
            min_events_per_minute: None,
            observed: 0.9999,
            budget_spent: 0.1,
        }];
        write_config(&path, &proposal, false).unwrap();
        let first = std::fs::read_to_string(&path).unwrap();
        assert!(first.contains("id = \"api-availability\""), "{first}");
        assert!(write_config(&path, &proposal, false)
            .unwrap_err()
            .contains("--force"));
        std::fs::write(
            &path,
            "# my config\n[detect]\nlookback_days = 3 # keep\n\n[[slo]]\ncomponent = \"old\"\nsli = \"availability\"\nobjective = 0.9\n",
        )
        .unwrap();
        write_config(&path, &proposal, true).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("# my config") && text.contains("lookback_days = 3 # keep"),
            "{text}"
        );
        assert!(
            !text.contains("\"old\"") && text.contains("\"api\""),
            "{text}"
        );
        let table: toml::Table = text.parse().unwrap();
        assert_eq!(table["slo"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn nice_thresholds() {
        assert_eq!(nice_ceiling(83.0), 100.0);
        assert_eq!(nice_ceiling(201.0), 250.0);
        assert_eq!(nice_ceiling(12.0), 20.0);
        assert_eq!(nice_ceiling(0.3), 1.0);
    }
}
