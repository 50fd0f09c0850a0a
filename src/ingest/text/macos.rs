//! macOS's unified log as `log show` prints it by default (its `default` style), which is what
//! users save and attach:
//!
//! ```text
//! 2026-11-30 14:01:02.123456-0800 0x1a2b3c   Error       0x0                  123    0    shopd: (CoreFoundation) [com.shop:pay] payment failed
//! ```
//!
//! after the time: the thread, the type (`Default`, `Info`, `Debug`, `Error`, `Fault`), the
//! activity, the pid, the TTL, then `process:` and the message (with the library in
//! parentheses and the subsystem and category in brackets, kept in the message).

use serde_json::Value;

use super::tokens::first_words;
use super::{push_logger, push_message};

fn is_hex_id(token: &str) -> bool {
    token
        .strip_prefix("0x")
        .is_some_and(|hex| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The level of a `log show` type.
fn type_level(word: &str) -> Option<&'static str> {
    Some(match word {
        "Default" | "Info" => "INFO",
        "Debug" => "DEBUG",
        "Error" => "ERROR",
        "Fault" => "FATAL",
        _ => return None,
    })
}

/// Reads what follows the time when it is `log show`'s layout; `false` (nothing pushed) when
/// it is not.
pub(super) fn read(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some([thread, kind, activity, pid, ttl]) = first_words(rest.split_whitespace()) else {
        return false;
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let level = type_level(kind);
    let shaped = is_hex_id(thread) && is_hex_id(activity) && digits(pid) && digits(ttl);
    let (Some(level), true) = (level, shaped) else {
        return false;
    };
    // The message starts after the TTL: find it by position, the columns being padded.
    let mut at = 0;
    for word in [thread, kind, activity, pid, ttl] {
        at = rest[at..].find(word).map_or(at, |i| at + i + word.len());
    }
    let text = rest[at..].trim_start();
    fields.push(("thread".to_string(), Value::String(thread.to_string())));
    fields.push(("level".to_string(), Value::String(level.to_string())));
    fields.push(("activity".to_string(), Value::String(activity.to_string())));
    fields.push((
        "pid".to_string(),
        Value::from(pid.parse::<u64>().unwrap_or(0)),
    ));
    match text.split_once(": ") {
        Some((process, message)) if !process.is_empty() && !process.contains(' ') => {
            push_logger(fields, process, None);
            push_message(message, fields);
        }
        _ => push_message(text, fields),
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_show_default_style() {
        let mut fields = Vec::new();
        let rest = " 0x1a2b3c   Error       0x0                  123    0    shopd: (CoreFoundation) payment failed";
        assert!(read(rest, &mut fields));
        let get = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("level").unwrap(), "ERROR");
        assert_eq!(get("pid").unwrap(), 123);
        assert_eq!(get("logger").unwrap(), "shopd");
        assert_eq!(get("message").unwrap(), "(CoreFoundation) payment failed");
        for other in [
            " 0x1a2b3c started the pool",
            " ERROR [main] c.a.App - x",
            " 0x1 Warning 0x0 1 0 x: y",
            " 0x1 Error 0x0 pid 0 x: y",
        ] {
            let mut fields = Vec::new();
            assert!(!read(other, &mut fields), "{other}");
            assert!(fields.is_empty());
        }
    }
}
