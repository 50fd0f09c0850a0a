//! OpenSLO v1 YAML: kinds SLO, SLI, AlertPolicy, AlertCondition and AlertNotificationTarget
//! (DataSource and Service are read past). A file holds documents separated by `---`, each an
//! object or a list of objects. Alert policies become the SLO's burn-rate tiers; objectives
//! with their own indicators make a composite SLO whose members are SLOs of their own.

use std::collections::BTreeMap;
use std::path::Path;

use serde_norway::Value;

use super::definition::{
    AlertTarget, AlertingDraft, Draft, Member, SloDefinition, MAX_WINDOW_DAYS,
};
use super::tiers::{self, BurnOp, TierSpec, TierText};
use super::SloError;
use crate::common::parse_duration_secs;

/// One object of the file: its kind, name, spec and the line where it starts.
struct Object {
    kind: String,
    name: String,
    metadata: Value,
    spec: Value,
    line: usize,
}

/// The named objects other objects refer to (`indicatorRef`, `alertPolicyRef`,
/// `conditionRef`, `targetRef`).
#[derive(Default)]
struct Named {
    slis: BTreeMap<String, Value>,
    policies: BTreeMap<String, (Value, Value)>,
    conditions: BTreeMap<String, Value>,
    targets: BTreeMap<String, Value>,
}

/// Reads OpenSLO v1 documents. An SLO maps onto events through: `spec.service` (the `service`
/// column, unless a `component` label is given), `metadata.labels.component` /
/// `operation`, and in the SLI either `ratioMetric.good/bad/total.metricSource.spec.query` as
/// SQL predicates over `events`, or `thresholdMetric` with an objective `op: lte` and `value`
/// (a latency threshold in ms).
pub fn from_openslo(
    text: &str,
    path: &Path,
    catalogs: &BTreeMap<String, Vec<TierText>>,
) -> Result<Vec<SloDefinition>, SloError> {
    let err = |line: usize, field: &str, message: String| SloError::Definition {
        path: path.to_path_buf(),
        line,
        field: field.to_string(),
        message,
    };
    let mut named = Named::default();
    let mut slos = Vec::new();
    for (index, (start_line, body)) in split_documents(text).into_iter().enumerate() {
        let doc: Value = serde_norway::from_str(body).map_err(|e| {
            let line = e.location().map(|l| l.line()).unwrap_or(1) + start_line - 1;
            err(line, "document", e.to_string())
        })?;
        let items = match doc {
            Value::Sequence(items) => items,
            other => vec![other],
        };
        for (i, item) in items.into_iter().enumerate() {
            let field = format!("document[{index}][{i}]");
            let api = item.get("apiVersion").and_then(Value::as_str);
            if api != Some("openslo/v1") {
                return Err(err(
                    start_line,
                    &format!("{field}.apiVersion"),
                    format!("{api:?} is not openslo/v1"),
                ));
            }
            let object = object_of(&item, text, start_line);
            match object.kind.as_str() {
                "SLI" => {
                    named.slis.insert(object.name, object.spec);
                }
                "AlertPolicy" => {
                    named
                        .policies
                        .insert(object.name, (object.metadata, object.spec));
                }
                "AlertCondition" => {
                    named.conditions.insert(object.name, object.spec);
                }
                "AlertNotificationTarget" => {
                    named.targets.insert(object.name, object.spec);
                }
                "SLO" => slos.push(object),
                // DataSource, Service: nothing to evaluate
                _ => {}
            }
        }
    }
    let origin = path.display().to_string();
    let mut out = Vec::new();
    for slo in slos {
        out.extend(slo_definitions(
            &slo, &named, text, &origin, path, catalogs,
        )?);
    }
    Ok(out)
}

fn object_of(item: &Value, text: &str, doc_line: usize) -> Object {
    let metadata = item.get("metadata").cloned().unwrap_or(Value::Null);
    let name = text_at(&metadata, "name").unwrap_or_default();
    Object {
        kind: text_at(item, "kind").unwrap_or_default(),
        line: find_value_line(text, doc_line, "name", &name),
        name,
        metadata,
        spec: item.get("spec").cloned().unwrap_or(Value::Null),
    }
}

