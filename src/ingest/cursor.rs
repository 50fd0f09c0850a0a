//! Listing cursors: where `shape run` lists an `s3://` source from, so that a bucket holding
//! millions of objects under time-ordered keys (Firehose's `YYYY/MM/DD/HH/`, Fluent Bit's
//! `%Y/%m/%d/`, Vector's `date=%F/`, Hive's `year=/month=/day=`) costs a page or two of
//! listing per cycle instead of the whole prefix.
//!
//! The cursor is the greatest key read to its end at least `late_arrival` ago (S3 lists keys
//! in byte order and `start-after` skips everything up to it): an object may still appear
//! under a smaller key for that long (several writers, retries), and is then found by the next
//! listing, which starts that far back. A key that failed is never passed. With no cursor yet,
//! or one older than `[retention] events`, the listing starts at the retention's first day,
//! found from the date in the first key: those objects' rows would be dropped anyway.
//!
//! The cursor only saves requests: what was committed is known from the manifest, so a lost or
//! stale cursor costs a longer listing, never a row twice.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::storage::{source_key, DataStore, StorageError};

const CURSOR_DIR: &str = "_cursors";

/// A source's listing position, kept in the data dir at `_cursors/<hash of the source>.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The `[run] sources` entry it belongs to.
    pub source: String,
    /// The listing starts after this key (`None`: from the start, or the retention's floor).
    pub start_after: Option<String>,
    /// Keys past `start_after` read to their end, with when that was first seen (microseconds):
    /// they settle into `start_after` once `late_arrival` has passed.
    pub recent: Vec<(String, i64)>,
}

impl Cursor {
    /// Moves the cursor after a cycle that read `complete` keys to their end and failed on
    /// `failed` ones, at `now`: to the greatest key complete for at least `late_micros` that
    /// is below every failed key.
    pub fn advance(&mut self, complete: &[String], failed: &[String], now: i64, late_micros: i64) {
        let past_cursor = |key: &String| self.start_after.as_ref().is_none_or(|s| key > s);
        let new: Vec<String> = complete
            .iter()
            .filter(|k| past_cursor(k) && !self.recent.iter().any(|(r, _)| r == *k))
            .cloned()
            .collect();
        self.recent.extend(new.into_iter().map(|k| (k, now)));
        let first_failed = failed.iter().min();
        let settled = self
            .recent
            .iter()
            .filter(|(key, seen)| {
                *seen <= now - late_micros && first_failed.is_none_or(|f| key < f)
            })
            .map(|(key, _)| key)
            .max()
            .cloned();
        if let Some(settled) = settled {
            if past_cursor(&settled) {
                self.recent.retain(|(key, _)| key > &settled);
                self.start_after = Some(settled);
            }
        }
        self.recent.sort();
    }

    /// Where the next listing starts: the cursor, or the retention's floor when that is later.
    pub fn list_after(&self, floor: Option<String>) -> Option<String> {
        match (&self.start_after, floor) {
            (Some(cursor), Some(floor)) => Some(cursor.clone().max(floor)),
            (cursor, floor) => cursor.clone().or(floor),
        }
    }
}

/// A date at the start of a key's part below the listing prefix: `2026/12/01`, `2026-12-01`,
/// `20261201`, each part optionally labelled (`dt=`, `year=2026/month=12/day=01`).
static LEADING_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[A-Za-z_]+=)?(\d{4})([/-]?)(?:[A-Za-z_]+=)?(\d{2})([/-]?)(?:[A-Za-z_]+=)?(\d{2})(?:[/_T.-]|$)",
    )
    .expect("valid regex")
});

/// The date a key's remainder (the part after the listing prefix) starts with, and the
/// spans of its year, month and day digits.
fn leading_date(remainder: &str) -> Option<(NaiveDate, [std::ops::Range<usize>; 3])> {
    let captures = LEADING_DATE.captures(remainder)?;
    let (year, month, day) = (captures.get(1)?, captures.get(3)?, captures.get(5)?);
    // `2026/1201` or `2026-12/01` is no layout anyone writes: the separators must agree.
    if captures.get(2)?.as_str() != captures.get(4)?.as_str() {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        year.as_str().parse().ok()?,
        month.as_str().parse().ok()?,
        day.as_str().parse().ok()?,
    )?;
    Some((date, [year.range(), month.range(), day.range()]))
}

/// Whether keys below `prefix` look ordered by time: the first one's remainder starts with a
/// date. `prefix` is the listing prefix (no trailing `/`), `key` a listed key.
pub fn keys_look_ordered(prefix: &str, key: &str) -> bool {
    leading_date(remainder(prefix, key)).is_some()
}

fn remainder<'a>(prefix: &str, key: &'a str) -> &'a str {
    key.strip_prefix(prefix)
        .unwrap_or(key)
        .trim_start_matches('/')
}

/// The key to list after so that keys dated before `first_day` are skipped, written in the
/// layout of `sample` (a listed key under `prefix`); `None` when `sample` carries no date.
pub fn retention_floor(prefix: &str, sample: &str, first_day: NaiveDate) -> Option<String> {
    let rest = remainder(prefix, sample);
    let (_, [year, month, day]) = leading_date(rest)?;
    let mut floor = rest[..day.end].to_string();
    // Right to left, so earlier spans keep their positions.
    floor.replace_range(day, &format!("{:02}", first_day.day()));
    floor.replace_range(month, &format!("{:02}", first_day.month()));
    floor.replace_range(year, &format!("{:04}", first_day.year()));
    let head = &sample[..sample.len() - rest.len()];
    // `start-after` is exclusive: `.../2026/09/02/x` sorts after `.../2026/09/02`, a key of
    // the day before sorts before it.
    Some(format!("{head}{floor}"))
}

