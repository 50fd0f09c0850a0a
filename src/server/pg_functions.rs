//! PostgreSQL's catalog information functions that psql, SQLAlchemy, pgcli and JDBC tools
//! call and datafusion-pg-catalog lacks. Each answers from the facts collected by
//! [`super::pg_catalog`]; where SHAPE has no such object (sequences, indexes, shared
//! objects), the answer is NULL, as PostgreSQL's is for an object without one.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use super::pg_catalog::CatalogFacts;

/// An argument as i64 values (NULL where it is not a number).
fn integers(array: &ArrayRef) -> Int64Array {
    datafusion::arrow::compute::cast(array, &DataType::Int64)
        .map(|a| a.as_primitive::<Int64Type>().clone())
        .unwrap_or_else(|_| Int64Array::from(vec![None; array.len()]))
}

/// A function of an object id (and, for some, a column number) returning text.
fn oid_to_text(
    name: &'static str,
    facts: &Arc<CatalogFacts>,
    answer: impl Fn(&CatalogFacts, i64, Option<i64>) -> Option<String> + Send + Sync + 'static,
) -> ScalarUDF {
    let facts = facts.clone();
    any_arguments(name, DataType::Utf8, move |arrays| {
        let oids = integers(&arrays[0]);
        let seconds = arrays.get(1).map(integers);
        let mut out = StringBuilder::with_capacity(oids.len(), 16 * oids.len());
        for row in 0..oids.len() {
            let second = seconds
                .as_ref()
                .and_then(|s| (!s.is_null(row)).then(|| s.value(row)));
            let value = (!oids.is_null(row))
                .then(|| answer(&facts, oids.value(row), second))
                .flatten();
            out.append_option(value);
        }
        Ok(Arc::new(out.finish()) as ArrayRef)
    })
}

