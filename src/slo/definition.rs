//! SLO definitions: `[[slo]]` in `shape.toml` and OpenSLO v1 YAML (kinds SLO and SLI), both
//! turned into [`SloDefinition`]s with event predicates, a window and a budgeting method.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::SloError;
use crate::common::{field_line, line_of, parse_duration_secs, sql_string};

/// What an SLO measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SliKind {
    /// Good: `outcome = 'ok'`; total: every event.
    Availability,
    /// Good: `duration_ms <= threshold_ms`; total: events with a duration.
    Latency,
    /// Good: level below ERROR; total: every event.
    ErrorRate,
    /// A time slice is good when it has at least `min_events_per_minute` events per minute.
    Throughput,
    /// Good and total written as SQL predicates over `events`.
    Custom,
}

impl SliKind {
    pub fn name(self) -> &'static str {
        match self {
            SliKind::Availability => "availability",
            SliKind::Latency => "latency",
            SliKind::ErrorRate => "error_rate",
            SliKind::Throughput => "throughput",
            SliKind::Custom => "custom",
        }
    }

    fn parse(text: &str) -> Option<SliKind> {
        Some(match text {
            "availability" => SliKind::Availability,
            "latency" => SliKind::Latency,
            "error_rate" | "errors" => SliKind::ErrorRate,
            "throughput" => SliKind::Throughput,
            "custom" => SliKind::Custom,
            _ => return None,
        })
    }
}

/// OpenSLO budgeting methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budgeting {
    Occurrences,
    Timeslices,
    RatioTimeslices,
}

impl Budgeting {
    pub fn name(self) -> &'static str {
        match self {
            Budgeting::Occurrences => "occurrences",
            Budgeting::Timeslices => "timeslices",
            Budgeting::RatioTimeslices => "ratio_timeslices",
        }
    }

    fn parse(text: &str) -> Option<Budgeting> {
        Some(
            match text.to_ascii_lowercase().replace(['_', '-'], "").as_str() {
                "occurrences" => Budgeting::Occurrences,
                "timeslices" => Budgeting::Timeslices,
                "ratiotimeslices" => Budgeting::RatioTimeslices,
                _ => return None,
            },
        )
    }
}

/// The SLO's window: rolling (a duration) or calendar (week, month, quarter in a time zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SloWindow {
    Rolling { seconds: i64 },
    Calendar { unit: String, timezone: String },
}

/// The longest window SHAPE evaluates (the views only read this much rollup history).
pub const MAX_WINDOW_DAYS: i64 = 92;

/// One SLO, ready for the views.
#[derive(Debug, Clone, PartialEq)]
pub struct SloDefinition {
    pub slo_id: String,
    pub description: String,
    pub service: Option<String>,
    pub component: String,
    pub operation: Option<String>,
    pub sli: SliKind,
    pub objective: f64,
    pub threshold_ms: Option<f64>,
    pub min_events_per_minute: Option<f64>,
    pub custom_good: Option<String>,
    pub custom_total: Option<String>,
    pub window: SloWindow,
    pub budgeting: Budgeting,
    pub timeslice_seconds: i64,
    pub timeslice_target: f64,
    /// Burn-rate tier catalog (`30d`, `28d`, `7d`).
    pub tier_catalog: String,
    /// Minimum events in a tier's long window before it may fire.
    pub min_events: u64,
    /// Where it was defined (`shape.toml`, `slos/web.yaml`).
    pub origin: String,
}

impl SloDefinition {
    /// SQL predicate selecting the events this SLO counts (component, operation, service).
    pub fn scope_sql(&self) -> String {
        let mut parts = vec![format!("component = {}", sql_string(&self.component))];
        if let Some(op) = &self.operation {
            parts.push(format!("operation = {}", sql_string(op)));
        }
        if let Some(service) = &self.service {
            parts.push(format!("service = {}", sql_string(service)));
        }
        parts.join(" AND ")
    }

    /// SQL predicate for a counted (total) event, scope included.
    pub fn total_sql(&self) -> String {
        let kind = match self.sli {
            SliKind::Latency => "duration_ms IS NOT NULL".to_string(),
            SliKind::Custom => format!("({})", self.custom_total.as_deref().unwrap_or("true")),
            _ => "true".to_string(),
        };
        format!("({}) AND {kind}", self.scope_sql())
    }

