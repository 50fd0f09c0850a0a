//! Layouts with a fixed header of their own: Oracle WebLogic's server log (`####<time>
//! <Severity> <Subsystem> <machine> <server> <thread> ... <BEA-000000> <message>`), IBM
//! WebSphere's `SystemOut.log` (`[11/30/26 14:01:02:123 UTC] 0000004a WebContainer  E
//! message`: a thread id, a short logger name, an event-type letter) and the alerts IDSs
//! write to `fast.log` (Suricata's `11/30/2026-14:01:02.123456  [**] [1:2010935:2] msg [**]
//! [Classification: ...] [Priority: 2] {TCP} src -> dst`, Snort's with no year), and VMware
//! ESXi's vmkernel, hostd and vpxa logs, Configuration Manager's CMTrace records, Db2's
//! `db2diag.log` and Fly.io's `fly logs`.

use chrono::NaiveDate;
use serde_json::Value;

use super::{push_message, timestamp_at, TextParser};
use crate::ingest::timestamps::{zone_word_secs, Stamp};

type Fields = Vec<(String, Value)>;

pub(super) fn parse(text: &str, parser: &TextParser) -> Option<Fields> {
    if let Some(rest) = text.strip_prefix("####<") {
        return weblogic(rest, parser);
    }
    if let Some(rest) = text.strip_prefix("<![LOG[") {
        return cmtrace(rest);
    }
    if text.starts_with('[') && text.as_bytes().get(3) == Some(&b'/') {
        return websphere(&text[1..]);
    }
    if let Some(fields) = esxi(text) {
        return Some(fields);
    }
    if let Some(fields) = db2_diag(text).or_else(|| fly(text)) {
        return Some(fields);
    }
    let alert_at = text.get(..40).and_then(|head| head.find("  [**] "))?;
    ids_alert(text, alert_at, parser)
}

/// VMware ESXi, after its `2026-11-30T14:01:02.123Z ` stamp: vmkernel's `cpu1:2097152)WARNING:
/// NMP: message` (the CPU, the world id, the level when one is written, the module as
/// component), hostd's and vpxa's `info hostd[2099573] [Originator@6876 sub=Vimsvc opID=x]
/// message` and ESXi 8's `In(166) Hostd[2099573]: [Originator@6876 sub=Default] message` (the
/// daemon as service, its pid, `sub` as component, the operation id).
fn esxi(text: &str) -> Option<Fields> {
    let bytes = text.as_bytes();
    // The stamp ESXi writes, always 24 bytes: ruled out in a few compares.
    if bytes.len() < 30 || bytes[10] != b'T' || bytes[23] != b'Z' || bytes[24] != b' ' {
        return None;
    }
    let rest = &text[25..];
    let mut fields = Fields::new();
    fields.push(("ts".into(), text_value(&text[..24])));
    if let Some((cpu, after)) = rest.strip_prefix("cpu").and_then(|r| r.split_once(')')) {
        let (cpu, world) = cpu.split_once(':')?;
        if cpu.parse::<u32>().is_err() || world.parse::<u64>().is_err() {
            return None;
        }
        fields.push(("cpu".into(), text_value(cpu)));
        fields.push(("world_id".into(), text_value(world)));
        let (level, after) = match after.split_once(": ") {
            Some((word, message)) if word.bytes().all(|b| b.is_ascii_uppercase()) => {
                match crate::ingest::values::normalize_level(word) {
                    Some(level) => (level, message),
                    None => ("INFO", after),
                }
            }
            _ => ("INFO", after),
        };
        fields.push(("level".into(), text_value(level)));
        if let Some((module, message)) = after.split_once(": ") {
            if !module.is_empty() && !module.contains(' ') {
                fields.push(("logger".into(), text_value(module)));
                push_message(message, &mut fields);
                return Some(fields);
            }
        }
        push_message(after, &mut fields);
        return Some(fields);
    }
    let (severity, after) = rest.split_once(' ')?;
    let (daemon, after) = after.split_once(' ')?;
    let after = after.strip_prefix("[Originator@")?;
    let level = match severity {
        "verbose" => "DEBUG",
        "info" => "INFO",
        "warning" => "WARN",
        "error" => "ERROR",
        other => {
            let code = other.split_once('(').map(|(code, _)| code)?;
            return esxi_with_code(code, daemon, after, fields);
        }
    };
    esxi_daemon(level, daemon, after, fields)
}

