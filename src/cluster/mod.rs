//! Past one machine: the same views planned over workers (datafusion-distributed).
//!
//! datafusion-distributed has no coordinator service: the `SessionContext` that plans a query
//! (the CLI's, the server's, the healing runner's: whatever opened the `Workspace`) cuts its
//! physical plan into stages, and workers run the stages that scan Parquet, talking Arrow
//! Flight over gRPC. So a cluster is a list of worker URLs in `[cluster] workers`; every
//! consumer of the workspace plans through it, and without it nothing changes.
//!
//! A worker (`shape worker --listen ADDR`) registers what a plan fragment may call: SHAPE's
//! functions, the JSON functions, the `shape.*` settings of the query (sent by the planner as
//! gRPC metadata) and the object stores (local files; S3 buckets from the standard AWS
//! environment). Workers trust whoever calls them: they listen on loopback unless told
//! otherwise, and belong on a private network.
//!
//! datafusion-distributed retries nothing: a worker that dies mid-query fails that query.
//! The next query is planned over the workers that still answer (a background probe every
//! `PROBE_EVERY`), so a server keeps serving.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use datafusion::common::DataFusionError;
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::prelude::SessionContext;
use datafusion_distributed::{
    DistributedExt, GetWorkerInfoRequest, SessionStateBuilderExt, Worker, WorkerQueryContext,
    WorkerResolver,
};
use object_store::ObjectStore;
use serde::Deserialize;
use shape_udfs::template::TemplateMasks;
use shape_udfs::ShapeOptions;
use url::Url;

mod channels;
pub use channels::NamedChannels;

/// What a worker reports as its version: a coordinator refuses workers of another.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How long a worker may take to answer a probe before it counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// How often a long-lived context re-probes its workers.
const PROBE_EVERY: Duration = Duration::from_secs(2);

/// The gRPC metadata prefix datafusion-distributed sends a config extension's entries under
/// (`x-datafusion-distributed-config-` + `shape.` + key).
const SETTINGS_HEADER_PREFIX: &str = "x-datafusion-distributed-config-shape.";

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("[cluster] workers: {url:?} is not a worker URL ({message}); expected e.g. http://10.0.0.5:8090")]
    BadUrl { url: String, message: String },
    #[error("worker {url} does not answer: {message} (start it with `shape worker --listen ADDR`, remove it from [cluster] workers, or set [cluster] allow_degraded = true)")]
    Unreachable { url: String, message: String },
    #[error("worker {url} runs SHAPE {theirs}, this is SHAPE {ours}: run one version across the cluster")]
    WrongVersion {
        url: String,
        theirs: String,
        ours: &'static str,
    },
    #[error("no worker of [cluster] workers answers ({0})")]
    NoWorkers(String),
    #[error("cannot listen on {addr}: {message}")]
    Listen { addr: SocketAddr, message: String },
    #[error("worker setup: {0}")]
    Setup(Box<DataFusionError>),
}

/// `[cluster]`: the workers every consumer of the workspace plans over.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClusterSection {
    /// Worker URLs, e.g. `["http://10.0.0.5:8090"]`; empty: plan and run on this machine.
    #[serde(default)]
    pub workers: Vec<String>,
    /// Plan over the workers that answer (with a warning) instead of failing when one does not.
    #[serde(default)]
    pub allow_degraded: bool,
    /// Parquet bytes a scan task reads: a scan smaller than this runs as one task (on one
    /// worker or here); larger ones are cut into tasks spread over the workers.
    #[serde(default = "default_bytes_per_task")]
    pub bytes_per_task: usize,
}

fn default_bytes_per_task() -> usize {
    16 << 20
}

impl Default for ClusterSection {
    fn default() -> Self {
        ClusterSection {
            workers: Vec::new(),
            allow_degraded: false,
            bytes_per_task: default_bytes_per_task(),
        }
    }
}

impl ClusterSection {
    /// The worker URLs, parsed.
    pub fn urls(&self) -> Result<Vec<Url>, ClusterError> {
        self.workers
            .iter()
            .map(|text| {
                let bad = |message: String| ClusterError::BadUrl {
                    url: text.clone(),
                    message,
                };
                let url = Url::parse(text).map_err(|e| bad(e.to_string()))?;
                if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                    return Err(bad("not http(s)://host:port".into()));
                }
                Ok(url)
            })
            .collect()
    }
}

/// One worker's answer to a probe: its version, or why it did not answer.
#[derive(Debug, Clone)]
pub struct WorkerStatus {
    pub url: Url,
    pub answer: Result<String, String>,
}

