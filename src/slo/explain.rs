//! `shape slo explain SLO_ID`: the windows, the counts behind each burn rate and why each tier
//! fires, is suppressed or stays quiet; and the checks of definitions against the data (an
//! SLO whose component has no events names the nearest existing one).

use std::fmt::Write as _;

use datafusion::prelude::SessionContext;

use super::tiers::human_seconds;
use super::{SliKind, SloDefinition, SloError, SloWindow};
use crate::common::sql_string;
use crate::query::batches_to_rows;

async fn text_rows(ctx: &SessionContext, sql: &str) -> Result<Vec<Vec<String>>, SloError> {
    Ok(batches_to_rows(&ctx.sql(sql).await?.collect().await?))
}

/// One tier of `slo_burn_alerts`, as read for the explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct TierState {
    pub tier: String,
    pub severity: String,
    pub short_window: String,
    pub long_window: String,
    pub factor: f64,
    pub op: String,
    pub short_burn: Option<f64>,
    pub long_burn: Option<f64>,
    pub short_bad: f64,
    pub short_events: f64,
    pub long_bad: f64,
    pub long_events: f64,
    pub min_events: f64,
    pub over_threshold: bool,
    pub firing: bool,
    pub suppressed: bool,
    pub projected: Option<f64>,
    /// How long the budget left (slo_status) lasts at the long window's burn rate.
    pub hours_left: Option<f64>,
}

fn compares(op: &str, value: f64, factor: f64) -> bool {
    match op {
        "gte" => value >= factor,
        "lt" => value < factor,
        "lte" => value <= factor,
        _ => value > factor,
    }
}

fn op_symbol(op: &str) -> &'static str {
    match op {
        "gte" => ">=",
        "lt" => "<",
        "lte" => "<=",
        _ => ">",
    }
}

/// Why a tier is in its state, in one sentence (pure: the decision is the view's, this
/// only reads it back).
pub fn tier_reason(t: &TierState, faster: Option<&str>) -> String {
    let sym = op_symbol(&t.op);
    if t.firing {
        let mut why = format!(
            "FIRES: both burn rates {sym} {} with {} events in the long window (min_events {})",
            t.factor, t.long_events, t.min_events
        );
        if let Some(p) = t.projected {
            let _ = write!(
                why,
                "; at this burn another {} spends {:.1}% of the budget",
                t.long_window,
                p * 100.0
            );
        }
        match t.hours_left {
            Some(h) if h <= 0.0 => why.push_str("; the budget is already spent"),
            Some(h) => {
                let _ = write!(why, "; the budget left lasts {h:.1} h");
            }
            None => {}
        }
        return why;
    }
    if t.suppressed {
        return format!(
            "suppressed: over its threshold, but faster tier {} of severity {} fires",
            faster.unwrap_or("?"),
            t.severity
        );
    }
    match (t.short_burn, t.long_burn) {
        (None, _) => format!("quiet: no events in the short window ({})", t.short_window),
        (_, None) => format!("quiet: no events in the long window ({})", t.long_window),
        (Some(short), _) if !compares(&t.op, short, t.factor) => format!(
            "quiet: the short window's burn rate {short:.2} is not {sym} {}",
            t.factor
        ),
        (_, Some(long)) if !compares(&t.op, long, t.factor) => format!(
            "quiet: the long window's burn rate {long:.2} is not {sym} {}",
            t.factor
        ),
        _ if t.long_events < t.min_events => format!(
            "quiet: the long window holds {} events, fewer than min_events {}",
            t.long_events, t.min_events
        ),
        _ => "quiet".to_string(),
    }
}

fn number(text: &str) -> Option<f64> {
    text.parse().ok()
}

fn window_text(slo: &SloDefinition) -> String {
    match &slo.window {
        SloWindow::Rolling { seconds } => format!("rolling {}", human_seconds(*seconds)),
        SloWindow::Calendar { unit, timezone } => format!("calendar {unit} in {timezone}"),
    }
}

