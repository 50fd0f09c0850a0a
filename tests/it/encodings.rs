//! Sources in other text encodings through the whole ingest: SQL Server's UTF-16 `ERRORLOG`
//! (little- and big-endian, with its byte order mark, CRLF, gzip after rotation, grown and
//! read on), a Latin-1 application log named in the config, and the rejects that say which
//! setting reads a source that is not UTF-8. `_offset` is checked against the source's own
//! bytes and every row's line is read back through SHAPE's reader.

use std::path::Path;
use std::time::{Duration, SystemTime};

use shape::config::Config;

use crate::common::{assert_balanced, gzip, ingest_into, query};
use crate::formats::ingest_without_config;

const ERRORLOG: &str = "2026-11-30 14:01:02.12 Server      Microsoft SQL Server 2022 (RTM-CU12) - 16.0.4125.3 (X64) \r\n\
\tJan 20 2026 12:05:06 \r\n\
\tCopyright (C) 2022 Microsoft Corporation\r\n\
\r\n\
2026-11-30 14:01:02.14 Server      Logging SQL Server messages in file 'C:\\MSSQL\\Log\\ERRORLOG'.\r\n\
2026-11-30 14:05:11.45 Logon       Error: 18456, Severity: 14, State: 8.\r\n\
2026-11-30 14:05:11.45 Logon       Login failed for user 'sa'. Reason: Password did not match. [CLIENT: 10.0.0.5]\r\n\
2026-11-30 14:10:00.01 spid55      Error: 1205, Severity: 13, State: 51.\r\n\
2026-11-30 14:10:00.01 spid55      Transaction (Process ID 55) was deadlocked on lock resources: café ⚠ 😀\r\n\
2026-11-30 14:13:00.00 spid12s     Error: 823, Severity: 24, State: 2.\r\n";

/// `text` in UTF-16 with its byte order mark.
fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    std::iter::once(0xFEFF)
        .chain(text.encode_utf16())
        .flat_map(|unit| {
            if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            }
        })
        .collect()
}

/// UTF-16 bytes as text (the test's own decoder, apart from SHAPE's).
fn from_utf16(raw: &[u8], big_endian: bool) -> String {
    let units: Vec<u16> = raw
        .chunks(2)
        .map(|c| {
            if big_endian {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        })
        .collect();
    String::from_utf16(&units).unwrap()
}

fn write_old(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
}

/// Every event of `file` has the `_offset` of its first line in the source's own bytes,
/// and the line read back there decodes (by `decode`) to the event's first line.
async fn assert_offsets_in_source_bytes(
    data: &Path,
    file: &Path,
    source_text: &str,
    encode: impl Fn(&str) -> Vec<u8>,
    decode: impl Fn(&[u8]) -> String,
) {
    let uri = format!("file://{}", file.display());
    let rows = query(
        data,
        &format!("SELECT _line, _offset FROM events WHERE _source = '{uri}' ORDER BY _line"),
    )
    .await;
    assert!(!rows.is_empty());
    let lines: Vec<&str> = source_text.split_inclusive('\n').collect();
    for row in rows {
        let (line, offset): (usize, u64) = (row[0].parse().unwrap(), row[1].parse().unwrap());
        // The encoded length of the lines before, plus the mark (encoded with the first line).
        let before: String = lines[..line - 1].concat();
        let expected = if line == 1 {
            0
        } else {
            encode(&before).len() as u64
        };
        assert_eq!(offset, expected, "{uri}: line {line}");
        let read = shape::ingest::source::read_line_at(&uri, offset)
            .await
            .unwrap();
        let first_line = lines[line - 1].trim_end_matches('\n');
        let decoded = decode(&read);
        assert_eq!(
            decoded.trim_start_matches('\u{FEFF}'),
            first_line,
            "{uri}: line {line} read back"
        );
    }
}

#[tokio::test]
async fn utf16_errorlogs_are_read_with_offsets_in_their_own_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let (le, be) = (logs.join("ERRORLOG"), logs.join("ERRORLOG.be"));
    write_old(&le, &utf16(ERRORLOG, false));
    write_old(&be, &utf16(ERRORLOG, true));
    let data = dir.path().join("data");
    let report = ingest_without_config(&data, &logs).await;
    for source in &report.sources {
        assert_eq!(source.log.format, "text", "{}", source.uri);
        assert_eq!(
            (
                source.log.lines,
                source.log.rows,
                source.log.rejects,
                source.log.blank
            ),
            (10, 7, 0, 1),
            "{}: {:?}",
            source.uri,
            source.sample_rejects
        );
        let expected = if source.uri.ends_with(".be") {
            "UTF-16BE"
        } else {
            "UTF-16LE"
        };
        assert_eq!(source.encoding, Some(expected));
    }
    let rows = query(
        &data,
        "SELECT _line, _line_count, ts, level, component, message, attributes FROM events \
         WHERE _source LIKE '%/ERRORLOG' ORDER BY _line",
    )
    .await;
    let got: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        got[0][..5],
        ["1", "3", "2026-11-30T14:01:02.120Z", "INFO", "Server"]
    );
    assert!(
        got[0][5].ends_with(
            "(X64) \n\tJan 20 2026 12:05:06 \n\tCopyright (C) 2022 Microsoft Corporation"
        ),
        "{:?}",
        got[0][5]
    );
    assert_eq!(
        got[2][1..6],
        [
            "1",
            "2026-11-30T14:05:11.450Z",
            "ERROR",
            "Logon",
            "Error: 18456, Severity: 14, State: 8."
        ]
    );
    assert_eq!(got[2][6], r#"{"error_code":18456}"#);
    assert_eq!(
        got[3][3..6],
        [
            "INFO",
            "Logon",
            "Login failed for user 'sa'. Reason: Password did not match. [CLIENT: 10.0.0.5]"
        ]
    );
    assert!(got[5][5].ends_with("café ⚠ 😀"), "{:?}", got[5]);
    assert_eq!(got[6][3..5], ["FATAL", "spid12s"]);
    // Big-endian: the same events.
    let same = query(
        &data,
        "SELECT count(*) FROM events a JOIN events b ON a._line = b._line AND a.message = b.message \
         AND a.level = b.level WHERE a._source LIKE '%/ERRORLOG' AND b._source LIKE '%/ERRORLOG.be'",
    )
    .await;
    assert_eq!(same[0][0], "7");
    let decode_le = |raw: &[u8]| from_utf16(raw, false);
    let decode_be = |raw: &[u8]| from_utf16(raw, true);
    let encode = |big: bool| move |text: &str| utf16(text, big);
    assert_offsets_in_source_bytes(&data, &le, ERRORLOG, encode(false), decode_le).await;
    assert_offsets_in_source_bytes(&data, &be, ERRORLOG, encode(true), decode_be).await;

    // The server goes on writing: the next run reads on from the last line's end (the mark
    // is looked for at the file's start), and the rotated log, gzipped, is the same content.
    let grown = format!(
        "{ERRORLOG}2026-11-30 14:20:00.00 spid60      Error: 50000, Severity: 10, State: 1.\r\n"
    );
    write_old(&le, &utf16(&grown, false));
    let report = ingest_without_config(&data, &logs).await;
    let read_on: Vec<_> = report.sources.iter().filter(|s| s.log.lines > 0).collect();
    assert_eq!(
        read_on.len(),
        1,
        "{:?}",
        report.sources.iter().map(|s| &s.uri).collect::<Vec<_>>()
    );
    assert_eq!((read_on[0].log.lines, read_on[0].log.rows), (1, 1));
    assert_eq!(
        read_on[0].log.from_offset,
        utf16(ERRORLOG, false).len() as u64
    );
    let last = query(
        &data,
        "SELECT level, component, _offset FROM events WHERE _line = 11",
    )
    .await;
    assert_eq!(
        last,
        vec![vec![
            "INFO".to_string(),
            "spid60".into(),
            utf16(ERRORLOG, false).len().to_string()
        ]]
    );
    assert_offsets_in_source_bytes(&data, &le, &grown, encode(false), decode_le).await;

    let rotated = dir.path().join("rotated");
    std::fs::create_dir(&rotated).unwrap();
    write_old(
        &rotated.join("ERRORLOG.1.gz"),
        &gzip(&utf16(ERRORLOG, false)),
    );
    let other = dir.path().join("other-data");
    let report = ingest_without_config(&other, &rotated).await;
    assert_eq!(
        (report.sources[0].log.rows, report.sources[0].encoding),
        (7, Some("UTF-16LE"))
    );
    assert_balanced(&data).await;
    assert_balanced(&other).await;
}

