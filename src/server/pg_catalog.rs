//! What clients' catalog queries need beyond datafusion-pg-catalog, added through its
//! extension points (the `pg_catalog` schema provider is wrapped, functions are registered):
//! - `pg_index`'s `int2vector`/`oidvector` columns (`indkey`, `indclass`, ...) as arrays, so
//!   `unnest(indkey)` plans (SQLAlchemy's index and primary-key reflection);
//! - `pg_description` with a comment for every SHAPE table and view (the `sql/` headers and
//!   the schema docs) and for the columns those document, so `\d+`, `\dt+` and tools show what
//!   each one means;
//! - `pg_proc` rows for SHAPE's own functions (`\df` lists them with their signatures);
//! - the functions of [`super::pg_functions`], which answer from what is collected here.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{
    new_null_array, ArrayRef, AsArray, Int32Array, ListBuilder, PrimitiveBuilder, RecordBatch,
    StringArray,
};
use datafusion::arrow::datatypes::{
    ArrowPrimitiveType, DataType, Field, Int16Type, Int32Type, Schema,
};
use datafusion::catalog::{SchemaProvider, TableProvider};
use datafusion::datasource::MemTable;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{ScalarUDF, TypeSignature};
use datafusion::prelude::SessionContext;

use super::descriptions;
use tables::{
    null_text_arrays, role_rows, rows_of, table_oid, with_array_columns, with_columns_of,
    with_rows, with_text_columns,
};

mod tables;

/// `pg_class.oid` of the class `pg_class` itself: `pg_description.classoid` of relations.
const PG_CLASS_OID: i32 = 1259;
/// First oid of SHAPE's `pg_proc` rows (above PostgreSQL's own and the relations' oids).
const FIRST_FUNCTION_OID: i32 = 900_000;

/// A SHAPE function as `pg_proc` and `\df` show it.
#[derive(Debug, Clone)]
pub struct FunctionEntry {
    pub oid: i32,
    pub name: String,
    pub arguments: String,
    pub result: String,
    pub result_oid: i32,
    pub kind: &'static str,
}

/// What the catalog functions answer from, collected once when the server starts (the
/// tables and views do not change while it serves).
#[derive(Debug, Default)]
pub struct CatalogFacts {
    /// (object oid, column number or 0) -> comment.
    pub descriptions: HashMap<(i64, i64), String>,
    /// view oid -> its SELECT.
    pub view_definitions: HashMap<i64, String>,
    pub functions: HashMap<i64, FunctionEntry>,
    /// Relations on the search path (`public`, `pg_catalog`): what `pg_table_is_visible`
    /// says yes to, so clients listing "their" tables do not list information_schema's.
    pub visible_relations: std::collections::HashSet<i64>,
    /// Relation and type names -> oids, for `to_regclass` and `to_regtype`.
    pub relation_oids: HashMap<String, i64>,
    pub type_oids: HashMap<String, i64>,
    /// Function oids -> names: a `regproc` value's text (`typreceive::text` is `int4recv`).
    pub proc_names: HashMap<i64, String>,
}

/// `pg_type`'s `regproc` columns: oids in comparisons, the functions' names as text.
pub const REGPROC_COLUMNS: &[&str] = &[
    "typinput",
    "typoutput",
    "typreceive",
    "typsend",
    "typmodin",
    "typmodout",
    "typanalyze",
    "typsubscript",
];

