//! Plain-text application logs: a timestamp at or near the start, then the header fields the
//! common layouts put before the message (level, pid, thread in brackets, logger), then the
//! message.
//!
//! One scanner covers log4j and logback, Python logging, Go's log, Rails, Spring Boot, glog,
//! Android logcat, nginx and Apache error logs and most daemons, without a pattern per layout:
//! the timestamp is recognised among the shapes real systems write (`timestamps`), and the
//! header is peeled token by token while each token is something a header holds; the first
//! token that is not starts the message, which is kept byte for byte.

use chrono::{Datelike, NaiveDateTime};
use serde_json::Value;

pub(crate) use super::timestamps::timestamp_at;
use super::timestamps::{
    clock, find_timestamp, iso_text, num, with_microseconds_word, with_zone_word, zone_word_secs,
    DateOrder, Stamp, PLACEHOLDER_YEAR,
};

use super::values::{normalize_level, parse_duration_text};
use header::peel_header;
use pairs::json_tail_in_message;
pub(crate) use pairs::pairs_in_message;
use servers::leading_level;

mod appservers;
mod apt;
mod brackets;
mod compose;
mod daemons;
mod dns;
mod fluent_bit;
mod ftp;
mod glog;
mod header;
mod ibmmq;
mod jfrog;
mod jul;
mod lambda;
mod macos;
mod mariadb;
mod oracle;
mod pairs;
mod piped;
mod postgres_csv;
mod prefixes;
mod rdkafka;
pub(crate) mod relayed;
mod samba;
mod servers;
mod squid;
mod supercomputers;
mod tikv;
mod tokens;
mod tornado;
mod unreal;
pub(crate) mod untimed;
mod uwsgi;

pub(crate) use daemons::is_mysqld_banner;
pub(crate) use dns::dns_query;
pub(crate) use lambda::is_platform_line as is_lambda_platform_line;
pub(crate) use tokens::{header_level, split_pid, syslog_severity};
use tokens::{
    is_qualified_name, level_and_process, level_and_target, level_before_time,
    program_level_before_time, redis_level, redis_prefix,
};

/// Supplies years to year-less timestamps (see [`TextParser::year_for`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct YearHint {
    /// `timestamp_year` from the config, when set.
    pub year: Option<i32>,
    /// The source's modification time (else the ingest time), microseconds since the epoch.
    pub reference_micros: i64,
}

/// Whether a line starts a plain-text event (has a timestamp where `text` looks for one);
/// other lines continue the event before them (see `multiline`).
pub(crate) fn starts_text_event(content: &[u8]) -> bool {
    let content = super::lines::without_bom(content);
    // Colors are looked for only when the line does not start an event as it is (most do).
    starts_uncolored_event(content)
        || (memchr::memchr(0x1b, content).is_some()
            && starts_uncolored_event(&super::ansi::strip_escapes(content)))
}

fn starts_uncolored_event(content: &[u8]) -> bool {
    // A tab-indented line continues (Java's stack frames, SQL Server's banner), whatever
    // time it holds.
    if content.first() == Some(&b'\t') {
        return false;
    }
    let Ok(text) = std::str::from_utf8(content) else {
        return true;
    };
    if glog::may_be_glog(text) && (glog::GLOG.is_match(text) || glog::COCKROACH.is_match(text)) {
        return true;
    }
    match find_timestamp(text) {
        Some((_, start, end)) => {
            let record_end = start > 0 && apt::is_record_end(text[..start].trim_end());
            // A stack trace's line under a tool's prefix (`kubectl logs --timestamps`).
            let relayed_trace = start == 0
                && relayed::payload_after_prefix(content)
                    .is_some_and(super::syslog::is_trace_message);
            !(record_end || relayed_trace || continues_postgres_error(&text[end..]))
        }
        None => {
            supercomputers::starts_event(text)
                || fluent_bit::starts_event(text)
                || tornado::starts_event(text)
                || uwsgi::starts_event(text)
                || appservers::starts_event(text)
                || unreal::starts_event(text)
                || rdkafka::starts_event(text)
        }
    }
}

/// PostgreSQL writes an error's `DETAIL:`, `HINT:`, `CONTEXT:`, `QUERY:`, `STATEMENT:` and
/// `LOCATION:` as lines of their own with the full prefix (`2026-11-30 14:01:02.123 UTC
/// [1240] STATEMENT:  select ...`); they continue the error before them.
fn continues_postgres_error(after_time: &str) -> bool {
    matches!(prefixes::postgres_label(after_time), Some((_, _, None)))
}

