//! A PostgreSQL-shaped `information_schema` for wire clients.
//!
//! DataFusion's own `information_schema.columns` names Arrow types (`Utf8`,
//! `Timestamp(Microsecond, Some("UTC"))`) and has no `udt_name`; Grafana's query builder and
//! schema browser read PostgreSQL type names from `data_type` and `udt_name`, and treat
//! anything else as text. The server therefore swaps in this schema: every table of
//! DataFusion's provider is served as is, except `columns`, which is rebuilt with the
//! PostgreSQL types the wire protocol sends for each column.

use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, Int64Builder, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::information_schema::{InformationSchemaProvider, INFORMATION_SCHEMA};
use datafusion::catalog::{CatalogProviderList, SchemaProvider, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::SessionContext;
use datafusion_postgres::arrow_pg::datatypes::into_pg_type;
use datafusion_postgres::pgwire::api::Type;

use super::{LiveRows, LiveTable};

/// Replaces the context's `information_schema` with the PostgreSQL-shaped one. Call once on
/// the server's context, before connections clone it.
pub fn install(ctx: &SessionContext) -> Result<()> {
    let catalogs = ctx.state().catalog_list().clone();
    let inner = InformationSchemaProvider::new(catalogs.clone());
    let default_catalog = ctx.state().config_options().catalog.default_catalog.clone();
    let catalog = ctx
        .catalog(&default_catalog)
        .ok_or_else(|| DataFusionError::Plan(format!("no default catalog {default_catalog}")))?;
    catalog.register_schema(
        INFORMATION_SCHEMA,
        Arc::new(PgInformationSchema { inner, catalogs }),
    )?;
    // DataFusion answers `information_schema.*` itself while this flag is on, ahead of the
    // catalog; off, lookups reach the schema registered above.
    ctx.state_ref()
        .write()
        .config_mut()
        .options_mut()
        .catalog
        .information_schema = false;
    Ok(())
}

#[derive(Debug)]
struct PgInformationSchema {
    inner: InformationSchemaProvider,
    catalogs: Arc<dyn CatalogProviderList>,
}

#[async_trait]
impl SchemaProvider for PgInformationSchema {
    fn table_names(&self) -> Vec<String> {
        self.inner.table_names()
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        if name.eq_ignore_ascii_case("columns") {
            return Ok(Some(Arc::new(LiveTable(PgColumns {
                catalogs: self.catalogs.clone(),
            }))));
        }
        self.inner.table(name).await
    }

    fn table_exist(&self, name: &str) -> bool {
        self.inner.table_exist(name)
    }
}

static COLUMNS_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    let number = |name: &str| Field::new(name, DataType::Int64, true);
    Arc::new(Schema::new(vec![
        text("table_catalog", false),
        text("table_schema", false),
        text("table_name", false),
        text("column_name", false),
        Field::new("ordinal_position", DataType::Int64, false),
        text("column_default", true),
        text("is_nullable", false),
        text("data_type", false),
        number("character_maximum_length"),
        number("numeric_precision"),
        number("numeric_precision_radix"),
        number("numeric_scale"),
        number("datetime_precision"),
        text("udt_catalog", false),
        text("udt_schema", false),
        text("udt_name", false),
    ]))
});

/// `information_schema.columns`, computed at scan time so it always matches the catalog.
#[derive(Debug)]
struct PgColumns {
    catalogs: Arc<dyn CatalogProviderList>,
}

