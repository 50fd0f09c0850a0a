//! `COPY (SELECT ...) TO STDOUT` and `COPY table [(columns)] TO STDOUT`, the way psql's
//! `\copy ... TO 'file'` and drivers' export APIs (psycopg's `copy`, JDBC's `CopyManager`)
//! read a result: in PostgreSQL's text, CSV (with HEADER, DELIMITER, NULL, QUOTE) or binary
//! format, streamed row by row as the query produces them, under the session's statement
//! timeout and the server's memory limit like any query, on both protocols. `COPY ... FROM` and `COPY ... TO` a
//! server file or program stay refused (the read-only hook answers them with 25006).

use std::sync::Arc;

use bytes::{BufMut, BytesMut};
use datafusion::common::ParamValues;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{
    CopyLegacyCsvOption, CopyLegacyOption, CopyOption, CopySource, CopyTarget, Statement,
};
use datafusion_postgres::arrow_pg::datatypes::df::encode_dataframe;
use datafusion_postgres::hooks::HookClient;
use datafusion_postgres::pgwire::api::portal::Format;
use datafusion_postgres::pgwire::api::results::{CopyResponse, Response};
use datafusion_postgres::pgwire::api::ClientInfo;
use datafusion_postgres::pgwire::error::{PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::copy::CopyData;
use datafusion_postgres::pgwire::messages::data::DataRow;
use datafusion_postgres::pgwire::types::format::FormatOptions;
use datafusion_postgres::QueryHook;
use futures::StreamExt;

use super::session::sql_error;

/// How rows are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyFormat {
    Text {
        delimiter: char,
        null: String,
    },
    Csv {
        delimiter: char,
        null: String,
        quote: char,
        escape: char,
        header: bool,
    },
    Binary,
}

/// Whether `statement` is a `COPY ... TO STDOUT` this module serves.
pub fn is_copy_to_stdout(statement: &Statement) -> bool {
    matches!(
        statement,
        Statement::Copy {
            to: true,
            target: CopyTarget::Stdout,
            ..
        }
    )
}

/// The format a `COPY` statement's options ask for, with PostgreSQL's defaults.
pub fn copy_format(
    options: &[CopyOption],
    legacy: &[CopyLegacyOption],
) -> Result<CopyFormat, String> {
    let mut format = "text".to_string();
    let (mut delimiter, mut null, mut quote, mut escape, mut header) =
        (None, None, None, None, false);
    for option in options {
        match option {
            CopyOption::Format(name) => format = name.value.to_ascii_lowercase(),
            CopyOption::Delimiter(c) => delimiter = Some(*c),
            CopyOption::Null(s) => null = Some(s.clone()),
            CopyOption::Header(h) => header = *h,
            CopyOption::Quote(c) => quote = Some(*c),
            CopyOption::Escape(c) => escape = Some(*c),
            CopyOption::Encoding(e)
                if e.eq_ignore_ascii_case("utf8") || e.eq_ignore_ascii_case("utf-8") => {}
            other => return Err(format!("COPY option {other} is not supported")),
        }
    }
    for option in legacy {
        match option {
            CopyLegacyOption::Binary => format = "binary".into(),
            CopyLegacyOption::Delimiter(c) => delimiter = Some(*c),
            CopyLegacyOption::Null(s) => null = Some(s.clone()),
            CopyLegacyOption::Header => header = true,
            CopyLegacyOption::Csv(csv) => {
                format = "csv".into();
                for option in csv {
                    match option {
                        CopyLegacyCsvOption::Header => header = true,
                        CopyLegacyCsvOption::Quote(c) => quote = Some(*c),
                        CopyLegacyCsvOption::Escape(c) => escape = Some(*c),
                        other => return Err(format!("COPY option {other} is not supported")),
                    }
                }
            }
            other => return Err(format!("COPY option {other} is not supported")),
        }
    }
    match format.as_str() {
        "text" if header => Err("COPY HEADER is available only in CSV mode".into()),
        "text" => Ok(CopyFormat::Text {
            delimiter: delimiter.unwrap_or('\t'),
            null: null.unwrap_or_else(|| "\\N".into()),
        }),
        "csv" => {
            let quote = quote.unwrap_or('"');
            Ok(CopyFormat::Csv {
                delimiter: delimiter.unwrap_or(','),
                null: null.unwrap_or_default(),
                quote,
                escape: escape.unwrap_or(quote),
                header,
            })
        }
        "binary" => Ok(CopyFormat::Binary),
        other => Err(format!(
            "COPY format \"{other}\" not recognized (text, csv or binary)"
        )),
    }
}

/// The fields of a text-encoded DataRow (`None` is NULL).
fn fields(row: &DataRow) -> Vec<Option<&[u8]>> {
    let data = &row.data[..];
    let mut at = 0;
    let mut out = Vec::with_capacity(row.field_count as usize);
    for _ in 0..row.field_count {
        let len = i32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]);
        at += 4;
        if len < 0 {
            out.push(None);
        } else {
            out.push(Some(&data[at..at + len as usize]));
            at += len as usize;
        }
    }
    out
}

