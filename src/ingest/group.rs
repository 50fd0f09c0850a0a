//! Group commits: the small sources of one run share their Parquet files and one commit.
//!
//! A pipeline's bucket holds objects of a few kilobytes each (Firehose, Vector and Fluent Bit
//! flush every minute or megabyte); committing each alone made two files per object (its
//! rows and its `ingest_log` row), and 100,000 objects made 200,000 files whose metadata
//! every later rollup and query read. Small sources are therefore read into memory (a source
//! that fails half-way leaves nothing behind), then appended to the run's open group: one
//! writer per table, so a group of thousands of sources stages a few files per partition.
//! The group commits as one record listing each member's own record (its resume point);
//! publishing writes those where each source's records are (see `storage`).

use datafusion::arrow::array::RecordBatch;

use super::source::SourceObject;
use super::IngestError;
use crate::storage::schema::{EVENTS, INGEST_LOG, REJECTS};
use crate::storage::writer::PartitionBy;
use crate::storage::{crash_point, CommitRecord, DataStore, PartitionedWriter, GROUP_SOURCE};

/// A source of at most this many stored bytes joins its run's group (when the run has more
/// than one such source); a larger one commits alone, as its files are large enough.
pub const GROUP_SOURCE_BYTES: u64 = 4 << 20;
/// A group commits once it has this many members...
const GROUP_MAX_MEMBERS: usize = 10_000;
/// ... or this many source bytes: what a crash makes the next run read again.
const GROUP_MAX_BYTES: u64 = 512 << 20;

/// Whether a source would join a group: a compressed one by an eighth of the bytes, as its
/// rows are held in memory until it is read to its end.
pub fn is_small(object: &SourceObject) -> bool {
    let limit = if object.compressed() {
        GROUP_SOURCE_BYTES / 8
    } else {
        GROUP_SOURCE_BYTES
    };
    object.size <= limit
}

/// The open group of a run. Its writers stage files as they fill (call from a blocking
/// thread).
pub struct CommitGroup {
    events: PartitionedWriter,
    rejects: PartitionedWriter,
    log: PartitionedWriter,
    record: CommitRecord,
    source_bytes: u64,
}

/// One member's share of the group: its rows, rejects and `ingest_log` row, and its record
/// (with no files of its own).
pub struct Member {
    pub events: Vec<RecordBatch>,
    pub rejects: Vec<RecordBatch>,
    pub log: RecordBatch,
    pub record: CommitRecord,
    pub source_bytes: u64,
}

impl CommitGroup {
    /// An empty group committing as `commit_id` of run `ingest_id`.
    pub fn new(
        store: &DataStore,
        runtime: &tokio::runtime::Handle,
        ingest_id: &str,
        commit_id: String,
        row_group_rows: usize,
    ) -> CommitGroup {
        let today = chrono::Utc::now()
            .timestamp_micros()
            .div_euclid(86_400_000_000);
        let writer = |table: &str, partition_by| {
            PartitionedWriter::new(
                store.clone(),
                runtime.clone(),
                table,
                GROUP_SOURCE,
                &commit_id,
                partition_by,
                row_group_rows,
            )
        };
        CommitGroup {
            events: writer(EVENTS, PartitionBy::TimestampColumn(0)),
            rejects: writer(REJECTS, PartitionBy::Fixed(today)),
            log: writer(INGEST_LOG, PartitionBy::Fixed(today)),
            record: CommitRecord {
                commit_id: commit_id.clone(),
                ingest_id: ingest_id.to_string(),
                source: GROUP_SOURCE.to_string(),
                fingerprint: String::new(),
                fingerprint_len: 0,
                from_offset: 0,
                to_offset: 0,
                next_line: 0,
                files: Vec::new(),
                format: None,
                first_name: None,
                w3c_fields: None,
                e_tag: None,
                members: Vec::new(),
            },
            source_bytes: 0,
        }
    }

    /// Appends a member read to its end.
    pub fn add(&mut self, member: Member) -> Result<(), IngestError> {
        for batch in &member.events {
            self.events.write(batch)?;
        }
        for batch in &member.rejects {
            self.rejects.write(batch)?;
        }
        self.log.write(&member.log)?;
        self.source_bytes += member.source_bytes;
        self.record.members.push(member.record);
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.record.members.is_empty()
    }

    /// Whether it should commit now rather than take more members.
    pub fn is_full(&self) -> bool {
        self.record.members.len() >= GROUP_MAX_MEMBERS || self.source_bytes >= GROUP_MAX_BYTES
    }

    /// Stages what is still open and commits the group (nothing for an empty one); the
    /// number of members committed.
    pub fn commit(
        self,
        store: &DataStore,
        runtime: &tokio::runtime::Handle,
    ) -> Result<usize, IngestError> {
        let CommitGroup {
            events,
            rejects,
            log,
            mut record,
            ..
        } = self;
        if record.members.is_empty() {
            return Ok(0);
        }
        for writer in [events, rejects, log] {
            record
                .files
                .extend(writer.finish()?.into_iter().map(|f| f.final_path));
        }
        crash_point("after_stage");
        runtime.block_on(store.commit(&record))?;
        Ok(record.members.len())
    }
}
