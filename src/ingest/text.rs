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
    clock, find_timestamp, iso_text, num, with_zone_word, Stamp, PLACEHOLDER_YEAR,
};

use super::values::{normalize_level, parse_duration_text};
use brackets::bracket_field;
pub(crate) use pairs::pairs_in_message;
use pairs::{header_pairs, json_tail_in_message};
use servers::{is_padded_source, leading_level, mongodb_text_severity, sql_server_error};

mod appservers;
mod brackets;
mod compose;
mod daemons;
mod dns;
mod fluent_bit;
mod glog;
mod jul;
mod lambda;
mod macos;
mod pairs;
mod piped;
mod postgres_csv;
mod servers;
mod squid;
mod supercomputers;
mod tokens;
mod tornado;
pub(crate) mod untimed;
mod uwsgi;

pub(crate) use dns::dns_query;
use tokens::{
    bracket_end, channel_and_level, is_erlang_pid, is_function_location, is_name_char,
    is_odoo_logger, is_qualified_name, is_source_file, is_source_location, is_uuid,
    level_and_process, level_and_target, level_before_time, level_slash_component, php_label_level,
    redis_level, redis_prefix, span_context_len, thread_before_level, trailing_class,
};
pub(crate) use tokens::{header_level, split_pid, syslog_severity};

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
        Some((_, _, end)) => !continues_postgres_error(&text[end..]),
        None => {
            supercomputers::starts_event(text)
                || fluent_bit::starts_event(text)
                || tornado::starts_event(text)
                || uwsgi::starts_event(text)
                || appservers::starts_event(text)
        }
    }
}

/// PostgreSQL writes an error's `DETAIL:`, `HINT:`, `CONTEXT:`, `QUERY:`, `STATEMENT:` and
/// `LOCATION:` as lines of their own with the full prefix (`2026-11-30 14:01:02.123 UTC
/// [1240] STATEMENT:  select ...`); they continue the error before them. The label is
/// followed by two spaces, as PostgreSQL writes every label, within the prefix's reach.
fn continues_postgres_error(after_time: &str) -> bool {
    const LABELS: [&str; 6] = [
        "DETAIL",
        "HINT",
        "CONTEXT",
        "QUERY",
        "STATEMENT",
        "LOCATION",
    ];
    let window = &after_time.as_bytes()[..after_time.len().min(200)];
    // The first label of the line is its own (a message may quote another). Colons are
    // looked for one by one: building a substring finder per line cost more than the search.
    let mut from = 0;
    let colon = loop {
        let Some(found) = memchr::memchr(b':', &window[from..]) else {
            return false;
        };
        let colon = from + found;
        if window[colon + 1..].starts_with(b"  ") {
            break colon;
        }
        from = colon + 1;
    };
    let word_start = window[..colon]
        .iter()
        .rposition(|b| *b == b' ')
        .map_or(0, |i| i + 1);
    LABELS
        .iter()
        .any(|label| &window[word_start..colon] == label.as_bytes())
}

