//! `shape.toml`: how sources are read and how their fields map onto the `events` columns.
//!
//! Every section is optional; an empty file (or no file) means "auto-detect everything".
//! Unknown keys are errors, so a typo never silently changes behaviour.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid config {path}: {field}: {message}")]
    Invalid {
        path: PathBuf,
        field: String,
        message: String,
    },
}

/// The whole `shape.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Config {
    /// Defaults applied to every source (a `[[source]]` entry overrides them).
    #[serde(default)]
    pub ingest: IngestSettings,
    /// Per-source settings, matched against each source's URI by glob (`match`).
    #[serde(default, rename = "source")]
    pub sources: Vec<SourceConfig>,
    /// Rules that derive `component` when a record has no component field.
    #[serde(default, rename = "component_rule")]
    pub component_rules: Vec<ComponentRule>,
    /// The file's text, path and parsed table, for the sections later layers read
    /// (`[[slo]]`, `slo_files`...), so their errors can point at lines too.
    #[serde(skip)]
    pub source: Option<ConfigSource>,
}

#[derive(Debug, Clone, Default)]
pub struct ConfigSource {
    pub text: String,
    pub path: PathBuf,
    pub table: toml::Table,
}

/// Keys of the format settings, accepted in `[ingest]` and in each `[[source]]`.
const FORMAT_KEYS: &[&str] = &[
    "format",
    "timestamp_field",
    "timestamp_format",
    "timestamp_year",
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
];

/// Top-level sections; the ones this layer does not read belong to later layers (SLOs,
/// serving, healing) and are checked there.
const TOP_LEVEL_KEYS: &[&str] = &[
    "ingest",
    "source",
    "component_rule",
    "slo",
    "slo_files",
    "server",
    "user",
    "heal",
    "playbook",
    "detect",
    "run",
];

/// Settings shared by all sources.
#[derive(Debug, Clone, Deserialize)]
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
    #[serde(flatten)]
    pub format: FormatSettings,
}

impl Default for IngestSettings {
    fn default() -> Self {
        IngestSettings {
            max_line_bytes: default_max_line_bytes(),
            row_group_rows: default_row_group_rows(),
            service: None,
            format: FormatSettings::default(),
        }
    }
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
    /// `auto` (default), `json`, `logfmt`, `combined`, or `regex:<pattern with named groups>`.
    #[serde(default)]
    pub format: Option<String>,
    /// Field (or fields, joined with a space) holding the event time.
    #[serde(default)]
    pub timestamp_field: Option<FieldList>,
    /// chrono strftime format for the timestamp; default: RFC 3339 and common variants, or epoch numbers.
    #[serde(default)]
    pub timestamp_format: Option<String>,
    /// Year to assume when the timestamp format has none (syslog-style `Dec 10 06:55:46`).
    #[serde(default)]
    pub timestamp_year: Option<i32>,
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

impl Config {
    /// Loads `path`; a missing file is an error (the user named it).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses config text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: describe_toml_error(text, &e),
        })?;
        check_known_keys(&table, text, path)?;
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: describe_toml_error(text, &e),
        })?;
        config.validate(path)?;
        config.source = Some(ConfigSource {
            text: text.to_string(),
            path: path.to_path_buf(),
            table,
        });
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |field: String, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            field,
            message,
        };
        let mut formats = vec![("ingest".to_string(), &self.ingest.format)];
        for (i, source) in self.sources.iter().enumerate() {
            glob::Pattern::new(&source.matches)
                .map_err(|e| invalid(format!("source[{i}].match"), e.to_string()))?;
            formats.push((format!("source[{i}]"), &source.format));
        }
        for (section, format) in formats {
            crate::ingest::parse::LineFormat::from_settings(format)
                .map_err(|e| invalid(format!("{section}.format"), e.to_string()))?;
            if let Some(tz) = &format.timezone {
                parse_fixed_offset(tz).ok_or_else(|| {
                    invalid(
                        format!("{section}.timezone"),
                        format!("{tz:?} is not a fixed offset such as \"+02:00\" or \"UTC\""),
                    )
                })?;
            }
            if let Some(unit) = &format.duration_unit {
                crate::ingest::parse::duration_unit_factor(unit).ok_or_else(|| {
                    invalid(
                        format!("{section}.duration_unit"),
                        format!("{unit:?} is not one of ns, us, ms, s"),
                    )
                })?;
            }
        }
        for (i, rule) in self.component_rules.iter().enumerate() {
            regex::Regex::new(&rule.pattern)
                .map_err(|e| invalid(format!("component_rule[{i}].pattern"), e.to_string()))?;
        }
        if self.ingest.max_line_bytes == 0 || self.ingest.row_group_rows == 0 {
            return Err(invalid(
                "ingest".into(),
                "max_line_bytes and row_group_rows must be positive".into(),
            ));
        }
        Ok(())
    }

    /// The format settings for one source: the first matching `[[source]]` over the defaults.
    pub fn settings_for(&self, uri: &str) -> (FormatSettings, Option<String>) {
        let matching = self
            .sources
            .iter()
            .find(|s| source_matches(&s.matches, uri));
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

/// A `match` glob applies to the full URI, to the path after `file://`, or to the file name.
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
        timestamp_field,
        timestamp_format,
        timestamp_year,
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
        trace_id_field
    )
}

