//! Lines on their way from the reader to the parse pipeline: blank lines counted, lines
//! grouped into multi-line events when the source's format joins them, a W3C log's data
//! lines given their `#Fields:` directive (a CSV log's their header line), chunks sent when
//! full.

use super::multiline::json::JsonDocuments;
use super::multiline::{Group, Grouped, Grouper, Joining, Limits, LineIn, StartsEvent};
use super::pipeline::{Chunk, Pipeline, PipelineResult, CHUNK_LINES};
use super::IngestError;
use super::{csv, w3c};

/// A line read before the source's format was known.
pub(crate) struct SampledLine {
    pub bytes: Vec<u8>,
    pub content_len: usize,
    pub number: u64,
    pub offset: u64,
    pub reject: Option<String>,
}

pub(crate) struct Intake {
    pipeline: Pipeline,
    joining: Joining,
    grouper: Grouper,
    /// JSON sources' objects over several lines.
    json: JsonDocuments,
    grouped: Vec<Grouped>,
    chunk: Chunk,
    blank: u64,
    /// For a W3C log: the header its data lines are read with, the names of its last
    /// `#Fields:` directive and the last `#Date:` (`Some(None)` before either; see `w3c`).
    /// For a CSV log: its header line (see `csv`).
    w3c_fields: Option<Option<Vec<u8>>>,
    /// The header is a CSV header line, not W3C directives.
    csv: bool,
    /// The last line of a CSV log's preamble, before its header (0: none); see
    /// `csv::header_index`. Its lines count with the directives.
    csv_preamble_end: u64,
    /// A CSV record whose quoted value goes on to the next lines (its quotes do not balance
    /// yet), joined until they do or the event limits are reached.
    csv_open: Option<Group>,
    limits: Limits,
    /// A data line with its directive in front (W3C), reused from line to line.
    scratch: Vec<u8>,
}

impl Intake {
    pub fn new(
        pipeline: Pipeline,
        (joining, starts): (Joining, StartsEvent),
        limits: Limits,
        w3c_fields: Option<Option<Vec<u8>>>,
        csv: bool,
    ) -> Intake {
        Intake {
            pipeline,
            joining,
            grouper: Grouper::new(joining, limits, starts),
            json: JsonDocuments::new(limits),
            csv_open: None,
            limits,
            grouped: Vec::new(),
            chunk: Chunk::default(),
            blank: 0,
            w3c_fields,
            csv,
            csv_preamble_end: 0,
            scratch: Vec::new(),
        }
    }

    /// A CSV log whose header follows a preamble: the preamble's lines are found in the
    /// source's first lines, `sample`, and counted with the directives.
    pub fn with_csv_preamble(mut self, sample: &[SampledLine]) -> Intake {
        if self.csv {
            let contents: Vec<&[u8]> = sample.iter().map(|l| &l.bytes[..l.content_len]).collect();
            self.csv_preamble_end =
                csv::header_index(&contents).map_or(0, |at| sample[at].number.saturating_sub(1));
        }
        self
    }