fn put_char(out: &mut BytesMut, c: char) {
    let mut buffer = [0u8; 4];
    out.put_slice(c.encode_utf8(&mut buffer).as_bytes());
}

/// One row in `format`, with its line end (text and CSV) or tuple header (binary).
pub fn encode_row(row: &DataRow, format: &CopyFormat, out: &mut BytesMut) {
    match format {
        CopyFormat::Binary => {
            out.put_i16(row.field_count);
            out.put_slice(&row.data);
        }
        CopyFormat::Text { delimiter, null } => {
            for (i, field) in fields(row).into_iter().enumerate() {
                if i > 0 {
                    put_char(out, *delimiter);
                }
                match field {
                    None => out.put_slice(null.as_bytes()),
                    Some(bytes) => {
                        for &b in bytes {
                            match b {
                                b'\\' => out.put_slice(b"\\\\"),
                                b'\n' => out.put_slice(b"\\n"),
                                b'\r' => out.put_slice(b"\\r"),
                                b'\t' => out.put_slice(b"\\t"),
                                _ if delimiter.is_ascii() && b == *delimiter as u8 => {
                                    out.put_u8(b'\\');
                                    out.put_u8(b);
                                }
                                _ => out.put_u8(b),
                            }
                        }
                    }
                }
            }
            out.put_u8(b'\n');
        }
        CopyFormat::Csv {
            delimiter,
            null,
            quote,
            escape,
            ..
        } => {
            for (i, field) in fields(row).into_iter().enumerate() {
                if i > 0 {
                    put_char(out, *delimiter);
                }
                match field {
                    None => out.put_slice(null.as_bytes()),
                    Some(bytes) => put_csv_value(out, bytes, *delimiter, null, *quote, *escape),
                }
            }
            out.put_u8(b'\n');
        }
    }
}

/// A CSV value, quoted when it holds the delimiter, the quote, a line break or reads as the
/// NULL string (PostgreSQL quotes an empty string so it stays apart from NULL).
fn put_csv_value(
    out: &mut BytesMut,
    bytes: &[u8],
    delimiter: char,
    null: &str,
    quote: char,
    escape: char,
) {
    let text = String::from_utf8_lossy(bytes);
    let needs_quotes = text.contains(delimiter)
        || text.contains(quote)
        || text.contains('\n')
        || text.contains('\r')
        || text == null
        || text.is_empty();
    if !needs_quotes {
        out.put_slice(bytes);
        return;
    }
    put_char(out, quote);
    for c in text.chars() {
        if c == quote || c == escape {
            put_char(out, escape);
        }
        put_char(out, c);
    }
    put_char(out, quote);
}

fn csv_header(names: &[String], format: &CopyFormat, out: &mut BytesMut) {
    if let CopyFormat::Csv {
        delimiter,
        null,
        quote,
        escape,
        header: true,
    } = format
    {
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                put_char(out, *delimiter);
            }
            put_csv_value(out, name.as_bytes(), *delimiter, null, *quote, *escape);
        }
        out.put_u8(b'\n');
    }
}

/// Serves `COPY ... TO STDOUT` (simple query protocol, as psql and drivers send it).
pub struct CopyToStdoutHook;

fn api_error(e: datafusion::error::DataFusionError) -> PgWireError {
    PgWireError::ApiError(Box::new(e))
}