/// Wraps the `pg_catalog` schema of `ctx`'s default catalog and registers the functions.
/// `shape_functions` are the names SHAPE registered beyond DataFusion's own; `users` the
/// configured `[[user]]` names (`pg_roles`, psql's `\du`).
pub async fn install(
    server: &SessionContext,
    shape_functions: &BTreeSet<String>,
    users: &[String],
) -> Result<()> {
    // The catalog is read with a memory pool of its own: the server's may be small
    // (`memory_limit`), and reading the static tables must not count against it.
    let state = datafusion::execution::SessionStateBuilder::new_from_existing(server.state())
        .with_runtime_env(Arc::new(
            datafusion::execution::runtime_env::RuntimeEnv::default(),
        ))
        .build();
    let reader = SessionContext::new_with_state(state);
    let ctx = &reader;
    let catalog_name = ctx.state().config_options().catalog.default_catalog.clone();
    let catalog = ctx
        .catalog(&catalog_name)
        .ok_or_else(|| DataFusionError::Plan(format!("no catalog {catalog_name}")))?;
    let inner = catalog
        .schema("pg_catalog")
        .ok_or_else(|| DataFusionError::Plan("pg_catalog is not set up".into()))?;

    let mut facts = CatalogFacts::default();
    let relations = collect(
        ctx,
        "SELECT c.oid, c.relname, n.nspname FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname IN ('public', 'pg_catalog')",
    )
    .await?;
    let attributes = collect(
        ctx,
        "SELECT attrelid, attname, attnum FROM pg_catalog.pg_attribute",
    )
    .await?;
    let namespace = collect(
        ctx,
        "SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'public'",
    )
    .await?;
    let public_oid = namespace
        .iter()
        .find(|b| b.num_rows() > 0)
        .map(|b| int_at(b.column(0), 0))
        .unwrap_or(2200);

    let mut relation_names = HashMap::new();
    for batch in &relations {
        for row in 0..batch.num_rows() {
            let oid = int_at(batch.column(0), row);
            facts.visible_relations.insert(oid);
            let relname = batch.column(1).as_string::<i32>().value(row).to_string();
            facts.relation_oids.entry(relname).or_insert(oid);
            if batch.column(2).as_string::<i32>().value(row) != "public" {
                continue;
            }
            let name = batch.column(1).as_string::<i32>().value(row).to_string();
            if let Some(comment) = descriptions::relation(&name) {
                facts.descriptions.insert((oid, 0), comment);
            }
            if let Some(definition) = descriptions::view_definition(&name) {
                facts.view_definitions.insert(oid, definition);
            }
            relation_names.insert(oid, name);
        }
    }
    for batch in &attributes {
        for row in 0..batch.num_rows() {
            let relation = int_at(batch.column(0), row);
            let Some(table) = relation_names.get(&relation) else {
                continue;
            };
            let column = batch.column(1).as_string::<i32>().value(row);
            if let Some(comment) = descriptions::column(table, column) {
                facts
                    .descriptions
                    .insert((relation, int_at(batch.column(2), row)), comment);
            }
        }
    }
    facts.functions = function_entries(ctx, shape_functions);
    for batch in collect(ctx, "SELECT oid, proname FROM pg_catalog.pg_proc").await? {
        for row in 0..batch.num_rows() {
            let name = batch.column(1).as_string::<i32>().value(row).to_string();
            facts
                .proc_names
                .entry(int_at(batch.column(0), row))
                .or_insert(name);
        }
    }
    for batch in collect(ctx, "SELECT oid, typname FROM pg_catalog.pg_type").await? {
        for row in 0..batch.num_rows() {
            let name = batch.column(1).as_string::<i32>().value(row).to_string();
            facts.type_oids.insert(name, int_at(batch.column(0), row));
        }
    }

    let mut overrides: HashMap<&'static str, Arc<dyn TableProvider>> = HashMap::new();
    // `typacl` as a text array (psql's `\dT+`).
    let types = regproc_columns_as_oids(ctx).await?;
    overrides.insert(
        "pg_type",
        with_columns_of(types, "pg_type", |_| null_text_arrays(&["typacl"]))?,
    );
    for table in ["pg_index", "pg_constraint"] {
        overrides.insert(table, vector_columns_as_arrays(ctx, table).await?);
    }
    // Access-control and configuration lists psql's `\dp`, `\dy` and `\drds` read.
    for (table, columns) in [
        ("pg_class", &["reloptions", "relacl"][..]),
        ("pg_attribute", &["attacl"]),
        ("pg_namespace", &["nspacl"]),
        ("pg_default_acl", &["defaclacl"]),
        ("pg_tablespace", &["spcacl", "spcoptions"]),
        // `\dX` asks `'d' = any(stxkind)`.
        ("pg_statistic_ext", &["stxkind"]),
        ("pg_event_trigger", &["evttags"]),
        ("pg_db_role_setting", &["setconfig"]),
    ] {
        overrides.insert(table, with_array_columns(&inner, table, columns).await?);
    }
    overrides.insert(
        "pg_collation",
        with_text_columns(&inner, "pg_collation", &["colliculocale", "colllocale"]).await?,
    );
    let roles = role_rows(users);
    let roles: Vec<_> = roles.iter().map(Vec::as_slice).collect();
    overrides.insert("pg_roles", with_rows(&inner, "pg_roles", &roles).await?);
    // Read-only settings PostgreSQL lists and JDBC's key metadata reads.
    let setting = |name, value| [("name", name), ("setting", value), ("vartype", "integer")];
    overrides.insert(
        "pg_settings",
        with_rows(
            &inner,
            "pg_settings",
            &[
                &setting("max_index_keys", "32"),
                &setting("max_identifier_length", "63"),
            ],
        )
        .await?,
    );
    // psql 15's `\dconfig` compares each setting with its boot value: SHAPE's are the
    // values it starts with.
    let settings = overrides["pg_settings"].clone();
    overrides.insert(
        "pg_settings",
        with_columns_of(settings, "pg_settings", |_| {
            vec![(
                "boot_val",
                datafusion::logical_expr::col(datafusion::common::Column::from_name("reset_val")),
            )]
        })?,
    );
    // `pg_description.classoid` of relations: the oid this catalog gives `pg_class` itself
    // (what `'pg_class'::regclass` reads), PostgreSQL's 1259 when it has none.
    let class_oid = facts
        .relation_oids
        .get("pg_class")
        .copied()
        .unwrap_or(PG_CLASS_OID as i64);
    overrides.insert(
        "pg_description",
        description_table(ctx, &facts, class_oid as i32).await?,
    );
    overrides.insert("pg_proc", proc_table(ctx, &facts, public_oid).await?);
    // Every table gets PostgreSQL's system column `tableoid`: psql's `\dL`, `\dd` and `\des+`
    // join comments on it.
    let mut tables = HashMap::new();
    for name in inner.table_names() {
        let Some(provider) = (match overrides.remove(name.as_str()) {
            Some(provider) => Some(provider),
            None => inner.table(&name).await?,
        }) else {
            continue;
        };
        if provider.schema().field_with_name("tableoid").is_ok() {
            tables.insert(name, provider);
            continue;
        }
        let oid = table_oid(&name, &facts);
        let with_oid = with_columns_of(provider, &name, |_| {
            vec![("tableoid", datafusion::logical_expr::lit(oid))]
        })?;
        tables.insert(name, with_oid);
    }
    catalog.register_schema("pg_catalog", Arc::new(ShapePgCatalog { inner, tables }))?;

    for udf in super::pg_functions::udfs(Arc::new(facts)) {
        server.register_udf(udf);
    }
    server.register_udaf(super::pg_syntax::scalar_subquery_udaf());
    Ok(())
}

