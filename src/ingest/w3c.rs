//! The W3C extended log format, as IIS, Amazon CloudFront (standard logs, delivered to S3),
//! Azure and Exchange write it: `#` directives, among them `#Fields:` naming the columns of
//! the data lines that follow (space- or tab-separated, `-` for no value):
//!
//! ```text
//! #Software: Microsoft Internet Information Services 10.0
//! #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken
//! 2026-11-30 14:01:02 10.0.0.4 GET /api/orders/1274 - 443 - 203.0.113.9 curl/8.5.0 - 500 0 0 187
//! ```
//!
//! A data line means nothing without the `#Fields:` before it, and the lines of one file are
//! parsed in parallel chunks: the intake keeps the last directive and hands it to the parser
//! in front of every data line (`<fields>\n<line>`, see [`with_directive`]), so each line
//! parses alone. Directives are counted with the blank lines; the last `#Fields:` goes into
//! the source's commit so a later run reads on with it.
//!
//! Zeek's logs (`conn.log`, `http.log`, `dns.log`, ...) are of the same kind: `#fields`
//! and tab-separated names, tab-separated values, `-` unset and `(empty)` empty; their time is
//! `ts`, epoch seconds.
//!
//! A log whose fields have a `time` but no `date` (the format allows it; IIS's W3C logging
//! can be set up so) takes the day from the last `#Date:` directive, which the intake then
//! keeps in front of the names: the header is `[#Date: <date> <time>\n]<names>`.

use serde_json::Value;

use super::formats::{route_template, url_path};
use super::records::Fields;

const FIELDS_DIRECTIVE: &[u8] = b"#Fields:";
const ZEEK_FIELDS_DIRECTIVE: &[u8] = b"#fields\t";
const DATE_DIRECTIVE: &[u8] = b"#Date:";

/// The column names of a `#Fields:` directive line, as the parser receives them; `None` for
/// any other line. An AWS VPC flow log's header line is one too (see [`is_flow_log_header`]).
pub(crate) fn fields_directive(content: &[u8]) -> Option<&[u8]> {
    let names = content
        .strip_prefix(FIELDS_DIRECTIVE)
        .or_else(|| content.strip_prefix(ZEEK_FIELDS_DIRECTIVE));
    match names {
        Some(names) => Some(names.trim_ascii()),
        None => is_flow_log_header(content).then(|| content.trim_ascii()),
    }
}

/// AWS VPC flow logs, as delivered to S3, start with a line naming their fields, the default
/// `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes
/// start end action log-status` or a custom format's: lower-case names, among them
/// `srcaddr`, `dstaddr` and `start`. Data lines start with a number, so they fail at once.
fn is_flow_log_header(content: &[u8]) -> bool {
    let mut found = [false; 3];
    for name in content.split(|b| *b == b' ').filter(|n| !n.is_empty()) {
        if !name.iter().all(|b| b.is_ascii_lowercase() || *b == b'-') {
            return false;
        }
        for (i, wanted) in [&b"srcaddr"[..], b"dstaddr", b"start"].iter().enumerate() {
            found[i] |= name == *wanted;
        }
    }
    found.iter().all(|f| *f)
}

/// The header that holds after `line` (see the module doc), when the line is a `#Fields:` or
/// `#Date:` directive; `None` for any other line (the header stays as it is).
pub(crate) fn next_header(header: Option<&[u8]>, line: &[u8]) -> Option<Vec<u8>> {
    let (date, names) = split_header(header.unwrap_or_default());
    let (date, names) = if let Some(new_names) = fields_directive(line) {
        (date, new_names)
    } else if line.starts_with(DATE_DIRECTIVE) {
        (Some(line.trim_ascii()), names)
    } else {
        return None;
    };
    let mut next = Vec::with_capacity(names.len() + 32);
    if let Some(date) = date {
        next.extend_from_slice(date);
        next.push(b'\n');
    }
    next.extend_from_slice(names);
    Some(next)
}

/// Whether a header names fields (a `#Date:` may come before the `#Fields:`).
pub(crate) fn has_fields(header: &[u8]) -> bool {
    !split_header(header).1.is_empty()
}

/// A header's `#Date:` line, if any, and its names.
fn split_header(header: &[u8]) -> (Option<&[u8]>, &[u8]) {
    match header.iter().position(|&b| b == b'\n') {
        Some(newline) => (Some(&header[..newline]), &header[newline + 1..]),
        None => (None, header),
    }
}

/// Whether the line is a directive (`#Version:`, `#Date:`, `#Software:`, `#Fields:`, ...,
/// or a flow log's header).
pub(crate) fn is_directive(content: &[u8]) -> bool {
    content.first() == Some(&b'#') || is_flow_log_header(content)
}

