//! PostgreSQL's `format(formatstr, args...)`: psql's `\dX` builds its columns with it, and
//! users write it in dashboards' SQL. `%s` (the value as text, NULL as nothing), `%I` (an
//! identifier, quoted when it must be), `%L` (a literal, NULL unquoted), `%%`, an argument
//! position (`%2$s`) and a width (`%-10s`), as PostgreSQL's manual describes them.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, StringArray, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::ScalarUDF;

/// The `format` function.
pub fn format_udf() -> ScalarUDF {
    super::pg_functions::any_arguments("format", DataType::Utf8, |arrays| {
        let texts = arrays
            .iter()
            .map(|a| cast(a, &DataType::Utf8))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let texts: Vec<&StringArray> = texts
            .iter()
            .map(|a| {
                a.as_any()
                    .downcast_ref::<StringArray>()
                    .expect("cast to Utf8")
            })
            .collect();
        let rows = texts.first().map_or(0, |a| a.len());
        let mut out = StringBuilder::new();
        for row in 0..rows {
            if texts[0].is_null(row) {
                out.append_null();
                continue;
            }
            let args: Vec<Option<&str>> = texts[1..]
                .iter()
                .map(|a| (!a.is_null(row)).then(|| a.value(row)))
                .collect();
            out.append_value(format_row(texts[0].value(row), &args)?);
        }
        Ok(Arc::new(out.finish()) as ArrayRef)
    })
}

/// One row: `template` with its specifiers replaced by `args`.
fn format_row(template: &str, args: &[Option<&str>]) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut next = 0;
    let mut chars = template.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        let kind = loop {
            match chars.next() {
                Some((_, c)) if c.is_ascii_digit() || c == '-' || c == '$' => spec.push(c),
                Some((_, c)) => break c,
                None => return exec_err!("unterminated format() type specifier"),
            }
        };
        if kind == '%' && spec.is_empty() {
            out.push('%');
            continue;
        }
        let (position, rest) = match spec.split_once('$') {
            Some((n, rest)) => match n.parse::<usize>() {
                Ok(n) if n > 0 => (n - 1, rest),
                _ => {
                    return exec_err!(
                        "format specifies argument 0, but arguments are numbered from 1"
                    )
                }
            },
            None => (next, spec.as_str()),
        };
        next = position + 1;
        let Some(value) = args.get(position) else {
            return exec_err!("too few arguments for format()");
        };
        let text = match kind {
            's' => value.unwrap_or_default().to_string(),
            'I' => match value {
                Some(name) => quote_ident(name),
                None => return exec_err!("null values cannot be formatted as an SQL identifier"),
            },
            'L' => value.map_or_else(|| "NULL".to_string(), quote_literal),
            other => return exec_err!("unrecognized format() type specifier \"{other}\""),
        };
        let left = rest.starts_with('-');
        let width: usize = rest.trim_start_matches('-').parse().unwrap_or(0);
        let pad = width.saturating_sub(text.chars().count());
        if left {
            out.push_str(&text);
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(&text);
        }
    }
    Ok(out)
}

/// `quote_ident`: as it is when it is a plain lower-case identifier, else in double quotes.
fn quote_ident(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// `quote_literal`: single quotes doubled; with a backslash, an `E'...'` string.
fn quote_literal(text: &str) -> String {
    let quoted = text.replace('\'', "''");
    if text.contains('\\') {
        format!("E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specifiers_as_postgres_documents_them() {
        let f = |t: &str, args: &[Option<&str>]| format_row(t, args).unwrap();
        assert_eq!(f("Hello %s", &[Some("World")]), "Hello World");
        assert_eq!(
            f(
                "Testing %s, %s, %s, %%",
                &[Some("one"), Some("two"), Some("three")]
            ),
            "Testing one, two, three, %"
        );
        assert_eq!(
            f(
                "INSERT INTO %I VALUES(%L)",
                &[Some("Foo bar"), Some("O'Reilly")]
            ),
            "INSERT INTO \"Foo bar\" VALUES('O''Reilly')"
        );
        assert_eq!(f("%L", &[Some("C:\\x")]), "E'C:\\\\x'");
        assert_eq!(f("%L and %s.", &[None, None]), "NULL and .");
        assert_eq!(f("%I", &[Some("events")]), "events");
        assert_eq!(
            f("|%10s|%-10s|", &[Some("foo"), Some("bar")]),
            "|       foo|bar       |"
        );
        assert_eq!(
            f("%2$s %1$s", &[Some("world"), Some("hello")]),
            "hello world"
        );
        assert_eq!(
            f("%1$s %s", &[Some("a"), Some("b")]),
            "a b",
            "after a position, the next"
        );
    }

    #[test]
    fn bad_templates_are_errors() {
        for (template, args) in [
            ("%s %s", vec![Some("one")]),
            ("%x", vec![Some("1")]),
            ("100%", vec![]),
            ("%0$s", vec![Some("a")]),
            ("%I", vec![None]),
        ] {
            assert!(format_row(template, &args).is_err(), "{template}");
        }
    }
}
