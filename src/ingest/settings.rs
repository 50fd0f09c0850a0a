//! `[ingest]`, `[[source]]` and `[[component_rule]]`: how sources are read and how their
//! fields map onto the `events` columns. Everything is optional: with no settings every
//! source's format is detected and fields are found by their usual names.

use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use crate::config::{Config, ConfigError};

/// Keys of the format settings, accepted in `[ingest]` and in each `[[source]]`.
const FORMAT_KEYS: &[&str] = &[
    "format",
    "encoding",
    "timestamp_field",
    "timestamp_format",
    "timestamp_year",
    "date_order",
    "timezone",
    "level_field",
    "service_field",
    "component_field",
    "operation_field",
    "status_field",
    "duration_field",
    "duration_unit",
    "outcome_field",
    "message_field",
    "trace_id_field",
    "multiline_start",
    "multiline_continue",
    "missing_time",
];

/// Settings shared by all sources.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct IngestSettings {
    /// Lines longer than this are rejected (their first bytes kept in `rejects.raw`, the whole
    /// line still readable through its lineage). Bounds memory per line.
    #[serde(default = "default_max_line_bytes")]
    pub max_line_bytes: usize,
    /// Rows per Parquet row group.
    #[serde(default = "default_row_group_rows")]
    pub row_group_rows: usize,
    /// Service name used when a record names none.
    #[serde(default)]
    pub service: Option<String>,
    /// Lines one multi-line event spans at most (see `multiline`).
    #[serde(default = "default_multiline_max_lines")]
    pub multiline_max_lines: u64,
    /// Bytes one multi-line event holds at most.
    #[serde(default = "default_multiline_max_bytes")]
    pub multiline_max_bytes: usize,
    /// The last event of a plain local file written to within this time is left for the next
    /// run, which sees whether more of its lines follow (`0`: never).
    #[serde(
        default = "default_multiline_flush_after",
        deserialize_with = "duration_text"
    )]
    pub multiline_flush_after: String,
    #[serde(flatten)]
    pub format: FormatSettings,
}

impl Default for IngestSettings {
    fn default() -> Self {
        IngestSettings {
            max_line_bytes: default_max_line_bytes(),
            row_group_rows: default_row_group_rows(),
            service: None,
            multiline_max_lines: default_multiline_max_lines(),
            multiline_max_bytes: default_multiline_max_bytes(),
            multiline_flush_after: default_multiline_flush_after(),
            format: FormatSettings::default(),
        }
    }
}

impl IngestSettings {
    /// `multiline_flush_after` in seconds (checked by `IngestConfig::load`).
    pub fn flush_after_secs(&self) -> i64 {
        match self.multiline_flush_after.trim() {
            "0" => 0,
            text => crate::common::parse_duration_secs(text).unwrap_or(0),
        }
    }
}

fn default_multiline_max_lines() -> u64 {
    1000
}

fn default_multiline_max_bytes() -> usize {
    1024 * 1024
}

/// A duration written as text (`"5s"`) or as a bare number of seconds (`0`, as
/// `--set ingest.multiline_flush_after=0` gives it).
fn duration_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Text(String),
        Seconds(u64),
    }
    Ok(match Given::deserialize(deserializer)? {
        Given::Text(text) => text,
        Given::Seconds(0) => "0".to_string(),
        Given::Seconds(seconds) => format!("{seconds}s"),
    })
}

fn default_multiline_flush_after() -> String {
    "5s".to_string()
}

fn default_max_line_bytes() -> usize {
    8 * 1024 * 1024
}

fn default_row_group_rows() -> usize {
    128 * 1024
}

/// One `[[source]]` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct SourceConfig {
    /// Glob matched against the source URI or path (e.g. `"*.access.log"`, `"s3://logs/web/*"`).
    #[serde(rename = "match")]
    pub matches: String,
    /// Service name for records from these sources that carry none.
    #[serde(default)]
    pub service: Option<String>,
    #[serde(flatten)]
    pub format: FormatSettings,
}

