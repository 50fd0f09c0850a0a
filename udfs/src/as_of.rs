//! `shape.*` session options. Evaluation time: every windowed view is evaluated at
//! `shape_as_of()`, so a session (or a test) can pin "now" with
//! `SET shape.as_of = '2025-11-23T00:00:00Z'`. Settings: the program that builds the context
//! declares its settings with defaults (`shape.detect.z_threshold` ...); views read them with
//! `shape_setting(name)`, `shape_number(name)` and `shape_integer(name)`, which the planner
//! folds to literals, and a session may `SET` them.

use std::any::Any;
use std::collections::BTreeMap;

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::config::{ConfigEntry, ConfigExtension, ExtensionOptions};
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// `shape.*` session options.
#[derive(Debug, Clone, Default)]
pub struct ShapeOptions {
    /// RFC 3339 evaluation time; empty means now.
    pub as_of: String,
    /// Declared settings (`detect.z_threshold` -> `4.0`): only declared names can be set.
    pub settings: BTreeMap<String, String>,
}

impl ShapeOptions {
    /// Declares (or redefines) a setting with its value.
    pub fn declare(&mut self, name: &str, value: impl Into<String>) {
        self.settings.insert(name.to_string(), value.into());
    }
}

impl ConfigExtension for ShapeOptions {
    const PREFIX: &'static str = "shape";
}

impl ExtensionOptions for ShapeOptions {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn cloned(&self) -> Box<dyn ExtensionOptions> {
        Box::new(self.clone())
    }

    fn set(&mut self, key: &str, value: &str) -> Result<()> {
        match key {
            "as_of" => {
                let value = value.trim();
                if !value.is_empty() && !value.eq_ignore_ascii_case("now") {
                    parse_as_of(value)?;
                    self.as_of = value.to_string();
                } else {
                    self.as_of.clear();
                }
                Ok(())
            }
            other => match self.settings.get_mut(other) {
                Some(setting) => {
                    *setting = value.trim().to_string();
                    Ok(())
                }
                None => plan_err!(
                    "unknown SHAPE option shape.{other} (known: shape.as_of{})",
                    self.settings
                        .keys()
                        .map(|k| format!(", shape.{k}"))
                        .collect::<String>()
                ),
            },
        }
    }

    fn entries(&self) -> Vec<ConfigEntry> {
        let mut entries = vec![ConfigEntry {
            key: "shape.as_of".to_string(),
            value: Some(self.as_of.clone()),
            description: "evaluation time of windowed views (RFC 3339); empty means now",
        }];
        entries.extend(self.settings.iter().map(|(k, v)| ConfigEntry {
            key: format!("shape.{k}"),
            value: Some(v.clone()),
            description: "a SHAPE setting (from the config file; SET changes it per session)",
        }));
        entries
    }
}

/// Parses an `as_of` value as PostgreSQL reads a timestamptz (RFC 3339, `2025-11-23 14:08`,
/// a date, `today`, `yesterday`; no zone means UTC; see [`crate::pg_timestamp`]). Returns µs
/// since the epoch.
pub fn parse_as_of(text: &str) -> Result<i64> {
    match crate::pg_timestamp::parse(text, chrono::Utc::now().timestamp_micros()) {
        Some(micros) => Ok(micros),
        None => plan_err!(
            "invalid shape.as_of {text:?}: expected a timestamp such as 2025-11-23T00:00:00Z, \
             '2025-11-23 14:08' (UTC unless a zone follows), a date (2025-11-23), now, today or \
             yesterday"
        ),
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct AsOf {
    signature: Signature,
}

impl ScalarUDFImpl for AsOf {
    fn name(&self) -> &str {
        "shape_as_of"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Timestamp(
            TimeUnit::Microsecond,
            Some("UTC".into()),
        ))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let configured = args
            .config_options
            .extensions
            .get::<ShapeOptions>()
            .map(|o| o.as_of.clone())
            .unwrap_or_default();
        let micros = if configured.is_empty() {
            match chrono::Utc::now().timestamp_micros() {
                m if m > 0 => m,
                _ => return exec_err!("system clock before 1970"),
            }
        } else {
            parse_as_of(&configured)?
        };
        Ok(ColumnarValue::Scalar(ScalarValue::TimestampMicrosecond(
            Some(micros),
            Some("UTC".into()),
        )))
    }
}

/// `shape_as_of()`: stable within a query, so the planner folds it once.
pub fn as_of_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(AsOf {
        signature: Signature::exact(vec![], Volatility::Stable),
    })
}

