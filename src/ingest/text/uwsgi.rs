//! uWSGI's request log (its default `log-format`), which Django and Flask deployments behind
//! uWSGI write:
//!
//! ```text
//! [pid: 12|app: 0|req: 1/1] 10.0.0.1 () {34 vars in 456 bytes} [Mon Nov 30 14:01:02 2026] GET /api/orders/17 => generated 12 bytes in 3 msecs (HTTP/1.1 500) 2 headers in 79 bytes (1 switches on core 0)
//! ```
//!
//! worker pid, app and request counters, client address, user (in parentheses), the request's
//! CGI variables, the time (ctime), method and URI, response bytes, the time taken (`msecs`, or
//! `micros` with `--log-micros`), protocol and status. Its start-up banner (`*** Starting uWSGI
//! 2.0.23 (64bit) on [Mon Nov 30 14:00:00 2026] ***`) starts an event too; the untimed lines
//! after it (`compiled with version: ...`, `spawned uWSGI worker 1 ...`) continue it.

use serde_json::Value;

use super::tokens::first_words;
use super::{push_message, timestamp_at, Stamp, TextParser};
use crate::ingest::formats::{is_http_method, route_template, url_path};

const REQUEST_START: &str = "[pid: ";
const BANNER_START: &str = "*** Starting uWSGI ";

/// The time in the first `[ctime]` bracket at or after `from`, and where that bracket closes.
fn bracketed_time(text: &str, from: usize) -> Option<(Stamp, usize)> {
    let open = from + text[from..].find(" [")? + 2;
    let (stamp, len) = timestamp_at(&text[open..])?;
    let close = open + len;
    (text.as_bytes().get(close) == Some(&b']')).then_some((stamp, close))
}

/// Whether the line starts such an event (a request line or the start-up banner).
pub(super) fn starts_event(text: &str) -> bool {
    (text.starts_with(REQUEST_START) || text.starts_with(BANNER_START))
        && bracketed_time(text, 0).is_some()
}

/// The fields of such a line; `None` when the line is not one.
pub(super) fn parse(text: &str, parser: &TextParser) -> Option<Vec<(String, Value)>> {
    if text.starts_with(BANNER_START) {
        let (stamp, _) = bracketed_time(text, 0)?;
        let mut fields = Vec::with_capacity(4);
        fields.push(("ts".to_string(), parser.ts_value(stamp)));
        fields.push(("logger".to_string(), Value::String("uwsgi".to_string())));
        push_message(text, &mut fields);
        return Some(fields);
    }
    let counters = text.strip_prefix(REQUEST_START)?;
    let (counters, after) = counters.split_once("] ")?;
    let pid: u64 = counters.split('|').next()?.parse().ok()?;
    // The variables' bracket may hold no time-like text; the time is the bracket after it.
    let vars_end = text.find("} [")?;
    let (stamp, close) = bracketed_time(text, vars_end)?;
    let mut fields = Vec::with_capacity(12);
    fields.push(("ts".to_string(), parser.ts_value(stamp)));
    fields.push(("pid".to_string(), Value::from(pid)));
    let mut words = after.split(' ');
    if let Some(client) = words.next() {
        fields.push(("client".to_string(), Value::String(client.to_string())));
    }
    if let Some(user) = words
        .next()
        .and_then(|u| u.strip_prefix('(')?.strip_suffix(')'))
    {
        if !user.is_empty() {
            fields.push(("user".to_string(), Value::String(user.to_string())));
        }
    }
    let request = text[close + 1..].trim_start();
    read_request(request, &mut fields);
    push_message(request, &mut fields);
    Some(fields)
}

