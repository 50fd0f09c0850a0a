//! Keeping a data dir that lives for years: `[retention]` drops whole partitions past their
//! age, and compaction merges small files (`storage::compact`); both are recorded in the
//! `maintenance_log` table. `shape compact` runs them; `shape run` does after every cycle
//! unless `[run] compact = false`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::config::{Config, ConfigError};
use crate::detect::Detection;
use crate::slo::{SloDefinition, SloWindow};
use crate::storage::schema::{
    DETECT_ROLLUPS, EVENTS, INGEST_LOG, MAINTENANCE_LOG, MAINTENANCE_LOG_SCHEMA, SLO_ROLLUPS,
    TABLES,
};
use crate::storage::{CompactPolicy, DataStore, PartitionCompaction, StorageError};

/// `[compact]` in shape.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompactSection {
    /// Merged files grow to about this size (MB); files under half of it count as small.
    pub target_file_mb: u64,
    /// `shape run` compacts a partition once it holds this many small files (`shape
    /// compact` merges any two or more).
    pub min_small_files: usize,
}

impl Default for CompactSection {
    fn default() -> Self {
        CompactSection {
            target_file_mb: 64,
            min_small_files: 8,
        }
    }
}

/// `[retention]` and `[compact]`, checked against the SLO windows and the detection lookback.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Maintenance {
    /// Days each table keeps (by its `dt` partition); tables not named keep everything.
    pub retention_days: BTreeMap<String, i64>,
    pub policy: CompactPolicy,
}

/// The days an SLO's window reaches back (a calendar window at its longest).
pub fn window_days(window: &SloWindow) -> i64 {
    match window {
        SloWindow::Rolling { seconds } => (seconds + 86_399) / 86_400,
        SloWindow::Calendar { unit, .. } => match unit.as_str() {
            "week" => 7,
            "quarter" => 92,
            "year" => 366,
            _ => 31,
        },
    }
}

impl Maintenance {
    /// Reads `[retention]` and `[compact]`. A retention shorter than what the views read is
    /// refused, naming both: events and rollups must cover every SLO window (and events the
    /// detection lookback); rollups must outlive `ingest_log` (a run whose marker is gone
    /// while its log row stays would be rolled up again).
    pub fn load(
        config: &Config,
        slos: &[SloDefinition],
        detection: &Detection,
    ) -> Result<Maintenance, ConfigError> {
        let raw: BTreeMap<String, String> = config.section("retention")?;
        let mut retention_days = BTreeMap::new();
        for (table, text) in &raw {
            let field = format!("retention.{table}");
            if !TABLES.contains(&table.as_str()) {
                return Err(config.invalid(
                    &field,
                    format!("no such table (expected one of: {})", TABLES.join(", ")),
                ));
            }
            let seconds = crate::common::parse_duration_secs(text)
                .ok_or_else(|| config.invalid(&field, crate::common::duration_message(text)))?;
            // Partitions are days: a part of a day keeps the whole day.
            retention_days.insert(table.clone(), (seconds + 86_399) / 86_400);
        }
        let too_short = |table: &str, days: i64, what: String| {
            config.invalid(
                &format!("retention.{table}"),
                format!(
                    "{} keeps {days} day(s), shorter than {what}: the views would read \
                     data that is gone",
                    raw[table]
                ),
            )
        };
        for table in [EVENTS, SLO_ROLLUPS, DETECT_ROLLUPS] {
            let Some(&days) = retention_days.get(table) else {
                continue;
            };
            if let Some(slo) = slos.iter().max_by_key(|s| window_days(&s.window)) {
                let needed = window_days(&slo.window);
                if days < needed {
                    return Err(too_short(
                        table,
                        days,
                        format!("the {needed}-day window of SLO {}", slo.slo_id),
                    ));
                }
            }
            let lookback = i64::from(detection.settings.lookback_days);
            if table != SLO_ROLLUPS && days < lookback {
                return Err(too_short(
                    table,
                    days,
                    format!("detect.lookback_days = {lookback}"),
                ));
            }
        }
        for rollup in [SLO_ROLLUPS, DETECT_ROLLUPS] {
            let Some(&days) = retention_days.get(rollup) else {
                continue;
            };
            match retention_days.get(INGEST_LOG) {
                Some(&log_days) if log_days <= days => {}
                Some(&log_days) => {
                    return Err(too_short(
                        rollup,
                        days,
                        format!("retention.ingest_log ({log_days} days)"),
                    ))
                }
                None => {
                    return Err(config.invalid(
                        &format!("retention.{rollup}"),
                        "rollups may only expire when ingest_log does too: set \
                         retention.ingest_log to at most the same age",
                    ))
                }
            }
        }
        let compact: CompactSection = config.section("compact")?;
        if compact.target_file_mb == 0 {
            return Err(config.invalid("compact.target_file_mb", "must be at least 1"));
        }
        Ok(Maintenance {
            retention_days,
            policy: CompactPolicy {
                target_file_bytes: compact.target_file_mb << 20,
                min_small_files: compact.min_small_files.max(2),
            },
        })
    }
}

