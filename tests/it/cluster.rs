//! `[cluster]`: the views planned over three `shape worker` processes on loopback give the
//! rows they give on one machine; a worker that dies fails the query that needed it, by name,
//! and the next query runs on the others. A server over data in S3 (moto) planning on two
//! workers keeps serving when one is killed in the middle of a query.

use std::path::Path;
use std::process::{Command, Stdio};

use shape::query::batches_to_rows;
use shape::workspace::{QueryOptions, Workspace, WorkspaceOptions};

use crate::common::{free_port, run_shape, shape_bin, text, wait_for_port, Server};

struct WorkerProcess {
    _process: Server,
    url: String,
}

/// `shape <global> <command> --listen 127.0.0.1:PORT` in `cwd`, once it accepts connections.
fn start_listening(
    cwd: &Path,
    global: &[&str],
    command: &str,
    env: &[(&str, &str)],
) -> (Server, u16) {
    let port = free_port();
    let child = Command::new(shape_bin())
        .current_dir(cwd)
        .args(global)
        .args([command, "--listen", &format!("127.0.0.1:{port}")])
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port, command);
    (Server(child), port)
}

fn start_worker(cwd: &Path, env: &[(&str, &str)]) -> WorkerProcess {
    let (process, port) = start_listening(cwd, &[], "worker", env);
    WorkerProcess {
        _process: process,
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// Rows as text, sorted, floats to 9 significant digits (a distributed sum may add in
/// another order).
fn canonical(rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|cell| match cell.parse::<f64>() {
                    Ok(x) if cell.contains('.') || cell.contains('e') => format!("{x:.8e}"),
                    _ => cell,
                })
                .collect()
        })
        .collect();
    rows.sort();
    rows
}

async fn rows(ws: &Workspace, as_of: &str, sql: &str) -> Result<Vec<Vec<String>>, String> {
    let ctx = ws
        .context_as_is(&QueryOptions::at(Some(as_of.to_string())))
        .await
        .map_err(|e| e.to_string())?;
    let batches = shape::query::run_sql(&ctx, sql)
        .await
        .map_err(|e| e.to_string())?;
    Ok(canonical(batches_to_rows(&batches)))
}

/// `shape gen` into `cwd/logs`: `days` of `events` events from 2026-11-01.
fn generate_logs(cwd: &Path, days: &str, events: &str) {
    let args = ["gen", "--out", "logs", "--days", days, "--events", events];
    let gen = run_shape(
        cwd,
        &[&args[..], &["--start", "2026-11-01T00:00:00Z"]].concat(),
        &[],
    );
    assert!(gen.status.success(), "{}", text(&gen.stderr));
}

#[test]
fn views_on_three_workers_equal_one_machine_and_a_dead_worker_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    generate_logs(cwd, "3", "30000");
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/shape.toml");
    let config = config.to_str().unwrap().to_string();
    let ingest = run_shape(
        cwd,
        &["--config", &config, "--data-dir", "data", "ingest", "logs"],
        &[],
    );
    assert!(ingest.status.success(), "{}", text(&ingest.stderr));

    let mut workers: Vec<WorkerProcess> = (0..3).map(|_| start_worker(cwd, &[])).collect();
    let urls: Vec<String> = workers.iter().map(|w| w.url.clone()).collect();
    let all_urls = urls.clone();
    let status = run_shape(
        cwd,
        &["cluster", "status", "--workers", &urls.join(",")],
        &[],
    );
    let said = text(&status.stdout);
    assert!(status.status.success(), "{said}{}", text(&status.stderr));
    assert_eq!(
        said.lines().filter(|l| l.contains(" up ")).count(),
        3,
        "{said}"
    );

    let data = cwd.join("data").display().to_string();
    let open = move |workers: &[String]| {
        let mut overrides = Vec::new();
        if !workers.is_empty() {
            let quoted: Vec<String> = workers.iter().map(|w| format!("{w:?}")).collect();
            overrides.push(format!("cluster.workers=[{}]", quoted.join(", ")));
            // Small scans too are cut into tasks, so that every view runs on the workers.
            overrides.push("cluster.bytes_per_task=4096".to_string());
        }
        Workspace::open(&WorkspaceOptions {
            config: Some(config.clone().into()),
            data_dir: data.clone(),
            overrides,
        })
        .unwrap()
    };
    let as_of = "2026-11-04T00:00:00Z";
    // One runtime for the whole test (the workspace's background probe lives on it), on a
    // thread with the stack the binaries give theirs (deep view plans).
    let thread = std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_stack_size(16 << 20)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let single = open(&[]);
                let clustered = open(&urls);
                let views = rows(
                    &single,
                    as_of,
                    "SELECT table_name FROM information_schema.tables \
                 WHERE table_schema = 'public' ORDER BY 1",
                )
                .await
                .unwrap();
                let mut nonempty = 0;
                for view in views.iter().map(|r| r[0].clone()) {
                    let sql = format!("SELECT * FROM {view}");
                    let here = rows(&single, as_of, &sql)
                        .await
                        .unwrap_or_else(|e| panic!("{view} on one machine: {e}"));
                    let there = rows(&clustered, as_of, &sql)
                        .await
                        .unwrap_or_else(|e| panic!("{view} on the cluster: {e}"));
                    assert_eq!(
                        here, there,
                        "{view}: rows differ between one machine and the cluster"
                    );
                    nonempty += usize::from(!here.is_empty());
                }
                assert!(
                    views.len() > 30 && nonempty > 20,
                    "{} views, {nonempty} with rows",
                    views.len()
                );

                // A worker dies: the query planned over it fails naming it; once the background
                // probe has seen it gone, the next query runs on the other two, same rows.
                let dead = workers.remove(1);
                let dead_url = dead.url.clone();
                drop(dead);
                let sql = "SELECT component, count(*) FROM events GROUP BY 1";
                let expected = rows(&single, as_of, sql).await.unwrap();
                let port = dead_url.rsplit(':').next().unwrap().to_string();
                match rows(&clustered, as_of, sql).await {
                    Err(e) => assert!(e.contains(&port), "the error names no worker: {e}"),
                    // The probe may have dropped it already.
                    Ok(rows) => assert_eq!(rows, expected),
                }
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                assert_eq!(rows(&clustered, as_of, sql).await.unwrap(), expected);
                (dead_url, workers)
            })
        });
    let (dead_url, _alive) = thread.unwrap().join().unwrap();
    let status = run_shape(
        cwd,
        &["cluster", "status", "--workers", &all_urls.join(",")],
        &[],
    );
    let said = text(&status.stdout);
    assert_eq!(status.status.code(), Some(1), "{said}");
    assert!(
        said.lines()
            .any(|l| l.starts_with(&dead_url) && l.contains("down")),
        "{said}"
    );
}

