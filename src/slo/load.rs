//! Loading SLOs: `[[slo]]` and `[[burn_tier]]` tables of `shape.toml`, the OpenSLO files it
//! lists in `slo_files`, then composite SLOs completed from their members.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::definition::{default_catalog, AlertingDraft, Draft, Member, SliKind, SloDefinition};
use super::tiers::{self, TierText};
use super::SloError;
use crate::common::{field_line, line_of, table_line};

/// `[[slo]]` as written in shape.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TomlSlo {
    pub id: Option<String>,
    pub description: Option<String>,
    pub service: Option<String>,
    /// Required, except for a composite (default: its first member's).
    pub component: Option<String>,
    pub operation: Option<String>,
    /// Required, except for a composite (`members` given).
    pub sli: Option<String>,
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
    /// A catalog name (`30d`, `sloth-28d`, a `[[burn_tier]]` catalog, `none`) or a list of
    /// tiers (`{ severity, long, short, factor | budget_percent, op }`).
    pub tiers: Option<toml::Value>,
    /// A catalog name, as `tiers = "..."`; `none` turns burn-rate alerts off.
    pub alerting: Option<String>,
    pub min_events: Option<u64>,
    /// Composite SLO: member SLO ids, or `{ slo = "id", weight = 2.0 }`.
    pub members: Option<Vec<MemberText>>,
}

/// A composite's member as written in `[[slo]] members`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum MemberText {
    Id(String),
    Weighted { slo: String, weight: Option<f64> },
}

/// Turns the `[[slo]]` array of a config into definitions. `text` is the config's text, used
/// to point errors at a line; `catalogs` are its `[[burn_tier]]` catalogs.
pub fn from_toml(
    slos: &toml::Value,
    text: &str,
    path: &Path,
    catalogs: &BTreeMap<String, Vec<TierText>>,
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
            line: field_line(text, line, field.split(['.', '[']).next().unwrap_or(field)),
            field: format!("slo[{i}].{field}"),
            message,
        };
        let raw: TomlSlo = item
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| err("?", e.message().to_string()))?;
        out.push(toml_draft(raw, line, &err)?.finish(
            &path.display().to_string(),
            &err,
            catalogs,
        )?);
    }
    Ok(out)
}

fn toml_draft(
    raw: TomlSlo,
    line: usize,
    err: &dyn Fn(&str, String) -> SloError,
) -> Result<Draft, SloError> {
    let members: Vec<Member> = raw
        .members
        .unwrap_or_default()
        .into_iter()
        .map(|m| match m {
            MemberText::Id(slo_id) => Member {
                slo_id,
                weight: 1.0,
            },
            MemberText::Weighted { slo, weight } => Member {
                slo_id: slo,
                weight: weight.unwrap_or(1.0),
            },
        })
        .collect();
    let composite = !members.is_empty();
    if composite {
        let own_window = [
            ("window", raw.window.is_some()),
            ("calendar", raw.calendar.is_some()),
            ("budgeting", raw.budgeting.is_some()),
            ("timeslice", raw.timeslice.is_some()),
            ("timeslice_target", raw.timeslice_target.is_some()),
        ];
        if let Some((field, _)) = own_window.iter().find(|(_, given)| *given) {
            return Err(err(
                field,
                "a composite SLO takes its window, budgeting and time slices from its members"
                    .into(),
            ));
        }
    }
    let budgeting =
        raw.budgeting
            .as_deref()
            .unwrap_or(if raw.sli.as_deref() == Some("throughput") {
                "timeslices"
            } else {
                "occurrences"
            });
    let slices = budgeting.replace(['_', '-'], "").to_ascii_lowercase();
    if raw.timeslice_target.is_some() && slices != "timeslices" {
        return Err(err(
            "timeslice_target",
            format!("means nothing with {budgeting} budgeting (only timeslices judges slices against a target)"),
        ));
    }
    if raw.timeslice.is_some() && slices == "occurrences" {
        return Err(err(
            "timeslice",
            "means nothing with occurrences budgeting (give budgeting = \"timeslices\" or \"ratio_timeslices\")".into(),
        ));
    }
    let sli = match (raw.sli, composite) {
        (Some(sli), _) => sli,
        (None, true) => "composite".to_string(),
        (None, false) => return Err(err("sli", "missing (availability, latency, ...)".into())),
    };
    let component = match (raw.component, composite) {
        (Some(component), _) => component,
        // filled in from the first member by `resolve_composites`
        (None, true) => String::new(),
        (None, false) => return Err(err("component", "missing".into())),
    };
    let alerting = match (raw.tiers, raw.alerting) {
        (Some(_), Some(_)) => {
            return Err(err("alerting", "give tiers or alerting, not both".into()))
        }
        (None, Some(name)) => AlertingDraft::Catalog(name, "alerting"),
        (Some(toml::Value::String(name)), None) => AlertingDraft::Catalog(name, "tiers"),
        (Some(list @ toml::Value::Array(_)), None) => AlertingDraft::Written(
            list.try_into()
                .map_err(|e: toml::de::Error| err("tiers", e.message().to_string()))?,
        ),
        (Some(_), None) => {
            return Err(err(
                "tiers",
                "must be a catalog name or a list of tiers".into(),
            ))
        }
        (None, None) => AlertingDraft::Default,
    };
    let id = raw.id.clone().unwrap_or_else(|| match &raw.operation {
        Some(op) => format!("{component}-{op}-{sli}"),
        None => format!("{component}-{sli}"),
    });
    Ok(Draft {
        description: raw.description.unwrap_or_default(),
        id,
        service: raw.service,
        component,
        operation: raw.operation,
        sli,
        objective: raw.objective,
        objective_percent: raw.objective_percent,
        threshold_ms: raw.threshold_ms,
        threshold_strict: false,
        min_events_per_minute: raw.min_events_per_minute,
        good: raw.good,
        total: raw.total,
        window: raw.window,
        calendar: raw.calendar,
        timezone: raw.timezone,
        budgeting: raw.budgeting,
        timeslice: raw.timeslice,
        timeslice_target: raw.timeslice_target,
        alerting,
        min_events: raw.min_events,
        members,
        member_of: None,
        alert_targets: Vec::new(),
        line,
    })
}

