//! `key=value` pairs inside a text message: log4j and logback layouts with MDC, logrus' and
//! zap's text encoders and Rails append them (`... - renderHeader completed op=renderHeader
//! status=200 duration=5.0ms trace=468e...`). A pair whose key is one the JSON and logfmt
//! paths map onto a column (the same aliases) becomes a field, so error-rate and latency SLOs
//! work on such logs without a regex; the message itself is kept byte for byte.
//!
//! Only values that fit their column are taken (`status=ECONNRESET` is text, not a status
//! code): in free text a pair that does not fit is prose, and a reject would lose the line's
//! event. A pair whose key no column maps is kept in `attributes` as it is written.

use std::borrow::Cow;
use std::sync::LazyLock;

use serde_json::Value;

use crate::ingest::formats::{is_http_method, quoted_value};
use crate::ingest::names::{self, candidacies, DURATION_NAMES, LEVEL_NAMES};
use crate::ingest::values::{normalize_level, parse_duration_text, parse_outcome};

/// At most this many pairs no column maps are kept from one message (a line of a thousand
/// `a=b` is kept whole in the message; its attributes need not repeat it).
const MAX_UNMAPPED_PAIRS: usize = 32;
/// Nor a value longer than this (a blob stays in the message, not twice in the row).
const MAX_UNMAPPED_VALUE: usize = 1024;

/// The column a message pair can feed, with what its value must be.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Column {
    Level,
    /// A service, component or operation: words, never a bare number (OpenLDAP's `op=1`
    /// counts operations on a connection).
    Name,
    /// A trace or request id.
    Id,
    Status,
    /// The factor from the value's bare number to milliseconds (the key's unit).
    Duration(f64),
    Outcome,
}

/// The column of a key, when it is one of the mapped aliases. `span` is left out: in text it
/// names a span id far more often than an operation.
fn column_of(key: &str) -> Option<Column> {
    let candidacies = candidacies(key);
    let is = |column: names::Column| candidacies.iter().find(|c| c.column == column);
    if is(names::Column::Level).is_some() {
        return Some(Column::Level);
    }
    if is(names::Column::Status).is_some() {
        return Some(Column::Status);
    }
    if let Some(duration) = is(names::Column::Duration) {
        return Some(Column::Duration(DURATION_NAMES[duration.rank as usize].1));
    }
    if is(names::Column::Outcome).is_some() {
        return Some(Column::Outcome);
    }
    if is(names::Column::Trace).is_some() {
        return Some(Column::Id);
    }
    let named = [
        names::Column::Service,
        names::Column::Component,
        names::Column::Operation,
    ];
    (key != "span" && named.into_iter().any(|c| is(c).is_some())).then_some(Column::Name)
}

/// Whether `value` fits the column (see the module doc).
fn fits(column: Column, value: &str) -> bool {
    match column {
        Column::Level => normalize_level(value).is_some(),
        Column::Status => value
            .parse::<u16>()
            .is_ok_and(|code| (100..=599).contains(&code)),
        Column::Duration(factor) => {
            parse_duration_text(value, factor).is_some_and(|ms| ms.is_finite() && ms >= 0.0)
        }
        Column::Outcome => parse_outcome(&Value::String(value.to_string())).is_some(),
        Column::Id => !value.is_empty() && value != "-",
        Column::Name => {
            value.bytes().any(|b| !b.is_ascii_digit()) && value != "-" && !is_timed_quantity(value)
        }
    }
}

/// `18ms`, `1.5s`: a time, not a name (Heroku's router logs `service=18ms`, the time the app
/// took, beside `connect=1ms`).
fn is_timed_quantity(value: &str) -> bool {
    value.starts_with(|c: char| c.is_ascii_digit())
        && value.ends_with(|c: char| c.is_ascii_alphabetic())
        && parse_duration_text(value, 1.0).is_some()
}