fn cursor_path(source: &str) -> String {
    format!("{CURSOR_DIR}/{}.json", source_key(source))
}

/// The saved cursor of `source` (an empty one when there is none, or it cannot be read: a
/// cursor is only a saving, and a full listing is always correct).
pub async fn load(store: &DataStore, source: &str) -> Result<Cursor, StorageError> {
    let fresh = || Cursor {
        source: source.to_string(),
        ..Cursor::default()
    };
    let Some(bytes) = store.get(&cursor_path(source)).await? else {
        return Ok(fresh());
    };
    Ok(serde_json::from_slice::<Cursor>(&bytes)
        .ok()
        .filter(|c| c.source == source)
        .unwrap_or_else(fresh))
}

pub async fn save(store: &DataStore, cursor: &Cursor) -> Result<(), StorageError> {
    store.put_json(&cursor_path(&cursor.source), cursor).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn floors_follow_the_layout_of_the_keys() {
        let first = day("2026-09-02");
        for (prefix, sample, floor) in [
            ("logs", "logs/2025/01/31/10/fh-1.gz", "logs/2026/09/02"),
            ("", "2025-01-31/app.log", "2026-09-02"),
            ("v", "v/date=2025-01-31/part-0.json", "v/date=2026-09-02"),
            (
                "h",
                "h/year=2025/month=01/day=31/x",
                "h/year=2026/month=09/day=02",
            ),
            ("c", "c/20250131T100000Z-abc.gz", "c/20260902"),
        ] {
            assert_eq!(
                retention_floor(prefix, sample, first).as_deref(),
                Some(floor),
                "{sample}"
            );
            assert!(keys_look_ordered(prefix, sample), "{sample}");
        }
        // A key of the floor's day sorts after the floor; one of the day before, before it.
        let floor = retention_floor("logs", "logs/2025/01/31/a", first).unwrap();
        assert!("logs/2026/09/02/00/a" > floor.as_str());
        assert!("logs/2026/09/01/23/a" < floor.as_str());
        // No date first below the prefix: no floor, not ordered.
        for (prefix, key) in [
            ("logs", "logs/web-1/2025/01/31/a"),
            ("logs", "logs/2025/13/40/a"),
            ("logs", "logs/2025-01/31/a"),
            ("logs", "logs/123456789/a"),
        ] {
            assert_eq!(retention_floor(prefix, key, first), None, "{key}");
            assert!(!keys_look_ordered(prefix, key), "{key}");
        }
    }

    #[test]
    fn the_cursor_settles_after_the_late_window_and_never_passes_a_failure() {
        let keys = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut cursor = Cursor::default();
        let late = 600;
        cursor.advance(&keys(&["a/1", "a/2"]), &[], 1_000, late);
        assert_eq!(cursor.start_after, None, "nothing settled yet");
        cursor.advance(&keys(&["a/1", "a/2", "a/3"]), &[], 1_500, late);
        assert_eq!(cursor.start_after, None);
        cursor.advance(
            &keys(&["a/1", "a/2", "a/3", "a/4"]),
            &keys(&["a/3x"]),
            1_600,
            late,
        );
        assert_eq!(
            cursor.start_after.as_deref(),
            Some("a/2"),
            "a/3 is not settled"
        );
        assert_eq!(
            cursor.recent,
            vec![("a/3".to_string(), 1_500), ("a/4".to_string(), 1_600)]
        );
        // a/3 settles, a/4 too but it lies past the failed a/3x.
        cursor.advance(&keys(&["a/3", "a/4"]), &keys(&["a/3x"]), 2_300, late);
        assert_eq!(cursor.start_after.as_deref(), Some("a/3"));
        cursor.advance(&keys(&["a/3x", "a/4"]), &[], 2_400, late);
        assert_eq!(cursor.start_after.as_deref(), Some("a/4"));
        assert!(cursor.recent.is_empty(), "a/3x sorts before a/4");
        // Keys at or before the cursor are not remembered again.
        cursor.advance(&keys(&["a/0"]), &[], 9_000, late);
        assert_eq!(cursor.start_after.as_deref(), Some("a/4"));
        assert!(cursor.recent.is_empty());
    }

    #[test]
    fn the_listing_starts_at_the_later_of_cursor_and_floor() {
        let cursor = |s: Option<&str>| Cursor {
            start_after: s.map(str::to_string),
            ..Cursor::default()
        };
        let floor = Some("l/2026/09/02".to_string());
        assert_eq!(cursor(None).list_after(floor.clone()), floor);
        assert_eq!(cursor(Some("l/2026/08")).list_after(floor.clone()), floor);
        assert_eq!(
            cursor(Some("l/2026/10/01/x")).list_after(floor).as_deref(),
            Some("l/2026/10/01/x")
        );
        assert_eq!(cursor(Some("k")).list_after(None).as_deref(), Some("k"));
        assert_eq!(cursor(None).list_after(None), None);
    }
}
