//! Multi-line events: continuation lines (stack frames, `Caused by:`, `... N more`, Python
//! tracebacks, Go panics, indented lines) join the event they continue.
//!
//! For plain-text sources an event starts at a line with a timestamp (what the `text`
//! format requires of a first line); every other line continues the open event. Kubernetes
//! CRI partial lines (`P`) join the lines up to their `F`. Blank lines between continuation
//! lines belong to the event; blank lines before a new event are counted as blank. A line
//! that continues nothing (a file that starts mid-trace) is its own group and becomes a
//! reject. An event stops growing at `max_lines` or `max_bytes`; what follows is then a
//! continuation without a first line (a reject), so nothing is lost.

use super::formats::LineFormat;

/// How lines group, decided by the source's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joining {
    /// Every line is its own event.
    None,
    /// A line with a timestamp starts an event; other lines continue it.
    TimestampStarts,
    /// CRI: a `P` line is continued by the next line, up to an `F` line.
    CriPartials,
}

impl Joining {
    pub fn for_format(format: &LineFormat) -> Joining {
        match format {
            LineFormat::Text => Joining::TimestampStarts,
            LineFormat::Cri => Joining::CriPartials,
            _ => Joining::None,
        }
    }
}

/// Limits of one event (`[ingest] multiline_max_lines`, `multiline_max_bytes`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_lines: u64,
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_lines: 1000,
            max_bytes: 1 << 20,
        }
    }
}

/// One line as the reader gives it.
pub struct LineIn<'a> {
    /// The exact bytes (without the `\n`; a `\r` stays).
    pub bytes: &'a [u8],
    /// The bytes without a trailing `\r`.
    pub content: &'a [u8],
    pub number: u64,
    pub offset: u64,
    /// Set when the reader already rejects the line (too long, cut by damage).
    pub reject: Option<String>,
}

/// A finished group: one event (or reject) spanning `line_count` lines.
#[derive(Debug, Default, PartialEq)]
pub struct Group {
    /// The exact bytes of all its lines, `\n` between them.
    pub raw: Vec<u8>,
    /// What the parser reads: the lines without `\r`, `\n` between them.
    pub content: Vec<u8>,
    pub number: u64,
    pub offset: u64,
    pub line_count: u64,
    pub reject: Option<String>,
}

/// What the grouper hands on, in source order.
#[derive(Debug, PartialEq)]
pub enum Grouped {
    Event(Group),
    Blank,
}

/// Groups lines into events (see the module doc).
pub struct Grouper {
    joining: Joining,
    limits: Limits,
    starts: fn(&[u8]) -> bool,
    open: Option<Group>,
    /// Blank lines after the open group, not yet known to be inside it.
    blanks: Vec<()>,
    /// The open group may take no more lines.
    full: bool,
}

impl Grouper {
    /// `starts` says whether a line's content starts an event (for `TimestampStarts`).
    pub fn new(joining: Joining, limits: Limits, starts: fn(&[u8]) -> bool) -> Grouper {
        Grouper {
            joining,
            limits,
            starts,
            open: None,
            blanks: Vec::new(),
            full: false,
        }
    }

    /// Takes one line; returns what it completed.
    pub fn push(&mut self, line: LineIn, out: &mut Vec<Grouped>) {
        let blank = line.content.iter().all(u8::is_ascii_whitespace);
        if self.joining == Joining::None || line.reject.is_some() {
            self.close(out);
            if blank && line.reject.is_none() {
                out.push(Grouped::Blank);
            } else {
                out.push(Grouped::Event(single(&line)));
            }
            return;
        }
        if blank {
            if self.open.is_some() {
                self.blanks.push(());
            } else {
                out.push(Grouped::Blank);
            }
            return;
        }
        let continues = match self.joining {
            Joining::TimestampStarts => !(self.starts)(line.content),
            Joining::CriPartials => self.open.is_some(),
            Joining::None => false,
        };
        if continues && self.open.is_some() && !self.full {
            let group = self.open.as_mut().expect("checked");
            let added = self.blanks.len() as u64 + 1;
            let bytes = group.raw.len() + line.bytes.len() + self.blanks.len() + 1;
            if group.line_count + added <= self.limits.max_lines && bytes <= self.limits.max_bytes {
                for _ in self.blanks.drain(..) {
                    group.raw.push(b'\n');
                    group.content.push(b'\n');
                }
                group.raw.push(b'\n');
                group.raw.extend_from_slice(line.bytes);
                group.content.push(b'\n');
                group.content.extend_from_slice(line.content);
                group.line_count += added;
                self.after_cri_line(&line, out);
                return;
            }
            self.full = true;
        }
        self.close(out);
        let mut group = single(&line);
        if continues {
            group.reject = Some(ORPHAN.to_string());
        }
        self.open = Some(group);
        self.full = false;
        self.after_cri_line(&line, out);
    }

    /// A CRI `F` line ends its group.
    fn after_cri_line(&mut self, line: &LineIn, out: &mut Vec<Grouped>) {
        if self.joining == Joining::CriPartials && !is_cri_partial(line.content) {
            self.close(out);
        }
    }

    fn close(&mut self, out: &mut Vec<Grouped>) {
        if let Some(group) = self.open.take() {
            out.push(Grouped::Event(group));
        }
        for _ in self.blanks.drain(..) {
            out.push(Grouped::Blank);
        }
    }

    /// Everything, the open group included (the source is complete).
    pub fn finish(&mut self, out: &mut Vec<Grouped>) {
        self.close(out);
    }

    /// What is complete; the open group (and blanks after it) stay, to be read again by
    /// the next run (the source may still grow): its first line's number and offset.
    pub fn finish_holding(&mut self) -> Option<(u64, u64)> {
        let held = self.open.take().map(|g| (g.number, g.offset));
        self.blanks.clear();
        held
    }
}

fn single(line: &LineIn) -> Group {
    Group {
        raw: line.bytes.to_vec(),
        content: line.content.to_vec(),
        number: line.number,
        offset: line.offset,
        line_count: 1,
        reject: line.reject.clone(),
    }
}

/// Why a group of continuation lines with nothing to continue is a reject.
pub const ORPHAN: &str = "continuation lines (no timestamp) with no event before them to join: \
     the source starts mid-event, or the event before reached multiline_max_lines or \
     multiline_max_bytes";

/// `<time> <stream> P <payload>`.
fn is_cri_partial(content: &[u8]) -> bool {
    let mut fields = content.splitn(4, |b| *b == b' ');
    let _time = fields.next();
    let _stream = fields.next();
    fields
        .next()
        .is_some_and(|tag| tag == b"P" || tag.starts_with(b"P:"))
}

#[cfg(test)]
mod tests;
