//! Turns one line into an event (or a reason it cannot be one).
//!
//! Every format first becomes an ordered list of `(field, value)` pairs; one mapping step then
//! fills the `events` columns and puts every field it did not use into `attributes`, so
//! nothing on a line is lost.

use chrono::Utc;
use regex::Regex;
use serde_json::Value;

use self::lookup::{day_and_time, find_last, lookup, pick_found, request_of, FieldChoice, Found};
use super::container::{parse_cri, parse_docker, shipped_line};
use super::formats::{
    auto_fields, parse_combined, parse_json, parse_logfmt, parse_regex, LOGFMT_START,
};
pub use super::formats::{FormatError, LineFormat};
use super::journald::{parse_export, parse_journald};
use super::multiline::MultilineRule;
use super::names::{names_of, Column, Resolved, DURATION_NAMES, TS_NAMES};
use super::records::{json_records, otlp_line, Fields, LineRecords};
use super::settings::{duration_unit_factor, parse_fixed_offset, ComponentRule, FormatSettings};
use super::syslog::parse_syslog;
use super::text::{TextParser, YearHint};
use super::timestamps::{date_order_of, DateOrder};
pub use super::values::normalize_level;
use super::values::{
    level_from_error_field, level_in_tags, mongodb_severity, nextcloud_level, numeric_level,
};
use super::values::{
    level_from_status, level_rank, parse_duration, parse_outcome, parse_status, render_template,
    short_json, value_text,
};
use super::winevent::windows_events;

/// Event times SHAPE keeps: whole years (UTC) that a nanosecond timestamp can hold, since
/// DataFusion casts to nanoseconds in time functions and comparisons, and one event outside
/// them would make every query over the events fail.
const STORABLE_MICROS: std::ops::RangeInclusive<i64> =
    -9_214_560_000_000_000..=9_214_646_399_999_999;

/// One parsed event, ready for the `events` builders.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub ts_micros: i64,
    pub service: String,
    pub component: String,
    pub operation: String,
    pub level: &'static str,
    pub status_code: Option<i32>,
    pub duration_ms: Option<f64>,
    pub outcome: &'static str,
    pub message: String,
    pub trace_id: Option<String>,
    /// A JSON object.
    pub attributes: String,
}

/// A column's text: a string field of the record (moved out when the event is built) or one
/// made for it.
enum ColumnText {
    Field(usize),
    Owned(String),
}

impl ColumnText {
    /// The text of a value found for a column; its field is used (see [`pick_found`]).
    fn pick(used: &std::cell::RefCell<Vec<bool>>, found: Option<Found>) -> Option<ColumnText> {
        let index = found.as_ref().and_then(|f| f.index);
        pick_found(used, found).map(|(_, value)| match (index, value) {
            (Some(i), Value::String(_)) => ColumnText::Field(i),
            _ => ColumnText::Owned(value_text(value)),
        })
    }

    fn view<'f>(&'f self, fields: &'f [(String, Value)]) -> &'f str {
        match self {
            ColumnText::Field(i) => fields[*i].1.as_str().unwrap_or_default(),
            ColumnText::Owned(text) => text,
        }
    }

    /// The texts of several columns, each moved out of its field (leaving it empty: a field
    /// a column took is not in `attributes`); a field that two columns took is copied for
    /// the second.
    fn take_all<const N: usize>(
        texts: [Option<ColumnText>; N],
        fields: &mut [(String, Value)],
    ) -> [Option<String>; N] {
        let mut sources = [None; N];
        let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
        for (k, text) in texts.into_iter().enumerate() {
            out[k] = text.map(|text| match text {
                ColumnText::Owned(text) => text,
                ColumnText::Field(i) => {
                    sources[k] = Some(i);
                    match sources[..k].iter().position(|s| *s == Some(i)) {
                        Some(earlier) => out[earlier].clone().unwrap_or_default(),
                        None => match &mut fields[i].1 {
                            Value::String(text) => std::mem::take(text),
                            _ => unreachable!("a column's field text is a string"),
                        },
                    }
                }
            });
        }
        out
    }
}