/// The setting a function's first argument (a literal) names, and its value in this session.
fn declared_setting(args: &ScalarFunctionArgs, function: &str) -> Result<(String, String)> {
    let name = match args.args.first() {
        Some(ColumnarValue::Scalar(ScalarValue::Utf8(Some(name)))) => name.clone(),
        _ => return exec_err!("{function}(name, ...) takes a literal setting name"),
    };
    let options = args.config_options.extensions.get::<ShapeOptions>();
    match options.and_then(|o| o.settings.get(&name)) {
        Some(text) => Ok((name, text.clone())),
        None => exec_err!("unknown SHAPE setting {name:?} (see SHOW ALL, shape.*)"),
    }
}

/// The type a setting function returns.
#[derive(Debug, PartialEq, Eq, Hash, Clone, Copy)]
enum SettingType {
    Text,
    Number,
    Integer,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Setting {
    name: &'static str,
    returns: SettingType,
    signature: Signature,
}

impl ScalarUDFImpl for Setting {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(match self.returns {
            SettingType::Text => DataType::Utf8,
            SettingType::Number => DataType::Float64,
            SettingType::Integer => DataType::Int64,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (name, text) = declared_setting(&args, self.name)?;
        let bad = |what: &str| exec_err!("SHAPE setting shape.{name} = {text:?} is not {what}");
        Ok(ColumnarValue::Scalar(match self.returns {
            SettingType::Text => ScalarValue::Utf8(Some(text)),
            SettingType::Number => match text.parse::<f64>() {
                Ok(n) if n.is_finite() => ScalarValue::Float64(Some(n)),
                _ => return bad("a number"),
            },
            SettingType::Integer => match text.parse::<i64>() {
                Ok(n) => ScalarValue::Int64(Some(n)),
                Err(_) => return bad("an integer"),
            },
        }))
    }
}

/// `shape_setting(name)` (text), `shape_number(name)` (double), `shape_integer(name)`
/// (bigint): a declared `shape.*` setting of the session. Stable, so the planner folds each
/// call to a literal once per query.
pub fn setting_udfs() -> Vec<ScalarUDF> {
    [
        ("shape_setting", SettingType::Text),
        ("shape_number", SettingType::Number),
        ("shape_integer", SettingType::Integer),
    ]
    .into_iter()
    .map(|(name, returns)| {
        ScalarUDF::new_from_impl(Setting {
            name,
            returns,
            signature: Signature::exact(vec![DataType::Utf8], Volatility::Stable),
        })
    })
    .collect()
}

/// `shape_scoped_number(name, component, operation)`: a per-scope number from the declared
/// setting `name`, whose value is a JSON object `{"component": {"operation": n, "*": n}}`:
/// the operation's value, else the component's (`*`), else NULL. Lets a view apply a
/// threshold per component and operation without joining every row to a table.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ScopedNumber {
    signature: Signature,
}

impl ScalarUDFImpl for ScopedNumber {
    fn name(&self) -> &str {
        "shape_scoped_number"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        use datafusion::arrow::array::{Array, AsArray, Float64Array};
        let (name, text) = declared_setting(&args, "shape_scoped_number")?;
        let scopes: BTreeMap<String, BTreeMap<String, f64>> = match serde_json::from_str(&text) {
            Ok(scopes) => scopes,
            Err(e) => {
                return exec_err!(
                    "SHAPE setting shape.{name} is not {{\"component\": {{\"operation\": n, \"*\": n}}}}: {e}"
                )
            }
        };
        let rows = args.number_rows;
        // Scalars (literal scopes) become arrays of the batch's length.
        let utf8 = |i: usize| -> Result<_> {
            let array = args.args[i].to_array(rows)?;
            Ok(datafusion::arrow::compute::cast(&array, &DataType::Utf8)?)
        };
        let (components, operations) = (utf8(1)?, utf8(2)?);
        let (components, operations) =
            (components.as_string::<i32>(), operations.as_string::<i32>());
        let values: Float64Array = (0..rows)
            .map(|row| {
                if components.is_null(row) {
                    return None;
                }
                let scope = scopes.get(components.value(row))?;
                let operation = (!operations.is_null(row)).then(|| operations.value(row));
                operation
                    .and_then(|op| scope.get(op))
                    .or_else(|| scope.get("*"))
                    .copied()
            })
            .collect();
        Ok(ColumnarValue::Array(std::sync::Arc::new(values)))
    }
}

/// The per-scope lookup function (see [`ScopedNumber`]).
pub fn scoped_number_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(ScopedNumber {
        signature: Signature::any(3, Volatility::Stable),
    })
}
