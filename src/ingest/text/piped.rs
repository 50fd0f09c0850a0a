//! Header fields between pipes after the time (HealthApp and other apps writing
//! `time|field|field|message`).

use serde_json::Value;

use super::tokens::is_name_char;
use super::{push_logger, push_message};
use crate::ingest::values::normalize_level;

/// Header fields between pipes, `|Step_LSC|30002312|message` after the time (HealthApp and
/// other apps writing `time|field|field|message`): each field without spaces is read as a
/// header token is (a level, a pid then a tid, else the logger); the message follows the
/// last one.
pub(super) fn header(piped: &str, fields: &mut Vec<(String, Value)>) {
    let mut at = 0;
    let (mut level, mut numbers, mut logger) = (false, 0, false);
    while let Some(bar) = piped[at..].find('|') {
        let field = &piped[at..at + bar];
        if field.is_empty() || field.contains(char::is_whitespace) {
            break;
        }
        let found_level = if level { None } else { normalize_level(field) };
        if let Some(found) = found_level {
            fields.push(("level".to_string(), Value::String(found.to_string())));
            level = true;
        } else if numbers < 2 && field.bytes().all(|b| b.is_ascii_digit()) {
            let name = if numbers == 0 { "pid" } else { "tid" };
            let value = field.parse::<u64>().map_or(Value::Null, Value::from);
            fields.push((name.to_string(), value));
            numbers += 1;
        } else if !logger && field.chars().all(is_name_char) {
            push_logger(fields, field, None);
            logger = true;
        } else {
            break;
        }
        at += bar + 1;
    }
    push_message(&piped[at..], fields);
}
