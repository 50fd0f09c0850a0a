//! Splits a byte stream into lines while tracking each line's number and byte offset.
//!
//! Memory stays bounded: a line longer than `max_line_bytes` is not buffered whole; its first
//! `max_line_bytes` are kept and the rest is skipped (the caller rejects it, and the full line
//! can still be read back through its offset).

use std::io::{self, Read};

/// One line as read from the source.
#[derive(Debug)]
pub struct Line<'a> {
    /// 1-based line number in the (decompressed) object.
    pub number: u64,
    /// Byte offset of the line's first byte.
    pub offset: u64,
    /// The line's bytes without the `\n` terminator (a `\r` before it is kept: these are the
    /// exact bytes). Truncated to `max_line_bytes` when `full_len` is larger.
    pub bytes: &'a [u8],
    /// Length of the whole line without its terminator.
    pub full_len: u64,
    /// False for a final line with no `\n` after it.
    pub terminated: bool,
}

impl Line<'_> {
    pub fn is_truncated(&self) -> bool {
        self.full_len > self.bytes.len() as u64
    }

    /// The content to parse: the bytes without a trailing `\r` (CRLF files).
    pub fn content(&self) -> &[u8] {
        content_of(self.bytes)
    }
}

/// What ends a line in the source's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Newline {
    /// A `\n` byte: UTF-8 and the encodings that keep ASCII's bytes.
    Byte,
    /// `0A 00` at an even position of the line: UTF-16 little-endian.
    Utf16Le,
    /// `00 0A` at an even position of the line: UTF-16 big-endian.
    Utf16Be,
}

/// A line's content: its bytes without a trailing `\r` (CRLF files).
pub fn content_of(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Reads lines from any `Read`, starting at a known offset and line number.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    /// Start of unread data in `buf`.
    start: usize,
    /// End of valid data in `buf`.
    end: usize,
    eof: bool,
    next_number: u64,
    next_offset: u64,
    max_line_bytes: usize,
    /// Kept for an over-long line while the rest of it is skipped.
    long_line: Vec<u8>,
    newline: Newline,
}

const READ_CHUNK: usize = 1 << 20;

impl<R: Read> LineReader<R> {
    /// `first_number`/`first_offset` describe the first byte `inner` will yield (for resumed reads).
    pub fn new(inner: R, first_number: u64, first_offset: u64, max_line_bytes: usize) -> Self {
        LineReader {
            inner,
            buf: vec![0; READ_CHUNK.max(max_line_bytes.saturating_add(1).min(64 << 20))],
            start: 0,
            end: 0,
            eof: false,
            next_number: first_number,
            next_offset: first_offset,
            max_line_bytes,
            long_line: Vec::new(),
            newline: Newline::Byte,
        }
    }

    /// Lines ending as `newline` says (UTF-16 sources); `\n` bytes otherwise.
    pub fn with_newline(mut self, newline: Newline) -> Self {
        self.newline = newline;
        self
    }

    /// Offset just past the last line returned: where a resumed read would start.
    pub fn position(&self) -> (u64, u64) {
        (self.next_number, self.next_offset)
    }

