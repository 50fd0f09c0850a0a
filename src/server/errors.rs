//! What a client is told when a statement fails: PostgreSQL's SQLSTATE for the kind of
//! failure, a message without DataFusion's wrapping, a hint where one helps, and the cursor
//! position of the word at fault.
//!
//! pgwire sends every error raised inside DataFusion as SQLSTATE XX000 (internal error) with
//! the whole chain of wrappers in the text (`Optimizer rule 'simplify_expressions' failed
//! caused by Arrow error: ...`). Clients act on the code: psycopg raises `UndefinedTable` or
//! `SyntaxError`, SQLAlchemy and JDBC tools sort errors by class, psql draws `LINE 1: ... ^`
//! under the position. [`client_error`] rewrites such an error once, on its way out of the
//! connection loop, from the innermost DataFusion error: one place for every path (simple
//! and extended queries, rows failing mid-stream, COPY).

use std::error::Error;

use datafusion::arrow::error::ArrowError;
use datafusion::common::SchemaError;
use datafusion::error::DataFusionError;
use datafusion::sql::sqlparser::parser::ParserError;
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError};

/// Columns named in a hint at most; a wide view's list would bury the message.
const HINT_COLUMNS: usize = 24;

/// Where in the statement the fault is, as the error reports it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Near {
    /// A 1-based line and column (character) from the SQL parser.
    LineColumn(usize, usize),
    /// The first occurrence of this word, as a whole word, any case.
    Word(String),
    /// The end of the statement (input ended too soon).
    End,
}

/// An error as the client should see it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Classified {
    pub code: &'static str,
    pub message: String,
    pub hint: Option<String>,
    pub near: Option<Near>,
}

/// The client's view of `error`; `statement` (the SQL text the failing message carried, when
/// known) gives the cursor position. Errors that already carry a SQLSTATE pass unchanged.
pub(crate) fn client_error(error: PgWireError, statement: Option<&str>) -> PgWireError {
    let PgWireError::ApiError(inner) = &error else {
        return error;
    };
    let Some(classified) = classify(inner.as_ref()) else {
        return error;
    };
    let mut info = ErrorInfo::new("ERROR".into(), classified.code.into(), classified.message);
    info.hint = classified.hint;
    info.position = classified
        .near
        .zip(statement)
        .and_then(|(near, text)| position(text, &near))
        .map(|p| p.to_string());
    PgWireError::UserError(Box::new(info))
}

