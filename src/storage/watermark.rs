//! Rollup watermarks: per rollup key (an SLO definition, the detection settings), the newest
//! ingest run up to which every run is rolled up. One small JSON object,
//! `_rollup_watermarks.json`, read before every catch-up.
//!
//! Without it a catch-up would read every run's marker row (31 SLOs x 525,600 runs a year
//! under `shape run --every 1m`) to learn what is left to do; with it, it reads only the runs
//! after the watermark and their markers (row-group statistics skip the older ones).
//!
//! Why a watermark is sound: rollups are written under the writer lock, and an ingest takes
//! that lock, finishes what a crashed one staged, and only then draws its run id, which
//! [`next_ingest_id`] keeps above every watermark. So once a catch-up under the lock has rolled
//! up every committed run, no run at or below the newest of them can appear later.
//!
//! The markers stay: a catch-up writes its rollup file (markers included) and then the
//! watermark; a crash between the two leaves runs that the markers still say are done.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{DataStore, Result, StorageError};

/// The watermarks object, in the data dir.
pub const WATERMARKS_OBJECT: &str = "_rollup_watermarks.json";

/// Per rollup table, per key: every ingest run whose id sorts at or before the value is
/// rolled up under that key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermarks {
    tables: BTreeMap<String, BTreeMap<String, String>>,
    /// Every `slo_rollups` file's minutes also have their hour rows (see `slo::rollup`):
    /// set by the first catch-up of a version that writes them, after it has added the hour
    /// rows of the files written before. Until then the SLO views make hours from minutes.
    #[serde(default)]
    slo_hours: bool,
}

impl Watermarks {
    /// The watermark of `key` in `table`.
    pub fn through(&self, table: &str, key: &str) -> Option<&str> {
        self.tables.get(table)?.get(key).map(String::as_str)
    }

    /// The lowest watermark of `keys`: runs after it may be missing under one of them.
    /// `None` when a key has none (a new definition needs every run).
    pub fn floor<'a>(
        &self,
        table: &str,
        keys: impl IntoIterator<Item = &'a str>,
    ) -> Option<String> {
        let mut lowest: Option<&str> = None;
        for key in keys {
            let through = self.through(table, key)?;
            lowest = Some(lowest.map_or(through, |l| l.min(through)));
        }
        lowest.map(str::to_string)
    }

    /// Moves `key`'s watermark up to `run` (never down).
    pub fn advance(&mut self, table: &str, key: &str, run: &str) {
        let marks = self.tables.entry(table.to_string()).or_default();
        match marks.get_mut(key) {
            Some(through) if through.as_str() >= run => {}
            Some(through) => *through = run.to_string(),
            None => {
                marks.insert(key.to_string(), run.to_string());
            }
        }
    }

    /// Forgets every watermark of `table` (its rollups are about to be deleted).
    pub fn clear(&mut self, table: &str) {
        self.tables.remove(table);
    }

    /// Every SLO rollup has its hour rows (see the field).
    pub fn slo_hours(&self) -> bool {
        self.slo_hours
    }

    /// Records that every SLO rollup has its hour rows.
    pub fn set_slo_hours(&mut self) {
        self.slo_hours = true;
    }

    /// Whether `table` has any watermark (its rollups were caught up at least once).
    pub fn has_any(&self, table: &str) -> bool {
        self.tables
            .get(table)
            .is_some_and(|marks| !marks.is_empty())
    }

    /// The newest watermark of any key: a new run id must sort after it.
    pub fn newest(&self) -> Option<&str> {
        self.tables
            .values()
            .flat_map(|marks| marks.values())
            .map(String::as_str)
            .max()
    }
}

/// The runs a rollup key still lacks (pure): of `runs` (ids of runs with events), those after
/// the key's watermark `through` that `marked` does not say are done.
pub fn missing_runs(
    runs: &[String],
    through: Option<&str>,
    marked: impl Fn(&str) -> bool,
) -> Vec<String> {
    runs.iter()
        .filter(|run| through.is_none_or(|t| run.as_str() > t))
        .filter(|run| !marked(run))
        .cloned()
        .collect()
}

