//! Tornado's log layout, which Jupyter's servers keep: `[I 261130 14:01:02 web:2271] message`
//! and `[W 2026-11-30 14:01:03.000 ServerApp] message`: a one-letter level (D, I, W, E, C), the
//! time and the logger in one bracket. Tornado's request lines (`200 GET /api/items/12
//! (10.0.0.1) 1.23ms`) give status, operation and duration.

use chrono::NaiveDateTime;
use serde_json::Value;

use super::{push_message, Stamp, TextParser};
use crate::ingest::formats::is_http_method;

/// The level, time and logger of the line's bracket, and where the bracket closes.
fn header(text: &str) -> Option<(&'static str, NaiveDateTime, &str, usize)> {
    let bytes = text.as_bytes();
    if bytes.len() < 4 || bytes[0] != b'[' || bytes[2] != b' ' {
        return None;
    }
    let level = match bytes[1] {
        b'D' => "DEBUG",
        b'I' => "INFO",
        b'W' => "WARN",
        b'E' => "ERROR",
        b'C' => "FATAL",
        _ => return None,
    };
    let close = text.find(']')?;
    let (time, logger) = text[3..close].rsplit_once(' ')?;
    let time = NaiveDateTime::parse_from_str(time, "%y%m%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M:%S%.f"))
        .ok()?;
    Some((level, time, logger, close))
}

/// Whether the line starts such an event (the others continue it: tracebacks).
pub(super) fn starts_event(text: &str) -> bool {
    header(text).is_some()
}

/// The fields of such a line; `None` when the line is not one.
pub(super) fn parse(text: &str, parser: &TextParser) -> Option<Vec<(String, Value)>> {
    let (level, time, logger, close) = header(text)?;
    let mut fields = Vec::with_capacity(8);
    fields.push((
        "ts".to_string(),
        parser.ts_value(Stamp::Naive {
            time,
            has_year: true,
        }),
    ));
    fields.push(("level".to_string(), Value::String(level.to_string())));
    fields.push(("logger".to_string(), Value::String(logger.to_string())));
    let message = text[close + 1..].trim_start();
    request_line(message, &mut fields);
    push_message(message, &mut fields);
    Some(fields)
}

/// `200 GET /api/items/12 (10.0.0.1) 1.23ms`: status, method and path, duration.
fn request_line(message: &str, fields: &mut Vec<(String, Value)>) {
    let mut words = message.split(' ');
    let (Some(status), Some(method), Some(path)) = (words.next(), words.next(), words.next())
    else {
        return;
    };
    let is_status = status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit());
    if !is_status || !is_http_method(method) || !path.starts_with('/') {
        return;
    }
    let duration = message
        .rsplit(' ')
        .next()
        .and_then(|d| d.strip_suffix("ms"));
    fields.push((
        "status".to_string(),
        Value::from(status.parse::<u16>().unwrap_or(0)),
    ));
    fields.push(("method".to_string(), Value::String(method.to_string())));
    fields.push(("path".to_string(), Value::String(path.to_string())));
    if let Some(ms) = duration.and_then(|d| d.parse::<f64>().ok()) {
        fields.push(("duration_ms".to_string(), Value::from(ms)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{parser, value as get};
    use super::*;

    #[test]
    fn tornado_and_jupyter() {
        let p = parser();
        let f = parse(
            "[E 261130 14:01:03 web:2271] 500 POST /api/pay (10.0.0.1) 45.60ms",
            &p,
        )
        .unwrap();
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        assert_eq!(get(&f, "logger").unwrap(), "web:2271");
        assert_eq!(get(&f, "status").unwrap(), 500);
        assert_eq!(get(&f, "path").unwrap(), "/api/pay");
        assert_eq!(get(&f, "duration_ms").unwrap(), 45.6);
        assert!(get(&f, "ts")
            .unwrap()
            .to_string()
            .contains("2026-11-30T14:01:03"));
        let f = parse(
            "[W 2026-11-30 14:01:03.000 ServerApp] 404 GET /api/kernels/x (10.0.0.1) 1.23ms",
            &p,
        )
        .unwrap();
        assert_eq!(get(&f, "logger").unwrap(), "ServerApp");
        assert_eq!(get(&f, "level").unwrap(), "WARN");
        for other in ["[I am here] hello", "[X 261130 14:01:03 web] m", "[I]"] {
            assert!(
                parse(other, &p).is_none() && !starts_event(other),
                "{other}"
            );
        }
        assert!(starts_event(
            "[I 261130 14:01:02 web:2271] 200 GET / (::1) 0.5ms"
        ));
    }
}
