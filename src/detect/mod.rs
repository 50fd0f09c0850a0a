//! Detect, diagnose and trace: the settings and rules behind the `anomalies`, `root_causes`,
//! `fix_recommendations` and `lineage` views (`sql/9*.sql`), the `shape detect` report and
//! `shape trace`.
//!
//! The views are plain SQL. Their thresholds come from `[detect]` in `shape.toml` as
//! `shape.detect.*` session settings (read with `shape_number('detect.z_threshold')`; a
//! session may `SET` them); what they take from the SLOs is the `detect_objectives` view over
//! `slo_definitions`. Every consumer (CLI, server, healing runner) evaluates the same rules.

mod report;
pub mod rollup;
mod trace;

pub use report::{detect_report, DetectReport};
pub use trace::{trace, TraceLine, TraceStatus};

use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use serde::Deserialize;

use crate::config::Config;

#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("invalid fix rules {path}, rule {index} ({field}): {message}")]
    Rule {
        path: String,
        index: usize,
        field: String,
        message: String,
    },
    #[error("cannot read fix rules {path}: {source}")]
    ReadRules {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("query failed: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    #[error("detection rollup rows: {0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    #[error("no anomaly or breach has id {0:?} (at this as-of time; see `shape detect`)")]
    UnknownSubject(String),
}

/// `[detect]`: how anomalies are found and graded. Every field has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectSettings {
    /// Bucket length in minutes: anomalies start and end on bucket boundaries.
    pub bucket_minutes: u32,
    /// How far back from as_of to look, in days; the baseline is learnt from the same span.
    pub lookback_days: u32,
    /// Robust z-score (median and MAD) a bucket must reach.
    pub z_threshold: f64,
    /// An operation needs this many events in a bucket (or as its baseline) to be judged.
    pub min_events: u32,
    /// Traffic drop: at most this share of the baseline.
    pub drop_ratio: f64,
    /// Traffic surge: at least this multiple of the baseline.
    pub surge_ratio: f64,
    /// Error burst: at least this many errors, this error rate, and this multiple of the
    /// operation's usual error rate.
    pub min_errors: u32,
    pub min_error_rate: f64,
    pub error_ratio: f64,
    /// Latency regression: the bucket's typical latency (geometric mean) at least this
    /// multiple of the usual.
    pub latency_ratio: f64,
    /// Template storm: at least this many events of one WARN/ERROR template in a bucket, and
    /// this multiple of its usual count.
    pub template_min_count: u32,
    pub template_ratio: f64,
    /// Error messages matching this regex make an error burst a race condition.
    pub race_pattern: String,
    /// Severity cut-offs: share of the 30-day error budget the anomaly burnt.
    pub critical_budget: f64,
    pub high_budget: f64,
    pub medium_budget: f64,
    /// Objective assumed for components without an availability or error-rate SLO.
    pub default_objective: f64,
    /// Root causes: minimum lift over baseline, and how many per subject.
    pub min_lift: f64,
    pub max_causes: u32,
    /// Template masks (numbers, hex, paths, hosts, key_values, users, quoted, dates) and extra
    /// regexes.
    pub template_masks: Vec<String>,
    pub template_extra_masks: Vec<String>,
    /// Extra fix-rule files (relative to the config file), applied over the built-in rules.
    pub fix_rules: Vec<PathBuf>,
    /// `detector_feedback`: an anomaly preceded a breach when an SLO of its component burnt
    /// over a tier's factor within this many minutes after it ended.
    pub feedback_horizon_minutes: u32,
    /// Incidents: an anomaly starting within this many minutes of the one before it joins
    /// that one's incident (a cascade's effects follow its cause by minutes).
    pub incident_gap_minutes: u32,
}

impl Default for DetectSettings {
    fn default() -> Self {
        DetectSettings {
            bucket_minutes: 15,
            lookback_days: 7,
            z_threshold: 4.0,
            min_events: 20,
            drop_ratio: 0.25,
            surge_ratio: 3.0,
            min_errors: 5,
            min_error_rate: 0.05,
            error_ratio: 5.0,
            latency_ratio: 2.0,
            template_min_count: 10,
            template_ratio: 10.0,
            race_pattern:
                r"(?i)(race|concurrent modification|deadlock|lock (timeout|wait)|conflict|stale (read|write))"
                    .to_string(),
            critical_budget: 0.02,
            high_budget: 0.005,
            medium_budget: 0.001,
            default_objective: 0.999,
            min_lift: 2.0,
            max_causes: 5,
            template_masks: ["numbers", "hex", "paths", "hosts", "key_values", "users", "quoted", "dates"]
                .map(String::from)
                .to_vec(),
            template_extra_masks: Vec::new(),
            fix_rules: Vec::new(),
            feedback_horizon_minutes: 60,
            incident_gap_minutes: 30,
        }
    }
}

/// One fix-recommendation rule (`data/fix_rules.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixRule {
    pub id: String,
    pub kind: String,
    #[serde(default)]
    pub cause_pattern: Option<String>,
    pub recommendation: String,
    pub rationale: String,
    #[serde(default = "default_priority")]
    pub priority: i64,
}

