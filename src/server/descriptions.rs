//! Comments on SHAPE's tables, views and columns, for `pg_description` (`\d+`, `\dt+`,
//! `obj_description`, BI tools' schema browsers). Views: the header of their `sql/` file
//! (`-- name: what it is ...`), and the columns the header documents (`--   column  text`
//! or `-- column: text`). Stored and built-in tables: the schema docs (docs/src/tables.md).

use std::collections::HashMap;
use std::sync::LazyLock;

use datafusion::sql::parser::{DFParser, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::Statement;
use regex::Regex;

use crate::catalog::SQL_FILES;

/// Tables that are not views: what the schema docs say.
const TABLES: &[(&str, &str)] = &[
    (
        "events",
        "one row per parsed log record, with the exact source line it came from",
    ),
    (
        "rejects",
        "one row per line that could not become an event: the exact bytes and why",
    ),
    (
        "ingest_log",
        "one row per source per ingest run: offsets read and the line accounting",
    ),
    (
        "slo_rollups",
        "per-minute good/total counts per SLO, and per hour with the minutes packed, written at ingest (what slo_minutes and slo_rollup_hours read)",
    ),
    (
        "detect_rollups",
        "per-minute counts and latency sketches per component, operation, level and error template (what the detect views read)",
    ),
    (
        "healing_runs",
        "every healing action: plan, guard decision, command and result",
    ),
    (
        "healing_outcomes",
        "the verification of each healing action: the SLI before and after",
    ),
    (
        "maintenance_log",
        "what retention dropped and compaction merged: one row per table partition",
    ),
    (
        "slo_definitions",
        "the configured SLOs (shape.toml and OpenSLO files), one row each",
    ),
    ("slo_tiers", "each SLO's burn-rate alert tiers"),
    (
        "burn_rate_tiers",
        "the built-in burn-rate tier catalogs (Sloth's, by SLO window)",
    ),
    (
        "slo_members",
        "the members of composite SLOs with their weights",
    ),
    (
        "slo_alert_targets",
        "where each SLO's alerts go (OpenSLO alert notification targets)",
    ),
    (
        "slo_suggestions",
        "SLOs proposed from the data when none are configured",
    ),
    (
        "fix_rules",
        "the fix recommendation rules the detect views match anomalies against",
    ),
    (
        "shape_cache_stats",
        "the server's plan and result caches: sizes, hits, misses (shape serve only)",
    ),
];

/// Columns of the stored tables (docs/src/tables.md).
const COLUMNS: &[(&str, &str, &str)] = &[
    ("events", "ts", "event time (UTC)"),
    ("events", "service", "service the event belongs to"),
    (
        "events",
        "component",
        "component within the service (a component rule, else unknown)",
    ),
    (
        "events",
        "operation",
        "what was done: route, RPC or job (unknown when absent)",
    ),
    (
        "events",
        "level",
        "TRACE, DEBUG, INFO, WARN, ERROR or FATAL",
    ),
    (
        "events",
        "status_code",
        "HTTP or RPC status, when the line has one",
    ),
    (
        "events",
        "duration_ms",
        "latency in milliseconds, when the line has one",
    ),
    ("events", "outcome", "ok or error"),
    ("events", "message", "the message text"),
    ("events", "trace_id", "trace id, when the line has one"),
    (
        "events",
        "attributes",
        "every other field of the line, as a JSON object",
    ),
    ("events", "_source", "lineage: URI of the source object"),
    (
        "events",
        "_line",
        "lineage: 1-based line number in the source (every line counted)",
    ),
    (
        "events",
        "_offset",
        "lineage: byte offset of the line in the decompressed source",
    ),
    (
        "events",
        "_ingest_id",
        "lineage: the ingest run that wrote the row",
    ),
    (
        "rejects",
        "raw",
        "the exact bytes of the line, without its newline",
    ),
    ("rejects", "error", "why the line could not become an event"),
    ("rejects", "_source", "lineage: URI of the source object"),
    (
        "rejects",
        "_line",
        "lineage: 1-based line number in the source",
    ),
    (
        "rejects",
        "_offset",
        "lineage: byte offset of the line in the decompressed source",
    ),
    (
        "ingest_log",
        "lines",
        "lines read this run: rows + rejects + blank",
    ),
    (
        "ingest_log",
        "from_offset",
        "byte offset this run started reading at",
    ),
    (
        "ingest_log",
        "to_offset",
        "byte offset this run stopped at (the next run starts here)",
    ),
];

struct ViewDoc {
    comment: String,
    columns: HashMap<String, String>,
    definition: String,
}

/// A header line naming what follows: `-- slo_status: one row per SLO ...`.
static NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^--\s?([a-z_]+(?:\s*/\s*[a-z_]+)*)(?:\s*\([^)]*\))?:\s+(.*)$").unwrap()
});
/// A header line documenting a column: `--   runs   actions it took`, `--   sli = ...`.
static COLUMN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^--\s+([a-z_]+)(?::\s+|\s{2,}|\s+=\s+)(.+)$").unwrap());

