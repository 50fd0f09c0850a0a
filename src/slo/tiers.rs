//! Burn-rate tier catalogs (Sloth's, after the SRE Workbook): data, not code, so that views
//! join them and users can read them (`SELECT * FROM burn_rate_tiers`).
//!
//! factor = budget_percent/100 x period / long_window: the burn rate that spends that share of
//! the period's budget within the long window.

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

/// One row of `burn_rate_tiers`.
#[derive(Debug, Clone, PartialEq)]
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
    let secs = |w: &str| crate::common::parse_duration_secs(w).expect("catalog windows parse");
    CATALOGS
        .iter()
        .flat_map(|(catalog, tiers)| {
            let period = secs(catalog);
            tiers
                .iter()
                .enumerate()
                .map(move |(i, (severity, short, long, pct))| TierRow {
                    catalog: catalog.to_string(),
                    tier: i as i32 + 1,
                    severity: severity.to_string(),
                    short_window: short.to_string(),
                    long_window: long.to_string(),
                    short_seconds: secs(short),
                    long_seconds: secs(long),
                    budget_percent: *pct,
                    period_seconds: period,
                    factor: pct / 100.0 * period as f64 / secs(long) as f64,
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
    }
}
