//! Field values as column values: epoch numbers, status codes, durations with units,
//! outcomes, level words. Shared by every format's mapping.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;

use super::settings::duration_unit_factor;

/// Epoch numbers in s, ms, µs or ns, told apart by magnitude (years 1973..5138 in seconds).
pub(crate) fn epoch_to_micros(n: f64) -> Option<i64> {
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    let micros = if n < 1e11 {
        n * 1e6
    } else if n < 1e14 {
        n * 1e3
    } else if n < 1e17 {
        n
    } else {
        n / 1e3
    };
    (micros < 9.2e18).then_some(micros as i64)
}

/// A time written as whole epoch seconds and nanoseconds in an object: log4j2's JSON layout
/// (`"instant":{"epochSecond":...,"nanoOfSecond":...}`) and protobuf's `Timestamp` as JSON
/// objects (`{"seconds":...,"nanos":...}`).
pub(crate) fn seconds_and_nanos(parts: &serde_json::Map<String, Value>) -> Option<i64> {
    let [seconds, nanos] = [("epochSecond", "nanoOfSecond"), ("seconds", "nanos")]
        .into_iter()
        .find_map(|(s, n)| Some([parts.get(s)?, parts.get(n).unwrap_or(&Value::Null)]))?;
    let whole = match seconds {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }?;
    let nanos = nanos.as_i64().unwrap_or(0);
    whole
        .checked_mul(1_000_000)?
        .checked_add(nanos / 1_000)
        .filter(|_| whole >= 0 && (0..1_000_000_000).contains(&nanos))
}

pub(crate) fn parse_status(value: &Value) -> Result<Option<i32>, String> {
    let n = match value {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_i64(),
        Value::String(s) if s.trim() == "-" || s.trim().is_empty() => return Ok(None),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if (0..=i32::MAX as i64).contains(&n) => Ok(Some(n as i32)),
        _ => Err(format!(
            "expected an integer status code, got {}",
            short_json(value)
        )),
    }
}

pub(crate) fn parse_duration(value: &Value, factor_to_ms: f64) -> Result<Option<f64>, String> {
    let ms = match value {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_f64().map(|v| v * factor_to_ms),
        Value::String(s) => parse_duration_text(s.trim(), factor_to_ms),
        _ => None,
    };
    match ms {
        Some(ms) if ms.is_finite() && ms >= 0.0 => Ok(Some(ms)),
        _ => Err(format!(
            "expected a non-negative duration (number or e.g. \"12ms\", \"1.5s\"), got {}",
            short_json(value)
        )),
    }
}

pub(crate) fn parse_duration_text(s: &str, bare_factor: f64) -> Option<f64> {
    // A bare number ends in a digit or a dot; a number with a unit is not tried as one (a
    // failed float parse costs as much as the successful one, on every event's duration).
    if s.ends_with(|c: char| c.is_ascii_digit() || c == '.') {
        if let Ok(v) = s.parse::<f64>() {
            return Some(v * bare_factor);
        }
    }
    let split = s.find(|c: char| c.is_ascii_alphabetic() || c == 'µ')?;
    let (number, unit) = s.split_at(split);
    let factor = duration_unit_factor(unit.trim()).or(match unit.trim() {
        "m" | "min" => Some(60e3),
        "h" => Some(3600e3),
        _ => None,
    })?;
    number.trim().parse::<f64>().ok().map(|v| v * factor)
}

pub(crate) fn parse_outcome(value: &Value) -> Option<&'static str> {
    match value {
        Value::Bool(true) => Some("ok"),
        Value::Bool(false) => Some("error"),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "ok" | "success" | "succeeded" | "pass" | "passed" | "good" | "true" => Some("ok"),
            "error" | "err" | "failure" | "failed" | "fail" | "bad" | "false" => Some("error"),
            _ => None,
        },
        _ => None,
    }
}

