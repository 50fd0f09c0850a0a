//! Field values as column values: epoch numbers, status codes, durations with units,
//! outcomes, level words. Shared by every format's mapping.

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
    if let Ok(v) = s.parse::<f64>() {
        return Some(v * bare_factor);
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
    let level = match raw.trim().to_ascii_lowercase().as_str() {
        "trace" | "finest" | "finer" => "TRACE",
        "debug" | "dbug" | "fine" | "verbose" => "DEBUG",
        "info" | "information" | "informational" | "notice" | "inf" => "INFO",
        "warn" | "warning" | "wrn" => "WARN",
        "error" | "err" | "eror" | "severe" => "ERROR",
        "fatal" | "critical" | "crit" | "panic" | "alert" | "emerg" | "emergency" => "FATAL",
        _ => return None,
    };
    Some(level)
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