/// Classify an error raised while parsing, planning or running a statement.
pub(crate) fn classify(error: &(dyn Error + 'static)) -> Option<Classified> {
    if let Some(parser) = error.downcast_ref::<ParserError>() {
        return Some(parser_error(parser));
    }
    if let Some(arrow) = error.downcast_ref::<ArrowError>() {
        return Some(arrow_error(arrow));
    }
    let error = error.downcast_ref::<DataFusionError>()?;
    let root = error.find_root();
    let mut classified = classify_root(root);
    // Context SHAPE added on the way (`worker http://... failed`) stays in front.
    let contexts = kept_contexts(error);
    if !contexts.is_empty() {
        classified.message = format!("{}: {}", contexts.join(": "), classified.message);
    }
    Some(classified)
}

/// The context strings wrapped around an error, less DataFusion's own rule wrappers
/// (`Optimizer rule 'simplify_expressions' failed`), which say nothing to a client.
fn kept_contexts(mut error: &DataFusionError) -> Vec<&str> {
    let mut kept = Vec::new();
    loop {
        match error {
            DataFusionError::Context(context, inner) => {
                let rule = ["Optimizer rule ", "Analyzer rule ", "type_coercion"]
                    .iter()
                    .any(|prefix| context.starts_with(prefix));
                if !rule {
                    kept.push(context.as_str());
                }
                error = inner;
            }
            DataFusionError::Diagnostic(_, inner) => error = inner,
            DataFusionError::Shared(inner) => error = inner,
            _ => return kept,
        }
    }
}

fn classify_root(root: &DataFusionError) -> Classified {
    match root {
        DataFusionError::SQL(parser, _) => parser_error(parser),
        DataFusionError::ArrowError(arrow, _) => arrow_error(arrow),
        DataFusionError::SchemaError(schema, _) => schema_error(schema),
        DataFusionError::Plan(message) => plan_error(message),
        DataFusionError::Execution(message) if message.contains("more than one row") => {
            plain("21000", message)
        }
        DataFusionError::Execution(message)
            if message.to_lowercase().contains("divide by zero") =>
        {
            plain("22012", "division by zero")
        }
        DataFusionError::ResourcesExhausted(_) => plain("53200", &root.strip_backtrace()),
        DataFusionError::NotImplemented(_) => plain("0A000", &root.strip_backtrace()),
        DataFusionError::Configuration(message) => plain(
            if message.contains("not find config") || message.contains("nrecognized") {
                "42704"
            } else {
                "22023"
            },
            &root.strip_backtrace(),
        ),
        DataFusionError::IoError(_) | DataFusionError::ObjectStore(_) => {
            plain("58030", &root.strip_backtrace())
        }
        DataFusionError::ParquetError(_) => plain("XX001", &root.strip_backtrace()),
        _ => plain("XX000", &root.strip_backtrace()),
    }
}

fn plain(code: &'static str, message: &str) -> Classified {
    Classified {
        code,
        message: message.to_string(),
        hint: None,
        near: None,
    }
}

/// sqlparser's `Expected: X, found: Y at Line: L, Column: C`: syntax error at L:C, or at Y.
fn parser_error(error: &ParserError) -> Classified {
    let text = match error {
        ParserError::TokenizerError(text) | ParserError::ParserError(text) => text.as_str(),
        ParserError::RecursionLimitExceeded => "statement nested too deeply",
    };
    let (message, near) = match text.rsplit_once(" at Line: ") {
        Some((message, at)) => (message, line_column(at)),
        None => (text, None),
    };
    let near = near.or_else(|| {
        let found = message.rsplit_once("found: ")?.1.trim();
        Some(if found == "EOF" {
            Near::End
        } else {
            Near::Word(found.to_string())
        })
    });
    Classified {
        code: "42601",
        message: format!("syntax error: {message}"),
        hint: None,
        near,
    }
}

/// `3, Column: 14` -> line 3, column 14.
fn line_column(at: &str) -> Option<Near> {
    let (line, column) = at.split_once(", Column: ")?;
    let digits = |s: &str| -> Option<usize> {
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        s[..end].parse().ok()
    };
    Some(Near::LineColumn(digits(line)?, digits(column)?))
}

fn arrow_error(error: &ArrowError) -> Classified {
    match error {
        ArrowError::DivideByZero => plain("22012", "division by zero"),
        ArrowError::ArithmeticOverflow(_) => plain("22003", &error.to_string()),
        ArrowError::CastError(message) | ArrowError::ParseError(message) => {
            let lower = message.to_lowercase();
            let code = if lower.contains("overflow") || lower.contains("out of range") {
                "22003"
            } else if ["timestamp", "date", "time", "interval"]
                .iter()
                .any(|word| lower.contains(word))
            {
                "22007"
            } else {
                "22P02"
            };
            plain(code, &error.to_string())
        }
        ArrowError::MemoryError(_) => plain("53200", &error.to_string()),
        ArrowError::ExternalError(inner) => {
            classify(inner.as_ref()).unwrap_or_else(|| plain("XX000", &error.to_string()))
        }
        _ => plain("XX000", &error.to_string()),
    }
}

fn schema_error(error: &SchemaError) -> Classified {
    match error {
        SchemaError::FieldNotFound {
            field,
            valid_fields,
        } => {
            // A join lists each side's columns; a name is shown once.
            let mut names: Vec<&str> = Vec::new();
            for column in valid_fields {
                if !names.contains(&column.name.as_str()) {
                    names.push(&column.name);
                }
            }
            let hint = (!names.is_empty()).then(|| {
                let shown = names.len().min(HINT_COLUMNS);
                let more = if names.len() > shown { ", ..." } else { "" };
                format!("Columns here: {}{more}.", names[..shown].join(", "))
            });
            let name = match &field.relation {
                Some(relation) => format!("{relation}.{}", field.name),
                None => format!("\"{}\"", field.name),
            };
            Classified {
                code: "42703",
                message: format!("column {name} does not exist"),
                hint,
                near: Some(Near::Word(field.name.clone())),
            }
        }
        SchemaError::AmbiguousReference { field } => Classified {
            code: "42702",
            message: format!("column reference \"{}\" is ambiguous", field.name),
            hint: None,
            near: Some(Near::Word(field.name.clone())),
        },
        SchemaError::DuplicateQualifiedField { .. }
        | SchemaError::DuplicateUnqualifiedField { .. } => plain("42701", &error.to_string()),
    }
}

/// Planning errors are reported as text only; the common ones are told apart by it.
fn plan_error(message: &str) -> Classified {
    if let Some(table) = quoted_after(message, "table '").filter(|_| message.ends_with("not found"))
    {
        let name = table.rsplit('.').next().unwrap_or(table);
        return Classified {
            code: "42P01",
            message: format!("relation \"{name}\" does not exist"),
            hint: None,
            near: Some(Near::Word(name.to_string())),
        };
    }
    if let Some(function) = quoted_after(message, "Invalid function '") {
        let hint = message
            .split_once("Did you mean ")
            .map(|(_, rest)| format!("Did you mean {}", rest.trim()));
        return Classified {
            code: "42883",
            message: format!("function {function} does not exist"),
            hint,
            near: Some(Near::Word(function.to_string())),
        };
    }
    let code = if message.contains("No function matches")
        || message.contains("Failed to coerce arguments")
        || message.contains("does not support")
    {
        "42883"
    } else if message.contains("Cannot infer common")
        || message.contains("Cannot coerce")
        || message.contains("cannot be cast")
    {
        "42804"
    } else {
        "42000"
    };
    plain(code, message.trim())
}

/// The text between `prefix` and the next `'`.
fn quoted_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    Some(&rest[..rest.find('\'')?])
}

