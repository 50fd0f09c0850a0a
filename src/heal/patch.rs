//! Fix generation: structured edits of files in the healing clone (`kind = "patch"`).
//!
//! An edit names one file by a literal relative path (checked at load: no absolute path, no
//! `..`, nothing under `.git`; checked again on disk, so a symlink cannot lead out of the
//! clone) and does one of:
//! - `set`: a dotted key in TOML (`toml_edit`), YAML (`yaml-edit`) or JSON (`serde_json`
//!   with its order kept); comments and order are kept in TOML and YAML. A table value is
//!   merged into the table already there, key by key; anything else replaces the key.
//! - `replace`: a regex, every match replaced; `$1` / `${name}` are the match's captures.
//! - `template`: the whole file written from a template.
//!
//! Values come from the breach row and its top recommendation through `{column}`
//! placeholders, filled in one pass (a value holding `{other}` stays that text), and reach
//! the file as data: a quoted TOML/YAML/JSON string, or in a replacement with `$` doubled so
//! it cannot name a capture. They never choose which file is edited.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use super::playbook::whole_placeholder;

/// What placeholders are filled from: the breach row's columns and the top recommendation.
pub type Values = BTreeMap<String, String>;

#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    #[error("{file}: not valid {format}: {message}")]
    Parse {
        file: String,
        format: &'static str,
        message: String,
    },
    #[error("{file}: {key:?} is not a table, so {path:?} cannot be set under it")]
    NotATable {
        file: String,
        key: String,
        path: String,
    },
    #[error(
        "{file}: the pattern {pattern:?} matches nothing (already fixed, or the file changed)"
    )]
    NoMatch { file: String, pattern: String },
    #[error("{file}: leads outside the clone (a symlink?)")]
    Escapes { file: String },
    #[error("{file}: {column} = {value:?} is not {wanted}")]
    BadValue {
        file: String,
        column: String,
        value: String,
        wanted: &'static str,
    },
    #[error("{file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Yaml,
    Json,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Toml => "TOML",
            Format::Yaml => "YAML",
            Format::Json => "JSON",
        }
    }

    /// From the file's extension; `None` when it says nothing.
    pub fn of_path(path: &str) -> Option<Format> {
        match Path::new(path).extension()?.to_str()? {
            "toml" => Some(Format::Toml),
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// What a row value becomes in a structured file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Text,
    Number,
    Integer,
    Bool,
}

/// A value to set: typed as written in the playbook, or one `{column}` of the row.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchValue {
    Literal(toml::Value),
    Column {
        column: String,
        as_type: ValueType,
    },
    /// A string with `{column}` placeholders: always a string.
    Text(String),
}

#[derive(Debug, Clone)]
pub enum EditOp {
    Set {
        format: Format,
        key: Vec<String>,
        value: PatchValue,
    },
    Replace {
        pattern: regex::Regex,
        with: String,
    },
    Template {
        template: String,
    },
}

#[derive(Debug, Clone)]
pub struct Edit {
    /// Relative to the clone's root, checked by [`check_relative_path`].
    pub file: String,
    pub op: EditOp,
}

/// `[[playbook.action.edit]]` as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEdit {
    file: String,
    set: Option<String>,
    value: Option<toml::Value>,
    #[serde(rename = "as")]
    as_type: Option<String>,
    format: Option<String>,
    replace: Option<String>,
    with: Option<String>,
    template: Option<String>,
}