/// The whole explanation of one SLO at the context's `shape.as_of`.
pub async fn explain(
    ctx: &SessionContext,
    slo: &SloDefinition,
    all: &[SloDefinition],
) -> Result<String, SloError> {
    let id = sql_string(&slo.slo_id);
    let mut out = String::new();
    let scope = [
        slo.service.as_deref(),
        Some(slo.component.as_str()),
        slo.operation.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("/");
    let _ = writeln!(
        out,
        "SLO {} ({scope}): {} objective {}, {} budgeting, {} window; defined in {} line {}",
        slo.slo_id,
        slo.sli.name(),
        slo.objective,
        slo.budgeting.name(),
        window_text(slo),
        slo.origin,
        slo.line
    );
    let status = text_rows(
        ctx,
        &format!(
            "SELECT to_char(window_start, '%Y-%m-%d %H:%M'), to_char(window_end, '%Y-%m-%d %H:%M'), good, total, \
             round(sli_value, 6), round(100 * budget_remaining, 2), round(budget_remaining_minutes, 1), \
             round(burn_rate, 3), status FROM slo_status WHERE slo_id = {id}"
        ),
    )
    .await?;
    if let Some(s) = status.first() {
        let unit = if slo.budgeting == super::Budgeting::Timeslices {
            "slices"
        } else {
            "events"
        };
        let _ = writeln!(
            out,
            "window {} .. {} (UTC): {} good of {} {unit}, SLI {}, budget remaining {}% ({} min), burn rate {}: {}",
            s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8]
        );
    }
    if slo.sli == SliKind::Composite {
        let _ = writeln!(out, "members (composite; burn rates weighted and added):");
        for member in &slo.members {
            let rows = text_rows(
                ctx,
                &format!(
                    "SELECT good, total, round(sli_value, 6), round(burn_rate, 3), status FROM slo_status WHERE slo_id = {}",
                    sql_string(&member.slo_id)
                ),
            )
            .await?;
            if let Some(r) = rows.first() {
                let _ = writeln!(
                    out,
                    "  {} (weight {}): {} good of {}, SLI {}, burn rate {}, {}",
                    member.slo_id, member.weight, r[0], r[1], r[2], r[3], r[4]
                );
            }
        }
    }
    if let Some(parent) = &slo.member_of {
        let _ = writeln!(
            out,
            "an objective of composite {parent}: it alerts and breaches through it"
        );
    }
    if slo.tiers.is_empty() {
        let _ = writeln!(out, "burn-rate alerts: none (alerting = \"none\")");
    } else {
        let _ = writeln!(
            out,
            "burn-rate tiers ({}), fastest first; a tier fires when both windows' burn rates pass its factor:",
            match slo.tier_catalog.as_str() {
                "own" => "written for this SLO".to_string(),
                name => format!("catalog {name}"),
            }
        );
    }
    let tiers = text_rows(
        ctx,
        &format!(
            "SELECT tier, severity, short_window, long_window, factor, op, short_burn_rate, long_burn_rate, \
             short_bad_events, short_events, long_bad_events, long_events, a.min_events, over_threshold, firing, \
             suppressed, projected_budget_consumed, \
             shape_exhaustion_hours(s.budget_remaining, a.long_burn_rate, CAST(s.window_length_seconds AS DOUBLE)) \
             FROM slo_burn_alerts a LEFT JOIN slo_status s ON s.slo_id = a.slo_id WHERE a.slo_id = {id} ORDER BY tier"
        ),
    )
    .await?;
    let states: Vec<TierState> = tiers
        .iter()
        .map(|r| TierState {
            tier: r[0].clone(),
            severity: r[1].clone(),
            short_window: r[2].clone(),
            long_window: r[3].clone(),
            factor: number(&r[4]).unwrap_or(f64::NAN),
            op: r[5].clone(),
            short_burn: number(&r[6]),
            long_burn: number(&r[7]),
            short_bad: number(&r[8]).unwrap_or(0.0),
            short_events: number(&r[9]).unwrap_or(0.0),
            long_bad: number(&r[10]).unwrap_or(0.0),
            long_events: number(&r[11]).unwrap_or(0.0),
            min_events: number(&r[12]).unwrap_or(0.0),
            over_threshold: r[13] == "true",
            firing: r[14] == "true",
            suppressed: r[15] == "true",
            projected: number(&r[16]),
            hours_left: number(&r[17]),
        })
        .collect();
    for t in &states {
        let faster = states
            .iter()
            .find(|f| f.severity == t.severity && f.firing && f.tier < t.tier)
            .map(|f| f.tier.as_str());
        let burn = |b: Option<f64>| b.map_or("-".to_string(), |b| format!("{b:.2}"));
        let _ = writeln!(
            out,
            "  tier {} {:<6} {:>4}/{:<4} factor {} ({}): short burn {} ({} bad of {}), long burn {} ({} bad of {})\n    {}",
            t.tier,
            t.severity,
            t.short_window,
            t.long_window,
            t.factor,
            t.op,
            burn(t.short_burn),
            t.short_bad,
            t.short_events,
            burn(t.long_burn),
            t.long_bad,
            t.long_events,
            tier_reason(t, faster)
        );
    }
    for target in &slo.alert_targets {
        let _ = writeln!(
            out,
            "alerts go to {} ({}) through policy {}",
            target.name, target.target, target.policy
        );
    }
    let warnings = unmatched_scopes(ctx, std::slice::from_ref(slo)).await?;
    for w in warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    let composites: Vec<&str> = all
        .iter()
        .filter(|c| c.members.iter().any(|m| m.slo_id == slo.slo_id))
        .map(|c| c.slo_id.as_str())
        .collect();
    if !composites.is_empty() {
        let _ = writeln!(out, "member of composite(s): {}", composites.join(", "));
    }
    Ok(out)
}

