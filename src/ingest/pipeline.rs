//! The per-source pipeline: one reader thread splits lines into chunks, parser threads turn
//! chunks into Arrow batches, one writer thread encodes Parquet in chunk order.
//!
//! ```text
//! LineReader -> Chunk{seq} --> parser 1 --\
//!                         \--> parser 2 ---> Parsed{seq} -> reorder -> PartitionedWriter x2
//! ```
//! Chunk order is restored before writing, so files hold rows in source order (good for `ts`
//! statistics) whatever thread finished first. Channels are bounded: memory stays bounded.

use std::collections::BTreeMap;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::RecordBatch;

use super::batch::{EventsBuilder, Lineage, RejectsBuilder};
use super::multiline::Group;
use super::parse::{Event, LineParser};
use super::IngestError;
use crate::storage::{PartitionedWriter, StagedFile};

/// Lines per chunk handed to a parser.
pub const CHUNK_LINES: usize = 8192;
/// Reject reasons kept per source for the printed summary.
const SAMPLE_REASONS: usize = 3;

/// One line (or multi-line event) inside a chunk: its exact bytes are `data[start..end]`,
/// what the parser reads `data[content_start..content_end]` (no `\r`); `reject` is set when
/// the reader already knows why it cannot be an event (over-long, cut by damage).
pub struct ChunkLine {
    pub start: usize,
    pub end: usize,
    pub content_start: usize,
    pub content_end: usize,
    pub number: u64,
    pub offset: u64,
    pub line_count: u64,
    pub reject: Option<String>,
}

#[derive(Default)]
pub struct Chunk {
    pub seq: u64,
    pub data: Vec<u8>,
    pub lines: Vec<ChunkLine>,
}

impl Chunk {
    pub fn push(
        &mut self,
        bytes: &[u8],
        content_len: usize,
        number: u64,
        offset: u64,
        reject: Option<String>,
    ) {
        let start = self.data.len();
        self.data.extend_from_slice(bytes);
        self.lines.push(ChunkLine {
            start,
            end: self.data.len(),
            content_start: start,
            content_end: start + content_len,
            number,
            offset,
            line_count: 1,
            reject,
        });
    }

    /// A line whose parser reads `content` in place of its own bytes (a W3C data line with
    /// its directive in front).
    pub fn push_with_content(&mut self, bytes: &[u8], content: &[u8], number: u64, offset: u64) {
        self.push_parts(bytes, content, number, offset, 1, None);
    }

    /// A multi-line group: its exact bytes, then the content the parser reads.
    pub fn push_group(&mut self, group: Group) {
        let Group {
            raw,
            content,
            number,
            offset,
            line_count,
            reject,
        } = group;
        self.push_parts(&raw, &content, number, offset, line_count, reject);
    }

    /// Exact bytes and the content the parser reads: a content that starts the bytes (most
    /// groups: their bytes less the terminator) is not copied a second time.
    fn push_parts(
        &mut self,
        raw: &[u8],
        content: &[u8],
        number: u64,
        offset: u64,
        line_count: u64,
        reject: Option<String>,
    ) {
        let start = self.data.len();
        self.data.extend_from_slice(raw);
        let end = self.data.len();
        let (content_start, content_end) = if raw.starts_with(content) {
            (start, start + content.len())
        } else {
            self.data.extend_from_slice(content);
            (end, self.data.len())
        };
        self.lines.push(ChunkLine {
            start,
            end,
            content_start,
            content_end,
            number,
            offset,
            line_count,
            reject,
        });
    }