/// What the parser reads for a data line: the directive's names, a newline, the line.
pub(crate) fn with_directive(names: &[u8], content: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(names);
    out.push(b'\n');
    out.extend_from_slice(content);
}

/// The fields of one data line (`names\nline`, see [`with_directive`]): each named value,
/// plus what the mapping onto `events` reads: `timestamp` (`date` and `time`, UTC as the
/// format says), `operation` (method and route), `status`, the duration (`time-taken`:
/// milliseconds in IIS, seconds with a fraction in CloudFront) and `message` (the request).
pub(crate) fn parse_w3c(text: &str) -> Result<Fields, String> {
    let Some((header, line)) = text.rsplit_once('\n') else {
        return Err("W3C log: a data line before any `#Fields:` directive".into());
    };
    let (date_directive, names) = match header.split_once('\n') {
        Some((date, names)) => (Some(date), names),
        None => (None, header),
    };
    // `#Date: 2026-11-30 00:00:00`: the day of a log whose fields have no `date`.
    let directive_day = date_directive
        .and_then(|d| d.strip_prefix("#Date:"))
        .and_then(|d| d.split_ascii_whitespace().next());
    // Exchange's message tracking and protocol logs separate names and values by commas,
    // quoting values as CSV does (`#Fields: date-time,client-ip,...`).
    let commas = names.contains(',') && !names.trim().contains(' ');
    let names: Vec<&str> = if commas {
        names.trim().split(',').collect()
    } else {
        names.split_ascii_whitespace().collect()
    };
    let split;
    // CloudFront separates values by tabs (its user agents keep their spaces, encoded),
    // IIS by single spaces (it writes `+` for a space inside a value).
    let values: Vec<&str> = if commas {
        split = super::csv::split_record(line).map_err(|why| format!("W3C log: {why}"))?;
        split.iter().map(String::as_str).collect()
    } else if line.contains('\t') {
        line.split('\t').collect()
    } else {
        line.split(' ').collect()
    };
    if values.len() != names.len() {
        return Err(format!(
            "W3C log: {} values where the `#Fields:` directive names {} ({})",
            values.len(),
            names.len(),
            names.join(" ")
        ));
    }
    let value_of = |name: &str| {
        names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))
            .map(|i| values[i])
            .filter(|v| !is_unset(v))
    };
    let zeek_time = value_of("ts")
        .filter(|_| names.contains(&"uid"))
        .and_then(|ts| ts.parse::<f64>().ok());
    let mut fields = super::records::field_list(names.len() + 4);
    match (value_of("date").or(directive_day), value_of("time")) {
        (Some(date), Some(time)) => {
            fields.push(("timestamp".into(), Value::String(format!("{date}T{time}Z"))))
        }
        _ if value_of("date-time").is_some() => fields.push((
            "timestamp".into(),
            Value::String(value_of("date-time").unwrap_or_default().to_string()),
        )),
        _ if zeek_time.is_some() => fields.push((
            "timestamp".into(),
            Value::from(zeek_time.unwrap_or_default()),
        )),
        // A VPC flow log: the start of the flow's capture window, epoch seconds.
        _ if value_of("start").is_some_and(|s| s.bytes().all(|b| b.is_ascii_digit())) => {
            let start: i64 = value_of("start").unwrap_or_default().parse().unwrap_or(0);
            fields.push(("timestamp".into(), Value::from(start)));
        }
        _ => {
            return Err(format!(
                "W3C log: no `date` and `time` values, nor a flow log's `start` (the fields \
                 directive names: {}; no `#Date:` directive gives the day)",
                names.join(" ")
            ))
        }
    }
    let zeek = zeek_time.is_some();
    let method = value_of("cs-method").or(value_of("method").filter(|_| zeek));
    let target = value_of("cs-uri-stem")
        .or_else(|| value_of("cs-uri"))
        .or(value_of("uri").filter(|_| zeek));
    if let (Some(method), Some(target)) = (method, target) {
        fields.push((
            "operation".into(),
            Value::String(format!("{method} {}", route_template(url_path(target)))),
        ));
        let query = value_of("cs-uri-query").map_or(String::new(), |q| format!("?{q}"));
        fields.push((
            "message".into(),
            Value::String(format!("{method} {target}{query}")),
        ));
    } else if let Some(flow) = flow_summary(&value_of) {
        fields.push(("message".into(), Value::String(flow.0)));
        // A rejected flow is what a flow log is read for.
        if flow.1 {
            fields.push(("level".into(), Value::String("WARN".into())));
        }
    } else {
        fields.push(("message".into(), Value::String(line.to_string())));
    }
    // Exchange's message tracking: a message that could not be delivered, or not yet.
    let tracking = value_of("event-id").filter(|_| value_of("message-id").is_some());
    if let Some(level) = tracking.and_then(|event| match event {
        "FAIL" => Some("ERROR"),
        "DEFER" => Some("WARN"),
        _ => None,
    }) {
        fields.push(("level".into(), Value::String(level.into())));
    }
    if let Some(status) = value_of("sc-status").or(value_of("status_code").filter(|_| zeek)) {
        fields.push(("status".into(), Value::String(status.to_string())));
    }
    // Zeek's `duration` is seconds; its `service` the protocol seen (`http`, `ssl`), not a
    // service of SHAPE's.
    let zeek_names = [("duration", "duration_s"), ("service", "protocol_service")];
    if let Some(taken) = value_of("time-taken") {
        let name = if taken.contains('.') {
            "request_time"
        } else {
            "duration_ms"
        };
        fields.push((name.into(), Value::String(taken.to_string())));
    }
    if let Some(id) = value_of("x-edge-request-id") {
        fields.push(("request_id".into(), Value::String(id.to_string())));
    }
    let mapped = [
        "date",
        "time",
        "date-time",
        "sc-status",
        "time-taken",
        "x-edge-request-id",
    ];
    for (name, value) in names.iter().zip(&values) {
        let zeek_ts = zeek && *name == "ts";
        if is_unset(value) || zeek_ts || mapped.iter().any(|m| name.eq_ignore_ascii_case(m)) {
            continue;
        }
        let renamed = zeek_names.iter().find(|(from, _)| zeek && name == from);
        let name = renamed.map_or(*name, |(_, to)| to);
        fields.push((name.to_string(), Value::String(value.to_string())));
    }
    Ok(fields)
}

