//! Multi-line events: continuation lines (stack frames, `Caused by:`, `... N more`, Python
//! tracebacks, Go panics, indented lines) join the event they continue.
//!
//! For plain-text and syslog sources an event starts at a line with a timestamp (what the
//! `text` format requires of a first line; for syslog also a `<PRI>` or an octet count; in an
//! untimed text source, a line opening with a level);
//! every other line continues the open event. A source's
//! `multiline_start` or `multiline_continue` regex replaces that rule, in any format. A
//! container runtime's records (Kubernetes CRI, Docker's json-file) join when a long line was
//! split or a stack trace written a record per line (see `container`). Blank lines between continuation
//! lines belong to the event; blank lines before a new event are counted as blank. A line
//! that continues nothing (a file that starts mid-trace) is its own group and becomes a
//! reject. An event stops growing at `max_lines` or `max_bytes`; what follows is then a
//! continuation without a first line (a reject), so nothing is lost.

mod container;
pub mod json;

pub use container::Runtime;

use super::formats::LineFormat;
use super::settings::FormatSettings;
use super::syslog::{relayed_message, starts_syslog_event};
use super::text::{starts_text_event, untimed};
use super::winevent;

/// Whether a line's content starts an event (for the joinings that decide by line).
pub type StartsEvent = Box<dyn Fn(&[u8]) -> bool + Send>;

/// How lines group, decided by the source's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joining {
    /// Every line is its own event.
    None,
    /// A line with a timestamp starts an event; other lines continue it.
    TimestampStarts,
    /// The same for syslog, whose every line is headed: a traceback's state is read in the
    /// lines' messages, so a Python traceback relayed a line per message joins its event.
    SyslogMessages,
    /// A container runtime's records: partial ones join what completes them, a stack
    /// trace's records the event they continue (see `container`).
    ContainerRecords(Runtime),
    /// A configured `multiline_start`/`multiline_continue` regex decides.
    Pattern,
    /// JSON: an object over several lines is one event (see `json`).
    JsonDocuments,
    /// Windows event XML: a line with `<Event>` starts an event; the `<?xml?>` declaration
    /// and the `<Events>` root around them count with the blank lines.
    XmlEvents,
    /// journald's export format: an empty line ends an entry, unless it is inside a sized
    /// value (see `journald`).
    ExportEntries,
}

impl Joining {
    /// How a source's lines join: its configured rule, else its format's.
    pub fn for_source(
        format: &LineFormat,
        rule: Option<&MultilineRule>,
        untimed: bool,
    ) -> (Joining, StartsEvent) {
        if let Some(rule) = rule {
            let rule = rule.clone();
            return (
                Joining::Pattern,
                Box::new(move |line| rule.starts_event(line)),
            );
        }
        match format {
            // Untimed text: a line opening with a level starts an event.
            LineFormat::Text if untimed => {
                (Joining::TimestampStarts, Box::new(untimed::starts_event))
            }
            LineFormat::Text => (Joining::TimestampStarts, Box::new(starts_text_event)),
            LineFormat::Lines => (
                Joining::TimestampStarts,
                Box::new(untimed::starts_plain_event),
            ),
            // macOS and rsyslog write a long message on several lines, the rest indented.
            LineFormat::Syslog => (Joining::SyslogMessages, Box::new(starts_syslog_event)),
            LineFormat::Cri => (
                Joining::ContainerRecords(Runtime::Cri),
                Box::new(starts_text_event),
            ),
            LineFormat::Docker => (
                Joining::ContainerRecords(Runtime::Docker),
                Box::new(starts_text_event),
            ),
            LineFormat::WindowsEvent => (Joining::XmlEvents, Box::new(winevent::starts_event)),
            LineFormat::JournalExport => (Joining::ExportEntries, Box::new(|_: &[u8]| true)),
            LineFormat::Json | LineFormat::Otlp | LineFormat::Journald => {
                (Joining::JsonDocuments, Box::new(starts_text_event))
            }
            _ => (Joining::None, Box::new(starts_text_event)),
        }
    }
}

