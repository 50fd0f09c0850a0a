//! Timestamps as PostgreSQL users type them. PostgreSQL's `timestamptz` input takes
//! `2026-11-30 14:08` (no seconds), a `T` or a space, an optional zone (`Z`, `+02`, `+0530`,
//! `-05:00`, ` UTC`; none means the session's TimeZone, which SHAPE reports as UTC) and the
//! special words `now`, `today`, `yesterday` and `tomorrow`. Arrow's string-to-timestamp cast
//! wants seconds, so `WHERE ts > '2026-11-30 14:08'` failed while planning. [`PgTimestampLiterals`]
//! is an analyzer rule that turns such casts of literals into timestamp literals before the
//! optimizer folds them; `shape.as_of` and `--as-of` read their values with [`parse`] too.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::expr::{Cast, TryCast};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::optimizer::AnalyzerRule;

const DAY_MICROS: i64 = 86_400_000_000;

/// Microseconds since the epoch for `text`, or `None` when it is not a timestamp PostgreSQL
/// would accept. `now_micros` anchors the special words.
pub fn parse(text: &str, now_micros: i64) -> Option<i64> {
    let text = text.trim();
    let midnight = now_micros.div_euclid(DAY_MICROS) * DAY_MICROS;
    match text.to_ascii_lowercase().as_str() {
        "now" => return Some(now_micros),
        "today" => return Some(midnight),
        "yesterday" => return Some(midnight - DAY_MICROS),
        "tomorrow" => return Some(midnight + DAY_MICROS),
        _ => {}
    }
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Some(parsed.timestamp_micros());
    }
    let (local, offset) = split_zone(text)?;
    let local = local.trim();
    // The separator between date and time: `T` or one space.
    let normalised = match local.get(10..11) {
        Some("T") | Some("t") => format!("{} {}", &local[..10], &local[11..]),
        _ => local.to_string(),
    };
    let naive = ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(&normalised, format).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(&normalised, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    Some(
        offset
            .from_local_datetime(&naive)
            .single()?
            .timestamp_micros(),
    )
}

/// Splits a trailing zone off: `Z`, ` UTC`/` GMT`, or `+HH`, `+HHMM`, `+HH:MM` (either
/// sign) after the time. No zone is UTC.
fn split_zone(text: &str) -> Option<(&str, FixedOffset)> {
    let utc = FixedOffset::east_opt(0)?;
    for suffix in ["Z", "z", " UTC", " utc", " GMT", " gmt"] {
        if let Some(rest) = text.strip_suffix(suffix) {
            return Some((rest, utc));
        }
    }
    // A sign after the date part (whose own dashes are at 4 and 7).
    let sign_at = text
        .char_indices()
        .skip(10)
        .find(|(_, c)| *c == '+' || *c == '-')
        .map(|(i, _)| i);
    let Some(at) = sign_at else {
        return Some((text, utc));
    };
    let digits: String = text[at + 1..].chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || digits.len() > 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits.get(..2.min(digits.len()))?.parse().ok()?;
    let minutes: i32 = digits
        .get(2..)
        .filter(|m| !m.is_empty())
        .map_or(Some(0), |m| m.parse().ok())?;
    let seconds = (hours * 3600 + minutes * 60) * if &text[at..=at] == "-" { -1 } else { 1 };
    Some((&text[..at], FixedOffset::east_opt(seconds)?))
}

/// Turns `CAST('<text>' AS timestamp)` (written, or put there by type coercion) into a
/// timestamp literal when [`parse`] reads the text; anything else is left to Arrow's cast.
#[derive(Debug, Default)]
pub struct PgTimestampLiterals;

