//! A configuration table with no rows (no composite SLOs, no alert targets): a base table to
//! clients, and to the planner an empty relation it can see through, so a view joining or
//! unioning it (the composite branches of the SLO views) is pruned when planned
//! (DataFusion's `PropagateEmptyRelation`) instead of being planned and run for no rows: a
//! cold SLO evaluation spends more time planning than running.

use std::borrow::Cow;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::Session;
use datafusion::common::{DFSchema, Result};
use datafusion::datasource::{TableProvider, TableType};
use datafusion::logical_expr::{EmptyRelation, Expr, LogicalPlan};
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::ExecutionPlan;

#[derive(Debug)]
pub(crate) struct EmptyTable {
    schema: SchemaRef,
    /// What the planner inlines in place of a scan.
    plan: LogicalPlan,
}

impl EmptyTable {
    pub(crate) fn try_new(schema: SchemaRef) -> Result<Self> {
        let plan = LogicalPlan::EmptyRelation(EmptyRelation {
            produce_one_row: false,
            schema: Arc::new(DFSchema::try_from(schema.as_ref().clone())?),
        });
        Ok(EmptyTable { schema, plan })
    }
}

#[async_trait::async_trait]
impl TableProvider for EmptyTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn get_logical_plan(&self) -> Option<Cow<'_, LogicalPlan>> {
        Some(Cow::Borrowed(&self.plan))
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let schema = match projection {
            Some(columns) => Arc::new(self.schema.project(columns)?),
            None => self.schema.clone(),
        };
        Ok(Arc::new(EmptyExec::new(schema)))
    }
}