/// PostgreSQL's error position: a 1-based index in characters into the statement.
pub(crate) fn position(statement: &str, near: &Near) -> Option<usize> {
    match near {
        Near::End => Some(statement.trim_end().chars().count() + 1),
        Near::LineColumn(line, column) => {
            let mut chars = 0;
            for (number, text) in statement.split('\n').enumerate() {
                if number + 1 == *line {
                    return (*column <= text.chars().count() + 1).then_some(chars + column);
                }
                chars += text.chars().count() + 1;
            }
            None
        }
        Near::Word(word) => {
            let word = word.trim_matches('"');
            if word.is_empty() {
                return None;
            }
            let lower = statement.to_lowercase();
            let wanted = word.to_lowercase();
            // Lower-casing can change byte lengths outside ASCII; positions are then unsafe.
            if lower.len() != statement.len() {
                return None;
            }
            let is_word = |c: char| c.is_alphanumeric() || c == '_';
            let mut from = 0;
            while let Some(found) = lower[from..].find(&wanted) {
                let start = from + found;
                let end = start + wanted.len();
                let before = lower[..start].chars().next_back();
                let after = lower[end..].chars().next();
                if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
                    return Some(statement[..start].chars().count() + 1);
                }
                from = end;
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::SessionContext;

    /// The classification of what planning and running `sql` fails with.
    async fn failure(sql: &str) -> Classified {
        let ctx = SessionContext::new();
        ctx.sql(
            "CREATE TABLE events (ts TIMESTAMP, service VARCHAR, n INT) AS VALUES (NULL, 'a', 1)",
        )
        .await
        .unwrap();
        let error = match ctx.sql(sql).await {
            Ok(frame) => frame.collect().await.expect_err(sql),
            Err(error) => error,
        };
        classify(&error).expect(sql)
    }

    #[tokio::test]
    async fn each_kind_of_failure_has_postgresqls_code() {
        let cases = [
            ("selec 1", "42601"),
            ("SELECT 1 +", "42601"),
            ("SELECT * FROM nosuch", "42P01"),
            ("SELECT nosuchcol FROM events", "42703"),
            ("SELECT nosuchfn(1)", "42883"),
            ("SELECT 1 / 0", "22012"),
            ("SELECT n / 0 FROM events", "22012"),
            ("SELECT 'x'::int", "22P02"),
            ("SELECT * FROM events WHERE ts > 'garbage'", "22007"),
        ];
        for (sql, code) in cases {
            let classified = failure(sql).await;
            assert_eq!(classified.code, code, "{sql}: {classified:?}");
            assert!(
                !classified.message.contains("Optimizer rule"),
                "{sql}: the wrapper is not the message: {classified:?}"
            );
        }
    }

    #[tokio::test]
    async fn messages_name_the_object_and_point_at_it() {
        let missing = failure("SELECT nosuchcol FROM events").await;
        assert_eq!(missing.message, "column \"nosuchcol\" does not exist");
        assert!(missing.hint.as_deref().unwrap().contains("service"));
        assert_eq!(
            position(
                "SELECT nosuchcol FROM events",
                missing.near.as_ref().unwrap()
            ),
            Some(8)
        );
        let table = failure("select 1 from Nosuch").await;
        assert_eq!(table.message, "relation \"nosuch\" does not exist");
        assert_eq!(
            position("select 1 from Nosuch", table.near.as_ref().unwrap()),
            Some(15)
        );
        let syntax = failure("SELECT 1 +").await;
        assert_eq!(
            position("SELECT 1 +", syntax.near.as_ref().unwrap()),
            Some(11)
        );
    }

    #[test]
    fn positions_count_characters_and_whole_words() {
        let text = "SELECT é, ts\nFROM tsx, ts";
        assert_eq!(position(text, &Near::LineColumn(2, 6)), Some(19));
        assert_eq!(position(text, &Near::LineColumn(3, 1)), None);
        // `ts` inside `tsx` is not the word; the first whole `ts` is on line 1.
        assert_eq!(position(text, &Near::Word("ts".into())), Some(11));
        assert_eq!(position(text, &Near::Word("nowhere".into())), None);
        assert_eq!(position("SELECT 1 +  ", &Near::End), Some(11));
    }

    #[test]
    fn errors_with_a_code_pass_unchanged() {
        let given = PgWireError::UserError(Box::new(ErrorInfo::new(
            "ERROR".into(),
            "25006".into(),
            "read-only".into(),
        )));
        let PgWireError::UserError(info) = client_error(given, Some("DROP VIEW x")) else {
            panic!("still a user error");
        };
        assert_eq!(info.code, "25006");
        let wrapped = DataFusionError::Context(
            "Optimizer rule 'simplify_expressions' failed".into(),
            Box::new(DataFusionError::ArrowError(
                Box::new(ArrowError::DivideByZero),
                None,
            )),
        );
        let PgWireError::UserError(info) =
            client_error(PgWireError::ApiError(Box::new(wrapped)), Some("SELECT 1/0"))
        else {
            panic!("classified");
        };
        assert_eq!(
            (info.code.as_str(), info.message.as_str()),
            ("22012", "division by zero")
        );
        // SHAPE's own context (which worker failed) is kept in front of the cause.
        let from_worker = DataFusionError::Context(
            "worker http://127.0.0.1:9 failed".into(),
            Box::new(DataFusionError::Execution("connection refused".into())),
        );
        let said = classify(&from_worker).unwrap();
        assert_eq!(said.code, "XX000");
        assert!(
            said.message
                .starts_with("worker http://127.0.0.1:9 failed: ")
                && said.message.contains("connection refused"),
            "{said:?}"
        );
    }
}