/// Completes composite SLOs once every SLO is known: members exist, are plain SLOs and share
/// one window, budgeting method and slice length, which the composite takes; its component
/// defaults to the first member's and its objective to the members' weighted mean.
pub fn resolve_composites(all: &mut [SloDefinition]) -> Result<(), SloError> {
    let by_id: BTreeMap<String, SloDefinition> =
        all.iter().map(|s| (s.slo_id.clone(), s.clone())).collect();
    for slo in all.iter_mut().filter(|s| s.sli == SliKind::Composite) {
        let err = |field: String, message: String| SloError::Definition {
            path: PathBuf::from(&slo.origin),
            line: slo.line,
            field: format!("{}.{field}", slo.slo_id),
            message,
        };
        let mut members = Vec::new();
        for (i, member) in slo.members.iter().enumerate() {
            let found = by_id
                .get(&member.slo_id)
                .filter(|m| m.sli != SliKind::Composite && m.slo_id != slo.slo_id)
                .ok_or_else(|| {
                    err(
                        format!("members[{i}]"),
                        format!(
                            "{:?} is not a (non-composite) SLO defined here",
                            member.slo_id
                        ),
                    )
                })?;
            members.push((i, found));
        }
        let (_, first) = members[0];
        for (i, member) in &members {
            if member.objective >= 1.0 {
                return Err(err(
                    format!("members[{i}]"),
                    format!(
                        "{:?} has an objective of 1: its burn rate is unbounded, so it cannot be weighed in a composite",
                        member.slo_id
                    ),
                ));
            }
            if member.budgeting != first.budgeting {
                return Err(err(
                    format!("members[{i}]"),
                    format!(
                        "{:?} counts {} but {:?} counts {}: a composite's members share one budgeting method",
                        member.slo_id,
                        member.budgeting.name(),
                        first.slo_id,
                        first.budgeting.name()
                    ),
                ));
            }
            if member.window != first.window || member.timeslice_seconds != first.timeslice_seconds
            {
                return Err(err(
                    format!("members[{i}]"),
                    format!(
                        "{:?} and {:?} differ in window or time slice: a composite's members share them",
                        member.slo_id, first.slo_id
                    ),
                ));
            }
        }
        let written_window = slo.window.clone();
        slo.window = first.window.clone();
        slo.budgeting = first.budgeting;
        slo.timeslice_seconds = first.timeslice_seconds;
        slo.timeslice_target = first.timeslice_target;
        if slo.component.is_empty() {
            slo.component = first.component.clone();
        }
        if slo.objective.is_nan() {
            let weights: f64 = slo.members.iter().map(|m| m.weight).sum();
            slo.objective = slo
                .members
                .iter()
                .zip(&members)
                .map(|(m, (_, def))| m.weight * def.objective)
                .sum::<f64>()
                / weights;
            // 2 x 0.99 + 0.99 over 3 reads 0.99, not 0.98999999999999999
            slo.objective = (slo.objective * 1e12).round() / 1e12;
        }
        if slo.objective >= 1.0 {
            return Err(err(
                "objective".into(),
                "a composite needs an objective below 1 (a budget to burn)".into(),
            ));
        }
        if written_window != slo.window {
            // tiers were resolved against the window the composite was drafted with
            let period = slo.nominal_period_seconds();
            if slo.tier_catalog == default_catalog(&written_window) {
                slo.tier_catalog = default_catalog(&slo.window).to_string();
                slo.tiers = tiers::builtin(&slo.tier_catalog).expect("built-in");
            } else {
                for tier in &slo.tiers {
                    tiers::check(tier.clone(), period)
                        .map_err(|(field, message)| err(format!("tiers.{field}"), message))?;
                }
            }
        }
    }
    Ok(())
}

/// Loads every SLO: `[[slo]]` of the config plus every OpenSLO file it lists in `slo_files`
/// (paths relative to the config) — duplicate ids are an error.
pub fn load_all(
    config_text: Option<(&str, &Path)>,
    table: Option<&toml::Table>,
) -> Result<Vec<SloDefinition>, SloError> {
    let mut all = Vec::new();
    if let (Some((text, path)), Some(table)) = (config_text, table) {
        let catalogs = match table.get("burn_tier") {
            Some(value) => {
                let written: Vec<TierText> =
                    value.clone().try_into().map_err(|e: toml::de::Error| {
                        SloError::Definition {
                            path: path.to_path_buf(),
                            line: table_line(text, "burn_tier"),
                            field: "burn_tier".into(),
                            message: e.message().to_string(),
                        }
                    })?;
                if let Some(i) = written.iter().position(|t| t.catalog.is_none()) {
                    return Err(SloError::Definition {
                        path: path.to_path_buf(),
                        line: line_of(text, "[[burn_tier]]", i),
                        field: format!("burn_tier[{i}].catalog"),
                        message: "missing: the catalog name SLOs use in `tiers`".into(),
                    });
                }
                tiers::user_catalogs(written)
            }
            None => BTreeMap::new(),
        };
        if let Some(slos) = table.get("slo") {
            all.extend(from_toml(slos, text, path, &catalogs)?);
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
                all.extend(super::openslo::from_openslo(&yaml, &file_path, &catalogs)?);
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
    resolve_composites(&mut all)?;
    Ok(all)
}
