//! Compaction: the small Parquet files of one table partition become a few large ones, sorted
//! by the table's time column, through a commit protocol of their own.
//!
//! For each group of small files (a "bin"):
//! 1. the merged file is written complete to `_staging/compact/<id>/<table>/dt=.../`;
//! 2. the record `<table>/dt=.../_compaction-<id>.json`, naming the inputs and the output, is
//!    put: the commit point;
//! 3. the merged file is renamed into the partition (`compact-<id>.parquet`);
//! 4. the inputs are deleted, the data version moves, then the record is deleted.
//!
//! A crash before 2 leaves a staged file without a record: recovery deletes it. A crash after
//! 2 is finished by recovery (`DataStore::recover`, which every ingest runs) or by the next
//! compaction of the partition. Readers hide the inputs of a record whose output they list
//! (`listing`), so a query sees the inputs or the output, never both, at every step.

use std::sync::Arc;

use bytes::Bytes;
use datafusion::arrow::datatypes::DataType;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::{col, ParquetReadOptions, SessionConfig, SessionContext};
use futures::StreamExt;
use object_store::ObjectStoreExt;
use serde::{Deserialize, Serialize};

use super::schema::file_schema;
use super::writer::table_writer_properties;
use super::{crash_point, DataStore, Result, StorageError};

/// Name prefix of a compaction record in a partition directory.
pub const RECORD_PREFIX: &str = "_compaction-";
/// Name prefix of a merged file.
pub const OUTPUT_PREFIX: &str = "compact-";
/// Staging directory of merged files (beside ingest's `_staging/<source-key>/`).
const STAGING_DIR: &str = "_staging/compact";
/// Memory for sorting one bin; past it the sort spills to the temporary directory.
const SORT_MEMORY_BYTES: usize = 256 << 20;
const ROW_GROUP_ROWS: usize = 131_072;

/// The commit record of one merge (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompactionRecord {
    pub compaction_id: String,
    pub table: String,
    /// `dt=YYYY-MM-DD`.
    pub partition: String,
    /// File names in the partition that the output replaces.
    pub inputs: Vec<String>,
    /// File name of the merged file in the partition.
    pub output: String,
    pub rows: u64,
}

impl CompactionRecord {
    fn dir(&self) -> String {
        format!("{}/{}", self.table, self.partition)
    }

    /// Where the record lives, relative to the data dir.
    pub fn path(&self) -> String {
        format!("{}/{RECORD_PREFIX}{}.json", self.dir(), self.compaction_id)
    }

    fn staged_output(&self) -> String {
        format!(
            "{STAGING_DIR}/{}/{}/{}",
            self.compaction_id,
            self.dir(),
            self.output
        )
    }

    pub fn parse(bytes: &[u8], location: &str) -> Result<CompactionRecord> {
        serde_json::from_slice(bytes).map_err(|e| StorageError::Manifest {
            location: location.to_string(),
            message: e.to_string(),
        })
    }
}

/// A Parquet file of a partition, by name and size.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionFile {
    pub name: String,
    pub bytes: u64,
}

/// How to compact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompactPolicy {
    /// Merged files grow to about this many bytes; a file under half of it is small.
    pub target_file_bytes: u64,
    /// A partition is compacted once it holds this many small files.
    pub min_small_files: usize,
}

impl Default for CompactPolicy {
    fn default() -> Self {
        CompactPolicy {
            target_file_bytes: 64 << 20,
            min_small_files: 2,
        }
    }
}

/// Which files to merge (pure): the small files, in name order (names start with
/// time-ordered ids), packed into bins of at most `target_file_bytes`; a bin of one file is
/// left alone. Nothing when the partition holds fewer than `min_small_files` small files.
pub fn plan_bins(files: &[PartitionFile], policy: &CompactPolicy) -> Vec<Vec<PartitionFile>> {
    let small_below = policy.target_file_bytes / 2;
    let mut small: Vec<&PartitionFile> = files.iter().filter(|f| f.bytes < small_below).collect();
    if small.len() < policy.min_small_files.max(2) {
        return Vec::new();
    }
    small.sort_by(|a, b| a.name.cmp(&b.name));
    let mut bins: Vec<Vec<PartitionFile>> = Vec::new();
    let mut current: Vec<PartitionFile> = Vec::new();
    let mut current_bytes = 0;
    for file in small {
        if !current.is_empty() && current_bytes + file.bytes > policy.target_file_bytes {
            bins.push(std::mem::take(&mut current));
            current_bytes = 0;
        }
        current_bytes += file.bytes;
        current.push(file.clone());
    }
    bins.push(current);
    bins.retain(|bin| bin.len() > 1);
    bins
}