/// How to parse lines and map fields: format plus field mapping. All optional.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FormatSettings {
    /// `auto` (default), a format name (`json`, `logfmt`, `text`, `w3c`, ...; see `LineFormat`),
    /// or `regex:<pattern with named groups>`.
    #[serde(default)]
    pub format: Option<String>,
    /// The source's text encoding, a WHATWG label (`windows-1252`, `utf-16le`, `shift_jis`);
    /// default UTF-8, or UTF-16 when the source starts with its byte order mark.
    #[serde(default)]
    pub encoding: Option<String>,
    /// Field (or fields, joined with a space) holding the event time.
    #[serde(default)]
    pub timestamp_field: Option<FieldList>,
    /// chrono strftime format for the timestamp; default: RFC 3339 and common variants, or epoch numbers.
    #[serde(default)]
    pub timestamp_format: Option<String>,
    /// Year to assume when the timestamp format has none (syslog-style `Dec 10 06:55:46`).
    #[serde(default)]
    pub timestamp_year: Option<i32>,
    /// `month_first` (`11/30/2026`) or `day_first` (`30/11/2026`) for numeric dates; unset,
    /// each source's first lines decide (month first when they cannot tell).
    #[serde(default)]
    pub date_order: Option<String>,
    /// Fixed UTC offset (`+02:00`) for timestamps that carry no zone; default UTC.
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub level_field: Option<String>,
    #[serde(default)]
    pub service_field: Option<String>,
    #[serde(default)]
    pub component_field: Option<String>,
    #[serde(default)]
    pub operation_field: Option<String>,
    #[serde(default)]
    pub status_field: Option<String>,
    #[serde(default)]
    pub duration_field: Option<String>,
    /// Unit of a bare-number duration: `ns`, `us`, `ms` (default), `s`.
    #[serde(default)]
    pub duration_unit: Option<String>,
    #[serde(default)]
    pub outcome_field: Option<String>,
    #[serde(default)]
    pub message_field: Option<String>,
    #[serde(default)]
    pub trace_id_field: Option<String>,
    /// A regex: a line matching it starts an event, any other line continues the open one
    /// (instead of the format's own rule: a timestamp in text sources).
    #[serde(default)]
    pub multiline_start: Option<String>,
    /// A regex: a line matching it continues the open event, any other line starts one.
    #[serde(default)]
    pub multiline_continue: Option<String>,
    /// Records with no time at all: `"modified"` stamps them with the source's modification
    /// time, `"reject"` rejects them; unset, detection reads a source whose lines have no
    /// time as untimed (`"modified"`) and rejects the odd timeless record elsewhere.
    #[serde(default)]
    pub missing_time: Option<String>,
}

/// A field name or a list of names (for timestamps split over several fields).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FieldList {
    One(String),
    Many(Vec<String>),
}

impl FieldList {
    pub fn names(&self) -> Vec<String> {
        match self {
            FieldList::One(name) => vec![name.clone()],
            FieldList::Many(names) => names.clone(),
        }
    }
}

/// `[[component_rule]]`: when `field` matches `pattern` (a regex), the component is `component`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentRule {
    /// `operation` (default), `message`, `service`, or any source field name.
    #[serde(default = "default_rule_field")]
    pub field: String,
    pub pattern: String,
    pub component: String,
}

fn default_rule_field() -> String {
    "operation".to_string()
}

/// The ingest sections of a config, checked.
#[derive(Debug, Clone, Default)]
pub struct IngestConfig {
    /// Defaults applied to every source (a `[[source]]` entry overrides them).
    pub ingest: IngestSettings,
    /// Per-source settings, matched against each source's URI by glob (`match`).
    pub sources: Vec<SourceConfig>,
    /// Rules that derive `component` when a record has no component field.
    pub component_rules: Vec<ComponentRule>,
}

impl IngestConfig {
    /// Reads and checks the ingest sections; errors name the file, line and field.
    pub fn load(config: &Config) -> Result<IngestConfig, ConfigError> {
        // serde's `deny_unknown_fields` does not combine with `flatten`: unknown keys are
        // found here, before decoding.
        check_keys(
            config,
            "ingest",
            &[
                "max_line_bytes",
                "row_group_rows",
                "service",
                "multiline_max_lines",
                "multiline_max_bytes",
                "multiline_flush_after",
            ],
        )?;
        check_keys(config, "source", &["match", "service"])?;
        let loaded = IngestConfig {
            ingest: config.section("ingest")?,
            sources: config.section("source")?,
            component_rules: config.section("component_rule")?,
        };
        loaded.validate(config)?;
        Ok(loaded)
    }