pub fn normalize_level(raw: &str) -> Option<&'static str> {
    // Compared without case and without a lower-cased copy: text headers try this on every
    // leading token of every line.
    const WORDS: [(&str, &str); 39] = [
        ("trace", "TRACE"),
        // NATS' protocol trace: `[TRC]`.
        ("trc", "TRACE"),
        // Serilog's three-letter levels: VRB, DBG, INF, WRN, ERR, FTL.
        ("vrb", "TRACE"),
        ("dbg", "DEBUG"),
        ("ftl", "FATAL"),
        // .NET's console logger: trce, dbug, info, warn, fail, crit.
        ("trce", "TRACE"),
        ("finest", "TRACE"),
        ("finer", "TRACE"),
        ("debug", "DEBUG"),
        ("dbug", "DEBUG"),
        ("debu", "DEBUG"),
        ("fine", "DEBUG"),
        ("verbose", "DEBUG"),
        ("info", "INFO"),
        ("information", "INFO"),
        ("informational", "INFO"),
        ("notice", "INFO"),
        ("noti", "INFO"),
        // PostgreSQL's server log level for routine messages.
        ("log", "INFO"),
        // MySQL's error log.
        ("note", "INFO"),
        ("inf", "INFO"),
        ("warn", "WARN"),
        ("warning", "WARN"),
        ("wrn", "WARN"),
        ("error", "ERROR"),
        ("err", "ERROR"),
        ("eror", "ERROR"),
        // RabbitMQ 3.9 and later cut every level to four letters: `[erro]`, `[noti]`.
        ("erro", "ERROR"),
        ("fail", "ERROR"),
        ("severe", "ERROR"),
        ("fatal", "FATAL"),
        ("critical", "FATAL"),
        ("crit", "FATAL"),
        ("panic", "FATAL"),
        ("alert", "FATAL"),
        ("emerg", "FATAL"),
        ("emergency", "FATAL"),
        ("aler", "FATAL"),
        ("emer", "FATAL"),
    ];
    let raw = raw.trim();
    if raw.len() > "informational".len() {
        return None;
    }
    WORDS
        .iter()
        .find(|(word, _)| word.eq_ignore_ascii_case(raw))
        .map(|(_, level)| *level)
}

/// A number as a level: pino's and bunyan's scale (10 trace, 20 debug, 30 info, 40 warn,
/// 50 error, 60 fatal); 0 to 7 as syslog severities.
pub(crate) fn numeric_level(value: &Value) -> Option<&'static str> {
    let n = value.as_f64()?;
    Some(match n {
        n if (0.0..8.0).contains(&n) => super::text::syslog_severity(n as u8)?,
        n if n < 10.0 => return None,
        n if n < 20.0 => "TRACE",
        n if n < 30.0 => "DEBUG",
        n if n < 40.0 => "INFO",
        n if n < 50.0 => "WARN",
        n if n < 60.0 => "ERROR",
        _ => "FATAL",
    })
}

/// Nextcloud's (and ownCloud's) numeric levels: 0 debug, 1 info, 2 warning, 3 error, 4 fatal
/// (not syslog's severities, where 2 is critical).
pub(crate) fn nextcloud_level(value: &Value) -> Option<&'static str> {
    Some(match value.as_u64()? {
        0 => "DEBUG",
        1 => "INFO",
        2 => "WARN",
        3 => "ERROR",
        4 => "FATAL",
        _ => return None,
    })
}

/// MongoDB's severity letters: F, E, W, I, and D1-D5.
pub(crate) fn mongodb_severity(mark: &str) -> &'static str {
    match mark.as_bytes().first() {
        Some(b'F') => "FATAL",
        Some(b'E') => "ERROR",
        Some(b'W') => "WARN",
        Some(b'D') => "DEBUG",
        _ => "INFO",
    }
}

/// A level word among a record's `tags` (Kibana's legacy log and hapi's `good`:
/// `"tags":["security","warning"]`), for a record with no level field.
pub(crate) fn level_in_tags(fields: &[(String, Value)]) -> Option<&'static str> {
    let (_, Value::Array(tags)) = fields.iter().find(|(name, _)| name == "tags")? else {
        return None;
    };
    tags.iter().find_map(|tag| normalize_level(tag.as_str()?))
}

