//! Exports and runtimes' own shapes, through the whole ingest with no configuration: CSV with
//! a header line (an export, CloudWatch Logs Insights', Loghub's structured files), .NET's
//! console logger without times, the kernel's ring buffer (`dmesg`), uWSGI's request log,
//! Zabbix, log4j2's and python-json-logger's JSON and Serilog's CLEF. Each file's format,
//! the columns read, lineage of every row and the line accounting; a CSV file's bad rows are
//! rejects naming the CSV problem, and a grown CSV file is read on with its header.

use std::path::Path;
use std::time::{Duration, SystemTime};

use shape::config::Config;

use crate::common::{assert_balanced, assert_lineage, ingest_into, query};
use crate::formats_servers::{ingest_files_checking_formats, rows_of, write_at};

const EXPORT_CSV: &str = "timestamp,level,service,message,duration_ms\n\
2026-11-30T14:01:02Z,ERROR,checkout,\"payment failed, retrying\",812\n\
2026-11-30T14:01:03Z,INFO,checkout,order placed,\n\
timestamp,level,service,message,duration_ms\n\
2026-11-30T14:01:04Z,WARN,cart,\"slow \"\"query\"\"\",1203\n\
2026-11-30T14:01:05Z,ERROR,cart,\"checkout failed\n\
java.lang.IllegalStateException: pool exhausted\n\
\tat com.shop.Cart.pay(Cart.java:42)\",\n";

const INSIGHTS_CSV: &str = "@timestamp,@message,@logStream\n\
2026-11-30 14:01:02.123,\"ERROR payment failed for order 17\",checkout/abc\n\
2026-11-30 14:01:03.456,\"order placed\",checkout/abc\n";

const LOGHUB_CSV: &str =
    "\u{feff}LineId,Date,Time,Pid,Level,Component,Content,EventId,EventTemplate\n\
1,2026-11-30,14:01:02.123,1234,ERROR,c.a.Checkout,\"payment failed, order 17\",E1,payment failed\n";

/// Splunk's export: quoted names, the raw event in `_raw`.
const SPLUNK_CSV: &str = "\"_time\",\"host\",\"source\",\"_raw\"\n\
\"2026-11-30T14:01:05.000+0000\",\"web01\",\"/var/log/app.log\",\"2026-11-30 14:01:02,123 ERROR [main] c.a.Checkout - payment failed\"\n";

/// Log Analytics' export: the zone after the time's name, a United States time.
const LOG_ANALYTICS_CSV: &str = "TimeGenerated [UTC],Computer,Level,Message\n\
\"11/30/2026, 2:01:02.123 PM\",web01,Error,Payment failed\n";

/// Windows Event Viewer's export: the description is a sixth, unnamed value.
const EVENT_VIEWER_CSV: &str = "Level,Date and Time,Source,Event ID,Task Category\n\
Error,11/30/2026 2:01:02 PM,Service Control Manager,7031,None,\"The Shop service terminated unexpectedly.\"\n";

/// PowerShell 5.1's `Get-EventLog | Export-Csv`: the objects' type first, every value quoted.
const POWERSHELL_CSV: &str = "#TYPE System.Diagnostics.EventLogEntry\n\
\"TimeGenerated\",\"EntryType\",\"Source\",\"Message\"\n\
\"11/30/2026 2:01:02 PM\",\"Error\",\"Shop\",\"The Shop service terminated unexpectedly.\"\n";

const DOTNET: &str = "info: Microsoft.Hosting.Lifetime[14]\n      Now listening on: http://localhost:5000\n\
fail: Shop.Api.Orders[0]\n      Payment failed for order 17\n      System.Exception: boom\n         at Shop.Api.Orders.Pay()\n\
warn: Microsoft.AspNetCore.HttpsPolicy[3]\n      Failed to determine the https port for redirect.\n";

const DMESG: &str = "[    0.000000] Linux version 6.1.0-13-amd64\n\
[   12.345678] usb 1-1: new high-speed USB device number 2 using xhci_hcd\n\
[12345.678901] Out of memory: Killed process 4321 (java)\n";

const UWSGI: &str = "*** Starting uWSGI 2.0.23 (64bit) on [Mon Nov 30 14:00:00 2026] ***\n\
compiled with version: 12.2.0 on 01 November 2026 10:00:00\n\
[pid: 12|app: 0|req: 1/1] 10.0.0.1 () {34 vars in 456 bytes} [Mon Nov 30 14:01:02 2026] GET /api/orders/17 => generated 12 bytes in 3 msecs (HTTP/1.1 500) 2 headers in 79 bytes (1 switches on core 0)\n";

