//! What readers list: the data dir's object store, seen through the compaction records, so
//! that a query running while `shape compact` works sees either the small files or the
//! merged file that replaces them, never both (see `compact` for the protocol).
//!
//! A partition being compacted holds a record `_compaction-<id>.json` naming the inputs and
//! the output. Once the output is listed, its inputs are hidden, whether or not they are
//! deleted yet. A local directory listing is not a snapshot, so a listing that shows any
//! compaction file is repeated until the data version did not move while it ran (every
//! step of the protocol moves it): then the listing and the records agree. The version is
//! read before every listing (a `stat` on a local data dir, one small GET on S3); the records
//! are read only when a compaction file is listed.

use std::collections::HashSet;
use std::fmt;

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use object_store::path::Path as StorePath;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
};

use super::compact::{CompactionRecord, OUTPUT_PREFIX, RECORD_PREFIX};
use super::DataStore;

/// Listings this many times in a row with compactions moving underneath: the last one is
/// used (a compaction of one partition takes far longer than one listing).
const MAX_LISTING_ATTEMPTS: usize = 8;

/// The data dir's store for readers (see the module docs). Everything but listing is the
/// inner store's.
#[derive(Debug)]
pub struct CompactionAwareStore {
    data: DataStore,
}

impl CompactionAwareStore {
    pub fn new(data: DataStore) -> CompactionAwareStore {
        CompactionAwareStore { data }
    }
}

impl fmt::Display for CompactionAwareStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CompactionAware({})", self.data.store)
    }
}

fn file_name(path: &StorePath) -> &str {
    path.filename().unwrap_or("")
}

fn mentions_compaction(objects: &[ObjectMeta]) -> bool {
    objects.iter().any(|o| {
        let name = file_name(&o.location);
        name.starts_with(RECORD_PREFIX) || name.starts_with(OUTPUT_PREFIX)
    })
}

/// Drops the inputs of every record whose output is listed (pure; records are keyed by the
/// directory they sit in, inputs and output are names in that directory).
pub fn hide_replaced(objects: &mut Vec<ObjectMeta>, records: &[(StorePath, CompactionRecord)]) {
    let listed: HashSet<String> = objects.iter().map(|o| o.location.to_string()).collect();
    let mut hidden = HashSet::new();
    for (dir, record) in records {
        if listed.contains(&dir.clone().join(record.output.as_str()).to_string()) {
            for input in &record.inputs {
                hidden.insert(dir.clone().join(input.as_str()).to_string());
            }
        }
    }
    if !hidden.is_empty() {
        objects.retain(|o| !hidden.contains(o.location.as_ref()));
    }
}

fn generic(source: impl std::error::Error + Send + Sync + 'static) -> object_store::Error {
    object_store::Error::Generic {
        store: "CompactionAwareStore",
        source: Box::new(source),
    }
}