/// `-` (W3C, Zeek's unset) or `(empty)` (Zeek's empty set or string) or nothing.
fn is_unset(value: &str) -> bool {
    matches!(value, "" | "-" | "(empty)")
}

/// A flow log record as a message, its own values in reading order (`REJECT 172.31.9.69 49761
/// 172.31.9.12 3389`: action, source and port, destination and port), and whether the flow was
/// rejected; `None` without an action and both addresses.
fn flow_summary<'a>(value_of: &impl Fn(&str) -> Option<&'a str>) -> Option<(String, bool)> {
    let (action, source, destination) = (
        value_of("action")?,
        value_of("srcaddr")?,
        value_of("dstaddr")?,
    );
    let mut text = format!("{action} {source}");
    for value in [value_of("srcport"), Some(destination), value_of("dstport")]
        .into_iter()
        .flatten()
    {
        text.push(' ');
        text.push_str(value);
    }
    Some((text, action == "REJECT"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::parse::LineParser;
    use crate::ingest::settings::FormatSettings;

    fn micros(rfc3339: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .timestamp_micros()
    }

    fn parse(names: &str, line: &str) -> Result<crate::ingest::parse::Event, String> {
        let settings = FormatSettings {
            format: Some("w3c".into()),
            ..FormatSettings::default()
        };
        let parser = LineParser::new(&settings, None, &[]).unwrap();
        let mut content = Vec::new();
        with_directive(
            fields_directive(names.as_bytes()).unwrap(),
            line.as_bytes(),
            &mut content,
        );
        parser.parse(&content)
    }

    #[test]
    fn iis_default_fields() {
        let event = parse(
            "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken",
            "2026-11-30 14:01:02 10.0.0.4 GET /api/orders/1274 id=7&x=1 443 - 203.0.113.9 Mozilla/5.0+(Windows+NT+10.0) - 500 0 64 187",
        )
        .unwrap();
        assert_eq!(event.ts_micros, micros("2026-11-30T14:01:02Z"));
        assert_eq!(event.operation, "GET /api/orders/{id}");
        assert_eq!(event.message, "GET /api/orders/1274?id=7&x=1");
        assert_eq!(event.status_code, Some(500));
        assert_eq!(event.level, "ERROR");
        assert_eq!(event.outcome, "error");
        assert_eq!(event.duration_ms, Some(187.0));
        let attributes: Value = serde_json::from_str(&event.attributes).unwrap();
        assert_eq!(attributes["c-ip"], "203.0.113.9");
        assert_eq!(
            attributes["cs(User-Agent)"],
            "Mozilla/5.0+(Windows+NT+10.0)"
        );
        assert_eq!(attributes["sc-win32-status"], "64");
        assert!(attributes.get("cs-username").is_none(), "`-` is no value");
        assert!(attributes.get("date").is_none() && attributes.get("time-taken").is_none());
    }

    /// Exchange's message tracking log: names and values separated by commas, values quoted
    /// as CSV's are, one `date-time`.
    #[test]
    fn exchange_message_tracking_log() {
        let names = "#Fields: date-time,client-ip,server-hostname,event-id,message-id,\
                     recipient-address,recipient-status,message-subject";
        let event = parse(
            names,
            "2026-11-30T14:01:05.456Z,,EX01,FAIL,<a2@example.com>,carol@example.org,\
             550 5.1.1 RESOLVER.ADR.RecipNotFound,\"Invoice 42, overdue\"",
        )
        .unwrap();
        assert_eq!(event.ts_micros, micros("2026-11-30T14:01:05.456Z"));
        assert_eq!(event.level, "ERROR");
        let attributes: Value = serde_json::from_str(&event.attributes).unwrap();
        assert_eq!(attributes["message-subject"], "Invoice 42, overdue");
        assert_eq!(attributes["recipient-address"], "carol@example.org");
        assert!(
            attributes.get("client-ip").is_none(),
            "an empty value is no value"
        );
        let delivered = parse(
            names,
            "2026-11-30T14:01:02Z,10.0.0.5,EX01,DELIVER,<a1@example.com>,bob@example.com,250,Hi",
        )
        .unwrap();
        assert_eq!(delivered.level, "INFO");
        let short = parse(names, "2026-11-30T14:01:02Z,10.0.0.5").unwrap_err();
        assert!(short.contains("2 values where"), "{short}");
        let open = parse(names, "2026-11-30T14:01:02Z,,EX01,FAIL,<a>,b,c,\"Invoice").unwrap_err();
        assert!(open.contains("does not close"), "{open}");
    }

    #[test]
    fn cloudfront_standard_log() {
        let event = parse(
            "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken",
            "2026-11-30\t14:01:02\tFRA56-P5\t2390\t192.0.2.10\tGET\td111111abcdef8.cloudfront.net\t/images/cat.jpg\t200\t-\tMozilla/5.0%20(Macintosh)\t-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\tshop.example.com\thttps\t96\t0.082",
        )
        .unwrap();
        assert_eq!(event.ts_micros, micros("2026-11-30T14:01:02Z"));
        assert_eq!(event.operation, "GET /images/cat.jpg");
        assert_eq!(event.status_code, Some(200));
        assert_eq!(event.level, "INFO");
        assert_eq!(event.duration_ms, Some(82.0));
        assert_eq!(
            event.trace_id.as_deref(),
            Some("SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==")
        );
        let attributes: Value = serde_json::from_str(&event.attributes).unwrap();
        assert_eq!(attributes["x-edge-result-type"], "Hit");
        assert_eq!(attributes["cs(User-Agent)"], "Mozilla/5.0%20(Macintosh)");
    }

    #[test]
    fn lines_that_cannot_be_read() {
        let names = "#Fields: date time cs-method cs-uri-stem sc-status";
        let short = parse(names, "2026-11-30 14:01:02 GET /").unwrap_err();
        assert!(
            short.contains("4 values where the `#Fields:` directive names 5"),
            "{short}"
        );
        let no_time = parse("#Fields: cs-method cs-uri-stem", "GET /").unwrap_err();
        assert!(no_time.contains("no `date` and `time`"), "{no_time}");
        let bad_date = parse(names, "2026-13-40 14:01:02 GET / 200").unwrap_err();
        assert!(bad_date.contains("timestamp"), "{bad_date}");
        let settings = FormatSettings {
            format: Some("w3c".into()),
            ..FormatSettings::default()
        };
        let parser = LineParser::new(&settings, None, &[]).unwrap();
        let headless = parser.parse(b"2026-11-30 14:01:02 GET / 200").unwrap_err();
        assert!(headless.contains("before any `#Fields:`"), "{headless}");
    }

    #[test]
    fn the_date_directive_gives_the_day_of_time_only_fields() {
        // IIS writes `#Date:` before `#Fields:`; a later `#Date:` (a new block) takes over.
        let mut header = None;
        for line in [
            "#Software: Microsoft Internet Information Services 10.0",
            "#Date: 2026-11-30 00:00:00",
            "#Fields: time cs-method cs-uri-stem sc-status time-taken",
        ] {
            if let Some(next) = next_header(header.as_deref(), line.as_bytes()) {
                header = Some(next);
            }
        }
        let header = header.unwrap();
        assert!(has_fields(&header));
        assert!(!has_fields(b"#Date: 2026-11-30 00:00:00\n"));
        let settings = FormatSettings {
            format: Some("w3c".into()),
            ..FormatSettings::default()
        };
        let parser = LineParser::new(&settings, None, &[]).unwrap();
        let mut content = Vec::new();
        with_directive(&header, b"14:01:02 GET /api/orders/7 500 187", &mut content);
        let event = parser.parse(&content).unwrap();
        assert_eq!(event.ts_micros, micros("2026-11-30T14:01:02Z"));
        assert_eq!(event.operation, "GET /api/orders/{id}");
        assert_eq!(event.duration_ms, Some(187.0));
        let next_day = next_header(Some(&header), b"#Date: 2026-12-01 00:00:00").unwrap();
        content.clear();
        with_directive(&next_day, b"00:00:03 GET / 200 2", &mut content);
        let event = parser.parse(&content).unwrap();
        assert_eq!(event.ts_micros, micros("2026-12-01T00:00:03Z"));
        // A date field wins over the directive.
        let fields = next_header(Some(&next_day), b"#Fields: date time cs-method cs-uri-stem");
        content.clear();
        with_directive(&fields.unwrap(), b"2026-11-29 23:59:59 GET /", &mut content);
        let event = parser.parse(&content).unwrap();
        assert_eq!(event.ts_micros, micros("2026-11-29T23:59:59Z"));
        // Without any `#Date:`, a time alone is no timestamp.
        let why = parse("#Fields: time cs-method cs-uri-stem", "14:01:02 GET /").unwrap_err();
        assert!(why.contains("no `#Date:` directive"), "{why}");
    }

    #[test]
    fn vpc_flow_logs_read_with_their_header_line() {
        let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
        assert!(is_directive(header.as_bytes()));
        let data = "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK";
        assert!(!is_directive(data.as_bytes()));
        let event = parse(header, data).unwrap();
        assert_eq!(event.ts_micros, 1_418_530_010_000_000);
        assert_eq!(event.level, "WARN");
        assert_eq!(event.message, "REJECT 172.31.9.69 49761 172.31.9.12 3389");
        assert!(event
            .attributes
            .contains(r#""interface-id":"eni-1235b8ca123456789""#));
        // NODATA: no flow, no addresses: the line is the message.
        let idle = "2 123456789010 eni-1a2b3c4d - - - - - - - 1431280876 1431280934 - NODATA";
        let event = parse(header, idle).unwrap();
        assert_eq!((event.level, event.message.as_str()), ("INFO", idle));
        // Not a header: upper case, or without the addresses.
        assert!(!is_flow_log_header(b"version srcaddr dstaddr"));
        assert!(!is_flow_log_header(b"Version srcaddr dstaddr start"));
        let sample: Vec<&[u8]> = vec![header.as_bytes(), data.as_bytes()];
        let parser = LineParser::new(&FormatSettings::default(), None, &[]).unwrap();
        let chosen = crate::ingest::detect::choose_format(&parser, &sample);
        assert!(matches!(
            chosen.format,
            crate::ingest::formats::LineFormat::W3c
        ));
    }

    #[test]
    fn zeek_logs_read_with_their_fields_directive() {
        let header = "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\tconn_state";
        assert!(fields_directive(header.as_bytes()).is_some());
        assert!(is_directive(b"#separator \\x09"));
        let data = "1764511262.5\tCHhAvVGS1DHFjwGM9\t10.0.0.5\t53412\t10.0.0.2\t80\ttcp\thttp\t0.012345\tSF";
        let event = parse(header, data).unwrap();
        assert_eq!(event.ts_micros, 1_764_511_262_500_000);
        assert_eq!(event.duration_ms, Some(12.345));
        assert_eq!(event.service, "unknown");
        assert!(event.attributes.contains(r#""protocol_service":"http""#));
        // http.log: the request is the operation, `status_code` the status; `(empty)` is
        // no value.
        let http = "#fields\tts\tuid\tmethod\thost\turi\tstatus_code\ttags";
        let line =
            "1764511263.0\tC4J4Th3PJpwUYZZ6gc\tGET\tshop.example.com\t/api/orders/42\t503\t(empty)";
        let event = parse(http, line).unwrap();
        assert_eq!(event.operation, "GET /api/orders/{id}");
        assert_eq!(event.status_code, Some(503));
        assert!(!event.attributes.contains("tags"));
        // Without a `uid`, a `ts` is not Zeek's.
        assert!(parse("#Fields: ts x", "1764511263.0 y").is_err());
    }
}
