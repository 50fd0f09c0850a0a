//! Catalog tables as SHAPE serves them: a `pg_catalog` table with columns replaced or added
//! (text arrays, `tableoid`, `boot_val`) or with rows of ours (`pg_roles`, `pg_settings`).

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{new_null_array, ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::catalog::{SchemaProvider, TableProvider};
use datafusion::error::{DataFusionError, Result};

use super::CatalogFacts;

/// `pg_catalog.<table>` (still computed at scan time) with text-array columns PostgreSQL has
/// and datafusion-pg-catalog leaves out or types as text (psql's `\d+` reads
/// `pg_class.reloptions`, `\dp` `relacl` and `attacl`); always NULL here, as in PostgreSQL
/// for an object without options or grants.
pub(super) async fn with_array_columns(
    inner: &Arc<dyn SchemaProvider>,
    table: &str,
    columns: &[&str],
) -> Result<Arc<dyn TableProvider>> {
    with_columns(inner, table, |_| null_text_arrays(columns)).await
}

/// `pg_catalog.<table>` with NULL text columns of newer PostgreSQL releases that clients of
/// those releases read (psql 15's `\dO` reads `pg_collation.colliculocale`, 17's `colllocale`).
pub(super) async fn with_text_columns(
    inner: &Arc<dyn SchemaProvider>,
    table: &str,
    columns: &[&str],
) -> Result<Arc<dyn TableProvider>> {
    use datafusion::logical_expr::{cast, lit};
    with_columns(inner, table, |_| {
        columns
            .iter()
            .map(|name| {
                let null = lit(datafusion::common::ScalarValue::Null);
                (*name, cast(null, DataType::Utf8))
            })
            .collect()
    })
    .await
}

/// NULL text arrays named `columns`.
pub(super) fn null_text_arrays<'a>(columns: &[&'a str]) -> NamedExprs<'a> {
    use datafusion::logical_expr::{cast, lit};
    let text_array = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
    columns
        .iter()
        .map(|name| {
            let null = lit(datafusion::common::ScalarValue::Null);
            (*name, cast(null, text_array.clone()))
        })
        .collect()
}

pub(super) type NamedExprs<'a> = Vec<(&'a str, datafusion::logical_expr::Expr)>;

/// `pg_catalog.<table>` (still computed at scan time) with the columns `columns` gives
/// (from the table's schema): a column of the same name is replaced, others are added.
async fn with_columns<'a>(
    inner: &Arc<dyn SchemaProvider>,
    table: &str,
    columns: impl FnOnce(&Schema) -> NamedExprs<'a>,
) -> Result<Arc<dyn TableProvider>> {
    let provider = inner
        .table(table)
        .await?
        .ok_or_else(|| DataFusionError::Plan(format!("pg_catalog.{table} is missing")))?;
    with_columns_of(provider, table, columns)
}

pub(super) fn with_columns_of<'a>(
    provider: Arc<dyn TableProvider>,
    table: &str,
    columns: impl FnOnce(&Schema) -> NamedExprs<'a>,
) -> Result<Arc<dyn TableProvider>> {
    use datafusion::logical_expr::{col, LogicalPlanBuilder};
    let schema = provider.schema();
    let mut added = columns(&schema);
    let mut projection = Vec::new();
    for field in schema.fields() {
        let name = field.name().as_str();
        match added.iter().position(|(added, _)| *added == name) {
            Some(i) => {
                let (name, expr) = added.remove(i);
                projection.push(expr.alias(name));
            }
            None => projection.push(col(datafusion::common::Column::from_name(name))),
        }
    }
    projection.extend(added.into_iter().map(|(name, expr)| expr.alias(name)));
    let source = datafusion::datasource::provider_as_source(provider);
    let plan = LogicalPlanBuilder::scan(table, source, None)?
        .project(projection)?
        .build()?;
    Ok(Arc::new(datafusion::catalog::view::ViewTable::new(
        plan, None,
    )))
}