fn default_priority() -> i64 {
    100
}

/// The anomaly kinds the views produce.
pub const KINDS: &[&str] = &[
    "latency_regression",
    "error_burst",
    "race_condition",
    "traffic_drop",
    "traffic_surge",
    "template_storm",
    "new_template",
];

const BUILT_IN_RULES: &str = include_str!("../../data/fix_rules.toml");

/// Everything the detect views need, loaded and checked.
#[derive(Debug, Clone)]
pub struct Detection {
    pub settings: DetectSettings,
    pub masks: shape_udfs::template::TemplateMasks,
    pub rules: Vec<FixRule>,
}

impl Default for Detection {
    fn default() -> Self {
        Detection {
            settings: DetectSettings::default(),
            masks: shape_udfs::template::TemplateMasks::default(),
            rules: parse_rules(BUILT_IN_RULES, "built-in fix rules").expect("built-in rules parse"),
        }
    }
}

impl Detection {
    /// Reads `[detect]` from the config (defaults when absent) and the fix rules.
    pub fn load(config: &Config) -> Result<Detection, DetectError> {
        let settings: DetectSettings = config.section("detect")?;
        let invalid =
            |field: &str, message: String| config.invalid(&format!("detect.{field}"), message);
        settings.validate().map_err(|(f, m)| invalid(f, m))?;
        let masks = shape_udfs::template::TemplateMasks::from_names(
            &settings.template_masks,
            &settings.template_extra_masks,
        )
        .map_err(|m| invalid("template_masks", m))?;
        let mut rules = Detection::default().rules;
        let base = config.base_dir();
        for file in &settings.fix_rules {
            let path = base.join(file);
            let text = std::fs::read_to_string(&path).map_err(|source| DetectError::ReadRules {
                path: path.clone(),
                source,
            })?;
            for rule in parse_rules(&text, &path.display().to_string())? {
                rules.retain(|r| r.id != rule.id);
                rules.push(rule);
            }
        }
        Ok(Detection {
            settings,
            masks,
            rules,
        })
    }

    /// The `fix_rules` table.
    pub fn rules_batch(&self) -> RecordBatch {
        let text = |f: &dyn Fn(&FixRule) -> Option<String>| {
            Arc::new(StringArray::from(
                self.rules.iter().map(f).collect::<Vec<_>>(),
            ))
        };
        let schema = Schema::new(vec![
            Field::new("rule_id", DataType::Utf8, false),
            Field::new("kind", DataType::Utf8, false),
            Field::new("cause_pattern", DataType::Utf8, true),
            Field::new("recommendation", DataType::Utf8, false),
            Field::new("rationale", DataType::Utf8, false),
            Field::new("priority", DataType::Int64, false),
        ]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![
                text(&|r| Some(r.id.clone())),
                text(&|r| Some(r.kind.clone())),
                text(&|r| r.cause_pattern.clone()),
                text(&|r| Some(r.recommendation.clone())),
                text(&|r| Some(r.rationale.clone())),
                Arc::new(Int64Array::from(
                    self.rules.iter().map(|r| r.priority).collect::<Vec<_>>(),
                )),
            ],
        )
        .expect("fix_rules batch matches its schema")
    }