/// IBM Db2's `db2diag.log`: `2026-11-30-14.01.02.123456+060 I1234E567          LEVEL: Error`,
/// then `KEY : value` lines (`PID`, `PROC`, `INSTANCE`, `DB`, `FUNCTION`, `MESSAGE`) joined to
/// it. The offset is in minutes east of UTC; `MESSAGE` is the message (else the lines after
/// the first), `FUNCTION`'s component (`buffer pool services`) the component.
fn db2_diag(text: &str) -> Option<Fields> {
    let b = text.as_bytes();
    let dots = b.get(10) == Some(&b'-') && b.get(13) == Some(&b'.') && b.get(16) == Some(&b'.');
    if !dots || b.get(19) != Some(&b'.') || !matches!(b.get(26), Some(b'+' | b'-')) {
        return None;
    }
    let local = chrono::NaiveDateTime::parse_from_str(&text[..26], "%Y-%m-%d-%H.%M.%S%.6f").ok()?;
    let offset: i64 = text.get(26..30)?.parse().ok()?;
    let utc = local - chrono::Duration::minutes(offset);
    let (first, body) = text.split_once('\n').unwrap_or((text, ""));
    let level_word = first.split("LEVEL: ").nth(1)?.trim();
    let level = match level_word {
        "Critical" | "Severe" => "FATAL",
        "Error" => "ERROR",
        "Warning" => "WARN",
        "Info" | "Event" => "INFO",
        _ => return None,
    };
    let mut fields = Fields::new();
    fields.push((
        "ts".into(),
        text_value(&format!("{}Z", utc.format("%Y-%m-%dT%H:%M:%S%.6f"))),
    ));
    fields.push(("level".into(), text_value(level)));
    if let Some(record) = first[30..].split_whitespace().next() {
        fields.push(("record".into(), text_value(record)));
    }
    for (key, name) in [
        ("PID", "pid"),
        ("PROC", "proc"),
        ("INSTANCE", "instance"),
        ("DB", "database"),
        ("FUNCTION", "function"),
    ] {
        if let Some(value) = db2_value(body, key) {
            fields.push((name.into(), text_value(value)));
        }
    }
    if let Some(component) = db2_value(body, "FUNCTION").and_then(|f| f.split(", ").nth(1)) {
        fields.push(("logger".into(), text_value(component)));
    }
    let message = match body.find("MESSAGE :") {
        Some(at) => body[at + "MESSAGE :".len()..].trim(),
        None => body.trim(),
    };
    push_message(message, &mut fields);
    Some(fields)
}

/// A `KEY : value` of a Db2 record: the value runs to two spaces or the line's end.
fn db2_value<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    body.lines().find_map(|line| {
        let mut rest = line;
        loop {
            let at = rest.find(key)?;
            let before_ok = at == 0 || rest.as_bytes()[at - 1] == b' ';
            let after = rest[at + key.len()..].trim_start_matches(' ');
            if let Some(value) = after.strip_prefix(": ").filter(|_| before_ok) {
                let value = value.split("  ").next().unwrap_or(value).trim();
                return (!value.is_empty()).then_some(value);
            }
            rest = &rest[at + key.len()..];
        }
    })
}

