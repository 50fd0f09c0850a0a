//! SLO evaluation: `slo_status` plus `slo_burn_alerts` for the 31 SLOs of data/shape.toml,
//! from rollups and from raw events. `cargo bench --bench slo`; by default on generated data
//! (SHAPE_BENCH_EVENTS, default 1,000,000 events over 30 days); set SHAPE_BENCH_DATA to an
//! existing data dir (ingested with data/shape.toml) to measure that instead.

use std::path::Path;

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use shape::config::Config;
use shape::query::run_sql;
use shape::workspace::MinutesSource;

const EVALUATION: &str = "SELECT count(*), sum(budget_remaining) FROM slo_status; \
                          SELECT count(*), sum(CASE WHEN firing THEN 1 ELSE 0 END) FROM slo_burn_alerts";

fn bench_slo(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config =
        Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/shape.toml")).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let data_dir = common::bench_data_dir(&runtime, &config, scratch.path());
    let ws = shape::Workspace::with_config(config.clone(), &data_dir).unwrap();
    let as_of = "2025-12-16T00:00:00Z".to_string();
    let mut group = c.benchmark_group("slo_evaluation");
    group.sample_size(10);
    for (name, source) in [
        ("from_rollups", MinutesSource::Rollups),
        ("from_raw_events", MinutesSource::RawEvents),
    ] {
        let options = shape::QueryOptions {
            as_of: Some(as_of.clone()),
            minutes_source: source,
            ..Default::default()
        };
        let ctx = runtime.block_on(ws.context(&options)).unwrap();
        group.bench_function(
            format!("status_and_burn_alerts_{}_slos_{name}", ws.slos().len()),
            |b| b.iter(|| runtime.block_on(run_sql(&ctx, EVALUATION)).unwrap()),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_slo);
criterion_main!(benches);