#[tokio::test]
async fn other_encodings_are_named_in_the_config_and_rejects_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    // Latin-1 (windows-1252): `ü` is one byte, `€` is 0x80.
    let latin = b"2026-11-30 14:01:02,123 ERROR [main] c.a.Checkout - payment failed for M\xfcller: 12 \x80\n\
2026-11-30 14:01:03,123 INFO [main] c.a.Checkout - ok\n";
    write_old(&logs.join("app.log"), latin);
    // UTF-16 without its byte order mark.
    let unmarked: Vec<u8> = "2026-11-30 14:01:02 ERROR disk full\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    write_old(&logs.join("unmarked.log"), &unmarked);

    let plain = dir.path().join("plain");
    let report = ingest_without_config(&plain, &logs).await;
    let reasons: Vec<String> = report
        .sources
        .iter()
        .flat_map(|s| s.sample_rejects.iter().map(|(_, r)| r.clone()))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("invalid UTF-8 at byte 73 of the line")
                && r.contains("set encoding")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("UTF-16 without a byte order mark? set encoding = \"utf-16le\"")),
        "{reasons:?}"
    );
    assert_balanced(&plain).await;

    let config = Config::parse(
        "[[source]]\nmatch = \"*app.log\"\nencoding = \"latin1\"\n\n[[source]]\nmatch = \"*unmarked.log\"\nencoding = \"UTF-16LE\"\n",
        Path::new("shape.toml"),
    )
    .unwrap();
    let named = dir.path().join("named");
    let (report, errors) =
        ingest_into(&named, &config, &[logs.to_string_lossy().into_owned()]).await;
    assert!(errors.is_empty(), "{errors:?}");
    for source in &report.sources {
        assert_eq!(
            source.log.rejects, 0,
            "{}: {:?}",
            source.uri, source.sample_rejects
        );
    }
    let rows = query(
        &named,
        "SELECT _source, _offset, level, message FROM events ORDER BY _source, _line",
    )
    .await;
    let messages: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str(), r[3].as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            ("0", "ERROR", "payment failed for Müller: 12 €"),
            ("84", "INFO", "ok"),
            ("0", "ERROR", "disk full")
        ]
    );
    // Latin-1 keeps ASCII's bytes: the line read back is the file's own.
    let back = shape::ingest::source::read_line_at(&rows[0][0], 0)
        .await
        .unwrap();
    assert_eq!(back, latin[..83].to_vec());
    assert_balanced(&named).await;

    let bad = Config::parse(
        "[[source]]\nmatch = \"*\"\nencoding = \"ebcdic\"\n",
        Path::new("bad.toml"),
    )
    .unwrap();
    let bad = shape::ingest::settings::IngestConfig::load(&bad).unwrap_err();
    assert!(
        bad.to_string()
            .contains("source[0].encoding: unknown encoding \"ebcdic\""),
        "{bad}"
    );
}
