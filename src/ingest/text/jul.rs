//! java.util.logging's default `SimpleFormatter` (Tomcat's `catalina.out`, JDK tools): two
//! lines per record, the time with the class and method, then the level and the message:
//!
//! ```text
//! Dec 04, 2026 5:28:09 PM com.example.App handle
//! SEVERE: request failed
//! ```
//!
//! The second line has no timestamp, so it joins the first as a continuation (see
//! `multiline`); this reads the joined event.

use serde_json::Value;

use super::{is_qualified_name, push_logger, push_message};
use crate::ingest::values::normalize_level;

/// Reads `rest` (what follows the time) when it is the class, the method and, on the next
/// line, `LEVEL: message`; `false` (nothing pushed) when it is not.
pub(super) fn read(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some((source, record)) = rest.split_once('\n') else {
        return false;
    };
    let mut names = source.trim_end_matches('\r').split_whitespace();
    let (Some(class), method, None) = (names.next(), names.next(), names.next()) else {
        return false;
    };
    let Some((word, message)) = record.split_once(": ") else {
        return false;
    };
    // `CONFIG` is JUL's level between INFO and FINE.
    let level = if word == "CONFIG" {
        Some("INFO")
    } else {
        normalize_level(word)
    };
    let Some(level) = level.filter(|_| is_qualified_name(class)) else {
        return false;
    };
    push_logger(fields, class, None);
    if let Some(method) = method {
        fields.push(("method".to_string(), Value::String(method.to_string())));
    }
    fields.push(("level".to_string(), Value::String(level.to_string())));
    push_message(message, fields);
    true
}
