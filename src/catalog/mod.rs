//! The one place that builds a `SessionContext`: stored tables, UDFs, JSON functions and the
//! `sql/*.sql` views. The CLI, the server, the healing runner and the tests all call
//! [`build_context`], so every consumer sees the same names.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::cache::cache_manager::CacheManagerConfig;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::SessionContext;

use crate::storage::schema::{file_schema, PARTITION_COLUMN, TABLES};
use crate::storage::DataStore;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/sql_files.rs"));
}

/// The view definitions compiled into this binary: `(file name, SQL)`, in load order.
pub const SQL_FILES: &[(&str, &str)] = embedded::SQL_FILES;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot register table {table}: {source}")]
    Table {
        table: String,
        source: datafusion::error::DataFusionError,
    },
    #[error("view file sql/{file} failed: {source}")]
    View {
        file: String,
        source: datafusion::error::DataFusionError,
    },
    #[error("invalid as-of time: {0}")]
    AsOf(datafusion::error::DataFusionError),
    #[error("cannot set up the session: {0}")]
    Setup(datafusion::error::DataFusionError),
}

/// Options every consumer may set when building a context.
#[derive(Debug, Clone, Default)]
pub struct ContextOptions {
    /// Evaluation time for windowed views (`shape.as_of`); `None` means now.
    pub as_of: Option<String>,
}

/// Builds the session: tables of `store`, SHAPE's UDFs, the JSON functions, and the views.
pub async fn build_context(
    store: &DataStore,
    options: &ContextOptions,
) -> Result<SessionContext, CatalogError> {
    let mut config = shape_udfs::session_config().with_information_schema(true);
    if let Some(as_of) = &options.as_of {
        config
            .options_mut()
            .set("shape.as_of", as_of)
            .map_err(CatalogError::AsOf)?;
    }
    // No listing cache: files committed by a concurrent ingest must show up in the next query.
    let runtime = RuntimeEnvBuilder::new()
        .with_cache_manager(CacheManagerConfig::default().with_list_files_cache_limit(0))
        .build_arc()
        .map_err(CatalogError::Setup)?;
    let mut ctx = SessionContext::new_with_config_rt(config, runtime);
    if store.root.scheme() != "file" {
        ctx.register_object_store(&store.root, store.store.clone());
    }
    for table in TABLES {
        register_table(&ctx, store, table).await?;
    }
    datafusion_functions_json::register_all(&mut ctx).map_err(CatalogError::Setup)?;
    shape_udfs::register(&ctx);
    for (file, sql) in SQL_FILES {
        ctx.sql(sql).await.map_err(|source| CatalogError::View {
            file: file.to_string(),
            source,
        })?;
    }
    Ok(ctx)
}

async fn register_table(
    ctx: &SessionContext,
    store: &DataStore,
    table: &str,
) -> Result<(), CatalogError> {
    let err = |source| CatalogError::Table {
        table: table.to_string(),
        source,
    };
    let url = ListingTableUrl::parse(store.table_url(table)).map_err(err)?;
    let listing = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_table_partition_cols(vec![(PARTITION_COLUMN.to_string(), DataType::Utf8)]);
    let schema = file_schema(table).expect("stored tables have schemas");
    let config = ListingTableConfig::new(url)
        .with_listing_options(listing)
        .with_schema(schema);
    let provider = ListingTable::try_new(config).map_err(err)?;
    ctx.register_table(table, Arc::new(provider)).map_err(err)?;
    Ok(())
}
