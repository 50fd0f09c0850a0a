//! Writes record batches as zstd Parquet files, one open file per `dt` partition, staged for a
//! commit (see the module docs of `storage`).

use std::collections::BTreeMap;

use bytes::Bytes;
use chrono::DateTime;
use datafusion::arrow::array::{Array, RecordBatch, TimestampMicrosecondArray, UInt32Array};
use datafusion::arrow::compute::take_record_batch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, Encoding, ZstdLevel};
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use datafusion::parquet::schema::types::ColumnPath;

use super::{DataStore, Result, StorageError};

/// One small Parquet file in memory (zstd), for records written as single objects (healing
/// records, rollups): `max_row_group_rows` bounds row groups so statistics can skip them.
pub fn parquet_bytes(batch: &RecordBatch, max_row_group_rows: Option<usize>) -> Result<Bytes> {
    let parquet = |source| StorageError::Parquet {
        table: "(record)".to_string(),
        source,
    };
    let mut props = WriterProperties::builder().set_compression(Compression::ZSTD(
        ZstdLevel::try_new(3).expect("valid level"),
    ));
    if let Some(rows) = max_row_group_rows {
        props = props.set_max_row_group_row_count(Some(rows));
    }
    let mut writer =
        ArrowWriter::try_new(Vec::new(), batch.schema(), Some(props.build())).map_err(parquet)?;
    writer.write(batch).map_err(parquet)?;
    Ok(Bytes::from(writer.into_inner().map_err(parquet)?))
}

/// How table files are written: zstd, row groups of `row_group_rows`, page statistics (so
/// that time predicates skip pages of sorted files).
pub fn table_writer_properties(row_group_rows: usize) -> WriterProperties {
    let mut props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).expect("valid level"),
        ))
        .set_max_row_group_row_count(Some(row_group_rows))
        .set_statistics_enabled(EnabledStatistics::Page);
    // `events` columns whose values (nearly) never repeat: a dictionary would hash every
    // value only to be given up when it outgrows its page. Line numbers, offsets and times
    // mostly grow from row to row, which delta encoding stores in a few bits each. Columns of
    // other tables are left as they are.
    for column in ["_line", "_offset", "ts"] {
        props = props
            .set_column_dictionary_enabled(ColumnPath::from(column), false)
            .set_column_encoding(ColumnPath::from(column), Encoding::DELTA_BINARY_PACKED);
    }
    props
        .set_column_dictionary_enabled(ColumnPath::from("trace_id"), false)
        .build()
}

/// Rows of a table from records whose serde fields are named like its columns: the table's
/// schema (in `schema`) is the one definition of its layout, and no builder is written by
/// hand. Timestamps serialise as RFC 3339 text.
pub fn batch_from_records<S: serde::Serialize>(
    schema: datafusion::arrow::datatypes::SchemaRef,
    rows: &[S],
) -> Result<RecordBatch> {
    let arrow = |e: datafusion::arrow::error::ArrowError| StorageError::Records(e.to_string());
    let mut decoder = datafusion::arrow::json::ReaderBuilder::new(schema.clone())
        .with_batch_size(rows.len().max(1))
        .build_decoder()
        .map_err(arrow)?;
    decoder.serialize(rows).map_err(arrow)?;
    Ok(decoder
        .flush()
        .map_err(arrow)?
        .unwrap_or_else(|| RecordBatch::new_empty(schema)))
}

/// A file staged by a writer: its final path relative to the data dir, and its row count.
#[derive(Debug, Clone)]
pub struct StagedFile {
    pub final_path: String,
    pub rows: usize,
}

/// How rows are assigned to `dt=` partitions.
#[derive(Debug, Clone)]
pub enum PartitionBy {
    /// The UTC date of a timestamp column.
    TimestampColumn(usize),
    /// Every row in one partition (e.g. the day of the ingest run).
    Fixed(i64),
}

/// Closes a file once its encoded size passes this.
const MAX_FILE_BYTES: usize = 128 << 20;
/// Memory budget for all open files of one writer (encoded bytes plus row groups in
/// progress): past it every open file is closed, so interleaved dates cannot pile up.
const MAX_OPEN_BYTES: usize = 128 << 20;
/// At most this many partitions have an open file; opening another closes the oldest date's
/// (logs are mostly time-ordered, so an older date is usually finished). Out-of-order input
/// only makes more, smaller files.
const MAX_OPEN_FILES: usize = 2;

