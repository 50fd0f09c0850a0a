//! Oracle's listener log (`listener.log`): after the time, fields separated by ` * `, the
//! last one the return code (0, or the TNS error's number).
//!
//! ```text
//! 30-NOV-2026 14:01:02 * (CONNECT_DATA=(SERVICE_NAME=orcl)(CID=(PROGRAM=sqlplus)(HOST=web-1)(USER=bob))) * (ADDRESS=(PROTOCOL=tcp)(HOST=10.0.0.5)(PORT=54321)) * establish * orcl * 0
//! 30-NOV-2026 14:01:05 * service_update * orcl * 0
//! ```
//!
//! The event (`establish`, `service_update`, `ping`) is the operation, the database service
//! after it the service; a code other than 0 is a failed event. The client's program, user
//! and address come from the connect descriptors; the line is kept whole as the message.

use serde_json::Value;

use super::daemons::text;
use super::push_message;

pub(super) fn listener(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    // Turned away at its first bytes, cheaply: this is tried on every text line.
    let Some(body) = rest.strip_prefix(" * ") else {
        return false;
    };
    // A failed connection's TNS error follows on a line of its own (joined to the event).
    let first_line = body.split('\n').next().unwrap_or(body);
    let parts: Vec<&str> = first_line.split(" * ").map(str::trim).collect();
    let Some((code, before)) = parts.split_last() else {
        return false;
    };
    let Ok(code) = code.parse::<u32>() else {
        return false;
    };
    let Some(event_at) = before.iter().position(|p| !p.starts_with('(')) else {
        return false;
    };
    let event = before[event_at];
    if event.is_empty()
        || !event
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return false;
    }
    fields.push(text("operation", event));
    if let Some(service) = before.get(event_at + 1) {
        fields.push(text("service", service));
    }
    let failed = code != 0;
    fields.push(text("outcome", if failed { "error" } else { "ok" }));
    if failed {
        fields.push(text("level", "ERROR"));
    }
    fields.push(("error_code".to_string(), Value::from(code)));
    let descriptors = &before[..event_at];
    let connect = descriptors.iter().find(|d| d.starts_with("(CONNECT_DATA="));
    let address = descriptors.iter().find(|d| d.starts_with("(ADDRESS="));
    for (descriptor, key, name) in [
        (connect, "PROGRAM", "program"),
        (connect, "USER", "user"),
        (address, "HOST", "client"),
    ] {
        if let Some(value) = descriptor.and_then(|d| descriptor_value(d, key)) {
            fields.push(text(name, value));
        }
    }
    push_message(body, fields);
    true
}

/// The value of `(KEY=value)` in a connect descriptor.
fn descriptor_value<'a>(descriptor: &'a str, key: &str) -> Option<&'a str> {
    let at = descriptor.find(&format!("({key}="))? + key.len() + 2;
    let value = &descriptor[at..];
    Some(&value[..value.find(')')?]).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{first_value as get, read_rest};
    use super::*;

    fn read(rest: &str) -> Option<Vec<(String, Value)>> {
        read_rest(listener, rest)
    }

    #[test]
    fn connections_and_service_updates() {
        let f = read(" * (CONNECT_DATA=(SERVICE_NAME=nope)(CID=(PROGRAM=sqlplus)(HOST=web-1)(USER=bob))) * (ADDRESS=(PROTOCOL=tcp)(HOST=10.0.0.5)(PORT=54322)) * establish * nope * 12514").unwrap();
        assert_eq!(get(&f, "operation").unwrap(), "establish");
        assert_eq!(get(&f, "service").unwrap(), "nope");
        assert_eq!(get(&f, "outcome").unwrap(), "error");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        assert_eq!(get(&f, "error_code").unwrap(), 12514);
        assert_eq!(get(&f, "program").unwrap(), "sqlplus");
        assert_eq!(get(&f, "user").unwrap(), "bob");
        assert_eq!(get(&f, "client").unwrap(), "10.0.0.5");
        let f = read(" * establish * nope * 12514\nTNS-12514: TNS:listener does not know").unwrap();
        assert_eq!(get(&f, "error_code").unwrap(), 12514);
        assert!(get(&f, "message")
            .unwrap()
            .as_str()
            .unwrap()
            .ends_with("not know"));
        let f = read(" * service_update * orcl * 0").unwrap();
        assert_eq!(get(&f, "operation").unwrap(), "service_update");
        assert_eq!(get(&f, "outcome").unwrap(), "ok");
        assert!(get(&f, "level").is_none());
        let f = read(" * ping * 0").unwrap();
        assert!(get(&f, "service").is_none());
    }

    #[test]
    fn other_lines_are_left_alone() {
        for rest in [
            " * a * b",
            " * (x) * 0",
            " x * y * 0",
            " * two words * 0",
            "",
        ] {
            assert!(read(rest).is_none(), "{rest:?}");
        }
        let line = " * (CONNECT_DATA=(PROGRAM=é)) * establish * orcl * 0";
        for (at, _) in line.char_indices() {
            let _ = read(&line[..at]);
        }
    }
}