/// Asks every worker for its version, side by side, each within `PROBE_TIMEOUT`.
pub async fn probe(urls: &[Url]) -> Vec<WorkerStatus> {
    let channels = datafusion_distributed::grpc::DefaultChannelResolver::default();
    let asks = urls.iter().map(|url| {
        let channels = channels.clone();
        async move {
            let ask = async {
                let channel = channels
                    .get_channel(url)
                    .await
                    .map_err(|e| root_message(&e))?;
                let mut client = datafusion_distributed::grpc::create_worker_client(channel);
                client
                    .get_worker_info(GetWorkerInfoRequest {})
                    .await
                    .map(|info| info.version)
                    .map_err(|e| root_message(&e))
            };
            let answer = tokio::time::timeout(PROBE_TIMEOUT, ask)
                .await
                .unwrap_or_else(|_| Err(format!("no answer within {PROBE_TIMEOUT:?}")));
            WorkerStatus {
                url: url.clone(),
                answer,
            }
        }
    });
    futures::future::join_all(asks).await
}

/// The innermost message of an error chain (gRPC errors nest several deep).
fn root_message(error: &DataFusionError) -> String {
    let text = error.find_root().to_string();
    text.lines().next().unwrap_or_default().to_string()
}

/// The workers to plan over, after a probe: every configured one answering with this version,
/// or (allow_degraded) those that answer. `None`: no cluster configured.
pub async fn connect(section: &ClusterSection) -> Result<Option<LiveWorkers>, ClusterError> {
    let urls = section.urls()?;
    if urls.is_empty() {
        return Ok(None);
    }
    let mut live = Vec::new();
    let mut down = Vec::new();
    for status in probe(&urls).await {
        match status.answer {
            Ok(version) if version == VERSION => live.push(status.url),
            Ok(theirs) => {
                return Err(ClusterError::WrongVersion {
                    url: status.url.to_string(),
                    theirs: if theirs.is_empty() {
                        "(no version)".into()
                    } else {
                        theirs
                    },
                    ours: VERSION,
                })
            }
            Err(message) if !section.allow_degraded => {
                return Err(ClusterError::Unreachable {
                    url: status.url.to_string(),
                    message,
                })
            }
            Err(message) => down.push(format!("{}: {message}", status.url)),
        }
    }
    if live.is_empty() {
        return Err(ClusterError::NoWorkers(down.join("; ")));
    }
    for line in &down {
        eprintln!("warning: planning without worker {line} ([cluster] allow_degraded)");
    }
    Ok(Some(LiveWorkers::new(
        urls,
        live,
        section.bytes_per_task.max(1),
    )))
}

/// The workers a plan may use: those that answered the last probe. Re-probed in the
/// background while the resolver lives, so a long-lived context (the server) stops planning
/// over a worker that died and takes it back when it answers again.
#[derive(Clone)]
pub struct LiveWorkers {
    live: Arc<RwLock<Vec<Url>>>,
    bytes_per_task: usize,
    // One channel cache for every context planned over these workers.
    channels: NamedChannels,
}

impl std::fmt::Debug for LiveWorkers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.urls().iter().map(Url::as_str))
            .finish()
    }
}

impl LiveWorkers {
    fn new(configured: Vec<Url>, live: Vec<Url>, bytes_per_task: usize) -> LiveWorkers {
        let workers = LiveWorkers {
            live: Arc::new(RwLock::new(live)),
            bytes_per_task,
            channels: NamedChannels::default(),
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(reprobe(Arc::downgrade(&workers.live), configured));
        }
        workers
    }

    /// The workers that answered last.
    pub fn urls(&self) -> Vec<Url> {
        self.live
            .read()
            .map(|urls| urls.clone())
            .unwrap_or_default()
    }
}

async fn reprobe(live: Weak<RwLock<Vec<Url>>>, configured: Vec<Url>) {
    loop {
        tokio::time::sleep(PROBE_EVERY).await;
        let answering: Vec<Url> = probe(&configured)
            .await
            .into_iter()
            .filter(|s| s.answer.as_deref() == Ok(VERSION))
            .map(|s| s.url)
            .collect();
        let Some(live) = live.upgrade() else { return };
        if !answering.is_empty() {
            if let Ok(mut urls) = live.write() {
                *urls = answering;
            }
        }
    }
}

impl WorkerResolver for LiveWorkers {
    fn get_urls(&self) -> Result<Vec<Url>, DataFusionError> {
        Ok(self.urls())
    }
}

