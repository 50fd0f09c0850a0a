//! `shape.toml`: one file, one section per layer. This module only reads the file and hands
//! out typed sections; each layer owns its settings type and its checks (`[ingest]` and
//! `[[source]]` in `ingest::settings`, `[[slo]]` in `slo`, `[detect]` in `detect`, `[heal]`
//! and `[[playbook]]` in `heal`, `[server]` and `[[user]]` in `server`, `[run]` in `run`).
//!
//! Every section is optional; no file at all means "defaults everywhere". Unknown keys are
//! errors, and every error names the file, the line and the field, so a typo never silently
//! changes behaviour.

use std::path::{Path, PathBuf};

use serde::de::{DeserializeOwned, Deserializer as _};

use crate::common::{field_line, table_line};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Any error in the file: syntax, an unknown key, a bad value.
    #[error("invalid config {path}, line {line}: {field}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        field: String,
        message: String,
    },
}

/// Top-level keys: each belongs to one layer, which reads and checks it.
pub const SECTIONS: &[&str] = &[
    "ingest",
    "source",
    "component_rule",
    "slo",
    "slo_files",
    "burn_tier",
    "server",
    "http",
    "notify",
    "user",
    "heal",
    "playbook",
    "detect",
    "run",
    "retention",
    "compact",
    "cluster",
];

/// A parsed `shape.toml` (or none: every section then takes its defaults).
#[derive(Debug, Clone, Default)]
pub struct Config {
    file: Option<ConfigFile>,
}

/// The file's path, text and TOML table.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub text: String,
    pub table: toml::Table,
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

    /// Parses config text; `path` names the file in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let (line, column) = match e.span() {
                Some(span) => line_and_column(text, span.start),
                None => (1, 1),
            };
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                field: format!("column {column}"),
                message: e.message().trim().to_string(),
            }
        })?;
        let config = Config {
            file: Some(ConfigFile {
                path: path.to_path_buf(),
                text: text.to_string(),
                table,
            }),
        };
        if let Some(file) = &config.file {
            if let Some(key) = file.table.keys().find(|k| !SECTIONS.contains(&k.as_str())) {
                return Err(config.invalid(
                    key,
                    format!("unknown section (expected one of: {})", SECTIONS.join(", ")),
                ));
            }
        }
        Ok(config)
    }

    /// Sets the dotted `key` (`detect.lookback_days`) to `value`, written in TOML syntax
    /// (`30`, `true`, `"x"`, `["a"]`); anything that does not parse is taken as a string.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let value = toml::from_str::<toml::Table>(&format!("v = {value}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.to_string()));
        let mut parts: Vec<&str> = key.split('.').collect();
        let last = parts.pop().unwrap_or(key);
        if !SECTIONS.contains(&parts.first().copied().unwrap_or(last)) {
            return Err(self.invalid(
                key,
                format!("unknown section (expected one of: {})", SECTIONS.join(", ")),
            ));
        }
        let path = self.path().to_path_buf();
        let file = self.file.get_or_insert_with(|| ConfigFile {
            path,
            text: String::new(),
            table: toml::Table::new(),
        });
        let mut table = &mut file.table;
        for part in parts {
            table = table
                .entry(part)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .ok_or_else(|| ConfigError::Invalid {
                    path: file.path.clone(),
                    line: 1,
                    field: key.to_string(),
                    message: format!("{part} is not a table"),
                })?;
        }
        table.insert(last.to_string(), value);
        Ok(())
    }

    /// The file, when there is one.
    pub fn file(&self) -> Option<&ConfigFile> {
        self.file.as_ref()
    }

    /// The file's path, or `shape.toml` (for messages) when there is none.
    pub fn path(&self) -> &Path {
        self.file
            .as_ref()
            .map_or(Path::new("shape.toml"), |f| f.path.as_path())
    }

    /// Where relative paths in the config resolve: the file's directory (absolute), else
    /// the current directory.
    pub fn base_dir(&self) -> PathBuf {
        let dir = self
            .file
            .as_ref()
            .and_then(|f| f.path.parent())
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
    }

    /// The raw value of a top-level key.
    pub fn value(&self, key: &str) -> Option<&toml::Value> {
        self.file.as_ref().and_then(|f| f.table.get(key))
    }

    /// Section `key` as `T` (`T::default()` when absent). A wrong type or an unknown key
    /// is an error naming the line and the field (`heal.max_rows`).
    pub fn section<T: DeserializeOwned + Default>(&self, key: &str) -> Result<T, ConfigError> {
        match self.value(key) {
            None => Ok(T::default()),
            Some(value) => self.decode(key, value),
        }
    }

    /// Decodes `value`, found at `field` (a dotted path), as `T`.
    pub fn decode<T: DeserializeOwned>(
        &self,
        field: &str,
        value: &toml::Value,
    ) -> Result<T, ConfigError> {
        value.clone().try_into().map_err(|e: toml::de::Error| {
            if let Some(located) = self.locate::<T>(field) {
                return located;
            }
            let message = e.message().trim().to_string();
            // serde names the offending key in backticks: point at its line when we can.
            let key = message
                .split('`')
                .nth(1)
                .filter(|k| !k.is_empty() && !k.contains(' '));
            match key {
                Some(key) => self.invalid(&format!("{field}.{key}"), message.clone()),
                None => self.invalid(field, message.clone()),
            }
        })
    }

    /// Decodes top-level section `key` from the file's text, so a failure carries the span
    /// of the offending value: its line and the key written there. `None` when the file's
    /// text does not reproduce the failure (e.g. the value came from an override).
    fn locate<T: DeserializeOwned>(&self, key: &str) -> Option<ConfigError> {
        let file = self.file.as_ref().filter(|_| !key.contains(['.', '[']))?;
        let error = toml::Deserializer::new(&file.text)
            .deserialize_map(OneSection::<T> {
                key,
                found: std::marker::PhantomData,
            })
            .err()?;
        let (line, _) = line_and_column(&file.text, error.span()?.start);
        let written = file.text.lines().nth(line - 1).unwrap_or("");
        let field = match written.split_once('=') {
            Some((name, _)) if !written.trim_start().starts_with('[') => {
                format!("{key}.{}", name.trim().trim_matches('"'))
            }
            _ => key.to_string(),
        };
        Some(ConfigError::Invalid {
            path: file.path.clone(),
            line,
            field,
            message: error.message().trim().to_string(),
        })
    }

    /// An error about `field` (a dotted path such as `heal.cooldown` or `source[1].format`),
    /// with the line it is on.
    pub fn invalid(&self, field: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            path: self.path().to_path_buf(),
            line: self.line_of(field),
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// The line of a dotted field: the line of its key within its table, else the table's.
    pub fn line_of(&self, field: &str) -> usize {
        let Some(file) = &self.file else { return 1 };
        let mut parts = field.split('.');
        let section = parts.next().unwrap_or(field);
        let (section, index) = match section.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (section, None),
        };
        let start = match index {
            Some(n) => crate::common::line_of(&file.text, &format!("[[{section}]]"), n),
            None => table_line(&file.text, section),
        };
        match parts.next_back() {
            Some(key) => field_line(&file.text, start, key),
            None => start,
        }
    }
}