/// A compiled per-source parser: format, field mapping, component rules.
#[derive(Debug, Clone)]
pub struct LineParser {
    format: LineFormat,
    ts_fields: Option<Vec<String>>,
    ts_format: Option<String>,
    ts_year: Option<i32>,
    tz_offset_secs: i32,
    level: FieldChoice,
    service: FieldChoice,
    component: FieldChoice,
    operation: FieldChoice,
    status: FieldChoice,
    duration_field: Option<String>,
    duration_unit_factor: f64,
    outcome: FieldChoice,
    message: FieldChoice,
    trace_id: FieldChoice,
    default_service: String,
    component_rules: Vec<(String, Regex, String)>,
    /// Years for year-less timestamps, and the text layouts' scanner.
    plain: TextParser,
    /// The format was chosen by detection: reject reasons say so.
    detected: bool,
    /// Records without a time take the source's modification time (`missing_time`, or
    /// chosen by detection for a source whose lines have none).
    untimed: bool,
    /// Detection may choose `untimed` (not when `missing_time = "reject"`).
    may_be_untimed: bool,
    /// `plain`'s reference time is the source's modification time (else the ingest's).
    reference_is_modified: bool,
    /// `date_order` is configured: the source's first lines do not decide it.
    date_order_configured: bool,
    /// Fields every line of the source gets first (Kubernetes pod, namespace, container).
    source_fields: Vec<(String, Value)>,
    /// A configured event boundary (`multiline_start`/`multiline_continue`).
    multiline: Option<MultilineRule>,
}

impl LineParser {
    /// Settings are validated by `Config::parse`; errors here are for programmatic callers.
    pub fn new(
        settings: &FormatSettings,
        default_service: Option<String>,
        rules: &[ComponentRule],
    ) -> Result<LineParser, FormatError> {
        let tz_offset_secs = settings
            .timezone
            .as_deref()
            .and_then(parse_fixed_offset)
            .unwrap_or(0);
        let component_rules = rules
            .iter()
            .map(|r| {
                Ok((
                    r.field.clone(),
                    Regex::new(&r.pattern)?,
                    r.component.clone(),
                ))
            })
            .collect::<Result<Vec<_>, regex::Error>>()?;
        let date_order = settings.date_order.as_deref().and_then(DateOrder::parse);
        let format = LineFormat::parse(settings.format.as_deref().unwrap_or("auto"))?;
        // `lines` is untimed by definition.
        let lines = matches!(format, LineFormat::Lines);
        Ok(LineParser {
            format,
            ts_fields: settings.timestamp_field.as_ref().map(|f| f.names()),
            ts_format: settings.timestamp_format.clone(),
            ts_year: settings.timestamp_year,
            tz_offset_secs,
            level: FieldChoice::new(&settings.level_field, Column::Level),
            service: FieldChoice::new(&settings.service_field, Column::Service),
            component: FieldChoice::new(&settings.component_field, Column::Component),
            operation: FieldChoice::new(&settings.operation_field, Column::Operation),
            status: FieldChoice::new(&settings.status_field, Column::Status),
            duration_field: settings.duration_field.clone(),
            duration_unit_factor: settings
                .duration_unit
                .as_deref()
                .and_then(duration_unit_factor)
                .unwrap_or(1.0),
            outcome: FieldChoice::new(&settings.outcome_field, Column::Outcome),
            message: FieldChoice::new(&settings.message_field, Column::Message),
            trace_id: FieldChoice::new(&settings.trace_id_field, Column::Trace),
            default_service: default_service.unwrap_or_else(|| "unknown".to_string()),
            component_rules,
            plain: TextParser {
                years: YearHint {
                    year: settings.timestamp_year,
                    reference_micros: Utc::now().timestamp_micros(),
                },
                dates: date_order.unwrap_or_default(),
            },
            detected: false,
            untimed: settings.missing_time.as_deref() == Some("modified") || lines,
            may_be_untimed: settings.missing_time.as_deref() != Some("reject"),
            reference_is_modified: false,
            date_order_configured: date_order.is_some(),
            source_fields: Vec::new(),
            multiline: MultilineRule::from_settings(settings)?,
        })
    }

    pub fn format(&self) -> &LineFormat {
        &self.format
    }

    pub fn multiline_rule(&self) -> Option<&MultilineRule> {
        self.multiline.as_ref()
    }

