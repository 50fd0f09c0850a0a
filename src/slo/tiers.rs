//! Burn-rate tiers. Sloth's catalogs (after the SRE Workbook) are the defaults; a user may
//! choose another catalog per SLO, write tiers of their own (`[[slo]] tiers = [...]`, an
//! OpenSLO `AlertPolicy`), define catalogs (`[[burn_tier]]`), or turn alerting off. Every SLO
//! ends up with a resolved list of [`TierSpec`]s (the `slo_tiers` table); the built-in
//! catalogs stay readable as `burn_rate_tiers`.
//!
//! factor = budget_percent/100 x period / long_window: the burn rate that spends that share of
//! the period's budget within the long window.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::common::parse_duration_secs;

/// (severity, short window, long window, budget percent)
pub type Tier = (&'static str, &'static str, &'static str, f64);

/// (catalog name = its period, tiers fastest first)
pub const CATALOGS: &[(&str, &[Tier])] = &[
    (
        "30d",
        &[
            ("page", "5m", "1h", 2.0),
            ("page", "30m", "6h", 5.0),
            ("ticket", "2h", "1d", 10.0),
            ("ticket", "6h", "3d", 10.0),
        ],
    ),
    (
        "28d",
        &[
            ("page", "5m", "1h", 2.0),
            ("page", "30m", "6h", 5.0),
            ("ticket", "2h", "1d", 10.0),
            ("ticket", "6h", "3d", 10.0),
        ],
    ),
    (
        "7d",
        &[
            ("page", "5m", "1h", 8.0),
            ("page", "30m", "6h", 12.5),
            ("ticket", "2h", "1d", 20.0),
            ("ticket", "6h", "3d", 42.0),
        ],
    ),
];

/// The name that turns burn-rate alerting off for an SLO (`alerting = "none"`).
pub const NO_ALERTING: &str = "none";

/// How a burn rate is compared with the factor (OpenSLO's `op`; SHAPE's own tiers use `gt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BurnOp {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl BurnOp {
    pub fn parse(text: &str) -> Option<BurnOp> {
        Some(match text {
            "gt" => BurnOp::Gt,
            "gte" => BurnOp::Gte,
            "lt" => BurnOp::Lt,
            "lte" => BurnOp::Lte,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            BurnOp::Gt => "gt",
            BurnOp::Gte => "gte",
            BurnOp::Lt => "lt",
            BurnOp::Lte => "lte",
        }
    }
}

/// One burn-rate tier of one SLO: fires when both the short and the long window's burn rates
/// compare with `factor` by `op`.
#[derive(Debug, Clone, PartialEq)]
pub struct TierSpec {
    pub severity: String,
    pub short_seconds: i64,
    pub long_seconds: i64,
    pub factor: f64,
    pub op: BurnOp,
    /// The OpenSLO `AlertCondition` (or `[[burn_tier]]` catalog) it came from.
    pub condition: Option<String>,
}

impl TierSpec {
    /// The share of a `period_seconds` budget this tier spends in its long window.
    pub fn budget_percent(&self, period_seconds: i64) -> f64 {
        self.factor * self.long_seconds as f64 / period_seconds as f64 * 100.0
    }
}

/// The tiers of a built-in catalog (`30d`, `28d`, `7d`; also spelt `sloth-30d`...).
pub fn builtin(name: &str) -> Option<Vec<TierSpec>> {
    let name = name.strip_prefix("sloth-").unwrap_or(name);
    let (catalog, tiers) = CATALOGS.iter().find(|(n, _)| *n == name)?;
    let secs = |w: &str| parse_duration_secs(w).expect("catalog windows parse");
    let period = secs(catalog);
    Some(
        tiers
            .iter()
            .map(|(severity, short, long, pct)| TierSpec {
                severity: severity.to_string(),
                short_seconds: secs(short),
                long_seconds: secs(long),
                factor: pct / 100.0 * period as f64 / secs(long) as f64,
                op: BurnOp::Gt,
                condition: None,
            })
            .collect(),
    )
}

/// A tier as written in `[[slo]] tiers = [...]` or `[[burn_tier]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierText {
    /// Only in `[[burn_tier]]`: the catalog this tier belongs to.
    pub catalog: Option<String>,
    pub severity: String,
    /// Short window; default: 1/12 of the long window (the Workbook's ratio).
    pub short: Option<String>,
    pub long: String,
    pub factor: Option<f64>,
    /// Instead of factor: the share of the budget spent in the long window.
    pub budget_percent: Option<f64>,
    /// The budget period `budget_percent` refers to; default: the SLO's window.
    pub period: Option<String>,
    pub op: Option<String>,
}