    /// Returns the next line, or `None` at the end of the stream. An unterminated final line is
    /// returned as a line.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        // Over-long line state: the bytes counted so far, beyond what is kept.
        let mut skipped: u64 = 0;
        let mut search_from = self.start;
        loop {
            // Where to search again, from the line's start, once more bytes are read.
            let search_again = match self.find_newline(search_from) {
                Ok((line_end, next_start)) => {
                    return Ok(Some(self.emit(line_end, next_start, skipped)))
                }
                Err(again) => again - self.start,
            };
            if self.eof {
                if self.start == self.end && skipped == 0 {
                    return Ok(None);
                }
                let end = self.end;
                return Ok(Some(self.emit(end, end, skipped)));
            }
            // No newline in the buffered part: make room, or start skipping an over-long line.
            let pending = self.end - self.start;
            if skipped > 0 || pending as u64 + skipped > self.max_line_bytes as u64 {
                if skipped == 0 {
                    self.long_line.clear();
                    let keep = self.max_line_bytes.min(pending);
                    self.long_line
                        .extend_from_slice(&self.buf[self.start..self.start + keep]);
                }
                // UTF-16 skips whole code units: the line's positions keep their parity.
                let odd = usize::from(self.newline != Newline::Byte && pending % 2 == 1);
                skipped += (pending - odd) as u64;
                if odd == 1 {
                    self.buf[0] = self.buf[self.end - 1];
                }
                self.start = 0;
                self.end = odd;
                search_from = 0;
            } else if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
                search_from = search_again;
            } else {
                search_from = self.start + search_again;
            }
            if self.end == self.buf.len() {
                let grow = self.buf.len();
                self.buf.resize(grow * 2, 0);
            }
            let n = read_retrying(&mut self.inner, &mut self.buf[self.end..])?;
            if n == 0 {
                self.eof = true;
            }
            self.end += n;
        }
    }

    /// The line's end in `buf[from..end]` and where the next line starts, or where to search
    /// again once more bytes are read.
    fn find_newline(&self, from: usize) -> Result<(usize, usize), usize> {
        let bytes = &self.buf[..self.end];
        if self.newline == Newline::Byte {
            return match memchr::memchr(b'\n', &bytes[from..]) {
                Some(pos) => Ok((from + pos, from + pos + 1)),
                None => Err(self.end),
            };
        }
        // A 16-bit `\n`: its `0A` byte first (little-endian) or second (big-endian) in a code
        // unit, which starts at an even position of the line.
        let big_endian = self.newline == Newline::Utf16Be;
        let mut at = from;
        while let Some(pos) = memchr::memchr(b'\n', &bytes[at..]) {
            let found = at + pos;
            let unit_second = (found - self.start) % 2 == 1;
            if big_endian && unit_second && bytes[found - 1] == 0 {
                return Ok((found - 1, found + 1));
            }
            if !big_endian && !unit_second {
                match bytes.get(found + 1) {
                    Some(0) => return Ok((found, found + 2)),
                    None if !self.eof => return Err(found),
                    _ => {}
                }
            }
            at = found + 1;
        }
        Err(self.end)
    }

    /// Builds the line ending at `line_end` (exclusive, before `\n`); `resume` is where the next
    /// line starts in `buf`. `skipped` counts bytes of this line already discarded.
    fn emit(&mut self, line_end: usize, resume: usize, skipped: u64) -> Line<'_> {
        let tail = line_end - self.start;
        let full_len = skipped + tail as u64;
        let number = self.next_number;
        let offset = self.next_offset;
        let terminator = (resume - line_end) as u64;
        self.next_number += 1;
        self.next_offset += full_len + terminator;
        let start = self.start;
        self.start = resume;
        if skipped > 0 || full_len > self.max_line_bytes as u64 {
            if skipped == 0 {
                self.long_line.clear();
                self.long_line
                    .extend_from_slice(&self.buf[start..start + self.max_line_bytes]);
            }
            return Line {
                number,
                offset,
                bytes: &self.long_line,
                full_len,
                terminated: terminator > 0,
            };
        }
        Line {
            number,
            offset,
            bytes: &self.buf[start..line_end],
            full_len,
            terminated: terminator > 0,
        }
    }
}

fn read_retrying<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// A line with nothing but white space (and a byte order mark: a file holding only the mark
/// has no record).
pub(crate) fn is_blank(content: &[u8]) -> bool {
    without_bom(content).iter().all(u8::is_ascii_whitespace)
}

