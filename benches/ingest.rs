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
    // The parsers alone, per byte: the same 100,000 events as JSON lines and as log4j-style
    // text lines (as `benches/ingest_formats.py` writes them), each parsed into an event.
    let json_text = std::fs::read_to_string(logs.path().join(&truth.files[0])).unwrap();
    let json_lines: Vec<String> = json_text
        .lines()
        .take(100_000)
        .map(str::to_string)
        .collect();
    let text_lines: Vec<String> = json_lines
        .iter()
        .enumerate()
        .map(|(i, l)| as_text_line(i, l))
        .collect();
    for (name, lines) in [
        ("parse_line_json", &json_lines),
        ("parse_line_text", &text_lines),
    ] {
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(name, |b| {
            let parser =
                shape::ingest::parse::LineParser::new(&Default::default(), None, &[]).unwrap();
            let parser = match name {
                "parse_line_text" => {
                    parser.with_detected_format(shape::ingest::parse::LineFormat::Text, false)
                }
                _ => parser.with_detected_format(shape::ingest::parse::LineFormat::Json, false),
            };
            b.iter(|| {
                let parsed = lines
                    .iter()
                    .filter(|l| parser.parse(l.as_bytes()).is_ok())
                    .count();
                assert_eq!(parsed, lines.len());
            })
        });
    }
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

/// A generated JSON event as a log4j-style line with `key=value` pairs.
fn as_text_line(i: usize, json: &str) -> String {
    let e: serde_json::Value = serde_json::from_str(json).unwrap();
    let text = |k: &str| e[k].as_str().unwrap_or("-").to_string();
    let ts = text("ts")
        .replace('T', " ")
        .trim_end_matches('Z')
        .replace('.', ",");
    format!(
        "{ts} {:<5} [worker-{}] com.renderx.{} - {} op={} status={} duration={}ms trace={}",
        text("level"),
        i % 8,
        text("component"),
        text("msg"),
        text("operation"),
        e.get("status").cloned().unwrap_or(0.into()),
        e.get("duration_ms").cloned().unwrap_or(0.into()),
        text("trace_id")
    )
}

criterion_group!(benches, bench_ingest);
criterion_main!(benches);
