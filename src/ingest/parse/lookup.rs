//! Finding the field that feeds a column: named in the config, or the first of the column's
//! candidate names present, also inside nested objects.

use serde_json::Value;

use super::super::formats::{is_http_method, route_template, url_path};
use super::super::names::{names_of, Column, Resolved, REQUEST_NAMES};

/// Which field feeds a column: named in config (exact) or the first candidate present.
#[derive(Debug, Clone)]
pub(super) enum FieldChoice {
    Named(String),
    Candidates(Column),
}

impl FieldChoice {
    pub(super) fn new(named: &Option<String>, column: Column) -> Self {
        match named {
            Some(name) => FieldChoice::Named(name.clone()),
            None => FieldChoice::Candidates(column),
        }
    }

    /// `resolved`: the record's candidates matched in one pass (a record of scalars).
    pub(super) fn find<'f>(
        &'f self,
        fields: &'f [(String, Value)],
        nested: bool,
        resolved: Option<&Resolved>,
    ) -> Option<Found<'f>> {
        match (self, resolved) {
            (FieldChoice::Named(name), _) => lookup(fields, name, nested),
            (FieldChoice::Candidates(column), Some(resolved)) => {
                resolved.field(*column).map(|i| Found::at(fields, i))
            }
            (FieldChoice::Candidates(column), None) => names_of(*column)
                .iter()
                .find_map(|n| lookup(fields, n, nested)),
        }
    }
}

/// Where a column's value was found: a field of the record (`index`), or a value inside an
/// object field (`index` none), which then stays in `attributes` whole.
pub(super) struct Found<'f> {
    pub(super) index: Option<usize>,
    pub(super) name: &'f str,
    pub(super) value: &'f Value,
}

impl<'f> Found<'f> {
    pub(super) fn at(fields: &'f [(String, Value)], index: usize) -> Found<'f> {
        Found {
            index: Some(index),
            name: &fields[index].0,
            value: &fields[index].1,
        }
    }
}

/// The request a record logs, as (operation, request): `GET /api/orders/{id}` and `GET
/// /api/orders/1274?x=1` from its method and target fields (see [`REQUEST_NAMES`]) or from a
/// `request` field holding the request line (nginx's `"request":"$request"` in a JSON
/// `log_format`); the fields stay in `attributes`.
pub(super) fn request_of(fields: &[(String, Value)], nested: bool) -> Option<(String, String)> {
    let (method, target) = REQUEST_NAMES
        .iter()
        .find_map(|(method, target)| {
            let method = lookup(fields, method, nested)?.value.as_str()?;
            let target = lookup(fields, target, nested)?.value.as_str()?;
            Some((method.to_ascii_uppercase(), target))
        })
        .or_else(|| {
            let line = lookup(fields, "request", nested)?.value.as_str()?;
            let mut words = line.split(' ');
            let (method, target) = (words.next()?, words.next()?);
            let is_target = target.starts_with('/') || target.contains("://");
            (is_http_method(method) && is_target).then(|| (method.to_string(), target))
        })?;
    let operation = format!("{method} {}", route_template(url_path(target)));
    Some((operation, format!("{method} {target}")))
}

/// A value found for a column; its field is used (a value inside an object is not).
pub(super) fn pick_found<'f>(
    used: &std::cell::RefCell<Vec<bool>>,
    found: Option<Found<'f>>,
) -> Option<(&'f str, &'f Value)> {
    let found = found?;
    if let Some(i) = found.index {
        used.borrow_mut()[i] = true;
    }
    Some((found.name, found.value))
}

/// The value for the field name `name`: a field of that name holding a scalar (a column
/// takes no object), else, for a dotted name, the value at that path inside objects, as ECS,
/// Google Cloud and pino write them: `service.name` in `{"service":{"name":"checkout"}}`,
/// `http.response.status_code` in `{"http":{"response":{"status_code":502}}}`, also
/// `{"log":{"level":"warn"}}` and `{"log":{"level.name":...}}`-style dotted keys inside.
/// `nested`: whether the record holds an object at all (most, every text line, do not), found
/// once per record so that a missed candidate costs one scan.
pub(super) fn lookup<'f>(
    fields: &'f [(String, Value)],
    name: &'f str,
    nested: bool,
) -> Option<Found<'f>> {
    let scalar = |v: &Value| !matches!(v, Value::Object(_) | Value::Array(_));
    if let Some(i) = find_last(fields, name).filter(|&i| scalar(&fields[i].1)) {
        return Some(Found {
            index: Some(i),
            name: &fields[i].0,
            value: &fields[i].1,
        });
    }
    if !nested {
        return None;
    }
    let dot = name.find('.')?;
    let mut value = &fields[find_last(fields, &name[..dot])?].1;
    let mut path = &name[dot + 1..];
    loop {
        let Value::Object(object) = value else {
            return None;
        };
        if let Some(found) = object.get(path).filter(|v| scalar(v)) {
            return Some(Found {
                index: None,
                name,
                value: found,
            });
        }
        let dot = path.find('.')?;
        value = object.get(&path[..dot])?;
        path = &path[dot + 1..];
    }
}

/// The last occurrence wins (as in JavaScript and most JSON parsers); earlier duplicates are
/// kept in `attributes._duplicate_keys`.
pub(super) fn find_last(fields: &[(String, Value)], name: &str) -> Option<usize> {
    fields.iter().rposition(|(k, _)| k == name)
}

/// A `time` that is a time of day beside a `date` field: the date's index and both joined.
pub(super) fn day_and_time(
    fields: &[(String, Value)],
    name: &str,
    time: &Value,
) -> Option<(usize, String)> {
    let time = time
        .as_str()
        .filter(|t| name == "time" && is_time_of_day(t))?;
    let date_index = find_last(fields, "date")?;
    let date = fields[date_index].1.as_str()?;
    Some((date_index, format!("{date} {time}")))
}

/// `14:01:02`, `14:01:02.123`: two digits, a colon, and no date before it.
fn is_time_of_day(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 5
        && bytes.len() <= 18
        && bytes[..2].iter().all(u8::is_ascii_digit)
        && bytes[2] == b':'
}