#[test]
fn a_server_over_s3_keeps_serving_when_a_worker_dies_mid_query() {
    let Some(moto) = crate::s3::start_moto() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let env = crate::s3::moto_env(moto.port);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert!(crate::s3::http(moto.port, "PUT", "/lake", b"").contains("200"));
    generate_logs(cwd, "1", "20000");
    let data = ["--data-dir", "s3://lake/shape"];
    let ingest = run_shape(cwd, &[&data[..], &["ingest", "logs"]].concat(), &env);
    assert!(ingest.status.success(), "{}", text(&ingest.stderr));
    let sql = "SELECT component, count(*) FROM events GROUP BY 1 ORDER BY 1";
    let single = run_shape(
        cwd,
        &[&data[..], &["query", "--format", "csv", sql]].concat(),
        &env,
    );
    assert!(single.status.success(), "{}", text(&single.stderr));
    let expected: Vec<String> = text(&single.stdout)
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    assert!(expected.len() > 2, "{expected:?}");

    // The workers read the bucket with the same standard AWS environment.
    let mut workers: Vec<WorkerProcess> = (0..2).map(|_| start_worker(cwd, &env)).collect();
    let urls: Vec<String> = workers.iter().map(|w| w.url.clone()).collect();
    let workers_flag = urls.join(",");
    let global = [
        &data[..],
        &[
            "--workers",
            &workers_flag,
            "--set",
            "cluster.bytes_per_task=4096",
        ],
    ]
    .concat();
    let (_server, port) = start_listening(cwd, &global, "serve", &env);

    crate::common::on_big_stack(move || async move {
        let (client, connection) = tokio_postgres::connect(
            &format!("host=127.0.0.1 port={port} user=shape dbname=shape"),
            tokio_postgres::NoTls,
        )
        .await
        .unwrap();
        tokio::spawn(connection);
        let client = std::sync::Arc::new(client);
        let answer = |client: std::sync::Arc<tokio_postgres::Client>| async move {
            let rows = client.simple_query(sql).await?;
            Ok::<Vec<String>, tokio_postgres::Error>(
                rows.iter()
                    .filter_map(|m| match m {
                        tokio_postgres::SimpleQueryMessage::Row(r) => {
                            Some(format!("{},{}", r.get(0).unwrap(), r.get(1).unwrap()))
                        }
                        _ => None,
                    })
                    .collect(),
            )
        };
        assert_eq!(answer(client.clone()).await.unwrap(), expected);

        // A query that keeps both workers busy for long (the killed one's tasks cannot have
        // ended when it dies) fails naming the worker.
        let busy = {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .simple_query(
                        "SELECT sum(length(regexp_replace(repeat(message, 1000), 'e', 'ee', 'g'))) \
                         FROM events",
                    )
                    .await
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        let dead = workers.remove(1);
        let dead_port = dead.url.rsplit(':').next().unwrap().to_string();
        drop(dead);
        let failed = busy
            .await
            .unwrap()
            .expect_err("the query outlived its worker");
        let said = failed
            .as_db_error()
            .map(|e| e.message().to_string())
            .unwrap_or_else(|| failed.to_string());
        assert!(
            said.contains(&format!("127.0.0.1:{dead_port}")),
            "the error names no worker: {said}"
        );

        // The server keeps serving, on the same connection, once the probe has seen the
        // worker gone.
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        assert_eq!(answer(client.clone()).await.unwrap(), expected);
        drop(workers);
    });
}
