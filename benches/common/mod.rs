//! Shared by the benches: the data dir to measure.

use shape::config::Config;
use shape::generate::{generate, GenOptions};

/// SHAPE_BENCH_DATA if set (an existing data dir ingested with data/shape.toml), else
/// SHAPE_BENCH_EVENTS generated events (default 1,000,000) over 30 days, ingested with
/// `config` into `scratch`.
pub fn bench_data_dir(
    runtime: &tokio::runtime::Runtime,
    config: &Config,
    scratch: &std::path::Path,
) -> String {
    if let Ok(dir) = std::env::var("SHAPE_BENCH_DATA") {
        return dir;
    }
    let events = std::env::var("SHAPE_BENCH_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let logs = scratch.join("logs");
    let options = GenOptions {
        days: 30,
        events,
        files: 2,
        ..GenOptions::default()
    };
    generate(&logs, &options).unwrap();
    let data = scratch.join("data").to_string_lossy().into_owned();
    let ws = shape::Workspace::with_config(config.clone(), &data).unwrap();
    let sources = [format!("{}/*.jsonl", logs.display())];
    runtime.block_on(ws.ingest(&sources, None, false)).unwrap();
    data
}
