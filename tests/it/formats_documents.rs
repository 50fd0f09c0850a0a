//! JSON written over several lines, through the whole ingest with no configuration: an
//! export as a pretty-printed array, `jq .`'s objects one after another,
//! `journalctl -o json-pretty`, an OTLP request saved pretty-printed (one document, records
//! numbered by `_record`), `kubectl get events -o json` (a Kubernetes list) and the AWS CLI's
//! `aws logs filter-log-events` (each event's line read again). Each object is one row
//! spanning its lines. Windows event XML too: `wevtutil`'s one event per line and
//! Event Viewer's saved `<Events>` with events over lines. The structure lines count with the
//! blank ones; every row's lines are read back from its source.

use std::time::{Duration, SystemTime};

use shape::config::Config;

use crate::common::{assert_balanced, assert_lineage, ingest_into, query};
use crate::formats::ingest_without_config;
use crate::formats_servers::{ingest_files_checking_formats, rows_of, write_at};

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

/// An export-format entry (`journalctl -o export`): `KEY=value` lines; a value that is not
/// one line of text is its name on a line, its size (8 bytes, little-endian), its bytes.
fn export_entry(seq: u32, micros: u64, priority: u8, identifier: &str, message: &str) -> String {
    let mut entry = format!(
        "__CURSOR=s=739ad463;i={seq:x};b=6c7c6013\n__REALTIME_TIMESTAMP={micros}\n\
         __MONOTONIC_TIMESTAMP=666436091\n_BOOT_ID=6c7c6013\nPRIORITY={priority}\n\
         SYSLOG_IDENTIFIER={identifier}\n_PID=2231\n_HOSTNAME=web-1\n"
    );
    if message.contains('\n') {
        // Sizes under 128 keep the file valid UTF-8 for this test's `&str` files.
        assert!(message.len() < 128);
        let size: String = (message.len() as u64)
            .to_le_bytes()
            .iter()
            .map(|&b| b as char)
            .collect();
        entry += &format!("MESSAGE\n{size}{message}\n");
    } else {
        entry += &format!("MESSAGE={message}\n");
    }
    entry + "\n"
}

#[tokio::test]
async fn journalctl_export_entries_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let traceback = "Traceback (most recent call last):\n  File \"/app/pay.py\", line 10\n\n\
                     KeyError: 'card'";
    // A size of 10 is a newline byte: the size itself spans two lines.
    let ten = "ab\ncd\n\nefg";
    let mut export = export_entry(1, 1_796_047_262_123_456, 6, "systemd", "Started nginx.")
        + &export_entry(2, 1_796_047_263_000_000, 3, "shop", traceback)
        + &export_entry(3, 1_796_047_263_500_000, 4, "shop", ten);
    // The last entry cut inside its sized message, as a copy taken mid-write leaves it.
    let cut = export_entry(4, 1_796_047_264_000_000, 3, "shop", traceback);
    export += &cut[..cut.len() - 20];
    let logs = tempfile::tempdir().unwrap();
    write_at(&logs.path().join("web-1.export"), &export, written);
    let data = tempfile::tempdir().unwrap();
    let report = ingest_without_config(data.path(), logs.path()).await;
    assert_eq!(report.sources[0].log.format, "journal-export");

    let got = rows_of(
        data.path(),
        "web-1.export",
        "ts, level, service, message, _line, _line_count",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "2026-11-30T14:01:02.123456Z",
                "INFO",
                "systemd",
                "Started nginx.",
                "1",
                "9"
            ],
            [
                "2026-11-30T14:01:03Z",
                "ERROR",
                "shop",
                traceback,
                "11",
                "13"
            ],
            ["2026-11-30T14:01:03.500Z", "WARN", "shop", ten, "25", "14"],
        ]
    );
    let got = query(
        data.path(),
        "SELECT _line, error FROM rejects WHERE _source LIKE '%/web-1.export'",
    )
    .await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0][0], "40");
    assert!(
        got[0][1].contains("field MESSAGE declares 82 bytes, but the entry holds"),
        "{got:?}"
    );
    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 4);
}

/// `journalctl -o export -f` into a file: an entry an empty line has closed is read at once;
/// one still being written (cut inside its sized message) waits for the next run.
#[tokio::test]
async fn a_growing_export_reads_closed_entries_and_holds_the_open_one() {
    let traceback = "Traceback (most recent call last):\n\nKeyError: 'card'";
    let closed = export_entry(1, 1_796_047_262_123_456, 6, "systemd", "Started nginx.")
        + &export_entry(2, 1_796_047_263_000_000, 3, "shop", traceback);
    let open = export_entry(3, 1_796_047_264_000_000, 3, "shop", traceback);
    let written = &open[..open.len() - 12];
    let logs = tempfile::tempdir().unwrap();
    let path = logs.path().join("follow.export");
    // Written just now: the file may still grow.
    std::fs::write(&path, format!("{closed}{written}")).unwrap();
    let data = tempfile::tempdir().unwrap();
    let sources = [logs.path().to_string_lossy().into_owned()];
    let (report, errors) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report.sources[0].log.format, "journal-export");
    assert_eq!(report.sources[0].log.rows, 2);
    assert_eq!(report.sources[0].log.rejects, 0);
    assert_eq!(report.sources[0].held_back, 12, "only the open entry waits");

    std::fs::write(&path, format!("{closed}{open}")).unwrap();
    let (report, errors) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report.sources[0].log.rejects, 0);
    assert_eq!(report.sources[0].held_back, 0);
    let got = rows_of(data.path(), "follow.export", "level, _line, message").await;
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[2], ["ERROR", "24", traceback]);
    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 3);
}