/// The definitions one SLO object gives: itself, plus its members when it is a composite.
fn slo_definitions(
    slo: &Object,
    named: &Named,
    text: &str,
    origin: &str,
    path: &Path,
    catalogs: &BTreeMap<String, Vec<TierText>>,
) -> Result<Vec<SloDefinition>, SloError> {
    let name = slo.name.clone();
    if name.is_empty() {
        return Err(SloError::Definition {
            path: path.to_path_buf(),
            line: slo.line,
            field: "metadata.name".into(),
            message: "missing".into(),
        });
    }
    let field_err = |field: &str, message: String| SloError::Definition {
        path: path.to_path_buf(),
        line: find_line(text, slo.line, field.rsplit('.').next().unwrap_or(field)),
        field: format!("{name}.{field}"),
        message,
    };
    let spec = &slo.spec;
    let label = |key: &str| {
        slo.metadata
            .get("labels")
            .and_then(|l| l.get(key))
            .and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Sequence(items) => {
                    items.first().and_then(|i| i.as_str()).map(str::to_string)
                }
                _ => None,
            })
    };
    let objectives = get(spec, "objectives")
        .and_then(|o| o.as_sequence().cloned())
        .filter(|o| !o.is_empty())
        .ok_or_else(|| field_err("objectives", "needs at least one objective".into()))?;
    let time_window = get(spec, "timeWindow")
        .and_then(|t| t.as_sequence().and_then(|s| s.first().cloned()))
        .ok_or_else(|| field_err("timeWindow", "needs exactly one time window".into()))?;
    let (window, calendar, timezone) = window_of(&time_window, &field_err)?;
    let budgeting = text_at(spec, "budgetingMethod").ok_or_else(|| {
        field_err(
            "budgetingMethod",
            "required (Occurrences, Timeslices or RatioTimeslices)".into(),
        )
    })?;
    let service = text_at(spec, "service");
    let component = label("component")
        .or_else(|| service.clone())
        .unwrap_or_default();
    let composite = get(spec, "indicator").is_none()
        && text_at(spec, "indicatorRef").is_none()
        && objectives
            .iter()
            .any(|o| o.get("indicator").is_some() || o.get("indicatorRef").is_some());
    let base = |id: String, objective: &Value| Draft {
        id,
        description: text_at(&slo.metadata, "displayName")
            .or_else(|| text_at(spec, "description"))
            .unwrap_or_default(),
        service: label("component").and(service.clone()),
        component: component.clone(),
        operation: label("operation"),
        sli: String::new(),
        objective: number(objective, "target"),
        objective_percent: number(objective, "targetPercent"),
        threshold_ms: None,
        threshold_strict: false,
        min_events_per_minute: None,
        good: None,
        total: None,
        window: window.clone(),
        calendar: calendar.clone(),
        timezone: timezone.clone(),
        budgeting: Some(budgeting.clone()),
        timeslice: timeslice_of(objective),
        timeslice_target: number(objective, "timeSliceTarget"),
        alerting: AlertingDraft::Default,
        min_events: None,
        members: Vec::new(),
        member_of: None,
        alert_targets: Vec::new(),
        line: slo.line,
    };
    // an objective's id: `NAME.<display name>` (or its position), unique within the SLO
    let objective_id = |i: usize, objective: &Value, taken: &[String]| {
        let slug = text_at(objective, "displayName")
            .map(|d| slug(&d))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| (i + 1).to_string());
        let id = format!("{name}.{slug}");
        if taken.contains(&id) {
            format!("{id}-{}", i + 1)
        } else {
            id
        }
    };
    let mut out = Vec::new();
    let mut drafts = Vec::new();
    if composite {
        let mut members: Vec<Member> = Vec::new();
        for (i, objective) in objectives.iter().enumerate() {
            let member_field = |f: &str| format!("objectives[{i}].{f}");
            let indicator = indicator_of(objective, named, &|f, m| field_err(&member_field(f), m))?;
            let taken: Vec<String> = members.iter().map(|m| m.slo_id.clone()).collect();
            let id = objective_id(i, objective, &taken);
            let weight = number(objective, "compositeWeight").unwrap_or(1.0);
            let mut member = base(id.clone(), objective);
            apply_indicator(&mut member, &indicator, objective, &|f, m| {
                field_err(&member_field(f), m)
            })?;
            member.alerting = AlertingDraft::Catalog(tiers::NO_ALERTING.into(), "alertPolicies");
            member.member_of = Some(name.clone());
            // members come first so that `resolve_composites` finds them in any order
            out.push(member.finish(origin, &field_err, catalogs)?);
            members.push(Member { slo_id: id, weight });
        }
        let mut draft = base(name.clone(), &objectives[0]);
        draft.sli = "composite".into();
        draft.objective = None;
        draft.objective_percent = None;
        draft.members = members;
        drafts.push(draft);
    } else {
        // several objectives on one ratio indicator: one SLO each (the first keeps the
        // SLO's name, the others are `NAME.<display name>`), all with the SLO's policies
        let indicator = indicator_of(spec, named, &field_err)?;
        let mut taken = Vec::new();
        for (i, objective) in objectives.iter().enumerate() {
            let id = if i == 0 {
                name.clone()
            } else {
                objective_id(i, objective, &taken)
            };
            let objective_field = |f: &str| {
                if i == 0 {
                    f.to_string()
                } else {
                    format!("objectives[{i}].{f}")
                }
            };
            let mut draft = base(id.clone(), objective);
            apply_indicator(&mut draft, &indicator, objective, &|f, m| {
                field_err(&objective_field(f), m)
            })?;
            taken.push(id);
            drafts.push(draft);
        }
    }
    for mut draft in drafts {
        draft.alert_targets_from(spec, named, &field_err)?;
        let mut definition = draft.finish(origin, &field_err, catalogs)?;
        if let Some(own) = definition_tiers(&definition, spec, named, &field_err)? {
            definition.tier_catalog = "own".into();
            definition.tiers = own;
        }
        out.push(definition);
    }
    Ok(out)
}

