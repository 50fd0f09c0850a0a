//! System logs of supercomputers as the public datasets hold them (Loghub's BGL, Thunderbird
//! and HPC; Liberty, Spirit and Red Storm share the first layout): layouts of their own that
//! the header scanner cannot read, recognised by their first tokens.
//!
//! - Labelled logs (Oliner and Stearley, "What Supercomputers Say", DSN 2007):
//!   `LABEL EPOCH yyyy.MM.dd NODE LINE`. The label is `-` or the alert category an
//!   administrator gave the line (`APPREAD`, `KERNDTLB`, ...); LINE is what the node wrote:
//!   Blue Gene/L's `yyyy-MM-dd-HH.mm.ss.ffffff NODE TYPE COMPONENT LEVEL message`, or a syslog
//!   line `MMM d HH:mm:ss host tag[pid]: message`.
//! - LANL's HPC logs: `ID NODE COMPONENT STATE EPOCH FLAG message`.
//!
//! The epoch is the event's time: the local times the lines repeat carry no zone (BGL's are
//! seven hours behind UTC, Thunderbird's eight), the epoch says the instant.

use serde_json::Value;

use super::{peel_header, push_message, split_pid, timestamp_at, Stamp, TextParser};

/// The fields of a line in one of the layouts above, or `None` when it is not one.
pub(super) fn parse(text: &str, parser: &TextParser) -> Option<Vec<(String, Value)>> {
    // Both layouts start with a token no other text line starts with: turned away here, at
    // the first token, as nearly every line is.
    let first = text.split(' ').next().unwrap_or("");
    if is_label(first) {
        labelled(text, parser)
    } else if is_number(first) {
        lanl_hpc(text, parser)
    } else {
        None
    }
}

/// Whether a line starts an event in one of these layouts that the timestamp finder would
/// not see (LANL's epoch is the fifth token).
pub(super) fn starts_event(text: &str) -> bool {
    hpc_tokens(text).is_some()
}

fn is_epoch(token: &str) -> bool {
    token.len() == 10 && token.bytes().all(|b| b.is_ascii_digit())
}

fn is_number(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit())
}

/// `2005.06.03`.
fn is_dotted_date(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'.'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// `-`, or an alert category in capitals (`APPREAD`, `KERNDTLB`, `R_DDR_STR`).
fn is_label(token: &str) -> bool {
    token == "-"
        || (token.len() <= 24
            && token.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
            && token
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'))
}

/// Blue Gene/L's severities (FAILURE ranks above FATAL).
fn bgl_level(word: &str) -> Option<&'static str> {
    Some(match word {
        "INFO" => "INFO",
        "WARNING" => "WARN",
        "SEVERE" | "ERROR" => "ERROR",
        "FATAL" | "FAILURE" => "FATAL",
        _ => return None,
    })
}

fn text_field(fields: &mut Vec<(String, Value)>, name: &str, value: &str) {
    fields.push((name.to_string(), Value::String(value.to_string())));
}

fn labelled(text: &str, parser: &TextParser) -> Option<Vec<(String, Value)>> {
    // Token by token, so that other lines are turned away at their first token.
    let mut tokens = text.splitn(5, ' ');
    let label = tokens.next().filter(|t| is_label(t))?;
    let epoch = tokens.next().filter(|t| is_epoch(t))?;
    tokens.next().filter(|t| is_dotted_date(t))?;
    let node = tokens.next()?;
    let line = tokens.next().unwrap_or("");
    let mut fields = Vec::with_capacity(10);
    fields.push((
        "ts".to_string(),
        parser.ts_value(Stamp::Epoch(epoch.parse().ok()?)),
    ));
    if label != "-" {
        text_field(&mut fields, "alert", label);
    }
    text_field(&mut fields, "host", node);
    node_line(line, &mut fields);
    Some(fields)
}

/// What the node wrote, after the label's header.
fn node_line(line: &str, fields: &mut Vec<(String, Value)>) {
    let Some((_, len)) = timestamp_at(line) else {
        peel_header(line, fields);
        return;
    };
    let after = line[len..].trim_start();
    // Blue Gene/L: `NODE TYPE COMPONENT LEVEL message`.
    let mut tokens = after.splitn(5, ' ');
    if let (Some(_node), Some(kind), Some(component), Some(level)) =
        (tokens.next(), tokens.next(), tokens.next(), tokens.next())
    {
        if let Some(level) = bgl_level(level) {
            text_field(fields, "type", kind);
            text_field(fields, "logger", component);
            text_field(fields, "level", level);
            push_message(tokens.next().unwrap_or("").trim_start(), fields);
            return;
        }
    }
    // Syslog: `host tag[pid]: message` (Thunderbird's host is `node/node` or `user@node`).
    let mut tokens = after.splitn(3, ' ');
    if let (Some(host), Some(tag), message) = (tokens.next(), tokens.next(), tokens.next()) {
        if let Some(name) = tag.strip_suffix(':').filter(|n| !n.is_empty()) {
            let (name, pid) = split_pid(name);
            text_field(fields, "location", host);
            text_field(fields, "service", name);
            if let Some(pid) = pid {
                fields.push(("pid".to_string(), Value::from(pid)));
            }
            push_message(message.unwrap_or("").trim_start(), fields);
            return;
        }
    }
    peel_header(after, fields);
}

/// LANL's `ID NODE COMPONENT STATE EPOCH FLAG message`, split.
fn hpc_tokens(text: &str) -> Option<[&str; 7]> {
    let mut tokens = text.splitn(7, ' ');
    let id = tokens.next().filter(|t| is_number(t))?;
    let (node, component, state) = (tokens.next()?, tokens.next()?, tokens.next()?);
    let epoch = tokens.next().filter(|t| is_epoch(t))?;
    // 1 and 0 mostly; -1 on partition status lines.
    let flag = tokens.next().filter(|t| matches!(*t, "0" | "1" | "-1"))?;
    Some([
        id,
        node,
        component,
        state,
        epoch,
        flag,
        tokens.next().unwrap_or(""),
    ])
}

fn lanl_hpc(text: &str, parser: &TextParser) -> Option<Vec<(String, Value)>> {
    let [id, node, component, state, epoch, flag, message] = hpc_tokens(text)?;
    let mut fields = Vec::with_capacity(9);
    fields.push((
        "ts".to_string(),
        parser.ts_value(Stamp::Epoch(epoch.parse().ok()?)),
    ));
    fields.push(("log_id".to_string(), Value::from(id.parse::<u64>().ok()?)));
    text_field(&mut fields, "host", node);
    text_field(&mut fields, "logger", component);
    text_field(&mut fields, "state", state);
    fields.push(("flag".to_string(), Value::from(flag.parse::<i8>().ok()?)));
    push_message(message.trim_start(), &mut fields);
    Some(fields)
}
