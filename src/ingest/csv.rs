//! Logs as CSV with a header line, as exports and some programs write them: CloudWatch Logs
//! Insights' and Splunk's exports, Azure Log Analytics', Datadog's, Loghub's structured files,
//! a spreadsheet of events:
//!
//! ```text
//! timestamp,level,service,message
//! 2026-11-30T14:01:02Z,ERROR,checkout,"payment failed, retrying"
//! ```
//!
//! The first line names the columns; each later line is one record of RFC 4180 fields
//! (`"..."` quotes commas, `""` is a quote), read by those names as a JSON record's fields are
//! (`timestamp`, `@timestamp`, `level`, `message`, `@message`, ...). A `date` and a `time`
//! column (any case) are one time. The header rides with each line to the parser as a W3C
//! log's `#Fields:` does (see `w3c`), so lines parse alone and a grown file reads on; a line
//! equal to the header (files appended one to another) is counted as a directive. A quoted
//! value holding line breaks (a stack trace) makes a record of several lines: the intake
//! joins lines until the record's quotes balance, within the multi-line event limits.

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::Value;

use super::names::candidacies;
use super::records::Fields;

/// Whether `line` can be a CSV header: at least two comma-separated names (quoted or not, as
/// Splunk quotes them), each a word of letters, digits and `_ @ . - ( ) [ ] / $` or spaces
/// inside (`IP Address`, `TimeGenerated [UTC]`), none a number (names a program writes, not
/// data).
pub(crate) fn is_header(line: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(super::lines::without_bom(line)) else {
        return false;
    };
    let Ok(names) = split_record(text) else {
        return false;
    };
    let name_char = |c: char| c.is_alphanumeric() || "_@.-()[]/$ ".contains(c);
    names.len() >= 2
        && names.iter().all(|name| {
            let name = name.trim();
            !name.is_empty()
                && name.len() <= 64
                && name.chars().all(name_char)
                && name.starts_with(|c: char| c.is_alphabetic() || c == '@' || c == '_')
        })
}

/// PowerShell's `Export-Csv` (5.1, without `-NoTypeInformation`) writes the type of the
/// objects first: `#TYPE System.Diagnostics.EventLogEntry`. It counts with the directives.
pub(crate) fn is_type_line(line: &[u8]) -> bool {
    super::lines::without_bom(line).starts_with(b"#TYPE ")
}

/// Where a CSV log's header is among its first lines: the first non-blank line when it can be
/// one, else the first later line that can be one with at least three names, after a preamble
/// (Microsoft's DHCP server writes a legend of its event ids before its header). `None`: no
/// header in `lines`.
pub(crate) fn header_index(lines: &[&[u8]]) -> Option<usize> {
    let mut candidates = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| !super::lines::is_blank(line) && !is_type_line(line));
    let (first, line) = candidates.next()?;
    if is_header(line) {
        return Some(first);
    }
    let wide = |line: &[u8]| memchr::memchr_iter(b',', line).count() >= 2;
    candidates
        .find(|(_, line)| wide(line) && is_header(line))
        .map(|(index, _)| index)
}

/// Whether a header names a column the mapping reads (a level, a message, ...): a CSV log
/// without a time is only one when it does.
pub(crate) fn names_a_column(header: &[u8]) -> bool {
    let header = String::from_utf8_lossy(header);
    split_record(header.trim_start_matches('\u{feff}')).is_ok_and(|names| {
        names
            .iter()
            .any(|n| !candidacies(&column_name(n.trim())).is_empty())
    })
}

/// Whether `line` is the header (counted with directives and blank lines, not read as data):
/// the first non-blank line of a source (after its preamble, see [`header_index`]) when it
/// names columns, which then becomes `header`, or a line equal to the header (a file appended
/// to another). A first line that names no columns is data, and a reject saying the header is
/// missing.
pub(crate) fn header_line(header: &mut Option<Vec<u8>>, line: &[u8]) -> bool {
    match header {
        Some(names) => names.as_slice() == line,
        None if is_type_line(line) => true,
        None if is_header(line) => {
            *header = Some(line.to_vec());
            true
        }
        None => false,
    }
}

/// Whether a record's quotes balance: an odd count leaves a quoted value open, going on to
/// the next line (RFC 4180 allows line breaks inside quotes; a doubled `""` counts twice).
pub(crate) fn quotes_balance(record: &[u8]) -> bool {
    memchr::memchr_iter(b'"', record).count().is_multiple_of(2)
}

/// Lines joined into records as the intake joins them: a line whose quotes do not balance goes
/// on with the next (detection's sample, read as the source will be).
pub(crate) fn records<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Vec<Vec<u8>> {
    let mut records: Vec<Vec<u8>> = Vec::new();
    let mut open = false;
    for line in lines {
        match records.last_mut().filter(|_| open) {
            Some(record) => {
                record.push(b'\n');
                record.extend_from_slice(line);
            }
            None => records.push(line.to_vec()),
        }
        open = !quotes_balance(records.last().expect("pushed"));
    }
    records
}