/// A catalog table's `tableoid`: PostgreSQL's own oid for the catalogs whose comments
/// datafusion-pg-catalog ships with PostgreSQL's `classoid`s, else the oid `pg_class` gives it
/// here (`pg_class` itself: what `'pg_class'::regclass` reads, as SHAPE's comments use).
pub(super) fn table_oid(name: &str, facts: &CatalogFacts) -> i32 {
    const POSTGRES_OIDS: [(&str, i32); 14] = [
        ("pg_proc", 1255),
        ("pg_type", 1247),
        ("pg_am", 2601),
        ("pg_conversion", 2607),
        ("pg_language", 2612),
        ("pg_namespace", 2615),
        ("pg_operator", 2617),
        ("pg_extension", 3079),
        ("pg_collation", 3456),
        ("pg_ts_dict", 3600),
        ("pg_ts_parser", 3601),
        ("pg_ts_config", 3602),
        ("pg_ts_template", 3764),
        ("pg_constraint", 2606),
    ];
    let known = POSTGRES_OIDS.iter().find(|(table, _)| *table == name);
    match known {
        Some((_, oid)) if name != "pg_class" => *oid,
        _ => facts.relation_oids.get(name).map_or(0, |oid| *oid as i32),
    }
}

/// `pg_roles`: `postgres`, the owner the catalog gives every object, and the configured
/// users (who may log in); without users the server trusts any name on loopback, which
/// `postgres` then stands for.
pub(super) fn role_rows(users: &[String]) -> Vec<Vec<(&str, String)>> {
    let role = |name: &str, oid: usize, superuser: bool, login: bool| {
        let flag = |b: bool| if b { "true" } else { "false" }.to_string();
        vec![
            ("rolname", name.to_string()),
            ("rolsuper", flag(superuser)),
            ("rolinherit", flag(true)),
            ("rolcreaterole", flag(superuser)),
            ("rolcreatedb", flag(superuser)),
            ("rolcanlogin", flag(login)),
            ("rolreplication", flag(false)),
            ("rolbypassrls", flag(superuser)),
            ("rolconnlimit", "-1".to_string()),
            ("oid", oid.to_string()),
        ]
    };
    // 10 is PostgreSQL's bootstrap superuser; 16384 its first user-made oid.
    let mut rows = vec![role("postgres", 10, true, users.is_empty())];
    for (i, user) in users.iter().enumerate() {
        rows.push(role(user, 16_384 + i, false, true));
    }
    rows
}

/// `pg_catalog.<table>` (still computed at scan time) and rows of ours: column -> text value,
/// cast to the column's type; other columns NULL.
pub(super) async fn with_rows<V: AsRef<str>>(
    inner: &Arc<dyn SchemaProvider>,
    table: &str,
    rows: &[&[(&str, V)]],
) -> Result<Arc<dyn TableProvider>> {
    use datafusion::logical_expr::{cast, lit, LogicalPlanBuilder};
    let provider = inner
        .table(table)
        .await?
        .ok_or_else(|| DataFusionError::Plan(format!("pg_catalog.{table} is missing")))?;
    let schema = provider.schema();
    let source = datafusion::datasource::provider_as_source(provider.clone());
    let mut plan = LogicalPlanBuilder::scan(table, source, None)?;
    for row in rows {
        let values = schema
            .fields()
            .iter()
            .map(|f| {
                let value = row
                    .iter()
                    .find(|(name, _)| name == f.name())
                    .map(|(_, v)| v.as_ref());
                let text = match value {
                    Some(v) => lit(v),
                    None => lit(datafusion::common::ScalarValue::Null),
                };
                cast(text, f.data_type().clone()).alias(f.name())
            })
            .collect::<Vec<_>>();
        let extra = LogicalPlanBuilder::empty(true).project(values)?.build()?;
        plan = plan.union(extra)?;
    }
    Ok(Arc::new(datafusion::catalog::view::ViewTable::new(
        plan.build()?,
        None,
    )))
}

/// A batch of `schema` whose named columns hold `values` and whose others are NULL.
pub(super) fn rows_of(
    schema: &Arc<Schema>,
    rows: usize,
    mut values: HashMap<&str, ArrayRef>,
) -> Result<RecordBatch> {
    let columns = schema
        .fields()
        .iter()
        .map(|f| match values.remove(f.name().as_str()) {
            Some(array) => datafusion::arrow::compute::cast(&array, f.data_type()),
            None => Ok(new_null_array(f.data_type(), rows)),
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}
