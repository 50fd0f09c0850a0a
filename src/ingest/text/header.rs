//! The header between a text line's time and its message: the fields the common layouts put
//! there (level, pid, thread in brackets, logger, ...), peeled token by token while each token
//! is something a header holds.

use serde_json::Value;

use crate::ingest::values::normalize_level;

use super::brackets::bracket_field;
use super::pairs::header_pairs;
use super::servers::{is_padded_source, mongodb_text_severity, sql_server_error};
use super::tokens::{
    bracket_end, channel_and_level, header_level, is_erlang_pid, is_function_location,
    is_name_char, is_odoo_logger, is_qualified_name, is_source_file, is_source_location, is_uuid,
    level_slash_component, php_label_level, span_context_len, split_pid, thread_before_level,
    trailing_class,
};
use super::{piped, push_logger, push_message, untimed};

/// Reads header fields off the front of `rest` into `fields`; the remainder is the message.
pub(super) fn peel_header(rest: &str, fields: &mut Vec<(String, Value)>) {
    if let Some(piped) = rest.strip_prefix('|') {
        if !piped.starts_with(char::is_whitespace) {
            return piped::header(piped, fields);
        }
    }
    if let Some(spaced) = rest.trim_start().strip_prefix("| ") {
        if piped::spaced_columns(spaced, fields) {
            return;
        }
    }
    // Python's default layout after a time a wrapper added (`kubectl logs --timestamps`).
    if untimed::read_colon_level(rest.trim_start(), fields) {
        return;
    }
    let mut at = 0;
    // A level read before the time (`ERROR 2026-11-30 ... log 1234 ...`, Django's verbose
    // layout) is the line's: a later word (`log`) is not another.
    let mut level = fields
        .iter()
        .find(|(name, _)| name == "level")
        .and_then(|(_, value)| value.as_str())
        .and_then(normalize_level);
    let mut short_level = false;
    let mut numbers = 0;
    let mut brackets = 0;
    let mut logger = false;
    let mut bracket_after_logger = false;
    let mut spans: Option<(usize, usize)> = None;
    let mut progname_next = false;
    let mut application_next = false;
    let mut tracing_thread = false;
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
        // ClamAV: `Mon Nov 30 14:01:03 2026 -> /home/bob/x: Eicar-Signature FOUND`.
        // Spring Boot's `---` comes before a bracket; dnf's `--- logging initialized ---` is
        // a message.
        let spring_dashes = token == "---" && next_token.starts_with('[');
        if spring_dashes || matches!(token, "-" | "--" | "|" | ":" | "," | "::" | "->") {
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
            // An IPv6 address with its port (`[::1]:57413`, CoreDNS' client) is the message's.
            let port = trimmed[close + 1..].strip_prefix(':');
            if port.is_some_and(|port| port.starts_with(|c: char| c.is_ascii_digit())) {
                break;
            }
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
        // pino-pretty: `INFO (1234 on web-1): message`, `INFO (shop/1234 on web-1): message`.
        if let Some(origin) = pino_origin(trimmed).filter(|_| level.is_some()) {
            if let Some(name) = origin.name {
                push_logger(fields, name, None);
            }
            fields.push(("pid".to_string(), Value::from(origin.pid)));
            fields.push(("host".to_string(), Value::String(origin.host.to_string())));
            at += origin.len;
            break;
        }
        // lighttpd: `2026-11-30 14:01:02: (server.c.1234) server started`, its source file
        // and line where other layouts put a logger.
        if let Some((file, line)) = lighttpd_location(token).filter(|_| !logger && level.is_none())
        {
            push_logger(fields, file, None);
            fields.push(("source_line".to_string(), Value::String(line.to_string())));
            at += token_len;
            break;
        }
        // JBoss's log manager (WildFly, Quarkus, Keycloak): `INFO  [category] (thread) message`;
        // Home Assistant: `ERROR (MainThread) [homeassistant.core] message`.
        if let Some(thread) = parenthesized_thread(
            trimmed,
            fields,
            level.is_some(),
            rest[..at].trim_end().ends_with(']'),
        ) {
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
        // Rust's tracing with thread ids (Linkerd's proxy): `INFO ThreadId(01) target: ...`.
        if let Some(id) = token
            .strip_prefix("ThreadId(")
            .and_then(|t| t.strip_suffix(')'))
            .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        {
            fields.push(("thread".to_string(), Value::String(id.to_string())));
            tracing_thread = true;
            at += token_len;
            continue;
        }
        // Gitea and Gogs: `routers/web/repo/view.go:456:Home() [W] message`, the caller,
        // then a letter level in brackets.
        if let Some(found) = gitea_level(token, next_token).filter(|_| level.is_none()) {
            push_logger(fields, token, None);
            fields.push(("level".to_string(), Value::String(found.to_string())));
            at = rest.len() - after.trim_start()[next_token.len()..].len();
            break;
        }
        // Unbound: `unbound[1234:0] info: message`, the program, its pid and thread.
        if let Some((name, pid, thread)) = program_pid_thread(token).filter(|_| level.is_none()) {
            push_logger(fields, name, Some(pid));
            fields.push(("thread".to_string(), Value::String(thread.to_string())));
            at += token_len;
            continue;
        }
        // vsftpd: `[pid 1233] [bob] FAIL LOGIN: Client "10.0.0.1"`: the outcome and the
        // command open the message; the bracket before them names the user.
        if let Some(failed) = ftp_outcome(token, next_token).filter(|_| level.is_none()) {
            if let Some((name, _)) = fields.last_mut().filter(|(n, _)| n.starts_with("context")) {
                *name = "user".to_string();
            }
            let outcome = if failed { "error" } else { "ok" };
            fields.push(("outcome".to_string(), Value::String(outcome.to_string())));
            let command = next_token.trim_end_matches(':');
            fields.push(("operation".to_string(), Value::String(command.to_string())));
            if failed {
                fields.push(("level".to_string(), Value::String("ERROR".to_string())));
            }
            break;
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
        // Squid's `kid1| message`: the worker process before a bar.
        let barred = token
            .strip_suffix('|')
            .filter(|n| !n.is_empty() && !n.contains('|'));
        if let Some(process) = barred.filter(|_| level.is_none() && !logger && brackets == 0) {
            if process.chars().all(is_name_char) {
                fields.push(("process".to_string(), Value::String(process.to_string())));
                at += token_len;
                continue;
            }
        }
        // SonarQube: `ERROR web[][o.s.s.p.Platform] message`, the process, its context and
        // the logger in brackets glued to it.
        if let Some((process, logger_name)) =
            level.and(process_and_logger(token)).filter(|_| !logger)
        {
            fields.push(("process".to_string(), Value::String(process.to_string())));
            push_logger(fields, logger_name, None);
            at += token_len;
            break;
        }
        // Splunk's `splunkd.log`: `ERROR TcpOutputFd [1234 TcpOutEloop] - message`, a
        // component named in one word, then the thread.
        let component_then_thread = level.is_some()
            && !logger
            && brackets == 0
            && next_token.starts_with('[')
            && token.starts_with(|c: char| c.is_ascii_uppercase())
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if component_then_thread && after.find("] - ").is_some_and(|at| at < 80) {
            push_logger(fields, token, None);
            logger = true;
            at += token_len;
            continue;
        }
        // FreeSWITCH: `[ERR] switch_core.c:1234 message`, the source right after the level.
        let just_after_level = fields.last().is_some_and(|(name, _)| name == "level");
        if just_after_level && !logger && is_source_location(token) && token.contains(".c") {
            push_logger(fields, token, None);
            at += token_len;
            break;
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
        // zap's console encoder with a named logger, Istio's scope: `time\tinfo\tads\tmessage`,
        // a lower-case name between tabs right after the level.
        let tab_before = at > 0 && rest.as_bytes()[at - 1] == b'\t';
        let scope = |token: &str| {
            token.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
            })
        };
        if tab_before && after.starts_with('\t') && level.is_some() && !logger && scope(token) {
            push_logger(fields, token, None);
            at += token_len + 1;
            break;
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
        // Windows Update's decoded log: `1234  5678  Agent          * WARNING: ...`, a
        // component padded to a column after the process and thread ids.
        let after_ids = level.is_none() && numbers == 2 && brackets == 0 && !logger;
        if after_ids && after.starts_with("   ") && is_padded_source(token, after.trim_start()) {
            push_logger(fields, token, None);
            at += token_len;
            break;
        }
        // Django's documented verbose layout: `LEVEL time module pid thread message`.
        let module = || {
            token.starts_with(|c: char| c.is_ascii_lowercase())
                && token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
        };
        let django = level.is_some() && !logger && numbers == 0 && brackets == 0 && module();
        let ids = || {
            let mut ahead = after.split_whitespace();
            [ahead.next(), ahead.next()].map(|t| t.and_then(|t| t.parse::<u64>().ok()))
        };
        if let (true, [Some(pid), Some(tid)]) = (django, if django { ids() } else { [None; 2] }) {
            push_logger(fields, token, None);
            fields.push(("pid".to_string(), Value::from(pid)));
            fields.push(("tid".to_string(), Value::from(tid)));
            let tid_text = ahead_end(after, 2);
            at += token_len + tid_text;
            logger = true;
            break;
        }
        // dbt's `1 of 12 START ...` counts models, it names no process.
        let count = next_token == "of";
        if !logger && !count && numbers < 2 && token.bytes().all(|b| b.is_ascii_digit()) {
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
        // nginx: `1234#0:`; NGINX Unit without the colon: `1234#1234`.
        let pid_tid = token
            .starts_with(|c: char| c.is_ascii_digit())
            .then(|| token.strip_suffix(':').unwrap_or(token).split_once('#'))
            .flatten();
        if let Some((pid, tid)) = pid_tid {
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
        // A file's path (`/home/bob/x: FOUND`) opens the message.
        if let Some(name) = token.strip_suffix(':').filter(|n| !n.starts_with('/')) {
            let (name, pid) = split_pid(name);
            let found_header = level.is_some() || numbers > 0 || brackets > 0;
            let plain_word = name.chars().all(|c| c.is_alphanumeric() || c == '_');
            // HashiCorp's hclog: `[INFO]  agent: message`, a lower-case subsystem right
            // after the bracketed level (not a level word: `[ERROR] error: ...` is prose).
            let hclog = just_after_level
                && brackets == 1
                && rest[..at].trim_end().ends_with(']')
                && name.starts_with(|c: char| c.is_ascii_lowercase())
                && name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                })
                && normalize_level(name).is_none();
            // ClickHouse: `<Error> executeQuery: message`, any name after the angled level.
            let clickhouse = just_after_level
                && rest[..at].trim_end().ends_with('>')
                && name.chars().all(is_name_char)
                && normalize_level(name).is_none();
            // After tracing's thread id, the target: `linkerd2_proxy:`.
            let target = tracing_thread && name.chars().all(|c| is_name_char(c) || c == ':');
            if (is_qualified_name(name) || pid.is_some() || short_level || hclog || clickhouse)
                || target
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
        // Nexus: `INFO  [thread] *SYSTEM org.sonatype.nexus.Foo - message`, the user (MDC)
        // between the thread and the logger.
        let user_before_logger = level.is_some()
            && brackets > 0
            && next_token.matches('.').count() >= 2
            && token.len() <= 64
            && !token.contains(['[', ']', '=', ':', '.'])
            && is_qualified_name(next_token)
            && after.split_whitespace().nth(1) == Some("-");
        if user_before_logger {
            fields.push(("user".to_string(), Value::String(token.to_string())));
            at += token_len;
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
            // logback's `[thread] LEVEL Logger - message` (Ktor's `Application`): a bare level
            // after the thread's bracket, then any one name before the dash.
            let logback_name = next_token == "-"
                && just_after_level
                && brackets > 0
                && !rest[..at].trim_end().ends_with(']');
            if is_qualified_name(token) || python_name || logback_name {
                push_logger(fields, token, None);
                logger = true;
                at += token_len;
                continue;
            }
        }
        // Windows CBS: `Info                  CBS    Loaded ...`: a short upper-case
        // component in a column of its own; Python's `%(levelname)-8s %(name)-15s` (gcloud's
        // log): a padded logger's name right after the level.
        let cbs = (2..=10).contains(&token.len()) && token.chars().all(|c| c.is_ascii_uppercase());
        let padded_name = just_after_level && token.len() <= 64 && token.chars().all(is_name_char);
        if level.is_some() && !logger && after.starts_with("  ") && (cbs || padded_name) {
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

/// What pino-pretty writes after the level: the logger's name, the pid, the host.
struct PinoOrigin<'a> {
    name: Option<&'a str>,
    pid: u64,
    host: &'a str,
    /// The bytes it takes, with its closing `):`.
    len: usize,
}

/// `(1234 on web-1):` or `(shop/1234 on web-1):` at the start of `text`.
fn pino_origin(text: &str) -> Option<PinoOrigin<'_>> {
    let inside = text.strip_prefix('(')?;
    let close = inside.find("):")?;
    let (who, host) = inside[..close].split_once(" on ")?;
    let (name, pid) = match who.rsplit_once('/') {
        Some((name, pid)) => (Some(name).filter(|n| !n.is_empty()), pid),
        None => (None, who),
    };
    let hosty = !host.is_empty() && !host.contains(' ');
    Some(PinoOrigin {
        name,
        pid: pid.parse().ok().filter(|_| hosty)?,
        host,
        len: close + 3,
    })
}

/// lighttpd's `(server.c.1234)`: the source file and line.
fn lighttpd_location(token: &str) -> Option<(&str, &str)> {
    let inside = token.strip_prefix('(')?.strip_suffix(')')?;
    let (file, line) = inside.rsplit_once('.')?;
    let digits = !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit());
    let source = file.ends_with(".c") && file.len() > 2 && file.chars().all(is_name_char);
    (digits && source).then_some((file, line))
}

/// Gitea's `[I]` after a Go caller (`cmd/web.go:223:runWeb()`): the level.
fn gitea_level(token: &str, next_token: &str) -> Option<&'static str> {
    if !(token.ends_with("()") && token.contains(".go:")) {
        return None;
    }
    Some(match next_token {
        "[T]" => "TRACE",
        "[D]" => "DEBUG",
        "[I]" => "INFO",
        "[W]" => "WARN",
        "[E]" => "ERROR",
        "[C]" | "[F]" => "FATAL",
        _ => return None,
    })
}

/// `unbound[1234:0]`: a program, its pid and its thread.
fn program_pid_thread(token: &str) -> Option<(&str, u64, &str)> {
    let (name, inside) = token.strip_suffix(']')?.split_once('[')?;
    let (pid, thread) = inside.split_once(':')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let named = !name.is_empty() && name.chars().all(is_name_char);
    (named && digits(thread)).then_some(())?;
    Some((name, pid.parse().ok()?, thread))
}

/// vsftpd's `OK DOWNLOAD:` and `FAIL LOGIN:`: whether the command failed.
fn ftp_outcome(token: &str, next_token: &str) -> Option<bool> {
    let command = next_token.strip_suffix(':')?;
    let upper = !command.is_empty() && command.bytes().all(|b| b.is_ascii_uppercase());
    match token {
        "OK" if upper => Some(false),
        "FAIL" if upper => Some(true),
        _ => None,
    }
}

/// A thread's name in parentheses where JBoss and Home Assistant put it: right after a
/// bracketed logger that followed the level, or right after the level with a bracketed logger
/// next. Elsewhere a parenthesis opens the message (`(MSC service thread 1-2)` is a thread,
/// `ERROR (see below)` prose).
fn parenthesized_thread<'a>(
    text: &'a str,
    fields: &[(String, Value)],
    level_read: bool,
    bracketed_before: bool,
) -> Option<&'a str> {
    let inner = text.strip_prefix('(')?;
    let close = inner.find(')').filter(|&close| (1..=80).contains(&close))?;
    let thread = &inner[..close];
    let after = &inner[close + 1..];
    let has = |name: &str| fields.iter().any(|(n, _)| n == name);
    let after_logger =
        fields.last().is_some_and(|(name, _)| name == "logger") && has("level") && bracketed_before;
    let before_logger = level_read && !has("logger") && after.starts_with(" [");
    let plain = !thread.contains(['(', '[', '"']);
    ((after_logger || before_logger) && plain && !has("thread") && after.starts_with(' '))
        .then_some(thread)
}

/// How far into `text` its first `n` whitespace-separated tokens reach.
fn ahead_end(text: &str, n: usize) -> usize {
    let mut end = 0;
    for _ in 0..n {
        let rest = &text[end..];
        let start = rest.len() - rest.trim_start().len();
        let len = rest[start..]
            .find(char::is_whitespace)
            .unwrap_or(rest.len() - start);
        end += start + len;
    }
    end
}

/// `web[][o.s.s.p.Platform]`: a process name, a bracket (its context, maybe empty), the
/// logger in a second bracket.
fn process_and_logger(token: &str) -> Option<(&str, &str)> {
    let (process, brackets) = token.split_once('[')?;
    let (_, logger) = brackets.split_once("][")?;
    let logger = logger.strip_suffix(']')?;
    let named = !process.is_empty() && process.chars().all(|c| c.is_ascii_alphanumeric());
    (named && is_qualified_name(logger)).then_some((process, logger))
}

#[cfg(test)]
mod tests;