/// Adds the message's mapped pairs to `fields` (before the message, which the caller pushes).
/// A key the header (or an earlier pair) already gave is left alone: the header is the
/// layout's own field.
pub(crate) fn pairs_in_message(message: &str, fields: &mut Vec<(String, Value)>) {
    // Most messages hold no pair at all.
    if memchr::memchr(b'=', message.as_bytes()).is_none() {
        return;
    }
    let mut request: [Option<Cow<'_, str>>; 2] = [None, None];
    let mut unmapped = 0;
    for (key, value) in message_pairs(message) {
        let Some(column) = column_of(key) else {
            match key {
                "method" => request[0] = Some(value),
                "path" => request[1] = Some(value),
                // A key no column maps (geth's `peer=`, Consul's `server=`) is kept in
                // `attributes`, so it can be queried; one some column reads but refused
                // (a `time=` or `msg=` in prose) stays in the message only.
                _ if unmapped < MAX_UNMAPPED_PAIRS
                    && value.len() <= MAX_UNMAPPED_VALUE
                    && key.starts_with(|c: char| c.is_ascii_alphabetic())
                    && candidacies(key).is_empty()
                    && !fields.iter().any(|(name, _)| name == key) =>
                {
                    unmapped += 1;
                    // Dovecot's and Postfix' `user=<bob>`, `from=<a@example.com>`.
                    let value = value
                        .strip_prefix('<')
                        .and_then(|v| v.strip_suffix('>'))
                        .unwrap_or(&value);
                    fields.push((key.to_string(), Value::String(value.to_string())));
                }
                _ => {}
            }
            continue;
        };
        let taken = fields.iter().any(|(name, _)| {
            name == key || (column == Column::Level && LEVEL_NAMES.contains(&name.as_str()))
        });
        if !taken && fits(column, &value) {
            fields.push((key.to_string(), Value::String(value.into_owned())));
        } else if key == "service" && is_timed_quantity(&value) {
            // Heroku's router: `service=` is the time the app took to answer.
            let timed = fields.iter().any(|(name, _)| name == "duration_ms");
            if let Some(ms) = parse_duration_text(&value, 1.0).filter(|_| !timed) {
                fields.push(("duration_ms".to_string(), Value::String(ms.to_string())));
            }
        }
    }
    // `method=GET path="/api/items/12"` (Heroku's router, many middlewares): the request,
    // which becomes the operation (`GET /api/items/{id}`) as a JSON line's would.
    if let [Some(method), Some(path)] = request {
        if is_http_method(&method)
            && path.starts_with('/')
            && !fields.iter().any(|(k, _)| k == "method")
        {
            fields.push(("method".to_string(), Value::String(method.into_owned())));
            fields.push(("path".to_string(), Value::String(path.into_owned())));
        }
    }
}

/// Elasticsearch's and OpenSearch's slow logs (`took[1.2s], took_millis[1234], ...`) and
/// Logstash's (`:took_in_nanos=>3027675106, :took_in_millis=>3027`): the duration in
/// milliseconds.
pub(crate) fn slowlog_took(message: &str, fields: &mut Vec<(String, Value)>) {
    // A searcher built once: `memmem::find` would build one per message.
    static TOOK: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"took_"));
    // Elasticsearch's `took_millis[12]`, Logstash's `:took_in_millis=>3027`.
    let Some(digits) = TOOK.find_iter(message.as_bytes()).find_map(|at| {
        let after = &message[at + "took_".len()..];
        after
            .strip_prefix("millis[")
            .or_else(|| after.strip_prefix("in_millis=>"))
    }) else {
        return;
    };
    let end = digits.bytes().take_while(u8::is_ascii_digit).count();
    let millis = digits[..end].parse::<u64>().ok();
    if let Some(millis) = millis.filter(|_| !fields.iter().any(|(k, _)| k == "duration_ms")) {
        fields.push(("duration_ms".to_string(), Value::from(millis)));
    }
}

/// `key=value` tokens that a level or a bar follows (Sidekiq's `pid=1234 tid=2ab
/// class=HardJob jid=b4a5 INFO: done`, Ansible's `p=1234 u=deploy n=ansible | ...`): each pair
/// as a field, and the length of `text` they take up to the level (or past the bar). `None` (nothing pushed) when no level follows them: pairs are then the message's.
pub(crate) fn header_pairs(text: &str, fields: &mut Vec<(String, Value)>) -> Option<usize> {
    let mut pairs = Vec::new();
    let mut at = 0;
    for token in text.split_whitespace() {
        let start = at + text[at..].find(token)?;
        at = start + token.len();
        if let Some((key, value)) = token.split_once('=') {
            let plain = !value.is_empty() && !value.starts_with('"');
            if !(is_key(key) && plain) {
                return None;
            }
            pairs.push((key, value));
            continue;
        }
        // A bar may end them instead (Ansible: `p=1234 u=deploy n=ansible | fatal: ...`).
        let bar = token == "|";
        // Phoenix: `request_id=Fxyz [info] GET /api`, the level in brackets.
        let unbracketed = token.strip_prefix('[').and_then(|t| t.strip_suffix(']'));
        let level = super::tokens::header_level(unbracketed.unwrap_or(token));
        if pairs.is_empty() || !bar && level.is_none() {
            return None;
        }
        for (key, value) in pairs {
            let value = value
                .parse::<u64>()
                .map_or_else(|_| Value::String(value.to_string()), Value::from);
            fields.push((key.to_string(), value));
        }
        return Some(if bar { at } else { start });
    }
    None
}