/// ERROR for a record with no level that carries an error (`"err": "..."`, `"error": {...}`):
/// Kubernetes components' JSON logs (klog's `ErrorS`) mark their errors so, with no level. A
/// number is a result code (OpenLDAP's `err=0` is success), not an error.
pub(crate) fn level_from_error_field(fields: &[(String, Value)]) -> Option<&'static str> {
    let (_, value) = fields
        .iter()
        .find(|(name, _)| name == "err" || name == "error")?;
    let said = match value {
        Value::String(text) => {
            let text = text.trim();
            let code = text.bytes().all(|b| b.is_ascii_digit() || b == b'-');
            !code && !matches!(text, "null" | "nil" | "<nil>")
        }
        Value::Object(object) => !object.is_empty(),
        _ => false,
    };
    said.then_some("ERROR")
}

pub(crate) fn level_rank(level: &str) -> u8 {
    match level {
        "TRACE" => 0,
        "DEBUG" => 1,
        "INFO" => 2,
        "WARN" => 3,
        "ERROR" => 4,
        _ => 5,
    }
}

pub(crate) fn level_from_status(status: Option<i32>) -> &'static str {
    match status {
        Some(s) if s >= 500 => "ERROR",
        Some(s) if s >= 400 => "WARN",
        _ => "INFO",
    }
}