/// Checks one edit as written: its path, exactly one operation, and what that needs.
pub fn parse_edit(raw: RawEdit) -> Result<Edit, String> {
    check_relative_path(&raw.file).map_err(|m| format!("file: {m}"))?;
    let file = raw.file;
    let op = match (raw.set, raw.replace, raw.template) {
        (Some(key), None, None) => {
            let format = match raw.format.as_deref() {
                None => Format::of_path(&file).ok_or_else(|| {
                    format!("file {file:?}: say `format = \"toml\" | \"yaml\" | \"json\"`")
                })?,
                Some("toml") => Format::Toml,
                Some("yaml") => Format::Yaml,
                Some("json") => Format::Json,
                Some(other) => {
                    return Err(format!("format {other:?}: expected toml, yaml or json"))
                }
            };
            let parts: Vec<String> = key.split('.').map(str::to_string).collect();
            if parts.iter().any(|p| p.trim().is_empty()) {
                return Err(format!(
                    "set {key:?}: a dotted key such as \"database.pool\""
                ));
            }
            let value = raw.value.ok_or("set needs a value")?;
            let as_type = match raw.as_type.as_deref() {
                None | Some("text") => ValueType::Text,
                Some("number") => ValueType::Number,
                Some("integer") => ValueType::Integer,
                Some("bool") => ValueType::Bool,
                Some(other) => {
                    return Err(format!(
                        "as {other:?}: expected text, number, integer or bool"
                    ))
                }
            };
            let value = match value {
                toml::Value::String(text) => match whole_placeholder(&text) {
                    Some(column) => PatchValue::Column {
                        column: column.to_string(),
                        as_type,
                    },
                    None if raw.as_type.is_some() => {
                        return Err("`as` applies to a value that is one \"{column}\"".into())
                    }
                    None => PatchValue::Text(text),
                },
                other => PatchValue::Literal(other),
            };
            EditOp::Set {
                format,
                key: parts,
                value,
            }
        }
        (None, Some(pattern), None) => {
            let pattern = regex::Regex::new(&pattern).map_err(|e| format!("replace: {e}"))?;
            let with = raw.with.ok_or("replace needs `with`")?;
            EditOp::Replace { pattern, with }
        }
        (None, None, Some(template)) => EditOp::Template { template },
        _ => return Err("needs exactly one of `set`, `replace` or `template`".into()),
    };
    Ok(Edit { file, op })
}

/// A patch path must stay inside the clone: relative, no `..`, not under `.git`.
pub fn check_relative_path(path: &str) -> Result<(), String> {
    if path.trim().is_empty() {
        return Err("must not be empty".into());
    }
    let p = Path::new(path);
    for part in p.components() {
        match part {
            Component::Normal(name) if name == ".git" => {
                return Err(format!("{path:?} is inside .git"));
            }
            Component::Normal(_) | Component::CurDir => {}
            _ => {
                return Err(format!(
                    "{path:?} must be relative to the repository, without `..`"
                ))
            }
        }
    }
    if path.contains('{') {
        return Err(format!(
            "{path:?}: a patch path is literal (row values never choose the file)"
        ));
    }
    Ok(())
}

