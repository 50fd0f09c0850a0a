//! What a `[...]` in a text line's header holds.

use serde_json::Value;

use super::super::values::normalize_level;

/// What a `[...]` in the header holds: a level, `module:level`, `pid N`, a request id, or a
/// thread (the first one) and context (the rest).
pub(super) fn bracket_field(
    inside: &str,
    level: &mut Option<&'static str>,
    index: usize,
    fields: &mut Vec<(String, Value)>,
) {
    if level.is_none() {
        // MySQL 8 labels server life-cycle messages `[System]` where others have `[Note]`.
        let found = normalize_level(inside).or((inside == "System").then_some("INFO"));
        if let Some(found) = found {
            *level = Some(found);
            fields.push(("level".to_string(), Value::String(found.to_string())));
            return;
        }
        // Apache 2.4: `[core:error]`.
        if let Some((module, word)) = inside.rsplit_once(':') {
            if let Some(found) = normalize_level(word) {
                *level = Some(found);
                fields.push(("level".to_string(), Value::String(found.to_string())));
                fields.push(("logger".to_string(), Value::String(module.to_string())));
                return;
            }
        }
        // log4j2's `[%t/%level]` (Minecraft servers): `[Server thread/INFO]`.
        if let Some((thread, word)) = inside.rsplit_once('/') {
            if let Some(found) = normalize_level(word).filter(|_| !thread.is_empty()) {
                *level = Some(found);
                fields.push(("level".to_string(), Value::String(found.to_string())));
                fields.push(("thread".to_string(), Value::String(thread.to_string())));
                return;
            }
        }
    }
    // Elasticsearch: `[INFO ][o.e.n.Node    ]`: a dotted class name in brackets after the level;
    // JBoss's categories may hold a dash past the package's first name
    // (`[org.jboss.as.controller.management-operation]`), a thread's name before a dot does
    // (Akka's `[system-akka.actor.default-dispatcher-5]`).
    let class_name = inside.contains('.')
        && !inside.split('.').next().unwrap_or("").contains('-')
        && inside
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '$' | '-'));
    if level.is_some() && class_name && !fields.iter().any(|(name, _)| name == "logger") {
        fields.push(("logger".to_string(), Value::String(inside.to_string())));
        return;
    }
    // MySQL 8: `[MY-010068] [Server]`: the error code, then the subsystem.
    if let Some(code) = inside.strip_prefix("MY-") {
        if code.bytes().all(|b| b.is_ascii_digit()) {
            fields.push(("error_code".to_string(), Value::String(inside.to_string())));
            return;
        }
    }
    let after_code = fields.last().is_some_and(|(name, _)| name == "error_code");
    if after_code && !inside.is_empty() && inside.chars().all(|c| c.is_alphanumeric() || c == '_') {
        fields.push(("logger".to_string(), Value::String(inside.to_string())));
        return;
    }
    // Apache 2.4: `[pid 35708:tid 4328636416]`.
    if let Some(ids) = inside.strip_prefix("pid ") {
        let mut parts = ids.split(":tid ");
        if let Some(pid) = parts.next().and_then(|p| p.trim().parse::<u64>().ok()) {
            fields.push(("pid".to_string(), Value::from(pid)));
            if let Some(tid) = parts.next().and_then(|t| t.trim().parse::<u64>().ok()) {
                fields.push(("tid".to_string(), Value::from(tid)));
            }
            return;
        }
    }
    if let Ok(pid) = inside.parse::<u64>() {
        fields.push(("pid".to_string(), Value::from(pid)));
        return;
    }
    // Twisted's `[-]`: no context.
    if inside == "-" {
        return;
    }
    // vLLM and other Python servers: `[api_server.py:1024]`, the source file and its line.
    let logger_read = fields.iter().any(|(name, _)| name == "logger");
    if !logger_read && super::tokens::is_source_location(inside) {
        fields.push(("logger".to_string(), Value::String(inside.to_string())));
        return;
    }
    // Salt: `[salt.minion      :1234]`, a module and its line (a thread's `Executor:2` has no
    // dotted name).
    if let Some((module, line)) = module_and_line(inside) {
        fields.push(("logger".to_string(), Value::String(module.to_string())));
        fields.push(("source_line".to_string(), Value::from(line)));
        return;
    }
    // Spring Boot 3.2's correlation, `[<trace id>-<span id>]`, and Spring Cloud Sleuth's
    // `[app,<trace id>,<span id>]` (empty when there is no trace: `[shop,,]`).
    if let Some((trace, span)) = trace_and_span(inside) {
        fields.push(("trace_id".to_string(), Value::String(trace.to_string())));
        fields.push(("span_id".to_string(), Value::String(span.to_string())));
        return;
    }
    if inside.ends_with(",,") && !inside[..inside.len() - 2].contains(',') {
        return;
    }
    // Scrapy and other Python layouts: `[scrapy.core.engine] INFO: message`, a dotted
    // module's name in the first bracket is the logger.
    let module = inside.contains('.')
        && inside.split('.').all(|part| {
            part.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        });
    if index == 0 && level.is_none() && module && !logger_read {
        fields.push(("logger".to_string(), Value::String(inside.to_string())));
        return;
    }
    // pacman: `[2026-11-30T14:01:02+0000] [ALPM] upgraded linux`, a program or subsystem
    // in capitals where no level came before it (threads are not named so).
    let capitals = inside.len() >= 2
        && inside.starts_with(|c: char| c.is_ascii_uppercase())
        && inside
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_'));
    if index == 0 && level.is_none() && capitals && !logger_read {
        fields.push(("component".to_string(), Value::String(inside.to_string())));
        return;
    }
    // Rails' tagged logging and others: `[6f8e3c1a-2b4d-...]`, a request's id, not a thread.
    if super::tokens::is_uuid(inside) {
        fields.push(("request_id".to_string(), Value::String(inside.to_string())));
        return;
    }
    // OpenStack and others: `[req-<uuid> ...]` names the request.
    let first = inside.split_whitespace().next().unwrap_or("");
    if first.starts_with("req-") && first.len() > 8 {
        fields.push(("request_id".to_string(), Value::String(first.to_string())));
    }
    // A bracket after a thread in parentheses is the context (Solr's `(qtp-56) [c:core ...]`).
    let thread_read = fields.iter().any(|(name, _)| name == "thread");
    let name = if index == 0 && !first.starts_with("req-") && !thread_read {
        "thread".to_string()
    } else {
        format!(
            "context{}",
            if index == 0 {
                String::new()
            } else {
                index.to_string()
            }
        )
    };
    fields.push((name, Value::String(inside.to_string())));
}

/// `6528a1b2...-a1b2c3d4e5f6a7b8` or `shop,6528a1b2c3d4e5f6,a1b2c3d4e5f6a7b8`: a trace id
/// (16 or 32 hex digits) and a span id (16).
fn trace_and_span(inside: &str) -> Option<(&str, &str)> {
    let (trace, span) = match inside.split_once('-') {
        Some(pair) => pair,
        None => {
            let mut parts = inside.split(',');
            let (_app, trace, span) = (parts.next()?, parts.next()?, parts.next()?);
            parts.next().is_none().then_some((trace, span))?
        }
    };
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    (matches!(trace.len(), 16 | 32) && span.len() == 16 && hex(trace) && hex(span))
        .then_some((trace, span))
}

/// `salt.utils.process  :987 `: a dotted lower-case module name, then its line.
fn module_and_line(inside: &str) -> Option<(&str, u64)> {
    let (module, line) = inside.split_once(':')?;
    let module = module.trim_end();
    let line = line.trim().parse().ok()?;
    let dotted = module.contains('.')
        && module.starts_with(|c: char| c.is_ascii_lowercase())
        && module
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_'));
    dotted.then_some((module, line))
}