/// macOS's `log show`: thread, type, activity, pid and TTL after the time.
const MACOS: &str = "2026-11-30 14:01:02.123456-0800 0x1a2b3c   Error       0x0                  123    0    shopd: (CoreFoundation) payment failed\n\
2026-11-30 14:01:03.000000-0800 0x1a2b3c   Default     0x0                  123    0    shopd: retried\n";

const ZABBIX: &str =
    "  1234:20261130:140102.123 cannot send list of active checks to \"10.0.0.1\"\n\
  1235:20261130:140103.456 Starting Zabbix Agent [web01]. Zabbix 6.0.0\n";

const JSON_LOGGERS: &str = "{\"instant\":{\"epochSecond\":1796047262,\"nanoOfSecond\":123456000},\"thread\":\"main\",\"level\":\"ERROR\",\"loggerName\":\"com.shop.Checkout\",\"message\":\"payment failed\"}\n\
{\"asctime\": \"2026-11-30 14:01:03,000\", \"levelname\": \"WARNING\", \"name\": \"shop.pay\", \"message\": \"slow\"}\n\
{\"@t\":\"2026-11-30T14:01:04Z\",\"@mt\":\"Payment {OrderId} by {User} failed\",\"@l\":\"Error\",\"OrderId\":17,\"User\":\"alice\"}\n";

#[tokio::test]
async fn exports_and_runtime_shapes_read_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("export.csv", EXPORT_CSV, "csv"),
        ("insights.csv", INSIGHTS_CSV, "csv"),
        ("loghub.csv", LOGHUB_CSV, "csv"),
        ("splunk.csv", SPLUNK_CSV, "csv"),
        ("analytics.csv", LOG_ANALYTICS_CSV, "csv"),
        ("events.csv", EVENT_VIEWER_CSV, "csv"),
        ("powershell.csv", POWERSHELL_CSV, "csv"),
        ("dotnet.log", DOTNET, "text untimed"),
        ("dmesg.log", DMESG, "text untimed"),
        ("uwsgi.log", UWSGI, "text"),
        ("zabbix.log", ZABBIX, "text"),
        ("macos.log", MACOS, "text"),
        ("loggers.json", JSON_LOGGERS, "json"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;

    let got = rows_of(
        data.path(),
        "export.csv",
        "ts, level, service, message, duration_ms, _line",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "2026-11-30T14:01:02Z",
                "ERROR",
                "checkout",
                "payment failed, retrying",
                "812.0",
                "2"
            ],
            [
                "2026-11-30T14:01:03Z",
                "INFO",
                "checkout",
                "order placed",
                "NULL",
                "3"
            ],
            // The repeated header (line 4) is no row.
            [
                "2026-11-30T14:01:04Z",
                "WARN",
                "cart",
                "slow \"query\"",
                "1203.0",
                "5"
            ],
            // A quoted value over three lines: one record.
            [
                "2026-11-30T14:01:05Z",
                "ERROR",
                "cart",
                "checkout failed\njava.lang.IllegalStateException: pool exhausted\n\tat com.shop.Cart.pay(Cart.java:42)",
                "NULL",
                "6"
            ],
        ]
    );
    let got = rows_of(
        data.path(),
        "insights.csv",
        "ts, level, message, json_get_str(attributes, '@logStream')",
    )
    .await;
    // `@message` is the raw line, read again: its level is the event's.
    assert_eq!(
        got,
        [
            [
                "2026-11-30T14:01:02.123Z",
                "ERROR",
                "payment failed for order 17",
                "checkout/abc"
            ],
            [
                "2026-11-30T14:01:03.456Z",
                "INFO",
                "order placed",
                "checkout/abc"
            ]
        ]
    );
    let got = rows_of(
        data.path(),
        "loghub.csv",
        "ts, level, component, message, json_get_str(attributes, 'LineId')",
    )
    .await;
    assert_eq!(
        got,
        [[
            "2026-11-30T14:01:02.123Z",
            "ERROR",
            "c.a.Checkout",
            "payment failed, order 17",
            "1"
        ]]
    );

    let exports = [
        ("splunk.csv", "2026-11-30T14:01:02.123Z", "payment failed"),
        (
            "analytics.csv",
            "2026-11-30T14:01:02.123Z",
            "Payment failed",
        ),
        (
            "events.csv",
            "2026-11-30T14:01:02Z",
            "The Shop service terminated unexpectedly.",
        ),
        (
            "powershell.csv",
            "2026-11-30T14:01:02Z",
            "The Shop service terminated unexpectedly.",
        ),
    ];
    for (file, ts, message) in exports {
        let got = rows_of(data.path(), file, "ts, level, message").await;
        assert_eq!(got, [[ts, "ERROR", message]], "{file}");
    }
    let got = rows_of(
        data.path(),
        "dotnet.log",
        "level, component, json_get_int(attributes, 'event_id'), _line_count, split_part(message, chr(10), 1)",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "INFO",
                "Microsoft.Hosting.Lifetime",
                "14",
                "2",
                "Now listening on: http://localhost:5000"
            ],
            [
                "ERROR",
                "Shop.Api.Orders",
                "0",
                "4",
                "Payment failed for order 17"
            ],
            [
                "WARN",
                "Microsoft.AspNetCore.HttpsPolicy",
                "3",
                "2",
                "Failed to determine the https port for redirect."
            ],
        ]
    );
    let got = rows_of(
        data.path(),
        "dmesg.log",
        "json_get_float(attributes, 'uptime_s'), json_get_str(attributes, 'ts_from'), message",
    )
    .await;
    assert_eq!(
        got[1],
        [
            "12.345678",
            "source_modified",
            "usb 1-1: new high-speed USB device number 2 using xhci_hcd"
        ]
    );
    let got = rows_of(
        data.path(),
        "uwsgi.log",
        "ts, operation, status_code, duration_ms, _line_count",
    )
    .await;
    assert_eq!(
        got,
        [
            ["2026-11-30T14:00:00Z", "unknown", "NULL", "NULL", "2"],
            [
                "2026-11-30T14:01:02Z",
                "GET /api/orders/{id}",
                "500",
                "3.0",
                "1"
            ],
        ]
    );
    let got = rows_of(data.path(), "macos.log", "ts, level, component, message").await;
    assert_eq!(
        got,
        [
            [
                "2026-11-30T22:01:02.123456Z",
                "ERROR",
                "shopd",
                "(CoreFoundation) payment failed"
            ],
            ["2026-11-30T22:01:03Z", "INFO", "shopd", "retried"],
        ]
    );
    let got = rows_of(data.path(), "zabbix.log", "ts").await;
    assert_eq!(
        got,
        [["2026-11-30T14:01:02.123Z"], ["2026-11-30T14:01:03.456Z"]]
    );
    let got = rows_of(data.path(), "loggers.json", "ts, level, message").await;
    assert_eq!(
        got,
        [
            ["2026-11-30T14:01:02.123456Z", "ERROR", "payment failed"],
            ["2026-11-30T14:01:03Z", "WARN", "slow"],
            [
                "2026-11-30T14:01:04Z",
                "ERROR",
                "Payment 17 by alice failed"
            ],
        ]
    );

    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 26);
}

