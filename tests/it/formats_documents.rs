//! JSON written over several lines, through the whole ingest with no configuration: an
//! export as a pretty-printed array, `jq .`'s objects one after another,
//! `journalctl -o json-pretty`, an OTLP request saved pretty-printed (one document, records
//! numbered by `_record`) and `kubectl get events -o json` (a Kubernetes list). Each object is
//! one row spanning its lines; the structure lines count with the blank ones; every row's
//! lines are read back from its source.

use std::time::{Duration, SystemTime};

use crate::common::{assert_balanced, assert_lineage, query};
use crate::formats_servers::{ingest_files_checking_formats, rows_of};

const EXPORT: &str = r#"[
  {
    "timestamp": "2026-11-30T14:01:02Z",
    "level": "error",
    "message": "payment failed {card declined}",
    "service": "checkout"
  },
  {
    "timestamp": "2026-11-30T14:01:03Z",
    "level": "info",
    "message": "payment ok",
    "service": "checkout"
  }
]
"#;

const JQ: &str = r#"{
  "time": "2026-11-30T14:01:04Z",
  "level": "warn",
  "msg": "slow query \"orders\"",
  "duration_ms": 1200
}
{
  "time": "2026-11-30T14:01:05Z",
  "level": "error",
  "msg": "timeout"
}
"#;

const JOURNAL: &str = "{\n\t\"__REALTIME_TIMESTAMP\" : \"1796047262123456\",\n\t\"PRIORITY\" : \"3\",\n\t\"SYSLOG_IDENTIFIER\" : \"nginx\",\n\t\"MESSAGE\" : \"upstream timed out\"\n}\n{\n\t\"__REALTIME_TIMESTAMP\" : \"1796047263000000\",\n\t\"PRIORITY\" : \"6\",\n\t\"SYSLOG_IDENTIFIER\" : \"sshd\",\n\t\"MESSAGE\" : \"Accepted publickey for alice\"\n}\n";

const KUBECTL: &str = r#"{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "v1",
            "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "prod"},
            "kind": "Event",
            "lastTimestamp": "2026-11-30T14:01:07Z",
            "message": "Back-off restarting failed container",
            "reason": "BackOff",
            "source": {"component": "kubelet"},
            "type": "Warning"
        }
    ],
    "kind": "List"
}
"#;

/// An OTLP request with `records` log records, pretty-printed as a person saves one.
fn otlp_pretty(records: usize) -> String {
    let records: Vec<serde_json::Value> = (0..records)
        .map(|i| {
            serde_json::json!({
                "timeUnixNano": (1_796_047_262_000_000_000u64 + i as u64 * 1_000_000_000).to_string(),
                "severityText": if i % 2 == 0 { "ERROR" } else { "INFO" },
                "body": {"stringValue": format!("request {i}")},
            })
        })
        .collect();
    let document = serde_json::json!({"resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "cart"}}]},
        "scopeLogs": [{"logRecords": records}],
    }]});
    serde_json::to_string_pretty(&document).unwrap() + "\n"
}

#[tokio::test]
async fn json_over_several_lines_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    // Longer than the lines detection samples: told by its keys.
    let otlp = otlp_pretty(30);
    assert!(otlp.lines().count() > 200);
    let files = [
        ("export.json", EXPORT, "json"),
        ("jq.json", JQ, "json"),
        ("journal.json", JOURNAL, "journald"),
        ("otlp.json", otlp.as_str(), "otlp"),
        ("events.json", KUBECTL, "json"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;

    let got = rows_of(
        data.path(),
        "export.json",
        "ts, level, message, _line, _line_count",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "2026-11-30T14:01:02Z",
                "ERROR",
                "payment failed {card declined}",
                "2",
                "6"
            ],
            ["2026-11-30T14:01:03Z", "INFO", "payment ok", "8", "6"],
        ]
    );
    let got = rows_of(data.path(), "jq.json", "level, message, duration_ms, _line").await;
    assert_eq!(
        got,
        [
            ["WARN", "slow query \"orders\"", "1200.0", "1"],
            ["ERROR", "timeout", "NULL", "7"]
        ]
    );
    let got = rows_of(data.path(), "journal.json", "level, service, message").await;
    assert_eq!(
        got,
        [
            ["ERROR", "nginx", "upstream timed out"],
            ["INFO", "sshd", "Accepted publickey for alice"]
        ]
    );
    let got = rows_of(
        data.path(),
        "otlp.json",
        "service, level, message, _line, _record",
    )
    .await;
    assert_eq!(got.len(), 30);
    assert_eq!(got[29], ["cart", "INFO", "request 29", "1", "29"]);
    let got = rows_of(data.path(), "events.json", "ts, level, operation, service").await;
    assert_eq!(got, [["2026-11-30T14:01:07Z", "WARN", "BackOff", "web-1"]]);

    // The structure lines (`[`, `]`) count with the blank ones.
    let got = query(
        data.path(),
        "SELECT lines, rows, blank FROM ingest_summary WHERE source LIKE '%/export.json'",
    )
    .await;
    assert_eq!(got, [["14", "2", "2"]]);
    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 2 + 2 + 2 + 30 + 1);
}