    /// SQL predicate for a good event (only evaluated where `total_sql` holds).
    pub fn good_sql(&self) -> String {
        match self.sli {
            SliKind::Availability => "outcome = 'ok'".to_string(),
            SliKind::Latency => format!("duration_ms <= {}", self.threshold_ms.unwrap_or(0.0)),
            SliKind::ErrorRate => "level NOT IN ('ERROR', 'FATAL')".to_string(),
            SliKind::Throughput => "true".to_string(),
            SliKind::Custom => format!("({})", self.custom_good.as_deref().unwrap_or("false")),
        }
    }

    /// A stable hash of everything that decides the per-minute counts: rollups made under
    /// another definition are ignored (and rebuilt) instead of silently mixed in.
    pub fn rollup_hash(&self) -> String {
        let key = format!("{}|{}|{}", self.slo_id, self.total_sql(), self.good_sql());
        format!("{:016x}", crate::common::fnv1a64(key.as_bytes()))
    }

    pub fn window_seconds(&self) -> Option<i64> {
        match self.window {
            SloWindow::Rolling { seconds } => Some(seconds),
            SloWindow::Calendar { .. } => None,
        }
    }
}

/// `[[slo]]` as written in shape.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TomlSlo {
    pub id: Option<String>,
    pub description: Option<String>,
    pub service: Option<String>,
    pub component: String,
    pub operation: Option<String>,
    pub sli: String,
    pub objective: Option<f64>,
    pub objective_percent: Option<f64>,
    pub threshold_ms: Option<f64>,
    pub min_events_per_minute: Option<f64>,
    pub good: Option<String>,
    pub total: Option<String>,
    /// Rolling window (`30d`), or `calendar` (`week`, `month`, `quarter`).
    pub window: Option<String>,
    pub calendar: Option<String>,
    pub timezone: Option<String>,
    pub budgeting: Option<String>,
    pub timeslice: Option<String>,
    pub timeslice_target: Option<f64>,
    pub tiers: Option<String>,
    pub min_events: Option<u64>,
}

/// What a definition needs from its source to become an SloDefinition (shared by TOML and
/// OpenSLO so both validate the same way).
struct Draft {
    id: String,
    description: String,
    service: Option<String>,
    component: String,
    operation: Option<String>,
    sli: String,
    objective: Option<f64>,
    objective_percent: Option<f64>,
    threshold_ms: Option<f64>,
    min_events_per_minute: Option<f64>,
    good: Option<String>,
    total: Option<String>,
    window: Option<String>,
    calendar: Option<String>,
    timezone: Option<String>,
    budgeting: Option<String>,
    timeslice: Option<String>,
    timeslice_target: Option<f64>,
    tiers: Option<String>,
    min_events: Option<u64>,
}

