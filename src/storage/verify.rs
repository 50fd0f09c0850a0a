//! Finding corrupt files: every Parquet file of the tables is opened (its footer read) and,
//! when asked, read to the end. DataFusion's error for a broken file does not say which file
//! it was; this does, and says which commit (and so which source) wrote it.

use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use object_store::ObjectStoreExt;

use super::{DataStore, Result};

/// A file that cannot be read.
#[derive(Debug, Clone, PartialEq)]
pub struct CorruptFile {
    /// Relative to the data dir, e.g. `events/dt=2026-11-30/<id>.parquet`.
    pub path: String,
    pub table: String,
    pub error: String,
}

impl DataStore {
    /// The corrupt Parquet files of `tables`: footers only, or (`deep`) every page too.
    pub async fn corrupt_files(&self, tables: &[&str], deep: bool) -> Result<Vec<CorruptFile>> {
        let mut corrupt = Vec::new();
        for table in tables {
            let objects = self.list_meta(table).await?;
            let skip = self.prefix.as_ref().len() + usize::from(!self.prefix.as_ref().is_empty());
            for meta in objects {
                let name = meta.location.as_ref();
                if !name.ends_with(".parquet") || name.contains('#') {
                    continue;
                }
                if let Err(error) = self.read_file(&meta, deep).await {
                    corrupt.push(CorruptFile {
                        path: name[skip..].to_string(),
                        table: table.to_string(),
                        error,
                    });
                }
            }
        }
        Ok(corrupt)
    }

    /// Reads a file whole (files are at most a few hundred MB), then its footer and, when
    /// `deep`, every page.
    async fn read_file(&self, meta: &object_store::ObjectMeta, deep: bool) -> Result<(), String> {
        let bytes = self
            .store
            .get(&meta.location)
            .await
            .map_err(|e| e.to_string())?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(bytes).map_err(|e| e.to_string())?;
        if deep {
            for batch in builder.build().map_err(|e| e.to_string())? {
                batch.map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    /// The source whose commit wrote `path` (the sources, for a group commit's file), from
    /// the commit records (files merged by compaction have none).
    pub async fn source_of_file(&self, path: &str) -> Result<Option<String>> {
        for record in self.list("_manifest").await? {
            if !record.ends_with(".json") {
                continue;
            }
            let Some(bytes) = self.get(&record).await? else {
                continue;
            };
            if let Ok(commit) = serde_json::from_slice::<super::CommitRecord>(&bytes) {
                if commit.files.iter().any(|f| f == path) {
                    return Ok(Some(match commit.members.as_slice() {
                        [] => commit.source,
                        [only] => only.source.clone(),
                        [first, rest @ ..] => format!(
                            "{} and {} other sources committed with it (group commit {})",
                            first.source,
                            rest.len(),
                            commit.commit_id
                        ),
                    }));
                }
            }
        }
        Ok(None)
    }
}
