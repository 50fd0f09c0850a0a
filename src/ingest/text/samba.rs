//! Samba's debug log (`log.smbd`, `log.winbindd`), each record a header line then its message
//! on the indented lines below:
//!
//! ```text
//! [2026/11/30 14:01:03.234567,  1] ../../source3/smbd/service.c:355(create_connection_session_info)
//!   create_connection_session_info: guest user (from session setup) not permitted ...
//! ```
//!
//! The number after the time is the message's debug level (Samba's own: 0 error, 1 warning,
//! 2-4 notice, 5 and up info and debug); the source location and function are the logger.

use serde_json::Value;

use super::{push_logger, push_message};

/// The level of a Samba header's bracket after its time (`,  1`, or `,  0, pid=1234,
/// effective(0, 0), real(0, 0)` with `debug pid`/`debug uid`).
pub(super) fn debug_level(inside: &str) -> Option<&'static str> {
    let after = inside.strip_prefix(',')?.trim_start();
    let digits = after.bytes().take_while(u8::is_ascii_digit).count();
    let number: u32 = after[..digits].parse().ok()?;
    if !matches!(after.as_bytes().get(digits), None | Some(b',')) {
        return None;
    }
    Some(match number {
        0 => "ERROR",
        1 => "WARN",
        2..=4 => "INFO",
        _ => "DEBUG",
    })
}

/// What follows a Samba header's bracket: `../../source3/smbd/service.c:355(function)`, then
/// the message. `false` (nothing pushed) when no source location comes first.
pub(super) fn read(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let text = rest.trim_start_matches(' ');
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    let location = &text[..end];
    let Some((file_line, function)) = location.strip_suffix(')').and_then(|l| l.split_once('('))
    else {
        return false;
    };
    let sourced = file_line.rsplit_once(':').is_some_and(|(file, line)| {
        file.ends_with(".c") && !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit())
    });
    if !sourced || function.is_empty() {
        return false;
    }
    push_logger(fields, location.trim_start_matches("../"), None);
    push_message(text[end..].trim_start(), fields);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_locations_and_what_is_not_samba() {
        assert_eq!(debug_level(",  0"), Some("ERROR"));
        assert_eq!(
            debug_level(",  3, pid=1234, effective(0, 0), real(0, 0)"),
            Some("INFO")
        );
        assert_eq!(debug_level(", 10"), Some("DEBUG"));
        for other in ["", ",", ", x", "0", ", 1x"] {
            assert_eq!(debug_level(other), None, "{other:?}");
        }
        let mut fields = Vec::new();
        assert!(read(
            " ../../source3/smbd/server.c:1741(main)\n  smbd version 4.15.13 started.",
            &mut fields
        ));
        assert_eq!(fields[0].1, "source3/smbd/server.c:1741(main)");
        assert_eq!(fields.last().unwrap().1, "smbd version 4.15.13 started.");
        for other in [" server.c(main) x", " a b", "", " x.c:1() y"] {
            assert!(!read(other, &mut Vec::new()), "{other:?}");
        }
    }
}
