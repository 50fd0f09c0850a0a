//! Detect: template mining throughput (messages per second, one core) and the `anomalies` view.
//! `cargo bench --bench detect`. The view runs on generated data (SHAPE_BENCH_EVENTS, default
//! 1,000,000 events over 30 days, lookback 30 days) or on SHAPE_BENCH_DATA, an existing data dir
//! ingested with data/shape.toml (evaluated at SHAPE_BENCH_AS_OF, default 2025-12-16).

use std::path::Path;

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use shape::config::Config;
use shape::query::run_sql;
use shape_udfs::template::{template_hash, TemplateMasks};

/// The messages of the committed sample: real variety (ids, durations, shards, plugin names).
fn sample_messages() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let mut messages = Vec::new();
    for name in ["renderx-web-1.jsonl", "renderx-web-2.jsonl"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        for line in text.lines() {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(line) {
                if let Some(msg) = value["msg"].as_str() {
                    messages.push(msg.to_string());
                }
            }
        }
    }
    messages
}

fn bench_templates(c: &mut Criterion) {
    let messages = sample_messages();
    let masks = TemplateMasks::default();
    let mut group = c.benchmark_group("templates");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("template_id_one_core", |b| {
        let mut scratch = String::new();
        b.iter(|| {
            let mut acc = 0usize;
            for m in &messages {
                masks.template_into(m, &mut scratch);
                acc += template_hash(&scratch).len();
            }
            acc
        })
    });
    group.finish();
}

fn bench_anomalies(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut config =
        Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/shape.toml")).unwrap();
    config.set("detect.lookback_days", "30").unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let data_dir = common::bench_data_dir(&runtime, &config, scratch.path());
    let as_of =
        std::env::var("SHAPE_BENCH_AS_OF").unwrap_or_else(|_| "2025-12-16T00:00:00Z".into());
    let ws = shape::Workspace::with_config(config, &data_dir).unwrap();
    let at = shape::QueryOptions::at(Some(as_of));
    // From the detection rollups (caught up here, once), and straight from events.
    let rolled = runtime.block_on(ws.context(&at)).unwrap();
    let raw = shape::QueryOptions {
        minutes_source: shape::workspace::MinutesSource::RawEvents,
        ..at
    };
    let raw = runtime.block_on(ws.context_as_is(&raw)).unwrap();
    let mut group = c.benchmark_group("detect");
    group.sample_size(10);
    for (name, ctx) in [
        ("anomalies_30_days_rollups", &rolled),
        ("anomalies_30_days_raw_events", &raw),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                runtime
                    .block_on(run_sql(
                        ctx,
                        "SELECT count(*), max(budget_burned) FROM anomalies",
                    ))
                    .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_templates, bench_anomalies);
criterion_main!(benches);
