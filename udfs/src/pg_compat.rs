//! PostgreSQL compatibility for clients that ask the server about itself (Grafana reads
//! `current_setting('server_version_num')` to pick its SQL, and `search_path` to list tables).

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::ShapeOptions;

/// The PostgreSQL version SHAPE answers as: clients pick their SQL by it (Grafana by
/// `server_version_num`, SQLAlchemy by parsing `version()`, JDBC by the `server_version`
/// parameter), so all three say the same. The parenthesised part is where PostgreSQL builds
/// name their distribution (`16.6 (Debian 16.6-1)`); clients read the leading number only.
pub const SERVER_VERSION: &str = "16.6";
pub const SERVER_VERSION_NUM: &str = "160006";

/// `server_version` as reported at startup and by `SHOW server_version`.
pub fn server_version() -> String {
    format!("{SERVER_VERSION} (SHAPE {})", env!("CARGO_PKG_VERSION"))
}

/// What `version()` returns: PostgreSQL's layout, so every client's version parser reads
/// 16.6, then what actually answers.
pub fn version_string() -> String {
    format!(
        "PostgreSQL {SERVER_VERSION} on {}-pc-{}-gnu, compiled by rustc, 64-bit; SHAPE {} (Apache DataFusion {})",
        std::env::consts::ARCH,
        std::env::consts::OS,
        env!("CARGO_PKG_VERSION"),
        datafusion::DATAFUSION_VERSION,
    )
}

/// `version()`.
pub fn version_udf() -> ScalarUDF {
    let text = version_string();
    datafusion::logical_expr::create_udf(
        "version",
        vec![],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(move |_args: &[ColumnarValue]| {
            Ok(ColumnarValue::Scalar(
                datafusion::common::ScalarValue::Utf8(Some(text.clone())),
            ))
        }),
    )
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CurrentSetting {
    signature: Signature,
}

impl CurrentSetting {
    fn value(name: &str, options: &ShapeOptions) -> Option<String> {
        Some(match name.to_ascii_lowercase().as_str() {
            "server_version" => server_version(),
            "server_version_num" => SERVER_VERSION_NUM.to_string(),
            "search_path" => "\"$user\", public".to_string(),
            "timezone" => "UTC".to_string(),
            "datestyle" => "ISO, MDY".to_string(),
            "client_encoding" | "server_encoding" => "UTF8".to_string(),
            "standard_conforming_strings" => "on".to_string(),
            "shape.as_of" if options.as_of.is_empty() => "now".to_string(),
            "shape.as_of" => options.as_of.clone(),
            _ => return None,
        })
    }
}

impl ScalarUDFImpl for CurrentSetting {
    fn name(&self) -> &str {
        "current_setting"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let options = args
            .config_options
            .extensions
            .get::<ShapeOptions>()
            .cloned()
            .unwrap_or_default();
        let names = ColumnarValue::values_to_arrays(&args.args)?;
        let names = datafusion::arrow::compute::cast(&names[0], &DataType::Utf8)?;
        let names = names.as_string::<i32>();
        let mut out = StringBuilder::with_capacity(names.len(), names.len() * 8);
        for i in 0..names.len() {
            if names.is_null(i) {
                out.append_null();
                continue;
            }
            match Self::value(names.value(i), &options) {
                Some(value) => out.append_value(value),
                None => {
                    return exec_err!(
                        "unrecognized configuration parameter \"{}\"",
                        names.value(i)
                    )
                }
            }
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

/// `current_setting(name)`: server_version, server_version_num, search_path, TimeZone,
/// DateStyle, client_encoding, standard_conforming_strings and shape.as_of.
pub fn current_setting_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(CurrentSetting {
        signature: Signature::exact(vec![DataType::Utf8], Volatility::Stable),
    })
}
