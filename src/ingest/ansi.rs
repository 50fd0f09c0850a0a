//! Terminal escape sequences in log lines: colored console output captured to a file or a
//! container log (Spring Boot with `spring.output.ansi.enabled=always`, NestJS, winston's
//! `colorize`, uvicorn and Rails in development, anything run under `script`). The colors
//! sit between a line's fields (`\x1b[31mERROR\x1b[0;39m`), so no layout would match until
//! they are taken out. Parsing reads the line without them; `raw` and lineage keep the
//! source's bytes.
//!
//! Written here rather than taken from `strip-ansi-escapes`, whose terminal emulator also
//! drops tabs and other control characters (its issue #20), which are content in logs
//! (tab-indented stack frames).

use std::borrow::Cow;

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;

/// `bytes` without ECMA-48 escape sequences: CSI (`ESC [` parameters, intermediates, a final
/// byte; the colors), OSC (`ESC ]` up to BEL or `ESC \`; terminal titles and links) and the
/// two-byte escapes (`ESC` and one byte). Everything else, tabs included, is kept. Borrowed
/// when there is no ESC (one `memchr`: the common case costs nothing more).
pub fn strip_escapes(bytes: &[u8]) -> Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(ESC, bytes) else {
        return Cow::Borrowed(bytes);
    };
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..first]);
    let mut i = first;
    while i < bytes.len() {
        if bytes[i] != ESC {
            let next = memchr::memchr(ESC, &bytes[i..]).map_or(bytes.len(), |n| i + n);
            out.extend_from_slice(&bytes[i..next]);
            i = next;
            continue;
        }
        i = end_of_escape(bytes, i);
    }
    Cow::Owned(out)
}

/// [`strip_escapes`] for text (removing ASCII sequences keeps UTF-8 valid).
pub fn strip_escapes_str(text: &str) -> Cow<'_, str> {
    match strip_escapes(text.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        Cow::Owned(bytes) => {
            Cow::Owned(String::from_utf8(bytes).expect("only ASCII escape sequences were removed"))
        }
    }
}

/// The index after the escape sequence starting at `start` (an ESC). A sequence cut off by
/// the end of the line ends there.
fn end_of_escape(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    match bytes.get(i) {
        Some(b'[') => {
            i += 1;
            // Parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F, then one final byte.
            while i < bytes.len() && (0x20..=0x3f).contains(&bytes[i]) {
                i += 1;
            }
            if i < bytes.len() && (0x40..=0x7e).contains(&bytes[i]) {
                i += 1;
            }
            i
        }
        Some(b']') => {
            while i < bytes.len() {
                match bytes[i] {
                    BEL => return i + 1,
                    ESC if bytes.get(i + 1) == Some(&b'\\') => return i + 2,
                    _ => i += 1,
                }
            }
            i
        }
        // `ESC (B` (character set) and the like: intermediates, then one byte.
        Some(0x20..=0x2f) => {
            while i < bytes.len() && (0x20..=0x2f).contains(&bytes[i]) {
                i += 1;
            }
            match bytes.get(i) {
                Some(0x30..=0x7e) => i + 1,
                _ => i,
            }
        }
        Some(0x30..=0x7e) => i + 1,
        // A lone ESC, or one before a control character or non-ASCII: only the ESC goes.
        _ => i,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripped(text: &str) -> String {
        strip_escapes_str(text).into_owned()
    }

    #[test]
    fn colors_and_links_go_the_rest_stays() {
        assert_eq!(
            stripped("\x1b[2m2026-11-30 14:01:02.123\x1b[0;39m \x1b[31mERROR\x1b[0;39m x"),
            "2026-11-30 14:01:02.123 ERROR x"
        );
        assert_eq!(stripped("\x1b[38;5;196mred\x1b[m"), "red");
        assert_eq!(
            stripped("see \x1b]8;;https://x.io\x1b\\x.io\x1b]8;;\x1b\\ now"),
            "see x.io now"
        );
        assert_eq!(stripped("\x1b]0;title\x07text"), "text");
        assert_eq!(stripped("\x1b(Bplain\x1b7"), "plain");
    }

    #[test]
    fn tabs_and_text_without_escapes_are_untouched() {
        let plain = "\tat com.example.Main.run(Main.java:12)\r";
        assert!(matches!(strip_escapes_str(plain), Cow::Borrowed(_)));
        assert_eq!(stripped("\x1b[33m\tat x\x1b[0m"), "\tat x");
        assert_eq!(
            stripped("naïve \x1b[1mbold\x1b[0m ünïcödé"),
            "naïve bold ünïcödé"
        );
    }

    #[test]
    fn cut_off_sequences_end_with_the_line() {
        assert_eq!(stripped("ok\x1b[31"), "ok");
        assert_eq!(stripped("ok\x1b"), "ok");
        assert_eq!(stripped("ok\x1b]0;never closed"), "ok");
        assert_eq!(
            stripped("a\x1b\tb"),
            "a\tb",
            "a lone ESC goes, the tab stays"
        );
        assert_eq!(
            stripped("a\x1b(é"),
            "aé",
            "a multi-byte character is not a final byte"
        );
    }
}