/// Parses plain-text lines into fields (`ts`, `level`, `pid`, `thread`, `logger`, ...,
/// `message`); see the module doc.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextParser {
    pub years: YearHint,
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
        }
    }

    /// A whole line: a timestamp is required.
    pub(crate) fn parse(&self, text: &str) -> Result<Vec<(String, Value)>, String> {
        // Layouts with a header of their own, each ruling itself out in a few bytes.
        type Layout = fn(&str, &TextParser) -> Option<Vec<(String, Value)>>;
        const LAYOUTS: [Layout; 7] = [
            compose::parse,
            |text, parser| parser.glog(text),
            supercomputers::parse,
            fluent_bit::parse,
            tornado::parse,
            uwsgi::parse,
            appservers::parse,
        ];
        if let Some(fields) = LAYOUTS.iter().find_map(|layout| layout(text, self)) {
            return Ok(fields);
        }
        let Some((stamp, start, end)) = find_timestamp(text) else {
            return Err("no timestamp at or near the start of the line".to_string());
        };
        // PostgreSQL: `2026-11-30 14:01:02.123 UTC [1234] LOG:  message`.
        let (stamp, zone_len) = with_zone_word(stamp, &text[end..]);
        let end = end + zone_len;
        // Room for a header, a message and its pairs without growing.
        let mut fields = super::records::field_list(16);
        let before = text[..start].trim_end_matches('[').trim();
        let mut rest_start = end;
        // Redis 1.x wrote no prefix: `30 May 14:01:02 . message`, known by the day before the
        // month and a mark other than a dash.
        let redis_without_prefix = start == 0
            && text.as_bytes()[0].is_ascii_digit()
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
        if before == "# Time:" {
            fields.push(("ts".to_string(), self.ts_value(stamp)));
            daemons::mysql_slow_query(&text[end..], &mut fields);
            return Ok(fields);
        }
        if let Some((level, thread)) = level_before_time(before) {
            // Cassandra: `ERROR [CompactionExecutor:2] 2026-11-30 14:01:04,123 File.java:244 - ...`.
            fields.push(("level".to_string(), Value::String(level.to_string())));
            if let Some(thread) = thread {
                fields.push(("thread".to_string(), Value::String(thread.to_string())));
            }
        } else if !before.is_empty() {
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
        if start > 0 && text.as_bytes()[start - 1] == b'[' {
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
                } else if !inside.is_empty() {
                    fields.push(("ts_context".to_string(), Value::String(inside.to_string())));
                }
                rest_start = close + 1;
            }
        }
        if !daemons::read(&text[rest_start..], &mut fields) {
            peel_header(&text[rest_start..], &mut fields);
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

/// Reads header fields off the front of `rest` into `fields`; the remainder is the message.
fn peel_header(rest: &str, fields: &mut Vec<(String, Value)>) {
    if let Some(piped) = rest.strip_prefix('|') {
        if !piped.starts_with(char::is_whitespace) {
            return piped::header(piped, fields);
        }
    }
    // Python's default layout after a time a wrapper added (`kubectl logs --timestamps`).
    if untimed::read_colon_level(rest.trim_start(), fields) {
        return;
    }
    let mut at = 0;
    let mut level = None;
    let mut short_level = false;
    let mut numbers = 0;
    let mut brackets = 0;
    let mut logger = false;
    let mut bracket_after_logger = false;
    let mut spans: Option<(usize, usize)> = None;
    let mut progname_next = false;
    let mut application_next = false;
    loop {
        let trimmed = rest[at..].trim_start();
        at = rest.len() - trimmed.len();
        if trimmed.is_empty() {
            break;
        }
        let token_len = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let token = &trimmed[..token_len];
        let after = &trimmed[token_len..];
        let next_token = after.split_whitespace().next().unwrap_or("");
        // Separators between header fields.
        if matches!(token, "-" | "--" | "---" | "|" | ":" | "," | "::") {
            // Ruby's Logger: `INFO -- progname: message`.
            progname_next = token == "--";
            // Spring Boot 3.2: `--- [application] [thread] logger : message`.
            application_next = token == "---";
            at += token_len;
            continue;
        }
        let progname = std::mem::take(&mut progname_next);
        let application = std::mem::take(&mut application_next);
        if let Some(stripped) = trimmed.strip_prefix(',') {
            if stripped.starts_with(' ') {
                at += 1;
                continue;
            }
        }
        // PostgreSQL's `[unknown]@[unknown]` (a connection not yet authenticated) is a
        // user@database, not a bracket.
        let user_at_database = token.contains("]@");
        if trimmed.starts_with('[') && !user_at_database {
            // A logger is followed by one bracket at most (OpenStack's request context);
            // a second one (`[instance: ...]`) is the message's.
            // Apache's `[client 10.0.0.1]` opens the message, as Loghub's ground truth has it.
            if bracket_after_logger || trimmed.starts_with("[client ") {
                break;
            }
            let Some(close) = bracket_end(trimmed) else {
                break;
            };
            bracket_after_logger = logger;
            let inside = trimmed[1..close].trim();
            at += close + 1;
            // Flink's empty MDC, `[]`, says nothing.
            if inside.is_empty() {
                continue;
            }
            if application && rest[at..].trim_start().starts_with('[') {
                fields.push(("application".to_string(), Value::String(inside.to_string())));
                continue;
            }
            bracket_field(inside, &mut level, brackets, fields);
            brackets += 1;
            // MySQL 8: the message follows `[MY-010931] [Server]` (`/usr/sbin/mysqld: ready`
            // is the message's, not a logger).
            if let [.., (code, _), (subsystem, _)] = fields.as_slice() {
                if code == "error_code" && subsystem == "logger" {
                    break;
                }
            }
            // `[main] c.a.Checkout:`: the bracket may be glued to what follows.
            continue;
        }
        // JBoss's log manager (WildFly, Quarkus, Keycloak): `INFO  [category] (thread) message`;
        // Home Assistant: `ERROR (MainThread) [homeassistant.core] message`.
        if let Some(thread) = parenthesized_thread(trimmed, fields, level.is_some()) {
            // After the category the message follows (`KC-SERVICES0010: ...` is its own).
            let after_logger = fields.iter().any(|(name, _)| name == "logger");
            fields.push(("thread".to_string(), Value::String(thread.to_string())));
            at += thread.len() + 2;
            if after_logger {
                break;
            }
            continue;
        }
        let first = fields.last().is_some_and(|(name, _)| name == "ts");
        if level.is_none() && first && thread_before_level(token, next_token) {
            fields.push(("thread".to_string(), Value::String(token.to_string())));
            at += token_len;
            continue;
        }
        if level.is_none() {
            if let Some(found) = header_level(token) {
                level = Some(found);
                fields.push(("level".to_string(), Value::String(found.to_string())));
                at += token_len;
                continue;
            }
            if let Some((found, component)) = level_slash_component(token) {
                fields.push(("level".to_string(), Value::String(found.to_string())));
                push_logger(fields, component, None);
                at += token_len;
                break;
            }
            if let Some((channel, found)) = channel_and_level(token) {
                level = Some(found);
                fields.push(("level".to_string(), Value::String(found.to_string())));
                fields.push(("channel".to_string(), Value::String(channel.to_string())));
                logger = true;
                at += token_len;
                continue;
            }
            // PHP's error log keeps its label in the message: `PHP Warning:  ...`.
            if let Some(found) = (token == "PHP").then(|| php_label_level(after)).flatten() {
                fields.push(("level".to_string(), Value::String(found.to_string())));
                break;
            }
            // MongoDB before 4.4: `I NETWORK  [conn1] message`, a severity letter (`D1`-`D5`
            // for debug) and the component in capitals, then the context in brackets.
            if let Some((found, context)) = mongodb_text_severity(token, next_token, after) {
                level = Some(found);
                fields.push(("level".to_string(), Value::String(found.to_string())));
                push_logger(fields, next_token, None);
                logger = true;
                at = rest.len() - context.len();
                continue;
            }
            // logcat's one-letter level, directly before its `Tag:` (after pid and tid); a
            // daemon's (Santa's `[time] I santad: ...`) directly after the time.
            if token.len() == 1
                && "VDIWEFA".contains(token)
                && (numbers > 0 || first && "DIWEF".contains(token))
                && next_token.ends_with(':')
            {
                let found = match token {
                    "V" => "TRACE",
                    "D" => "DEBUG",
                    "I" => "INFO",
                    "W" => "WARN",
                    "E" => "ERROR",
                    _ => "FATAL",
                };
                level = Some(found);
                short_level = true;
                fields.push(("level".to_string(), Value::String(found.to_string())));
                at += token_len;
                continue;
            }
        }
        // RabbitMQ's Erlang process after the level; Odoo's database, then its logger.
        if level.is_some() && is_erlang_pid(token) {
            fields.push(("erlang_pid".to_string(), Value::String(token.to_string())));
            at += token_len;
            continue;
        }
        let odoo = next_token.strip_suffix(':').filter(|n| is_odoo_logger(n));
        if let Some(name) = odoo.filter(|_| level.is_some() && numbers == 1 && !logger) {
            if token != "?" {
                fields.push(("database".to_string(), Value::String(token.to_string())));
            }
            push_logger(fields, name, None);
            at = rest.len() - after.trim_start().len() + next_token.len();
            logger = true;
            break;
        }
        // Calico's Felix: `felix/int_dataplane.go 1234: message`, a source file and its line.
        let line_number = next_token
            .strip_suffix(':')
            .and_then(|n| n.parse::<u64>().ok());
        if let Some(number) = line_number.filter(|_| !logger && is_source_file(token)) {
            push_logger(fields, token, None);
            fields.push(("source_line".to_string(), Value::from(number)));
            at = rest.len() - after.trim_start().len() + next_token.len();
            break;
        }
        // Trino and other Airlift servers: `LEVEL\tthread\tlogger\tmessage`.
        if level.is_some() && !logger && brackets == 0 && after.starts_with('\t') {
            let mut columns = after[1..].splitn(2, '\t');
            if let (Some(name), Some(_)) = (columns.next(), columns.next()) {
                if is_qualified_name(name) {
                    fields.push(("thread".to_string(), Value::String(token.to_string())));
                    push_logger(fields, name, None);
                    at = rest.len() - after.len() + name.len() + 2;
                    break;
                }
            }
        }
        // Pairs before the level (Sidekiq: `pid=1234 tid=2ab class=HardJob jid=b4a5 INFO: done`).
        if level.is_none() && !logger && token.contains('=') {
            if let Some(len) = header_pairs(trimmed, fields) {
                at += len;
                continue;
            }
        }
        // SQL Server's ERRORLOG: the source (`Server`, `spid55`, `Logon`, `Backup`) padded
        // to a column, then the message; a padded word before more header is not one.
        let first = level.is_none() && numbers == 0 && brackets == 0 && !logger;
        if first && after.starts_with("  ") && is_padded_source(token, after.trim_start()) {
            push_logger(fields, token, None);
            if let Some((found, number)) = sql_server_error(after.trim_start()) {
                fields.push(("level".to_string(), Value::String(found.to_string())));
                fields.push(("error_code".to_string(), Value::from(number)));
            }
            at += token_len;
            break;
        }
        if !logger && numbers < 2 && token.bytes().all(|b| b.is_ascii_digit()) {
            let name = if numbers == 0 { "pid" } else { "tid" };
            let value = token.parse::<u64>().map(Value::from);
            fields.push((name.to_string(), value.unwrap_or(Value::Null)));
            numbers += 1;
            at += token_len;
            continue;
        }
        // PostgreSQL's `%u@%d` (user@database) before the level: `app@shop ERROR:  ...`.
        if let Some((user, database)) = token.split_once('@') {
            let names = |s: &str| s == "[unknown]" || s.chars().all(is_name_char);
            if level.is_none()
                && names(user)
                && names(database)
                && header_level(next_token).is_some()
            {
                for (name, value) in [("user", user), ("database", database)] {
                    if !value.is_empty() {
                        fields.push((name.to_string(), Value::String(value.to_string())));
                    }
                }
                at += token_len;
                continue;
            }
        }
        // nginx: `1234#0:`.
        if let Some((pid, tid)) = token.strip_suffix(':').and_then(|t| t.split_once('#')) {
            if let (Ok(pid), Ok(tid)) = (pid.parse::<u64>(), tid.parse::<u64>()) {
                fields.push(("pid".to_string(), Value::from(pid)));
                fields.push(("tid".to_string(), Value::from(tid)));
                at += token_len;
                continue;
            }
        }
        // AWS Lambda: `2026-11-30T14:01:02.123Z\t<request id>\tERROR\tmessage`.
        if level.is_none() && is_uuid(token) && header_level(next_token).is_some() {
            fields.push(("request_id".to_string(), Value::String(token.to_string())));
            at += token_len;
            continue;
        }
        // Airflow: `{taskinstance.py:1157} INFO - message`, the source file in braces.
        let braced = token.strip_prefix('{').and_then(|t| t.strip_suffix('}'));
        if let Some(location) = braced.filter(|t| !logger && is_source_location(t)) {
            push_logger(fields, location, None);
            logger = true;
            at += token_len;
            continue;
        }
        // ClickHouse: `[ 1234 ] {query-id} <Error> executeQuery: ...`, the query's id in
        // braces before the level (`{}` outside a query).
        let before_level = level.is_none() && header_level(next_token).is_some();
        if let Some(id) = braced.filter(|_| before_level && !logger) {
            if !id.is_empty() {
                fields.push(("query_id".to_string(), Value::String(id.to_string())));
            }
            at += token_len;
            continue;
        }
        if logger {
            break;
        }
        // Rust's tracing: the open spans, `name{field=value ...}:`, between the level and the
        // target (`INFO request{method=GET uri=/api}: shop::api: message`).
        let span = level.is_some() && token.contains('{');
        if let Some(len) = span.then(|| span_context_len(trimmed)).flatten() {
            spans = Some((spans.map_or(at, |(start, _)| start), at + len - 1));
            at += len;
            continue;
        }
        // `logger:` or `program[pid]:` ends the header.
        if let Some(name) = token.strip_suffix(':') {
            let (name, pid) = split_pid(name);
            let found_header = level.is_some() || numbers > 0 || brackets > 0;
            let plain_word = name.chars().all(|c| c.is_alphanumeric() || c == '_');
            if (is_qualified_name(name) || pid.is_some() || short_level)
                || (found_header && (!plain_word || progname) && name.chars().all(is_name_char))
            {
                push_logger(fields, name, pid);
                at += token_len;
                break;
            }
        }
        // .NET's console logger: `info: Microsoft.Hosting.Lifetime[14] message`, the category
        // and its event id.
        if let (Some(_), (category, Some(event_id))) = (level, split_pid(token)) {
            if is_qualified_name(category) {
                fields.push(("logger".to_string(), Value::String(category.to_string())));
                fields.push(("event_id".to_string(), Value::from(event_id)));
                logger = true;
                at += token_len;
                continue;
            }
        }
        // Proxifier marks 64-bit programs: `chrome.exe *64 - message`.
        let marked = next_token
            .strip_prefix('*')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            && after.split_whitespace().nth(1) == Some("-");
        if marked && !logger && is_qualified_name(token) {
            let marker_end = trimmed.len() - after.trim_start().len() + next_token.len();
            push_logger(fields, &trimmed[..marker_end], None);
            logger = true;
            at += marker_end;
            continue;
        }
        // `c.a.Checkout - message`, `name - LEVEL - message` (Python), `c.e.App   : message`
        // (Spring Boot), `nova.api.server [req-...]`.
        let separated = matches!(next_token, "-" | ":" | "|")
            || next_token.starts_with('[')
            || after.starts_with('\t');
        let function_location = next_token == "-" && is_function_location(token);
        if separated && is_source_location(token) || function_location {
            push_logger(fields, token, None);
            logger = true;
            at += token_len;
            continue;
        }
        // Tomcat: `SEVERE [exec-1] org.apache.catalina.core.StandardWrapperValve.invoke message`.
        if level.is_some()
            && brackets > 0
            && token.starts_with(char::is_alphabetic)
            && token.matches('.').count() >= 2
            && token.chars().all(is_name_char)
            && is_qualified_name(token)
        {
            push_logger(fields, token, None);
            logger = true;
            at += token_len;
            continue;
        }
        // Spring Boot abbreviates Tomcat's bracketed logger names:
        // `o.a.c.c.C.[.[.[/].[dispatcherServlet]    : message`.
        let bracketed_name = || {
            token
                .chars()
                .all(|c| is_name_char(c) || matches!(c, '[' | ']'))
        };
        if next_token == ":" && level.is_some() && token.contains(".[") && bracketed_name() {
            push_logger(fields, token, None);
            logger = true;
            at += token_len;
            continue;
        }
        if separated && token.chars().all(is_name_char) && !token.contains("()") {
            // Python's `name - LEVEL - message`, log4js's `[LEVEL] category - message` (a
            // capitalised word after the level is more likely prose).
            let lower = token.starts_with(|c: char| c.is_ascii_lowercase());
            let python_name = next_token == "-" && (level.is_none() || lower);
            if is_qualified_name(token) || python_name {
                push_logger(fields, token, None);
                logger = true;
                at += token_len;
                continue;
            }
        }
        // Windows CBS: `Info                  CBS    Loaded ...`: a short upper-case
        // component in a column of its own.
        if level.is_some()
            && !logger
            && (2..=10).contains(&token.len())
            && token.chars().all(|c| c.is_ascii_uppercase())
            && after.starts_with("  ")
        {
            push_logger(fields, token, None);
            logger = true;
            at += token_len;
            continue;
        }
        break;
    }
    if let Some((start, end)) = spans {
        fields.push((
            "spans".to_string(),
            Value::String(rest[start..end].to_string()),
        ));
    }
    let message = rest[at..].trim_start();
    if !logger && !fields.iter().any(|(name, _)| name == "logger") {
        if let Some(name) = trailing_class(message) {
            push_logger(fields, name, None);
        }
    }
    push_message(message, fields);
}

/// A thread's name in parentheses where JBoss and Home Assistant put it: right after a
/// bracketed logger that followed the level, or right after the level with a bracketed logger
/// next. Elsewhere a parenthesis opens the message (`(MSC service thread 1-2)` is a thread,
/// `ERROR (see below)` prose).
fn parenthesized_thread<'a>(
    text: &'a str,
    fields: &[(String, Value)],
    level_read: bool,
) -> Option<&'a str> {
    let inner = text.strip_prefix('(')?;
    let close = inner.find(')').filter(|&close| (1..=80).contains(&close))?;
    let thread = &inner[..close];
    let after = &inner[close + 1..];
    let has = |name: &str| fields.iter().any(|(n, _)| n == name);
    let after_logger = fields.last().is_some_and(|(name, _)| name == "logger") && has("level");
    let before_logger = level_read && !has("logger") && after.starts_with(" [");
    let plain = !thread.contains(['(', '[', '"']);
    ((after_logger || before_logger) && plain && !has("thread") && after.starts_with(' '))
        .then_some(thread)
}

/// The message, and the fields it carries (an HTTP request, `key=value` pairs).
pub(crate) fn push_message(message: &str, fields: &mut Vec<(String, Value)>) {
    if message.starts_with('{') && pairs::json_record_as_message(message, fields) {
        return;
    }
    if message.starts_with("CEF:") && super::cef::cef_fields(message, fields).is_some() {
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
    pairs_in_message(message, fields);
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
