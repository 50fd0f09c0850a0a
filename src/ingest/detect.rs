//! Choosing a source's format from its first lines: every detectable format parses the
//! sample, the one that turns the most lines into events wins (the more specific on a tie),
//! and every line of the source is then parsed with it. A source whose lines mix formats
//! (more lines fit when each line is decided alone) is read per line ("mixed"). A
//! `#Fields:` directive among the first lines makes it a W3C extended log; a first line naming
//! columns, with the lines after it read by those names, a CSV log.
//!
//! Text fits whatever has a timestamp, so one odd line in a syslog file (sysklogd's
//! `last message repeated`, a tag syslog cannot read) would make the whole file text and lose
//! every line's host, program and pid. A source whose sample is at least 90% syslog is syslog;
//! its other lines are then read as text lines (see `LineParser::fields`), not rejected.
//!
//! A source whose lines carry no time at all (Python's default `ERROR:root:message`, uvicorn,
//! Maven, `docker compose logs`, JSON from winston's default format) fits no format. When
//! fewer than half of its first lines fit, the formats that can do without a time (JSON,
//! logfmt, text opening with a level) are tried untimed, each event then taking the source's
//! modification time; the source is read so when that fits more than twice as many lines. A
//! timed log with the odd timeless line (a JVM warning on stderr) stays timed. A source none
//! of whose lines opens with a time, fewer than one in five with a level, and none shows a
//! clock time anywhere (a program's redirected stdout, all its lines plain text), is read as
//! `lines`: an event per line, indented lines continuing it.
//!
//! JSON written over several lines (pretty-printed objects, an array of them) fits no line
//! alone: the JSON formats also read the sample's whole documents (`multiline::json`).

use super::formats::{LineFormat, DETECTED_FORMATS};
use super::multiline::json::documents_of;
use super::multiline::Limits;
use super::parse::LineParser;

/// Lines of a source that detection reads.
pub const SAMPLE_LINES: usize = 200;

/// What detection chose for a source.
#[derive(Debug, Clone)]
pub struct Choice {
    pub format: LineFormat,
    /// Its records have no time: each takes the source's modification time.
    pub untimed: bool,
}

/// The format for a source whose first lines are `sample` (line contents, no terminators).
pub fn choose_format(parser: &LineParser, sample: &[&[u8]]) -> Choice {
    let timed = |format| Choice {
        format,
        untimed: parser.untimed(),
    };
    // A W3C log's data lines mean nothing alone: its `#Fields:` directive says what it is.
    if sample
        .iter()
        .any(|line| super::w3c::fields_directive(line).is_some())
    {
        return timed(LineFormat::W3c);
    }
    // journald's export format: its lines are `KEY=value` pairs, entries apart.
    if super::journald::is_export(sample) {
        return timed(LineFormat::JournalExport);
    }
    if let Some(choice) = csv_choice(parser, sample) {
        return choice;
    }
    // Windows event XML: its first element says so.
    let first = sample
        .iter()
        .find(|line| !super::lines::is_blank(line) && !super::winevent::is_structure(line));
    if first.is_some_and(|line| super::winevent::starts_event(line)) {
        return timed(LineFormat::WindowsEvent);
    }
    let fits_of = |candidate: LineParser| {
        sample
            .iter()
            .filter(|line| {
                let mut fits = false;
                candidate.parse_each(line, |record| fits |= record.is_ok());
                fits
            })
            .count()
    };
    let fitting = |format| fits_of(parser.trying_format(format));
    let mut best = (LineFormat::Mixed, 0);
    let mut syslog = 0;
    for format in DETECTED_FORMATS {
        let count = fitting(format.clone());
        if matches!(format, LineFormat::Syslog) {
            syslog = count;
        }
        if count > best.1 {
            best = (format, count);
        }
    }
    if matches!(best.0, LineFormat::Text) && syslog > 0 && syslog * 10 >= best.1 * 9 {
        best.0 = LineFormat::Syslog;
    }
    if let Some((format, count)) = json_documents_choice(parser, sample) {
        if count > best.1 {
            best = (format, count);
        }
    }
    // Only when deciding per line fits strictly more (or nothing fits: per-line reasons
    // then say what each line looked like).
    let lines = sample
        .iter()
        .filter(|line| !super::lines::is_blank(line))
        .count();
    if parser.may_be_untimed() && best.1 * 2 < lines {
        let mut untimed = (LineFormat::Mixed, 0);
        for format in [LineFormat::Json, LineFormat::Logfmt, LineFormat::Text] {
            let count = fits_of(parser.trying_format(format.clone()).with_untimed());
            if count > untimed.1 {
                untimed = (format, count);
            }
        }
        // No line opens an event with a time, fewer than one in five with a level, and none
        // shows a clock (a program's redirected stdout, not a layout whose time SHAPE cannot
        // read): an event per line.
        let plain_text = sample.iter().all(|line| is_plain_text(line));
        let no_clock = !sample.iter().any(|line| shows_a_clock(line));
        if best.1 == 0 && untimed.1 * 5 < lines && no_clock && plain_text {
            return Choice {
                format: LineFormat::Lines,
                untimed: true,
            };
        }
        if !parser.untimed() && untimed.1 > best.1 * 2 {
            return Choice {
                format: untimed.0,
                untimed: true,
            };
        }
    }
    if best.1 == 0 || fitting(LineFormat::Mixed) > best.1 {
        return timed(LineFormat::Mixed);
    }
    timed(best.0)
}