/// The fields of one record, split by `csv-core`'s RFC 4180 reader: a value in double quotes
/// may hold commas and line breaks, `""` in it is a quote. A record whose quotes do not
/// balance is an error (the reader itself would take the rest as the open value).
pub(crate) fn split_record(record: &str) -> Result<Vec<String>, String> {
    if !quotes_balance(record.as_bytes()) {
        return Err(
            "CSV: a quoted value that the record does not close (an odd number of \
                    quotes)"
                .into(),
        );
    }
    if record.is_empty() {
        // One empty value, as a line of one column holds (the reader sees no record at all).
        return Ok(vec![String::new()]);
    }
    // The unquoted output is never longer than the input, and there is at most one field more
    // than commas. An empty input after the record says it has ended. A reader is built once
    // per parse thread (building one costs more than reading a record) and reset per record.
    thread_local! {
        static READER: RefCell<csv_core::Reader> = RefCell::new(csv_core::Reader::new());
    }
    let mut output = vec![0; record.len()];
    let mut ends = vec![0; memchr::memchr_iter(b',', record.as_bytes()).count() + 1];
    let (result, fields) = READER.with(|reader| {
        let mut reader = reader.borrow_mut();
        reader.reset();
        let (mut result, _, written, mut fields) =
            reader.read_record(record.as_bytes(), &mut output, &mut ends);
        if result == csv_core::ReadRecordResult::InputEmpty {
            // The reader counts field ends from the record's start across calls.
            let (last, _, _, more) =
                reader.read_record(&[], &mut output[written..], &mut ends[fields..]);
            (result, fields) = (last, fields + more);
        }
        (result, fields)
    });
    if !matches!(
        result,
        csv_core::ReadRecordResult::Record | csv_core::ReadRecordResult::End
    ) {
        return Err(format!("CSV: the record could not be read ({result:?})"));
    }
    let mut start = 0;
    let values = ends[..fields].iter().map(|&end| {
        let value = String::from_utf8_lossy(&output[start..end]).into_owned();
        start = end;
        value
    });
    Ok(values.collect())
}

/// A header line as the mapping reads it: its names (as [`column_name`] gives them), the
/// `date` and `time` columns to join, whether a column is the message. Read once per parse
/// thread and kept while lines under the same header come, since every line brings it along.
struct Header {
    text: String,
    names: Vec<String>,
    date_and_time: Option<(usize, usize)>,
    names_message: bool,
}

impl Header {
    fn read(text: &str) -> Result<Header, String> {
        let raw = split_record(text.trim_start_matches('\u{feff}'))?;
        let position = |wanted: &str| {
            raw.iter()
                .position(|n| n.trim().eq_ignore_ascii_case(wanted))
        };
        let names: Vec<String> = raw.iter().map(|n| column_name(n.trim())).collect();
        Ok(Header {
            text: text.to_string(),
            date_and_time: position("date").zip(position("time")),
            names_message: names.iter().any(|n| n == "message"),
            names,
        })
    }

    fn of(text: &str) -> Result<Rc<Header>, String> {
        thread_local! {
            static LAST: RefCell<Option<Rc<Header>>> = const { RefCell::new(None) };
        }
        LAST.with(|last| {
            if let Some(header) = last.borrow().as_ref().filter(|h| h.text == text) {
                return Ok(Rc::clone(header));
            }
            let header = Rc::new(Header::read(text)?);
            *last.borrow_mut() = Some(Rc::clone(&header));
            Ok(header)
        })
    }
}

/// The fields of one data line (`header\nline`): each non-empty value under its column's
/// name, a `date` and `time` pair joined as `timestamp`.
pub(crate) fn parse_csv(text: &str) -> Result<Fields, String> {
    let Some((header_text, line)) = text.split_once('\n') else {
        return Err("CSV: a data line before the header line".into());
    };
    let header = Header::of(header_text)?;
    let values = split_record(line)?;
    // Windows Event Viewer's CSV export names five columns and writes the event's
    // description as a sixth, unnamed: one value more than the names is the message.
    let unnamed_message = values.len() == header.names.len() + 1 && !header.names_message;
    if values.len() != header.names.len() && !unnamed_message {
        return Err(format!(
            "CSV: {} values where the header names {} ({})",
            values.len(),
            header.names.len(),
            header_text
        ));
    }
    let mut fields = super::records::field_list(values.len() + 1);
    if let Some((date, time)) = header.date_and_time {
        let joined = format!("{} {}", values[date].trim(), values[time].trim());
        fields.push(("timestamp".into(), Value::String(joined)));
    }
    for (i, value) in values.into_iter().enumerate() {
        let joined = header.date_and_time.is_some_and(|(d, t)| i == d || i == t);
        if value.is_empty() || joined {
            continue;
        }
        let name = header.names.get(i).map_or("message", String::as_str);
        fields.push((name.to_string(), Value::String(value)));
    }
    Ok(fields)
}