/// What compacting one partition did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PartitionCompaction {
    pub table: String,
    pub partition: String,
    pub files_before: usize,
    pub files_after: usize,
    pub bytes_before: u64,
    pub bytes_after: u64,
    /// Rows rewritten.
    pub rows: u64,
    /// Records of interrupted compactions finished first.
    pub finished: usize,
}

impl DataStore {
    /// The Parquet files of every partition of `table`: (partition, files), partitions in
    /// order; unfinished compaction records alongside.
    async fn partitions(
        &self,
        table: &str,
    ) -> Result<Vec<(String, Vec<PartitionFile>, Vec<String>)>> {
        let base = self.path(table);
        let objects = self.list_meta(table).await?;
        let mut partitions: std::collections::BTreeMap<String, (Vec<PartitionFile>, Vec<String>)> =
            Default::default();
        for meta in objects {
            let parts: Vec<_> = meta.location.parts().collect();
            let depth = base.parts().count();
            if parts.len() != depth + 2 {
                continue;
            }
            let partition = parts[depth].as_ref().to_string();
            let name = parts[depth + 1].as_ref().to_string();
            let entry = partitions.entry(partition).or_default();
            if name.starts_with(RECORD_PREFIX) && name.ends_with(".json") {
                entry.1.push(name);
            } else if name.ends_with(".parquet") && !name.contains('#') {
                entry.0.push(PartitionFile {
                    name,
                    bytes: meta.size,
                });
            }
        }
        Ok(partitions
            .into_iter()
            .map(|(p, (files, records))| (p, files, records))
            .collect())
    }

    /// Compacts every partition of `table` that `policy` says should be (see the module
    /// docs); partitions left alone are not reported.
    pub async fn compact_table(
        &self,
        table: &str,
        policy: &CompactPolicy,
    ) -> Result<Vec<PartitionCompaction>> {
        let mut done = Vec::new();
        for (partition, mut files, records) in self.partitions(table).await? {
            let mut report = PartitionCompaction {
                table: table.to_string(),
                partition: partition.clone(),
                ..Default::default()
            };
            for name in &records {
                let relative = format!("{table}/{partition}/{name}");
                let Some(bytes) = self.get(&relative).await? else {
                    continue;
                };
                let record = CompactionRecord::parse(&bytes, &relative)?;
                self.finish_compaction(&record).await?;
                files.retain(|f| !record.inputs.contains(&f.name));
                report.finished += 1;
            }
            let bins = plan_bins(&files, policy);
            if bins.is_empty() && report.finished == 0 {
                continue;
            }
            report.files_before = files.len();
            report.bytes_before = files.iter().map(|f| f.bytes).sum();
            report.files_after = files.len();
            report.bytes_after = report.bytes_before;
            for bin in bins {
                let (record, bytes) = self.merge_bin(table, &partition, &bin).await?;
                report.files_after -= bin.len() - 1;
                report.bytes_after -= bin.iter().map(|f| f.bytes).sum::<u64>();
                report.bytes_after += bytes;
                report.rows += record.rows;
            }
            done.push(report);
        }
        Ok(done)
    }

