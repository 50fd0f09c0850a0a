//! PostgreSQL syntax that clients' catalog queries use and DataFusion does not plan, turned
//! into equivalent DataFusion SQL on the parsed statement (a query hook, so both protocols
//! get it and nothing matches on query text):
//! - `ARRAY(subquery)` (psql's `\d+`): a scalar subquery aggregating the rows into an array
//!   (a NULL text array when correlated, as datafusion-pg-catalog treats correlated scalar subqueries);
//! - `generate_subscripts(a, d)` (SQLAlchemy's index and key reflection): `unnest` of the
//!   range `1..=array_length(a, d)`, which lines up with an `unnest(a)` beside it as
//!   PostgreSQL's set-returning functions do;
//! - a correlated scalar subquery (SQLAlchemy's column reflection): its column wrapped in
//!   `shape_scalar_subquery`, an aggregate with PostgreSQL's rule (the one row's value, NULL
//!   for none, an error for more), since DataFusion decorrelates only aggregated subqueries;
//!   one whose result uses the outer row, which DataFusion cannot decorrelate, becomes a call
//!   that fails if a row ever evaluates it (in the catalog queries seen, a CASE guards it);
//! - `information_schema._pg_expandarray(a)`: `unnest` of `shape_expand_array(a)`, the
//!   elements as `(x, n)` structs;
//! - `x::regtype::text` and `x::regtype[]::text[]`: the type names (`format_type`);
//! - `pg_get_serial_sequence(...)`: NULL (SHAPE has no sequences), folded before planning;
//! - `LIKE ... ESCAPE 'c'` with an escape other than backslash (SQLAlchemy's schema listing):
//!   the pattern is rewritten to backslash escapes by `shape_like_pattern`.

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, UInt64Type};
use datafusion::common::{exec_err, ParamValues, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, LogicalPlan, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{
    visit_expressions, visit_expressions_mut, AccessExpr, BinaryOperator, Expr, FunctionArguments,
    GroupByExpr, Query, SelectItem, SetExpr, Statement, TableFactor, Value,
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

mod regproc;
use regproc::{is_regproc_column, regproc_items_as_names};

/// The rewritten statement, or `None` when nothing needed rewriting.
pub fn rewrite(statement: &Statement) -> Option<Statement> {
    let mut statement = statement.clone();
    let mut changed = regproc_items_as_names(&mut statement);
    let _ = visit_expressions_mut(&mut statement, |expr| {
        if let Some(replacement) = replacement(expr) {
            *expr = replacement;
            changed = true;
        }
        ControlFlow::<()>::Continue(())
    });
    changed.then_some(statement)
}

/// The aggregate that makes a correlated scalar subquery plannable.
const SCALAR_SUBQUERY: &str = "shape_scalar_subquery";

/// Whether a SQL type is `name` (`pg_catalog.` qualification and case aside).
fn is_type(data_type: &datafusion::sql::sqlparser::ast::DataType, name: &str) -> bool {
    let text = data_type.to_string().to_ascii_lowercase();
    text.trim_start_matches("pg_catalog.") == name
}

/// How datafusion-pg-catalog's `::regclass` lookup picks the schema.
const REGCLASS_SCHEMA_TEST: &str = "n.nspname = current_schema()";

fn is_regclass_lookup(query: &Query) -> bool {
    let text = query.to_string();
    text.contains("parse_ident(") && text.contains(REGCLASS_SCHEMA_TEST)
}

/// The function standing in for a subquery DataFusion cannot plan; it fails when evaluated.
const UNSUPPORTED: &str = "shape_unsupported_subquery";

/// Aggregate functions a catalog query's scalar subquery may already use.
const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "min",
    "max",
    "avg",
    "array_agg",
    "string_agg",
    "bool_and",
    "bool_or",
    "every",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "first_value",
    "last_value",
    SCALAR_SUBQUERY,
];

/// Whether `query` groups or already aggregates its one column.
fn aggregates(query: &Query) -> bool {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return true;
    };
    if !matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty()) {
        return true;
    }
    let mut found = false;
    for item in &select.projection {
        let _ = visit_expressions(item, |expr| {
            if let Expr::Function(f) = expr {
                let name = f
                    .name
                    .0
                    .last()
                    .and_then(|p| p.as_ident())
                    .map(|i| i.value.to_ascii_lowercase());
                if name.is_some_and(|n| AGGREGATES.contains(&n.as_str())) {
                    found = true;
                }
            }
            ControlFlow::<()>::Continue(())
        });
    }
    found
}