    /// The `shape.detect.*` session settings the detect views read (`shape_number(...)`),
    /// as text: declared on every context, changeable per session with `SET`.
    pub fn session_settings(&self) -> Vec<(&'static str, String)> {
        let s = &self.settings;
        let number = |v: f64| format!("{v:?}");
        vec![
            ("bucket_minutes", s.bucket_minutes.to_string()),
            ("lookback_days", s.lookback_days.to_string()),
            ("z_threshold", number(s.z_threshold)),
            ("min_events", s.min_events.to_string()),
            ("drop_ratio", number(s.drop_ratio)),
            ("surge_ratio", number(s.surge_ratio)),
            ("min_errors", s.min_errors.to_string()),
            ("min_error_rate", number(s.min_error_rate)),
            ("error_ratio", number(s.error_ratio)),
            ("latency_ratio", number(s.latency_ratio)),
            ("template_min_count", s.template_min_count.to_string()),
            ("template_ratio", number(s.template_ratio)),
            ("race_pattern", s.race_pattern.clone()),
            ("critical_budget", number(s.critical_budget)),
            ("high_budget", number(s.high_budget)),
            ("medium_budget", number(s.medium_budget)),
            ("default_objective", number(s.default_objective)),
            ("min_lift", number(s.min_lift)),
            ("max_causes", s.max_causes.to_string()),
            (
                "feedback_horizon_minutes",
                s.feedback_horizon_minutes.to_string(),
            ),
            ("incident_gap_minutes", s.incident_gap_minutes.to_string()),
        ]
    }
}

impl DetectSettings {
    fn validate(&self) -> Result<(), (&'static str, String)> {
        let positive = [
            ("bucket_minutes", f64::from(self.bucket_minutes)),
            ("lookback_days", f64::from(self.lookback_days)),
            ("z_threshold", self.z_threshold),
            ("surge_ratio", self.surge_ratio),
            ("error_ratio", self.error_ratio),
            ("latency_ratio", self.latency_ratio),
            ("template_ratio", self.template_ratio),
            ("min_lift", self.min_lift),
        ];
        for (field, value) in positive {
            if !(value > 0.0 && value.is_finite()) {
                return Err((field, format!("must be a positive number, got {value}")));
            }
        }
        if 1440 % self.bucket_minutes != 0 {
            return Err(("bucket_minutes", "must divide a day (1440 minutes)".into()));
        }
        for (field, value) in [
            ("drop_ratio", self.drop_ratio),
            ("min_error_rate", self.min_error_rate),
            ("default_objective", self.default_objective),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err((field, format!("must be between 0 and 1, got {value}")));
            }
        }
        if !(self.critical_budget >= self.high_budget && self.high_budget >= self.medium_budget) {
            return Err((
                "critical_budget",
                "severity cut-offs must satisfy critical >= high >= medium".into(),
            ));
        }
        regex::Regex::new(&self.race_pattern)
            .map_err(|e| ("race_pattern", format!("invalid regex: {e}")))?;
        Ok(())
    }
}

fn parse_rules(text: &str, origin: &str) -> Result<Vec<FixRule>, DetectError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        rule: Vec<toml::Value>,
    }
    let err = |index: usize, field: &str, message: String| DetectError::Rule {
        path: origin.to_string(),
        index,
        field: field.to_string(),
        message,
    };
    let file: File = toml::from_str(text).map_err(|e| err(0, "file", e.to_string()))?;
    let mut rules = Vec::new();
    for (i, value) in file.rule.into_iter().enumerate() {
        let index = i + 1;
        let rule: FixRule = value
            .try_into()
            .map_err(|e: toml::de::Error| err(index, "rule", e.message().to_string()))?;
        if rule.kind != "*" && !KINDS.contains(&rule.kind.as_str()) {
            return Err(err(
                index,
                "kind",
                format!(
                    "unknown kind {:?}; known: * or {}",
                    rule.kind,
                    KINDS.join(", ")
                ),
            ));
        }
        if let Some(pattern) = &rule.cause_pattern {
            regex::Regex::new(pattern)
                .map_err(|e| err(index, "cause_pattern", format!("invalid regex: {e}")))?;
        }
        rules.push(rule);
    }
    Ok(rules)
}