impl Draft {
    /// Alert targets of the SLO's policies (the tiers are checked once the window is known).
    fn alert_targets_from(
        &mut self,
        spec: &Value,
        named: &Named,
        field_err: &dyn Fn(&str, String) -> SloError,
    ) -> Result<(), SloError> {
        for (policy, _, targets) in policies_of(spec, named, field_err)? {
            for (target_name, target) in targets {
                self.alert_targets.push(AlertTarget {
                    policy: policy.name.clone(),
                    name: target_name,
                    target: text_at(&target, "target").unwrap_or_default(),
                    description: text_at(&target, "description").unwrap_or_default(),
                    alert_when_breaching: flag(&policy.spec, "alertWhenBreaching", true),
                    alert_when_resolved: flag(&policy.spec, "alertWhenResolved", false),
                    alert_when_no_data: flag(&policy.spec, "alertWhenNoData", false),
                });
            }
        }
        Ok(())
    }
}

/// The tiers the SLO's alert policies define, checked against its window; `None` when it
/// has no alert policies (the default catalog stays).
fn definition_tiers(
    definition: &SloDefinition,
    spec: &Value,
    named: &Named,
    field_err: &dyn Fn(&str, String) -> SloError,
) -> Result<Option<Vec<TierSpec>>, SloError> {
    let policies = policies_of(spec, named, field_err)?;
    if policies.is_empty() {
        return Ok(None);
    }
    let period = definition.nominal_period_seconds();
    let mut out = Vec::new();
    for (policy, conditions, _) in policies {
        for (condition_name, condition) in conditions {
            let field = |f: &str| format!("alertPolicies.{}.{condition_name}.{f}", policy.name);
            let inner = get(&condition, "condition").unwrap_or(Value::Null);
            let kind = text_at(&inner, "kind").unwrap_or_else(|| "burnrate".into());
            if kind != "burnrate" {
                return Err(field_err(
                    &field("kind"),
                    format!("condition kind {kind:?} is not supported (burnrate)"),
                ));
            }
            let op_text = text_at(&inner, "op")
                .ok_or_else(|| field_err(&field("op"), "required (lte, gte, lt or gt)".into()))?;
            let op = BurnOp::parse(&op_text).ok_or_else(|| {
                field_err(
                    &field("op"),
                    format!("{op_text:?} is not lte, gte, lt or gt"),
                )
            })?;
            let threshold = number(&inner, "threshold")
                .ok_or_else(|| field_err(&field("threshold"), "required (a burn rate)".into()))?;
            let lookback_text = text_at(&inner, "lookbackWindow")
                .ok_or_else(|| field_err(&field("lookbackWindow"), "required (e.g. 1h)".into()))?;
            let long_seconds = minutes_window(&lookback_text).ok_or_else(|| {
                field_err(&field("lookbackWindow"), minutes_message(&lookback_text))
            })?;
            let short_seconds = match text_at(&inner, "alertAfter") {
                Some(t) if is_zero(&t) => tiers::default_short_seconds(long_seconds),
                Some(t) => minutes_window(&t)
                    .ok_or_else(|| field_err(&field("alertAfter"), minutes_message(&t)))?,
                None => tiers::default_short_seconds(long_seconds),
            };
            let severity = text_at(&condition, "severity")
                .ok_or_else(|| field_err(&field("severity"), "required (e.g. page)".into()))?;
            let tier = TierSpec {
                severity,
                short_seconds,
                long_seconds,
                factor: threshold,
                op,
                condition: Some(condition_name.clone()),
            };
            let checked = tiers::check(tier, period).map_err(|(f, message)| {
                let f = match f {
                    "factor" => "threshold",
                    "long" => "lookbackWindow",
                    "short" => "alertAfter",
                    other => other,
                };
                field_err(&field(f), message)
            })?;
            out.push(checked);
        }
    }
    Ok(Some(tiers::order(out)))
}