async fn collect(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>> {
    ctx.sql(sql).await?.collect().await
}

/// An integer cell of any integer type, as i64.
fn int_at(array: &ArrayRef, row: usize) -> i64 {
    datafusion::arrow::compute::cast(array, &DataType::Int64)
        .ok()
        .map(|a| {
            a.as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                .value(row)
        })
        .unwrap_or_default()
}

/// Every batch of `pg_catalog.<table>`, with its fields made nullable so rows of ours can
/// leave columns empty.
async fn static_rows(ctx: &SessionContext, table: &str) -> Result<(Arc<Schema>, Vec<RecordBatch>)> {
    let frame = ctx
        .sql(&format!("SELECT * FROM pg_catalog.{table}"))
        .await?;
    let frame_schema = frame.schema().as_arrow().clone();
    let batches = frame.collect().await?;
    let schema = Arc::new(Schema::new(
        frame_schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_nullable(true))
            .collect::<Vec<_>>(),
    ));
    let batches = batches
        .into_iter()
        .map(|b| RecordBatch::try_new(schema.clone(), b.columns().to_vec()))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((schema, batches))
}

/// `pg_type` with its `regproc` columns (`typinput`, ...) as the functions' oids, as in
/// PostgreSQL, so `typinput = 'array_in'::regproc` (JDBC's type info) compares oids.
async fn regproc_columns_as_oids(ctx: &SessionContext) -> Result<Arc<dyn TableProvider>> {
    let mut proc_oids: HashMap<String, i32> = HashMap::new();
    for batch in collect(
        ctx,
        "SELECT oid, proname FROM pg_catalog.pg_proc ORDER BY oid",
    )
    .await?
    {
        for row in 0..batch.num_rows() {
            let name = batch.column(1).as_string::<i32>().value(row).to_string();
            proc_oids
                .entry(name)
                .or_insert(int_at(batch.column(0), row) as i32);
        }
    }
    let (schema, batches) = static_rows(ctx, "pg_type").await?;
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match REGPROC_COLUMNS.contains(&f.name().as_str()) {
            true => Field::new(f.name(), DataType::Int32, true),
            false => f.as_ref().clone(),
        })
        .collect();
    let new_schema = Arc::new(Schema::new(fields));
    let mut converted = Vec::new();
    for batch in batches {
        let mut columns = Vec::new();
        for (field, column) in schema.fields().iter().zip(batch.columns()) {
            if !REGPROC_COLUMNS.contains(&field.name().as_str())
                || column.data_type() == &DataType::Int32
            {
                columns.push(datafusion::arrow::compute::cast(
                    column,
                    new_schema.field_with_name(field.name())?.data_type(),
                )?);
                continue;
            }
            let names = datafusion::arrow::compute::cast(column, &DataType::Utf8)?;
            // `-` is PostgreSQL's "no function" (oid 0).
            let oids: Int32Array = names
                .as_string::<i32>()
                .iter()
                .map(|n| {
                    n.map(|n| {
                        proc_oids
                            .get(n.trim_start_matches("pg_catalog."))
                            .copied()
                            .unwrap_or(0)
                    })
                })
                .collect();
            columns.push(Arc::new(oids) as ArrayRef);
        }
        converted.push(RecordBatch::try_new(new_schema.clone(), columns)?);
    }
    Ok(Arc::new(MemTable::try_new(new_schema, vec![converted])?))
}