/// Fly.io's `fly logs`: `2026-11-30T14:01:02Z app[91852e3d] iad [info] message`: the process
/// group, the machine and the region kept, the level from its bracket.
fn fly(text: &str) -> Option<Fields> {
    let (stamp, rest) = text.split_once(' ')?;
    if stamp.len() < 20 || stamp.as_bytes()[10] != b'T' || !stamp.ends_with('Z') {
        return None;
    }
    let (process, rest) = rest.split_once('[')?;
    let (machine, rest) = rest.split_once("] ")?;
    let (region, rest) = rest.split_once(" [")?;
    let (level, message) = rest.split_once(']')?;
    let lower = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase());
    let named = lower(process) && region.len() == 3 && lower(region);
    if !named || !machine.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let level = crate::ingest::values::normalize_level(level)?;
    let mut fields = vec![
        ("ts".into(), text_value(stamp)),
        ("level".into(), text_value(level)),
        ("fly.process".into(), text_value(process)),
        ("fly.machine".into(), text_value(machine)),
        ("fly.region".into(), text_value(region)),
    ];
    push_message(message.trim_start(), &mut fields);
    Some(fields)
}

/// ESXi 8's severity with its syslog code: `In(166)`.
fn esxi_with_code(code: &str, daemon: &str, after: &str, fields: Fields) -> Option<Fields> {
    let level = match code {
        "Db" => "DEBUG",
        "In" | "No" => "INFO",
        "Wa" => "WARN",
        "Er" => "ERROR",
        "Cr" | "Al" | "Em" => "FATAL",
        _ => return None,
    };
    esxi_daemon(level, daemon, after, fields)
}

fn esxi_daemon(level: &str, daemon: &str, after: &str, mut fields: Fields) -> Option<Fields> {
    let daemon = daemon.trim_end_matches(':');
    let (name, pid) = daemon.strip_suffix(']')?.split_once('[')?;
    let (context, message) = after.split_once("] ")?;
    fields.push(("level".into(), text_value(level)));
    fields.push(("service".into(), text_value(name)));
    fields.push(("pid".into(), Value::from(pid.parse::<u64>().ok()?)));
    for pair in context.split(' ').skip(1) {
        match pair.split_once('=') {
            Some(("sub", sub)) => fields.push(("logger".into(), text_value(sub))),
            Some(("opID", id)) => fields.push(("op_id".into(), text_value(id))),
            Some((key, value)) => fields.push((key.to_string(), text_value(value))),
            None => {}
        }
    }
    push_message(message, &mut fields);
    Some(fields)
}

/// A WebLogic record's first line (its time is inside `<...>`, where no timestamp is looked
/// for); the lines after it (a stack trace) continue it.
pub(super) fn starts_event(text: &str) -> bool {
    text.starts_with("####<") || text.starts_with("<![LOG[")
}

/// Configuration Manager's (SCCM, Intune's management extension) CMTrace records:
/// `<![LOG[message]LOG]!><time="14:01:02.123-60" date="11-30-2026" component="CcmExec"
/// context="" type="3" thread="1234" file="policyagent.cpp:456">`. The time's suffix is
/// Windows' bias in minutes (UTC = local + bias); `type` 1 is INFO, 2 WARN, 3 ERROR. A
/// message may span lines.
fn cmtrace(rest: &str) -> Option<Fields> {
    let end = rest.rfind("]LOG]!>")?;
    let message = &rest[..end];
    let attributes = &rest[end + "]LOG]!>".len()..];
    let attribute = |name: &str| {
        let start = attributes.find(&format!("{name}=\""))? + name.len() + 2;
        attributes[start..].split('"').next()
    };
    let time = attribute("time")?;
    let split = time.rfind(['+', '-'])?;
    let (clock, bias) = (&time[..split], time[split..].parse::<i64>().ok()?);
    let clock = chrono::NaiveTime::parse_from_str(clock, "%H:%M:%S%.f").ok()?;
    let date = NaiveDate::parse_from_str(attribute("date")?, "%m-%d-%Y").ok()?;
    let utc = date.and_time(clock) + chrono::Duration::minutes(bias);
    let level = match attribute("type")? {
        "0" | "1" => "INFO",
        "2" => "WARN",
        "3" => "ERROR",
        _ => return None,
    };
    let mut fields = Fields::new();
    fields.push((
        "ts".into(),
        text_value(&format!("{}Z", utc.format("%Y-%m-%dT%H:%M:%S%.3f"))),
    ));
    fields.push(("level".into(), text_value(level)));
    for (name, key) in [
        ("logger", "component"),
        ("thread", "thread"),
        ("source", "file"),
    ] {
        if let Some(value) = attribute(key).filter(|v| !v.is_empty()) {
            fields.push((name.into(), text_value(value)));
        }
    }
    push_message(message, &mut fields);
    Some(fields)
}

