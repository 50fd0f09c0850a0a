//! The data dir: Parquet tables under `<data-dir>/<table>/dt=YYYY-MM-DD/`, on a local path or
//! an object store, with an atomic commit protocol.
//!
//! Commit protocol (one commit = everything one ingest run wrote for one source, or for a
//! group of small sources, see [`CommitRecord::members`]):
//! 1. every file is written complete to `_staging/<source-key>/<commit-id>/<table>/dt=.../`;
//! 2. the commit record `_manifest/<source-key>/<commit-id>.json` is put (an atomic put): this
//!    is the commit point;
//! 3. staged files are renamed to their final place under `<table>/`.
//!
//! Readers list only `<table>/`, so they never see a partial file. A crash before step 2 leaves
//! staged files without a record: the next run deletes them (roll back). A crash during step 3
//! leaves a record whose files are partly staged: the next run finishes the renames (roll
//! forward). Either way no duplicate and no gap.
//!
//! Data version: every change readers could see (a published commit, a rollup, a healing
//! record, a deletion) also rewrites `_version` with a new id, so a server can tell in one
//! small read whether what it cached is still current ([`DataStore::data_version`]).

pub mod compact;
mod identity;
pub mod lease;
pub mod listing;
pub mod prune;
pub mod schema;
mod verify;
mod version;
pub mod watermark;
pub mod writer;

use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};
use url::Url;

pub use compact::{CompactPolicy, PartitionCompaction};
pub use identity::{Fingerprint, MIN_IDENTITY_BYTES};
pub use listing::CompactionAwareStore;
pub use verify::CorruptFile;
pub use watermark::Watermarks;
pub use writer::{batch_from_records, parquet_bytes, PartitionedWriter, StagedFile};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid location {location:?}: {message}")]
    Location { location: String, message: String },
    #[error("cannot configure object store for {url}: {source}")]
    Configure {
        url: String,
        source: Box<object_store::Error>,
    },
    #[error("object store error at {location}: {source}")]
    Store {
        location: String,
        // Boxed: object_store's error is large, and every Result of every layer carries it.
        source: Box<object_store::Error>,
    },
    #[error("cannot create data dir {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write Parquet for {table}: {source}")]
    Parquet {
        table: String,
        source: datafusion::parquet::errors::ParquetError,
    },
    #[error("a record does not fit its table: {0}")]
    Records(String),
    #[error("corrupt commit record {location}: {message}")]
    Manifest { location: String, message: String },
    #[error("corrupt record {location}: {message}")]
    Record { location: String, message: String },
    #[error(
        "another shape process is using {path} (it holds {path}/{lock}); wait for it to finish"
    )]
    Locked { path: String, lock: String },
    #[error(
        "another shape process writes to this data dir: {holder} holds the lease {path} until \
         {until}; wait for it to finish (a writer that died frees it when its term ends)"
    )]
    Leased {
        path: String,
        holder: String,
        until: String,
    },
    #[error(
        "the writer lease {path} ran out before this commit (renewal failed or the process \
         was paused); nothing was committed: run again"
    )]
    LeaseLost { path: String },
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Resolves a location (a local path, `file://...` or `s3://bucket/prefix`) to an object store,
/// the store's root URL (what DataFusion registers it under) and the path inside the store.
pub fn object_store_for(location: &str) -> Result<(Arc<dyn ObjectStore>, Url, StorePath)> {
    let bad = |message: String| StorageError::Location {
        location: location.to_string(),
        message,
    };
    if let Some(rest) = location.strip_prefix("s3://") {
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad("no bucket name after s3://".into()));
        }
        let mut builder = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
        // A custom endpoint on plain HTTP (a local S3-compatible server) needs HTTP allowed.
        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .or_else(|_| std::env::var("AWS_ENDPOINT"))
            .ok();
        if let Some(endpoint) = endpoint {
            if endpoint.starts_with("http://") {
                builder = builder.with_allow_http(true);
            }
            builder = builder.with_endpoint(endpoint);
        }
        if std::env::var("AWS_REGION").is_err() && std::env::var("AWS_DEFAULT_REGION").is_ok() {
            builder = builder.with_region(std::env::var("AWS_DEFAULT_REGION").unwrap());
        }
        let store = builder.build().map_err(|source| StorageError::Configure {
            url: location.to_string(),
            source: Box::new(source),
        })?;
        let root = Url::parse(&format!("s3://{bucket}")).map_err(|e| bad(e.to_string()))?;
        return Ok((
            Arc::new(store),
            root,
            StorePath::from(key.trim_matches('/')),
        ));
    }
    let local = match location.strip_prefix("file://") {
        Some(path) => std::path::PathBuf::from(path),
        None if location.contains("://") => {
            return Err(bad(
                "only local paths, file:// and s3:// are supported".into()
            ))
        }
        None => std::path::PathBuf::from(location),
    };
    let absolute = std::path::absolute(&local).map_err(|e| bad(e.to_string()))?;
    let path = StorePath::from_absolute_path(lexically_normal(&absolute))
        .map_err(|e| bad(e.to_string()))?;
    let root = Url::parse("file:///").expect("static URL");
    Ok((Arc::new(LocalFileSystem::new()), root, path))
}