/// Turns written tiers into specs; `period_seconds` is the SLO's (nominal) window. Errors are
/// `(field, message)`, the caller adds file and line.
pub fn resolve_written(
    written: &[TierText],
    period_seconds: i64,
) -> Result<Vec<TierSpec>, (String, String)> {
    let mut tiers = Vec::new();
    for (i, t) in written.iter().enumerate() {
        let field = |name: &str| format!("tiers[{i}].{name}");
        let window = |name: &str, text: &str| {
            parse_duration_secs(text)
                .filter(|s| *s >= 60 && s % 60 == 0)
                .ok_or_else(|| {
                    (
                        field(name),
                        format!("{text:?} is not a whole number of minutes such as 5m or 1h"),
                    )
                })
        };
        let long_seconds = window("long", &t.long)?;
        let short_seconds = match &t.short {
            Some(text) => window("short", text)?,
            None => default_short_seconds(long_seconds),
        };
        let factor = match (t.factor, t.budget_percent) {
            (Some(f), None) => f,
            (None, Some(pct)) => {
                let period = match &t.period {
                    Some(text) => window("period", text)?,
                    None => period_seconds,
                };
                pct / 100.0 * period as f64 / long_seconds as f64
            }
            _ => {
                return Err((
                    field("factor"),
                    "give factor (a burn rate such as 14.4) or budget_percent, one of them".into(),
                ))
            }
        };
        let op = match &t.op {
            Some(text) => BurnOp::parse(text)
                .ok_or_else(|| (field("op"), format!("{text:?} is not gt, gte, lt or lte")))?,
            None => BurnOp::Gt,
        };
        tiers.push(
            check(
                TierSpec {
                    severity: t.severity.clone(),
                    short_seconds,
                    long_seconds,
                    factor,
                    op,
                    condition: t.catalog.clone(),
                },
                period_seconds,
            )
            .map_err(|(name, message)| (field(name), message))?,
        );
    }
    Ok(order(tiers))
}

/// The Workbook's short window: 1/12 of the long one, in whole minutes, at least one.
pub fn default_short_seconds(long_seconds: i64) -> i64 {
    ((long_seconds / 12) / 60).max(1) * 60
}

/// Checks a user-written tier against the SLO's window. Errors are `(field, message)` with
/// the field named as in `[[slo]] tiers` (OpenSLO callers rename them).
pub fn check(tier: TierSpec, period_seconds: i64) -> Result<TierSpec, (&'static str, String)> {
    if !(tier.factor.is_finite() && tier.factor > 0.0) {
        return Err((
            "factor",
            format!(
                "{} is not a positive burn rate (1 spends the budget exactly over the window)",
                tier.factor
            ),
        ));
    }
    if tier.long_seconds > period_seconds {
        return Err((
            "long",
            format!(
                "the lookback ({}) is longer than the SLO's window ({})",
                human_seconds(tier.long_seconds),
                human_seconds(period_seconds)
            ),
        ));
    }
    if tier.short_seconds > tier.long_seconds {
        return Err((
            "short",
            format!(
                "the short window ({}) is longer than the long one ({})",
                human_seconds(tier.short_seconds),
                human_seconds(tier.long_seconds)
            ),
        ));
    }
    if tier.severity.trim().is_empty() {
        return Err(("severity", "must not be empty".into()));
    }
    Ok(tier)
}

/// Fastest first (shortest long window), so that within a severity a firing tier suppresses
/// the slower ones, as with the built-in catalogs.
pub fn order(mut tiers: Vec<TierSpec>) -> Vec<TierSpec> {
    tiers.sort_by_key(|t| (t.long_seconds, t.short_seconds));
    tiers
}