/// serde's `deny_unknown_fields` does not combine with `flatten`, so unknown keys are found
/// here, before deserialising, and reported with their line.
fn check_known_keys(table: &toml::Table, text: &str, path: &Path) -> Result<(), ConfigError> {
    let unknown = |section: &str, key: &str, allowed: &[&str]| ConfigError::Parse {
        path: path.to_path_buf(),
        message: format!(
            "line {}: unknown key `{key}` in {section} (expected one of: {})",
            line_of_key(text, key),
            allowed.join(", ")
        ),
    };
    let check = |section: &str, value: &toml::Value, extra: &[&str]| {
        let allowed: Vec<&str> = FORMAT_KEYS.iter().chain(extra).copied().collect();
        let entries: Vec<&toml::Table> = match value {
            toml::Value::Table(t) => vec![t],
            toml::Value::Array(items) => items.iter().filter_map(|v| v.as_table()).collect(),
            _ => vec![],
        };
        for entry in entries {
            if let Some(key) = entry.keys().find(|k| !allowed.contains(&k.as_str())) {
                return Err(unknown(section, key, &allowed));
            }
        }
        Ok(())
    };
    for (key, value) in table {
        match key.as_str() {
            "ingest" => check(
                "[ingest]",
                value,
                &["max_line_bytes", "row_group_rows", "service"],
            )?,
            "source" => check("[[source]]", value, &["match", "service"])?,
            k if TOP_LEVEL_KEYS.contains(&k) => {}
            k => return Err(unknown("the top level", k, TOP_LEVEL_KEYS)),
        }
    }
    Ok(())
}

fn line_of_key(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.starts_with(key) && l[key.len()..].trim_start().starts_with('=')
                || l.trim_start_matches('[').starts_with(key)
        })
        .map(|i| i + 1)
        .unwrap_or(1)
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

/// TOML errors carry a byte span; turn it into "line N, column M: message".
fn describe_toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().to_string();
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_valid() {
        let c = Config::parse("", Path::new("x.toml")).unwrap();
        assert!(c.sources.is_empty());
        assert_eq!(c.ingest.max_line_bytes, 8 * 1024 * 1024);
    }

    #[test]
    fn unknown_key_reports_line() {
        let err = Config::parse("[ingest]\nmax_line_bytez = 3\n", Path::new("s.toml")).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("s.toml"), "{text}");
        assert!(text.contains("line 2"), "{text}");
        assert!(text.contains("max_line_bytez"), "{text}");
    }

    #[test]
    fn bad_regex_names_the_field() {
        let cfg = "[[source]]\nmatch = \"*.log\"\nformat = \"regex:(?P<x\"\n";
        let err = Config::parse(cfg, Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("source[0].format"), "{err}");
    }

    #[test]
    fn source_settings_override_defaults() {
        let cfg = "[ingest]\nlevel_field = \"lvl\"\nservice = \"base\"\n\n[[source]]\nmatch = \"*.access.log\"\nformat = \"combined\"\nservice = \"edge\"\n";
        let c = Config::parse(cfg, Path::new("s.toml")).unwrap();
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