/// Parses plain-text lines into fields (`ts`, `level`, `pid`, `thread`, `logger`, ...,
/// `message`); see the module doc.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextParser {
    pub years: YearHint,
    /// How the source writes numeric dates (`03/11/2026`).
    pub dates: DateOrder,
}

impl TextParser {
    /// A year for a timestamp that has none: `timestamp_year` when set, else the reference
    /// time's year, or the year before when that would put the time more than a day after
    /// the reference (a December line in a file last written in January).
    pub(crate) fn year_for(&self, time: NaiveDateTime) -> NaiveDateTime {
        if let Some(year) = self.years.year {
            return time.with_year(year).unwrap_or(time);
        }
        let reference = chrono::DateTime::from_timestamp_micros(self.years.reference_micros)
            .unwrap_or_default()
            .naive_utc();
        let same_year = time.with_year(reference.year()).unwrap_or(time);
        if same_year > reference + chrono::Duration::days(1) {
            time.with_year(reference.year() - 1).unwrap_or(same_year)
        } else {
            same_year
        }
    }

    /// A date for a time of day that has none: the reference time's (UTC) date, or the day
    /// before when the time of day is later than the reference's (no line is written after
    /// its file was last modified; a minute is allowed for clocks apart).
    pub(crate) fn date_for(&self, time: chrono::NaiveTime) -> NaiveDateTime {
        let reference = chrono::DateTime::from_timestamp_micros(self.years.reference_micros)
            .unwrap_or_default()
            .naive_utc();
        let day = reference.date().and_time(time);
        if day > reference + chrono::Duration::minutes(1) {
            day - chrono::Duration::days(1)
        } else {
            day
        }
    }

    /// A numeric date read in the source's order; other stamps as they are.
    pub(crate) fn resolve(&self, stamp: Stamp) -> Stamp {
        match stamp {
            Stamp::Numeric(date) => Stamp::Naive {
                time: date.read(self.dates),
                has_year: true,
            },
            other => other,
        }
    }

    /// The value of the `ts` field for a stamp.
    pub(crate) fn ts_value(&self, stamp: Stamp) -> Value {
        match stamp {
            Stamp::Zoned(text) => Value::String(text),
            Stamp::Epoch(seconds) => serde_json::Number::from_f64(seconds)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Stamp::Naive { time, has_year } => {
                let time = if has_year { time } else { self.year_for(time) };
                Value::String(iso_text(time))
            }
            Stamp::TimeOfDay(time) => Value::String(iso_text(self.date_for(time))),
            Stamp::Numeric(date) => Value::String(iso_text(date.read(self.dates))),
        }
    }

    /// A whole line: a timestamp is required.
    pub(crate) fn parse(&self, text: &str) -> Result<Vec<(String, Value)>, String> {
        // A tool's RFC 3339 prefix before the app's own line (`kubectl logs --timestamps`).
        if text.as_bytes().get(10) != Some(&b'T') {
            return self.parse_line(text);
        }
        let text = relayed::without_prefixes(text);
        match relayed::relayed_line(&text, self) {
            Some(fields) => Ok(fields),
            None => self.parse_line(&text),
        }
    }

    fn parse_line(&self, text: &str) -> Result<Vec<(String, Value)>, String> {
        let mut fields = self.parse_header_and_message(text)?;
        // A multi-line event: a crash's report may have joined it.
        if memchr::memchr(b'\n', text.as_bytes()).is_some() {
            servers::raise_for_crash(text, &mut fields);
        }
        Ok(fields)
    }

