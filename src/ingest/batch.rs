//! Arrow builders for the `events`, `rejects` and `ingest_log` tables.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BinaryBuilder, Float64Builder, Int32Builder, Int64Builder, RecordBatch,
    StringBuilder, TimestampMicrosecondBuilder,
};

use super::parse::Event;
use crate::storage::schema::{EVENTS_SCHEMA, INGEST_LOG_SCHEMA, REJECTS_SCHEMA};

/// Where a line came from: the lineage columns every row carries.
#[derive(Debug, Clone, Copy)]
pub struct Lineage<'a> {
    pub source: &'a str,
    pub line: u64,
    pub offset: u64,
    pub ingest_id: &'a str,
    /// Lines the row spans (its first is `line`).
    pub line_count: u64,
    /// The row's index among the records of its line.
    pub record: u64,
}

#[derive(Default)]
struct LineageBuilders {
    source: StringBuilder,
    line: Int64Builder,
    offset: Int64Builder,
    ingest_id: StringBuilder,
    line_count: Int64Builder,
    record: Int64Builder,
}

impl LineageBuilders {
    fn append(&mut self, lineage: &Lineage) {
        self.source.append_value(lineage.source);
        // Line numbers and byte offsets stay far below 2^63.
        self.line.append_value(lineage.line as i64);
        self.offset.append_value(lineage.offset as i64);
        self.ingest_id.append_value(lineage.ingest_id);
        self.line_count.append_value(lineage.line_count as i64);
        self.record.append_value(lineage.record as i64);
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.source.finish()),
            Arc::new(self.line.finish()),
            Arc::new(self.offset.finish()),
            Arc::new(self.ingest_id.finish()),
            Arc::new(self.line_count.finish()),
            Arc::new(self.record.finish()),
        ]
    }
}

/// Accumulates events; `finish` yields a batch in the `events` schema.
#[derive(Default)]
pub struct EventsBuilder {
    rows: usize,
    ts: TimestampMicrosecondBuilder,
    service: StringBuilder,
    component: StringBuilder,
    operation: StringBuilder,
    level: StringBuilder,
    status_code: Int32Builder,
    duration_ms: Float64Builder,
    outcome: StringBuilder,
    message: StringBuilder,
    trace_id: StringBuilder,
    attributes: StringBuilder,
    lineage: LineageBuilders,
}

impl EventsBuilder {
    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub fn append(&mut self, event: &Event, lineage: &Lineage) {
        self.rows += 1;
        self.ts.append_value(event.ts_micros);
        self.service.append_value(&event.service);
        self.component.append_value(&event.component);
        self.operation.append_value(&event.operation);
        self.level.append_value(event.level);
        self.status_code.append_option(event.status_code);
        self.duration_ms.append_option(event.duration_ms);
        self.outcome.append_value(event.outcome);
        self.message.append_value(&event.message);
        self.trace_id.append_option(event.trace_id.as_deref());
        self.attributes.append_value(&event.attributes);
        self.lineage.append(lineage);
    }

    pub fn finish(&mut self) -> RecordBatch {
        self.rows = 0;
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.ts.finish().with_timezone("UTC")),
            Arc::new(self.service.finish()),
            Arc::new(self.component.finish()),
            Arc::new(self.operation.finish()),
            Arc::new(self.level.finish()),
            Arc::new(self.status_code.finish()),
            Arc::new(self.duration_ms.finish()),
            Arc::new(self.outcome.finish()),
            Arc::new(self.message.finish()),
            Arc::new(self.trace_id.finish()),
            Arc::new(self.attributes.finish()),
        ];
        columns.extend(self.lineage.finish());
        RecordBatch::try_new(EVENTS_SCHEMA.clone(), columns).expect("columns match the schema")
    }
}

/// Accumulates rejected lines with their exact bytes and the reason.
#[derive(Default)]
pub struct RejectsBuilder {
    rows: usize,
    lineage: LineageBuilders,
    raw: BinaryBuilder,
    error: StringBuilder,
}

impl RejectsBuilder {
    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub fn append(&mut self, raw: &[u8], error: &str, lineage: &Lineage) {
        self.rows += 1;
        self.lineage.append(lineage);
        self.raw.append_value(raw);
        self.error.append_value(error);
    }

    pub fn finish(&mut self) -> RecordBatch {
        self.rows = 0;
        let mut columns = self.lineage.finish();
        columns.push(Arc::new(self.raw.finish()));
        columns.push(Arc::new(self.error.finish()));
        RecordBatch::try_new(REJECTS_SCHEMA.clone(), columns).expect("columns match the schema")
    }
}

/// One `ingest_log` row: the accounting of one source in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestLogRow {
    pub ingest_id: String,
    pub source: String,
    pub started_at_micros: i64,
    pub finished_at_micros: i64,
    pub from_offset: u64,
    pub to_offset: u64,
    pub lines: u64,
    pub rows: u64,
    pub rejects: u64,
    pub blank: u64,
    pub version: String,
    /// The format the source was read in (`json`, `text`, ...; see `detect`).
    pub format: String,
    /// Lines joined into a row or reject after its first (multi-line events).
    pub continued: u64,
    /// Rows and rejects after the first of their line's records.
    pub extra_records: u64,
}

impl IngestLogRow {
    pub fn to_batch(&self) -> RecordBatch {
        let ts = |v: i64| {
            let mut b = TimestampMicrosecondBuilder::new();
            b.append_value(v);
            Arc::new(b.finish().with_timezone("UTC")) as ArrayRef
        };
        let text =
            |v: &str| Arc::new(datafusion::arrow::array::StringArray::from(vec![v])) as ArrayRef;
        let num = |v: u64| {
            Arc::new(datafusion::arrow::array::Int64Array::from(vec![v as i64])) as ArrayRef
        };
        RecordBatch::try_new(
            INGEST_LOG_SCHEMA.clone(),
            vec![
                text(&self.ingest_id),
                text(&self.source),
                ts(self.started_at_micros),
                ts(self.finished_at_micros),
                num(self.from_offset),
                num(self.to_offset),
                num(self.lines),
                num(self.rows),
                num(self.rejects),
                num(self.blank),
                text(&self.version),
                text(&self.format),
                num(self.continued),
                num(self.extra_records),
            ],
        )
        .expect("columns match the schema")
    }
}