/// `GET /x => generated 12 bytes in 3 msecs (HTTP/1.1 500) ...`: operation, path, bytes,
/// duration and status, each only when it is where uWSGI writes it.
fn read_request(request: &str, fields: &mut Vec<(String, Value)>) {
    let Some((method, rest)) = request.split_once(' ') else {
        return;
    };
    let Some((uri, outcome)) = rest.split_once(" => generated ") else {
        return;
    };
    if is_http_method(method) {
        let path = url_path(uri);
        let operation = format!("{method} {}", route_template(path));
        fields.push(("operation".to_string(), Value::String(operation)));
        fields.push(("path".to_string(), Value::String(path.to_string())));
    }
    // `12 bytes in 3 msecs (HTTP/1.1 500)`
    let mut words = outcome.split(' ');
    let Some([bytes, "bytes", "in", taken, unit, _protocol]) = first_words(words.by_ref()) else {
        return;
    };
    if let Ok(bytes) = bytes.parse::<u64>() {
        fields.push(("bytes".to_string(), Value::from(bytes)));
    }
    let ms_per_unit = match unit {
        "msecs" => Some(1.0),
        "micros" => Some(0.001),
        _ => None,
    };
    if let (Some(factor), Ok(taken)) = (ms_per_unit, taken.parse::<f64>()) {
        fields.push(("duration_ms".to_string(), Value::from(taken * factor)));
    }
    let status = words.next().and_then(|s| s.strip_suffix(')'));
    if let Some(status) = status.and_then(|s| s.parse::<u16>().ok()) {
        fields.push(("status".to_string(), Value::from(status)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{parser, value as get};
    use super::*;

    #[test]
    fn request_lines_and_the_banner() {
        let p = parser();
        let line = "[pid: 12|app: 0|req: 1/1] 10.0.0.1 (alice) {34 vars in 456 bytes} \
                    [Mon Nov 30 14:01:02 2026] GET /api/orders/17?x=1 => generated 12 bytes in \
                    3 msecs (HTTP/1.1 500) 2 headers in 79 bytes (1 switches on core 0)";
        assert!(starts_event(line));
        let f = parse(line, &p).unwrap();
        assert_eq!(get(&f, "pid").unwrap(), 12);
        assert_eq!(get(&f, "client").unwrap(), "10.0.0.1");
        assert_eq!(get(&f, "user").unwrap(), "alice");
        assert_eq!(get(&f, "operation").unwrap(), "GET /api/orders/{id}");
        assert_eq!(get(&f, "path").unwrap(), "/api/orders/17");
        assert_eq!(get(&f, "status").unwrap(), 500);
        assert_eq!(get(&f, "duration_ms").unwrap(), 3.0);
        assert_eq!(get(&f, "bytes").unwrap(), 12);
        assert!(get(&f, "ts")
            .unwrap()
            .to_string()
            .contains("2026-11-30T14:01:02"));
        assert!(get(&f, "message")
            .unwrap()
            .to_string()
            .starts_with("\"GET /api"));

        let micros = "[pid: 9|app: 0|req: 3/7] ::1 () {30 vars in 400 bytes} \
                      [Mon Nov 30 14:01:02 2026] POST /pay => generated 2 bytes in 1500 micros \
                      (HTTP/2.0 201) 2 headers in 70 bytes (1 switches on core 1)";
        let f = parse(micros, &p).unwrap();
        assert_eq!(get(&f, "duration_ms").unwrap(), 1.5);
        assert_eq!(get(&f, "status").unwrap(), 201);
        assert!(get(&f, "user").is_none());

        let banner = "*** Starting uWSGI 2.0.23 (64bit) on [Mon Nov 30 14:00:00 2026] ***";
        assert!(starts_event(banner));
        let f = parse(banner, &p).unwrap();
        assert_eq!(get(&f, "logger").unwrap(), "uwsgi");

        for other in [
            "[pid: x|app: 0] 10.0.0.1 () {1 vars in 2 bytes} [Mon Nov 30 14:00:00 2026] GET /",
            "[pid: 1|app: 0|req: 1/1] no time here",
            "spawned uWSGI worker 1 (pid: 13, cores: 1)",
            "*** Starting uWSGI without a time ***",
        ] {
            assert!(parse(other, &p).is_none(), "{other}");
        }
    }
}