/// PostgreSQL's `data_type` text, precision, radix and datetime precision for a wire type.
fn describe(ty: &Type) -> (&'static str, Option<i64>, Option<i64>, Option<i64>) {
    match *ty {
        Type::BOOL => ("boolean", None, None, None),
        Type::INT2 => ("smallint", Some(16), Some(2), None),
        Type::INT4 => ("integer", Some(32), Some(2), None),
        Type::INT8 => ("bigint", Some(64), Some(2), None),
        Type::FLOAT4 => ("real", Some(24), Some(2), None),
        Type::FLOAT8 => ("double precision", Some(53), Some(2), None),
        Type::NUMERIC => ("numeric", None, Some(10), None),
        Type::TEXT => ("text", None, None, None),
        Type::VARCHAR => ("character varying", None, None, None),
        Type::BPCHAR | Type::CHAR => ("character", None, None, None),
        Type::BYTEA => ("bytea", None, None, None),
        Type::DATE => ("date", None, None, Some(0)),
        Type::TIME => ("time without time zone", None, None, Some(6)),
        Type::TIMESTAMP => ("timestamp without time zone", None, None, Some(6)),
        Type::TIMESTAMPTZ => ("timestamp with time zone", None, None, Some(6)),
        Type::INTERVAL => ("interval", None, None, Some(6)),
        Type::JSON => ("json", None, None, None),
        Type::JSONB => ("jsonb", None, None, None),
        Type::UUID => ("uuid", None, None, None),
        // PostgreSQL names array types after their element with a leading underscore.
        _ if ty.name().starts_with('_') => ("ARRAY", None, None, None),
        _ => ("USER-DEFINED", None, None, None),
    }
}

/// One row of `information_schema.columns`.
struct ColumnRow {
    catalog: String,
    schema: String,
    table: String,
    column: String,
    position: i64,
    nullable: bool,
    ty: Type,
}

impl PgColumns {
    async fn rows(&self) -> Result<Vec<ColumnRow>> {
        let mut rows = Vec::new();
        for catalog_name in self.catalogs.catalog_names() {
            let Some(catalog) = self.catalogs.catalog(&catalog_name) else {
                continue;
            };
            for schema_name in catalog.schema_names() {
                if schema_name == INFORMATION_SCHEMA {
                    continue;
                }
                let Some(schema) = catalog.schema(&schema_name) else {
                    continue;
                };
                for table_name in schema.table_names() {
                    let Some(table) = schema.table(&table_name).await? else {
                        continue;
                    };
                    for (index, field) in table.schema().fields().iter().enumerate() {
                        rows.push(ColumnRow {
                            catalog: catalog_name.clone(),
                            schema: schema_name.clone(),
                            table: table_name.clone(),
                            column: field.name().clone(),
                            position: index as i64 + 1,
                            nullable: field.is_nullable(),
                            // A type the wire cannot send would fail the query anyway.
                            ty: into_pg_type(field.data_type()).unwrap_or(Type::TEXT),
                        });
                    }
                }
            }
        }
        Ok(rows)
    }
}

#[async_trait]
impl LiveRows for PgColumns {
    fn schema(&self) -> SchemaRef {
        COLUMNS_SCHEMA.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    async fn batch(&self) -> Result<RecordBatch> {
        let rows = self.rows().await?;
        let text = |value: &dyn Fn(&ColumnRow) -> Option<String>| -> ArrayRef {
            let mut builder = StringBuilder::new();
            for row in &rows {
                builder.append_option(value(row));
            }
            Arc::new(builder.finish())
        };
        let number = |value: &dyn Fn(&ColumnRow) -> Option<i64>| -> ArrayRef {
            let mut builder = Int64Builder::new();
            for row in &rows {
                builder.append_option(value(row));
            }
            Arc::new(builder.finish())
        };
        let columns = vec![
            text(&|r| Some(r.catalog.clone())),
            text(&|r| Some(r.schema.clone())),
            text(&|r| Some(r.table.clone())),
            text(&|r| Some(r.column.clone())),
            number(&|r| Some(r.position)),
            text(&|_| None),
            text(&|r| Some(if r.nullable { "YES" } else { "NO" }.to_string())),
            text(&|r| Some(describe(&r.ty).0.to_string())),
            number(&|_| None),
            number(&|r| describe(&r.ty).1),
            number(&|r| describe(&r.ty).2),
            number(&|_| None),
            number(&|r| describe(&r.ty).3),
            text(&|r| Some(r.catalog.clone())),
            text(&|_| Some("pg_catalog".to_string())),
            text(&|r| Some(r.ty.name().to_string())),
        ];
        Ok(RecordBatch::try_new(COLUMNS_SCHEMA.clone(), columns)?)
    }
}