/// A configured event boundary: lines matching `multiline_start` start an event, or lines
/// matching `multiline_continue` continue one (the first set wins).
#[derive(Debug, Clone)]
pub struct MultilineRule {
    pattern: regex::bytes::Regex,
    matching_starts: bool,
}

impl MultilineRule {
    /// The rule `settings` configure, if any (patterns are checked by `IngestConfig::load`).
    pub fn from_settings(settings: &FormatSettings) -> Result<Option<Self>, regex::Error> {
        let (pattern, matching_starts) =
            match (&settings.multiline_start, &settings.multiline_continue) {
                (Some(start), _) => (start, true),
                (None, Some(continuation)) => (continuation, false),
                (None, None) => return Ok(None),
            };
        Ok(Some(MultilineRule {
            pattern: regex::bytes::Regex::new(pattern)?,
            matching_starts,
        }))
    }

    pub fn starts_event(&self, content: &[u8]) -> bool {
        self.pattern.is_match(content) == self.matching_starts
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

/// Where a line falls in a Python traceback or a Go panic. Python prints the exception's line
/// unindented after the frames and joins chained tracebacks with a sentence; Go prints each
/// frame's function unindented, its file indented below. Where no time or level marks event
/// starts (`lines`), none of those looks like a continuation on its own.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Traceback {
    #[default]
    Outside,
    /// After `Traceback (most recent call last):` and its indented frames.
    Frames,
    /// After the exception's line that ends the frames: a chain's sentence may follow (in
    /// syslog after an empty message, where the traceback's blank line was).
    Raised,
    /// After `During handling of the above exception...`: a traceback follows.
    Chained,
    /// After `panic: ...` or `fatal error: ...`, and the dump's lines since.
    GoPanic,
}

const TRACEBACK: &[u8] = b"Traceback (most recent call last):";

/// Whether an unindented line continues a stack trace: Java's `Caused by:`, `Suppressed:` and
/// `... 12 more`, .NET's `--- End of stack trace from previous location ---`. One list for
/// every rule that joins traces (`lines`, container records, lines relayed by syslog).
pub(crate) fn continues_stack_trace(line: &[u8]) -> bool {
    const MARKS: [&[u8]; 4] = [b"Caused by: ", b"Suppressed: ", b"...", b"--- End of "];
    MARKS.iter().any(|mark| line.starts_with(mark))
}

/// The sentence Python prints between chained tracebacks.
fn chains_tracebacks(content: &[u8]) -> bool {
    content.starts_with(b"During handling of the above exception")
        || content.starts_with(b"The above exception was the direct cause")
}

impl Traceback {
    /// The state after `content` joined an event.
    fn after(self, content: &[u8]) -> Traceback {
        match content.first() {
            Some(b'T') if content.starts_with(TRACEBACK) => Traceback::Frames,
            Some(b' ' | b'\t') if self == Traceback::Frames => Traceback::Frames,
            Some(b'D' | b'T') if chains_tracebacks(content) => Traceback::Chained,
            // A relayed blank line (an empty syslog message) inside a chain.
            None if matches!(self, Traceback::Raised | Traceback::Chained) => self,
            _ if self == Traceback::Frames && self.continued_by(content) => Traceback::Raised,
            Some(b'p' | b'f')
                if content.starts_with(b"panic: ") || content.starts_with(b"fatal error: ") =>
            {
                Traceback::GoPanic
            }
            Some(b' ' | b'\t') if self == Traceback::GoPanic => Traceback::GoPanic,
            _ if self == Traceback::GoPanic && self.continued_by(content) => Traceback::GoPanic,
            _ => Traceback::Outside,
        }
    }