impl PgTimestampLiterals {
    fn literal(value: &ScalarValue, to: &DataType) -> Option<Expr> {
        let (ScalarValue::Utf8(Some(text))
        | ScalarValue::LargeUtf8(Some(text))
        | ScalarValue::Utf8View(Some(text))) = value
        else {
            return None;
        };
        let DataType::Timestamp(unit, zone) = to else {
            return None;
        };
        // What Arrow reads itself stays as it is (the plan, and its names, unchanged).
        if value.cast_to(to).is_ok() {
            return None;
        }
        let micros = parse(text, Utc::now().timestamp_micros())?;
        let zone = zone.clone();
        let scalar = match unit {
            TimeUnit::Second => {
                ScalarValue::TimestampSecond(Some(micros.div_euclid(1_000_000)), zone)
            }
            TimeUnit::Millisecond => {
                ScalarValue::TimestampMillisecond(Some(micros.div_euclid(1000)), zone)
            }
            TimeUnit::Microsecond => ScalarValue::TimestampMicrosecond(Some(micros), zone),
            TimeUnit::Nanosecond => {
                ScalarValue::TimestampNanosecond(Some(micros.checked_mul(1000)?), zone)
            }
        };
        Some(Expr::Literal(scalar, None))
    }

    fn rewrite(expr: Expr) -> Result<Transformed<Expr>> {
        expr.transform_up(|e| {
            let replaced = match &e {
                Expr::Cast(Cast { expr, field }) | Expr::TryCast(TryCast { expr, field }) => {
                    match expr.as_ref() {
                        Expr::Literal(value, _) => Self::literal(value, field.data_type()),
                        _ => None,
                    }
                }
                _ => None,
            };
            Ok(match replaced {
                Some(literal) => Transformed::yes(literal),
                None => Transformed::no(e),
            })
        })
    }
}

impl AnalyzerRule for PgTimestampLiterals {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| {
            // Output names stay those of the original expressions: parents refer to them.
            let names = NamePreserver::new(&node);
            node.map_expressions(|expr| {
                let saved = names.save(&expr);
                Ok(Self::rewrite(expr)?.update_data(|e| saved.restore(e)))
            })
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "pg_timestamp_literals"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<String> {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 30, 15, 30, 0)
            .unwrap()
            .timestamp_micros();
        parse(text, now).map(|m| {
            DateTime::<Utc>::from_timestamp_micros(m)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string()
        })
    }

    #[test]
    fn what_postgres_accepts() {
        assert_eq!(
            at("2026-11-30 14:08").as_deref(),
            Some("2026-11-30T14:08:00.000Z")
        );
        assert_eq!(
            at("2026-11-30T14:08:05.25").as_deref(),
            Some("2026-11-30T14:08:05.250Z")
        );
        assert_eq!(
            at("2026-11-30 14:08+02").as_deref(),
            Some("2026-11-30T12:08:00.000Z")
        );
        assert_eq!(
            at("2026-11-30 14:08:00-05:30").as_deref(),
            Some("2026-11-30T19:38:00.000Z")
        );
        assert_eq!(
            at("2026-11-30 14:08:00 UTC").as_deref(),
            Some("2026-11-30T14:08:00.000Z")
        );
        assert_eq!(
            at("2026-11-30T14:08:00Z").as_deref(),
            Some("2026-11-30T14:08:00.000Z")
        );
        assert_eq!(
            at("2026-11-30").as_deref(),
            Some("2026-11-30T00:00:00.000Z")
        );
        assert_eq!(at("now").as_deref(), Some("2026-11-30T15:30:00.000Z"));
        assert_eq!(at("Today").as_deref(), Some("2026-11-30T00:00:00.000Z"));
        assert_eq!(at("yesterday").as_deref(), Some("2026-11-29T00:00:00.000Z"));
        assert_eq!(at("tomorrow").as_deref(), Some("2026-12-01T00:00:00.000Z"));
    }

    #[test]
    fn what_it_refuses() {
        for bad in [
            "",
            "soon",
            "2026-13-01",
            "2026-11-30 25:00",
            "2026-11-30 14:08+2x",
            "30/11/2026",
        ] {
            assert_eq!(at(bad), None, "{bad:?}");
        }
    }
}