/// A new ingest run id (`common::new_time_id`) that sorts after `newest_watermark`, even if
/// the clock went back or another writer's clock ran ahead: a run at or below a watermark
/// would never be rolled up.
pub fn next_ingest_id(newest_watermark: Option<&str>) -> String {
    let now = chrono::Utc::now();
    let Some(newest) = newest_watermark else {
        return crate::common::time_id_at(now);
    };
    let after = newest
        .split('-')
        .next()
        .and_then(|time| chrono::NaiveDateTime::parse_from_str(time, "%Y%m%dT%H%M%S%6fZ").ok())
        .map(|time| time.and_utc() + chrono::Duration::microseconds(1));
    match after {
        Some(after) if after > now => crate::common::time_id_at(after),
        _ => crate::common::time_id_at(now),
    }
}

impl DataStore {
    /// The rollup watermarks (none for a data dir without any). A file that does not parse
    /// is an error naming it and the repair.
    pub async fn rollup_watermarks(&self) -> Result<Watermarks> {
        match self.get_json(WATERMARKS_OBJECT).await {
            Ok(marks) => Ok(marks.unwrap_or_default()),
            Err(StorageError::Record { location, message }) => Err(StorageError::Record {
                location,
                message: format!("{message} (`shape rollup --rebuild` writes it again)"),
            }),
            Err(e) => Err(e),
        }
    }

    /// The watermarks for a rebuild, which clears them anyway: an unreadable file is none.
    pub async fn rollup_watermarks_to_rebuild(&self) -> Result<Watermarks> {
        match self.rollup_watermarks().await {
            Err(StorageError::Record { .. }) => Ok(Watermarks::default()),
            read => read,
        }
    }

    /// Replaces the rollup watermarks (one put: atomic). Only under the writer lock.
    pub async fn save_rollup_watermarks(&self, marks: &Watermarks) -> Result<()> {
        self.put_json(WATERMARKS_OBJECT, marks).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_key_lacks_the_runs_after_its_watermark_without_a_marker() {
        let all = runs(&["r1", "r2", "r3", "r4"]);
        assert_eq!(
            missing_runs(&all, None, |r| r == "r2"),
            runs(&["r1", "r3", "r4"])
        );
        assert_eq!(missing_runs(&all, Some("r2"), |r| r == "r4"), runs(&["r3"]));
        assert!(missing_runs(&all, Some("r4"), |_| false).is_empty());
    }

    #[test]
    fn watermarks_only_move_up_and_the_floor_needs_every_key() {
        let mut marks = Watermarks::default();
        marks.advance("slo_rollups", "a", "r3");
        marks.advance("slo_rollups", "a", "r2");
        marks.advance("slo_rollups", "b", "r5");
        assert_eq!(marks.through("slo_rollups", "a"), Some("r3"));
        assert_eq!(marks.floor("slo_rollups", ["a", "b"]), Some("r3".into()));
        assert_eq!(marks.floor("slo_rollups", ["a", "new"]), None);
        assert_eq!(marks.newest(), Some("r5"));
        marks.clear("slo_rollups");
        assert_eq!(marks.newest(), None);
    }

    #[test]
    fn a_new_run_id_sorts_after_a_watermark_from_the_future() {
        let ahead = "29991231T235959999999Z-00000000";
        let id = next_ingest_id(Some(ahead));
        assert!(id.as_str() > ahead, "{id}");
        assert!(id.starts_with("30000101T000000000000Z-"), "{id}");
        let past = "20000101T000000000000Z-00000000";
        let id = next_ingest_id(Some(past));
        assert!(id.as_str() > past && id.starts_with("20"), "{id}");
        assert!(next_ingest_id(None).as_str() > past);
    }
}
