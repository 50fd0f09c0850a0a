//! PostgreSQL's `csvlog` (`log_destination = 'csvlog'`): one CSV record per event, its
//! columns in the order the PostgreSQL manual gives (`log_time`, `user_name`,
//! `database_name`, `process_id`, ... `message`, `detail`, `hint`, ...):
//!
//! ```text
//! 2026-11-30 14:01:02.123 UTC,"app","shop",1234,"10.0.0.1:52345",6567a0e1.4d2,1,"SELECT",2026-11-30 14:00:00 UTC,3/17,0,ERROR,42P01,"relation ""orders"" does not exist",,,,,,"select * from orders;",15,,"psql","client backend",,0
//! ```
//!
//! A quoted value may hold newlines: the record's later lines start with no time and are
//! joined to it as any continuation is, so the record arrives whole.

use serde_json::Value;

use super::push_message;
use crate::ingest::values::normalize_level;

/// The columns after `log_time`, as PostgreSQL 13-17 write them (older versions stop
/// earlier; the names of the values present are used).
const COLUMNS: [&str; 25] = [
    "user",
    "database",
    "pid",
    "connection_from",
    "session_id",
    "session_line_num",
    "command_tag",
    "session_start_time",
    "virtual_transaction_id",
    "transaction_id",
    "error_severity",
    "sql_state_code",
    "message",
    "detail",
    "hint",
    "internal_query",
    "internal_query_pos",
    "context",
    "query",
    "query_pos",
    "location",
    "application_name",
    "backend_type",
    "leader_pid",
    "query_id",
];

/// Reads what follows the time when it is a csvlog record; `false` (nothing pushed) when
/// it is not.
pub(super) fn read(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some(values) = rest.strip_prefix(',').and_then(csv_values) else {
        return false;
    };
    // Up to the message at least, with a severity PostgreSQL writes.
    let severity = values.get(10).and_then(|s| postgres_level(s));
    let (Some(level), true) = (severity, values.len() >= 13) else {
        return false;
    };
    let mut message = None;
    for (name, value) in COLUMNS.iter().zip(values) {
        match *name {
            "message" => message = Some(value),
            "error_severity" => {
                fields.push(("level".to_string(), Value::String(level.to_string())));
                fields.push((name.to_string(), Value::String(value)));
            }
            "pid" => fields.push((
                name.to_string(),
                value
                    .parse::<u64>()
                    .map_or(Value::String(value), Value::from),
            )),
            _ if value.is_empty() => {}
            _ => fields.push((name.to_string(), Value::String(value))),
        }
    }
    push_message(message.as_deref().unwrap_or(""), fields);
    true
}

/// PostgreSQL's severities: `LOG`, `NOTICE`, `WARNING`, `ERROR`, `FATAL`, `PANIC`,
/// `DEBUG1`-`DEBUG5`, `INFO`, `STATEMENT`-less (as in its stderr log).
fn postgres_level(severity: &str) -> Option<&'static str> {
    match severity {
        "LOG" | "NOTICE" | "INFO" => Some("INFO"),
        "PANIC" => Some("FATAL"),
        s if s.starts_with("DEBUG") => Some("DEBUG"),
        s => normalize_level(s).filter(|_| s.bytes().all(|b| b.is_ascii_uppercase())),
    }
}

/// The values of one CSV record (RFC 4180: `"` quotes, `""` inside them), or `None` when a
/// quote is left open.
fn csv_values(record: &str) -> Option<Vec<String>> {
    let mut values = Vec::with_capacity(COLUMNS.len());
    let mut chars = record.chars().peekable();
    let mut value = String::new();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                value.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if value.is_empty() => quoted = true,
            (false, ',') => values.push(std::mem::take(&mut value)),
            _ => value.push(c),
        }
    }
    if quoted {
        return None;
    }
    values.push(value);
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_and_their_escapes() {
        assert_eq!(
            csv_values(
                r#"a,"b ""c"", d",,"e
f""#
            )
            .unwrap(),
            ["a", r#"b "c", d"#, "", "e\nf"]
        );
        assert_eq!(csv_values(r#"a,"open"#), None);
        assert_eq!(postgres_level("LOG"), Some("INFO"));
        assert_eq!(postgres_level("WARNING"), Some("WARN"));
        assert_eq!(postgres_level("PANIC"), Some("FATAL"));
        assert_eq!(postgres_level("warning"), None);
    }
}
