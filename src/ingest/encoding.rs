//! Sources written in a text encoding other than UTF-8.
//!
//! Windows writes UTF-16 (SQL Server's `ERRORLOG`, PowerShell's `>` and `Out-File`, .NET's
//! `Encoding.Unicode`), older Java and C programs their platform's code page
//! (`windows-1252`, `Shift_JIS`, `GBK`). A UTF-16 source with a byte order mark is
//! recognised; any other encoding is named with `encoding` (a WHATWG label, as browsers take
//! them). Lines are split in the source's own bytes, so `_line` and `_offset` stay exact
//! positions in the file; each line is then decoded to UTF-8 for parsing (a byte sequence the
//! encoding cannot map becomes U+FFFD, as in a browser).

use std::io::{self, Read};

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};

use super::lines::Newline;

/// The encoding a label names (`utf-16le`, `windows-1252`, `latin1`, `shift_jis`, ...).
pub fn for_label(label: &str) -> Result<&'static Encoding, String> {
    Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        format!(
            "unknown encoding {label:?}: use a WHATWG label such as \"utf-8\", \"utf-16le\", \
             \"utf-16be\", \"windows-1252\", \"iso-8859-2\", \"shift_jis\", \"gbk\""
        )
    })
}

/// UTF-16 when `first_bytes` (a source's start) begin with its byte order mark.
pub fn sniff(first_bytes: &[u8]) -> Option<&'static Encoding> {
    match first_bytes {
        [0xFF, 0xFE, ..] => Some(UTF_16LE),
        [0xFE, 0xFF, ..] => Some(UTF_16BE),
        _ => None,
    }
}

/// The first `len` bytes of `reader` (fewer when it is shorter), and a reader that still
/// yields them.
pub fn peek(reader: Box<dyn Read + Send>, len: u64) -> io::Result<(Box<dyn Read + Send>, Vec<u8>)> {
    let mut reader = reader;
    let mut head = Vec::new();
    (&mut reader).take(len).read_to_end(&mut head)?;
    let again = io::Cursor::new(head.clone()).chain(reader);
    Ok((Box::new(again), head))
}

/// How lines end in a source of this encoding: a `\n` byte in UTF-8 and every encoding that
/// keeps ASCII's bytes (no byte of a multi-byte character is `0x0A` in them), a 16-bit
/// `\n` in UTF-16.
pub fn newline_of(encoding: &'static Encoding) -> Newline {
    if encoding == UTF_16LE {
        Newline::Utf16Le
    } else if encoding == UTF_16BE {
        Newline::Utf16Be
    } else {
        Newline::Byte
    }
}

/// Decodes a source's lines to UTF-8, reusing one buffer.
#[derive(Debug)]
pub struct LineDecoder {
    encoding: &'static Encoding,
    text: String,
}

impl LineDecoder {
    pub fn new(encoding: &'static Encoding) -> Self {
        LineDecoder {
            encoding,
            text: String::new(),
        }
    }

    /// Whether lines pass through as they are (UTF-8, checked later by the parser).
    pub fn is_identity(&self) -> bool {
        self.encoding == UTF_8
    }

    pub fn name(&self) -> &'static str {
        self.encoding.name()
    }

    /// The line as UTF-8: `raw` itself for a UTF-8 source. A byte order mark stays (as
    /// U+FEFF, which the parser drops like UTF-8's), so no line is changed but by decoding.
    pub fn decode<'a>(&'a mut self, raw: &'a [u8]) -> &'a [u8] {
        if self.is_identity() {
            return raw;
        }
        self.text.clear();
        let mut decoder = self.encoding.new_decoder_without_bom_handling();
        let needed = decoder
            .max_utf8_buffer_length(raw.len())
            .unwrap_or(raw.len() * 3 + 16);
        self.text.reserve(needed);
        let (_, _, _) = decoder.decode_to_string(raw, &mut self.text, true);
        self.text.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_byte_order_marks() {
        assert_eq!(for_label("latin1").unwrap().name(), "windows-1252");
        assert_eq!(for_label(" UTF-16 ").unwrap(), UTF_16LE);
        assert_eq!(for_label("Shift_JIS").unwrap().name(), "Shift_JIS");
        let unknown = for_label("ebcdic").unwrap_err();
        assert!(unknown.contains("\"ebcdic\"") && unknown.contains("windows-1252"));
        assert_eq!(sniff(b"\xFF\xFE2\x000\x00"), Some(UTF_16LE));
        assert_eq!(sniff(b"\xFE\xFF\x002"), Some(UTF_16BE));
        assert_eq!(sniff(b"\xEF\xBB\xBF2026"), None);
        assert_eq!(sniff(b"\xFF"), None);
        assert_eq!(newline_of(UTF_16BE), Newline::Utf16Be);
        assert_eq!(newline_of(for_label("gbk").unwrap()), Newline::Byte);
    }

    #[test]
    fn a_peeked_reader_still_yields_its_start() {
        let source: Box<dyn Read + Send> = Box::new(&b"\xFF\xFEa\x00"[..]);
        let (mut reader, head) = peek(source, 2).unwrap();
        assert_eq!(head, b"\xFF\xFE");
        let mut all = Vec::new();
        reader.read_to_end(&mut all).unwrap();
        assert_eq!(all, b"\xFF\xFEa\x00");
        let (_, short) = peek(Box::new(&b"x"[..]), 2).unwrap();
        assert_eq!(short, b"x");
    }

    #[test]
    fn lines_decode_to_utf8() {
        let mut latin = LineDecoder::new(for_label("windows-1252").unwrap());
        assert_eq!(latin.decode(b"M\xfcller \x80 5"), "Müller € 5".as_bytes());
        let mut utf16 = LineDecoder::new(UTF_16LE);
        let raw: Vec<u8> = "\u{FEFF}café 😀\r"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(utf16.decode(&raw), "\u{FEFF}café 😀\r".as_bytes());
        // A line cut in the middle of a character: the part is U+FFFD, nothing else lost.
        assert_eq!(
            utf16.decode(&raw[..raw.len() - 1]),
            "\u{FEFF}café 😀\u{FFFD}".as_bytes()
        );
        let mut same = LineDecoder::new(UTF_8);
        assert!(same.is_identity());
        assert_eq!(same.decode(b"a\xffb"), b"a\xffb");
    }
}
