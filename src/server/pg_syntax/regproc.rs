//! `pg_type`'s `regproc` columns (`typinput`, `typreceive`, ...): oids in comparisons, as in
//! PostgreSQL, and the functions' names where a client reads them as text.

use datafusion::sql::sqlparser::ast::{Expr, SelectItem, SetExpr, Statement};

use super::parse_expr;
use crate::server::pg_catalog::REGPROC_COLUMNS;

/// Whether `expr` names one of `pg_type`'s `regproc` columns (`typreceive`, `t.typreceive`).
pub(super) fn is_regproc_column(expr: &Expr) -> bool {
    let name = match expr {
        Expr::Identifier(ident) => ident,
        Expr::CompoundIdentifier(parts) => match parts.last() {
            Some(ident) => ident,
            None => return false,
        },
        _ => return false,
    };
    REGPROC_COLUMNS.contains(&name.value.to_ascii_lowercase().as_str())
}

/// A `regproc` column selected as it is prints the function's name, as PostgreSQL's text
/// output does (ADBC's type resolver maps `typreceive` names to Arrow types); comparisons
/// elsewhere keep the oid. Only the statement's own select list: a column a subquery selects
/// is compared further out.
pub(super) fn regproc_items_as_names(statement: &mut Statement) -> bool {
    let Statement::Query(query) = statement else {
        return false;
    };
    let SetExpr::Select(select) = query.body.as_mut() else {
        return false;
    };
    let mut changed = false;
    for item in &mut select.projection {
        let SelectItem::UnnamedExpr(expr) = item else {
            continue;
        };
        if !is_regproc_column(expr) {
            continue;
        }
        let alias = match &*expr {
            Expr::Identifier(ident) => ident.clone(),
            Expr::CompoundIdentifier(parts) => parts.last().cloned().expect("a last part"),
            _ => continue,
        };
        if let Some(name) = parse_expr(&format!("shape_regproc_name({expr})")) {
            *item = SelectItem::ExprWithAlias { expr: name, alias };
            changed = true;
        }
    }
    changed
}