    /// Whether `content` continues the traceback whatever the line-start rule says: the
    /// exception's line after the frames (`ValueError: boom`, `KeyboardInterrupt`,
    /// `requests.exceptions.ConnectionError: ...`), the next traceback of a chain, a Go
    /// panic's goroutines, frames and exit status.
    fn continued_by(self, content: &[u8]) -> bool {
        match self {
            Traceback::Outside => false,
            Traceback::Raised => content.is_empty() || chains_tracebacks(content),
            Traceback::Chained => content.is_empty() || content.starts_with(TRACEBACK),
            // A frame: indented (a relayed frame is a line of its own, headed like any).
            Traceback::Frames if matches!(content.first(), Some(b' ' | b'\t')) => true,
            Traceback::Frames => {
                let name_end = content
                    .iter()
                    .position(|&b| b == b':')
                    .unwrap_or(content.len());
                let name = &content[..name_end];
                let rest = &content[name_end..];
                name.first().is_some_and(u8::is_ascii_alphabetic)
                    && name
                        .iter()
                        .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
                    && (rest.is_empty() || rest.starts_with(b": "))
            }
            Traceback::GoPanic => {
                const DUMP_LINES: [&[u8]; 6] = [
                    b"goroutine ",
                    b"[signal ",
                    b"created by ",
                    b"exit status ",
                    b"...additional frames elided...",
                    b"panic(",
                ];
                // `main.main()`, `net/http.(*conn).serve(0xc0001b6000, {...})`: a function
                // call with no space before its arguments.
                let call = content.ends_with(b")")
                    && content
                        .iter()
                        .position(|&b| b == b'(')
                        .is_some_and(|open| open > 0 && !content[..open].contains(&b' '));
                call || DUMP_LINES.iter().any(|line| content.starts_with(line))
            }
        }
    }
}

/// Groups lines into events (see the module doc).
pub struct Grouper {
    joining: Joining,
    limits: Limits,
    starts: StartsEvent,
    traceback: Traceback,
    /// What the open group's container records say (for `ContainerRecords`).
    container: Option<container::ContainerLines>,
    /// Where an export entry's sized values end (for `ExportEntries`).
    export: super::journald::EntryLines,
    open: Option<Group>,
    /// Blank lines after the open group, not yet known to be inside it: their exact bytes,
    /// and where each ends.
    blank_bytes: Vec<u8>,
    blank_ends: Vec<usize>,
    /// The open group may take no more lines.
    full: bool,
}

impl Grouper {
    /// `starts` says whether a line's content starts an event (for `TimestampStarts` and
    /// `Pattern`).
    pub fn new(joining: Joining, limits: Limits, starts: StartsEvent) -> Grouper {
        Grouper {
            joining,
            limits,
            starts,
            traceback: Traceback::Outside,
            container: match joining {
                Joining::ContainerRecords(runtime) => Some(container::ContainerLines::new(runtime)),
                _ => None,
            },
            export: Default::default(),
            open: None,
            blank_bytes: Vec::new(),
            blank_ends: Vec::new(),
            full: false,
        }
    }