struct Policy {
    name: String,
    spec: Value,
}

/// The SLO's alert policies (inline, by `alertPolicyRef`, or by plain name), each with its
/// conditions and notification targets, references resolved.
#[allow(clippy::type_complexity)]
fn policies_of(
    spec: &Value,
    named: &Named,
    field_err: &dyn Fn(&str, String) -> SloError,
) -> Result<Vec<(Policy, Vec<(String, Value)>, Vec<(String, Value)>)>, SloError> {
    let Some(items) = get(spec, "alertPolicies").and_then(|p| p.as_sequence().cloned()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let reference = item
            .as_str()
            .map(str::to_string)
            .or_else(|| text_at(item, "alertPolicyRef"));
        let (name, policy_spec) = match reference {
            Some(name) => {
                let (_, spec) = named.policies.get(&name).ok_or_else(|| {
                    field_err(
                        "alertPolicyRef",
                        format!("no AlertPolicy named {name:?} in this file"),
                    )
                })?;
                (name, spec.clone())
            }
            None => (
                get(item, "metadata.name")
                    .and_then(|n| n.as_str().map(str::to_string))
                    .unwrap_or_else(|| format!("policy-{}", i + 1)),
                get(item, "spec").unwrap_or(Value::Null),
            ),
        };
        let conditions = resolve_list(
            &policy_spec,
            "conditions",
            "conditionRef",
            &named.conditions,
            "AlertCondition",
            field_err,
        )?;
        if conditions.is_empty() {
            return Err(field_err(
                "conditions",
                format!("alert policy {name:?} needs a condition"),
            ));
        }
        let targets = resolve_list(
            &policy_spec,
            "notificationTargets",
            "targetRef",
            &named.targets,
            "AlertNotificationTarget",
            field_err,
        )?;
        out.push((
            Policy {
                name,
                spec: policy_spec,
            },
            conditions,
            targets,
        ));
    }
    Ok(out)
}

/// Items of `key` in a policy: inline objects (their `spec`) or references by `ref_key`.
fn resolve_list(
    spec: &Value,
    key: &str,
    ref_key: &str,
    named: &BTreeMap<String, Value>,
    kind: &str,
    field_err: &dyn Fn(&str, String) -> SloError,
) -> Result<Vec<(String, Value)>, SloError> {
    let items = get(spec, key)
        .and_then(|v| v.as_sequence().cloned())
        .unwrap_or_default();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match text_at(item, ref_key) {
            Some(name) => {
                let found = named.get(&name).ok_or_else(|| {
                    field_err(ref_key, format!("no {kind} named {name:?} in this file"))
                })?;
                out.push((name, found.clone()));
            }
            None => out.push((
                text_at(item, "metadata.name").unwrap_or_else(|| format!("{key}-{}", i + 1)),
                get(item, "spec").unwrap_or(Value::Null),
            )),
        }
    }
    Ok(out)
}

/// The SLI spec of an SLO or objective: inline `indicator` or `indicatorRef`.
fn indicator_of(
    holder: &Value,
    named: &Named,
    field_err: &dyn Fn(&str, String) -> SloError,
) -> Result<Value, SloError> {
    match (
        get(holder, "indicator.spec"),
        text_at(holder, "indicatorRef"),
    ) {
        (Some(inline), _) => Ok(inline),
        (None, Some(reference)) => named.slis.get(&reference).cloned().ok_or_else(|| {
            field_err(
                "indicatorRef",
                format!("no SLI named {reference:?} in this file"),
            )
        }),
        (None, None) => Err(field_err(
            "indicator",
            "an SLO needs indicator or indicatorRef (a composite: one per objective)".into(),
        )),
    }
}