    /// The `dt=` partitions of `table`, in order.
    pub async fn partition_names(&self, table: &str) -> Result<Vec<String>> {
        let base = self.path(table);
        let listed = self
            .store
            .list_with_delimiter(Some(&base))
            .await
            .map_err(self.store_err(&base))?;
        let mut names: Vec<String> = listed
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_string))
            .filter(|name| name.starts_with("dt="))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Deletes a whole partition (retention): how many files and bytes it held.
    pub async fn drop_partition(&self, table: &str, partition: &str) -> Result<(usize, u64)> {
        let objects = self.list_meta(&format!("{table}/{partition}")).await?;
        let bytes = objects.iter().map(|o| o.size).sum();
        for meta in &objects {
            match self.store.delete(&meta.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(source) => return Err(self.store_err(&meta.location)(source)),
            }
        }
        if let Some(dir) = &self.local_dir {
            // Object stores have no directories; a local one would keep listing it.
            let _ = std::fs::remove_dir(dir.join(table).join(partition));
        }
        self.mark_changed().await?;
        Ok((objects.len(), bytes))
    }

    /// Steps 1 to 4 of the protocol for one bin; the record and the merged file's size.
    async fn merge_bin(
        &self,
        table: &str,
        partition: &str,
        bin: &[PartitionFile],
    ) -> Result<(CompactionRecord, u64)> {
        let compaction_id = crate::common::new_time_id();
        let inputs: Vec<String> = bin.iter().map(|f| f.name.clone()).collect();
        let (bytes, rows) = self.merged_parquet(table, partition, &inputs).await?;
        let record = CompactionRecord {
            output: format!("{OUTPUT_PREFIX}{compaction_id}.parquet"),
            compaction_id,
            table: table.to_string(),
            partition: partition.to_string(),
            inputs,
            rows,
        };
        let size = bytes.len() as u64;
        self.put(&record.staged_output(), bytes).await?;
        crash_point("compact_after_stage");
        let body = serde_json::to_vec_pretty(&record).expect("records serialise");
        self.check_lease()?;
        self.put(&record.path(), Bytes::from(body)).await?;
        crash_point("compact_after_record");
        self.finish_compaction(&record).await?;
        Ok((record, size))
    }

    /// Steps 3 and 4 (idempotent: each step tolerates its work being done already).
    pub(crate) async fn finish_compaction(&self, record: &CompactionRecord) -> Result<()> {
        let staged = self.path(&record.staged_output());
        let output = self.path(&format!("{}/{}", record.dir(), record.output));
        match self.store.rename(&staged, &output).await {
            Ok(()) => self.mark_changed().await?,
            Err(object_store::Error::NotFound { .. }) => {
                if !self
                    .exists(&format!("{}/{}", record.dir(), record.output))
                    .await?
                {
                    // Neither staged nor published: the output is lost, so the inputs are
                    // the data. Drop the record, keep them.
                    return self.delete(&record.path()).await;
                }
            }
            Err(source) => return Err(self.store_err(&staged)(source)),
        }
        // The output is listed from here on, so readers hide the inputs while the record
        // names them: deleting the inputs is invisible to queries.
        for (i, input) in record.inputs.iter().enumerate() {
            if i == 1 {
                crash_point("compact_mid_delete");
            }
            self.delete_quietly(&format!("{}/{input}", record.dir()))
                .await?;
        }
        // The version moves after the inputs are gone and before the record goes: a listing
        // (not a snapshot) that saw an input but not the record then spans this move, so
        // the reader lists again instead of counting the inputs beside the output.
        self.mark_changed().await?;
        crash_point("compact_inputs_deleted");
        self.delete_quietly(&record.path()).await?;
        self.remove_empty_staging_dirs();
        self.mark_changed().await
    }

    /// Deletes one object without moving the data version (a missing one is fine).
    pub(super) async fn delete_quietly(&self, relative: &str) -> Result<()> {
        let path = self.path(relative);
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(source) => Err(self.store_err(&path)(source)),
        }
    }

    /// Finishes or rolls back a merged file found in staging (called by `recover`): true
    /// when its record exists (rolled forward).
    pub(crate) async fn recover_compaction(&self, staged: &str) -> Result<bool> {
        // _staging/compact/<id>/<table>/<partition>/<file>
        let parts: Vec<&str> = staged.split('/').collect();
        if let [_, _, id, table, partition, _] = parts[..] {
            let relative = format!("{table}/{partition}/{RECORD_PREFIX}{id}.json");
            if let Some(bytes) = self.get(&relative).await? {
                let record = CompactionRecord::parse(&bytes, &relative)?;
                self.finish_compaction(&record).await?;
                return Ok(true);
            }
        }
        let path = self.path(staged);
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(source) => Err(self.store_err(&path)(source)),
        }
    }

    /// The rows of `inputs` as one Parquet file sorted by the table's time column, in
    /// bounded memory (the sort spills). Old files are read through the table's schema,
    /// so a merge also brings them to the current layout.
    async fn merged_parquet(
        &self,
        table: &str,
        partition: &str,
        inputs: &[String],
    ) -> Result<(Bytes, u64)> {
        let df_err = |e: datafusion::error::DataFusionError| {
            StorageError::Records(format!("cannot merge {table}/{partition}: {e}"))
        };
        let schema = file_schema(table)
            .ok_or_else(|| StorageError::Records(format!("{table} is not a stored table")))?;
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(FairSpillPool::new(SORT_MEMORY_BYTES)))
            .build_arc()
            .map_err(df_err)?;
        let ctx = SessionContext::new_with_config_rt(SessionConfig::new(), runtime);
        ctx.register_object_store(&self.root, self.store.clone());
        let root = self.root.as_str().trim_end_matches('/');
        let urls: Vec<String> = inputs
            .iter()
            .map(|name| {
                format!(
                    "{root}/{}",
                    self.path(&format!("{table}/{partition}/{name}"))
                )
            })
            .collect();
        let options = ParquetReadOptions::default()
            .schema(&schema)
            .file_extension(".parquet");
        let mut frame = ctx.read_parquet(urls, options).await.map_err(df_err)?;
        let time_column = schema
            .fields()
            .iter()
            .find(|f| matches!(f.data_type(), DataType::Timestamp(..)));
        if let Some(field) = time_column {
            // Nulls first: a detection rollup's run markers (NULL minute) stay up front.
            frame = frame
                .sort(vec![col(field.name()).sort(true, true)])
                .map_err(df_err)?;
        }
        let mut stream = frame.execute_stream().await.map_err(df_err)?;
        let parquet = |source| StorageError::Parquet {
            table: table.to_string(),
            source,
        };
        let props = table_writer_properties(ROW_GROUP_ROWS);
        let mut writer =
            ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props)).map_err(parquet)?;
        let mut rows = 0;
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(df_err)?;
            rows += batch.num_rows() as u64;
            writer.write(&batch).map_err(parquet)?;
        }
        Ok((Bytes::from(writer.into_inner().map_err(parquet)?), rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(sizes: &[u64]) -> Vec<PartitionFile> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, bytes)| PartitionFile {
                name: format!("{i:03}.parquet"),
                bytes: *bytes,
            })
            .collect()
    }

    fn names(bins: &[Vec<PartitionFile>]) -> Vec<Vec<&str>> {
        bins.iter()
            .map(|b| b.iter().map(|f| f.name.as_str()).collect())
            .collect()
    }

    #[test]
    fn small_files_pack_into_bins_up_to_the_target() {
        let policy = CompactPolicy {
            target_file_bytes: 100,
            min_small_files: 2,
        };
        // 60 and 70 are not small (>= 50): they stay. 30+10+40 = 80, then 45 would pass 100.
        let plan = plan_bins(&files(&[30, 60, 10, 70, 40, 45, 5]), &policy);
        assert_eq!(
            names(&plan),
            [
                vec!["000.parquet", "002.parquet", "004.parquet"],
                vec!["005.parquet", "006.parquet"]
            ]
        );
    }

    #[test]
    fn too_few_small_files_or_a_bin_of_one_is_left_alone() {
        let policy = CompactPolicy {
            target_file_bytes: 100,
            min_small_files: 3,
        };
        assert!(plan_bins(&files(&[10, 20, 90]), &policy).is_empty());
        let policy = CompactPolicy {
            min_small_files: 2,
            ..policy
        };
        // 49 + 49 = 98 fits; the third 49 starts a bin of one, which is not worth a rewrite.
        assert_eq!(
            names(&plan_bins(&files(&[49, 49, 49]), &policy)),
            [vec!["000.parquet", "001.parquet"]]
        );
        assert!(plan_bins(&files(&[]), &policy).is_empty());
    }
}