    fn parse_header_and_message(&self, text: &str) -> Result<Vec<(String, Value)>, String> {
        // Layouts with a header of their own, each ruling itself out in a few bytes.
        type Layout = fn(&str, &TextParser) -> Option<Vec<(String, Value)>>;
        const LAYOUTS: [Layout; 9] = [
            compose::parse,
            rdkafka::parse,
            |text, parser| parser.glog(text),
            supercomputers::parse,
            fluent_bit::parse,
            tornado::parse,
            uwsgi::parse,
            appservers::parse,
            unreal::parse,
        ];
        if let Some(fields) = LAYOUTS.iter().find_map(|layout| layout(text, self)) {
            return Ok(fields);
        }
        let Some((stamp, start, end)) = find_timestamp(text) else {
            return Err("no timestamp at or near the start of the line".to_string());
        };
        // PostgreSQL: `2026-11-30 14:01:02.123 UTC [1234] LOG:  message`.
        let (stamp, zone_len) = with_zone_word(self.resolve(stamp), &text[end..]);
        let (stamp, micros_len) = with_microseconds_word(stamp, &text[end + zone_len..]);
        let end = end + zone_len + micros_len;
        // Room for a header, a message and its pairs without growing.
        let mut fields = super::records::field_list(16);
        let before = text[..start].trim_end_matches('[').trim();
        let mut rest_start = end;
        // Redis 1.x wrote no prefix: `30 May 14:01:02 . message`, known by the day before the
        // month (spaced: Oracle's listener writes `30-NOV-2026 14:01:02 * ...`) and a mark
        // other than a dash.
        let redis_without_prefix = start == 0
            && text.as_bytes()[0].is_ascii_digit()
            && !text[..end].contains('-')
            && text[..end].contains(|c: char| c.is_ascii_uppercase())
            && redis_level(&text[end..]).is_some()
            && !text[end..].starts_with(" - ");
        let redis = redis_prefix(before)
            .map(|(pid, role)| (Some(pid), role))
            .or(redis_without_prefix.then_some((None, None)));
        if let Some((pid, role)) = redis {
            // Redis: `1234:M 30 Nov 2026 14:01:02.123 * message`, the mark being the level.
            if let Some(pid) = pid {
                fields.push(("pid".to_string(), Value::from(pid)));
            }
            if let Some(role) = role {
                fields.push(("role".to_string(), Value::String(role.to_string())));
            }
            fields.push(("ts".to_string(), self.ts_value(stamp)));
            let rest = &text[end..];
            match redis_level(rest) {
                Some(level) => {
                    fields.push(("level".to_string(), Value::String(level.to_string())));
                    push_message(text[rest_start + 2..].trim_start(), &mut fields);
                }
                // NATS: `[1234] 2026/11/30 14:01:02.123456 [ERR] message`.
                None => peel_header(&text[rest_start..], &mut fields),
            }
            return Ok(fields);
        }
        // Cisco IOS: `*Nov 30 14:01:02.123: %LINK-3-UPDOWN: message` (a zone word may come
        // before the colon).
        if let Some(tagged) = cisco_tag(&text[end..]) {
            if let Some(message) = super::syslog::cisco_mnemonic(tagged, false, &mut fields) {
                fields.push(("ts".to_string(), self.ts_value(stamp)));
                push_message(message, &mut fields);
                return Ok(fields);
            }
        }
        if before == "# Time:" {
            fields.push(("ts".to_string(), self.ts_value(stamp)));
            daemons::mysql_slow_query(&text[end..], &mut fields);
            return Ok(fields);
        }
        if apt::is_record_start(before) {
            let started = match &stamp {
                Stamp::Naive { time, .. } => Some(*time),
                _ => None,
            };
            fields.push(("ts".to_string(), self.ts_value(stamp)));
            apt::record(&text[end..], started, &mut fields);
            return Ok(fields);
        }
        // Monit: `[UTC Nov 30 14:01:02] error    : message`, the zone first in the bracket.
        let zone_first = before.strip_prefix('[').and_then(zone_word_secs);
        let stamp = match (zone_first, stamp) {
            (Some(offset), Stamp::Naive { time, has_year }) => {
                let time = if has_year { time } else { self.year_for(time) };
                let (sign, offset) = if offset < 0 {
                    ('-', -offset)
                } else {
                    ('+', offset)
                };
                let zone = format!("{sign}{:02}:{:02}", offset / 3600, offset % 3600 / 60);
                Stamp::Zoned(format!("{}{zone}", iso_text(time)))
            }
            (_, stamp) => stamp,
        };
        // With a zone first, the bracket is read as a time's (below).
        let level_before = level_before_time(before).filter(|_| zone_first.is_none());
        if let Some((level, thread)) = level_before {
            // Cassandra: `ERROR [CompactionExecutor:2] 2026-11-30 14:01:04,123 File.java:244 - ...`.
            fields.push(("level".to_string(), Value::String(level.to_string())));
            if let Some(thread) = thread {
                fields.push(("thread".to_string(), Value::String(thread.to_string())));
            }
        } else if let Some((program, level)) = program_level_before_time(before) {
            fields.push(("level".to_string(), Value::String(level.to_string())));
            fields.push(("service".to_string(), Value::String(program.to_string())));
        } else if let Some(pid) = nest_pid(before) {
            fields.push(("pid".to_string(), Value::from(pid)));
        } else if !before.is_empty() && zone_first.is_none() {
            // Rails: `I, [2026-11-30T14:01:02.123 #1234]  INFO -- : message`.
            fields.push(("prefix".to_string(), Value::String(before.to_string())));
        }
        let epoch = matches!(stamp, Stamp::Epoch(_));
        fields.push(("ts".to_string(), self.ts_value(stamp)));
        let rest = &text[end..];
        // java.util.logging's time starts with the month's name; Squid's is an epoch.
        let named_month = text.starts_with(|c: char| c.is_ascii_uppercase());
        let jul = start == 0 && named_month && jul::read(rest, &mut fields);
        // Squid's time is an epoch; PostgreSQL's csvlog has a comma after its time.
        let squid = start == 0 && epoch && squid::read(rest, &mut fields);
        let csvlog =
            start == 0 && !squid && rest.starts_with(',') && postgres_csv::read(rest, &mut fields);
        // macOS's `log show`: a thread id right after the time.
        let macos = !(jul || squid || csvlog)
            && rest.trim_start().starts_with("0x")
            && macos::read(rest, &mut fields);
        if jul || squid || csvlog || macos {
            return Ok(fields);
        }
        let mut samba_header = false;
        if start > 0 && (text.as_bytes()[start - 1] == b'[' || zone_first.is_some()) {
            let close = text[end..].find(']').map(|i| end + i);
            if let Some(close) = close {
                let inside = text[end..close].trim();
                if let Some(pid) = inside.strip_prefix('#').and_then(|p| p.parse::<u64>().ok()) {
                    fields.push(("pid".to_string(), Value::from(pid)));
                } else if let Some((level, process)) = level_and_process(inside) {
                    // Celery: `[2026-11-30 14:01:02,123: ERROR/ForkPoolWorker-1] message`.
                    fields.push(("level".to_string(), Value::String(level.to_string())));
                    fields.push(("process".to_string(), Value::String(process.to_string())));
                } else if let Some(level) = normalize_level(inside) {
                    // Serilog's console: `[14:01:02 INF] message`.
                    fields.push(("level".to_string(), Value::String(level.to_string())));
                } else if let Some((level, target)) = level_and_target(inside) {
                    // Rust's env_logger: `[2026-11-30T14:01:02Z ERROR checkout::pay] message`.
                    fields.push(("level".to_string(), Value::String(level.to_string())));
                    push_logger(&mut fields, target, None);
                } else if let Some(level) = samba::debug_level(inside) {
                    fields.push(("level".to_string(), Value::String(level.to_string())));
                    samba_header = true;
                } else if !inside.is_empty() {
                    fields.push(("ts_context".to_string(), Value::String(inside.to_string())));
                }
                rest_start = close + 1;
            }
        }
        let rest = &text[rest_start..];
        if samba_header && samba::read(rest, &mut fields) {
            return Ok(fields);
        }
        if !(daemons::read(rest, &mut fields) || prefixes::read(rest, &mut fields)) {
            peel_header(rest, &mut fields);
            // NestJS: `LOG [NestFactory] message`, the bracket after the level is the context
            // (the logger), not a thread.
            if before.starts_with("[Nest]") {
                if let Some((name, _)) = fields.iter_mut().find(|(name, _)| name == "thread") {
                    *name = "logger".to_string();
                }
            }
        }
        // A time closing the line (`Log file open, 11/30/26 14:01:02`): the words before it
        // are the message.
        if rest.trim().is_empty() && !before.is_empty() {
            if let Some((_, message)) = fields.iter_mut().find(|(name, _)| name == "message") {
                *message = Value::String(text[..start].trim().to_string());
            }
        }
        // Fluentd's `out_file` of a tailed file (`time\ttag\t{"log":"..."}`): the record's
        // `log` is the app's own line, read again as a shipper's record is.
        if rest.starts_with('\t') && fields.iter().any(|(k, v)| k == "log" && v.is_string()) {
            return Ok(super::container::shipped_line(fields, self));
        }
        Ok(fields)
    }