    /// Takes one line; returns what it completed.
    pub fn push(&mut self, line: LineIn, out: &mut Vec<Grouped>) {
        // An export entry's sized value may hold empty lines.
        let in_value = self.joining == Joining::ExportEntries && self.export.inside_value();
        let blank = super::lines::is_blank(line.content) && !in_value;
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
                self.blank_bytes.extend_from_slice(line.bytes);
                self.blank_ends.push(self.blank_bytes.len());
            } else {
                out.push(Grouped::Blank);
            }
            return;
        }
        // Where a traceback's lines are read: the line, a syslog line's message (found once
        // per line), or what follows a tool's RFC 3339 prefix (`kubectl logs --timestamps`).
        let trace_text = match self.joining {
            Joining::SyslogMessages => relayed_message(line.content),
            Joining::TimestampStarts => {
                super::text::relayed::payload_after_prefix(line.content).unwrap_or(line.content)
            }
            _ => line.content,
        };
        let continues = match self.joining {
            Joining::TimestampStarts | Joining::SyslogMessages => {
                self.traceback.continued_by(trace_text) || !(self.starts)(line.content)
            }
            Joining::Pattern | Joining::XmlEvents => !(self.starts)(line.content),
            // An entry goes on up to an empty line.
            Joining::ExportEntries => self.open.is_some() && self.blank_ends.is_empty(),
            Joining::ContainerRecords(_) => match &mut self.container {
                Some(records) => {
                    records.continues(self.open.is_some(), line.content, &mut self.traceback)
                }
                None => false,
            },
            // Grouped by `json::JsonDocuments`, not here.
            Joining::None | Joining::JsonDocuments => false,
        };
        if matches!(
            self.joining,
            Joining::TimestampStarts | Joining::SyslogMessages
        ) {
            self.traceback = self.traceback.after(trace_text);
        }
        if self.joining == Joining::ExportEntries {
            if !continues {
                self.export.restart();
            }
            self.export.take(line.bytes);
        }
        if let (true, false, Some(group)) = (continues, self.full, self.open.as_mut()) {
            let added = self.blank_ends.len() as u64 + 1;
            let bytes = group.raw.len()
                + self.blank_bytes.len()
                + self.blank_ends.len()
                + line.bytes.len()
                + 1;
            if group.line_count + added <= self.limits.max_lines && bytes <= self.limits.max_bytes {
                let mut start = 0;
                for end in self.blank_ends.drain(..) {
                    let blank = &self.blank_bytes[start..end];
                    group.raw.push(b'\n');
                    group.raw.extend_from_slice(blank);
                    group.content.push(b'\n');
                    group
                        .content
                        .extend_from_slice(blank.strip_suffix(b"\r").unwrap_or(blank));
                    start = end;
                }
                self.blank_bytes.clear();
                group.raw.push(b'\n');
                group.raw.extend_from_slice(line.bytes);
                group.content.push(b'\n');
                group.content.extend_from_slice(line.content);
                group.line_count += added;
                return;
            }
            self.full = true;
            // A damaged size must not swallow the entries after it.
            self.export.restart();
        }
        self.close(out);
        let mut group = single(&line);
        // A headed syslog line that relays a trace line but has no event to join (at the
        // source's start, or after a full one) reads as an event of its own.
        let stands_alone =
            self.joining == Joining::SyslogMessages && super::syslog::is_headed(line.content);
        if continues && !stands_alone {
            let reason = if line.number == 1 {
                ORPHAN_AT_START
            } else {
                ORPHAN
            };
            group.reject = Some(reason.to_string());
        }
        self.open = Some(group);
        self.full = false;
    }

    fn close(&mut self, out: &mut Vec<Grouped>) {
        if let Some(group) = self.open.take() {
            out.push(Grouped::Event(group));
        }
        for _ in self.blank_ends.drain(..) {
            out.push(Grouped::Blank);
        }
        self.blank_bytes.clear();
    }

    /// Everything, the open group included (the source is complete).
    pub fn finish(&mut self, out: &mut Vec<Grouped>) {
        self.close(out);
    }

    /// What is complete; the open group (and blanks after it) stay, to be read again by
    /// the next run (the source may still grow): its first line's number and offset. An
    /// export entry an empty line has closed is complete.
    pub fn finish_holding(&mut self, out: &mut Vec<Grouped>) -> Option<(u64, u64)> {
        let closed_entry = self.joining == Joining::ExportEntries
            && !self.blank_ends.is_empty()
            && !self.export.inside_value();
        if closed_entry {
            self.close(out);
            return None;
        }
        let held = self.open.take().map(|g| (g.number, g.offset));
        self.blank_ends.clear();
        self.blank_bytes.clear();
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
pub const ORPHAN: &str = "continuation lines with no event before them to join (no line that \
     starts an event: a timestamp, or the source's multiline_start): the source starts \
     mid-event, or the event before reached multiline_max_lines or multiline_max_bytes";

/// The same at the top of a source: most often a banner the program prints as it starts
/// (a version block, a rule of dashes), which has no time of its own.
pub const ORPHAN_AT_START: &str = "lines before the source's first event, none of which \
     starts an event (a timestamp, or the source's multiline_start): a banner or header the \
     program wrote as it started, or a file that starts mid-event";

#[cfg(test)]
mod tests;
