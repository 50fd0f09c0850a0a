//! Where a cold query's planning goes: SQL to plan, each analyzer and optimizer rule (timed
//! through DataFusion's observer hooks), physical planning (and, on the last round, each
//! physical optimizer rule run again over the result), then execution. What README "SLO
//! evaluation" ("Planning, measured rule by rule") quotes. Not a criterion bench: one
//! process, a few rounds, the rules that cost most.
//!
//!   cargo bench --bench plan_timing -- DATA_DIR AS_OF "SELECT * FROM slo_status"
//!
//! Env: `CONFIG` (default data/shape.toml), `SETS` (`;`-separated `SET` statements run
//! first, e.g. `SET datafusion.optimizer.max_passes = 1`), `ROUNDS` (default 4).
use std::collections::BTreeMap;
use std::time::Instant;

use datafusion::physical_planner::DefaultPhysicalPlanner;
use shape::workspace::{QueryOptions, Workspace, WorkspaceOptions};

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    // `cargo bench` adds `--bench`; the rest are ours
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let [data, as_of, sql] = args.as_slice() else {
        eprintln!("usage: cargo bench --bench plan_timing -- DATA_DIR AS_OF SQL");
        std::process::exit(2);
    };
    let workspace = Workspace::open(&WorkspaceOptions {
        config: Some(
            std::env::var("CONFIG")
                .unwrap_or("data/shape.toml".into())
                .into(),
        ),
        data_dir: data.clone(),
        overrides: vec![],
    })
    .expect("workspace");
    let ctx = workspace
        .context_as_is(&QueryOptions::at(Some(as_of.clone())))
        .await
        .expect("context");
    for set in std::env::var("SETS").unwrap_or_default().split(';') {
        if !set.trim().is_empty() {
            ctx.sql(set).await.expect(set).collect().await.expect(set);
        }
    }
    let rounds: usize = std::env::var("ROUNDS").map_or(4, |r| r.parse().expect("ROUNDS"));
    for round in 0..rounds {
        let state = ctx.state();
        let mut rules: BTreeMap<String, f64> = BTreeMap::new();
        let start = Instant::now();
        let plan = state.create_logical_plan(sql).await.expect("plan");
        let sql_ms = ms(start);
        let mut last = Instant::now();
        let analyzed = state
            .analyzer()
            .execute_and_check(plan, state.config_options(), |_, rule| {
                *rules
                    .entry(format!("analyzer {}", rule.name()))
                    .or_default() += ms(last);
                last = Instant::now();
            })
            .expect("analyze");
        let analyze_ms = ms(start) - sql_ms;
        last = Instant::now();
        let optimized = state
            .optimizer()
            .optimize(analyzed, &state, |_, rule| {
                *rules
                    .entry(format!("optimizer {}", rule.name()))
                    .or_default() += ms(last);
                last = Instant::now();
            })
            .expect("optimize");
        let optimize_ms = ms(start) - sql_ms - analyze_ms;
        let physical = state
            .query_planner()
            .create_physical_plan(&optimized, &state)
            .await
            .expect("physical plan");
        let physical_ms = ms(start) - sql_ms - analyze_ms - optimize_ms;
        let executed = Instant::now();
        let batches = datafusion::physical_plan::collect(physical.clone(), ctx.task_ctx())
            .await
            .expect("execute");
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        println!(
            "round {round}: sql {sql_ms:.1} ms, analysis {analyze_ms:.1}, optimization \
             {optimize_ms:.1}, physical {physical_ms:.1}, execution {:.1}; {rows} rows",
            ms(executed)
        );
        if round + 1 == rounds {
            last = Instant::now();
            DefaultPhysicalPlanner::default()
                .optimize_physical_plan(physical, &state, |_, rule| {
                    *rules
                        .entry(format!("physical {}", rule.name()))
                        .or_default() += ms(last);
                    last = Instant::now();
                })
                .expect("physical optimizer");
            let mut costliest: Vec<_> = rules.into_iter().collect();
            costliest.sort_by(|a, b| b.1.total_cmp(&a.1));
            for (rule, spent) in costliest.iter().take(16) {
                println!("  {rule}: {spent:.2} ms");
            }
        }
    }
}