    /// A payload inside a wrapper that has its own time (containers, CloudWatch Logs events):
    /// the timestamp is optional.
    pub(crate) fn parse_payload(&self, text: &str) -> Vec<(String, Value)> {
        // A container's colored output arrives with its escapes decoded from the JSON.
        let text = &*super::ansi::strip_escapes_str(text);
        if let Ok(fields) = self.parse(text) {
            return fields;
        }
        // Python's default `ERROR:app.pay:message`, uvicorn's `INFO:     ...` in a container.
        if let Some(fields) = untimed::parse(text) {
            return fields;
        }
        let mut fields = super::records::field_list(16);
        if !lambda::read(text.trim_end(), &mut fields) {
            peel_header(text, &mut fields);
        }
        fields
    }
}

/// NestJS' `[Nest] 1234  -` before its time: the pid.
fn nest_pid(before: &str) -> Option<u64> {
    let pid = before
        .strip_prefix("[Nest] ")?
        .trim_end()
        .strip_suffix('-')?;
    pid.trim().parse().ok()
}

/// The `%FACILITY-SEVERITY-MNEMONIC: message` after a Cisco device's time, which closes with a
/// colon, or with a zone word and a colon.
pub(crate) fn cisco_tag(after_time: &str) -> Option<&str> {
    let zone_len = after_time.strip_prefix(' ').map_or(0, |z| {
        1 + z.bytes().take_while(u8::is_ascii_uppercase).count()
    });
    after_time[zone_len..]
        .strip_prefix(": ")
        .filter(|tagged| tagged.starts_with('%'))
}

