//! Reading a record's time value: a number (epoch seconds, milliseconds, ...), a string in
//! the configured `timestamp_format` or any of the common layouts, or seconds and nanoseconds.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;

use super::LineParser;
use crate::ingest::text::timestamp_at;
use crate::ingest::values::{epoch_to_micros, parse_iso, seconds_and_nanos};

impl LineParser {
    pub(super) fn parse_ts(&self, value: &Value) -> Result<i64, String> {
        match value {
            Value::Number(n) => n
                .as_f64()
                .and_then(epoch_to_micros)
                .ok_or_else(|| "number out of range for an epoch time".to_string()),
            Value::String(s) => {
                let s = s.trim();
                match &self.ts_format {
                    Some(format) => self.parse_ts_with_format(s, format),
                    None => self.parse_ts_auto(s),
                }
            }
            Value::Object(parts) => seconds_and_nanos(parts).ok_or_else(|| {
                "expected a string, a number or seconds and nanoseconds \
                 (`epochSecond` and `nanoOfSecond`, `seconds` and `nanos`)"
                    .to_string()
            }),
            _ => Err("expected a string or a number".to_string()),
        }
    }

    pub(super) fn parse_ts_with_format(&self, s: &str, format: &str) -> Result<i64, String> {
        if let Ok(dt) = DateTime::parse_from_str(s, format) {
            return Ok(dt.with_timezone(&Utc).timestamp_micros());
        }
        let naive = match NaiveDateTime::parse_from_str(s, format) {
            Ok(naive) => naive,
            Err(first_error) => {
                // Formats without a year (syslog) need one supplied.
                let year = self.ts_year.unwrap_or(1970);
                NaiveDateTime::parse_from_str(&format!("{year} {s}"), &format!("%Y {format}"))
                    .or_else(|_| {
                        NaiveDate::parse_from_str(s, format)
                            .map(|d| d.and_hms_opt(0, 0, 0).unwrap())
                    })
                    .map_err(|_| format!("does not match format {format:?} ({first_error})"))?
            }
        };
        Ok(self.naive_to_micros(naive))
    }

    pub(super) fn parse_ts_auto(&self, s: &str) -> Result<i64, String> {
        // The common layouts without trial and error; the rest below.
        if let Some((naive, offset_secs)) = parse_iso(s) {
            let micros = naive.and_utc().timestamp_micros();
            return Ok(match offset_secs {
                Some(offset) => micros - i64::from(offset) * 1_000_000,
                None => micros - i64::from(self.tz_offset_secs) * 1_000_000,
            });
        }
        if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
            return Ok(dt.with_timezone(&Utc).timestamp_micros());
        }
        for format in [
            "%Y-%m-%d %H:%M:%S%.f%:z",
            "%Y-%m-%d %H:%M:%S%.f%z",
            "%d/%b/%Y:%H:%M:%S %z",
        ] {
            if let Ok(dt) = DateTime::parse_from_str(s, format) {
                return Ok(dt.with_timezone(&Utc).timestamp_micros());
            }
        }
        let s_no_z = s.strip_suffix('Z').unwrap_or(s);
        for format in [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
        ] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(s_no_z, format) {
                return Ok(if s_no_z.len() == s.len() {
                    self.naive_to_micros(naive)
                } else {
                    naive.and_utc().timestamp_micros()
                });
            }
        }
        if let Ok(n) = s.parse::<f64>() {
            return epoch_to_micros(n)
                .ok_or_else(|| "number out of range for an epoch time".into());
        }
        // A time as text logs write it (`081109 203615`, `Nov 30 14:01:02`, `03-17
        // 16:13:38.811`: a CSV export's `Date` and `Time`), the whole value, year-less ones
        // given theirs as a text line's are.
        if let Some((stamp, _)) = timestamp_at(s).filter(|(_, len)| *len == s.len()) {
            return self.parse_ts(&self.plain.ts_value(stamp));
        }
        Err(
            "not RFC 3339, `YYYY-MM-DD HH:MM:SS`, access-log time or epoch; set timestamp_format"
                .into(),
        )
    }

    pub(super) fn naive_to_micros(&self, naive: NaiveDateTime) -> i64 {
        naive.and_utc().timestamp_micros() - i64::from(self.tz_offset_secs) * 1_000_000
    }
}