/// A line without the UTF-8 byte order mark Windows editors and .NET's writers put at the
/// start of a file (the mark is no part of the first record).
pub(crate) fn without_bom(content: &[u8]) -> &[u8] {
    content.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(content)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8], max: usize) -> Vec<(u64, u64, Vec<u8>, u64)> {
        let mut reader = LineReader::new(input, 1, 0, max);
        let mut out = vec![];
        while let Some(line) = reader.next_line().unwrap() {
            out.push((line.number, line.offset, line.bytes.to_vec(), line.full_len));
        }
        out
    }

    #[test]
    fn a_byte_order_mark_alone_is_blank() {
        assert!(is_blank(b"\xEF\xBB\xBF") && is_blank(b" \t") && is_blank(b""));
        assert!(!is_blank(b"\xEF\xBB\xBFx") && !is_blank(b"\xFF\xFE"));
    }

    #[test]
    fn offsets_and_numbers() {
        let lines = collect(b"a\n\nbc\r\nd", 100);
        assert_eq!(
            lines,
            vec![
                (1, 0, b"a".to_vec(), 1),
                (2, 2, b"".to_vec(), 0),
                (3, 3, b"bc\r".to_vec(), 3),
                (4, 7, b"d".to_vec(), 1),
            ]
        );
    }

    #[test]
    fn empty_input_has_no_lines() {
        assert!(collect(b"", 10).is_empty());
        assert_eq!(collect(b"\n", 10), vec![(1, 0, vec![], 0)]);
    }

    #[test]
    fn long_lines_are_truncated_but_counted() {
        let mut input = vec![b'x'; 50];
        input.extend_from_slice(b"\nok\n");
        let lines = collect(&input, 8);
        assert_eq!(lines[0], (1, 0, vec![b'x'; 8], 50));
        assert_eq!(lines[1], (2, 51, b"ok".to_vec(), 2));
    }

    /// A reader that yields 3 bytes at a time: over-long lines take the skipping path.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(3).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn long_line_spanning_many_reads() {
        let mut input = b"short\n".to_vec();
        input.extend(std::iter::repeat_n(b'y', 3_000_000));
        input.extend_from_slice(b"\nlast");
        let mut reader = LineReader::new(Trickle(&input), 1, 0, 1000);
        let l1 = reader.next_line().unwrap().unwrap();
        assert_eq!((l1.number, l1.offset, l1.bytes), (1, 0, &b"short"[..]));
        let l2 = reader.next_line().unwrap().unwrap();
        assert_eq!((l2.number, l2.offset, l2.full_len), (2, 6, 3_000_000));
        assert_eq!(l2.bytes.len(), 1000);
        let l3 = reader.next_line().unwrap().unwrap();
        assert_eq!(
            (l3.number, l3.offset, l3.bytes),
            (3, 3_000_007, &b"last"[..])
        );
        assert!(reader.next_line().unwrap().is_none());
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|unit| {
                if big_endian {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                }
            })
            .collect()
    }

    fn collect_utf16(input: &[u8], newline: Newline) -> Vec<(u64, u64, Vec<u8>)> {
        let mut reader = LineReader::new(input, 1, 0, 100).with_newline(newline);
        let mut out = vec![];
        while let Some(line) = reader.next_line().unwrap() {
            out.push((line.number, line.offset, line.bytes.to_vec()));
        }
        out
    }

    #[test]
    fn utf16_lines_end_at_a_whole_newline_unit() {
        // U+0A0A and U+010A hold a 0A byte that is no newline (`0A 0A`, `0A 01` little-endian);
        // U+0A00 is `0A 00` big-endian, at a unit's start.
        let text = "\u{FEFF}a\u{0A0A}\r\nb\u{010A}\u{0A00}\n\nd";
        for big_endian in [false, true] {
            let newline = if big_endian {
                Newline::Utf16Be
            } else {
                Newline::Utf16Le
            };
            let lines = collect_utf16(&utf16(text, big_endian), newline);
            let expected = [
                (1, 0, utf16("\u{FEFF}a\u{0A0A}\r", big_endian)),
                (2, 10, utf16("b\u{010A}\u{0A00}", big_endian)),
                (3, 18, vec![]),
                (4, 20, utf16("d", big_endian)),
            ];
            assert_eq!(lines, expected, "big-endian: {big_endian}");
        }
    }

    #[test]
    fn utf16_long_lines_keep_their_units_aligned() {
        // Odd-sized reads: the skipped part of an over-long line keeps whole code units.
        let long = "\u{0A0A}".repeat(1_500_000);
        let input = utf16(&format!("{long}\nok\n"), false);
        let mut reader =
            LineReader::new(Trickle(&input), 1, 0, 1001).with_newline(Newline::Utf16Le);
        let first = reader.next_line().unwrap().unwrap();
        assert_eq!((first.full_len, first.bytes.len()), (3_000_000, 1001));
        let second = reader.next_line().unwrap().unwrap();
        assert_eq!((second.number, second.offset), (2, 3_000_002));
        assert_eq!(second.bytes, utf16("ok", false));
        assert!(reader.next_line().unwrap().is_none());
    }
}
