//! SLO definitions: `[[slo]]` in `shape.toml` and OpenSLO v1 YAML (see [`super::openslo`]),
//! both turned into [`SloDefinition`]s with event predicates, a window, a budgeting method,
//! burn-rate tiers and, for composite SLOs, weighted members.

use std::collections::BTreeMap;

use super::tiers::{self, TierSpec, TierText};
use super::SloError;
use crate::common::{parse_duration_secs, sql_string};

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
    /// Weighted members, each an SLO of its own (OpenSLO composite SLOs).
    Composite,
}

impl SliKind {
    pub fn name(self) -> &'static str {
        match self {
            SliKind::Availability => "availability",
            SliKind::Latency => "latency",
            SliKind::ErrorRate => "error_rate",
            SliKind::Throughput => "throughput",
            SliKind::Custom => "custom",
            SliKind::Composite => "composite",
        }
    }

    fn parse(text: &str) -> Option<SliKind> {
        Some(match text {
            "availability" => SliKind::Availability,
            "latency" => SliKind::Latency,
            "error_rate" | "errors" => SliKind::ErrorRate,
            "throughput" => SliKind::Throughput,
            "custom" => SliKind::Custom,
            "composite" => SliKind::Composite,
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
    /// A good event is strictly below the threshold (OpenSLO `op: lt`), not at or below it.
    pub threshold_strict: bool,
    pub min_events_per_minute: Option<f64>,
    pub custom_good: Option<String>,
    pub custom_total: Option<String>,
    pub window: SloWindow,
    pub budgeting: Budgeting,
    pub timeslice_seconds: i64,
    pub timeslice_target: f64,
    /// Where the tiers came from: a built-in catalog (`30d`, `28d`, `7d`), a `[[burn_tier]]`
    /// catalog's name, `own` (written for this SLO), or `none`.
    pub tier_catalog: String,
    /// The burn-rate tiers, fastest first (empty: no burn-rate alerting).
    pub tiers: Vec<TierSpec>,
    /// Where alerts for this SLO should go (OpenSLO `AlertNotificationTarget`s), kept for the
    /// notifier and shown in `slo_alert_targets`.
    pub alert_targets: Vec<AlertTarget>,
    /// Minimum events in a tier's long window before it may fire.
    pub min_events: u64,
    /// Composite SLOs: the member SLOs and their weights (empty for a plain SLO).
    pub members: Vec<Member>,
    /// Set on an SLO that exists only as a composite's objective (an OpenSLO objective with
    /// its own indicator): it is measured, but raises no breach of its own.
    pub member_of: Option<String>,
    /// Where it was defined (`shape.toml`, `slos/web.yaml`) and on which line.
    pub origin: String,
    pub line: usize,
}

/// One member of a composite SLO.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub slo_id: String,
    /// OpenSLO `compositeWeight` (default 1): multiplies the member's burn (occurrences) or
    /// its missing share (ratio timeslices).
    pub weight: f64,
}

/// An OpenSLO `AlertNotificationTarget` reached through one of the SLO's alert policies.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertTarget {
    pub policy: String,
    pub name: String,
    pub target: String,
    pub description: String,
    pub alert_when_breaching: bool,
    pub alert_when_resolved: bool,
    pub alert_when_no_data: bool,
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
            // measured through its members, never from events directly
            SliKind::Composite => "false".to_string(),
            _ => "true".to_string(),
        };
        format!("({}) AND {kind}", self.scope_sql())
    }

    /// SQL predicate for a good event (only evaluated where `total_sql` holds).
    pub fn good_sql(&self) -> String {
        match self.sli {
            SliKind::Availability => "outcome = 'ok'".to_string(),
            SliKind::Latency => format!(
                "duration_ms {} {}",
                if self.threshold_strict { "<" } else { "<=" },
                self.threshold_ms.unwrap_or(0.0)
            ),
            SliKind::ErrorRate => "level NOT IN ('ERROR', 'FATAL')".to_string(),
            SliKind::Throughput => "true".to_string(),
            SliKind::Custom => format!("({})", self.custom_good.as_deref().unwrap_or("false")),
            SliKind::Composite => "false".to_string(),
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

    /// Whether events are counted for this SLO (composites are measured through members).
    pub fn has_rollups(&self) -> bool {
        self.sli != SliKind::Composite
    }

    /// Nominal length of the window in seconds (a calendar month counts 30 days, a quarter
    /// 91; the views use each period's real length).
    pub fn nominal_period_seconds(&self) -> i64 {
        nominal_period(&self.window)
    }
}

/// How an SLO's tiers were given, before they are checked against its window.
#[derive(Debug, Clone, Default)]
pub(super) enum AlertingDraft {
    /// The built-in catalog that fits the window.
    #[default]
    Default,
    /// A catalog by name (built-in, `[[burn_tier]]`, or `none`) and the key it was given
    /// under (`tiers` or `alerting`), for errors.
    Catalog(String, &'static str),
    /// `[[slo]] tiers = [...]`.
    Written(Vec<TierText>),
}

/// What a definition needs from its source to become an SloDefinition (shared by TOML and
/// OpenSLO so both validate the same way).
pub(super) struct Draft {
    pub(super) id: String,
    pub(super) description: String,
    pub(super) service: Option<String>,
    pub(super) component: String,
    pub(super) operation: Option<String>,
    pub(super) sli: String,
    pub(super) objective: Option<f64>,
    pub(super) objective_percent: Option<f64>,
    pub(super) threshold_ms: Option<f64>,
    pub(super) threshold_strict: bool,
    pub(super) min_events_per_minute: Option<f64>,
    pub(super) good: Option<String>,
    pub(super) total: Option<String>,
    pub(super) window: Option<String>,
    pub(super) calendar: Option<String>,
    pub(super) timezone: Option<String>,
    pub(super) budgeting: Option<String>,
    pub(super) timeslice: Option<String>,
    pub(super) timeslice_target: Option<f64>,
    pub(super) alerting: AlertingDraft,
    pub(super) min_events: Option<u64>,
    pub(super) members: Vec<Member>,
    pub(super) member_of: Option<String>,
    pub(super) alert_targets: Vec<AlertTarget>,
    pub(super) line: usize,
}

impl Draft {
    /// Validates; `field_err(field, message)` builds the error with the file and line;
    /// `catalogs` are the config's `[[burn_tier]]` catalogs.
    pub(super) fn finish(
        self,
        origin: &str,
        field_err: &dyn Fn(&str, String) -> SloError,
        catalogs: &BTreeMap<String, Vec<TierText>>,
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
        // keys that mean nothing for this SLI are mistakes, not options to ignore
        let meaningless = [
            (
                "threshold_ms",
                self.threshold_ms.is_some(),
                SliKind::Latency,
            ),
            (
                "min_events_per_minute",
                self.min_events_per_minute.is_some(),
                SliKind::Throughput,
            ),
            ("good", self.good.is_some(), SliKind::Custom),
            ("total", self.total.is_some(), SliKind::Custom),
        ];
        for (key, given, owner) in meaningless {
            if given && sli != owner {
                return Err(field_err(
                    key,
                    format!(
                        "means nothing for a {} SLI (only {} SLIs use it)",
                        sli.name(),
                        owner.name()
                    ),
                ));
            }
        }
        let objective = match (self.objective, self.objective_percent) {
            (Some(_), Some(_)) => {
                return Err(field_err(
                    "objective",
                    "give objective or objective_percent, not both".into(),
                ))
            }
            (Some(o), None) => o,
            (None, Some(p)) => p / 100.0,
            // a composite without its own objective takes its members' weighted mean
            // (`resolve_composites`)
            (None, None) if sli == SliKind::Composite => f64::NAN,
            (None, None) => {
                return Err(field_err(
                    "objective",
                    "missing (a fraction such as 0.999)".into(),
                ))
            }
        };
        let pending_composite = objective.is_nan() && sli == SliKind::Composite;
        if !((0.0..=1.0).contains(&objective) || pending_composite) {
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
        // (a composite takes its members' slice target in `resolve_composites`)
        let timeslice_target =
            self.timeslice_target
                .unwrap_or(if objective.is_nan() { 1.0 } else { objective });
        if !(timeslice_target > 0.0 && timeslice_target <= 1.0) {
            return Err(field_err(
                "timeslice_target",
                format!("{timeslice_target} is not in (0, 1]"),
            ));
        }
        let is_composite = sli == SliKind::Composite;
        if is_composite == self.members.is_empty() {
            return Err(field_err(
                "members",
                "a composite SLO needs members, and only a composite has them".into(),
            ));
        }
        for (i, member) in self.members.iter().enumerate() {
            if !(member.weight.is_finite() && member.weight > 0.0) {
                return Err(field_err(
                    &format!("members[{i}].weight"),
                    format!("{} is not a positive weight", member.weight),
                ));
            }
        }
        let period_seconds = nominal_period(&window);
        let (tier_catalog, tiers) = match self.alerting {
            AlertingDraft::Default => {
                let name = default_catalog(&window);
                (name.to_string(), tiers::builtin(name).expect("built-in"))
            }
            AlertingDraft::Catalog(name, _) if name == tiers::NO_ALERTING => (name, Vec::new()),
            AlertingDraft::Catalog(name, key) => match (tiers::builtin(&name), catalogs.get(&name))
            {
                (Some(builtin), _) => (name.trim_start_matches("sloth-").to_string(), builtin),
                (None, Some(written)) => {
                    let resolved = tiers::resolve_written(written, period_seconds).map_err(
                        |(field, message)| {
                            field_err(
                                "tiers",
                                format!("[[burn_tier]] {name:?} {field}: {message}"),
                            )
                        },
                    )?;
                    (name, resolved)
                }
                (None, None) => {
                    let mut known: Vec<String> =
                        tiers::CATALOGS.iter().map(|(n, _)| n.to_string()).collect();
                    known.extend(catalogs.keys().cloned());
                    known.push(tiers::NO_ALERTING.into());
                    return Err(field_err(
                        key,
                        format!("unknown tier catalog {name:?} ({})", known.join(", ")),
                    ));
                }
            },
            AlertingDraft::Written(written) => (
                "own".to_string(),
                tiers::resolve_written(&written, period_seconds)
                    .map_err(|(field, message)| field_err(&field, message))?,
            ),
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
            threshold_strict: self.threshold_strict,
            min_events_per_minute: self.min_events_per_minute,
            custom_good: self.good,
            custom_total: self.total,
            window,
            budgeting,
            timeslice_seconds,
            timeslice_target,
            tier_catalog,
            tiers,
            alert_targets: self.alert_targets,
            min_events: self.min_events.unwrap_or(10),
            members: self.members,
            member_of: self.member_of,
            origin: origin.to_string(),
            line: self.line,
        })
    }
}

fn nominal_period(window: &SloWindow) -> i64 {
    match window {
        SloWindow::Rolling { seconds } => *seconds,
        SloWindow::Calendar { unit, .. } => match unit.as_str() {
            "week" => 7 * 86_400,
            "quarter" => 91 * 86_400,
            _ => 30 * 86_400,
        },
    }
}

/// The built-in catalog that fits a window (SHAPE's default when an SLO names none).
pub(super) fn default_catalog(window: &SloWindow) -> &'static str {
    match window {
        SloWindow::Rolling { seconds } if *seconds <= 14 * 86_400 => "7d",
        SloWindow::Rolling { seconds } if *seconds < 30 * 86_400 => "28d",
        SloWindow::Calendar { unit, .. } if unit == "week" => "7d",
        _ => "30d",
    }
}