/// Whether a line is text: UTF-8 without control characters but tabs, escapes and carriage
/// returns (a binary file's lines are not an event each).
fn is_plain_text(line: &[u8]) -> bool {
    std::str::from_utf8(line).is_ok()
        && line
            .iter()
            .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\x1b' | b'\r'))
}

/// Whether a line holds a time of day (`14:01:02`) anywhere.
fn shows_a_clock(line: &[u8]) -> bool {
    line.windows(8).any(|w| {
        w[2] == b':' && w[5] == b':' && [0, 1, 3, 4, 6, 7].iter().all(|&i| w[i].is_ascii_digit())
    })
}

/// JSON written over several lines (see `multiline::json`): each JSON format reads the
/// sample's documents, and the lines of those that parse are what fits. A document longer
/// than the whole sample is told by its keys.
fn json_documents_choice(parser: &LineParser, sample: &[&[u8]]) -> Option<(LineFormat, usize)> {
    let (documents, cut) = documents_of(sample, Limits::default());
    if !documents.iter().any(|(_, lines)| *lines > 1) && cut.is_none() {
        return None;
    }
    let mut best: Option<(LineFormat, u64)> = None;
    for format in [LineFormat::Otlp, LineFormat::Journald, LineFormat::Json] {
        let candidate = parser.trying_format(format.clone());
        let fits = documents
            .iter()
            .filter(|(document, _)| {
                let mut fits = false;
                candidate.parse_each(document, |record| fits |= record.is_ok());
                fits
            })
            .map(|(_, lines)| lines)
            .sum();
        if fits > best.as_ref().map_or(0, |b| b.1) {
            best = Some((format, fits));
        }
    }
    if let (None, true, Some((document, lines))) = (&best, documents.is_empty(), cut) {
        let has = |key: &[u8]| document.windows(key.len()).any(|w| w == key);
        let format = if has(b"\"resourceLogs\"") {
            LineFormat::Otlp
        } else if has(b"\"__REALTIME_TIMESTAMP\"") {
            LineFormat::Journald
        } else {
            LineFormat::Json
        };
        best = Some((format, lines));
    }
    best.map(|(format, lines)| (format, lines as usize))
}