/// A header's name as the mapping knows it: exports title-case their columns (`Timestamp`,
/// `Message`, Loghub's `Content`, `Component`), so a name no column takes is tried in lower
/// case, and without a unit or zone after it.
fn column_name(name: &str) -> String {
    // A unit or zone after the name (Log Analytics' `TimeGenerated [UTC]`).
    let bare = name
        .rsplit_once(" [")
        .or_else(|| name.rsplit_once(" ("))
        .filter(|(_, unit)| unit.ends_with([']', ')']))
        .map_or(name, |(bare, _)| bare);
    for candidate in [name, bare] {
        if !candidacies(candidate).is_empty() {
            return candidate.to_string();
        }
        let lower = candidate.to_ascii_lowercase();
        if !candidacies(&lower).is_empty() {
            return lower;
        }
    }
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_names_and_data_is_not() {
        for header in [
            "timestamp,level,service,message",
            "@timestamp,@message,@logStream",
            "LineId,Date,Time,Pid,Level,Component,Content,EventId,EventTemplate",
            "\u{feff}_time,host,source,_raw",
            "ID,Date,Time,Description,IP Address,Host Name",
            "\"_time\",\"host\",\"_raw\"",
            "TimeGenerated [UTC],Computer,Message",
        ] {
            assert!(is_header(header.as_bytes()), "{header}");
        }
        for data in [
            "2026-11-30T14:01:02Z,ERROR,checkout,order placed",
            "1,2026-11-30,14:01:02,ERROR",
            "message",
            "a,,b",
            "ERROR: x, y",
            "{\"level\":\"info\",\"x\":1}",
        ] {
            assert!(!is_header(data.as_bytes()), "{data}");
        }
    }

    #[test]
    fn quoted_fields_commas_and_doubled_quotes() {
        assert_eq!(
            split_record(r#"a,"b, c","say ""hi""",,"""#).unwrap(),
            ["a", "b, c", "say \"hi\"", "", ""].map(String::from)
        );
        assert_eq!(split_record("").unwrap(), [String::new()]);
        assert_eq!(
            split_record("x\u{e9},\"\u{fc}\"").unwrap(),
            ["x\u{e9}", "\u{fc}"]
        );
        assert!(split_record(r#"a,"open"#)
            .unwrap_err()
            .contains("does not close"));
    }

    #[test]
    fn quoted_line_breaks_make_one_record() {
        let lines = [
            &b"a,\"one"[..],
            b"two\",b",
            b"c,d",
            b"e,\"say \"\"hi\"\"",
            b"",
            b"end\"",
        ];
        let joined = records(lines);
        assert_eq!(
            joined,
            [
                &b"a,\"one\ntwo\",b"[..],
                b"c,d",
                b"e,\"say \"\"hi\"\"\n\nend\""
            ]
        );
        let fields = split_record(std::str::from_utf8(&joined[0]).unwrap()).unwrap();
        assert_eq!(fields, ["a", "one\ntwo", "b"]);
        assert!(quotes_balance(b"x,\"\"\"\"") && !quotes_balance(b"x,\"\"\""));
    }

    #[test]
    fn records_by_name_with_date_and_time_joined() {
        let fields =
            parse_csv("LineId,Date,Time,Level,Content\n7,2026-11-30,14:01:02.123,ERROR,\"a, b\"")
                .unwrap();
        let get = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str().unwrap().to_string())
        };
        assert_eq!(get("timestamp").unwrap(), "2026-11-30 14:01:02.123");
        assert_eq!(get("Level").unwrap(), "ERROR");
        assert_eq!(get("content").unwrap(), "a, b");
        assert_eq!(get("LineId").unwrap(), "7");
        assert!(get("Date").is_none() && get("Time").is_none());
        // Event Viewer's unnamed description; Log Analytics' zone after the name.
        let fields = parse_csv("Level,Source\nError,SCM,\"terminated\"").unwrap();
        assert_eq!(
            fields[2],
            ("message".into(), Value::String("terminated".into()))
        );
        assert_eq!(column_name("TimeGenerated [UTC]"), "TimeGenerated");
        assert_eq!(column_name("Duration (ms)"), "Duration");
        assert_eq!(column_name("Host Name"), "Host Name");
        let short = parse_csv("a,b,c\n1,2").unwrap_err();
        assert!(
            short.contains("2 values where the header names 3"),
            "{short}"
        );
    }
}