static VIEWS: LazyLock<HashMap<String, ViewDoc>> = LazyLock::new(|| {
    let mut views = HashMap::new();
    for (_, sql) in SQL_FILES {
        let header: Vec<&str> = sql.lines().take_while(|l| l.starts_with("--")).collect();
        let Ok(statements) = DFParser::parse_sql(sql) else {
            continue;
        };
        for statement in statements {
            let DfStatement::Statement(statement) = statement else {
                continue;
            };
            let Statement::CreateView(view) = *statement else {
                continue;
            };
            let name = view.name.to_string();
            let block = comment_before(sql, &name);
            let comment = view_comment(&block, &name)
                .or_else(|| {
                    comment_blocks(sql)
                        .iter()
                        .find_map(|b| view_comment(b, &name))
                })
                .or_else(|| view_comment(&header, &name))
                .unwrap_or_else(|| one_line(block.iter().map(|l| l.trim_start_matches('-'))));
            views.insert(
                name.clone(),
                ViewDoc {
                    comment,
                    columns: view_columns(&block),
                    definition: view.query.to_string(),
                },
            );
        }
    }
    views
});

/// The comment lines right above `CREATE VIEW name` (for the file's first view: its header).
fn comment_before<'a>(sql: &'a str, name: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = sql.lines().collect();
    let create = format!("CREATE VIEW {name} ");
    let Some(at) = lines.iter().position(|l| l.starts_with(&create)) else {
        return Vec::new();
    };
    let start = lines[..at]
        .iter()
        .rposition(|l| !l.starts_with("--"))
        .map_or(0, |i| i + 1);
    lines[start..at].to_vec()
}

/// Every run of comment lines in `sql`.
fn comment_blocks(sql: &str) -> Vec<Vec<&str>> {
    let mut blocks: Vec<Vec<&str>> = vec![Vec::new()];
    for line in sql.lines() {
        if line.starts_with("--") {
            blocks.last_mut().expect("one block at least").push(line);
        } else if !blocks.last().is_some_and(Vec::is_empty) {
            blocks.push(Vec::new());
        }
    }
    blocks
}

fn one_line<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    parts
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The paragraph of `block` that names `view` (`-- view: ...` up to the next name), as one
/// line.
fn view_comment(block: &[&str], view: &str) -> Option<String> {
    let mut paragraph: Vec<&str> = Vec::new();
    let mut inside = false;
    for line in block {
        if let Some(named) = NAMED.captures(line) {
            let names: Vec<&str> = named[1].split('/').map(str::trim).collect();
            if inside && !names.contains(&view) {
                break;
            }
            inside = names.contains(&view);
            if inside {
                paragraph.push(named.get(2).map_or("", |m| m.as_str()));
            }
        } else if inside {
            paragraph.push(line.trim_start_matches('-'));
        }
    }
    (!paragraph.is_empty()).then(|| one_line(paragraph.into_iter()))
}

fn view_columns(header: &[&str]) -> HashMap<String, String> {
    header
        .iter()
        .filter_map(|line| COLUMN.captures(line))
        .map(|c| (c[1].to_string(), c[2].trim().to_string()))
        .collect()
}

/// The comment on a table or view.
pub fn relation(name: &str) -> Option<String> {
    TABLES
        .iter()
        .find(|(table, _)| *table == name)
        .map(|(_, comment)| comment.to_string())
        .or_else(|| VIEWS.get(name).map(|v| v.comment.clone()))
}

/// The comment on a column, where the docs have one.
pub fn column(relation: &str, column: &str) -> Option<String> {
    COLUMNS
        .iter()
        .find(|(t, c, _)| *t == relation && *c == column)
        .map(|(_, _, comment)| comment.to_string())
        .or_else(|| {
            let stats = super::cache::CACHE_STATS_COLUMNS.iter();
            (relation == "shape_cache_stats")
                .then(|| stats.clone().find(|(c, _)| *c == column))
                .flatten()
                .map(|(_, comment)| comment.to_string())
        })
        .or_else(|| VIEWS.get(relation)?.columns.get(column).cloned())
}

/// A view's SELECT (`pg_get_viewdef`).
pub fn view_definition(name: &str) -> Option<String> {
    VIEWS.get(name).map(|v| v.definition.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_view_has_a_comment_from_its_header() {
        assert!(relation("slo_status")
            .unwrap()
            .starts_with("one row per SLO"));
        assert!(relation("events").is_some());
        assert!(relation("no_such_view").is_none());
        for (name, doc) in VIEWS.iter() {
            assert!(!doc.comment.is_empty(), "{name} has no comment");
        }
        assert!(
            view_definition("slo_status").unwrap().starts_with("SELECT")
                || view_definition("slo_status").unwrap().starts_with("WITH")
        );
        assert_eq!(
            column("events", "_line").as_deref(),
            Some("lineage: 1-based line number in the source (every line counted)")
        );
    }
}