/// A vector column's text (`1 2`, `[1, 2]`) as lists of `T`.
fn number_lists<T: ArrowPrimitiveType>(column: &ArrayRef) -> Result<ArrayRef>
where
    T::Native: std::str::FromStr,
{
    let words = datafusion::arrow::compute::cast(column, &DataType::Utf8)?;
    let mut list = ListBuilder::new(PrimitiveBuilder::<T>::new());
    for text in words.as_string::<i32>() {
        match text {
            Some(t) => {
                numbers(t).for_each(|n| list.values().append_option(n.parse().ok()));
                list.append(true);
            }
            None => list.append(false),
        }
    }
    Ok(Arc::new(list.finish()))
}

/// The numbers of a vector's text form (`1 2`, `[1, 2]`, `{1,2}`).
fn numbers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .filter(|n| !n.is_empty())
}

/// PostgreSQL's vector types are space-separated numbers in the static catalog; arrays here.
async fn vector_columns_as_arrays(
    ctx: &SessionContext,
    table: &str,
) -> Result<Arc<dyn TableProvider>> {
    let (schema, batches) = static_rows(ctx, table).await?;
    let (schema, batches) = vectors_as_arrays(schema, batches)?;
    Ok(Arc::new(MemTable::try_new(schema, vec![batches])?))
}

