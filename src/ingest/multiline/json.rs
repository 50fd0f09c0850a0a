//! JSON documents written over several lines: pretty-printed objects one after another
//! (`jq .`, `journalctl -o json-pretty`, an OTLP request saved by hand) and a top-level array
//! of them (an export, `[` on its first line, `]` on its last). Each object is one event; its
//! lineage is its first line and `_line_count`. The `[` and `]` lines (and a lone `,`)
//! are structure and count with the blank lines; an element's trailing `,` is not read.
//!
//! An object closes where its braces balance (braces inside strings do not count). JSON
//! lines, one object per line, stay one event per line and cost one look at the line's
//! first and last bytes. A document that is cut (a line that never closes) is closed by
//! the next line no deeper than its first line that does not close it, so one broken line
//! cannot swallow the lines after it; it becomes a reject saying where the JSON ended.

use super::{Group, Grouped, Limits, LineIn};

/// Groups the lines of a JSON source (see the module doc).
pub struct JsonDocuments {
    limits: Limits,
    open: Option<OpenDocument>,
    /// Between a top-level `[` line and its `]`.
    in_array: bool,
}

struct OpenDocument {
    group: Group,
    /// The first line's indentation: a later line no deeper starts something new.
    indent: usize,
    scan: BraceScan,
}

/// Where a scan of JSON text stands after the bytes seen so far.
#[derive(Debug, Default, Clone, Copy)]
struct BraceScan {
    depth: i64,
    in_string: bool,
    escaped: bool,
}

impl BraceScan {
    fn feed(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if byte == b'\\' {
                    self.escaped = true;
                } else if byte == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match byte {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => self.depth -= 1,
                _ => {}
            }
        }
    }

    fn balanced(&self) -> bool {
        self.depth <= 0 && !self.in_string
    }
}

/// Why an object cut by the event limits is a reject.
pub const TOO_LONG: &str = "a JSON document longer than multiline_max_lines or \
     multiline_max_bytes: read as a reject from its first line to the limit; raise the limits \
     to read it";

impl JsonDocuments {
    pub fn new(limits: Limits) -> JsonDocuments {
        JsonDocuments {
            limits,
            open: None,
            in_array: false,
        }
    }

    /// Takes one line; what it completed goes to `out`. A line that is an event by itself
    /// comes back (its content without an element's trailing `,`) for the caller to read as
    /// it is, after `out`: the common case, with no copy.
    pub fn push<'a>(&mut self, line: LineIn<'a>, out: &mut Vec<Grouped>) -> Option<LineIn<'a>> {
        if line.reject.is_some() {
            self.close(out);
            return Some(line);
        }
        let trimmed = line.content.trim_ascii();
        if let Some(open) = self.open.as_mut() {
            let indent = line.content.len() - line.content.trim_ascii_start().len();
            let closes = trimmed.starts_with(b"}") || trimmed.starts_with(b"]");
            let group = &open.group;
            let fits = group.line_count < self.limits.max_lines
                && group.raw.len() + 1 + line.bytes.len() <= self.limits.max_bytes;
            let continues = indent > open.indent || closes || trimmed.is_empty();
            if continues && fits {
                open.group.raw.push(b'\n');
                open.group.raw.extend_from_slice(line.bytes);
                open.group.content.push(b'\n');
                open.group.content.extend_from_slice(line.content);
                open.group.line_count += 1;
                open.scan.feed(line.content);
                if open.scan.balanced() {
                    let end = without_trailing_comma(&open.group.content).len();
                    open.group.content.truncate(end);
                    self.close(out);
                }
                return None;
            }
            if continues {
                open.group.reject = Some(TOO_LONG.to_string());
            }
            // Too long, or cut (a line no deeper than its first): what it holds is read as
            // it is, and the line starts afresh.
            self.close(out);
        }
        if trimmed.is_empty() {
            out.push(Grouped::Blank);
            return None;
        }
        match trimmed {
            b"[" if !self.in_array => {
                self.in_array = true;
                out.push(Grouped::Blank);
                return None;
            }
            b"]" | b"]," | b"," if self.in_array => {
                self.in_array = trimmed == b",";
                out.push(Grouped::Blank);
                return None;
            }
            _ => {}
        }
        let content = without_trailing_comma(line.content);
        let opens = matches!(trimmed.first(), Some(b'{' | b'['));
        let closes = matches!(content.trim_ascii_end().last(), Some(b'}' | b']'));
        if !opens || closes {
            return Some(LineIn { content, ..line });
        }
        let mut scan = BraceScan::default();
        scan.feed(line.content);
        if scan.balanced() {
            return Some(LineIn { content, ..line });
        }
        self.open = Some(OpenDocument {
            group: Group {
                raw: line.bytes.to_vec(),
                content: line.content.to_vec(),
                number: line.number,
                offset: line.offset,
                line_count: 1,
                reject: None,
            },
            indent: line.content.len() - line.content.trim_ascii_start().len(),
            scan,
        });
        None
    }

    fn close(&mut self, out: &mut Vec<Grouped>) {
        if let Some(open) = self.open.take() {
            out.push(Grouped::Event(open.group));
        }
    }

    /// Everything, the open document included (the source is complete).
    pub fn finish(&mut self, out: &mut Vec<Grouped>) {
        self.close(out);
    }

    /// The open document stays for the next run (the source may still grow): its first
    /// line's number and offset.
    pub fn finish_holding(&mut self) -> Option<(u64, u64)> {
        self.open.take().map(|o| (o.group.number, o.group.offset))
    }
}

/// An array element's text without the `,` after it.
fn without_trailing_comma(content: &[u8]) -> &[u8] {
    let end = content.trim_ascii_end();
    end.strip_suffix(b",").unwrap_or(content)
}

/// An event's content and how many lines it spans.
pub type Document = (Vec<u8>, u64);

/// The events of `lines` (for detection, which reads a sample), in order; and the document
/// the sample's end cuts, if any.
pub fn documents_of(lines: &[&[u8]], limits: Limits) -> (Vec<Document>, Option<Document>) {
    let mut grouper = JsonDocuments::new(limits);
    let mut out = Vec::new();
    let mut documents = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let alone = grouper.push(
            LineIn {
                bytes: line,
                content: line,
                number: i as u64 + 1,
                offset: 0,
                reject: None,
            },
            &mut out,
        );
        take_events(&mut out, &mut documents);
        if let Some(line) = alone {
            documents.push((line.content.to_vec(), 1));
        }
    }
    let cut = grouper
        .open
        .take()
        .map(|open| (open.group.content, open.group.line_count));
    (documents, cut)
}

fn take_events(out: &mut Vec<Grouped>, documents: &mut Vec<Document>) {
    for grouped in out.drain(..) {
        if let Grouped::Event(group) = grouped {
            documents.push((group.content, group.line_count));
        }
    }
}

#[cfg(test)]
mod tests;