/// Sets the draft's SLI from an indicator: ratio queries as SQL predicates, or a latency
/// threshold.
fn apply_indicator(
    draft: &mut Draft,
    indicator: &Value,
    objective: &Value,
    field_err: &dyn Fn(&str, String) -> SloError,
) -> Result<(), SloError> {
    if let Some(ratio) = get(indicator, "ratioMetric") {
        let query = |which: &str| text_at(&ratio, &format!("{which}.metricSource.spec.query"));
        let total = query("total").ok_or_else(|| {
            field_err(
                "total",
                "ratioMetric needs total.metricSource.spec.query".into(),
            )
        })?;
        draft.good = Some(match (query("good"), query("bad")) {
            (Some(good), _) => good,
            (None, Some(bad)) => format!("NOT ({bad})"),
            _ => return Err(field_err("good", "ratioMetric needs good or bad".into())),
        });
        draft.total = Some(total);
        draft.sli = "custom".into();
    } else if get(indicator, "thresholdMetric").is_some() {
        let op = text_at(objective, "op").unwrap_or_default();
        if op != "lte" && op != "lt" {
            return Err(field_err(
                "op",
                format!("thresholdMetric objectives need op lte or lt (got {op:?})"),
            ));
        }
        draft.threshold_ms = Some(number(objective, "value").ok_or_else(|| {
            field_err(
                "value",
                "thresholdMetric objectives need a value (ms)".into(),
            )
        })?);
        draft.threshold_strict = op == "lt";
        draft.sli = "latency".into();
    } else {
        return Err(field_err(
            "indicator",
            "the SLI needs ratioMetric or thresholdMetric".into(),
        ));
    }
    Ok(())
}

type WindowFields = (Option<String>, Option<String>, Option<String>);

fn window_of(
    time_window: &Value,
    field_err: &dyn Fn(&str, String) -> SloError,
) -> Result<WindowFields, SloError> {
    let duration = text_at(time_window, "duration").unwrap_or_else(|| "30d".into());
    let rolling = get(time_window, "isRolling")
        .and_then(|v| v.as_bool())
        .unwrap_or(get(time_window, "calendar").is_none());
    if rolling {
        return Ok((Some(duration), None, None));
    }
    let unit = match duration.as_str() {
        "1w" => "week",
        // a calendar window of one minute means nothing; the specification's own SLA
        // example writes a month as `1m`
        "1M" | "1m" => "month",
        "1Q" => "quarter",
        other => {
            return Err(field_err(
                "duration",
                format!(
                "calendar window {other:?} must be 1w, 1M or 1Q (at most {MAX_WINDOW_DAYS} days)"
            ),
            ))
        }
    };
    let tz = text_at(time_window, "calendar.timeZone").ok_or_else(|| {
        field_err(
            "calendar",
            "a calendar window (isRolling: false) needs calendar.timeZone".into(),
        )
    })?;
    Ok((None, Some(unit.to_string()), Some(tz)))
}

/// `timeSliceWindow`: a duration, or a bare number of minutes (the spec's default unit).
fn timeslice_of(objective: &Value) -> Option<String> {
    match get(objective, "timeSliceWindow")? {
        Value::Number(n) => Some(format!("{}m", n.as_f64()?)),
        Value::String(s) if s.chars().all(|c| c.is_ascii_digit()) => Some(format!("{s}m")),
        Value::String(s) => Some(s),
        _ => None,
    }
}

fn minutes_window(text: &str) -> Option<i64> {
    parse_duration_secs(text).filter(|s| *s >= 60 && s % 60 == 0)
}

fn minutes_message(text: &str) -> String {
    format!("{text:?} is not a whole number of minutes such as 5m or 1h")
}

fn is_zero(text: &str) -> bool {
    text.trim_end_matches(|c: char| c.is_ascii_alphabetic()) == "0"
}

fn flag(spec: &Value, key: &str, default: bool) -> bool {
    get(spec, key).and_then(|v| v.as_bool()).unwrap_or(default)
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn get(value: &Value, path: &str) -> Option<Value> {
    path.split('.')
        .try_fold(value.clone(), |v, key| v.get(key).cloned())
}

fn text_at(value: &Value, path: &str) -> Option<String> {
    get(value, path).and_then(|v| match v {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn number(value: &Value, key: &str) -> Option<f64> {
    get(value, key).and_then(|x| x.as_f64())
}

/// Splits YAML text on `---` lines: (first line number, body).
fn split_documents(text: &str) -> Vec<(usize, &str)> {
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
    docs
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

/// The first line at or after `from` that reads `key: value` (an object's `name:` line).
fn find_value_line(text: &str, from: usize, key: &str, value: &str) -> usize {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| {
            let l = l.trim_start().trim_start_matches("- ");
            l.strip_prefix(&format!("{key}:"))
                .is_some_and(|rest| rest.trim().trim_matches(['"', '\'']) == value)
        })
        .map(|(i, _)| i + 1)
        .unwrap_or(from)
}