pub struct PartitionedWriter {
    store: DataStore,
    runtime: tokio::runtime::Handle,
    table: String,
    source: String,
    commit_id: String,
    partition_by: PartitionBy,
    props: WriterProperties,
    open: BTreeMap<i64, (ArrowWriter<Vec<u8>>, usize)>,
    staged: Vec<StagedFile>,
}

impl PartitionedWriter {
    pub fn new(
        store: DataStore,
        runtime: tokio::runtime::Handle,
        table: &str,
        source: &str,
        commit_id: &str,
        partition_by: PartitionBy,
        row_group_rows: usize,
    ) -> Self {
        let props = table_writer_properties(row_group_rows);
        PartitionedWriter {
            store,
            runtime,
            table: table.to_string(),
            source: source.to_string(),
            commit_id: commit_id.to_string(),
            partition_by,
            props,
            open: BTreeMap::new(),
            staged: Vec::new(),
        }
    }

    fn parquet_err(&self) -> impl Fn(datafusion::parquet::errors::ParquetError) -> StorageError {
        let table = self.table.clone();
        move |source| StorageError::Parquet {
            table: table.clone(),
            source,
        }
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        match self.partition_by {
            PartitionBy::Fixed(day) => self.write_partition(day, batch),
            PartitionBy::TimestampColumn(col) => {
                let ts = batch
                    .column(col)
                    .as_any()
                    .downcast_ref::<TimestampMicrosecondArray>()
                    .expect("partition column is a microsecond timestamp");
                let day = |i: usize| ts.value(i).div_euclid(86_400_000_000);
                let first = day(0);
                if (1..ts.len()).all(|i| day(i) == first) {
                    return self.write_partition(first, batch);
                }
                let mut groups: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
                for i in 0..ts.len() {
                    groups.entry(day(i)).or_default().push(i as u32);
                }
                for (day, indices) in groups {
                    let part = take_record_batch(batch, &UInt32Array::from(indices))
                        .expect("indices are in range");
                    self.write_partition(day, &part)?;
                }
                Ok(())
            }
        }
    }

    fn write_partition(&mut self, day: i64, batch: &RecordBatch) -> Result<()> {
        let err = self.parquet_err();
        if !self.open.contains_key(&day) {
            while self.open.len() >= MAX_OPEN_FILES {
                let (oldest, (writer, rows)) = self.open.pop_first().expect("not empty");
                self.stage(oldest, writer, rows)?;
            }
            let writer = ArrowWriter::try_new(Vec::new(), batch.schema(), Some(self.props.clone()))
                .map_err(&err)?;
            self.open.insert(day, (writer, 0));
        }
        let (writer, rows) = self.open.get_mut(&day).expect("inserted above");
        writer.write(batch).map_err(&err)?;
        *rows += batch.num_rows();
        if writer.inner().len() + writer.in_progress_size() > MAX_FILE_BYTES {
            let (writer, rows) = self.open.remove(&day).expect("present");
            self.stage(day, writer, rows)?;
        }
        let open_bytes: usize = self
            .open
            .values()
            .map(|(w, _)| w.inner().len() + w.in_progress_size())
            .sum();
        if open_bytes > MAX_OPEN_BYTES {
            for (day, (writer, rows)) in std::mem::take(&mut self.open) {
                self.stage(day, writer, rows)?;
            }
        }
        Ok(())
    }

    fn stage(&mut self, day: i64, writer: ArrowWriter<Vec<u8>>, rows: usize) -> Result<()> {
        let bytes = writer.into_inner().map_err(self.parquet_err())?;
        let date = DateTime::from_timestamp(day * 86_400, 0)
            .expect("day in range")
            .format("%Y-%m-%d");
        let final_path = format!(
            "{}/{}={date}/{}-{:04}.parquet",
            self.table,
            super::schema::PARTITION_COLUMN,
            self.commit_id,
            self.staged.len()
        );
        let staging = DataStore::staging_path(&self.source, &self.commit_id, &final_path);
        self.runtime
            .block_on(self.store.put(&staging, Bytes::from(bytes)))?;
        self.staged.push(StagedFile { final_path, rows });
        Ok(())
    }

    /// Closes every open file and stages it; returns everything this writer staged.
    pub fn finish(mut self) -> Result<Vec<StagedFile>> {
        let open = std::mem::take(&mut self.open);
        for (day, (writer, rows)) in open {
            self.stage(day, writer, rows)?;
        }
        Ok(self.staged)
    }
}