#[tokio::test]
async fn bad_csv_rows_are_rejects_and_a_grown_csv_reads_on_with_its_header() {
    let logs = tempfile::tempdir().unwrap();
    let path = logs.path().join("export.csv");
    let first = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    // Detection wants most rows read by the header: four good ones, three bad.
    let text = "timestamp,level,message\n\
2026-11-30T14:01:00Z,INFO,ok\n\
2026-11-30T14:01:00Z,INFO,ok\n\
2026-11-30T14:01:00Z,INFO,ok\n\
2026-11-30T14:01:02Z,ERROR,ok one\n\
2026-11-30T14:01:03Z,INFO\n\
not a time,INFO,x\n\
2026-11-30T14:01:04Z,WARN,\"never closed\n";
    write_at(&path, text, first);
    let data = tempfile::tempdir().unwrap();
    let sources = [logs.path().to_string_lossy().into_owned()];
    let (report, errors) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report.sources[0].log.format, "csv");
    let rejects = query(
        data.path(),
        "SELECT _line, error FROM rejects ORDER BY _line",
    )
    .await;
    assert_eq!(rejects.len(), 3, "{rejects:?}");
    assert!(
        rejects[0][1].contains("2 values where the header names 3"),
        "{rejects:?}"
    );
    assert!(rejects[1][1].contains("not a time"), "{rejects:?}");
    // The quote it opens runs to the end of the file, which is read whole.
    assert!(
        rejects[2][1].contains("a quoted value that the record does not close"),
        "{rejects:?}"
    );

    // Lines appended later are read by the header the first run saw.
    let later = first + Duration::from_secs(600);
    write_at(
        &path,
        &format!("{text}2026-11-30T14:11:02Z,FATAL,\"down, again\"\n"),
        later,
    );
    let (report, errors) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report.sources[0].log.format, "csv");
    let got = rows_of(data.path(), "export.csv", "level, message, _line").await;
    assert_eq!(
        got[3..],
        [["ERROR", "ok one", "5"], ["FATAL", "down, again", "9"]]
    );
    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 8);
}