/// CSV: a first line naming columns (maybe after a preamble, see `csv::header_index`), and more
/// than half of the lines after it read by those names (with times, else untimed when that is
/// allowed).
fn csv_choice(parser: &LineParser, sample: &[&[u8]]) -> Option<Choice> {
    let at = super::csv::header_index(sample)?;
    let header = sample[at];
    let lines = sample[at + 1..]
        .iter()
        .filter(|line| !super::lines::is_blank(line) && !super::csv::is_type_line(line));
    let mut rows = super::csv::records(lines.copied().filter(|row| *row != header));
    // A record the sample cuts (or the writer has not finished) says nothing yet.
    if rows.last().is_some_and(|r| !super::csv::quotes_balance(r)) {
        rows.pop();
    }
    let fits_of = |candidate: &LineParser| {
        let mut with_header = Vec::new();
        rows.iter()
            .filter(|row| {
                with_header.clear();
                super::w3c::with_directive(header, row, &mut with_header);
                let mut fits = false;
                candidate.parse_each(&with_header, |record| fits |= record.is_ok());
                fits
            })
            .count()
    };
    let csv = parser.trying_format(LineFormat::Csv);
    if fits_of(&csv) * 2 > rows.len() {
        return Some(Choice {
            format: LineFormat::Csv,
            untimed: parser.untimed(),
        });
    }
    let untimed = parser.may_be_untimed()
        && super::csv::names_a_column(header)
        && fits_of(&csv.with_untimed()) * 2 > rows.len();
    untimed.then_some(Choice {
        format: LineFormat::Csv,
        untimed: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::settings::FormatSettings;

    fn chosen(lines: &[&str]) -> &'static str {
        let parser = LineParser::new(&FormatSettings::default(), None, &[]).unwrap();
        let sample: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        choose_format(&parser, &sample).format.name()
    }

    #[test]
    fn each_family_is_recognised() {
        assert_eq!(
            chosen(&[r#"{"ts":"2026-11-30T14:01:02Z","level":"info","msg":"ok"}"#]),
            "json"
        );
        assert_eq!(
            chosen(&[r#"{"log":"hello\n","stream":"stdout","time":"2026-11-30T14:01:02.1Z"}"#]),
            "docker"
        );
        assert_eq!(
            chosen(&[r#"{"__REALTIME_TIMESTAMP":"1764511262123456","MESSAGE":"x"}"#]),
            "journald"
        );
        assert_eq!(chosen(&["2026-11-30T14:01:02.1Z stdout F hello"]), "cri");
        assert_eq!(
            chosen(&[
                r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1764511262000000000","body":{"stringValue":"x"}}]}]}]}"#
            ]),
            "otlp"
        );
        assert_eq!(
            chosen(&[r#"[{"ts":1764511262,"msg":"a"},{"ts":1764511263}]"#]),
            "json"
        );
        assert_eq!(
            chosen(&[
                "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186"
            ]),
            "syslog"
        );
        assert_eq!(
            chosen(&[
                r#"10.0.0.1 - - [30/Nov/2026:14:01:02 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8""#
            ]),
            "combined"
        );
        assert_eq!(
            chosen(&["ts=2026-11-30T14:01:02Z level=warn msg=slow"]),
            "logfmt"
        );
        assert_eq!(
            chosen(&["2026-11-30 14:01:02,123 ERROR [main] c.a.Checkout - payment failed"]),
            "text"
        );
    }

    #[test]
    fn json_over_several_lines() {
        let pretty = [
            "[",
            "  {",
            r#"    "ts": "2026-11-30T14:01:02Z","#,
            r#"    "msg": "a""#,
            "  }",
            "]",
        ];
        assert_eq!(chosen(&pretty), "json");
        let journal = [
            "{",
            r#"	"__REALTIME_TIMESTAMP" : "1764511262123456","#,
            r#"	"MESSAGE" : "x""#,
            "}",
        ];
        assert_eq!(chosen(&journal), "journald");
        // One OTLP document longer than the sample: its keys tell.
        let otlp = [
            "{",
            r#"  "resourceLogs": ["#,
            "    {",
            r#"      "resource": {"#,
        ];
        assert_eq!(chosen(&otlp), "otlp");
        let windows = [
            "<?xml version=\"1.0\"?>",
            "<Events>",
            "<Event xmlns=\"x\">",
            "  <System>",
        ];
        assert_eq!(chosen(&windows), "windows-event");
        // Text with a brace-opened line inside stays text.
        let text = [
            "2026-11-30 14:01:02,123 INFO config loaded:",
            "{",
            r#"  "pool": 10"#,
            "}",
            "2026-11-30 14:01:03,123 ERROR pool exhausted",
        ];
        assert_eq!(chosen(&text), "text");
    }

    #[test]
    fn lines_with_neither_times_nor_levels_are_an_event_each() {
        let stdout = [
            "Server listening on port 3000",
            "Error: connect ECONNREFUSED 127.0.0.1:5432",
            "    at TCPConnectWrap.afterConnect (node:net:1555:16)",
            "Retrying in 5 seconds",
        ];
        assert_eq!(chosen(&stdout), "lines");
        // A clock SHAPE cannot place keeps the lines rejects that say so.
        let unknown = ["T+14:01:02 boot ok", "T+14:01:05 disk ok", "done"];
        assert_eq!(chosen(&unknown), "mixed");
        // Nor is a binary file's.
        assert_eq!(chosen(&["ELF\u{1}\u{2}", "more words"]), "mixed");
        // Mostly level-led lines stay untimed text, with their tracebacks.
        let python = [
            "ERROR:app:payment failed",
            "Traceback (most recent call last):",
            "INFO:app:ok",
        ];
        assert_eq!(chosen(&python), "text");
    }

    #[test]
    fn the_majority_wins_and_mixed_sources_go_per_line() {
        let text = "2026-11-30 14:01:02,123 INFO [main] c.a.App - started";
        assert_eq!(chosen(&[text, text, "garbage without a time"]), "text");
        let json = r#"{"ts":"2026-11-30T14:01:02Z","msg":"ok"}"#;
        assert_eq!(chosen(&[json, text]), "mixed");
        // Neither times nor levels: an event per line (see below).
        assert_eq!(chosen(&["no time here", "nor here"]), "lines");
    }

    #[test]
    fn csv_needs_a_header_and_rows_read_by_it() {
        let header = "timestamp,level,message";
        let row = "2026-11-30T14:01:02Z,ERROR,\"payment failed, retrying\"";
        assert_eq!(chosen(&[header, row, row]), "csv");
        let parser = LineParser::new(&FormatSettings::default(), None, &[]).unwrap();
        let untimed = ["level,message", "ERROR,payment failed", "INFO,ok"].map(str::as_bytes);
        let choice = choose_format(&parser, &untimed);
        assert_eq!((choice.format.name(), choice.untimed), ("csv", true));
        // Prose with a comma first, then text lines: no CSV.
        let text = "2026-11-30 14:01:02,123 INFO [main] c.a.App - started";
        assert_eq!(
            chosen(&["Starting server, please wait", text, text]),
            "text"
        );
        // A header with no rows yet is left to the other formats.
        assert_ne!(chosen(&[header]), "csv");
    }

    /// Windows' DHCP server writes a legend before its header; its dates are `MM/dd/yy`.
    #[test]
    fn csv_after_a_preamble() {
        let dhcp = [
            "\t\tMicrosoft DHCP Service Activity Log",
            "",
            "Event ID  Meaning",
            "00\tThe log was started.",
            "ID,Date,Time,Description,IP Address,Host Name,MAC Address",
            "10,11/30/26,14:01:03,Assign,10.0.0.50,laptop-7.corp.example.com,A0B1C2D3E4F5",
            "11,11/30/26,14:01:04,Renew,10.0.0.51,laptop-8.corp.example.com,A0B1C2D3E4F6",
        ];
        assert_eq!(chosen(&dhcp), "csv");
        let lines = dhcp.map(str::as_bytes);
        assert_eq!(crate::ingest::csv::header_index(&lines), Some(4));
        // Prose with commas before the data is no header: text lines stay text.
        let text = "2026-11-30 14:01:02,123 INFO [main] c.a.App - started";
        assert_eq!(
            chosen(&["A banner", "Hello, world, again", text, text]),
            "text"
        );
    }

    #[test]
    fn a_syslog_file_with_a_few_other_lines_stays_syslog() {
        let syslog = "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown";
        let odd = "Jun 14 15:16:02 combo last message repeated 2 times";
        let mut sample = vec![syslog; 19];
        sample.push(odd);
        assert_eq!(chosen(&sample), "syslog");
        // Half and half is no syslog file: text reads both kinds alike.
        let mut sample = vec![syslog; 10];
        sample.extend([odd; 10]);
        assert_eq!(chosen(&sample), "text");
    }
}