/// A value as column text: strings as they are, anything else as compact JSON.
pub(crate) fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A message template (Serilog's CLEF `@mt`, `MessageTemplate`; `Payment {OrderId} failed`)
/// with each `{Name}` replaced by its property's text (`{@Name}`, `{$Name}`, `{Name:format}`
/// and `{Name,width}` name `Name` too; `{{` and `}}` are braces). A hole with no property
/// stays as written, so nothing of the template is lost.
pub(crate) fn render_template(template: &str, property: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        let hole = tail
            .strip_prefix('{')
            .and_then(|t| Some(&t[..t.find('}')?]));
        let name = hole.map(|h| {
            let h = h.trim_start_matches(['@', '$']);
            &h[..h.find([':', ',']).unwrap_or(h.len())]
        });
        match (hole, name.and_then(&property)) {
            (Some(hole), Some(text)) => {
                out.push_str(&text);
                rest = &tail[hole.len() + 2..];
            }
            _ => {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A value for an error message, cut to a readable length.
pub(crate) fn short_json(value: &Value) -> String {
    let mut text = value.to_string();
    if text.len() > 60 {
        let mut cut = 57;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...");
    }
    text
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.f{1,9}][Z|±HH:MM|±HHMM]`, read byte by byte (most timestamps have
/// this layout, and chrono's format parsers are tried one after another otherwise): the time
/// and its offset from UTC in seconds (`None`: no zone given).
pub(crate) fn parse_iso(s: &str) -> Option<(NaiveDateTime, Option<i32>)> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let digits = |from: usize, len: usize| -> Option<u32> {
        b[from..from + len].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(digits(0, 4)? as i32, digits(5, 2)?, digits(8, 2)?)?;
    let mut nanos = 0u32;
    let mut at = 19;
    if b.get(at) == Some(&b'.') || b.get(at) == Some(&b',') {
        let start = at + 1;
        at = start;
        while at < b.len() && b[at].is_ascii_digit() && at - start < 9 {
            nanos = nanos * 10 + u32::from(b[at] - b'0');
            at += 1;
        }
        if at == start || b.get(at).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        nanos *= 10u32.pow(9 - (at - start) as u32);
    }
    let time = date.and_hms_nano_opt(digits(11, 2)?, digits(14, 2)?, digits(17, 2)?, nanos)?;
    // A zone after a space, as PostgreSQL's jsonlog writes it: `2026-11-30 14:01:02.123 UTC`.
    let spaced = b.get(at) == Some(&b' ');
    if let Some(word) = spaced
        .then(|| &s[at + 1..])
        .filter(|w| w.starts_with(char::is_alphabetic))
    {
        return Some((time, Some(super::timestamps::zone_word_secs(word)?)));
    }
    let offset = match &b[at + usize::from(spaced)..] {
        [] if spaced => return None,
        [] => None,
        [b'Z'] | [b'z'] => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (hours, minutes) = match rest {
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => ([*h1, *h2], [*m1, *m2]),
                _ => return None,
            };
            let two = |d: [u8; 2]| -> Option<i32> {
                (d[0].is_ascii_digit() && d[1].is_ascii_digit())
                    .then(|| i32::from(d[0] - b'0') * 10 + i32::from(d[1] - b'0'))
            };
            let secs = two(hours)? * 3600 + two(minutes)? * 60;
            Some(if *sign == b'-' { -secs } else { secs })
        }
        _ => return None,
    };
    Some((time, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_templates_are_rendered_from_their_properties() {
        let property = |name: &str| match name {
            "OrderId" => Some("17".to_string()),
            "User" => Some("alice".to_string()),
            _ => None,
        };
        for (template, rendered) in [
            ("Payment {OrderId} failed", "Payment 17 failed"),
            ("{@User} paid {OrderId:000}", "alice paid 17"),
            ("{$User,10}!", "alice!"),
            ("{{literal}} {OrderId}}}", "{literal} 17}"),
            ("{Missing} and {OrderId}", "{Missing} and 17"),
            ("open {OrderId", "open {OrderId"),
            ("é{User}ü", "éaliceü"),
            ("", ""),
        ] {
            assert_eq!(render_template(template, property), rendered, "{template}");
        }
    }

    #[test]
    fn an_error_field_without_a_level_is_an_error() {
        let level =
            |value: serde_json::Value| level_from_error_field(&[("err".to_string(), value)]);
        assert_eq!(level(Value::from("0/3 nodes are available")), Some("ERROR"));
        assert_eq!(level(serde_json::json!({"code": 7})), Some("ERROR"));
        for nothing in [
            Value::from(""),
            Value::from("-"),
            Value::from("<nil>"),
            Value::from("0"),
            Value::from("49"),
            Value::Null,
        ] {
            assert_eq!(level(nothing.clone()), None, "{nothing:?}");
        }
        assert_eq!(level(Value::Bool(false)), None);
        let other = [("errors".to_string(), Value::from("x"))];
        assert_eq!(level_from_error_field(&other), None);
    }

    #[test]
    fn iso_times_are_read_byte_by_byte() {
        let micros = |s: &str| {
            let (time, offset) = parse_iso(s)?;
            Some((time.and_utc().timestamp_micros(), offset))
        };
        assert_eq!(
            micros("2025-11-20T10:00:00.5Z"),
            Some((1_763_632_800_500_000, Some(0)))
        );
        assert_eq!(
            micros("2025-11-20 10:00:00,123456789+02:00"),
            Some((1_763_632_800_123_456, Some(7200)))
        );
        assert_eq!(micros("2025-11-20T10:00:00-0130").unwrap().1, Some(-5400));
        assert_eq!(micros("2025-11-20T10:00:00").unwrap().1, None);
        // A zone word or offset after a space (PostgreSQL's jsonlog, Icinga).
        assert_eq!(micros("2025-11-20 10:00:00.123 UTC").unwrap().1, Some(0));
        assert_eq!(micros("2025-11-20 10:00:00 CET").unwrap().1, Some(3600));
        assert_eq!(micros("2025-11-20 10:00:00 +0200").unwrap().1, Some(7200));
        assert_eq!(micros("2025-11-20 10:00:00 XYZ"), None);
        assert_eq!(micros("2025-11-20 10:00:00 "), None);
        for bad in [
            "2025-13-20T10:00:00Z",
            "2025-11-20T25:00:00Z",
            "2025-11-20T10:00:00.Z",
            "2025-11-20T10:00:00.1234567891Z",
            "2025-11-20T10:00:00 Mars",
            "2025-11-20",
            "2025-02-30T10:00:00Z",
        ] {
            assert_eq!(micros(bad), None, "{bad}");
        }
    }
}
