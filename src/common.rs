//! Small helpers every layer shares: SQL quoting, durations, sizes, stable hashes, ids and
//! the lines of TOML keys (for errors that point at a line). They depend on nothing else in
//! the crate, so no layer has to borrow them from another.

use std::time::Duration;

/// A SQL string literal: `it's` -> `'it''s'`.
pub fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A word as a POSIX shell reads it back: as is when it is plain, else single-quoted.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._:=@%+,-".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// `90s`, `5m`, `1h`, `30d`, `2w` -> seconds (positive). Months and quarters are calendar
/// windows, not durations, so they are not accepted here.
pub fn parse_duration_secs(text: &str) -> Option<i64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = t.split_at(split);
    let n: i64 = number.parse().ok()?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    (n > 0).then(|| n.checked_mul(factor)).flatten()
}

/// [`parse_duration_secs`] as a [`Duration`].
pub fn parse_duration(text: &str) -> Option<Duration> {
    parse_duration_secs(text).map(|s| Duration::from_secs(s as u64))
}

/// The message for a value that is not a duration.
pub fn duration_message(text: &str) -> String {
    format!("{text:?} is not a duration (e.g. 90s, 15m, 2h, 1d)")
}

/// `500KB`, `20MB`, `1.5GB`, `4096` (powers of 1024) -> bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim().to_ascii_uppercase();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => {
            return Err(format!(
                "unknown size unit in {text:?} (use B, KB, MB, GB or TB)"
            ))
        }
    };
    number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|n| *n > 0.0 && n.is_finite())
        .map(|n| (n * factor as f64) as u64)
        .ok_or_else(|| format!("invalid size {text:?} (e.g. 512MB, 2GB)"))
}

/// FNV-1a: small, stable across versions and platforms (std's hasher is neither).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    fnv1a64_extend(0xcbf2_9ce4_8422_2325, bytes)
}

/// [`fnv1a64`] of `a ++ bytes`, given `hash` = `fnv1a64(a)`: the hash runs byte by byte.
pub fn fnv1a64_extend(mut hash: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// A short stable key (16 hex digits) of several parts.
pub fn stable_key(parts: &[&str]) -> String {
    format!("{:016x}", fnv1a64(parts.join("\u{1f}").as_bytes()))
}

/// A new, time-ordered id for files and commits: `20251120T101500123456Z-1a2b3c4d`.
pub fn new_time_id() -> String {
    time_id_at(chrono::Utc::now())
}

/// A time-ordered id ([`new_time_id`]) for the time `now`.
pub fn time_id_at(now: chrono::DateTime<chrono::Utc>) -> String {
    let nonce = fnv1a64(
        format!(
            "{}:{}",
            now.timestamp_nanos_opt().unwrap_or(0),
            std::process::id()
        )
        .as_bytes(),
    );
    format!("{}-{:08x}", now.format("%Y%m%dT%H%M%S%6fZ"), nonce as u32)
}

/// Line (1-based) of the `n`-th line starting with `marker` in `text`; 1 when absent.
pub fn line_of(text: &str, marker: &str, n: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with(marker))
        .nth(n)
        .map(|(i, _)| i + 1)
        .unwrap_or(1)
}

/// The line of `field = ...` within the TOML table starting at `table_line`, else the
/// table's own line.
pub fn field_line(text: &str, table_line: usize, field: &str) -> usize {
    for (i, l) in text.lines().enumerate().skip(table_line) {
        let l = l.trim_start();
        if l.starts_with('[') {
            break;
        }
        if l.starts_with(field) && l[field.len()..].trim_start().starts_with('=') {
            return i + 1;
        }
    }
    table_line
}

/// The line of the table header `[name]` (or `[[name]]`, or a dotted `[name.x]`), else of
/// a `name = ...` key; 1 when absent.
pub fn table_line(text: &str, name: &str) -> usize {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            let header = l.trim_start_matches('[');
            (l.starts_with('[')
                && header.starts_with(name)
                && header[name.len()..].starts_with([']', '.']))
                || (l.starts_with(name) && l[name.len()..].trim_start().starts_with('='))
        })
        .map(|i| i + 1)
        .unwrap_or(1)
}

/// Appends `value` zero-padded to `width` decimal digits (the caller keeps it below
/// 10^width): times written digit by digit where `format!` would cost more than the rest.
pub fn push_digits(out: &mut Vec<u8>, value: u32, width: u32) {
    for place in (0..width).rev() {
        out.push(b'0' + (value / 10u32.pow(place) % 10) as u8);
    }
}

/// Appends `YYYY-MM-DD<separator>HH:MM:SS` (a year outside 0..=9999 as `{:04}` writes it).
pub fn push_date_time(out: &mut Vec<u8>, time: chrono::NaiveDateTime, separator: u8) {
    use chrono::{Datelike, Timelike};
    match u32::try_from(time.year()) {
        Ok(year) if year <= 9999 => push_digits(out, year, 4),
        _ => out.extend_from_slice(format!("{:04}", time.year()).as_bytes()),
    }
    for (before, value) in [
        (b'-', time.month()),
        (b'-', time.day()),
        (separator, time.hour()),
        (b':', time.minute()),
        (b':', time.second()),
    ] {
        out.push(before);
        push_digits(out, value, 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_secs("90s"), Some(90));
        assert_eq!(parse_duration_secs("2w"), Some(14 * 86_400));
        assert_eq!(parse_duration_secs("0m"), None);
        assert_eq!(parse_duration_secs("1month"), None);
        assert_eq!(parse_duration_secs("99999999999999999w"), None);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1GB").unwrap(), 1 << 30);
        assert_eq!(parse_size("500kb").unwrap(), 500 << 10);
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("-3MB").is_err());
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("/tmp/data-1"), "/tmp/data-1");
        assert_eq!(shell_word("my data"), "'my data'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }

    #[test]
    fn sql_literals() {
        assert_eq!(sql_string("it's"), "'it''s'");
    }

    #[test]
    fn lines_of_tables_and_keys() {
        let text = "a = 1\n\n[heal]\nmax_rows = 2\n\n[heal.github]\nrepo = \"x\"\n";
        assert_eq!(table_line(text, "heal"), 3);
        assert_eq!(field_line(text, 3, "max_rows"), 4);
        assert_eq!(table_line(text, "a"), 1);
        assert_eq!(line_of(text, "[heal.github]", 0), 6);
    }
}
