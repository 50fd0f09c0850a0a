//! Evaluation time: every windowed view is evaluated at `shape_as_of()`, so a session (or a
//! test) can pin "now" with `SET shape.as_of = '2025-11-23T00:00:00Z'`.

use std::any::Any;

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
            other => plan_err!("unknown SHAPE option shape.{other} (known: shape.as_of)"),
        }
    }

    fn entries(&self) -> Vec<ConfigEntry> {
        vec![ConfigEntry {
            key: "shape.as_of".to_string(),
            value: Some(self.as_of.clone()),
            description: "evaluation time of windowed views (RFC 3339); empty means now",
        }]
    }
}

/// Parses an `as_of` value: RFC 3339, or a date (midnight UTC). Returns µs since the epoch.
pub fn parse_as_of(text: &str) -> Result<i64> {
    use chrono::{DateTime, NaiveDate};
    if let Ok(dt) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(dt.timestamp_micros());
    }
    if let Ok(date) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        return Ok(date
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_micros());
    }
    plan_err!("invalid shape.as_of {text:?}: expected RFC 3339 (2025-11-23T00:00:00Z) or a date (2025-11-23)")
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
