//! Header and message forms of particular servers, read where a generic rule would misread
//! them.

use std::sync::LazyLock;

use serde_json::Value;

use super::super::values::normalize_level;
use super::tokens::header_level;

/// MongoDB's legacy severity (`I`, `W`, `E`, `F`, `D`, `D1`-`D5`) before a component in
/// capitals (`NETWORK`, `-` when none) and a `[context]`: the level, and the text from the
/// context on.
pub(super) fn mongodb_text_severity<'a>(
    token: &str,
    component: &str,
    after: &'a str,
) -> Option<(&'static str, &'a str)> {
    let level = match token.as_bytes() {
        [b'I'] => "INFO",
        [b'W'] => "WARN",
        [b'E'] => "ERROR",
        [b'F'] => "FATAL",
        [b'D'] | [b'D', b'1'..=b'5'] => "DEBUG",
        _ => return None,
    };
    let is_component = component == "-"
        || (component.len() >= 3
            && component
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'));
    let context = after.trim_start().get(component.len()..)?.trim_start();
    (is_component && context.starts_with('[')).then_some((level, context))
}

/// A word padded to a column before the message, as SQL Server writes its message source:
/// letters first, then letters and digits (`Server`, `Logon`, `spid55`, `spid9s`), and not
/// followed by what a header goes on with (a level, a bracket, a number) unless that is
/// SQL Server's own `Error: N, Severity: S`.
pub(super) fn is_padded_source(token: &str, rest: &str) -> bool {
    let next_token = rest.split_whitespace().next().unwrap_or("");
    token.starts_with(|c: char| c.is_ascii_alphabetic())
        && token.bytes().all(|b| b.is_ascii_alphanumeric())
        && (sql_server_error(rest).is_some()
            || header_level(next_token).is_none()
                && !next_token.starts_with('[')
                && !next_token.bytes().all(|b| b.is_ascii_digit()))
}

/// SQL Server's (and Sybase's) `Error: 18456, Severity: 14, State: 8.`: the level the
/// severity means (0-10 information, 11-19 errors, 20-25 fatal) and the error number.
pub(super) fn sql_server_error(message: &str) -> Option<(&'static str, u64)> {
    let (number, rest) = message
        .strip_prefix("Error: ")?
        .split_once(", Severity: ")?;
    let severity: u8 = rest.split(',').next()?.trim().parse().ok()?;
    let level = match severity {
        0..=10 => "INFO",
        11..=19 => "ERROR",
        _ => "FATAL",
    };
    Some((level, number.parse().ok()?))
}

/// A message that opens with its level in capitals, or with its level and a colon, as sshd, Postfix, BIND (after its
/// category: `general: error: ...`) and many command-line programs write (`error: ...`,
/// `warning: ...`, `fatal: ...`) or CI runners (`##[error]...`): the level, when it is above
/// INFO.
/// `ORA-00600: ...`: an Oracle error code opening the text.
/// The Azure Functions host's `Executing 'Functions.Orders' (Reason=...)` and `Executed
/// 'Functions.Orders' (Failed, Id=..., Duration=333ms)`: the function as operation, and the
/// execution's outcome (its duration is a pair).
pub(super) fn function_execution(message: &str, fields: &mut Vec<(String, Value)>) {
    let Some(rest) = message
        .strip_prefix("Executed '")
        .or_else(|| message.strip_prefix("Executing '"))
    else {
        return;
    };
    let Some((function, after)) = rest.split_once("' (") else {
        return;
    };
    if function.is_empty() || function.contains(char::is_whitespace) {
        return;
    }
    fields.push(("operation".to_string(), Value::String(function.to_string())));
    let outcome = match after.split([',', ')']).next() {
        Some("Succeeded") => "success",
        Some("Failed") => "failure",
        _ => return,
    };
    fields.push(("outcome".to_string(), Value::String(outcome.to_string())));
}

/// The first line of what a runtime prints as a program (or one of its threads) dies, with
/// no level of its own, to stderr: Python's traceback, Rust's panic, Java's and .NET's
/// uncaught exceptions. (Go's `panic:` reads as a level word, below.)
pub(crate) fn is_crash_header(line: &str) -> bool {
    match line.as_bytes().first() {
        Some(b'T') => line.starts_with("Traceback (most recent call last):"),
        Some(b't') => {
            line.starts_with("thread '")
                && line.get(..200).unwrap_or(line).contains("' panicked at ")
        }
        Some(b'E') => line.starts_with("Exception in thread \""),
        Some(b'U') => line.starts_with("Unhandled exception. "),
        _ => false,
    }
}

/// An event whose first line says less than ERROR but whose later lines hold a crash's report
/// (a panic printed to stderr right after an INFO line, and so joined to it): ERROR.
pub(crate) fn raise_for_crash(text: &str, fields: &mut Vec<(String, Value)>) {
    let Some((_, later)) = text.split_once('\n') else {
        return;
    };
    let crashed = later.split('\n').any(|line| {
        is_crash_header(line) || line.starts_with("panic: ") || line.starts_with("fatal error: ")
    });
    if !crashed {
        return;
    }
    match fields.iter_mut().find(|(name, _)| name == "level") {
        Some((_, level)) if matches!(level.as_str(), Some("ERROR" | "FATAL")) => {}
        Some((_, level)) => *level = Value::String("ERROR".to_string()),
        None => fields.push(("level".to_string(), Value::String("ERROR".to_string()))),
    }
}

/// Rails' request lines: `Started GET "/api/orders/17" for 10.0.0.5 at 2026-11-30 14:01:02
/// +0000` (method, path and client) and `Completed 500 Internal Server Error in 15ms
/// (ActiveRecord: 2.1ms | ...)` (status and duration); Elixir's Plug (Phoenix) answers the
/// same way: `Sent 500 in 17ms`, `Sent 200 in 850µs`.
pub(super) fn rails_request(message: &str, fields: &mut Vec<(String, Value)>) {
    let text = |s: &str| Value::String(s.to_string());
    if let Some(started) = message.strip_prefix("Started ") {
        let Some((method, rest)) = started.split_once(" \"") else {
            return;
        };
        let Some((path, rest)) = rest.split_once("\" for ") else {
            return;
        };
        let upper = !method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase());
        if upper && path.starts_with('/') {
            fields.push(("method".to_string(), text(method)));
            fields.push(("path".to_string(), text(path)));
            if let Some((client, _)) = rest.split_once(" at ") {
                fields.push(("client".to_string(), text(client)));
            }
        }
    } else if let Some(sent) = message.strip_prefix("Sent ") {
        let Some((status, duration)) = sent.split_once(" in ") else {
            return;
        };
        let ms = crate::ingest::values::parse_duration_text(duration, f64::NAN);
        if let (true, Some(ms)) = (crate::ingest::formats::is_status(status), ms) {
            if ms.is_finite() {
                fields.push(("status".to_string(), text(status)));
                fields.push(("duration_ms".to_string(), Value::from(ms)));
            }
        }
    } else if let Some(completed) = message.strip_prefix("Completed ") {
        let (status, rest) = completed.split_once(' ').unwrap_or((completed, ""));
        let Some(duration) = rest
            .split_once(" in ")
            .and_then(|(_, after)| after.split(' ').next())
        else {
            return;
        };
        let ms = duration
            .strip_suffix("ms")
            .and_then(|ms| ms.parse::<f64>().ok());
        if let (true, Some(ms)) = (crate::ingest::formats::is_status(status), ms) {
            fields.push(("status".to_string(), text(status)));
            fields.push(("duration_ms".to_string(), Value::from(ms)));
        }
    }
}