/// `/a/b/../c/./d` -> `/a/c/d`, without touching the disk (the data dir may not exist yet).
/// The object store refuses `..` segments, and `--data-dir ../d2` is a normal thing to type.
fn lexically_normal(path: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The object holding the data version (see the module docs).
const DATA_VERSION: &str = "_version";

/// An error of a local file the object store does not see (the data version).
fn local_error(path: &std::path::Path, source: std::io::Error) -> StorageError {
    StorageError::Store {
        location: path.display().to_string(),
        source: Box::new(object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(source),
        }),
    }
}

/// The data dir: where tables, staging and commit records live.
#[derive(Debug, Clone)]
pub struct DataStore {
    pub store: Arc<dyn ObjectStore>,
    /// Root URL of the store (`file:///`, `s3://bucket`).
    pub root: Url,
    /// The data dir inside the store.
    pub prefix: StorePath,
    /// Set for a local data dir: its filesystem path.
    pub local_dir: Option<std::path::PathBuf>,
    /// Set for a local data dir: its `_version`, re-read only when it changed.
    local_version: Option<Arc<version::LocalVersion>>,
    /// Until when (µs) this process may commit under its writer lease; 0: no lease held
    /// (see `lease`).
    lease_deadline: Arc<std::sync::atomic::AtomicI64>,
    /// Whether the store honours conditional writes, probed once per process (see `lease`).
    conditional_writes: Arc<tokio::sync::OnceCell<bool>>,
}

/// One committed unit: what one run read from one source, and the files it wrote.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CommitRecord {
    pub commit_id: String,
    pub ingest_id: String,
    pub source: String,
    /// Hash of the first `fingerprint_len` bytes of the (decompressed) object: identifies the
    /// object's version, so a replaced object is read again from the start.
    pub fingerprint: String,
    pub fingerprint_len: u64,
    pub from_offset: u64,
    pub to_offset: u64,
    /// Line number of the first line after `to_offset`.
    pub next_line: u64,
    /// Final paths (relative to the data dir) of the files this commit made visible.
    pub files: Vec<String>,
    /// The format the source was read in, so that the next run reads on in it.
    #[serde(default)]
    pub format: Option<String>,
    /// The name the source had when it was first read, when it was renamed since (logrotate):
    /// its `[[source]]` settings follow it.
    #[serde(default)]
    pub first_name: Option<String>,
    /// A W3C log's last `#Fields:` names: its data lines after `to_offset` are read with them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub w3c_fields: Option<String>,
    /// The object's version tag (S3's ETag) as listed when it was read: the same tag next
    /// time means the same bytes, so no request is needed to recognise it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    /// Set on a group commit (`source` is then [`GROUP_SOURCE`]): the small sources of one
    /// run whose rows share this commit's files, one record each (with no files of its
    /// own). Publishing writes each member's record where its source's records are, so
    /// the next run reads on from it; a bucket of 100,000 one-line objects makes a few
    /// files per partition, not 100,000.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<CommitRecord>,
}

/// The `source` of group commits (see [`CommitRecord::members`]): their staged files and
/// records live under this name's key.
pub const GROUP_SOURCE: &str = "shape:group";

impl DataStore {
    /// Opens (and for a local path, creates) a data dir.
    pub fn open(location: &str) -> Result<DataStore> {
        let (store, root, prefix) = object_store_for(location)?;
        Self::with_store(store, root, prefix)
    }