/// Warnings for SLOs whose component, service or operation names no events at all, each
/// with the nearest existing name (`ngnix` -> did you mean `nginx`?). Only SLOs with no
/// counted events are checked, so a healthy config costs nothing here.
pub async fn unmatched_scopes(
    ctx: &SessionContext,
    slos: &[SloDefinition],
) -> Result<Vec<String>, SloError> {
    let candidates: Vec<&SloDefinition> = slos.iter().filter(|s| s.has_rollups()).collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = candidates.iter().map(|s| sql_string(&s.slo_id)).collect();
    let counted = text_rows(
        ctx,
        &format!(
            "SELECT DISTINCT slo_id FROM slo_rollup_rows WHERE total > 0 AND slo_id IN ({})",
            ids.join(", ")
        ),
    )
    .await?;
    let silent: Vec<&&SloDefinition> = candidates
        .iter()
        .filter(|s| !counted.iter().any(|r| r[0] == s.slo_id))
        .collect();
    if silent.is_empty() {
        return Ok(Vec::new());
    }
    let names = text_rows(
        ctx,
        "SELECT DISTINCT component, coalesce(service, ''), coalesce(operation, '') FROM events",
    )
    .await?;
    let distinct = |i: usize| -> Vec<String> {
        let mut v: Vec<String> = names
            .iter()
            .map(|r| r[i].clone())
            .filter(|n| !n.is_empty())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let (components, services, operations) = (distinct(0), distinct(1), distinct(2));
    let mut out = Vec::new();
    for slo in silent {
        let checks = [
            ("component", Some(&slo.component), &components),
            ("service", slo.service.as_ref(), &services),
            ("operation", slo.operation.as_ref(), &operations),
        ];
        for (what, name, existing) in checks {
            let Some(name) = name else { continue };
            if existing.contains(name) {
                continue;
            }
            let hint = nearest(name, existing)
                .map(|n| format!("; did you mean {n:?}?"))
                .unwrap_or_default();
            out.push(format!(
                "SLO {} ({} line {}): no events have {what} {name:?}{hint}",
                slo.slo_id, slo.origin, slo.line
            ));
        }
    }
    Ok(out)
}

/// The existing name closest to `name` when it is close enough to be a typo.
pub fn nearest<'a>(name: &str, existing: &'a [String]) -> Option<&'a str> {
    existing
        .iter()
        .map(|e| (strsim::damerau_levenshtein(name, e), e))
        .filter(|(distance, e)| *distance <= (e.len().max(name.len()) / 3).max(1))
        .min()
        .map(|(_, e)| e.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_names_are_typos_only() {
        let names: Vec<String> = ["nginx", "checkout", "payments"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(nearest("ngnix", &names), Some("nginx"));
        assert_eq!(nearest("chekout", &names), Some("checkout"));
        assert_eq!(nearest("search", &names), None);
    }

    fn state() -> TierState {
        TierState {
            tier: "1".into(),
            severity: "page".into(),
            short_window: "5m".into(),
            long_window: "1h".into(),
            factor: 14.4,
            op: "gt".into(),
            short_burn: Some(20.0),
            long_burn: Some(15.0),
            short_bad: 4.0,
            short_events: 20.0,
            long_bad: 30.0,
            long_events: 200.0,
            min_events: 10.0,
            over_threshold: true,
            firing: true,
            suppressed: false,
            projected: Some(0.0208),
            hours_left: Some(12.5),
        }
    }

    #[test]
    fn reasons_name_what_decided() {
        let firing = state();
        let why = tier_reason(&firing, None);
        assert!(why.starts_with("FIRES") && why.contains("2.1%") && why.contains("12.5 h"));
        let suppressed = TierState {
            firing: false,
            suppressed: true,
            tier: "2".into(),
            ..state()
        };
        assert!(tier_reason(&suppressed, Some("1")).contains("faster tier 1"));
        let short_low = TierState {
            firing: false,
            over_threshold: false,
            short_burn: Some(3.0),
            ..state()
        };
        assert!(
            tier_reason(&short_low, None).contains("short window's burn rate 3.00 is not > 14.4")
        );
        let quiet = TierState {
            firing: false,
            over_threshold: false,
            long_events: 3.0,
            ..state()
        };
        assert!(tier_reason(&quiet, None).contains("fewer than min_events"));
    }
}