    /// This parser for one source: year-less timestamps take the source's modification
    /// time as reference, Kubernetes container log names give pod, namespace and container
    /// (the container as service when the config names none).
    pub fn for_source(&self, uri: &str, modified_micros: Option<i64>) -> LineParser {
        let mut parser = self.clone();
        if let Some(modified) = modified_micros {
            parser.plain.years.reference_micros = modified;
            parser.reference_is_modified = true;
        }
        if let Some((pod, namespace, container)) = super::container::kubernetes_names(uri) {
            parser.source_fields = vec![
                ("k8s.pod".to_string(), Value::String(pod)),
                ("k8s.namespace".to_string(), Value::String(namespace)),
                (
                    "k8s.container".to_string(),
                    Value::String(container.clone()),
                ),
            ];
            if parser.default_service == "unknown" {
                parser.default_service = container;
            }
        }
        parser
    }

    /// This parser with a format detection chose, untimed when detection found no times.
    pub fn with_detected_format(&self, format: LineFormat, untimed: bool) -> LineParser {
        let lines = matches!(format, LineFormat::Lines);
        LineParser {
            format,
            detected: true,
            untimed: self.untimed || untimed || lines,
            ..self.clone()
        }
    }

    /// This parser reading numeric dates (`03/11/2026`) in the order the source's first lines
    /// show (see `timestamps::date_order_of`), unless `date_order` is configured.
    pub fn with_date_order_of(&self, sample: &[&[u8]]) -> LineParser {
        let mut parser = self.clone();
        if !self.date_order_configured {
            let lines = sample
                .iter()
                .filter_map(|line| std::str::from_utf8(line).ok());
            if let Some(order) = date_order_of(lines) {
                parser.plain.dates = order;
            }
        }
        parser
    }

    /// This parser stamping records that have no time with the source's modification time.
    pub fn with_untimed(&self) -> LineParser {
        LineParser {
            untimed: true,
            ..self.clone()
        }
    }

    /// Records without a time are stamped with the source's modification time.
    pub fn untimed(&self) -> bool {
        self.untimed
    }

    /// Detection may read a source as untimed (see `detect`).
    pub fn may_be_untimed(&self) -> bool {
        self.may_be_untimed
    }

    /// The format as the ingest report and `ingest_log` name it: `text untimed` for a
    /// source read without times (parsed back by [`LineFormat::parse_recorded`]).
    pub fn format_label(&self) -> String {
        let name = self.format.name();
        // `lines` is untimed by definition.
        if self.untimed && !matches!(self.format, LineFormat::Lines) {
            format!("{name} untimed")
        } else {
            name.to_string()
        }
    }

    /// This parser in `format` as detection tries it: strict, no fallback of a detected
    /// syslog source to text (which would make syslog fit every text line).
    pub(crate) fn trying_format(&self, format: LineFormat) -> LineParser {
        LineParser {
            format,
            detected: false,
            ..self.clone()
        }
    }

    /// Parses one line's content (without its terminator) into its records, in order: most
    /// lines hold one, an OTLP batch or a JSON array several (see `records`). `Err` is a
    /// reject reason; `each` is called at least once.
    pub fn parse_each(&self, content: &[u8], mut each: impl FnMut(Result<Event, String>)) {
        let content = super::lines::without_bom(content);
        // An export entry's sized values may hold any bytes (their sizes say where they end).
        if matches!(self.format, LineFormat::JournalExport) {
            return each(parse_export(content).and_then(|fields| self.event(fields)));
        }
        if let Some(pos) = memchr::memchr(0, content) {
            // Text with a NUL beside every character is UTF-16 that had no byte order mark.
            let nuls = memchr::memchr_iter(0, content).count();
            let why = if nuls * 3 >= content.len() {
                "UTF-16 without a byte order mark? set encoding = \"utf-16le\" (or \"utf-16be\")"
            } else if content.starts_with(b"ElfFile\0") {
                "a binary Windows event log (.evtx): export it as XML, `wevtutil qe <log> \
                 /lf:true /f:xml`, or as CSV, which are read"
            } else {
                "binary data is not a log line"
            };
            return each(Err(format!(
                "NUL byte at byte {} of the line ({why})",
                pos + 1
            )));
        }
        let text = match std::str::from_utf8(content) {
            Ok(text) => text,
            Err(e) => {
                let at = e.valid_up_to() + 1;
                return each(Err(format!(
                    "invalid UTF-8 at byte {at} of the line (a source in another encoding: \
                     set encoding, e.g. \"windows-1252\")"
                )));
            }
        };
        // Colored console output: the layouts are read without the colors.
        let text = super::ansi::strip_escapes_str(text);
        match self.records(&text) {
            Ok(LineRecords::One(fields)) => each(self.event(fields)),
            Ok(LineRecords::Many(records)) => {
                for record in records {
                    each(
                        record
                            .map_err(|why| self.explain(why))
                            .and_then(|f| self.event(f)),
                    )
                }
            }
            Err(why) => each(Err(self.explain(why))),
        }
    }