/// Partitions older than `days` before `today` (pure): `dt=YYYY-MM-DD` names whose date is
/// before `today - days + 1`, so that `days` dates, today's included, stay.
pub fn expired_partitions(partitions: &[String], today: NaiveDate, days: i64) -> Vec<String> {
    let first_kept = first_kept_day(today, days);
    partitions
        .iter()
        .filter(|p| {
            p.strip_prefix("dt=")
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .is_some_and(|date| date < first_kept)
        })
        .cloned()
        .collect()
}

/// The first day a retention of `days` keeps on `today` (today counts as one).
pub fn first_kept_day(today: NaiveDate, days: i64) -> NaiveDate {
    today - chrono::Duration::days(days - 1)
}

/// One row of `maintenance_log`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaintenanceEntry {
    pub maintenance_id: String,
    pub at: String,
    /// `retention` (a partition dropped), `compact` (files merged) or `prune` (commit
    /// records whose files are all gone deleted: `partition` is their `_manifest/` dir).
    pub action: String,
    pub table_name: String,
    pub partition: String,
    pub files_before: i64,
    pub files_after: i64,
    pub bytes_before: i64,
    pub bytes_after: i64,
    pub rows: Option<i64>,
}

/// What one maintenance pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaintenanceReport {
    pub entries: Vec<MaintenanceEntry>,
}

impl std::fmt::Display for MaintenanceReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.entries.is_empty() {
            return writeln!(f, "maintenance: nothing to compact or expire");
        }
        for e in &self.entries {
            match e.action.as_str() {
                "retention" => writeln!(
                    f,
                    "retention: dropped {}/{} ({} files, {} bytes)",
                    e.table_name, e.partition, e.files_before, e.bytes_before
                )?,
                "prune" => writeln!(
                    f,
                    "prune: {}: {} commit records -> {} (their files merged or dropped)",
                    e.partition, e.files_before, e.files_after
                )?,
                _ => writeln!(
                    f,
                    "compact: {}/{}: {} files -> {} ({} -> {} bytes, {} rows rewritten)",
                    e.table_name,
                    e.partition,
                    e.files_before,
                    e.files_after,
                    e.bytes_before,
                    e.bytes_after,
                    e.rows.unwrap_or(0)
                )?,
            }
        }
        Ok(())
    }
}