fn text_value(value: &str) -> Value {
    Value::String(value.to_string())
}

/// The `<...>` values of a WebLogic record after its `####<`, in order (`<<WLS Kernel>>`
/// keeps its inner brackets); the message, after the message id, may hold `> <` itself.
fn angle_values(rest: &str) -> Option<(Vec<&str>, String)> {
    let rest = rest.trim_end().strip_suffix('>')?;
    let values: Vec<&str> = rest.split("> <").collect();
    let id_at = (6..values.len()).find(|&i| is_message_id(values[i]));
    let (header, message) = match id_at {
        Some(i) if i + 1 < values.len() => (values[..=i].to_vec(), values[i + 1..].join("> <")),
        _ => (
            values[..values.len() - 1].to_vec(),
            values.last()?.to_string(),
        ),
    };
    Some((header, message))
}

fn weblogic(rest: &str, parser: &TextParser) -> Option<Fields> {
    // A stack trace on the lines after a whole first record joins its message; a message
    // that itself spans lines (a version banner, a trace before the closing `>`) ends the
    // record on its last line.
    let (first, more) = rest
        .split_once('\n')
        .map_or((rest, None), |(f, m)| (f, Some(m)));
    let (values, message) = match (angle_values(first), more) {
        (Some((values, message)), Some(more)) => (values, format!("{message}\n{more}")),
        (Some(whole), None) => whole,
        (None, Some(_)) => angle_values(rest)?,
        (None, None) => return None,
    };
    let [time, severity, subsystem, machine, server, thread, ..] = values.as_slice() else {
        return None;
    };
    let level = match severity.to_ascii_lowercase().as_str() {
        "emergency" | "alert" | "critical" => "FATAL",
        "error" => "ERROR",
        "warning" => "WARN",
        "notice" | "info" => "INFO",
        "debug" | "trace" => "DEBUG",
        _ => return None,
    };
    let mut fields = Fields::new();
    // The raw time in epoch milliseconds (11th value) is exact; else the text.
    let epoch = values
        .get(9)
        .and_then(|ms| ms.parse::<f64>().ok())
        .filter(|ms| *ms > 1e12);
    let ts = match epoch {
        Some(ms) => serde_json::Number::from_f64(ms / 1000.0).map(Value::Number)?,
        None => {
            let (stamp, _) = timestamp_at(time)?;
            let stamp = match stamp {
                // `2:01:02,123 PM UTC`: the zone word after the clock.
                Stamp::Naive { time: t, .. } => {
                    let zone = time
                        .rsplit(' ')
                        .next()
                        .and_then(zone_word_secs)
                        .unwrap_or(0);
                    let utc = t - chrono::Duration::seconds(i64::from(zone));
                    Stamp::Zoned(format!("{}Z", utc.format("%Y-%m-%dT%H:%M:%S%.f")))
                }
                other => other,
            };
            parser.ts_value(stamp)
        }
    };
    fields.push(("ts".into(), ts));
    fields.push(("level".into(), text_value(level)));
    fields.push(("logger".into(), text_value(subsystem)));
    fields.push(("host".into(), text_value(machine)));
    fields.push(("server".into(), text_value(server)));
    fields.push(("thread".into(), text_value(thread)));
    if let Some(id) = values.last().filter(|id| is_message_id(id)) {
        fields.push(("message_id".into(), text_value(id)));
    }
    push_message(&message, &mut fields);
    Some(fields)
}