    /// The line's first record (most lines hold exactly one).
    pub fn parse(&self, content: &[u8]) -> Result<Event, String> {
        let mut first = None;
        self.parse_each(content, |record| {
            first.get_or_insert(record);
        });
        first.expect("parse_each yields at least one record")
    }

    fn event(&self, mut fields: Fields) -> Result<Event, String> {
        if !self.source_fields.is_empty() {
            fields.splice(0..0, self.source_fields.iter().cloned());
        }
        self.map_fields(fields).map_err(|why| self.explain(why))
    }

    /// A reject reason, with the detected format named (a wrong guess is then visible).
    fn explain(&self, why: String) -> String {
        if self.detected {
            format!(
                "{why} (format {}, detected for this source from its first lines)",
                self.format.name()
            )
        } else {
            why
        }
    }

    /// The records of a line in this parser's format.
    fn records(&self, text: &str) -> Result<LineRecords, String> {
        match &self.format {
            LineFormat::Json => json_records(text, &self.plain),
            LineFormat::Otlp => otlp_line(text, &self.plain),
            LineFormat::WindowsEvent => windows_events(text).map(LineRecords::Many),
            LineFormat::Auto | LineFormat::Mixed if text.trim_start().starts_with(['{', '[']) => {
                match json_records(text, &self.plain) {
                    // `[30/Nov/2026 14:01:02] "GET / HTTP/1.1" 200`: a bracketed text line.
                    Err(why) if text.trim_start().starts_with('[') => self
                        .fields(text)
                        .map(LineRecords::One)
                        .map_err(|as_text| format!("{why}; read as text: {as_text}")),
                    records => records,
                }
            }
            _ => self.fields(text).map(LineRecords::One),
        }
    }

    /// The fields of a one-record line in this parser's format.
    pub(crate) fn fields(&self, text: &str) -> Result<Fields, String> {
        Ok(match &self.format {
            LineFormat::Json | LineFormat::Otlp => parse_json(text)?,
            // Untimed, any words would fit: the line must open with a pair.
            LineFormat::Logfmt if self.untimed && !LOGFMT_START.is_match(text.trim_start()) => {
                return Err("not key=value pairs".to_string());
            }
            LineFormat::Logfmt => parse_logfmt(text)?,
            LineFormat::Combined => parse_combined(text)
                .ok_or_else(|| "line is not in combined access-log format".to_string())?,
            LineFormat::Regex(regex) => parse_regex(regex, text)?,
            LineFormat::Text if self.untimed => self.plain.parse(text).or_else(|_| {
                super::text::untimed::parse(text).ok_or_else(|| {
                    "no timestamp and no level at the start of the line (an untimed source's \
                     events open with one: `ERROR:`, `[ERROR]`, `ERROR `, `error: `)"
                        .to_string()
                })
            })?,
            LineFormat::Text => self.plain.parse(text)?,
            // A line with a time keeps it; the others are stamped as untimed lines are.
            LineFormat::Lines => self
                .plain
                .parse(text)
                .unwrap_or_else(|_| super::text::untimed::plain_line(text)),
            // A detected syslog source's few other lines (see `detect`) are read as text.
            LineFormat::Syslog if self.detected => parse_syslog(text, &self.plain)
                .or_else(|why| self.plain.parse(text).map_err(|_| why))?,
            LineFormat::Syslog => parse_syslog(text, &self.plain)?,
            LineFormat::Cri => parse_cri(text, &self.plain)?,
            LineFormat::Docker => parse_docker(text, &self.plain)?,
            LineFormat::Journald => parse_journald(text)?,
            LineFormat::JournalExport => parse_export(text.as_bytes())?,
            LineFormat::W3c => super::w3c::parse_w3c(text)?,
            // An export's raw-line column (`_raw`, `@message`) is read as a shipper's is.
            LineFormat::Csv => shipped_line(super::csv::parse_csv(text)?, &self.plain),
            LineFormat::WindowsEvent => windows_events(text)?.swap_remove(0)?,
            LineFormat::Auto | LineFormat::Mixed => auto_fields(text, &self.plain)?,
        })
    }