/// `SELECT x FROM unnest(evttags) AS t(x)` (psql's `\dy`): a FROM that is only the unnest
/// of a column, which can only be the outer row's (DataFusion cannot plan that).
fn unnests_a_column(query: &Query) -> bool {
    use datafusion::sql::sqlparser::ast::{FunctionArg, FunctionArgExpr, TableFactor};
    let SetExpr::Select(select) = query.body.as_ref() else {
        return false;
    };
    let [from] = select.from.as_slice() else {
        return false;
    };
    let is_column = |e: &Expr| matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
    let unnest_args = match &from.relation {
        TableFactor::UNNEST { array_exprs, .. } => return array_exprs.iter().any(is_column),
        TableFactor::Table {
            name,
            args: Some(args),
            ..
        } => (name, &args.args),
        TableFactor::Function { name, args, .. } => (name, args),
        _ => return false,
    };
    let (name, args) = unnest_args;
    let unnest = name
        .0
        .last()
        .and_then(|p| p.as_ident())
        .is_some_and(|i| i.value.eq_ignore_ascii_case("unnest"));
    from.joins.is_empty()
        && unnest
        && args.iter().any(
            |arg| matches!(arg, FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) if is_column(e)),
        )
}

/// The parameters (`$1`) `node` holds: a rewrite that drops part of a statement keeps them,
/// as clients bind parameters by position.
fn placeholders<V: datafusion::sql::sqlparser::ast::Visit>(node: &V) -> Vec<String> {
    let mut found = Vec::new();
    let _ = visit_expressions(node, |expr| {
        if let Expr::Value(value) = expr {
            if let Value::Placeholder(p) = &value.value {
                found.push(p.clone());
            }
        }
        ControlFlow::<()>::Continue(())
    });
    found
}