    /// A data dir in a store configured by the caller (an embedding program's own
    /// credentials or endpoint): `root` is the store's URL (`s3://bucket`, `file:///`),
    /// `prefix` the data dir inside it.
    pub fn with_store(
        store: Arc<dyn ObjectStore>,
        root: Url,
        prefix: StorePath,
    ) -> Result<DataStore> {
        let local_dir = (root.scheme() == "file")
            .then(|| std::path::PathBuf::from(format!("/{}", prefix.as_ref())));
        if let Some(dir) = &local_dir {
            for table in schema::TABLES {
                let path = dir.join(table);
                std::fs::create_dir_all(&path).map_err(|source| StorageError::CreateDir {
                    path: path.display().to_string(),
                    source,
                })?;
            }
        }
        let local_version = local_dir
            .as_ref()
            .map(|dir| Arc::new(version::LocalVersion::new(dir.join(DATA_VERSION))));
        Ok(DataStore {
            store,
            root,
            prefix,
            local_dir,
            local_version,
            lease_deadline: Default::default(),
            conditional_writes: Default::default(),
        })
    }

    /// The data dir on this machine's file system, when it is local.
    pub fn local_dir(&self) -> Option<&std::path::Path> {
        self.local_dir.as_deref()
    }

    /// Whether `uri` (a source's `file://` or `s3://` URI) names an object inside this data
    /// dir. A data dir at a bucket's root holds no source: logs beside it are still logs.
    pub fn holds(&self, uri: &str) -> bool {
        !self.prefix.as_ref().is_empty() && uri.starts_with(&self.dir_url())
    }

    /// URL of the data dir, with a trailing slash (`file:///x/data/`, `s3://bucket/shape/`).
    fn dir_url(&self) -> String {
        let root = self.root.as_str();
        let root = root.strip_suffix('/').unwrap_or(root);
        match self.prefix.as_ref() {
            "" => format!("{root}/"),
            prefix => format!("{root}/{prefix}/"),
        }
    }

    /// `<data-dir>/<relative>` as a store path.
    pub fn path(&self, relative: &str) -> StorePath {
        let mut path = self.prefix.clone();
        for part in relative.split('/').filter(|p| !p.is_empty()) {
            path = path.clone().join(part);
        }
        path
    }

    /// URL of a table directory, as DataFusion's listing tables want it (trailing slash).
    pub fn table_url(&self, table: &str) -> String {
        format!("{}{table}/", self.dir_url())
    }

    fn store_err(&self, location: &StorePath) -> impl Fn(object_store::Error) -> StorageError {
        let location = location.to_string();
        move |source| StorageError::Store {
            location: location.clone(),
            source: Box::new(source),
        }
    }

    /// Writes `<data-dir>/<relative>`; outside `_staging/` (not yet visible) and
    /// `_manifest/` (commit bookkeeping no query reads) this is a data change, so the data
    /// version moves on.
    pub async fn put(&self, relative: &str, bytes: Bytes) -> Result<()> {
        let path = self.path(relative);
        self.store
            .put(&path, PutPayload::from_bytes(bytes))
            .await
            .map_err(self.store_err(&path))?;
        if !relative.starts_with("_staging/") && !relative.starts_with("_manifest/") {
            self.mark_changed().await?;
        }
        Ok(())
    }

    /// The data version: an id that changes whenever data readers could see changes (see
    /// the module docs); empty for a data dir no SHAPE has written since versions began.
    /// A local data dir's version is read directly (one `stat` while it is unchanged), not
    /// through the object store's thread pool: servers ask before every cached answer.
    pub async fn data_version(&self) -> Result<String> {
        if let Some(local) = &self.local_version {
            return local.read().map_err(|e| local_error(local.path(), e));
        }
        let path = self.path(DATA_VERSION);
        match self.store.get(&path).await {
            Ok(result) => {
                let bytes = result.bytes().await.map_err(self.store_err(&path))?;
                Ok(String::from_utf8_lossy(&bytes).into_owned())
            }
            Err(object_store::Error::NotFound { .. }) => Ok(String::new()),
            Err(source) => Err(StorageError::Store {
                location: path.to_string(),
                source: Box::new(source),
            }),
        }
    }

