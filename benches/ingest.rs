//! Ingest throughput: generated JSON lines -> Parquet with lineage (bytes/s and lines/s).
//! `cargo bench --bench ingest`; the side-by-side with DuckDB is `benches/ingest_vs_duckdb.sh`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use shape::config::Config;
use shape::generate::{generate, GenOptions};
use shape::ingest::ingest;
use shape::storage::DataStore;

fn bench_ingest(c: &mut Criterion) {
    let logs = tempfile::tempdir().unwrap();
    let truth = generate(
        logs.path(),
        &GenOptions {
            days: 2,
            events: 200_000,
            files: 2,
            ..GenOptions::default()
        },
    )
    .unwrap();
    let bytes: u64 = truth
        .files
        .iter()
        .map(|f| std::fs::metadata(logs.path().join(f)).unwrap().len())
        .sum();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let source = format!("{}/*.jsonl", logs.path().display());
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function(format!("jsonl_{}MB_to_parquet", bytes >> 20), |b| {
        b.iter(|| {
            let data = tempfile::tempdir().unwrap();
            let store = DataStore::open(&data.path().to_string_lossy()).unwrap();
            runtime
                .block_on(ingest(
                    &store,
                    &Config::default(),
                    std::slice::from_ref(&source),
                    None,
                    false,
                ))
                .unwrap()
        })
    });
    group.throughput(Throughput::Elements(truth.lines));
    group.bench_function("parse_line_json", |b| {
        let parser = shape::ingest::parse::LineParser::new(&Default::default(), None, &[]).unwrap();
        let text = std::fs::read_to_string(logs.path().join(&truth.files[0])).unwrap();
        let lines: Vec<&str> = text.lines().take(100_000).collect();
        b.iter(|| {
            lines
                .iter()
                .filter(|l| parser.parse(l.as_bytes()).is_ok())
                .count()
        })
    });
    // Detection reads a source's first 200 lines in every detectable format once: its cost
    // per source, to set beside parse_line_json's per line.
    group.throughput(Throughput::Elements(
        shape::ingest::detect::SAMPLE_LINES as u64,
    ));
    group.bench_function("detect_format_200_json_lines", |b| {
        let parser = shape::ingest::parse::LineParser::new(&Default::default(), None, &[]).unwrap();
        let text = std::fs::read_to_string(logs.path().join(&truth.files[0])).unwrap();
        let sample: Vec<&[u8]> = text
            .lines()
            .take(shape::ingest::detect::SAMPLE_LINES)
            .map(str::as_bytes)
            .collect();
        b.iter(|| shape::ingest::detect::choose_format(&parser, &sample))
    });
    group.finish();
}

criterion_group!(benches, bench_ingest);
criterion_main!(benches);
