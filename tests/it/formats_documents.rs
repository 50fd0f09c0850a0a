//! JSON written over several lines, through the whole ingest with no configuration: an
//! export as a pretty-printed array, `jq .`'s objects one after another,
//! `journalctl -o json-pretty`, an OTLP request saved pretty-printed (one document, records
//! numbered by `_record`), `kubectl get events -o json` (a Kubernetes list) and the AWS CLI's
//! `aws logs filter-log-events` (each event's line read again). Each object is one row
//! spanning its lines. Windows event XML too: `wevtutil`'s one event per line and
//! Event Viewer's saved `<Events>` with events over lines. The structure lines count with the
//! blank ones; every row's lines are read back from its source.

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

/// `aws logs filter-log-events` as the AWS CLI prints it (pretty, epoch-millisecond times).
const AWS_CLI: &str = r#"{
    "events": [
        {
            "logStreamName": "web/1",
            "timestamp": 1796047262123,
            "message": "2026-11-30 14:01:02,123 ERROR [main] c.e.Pay - payment failed\n",
            "ingestionTime": 1796047263000,
            "eventId": "37000000000000000000000"
        },
        {
            "logStreamName": "web/1",
            "timestamp": 1796047264000,
            "message": "{\"level\":\"warn\",\"msg\":\"retrying\"}\n",
            "ingestionTime": 1796047265000,
            "eventId": "37000000000000000000001"
        }
    ],
    "searchedLogStreams": []
}
"#;

const WEVTUTIL: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Service Control Manager'/><EventID Qualifiers='49152'>7031</EventID><Level>2</Level><TimeCreated SystemTime='2026-11-30T14:01:02.1234567Z'/><Channel>System</Channel><Computer>WEB-01</Computer></System><EventData><Data Name='param1'>Print Spooler</Data><Data Name='param2'>1</Data></EventData></Event>
<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing'/><EventID>4625</EventID><Level>0</Level><Keywords>0x8010000000000000</Keywords><TimeCreated SystemTime='2026-11-30T14:01:03.5Z'/><Channel>Security</Channel><Computer>DC-01</Computer></System><EventData><Data Name='TargetUserName'>alice</Data></EventData><RenderingInfo Culture='en-US'><Message>An account failed to log on.</Message></RenderingInfo></Event>
";

/// Event Viewer's "Save as XML": a declaration, an `<Events>` root, events over lines.
const EVENT_VIEWER: &str = r#"<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<Events>
<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Application Error" />
    <EventID Qualifiers="0">1000</EventID>
    <Level>2</Level>
    <TimeCreated SystemTime="2026-11-30T14:01:05.0000000Z" />
  </System>
  <EventData>
    <Data>w3wp.exe</Data>
    <Data>KERNELBASE.dll</Data>
  </EventData>
</Event>
</Events>
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
        ("system.xml", WEVTUTIL, "windows-event"),
        ("filter-log-events.json", AWS_CLI, "json"),
        ("application.xml", EVENT_VIEWER, "windows-event"),
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

    let got = rows_of(
        data.path(),
        "filter-log-events.json",
        "ts, level, message, _line, _line_count, _record",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "2026-11-30T14:01:02.123Z",
                "ERROR",
                "payment failed",
                "1",
                "19",
                "0"
            ],
            ["2026-11-30T14:01:04Z", "WARN", "retrying", "1", "19", "1"],
        ]
    );
    let got = rows_of(
        data.path(),
        "system.xml",
        "level, service, outcome, message",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "ERROR",
                "Service Control Manager",
                "error",
                "Event 7031: Print Spooler, 1"
            ],
            [
                "WARN",
                "Microsoft-Windows-Security-Auditing",
                "error",
                "An account failed to log on."
            ]
        ]
    );
    let got = rows_of(
        data.path(),
        "application.xml",
        "ts, message, _line, _line_count",
    )
    .await;
    assert_eq!(
        got,
        [[
            "2026-11-30T14:01:05Z",
            "Event 1000: w3wp.exe, KERNELBASE.dll",
            "3",
            "12"
        ]]
    );

    // The structure lines (`[`, `]`; the XML declaration, `<Events>`) count with the blank ones.
    let got = query(
        data.path(),
        "SELECT lines, rows, blank FROM ingest_summary WHERE source LIKE '%/export.json'",
    )
    .await;
    assert_eq!(got, [["14", "2", "2"]]);
    let got = query(
        data.path(),
        "SELECT lines, rows, blank FROM ingest_summary WHERE source LIKE '%/application.xml'",
    )
    .await;
    assert_eq!(got, [["15", "1", "3"]]);
    assert_balanced(data.path()).await;
    assert_eq!(
        assert_lineage(data.path()).await,
        2 + 2 + 2 + 30 + 1 + 2 + 1 + 2
    );
}
