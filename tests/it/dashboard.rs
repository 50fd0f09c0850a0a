//! Every panel query of dashboards/shape.json, with Grafana's macros expanded the way its
//! PostgreSQL data source expands them, runs against the sample and returns rows; time-series
//! panels return a `time` column of a time-zone-aware timestamp (timestamptz over the wire).
//! (The same queries over the PostgreSQL wire protocol belong to the server's tests.)

use std::path::Path;

use datafusion::arrow::datatypes::DataType;
use shape::config::Config;
use shape::query::run_sql;

use crate::common::ingest_into;

/// Grafana's macro expansion (grafana-postgresql-datasource macros.go) for a fixed range.
pub fn expand_grafana_macros(sql: &str, from: &str, to: &str) -> String {
    let call = regex::Regex::new(r"\$__(\w+)\(([^)]*)\)").unwrap();
    call.replace_all(sql, |caps: &regex::Captures| {
        let args: Vec<&str> = caps[2].split(',').map(str::trim).collect();
        match &caps[1] {
            "timeFilter" => format!("{} BETWEEN '{from}' AND '{to}'", args[0]),
            "time" => format!("{} AS \"time\"", args[0]),
            "timeFrom" => format!("'{from}'"),
            "timeTo" => format!("'{to}'"),
            "timeGroup" | "timeGroupAlias" => {
                let seconds = args.get(1).map(|i| i.trim_matches('\'')).map(|i| {
                    let (n, unit) = i.split_at(i.len() - 1);
                    n.parse::<u64>().unwrap()
                        * match unit {
                            "s" => 1,
                            "m" => 60,
                            "h" => 3600,
                            _ => 86400,
                        }
                });
                let group = format!(
                    "floor(extract(epoch from {})/{s})*{s}",
                    args[0],
                    s = seconds.unwrap_or(60)
                );
                if &caps[1] == "timeGroupAlias" {
                    format!("{group} AS \"time\"")
                } else {
                    group
                }
            }
            other => panic!("macro $__{other} is not expanded by this test"),
        }
    })
    .into_owned()
}

/// One panel query of dashboards/shape.json, its macros expanded for the sample's day.
pub struct PanelQuery {
    pub title: String,
    /// Grafana's `format` (`table`, `time_series`).
    pub format: String,
    pub sql: String,
}

/// Every panel query of dashboards/shape.json, for 2025-11-16 (the sample's day).
pub fn panel_queries() -> Vec<PanelQuery> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dashboard: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("dashboards/shape.json")).unwrap())
            .unwrap();
    let mut queries = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            queries.push(PanelQuery {
                title: panel["title"].as_str().unwrap().to_string(),
                format: target["format"].as_str().unwrap_or("table").to_string(),
                sql: expand_grafana_macros(
                    target["rawSql"].as_str().unwrap(),
                    "2025-11-16T00:00:00Z",
                    "2025-11-17T00:00:00Z",
                ),
            });
        }
    }
    queries
}

#[test]
fn macros_expand_like_grafana() {
    assert_eq!(
        expand_grafana_macros(
            "WHERE $__timeFilter(ts) AND x",
            "2025-01-01T00:00:00Z",
            "2025-01-02T00:00:00Z"
        ),
        "WHERE ts BETWEEN '2025-01-01T00:00:00Z' AND '2025-01-02T00:00:00Z' AND x"
    );
    assert_eq!(
        expand_grafana_macros("SELECT $__timeGroupAlias(ts, '5m'), 1", "a", "b"),
        "SELECT floor(extract(epoch from ts)/300)*300 AS \"time\", 1"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_panel_query_runs_on_the_sample() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&root.join("data/shape.toml")).unwrap();
    let data = tempfile::tempdir().unwrap();
    ingest_into(
        data.path(),
        &config,
        &[root
            .join("data/sample/*.jsonl*")
            .to_string_lossy()
            .into_owned()],
    )
    .await;
    let ws = crate::common::workspace(data.path(), &config);
    // Half-way through the sample's day: burns in progress, budgets partly spent.
    let ctx = ws
        .context(&shape::QueryOptions::at(Some(
            "2025-11-16T14:00:00Z".into(),
        )))
        .await
        .unwrap();

    let panels = panel_queries();
    assert!(panels.len() >= 8);
    for PanelQuery { title, format, sql } in panels {
        let batches = run_sql(&ctx, &sql)
            .await
            .unwrap_or_else(|e| panic!("{title}: {e}\n{sql}"));
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        // Nothing was healed in the sample: the healing panels are checked with rows in
        // heal::shape_run_heals_and_the_next_cycle_verifies_a_pass. The setup hints are
        // empty when everything is set up.
        if !may_be_empty(&sql) {
            assert!(rows > 0, "{title}: no rows\n{sql}");
        }
        if format == "time_series" {
            let schema = ctx.sql(&sql).await.unwrap().schema().inner().clone();
            let time = schema
                .field_with_name("time")
                .unwrap_or_else(|_| panic!("{title}: no `time` column"));
            assert!(
                matches!(time.data_type(), DataType::Timestamp(_, Some(_))),
                "{title}: `time` is {:?}, not a time-zone-aware timestamp",
                time.data_type()
            );
        }
    }
}

/// Panels that may rightly show no rows: the healing tables (empty until something was
/// healed), the setup hints and the proposed SLOs (empty when SLOs are configured).
pub fn may_be_empty(sql: &str) -> bool {
    sql.contains("healing_")
        || sql.contains("playbook_effectiveness")
        || sql.contains("slo_setup_hints")
        || sql.contains("slo_suggestions")
}