    fn validate(&self, config: &Config) -> Result<(), ConfigError> {
        let mut formats = vec![("ingest".to_string(), &self.ingest.format)];
        for (i, source) in self.sources.iter().enumerate() {
            glob::Pattern::new(&source.matches)
                .map_err(|e| config.invalid(&format!("source[{i}].match"), e.to_string()))?;
            formats.push((format!("source[{i}]"), &source.format));
        }
        for (section, format) in formats {
            super::formats::LineFormat::parse(format.format.as_deref().unwrap_or("auto"))
                .map_err(|e| config.invalid(&format!("{section}.format"), e.to_string()))?;
            if let Some(label) = &format.encoding {
                super::encoding::for_label(label)
                    .map_err(|e| config.invalid(&format!("{section}.encoding"), e))?;
            }
            if let Some(tz) = &format.timezone {
                parse_fixed_offset(tz).ok_or_else(|| {
                    config.invalid(
                        &format!("{section}.timezone"),
                        format!("{tz:?} is not a fixed offset such as \"+02:00\" or \"UTC\""),
                    )
                })?;
            }
            for (key, pattern) in [
                ("multiline_start", &format.multiline_start),
                ("multiline_continue", &format.multiline_continue),
            ] {
                if let Some(pattern) = pattern {
                    regex::bytes::Regex::new(pattern)
                        .map_err(|e| config.invalid(&format!("{section}.{key}"), e.to_string()))?;
                }
            }
            if format.multiline_start.is_some() && format.multiline_continue.is_some() {
                return Err(config.invalid(
                    &section,
                    "set multiline_start or multiline_continue, not both",
                ));
            }
            if let Some(order) = &format.date_order {
                if crate::ingest::timestamps::DateOrder::parse(order).is_none() {
                    return Err(config.invalid(
                        &format!("{section}.date_order"),
                        format!("{order:?} is not \"month_first\" or \"day_first\""),
                    ));
                }
            }
            if let Some(missing) = &format.missing_time {
                if !matches!(missing.as_str(), "modified" | "reject") {
                    return Err(config.invalid(
                        &format!("{section}.missing_time"),
                        format!("{missing:?} is not \"modified\" or \"reject\""),
                    ));
                }
            }
            if let Some(unit) = &format.duration_unit {
                duration_unit_factor(unit).ok_or_else(|| {
                    config.invalid(
                        &format!("{section}.duration_unit"),
                        format!("{unit:?} is not one of ns, us, ms, s"),
                    )
                })?;
            }
        }
        for (i, rule) in self.component_rules.iter().enumerate() {
            regex::Regex::new(&rule.pattern).map_err(|e| {
                config.invalid(&format!("component_rule[{i}].pattern"), e.to_string())
            })?;
        }
        let flush_after = self.ingest.multiline_flush_after.trim();
        if flush_after != "0" && crate::common::parse_duration_secs(flush_after).is_none() {
            return Err(config.invalid(
                "ingest.multiline_flush_after",
                crate::common::duration_message(flush_after),
            ));
        }
        if self.ingest.multiline_max_lines == 0 || self.ingest.multiline_max_bytes == 0 {
            return Err(config.invalid(
                "ingest",
                "multiline_max_lines and multiline_max_bytes must be positive",
            ));
        }
        if self.ingest.max_line_bytes == 0 || self.ingest.row_group_rows == 0 {
            return Err(config.invalid(
                "ingest",
                "max_line_bytes and row_group_rows must be positive",
            ));
        }
        Ok(())
    }

    /// The format settings for one source: the first matching `[[source]]` over the defaults.
    pub fn settings_for(&self, uri: &str) -> (FormatSettings, Option<String>) {
        self.settings_for_source(uri, None)
    }