    fn map_fields(&self, fields: Vec<(String, Value)>) -> Result<Event, String> {
        let used = std::cell::RefCell::new(vec![false; fields.len()]);
        let take = |index: Option<usize>| -> Option<usize> {
            let i = index?;
            used.borrow_mut()[i] = true;
            Some(i)
        };
        let pick = |found| pick_found(&used, found);
        let nested = fields.iter().any(|(_, v)| v.is_object());
        let resolved = Resolved::of(&fields);
        let resolved = resolved.as_ref();

        // MongoDB's structured log (`{"t":{"$date":...},"s":"I","c":"NETWORK",...}`): its
        // one-letter names are read only in such a record, where they cannot mean anything else.
        let mut mongodb = false;
        // zap's production encoder (Caddy's logs): a fractional epoch `ts`, and durations as
        // a number of seconds.
        let mut zap_time = false;
        // Timestamp (required, unless the source is untimed).
        let mut stamped_with_source_time = false;
        let ts_micros = match &self.ts_fields {
            Some(names) => {
                let mut parts = Vec::with_capacity(names.len());
                for name in names {
                    let i = take(find_last(&fields, name))
                        .ok_or_else(|| format!("missing timestamp field `{name}`"))?;
                    parts.push(value_text(&fields[i].1));
                }
                let joined = parts.join(" ");
                self.parse_ts(&Value::String(joined.clone()))
                    .map_err(|why| {
                        format!(
                            "unparseable timestamp {joined:?} in `{}`: {why}",
                            names.join("`+`")
                        )
                    })?
            }
            None => 'ts: {
                let found = match resolved {
                    Some(resolved) => resolved.field(Column::Ts).map(|i| Found::at(&fields, i)),
                    None => TS_NAMES
                        .iter()
                        .find_map(|n| lookup(&fields, n, nested))
                        // log4j2's `instant` is an object, which `lookup` leaves.
                        .or_else(|| find_last(&fields, "instant").map(|i| Found::at(&fields, i))),
                };
                let Some((name, value)) = pick(found) else {
                    if self.untimed {
                        stamped_with_source_time = true;
                        break 'ts self.plain.years.reference_micros;
                    }
                    return Err(format!(
                        "missing timestamp (looked for {})",
                        TS_NAMES.join(", ")
                    ));
                };
                // Firewalls' key=value logs (FortiGate, SonicWall) split the time:
                // `date=2026-11-30 time=14:01:02`.
                let with_date = day_and_time(&fields, name, value).map(|(i, joined)| {
                    take(Some(i));
                    Value::String(joined)
                });
                let (name, value) = match &with_date {
                    Some(joined) => ("date`+`time", joined),
                    None => (name, value),
                };
                mongodb = name == "t.$date";
                zap_time = name == "ts" && matches!(value, Value::Number(n) if n.is_f64());
                self.parse_ts(value).map_err(|why| {
                    format!(
                        "unparseable timestamp {} in `{name}`: {why}",
                        short_json(value),
                    )
                })?
            }
        };

        if !STORABLE_MICROS.contains(&ts_micros) {
            let shown = chrono::DateTime::from_timestamp_micros(ts_micros)
                .map_or_else(|| ts_micros.to_string(), |t| t.to_rfc3339());
            return Err(format!(
                "timestamp {shown} is outside the years 1678-2261 that can be stored and \
                 queried (a misread time, such as a one-digit year)"
            ));
        }