/// `[[burn_tier]]` catalogs of a config: name -> written tiers.
pub fn user_catalogs(written: Vec<TierText>) -> BTreeMap<String, Vec<TierText>> {
    let mut catalogs: BTreeMap<String, Vec<TierText>> = BTreeMap::new();
    for tier in written {
        let name = tier.catalog.clone().unwrap_or_default();
        catalogs.entry(name).or_default().push(tier);
    }
    catalogs
}

/// `3600` -> `1h`, `5400` -> `90m`: the largest unit that divides the seconds.
pub fn human_seconds(seconds: i64) -> String {
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if seconds >= size && seconds % size == 0 {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

/// One row of `burn_rate_tiers` (the built-in catalogs, for reading); its fields are the
/// table's columns.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TierRow {
    pub catalog: String,
    /// 1 = fastest. Within a severity, a firing tier suppresses the higher-numbered ones.
    pub tier: i32,
    pub severity: String,
    pub short_window: String,
    pub long_window: String,
    pub short_seconds: i64,
    pub long_seconds: i64,
    pub budget_percent: f64,
    pub period_seconds: i64,
    pub factor: f64,
}

pub fn tier_rows() -> Vec<TierRow> {
    CATALOGS
        .iter()
        .flat_map(|(catalog, _)| {
            let period = parse_duration_secs(catalog).expect("catalog names are periods");
            builtin(catalog)
                .expect("listed catalogs exist")
                .into_iter()
                .enumerate()
                .map(move |(i, t)| TierRow {
                    catalog: catalog.to_string(),
                    tier: i as i32 + 1,
                    severity: t.severity.clone(),
                    short_window: human_seconds(t.short_seconds),
                    long_window: human_seconds(t.long_seconds),
                    short_seconds: t.short_seconds,
                    long_seconds: t.long_seconds,
                    budget_percent: t.budget_percent(period),
                    period_seconds: period,
                    factor: t.factor,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_match_the_published_catalogs() {
        let factors = |catalog: &str| -> Vec<f64> {
            tier_rows()
                .into_iter()
                .filter(|t| t.catalog == catalog)
                .map(|t| (t.factor * 1e4).round() / 1e4)
                .collect()
        };
        assert_eq!(factors("30d"), vec![14.4, 6.0, 3.0, 1.0]);
        assert_eq!(factors("28d"), vec![13.44, 5.6, 2.8, 0.9333]);
        assert_eq!(factors("7d"), vec![13.44, 3.5, 1.4, 0.98]);
        assert_eq!(builtin("sloth-30d"), builtin("30d"));
    }

    #[test]
    fn written_tiers_resolve_and_are_checked() {
        let text = |long: &str, short: Option<&str>, factor: Option<f64>| TierText {
            catalog: None,
            severity: "page".into(),
            short: short.map(str::to_string),
            long: long.into(),
            factor,
            budget_percent: None,
            period: None,
            op: None,
        };
        let month = 30 * 86_400;
        let tiers = resolve_written(
            &[
                text("6h", None, Some(6.0)),
                text("1h", Some("5m"), Some(14.4)),
            ],
            month,
        )
        .unwrap();
        // ordered fastest first; the short window defaults to 1/12 of the long one
        assert_eq!(
            tiers
                .iter()
                .map(|t| (t.short_seconds, t.long_seconds))
                .collect::<Vec<_>>(),
            vec![(300, 3600), (1800, 21_600)]
        );
        let mut by_budget = text("1h", None, None);
        by_budget.budget_percent = Some(2.0);
        let tier = &resolve_written(&[by_budget], month).unwrap()[0];
        assert!((tier.factor - 14.4).abs() < 1e-9);

        let err = resolve_written(&[text("1h", None, Some(0.0))], month).unwrap_err();
        assert_eq!(err.0, "tiers[0].factor");
        let err = resolve_written(&[text("31d", None, Some(1.0))], month).unwrap_err();
        assert!(err.0 == "tiers[0].long" && err.1.contains("30d"), "{err:?}");
        let err = resolve_written(&[text("1h", Some("2h"), Some(2.0))], month).unwrap_err();
        assert_eq!(err.0, "tiers[0].short");
        let err = resolve_written(&[text("90s", None, Some(2.0))], month).unwrap_err();
        assert_eq!(err.0, "tiers[0].long");
    }
}