/// `evidence_events`: the events root causes read for their windows. With the anomalies
/// known (a snapshot, see `QueryOptions::snapshot_detection`), only the events inside their
/// windows (opened one bucket early, as `root_cause_subjects` opens them), as literal time
/// ranges so the scan skips the row groups outside them; otherwise the events of the
/// detection lookback (every anomaly window lies in it), bounded by `shape_as_of()` so the
/// scan skips the partitions and row groups before it.
pub async fn evidence_events_sql(
    ctx: &datafusion::prelude::SessionContext,
    bucket_minutes: u32,
    anomalies_known: bool,
) -> Result<String, DetectError> {
    if !anomalies_known {
        return Ok(LOOKBACK_EVENTS.to_string());
    }
    let batches = ctx
        .sql("SELECT to_unixtime(window_start), to_unixtime(window_end) FROM anomalies")
        .await?
        .collect()
        .await?;
    let lead = i64::from(bucket_minutes) * 60;
    let mut windows: Vec<(i64, i64)> = Vec::new();
    for batch in &batches {
        use datafusion::arrow::array::AsArray;
        use datafusion::arrow::datatypes::Int64Type;
        let starts = datafusion::arrow::compute::cast(
            batch.column(0),
            &datafusion::arrow::datatypes::DataType::Int64,
        )?;
        let ends = datafusion::arrow::compute::cast(
            batch.column(1),
            &datafusion::arrow::datatypes::DataType::Int64,
        )?;
        let (starts, ends) = (
            starts.as_primitive::<Int64Type>(),
            ends.as_primitive::<Int64Type>(),
        );
        for (start, end) in starts.iter().zip(ends.iter()) {
            if let (Some(start), Some(end)) = (start, end) {
                windows.push((start - lead, end));
            }
        }
    }
    Ok(format!(
        "SELECT * FROM events WHERE {}",
        time_ranges_predicate("ts", &merge_ranges(windows))
    ))
}

/// The events an anomaly window (opened one bucket early) can hold: from one bucket before
/// the lookback's first bucket to `as_of`.
const LOOKBACK_EVENTS: &str = "SELECT * FROM events \
     WHERE ts >= date_bin(CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL), \
                          shape_as_of(), TIMESTAMP '1970-01-01T00:00:00Z') \
                 - CAST(shape_setting('detect.lookback_days') || ' days' AS INTERVAL) \
                 - CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL) \
       AND ts < shape_as_of()";

/// Sorted, overlapping or touching ranges joined.
fn merge_ranges(mut ranges: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    ranges.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::new();
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// `column` in one of the `[start, end)` ranges (unix seconds); `false` for none.
fn time_ranges_predicate(column: &str, ranges: &[(i64, i64)]) -> String {
    let at = |seconds: i64| {
        format!(
            "arrow_cast(to_timestamp_micros({}), 'Timestamp(Microsecond, Some(\"UTC\"))')",
            seconds * 1_000_000
        )
    };
    if ranges.is_empty() {
        return "false".to_string();
    }
    ranges
        .iter()
        .map(|(start, end)| format!("({column} >= {} AND {column} < {})", at(*start), at(*end)))
        .collect::<Vec<_>>()
        .join(" OR ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn evidence_ranges_merge_and_read_as_one_predicate() {
        let merged = merge_ranges(vec![(50, 60), (0, 10), (10, 20), (15, 18), (30, 40)]);
        assert_eq!(merged, vec![(0, 20), (30, 40), (50, 60)]);
        let predicate = time_ranges_predicate("ts", &merged[..1]);
        assert!(
            predicate.starts_with("(ts >= arrow_cast(to_timestamp_micros(0)"),
            "{predicate}"
        );
        assert!(
            predicate.contains("ts < arrow_cast(to_timestamp_micros(20000000)"),
            "{predicate}"
        );
        assert_eq!(time_ranges_predicate("ts", &[]), "false");
    }

    use super::*;

    #[test]
    fn built_in_rules_and_settings_are_valid() {
        let d = Detection::default();
        assert!(d.rules.iter().any(|r| r.id == "rollback-deploy"));
        assert!(d.settings.validate().is_ok());
    }

    #[test]
    fn bad_settings_name_the_field() {
        let config = Config::parse(
            "[detect]\nbucket_minutes = 7\n",
            std::path::Path::new("shape.toml"),
        )
        .unwrap();
        let err = Detection::load(&config).unwrap_err().to_string();
        assert!(err.contains("detect.bucket_minutes"), "{err}");
        let config = Config::parse(
            "[detect]\nbucket_minuts = 5\n",
            std::path::Path::new("shape.toml"),
        )
        .unwrap();
        let err = Detection::load(&config).unwrap_err().to_string();
        assert!(err.contains("bucket_minuts"), "{err}");
        let err = parse_rules(
            "[[rule]]\nid='x'\nkind='oops'\nrecommendation='r'\nrationale='r'\n",
            "rules.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("rule 1 (kind)"), "{err}");
    }
}