/// The names (and aliases) of the relations `query` reads itself.
fn own_relations(query: &Query) -> HashSet<String> {
    let mut own: HashSet<String> = HashSet::new();
    if let SetExpr::Select(select) = query.body.as_ref() {
        for from in &select.from {
            let joined = from.joins.iter().map(|j| &j.relation);
            for factor in std::iter::once(&from.relation).chain(joined) {
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
    own
}

/// (names a relation of `own`, names another relation) over the columns `node` mentions;
/// an unqualified column counts as `own`.
fn column_owners<V: datafusion::sql::sqlparser::ast::Visit>(
    node: &V,
    own: &HashSet<String>,
) -> (bool, bool) {
    let (mut inner, mut outer) = (false, false);
    let _ = visit_expressions(node, |expr| {
        match expr {
            // `alias.column` or `schema.table.column`: the relation is the part before the
            // column.
            Expr::CompoundIdentifier(parts) if parts.len() > 1 => {
                if own.contains(&parts[parts.len() - 2].value.to_ascii_lowercase()) {
                    inner = true;
                } else {
                    outer = true;
                }
            }
            Expr::Identifier(_) => inner = true,
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    (inner, outer)
}

/// Whether `query` names a qualified column of a relation it does not read itself.
fn correlated(query: &Query) -> bool {
    column_owners(query, &own_relations(query)).1
}

fn conjuncts(expr: Expr, out: &mut Vec<Expr>) {
    match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            conjuncts(*left, out);
            conjuncts(*right, out);
        }
        Expr::Nested(inner)
            if matches!(
                inner.as_ref(),
                Expr::BinaryOp {
                    op: BinaryOperator::And,
                    ..
                }
            ) =>
        {
            conjuncts(*inner, out)
        }
        other => out.push(other),
    }
}

/// A correlated scalar subquery with its column wrapped in the one-row aggregate, and the
/// WHERE conditions on the outer row alone (`WHERE outer.flag AND inner.k = outer.k`, which
/// DataFusion cannot decorrelate) moved out into `CASE WHEN outer.flag THEN ... END`.
fn aggregated_subquery(query: &Query) -> Option<Expr> {
    let own = own_relations(query);
    let mut query = query.clone();
    let SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    let [item] = select.projection.as_mut_slice() else {
        return None;
    };
    let (SelectItem::UnnamedExpr(column) | SelectItem::ExprWithAlias { expr: column, .. }) = item
    else {
        return None;
    };
    if column_owners(column, &own).1 {
        // DataFusion cannot decorrelate a subquery whose result uses the outer row. Such
        // catalog subqueries sit behind a CASE that is false for SHAPE's objects
        // (SQLAlchemy's identity options: no column is an identity column), so the
        // replacement errors only if a row ever reaches it.
        // The subquery's parameters stay in the statement: clients bind by position.
        let kept: String = placeholders(&query)
            .iter()
            .map(|p| format!(", {p}"))
            .collect();
        return parse_expr(&format!(
            "{UNSUPPORTED}('a scalar subquery whose result uses the outer row'{kept})"
        ));
    }
    *column = parse_expr(&format!("{SCALAR_SUBQUERY}({column})"))?;
    let mut outer_only = Vec::new();
    if let Some(selection) = select.selection.take() {
        let mut parts = Vec::new();
        conjuncts(selection, &mut parts);
        let (outer_parts, inner_parts): (Vec<Expr>, Vec<Expr>) = parts
            .into_iter()
            .partition(|p| column_owners(p, &own) == (false, true));
        outer_only = outer_parts;
        select.selection = inner_parts.into_iter().reduce(|a, b| Expr::BinaryOp {
            left: Box::new(a),
            op: BinaryOperator::And,
            right: Box::new(b),
        });
    }
    let subquery = Expr::Subquery(Box::new(query));
    if outer_only.is_empty() {
        return Some(subquery);
    }
    let condition = outer_only
        .iter()
        .map(|c| format!("({c})"))
        .collect::<Vec<_>>()
        .join(" AND ");
    parse_expr(&format!("CASE WHEN {condition} THEN {subquery} END"))
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
                // (SHAPE's catalog has no storage options, grants or policies to list). Typed,
                // so `array_to_string` around it (psql's `\dp`) plans.
                ("array", FunctionArguments::Subquery(query))
                    if (correlated(query) || unnests_a_column(query))
                        && placeholders(query).is_empty() =>
                {
                    parse_expr("CAST(NULL AS TEXT[])")
                }
                ("array", FunctionArguments::Subquery(query)) => parse_expr(&format!(
                    "(SELECT array_agg(shape_array.element) FROM ({query}) AS shape_array(element))"
                )),
                // SHAPE has no sequences, so no column has one: the constant NULL, folded here
                // so the oid lookups built around it (`::regclass`) need no correlation.
                ("pg_get_serial_sequence", args) if placeholders(args).is_empty() => {
                    parse_expr("CAST(NULL AS TEXT)")
                }
                // information_schema._pg_expandarray(a): a row (x, n) per element (JDBC's
                // getPrimaryKeys, getIndexInfo).
                ("_pg_expandarray", FunctionArguments::List(list)) if list.args.len() == 1 => {
                    parse_expr(&format!("unnest(shape_expand_array({}))", list.args[0]))
                }
                ("generate_subscripts", FunctionArguments::List(list)) if list.args.len() == 2 => {
                    let (array, dimension) = (&list.args[0], &list.args[1]);
                    parse_expr(&format!(
                        "unnest(range(1, CAST(coalesce(array_length({array}, {dimension}), 0) AS BIGINT) + 1))"
                    ))
                }
                _ => None,
            }
        }
        // `x::regtype::text` names the type (pgcli's function and column completions); the
        // catalog's oid-alias planner keeps regtype an integer, so its text was a number.
        Expr::Cast {
            expr: inner,
            data_type,
            ..
        } if is_type(data_type, "text") || is_type(data_type, "text[]") => {
            // `typreceive::text` (or `::regproc::text`): the function's name.
            let column = match inner.as_ref() {
                Expr::Cast {
                    expr,
                    data_type: alias,
                    ..
                } if is_type(alias, "regproc") => expr.as_ref(),
                other => other,
            };
            if is_regproc_column(column) && is_type(data_type, "text") {
                return parse_expr(&format!("shape_regproc_name({column})"));
            }
            let Expr::Cast {
                expr: oid,
                data_type: alias,
                ..
            } = inner.as_ref()
            else {
                return None;
            };
            if is_type(alias, "regtype") && is_type(data_type, "text") {
                parse_expr(&format!("format_type({oid}, NULL)"))
            } else if is_type(alias, "regtype[]") && is_type(data_type, "text[]") {
                parse_expr(&format!("shape_format_types({oid})"))
            } else {
                None
            }
        }
        // `(row).field` on a computed row (JDBC's `(_pg_expandarray(k)).n`).
        Expr::CompoundFieldAccess { root, access_chain }
            if !matches!(
                root.as_ref(),
                Expr::Identifier(_) | Expr::CompoundIdentifier(_)
            ) =>
        {
            let mut out = root.to_string();
            for access in access_chain {
                match access {
                    AccessExpr::Dot(Expr::Identifier(field)) => {
                        out = format!("get_field({out}, '{}')", field.value.replace('\'', "''"))
                    }
                    _ => return None,
                }
            }
            parse_expr(&out)
        }
        // datafusion-pg-catalog resolves `'name'::regclass` in current_schema() only;
        // PostgreSQL's search path has pg_catalog too (`'pg_class'::regclass`, which JDBC and
        // SQLAlchemy compare pg_description.classoid with).
        Expr::Subquery(query) if is_regclass_lookup(query) => {
            let text = query.to_string().replace(
                REGCLASS_SCHEMA_TEST,
                "n.nspname IN (current_schema(), 'pg_catalog')",
            );
            parse_expr(&format!("({text})"))
        }
        // DataFusion plans a correlated scalar subquery only when it aggregates; PostgreSQL's
        // own rule (one row or none, else an error) is that aggregate.
        Expr::Subquery(query) if correlated(query) && !aggregates(query) => {
            aggregated_subquery(query)
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

/// `shape_scalar_subquery(x)`: the one value of its group, NULL for none, and PostgreSQL's
/// error for more than one.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ScalarSubquery {
    signature: Signature,
}

#[derive(Debug)]
struct OneRow {
    value: ScalarValue,
    rows: u64,
}

fn more_than_one_row() -> datafusion::error::DataFusionError {
    datafusion::error::DataFusionError::Execution(
        "more than one row returned by a subquery used as an expression".into(),
    )
}

impl Accumulator for OneRow {
    fn update_batch(&mut self, values: &[ArrayRef]) -> datafusion::common::Result<()> {
        let column = &values[0];
        if column.is_empty() {
            return Ok(());
        }
        self.rows += column.len() as u64;
        if self.rows > 1 {
            return Err(more_than_one_row());
        }
        self.value = ScalarValue::try_from_array(column, 0)?;
        Ok(())
    }

    fn evaluate(&mut self) -> datafusion::common::Result<ScalarValue> {
        Ok(self.value.clone())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.value.size()
    }

    fn state(&mut self) -> datafusion::common::Result<Vec<ScalarValue>> {
        Ok(vec![
            self.value.clone(),
            ScalarValue::UInt64(Some(self.rows)),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> datafusion::common::Result<()> {
        let rows = states[1].as_primitive::<UInt64Type>();
        for i in 0..rows.len() {
            let n = rows.value(i);
            if n == 0 {
                continue;
            }
            self.rows += n;
            if self.rows > 1 {
                return Err(more_than_one_row());
            }
            self.value = ScalarValue::try_from_array(&states[0], i)?;
        }
        Ok(())
    }
}

impl AggregateUDFImpl for ScalarSubquery {
    fn name(&self) -> &str {
        SCALAR_SUBQUERY
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(arg_types[0].clone())
    }

    fn accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> datafusion::common::Result<Box<dyn Accumulator>> {
        Ok(Box::new(OneRow {
            value: ScalarValue::try_from(args.return_field.data_type())?,
            rows: 0,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> datafusion::common::Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new("value", args.return_type().clone(), true)),
            Arc::new(Field::new("rows", DataType::UInt64, true)),
        ])
    }
}

/// `shape_unsupported_subquery(what)`: text, an error for any row that evaluates it.
pub fn unsupported_subquery_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(Unsupported {
        signature: Signature::variadic_any(Volatility::Volatile),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Unsupported {
    signature: Signature,
}

impl ScalarUDFImpl for Unsupported {
    fn name(&self) -> &str {
        UNSUPPORTED
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
        if args.number_rows == 0 {
            return Ok(ColumnarValue::Array(
                datafusion::arrow::array::new_empty_array(&DataType::Utf8),
            ));
        }
        exec_err!("SHAPE cannot run a scalar subquery whose result uses the outer row")
    }
}

/// The aggregate the scalar-subquery rewrite calls.
pub fn scalar_subquery_udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(ScalarSubquery {
        signature: Signature::any(1, Volatility::Immutable),
    })
}

/// Plans and runs rewritten statements; statements that need no rewrite go on to the next
/// hook and datafusion-postgres' own planning.
pub struct PgSyntaxHook;

fn plan_error(e: datafusion::error::DataFusionError) -> PgWireError {
    PgWireError::ApiError(Box::new(e))
}

pub(crate) async fn plan(statement: Statement, ctx: &SessionContext) -> PgWireResult<LogicalPlan> {
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
mod tests;