/// The vector columns of catalog rows as arrays.
fn vectors_as_arrays(
    schema: Arc<Schema>,
    batches: Vec<RecordBatch>,
) -> Result<(Arc<Schema>, Vec<RecordBatch>)> {
    const INT2: &[&str] = &["indkey", "indoption", "conkey", "confkey", "confdelsetcols"];
    const OID: &[&str] = &[
        "indcollation",
        "indclass",
        "conpfeqop",
        "conppeqop",
        "conffeqop",
        "conexclop",
        "proargtypes",
        "proallargtypes",
    ];
    // Access privileges, a text array in PostgreSQL (psql's `\df+` joins `proacl`); NULL.
    const ACL: &[&str] = &["proacl"];
    let text_list = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.name().as_str() {
            n if INT2.contains(&n) => Field::new(
                n,
                DataType::List(Arc::new(Field::new("item", DataType::Int16, true))),
                true,
            ),
            n if OID.contains(&n) => Field::new(
                n,
                DataType::List(Arc::new(Field::new("item", DataType::Int32, true))),
                true,
            ),
            n if ACL.contains(&n) => Field::new(n, text_list.clone(), true),
            _ => f.as_ref().clone(),
        })
        .collect();
    let new_schema = Arc::new(Schema::new(fields));
    let mut converted = Vec::new();
    for batch in batches {
        let mut columns = Vec::new();
        for (field, column) in schema.fields().iter().zip(batch.columns()) {
            let name = field.name().as_str();
            if INT2.contains(&name) {
                columns.push(number_lists::<Int16Type>(column)?);
            } else if OID.contains(&name) {
                columns.push(number_lists::<Int32Type>(column)?);
            } else if ACL.contains(&name) {
                columns.push(new_null_array(&text_list, batch.num_rows()));
            } else {
                columns.push(column.clone());
            }
        }
        converted.push(RecordBatch::try_new(new_schema.clone(), columns)?);
    }
    Ok((new_schema, converted))
}

async fn description_table(
    ctx: &SessionContext,
    facts: &CatalogFacts,
    class_oid: i32,
) -> Result<Arc<dyn TableProvider>> {
    let (schema, mut batches) = static_rows(ctx, "pg_description").await?;
    let mut entries: Vec<_> = facts.descriptions.iter().collect();
    entries.sort();
    let n = entries.len();
    let int = |f: &dyn Fn(&(i64, i64)) -> i64| {
        Arc::new(
            entries
                .iter()
                .map(|(k, _)| f(k) as i32)
                .collect::<Int32Array>(),
        ) as ArrayRef
    };
    let values: HashMap<&str, ArrayRef> = HashMap::from([
        ("objoid", int(&|(oid, _)| *oid)),
        ("classoid", int(&|_| class_oid as i64)),
        ("objsubid", int(&|(_, column)| *column)),
        (
            "description",
            Arc::new(
                entries
                    .iter()
                    .map(|(_, d)| Some(d.as_str()))
                    .collect::<StringArray>(),
            ),
        ),
    ]);
    batches.push(rows_of(&schema, n, values)?);
    Ok(Arc::new(MemTable::try_new(schema, vec![batches])?))
}

async fn proc_table(
    ctx: &SessionContext,
    facts: &CatalogFacts,
    namespace: i64,
) -> Result<Arc<dyn TableProvider>> {
    let (schema, batches) = static_rows(ctx, "pg_proc").await?;
    let (schema, mut batches) = vectors_as_arrays(schema, batches)?;
    let mut functions: Vec<_> = facts.functions.values().collect();
    functions.sort_by_key(|f| f.oid);
    let n = functions.len();
    let text = |f: &dyn Fn(&FunctionEntry) -> String| {
        Arc::new(
            functions
                .iter()
                .map(|e| Some(f(e)))
                .collect::<StringArray>(),
        ) as ArrayRef
    };
    let int = |f: &dyn Fn(&FunctionEntry) -> i32| {
        Arc::new(functions.iter().map(|e| f(e)).collect::<Int32Array>()) as ArrayRef
    };
    let values: HashMap<&str, ArrayRef> = HashMap::from([
        ("oid", int(&|e| e.oid)),
        ("proname", text(&|e| e.name.clone())),
        ("pronamespace", int(&|_| namespace as i32)),
        ("proowner", int(&|_| 10)),
        // 12: `internal`, the language of built-in functions.
        ("prolang", int(&|_| 12)),
        ("prokind", text(&|e| e.kind.to_string())),
        ("prorettype", int(&|e| e.result_oid)),
        (
            "pronargs",
            int(&|e| e.arguments.split(", ").filter(|a| !a.is_empty()).count() as i32),
        ),
        ("provolatile", text(&|_| "s".to_string())),
        ("prosrc", text(&|e| e.name.clone())),
    ]);
    batches.push(rows_of(&schema, n, values)?);
    Ok(Arc::new(MemTable::try_new(schema, vec![batches])?))
}