/// `{name}` placeholders filled from `values` in one pass; unknown names stay as written.
/// `escape` is applied to each inserted value (e.g. doubling `$` in a regex replacement).
pub fn fill(template: &str, values: &Values, escape: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..name_len];
        match (after[name_len..].starts_with('}'), values.get(name)) {
            (true, Some(value)) if !name.is_empty() => {
                out.push_str(&escape(value));
                rest = &after[name_len + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Applies `edits` in order under `root`; returns the files changed.
pub fn apply(root: &Path, edits: &[Edit], values: &Values) -> Result<Vec<String>, PatchError> {
    let mut changed = Vec::new();
    for edit in edits {
        let path = inside(root, &edit.file)?;
        let io = |source| PatchError::Io {
            file: edit.file.clone(),
            source,
        };
        let before = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(e)),
        };
        let after = edit_text(
            &edit.file,
            before.as_deref().unwrap_or(""),
            &edit.op,
            values,
        )?;
        if before.as_deref() != Some(after.as_str()) {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            std::fs::write(&path, after).map_err(io)?;
            changed.push(edit.file.clone());
        }
    }
    Ok(changed)
}

/// `root/file`, refusing a path that resolves outside `root` through a symlink.
fn inside(root: &Path, file: &str) -> Result<PathBuf, PatchError> {
    let escapes = || PatchError::Escapes {
        file: file.to_string(),
    };
    let root = root.canonicalize().map_err(|source| PatchError::Io {
        file: file.to_string(),
        source,
    })?;
    let path = root.join(file);
    // The deepest part that exists decides where the path really leads.
    let mut existing = path.as_path();
    while !existing.exists() {
        existing = existing.parent().ok_or_else(escapes)?;
    }
    let real = existing.canonicalize().map_err(|_| escapes())?;
    if !real.starts_with(&root) {
        return Err(escapes());
    }
    Ok(path)
}

/// One edit of one file's text (pure).
pub fn edit_text(
    file: &str,
    text: &str,
    op: &EditOp,
    values: &Values,
) -> Result<String, PatchError> {
    match op {
        EditOp::Template { template } => Ok(fill(template, values, str::to_string)),
        EditOp::Replace { pattern, with } => {
            if !pattern.is_match(text) {
                return Err(PatchError::NoMatch {
                    file: file.to_string(),
                    pattern: pattern.as_str().to_string(),
                });
            }
            let with = fill(with, values, |v| v.replace('$', "$$"));
            Ok(pattern.replace_all(text, with.as_str()).into_owned())
        }
        EditOp::Set { format, key, value } => {
            let value = resolve(file, value, values)?;
            match format {
                Format::Toml => set_toml(file, text, key, &value),
                Format::Yaml => set_yaml(file, text, key, &value),
                Format::Json => set_json(file, text, key, &value),
            }
        }
    }
}

/// The concrete value of a `set`: a literal, or the row's text converted to its type.
fn resolve(file: &str, value: &PatchValue, values: &Values) -> Result<toml::Value, PatchError> {
    let (column, as_type) = match value {
        PatchValue::Literal(v) => return Ok(v.clone()),
        PatchValue::Text(template) => {
            return Ok(toml::Value::String(fill(template, values, str::to_string)))
        }
        PatchValue::Column { column, as_type } => (column, *as_type),
    };
    let text = values.get(column).cloned().unwrap_or_default();
    let bad = |wanted| PatchError::BadValue {
        file: file.to_string(),
        column: column.clone(),
        value: text.clone(),
        wanted,
    };
    Ok(match as_type {
        ValueType::Text => toml::Value::String(text.clone()),
        ValueType::Integer => {
            toml::Value::Integer(text.trim().parse().map_err(|_| bad("an integer"))?)
        }
        ValueType::Number => {
            let n: f64 = text.trim().parse().map_err(|_| bad("a number"))?;
            if !n.is_finite() {
                return Err(bad("a finite number"));
            }
            toml::Value::Float(n)
        }
        ValueType::Bool => {
            toml::Value::Boolean(text.trim().parse().map_err(|_| bad("true or false"))?)
        }
    })
}

fn parse_error(file: &str, format: Format, message: impl ToString) -> PatchError {
    PatchError::Parse {
        file: file.to_string(),
        format: format.name(),
        message: message.to_string(),
    }
}

fn not_a_table(file: &str, key: &[String], depth: usize) -> PatchError {
    PatchError::NotATable {
        file: file.to_string(),
        key: key[..depth].join("."),
        path: key.join("."),
    }
}

fn set_toml(
    file: &str,
    text: &str,
    key: &[String],
    value: &toml::Value,
) -> Result<String, PatchError> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| parse_error(file, Format::Toml, e.message()))?;
    let mut table = doc.as_table_mut();
    for (depth, part) in key[..key.len() - 1].iter().enumerate() {
        let entry = table
            .entry(part)
            .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
        table = entry
            .as_table_mut()
            .ok_or_else(|| not_a_table(file, key, depth + 1))?;
    }
    let last = key.last().expect("a key has a part");
    merge_toml(table, last, value);
    Ok(doc.to_string())
}

/// Sets `name` in `table`: tables merge key by key, anything else replaces.
fn merge_toml(table: &mut toml_edit::Table, name: &str, value: &toml::Value) {
    if let toml::Value::Table(fields) = value {
        if let Some(inner) = table.get_mut(name).and_then(|i| i.as_table_mut()) {
            for (k, v) in fields {
                merge_toml(inner, k, v);
            }
            return;
        }
    }
    let item = toml_item(value);
    match table.get_mut(name) {
        // Keep the comment and spacing around the old value.
        Some(existing) if existing.is_value() && item.is_value() => {
            let decor = existing.as_value().map(|v| v.decor().clone());
            *existing = item;
            if let (Some(decor), Some(v)) = (decor, existing.as_value_mut()) {
                *v.decor_mut() = decor;
            }
        }
        _ => {
            table.insert(name, item);
        }
    }
}