impl Draft {
    /// Validates; `field_err(field, message)` builds the error with the file and line.
    fn finish(
        self,
        origin: &str,
        field_err: &dyn Fn(&str, String) -> SloError,
    ) -> Result<SloDefinition, SloError> {
        let sli = SliKind::parse(&self.sli).ok_or_else(|| {
            field_err(
                "sli",
                format!(
                    "unknown SLI {:?} (availability, latency, error_rate, throughput, custom)",
                    self.sli
                ),
            )
        })?;
        let objective = match (self.objective, self.objective_percent) {
            (Some(_), Some(_)) => {
                return Err(field_err(
                    "objective",
                    "give objective or objective_percent, not both".into(),
                ))
            }
            (Some(o), None) => o,
            (None, Some(p)) => p / 100.0,
            (None, None) => {
                return Err(field_err(
                    "objective",
                    "missing (a fraction such as 0.999)".into(),
                ))
            }
        };
        if !(0.0..=1.0).contains(&objective) || objective.is_nan() {
            return Err(field_err(
                "objective",
                format!(
                    "{objective} is not between 0 and 1 (use objective_percent for percentages)"
                ),
            ));
        }
        if sli == SliKind::Latency
            && self
                .threshold_ms
                .is_none_or(|t| !(t.is_finite() && t >= 0.0))
        {
            return Err(field_err(
                "threshold_ms",
                "a latency SLI needs a non-negative threshold_ms".into(),
            ));
        }
        if sli == SliKind::Throughput
            && self
                .min_events_per_minute
                .is_none_or(|t| t.is_nan() || t <= 0.0)
        {
            return Err(field_err(
                "min_events_per_minute",
                "a throughput SLI needs a positive min_events_per_minute".into(),
            ));
        }
        if sli == SliKind::Custom && (self.good.is_none() || self.total.is_none()) {
            return Err(field_err(
                "good",
                "a custom SLI needs both `good` and `total` SQL predicates".into(),
            ));
        }
        let window = match (&self.window, &self.calendar) {
            (Some(_), Some(_)) => {
                return Err(field_err(
                    "window",
                    "give window (rolling) or calendar, not both".into(),
                ))
            }
            (None, Some(unit)) => {
                if !["week", "month", "quarter"].contains(&unit.as_str()) {
                    return Err(field_err(
                        "calendar",
                        format!("{unit:?} is not week, month or quarter"),
                    ));
                }
                let timezone = self.timezone.clone().unwrap_or_else(|| "UTC".into());
                if timezone.parse::<chrono_tz::Tz>().is_err() {
                    return Err(field_err(
                        "timezone",
                        format!("{timezone:?} is not an IANA time zone"),
                    ));
                }
                SloWindow::Calendar {
                    unit: unit.clone(),
                    timezone,
                }
            }
            (window, None) => {
                let text = window.clone().unwrap_or_else(|| "30d".into());
                let seconds = parse_duration_secs(&text).ok_or_else(|| {
                    field_err(
                        "window",
                        format!("{text:?} is not a duration such as 28d or 4w"),
                    )
                })?;
                if !(3600..=MAX_WINDOW_DAYS * 86_400).contains(&seconds) {
                    return Err(field_err(
                        "window",
                        format!("{text:?} must be between 1h and {MAX_WINDOW_DAYS}d"),
                    ));
                }
                SloWindow::Rolling { seconds }
            }
        };
        let budgeting = match (&self.budgeting, sli) {
            (_, SliKind::Throughput) => Budgeting::Timeslices,
            (Some(text), _) => Budgeting::parse(text).ok_or_else(|| {
                field_err(
                    "budgeting",
                    format!("{text:?} is not occurrences, timeslices or ratio_timeslices"),
                )
            })?,
            (None, _) => Budgeting::Occurrences,
        };
        let timeslice_seconds = match &self.timeslice {
            Some(text) => parse_duration_secs(text)
                .filter(|s| s % 60 == 0)
                .ok_or_else(|| {
                    field_err(
                        "timeslice",
                        format!("{text:?} is not a whole number of minutes such as 1m or 5m"),
                    )
                })?,
            None => 60,
        };
        let timeslice_target = self.timeslice_target.unwrap_or(objective);
        if !(timeslice_target > 0.0 && timeslice_target <= 1.0) {
            return Err(field_err(
                "timeslice_target",
                format!("{timeslice_target} is not in (0, 1]"),
            ));
        }
        let tier_catalog = match self.tiers {
            Some(t) if super::tiers::CATALOGS.iter().any(|(name, _)| *name == t) => t,
            Some(t) => {
                return Err(field_err(
                    "tiers",
                    format!("unknown tier catalog {t:?} (30d, 28d, 7d)"),
                ))
            }
            None => match &window {
                SloWindow::Rolling { seconds } if *seconds <= 14 * 86_400 => "7d".into(),
                SloWindow::Rolling { seconds } if *seconds < 30 * 86_400 => "28d".into(),
                SloWindow::Calendar { unit, .. } if unit == "week" => "7d".into(),
                _ => "30d".into(),
            },
        };
        if self.id.is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(field_err(
                "id",
                format!(
                    "{:?} must be non-empty letters, digits, '-', '_' or '.'",
                    self.id
                ),
            ));
        }
        Ok(SloDefinition {
            slo_id: self.id,
            description: self.description,
            service: self.service,
            component: self.component,
            operation: self.operation,
            sli,
            objective,
            threshold_ms: self.threshold_ms,
            min_events_per_minute: self.min_events_per_minute,
            custom_good: self.good,
            custom_total: self.total,
            window,
            budgeting,
            timeslice_seconds,
            timeslice_target,
            tier_catalog,
            min_events: self.min_events.unwrap_or(10),
            origin: origin.to_string(),
        })
    }
}

