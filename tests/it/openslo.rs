//! OpenSLO as users write it: alert policies become the SLO's tiers (replacing the default
//! catalog), notification targets are kept, composite objectives become members, and every
//! misuse is refused with file, line and field.

use std::path::Path;

use shape::config::Config;
use shape::query::run_sql;
use shape::slo::{load_slos, SliKind, SloDefinition};

use crate::common::{rows, workspace};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/openslo")
            .join(name),
    )
    .unwrap()
}

/// Loads `files` (name, YAML text) through a `shape.toml` that lists them.
fn load(files: &[(&str, &str)], toml: &str) -> Result<Vec<SloDefinition>, String> {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = files.iter().map(|(n, _)| format!("{n:?}")).collect();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let config_path = dir.path().join("shape.toml");
    std::fs::write(
        &config_path,
        format!("slo_files = [{}]\n{toml}", names.join(", ")),
    )
    .unwrap();
    let config = Config::load(&config_path).map_err(|e| e.to_string())?;
    load_slos(&config).map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn alert_policies_replace_the_default_tiers() {
    let slos = load(&[("policies.yaml", &fixture("alert-policies.yaml"))], "").unwrap();
    assert_eq!(slos.len(), 1);
    let slo = &slos[0];
    assert_eq!(slo.tier_catalog, "own");
    let tiers: Vec<_> = slo
        .tiers
        .iter()
        .map(|t| {
            (
                t.severity.as_str(),
                t.factor,
                t.long_seconds,
                t.short_seconds,
                t.op.name(),
            )
        })
        .collect();
    // the page tier exactly as written; the ticket tier's short window is 1/12 of 3d = 6h
    assert_eq!(
        tiers,
        vec![
            ("page", 14.4, 3600, 300, "gte"),
            ("ticket", 1.0, 3 * 86_400, 6 * 3600, "gt")
        ]
    );
    let targets: Vec<_> = slo
        .alert_targets
        .iter()
        .map(|t| {
            (
                t.policy.as_str(),
                t.name.as_str(),
                t.target.as_str(),
                t.alert_when_resolved,
            )
        })
        .collect();
    assert_eq!(
        targets,
        vec![
            ("page-on-fast-burn", "on-call-pager", "pagerduty", true),
            ("ticket-on-slow-burn", "team-mail", "email", false)
        ]
    );

    // The views see the same: two tiers for this SLO, none of the 30d catalog's four.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.yaml"), fixture("alert-policies.yaml")).unwrap();
    std::fs::write(dir.path().join("shape.toml"), "slo_files = [\"p.yaml\"]\n").unwrap();
    let config = Config::load(&dir.path().join("shape.toml")).unwrap();
    let data = tempfile::tempdir().unwrap();
    let ws = workspace(data.path(), &config);
    let ctx = ws
        .context_as_is(&shape::QueryOptions::at(Some(
            "2025-11-21T00:00:00Z".to_string(),
        )))
        .await
        .unwrap();
    let got = rows(
        &run_sql(
            &ctx,
            "SELECT slo_id, tier, severity, long_window, short_window, factor, op, condition \
             FROM slo_burn_alerts ORDER BY tier",
        )
        .await
        .unwrap(),
    );
    assert_eq!(
        got,
        vec![
            vec![
                "checkout-availability",
                "1",
                "page",
                "1h",
                "5m",
                "14.4",
                "gte",
                "fast-burn"
            ],
            vec![
                "checkout-availability",
                "2",
                "ticket",
                "3d",
                "6h",
                "1.0",
                "gt",
                "slow-burn"
            ],
        ]
    );
    let targets = rows(
        &run_sql(
            &ctx,
            "SELECT target_name, target FROM slo_alert_targets ORDER BY 1",
        )
        .await
        .unwrap(),
    );
    assert_eq!(
        targets,
        vec![
            vec!["on-call-pager", "pagerduty"],
            vec!["team-mail", "email"]
        ]
    );
}

#[test]
fn the_specifications_examples_load() {
    let slos = load(
        &[("low-traffic.yaml", &fixture("low-traffic-timeslices.yaml"))],
        "",
    )
    .unwrap();
    let slo = &slos[0];
    assert_eq!(slo.slo_id, "service-availability");
    assert_eq!(slo.budgeting, shape::slo::Budgeting::Timeslices);
    assert_eq!((slo.timeslice_seconds, slo.timeslice_target), (60, 0.95));
    assert_eq!(
        slo.tier_catalog, "7d",
        "a calendar week uses the 7d catalog"
    );
}

#[test]
fn the_specifications_budgeting_examples_load() {
    let slos = load(
        &[("budgeting.yaml", &fixture("spec-budgeting-methods.yaml"))],
        "",
    )
    .unwrap();
    let summary: Vec<_> = slos
        .iter()
        .map(|s| {
            (
                s.slo_id.as_str(),
                s.budgeting.name(),
                s.objective,
                s.timeslice_seconds,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("search-slo", "occurrences", 0.99, 60),
            ("main-page", "ratio_timeslices", 0.99, 60),
            ("service-availability", "timeslices", 0.995, 60),
            ("service-availability.sla", "timeslices", 0.99, 60),
        ]
    );
    // `op: lt` is strict; two weeks rolling; a calendar month in New York
    assert_eq!(slos[0].good_sql(), "duration_ms < 500");
    assert_eq!(slos[0].window_seconds(), Some(14 * 86_400));
    assert_eq!(
        slos[2].window,
        shape::slo::SloWindow::Calendar {
            unit: "month".into(),
            timezone: "America/New_York".into()
        }
    );
    assert!(slos[1].total_sql().contains("operation = 'GET /'"));
}

#[test]
fn composite_objectives_become_members() {
    let slos = load(&[("composite.yaml", &fixture("composite.yaml"))], "").unwrap();
    let ids: Vec<_> = slos.iter().map(|s| s.slo_id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "shopping-journey.search-latency",
            "shopping-journey.payments-succeed",
            "shopping-journey"
        ]
    );
    let (search, pay, journey) = (&slos[0], &slos[1], &slos[2]);
    assert_eq!(
        (search.sli, search.threshold_ms),
        (SliKind::Latency, Some(300.0))
    );
    assert!(pay.good_sql().contains("outcome = 'ok'") && pay.total_sql().contains("'pay'"));
    for member in [search, pay] {
        assert_eq!(member.member_of.as_deref(), Some("shopping-journey"));
        assert!(
            member.tiers.is_empty(),
            "members alert through the composite"
        );
    }
    assert_eq!(journey.sli, SliKind::Composite);
    let members: Vec<_> = journey
        .members
        .iter()
        .map(|m| (m.slo_id.as_str(), m.weight))
        .collect();
    assert_eq!(
        members,
        vec![
            ("shopping-journey.search-latency", 1.0),
            ("shopping-journey.payments-succeed", 2.0)
        ]
    );
    // (1 x 0.99 + 2 x 0.995) / 3
    assert!((journey.objective - 0.993333333333).abs() < 1e-9);
    assert_eq!(journey.component, "web");
    assert!(!journey.has_rollups());
}

#[test]
fn misuse_is_refused_with_file_line_and_field() {
    let policies = fixture("alert-policies.yaml");
    let check = |yaml: String, toml: &str, expect: &[&str]| {
        let err = load(&[("slos.yaml", &yaml)], toml).unwrap_err();
        for e in expect {
            assert!(err.contains(e), "{err:?} lacks {e:?}");
        }
    };
    let line_of = |text: &str, needle: &str| {
        format!(
            "line {}",
            text.lines().position(|l| l.contains(needle)).unwrap() + 1
        )
    };
    // a lookback longer than the SLO's 30-day window
    check(
        policies.replace("lookbackWindow: 3d", "lookbackWindow: 31d"),
        "",
        &[
            "slos.yaml",
            "lookbackWindow",
            "longer than the SLO's window",
        ],
    );
    // a threshold of 0
    check(
        policies.replace("threshold: 14.4", "threshold: 0"),
        "",
        &["fast-burn.threshold", "not a positive burn rate"],
    );
    // a condition kind SHAPE does not evaluate
    let unknown = policies.replace(
        "kind: burnrate\n      op: gte",
        "kind: errorbudget\n      op: gte",
    );
    check(
        unknown.clone(),
        "",
        &["fast-burn.kind", "errorbudget", "not supported"],
    );
    // a reference to nothing
    check(
        policies.replace("alertPolicyRef: page-on-fast-burn", "alertPolicyRef: nope"),
        "",
        &[
            &line_of(&policies, "alertPolicyRef: page-on-fast-burn"),
            "alertPolicyRef",
            "\"nope\"",
        ],
    );
    // composite: a weight of 0, a member on an unknown SLI
    let composite = fixture("composite.yaml");
    check(
        composite.replace("compositeWeight: 2", "compositeWeight: 0"),
        "",
        &["members[1].weight", "not a positive weight"],
    );
    check(
        composite.replace("indicatorRef: search-fast", "indicatorRef: search-slow"),
        "",
        &["objectives[0].indicatorRef", "search-slow"],
    );
}

#[test]
fn toml_composites_and_tiers_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shape.toml");
    let base = "[[slo]]\nid = \"a\"\ncomponent = \"a\"\nsli = \"availability\"\nobjective = 0.9\n\n\
                [[slo]]\nid = \"b\"\ncomponent = \"b\"\nsli = \"availability\"\nobjective = 0.9\nbudgeting = \"timeslices\"\n\n";
    let check = |text: String, expect: &[&str]| {
        std::fs::write(&path, &text).unwrap();
        let err = load_slos(&Config::load(&path).unwrap())
            .unwrap_err()
            .to_string();
        for e in expect {
            assert!(err.contains(e), "{err:?} lacks {e:?}");
        }
    };
    check(
        format!("{base}[[slo]]\nid = \"ab\"\nmembers = [\"a\", \"b\"]\n"),
        &["ab.members[1]", "budgeting method"],
    );
    check(
        format!("{base}[[slo]]\nid = \"ac\"\nmembers = [\"a\", \"c\"]\n"),
        &["line 14", "ac.members[1]", "\"c\""],
    );
    check(
        format!("{base}[[slo]]\nid = \"aa\"\nmembers = [{{ slo = \"a\", weight = 0 }}]\n"),
        &["slo[2].members[0].weight"],
    );
    check(
        format!("{base}[[slo]]\nid = \"aw\"\nmembers = [\"a\"]\nwindow = \"7d\"\n"),
        &["line 17", "slo[2].window", "from its members"],
    );
    check(
        "[[slo]]\ncomponent = \"a\"\nsli = \"availability\"\nobjective = 0.9\nwindow = \"7d\"\ntiers = [{ severity = \"page\", long = \"8d\", factor = 2 }]\n".into(),
        &["line 6", "slo[0].tiers[0].long", "longer than the SLO's window (7d)"],
    );
    check(
        "[[slo]]\ncomponent = \"a\"\nsli = \"availability\"\nobjective = 0.9\nalerting = \"fast\"\n".into(),
        &["line 5", "unknown tier catalog \"fast\"", "none"],
    );
}