/// A JSON object closing the message after a tab or a space (zap's console encoder writes
/// `message\t{"status": 500}`, AWS Lambda's Node runtime `Invoke Error \t{"errorType": ...}`):
/// its fields join the event's, as a JSON line's would. A key the header already gave, and
/// keys naming the time or the message, are left alone; the message is kept whole.
pub(crate) fn json_tail_in_message(message: &str, fields: &mut Vec<(String, Value)>) {
    // Monolog writes its (empty) `extra` after the context: `message {"user_id":17} []`.
    let message = message.strip_suffix(" []").unwrap_or(message);
    if !message.ends_with('}') {
        return;
    }
    let bytes = message.as_bytes();
    let Some(open) =
        memchr::memmem::rfind(bytes, b"\t{").or_else(|| memchr::memmem::rfind(bytes, b" {\""))
    else {
        return;
    };
    let Ok(serde_json::Value::Object(object)) = serde_json::from_str(&message[open + 1..]) else {
        return;
    };
    for (key, value) in object {
        let columns = candidacies(&key);
        let own = columns
            .iter()
            .any(|c| matches!(c.column, names::Column::Ts | names::Column::Message));
        let a_level = columns.iter().any(|c| c.column == names::Column::Level);
        let taken = fields
            .iter()
            .any(|(name, _)| *name == key || (a_level && LEVEL_NAMES.contains(&name.as_str())));
        if !own && !taken {
            fields.push((key, value));
        }
    }
}

/// A message that is a whole JSON object (Fluentd's `out_file` writes `time\ttag\t{record}`):
/// the object is the record, its fields join the header's (a key the header gave stays the
/// header's), and its own message, if it names one, is the message. `false` when the text is
/// not a JSON object.
pub(crate) fn json_record_as_message(text: &str, fields: &mut Vec<(String, Value)>) -> bool {
    if !text.trim_end().ends_with('}') {
        return false;
    }
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(text) else {
        return false;
    };
    let names_message = object
        .iter()
        .any(|(k, v)| v.is_string() && names::feeds(k, names::Column::Message));
    for (key, value) in object {
        if !fields.iter().any(|(name, _)| *name == key) {
            fields.push((key, value));
        }
    }
    if !names_message {
        fields.push(("message".to_string(), Value::String(text.to_string())));
    }
    true
}

/// A message that is a whole logfmt record opening with its time or level (containerd and
/// Docker under journald: `time="2026-11-30T14:01:02.123Z" level=error msg="failed to pull"
/// image=shop:1.2`): its pairs are fields (the wrapper's time stands; the record's own is not
/// kept twice) and its `msg` is the message. `false` when the text is not such a record.
pub(crate) fn logfmt_record_as_message(text: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let opens = ["time=", "ts=", "level=", "lvl="]
        .iter()
        .any(|key| text.starts_with(key));
    if !opens {
        return false;
    }
    let Ok(pairs) = crate::ingest::formats::parse_logfmt(text) else {
        return false;
    };
    let message = pairs
        .iter()
        .find(|(k, v)| matches!(k.as_str(), "msg" | "message") && v.is_string())
        .map(|(_, v)| v.clone());
    let Some(message) = message else {
        return false;
    };
    for (key, value) in pairs {
        match key.as_str() {
            "time" | "ts" | "msg" | "message" => {}
            // The record's own level wins over the wrapper's (a syslog severity).
            "level" | "lvl" => {
                fields.retain(|(name, _)| name != "level");
                fields.push(("level".to_string(), value));
            }
            _ if !fields.iter().any(|(name, _)| *name == key) => fields.push((key, value)),
            _ => {}
        }
    }
    fields.push(("message".to_string(), message));
    true
}