    /// Moves the data version on (a new time-ordered, process-unique id).
    pub async fn mark_changed(&self) -> Result<()> {
        let path = self.path(DATA_VERSION);
        let id = crate::common::new_time_id();
        self.store
            .put(&path, PutPayload::from(Bytes::from(id)))
            .await
            .map_err(self.store_err(&path))?;
        if let Some(local) = &self.local_version {
            local
                .stamp_written()
                .map_err(|e| local_error(local.path(), e))?;
        }
        Ok(())
    }

    /// The bytes of `<data-dir>/<relative>`, or `None` when there is no such object.
    /// The JSON record at `relative` (`None` when there is none); one that does not parse
    /// is an error naming it. Healing, notification and cursor state are such records.
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        relative: &str,
    ) -> Result<Option<T>> {
        let Some(bytes) = self.get(relative).await? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StorageError::Record {
                location: relative.to_string(),
                message: e.to_string(),
            })
    }

    /// Writes `value` as a JSON record at `relative` (one put: atomic).
    pub async fn put_json<T: serde::Serialize>(&self, relative: &str, value: &T) -> Result<()> {
        let body = serde_json::to_vec_pretty(value).expect("records serialise");
        self.put(relative, Bytes::from(body)).await
    }

    pub async fn get(&self, relative: &str) -> Result<Option<Bytes>> {
        let path = self.path(relative);
        match self.store.get(&path).await {
            Ok(result) => Ok(Some(result.bytes().await.map_err(self.store_err(&path))?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(source) => Err(StorageError::Store {
                location: path.to_string(),
                source: Box::new(source),
            }),
        }
    }

    /// Deletes `<data-dir>/<relative>` (a missing object is not an error).
    pub async fn delete(&self, relative: &str) -> Result<()> {
        let path = self.path(relative);
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => self.mark_changed().await,
            Err(source) => Err(StorageError::Store {
                location: path.to_string(),
                source: Box::new(source),
            }),
        }
    }

    /// Deletes every object under `relative` (a whole table, to be derived again); how many.
    pub async fn delete_all(&self, relative: &str) -> Result<usize> {
        let paths = self.list(relative).await?;
        for relative in &paths {
            let path = self.path(relative);
            match self.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(source) => return Err(self.store_err(&path)(source)),
            }
        }
        self.mark_changed().await?;
        Ok(paths.len())
    }

    /// Whether `<data-dir>/<relative>` exists.
    pub async fn exists(&self, relative: &str) -> Result<bool> {
        let path = self.path(relative);
        match self.store.head(&path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(source) => Err(StorageError::Store {
                location: path.to_string(),
                source: Box::new(source),
            }),
        }
    }

    /// Every object under `relative`, with its size (unordered).
    pub async fn list_meta(&self, relative: &str) -> Result<Vec<object_store::ObjectMeta>> {
        let base = self.path(relative);
        self.store
            .list(Some(&base))
            .try_collect()
            .await
            .map_err(self.store_err(&base))
    }

    /// Paths (relative to the data dir) of every object under `relative`.
    pub async fn list(&self, relative: &str) -> Result<Vec<String>> {
        let objects = self.list_meta(relative).await?;
        let skip = self.prefix.as_ref().len() + usize::from(!self.prefix.as_ref().is_empty());
        let mut paths: Vec<String> = objects
            .into_iter()
            .map(|meta| meta.location.as_ref()[skip..].to_string())
            // LocalFileSystem writes `name#N` temporaries before renaming: never ours to read.
            .filter(|p| !p.contains('#'))
            .collect();
        paths.sort();
        Ok(paths)
    }

    /// The latest commit record of a source, if any.
    pub async fn last_commit(&self, source: &str) -> Result<Option<CommitRecord>> {
        let dir = format!("_manifest/{}", source_key(source));
        let Some(latest) = self.list(&dir).await?.pop() else {
            return Ok(None);
        };
        let path = self.path(&latest);
        let bytes = self
            .store
            .get(&path)
            .await
            .map_err(self.store_err(&path))?
            .bytes()
            .await
            .map_err(self.store_err(&path))?;
        let record = serde_json::from_slice(&bytes).map_err(|e| StorageError::Manifest {
            location: path.to_string(),
            message: e.to_string(),
        })?;
        Ok(Some(record))
    }

    /// Staging path of a file that will become `final_relative` when `commit_id` commits.
    pub fn staging_path(source: &str, commit_id: &str, final_relative: &str) -> String {
        format!(
            "_staging/{}/{commit_id}/{final_relative}",
            source_key(source)
        )
    }

    /// Commits: writes the record (the commit point), then publishes the staged files.
    pub async fn commit(&self, record: &CommitRecord) -> Result<()> {
        self.check_lease()?;
        self.put_record(record).await?;
        crash_point("after_commit_record");
        self.publish(record).await
    }

    /// `_manifest/<source-key>/<commit-id>.json`.
    async fn put_record(&self, record: &CommitRecord) -> Result<()> {
        let relative = format!(
            "_manifest/{}/{}.json",
            source_key(&record.source),
            record.commit_id
        );
        // Compact: a group record lists thousands of members.
        let body = serde_json::to_vec(record).expect("commit records serialise");
        self.put(&relative, Bytes::from(body)).await
    }

    /// Moves a committed record's staged files to their final place (idempotent), after
    /// indexing the record by its fingerprint (a group's: writing and indexing each
    /// member's record; all before any file moves, so recovery, which starts from staged
    /// files, redoes whatever a crash cut short).
    async fn publish(&self, record: &CommitRecord) -> Result<()> {
        if record.members.is_empty() {
            self.index_fingerprint(record).await?;
        }
        for member in &record.members {
            self.put_record(member).await?;
            self.index_fingerprint(member).await?;
        }
        for (i, file) in record.files.iter().enumerate() {
            if i == 1 {
                crash_point("mid_publish");
            }
            let staged = self.path(&Self::staging_path(&record.source, &record.commit_id, file));
            let target = self.path(file);
            match self.store.rename(&staged, &target).await {
                Ok(()) => {}
                // Already published by an earlier, interrupted run.
                Err(object_store::Error::NotFound { .. }) => {}
                Err(source) => {
                    return Err(StorageError::Store {
                        location: staged.to_string(),
                        source: Box::new(source),
                    })
                }
            }
        }
        self.remove_empty_staging_dirs();
        self.mark_changed().await
    }

    /// Finishes or rolls back whatever an interrupted run left in `_staging/`. Returns
    /// (commits rolled forward, files rolled back).
    pub async fn recover(&self) -> Result<(usize, usize)> {
        let staged = self.list("_staging").await?;
        let mut forward = std::collections::BTreeSet::new();
        let mut rolled_back = 0;
        let mut forward_compactions = 0;
        for file in staged {
            if file.starts_with("_staging/compact/") {
                if self.recover_compaction(&file).await? {
                    forward_compactions += 1;
                } else {
                    rolled_back += 1;
                }
                continue;
            }
            // _staging/<source-key>/<commit-id>/<table>/...
            let parts: Vec<&str> = file.splitn(4, '/').collect();
            if parts.len() < 4 {
                continue;
            }
            let (key, commit_id) = (parts[1], parts[2]);
            let record_path = self.path(&format!("_manifest/{key}/{commit_id}.json"));
            match self.store.head(&record_path).await {
                Ok(_) => {
                    forward.insert(record_path);
                }
                Err(object_store::Error::NotFound { .. }) => {
                    let path = self.path(&file);
                    self.store
                        .delete(&path)
                        .await
                        .map_err(self.store_err(&path))?;
                    rolled_back += 1;
                }
                Err(source) => {
                    return Err(StorageError::Store {
                        location: record_path.to_string(),
                        source: Box::new(source),
                    })
                }
            }
        }
        for record_path in &forward {
            let bytes = self
                .store
                .get(record_path)
                .await
                .map_err(self.store_err(record_path))?
                .bytes()
                .await
                .map_err(self.store_err(record_path))?;
            let record: CommitRecord =
                serde_json::from_slice(&bytes).map_err(|e| StorageError::Manifest {
                    location: record_path.to_string(),
                    message: e.to_string(),
                })?;
            self.publish(&record).await?;
        }
        self.remove_empty_staging_dirs();
        Ok((forward.len() + forward_compactions, rolled_back))
    }

    /// Object stores have no directories; a local data dir keeps empty ones, so tidy them.
    fn remove_empty_staging_dirs(&self) {
        fn prune(dir: &std::path::Path) -> bool {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return false;
            };
            let mut empty = true;
            for entry in entries.flatten() {
                let path = entry.path();
                if !(path.is_dir() && prune(&path)) {
                    empty = false;
                }
            }
            empty && std::fs::remove_dir(dir).is_ok()
        }
        if let Some(dir) = &self.local_dir {
            prune(&dir.join("_staging"));
        }
    }
}