    /// An empty chunk with room for one like `previous`: chunks of a source are alike, and
    /// growing a multi-megabyte buffer line by line costs copies and fresh pages.
    pub fn sized_like(previous: &Chunk) -> Chunk {
        Chunk {
            seq: 0,
            data: Vec::with_capacity(previous.data.len()),
            lines: Vec::with_capacity(previous.lines.len()),
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// A parsed chunk.
struct Parsed {
    seq: u64,
    events: Option<RecordBatch>,
    rejects: Option<RecordBatch>,
    rows: u64,
    rejected: u64,
    /// Source lines the rows and rejects span.
    lines: u64,
    /// Rows and rejects after the first of their line's records.
    extra_records: u64,
    samples: Vec<(u64, String)>,
}

/// Where the pipeline's batches of one table go.
pub enum Sink {
    /// Parquet files staged for the source's own commit.
    Files(Box<PartitionedWriter>),
    /// Kept in memory until the source is read to its end, for a group commit: a source
    /// that fails half-way then leaves no row in files shared with others.
    Held(Vec<RecordBatch>),
}

impl Sink {
    fn write(&mut self, batch: &RecordBatch) -> Result<(), IngestError> {
        match self {
            Sink::Files(writer) => writer.write(batch)?,
            Sink::Held(batches) => batches.push(batch.clone()),
        }
        Ok(())
    }

    /// Stages what is still open; the files staged, or the batches held.
    fn finish(self) -> Result<(Vec<StagedFile>, Vec<RecordBatch>), IngestError> {
        Ok(match self {
            Sink::Files(writer) => (writer.finish()?, Vec::new()),
            Sink::Held(batches) => (Vec::new(), batches),
        })
    }
}

/// What the pipeline produced for a source.
pub struct PipelineResult {
    pub staged: Vec<StagedFile>,
    /// `events` and `rejects` batches of held sinks (see [`Sink::Held`]).
    pub held: (Vec<RecordBatch>, Vec<RecordBatch>),
    pub rows: u64,
    pub rejects: u64,
    /// Source lines the rows and rejects span (more than their number when events span
    /// several lines).
    pub lines: u64,
    /// Rows and rejects after the first of their line's records.
    pub extra_records: u64,
    pub sample_rejects: Vec<(u64, String)>,
}

/// A running pipeline: feed chunks with `send`, then `finish`.
pub struct Pipeline {
    chunks: Option<SyncSender<Chunk>>,
    parsers: Vec<std::thread::JoinHandle<()>>,
    writer: std::thread::JoinHandle<Result<PipelineResult, IngestError>>,
    next_seq: u64,
}

/// Parser threads: the machine's cores, at least one.
fn parser_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .max(1)
}

impl Pipeline {
    pub fn start(
        parser: Arc<LineParser>,
        source: Arc<str>,
        ingest_id: Arc<str>,
        mut events_sink: Sink,
        mut rejects_sink: Sink,
    ) -> Pipeline {
        let threads = parser_threads();
        let (chunk_tx, chunk_rx) = mpsc::sync_channel::<Chunk>(threads * 2);
        let chunk_rx = Arc::new(Mutex::new(chunk_rx));
        let (parsed_tx, parsed_rx) = mpsc::sync_channel::<Parsed>(threads * 2);
        let parsers = (0..threads)
            .map(|_| {
                let (rx, tx) = (chunk_rx.clone(), parsed_tx.clone());
                let (parser, source, ingest_id) =
                    (parser.clone(), source.clone(), ingest_id.clone());
                std::thread::spawn(move || parse_chunks(&rx, &tx, &parser, &source, &ingest_id))
            })
            .collect();
        drop(parsed_tx);
        let writer = std::thread::spawn(move || {
            let mut result = write_in_order(parsed_rx, &mut events_sink, &mut rejects_sink)?;
            let (events_staged, events_held) = events_sink.finish()?;
            let (rejects_staged, rejects_held) = rejects_sink.finish()?;
            result
                .staged
                .extend(events_staged.into_iter().chain(rejects_staged));
            result.held = (events_held, rejects_held);
            Ok(result)
        });
        Pipeline {
            chunks: Some(chunk_tx),
            parsers,
            writer,
            next_seq: 0,
        }
    }

    /// Queues a chunk (blocks while the parsers are busy: backpressure).
    pub fn send(&mut self, mut chunk: Chunk) -> Result<(), IngestError> {
        chunk.seq = self.next_seq;
        self.next_seq += 1;
        self.chunks
            .as_ref()
            .expect("not finished")
            .send(chunk)
            .map_err(|_| {
                IngestError::Worker("the ingest pipeline stopped (see the writer's error)".into())
            })
    }

    /// Waits for every chunk to be parsed and written; returns the staged files and counts.
    pub fn finish(mut self) -> Result<PipelineResult, IngestError> {
        drop(self.chunks.take());
        for parser in self.parsers {
            parser
                .join()
                .map_err(|_| IngestError::Worker("a parser thread panicked".into()))?;
        }
        self.writer
            .join()
            .map_err(|_| IngestError::Worker("the Parquet writer panicked".into()))?
    }
}

fn parse_chunks(
    chunks: &Mutex<Receiver<Chunk>>,
    parsed: &SyncSender<Parsed>,
    parser: &LineParser,
    source: &str,
    ingest_id: &str,
) {
    loop {
        let next = chunks.lock().expect("not poisoned").recv();
        let Ok(chunk) = next else { return };
        let mut events = EventsBuilder::default();
        let mut rejects = RejectsBuilder::default();
        let mut samples = Vec::new();
        let mut lines = 0;
        let mut extra_records = 0;
        for line in &chunk.lines {
            let mut lineage = Lineage {
                source,
                line: line.number,
                offset: line.offset,
                ingest_id,
                line_count: line.line_count,
                record: 0,
            };
            lines += line.line_count;
            let mut take = |verdict: Result<Event, String>| {
                match verdict {
                    Ok(event) => events.append(&event, &lineage),
                    Err(reason) => {
                        if samples.len() < SAMPLE_REASONS {
                            samples.push((line.number, reason.clone()));
                        }
                        rejects.append(&chunk.data[line.start..line.end], &reason, &lineage);
                    }
                }
                lineage.record += 1;
            };
            match &line.reject {
                Some(reason) => take(Err(reason.clone())),
                None => parser.parse_each(&chunk.data[line.content_start..line.content_end], take),
            }
            extra_records += lineage.record - 1;
        }
        let (rows, rejected) = (events.len() as u64, rejects.len() as u64);
        let result = Parsed {
            seq: chunk.seq,
            events: (!events.is_empty()).then(|| events.finish()),
            rejects: (!rejects.is_empty()).then(|| rejects.finish()),
            rows,
            rejected,
            lines,
            extra_records,
            samples,
        };
        if parsed.send(result).is_err() {
            return; // the writer failed; it reports why
        }
    }
}

fn write_in_order(
    parsed: Receiver<Parsed>,
    events: &mut Sink,
    rejects: &mut Sink,
) -> Result<PipelineResult, IngestError> {
    let mut pending: BTreeMap<u64, Parsed> = BTreeMap::new();
    let mut next = 0u64;
    let mut result = PipelineResult {
        staged: Vec::new(),
        held: Default::default(),
        rows: 0,
        rejects: 0,
        lines: 0,
        extra_records: 0,
        sample_rejects: Vec::new(),
    };
    for item in parsed {
        pending.insert(item.seq, item);
        while let Some(item) = pending.remove(&next) {
            next += 1;
            if let Some(batch) = &item.events {
                events.write(batch)?;
            }
            if let Some(batch) = &item.rejects {
                rejects.write(batch)?;
            }
            result.rows += item.rows;
            result.rejects += item.rejected;
            result.lines += item.lines;
            result.extra_records += item.extra_records;
            for sample in item.samples {
                if result.sample_rejects.len() < SAMPLE_REASONS {
                    result.sample_rejects.push(sample);
                }
            }
        }
    }
    if !pending.is_empty() {
        return Err(IngestError::Worker(format!(
            "chunk {next} never arrived from the parsers"
        )));
    }
    Ok(result)
}