        // Datadog's archives (and its agents' JSON) name the level `status`, and jobs'
        // logs their outcome (`"status":"success"`): a level or an outcome word there is
        // that, and the code is looked for under the other names.
        let mut status_level = None;
        let mut status_outcome = None;
        let mut status = pick(self.status.find(&fields, nested, resolved));
        if let Some((name, value)) = status.filter(|(_, v)| parse_status(v).is_err()) {
            status_level = value.as_str().and_then(normalize_level);
            status_outcome = parse_outcome(value).filter(|_| value.is_string());
            if status_level.is_some() || status_outcome.is_some() {
                status = pick(
                    names_of(Column::Status)
                        .iter()
                        .find_map(|n| lookup(&fields, n, nested).filter(|_| *n != name)),
                );
            }
        }
        let status_code = match status {
            Some((name, value)) => {
                parse_status(value).map_err(|why| format!("field `{name}`: {why}"))?
            }
            None => None,
        };
        let duration = match &self.duration_field {
            Some(name) => lookup(&fields, name, nested).map(|f| (f, self.duration_unit_factor)),
            None => match resolved {
                Some(resolved) => resolved
                    .duration()
                    .map(|(i, factor)| (Found::at(&fields, i), factor)),
                None => DURATION_NAMES
                    .iter()
                    .find_map(|(n, factor)| lookup(&fields, n, nested).map(|f| (f, *factor))),
            },
        };
        let duration_ms = match duration {
            Some((found, factor)) => {
                let (name, value) = pick(Some(found)).expect("found");
                let seconds = zap_time && name == "duration" && value.is_number();
                let factor = if seconds { 1e3 } else { factor };
                parse_duration(value, factor).map_err(|why| format!("field `{name}`: {why}"))?
            }
            None => None,
        };

        let mut attributes_extra = serde_json::Map::new();
        if stamped_with_source_time {
            let from = if self.reference_is_modified {
                "source_modified"
            } else {
                "ingest"
            };
            attributes_extra.insert("ts_from".into(), Value::String(from.into()));
        }
        let level = match pick(self.level.find(&fields, nested, resolved)) {
            Some((_, value)) => {
                let raw = value_text(value);
                // Nextcloud's records carry a request id (`reqId`) beside their level.
                let nextcloud = value.is_u64() && fields.iter().any(|(n, _)| n == "reqId");
                let scale = || nextcloud.then(|| nextcloud_level(value)).flatten();
                match normalize_level(&raw)
                    .or_else(scale)
                    .or_else(|| numeric_level(value))
                {
                    Some(level) => level,
                    None => {
                        attributes_extra.insert("level_raw".into(), Value::String(raw));
                        level_from_status(status_code)
                    }
                }
            }
            None if mongodb => match pick(lookup(&fields, "s", false)) {
                Some((_, Value::String(mark))) => mongodb_severity(mark),
                _ => "INFO",
            },
            // MySQL 8's JSON error log (`log_sink_json`) names its level `label` (System,
            // Error, Warning, Note) beside its `err_code`; elsewhere a label is no level.
            None if fields.iter().any(|(name, _)| name == "err_code") => {
                match pick(lookup(&fields, "label", false)) {
                    Some((_, value)) => normalize_level(&value_text(value)).unwrap_or("INFO"),
                    None => "INFO",
                }
            }
            None => status_level
                .or_else(|| level_in_tags(&fields))
                .or_else(|| level_from_error_field(&fields))
                .unwrap_or_else(|| level_from_status(status_code)),
        };
        let explicit_outcome =
            match pick(self.outcome.find(&fields, nested, resolved)) {
                Some((name, value)) => Some(parse_outcome(value).ok_or_else(|| {
                    format!("field `{name}`: unknown outcome {}", short_json(value))
                })?),
                None => status_outcome,
            };
        let outcome = explicit_outcome.unwrap_or_else(|| {
            let failed =
                level_rank(level) >= level_rank("ERROR") || status_code.is_some_and(|s| s >= 500);
            if failed {
                "error"
            } else {
                "ok"
            }
        });