/// Every `key=value` token of `text`: the key starts after whitespace or a comma; the value is
/// `"quoted"` (logfmt's escapes) or runs to the next whitespace, without a trailing `,` or `;`.
fn message_pairs(text: &str) -> Vec<(&str, Cow<'_, str>)> {
    let bytes = text.as_bytes();
    let mut pairs = Vec::new();
    let mut at = 0;
    while let Some(eq) = memchr::memchr(b'=', &bytes[at..]).map(|i| at + i) {
        // Looked for only back to where the last value ended: linear in the line, whatever
        // it holds.
        let key_start = bytes[at..eq]
            .iter()
            .rposition(|b| b.is_ascii_whitespace() || matches!(b, b',' | b'|' | b'('))
            .map_or(at, |i| at + i + 1);
        let key = &text[key_start..eq];
        let value_start = eq + 1;
        // Single quotes (Azure Functions' host: `(Reason='...', Id=...)`), when they close;
        // an apostrophe that does not is prose's.
        let single_quoted = (bytes.get(value_start) == Some(&b'\''))
            .then(|| memchr::memchr(b'\'', &bytes[value_start + 1..]))
            .flatten();
        let (value, next) = if let Some(len) = single_quoted {
            let value = &text[value_start + 1..value_start + 1 + len];
            (Cow::Borrowed(value), value_start + len + 2)
        } else if bytes.get(value_start) == Some(&b'"') {
            // Unclosed: not a pair's value but prose, and so is the rest (scanning on from
            // each later quote again would be quadratic in a hostile line).
            let (value, next) =
                quoted_value(text, value_start + 1).unwrap_or((String::new(), bytes.len()));
            (Cow::Owned(value), next)
        } else if key_start > 2
            && bytes[key_start - 1].is_ascii_whitespace()
            && after_spaced_semicolon(&bytes[..key_start])
        {
            // sudo: `alice : TTY=pts/0 ; PWD=/home/alice ; COMMAND=/usr/bin/systemctl restart
            // nginx`, a value running to the next ` ;`.
            let end = memchr::memmem::find(&bytes[value_start..], b" ;")
                .map_or(bytes.len(), |i| value_start + i);
            (Cow::Borrowed(text[value_start..end].trim_end()), end)
        } else {
            // Pairs may be separated by bars (Santa's `action=EXEC|decision=ALLOW`).
            let end = bytes[value_start..]
                .iter()
                .position(|b| b.is_ascii_whitespace() || *b == b'|')
                .map_or(bytes.len(), |i| value_start + i);
            let value = text[value_start..end].trim_end_matches([',', ';']);
            // Pairs in parentheses (Falco's `(user=root ... shell=bash)`).
            let value = match value.strip_suffix(')') {
                Some(inner) if !inner.contains('(') => inner,
                _ => value,
            };
            (Cow::Borrowed(value), end)
        };
        if is_key(key) {
            pairs.push((key, value));
        }
        at = next.max(value_start);
    }
    pairs
}

/// Whether `before` (the text before a key) ends with ` ;` and whitespace, as sudo separates
/// its pairs.
fn after_spaced_semicolon(before: &[u8]) -> bool {
    let trimmed = before.trim_ascii_end();
    trimmed.len() < before.len() && trimmed.ends_with(b" ;")
}

fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(message: &str, header: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut fields: Vec<(String, Value)> = header
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect();
        pairs_in_message(message, &mut fields);
        fields
            .into_iter()
            .skip(header.len())
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
            .collect()
    }

    fn owned(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn pairs_separated_by_bars() {
        // Santa's decision log.
        assert_eq!(
            pairs(
                "action=EXEC|decision=DENY|reason=BINARY|path=/tmp/bad|status=403",
                &[]
            ),
            owned(&[
                ("action", "EXEC"),
                ("decision", "DENY"),
                ("reason", "BINARY"),
                ("status", "403")
            ])
        );
    }

    #[test]
    fn mapped_keys_become_fields_wherever_they_stand() {
        assert_eq!(
            pairs(
                "renderHeader completed op=renderHeader status=200 duration=5.0ms trace=468e01",
                &[]
            ),
            owned(&[
                ("op", "renderHeader"),
                ("status", "200"),
                ("duration", "5.0ms"),
                ("trace", "468e01"),
            ])
        );
        assert_eq!(
            pairs(
                r#"retrying, status_code=503, latency_ms=12.5; service="cart api" user=7"#,
                &[]
            ),
            owned(&[
                ("status_code", "503"),
                ("latency_ms", "12.5"),
                ("service", "cart api"),
                ("user", "7"),
            ])
        );
    }

    #[test]
    fn values_that_do_not_fit_their_column_stay_prose() {
        assert!(pairs(
            "socket closed code=ECONNRESET status=1006 duration=forever result=maybe op=-",
            &[]
        )
        .is_empty());
        // Heroku's router: `service=18ms` is no service's name but the time the app took.
        assert_eq!(
            pairs("at=info service=18ms status=200", &[]),
            owned(&[("at", "info"), ("duration_ms", "18"), ("status", "200")])
        );
        assert!(pairs(r#"unclosed op="a b status=200"#, &[])
            .iter()
            .all(|(k, _)| k != "op"));
        assert_eq!(
            pairs("a==b =x span=abc123 x=1 1=2 _k=v time=noon msg=hi", &[]),
            owned(&[("a", "=b"), ("x", "1")]),
            "a key some column reads but refused (`span`, `time`, `msg`) is prose"
        );
        assert_eq!(
            pairs(
                "Executing 'F' (Reason='called via the host', Id=5b1c) it's x='y",
                &[]
            ),
            owned(&[
                ("Reason", "called via the host"),
                ("Id", "5b1c"),
                ("x", "'y")
            ])
        );
        assert_eq!(
            pairs("client=web-1, from=<alice@example.com>, size=1234", &[]),
            owned(&[
                ("client", "web-1"),
                ("from", "alice@example.com"),
                ("size", "1234")
            ])
        );
        let many: String = (0..40).map(|i| format!("k{i}=v ")).collect();
        assert_eq!(pairs(&many, &[]).len(), MAX_UNMAPPED_PAIRS);
    }

    #[test]
    fn sudo_values_run_to_the_next_spaced_semicolon() {
        let got = pairs(
            "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ;\n    COMMAND=/usr/bin/systemctl restart nginx",
            &[],
        );
        let want = [
            ("TTY", "pts/0"),
            ("PWD", "/home/alice"),
            ("USER", "root"),
            ("COMMAND", "/usr/bin/systemctl restart nginx"),
        ];
        assert_eq!(got, owned(&want));
        // A semicolon without a space before it ends nothing early.
        let got = pairs("took=5ms; user=bob logged in", &[]);
        assert_eq!(got, owned(&[("took", "5ms"), ("user", "bob")]));
    }

    #[test]
    fn a_logfmt_record_inside_a_wrapper() {
        let mut fields = vec![("level".to_string(), Value::from("INFO"))];
        assert!(logfmt_record_as_message(
            "time=\"2026-11-30T14:01:02.123456789Z\" level=error msg=\"failed to pull image\" image=shop:1.2",
            &mut fields
        ));
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(get("level").unwrap(), "error");
        assert_eq!(get("message").unwrap(), "failed to pull image");
        assert_eq!(get("image").unwrap(), "shop:1.2");
        assert!(get("time").is_none());
        for other in ["time flies", "level=3", "ts=1 nothing to say", "lvl=\"open"] {
            assert!(!logfmt_record_as_message(other, &mut Vec::new()), "{other}");
        }
    }

    #[test]
    fn an_unclosed_quote_ends_the_pairs() {
        // Half a megabyte of `=` and quotes, the last quote unclosed (the scan is linear: a
        // quadratic one would not finish here).
        let long = "status=200 ".to_string() + &"a=".repeat(200_000) + &" x=\"".repeat(100_001);
        assert_eq!(
            pairs(&(long + " op=late"), &[]),
            owned(&[("status", "200"), ("x", " x=")]),
            "the 400 kB value of `a` is not copied into attributes"
        );
    }

    #[test]
    fn the_header_keeps_its_own_fields() {
        assert_eq!(
            pairs("level=debug status=404 status=500", &[("level", "ERROR")]),
            owned(&[("status", "404")])
        );
        assert_eq!(
            pairs("lvl=warn", &[]),
            owned(&[("lvl", "warn")]),
            "no level in the header: the pair's is taken"
        );
    }
}