/// Turns the `[[slo]]` array of a config into definitions. `text` is the config's text, used
/// to point errors at a line.
pub fn from_toml(
    slos: &toml::Value,
    text: &str,
    path: &Path,
) -> Result<Vec<SloDefinition>, SloError> {
    let items = slos.as_array().ok_or_else(|| SloError::Definition {
        path: path.to_path_buf(),
        line: line_of(text, "[[slo]]", 0),
        field: "slo".into(),
        message: "must be an array of tables ([[slo]])".into(),
    })?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let line = line_of(text, "[[slo]]", i);
        let err = |field: &str, message: String| SloError::Definition {
            path: path.to_path_buf(),
            line: field_line(text, line, field),
            field: format!("slo[{i}].{field}"),
            message,
        };
        let raw: TomlSlo = item
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| err("?", e.message().to_string()))?;
        let id = raw.id.clone().unwrap_or_else(|| {
            let mut id = format!("{}-{}", raw.component, raw.sli);
            if let Some(op) = &raw.operation {
                id = format!("{}-{op}-{}", raw.component, raw.sli);
            }
            id
        });
        let draft = Draft {
            description: raw.description.clone().unwrap_or_default(),
            id,
            service: raw.service,
            component: raw.component,
            operation: raw.operation,
            sli: raw.sli,
            objective: raw.objective,
            objective_percent: raw.objective_percent,
            threshold_ms: raw.threshold_ms,
            min_events_per_minute: raw.min_events_per_minute,
            good: raw.good,
            total: raw.total,
            window: raw.window,
            calendar: raw.calendar,
            timezone: raw.timezone,
            budgeting: raw.budgeting,
            timeslice: raw.timeslice,
            timeslice_target: raw.timeslice_target,
            tiers: raw.tiers,
            min_events: raw.min_events,
        };
        out.push(draft.finish(&path.display().to_string(), &err)?);
    }
    Ok(out)
}

// ---- OpenSLO v1 ----

#[derive(Debug, Deserialize)]
struct OsDoc {
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    kind: Option<String>,
    metadata: Option<OsMetadata>,
    spec: Option<serde_norway::Value>,
}

#[derive(Debug, Deserialize)]
struct OsMetadata {
    name: Option<String>,
    #[serde(rename = "displayName")]
    display_name: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, serde_norway::Value>,
}

