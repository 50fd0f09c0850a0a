//! PostgreSQL syntax that clients' catalog queries use and DataFusion does not plan, turned
//! into equivalent DataFusion SQL on the parsed statement (a query hook, so both protocols
//! get it and nothing matches on query text):
//! - `ARRAY(subquery)` (psql's `\d+`): a scalar subquery aggregating the rows into an array
//!   (NULL when correlated, as datafusion-pg-catalog treats correlated scalar subqueries);
//! - `generate_subscripts(a, d)` (SQLAlchemy's index and key reflection): `unnest` of the
//!   range `1..=array_length(a, d)`, which lines up with an `unnest(a)` beside it as
//!   PostgreSQL's set-returning functions do;
//! - `LIKE ... ESCAPE 'c'` with an escape other than backslash (SQLAlchemy's schema listing):
//!   the pattern is rewritten to backslash escapes by `shape_like_pattern`.

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, ParamValues};
use datafusion::logical_expr::{
    ColumnarValue, LogicalPlan, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{
    visit_expressions, visit_expressions_mut, Expr, FunctionArguments, Query, SetExpr, Statement,
    TableFactor, Value,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser as SqlParser;
use datafusion_postgres::arrow_pg::datatypes::df::encode_dataframe;
use datafusion_postgres::hooks::HookClient;
use datafusion_postgres::pgwire::api::portal::Format;
use datafusion_postgres::pgwire::api::results::Response;
use datafusion_postgres::pgwire::api::ClientInfo;
use datafusion_postgres::pgwire::error::{PgWireError, PgWireResult};
use datafusion_postgres::pgwire::types::format::FormatOptions;
use datafusion_postgres::QueryHook;

/// The rewritten statement, or `None` when nothing needed rewriting.
pub fn rewrite(statement: &Statement) -> Option<Statement> {
    let mut statement = statement.clone();
    let mut changed = false;
    let _ = visit_expressions_mut(&mut statement, |expr| {
        if let Some(replacement) = replacement(expr) {
            *expr = replacement;
            changed = true;
        }
        ControlFlow::<()>::Continue(())
    });
    changed.then_some(statement)
}

/// Whether `query` names a qualified column of a relation it does not read itself.
fn correlated(query: &Query) -> bool {
    let mut own: HashSet<String> = HashSet::new();
    if let SetExpr::Select(select) = query.body.as_ref() {
        for from in &select.from {
            for factor in
                std::iter::once(&from.relation).chain(from.joins.iter().map(|j| &j.relation))
            {
                match factor {
                    TableFactor::Table { name, alias, .. } => {
                        if let Some(last) = name.0.last().and_then(|p| p.as_ident()) {
                            own.insert(last.value.to_ascii_lowercase());
                        }
                        if let Some(alias) = alias {
                            own.insert(alias.name.value.to_ascii_lowercase());
                        }
                    }
                    TableFactor::Derived {
                        alias: Some(alias), ..
                    }
                    | TableFactor::Function {
                        alias: Some(alias), ..
                    }
                    | TableFactor::UNNEST {
                        alias: Some(alias), ..
                    } => {
                        own.insert(alias.name.value.to_ascii_lowercase());
                    }
                    _ => {}
                }
            }
        }
    }
    let mut outer = false;
    let _ = visit_expressions(query, |expr| {
        if let Expr::CompoundIdentifier(parts) = expr {
            if parts.len() > 1 && !own.contains(&parts[0].value.to_ascii_lowercase()) {
                outer = true;
            }
        }
        ControlFlow::<()>::Continue(())
    });
    outer
}

fn parse_expr(sql: &str) -> Option<Expr> {
    SqlParser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .ok()?
        .parse_expr()
        .ok()
}

fn replacement(expr: &Expr) -> Option<Expr> {
    match expr {
        Expr::Function(function) => {
            let name = function
                .name
                .0
                .last()?
                .as_ident()?
                .value
                .to_ascii_lowercase();
            match (name.as_str(), &function.args) {
                // Correlated (psql's `array(select ... from unnest(tc.reloptions) x)`):
                // DataFusion cannot plan an outer column inside FROM; NULL, as
                // datafusion-pg-catalog answers correlated scalar subqueries it cannot plan
                // (SHAPE's catalog has no storage options to list).
                ("array", FunctionArguments::Subquery(query)) if correlated(query) => {
                    parse_expr("NULL")
                }
                ("array", FunctionArguments::Subquery(query)) => parse_expr(&format!(
                    "(SELECT array_agg(shape_array.element) FROM ({query}) AS shape_array(element))"
                )),
                ("generate_subscripts", FunctionArguments::List(list)) if list.args.len() == 2 => {
                    let (array, dimension) = (&list.args[0], &list.args[1]);
                    parse_expr(&format!(
                        "unnest(range(1, CAST(coalesce(array_length({array}, {dimension}), 0) AS BIGINT) + 1))"
                    ))
                }
                _ => None,
            }
        }
        Expr::Like {
            escape_char: Some(escape),
            pattern,
            ..
        }
        | Expr::ILike {
            escape_char: Some(escape),
            pattern,
            ..
        } if !matches!(&escape.value, Value::SingleQuotedString(s) if s == "\\") => {
            let escape_text = escape.to_string();
            let new_pattern = parse_expr(&format!("shape_like_pattern({pattern}, {escape_text})"))?;
            let mut like = expr.clone();
            match &mut like {
                Expr::Like {
                    escape_char,
                    pattern,
                    ..
                }
                | Expr::ILike {
                    escape_char,
                    pattern,
                    ..
                } => {
                    *escape_char = None;
                    **pattern = new_pattern;
                }
                _ => unreachable!("matched above"),
            }
            Some(like)
        }
        _ => None,
    }
}

/// `pattern` written with `escape` as its escape character, rewritten to backslash escapes.
pub fn like_pattern_with_backslash(pattern: &str, escape: char) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == escape {
            if let Some(next) = chars.next() {
                out.push('\\');
                out.push(next);
            }
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct LikePattern {
    signature: Signature,
}

impl ScalarUDFImpl for LikePattern {
    fn name(&self) -> &str {
        "shape_like_pattern"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::common::Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let patterns = datafusion::arrow::compute::cast(&arrays[0], &DataType::Utf8)?;
        let escapes = datafusion::arrow::compute::cast(&arrays[1], &DataType::Utf8)?;
        let (patterns, escapes) = (patterns.as_string::<i32>(), escapes.as_string::<i32>());
        let mut out = StringBuilder::with_capacity(patterns.len(), patterns.len() * 8);
        for i in 0..patterns.len() {
            if patterns.is_null(i) || escapes.is_null(i) {
                out.append_null();
                continue;
            }
            let mut escape = escapes.value(i).chars();
            match (escape.next(), escape.next()) {
                (Some(e), None) => {
                    out.append_value(like_pattern_with_backslash(patterns.value(i), e))
                }
                (None, _) => out.append_value(patterns.value(i).replace('\\', "\\\\")),
                _ => return exec_err!("invalid escape string: must be empty or one character"),
            }
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

/// `shape_like_pattern(pattern, escape)`, which the `LIKE ... ESCAPE` rewrite calls.
pub fn like_pattern_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(LikePattern {
        signature: Signature::exact(vec![DataType::Utf8, DataType::Utf8], Volatility::Immutable),
    })
}

/// Plans and runs rewritten statements; statements that need no rewrite go on to the next
/// hook and datafusion-postgres' own planning.
pub struct PgSyntaxHook;

fn plan_error(e: datafusion::error::DataFusionError) -> PgWireError {
    PgWireError::ApiError(Box::new(e))
}

async fn plan(statement: Statement, ctx: &SessionContext) -> PgWireResult<LogicalPlan> {
    ctx.state()
        .statement_to_plan(datafusion::sql::parser::Statement::Statement(Box::new(
            statement,
        )))
        .await
        .map_err(plan_error)
}

#[async_trait::async_trait]
impl QueryHook for PgSyntaxHook {
    async fn handle_simple_query(
        &self,
        statement: &Statement,
        ctx: &SessionContext,
        client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        let rewritten = rewrite(statement)?;
        Some(
            async {
                let plan = plan(rewritten, ctx).await?;
                let frame = ctx.execute_logical_plan(plan).await.map_err(plan_error)?;
                let options = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
                let response = encode_dataframe(frame, &Format::UnifiedText, Some(options)).await?;
                Ok(Response::Query(response))
            }
            .await,
        )
    }

    async fn handle_extended_parse_query(
        &self,
        statement: &Statement,
        ctx: &SessionContext,
        _client: &(dyn ClientInfo + Send + Sync),
    ) -> Option<PgWireResult<LogicalPlan>> {
        let rewritten = rewrite(statement)?;
        Some(plan(rewritten, ctx).await)
    }

    async fn handle_extended_query(
        &self,
        _statement: &Statement,
        _plan: &LogicalPlan,
        _params: &ParamValues,
        _ctx: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        // The portal holds the plan made from the rewritten statement; the default execution
        // runs it.
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(sql: &str) -> String {
        let statement = SqlParser::new(&PostgreSqlDialect {})
            .try_with_sql(sql)
            .unwrap()
            .parse_statement()
            .unwrap();
        rewrite(&statement).map_or("unchanged".into(), |s| s.to_string())
    }

    #[test]
    fn catalog_syntax_is_rewritten() {
        assert_eq!(
            rewritten("SELECT array(SELECT relname FROM pg_class) AS names"),
            "SELECT (SELECT array_agg(shape_array.element) FROM (SELECT relname FROM pg_class) AS shape_array (element)) AS names"
        );
        assert_eq!(
            rewritten("SELECT unnest(indkey), generate_subscripts(indkey, 1) FROM pg_index"),
            "SELECT unnest(indkey), unnest(range(1, CAST(coalesce(array_length(indkey, 1), 0) AS BIGINT) + 1)) FROM pg_index"
        );
        assert_eq!(
            rewritten("SELECT 1 WHERE n NOT LIKE 'pg/_' || '%' ESCAPE '/'"),
            "SELECT 1 WHERE n NOT LIKE shape_like_pattern('pg/_' || '%', '/')"
        );
        assert_eq!(
            rewritten("SELECT 1 WHERE n LIKE 'a\\_%' ESCAPE '\\'"),
            "unchanged"
        );
        assert_eq!(rewritten("SELECT array[1, 2]"), "unchanged");
        assert_eq!(
            rewritten(
                "SELECT array(SELECT 'toast.' || x FROM unnest(tc.reloptions) x) FROM pg_class tc"
            ),
            "SELECT NULL FROM pg_class tc"
        );
    }

    #[test]
    fn like_patterns_move_to_backslash_escapes() {
        assert_eq!(like_pattern_with_backslash("pg/_%", '/'), "pg\\_%");
        assert_eq!(like_pattern_with_backslash("a//b", '/'), "a\\/b");
        assert_eq!(like_pattern_with_backslash("a\\b", '/'), "a\\\\b");
    }
}
