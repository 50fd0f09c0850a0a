//! Where a small statement's time goes when served: DataFusion alone (parse, plan, optimize,
//! execute on the served context) against the same statement over the wire (tokio-postgres
//! to an in-process `shape serve` on loopback, simple and extended protocol).
//! `cargo bench --bench server`; data as in the other benches (SHAPE_BENCH_DATA, or
//! SHAPE_BENCH_EVENTS generated events, default 1,000,000). The side-by-side against
//! PostgreSQL is `benches/server_vs_postgres.py`.

use std::path::Path;

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use shape::config::Config;
use shape::server::{bind, prepare_context, serve_on, ServerSection, ServerSettings};

const STATEMENTS: [(&str, &str); 2] = [
    ("select_1", "SELECT 1"),
    (
        "slo_definitions_filter",
        "SELECT slo_id, objective FROM slo_definitions WHERE component = 'canvas'",
    ),
];

fn bench_server(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(shape::THREAD_STACK_BYTES)
        .build()
        .unwrap();
    let config =
        Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/shape.toml")).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let data_dir = common::bench_data_dir(&runtime, &config, scratch.path());
    let ws = shape::Workspace::with_config(config.clone(), &data_dir).unwrap();
    let options = shape::QueryOptions::default();

    // DataFusion alone, on a context prepared the way the server prepares its own.
    let ctx = runtime.block_on(ws.context(&options)).unwrap();
    runtime.block_on(prepare_context(&ctx, &[])).unwrap();
    let mut group = c.benchmark_group("server");
    for (name, sql) in STATEMENTS {
        group.bench_function(format!("{name}_datafusion_only"), |b| {
            b.iter(|| {
                runtime
                    .block_on(async { ctx.sql(sql).await?.collect().await })
                    .unwrap()
            })
        });
    }

    // The same statements over the wire.
    let served = runtime.block_on(ws.context(&options)).unwrap();
    let settings = ServerSettings::load(
        &config,
        ServerSection {
            listen: Some("127.0.0.1:0".into()),
            statement_timeout: Some("0".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let listener = runtime.block_on(bind(settings.addr)).unwrap();
    let port = listener.local_addr().unwrap().port();
    runtime.spawn(async move {
        serve_on(listener, served, Some(ws.store().clone()), &settings, None).await
    });
    let client = runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(
            &format!("host=127.0.0.1 port={port} user=shape dbname=shape"),
            tokio_postgres::NoTls,
        )
        .await
        .unwrap();
        tokio::spawn(connection);
        client
    });
    for (name, sql) in STATEMENTS {
        group.bench_function(format!("{name}_wire_simple"), |b| {
            b.iter(|| runtime.block_on(client.simple_query(sql)).unwrap())
        });
        group.bench_function(format!("{name}_wire_extended"), |b| {
            b.iter(|| runtime.block_on(client.query(sql, &[])).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_server);
criterion_main!(benches);