/// Reads OpenSLO v1 YAML documents (several per file, `---` separated). SLIs defined as
/// separate documents are resolved through `indicatorRef`. An SLO maps onto events through:
/// `spec.service` (the `service` column, unless `component` is given), the label or
/// `metadata.labels.component` for the component, and in the SLI either
/// `ratioMetric.good/bad/total.metricSource.spec.query` as SQL predicates over `events`, or
/// `thresholdMetric` with an objective `op: lte` and `value` (a latency threshold in ms).
pub fn from_openslo(text: &str, path: &Path) -> Result<Vec<SloDefinition>, SloError> {
    let err = |line: usize, field: &str, message: String| SloError::Definition {
        path: path.to_path_buf(),
        line,
        field: field.to_string(),
        message,
    };
    let mut slis: BTreeMap<String, serde_norway::Value> = BTreeMap::new();
    let mut slos: Vec<(usize, OsDoc)> = Vec::new();
    for (index, document) in split_documents(text) {
        let (start_line, body) = document;
        let doc: OsDoc = serde_norway::from_str(body).map_err(|e| {
            let line = e.location().map(|l| l.line()).unwrap_or(1) + start_line - 1;
            err(line, "document", e.to_string())
        })?;
        if doc.api_version.as_deref() != Some("openslo/v1") {
            return Err(err(
                start_line,
                &format!("document[{index}].apiVersion"),
                format!("{:?} is not openslo/v1", doc.api_version),
            ));
        }
        match doc.kind.as_deref() {
            Some("SLI") => {
                let name = doc
                    .metadata
                    .as_ref()
                    .and_then(|m| m.name.clone())
                    .unwrap_or_default();
                slis.insert(name, doc.spec.unwrap_or(serde_norway::Value::Null));
            }
            Some("SLO") => slos.push((start_line, doc)),
            // DataSource, Service, AlertPolicy...: not needed to evaluate events.
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (line, doc) in slos {
        let metadata = doc.metadata.unwrap_or(OsMetadata {
            name: None,
            display_name: None,
            labels: BTreeMap::new(),
        });
        let name = metadata
            .name
            .clone()
            .ok_or_else(|| err(line, "metadata.name", "missing".into()))?;
        let spec = doc.spec.unwrap_or(serde_norway::Value::Null);
        let field_err = |field: &str, message: String| {
            err(
                find_line(text, line, field.rsplit('.').next().unwrap_or(field)),
                &format!("{name}.{field}"),
                message,
            )
        };
        let get = |value: &serde_norway::Value, path: &str| -> Option<serde_norway::Value> {
            path.split('.')
                .try_fold(value.clone(), |v, key| v.get(key).cloned())
        };
        let text_at = |value: &serde_norway::Value, path: &str| {
            get(value, path).and_then(|v| v.as_str().map(str::to_string))
        };
        let label = |key: &str| {
            metadata.labels.get(key).and_then(|v| match v {
                serde_norway::Value::String(s) => Some(s.clone()),
                serde_norway::Value::Sequence(items) => {
                    items.first().and_then(|i| i.as_str()).map(str::to_string)
                }
                _ => None,
            })
        };
        let indicator = match (get(&spec, "indicator.spec"), text_at(&spec, "indicatorRef")) {
            (Some(inline), _) => inline,
            (None, Some(reference)) => slis.get(&reference).cloned().ok_or_else(|| {
                field_err(
                    "indicatorRef",
                    format!("no SLI named {reference:?} in this file"),
                )
            })?,
            (None, None) => {
                return Err(field_err(
                    "indicator",
                    "an SLO needs indicator or indicatorRef".into(),
                ))
            }
        };
        let objectives = get(&spec, "objectives")
            .and_then(|o| o.as_sequence().cloned())
            .filter(|o| !o.is_empty())
            .ok_or_else(|| field_err("objectives", "needs one objective".into()))?;
        let objective = &objectives[0];
        let number = |v: &serde_norway::Value, key: &str| get(v, key).and_then(|x| x.as_f64());
        let time_window = get(&spec, "timeWindow")
            .and_then(|t| t.as_sequence().and_then(|s| s.first().cloned()))
            .ok_or_else(|| field_err("timeWindow", "needs exactly one time window".into()))?;
        let duration = text_at(&time_window, "duration").unwrap_or_else(|| "30d".into());
        let rolling = get(&time_window, "isRolling")
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        let (window, calendar, timezone) = if rolling {
            (Some(duration), None, None)
        } else {
            let unit = match duration.as_str() {
                "1w" => "week",
                "1M" => "month",
                "1Q" => "quarter",
                other => {
                    return Err(field_err(
                        "duration",
                        format!("calendar window {other:?} must be 1w, 1M or 1Q"),
                    ))
                }
            };
            let tz = text_at(&time_window, "calendar.timeZone").ok_or_else(|| {
                field_err(
                    "calendar",
                    "a calendar window (isRolling: false) needs calendar.timeZone".into(),
                )
            })?;
            (None, Some(unit.to_string()), Some(tz))
        };
        let (sli, good, total, threshold) = if let Some(ratio) = get(&indicator, "ratioMetric") {
            let query = |which: &str| text_at(&ratio, &format!("{which}.metricSource.spec.query"));
            let total = query("total").ok_or_else(|| {
                field_err(
                    "total",
                    "ratioMetric needs total.metricSource.spec.query".into(),
                )
            })?;
            let good = match (query("good"), query("bad")) {
                (Some(good), _) => good,
                (None, Some(bad)) => format!("NOT ({bad})"),
                _ => return Err(field_err("good", "ratioMetric needs good or bad".into())),
            };
            ("custom".to_string(), Some(good), Some(total), None)
        } else if get(&indicator, "thresholdMetric").is_some() {
            let op = text_at(objective, "op").unwrap_or_default();
            if op != "lte" && op != "lt" {
                return Err(field_err(
                    "op",
                    format!("thresholdMetric objectives need op lte or lt (got {op:?})"),
                ));
            }
            let value = number(objective, "value").ok_or_else(|| {
                field_err(
                    "value",
                    "thresholdMetric objectives need a value (ms)".into(),
                )
            })?;
            ("latency".to_string(), None, None, Some(value))
        } else {
            return Err(field_err(
                "indicator",
                "the SLI needs ratioMetric or thresholdMetric".into(),
            ));
        };
        let service = text_at(&spec, "service");
        let component = label("component")
            .or_else(|| service.clone())
            .unwrap_or_default();
        let draft = Draft {
            id: name.clone(),
            description: metadata
                .display_name
                .clone()
                .or_else(|| text_at(&spec, "description"))
                .unwrap_or_default(),
            service: label("component").and(service),
            component,
            operation: label("operation"),
            sli,
            objective: number(objective, "target"),
            objective_percent: number(objective, "targetPercent"),
            threshold_ms: threshold,
            min_events_per_minute: None,
            good,
            total,
            window,
            calendar,
            timezone,
            budgeting: text_at(&spec, "budgetingMethod"),
            timeslice: text_at(objective, "timeSliceWindow"),
            timeslice_target: number(objective, "timeSliceTarget"),
            tiers: label("tiers"),
            min_events: None,
        };
        if draft.budgeting.is_none() {
            return Err(field_err(
                "budgetingMethod",
                "required (Occurrences, Timeslices or RatioTimeslices)".into(),
            ));
        }
        out.push(draft.finish(&path.display().to_string(), &field_err)?);
    }
    Ok(out)
}

/// Splits YAML text on `---` lines: (index, (first line number, body)).
fn split_documents(text: &str) -> Vec<(usize, (usize, &str))> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if line.trim_end() == "---" {
            if !text[start..offset].trim().is_empty() {
                docs.push((start_line, &text[start..offset]));
            }
            start = offset + line.len();
            start_line = i + 2;
        }
        offset += line.len();
    }
    if !text[start..].trim().is_empty() {
        docs.push((start_line, &text[start..]));
    }
    docs.into_iter().enumerate().collect()
}

