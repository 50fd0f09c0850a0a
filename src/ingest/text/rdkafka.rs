//! librdkafka's log lines, as every Kafka client built on it (confluent-kafka-python, the Go
//! and .NET clients, Vector, Fluent Bit) prints them by default:
//!
//! ```text
//! %3|1796047262.123|FAIL|rdkafka#producer-1| [thrd:localhost:9092/bootstrap]: localhost:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed
//! ```
//!
//! A syslog severity, the epoch time, the facility (the operation: `FAIL`, `REQTMOUT`), the
//! client instance (the logger), then the message with its thread.

use serde_json::Value;

use super::{push_logger, push_message, syslog_severity, TextParser};
use crate::ingest::timestamps::Stamp;

/// Whether a line opens with librdkafka's `%3|<epoch>|` (its time is not at the start).
pub(super) fn starts_event(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() > 14 && b[0] == b'%' && b[1].is_ascii_digit() && b[2] == b'|' && b[3].is_ascii_digit()
}

pub(super) fn parse(text: &str, parser: &TextParser) -> Option<Vec<(String, Value)>> {
    let rest = text.strip_prefix('%')?;
    let mut parts = rest.splitn(5, '|');
    let (severity, epoch, facility, instance, message) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let severity: u8 = severity.parse().ok().filter(|s| *s < 8)?;
    let seconds: f64 = epoch
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s > 0.0)?;
    let facility_like = !facility.is_empty() && facility.bytes().all(|b| b.is_ascii_uppercase());
    if !facility_like || instance.is_empty() || instance.contains(' ') {
        return None;
    }
    let mut fields = crate::ingest::records::field_list(8);
    fields.push(("ts".to_string(), parser.ts_value(Stamp::Epoch(seconds))));
    let level = syslog_severity(severity)?;
    fields.push(("level".to_string(), Value::String(level.to_string())));
    fields.push(("operation".to_string(), Value::String(facility.to_string())));
    push_logger(&mut fields, instance, None);
    let message = message.trim_start();
    // `[thrd:main]: message`: the client's thread.
    let message = match message
        .strip_prefix("[thrd:")
        .and_then(|m| m.split_once("]: "))
    {
        Some((thread, message)) => {
            fields.push(("thread".to_string(), Value::String(thread.to_string())));
            message
        }
        None => message,
    };
    push_message(message, &mut fields);
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{fields, get};

    #[test]
    fn client_log_lines() {
        let f = fields("%3|1796047262.123|FAIL|rdkafka#producer-1| [thrd:localhost:9092/bootstrap]: localhost:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        assert_eq!(get(&f, "operation").unwrap(), "FAIL");
        assert_eq!(get(&f, "logger").unwrap(), "rdkafka#producer-1");
        assert_eq!(get(&f, "thread").unwrap(), "localhost:9092/bootstrap");
        assert!(get(&f, "message")
            .unwrap()
            .starts_with("localhost:9092/bootstrap: Connect"));
        let f = fields(
            "%6|1796047264.789|GETSUBSCRIPTIONS|rdkafka#consumer-2| [thrd:main]: id changed",
        );
        assert_eq!(get(&f, "level").unwrap(), "INFO");
        assert!(super::starts_event(
            "%6|1796047264.789|GETSUBSCRIPTIONS|rdkafka#consumer-2| m"
        ));
        assert!(!super::starts_event("%d|x"));
    }

    #[test]
    fn other_percent_lines_are_left_alone() {
        let parser = super::super::tests::parser();
        for other in [
            "%3|x|FAIL|a| m",
            "%9|1796047262|FAIL|a| m",
            "%3|1796047262|fail|a| m",
            "%3|",
        ] {
            assert!(super::parse(other, &parser).is_none(), "{other:?}");
        }
    }
}
