//! Lineage round trip on generated data (plain and gzip): every row leads back to its line.

use shape::config::Config;
use shape::generate::{generate, GenOptions};

use crate::common::{assert_lineage, count, gzip, ingest_into, query};

#[tokio::test(flavor = "multi_thread")]
async fn generated_logs_round_trip_to_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let truth = generate(
        dir.path(),
        &GenOptions {
            days: 1,
            events: 20_000,
            malformed_rate: 0.002,
            ..GenOptions::default()
        },
    )
    .unwrap();
    // One file compressed, as pipelines often deliver them.
    let plain = dir.path().join(&truth.files[0]);
    std::fs::write(
        dir.path().join(format!("{}.gz", truth.files[0])),
        gzip(&std::fs::read(&plain).unwrap()),
    )
    .unwrap();
    std::fs::remove_file(&plain).unwrap();

    let (report, errors) = ingest_into(
        data.path(),
        &Config::default(),
        &[format!("{}/*.jsonl*", dir.path().display())],
    )
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report.total(|l| l.lines), truth.lines);
    assert_eq!(report.total(|l| l.rows), truth.events);
    assert_eq!(report.total(|l| l.rejects), truth.malformed_lines);

    // attributes keeps unmapped fields as JSON, readable with the JSON functions.
    let users = count(
        data.path(),
        "SELECT count(*) FROM events WHERE json_get_str(attributes, 'user_id') LIKE 'u%'",
    )
    .await;
    assert_eq!(
        users,
        truth.events - 1,
        "every request carries user_id (the deploy marker does not)"
    );

    let checked = assert_lineage(data.path()).await;
    assert_eq!(checked as u64, truth.lines);

    // Incidents are in the data: the error burst's operation has far more errors in its window.
    let burst = truth
        .incidents
        .iter()
        .find(|i| i.kind == "error_burst")
        .unwrap();
    let inside = count(data.path(), &format!(
        "SELECT count(*) FROM events WHERE operation = '{}' AND outcome = 'error' AND ts >= '{}' AND ts < '{}'",
        burst.operation, burst.start, burst.end)).await;
    let per_op = query(
        data.path(),
        &format!(
            "SELECT count(*) FROM events WHERE operation = '{}' AND ts >= '{}' AND ts < '{}'",
            burst.operation, burst.start, burst.end
        ),
    )
    .await;
    let total: u64 = per_op[0][0].parse().unwrap();
    assert!(
        inside as f64 >= 0.2 * total as f64,
        "error burst visible: {inside}/{total}"
    );
}