/// Decodes only one top-level key of a document as `T` (the others are skipped), so the
/// TOML deserializer reports errors with spans in the file.
struct OneSection<'a, T> {
    key: &'a str,
    found: std::marker::PhantomData<T>,
}

impl<'de, T: DeserializeOwned> serde::de::Visitor<'de> for OneSection<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a TOML document")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(name) = map.next_key::<String>()? {
            if name == self.key {
                map.next_value::<T>()?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Sample {
        max_rows: usize,
        cooldown: Option<String>,
    }

    #[test]
    fn empty_config_is_valid() {
        let c = Config::parse("", Path::new("x.toml")).unwrap();
        assert!(c.value("ingest").is_none());
        let s: Sample = c.section("heal").unwrap();
        assert_eq!(s.max_rows, 0);
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let err = Config::parse("[heal]\nmax_rows = = 3\n", Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("s.toml, line 2"), "{err}");
    }

    #[test]
    fn unknown_sections_and_keys_name_the_line() {
        let err = Config::parse("\n[heel]\nx = 1\n", Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("heel"), "{err}");
        let c = Config::parse(
            "[heal]\nmax_rows = 2\ncooldwn = \"5m\"\n",
            Path::new("s.toml"),
        )
        .unwrap();
        let err = c.section::<Sample>("heal").unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("heal.cooldwn"), "{err}");
    }

    #[test]
    fn wrong_types_name_the_section() {
        let c = Config::parse("[heal]\nmax_rows = \"many\"\n", Path::new("s.toml")).unwrap();
        let err = c.section::<Sample>("heal").unwrap_err().to_string();
        assert!(err.contains("s.toml, line 2: heal.max_rows"), "{err}");
    }

    #[test]
    fn lines_of_array_tables() {
        let c = Config::parse(
            "[[source]]\nmatch = \"a\"\n\n[[source]]\nmatch = \"b\"\nformat = \"x\"\n",
            Path::new("s.toml"),
        )
        .unwrap();
        assert_eq!(c.line_of("source[1].format"), 6);
        assert_eq!(c.line_of("source[0]"), 1);
    }
}