    /// The settings for a source that may have been rotated: the first `[[source]]` matching
    /// its name, else the name it had when first read (`first_name`), else its name without
    /// a rotation suffix (`app.log.2.gz` -> `app.log`), so settings follow a file through
    /// logrotate.
    pub fn settings_for_source(
        &self,
        uri: &str,
        first_name: Option<&str>,
    ) -> (FormatSettings, Option<String>) {
        let unrotated = unrotated_name(uri);
        let names = std::iter::once(uri)
            .chain(first_name)
            .chain(unrotated.as_deref());
        let matching = names.into_iter().find_map(|name| {
            self.sources
                .iter()
                .find(|s| source_matches(&s.matches, name))
        });
        match matching {
            Some(source) => (
                merge(&self.ingest.format, &source.format),
                source
                    .service
                    .clone()
                    .or_else(|| self.ingest.service.clone()),
            ),
            None => (self.ingest.format.clone(), self.ingest.service.clone()),
        }
    }
}

/// Every key of `section` (a table or an array of tables) must be a format key or `extra`.
fn check_keys(config: &Config, section: &str, extra: &[&str]) -> Result<(), ConfigError> {
    let allowed: Vec<&str> = FORMAT_KEYS.iter().chain(extra).copied().collect();
    let entries: Vec<&toml::Table> = match config.value(section) {
        Some(toml::Value::Table(t)) => vec![t],
        Some(toml::Value::Array(items)) => items.iter().filter_map(|v| v.as_table()).collect(),
        _ => return Ok(()),
    };
    let array = matches!(config.value(section), Some(toml::Value::Array(_)));
    for (i, entry) in entries.into_iter().enumerate() {
        if let Some(key) = entry.keys().find(|k| !allowed.contains(&k.as_str())) {
            let field = if array {
                format!("{section}[{i}].{key}")
            } else {
                format!("{section}.{key}")
            };
            return Err(config.invalid(
                &field,
                format!("unknown key (expected one of: {})", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

/// A `match` glob applies to the full URI, to the path after `file://`, or to the file name.
/// A rotated file's name without what rotation added: `.1`, `.2.gz`, `-20261130`,
/// `.2026-11-30`, or lumberjack's `name-2022-09-14T05-02-14.173.ext`. `None` when the name
/// carries no rotation suffix.
pub(crate) fn unrotated_name(uri: &str) -> Option<String> {
    static SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(.+?)(?:[.-](?:\d{1,3}|\d{8}(?:\d{2,6})?|\d{4}-\d{2}-\d{2}(?:[T_-][\d:-]{6,8})?))?(?:\.gz|\.gzip|\.zst|\.zstd)?$",
        )
        .unwrap()
    });
    static LUMBERJACK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}(\.[^.]+)$").unwrap()
    });
    let (dir, name) = uri.rsplit_once('/').unwrap_or(("", uri));
    let base = match LUMBERJACK.captures(name) {
        Some(c) => format!("{}{}", &c[1], &c[2]),
        None => SUFFIX.captures(name)?[1].to_string(),
    };
    (base != name).then(|| format!("{dir}/{base}"))
}

fn source_matches(pattern: &str, uri: &str) -> bool {
    let Ok(glob) = glob::Pattern::new(pattern) else {
        return false;
    };
    let path = uri.strip_prefix("file://").unwrap_or(uri);
    let name = uri.rsplit('/').next().unwrap_or(uri);
    glob.matches(uri) || glob.matches(path) || glob.matches(name)
}

fn merge(base: &FormatSettings, over: &FormatSettings) -> FormatSettings {
    macro_rules! pick {
        ($($f:ident),*) => { FormatSettings { $($f: over.$f.clone().or_else(|| base.$f.clone()),)* } };
    }
    pick!(
        format,
        encoding,
        timestamp_field,
        timestamp_format,
        timestamp_year,
        date_order,
        timezone,
        level_field,
        service_field,
        component_field,
        operation_field,
        status_field,
        duration_field,
        duration_unit,
        outcome_field,
        message_field,
        trace_id_field,
        multiline_start,
        multiline_continue,
        missing_time
    )
}

/// Milliseconds per unit of a bare-number duration.
pub fn duration_unit_factor(unit: &str) -> Option<f64> {
    match unit {
        "ns" => Some(1e-6),
        "us" | "µs" => Some(1e-3),
        "ms" => Some(1.0),
        "s" => Some(1e3),
        _ => None,
    }
}