/// The message, and the fields it carries (an HTTP request, `key=value` pairs).
pub(crate) fn push_message(message: &str, fields: &mut Vec<(String, Value)>) {
    // PHP-FPM names the pool a line is about (`[pool www] server reached pm.max_children`):
    // each pool serves an application of its own, so it is the component.
    if let Some((pool, rest)) = message
        .strip_prefix("[pool ")
        .and_then(|rest| rest.split_once("] "))
        .filter(|(pool, _)| !pool.is_empty() && !pool.contains(' '))
    {
        fields.push(("component".to_string(), Value::String(pool.to_string())));
        return push_message(rest, fields);
    }
    if message.starts_with('{') && pairs::json_record_as_message(message, fields) {
        return;
    }
    if message.starts_with("Process(") && ibmmq::read(message, fields) {
        return;
    }
    if message.starts_with("CEF:") && super::cef::cef_fields(message, fields).is_some() {
        return;
    }
    // The kubelet's and other Kubernetes components' glog lines inside syslog: their own
    // level wins over the wrapper's.
    if let Some((header, rest)) = glog::header_in_message(message) {
        fields.retain(|(name, _)| name != "level");
        fields.extend(header);
        return glog::push_klog_message(rest, fields);
    }
    // containerd's, Docker's and other Go daemons' logfmt inside syslog.
    if matches!(message.as_bytes().first(), Some(b't' | b'l'))
        && pairs::logfmt_record_as_message(message, fields)
    {
        return;
    }
    if message.as_bytes().get(1) == Some(&b',')
        && super::panos::panos_fields(message, fields).is_some()
    {
        fields.push(("message".to_string(), Value::String(message.to_string())));
        return;
    }
    // PostgreSQL's `log_min_duration_statement`: `duration: 37.118 ms  statement: ...`.
    if let Some(ms) = message
        .strip_prefix("duration: ")
        .and_then(|rest| rest.split("  ").next())
        .and_then(|duration| parse_duration_text(duration, 1.0))
    {
        fields.push(("duration_ms".to_string(), Value::from(ms)));
    }
    if let Some(level) = leading_level(message) {
        if !fields.iter().any(|(name, _)| name == "level") {
            fields.push(("level".to_string(), Value::String(level.to_string())));
        }
    }
    super::formats::request_in_message(message, fields);
    super::formats::haproxy_tcp(message, fields);
    match message.as_bytes().first() {
        Some(b'E') if message.starts_with("Execut") => servers::function_execution(message, fields),
        // AWS Lambda's `START`, `END` and `REPORT RequestId: ...`.
        Some(b'S' | b'E' | b'R') if lambda::is_platform_line(message) => {
            lambda::platform_fields(message, fields);
        }
        Some(b'S' | b'C') => servers::rails_request(message, fields),
        Some(b'c') if message.starts_with("conn=") => servers::ldap_operation(message, fields),
        Some(b'q') => dns::dnsmasq_query(message, fields),
        _ => {}
    }
    pairs_in_message(message, fields);
    pairs::slowlog_took(message, fields);
    json_tail_in_message(message, fields);
    fields.push(("message".to_string(), Value::String(message.to_string())));
}

pub(super) fn push_logger(fields: &mut Vec<(String, Value)>, name: &str, pid: Option<u64>) {
    fields.push(("logger".to_string(), Value::String(name.to_string())));
    if let Some(pid) = pid {
        fields.push(("pid".to_string(), Value::from(pid)));
    }
}

#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod tests;