        // Texts stay where they are in `fields` until the event is built, and are then moved
        // out rather than copied (the fields a column took are not in `attributes`).
        let text_of = |found| ColumnText::pick(&used, found);
        let service = text_of(self.service.find(&fields, nested, resolved))
            .unwrap_or_else(|| ColumnText::Owned(self.default_service.clone()));
        let operation_found = self.operation.find(&fields, nested, resolved);
        let rails_action = operation_found.as_ref().is_some_and(|f| f.name == "action");
        let mut operation = text_of(operation_found);
        // Rails' lograge and GitLab: `"controller":"ProjectsController","action":"index"` is
        // one operation, `ProjectsController#index` (the controller stays in `attributes`).
        if rails_action {
            let controller = lookup(&fields, "controller", nested).and_then(|f| f.value.as_str());
            if let (Some(controller), Some(action)) = (controller, &operation) {
                let joined = format!("{controller}#{}", action.view(&fields));
                operation = Some(ColumnText::Owned(joined));
            }
        }
        let message_found = self.message.find(&fields, nested, resolved);
        // Serilog's CLEF without `@m`: the template rendered from the record's properties.
        let rendered = message_found
            .as_ref()
            .filter(|found| matches!(found.name, "@mt" | "MessageTemplate"))
            .and_then(|found| found.value.as_str())
            .map(|template| {
                render_template(template, |name| {
                    let text_at =
                        |path: &str| lookup(&fields, path, true).map(|p| value_text(p.value));
                    lookup(&fields, name, nested)
                        .map(|p| value_text(p.value))
                        .or_else(|| text_at(&format!("Properties.{name}")))
                })
            });
        let mut message = text_of(message_found)
            .map(|found| rendered.map_or(found, ColumnText::Owned))
            .unwrap_or(ColumnText::Owned(String::new()));
        // An access log written as JSON: the request is the operation, and the message when
        // the record has none.
        if operation.is_none() || message.view(&fields).is_empty() {
            if let Some((request_operation, request)) = request_of(&fields, nested) {
                operation.get_or_insert(ColumnText::Owned(request_operation));
                if message.view(&fields).is_empty() {
                    message = ColumnText::Owned(request);
                }
            }
        }
        // Google Cloud names its traces `projects/<project>/traces/<id>`: the id joins others.
        let trace_id = text_of(self.trace_id.find(&fields, nested, resolved)).map(|t| {
            let text = t.view(&fields);
            // Checked first: a substring search costs more than the rest of the mapping.
            if !text.starts_with("projects/") {
                return t;
            }
            match text.split_once("/traces/") {
                Some((_, id)) => ColumnText::Owned(id.to_string()),
                None => t,
            }
        });
        let component = text_of(self.component.find(&fields, nested, resolved))
            .or_else(|| {
                mongodb
                    .then(|| text_of(lookup(&fields, "c", false)))
                    .flatten()
            })
            .unwrap_or_else(|| {
                let operation = operation.as_ref().map(|o| o.view(&fields));
                let (message, service) = (message.view(&fields), service.view(&fields));
                let rule = self.component_from_rules(&fields, operation, message, service);
                ColumnText::Owned(rule.unwrap_or_else(|| "unknown".to_string()))
            });

        let used = used.into_inner();
        let mut fields = fields;
        let texts = [
            Some(service),
            operation,
            Some(message),
            trace_id,
            Some(component),
        ];
        let [service, operation, message, trace_id, component] =
            ColumnText::take_all(texts, &mut fields);
        let attributes = super::attributes::attributes_json(&mut fields, &used, attributes_extra);
        super::records::recycle(fields);
        let present = "set above";

        Ok(Event {
            ts_micros,
            service: service.expect(present),
            component: component.expect(present),
            operation: operation.unwrap_or_else(|| "unknown".to_string()),
            level,
            status_code,
            duration_ms,
            outcome,
            message: message.expect(present),
            trace_id,
            attributes,
        })
    }

    fn component_from_rules(
        &self,
        fields: &[(String, Value)],
        operation: Option<&str>,
        message: &str,
        service: &str,
    ) -> Option<String> {
        self.component_rules
            .iter()
            .find_map(|(field, regex, component)| {
                let value = match field.as_str() {
                    "operation" => operation.map(str::to_string),
                    "message" => Some(message.to_string()),
                    "service" => Some(service.to_string()),
                    other => find_last(fields, other).map(|i| value_text(&fields[i].1)),
                }?;
                regex.is_match(&value).then(|| component.clone())
            })
    }
}

mod lookup;
#[cfg(test)]
mod tests;
mod times;
