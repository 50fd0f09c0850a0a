//! Arrow record batches to DataRow messages, column by column.
//!
//! arrow-pg encodes field by field: for every value it looks the column's type up again,
//! downcasts the array, and for time zones parses the zone name. Here each column is
//! downcast once and its values encoded in one loop into one buffer; rows are then cut
//! from a single allocation per batch. The bytes of every value come from the same
//! `ToSql`/`ToSqlText` implementations arrow-pg uses, so the wire output is identical
//! (the tests compare them); columns of types without a loop here (lists, structs,
//! intervals, decimals, PostgreSQL catalog special cases) go through arrow-pg's own
//! per-value encoder.

use std::str::FromStr;
use std::sync::Arc;

use bytes::{BufMut, BytesMut};
use chrono::{Datelike, NaiveDateTime, Timelike};

use crate::common::{push_date_time, push_digits};
use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Float32Array, Float64Array, Int16Array,
    Int32Array, Int64Array, Int8Array, LargeStringArray, PrimitiveArray, RecordBatch, StringArray,
    StringViewArray, UInt16Array, UInt32Array, UInt8Array,
};
use datafusion::arrow::datatypes::{
    ArrowTimestampType, DataType, Field, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use datafusion_postgres::arrow_pg::encoder::encode_value;
use datafusion_postgres::pgwire::api::results::{DataRowEncoder, FieldFormat, FieldInfo};
use datafusion_postgres::pgwire::api::Type;
use datafusion_postgres::pgwire::error::{PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::data::DataRow;
use datafusion_postgres::pgwire::types::ToSqlText;
use postgres_types::{IsNull, ToSql};

/// The encoded values of one column: value `r` (its 4-byte length, -1 for NULL, then its
/// bytes) is `data[ends[r - 1]..ends[r]]`.
struct Cells {
    data: BytesMut,
    ends: Vec<usize>,
}

impl Cells {
    fn with_rows(rows: usize) -> Cells {
        Cells {
            data: BytesMut::with_capacity(rows * 12),
            ends: Vec::with_capacity(rows),
        }
    }

    fn cell(&self, row: usize) -> &[u8] {
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        &self.data[start..self.ends[row]]
    }

    /// Appends one value as `field` wants it (text or binary), as pgwire's DataRowEncoder
    /// lays a field out.
    fn push<T: ToSql + ToSqlText>(&mut self, value: &T, field: &FieldInfo) -> PgWireResult<()> {
        let start = self.data.len();
        self.data.put_i32(-1);
        let is_null = if field.format() == FieldFormat::Text {
            value.to_sql_text(field.datatype(), &mut self.data, field.format_options())?
        } else {
            value.to_sql(field.datatype(), &mut self.data)?
        };
        if let IsNull::No = is_null {
            let length = (self.data.len() - start - 4) as i32;
            self.data[start..start + 4].copy_from_slice(&length.to_be_bytes());
        }
        self.ends.push(self.data.len());
        Ok(())
    }

    /// Appends one non-NULL value already written as text.
    fn push_text(&mut self, text: &[u8]) {
        self.data.put_i32(text.len() as i32);
        self.data.put_slice(text);
        self.ends.push(self.data.len());
    }

    /// Appends every value of `array`, read by `value`.
    fn push_all<'a, A: Array, T: ToSql + ToSqlText>(
        &mut self,
        array: &'a A,
        field: &FieldInfo,
        value: impl Fn(&'a A, usize) -> T,
    ) -> PgWireResult<()> {
        for row in 0..array.len() {
            if array.is_null(row) {
                self.push(&None::<T>, field)?;
            } else {
                self.push(&Some(value(array, row)), field)?;
            }
        }
        Ok(())
    }
}

/// Encodes every row of `batch` as a DataRow for `fields` (one per column, as arrow-pg's
/// `arrow_schema_to_pg_fields` made them).
pub fn encode_batch(fields: &[FieldInfo], batch: &RecordBatch) -> PgWireResult<Vec<DataRow>> {
    let rows = batch.num_rows();
    let schema = batch.schema();
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .zip(fields)
        .map(|((array, arrow_field), field)| encode_column(array, arrow_field, field))
        .collect::<PgWireResult<Vec<Cells>>>()?;
    let total: usize = columns.iter().map(|c| c.data.len()).sum();
    let mut all = BytesMut::with_capacity(total);
    let mut out = Vec::with_capacity(rows);
    for row in 0..rows {
        for column in &columns {
            all.extend_from_slice(column.cell(row));
        }
        // Splitting hands out the row's bytes without copying them again.
        out.push(DataRow::new(all.split(), columns.len() as i16));
    }
    Ok(out)
}

fn encode_column(array: &ArrayRef, arrow_field: &Field, field: &FieldInfo) -> PgWireResult<Cells> {
    let mut cells = Cells::with_rows(array.len());
    // Fields with metadata (catalog oids, `"char"`, vectors) have special encodings in
    // arrow-pg: leave them to it.
    if !arrow_field.metadata().is_empty() {
        return per_value(array, arrow_field, field, cells);
    }
    match array.data_type() {
        DataType::Boolean => {
            cells.push_all(array.as_boolean(), field, BooleanArray::value)?;
        }
        DataType::Int8 => cells.push_all(downcast::<Int8Array>(array), field, Int8Array::value)?,
        DataType::Int16 => {
            cells.push_all(downcast::<Int16Array>(array), field, Int16Array::value)?
        }
        DataType::Int32 => {
            cells.push_all(downcast::<Int32Array>(array), field, Int32Array::value)?
        }
        DataType::Int64 => {
            cells.push_all(downcast::<Int64Array>(array), field, Int64Array::value)?
        }
        // Widened as arrow-pg widens them (PostgreSQL has no unsigned types).
        DataType::UInt8 => cells.push_all(downcast::<UInt8Array>(array), field, |a, i| {
            a.value(i) as i16
        })?,
        DataType::UInt16 => cells.push_all(downcast::<UInt16Array>(array), field, |a, i| {
            a.value(i) as i32
        })?,
        DataType::UInt32 => cells.push_all(downcast::<UInt32Array>(array), field, |a, i| {
            a.value(i) as i64
        })?,
        DataType::Float32 => {
            cells.push_all(downcast::<Float32Array>(array), field, Float32Array::value)?
        }
        DataType::Float64 => {
            cells.push_all(downcast::<Float64Array>(array), field, Float64Array::value)?
        }
        DataType::Utf8 => {
            cells.push_all(downcast::<StringArray>(array), field, StringArray::value)?
        }
        DataType::LargeUtf8 => cells.push_all(
            downcast::<LargeStringArray>(array),
            field,
            LargeStringArray::value,
        )?,
        DataType::Utf8View => cells.push_all(
            downcast::<StringViewArray>(array),
            field,
            StringViewArray::value,
        )?,
        DataType::Date32 => {
            let dates = downcast::<Date32Array>(array);
            for row in 0..dates.len() {
                let date = (!dates.is_null(row))
                    .then(|| dates.value_as_date(row))
                    .flatten();
                cells.push(&date, field)?;
            }
        }
        DataType::Timestamp(unit, zone) => {
            let zone = zone.as_deref();
            match unit {
                TimeUnit::Second => {
                    timestamps::<TimestampSecondType>(array, zone, field, &mut cells)?
                }
                TimeUnit::Millisecond => {
                    timestamps::<TimestampMillisecondType>(array, zone, field, &mut cells)?
                }
                TimeUnit::Microsecond => {
                    timestamps::<TimestampMicrosecondType>(array, zone, field, &mut cells)?
                }
                TimeUnit::Nanosecond => {
                    timestamps::<TimestampNanosecondType>(array, zone, field, &mut cells)?
                }
            }
        }
        _ => return per_value(array, arrow_field, field, cells),
    }
    Ok(cells)
}

fn downcast<A: Array + 'static>(array: &ArrayRef) -> &A {
    array
        .as_any()
        .downcast_ref::<A>()
        .expect("the array matches its data type")
}

/// A timestamp column, its zone parsed once (arrow-pg parses it per value). Text in the
/// default `DateStyle` is written here (`iso_timestamp`): pgwire's formatter parses the
/// style and a chrono format string per value, which was a third of the server's CPU
/// while streaming rows with a timestamp.
fn timestamps<T: ArrowTimestampType>(
    array: &ArrayRef,
    zone: Option<&str>,
    field: &FieldInfo,
    cells: &mut Cells,
) -> PgWireResult<()> {
    let values: &PrimitiveArray<T> = array.as_primitive();
    let expected_type = if zone.is_some() {
        Type::TIMESTAMPTZ
    } else {
        Type::TIMESTAMP
    };
    let iso = field.format() == FieldFormat::Text
        && *field.datatype() == expected_type
        && iso_date_style(&field.format_options().date_style);
    let mut text = Vec::with_capacity(32);
    match zone {
        Some(zone) => {
            let zone = Tz::from_str(zone).map_err(|e| PgWireError::ApiError(Box::new(e)))?;
            for row in 0..values.len() {
                let value = (!values.is_null(row))
                    .then(|| values.value_as_datetime_with_tz(row, zone))
                    .flatten()
                    .map(|d| d.fixed_offset());
                let written = value.is_some_and(|d| {
                    let offset = d.offset().local_minus_utc();
                    iso && iso_timestamp(&mut text, d.naive_local(), Some(offset))
                });
                if written {
                    cells.push_text(&text);
                } else {
                    cells.push(&value, field)?;
                }
            }
        }
        None => {
            for row in 0..values.len() {
                let value = (!values.is_null(row))
                    .then(|| values.value_as_datetime(row))
                    .flatten();
                if value.is_some_and(|d| iso && iso_timestamp(&mut text, d, None)) {
                    cells.push_text(&text);
                } else {
                    cells.push(&value, field)?;
                }
            }
        }
    }
    Ok(())
}

/// Whether pgwire writes times in its ISO style for this `DateStyle` setting: it reads the
/// part before ", " and falls back to ISO for a style it does not know.
fn iso_date_style(date_style: &str) -> bool {
    let style = date_style
        .split_once(", ")
        .map_or(date_style, |(style, _)| style)
        .trim()
        .to_lowercase();
    !matches!(style.as_str(), "sql" | "german" | "postgres")
}

/// `YYYY-MM-DD HH:MM:SS.ffffff`, then for timestamptz the offset in whole hours (`+00`),
/// into `out` (cleared first): byte for byte what pgwire's ISO formats
/// (`%Y-%m-%d %H:%M:%S%.6f`, `%:::z`) give. False where chrono would write something else
/// (years outside 0..=9999, leap seconds, offsets with minutes): the caller uses pgwire's
/// formatter for those.
fn iso_timestamp(out: &mut Vec<u8>, time: NaiveDateTime, offset_seconds: Option<i32>) -> bool {
    let nanos = time.nanosecond();
    if !(0..=9999).contains(&time.year())
        || nanos >= 1_000_000_000
        || offset_seconds.is_some_and(|offset| offset % 3600 != 0)
    {
        return false;
    }
    out.clear();
    push_date_time(out, time, b' ');
    out.push(b'.');
    push_digits(out, nanos / 1000, 6);
    if let Some(offset) = offset_seconds {
        out.push(if offset < 0 { b'-' } else { b'+' });
        push_digits(out, offset.unsigned_abs() / 3600, 2);
    }
    true
}

/// arrow-pg's own encoder, value by value, for the types without a loop here.
fn per_value(
    array: &ArrayRef,
    arrow_field: &Field,
    field: &FieldInfo,
    mut cells: Cells,
) -> PgWireResult<Cells> {
    let mut encoder = DataRowEncoder::new(Arc::new(vec![field.clone()]));
    for row in 0..array.len() {
        encode_value(&mut encoder, array, row, arrow_field, field)?;
        cells.data.extend_from_slice(&encoder.take_row().data);
        cells.ends.push(cells.data.len());
    }
    Ok(cells)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{
        Decimal128Array, ListArray, TimestampMicrosecondArray, TimestampMillisecondArray,
        TimestampNanosecondArray, TimestampSecondArray,
    };
    use datafusion::arrow::datatypes::{Int32Type, Schema};
    use datafusion_postgres::arrow_pg::datatypes::{arrow_schema_to_pg_fields, encode_recordbatch};
    use datafusion_postgres::pgwire::api::portal::Format;
    use datafusion_postgres::pgwire::types::format::FormatOptions;

    /// A batch with a column of every type that has a loop here, NULLs, and two columns
    /// left to arrow-pg (a list and a decimal).
    fn every_type() -> RecordBatch {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)])),
            Arc::new(Int8Array::from(vec![Some(-8), None, Some(8)])),
            Arc::new(Int16Array::from(vec![Some(-16), Some(0), None])),
            Arc::new(Int32Array::from(vec![None, Some(i32::MAX), Some(i32::MIN)])),
            Arc::new(Int64Array::from(vec![Some(i64::MIN), Some(0), None])),
            Arc::new(UInt8Array::from(vec![Some(255), None, Some(0)])),
            Arc::new(UInt16Array::from(vec![Some(65535), None, Some(1)])),
            Arc::new(UInt32Array::from(vec![Some(u32::MAX), None, Some(2)])),
            Arc::new(Float32Array::from(vec![Some(1.5), Some(f32::NAN), None])),
            Arc::new(Float64Array::from(vec![
                Some(0.1 + 0.2),
                Some(f64::INFINITY),
                Some(1e300),
            ])),
            Arc::new(StringArray::from(vec![
                Some("plain"),
                None,
                Some("tab\there \"q\""),
            ])),
            Arc::new(LargeStringArray::from(vec![Some("large"), Some(""), None])),
            Arc::new(StringViewArray::from(vec![
                None,
                Some("a view string longer than twelve bytes"),
                Some("é"),
            ])),
            Arc::new(Date32Array::from(vec![Some(0), None, Some(20_000)])),
            Arc::new(
                TimestampMicrosecondArray::from(vec![Some(1_764_512_462_123_456), None, Some(-1)])
                    .with_timezone("UTC"),
            ),
            Arc::new(
                TimestampMillisecondArray::from(vec![Some(1_764_512_462_123), Some(0), None])
                    .with_timezone("+05:30"),
            ),
            Arc::new(TimestampMicrosecondArray::from(vec![
                Some(1_764_512_462_000_001),
                None,
                Some(0),
            ])),
            // Negative offsets, summer and winter time, nanoseconds cut to micros.
            Arc::new(
                TimestampNanosecondArray::from(vec![
                    Some(1_764_512_462_123_456_789),
                    Some(1_751_000_000_999_999_999),
                    Some(-5_000_000_000_000_000_000),
                ])
                .with_timezone("America/New_York"),
            ),
            // Years chrono pads (5), and one past 9999 (left to pgwire's formatter).
            Arc::new(TimestampSecondArray::from(vec![
                Some(-62_000_000_000),
                Some(253_402_300_800),
                None,
            ])),
            Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
                Some(vec![Some(1), None]),
                None,
                Some(vec![]),
            ])),
            Arc::new(
                Decimal128Array::from(vec![Some(12_345), None, Some(-5)])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
        ];
        let fields: Vec<Field> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true))
            .collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
    }

    fn assert_same_rows(format: &Format, date_style: &str) {
        let batch = every_type();
        let mut options = FormatOptions::default();
        options.date_style = date_style.to_string();
        let options = Arc::new(options);
        let fields: Vec<FieldInfo> = arrow_schema_to_pg_fields(&batch.schema(), format, None)
            .unwrap()
            .into_iter()
            .map(|field| field.with_format_options(options.clone()))
            .collect();
        let fields = Arc::new(fields);
        let expected: Vec<DataRow> = encode_recordbatch(fields.clone(), batch.clone())
            .collect::<PgWireResult<_>>()
            .unwrap();
        let actual = encode_batch(&fields, &batch).unwrap();
        assert_eq!(actual.len(), expected.len());
        for (row, (a, e)) in actual.iter().zip(&expected).enumerate() {
            assert_eq!(a.field_count, e.field_count, "row {row}");
            assert_eq!(a.data, e.data, "row {row} differs from arrow-pg's encoding");
        }
    }

    #[test]
    fn text_rows_are_byte_for_byte_arrow_pg_rows() {
        assert_same_rows(&Format::UnifiedText, "ISO, MDY");
    }

    #[test]
    fn text_times_follow_every_date_style() {
        for style in [
            "ISO, YMD",
            "iso",
            "SQL, DMY",
            "SQL, MDY",
            "Postgres, MDY",
            "German",
            "?",
        ] {
            assert_same_rows(&Format::UnifiedText, style);
        }
    }

    #[test]
    fn binary_rows_are_byte_for_byte_arrow_pg_rows() {
        assert_same_rows(&Format::UnifiedBinary, "ISO, MDY");
    }

    #[test]
    fn iso_text_is_written_only_where_it_matches_chrono() {
        let time = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap();
        let text = |t, offset| {
            let mut out = Vec::new();
            iso_timestamp(&mut out, t, offset).then_some(out)
        };
        assert_eq!(
            text(time("0999-01-02 03:04:05.000007"), Some(-7200)),
            Some(b"0999-01-02 03:04:05.000007-02".to_vec())
        );
        assert_eq!(text(time("2026-12-02 10:00:00.5"), Some(19_800)), None);
        assert!(iso_date_style("ISO, MDY") && iso_date_style("unknown"));
        assert!(!iso_date_style("SQL, DMY") && !iso_date_style(" postgres"));
    }

    #[test]
    fn an_empty_batch_gives_no_rows() {
        let batch = every_type().slice(0, 0);
        let fields =
            arrow_schema_to_pg_fields(&batch.schema(), &Format::UnifiedText, None).unwrap();
        assert!(encode_batch(&fields, &batch).unwrap().is_empty());
    }
}