/// `UTC`, `Z`, `+02:00`, `-0530` -> offset in seconds east of UTC.
pub fn parse_fixed_offset(text: &str) -> Option<i32> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("utc") || t == "Z" {
        return Some(0);
    }
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    (hours <= 23 && minutes <= 59).then_some(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn load(text: &str) -> Result<IngestConfig, ConfigError> {
        IngestConfig::load(&Config::parse(text, Path::new("s.toml")).unwrap())
    }

    #[test]
    fn defaults() {
        let c = load("").unwrap();
        assert!(c.sources.is_empty());
        assert_eq!(c.ingest.max_line_bytes, 8 * 1024 * 1024);
        assert_eq!(c.ingest.flush_after_secs(), 5);
    }

    #[test]
    fn flush_after_as_text_or_bare_seconds() {
        for (text, seconds) in [
            ("multiline_flush_after = \"0\"", 0),
            ("multiline_flush_after = 0", 0),
            ("multiline_flush_after = 30", 30),
            ("multiline_flush_after = \"2m\"", 120),
        ] {
            let c = load(&format!("[ingest]\n{text}")).unwrap();
            assert_eq!(c.ingest.flush_after_secs(), seconds, "{text}");
        }
    }

    #[test]
    fn settings_follow_a_file_through_rotation() {
        let base = |uri: &str| unrotated_name(uri);
        assert_eq!(
            base("file:///l/app.log.1").as_deref(),
            Some("file:///l/app.log")
        );
        assert_eq!(
            base("file:///l/app.log.2.gz").as_deref(),
            Some("file:///l/app.log")
        );
        assert_eq!(
            base("s3://b/app.log-20261130.gz").as_deref(),
            Some("s3://b/app.log")
        );
        assert_eq!(
            base("/l/access.log.2026-11-30").as_deref(),
            Some("/l/access.log")
        );
        assert_eq!(
            base("/l/otel-2022-09-14T05-02-14.173.json").as_deref(),
            Some("/l/otel.json")
        );
        assert_eq!(base("/l/app.log"), None);
        assert_eq!(base("/l/app-1.log"), None);

        let c = load("[[source]]\nmatch = '*access.log'\nservice = 'edge'\n").unwrap();
        let service = |uri: &str, first: Option<&str>| c.settings_for_source(uri, first).1;
        assert_eq!(
            service("file:///l/access.log.3.gz", None).as_deref(),
            Some("edge")
        );
        assert_eq!(
            service("file:///l/old/renamed.txt", Some("file:///l/access.log")).as_deref(),
            Some("edge")
        );
        assert_eq!(service("file:///l/other.log", None), None);
    }

    #[test]
    fn unknown_key_reports_line() {
        let text = load("[ingest]\nmax_line_bytez = 3\n")
            .unwrap_err()
            .to_string();
        assert!(text.contains("s.toml"), "{text}");
        assert!(text.contains("line 2"), "{text}");
        assert!(text.contains("max_line_bytez"), "{text}");
    }

    #[test]
    fn bad_regex_names_the_field() {
        let cfg = "[[source]]\nmatch = \"*.log\"\nformat = \"regex:(?P<x\"\n";
        let err = load(cfg).unwrap_err().to_string();
        assert!(err.contains("source[0].format"), "{err}");
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn source_settings_override_defaults() {
        let cfg = "[ingest]\nlevel_field = \"lvl\"\nservice = \"base\"\n\n[[source]]\nmatch = \"*.access.log\"\nformat = \"combined\"\nservice = \"edge\"\n";
        let c = load(cfg).unwrap();
        let (f, service) = c.settings_for("file:///var/log/a.access.log");
        assert_eq!(f.format.as_deref(), Some("combined"));
        assert_eq!(f.level_field.as_deref(), Some("lvl"));
        assert_eq!(service.as_deref(), Some("edge"));
        let (f, service) = c.settings_for("file:///var/log/app.jsonl");
        assert_eq!(f.format, None);
        assert_eq!(service.as_deref(), Some("base"));
    }

    #[test]
    fn fixed_offsets() {
        assert_eq!(parse_fixed_offset("UTC"), Some(0));
        assert_eq!(parse_fixed_offset("+02:00"), Some(7200));
        assert_eq!(parse_fixed_offset("-0530"), Some(-19800));
        assert_eq!(parse_fixed_offset("Europe/Paris"), None);
    }
}