async fn copy_out(
    statement: &Statement,
    ctx: &SessionContext,
    client: &dyn HookClient,
) -> PgWireResult<Response> {
    let Statement::Copy {
        source,
        options,
        legacy_options,
        ..
    } = statement
    else {
        unreachable!("checked by is_copy_to_stdout");
    };
    let format =
        copy_format(options, legacy_options).map_err(|m| sql_error("ERROR", "0A000", m))?;
    let query = match source {
        CopySource::Query(query) => query.to_string(),
        CopySource::Table {
            table_name,
            columns,
        } if columns.is_empty() => format!("SELECT * FROM {table_name}"),
        CopySource::Table {
            table_name,
            columns,
        } => format!(
            "SELECT {} FROM {table_name}",
            columns
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let frame = ctx.sql(&query).await.map_err(api_error)?;
    let names: Vec<String> = frame
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let binary = format == CopyFormat::Binary;
    let wire_format = if binary {
        Format::UnifiedBinary
    } else {
        Format::UnifiedText
    };
    let options = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
    let mut response = encode_dataframe(frame, &wire_format, Some(options)).await?;
    let columns = names.len();

    let mut first = BytesMut::new();
    if format == CopyFormat::Binary {
        first.put_slice(b"PGCOPY\n\xFF\r\n\x00");
        first.put_i32(0);
        first.put_i32(0);
    }
    csv_header(&names, &format, &mut first);
    let rows = std::mem::replace(response.data_rows(), Box::pin(futures::stream::empty()));
    // The header (CSV) or signature (binary) travels with the first row, so the row count
    // psql prints ("COPY n") counts rows only; without rows it goes alone at the end.
    let pending = Arc::new(std::sync::Mutex::new(Some(first)));
    let take = {
        let pending = pending.clone();
        move || pending.lock().map(|mut p| p.take()).ok().flatten()
    };
    let take_last = take.clone();
    let encoded = rows.map(move |row| {
        let row = row?;
        let mut out = take().unwrap_or_default();
        encode_row(&row, &format, &mut out);
        Ok(CopyData::new(out.freeze()))
    });
    let last = futures::stream::once(async move {
        Ok(CopyData::new(take_last().unwrap_or_default().freeze()))
    });
    // pgwire appends the binary trailer itself.
    let stream = encoded.chain(last);
    Ok(Response::CopyOut(CopyResponse::new(
        i8::from(binary),
        columns,
        stream,
    )))
}
#[async_trait::async_trait]
impl QueryHook for CopyToStdoutHook {
    async fn handle_simple_query(
        &self,
        statement: &Statement,
        ctx: &SessionContext,
        client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        if !is_copy_to_stdout(statement) {
            return None;
        }
        Some(copy_out(statement, ctx, client).await)
    }

    async fn handle_extended_parse_query(
        &self,
        statement: &Statement,
        _ctx: &SessionContext,
        _client: &(dyn ClientInfo + Send + Sync),
    ) -> Option<PgWireResult<LogicalPlan>> {
        // COPY has no result columns to describe (PostgreSQL answers NoData); the rows come
        // at Execute.
        is_copy_to_stdout(statement).then(|| Ok(super::session::no_columns_plan()))
    }

    async fn handle_extended_query(
        &self,
        statement: &Statement,
        _plan: &LogicalPlan,
        _params: &ParamValues,
        ctx: &SessionContext,
        client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        if !is_copy_to_stdout(statement) {
            return None;
        }
        Some(copy_out(statement, ctx, client).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    fn format_of(sql: &str) -> Result<CopyFormat, String> {
        match Parser::new(&PostgreSqlDialect {})
            .try_with_sql(sql)
            .unwrap()
            .parse_statement()
            .unwrap()
        {
            Statement::Copy {
                options,
                legacy_options,
                ..
            } => copy_format(&options, &legacy_options),
            other => panic!("not a COPY: {other}"),
        }
    }

    /// A DataRow of text fields, as the encoder gets them.
    fn row(fields: &[Option<&str>]) -> DataRow {
        use datafusion_postgres::pgwire::api::results::{DataRowEncoder, FieldFormat, FieldInfo};
        use datafusion_postgres::pgwire::api::Type;
        let infos = fields
            .iter()
            .enumerate()
            .map(|(i, _)| {
                FieldInfo::new(format!("c{i}"), None, None, Type::TEXT, FieldFormat::Text)
            })
            .collect();
        let mut encoder = DataRowEncoder::new(Arc::new(infos));
        for field in fields {
            encoder.encode_field(field).unwrap();
        }
        encoder.take_row()
    }

    fn encoded(fields: &[Option<&str>], format: &CopyFormat) -> String {
        let mut out = BytesMut::new();
        encode_row(&row(fields), format, &mut out);
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn options_as_psql_and_drivers_write_them() {
        let csv_header = CopyFormat::Csv {
            delimiter: ',',
            null: String::new(),
            quote: '"',
            escape: '"',
            header: true,
        };
        assert_eq!(
            format_of("COPY (SELECT 1) TO STDOUT CSV HEADER"),
            Ok(csv_header.clone())
        );
        assert_eq!(
            format_of("COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, HEADER true)"),
            Ok(csv_header)
        );
        assert_eq!(
            format_of("COPY t TO STDOUT"),
            Ok(CopyFormat::Text {
                delimiter: '\t',
                null: "\\N".into()
            })
        );
        assert_eq!(
            format_of("COPY t TO STDOUT (FORMAT binary)"),
            Ok(CopyFormat::Binary)
        );
        assert!(format_of("COPY t TO STDOUT (FORMAT xml)").is_err());
        assert!(format_of("COPY t TO STDOUT (FORMAT text, HEADER)").is_err());
    }

    #[test]
    fn rows_are_escaped_as_postgres_writes_them() {
        let text = CopyFormat::Text {
            delimiter: '\t',
            null: "\\N".into(),
        };
        assert_eq!(
            encoded(&[Some("a\tb"), None, Some("line\nnext\\")], &text),
            "a\\tb\t\\N\tline\\nnext\\\\\n"
        );
        let csv = format_of("COPY t TO STDOUT CSV").unwrap();
        assert_eq!(
            encoded(
                &[Some("plain"), None, Some(""), Some("say \"hi\", twice")],
                &csv
            ),
            "plain,,\"\",\"say \"\"hi\"\", twice\"\n"
        );
        let mut out = BytesMut::new();
        encode_row(&row(&[Some("1")]), &CopyFormat::Binary, &mut out);
        assert_eq!(&out[..], &[0, 1, 0, 0, 0, 1, b'1']);
    }
}