fn toml_item(value: &toml::Value) -> toml_edit::Item {
    match value {
        toml::Value::Table(fields) => {
            let mut table = toml_edit::Table::new();
            for (k, v) in fields {
                table.insert(k, toml_item(v));
            }
            toml_edit::Item::Table(table)
        }
        other => {
            // toml's own serialiser quotes and escapes strings; parsed back as a value.
            let text = other.to_string();
            toml_edit::Item::Value(text.parse().expect("toml writes valid values"))
        }
    }
}

fn json_of(value: &toml::Value) -> serde_json::Value {
    serde_json::to_value(value).expect("TOML values are JSON values")
}

fn set_json(
    file: &str,
    text: &str,
    key: &[String],
    value: &toml::Value,
) -> Result<String, PatchError> {
    let mut doc: serde_json::Value = if text.trim().is_empty() {
        serde_json::json!({})
    } else {
        serde_json::from_str(text).map_err(|e| parse_error(file, Format::Json, e))?
    };
    let mut node = &mut doc;
    for (depth, part) in key[..key.len() - 1].iter().enumerate() {
        let object = node
            .as_object_mut()
            .ok_or_else(|| not_a_table(file, key, depth))?;
        node = object
            .entry(part.clone())
            .or_insert_with(|| serde_json::json!({}));
    }
    let object = node
        .as_object_mut()
        .ok_or_else(|| not_a_table(file, key, key.len() - 1))?;
    merge_json(
        object,
        key.last().expect("a key has a part"),
        json_of(value),
    );
    let mut out = serde_json::to_string_pretty(&doc).expect("JSON values serialise");
    out.push('\n');
    Ok(out)
}

fn merge_json(
    object: &mut serde_json::Map<String, serde_json::Value>,
    name: &str,
    value: serde_json::Value,
) {
    if let (serde_json::Value::Object(fields), Some(serde_json::Value::Object(inner))) =
        (&value, object.get_mut(name))
    {
        for (k, v) in fields {
            merge_json(inner, k, v.clone());
        }
        return;
    }
    object.insert(name.to_string(), value);
}

fn set_yaml(
    file: &str,
    text: &str,
    key: &[String],
    value: &toml::Value,
) -> Result<String, PatchError> {
    use std::str::FromStr;
    let source = if text.trim().is_empty() { "{}\n" } else { text };
    let doc =
        yaml_edit::Document::from_str(source).map_err(|e| parse_error(file, Format::Yaml, e))?;
    let mut mapping = doc
        .as_mapping()
        .ok_or_else(|| parse_error(file, Format::Yaml, "the document is not a mapping"))?;
    for (depth, part) in key[..key.len() - 1].iter().enumerate() {
        mapping = match mapping.get_mapping(part.as_str()) {
            Some(inner) => inner,
            None if mapping.get(part.as_str()).is_some() => {
                return Err(not_a_table(file, key, depth + 1))
            }
            None => {
                mapping.set(
                    part.as_str(),
                    yaml_value(&toml::Value::Table(Default::default())),
                );
                mapping
                    .get_mapping(part.as_str())
                    .ok_or_else(|| not_a_table(file, key, depth + 1))?
            }
        };
    }
    merge_yaml(&mapping, key.last().expect("a key has a part"), value);
    Ok(doc.to_string())
}

fn merge_yaml(mapping: &yaml_edit::Mapping, name: &str, value: &toml::Value) {
    if let toml::Value::Table(fields) = value {
        if let Some(inner) = mapping.get_mapping(name) {
            for (k, v) in fields {
                merge_yaml(&inner, k, v);
            }
            return;
        }
    }
    mapping.set(name, yaml_value(value));
}

/// A YAML value with yaml-edit's own quoting of strings.
fn yaml_value(value: &toml::Value) -> yaml_edit::YamlValue {
    use yaml_edit::YamlValue;
    match value {
        toml::Value::String(s) => YamlValue::from(s.as_str()),
        toml::Value::Integer(i) => YamlValue::from(*i),
        toml::Value::Float(f) => YamlValue::from(*f),
        toml::Value::Boolean(b) => YamlValue::from(*b),
        toml::Value::Datetime(d) => YamlValue::from(d.to_string().as_str()),
        toml::Value::Array(items) => YamlValue::Sequence(items.iter().map(yaml_value).collect()),
        toml::Value::Table(fields) => YamlValue::Mapping(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), yaml_value(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
#[path = "patch_tests.rs"]
mod tests;
