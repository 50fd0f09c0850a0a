//! Result column names as PostgreSQL gives them.
//!
//! DataFusion names an unaliased expression after its whole text
//! (`round(slo_status.budget_remaining,Int64(3))`); PostgreSQL names it after what it is
//! (`round`), and clients show or key results by that name (pandas columns, Grafana
//! fields). The rule is PostgreSQL's `FigureColname`: a column is named after itself, a
//! function call after the function, a cast after what it casts (else the type), `CASE`
//! is `case`, `ARRAY[...]` `array`, `EXISTS (...)` `exists`, a scalar subquery after its
//! column, anything else `?column?`. Only the wire names change (RowDescription);
//! DataFusion's plan keeps its unique names, since PostgreSQL allows two columns of one
//! name and a DataFusion plan does not.

use datafusion::sql::sqlparser::ast::{
    DataType as SqlType, Expr, Query, SelectItem, SetExpr, Statement,
};
use datafusion_postgres::pgwire::api::results::FieldInfo;

/// `fields` (of `statement`'s result, in order) renamed where PostgreSQL names differently.
pub fn pg_field_names(statement: &Statement, fields: Vec<FieldInfo>) -> Vec<FieldInfo> {
    let Statement::Query(query) = statement else {
        return fields;
    };
    let Some(items) = select_items(query) else {
        return fields;
    };
    // Items map to fields by position, from the front up to a wildcard and from the back
    // after it (a wildcard's width is only known from the plan).
    let wildcard = items.iter().position(|item| {
        matches!(
            item,
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
        )
    });
    let (front, back) = match wildcard {
        Some(at) => (&items[..at], &items[at + 1..]),
        None => (items, &[][..]),
    };
    if front.len() + back.len() > fields.len() {
        return fields;
    }
    let back_start = fields.len() - back.len();
    fields
        .into_iter()
        .enumerate()
        .map(|(i, field)| {
            let item = if i < front.len() {
                Some(&front[i])
            } else if i >= back_start {
                Some(&back[i - back_start])
            } else {
                None
            };
            match item {
                Some(SelectItem::UnnamedExpr(expr)) => match expr_name(expr) {
                    Some(name) if name != field.name() => renamed(field, name),
                    _ => field,
                },
                _ => field,
            }
        })
        .collect()
}

/// The select list that names a query's columns (a set operation's are its first branch's).
fn select_items(query: &Query) -> Option<&[SelectItem]> {
    let mut body = query.body.as_ref();
    loop {
        match body {
            SetExpr::Select(select) => return Some(&select.projection),
            SetExpr::SetOperation { left, .. } => body = left,
            SetExpr::Query(inner) => body = inner.body.as_ref(),
            _ => return None,
        }
    }
}

/// What PostgreSQL calls an unaliased column of this expression; `None` leaves DataFusion's
/// name (a plain column, which DataFusion already names after itself).
fn expr_name(expr: &Expr) -> Option<String> {
    Some(match expr {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => return None,
        _ => figure(expr).unwrap_or_else(|| "?column?".to_string()),
    })
}

/// PostgreSQL's FigureColnameInternal: a name when the expression suggests one.
fn figure(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(ident) => Some(ident.value.clone()),
        Expr::CompoundIdentifier(parts) => parts.last().map(|p| p.value.clone()),
        Expr::Nested(inner) => figure(inner),
        Expr::Function(function) => function
            .name
            .0
            .last()
            .and_then(|part| part.as_ident())
            .map(|ident| ident.value.to_ascii_lowercase()),
        Expr::Cast {
            expr, data_type, ..
        } => figure(expr).or_else(|| Some(type_name(data_type))),
        Expr::Case { .. } => Some("case".into()),
        Expr::Array(_) => Some("array".into()),
        Expr::Exists { .. } => Some("exists".into()),
        Expr::Subquery(query) => match select_items(query)?.first()? {
            SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
            SelectItem::UnnamedExpr(inner) => figure(inner),
            _ => None,
        },
        Expr::Extract { .. } => Some("extract".into()),
        Expr::Substring { .. } => Some("substring".into()),
        Expr::Trim { .. } => Some("btrim".into()),
        Expr::Position { .. } => Some("position".into()),
        Expr::Ceil { .. } => Some("ceil".into()),
        Expr::Floor { .. } => Some("floor".into()),
        Expr::Overlay { .. } => Some("overlay".into()),
        _ => None,
    }
}

/// PostgreSQL's internal name of a type, as a cast column is named after it.
fn type_name(data_type: &SqlType) -> String {
    let text = data_type.to_string().to_ascii_lowercase();
    let base = text.split('(').next().unwrap_or(&text).trim();
    match base {
        "int" | "integer" | "int4" => "int4",
        "bigint" | "int8" => "int8",
        "smallint" | "int2" => "int2",
        "real" | "float4" => "float4",
        "double precision" | "double" | "float" | "float8" => "float8",
        "boolean" | "bool" => "bool",
        "character varying" | "varchar" => "varchar",
        "character" | "char" => "bpchar",
        "decimal" | "numeric" => "numeric",
        "timestamp with time zone" | "timestamptz" => "timestamptz",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "time with time zone" | "timetz" => "timetz",
        "time" | "time without time zone" => "time",
        other => other,
    }
    .to_string()
}

fn renamed(field: FieldInfo, name: String) -> FieldInfo {
    FieldInfo::new(
        name,
        field.table_id(),
        field.column_id(),
        field.datatype().clone(),
        field.format(),
    )
    .with_format_options(field.format_options().clone())
    .with_type_size(field.type_size())
    .with_type_modifier(field.type_modifier())
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion_postgres::datafusion_pg_catalog::sql::PostgresCompatibilityParser;
    use datafusion_postgres::pgwire::api::results::FieldFormat;
    use datafusion_postgres::pgwire::api::Type;

    /// The names `sql` gets when its plan named its `n` columns c0, c1, ...
    fn names(sql: &str, n: usize) -> Vec<String> {
        let statement = PostgresCompatibilityParser::new()
            .parse(sql)
            .unwrap()
            .remove(0);
        let fields = (0..n)
            .map(|i| FieldInfo::new(format!("c{i}"), None, None, Type::TEXT, FieldFormat::Text))
            .collect();
        pg_field_names(&statement, fields)
            .iter()
            .map(|f| f.name().to_string())
            .collect()
    }

    #[test]
    fn unaliased_expressions_are_named_as_postgresql_names_them() {
        assert_eq!(
            names(
                "SELECT round(x, 3), count(*), x::int, '1'::bigint, CASE WHEN x THEN 1 END, \
                 1 + 2, (SELECT max(y) FROM t), ARRAY[1], EXISTS (SELECT 1), upper(s) AS loud \
                 FROM t",
                10
            ),
            ["round", "count", "x", "int8", "case", "?column?", "max", "array", "exists", "c9"]
        );
    }

    #[test]
    fn plain_columns_keep_their_names_and_wildcards_keep_positions() {
        assert_eq!(
            names("SELECT t.a, *, sum(b) FROM t", 5),
            ["c0", "c1", "c2", "c3", "sum"]
        );
        assert_eq!(
            names("SELECT lower(a) FROM t UNION ALL SELECT b FROM u", 1),
            ["lower"]
        );
        // VALUES and statements other than queries keep DataFusion's names.
        assert_eq!(names("VALUES (1, 2)", 2), ["c0", "c1"]);
    }
}
