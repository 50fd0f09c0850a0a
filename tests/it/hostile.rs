//! The hostile corpus: every case accounted for line by line, with the right reason.

use std::path::Path;

use shape::config::Config;

use crate::common::{assert_lineage, count, gzip, ingest_into, query, zstd};

/// (file name, content, expected (lines, rows, rejects, blank), expected reject reasons by line)
type Case = (
    &'static str,
    Vec<u8>,
    (u64, u64, u64, u64),
    Vec<(u64, &'static str)>,
);

fn ts_line(message: &str) -> String {
    format!(
        r#"{{"ts":"2025-11-20T10:00:00Z","level":"INFO","component":"canvas","operation":"op","msg":"{message}"}}"#
    )
}

fn corpus() -> Vec<Case> {
    let ok = ts_line("fine");
    let mut cases: Vec<Case> = Vec::new();

    let mut utf8 = format!("{ok}\n").into_bytes();
    utf8.extend_from_slice(b"{\"ts\":\"2025-11-20T10:00:00Z\",\"msg\":\"caf\xe9\"}\n");
    utf8.extend_from_slice(format!("{ok}\n").as_bytes());
    cases.push((
        "invalid_utf8.jsonl",
        utf8,
        (3, 2, 1, 0),
        vec![(2, "invalid UTF-8 at byte 40")],
    ));

    let mut nul = format!("{ok}\n").into_bytes();
    nul.extend_from_slice(b"{\"ts\":\"2025-11-20T10:00:00Z\",\0\"msg\":\"x\"}\n");
    cases.push((
        "nul.jsonl",
        nul,
        (2, 1, 1, 0),
        vec![(2, "NUL byte at byte 30")],
    ));

    // A 5 MB line is an event; a 9 MB line passes max_line_bytes (8 MiB) and is rejected.
    let five_mb = ts_line(&"x".repeat(5 << 20));
    let nine_mb = ts_line(&"y".repeat(9 << 20));
    cases.push((
        "huge.jsonl",
        format!("{five_mb}\n{nine_mb}\n{ok}\n").into_bytes(),
        (3, 2, 1, 0),
        vec![(2, "longer than max_line_bytes (8388608)")],
    ));

    cases.push((
        "crlf.jsonl",
        format!("{ok}\r\n\r\n{ok}\r\n").into_bytes(),
        (3, 2, 0, 1),
        vec![],
    ));
    cases.push((
        "no_final_newline.jsonl",
        format!("{ok}\n{}", ts_line("last")).into_bytes(),
        (2, 2, 0, 0),
        vec![],
    ));
    cases.push(("empty.jsonl", Vec::new(), (0, 0, 0, 0), vec![]));

    // A gzip stream cut short: the lines before the cut are kept, the cut line is rejected.
    let many: String = (0..2000)
        .map(|i| ts_line(&format!("line {i}")) + "\n")
        .collect();
    let compressed = gzip(many.as_bytes());
    let cut = compressed[..compressed.len() * 2 / 3].to_vec();
    cases.push((
        "truncated.jsonl.gz",
        cut,
        (u64::MAX, 0, 1, 0),
        vec![(u64::MAX, "gzip stream damaged")],
    ));
    // The same for zstd (logrotate's `compresscmd zstd`): it decodes by block (up to 128 KiB of
    // lines), so the stream is made of several. (Lines of its own: a file whose first bytes
    // are the gzip's would be taken for it, compressed again after rotation.)
    let more: String = (0..20_000)
        .map(|i| ts_line(&format!("record {i}")) + "\n")
        .collect();
    let compressed = zstd(more.as_bytes());
    cases.push((
        "truncated.jsonl.zst",
        compressed[..compressed.len() * 2 / 3].to_vec(),
        (u64::MAX, 0, 1, 0),
        vec![(u64::MAX, "zstd stream damaged")],
    ));

    let wrong_types = [
        r#"{"ts":"2025-11-20T10:00:00Z","status":"abc"}"#,
        r#"{"ts":"2025-11-20T10:00:00Z","duration_ms":"fast"}"#,
        r#"{"ts":true}"#,
        r#"[1,2,3]"#,
        // A level no reading knows (numbers are pino's or syslog's levels): kept raw.
        r#"{"ts":"2025-11-20T10:00:00Z","level":true,"status":"503","duration_ms":"1.5s"}"#,
        r#"{"ts":"2025-11-20T10:00:00Z","outcome":"maybe"}"#,
    ]
    .join("\n");
    cases.push((
        "wrong_types.jsonl",
        (wrong_types + "\n").into_bytes(),
        (6, 1, 5, 0),
        vec![
            (
                1,
                "field `status`: expected an integer status code, got \"abc\"",
            ),
            (2, "field `duration_ms`: expected a non-negative duration"),
            (
                3,
                "unparseable timestamp true in `ts`: expected a string or a number",
            ),
            (4, "a JSON array with no objects in it"),
            (6, "field `outcome`: unknown outcome \"maybe\""),
        ],
    ));
    cases.push((
        "bad_timestamps.jsonl",
        format!(
            "{}\n{}\n{}\n{ok}\n",
            r#"{"ts":"yesterday","msg":"a"}"#,
            r#"{"msg":"no time at all"}"#,
            r#"{"ts":"2025-13-45T99:00:00Z","msg":"b"}"#
        )
        .into_bytes(),
        (4, 1, 3, 0),
        vec![
            (1, "unparseable timestamp \"yesterday\" in `ts`"),
            (2, "missing timestamp (looked for ts, timestamp"),
            (3, "unparseable timestamp \"2025-13-45T99:00:00Z\""),
        ],
    ));
    // Times no query could hold (a damaged year, a far future): one stored would make every
    // query over the events fail.
    cases.push((
        "far_times.jsonl",
        format!(
            "{ok}\n{}\n{}\n",
            r#"{"ts":"0006-11-30T14:01:05Z","msg":"a year cut short"}"#,
            r#"{"ts":"9999-01-01T00:00:00Z","msg":"far"}"#
        )
        .into_bytes(),
        (3, 1, 2, 0),
        vec![
            (
                2,
                "timestamp 0006-11-30T14:01:05+00:00 is outside the years 1678-2261",
            ),
            (3, "is outside the years 1678-2261"),
        ],
    ));
    cases.push((
        "duplicate_keys.jsonl",
        format!(
            "{}\n   \n\t\n",
            r#"{"ts":"2025-11-20T10:00:00Z","level":"INFO","level":"ERROR","msg":"dup","msg":"dup2"}"#
        )
        .into_bytes(),
        (3, 1, 0, 2),
        vec![],
    ));
    cases
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_corpus_is_accounted_line_by_line() {
    let fixtures = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let cases = corpus();
    for (name, bytes, _, _) in &cases {
        std::fs::write(fixtures.path().join(name), bytes).unwrap();
    }
    let (report, errors) = ingest_into(
        data.path(),
        &Config::default(),
        &[fixtures.path().to_string_lossy().into_owned()],
    )
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report.sources.len(), cases.len());

    for (name, _, (lines, rows, rejects, blank), reasons) in &cases {
        let uri = format!("file://{}", fixtures.path().join(name).display());
        let source = report.sources.iter().find(|s| s.uri == uri).unwrap();
        let log = &source.log;
        assert_eq!(
            log.lines + log.extra_records,
            log.rows + log.rejects + log.blank,
            "{name}: invariant"
        );
        if *lines == u64::MAX {
            // The truncated gzip: some lines survive, exactly one (the cut one) is rejected.
            assert!(log.rows > 100, "{name}: {log:?}");
            assert_eq!((log.rejects, log.blank), (*rejects, *blank), "{name}");
            assert!(source.damage.is_some(), "{name}: damage reported");
            let last = query(
                data.path(),
                &format!("SELECT _line, error FROM rejects WHERE _source = '{uri}'"),
            )
            .await;
            assert_eq!(
                last[0][0].parse::<u64>().unwrap(),
                log.lines,
                "{name}: the cut line is the last"
            );
            assert!(last[0][1].contains(reasons[0].1), "{name}: {}", last[0][1]);
            continue;
        }
        assert_eq!(
            (log.lines, log.rows, log.rejects, log.blank),
            (*lines, *rows, *rejects, *blank),
            "{name}"
        );
        let stored = query(
            data.path(),
            &format!("SELECT _line, error FROM rejects WHERE _source = '{uri}' ORDER BY _line"),
        )
        .await;
        assert_eq!(stored.len(), reasons.len(), "{name}: {stored:?}");
        for ((line, reason), row) in reasons.iter().zip(&stored) {
            assert_eq!(row[0], line.to_string(), "{name}");
            assert!(
                row[1].contains(reason),
                "{name}:{line}: {:?} lacks {reason:?}",
                row[1]
            );
        }
    }

    // Stored accounting agrees with the report, for every source.
    crate::common::assert_balanced(data.path()).await;
    let logged = count(data.path(), "SELECT count(*) FROM ingest_log").await;
    assert_eq!(
        logged as usize,
        cases.len(),
        "one ingest_log row per source, the empty file too"
    );

    // Specific values that must survive.
    let five_mb = query(
        data.path(),
        "SELECT length(message) FROM events WHERE _source LIKE '%huge.jsonl' AND _line = 1",
    )
    .await;
    assert_eq!(five_mb[0][0], (5 << 20).to_string());
    let dup = query(
        data.path(),
        "SELECT level, message, attributes FROM events WHERE _source LIKE '%duplicate_keys.jsonl'",
    )
    .await;
    assert_eq!(dup[0][0], "ERROR");
    assert_eq!(dup[0][1], "dup2");
    assert_eq!(
        dup[0][2],
        r#"{"_duplicate_keys":{"level":["INFO"],"msg":["dup"]}}"#
    );
    let coerced = query(data.path(), "SELECT level, status_code, duration_ms, outcome, attributes FROM events WHERE _source LIKE '%wrong_types.jsonl'").await;
    assert_eq!(
        coerced[0],
        vec!["ERROR", "503", "1500.0", "error", r#"{"level_raw":"true"}"#]
    );
    let crlf = query(data.path(), "SELECT _line, _offset, message FROM events WHERE _source LIKE '%crlf.jsonl' ORDER BY _line").await;
    assert_eq!(crlf.len(), 2);
    assert_eq!(crlf[1][0], "3");
    assert_eq!(crlf[0][2], "fine", "the \\r is not part of the message");

    let checked = assert_lineage(data.path()).await;
    assert!(checked > 1000);
    assert!(Path::new(&fixtures.path().join("empty.jsonl")).exists());
}
