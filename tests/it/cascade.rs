//! The cascade scenario (`shape gen --scenario cascade`): three services in a call chain (and
//! a mail worker beside them), an nginx access log beside JSON services, read with the
//! `shape.toml` the generator writes; every injected incident shows at its root cause and at the callers it reaches.

use std::path::Path;

use crate::common::{run_shape, text};

fn shape(cwd: &Path, args: &[&str]) -> String {
    let out = run_shape(cwd, args, &[]);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// CSV rows of a query, header dropped.
fn csv_rows(cwd: &Path, config: &str, sql: &str, as_of: &str) -> Vec<Vec<String>> {
    let args = [
        "--config",
        config,
        "--data-dir",
        "data",
        "query",
        "--format",
        "csv",
        "--as-of",
        as_of,
        sql,
    ];
    shape(cwd, &args)
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn cascades_are_read_from_three_formats_and_show_where_the_truth_says() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let said = shape(
        cwd,
        &[
            "gen",
            "--scenario",
            "cascade",
            "--days",
            "2",
            "--events",
            "80000",
            "--start",
            "2026-11-01T00:00:00Z",
            "--out",
            "logs",
        ],
    );
    // The command it prints for the ingest works as printed.
    let ingest_line = said
        .lines()
        .find(|l| l.starts_with("ingest with: shape "))
        .unwrap();
    let args: Vec<&str> = ingest_line["ingest with: shape ".len()..]
        .split(' ')
        .collect();
    let mut with_data: Vec<&str> = vec!["--data-dir", "data"];
    with_data.extend(args.iter().copied());
    let report = shape(cwd, &with_data);
    assert!(report.contains(" + 0 rejects"), "{report}");
    let config = cwd.join("logs/shape.toml").display().to_string();
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cwd.join("logs/incidents.json")).unwrap())
            .unwrap();

    let as_of = "2026-11-03T00:00:00Z";
    let services = csv_rows(
        cwd,
        &config,
        "SELECT service, component, count(*) FROM events GROUP BY 1, 2 ORDER BY 1, 2",
        as_of,
    );
    let names: Vec<(&str, &str)> = services
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert!(names.contains(&("edge", "proxy")), "{names:?}");
    assert!(names.contains(&("inventory-db", "pool")), "{names:?}");
    assert!(!names.iter().any(|(_, c)| *c == "unknown"), "{names:?}");
    // The services share trace ids: an edge request's id is in the services behind it.
    let shared = csv_rows(
        cwd,
        &config,
        "SELECT count(DISTINCT e.trace_id) FROM events e JOIN events d \
         ON d.trace_id = e.trace_id AND d.service = 'inventory-db' WHERE e.service = 'edge'",
        as_of,
    );
    assert!(shared[0][0].parse::<u64>().unwrap() > 1000, "{shared:?}");

    let anomalies = csv_rows(
        cwd,
        &config,
        "SELECT component, operation, CAST(window_start AS VARCHAR), CAST(window_end AS VARCHAR) \
         FROM anomalies",
        as_of,
    );
    let incidents = truth["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 5);
    for incident in incidents {
        let (start, end) = (
            incident["start"].as_str().unwrap().replace('Z', ""),
            incident["end"].as_str().unwrap().replace('Z', ""),
        );
        let shows_at = |place: &serde_json::Value| {
            anomalies.iter().any(|a| {
                a[0] == place["component"].as_str().unwrap()
                    && a[1] == place["operation"].as_str().unwrap()
                    && a[2].replace(' ', "T") < end
                    && a[3].replace(' ', "T") > start
            })
        };
        assert!(
            shows_at(&incident["root_cause"]),
            "{} root cause not found: {anomalies:?}",
            incident["id"]
        );
        for effect in incident["effects"].as_array().unwrap() {
            assert!(
                shows_at(effect),
                "{} effect {effect} not found",
                incident["id"]
            );
        }
    }

    // Incidents: each injected one is one SHAPE incident holding the anomalies at its root
    // cause and effects (no splits), no SHAPE incident holds two injected ones (no merges: the
    // mail relay's outage overlaps the pool's in time but shares nothing with it), and its
    // first suspect is the root cause.
    let members = csv_rows(
        cwd,
        &config,
        "SELECT incident_id, component, operation, CAST(onset AS VARCHAR), \
                CAST(window_end AS VARCHAR), suspect_rank, replace(services, ', ', ' ') \
         FROM incident_members ORDER BY incident_id, suspect_rank",
        as_of,
    );
    let found = csv_rows(
        cwd,
        &config,
        "SELECT incident_id, cause_component, cause_operation, severity, replace(services, ', ', ' ') \
         FROM incidents ORDER BY onset",
        as_of,
    );
    assert_eq!(found.len(), incidents.len(), "{found:?}\n{members:?}");
    // The injected incident a member belongs to: one whose places hold its component and
    // operation, during that incident.
    let truth_of = |m: &Vec<String>| -> Vec<usize> {
        let during = |incident: &serde_json::Value| {
            let (start, end) = (
                incident["start"].as_str().unwrap().replace('Z', ""),
                incident["end"].as_str().unwrap().replace('Z', ""),
            );
            m[3].replace(' ', "T") < end && m[4].replace(' ', "T") > start
        };
        (0..incidents.len())
            .filter(|&i| {
                let incident = &incidents[i];
                during(incident)
                    && std::iter::once(&incident["root_cause"])
                        .chain(incident["effects"].as_array().unwrap())
                        .any(|p| {
                            p["component"].as_str() == Some(m[1].as_str())
                                && p["operation"].as_str() == Some(m[2].as_str())
                        })
            })
            .collect()
    };
    let (mut right, mut placed) = (0, 0);
    for (i, incident) in incidents.iter().enumerate() {
        let holding: std::collections::BTreeSet<&str> = members
            .iter()
            .filter(|m| truth_of(m).contains(&i))
            .map(|m| m[0].as_str())
            .collect();
        assert_eq!(
            holding.len(),
            1,
            "{} split: {holding:?}\n{members:?}",
            incident["id"]
        );
        let id = *holding.iter().next().unwrap();
        let mine: Vec<&Vec<String>> = members.iter().filter(|m| m[0] == id).collect();
        right += mine.iter().filter(|m| truth_of(m).contains(&i)).count();
        placed += mine.len();
        let shape_incident = found.iter().find(|f| f[0] == id).unwrap();
        let root = &incident["root_cause"];
        assert_eq!(
            (shape_incident[1].as_str(), shape_incident[2].as_str()),
            (
                root["component"].as_str().unwrap(),
                root["operation"].as_str().unwrap()
            ),
            "{}: {shape_incident:?}\n{mine:?}",
            incident["id"]
        );
        // The incident names every service the truth says it touched.
        for place in std::iter::once(root).chain(incident["effects"].as_array().unwrap()) {
            let service = place["service"].as_str().unwrap();
            assert!(
                shape_incident[4].contains(service),
                "{}: {service} not in {shape_incident:?}",
                incident["id"]
            );
        }
    }
    // Membership precision: anomalies of an incident that belong to it by the truth (a
    // merge of two injected incidents would fail it too).
    assert!(right * 10 >= placed * 9, "{right} of {placed}: {members:?}");
    // Recall is whole by the split check (every anomaly of an injected incident is in its one
    // SHAPE incident); and anomalies outside every injected incident are few.
    let placed_by_truth = members.iter().filter(|m| !truth_of(m).is_empty()).count();
    assert!(placed_by_truth * 10 >= members.len() * 9, "{members:?}");

    // Links say what they rest on: a call is seen from both sides, and a shared template is
    // the template of both anomalies.
    let links = csv_rows(
        cwd,
        &config,
        "SELECT l.link, l.detail, a.template, o.template, \
                (SELECT count(*) FROM anomaly_links r WHERE r.anomaly_id = l.other_id \
                   AND r.other_id = l.anomaly_id \
                   AND r.link = CASE l.link WHEN 'calls' THEN 'called by' \
                                            WHEN 'called by' THEN 'calls' ELSE l.link END) \
         FROM anomaly_links l JOIN anomalies a ON a.anomaly_id = l.anomaly_id \
         JOIN anomalies o ON o.anomaly_id = l.other_id \
         WHERE l.anomaly_id <> l.other_id",
        as_of,
    );
    let kinds: std::collections::BTreeSet<&str> = links.iter().map(|l| l[0].as_str()).collect();
    for kind in [
        "calls",
        "called by",
        "shared trace ids",
        "same service",
        "shared template",
    ] {
        assert!(kinds.contains(kind), "no '{kind}' link: {kinds:?}");
    }
    for l in &links {
        assert_eq!(l[4], "1", "one-sided link: {l:?}");
        if l[0] == "shared template" {
            assert!(l[2] == l[3] && l[1] == l[2], "{l:?}");
        }
    }
    // A cause's why carries its anomaly's rank in the incident and that evidence.
    let whys = csv_rows(
        cwd,
        &config,
        "SELECT replace(c.why, ',', ';'), m.suspect_rank FROM root_causes c \
         JOIN incident_members m ON m.anomaly_id = c.subject_id WHERE c.rank = 1",
        as_of,
    );
    assert!(!whys.is_empty());
    for w in &whys {
        let said = format!("suspect {} of its incident: ", w[1]);
        assert!(w[0].contains(&said), "{w:?}");
    }
}