/// `builder` planning over `workers`, with the session's `shape.*` settings sent along.
pub fn distributed(
    builder: SessionStateBuilder,
    workers: LiveWorkers,
    settings: ShapeOptions,
) -> Result<SessionStateBuilder, ClusterError> {
    let bytes_per_task = workers.bytes_per_task;
    let channels = workers.channels.clone();
    Ok(builder
        .with_distributed_worker_resolver(workers)
        .with_distributed_channel_resolver(channels)
        .with_distributed_planner()
        .with_distributed_file_scan_config_bytes_per_partition(bytes_per_task)
        .map_err(|e| ClusterError::Setup(Box::new(e)))?
        .with_distributed_option_extension(settings))
}

/// Runs a worker on `addr` until the process ends. `masks`: the template masks of the
/// config the worker was started with (they must match the coordinators').
pub async fn serve_worker(addr: SocketAddr, masks: TemplateMasks) -> Result<(), ClusterError> {
    let runtime = RuntimeEnvBuilder::new()
        .with_object_store_registry(Arc::new(BucketsFromEnvironment::default()))
        .build_arc()
        .map_err(|e| ClusterError::Setup(Box::new(e)))?;
    let masks = Arc::new(masks);
    let worker = Worker::from_session_builder(move |query: WorkerQueryContext| {
        let masks = masks.clone();
        async move { worker_state(query, &masks) }
    })
    .with_runtime_env(runtime)
    .with_version(VERSION);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| ClusterError::Listen {
            addr,
            message: e.to_string(),
        })?;
    let incoming = tokio_stream_of(listener);
    tonic::transport::Server::builder()
        .add_service(worker.into_worker_server())
        .serve_with_incoming(incoming)
        .await
        .map_err(|e| ClusterError::Listen {
            addr,
            message: e.to_string(),
        })
}

/// The accepted connections of `listener`, as tonic takes them.
fn tokio_stream_of(
    listener: tokio::net::TcpListener,
) -> impl futures::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    futures::stream::unfold(listener, |listener| async move {
        let accepted = listener.accept().await.map(|(stream, _)| {
            let _ = stream.set_nodelay(true);
            stream
        });
        Some((accepted, listener))
    })
}

/// The session a worker runs one query's fragments in: SHAPE's functions and the query's
/// `shape.*` settings (declared from the metadata: a worker has no config of its own to
/// declare them).
fn worker_state(
    query: WorkerQueryContext,
    masks: &TemplateMasks,
) -> Result<SessionState, DataFusionError> {
    let mut settings = ShapeOptions::default();
    for (name, value) in query.headers.iter() {
        let Some(key) = name.as_str().strip_prefix(SETTINGS_HEADER_PREFIX) else {
            continue;
        };
        // ShapeOptions names its entries `shape.KEY`, and the prefix is added again.
        let key = key.strip_prefix("shape.").unwrap_or(key);
        let value = value
            .to_str()
            .map_err(|e| DataFusionError::Plan(format!("setting shape.{key}: {e}")))?;
        if key == "as_of" {
            datafusion::config::ExtensionOptions::set(&mut settings, key, value)?;
        } else {
            settings.declare(key, value);
        }
    }
    let mut builder = query.builder;
    let config = builder
        .config()
        .get_or_insert_with(datafusion::prelude::SessionConfig::new);
    config.options_mut().extensions.insert(settings);
    let mut ctx = SessionContext::new_with_state(builder.build());
    datafusion_functions_json::register_all(&mut ctx)?;
    shape_udfs::register(&ctx);
    shape_udfs::register_templates(&ctx, masks);
    Ok(ctx.state())
}

/// Object stores for the URLs plan fragments name: local files as usual, and an S3 store
/// per bucket made on first use from the standard AWS environment (as `--data-dir s3://...`
/// makes it).
#[derive(Debug, Default)]
struct BucketsFromEnvironment {
    known: DefaultObjectStoreRegistry,
}