impl CompactionAwareStore {
    /// The records among `objects`, read; a record deleted since it was listed is skipped
    /// (its compaction finished, which moved the data version: the caller lists again).
    async fn records(
        &self,
        objects: &[ObjectMeta],
    ) -> object_store::Result<Vec<(StorePath, CompactionRecord)>> {
        let mut records = Vec::new();
        for meta in objects {
            if !file_name(&meta.location).starts_with(RECORD_PREFIX) {
                continue;
            }
            let bytes = match self.data.store.get(&meta.location).await {
                Ok(result) => result.bytes().await?,
                Err(object_store::Error::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            let record =
                CompactionRecord::parse(&bytes, meta.location.as_ref()).map_err(generic)?;
            let dir: StorePath = meta
                .location
                .parts()
                .take(meta.location.parts().count() - 1)
                .collect();
            records.push((dir, record));
        }
        Ok(records)
    }

    /// Runs `list` until a listing is consistent with the records (see the module docs),
    /// then hides what they replaced.
    async fn consistent<T, F, Fut>(
        &self,
        list: F,
        objects: fn(&mut T) -> &mut Vec<ObjectMeta>,
    ) -> object_store::Result<T>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = object_store::Result<T>>,
    {
        for attempt in 1..=MAX_LISTING_ATTEMPTS {
            // Read before listing: a merge step during the listing moves it.
            let before = self.data.data_version().await.map_err(generic)?;
            let mut listing = list().await?;
            if !mentions_compaction(objects(&mut listing)) {
                return Ok(listing);
            }
            let records = self.records(objects(&mut listing)).await?;
            let after = self.data.data_version().await.map_err(generic)?;
            if before == after || attempt == MAX_LISTING_ATTEMPTS {
                hide_replaced(objects(&mut listing), &records);
                return Ok(listing);
            }
        }
        unreachable!("the last attempt returns")
    }
}

#[async_trait]
impl ObjectStore for CompactionAwareStore {
    async fn put_opts(
        &self,
        location: &StorePath,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        self.data.store.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &StorePath,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.data.store.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &StorePath,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        self.data.store.get_opts(location, options).await
    }

    async fn get_ranges(
        &self,
        location: &StorePath,
        ranges: &[std::ops::Range<u64>],
    ) -> object_store::Result<Vec<bytes::Bytes>> {
        self.data.store.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<StorePath>>,
    ) -> BoxStream<'static, object_store::Result<StorePath>> {
        self.data.store.delete_stream(locations)
    }

    fn list(
        &self,
        prefix: Option<&StorePath>,
    ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let this = CompactionAwareStore::new(self.data.clone());
        let prefix = prefix.cloned();
        stream::once(async move {
            let store = this.data.store.clone();
            let list = || store.list(prefix.as_ref()).try_collect::<Vec<_>>();
            this.consistent(list, |v| v).await
        })
        .map(|listed| match listed {
            Ok(objects) => stream::iter(objects.into_iter().map(Ok)).boxed(),
            Err(e) => stream::once(async move { Err(e) }).boxed(),
        })
        .flatten()
        .boxed()
    }

    async fn list_with_delimiter(
        &self,
        prefix: Option<&StorePath>,
    ) -> object_store::Result<ListResult> {
        let list = || self.data.store.list_with_delimiter(prefix);
        self.consistent(list, |r| &mut r.objects).await
    }

    async fn copy_opts(
        &self,
        from: &StorePath,
        to: &StorePath,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        self.data.store.copy_opts(from, to, options).await
    }

    async fn rename_opts(
        &self,
        from: &StorePath,
        to: &StorePath,
        options: RenameOptions,
    ) -> object_store::Result<()> {
        self.data.store.rename_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(path: &str) -> ObjectMeta {
        ObjectMeta {
            location: StorePath::from(path),
            last_modified: chrono::DateTime::UNIX_EPOCH,
            size: 1,
            e_tag: None,
            version: None,
        }
    }

    fn record(inputs: &[&str], output: &str) -> CompactionRecord {
        CompactionRecord {
            compaction_id: "c1".into(),
            table: "events".into(),
            partition: "dt=2026-01-01".into(),
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            output: output.into(),
            rows: 3,
        }
    }

    fn names(objects: &[ObjectMeta]) -> Vec<String> {
        objects.iter().map(|o| o.location.to_string()).collect()
    }

    #[test]
    fn inputs_are_hidden_once_the_output_is_listed_and_not_before() {
        let dir = StorePath::from("d/events/dt=2026-01-01");
        let records = vec![(
            dir,
            record(&["a.parquet", "b.parquet"], "compact-c1.parquet"),
        )];
        let before = vec![
            meta("d/events/dt=2026-01-01/a.parquet"),
            meta("d/events/dt=2026-01-01/b.parquet"),
            meta("d/events/dt=2026-01-01/_compaction-c1.json"),
        ];
        let mut listed = before.clone();
        hide_replaced(&mut listed, &records);
        assert_eq!(
            names(&listed),
            names(&before),
            "no output yet: the inputs stay"
        );

        let mut listed = before.clone();
        listed.push(meta("d/events/dt=2026-01-01/compact-c1.parquet"));
        listed.push(meta("d/events/dt=2026-01-02/a.parquet"));
        hide_replaced(&mut listed, &records);
        assert_eq!(
            names(&listed),
            [
                "d/events/dt=2026-01-01/_compaction-c1.json",
                "d/events/dt=2026-01-01/compact-c1.parquet",
                // Same name in another partition: not an input of this record.
                "d/events/dt=2026-01-02/a.parquet",
            ]
        );
    }
}