#[tokio::test]
async fn a_csv_record_still_being_written_is_held_until_its_quote_closes() {
    let logs = tempfile::tempdir().unwrap();
    let path = logs.path().join("export.csv");
    let start = "timestamp,level,message\n\
2026-11-30T14:01:02Z,INFO,ok\n\
2026-11-30T14:01:03Z,ERROR,\"checkout failed\n\
java.lang.IllegalStateException: pool exhausted\n";
    // Written just now: the open record may still be going on.
    std::fs::write(&path, start).unwrap();
    let data = tempfile::tempdir().unwrap();
    let sources = [logs.path().to_string_lossy().into_owned()];
    let (report, errors) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report.sources[0].log.format, "csv");
    assert_eq!(report.sources[0].log.rows, 1);
    assert_eq!(
        report.sources[0].held_back, 2,
        "the open record is held back"
    );

    std::fs::write(
        &path,
        format!("{start}\tat com.shop.Cart.pay(Cart.java:42)\"\n"),
    )
    .unwrap();
    let (report, errors) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report.sources[0].log.rejects, 0);
    let got = rows_of(
        data.path(),
        "export.csv",
        "level, _line, _line_count, message",
    )
    .await;
    assert_eq!(
        got[1],
        [
            "ERROR",
            "3",
            "3",
            "checkout failed\njava.lang.IllegalStateException: pool exhausted\n\tat com.shop.Cart.pay(Cart.java:42)"
        ]
    );
    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 2);
}

/// Numeric dates are read in each source's order: a .NET service logging `dd/MM/yyyy` in a
/// British locale, its first lines crossing midnight (a day apart read day first, a month
/// apart read month first), an American export whose dates name a day over 12, and a source
/// whose first lines cannot tell, read as `date_order` says; a bad `date_order` is an error
/// naming the key.
#[tokio::test]
async fn numeric_dates_are_read_in_each_sources_order() {
    let logs = tempfile::tempdir().unwrap();
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_083_200);
    let british = "02/11/2026 23:59:58.120 INFO  [Worker-1] Shop.Jobs - nightly run started\n\
03/11/2026 00:00:01.900 ERROR [Worker-1] Shop.Jobs - nightly run failed\n\
09/11/2026 08:00:00.000 WARN  [Worker-2] Shop.Jobs - retry\n";
    let american = "11/03/2026 14:01:02 INFO started\n\
11/30/2026 14:01:03 ERROR payment failed\n\
11/04/2026 09:00:00 INFO restarted\n";
    let one_day = "05/11/2026 10:00:00 INFO up\n05/11/2026 10:00:05 ERROR down\n";
    for (name, text) in [
        ("british.log", british),
        ("american.log", american),
        ("one-day.log", one_day),
    ] {
        write_at(&logs.path().join(name), text, written);
    }
    let sources = [logs.path().to_string_lossy().into_owned()];
    let config = Config::parse(
        "[[source]]\nmatch = \"*one-day.log\"\ndate_order = \"day_first\"\n",
        Path::new("shape.toml"),
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let (report, errors) = ingest_into(data.path(), &config, &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert!(report.sources.iter().all(|s| s.log.rejects == 0));
    let days = |rows: Vec<Vec<String>>| -> Vec<String> {
        rows.iter().map(|r| r[0][..10].to_string()).collect()
    };
    let ts = "CAST(ts AS VARCHAR)";
    assert_eq!(
        days(rows_of(data.path(), "british.log", ts).await),
        ["2026-11-02", "2026-11-03", "2026-11-09"]
    );
    assert_eq!(
        days(rows_of(data.path(), "american.log", ts).await),
        ["2026-11-03", "2026-11-30", "2026-11-04"]
    );
    assert_eq!(
        days(rows_of(data.path(), "one-day.log", ts).await),
        ["2026-11-05", "2026-11-05"]
    );
    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 8);

    // Without `date_order`, a source that cannot tell is read month first.
    let plain = tempfile::tempdir().unwrap();
    ingest_into(plain.path(), &Config::default(), &sources).await;
    assert_eq!(
        days(rows_of(plain.path(), "one-day.log", ts).await),
        ["2026-05-11", "2026-05-11"]
    );

    let bad = Config::parse(
        "[ingest]\ndate_order = \"dd/mm/yyyy\"\n",
        Path::new("bad.toml"),
    )
    .unwrap();
    let bad = shape::ingest::settings::IngestConfig::load(&bad).unwrap_err();
    assert!(
        bad.to_string()
            .contains("ingest.date_order: \"dd/mm/yyyy\" is not \"month_first\" or \"day_first\""),
        "{bad}"
    );
}