impl ObjectStoreRegistry for BucketsFromEnvironment {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.known.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> datafusion::common::Result<Arc<dyn ObjectStore>> {
        self.known.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> datafusion::common::Result<Arc<dyn ObjectStore>> {
        if let Ok(store) = self.known.get_store(url) {
            return Ok(store);
        }
        if url.scheme() != "s3" {
            return self.known.get_store(url);
        }
        let bucket = url.host_str().unwrap_or_default();
        let (store, root, _) = crate::storage::object_store_for(&format!("s3://{bucket}"))
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        self.known.register_store(&root, store.clone());
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_urls_are_checked() {
        let section = |workers: &[&str]| ClusterSection {
            workers: workers.iter().map(|w| w.to_string()).collect(),
            ..Default::default()
        };
        assert_eq!(section(&["http://10.0.0.5:8090"]).urls().unwrap().len(), 1);
        for bad in ["10.0.0.5:8090", "ftp://host:1", "http://"] {
            let err = section(&[bad]).urls().unwrap_err().to_string();
            assert!(
                err.contains(bad) && err.contains("http://10.0.0.5:8090"),
                "{err}"
            );
        }
    }

    #[tokio::test]
    async fn a_port_without_a_worker_is_named_as_unreachable() {
        // A port just bound and released: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}");
        let section = ClusterSection {
            workers: vec![url.clone()],
            ..Default::default()
        };
        let err = connect(&section).await.err().unwrap().to_string();
        assert!(
            err.contains(&url) && err.contains("does not answer"),
            "{err}"
        );
        let degraded = ClusterSection {
            allow_degraded: true,
            ..section
        };
        let err = connect(&degraded).await.err().unwrap().to_string();
        assert!(err.contains("no worker"), "{err}");
    }

    #[tokio::test]
    async fn a_worker_answers_with_its_version_and_runs_shape_functions() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        tokio::spawn(serve_worker(addr, TemplateMasks::default()));
        let url: Url = format!("http://127.0.0.1:{port}").parse().unwrap();
        let mut answer = Err(String::new());
        for _ in 0..50 {
            answer = probe(std::slice::from_ref(&url)).await.remove(0).answer;
            if answer.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(answer.as_deref(), Ok(VERSION));
        let section = ClusterSection {
            workers: vec![url.to_string()],
            ..Default::default()
        };
        let workers = connect(&section).await.unwrap().unwrap();
        assert_eq!(workers.urls(), vec![url.clone()]);

        // A query over Parquet, cut into tasks, calling SHAPE's functions and a `shape.*`
        // setting on the worker, gives what it gives here.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.parquet");
        // A per-scope setting read with column arguments: evaluated where the rows are.
        let mut settings = ShapeOptions::default();
        settings.declare("detect.slow_threshold_ms", r#"{"c": {"*": 5}}"#);
        let mut config = shape_udfs::session_config();
        config.options_mut().extensions.insert(settings.clone());
        let local = SessionContext::new_with_config(config.clone());
        shape_udfs::register(&local);
        let rows: Vec<String> = (0..2000)
            .map(|i| format!("('user {i} logged in from 10.0.0.{}', {})", i % 250, i % 7))
            .collect();
        local
            .sql(&format!(
                "COPY (SELECT * FROM (VALUES {}) AS v(message, n)) TO '{}' STORED AS PARQUET",
                rows.join(", "),
                file.display()
            ))
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let builder = SessionStateBuilder::new()
            .with_config(config)
            .with_default_features();
        let workers = LiveWorkers {
            bytes_per_task: 1,
            ..workers
        };
        let remote = SessionContext::new_with_state(
            distributed(builder, workers, settings).unwrap().build(),
        );
        shape_udfs::register(&remote);
        let sql = "SELECT log_template(message) AS t, count(*) AS c, \
                   sum(shape_scoped_number('detect.slow_threshold_ms', \
                       CASE WHEN n > 3 THEN 'c' ELSE 'd' END, 'op')) AS slow \
                   FROM t GROUP BY 1 ORDER BY 1";
        let mut answers = Vec::new();
        for ctx in [&local, &remote] {
            ctx.register_parquet("t", file.to_str().unwrap(), Default::default())
                .await
                .unwrap();
            let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
            answers.push(
                datafusion::arrow::util::pretty::pretty_format_batches(&batches)
                    .unwrap()
                    .to_string(),
            );
        }
        assert_eq!(answers[0], answers[1]);
        assert!(
            answers[0].contains("user <*> logged in from <*>")
                && answers[0].contains("| 2000 | 4280"),
            "{}",
            answers[0]
        );
    }

    #[tokio::test]
    async fn a_worker_of_another_version_is_refused_with_both_versions() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let other = Worker::default().with_version("0.0.1-other");
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(other.into_worker_server())
                .serve_with_incoming(tokio_stream_of(listener)),
        );
        let section = ClusterSection {
            workers: vec![format!("http://127.0.0.1:{port}")],
            allow_degraded: true,
            ..Default::default()
        };
        let err = connect(&section).await.err().unwrap().to_string();
        assert!(
            err.contains("0.0.1-other") && err.contains(VERSION),
            "{err}"
        );
    }
}