/// A predicate on an object id.
fn oid_to_bool(
    name: &'static str,
    facts: &Arc<CatalogFacts>,
    test: impl Fn(&CatalogFacts, i64) -> bool + Send + Sync + 'static,
) -> ScalarUDF {
    let facts = facts.clone();
    datafusion::logical_expr::create_udf(
        name,
        vec![DataType::Int64],
        DataType::Boolean,
        Volatility::Stable,
        Arc::new(move |args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let oids = integers(&arrays[0]);
            let out: datafusion::arrow::array::BooleanArray = oids
                .iter()
                .map(|oid| oid.map(|o| test(&facts, o)))
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    )
}

/// PostgreSQL's SQL-standard type names for its internal ones (`to_regtype('integer')`).
fn type_name_alias(name: &str) -> &str {
    match name {
        "integer" | "int" => "int4",
        "bigint" => "int8",
        "smallint" => "int2",
        "boolean" => "bool",
        "real" => "float4",
        "double precision" => "float8",
        "character varying" => "varchar",
        "character" => "bpchar",
        "timestamp with time zone" => "timestamptz",
        "timestamp without time zone" | "timestamp" => "timestamp",
        other => other,
    }
}

/// The oid of a named object (schema qualification and quotes dropped), NULL when there is
/// none, as `to_regclass`/`to_regtype` answer.
fn name_to_oid(
    name: &'static str,
    facts: &Arc<CatalogFacts>,
    lookup: impl Fn(&CatalogFacts, &str) -> Option<i64> + Send + Sync + 'static,
) -> ScalarUDF {
    let facts = facts.clone();
    datafusion::logical_expr::create_udf(
        name,
        vec![DataType::Utf8],
        DataType::Int32,
        Volatility::Stable,
        Arc::new(move |args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let names = arrays[0].as_string::<i32>();
            let out: datafusion::arrow::array::Int32Array = names
                .iter()
                .map(|n| {
                    let n = n?
                        .rsplit('.')
                        .next()?
                        .trim()
                        .trim_matches('"')
                        .to_ascii_lowercase();
                    lookup(&facts, &n).map(|oid| oid as i32)
                })
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    )
}

/// A JSON value for row `row` of `array`: numbers and booleans as themselves, text as a
/// string, anything else as its text form.
fn json_value(array: &ArrayRef, row: usize) -> serde_json::Value {
    use datafusion::arrow::datatypes::Float64Type;
    if array.is_null(row) {
        return serde_json::Value::Null;
    }
    match array.data_type() {
        DataType::Boolean => serde_json::Value::Bool(array.as_boolean().value(row)),
        t if t.is_integer() => serde_json::Value::from(integers(array).value(row)),
        t if t.is_floating() || t.is_numeric() => {
            datafusion::arrow::compute::cast(array, &DataType::Float64)
                .ok()
                .and_then(|a| {
                    serde_json::Number::from_f64(a.as_primitive::<Float64Type>().value(row))
                })
                .map_or(serde_json::Value::Null, serde_json::Value::Number)
        }
        _ => datafusion::arrow::compute::cast(array, &DataType::Utf8)
            .map(|a| serde_json::Value::String(a.as_string::<i32>().value(row).to_string()))
            .unwrap_or(serde_json::Value::Null),
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonBuildObject {
    signature: Signature,
}

impl ScalarUDFImpl for JsonBuildObject {
    fn name(&self) -> &str {
        "json_build_object"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if !args.args.len().is_multiple_of(2) {
            return datafusion::common::exec_err!(
                "json_build_object: argument list must have even number of elements"
            );
        }
        let rows = args.number_rows;
        let arrays: Vec<ArrayRef> = args
            .args
            .iter()
            .map(|a| a.to_array(rows))
            .collect::<Result<_>>()?;
        let mut out = StringBuilder::with_capacity(rows, rows * 32);
        for row in 0..rows {
            let mut object = serde_json::Map::new();
            for pair in arrays.chunks(2) {
                let key = match json_value(&pair[0], row) {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => {
                        return datafusion::common::exec_err!(
                            "json_build_object: null value not allowed for object key"
                        )
                    }
                    other => other.to_string(),
                };
                object.insert(key, json_value(&pair[1], row));
            }
            out.append_value(serde_json::Value::Object(object).to_string());
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

/// `json_build_object(key, value, ...)` (SQLAlchemy's column reflection builds its
/// per-column details with it).
fn json_build_object_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(JsonBuildObject {
        signature: Signature::variadic_any(Volatility::Stable),
    })
}

/// A function whose answer is the same for every row (`true`, or NULL of a type), whatever
/// its arguments.
fn constant(name: &'static str, value: ScalarValue) -> ScalarUDF {
    any_arguments(name, value.data_type(), move |arrays| {
        value.to_array_of_size(arrays.first().map_or(1, |a| a.len()))
    })
}

/// A function taking any arguments (at least one), with a fixed result type.
pub(super) fn any_arguments(
    name: &'static str,
    returns: DataType,
    body: impl Fn(&[ArrayRef]) -> Result<ArrayRef> + Send + Sync + 'static,
) -> ScalarUDF {
    ScalarUDF::from(AnyArgumentsFn {
        name,
        signature: Signature::variadic_any(Volatility::Stable),
        returns,
        body: Arc::new(body),
    })
}

/// `pg_size_pretty(bigint)`: PostgreSQL's units (bytes, kB, MB, GB, TB, PB), switching at 10
/// of the next unit and rounding half up.
pub fn size_pretty(bytes: i64) -> String {
    let mut size = bytes as f64;
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB"];
    let mut unit = 0;
    while unit + 1 < units.len() && size.abs() >= 10.0 * 1024.0 - 0.5 {
        size /= 1024.0;
        unit += 1;
    }
    format!("{} {}", size.round() as i64, units[unit])
}

fn size_pretty_udf() -> ScalarUDF {
    datafusion::logical_expr::create_udf(
        "pg_size_pretty",
        vec![DataType::Int64],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let sizes = integers(&arrays[0]);
            let out: datafusion::arrow::array::StringArray =
                sizes.iter().map(|s| s.map(size_pretty)).collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    )
}

/// `shape_expand_array(a)`: the elements of an integer array as structs `{x, n}` (value,
/// 1-based position), what `_pg_expandarray` returns row by row.
fn expand_array_udf() -> ScalarUDF {
    use datafusion::arrow::array::{Int64Builder, StructBuilder};
    use datafusion::arrow::datatypes::{Field, Fields};
    let fields = Fields::from(vec![
        Field::new("x", DataType::Int64, true),
        Field::new("n", DataType::Int64, true),
    ]);
    let item = Arc::new(Field::new("item", DataType::Struct(fields.clone()), true));
    let returns = DataType::List(item.clone());
    ScalarUDF::from(AnyArgumentsFn {
        name: "shape_expand_array",
        signature: Signature::any(1, Volatility::Immutable),
        returns: returns.clone(),
        body: Arc::new(move |arrays: &[ArrayRef]| {
            let lists = datafusion::arrow::compute::cast(
                &arrays[0],
                &DataType::List(Arc::new(Field::new("item", DataType::Int64, true))),
            )?;
            let lists = lists.as_list::<i32>();
            let mut out = datafusion::arrow::array::ListBuilder::new(StructBuilder::from_fields(
                fields.clone(),
                0,
            ))
            .with_field(item.clone());
            for list in lists.iter() {
                match list {
                    None => out.append(false),
                    Some(values) => {
                        let values = integers(&values);
                        for (i, v) in values.iter().enumerate() {
                            let entry = out.values();
                            entry
                                .field_builder::<Int64Builder>(0)
                                .unwrap()
                                .append_option(v);
                            entry
                                .field_builder::<Int64Builder>(1)
                                .unwrap()
                                .append_value(i as i64 + 1);
                            entry.append(true);
                        }
                        out.append(true);
                    }
                }
            }
            Ok(Arc::new(out.finish()) as ArrayRef)
        }),
    })
}

type Body = dyn Fn(&[ArrayRef]) -> Result<ArrayRef> + Send + Sync;

/// A function of arrays with a fixed result type and a signature of its own.
struct AnyArgumentsFn {
    name: &'static str,
    signature: Signature,
    returns: DataType,
    body: Arc<Body>,
}

impl std::fmt::Debug for AnyArgumentsFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq for AnyArgumentsFn {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for AnyArgumentsFn {}

impl Hash for AnyArgumentsFn {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state)
    }
}

impl ScalarUDFImpl for AnyArgumentsFn {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(self.returns.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        Ok(ColumnarValue::Array((self.body)(&arrays)?))
    }
}

/// `shape_format_types(oids)`: `format_type` of every element of an oid array.
fn format_types_udf() -> ScalarUDF {
    use datafusion::arrow::datatypes::Field;
    let item = Arc::new(Field::new("item", DataType::Utf8, true));
    let format_type =
        datafusion_postgres::datafusion_pg_catalog::pg_catalog::format_type::create_format_type_udf(
        );
    ScalarUDF::from(AnyArgumentsFn {
        name: "shape_format_types",
        signature: Signature::any(1, Volatility::Stable),
        returns: DataType::List(item.clone()),
        body: Arc::new(move |arrays: &[ArrayRef]| {
            let lists = datafusion::arrow::compute::cast(
                &arrays[0],
                &DataType::List(Arc::new(Field::new("item", DataType::Int32, true))),
            )?;
            let lists = lists.as_list::<i32>();
            let values = lists.values().clone();
            let rows = values.len();
            let names = format_type
                .invoke_with_args(ScalarFunctionArgs {
                    args: vec![
                        ColumnarValue::Array(values),
                        ColumnarValue::Scalar(datafusion::common::ScalarValue::Int32(None)),
                    ],
                    arg_fields: vec![
                        Arc::new(Field::new("oid", DataType::Int32, true)),
                        Arc::new(Field::new("typmod", DataType::Int32, true)),
                    ],
                    number_rows: rows,
                    return_field: Arc::new(Field::new("name", DataType::Utf8, true)),
                    config_options: Arc::new(Default::default()),
                })?
                .to_array(rows)?;
            let names = datafusion::arrow::compute::cast(&names, &DataType::Utf8)?;
            Ok(Arc::new(datafusion::arrow::array::ListArray::try_new(
                item.clone(),
                lists.offsets().clone(),
                names,
                lists.nulls().cloned(),
            )?) as ArrayRef)
        }),
    })
}

/// A function of no arguments with a fixed answer (admin tools' server facts).
fn without_arguments(name: &'static str, value: ScalarValue) -> ScalarUDF {
    datafusion::logical_expr::create_udf(
        name,
        vec![],
        value.data_type(),
        Volatility::Stable,
        Arc::new(move |_: &[ColumnarValue]| Ok(ColumnarValue::Scalar(value.clone()))),
    )
}

/// When this process first built the functions: the server's start, for
/// `pg_postmaster_start_time()` (pgAdmin's and DBeaver's server pages show it).
fn started_at() -> ScalarValue {
    static STARTED: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let micros = *STARTED.get_or_init(|| chrono::Utc::now().timestamp_micros());
    ScalarValue::TimestampMicrosecond(Some(micros), Some("UTC".into()))
}

/// The functions, answering from `facts`.
pub fn udfs(facts: Arc<CatalogFacts>) -> Vec<ScalarUDF> {
    let null_text = || ScalarValue::Utf8(None);
    let null_size = || ScalarValue::Int64(None);
    let yes = || ScalarValue::Boolean(Some(true));
    vec![
        oid_to_text("obj_description", &facts, |f, oid, _| {
            f.descriptions.get(&(oid, 0)).cloned()
        }),
        oid_to_text("col_description", &facts, |f, oid, column| {
            f.descriptions.get(&(oid, column?)).cloned()
        }),
        // A `regproc` column as text (ADBC's type resolver reads `typreceive::text`):
        // the function's name, `-` for none, as PostgreSQL prints it.
        oid_to_text("shape_regproc_name", &facts, |f, oid, _| {
            Some(match oid {
                0 => "-".to_string(),
                _ => f.proc_names.get(&oid).cloned().unwrap_or(oid.to_string()),
            })
        }),
        oid_to_text("pg_get_viewdef", &facts, |f, oid, _| {
            f.view_definitions.get(&oid).cloned()
        }),
        oid_to_text("pg_get_function_result", &facts, |f, oid, _| {
            f.functions.get(&oid).map(|e| e.result.clone())
        }),
        // psql's `\sf`: SHAPE's functions are built in, so their body is their own name, as
        // PostgreSQL shows its `internal` functions.
        oid_to_text("pg_get_functiondef", &facts, |f, oid, _| {
            f.functions.get(&oid).map(|e| {
                format!(
                    "CREATE OR REPLACE FUNCTION public.{}({})\n RETURNS {}\n LANGUAGE internal\nAS $function${}$function$\n",
                    e.name, e.arguments, e.result, e.name
                )
            })
        }),
        oid_to_text("pg_get_function_arguments", &facts, |f, oid, _| {
            f.functions.get(&oid).map(|e| e.arguments.clone())
        }),
        oid_to_text("pg_get_function_identity_arguments", &facts, |f, oid, _| {
            f.functions.get(&oid).map(|e| e.arguments.clone())
        }),
        oid_to_bool("pg_table_is_visible", &facts, |f, oid| {
            f.visible_relations.contains(&oid)
        }),
        constant("pg_function_is_visible", yes()),
        constant("pg_type_is_visible", yes()),
        constant("pg_collation_is_visible", yes()),
        constant("pg_conversion_is_visible", yes()),
        constant("pg_opclass_is_visible", yes()),
        constant("pg_opfamily_is_visible", yes()),
        constant("pg_operator_is_visible", yes()),
        constant("pg_ts_config_is_visible", yes()),
        constant("pg_ts_dict_is_visible", yes()),
        constant("pg_ts_parser_is_visible", yes()),
        constant("pg_ts_template_is_visible", yes()),
        constant("pg_statistics_obj_is_visible", yes()),
        json_build_object_udf(),
        name_to_oid("to_regclass", &facts, |f, name| {
            f.relation_oids.get(name).copied()
        }),
        name_to_oid("to_regtype", &facts, |f, name| {
            f.type_oids.get(type_name_alias(name)).copied()
        }),
        constant("shobj_description", null_text()),
        constant("pg_get_serial_sequence", null_text()),
        constant("pg_get_indexdef", null_text()),
        // psql's `\dx+` (an extension's objects; SHAPE has none) and `\df+` (a function's
        // SQL body; SHAPE's are built in).
        constant("pg_describe_object", null_text()),
        constant("pg_get_function_sqlbody", null_text()),
        // `\dO`: collations of the database's encoding, UTF8 (PostgreSQL's number 6).
        constant("pg_char_to_encoding", ScalarValue::Int32(Some(6))),
        // `\dX`: SHAPE has no extended statistics objects.
        constant("pg_get_statisticsobjdef_columns", null_text()),
        without_arguments(
            "getdatabaseencoding",
            ScalarValue::Utf8(Some("UTF8".to_string())),
        ),
        super::pg_format::format_udf(),
        // `\db`: SHAPE has no tablespaces beyond the default ones, which have no location.
        constant(
            "pg_tablespace_location",
            ScalarValue::Utf8(Some(String::new())),
        ),
        // Parquet sizes are not what these mean in PostgreSQL (heap pages); unknown here.
        constant("pg_table_size", null_size()),
        constant("pg_indexes_size", null_size()),
        constant("pg_database_size", null_size()),
        constant("pg_tablespace_size", null_size()),
        without_arguments("pg_is_in_recovery", ScalarValue::Boolean(Some(false))),
        without_arguments("pg_postmaster_start_time", started_at()),
        size_pretty_udf(),
        super::pg_syntax::like_pattern_udf(),
        super::pg_syntax::unsupported_subquery_udf(),
        expand_array_udf(),
        format_types_udf(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_postgres_prints_them() {
        assert_eq!(size_pretty(0), "0 bytes");
        assert_eq!(size_pretty(10_239), "10239 bytes");
        assert_eq!(size_pretty(10_240), "10 kB");
        assert_eq!(size_pretty(1_500_000), "1465 kB");
        assert_eq!(size_pretty(123_456_789), "118 MB");
    }
}