/// Drops expired partitions, then compacts every table, and records both in
/// `maintenance_log`. `policy` overrides the configured one (`shape compact` merges any two
/// small files; the loop waits for `min_small_files`).
pub async fn maintain(
    store: &DataStore,
    maintenance: &Maintenance,
    policy: &CompactPolicy,
    now: DateTime<Utc>,
) -> Result<MaintenanceReport, StorageError> {
    let maintenance_id = crate::common::new_time_id();
    let at = now.to_rfc3339();
    let entry = |action: &str, table: &str, partition: &str| MaintenanceEntry {
        maintenance_id: maintenance_id.clone(),
        at: at.clone(),
        action: action.to_string(),
        table_name: table.to_string(),
        partition: partition.to_string(),
        files_before: 0,
        files_after: 0,
        bytes_before: 0,
        bytes_after: 0,
        rows: None,
    };
    let mut report = MaintenanceReport::default();
    for (table, days) in &maintenance.retention_days {
        let partitions = store.partition_names(table).await?;
        for partition in expired_partitions(&partitions, now.date_naive(), *days) {
            let (files, bytes) = store.drop_partition(table, &partition).await?;
            report.entries.push(MaintenanceEntry {
                files_before: files as i64,
                bytes_before: bytes as i64,
                ..entry("retention", table, &partition)
            });
        }
    }
    for table in TABLES {
        for done in store.compact_table(table, policy).await? {
            report
                .entries
                .push(compact_entry(entry("compact", table, ""), done));
        }
    }
    // Files are gone only when something was merged or dropped: only then can a commit
    // record have lost its last file.
    if !report.entries.is_empty() {
        for pruned in store.prune_commit_records().await? {
            report.entries.push(MaintenanceEntry {
                files_before: pruned.before as i64,
                files_after: pruned.after as i64,
                ..entry("prune", "_manifest", &pruned.dir)
            });
        }
    }
    if !report.entries.is_empty() {
        let batch =
            crate::storage::batch_from_records(MAINTENANCE_LOG_SCHEMA.clone(), &report.entries)?;
        let bytes = crate::storage::parquet_bytes(&batch, None)?;
        let name = format!(
            "{MAINTENANCE_LOG}/dt={}/{maintenance_id}.parquet",
            now.format("%Y-%m-%d")
        );
        store.put(&name, bytes).await?;
    }
    Ok(report)
}

fn compact_entry(base: MaintenanceEntry, done: PartitionCompaction) -> MaintenanceEntry {
    MaintenanceEntry {
        partition: done.partition,
        files_before: done.files_before as i64,
        files_after: done.files_after as i64,
        bytes_before: done.bytes_before as i64,
        bytes_after: done.bytes_after as i64,
        rows: Some(done.rows as i64),
        ..base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_partitions_keep_exactly_the_last_days() {
        let partitions: Vec<String> = [
            "dt=2026-11-27",
            "dt=2026-11-28",
            "dt=2026-11-29",
            "dt=2026-11-30",
            "not-a-date",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(
            expired_partitions(&partitions, today, 2),
            ["dt=2026-11-27", "dt=2026-11-28"]
        );
        assert!(expired_partitions(&partitions, today, 4).is_empty());
    }

    fn load(text: &str) -> Result<Maintenance, ConfigError> {
        let config = Config::parse(text, std::path::Path::new("shape.toml")).unwrap();
        let slos = crate::slo::load_slos(&config).unwrap();
        let detection = Detection::load(&config).unwrap();
        Maintenance::load(&config, &slos, &detection)
    }

    const SLO: &str = "[[slo]]\nid = \"web-availability\"\ncomponent = \"web\"\n\
                       sli = \"availability\"\nobjective = 0.999\nwindow = \"30d\"\n";

    #[test]
    fn retention_shorter_than_a_window_is_refused_naming_both() {
        let err = load(&format!("{SLO}[retention]\nevents = \"14d\"\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("retention.events"), "{err}");
        assert!(err.contains("web-availability"), "{err}");
        assert!(err.contains("30-day"), "{err}");
        let err = load("[retention]\nevents = \"3d\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("detect.lookback_days = 7"), "{err}");
        let err = load(&format!(
            "{SLO}[retention]\nslo_rollups = \"60d\"\ningest_log = \"90d\"\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("retention.ingest_log (90 days)"), "{err}");
        let err = load("[retention]\nevnts = \"90d\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no such table"), "{err}");
    }

    #[test]
    fn retention_covering_every_window_loads() {
        let m = load(&format!(
            "{SLO}[retention]\nevents = \"90d\"\nslo_rollups = \"400d\"\n\
             ingest_log = \"36h\"\n[compact]\ntarget_file_mb = 16\n"
        ))
        .unwrap();
        assert_eq!(m.retention_days["events"], 90);
        assert_eq!(m.retention_days["ingest_log"], 2);
        assert_eq!(m.policy.target_file_bytes, 16 << 20);
        assert_eq!(m.policy.min_small_files, 8);
    }
}