/// `BEA-101020`, `WL-000000`: WebLogic's message ids.
fn is_message_id(value: &str) -> bool {
    value.split_once('-').is_some_and(|(prefix, digits)| {
        !prefix.is_empty()
            && prefix.bytes().all(|b| b.is_ascii_uppercase())
            && digits.len() >= 6
            && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// `11/30/26 14:01:02:123 UTC] 0000004a WebContainer  E message` (after the `[`).
fn websphere(rest: &str) -> Option<Fields> {
    let (stamp, after) = rest.split_once("] ")?;
    let (date, clock_and_zone) = stamp.split_once(' ')?;
    let (clock, zone) = clock_and_zone
        .split_once(' ')
        .unwrap_or((clock_and_zone, "UTC"));
    let mut date_parts = date.split('/').map(|p| p.parse::<u32>().ok());
    let (month, day, year) = (
        date_parts.next()??,
        date_parts.next()??,
        date_parts.next()??,
    );
    let mut clock_parts = clock.split(':').map(|p| p.parse::<u32>().ok());
    let (h, m, s, ms) = (
        clock_parts.next()??,
        clock_parts.next()??,
        clock_parts.next()??,
        clock_parts.next()??,
    );
    let year = if year < 100 { 2000 + year } else { year };
    let local = NaiveDate::from_ymd_opt(year as i32, month, day)?.and_hms_milli_opt(h, m, s, ms)?;
    let utc = local - chrono::Duration::seconds(i64::from(zone_word_secs(zone)?));
    let mut words = after.split_ascii_whitespace();
    let thread = words.next().filter(|t| t.len() == 8 && is_hex(t))?;
    let logger = words.next()?;
    let kind = words.next().filter(|k| k.len() == 1)?;
    let level = match kind {
        "E" | "R" => "ERROR",
        "W" => "WARN",
        "F" => "FATAL",
        "D" | "Z" => "DEBUG",
        "O" | "I" | "A" | "C" => "INFO",
        _ => return None,
    };
    // The message is what follows the letter, its spacing kept.
    let kind_at = after.find(&format!(" {kind} "))?;
    let message = after[kind_at + 3..].trim_start();
    let mut fields = Fields::new();
    fields.push((
        "ts".into(),
        text_value(&format!("{}Z", utc.format("%Y-%m-%dT%H:%M:%S%.3f"))),
    ));
    fields.push(("thread".into(), text_value(thread)));
    fields.push(("logger".into(), text_value(logger)));
    fields.push(("level".into(), text_value(level)));
    fields.push(("event_type".into(), text_value(kind)));
    push_message(message, &mut fields);
    Some(fields)
}

fn is_hex(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A `fast.log` alert: `time  [**] [gid:sid:rev] message [**] [Classification: c]
/// [Priority: n] {PROTO} src -> dst`. Priority 1 is ERROR, 2 WARN, 3 and above INFO.
fn ids_alert(text: &str, alert_at: usize, parser: &TextParser) -> Option<Fields> {
    let (stamp, len) = timestamp_at(text)?;
    if len != alert_at {
        return None;
    }
    let body = &text[alert_at + "  [**] ".len()..];
    let (rule, body) = body.strip_prefix('[')?.split_once("] ")?;
    let (message, details) = body.split_once(" [**] ")?;
    let mut fields = Fields::new();
    fields.push(("ts".into(), parser.ts_value(stamp)));
    fields.push(("rule".into(), text_value(rule)));
    let bracketed = |name: &str| {
        let start = details.find(&format!("[{name}: "))? + name.len() + 3;
        details[start..].split(']').next()
    };
    if let Some(class) = bracketed("Classification") {
        fields.push(("classification".into(), text_value(class)));
    }
    let priority = bracketed("Priority").and_then(|p| p.trim().parse::<u8>().ok());
    if let Some(priority) = priority {
        fields.push(("priority".into(), Value::from(priority)));
        let level = match priority {
            1 => "ERROR",
            2 => "WARN",
            _ => "INFO",
        };
        fields.push(("level".into(), text_value(level)));
    }
    if let Some(flow) = details.find('{').map(|at| &details[at..]) {
        if let Some((protocol, addresses)) = flow[1..].split_once("} ") {
            fields.push(("protocol".into(), text_value(protocol)));
            if let Some((source, destination)) = addresses.split_once(" -> ") {
                fields.push(("src".into(), text_value(source)));
                fields.push(("dst".into(), text_value(destination.trim())));
            }
        }
    }
    fields.push(("message".into(), text_value(message)));
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::super::tests::parser;
    use super::*;

    fn get<'a>(fields: &'a Fields, key: &str) -> Option<&'a Value> {
        fields.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn text_of<'a>(fields: &'a Fields, key: &str) -> &'a str {
        get(fields, key).and_then(Value::as_str).unwrap_or("")
    }

    #[test]
    fn weblogic_server_log() {
        let line = "####<Nov 30, 2026 2:01:02,123 PM UTC> <Error> <HTTP> <web-1> <AdminServer> <[ACTIVE] ExecuteThread: '3' for queue: 'weblogic.kernel.Default (self-tuning)'> <<WLS Kernel>> <> <abc-123> <1796047262123> <[severity-value: 8] [rid: 0] > <BEA-101020> <Servlet failed with an IOException.>";
        let fields = parse(line, &parser()).unwrap();
        assert_eq!(
            get(&fields, "ts").and_then(Value::as_f64),
            Some(1796047262.123)
        );
        assert_eq!(text_of(&fields, "level"), "ERROR");
        assert_eq!(text_of(&fields, "logger"), "HTTP");
        assert_eq!(text_of(&fields, "server"), "AdminServer");
        assert_eq!(text_of(&fields, "message_id"), "BEA-101020");
        assert_eq!(
            text_of(&fields, "message"),
            "Servlet failed with an IOException."
        );
        // Without the raw time, the text's (the zone word applied).
        let line = "####<Nov 30, 2026 2:01:03,456 PM CET> <Warning> <Server> <web-1> <Managed1> <main> <<WLS Kernel>> <> <> <> <> <BEA-002613> <Channel \"Default\" is listening>";
        let fields = parse(line, &parser()).unwrap();
        assert_eq!(text_of(&fields, "ts"), "2026-11-30T13:01:03.456Z");
        assert_eq!(text_of(&fields, "level"), "WARN");
        assert_eq!(
            text_of(&fields, "message"),
            "Channel \"Default\" is listening"
        );
        // A message over several lines, the record closed on the last.
        let record = "####<Mar 24, 2022 10:30:29,193 AM GMT> <Notice> <JMX> <wlsadmin> <AdminServer> <[ACTIVE] ExecuteThread: '2' for queue: 'weblogic.kernel.Default (self-tuning)'> <<WLS Kernel>> <> <38f0-1b> <1648117829193> <[severity-value: 32] [rid: 0] > <BEA-149535> <JMX Resiliency Activity Server=ms-1 : \nReceived a CONNECT EVENT \n> ";
        let fields = parse(record, &parser()).unwrap();
        assert_eq!(text_of(&fields, "level"), "INFO");
        assert_eq!(text_of(&fields, "message_id"), "BEA-149535");
        assert_eq!(
            text_of(&fields, "message"),
            "JMX Resiliency Activity Server=ms-1 : \nReceived a CONNECT EVENT \n"
        );
    }

    #[test]
    fn websphere_system_out() {
        let line = "[11/30/26 14:01:03:456 CET] 0000004a WebContainer  E   SRVE0777E: Exception thrown by application class 'com.example.Orders.handle:42'";
        let fields = parse(line, &parser()).unwrap();
        assert_eq!(text_of(&fields, "ts"), "2026-11-30T13:01:03.456Z");
        assert_eq!(text_of(&fields, "thread"), "0000004a");
        assert_eq!(text_of(&fields, "logger"), "WebContainer");
        assert_eq!(text_of(&fields, "level"), "ERROR");
        assert!(text_of(&fields, "message").starts_with("SRVE0777E: Exception thrown"));
        let line = "[11/30/26 14:01:02:123 UTC] 00000042 SystemOut     O Application started";
        let fields = parse(line, &parser()).unwrap();
        assert_eq!(text_of(&fields, "level"), "INFO");
        assert_eq!(text_of(&fields, "message"), "Application started");
    }

    #[test]
    fn suricata_and_snort_fast_alerts() {
        let line = "11/30/2026-14:01:02.123456  [**] [1:2010935:2] ET POLICY Suspicious inbound to MSSQL port 1433 [**] [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 10.0.0.1:1234 -> 10.0.0.2:1433";
        let fields = parse(line, &parser()).unwrap();
        assert_eq!(text_of(&fields, "ts"), "2026-11-30T14:01:02.123456");
        assert_eq!(text_of(&fields, "rule"), "1:2010935:2");
        assert_eq!(text_of(&fields, "level"), "WARN");
        assert_eq!(
            text_of(&fields, "classification"),
            "Potentially Bad Traffic"
        );
        assert_eq!(text_of(&fields, "protocol"), "TCP");
        assert_eq!(text_of(&fields, "dst"), "10.0.0.2:1433");
        assert_eq!(
            text_of(&fields, "message"),
            "ET POLICY Suspicious inbound to MSSQL port 1433"
        );
        // Snort writes no year.
        let line = "11/30-14:01:03.456789  [**] [1:1000001:1] ICMP test [**] [Priority: 1] {ICMP} 10.0.0.9 -> 10.0.0.1";
        let fields = parse(line, &parser()).unwrap();
        assert_eq!(text_of(&fields, "level"), "ERROR");
        assert!(text_of(&fields, "ts").ends_with("-11-30T14:01:03.456789"));
    }

    #[test]
    fn configuration_manager_cmtrace_records() {
        let line = r#"<![LOG[Failed to download policy, error 0x80070005]LOG]!><time="14:01:02.123+480" date="11-30-2026" component="CcmExec" context="" type="3" thread="1234" file="policyagent.cpp:456">"#;
        let fields = parse(line, &parser()).unwrap();
        assert_eq!(text_of(&fields, "ts"), "2026-11-30T22:01:02.123Z");
        assert_eq!(text_of(&fields, "level"), "ERROR");
        assert_eq!(text_of(&fields, "logger"), "CcmExec");
        assert_eq!(text_of(&fields, "source"), "policyagent.cpp:456");
        assert_eq!(
            text_of(&fields, "message"),
            "Failed to download policy, error 0x80070005"
        );
        // A message over two lines, a warning, a bias west of nothing.
        let text = "<![LOG[Retrying\nsecond line]LOG]!><time=\"00:30:00.000-60\" date=\"12-01-2026\" component=\"X\" context=\"\" type=\"2\" thread=\"1\" file=\"\">";
        let fields = parse(text, &parser()).unwrap();
        assert_eq!(text_of(&fields, "ts"), "2026-11-30T23:30:00.000Z");
        assert_eq!(text_of(&fields, "level"), "WARN");
        assert_eq!(text_of(&fields, "message"), "Retrying\nsecond line");
        assert!(starts_event("<![LOG[x"));
    }

    #[test]
    fn db2_diagnostic_records() {
        let record = "2026-11-30-14.01.02.123456+060 I1234E567          LEVEL: Error\n\
PID     : 1234                 TID : 5678           PROC : db2sysc 0\n\
INSTANCE: db2inst1             NODE : 000           DB   : SAMPLE\n\
FUNCTION: DB2 UDB, buffer pool services, sqlbAlterBufferPool, probe:30\n\
MESSAGE : ADM6080E  The tablespace \"USERSPACE1\" was put in the OFFLINE state.";
        let fields = parse(record, &parser()).unwrap();
        assert_eq!(text_of(&fields, "ts"), "2026-11-30T13:01:02.123456Z");
        assert_eq!(text_of(&fields, "level"), "ERROR");
        assert_eq!(text_of(&fields, "proc"), "db2sysc 0");
        assert_eq!(text_of(&fields, "database"), "SAMPLE");
        assert_eq!(text_of(&fields, "logger"), "buffer pool services");
        assert!(text_of(&fields, "message").starts_with("ADM6080E  The tablespace"));
        let first = "2026-11-30-14.01.03.000000-300 E2345E456          LEVEL: Warning";
        let fields = parse(first, &parser()).unwrap();
        assert_eq!(text_of(&fields, "ts"), "2026-11-30T19:01:03.000000Z");
        assert_eq!(text_of(&fields, "level"), "WARN");
    }

    #[test]
    fn fly_io_logs() {
        let line = "2026-11-30T14:01:03Z app[91852e3d] iad [error] Unhandled exception: boom";
        let fields = parse(line, &parser()).unwrap();
        assert_eq!(text_of(&fields, "level"), "ERROR");
        assert_eq!(text_of(&fields, "fly.region"), "iad");
        assert_eq!(text_of(&fields, "message"), "Unhandled exception: boom");
        let line = "2026-11-30T14:01:03.123Z runner[e784e902a12345] sea [info]Starting init";
        assert_eq!(
            text_of(&parse(line, &parser()).unwrap(), "message"),
            "Starting init"
        );
        assert!(fly("2026-11-30T14:01:03Z web[x1] iad [error] m").is_none());
    }

    #[test]
    fn esxi_vmkernel_and_daemons() {
        let line = "2026-11-30T14:01:02.123Z cpu1:2097152)WARNING: NMP: nmp_ThrottleLogForDevice:3802: Cmd 0x2a failed";
        let fields = parse(line, &parser()).unwrap();
        assert_eq!(text_of(&fields, "ts"), "2026-11-30T14:01:02.123Z");
        assert_eq!(text_of(&fields, "level"), "WARN");
        assert_eq!(text_of(&fields, "logger"), "NMP");
        assert_eq!(text_of(&fields, "world_id"), "2097152");
        assert_eq!(
            text_of(&fields, "message"),
            "nmp_ThrottleLogForDevice:3802: Cmd 0x2a failed"
        );
        let line = "2026-11-30T14:01:04.000Z error vpxa[2099999] [Originator@6876 sub=vpxLro opID=abc-1] Task failed";
        let fields = parse(line, &parser()).unwrap();
        assert_eq!(text_of(&fields, "level"), "ERROR");
        assert_eq!(text_of(&fields, "service"), "vpxa");
        assert_eq!(text_of(&fields, "logger"), "vpxLro");
        assert_eq!(text_of(&fields, "op_id"), "abc-1");
        assert_eq!(text_of(&fields, "message"), "Task failed");
        let line = "2026-11-30T14:01:05.000Z Wa(180) Hostd[2099573]: [Originator@6876 sub=Default] Disk is slow";
        let fields = parse(line, &parser()).unwrap();
        assert_eq!(text_of(&fields, "level"), "WARN");
        assert_eq!(text_of(&fields, "service"), "Hostd");
        // An ordinary ISO line is not ESXi's.
        assert!(esxi("2026-11-30T14:01:02.123Z INFO [main] c.a.B - started").is_none());
    }

    #[test]
    fn other_lines_and_every_cut_are_left_alone() {
        for line in [
            "[11/30/26 14:01:02] not websphere",
            "####<not weblogic>",
            "2026-11-30 14:01:02  [**] not an alert",
        ] {
            assert!(parse(line, &parser()).is_none(), "{line}");
        }
        let lines = [
            "####<Nov 30, 2026 2:01:02,123 PM UTC> <Error> <HTTP> <web-1> <AdminServer> <main> <<WLS Kernel>> <> <> <1796047262123> <> <BEA-101020> <x>",
            "[11/30/26 14:01:03:456 CET] 0000004a WebContainer  E   SRVE0777E: x",
            "11/30/2026-14:01:02.123456  [**] [1:2:3] m [**] [Priority: 2] {TCP} a -> b",
            "2026-11-30T14:01:02.123Z cpu1:2097152)WARNING: NMP: x",
            "2026-11-30-14.01.02.123456+060 I1234E567          LEVEL: Error\nPID     : 1234  PROC : db2sysc 0\nMESSAGE : x",
            r#"<![LOG[m]LOG]!><time="14:01:02.123+480" date="11-30-2026" component="C" context="" type="3" thread="1" file="f">"#,
            "2026-11-30T14:01:04.000Z error vpxa[2099999] [Originator@6876 sub=vpxLro] x",
        ];
        for line in lines {
            for end in 0..line.len() {
                let _ = parse(&line[..end], &parser());
            }
        }
    }
}