/// OpenLDAP's `slapd` (`conn=1000 op=1 BIND dn=...`, `conn=1000 op=1 RESULT tag=97 err=49
/// text=`): the request's verb, or for a result the verb its tag answers, as operation; a
/// result's `err` as `error_code`, and as a failed outcome when the server could not serve it
/// (busy, unavailable, unwilling, time limit, other: as a 5xx; a wrong password or a missing
/// entry is the client's, as a 4xx).
pub(super) fn ldap_operation(message: &str, fields: &mut Vec<(String, Value)>) {
    let mut words = message.split(' ');
    let (Some(_conn), Some(op), Some(verb)) = (words.next(), words.next(), words.next()) else {
        return;
    };
    if !op.starts_with("op=") || verb.is_empty() || !verb.bytes().all(|b| b.is_ascii_uppercase()) {
        return;
    }
    let text = |s: &str| Value::String(s.to_string());
    if verb != "RESULT" {
        fields.push(("operation".to_string(), text(verb)));
        return;
    }
    let value = |key: &str| {
        message
            .split(' ')
            .find_map(|w| w.strip_prefix(key))
            .and_then(|v| v.parse::<u32>().ok())
    };
    let answered = match value("tag=") {
        Some(97) => "BIND",
        Some(101) => "SRCH",
        Some(103) => "MOD",
        Some(105) => "ADD",
        Some(107) => "DEL",
        Some(109) => "MODRDN",
        Some(111) => "CMP",
        Some(120) => "EXT",
        _ => "RESULT",
    };
    fields.push(("operation".to_string(), text(answered)));
    if let Some(err) = value("err=") {
        let failed = matches!(err, 1 | 3 | 51 | 52 | 53 | 80);
        fields.push(("error_code".to_string(), Value::from(err)));
        fields.push((
            "outcome".to_string(),
            text(if failed { "error" } else { "ok" }),
        ));
    }
}