/// PostgreSQL's name and type oid for an Arrow type, as SHAPE serves it.
pub fn pg_type(data_type: &DataType) -> (String, i32) {
    match data_type {
        DataType::Boolean => ("boolean".into(), 16),
        DataType::Int8 | DataType::Int16 | DataType::UInt8 => ("smallint".into(), 21),
        DataType::Int32 | DataType::UInt16 => ("integer".into(), 23),
        DataType::Int64 | DataType::UInt32 => ("bigint".into(), 20),
        DataType::Float32 => ("real".into(), 700),
        DataType::Float64 => ("double precision".into(), 701),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => ("text".into(), 25),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => ("bytea".into(), 17),
        DataType::Date32 | DataType::Date64 => ("date".into(), 1082),
        DataType::Timestamp(_, Some(_)) => ("timestamp with time zone".into(), 1184),
        DataType::Timestamp(_, None) => ("timestamp without time zone".into(), 1114),
        DataType::Interval(_) | DataType::Duration(_) => ("interval".into(), 1186),
        DataType::List(item) | DataType::LargeList(item) => {
            let (name, _) = pg_type(item.data_type());
            (format!("{name}[]"), 2277)
        }
        DataType::Decimal128(..) | DataType::UInt64 => ("numeric".into(), 1700),
        _ => ("\"any\"".into(), 2276),
    }
}

/// Concrete argument types of a signature where it has them.
fn example_arguments(signature: &TypeSignature) -> Option<Vec<DataType>> {
    match signature {
        TypeSignature::Exact(types) => Some(types.clone()),
        TypeSignature::Uniform(n, types) => types.first().map(|t| vec![t.clone(); *n]),
        TypeSignature::Nullary => Some(vec![]),
        TypeSignature::OneOf(signatures) => signatures.iter().find_map(example_arguments),
        _ => None,
    }
}

fn describe_scalar(udf: &ScalarUDF) -> (String, String, i32) {
    let signature = &udf.signature().type_signature;
    match example_arguments(signature) {
        Some(types) => {
            let arguments = types
                .iter()
                .map(|t| pg_type(t).0)
                .collect::<Vec<_>>()
                .join(", ");
            let (result, oid) = udf
                .return_type(&types)
                .map(|t| pg_type(&t))
                .unwrap_or_else(|_| ("\"any\"".into(), 2276));
            (arguments, result, oid)
        }
        None => ("VARIADIC \"any\"".into(), "\"any\"".into(), 2276),
    }
}

fn function_entries(ctx: &SessionContext, names: &BTreeSet<String>) -> HashMap<i64, FunctionEntry> {
    let state = ctx.state();
    let mut entries = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        let oid = FIRST_FUNCTION_OID + i as i32;
        let (arguments, result, result_oid, kind) =
            if let Some(udf) = state.scalar_functions().get(name) {
                let (a, r, o) = describe_scalar(udf);
                (a, r, o, "f")
            } else if state.aggregate_functions().contains_key(name) {
                ("\"any\"".into(), "\"any\"".into(), 2276, "a")
            } else {
                continue;
            };
        entries.insert(
            oid as i64,
            FunctionEntry {
                oid,
                name: name.clone(),
                arguments,
                result,
                result_oid,
                kind,
            },
        );
    }
    entries
}

/// `pg_catalog` with some tables replaced.
#[derive(Debug)]
struct ShapePgCatalog {
    inner: Arc<dyn SchemaProvider>,
    /// Every table, by name (ours where we replaced one).
    tables: HashMap<String, Arc<dyn TableProvider>>,
}

#[async_trait]
impl SchemaProvider for ShapePgCatalog {
    fn table_names(&self) -> Vec<String> {
        self.inner.table_names()
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        match self.tables.get(name.to_ascii_lowercase().as_str()) {
            Some(table) => Ok(Some(table.clone())),
            None => self.inner.table(name).await,
        }
    }

    fn table_exist(&self, name: &str) -> bool {
        self.inner.table_exist(name)
    }
}