    /// Takes one line (`bytes` exact, the first `content_len` without a `\r`); true when a
    /// chunk went to the parsers.
    pub fn accept(
        &mut self,
        bytes: &[u8],
        content_len: usize,
        number: u64,
        offset: u64,
        reject: Option<String>,
    ) -> Result<bool, IngestError> {
        let content = &bytes[..content_len];
        if reject.is_some() {
            // An unreadable line ends an open CSV record: rows stay in line order.
            self.close_csv_record();
        }
        if let (Some(open), None) = (self.csv_open.as_mut(), &reject) {
            open.raw.push(b'\n');
            open.raw.extend_from_slice(bytes);
            open.content.push(b'\n');
            open.content.extend_from_slice(content);
            open.line_count += 1;
            let full =
                open.line_count >= self.limits.max_lines || open.raw.len() >= self.limits.max_bytes;
            if full || csv::quotes_balance(&open.content) {
                self.close_csv_record();
            }
        } else if let (Some(header), None) = (self.w3c_fields.as_mut(), &reject) {
            let preamble = self.csv && header.is_none() && number <= self.csv_preamble_end;
            let directive = if preamble {
                true
            } else if self.csv {
                csv::header_line(header, content)
            } else {
                if let Some(next) = w3c::next_header(header.as_deref(), content) {
                    *header = Some(next);
                }
                w3c::is_directive(content)
            };
            let names = header.as_ref().filter(|h| self.csv || w3c::has_fields(h));
            if directive || super::lines::is_blank(content) {
                self.blank += 1;
            } else if self.csv && !csv::quotes_balance(content) {
                self.csv_open = Some(Group {
                    raw: bytes.to_vec(),
                    content: content.to_vec(),
                    number,
                    offset,
                    line_count: 1,
                    reject: None,
                });
            } else if let Some(names) = names {
                self.scratch.clear();
                w3c::with_directive(names, content, &mut self.scratch);
                self.chunk
                    .push_with_content(bytes, &self.scratch, number, offset);
            } else {
                // Read alone, it becomes a reject saying the directive is missing.
                self.chunk.push(bytes, content_len, number, offset, None);
            }
        } else if self.joining == Joining::None {
            // The common path (JSON and other one-line formats): no copy into a group.
            if reject.is_none() && super::lines::is_blank(content) {
                self.blank += 1;
            } else {
                self.chunk.push(bytes, content_len, number, offset, reject);
            }
        } else {
            let line = LineIn {
                bytes,
                content,
                number,
                offset,
                reject,
            };
            if self.joining == Joining::XmlEvents && super::winevent::is_structure(content)
                || self.joining == Joining::TimestampStarts
                    && super::text::is_mysqld_banner(content)
            {
                self.blank += 1;
            } else if self.joining == Joining::JsonDocuments {
                let alone = self.json.push(line, &mut self.grouped);
                self.take_grouped();
                if let Some(line) = alone {
                    let content_len = line.content.len();
                    self.chunk
                        .push(bytes, content_len, number, offset, line.reject);
                }
            } else {
                self.grouper.push(line, &mut self.grouped);
                self.take_grouped();
            }
        }
        if self.chunk.len() < CHUNK_LINES {
            return Ok(false);
        }
        let next = Chunk::sized_like(&self.chunk);
        self.pipeline
            .send(std::mem::replace(&mut self.chunk, next))?;
        Ok(true)
    }

    /// The open CSV record, its header in front, to the chunk.
    fn close_csv_record(&mut self) {
        let Some(mut record) = self.csv_open.take() else {
            return;
        };
        if let Some(Some(header)) = &self.w3c_fields {
            let mut content = Vec::with_capacity(header.len() + 1 + record.content.len());
            w3c::with_directive(header, &record.content, &mut content);
            record.content = content;
        }
        self.chunk.push_group(record);
    }

    fn take_grouped(&mut self) {
        for grouped in self.grouped.drain(..) {
            match grouped {
                Grouped::Blank => self.blank += 1,
                Grouped::Event(group) => self.chunk.push_group(group),
            }
        }
    }

    /// Ends the source (see [`IntakeEnd`]); `hold` when the source may still grow.
    pub fn finish(mut self, hold: bool) -> Result<IntakeEnd, IngestError> {
        let held = if hold {
            let csv_held = self.csv_open.take().map(|r| (r.number, r.offset));
            let json_held = self.json.finish_holding();
            self.grouper
                .finish_holding(&mut self.grouped)
                .or(json_held)
                .or(csv_held)
        } else {
            self.grouper.finish(&mut self.grouped);
            self.json.finish(&mut self.grouped);
            // Its quotes never balanced: read as it is, a reject saying so.
            self.close_csv_record();
            None
        };
        self.take_grouped();
        if !self.chunk.is_empty() {
            self.pipeline.send(std::mem::take(&mut self.chunk))?;
        }
        Ok(IntakeEnd {
            result: self.pipeline.finish()?,
            blank: self.blank,
            held,
            w3c_fields: self.w3c_fields.flatten(),
        })
    }
}

/// What an intake read.
pub(crate) struct IntakeEnd {
    pub result: PipelineResult,
    pub blank: u64,
    /// The first line number and offset of the event left open for the next run.
    pub held: Option<(u64, u64)>,
    /// A W3C log's last `#Fields:` names, for the next run to read on with.
    pub w3c_fields: Option<Vec<u8>>,
}