fn is_oracle_error(text: &str) -> bool {
    let code = text.get(..10).and_then(|m| m.strip_prefix("ORA-"));
    code.is_some_and(|c| c.ends_with(':') && c[..5].bytes().all(|b| b.is_ascii_digit()))
}

pub(super) fn leading_level(message: &str) -> Option<&'static str> {
    let above_info = |level: &&str| matches!(*level, "WARN" | "ERROR" | "FATAL");
    // A crash's report (an uncaught exception, a panic), printed with no level of its own.
    if is_crash_header(message) {
        return Some("ERROR");
    }
    // GitHub Actions' and Azure Pipelines' markers: `##[error]Process completed ...`.
    if let Some(marked) = message.strip_prefix("##[") {
        return normalize_level(marked.split(']').next()?).filter(above_info);
    }
    // Oracle's errors, in its alert log and its clients' output: `ORA-00600: internal error`,
    // also on a later line of the event (the alert log's `Errors in file ...trc:` first).
    // A searcher built once (`memmem::find` would build one per message).
    static LATER_ORA: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"\nORA-"));
    let later_oracle_error = || {
        LATER_ORA.find(message.as_bytes()).is_some() && message.lines().skip(1).any(is_oracle_error)
    };
    if is_oracle_error(message) || later_oracle_error() {
        return Some("ERROR");
    }
    // Puppet's agent log: `Puppet (err): ...`, `/Stage[main]/Nginx/Service[nginx] (warning): ...`.
    let source_end = message.find(' ').filter(|at| *at < 120);
    if let Some(after) = source_end.and_then(|at| message[at..].strip_prefix(" (")) {
        let word = after.split_once("): ").map(|(word, _)| word);
        if let Some(level) = word.filter(|w| w.len() <= 7).and_then(normalize_level) {
            return Some(level).filter(above_info);
        }
    }
    // Windows Update marks its warnings: `* WARNING: Exit code = 0x8024402C`.
    let message = message.strip_prefix("* ").unwrap_or(message);
    // A program's name before its level: `PM2 error: spawn node ENOENT`, `rsync error: some
    // files ... (code 23)`.
    let name_len = message
        .bytes()
        .take(13)
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        .count();
    if let Some(after) = message[name_len..]
        .strip_prefix(' ')
        .filter(|_| name_len >= 2)
    {
        let word_len = after
            .bytes()
            .take(13)
            .take_while(u8::is_ascii_alphabetic)
            .count();
        if word_len > 0 && after[word_len..].starts_with(": ") {
            if let Some(level) = normalize_level(&after[..word_len]).filter(above_info) {
                return Some(level);
            }
        }
    }
    // npm's own lines in a build's log: `npm ERR! Test failed.`, `npm WARN deprecated ...`.
    if let Some(rest) = message.strip_prefix("npm ") {
        return super::untimed::npm_level(rest.split(' ').next()?).filter(above_info);
    }
    // A level word in capitals and a space (Go's `log` with the program's own level:
    // `main.go:42: ERROR payment failed`).
    let capitals = message
        .bytes()
        .take(9)
        .take_while(u8::is_ascii_uppercase)
        .count();
    // Also before a colon: Python's `logging` default (`ERROR:root:payment failed`), what a
    // service under systemd leaves in syslog.
    if capitals >= 4 && matches!(message.as_bytes().get(capitals), Some(b' ' | b':')) {
        if let Some(level) = normalize_level(&message[..capitals]).filter(above_info) {
            return Some(level);
        }
    }
    // A bracketed level first: `[ERROR] payment failed`, `[warn] retrying`.
    if let Some((word, _)) = message
        .strip_prefix('[')
        .and_then(|rest| rest.get(..10).unwrap_or(rest).split_once(']'))
    {
        if let Some(level) = normalize_level(word).filter(above_info) {
            return Some(level);
        }
    }
    let mut rest = message;
    for _ in 0..2 {
        // A word of letters right before `: `, looked for in the first bytes only: this runs
        // on every message.
        let len = rest
            .bytes()
            .take(13)
            .take_while(u8::is_ascii_alphabetic)
            .count();
        let after = rest[len..].strip_prefix(": ").filter(|_| len > 0)?;
        if let Some(level) = normalize_level(&rest[..len]).filter(above_info) {
            return Some(level);
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check, fields};

    /// A crash's report gives its event's level: alone (a redirected stderr) or joined to the
    /// INFO line before it; a WARN with a logged stack trace stays WARN.
    #[test]
    fn crash_reports_are_errors() {
        let level = |text: &str| {
            fields(text)
                .into_iter()
                .find(|(k, _)| k == "level")
                .map(|(_, v)| v)
        };
        let info = "2026-11-30T14:01:02.123456Z  INFO shop::server: listening on 0.0.0.0:8080";
        for crash in [
            "thread 'tokio-runtime-worker' panicked at src/pay.rs:42:9:\ncalled `Option::unwrap()` on a `None` value",
            "Exception in thread \"main\" java.lang.NullPointerException\n\tat a.B(B.java:1)",
            "Unhandled exception. System.InvalidOperationException: boom\n   at Shop.Pay()",
            "Traceback (most recent call last):\n  File \"a.py\", line 1\nKeyError: 'id'",
            "panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:",
        ] {
            assert_eq!(level(&format!("{info}\n{crash}")).as_deref(), Some("ERROR"), "{crash}");
        }
        let warned = "2026-11-30 14:01:02,123 WARN [main] c.a.Pay - retrying\n\
                      java.lang.IllegalStateException: pool\n\tat a.B(B.java:1)";
        assert_eq!(level(warned).as_deref(), Some("WARN"));
        assert_eq!(
            super::leading_level("thread 'main' panicked at src/main.rs:2:5:"),
            Some("ERROR")
        );
        assert_eq!(super::leading_level("thread 'main' exited"), None);
    }

    #[test]
    fn rails_requests_and_azure_functions_executions() {
        let rails = "I, [2026-11-30T14:01:02.123456 #1234]  INFO -- : \
                     [6f8e3c1a-2b4d-4e5f-9a0b-1c2d3e4f5a6b] ";
        check(
            &format!(
                "{rails}Started GET \"/api/orders/17\" for 10.0.0.5 at 2026-11-30 14:01:02 +0000"
            ),
            &[
                ("request_id", "6f8e3c1a-2b4d-4e5f-9a0b-1c2d3e4f5a6b"),
                ("method", "GET"),
                ("path", "/api/orders/17"),
                ("client", "10.0.0.5"),
            ],
        );
        check(
            &format!("{rails}Completed 500 Internal Server Error in 15ms (ActiveRecord: 2.1ms)"),
            &[("status", "500"), ("duration_ms", "15.0")],
        );
        // Phoenix (Plug.Logger) with its request id.
        check(
            "14:01:02.140 request_id=F1a2b3 [info] Sent 500 in 850µs",
            &[("status", "500"), ("duration_ms", "0.85")],
        );
        check(
            "2026-11-30T14:01:02.456 [Error] Executed 'Functions.Pay' (Failed, Id=1, Duration=333ms)",
            &[("operation", "Functions.Pay"), ("outcome", "failure")],
        );
        let ldap = |message: &str| {
            let mut fields = Vec::new();
            super::ldap_operation(message, &mut fields);
            let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            (get("operation"), get("error_code"), get("outcome"))
        };
        let got = ldap("conn=1000 op=1 RESULT tag=97 err=49 text=");
        assert_eq!(
            got,
            (Some("BIND".into()), Some(49.into()), Some("ok".into()))
        );
        let got = ldap("conn=1000 op=2 RESULT tag=101 err=51 text=busy");
        assert_eq!(
            got,
            (Some("SRCH".into()), Some(51.into()), Some("error".into()))
        );
        let got = ldap("conn=1001 op=2 SRCH base=\"dc=example\" scope=2");
        assert_eq!(got, (Some("SRCH".into()), None, None));
        assert_eq!(ldap("conn=5 fd=12 ACCEPT from IP=10.0.0.1:5000").0, None);
        // Prose that starts the same way.
        for line in [
            "2026-11-30 14:01:02 INFO Started the worker pool",
            "2026-11-30 14:01:02 INFO Completed the migration in time",
            "2026-11-30 14:01:02 INFO Sent 200 in total",
            "2026-11-30 14:01:02 INFO Sent 404 in 3",
            "2026-11-30 14:01:02 INFO Executed 'cleanup' twice",
            "2026-11-30 14:01:02 INFO conn=5 opened from 10.0.0.1",
            "2026-11-30 14:01:02 INFO conn=5 op=1 done",
        ] {
            let got = fields(line);
            for key in ["method", "status", "operation", "outcome"] {
                assert!(!got.iter().any(|(k, _)| k == key), "{line}: {got:?}");
            }
        }
    }
}