/// Held while an ingest or a compaction writes: a second writer would race the commit
/// protocol's recovery step. A local data dir is locked by the OS (released when dropped,
/// also when the process dies); an object-store data dir by a lease (see `lease`).
#[derive(Debug)]
pub struct WriterLock {
    _file: Option<std::fs::File>,
    lease: Option<lease::Lease>,
}

/// How long a writer lease lasts unless renewed (`SHAPE_LEASE_SECONDS` shortens it for
/// the tests): the longest a dead writer keeps the next one waiting.
fn lease_term() -> std::time::Duration {
    let seconds = std::env::var("SHAPE_LEASE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    std::time::Duration::from_secs(seconds)
}

impl WriterLock {
    /// Gives the lock up now (an object-store lease is written expired, so the next
    /// writer need not wait out its term).
    pub async fn release(mut self) -> Result<()> {
        match self.lease.take() {
            Some(lease) => lease.release().await,
            None => Ok(()),
        }
    }
}

impl DataStore {
    /// The writer lock of this data dir (see [`WriterLock`]). While another process holds
    /// it, waits up to `SHAPE_LOCK_WAIT_SECONDS` (30 by default): a rollup catch-up or a
    /// compaction holds it for moments, so an ingest arriving then waits rather than fails.
    pub async fn lock_for_writing(&self) -> Result<WriterLock> {
        let wait = std::env::var("SHAPE_LOCK_WAIT_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(30);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(wait);
        // An object-store lease costs requests to look at: ask less often.
        let pause = if self.local_dir.is_some() { 200 } else { 1_000 };
        loop {
            match self.lock_now().await {
                Err(StorageError::Locked { .. } | StorageError::Leased { .. })
                    if std::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                }
                done => return done,
            }
        }
    }

    /// [`DataStore::lock_for_writing`], or `None` while another writer holds it.
    pub async fn try_lock_for_writing(&self) -> Result<Option<WriterLock>> {
        match self.lock_now().await {
            Ok(lock) => Ok(Some(lock)),
            Err(StorageError::Locked { .. } | StorageError::Leased { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The writer lock, or an error naming its holder.
    async fn lock_now(&self) -> Result<WriterLock> {
        if self.local_dir.is_some() {
            return self.lock_named(".ingest.lock");
        }
        if !self.has_conditional_writes().await? {
            eprintln!(
                "warning: the object store of {} ignores conditional writes, so SHAPE cannot \
                 lease it to one writer: run one writer at a time",
                self.table_url("").trim_end_matches('/')
            );
            return Ok(WriterLock {
                _file: None,
                lease: None,
            });
        }
        let lease = self
            .acquire_lease(&lease::this_holder(), lease_term())
            .await?;
        Ok(WriterLock {
            _file: None,
            lease: Some(lease),
        })
    }

    /// An exclusive OS lock on `<data-dir>/<name>` (local data dirs only), e.g. one healer.
    pub fn lock_named(&self, name: &str) -> Result<WriterLock> {
        let Some(dir) = &self.local_dir else {
            return Ok(WriterLock {
                _file: None,
                lease: None,
            });
        };
        let path = dir.join(name);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| StorageError::CreateDir {
                path: path.display().to_string(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(WriterLock {
                _file: Some(file),
                lease: None,
            }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StorageError::Locked {
                path: dir.display().to_string(),
                lock: name.to_string(),
            }),
            Err(std::fs::TryLockError::Error(source)) => Err(StorageError::CreateDir {
                path: path.display().to_string(),
                source,
            }),
        }
    }
}

/// A short stable key for a source URI (used in paths; the URI itself is in the record).
pub fn source_key(source: &str) -> String {
    format!("{:016x}", crate::common::fnv1a64(source.as_bytes()))
}

/// Test hook for the crash tests: `SHAPE_CRASH_AT=<point>` aborts the process there, as a
/// `kill -9` would. Never set in normal use.
pub fn crash_point(point: &str) {
    if std::env::var("SHAPE_CRASH_AT").is_ok_and(|p| p == point) {
        eprintln!("SHAPE_CRASH_AT={point}: aborting");
        std::process::abort();
    }
}