/// The first line at or after `from` that mentions `key:`.
fn find_line(text: &str, from: usize, key: &str) -> usize {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| {
            l.trim_start()
                .trim_start_matches("- ")
                .starts_with(&format!("{key}:"))
        })
        .map(|(i, _)| i + 1)
        .unwrap_or(from)
}

/// Loads every SLO: `[[slo]]` of the config plus every OpenSLO file it lists in `slo_files`
/// (paths relative to the config) — duplicate ids are an error.
pub fn load_all(
    config_text: Option<(&str, &Path)>,
    table: Option<&toml::Table>,
) -> Result<Vec<SloDefinition>, SloError> {
    let mut all = Vec::new();
    if let (Some((text, path)), Some(table)) = (config_text, table) {
        if let Some(slos) = table.get("slo") {
            all.extend(from_toml(slos, text, path)?);
        }
        if let Some(files) = table.get("slo_files").and_then(|f| f.as_array()) {
            let base = path.parent().unwrap_or(Path::new("."));
            for file in files {
                let Some(name) = file.as_str() else { continue };
                let file_path: PathBuf = base.join(name);
                let yaml =
                    std::fs::read_to_string(&file_path).map_err(|e| SloError::Definition {
                        path: file_path.clone(),
                        line: 0,
                        field: "slo_files".into(),
                        message: e.to_string(),
                    })?;
                all.extend(from_openslo(&yaml, &file_path)?);
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for slo in &all {
        if !seen.insert(slo.slo_id.clone()) {
            return Err(SloError::Definition {
                path: PathBuf::from(&slo.origin),
                line: 0,
                field: "id".into(),
                message: format!("duplicate SLO id {:?}", slo.slo_id),
            });
        }
    }
    Ok(all)
}
