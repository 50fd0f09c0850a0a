//! Lines on their way from the reader to the parse pipeline: blank lines counted, lines
//! grouped into multi-line events when the source's format joins them, chunks sent when full.

use super::multiline::{Grouped, Grouper, Joining, Limits, LineIn, StartsEvent};
use super::pipeline::{Chunk, Pipeline, PipelineResult, CHUNK_LINES};
use super::IngestError;

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
    grouped: Vec<Grouped>,
    chunk: Chunk,
    blank: u64,
}

impl Intake {
    pub fn new(
        pipeline: Pipeline,
        (joining, starts): (Joining, StartsEvent),
        limits: Limits,
    ) -> Intake {
        Intake {
            pipeline,
            joining,
            grouper: Grouper::new(joining, limits, starts),
            grouped: Vec::new(),
            chunk: Chunk::default(),
            blank: 0,
        }
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
        if self.joining == Joining::None {
            // The common path (JSON and other one-line formats): no copy into a group.
            if reject.is_none() && content.iter().all(u8::is_ascii_whitespace) {
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
            self.grouper.push(line, &mut self.grouped);
            self.take_grouped();
        }
        if self.chunk.len() < CHUNK_LINES {
            return Ok(false);
        }
        let next = Chunk::sized_like(&self.chunk);
        self.pipeline
            .send(std::mem::replace(&mut self.chunk, next))?;
        Ok(true)
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
            self.grouper.finish_holding()
        } else {
            self.grouper.finish(&mut self.grouped);
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
        })
    }
}

/// What an intake read.
pub(crate) struct IntakeEnd {
    pub result: PipelineResult,
    pub blank: u64,
    /// The first line number and offset of the event left open for the next run.
    pub held: Option<(u64, u64)>,
}
