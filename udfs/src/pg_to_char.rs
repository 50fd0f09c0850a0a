//! `to_char(time, template)` that reads PostgreSQL's template patterns.
//!
//! DataFusion's `to_char` takes chrono's `%Y-%m-%d`; given PostgreSQL's `YYYY-MM-DD` (what
//! every Grafana panel, Metabase question and analyst writes) it returns the template itself,
//! `YYYY-MM-DD`, for every row: a wrong answer with no error. This `to_char` translates a
//! template without `%` from PostgreSQL's patterns to chrono's and hands the call to
//! DataFusion's; a template with `%` is chrono's already (SHAPE's own SQL, DataFusion users)
//! and passes unchanged.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, StringArray};
use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
};

/// PostgreSQL template patterns and chrono's equivalent, longest first (so `HH24` is not
/// read as `HH` then `24`). `FM` (no padding) is handled apart.
const PATTERNS: &[(&str, &str)] = &[
    ("HH24", "%H"),
    ("HH12", "%I"),
    ("IYYY", "%G"),
    ("YYYY", "%Y"),
    ("MONTH", "%B"),
    ("Month", "%B"),
    ("month", "%B"),
    ("DDD", "%j"),
    ("MON", "%b"),
    ("Mon", "%b"),
    ("mon", "%b"),
    ("DAY", "%A"),
    ("Day", "%A"),
    ("day", "%A"),
    ("A.M.", "%p"),
    ("P.M.", "%p"),
    ("a.m.", "%P"),
    ("p.m.", "%P"),
    ("HH", "%I"),
    ("MI", "%M"),
    ("SS", "%S"),
    ("MS", "%3f"),
    ("US", "%6f"),
    ("YY", "%y"),
    ("MM", "%m"),
    ("DD", "%d"),
    ("DY", "%a"),
    ("Dy", "%a"),
    ("dy", "%a"),
    ("IW", "%V"),
    ("ID", "%u"),
    ("AM", "%p"),
    ("PM", "%p"),
    ("am", "%P"),
    ("pm", "%P"),
    ("TZ", "%Z"),
    ("tz", "%Z"),
    ("OF", "%:z"),
];

/// chrono's format for a PostgreSQL template; `None` when the template is chrono's already.
pub fn chrono_format(template: &str) -> Option<String> {
    if template.contains('%') {
        return None;
    }
    let mut out = String::with_capacity(template.len() + 8);
    let mut rest = template;
    while !rest.is_empty() {
        // "text in double quotes" is copied as it is.
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            out.push_str(&quoted[..end]);
            rest = quoted.get(end + 1..).unwrap_or("");
            continue;
        }
        let (fill_mode, after_fm) = match rest.strip_prefix("FM") {
            Some(after) => (true, after),
            None => (false, rest),
        };
        if let Some((pattern, chrono)) = PATTERNS.iter().find(|(p, _)| after_fm.starts_with(p)) {
            // FM drops the leading zeros of numbers: chrono's `%-d`.
            let numeric = matches!(&chrono[1..], "H" | "I" | "m" | "d" | "M" | "S" | "j");
            if fill_mode && numeric {
                out.push_str(&format!("%-{}", &chrono[1..]));
            } else {
                out.push_str(chrono);
            }
            rest = &after_fm[pattern.len()..];
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    Some(out)
}

/// DataFusion's `to_char`, reading PostgreSQL templates first (see the module doc).
#[derive(Debug, PartialEq, Eq, Hash)]
struct PgToChar {
    inner: Arc<ScalarUDF>,
}

impl ScalarUDFImpl for PgToChar {
    fn name(&self) -> &str {
        "to_char"
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        self.inner.return_type(args)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        self.inner.return_field_from_args(args)
    }

    fn invoke_with_args(&self, mut args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if let Some(template) = args.args.get_mut(1) {
            *template = translated(template)?;
        }
        self.inner.invoke_with_args(args)
    }
}

/// The template argument with PostgreSQL templates turned into chrono's.
fn translated(template: &ColumnarValue) -> Result<ColumnarValue> {
    Ok(match template {
        ColumnarValue::Scalar(ScalarValue::Utf8(Some(text)))
        | ColumnarValue::Scalar(ScalarValue::LargeUtf8(Some(text)))
        | ColumnarValue::Scalar(ScalarValue::Utf8View(Some(text))) => match chrono_format(text) {
            Some(format) => ColumnarValue::Scalar(ScalarValue::Utf8(Some(format))),
            None => template.clone(),
        },
        ColumnarValue::Array(array) if array.data_type().is_string() => {
            let texts = datafusion::arrow::compute::cast(array, &DataType::Utf8)?;
            let texts = texts.as_string::<i32>();
            let formats: StringArray = (0..texts.len())
                .map(|i| {
                    (!texts.is_null(i)).then(|| {
                        let text = texts.value(i);
                        chrono_format(text).unwrap_or_else(|| text.to_string())
                    })
                })
                .collect();
            // DataFusion's to_char wants the template type it was planned with.
            ColumnarValue::Array(datafusion::arrow::compute::cast(
                &formats,
                array.data_type(),
            )?)
        }
        other => other.clone(),
    })
}

/// `to_char(time, template)` with PostgreSQL's template patterns (and chrono's).
pub fn to_char_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(PgToChar {
        inner: datafusion::functions::datetime::to_char(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::SessionContext;

    #[test]
    fn postgresql_templates_become_chronos() {
        let cases = [
            ("YYYY-MM-DD HH24:MI:SS", "%Y-%m-%d %H:%M:%S"),
            ("YYYY-MM-DD\"T\"HH24:MI:SS.MS", "%Y-%m-%dT%H:%M:%S.%3f"),
            ("Dy, DD Mon YYYY HH12:MI AM", "%a, %d %b %Y %I:%M %p"),
            ("FMDD/FMMM/YY", "%-d/%-m/%y"),
            ("Month DDD IW", "%B %j %V"),
            ("HH24 TZ OF", "%H %Z %:z"),
        ];
        for (template, chrono) in cases {
            assert_eq!(
                chrono_format(template).as_deref(),
                Some(chrono),
                "{template}"
            );
        }
        assert_eq!(
            chrono_format("%Y-%m-%d %H:%M"),
            None,
            "chrono's own pass unchanged"
        );
    }

    #[tokio::test]
    async fn both_kinds_of_template_format_a_time() {
        let ctx = SessionContext::new();
        ctx.register_udf(to_char_udf());
        let batches = ctx
            .sql(
                "SELECT to_char(t, 'YYYY-MM-DD HH24:MI:SS.MS'), to_char(t, '%Y/%m/%d'), \
                        to_char(t, 'FMDD Mon YYYY, HH12 PM'), to_char(t, f) \
                 FROM (VALUES (TIMESTAMP '2026-11-30 14:01:02.123', 'HH24\"h\"MI')) AS v(t, f)",
            )
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let row: Vec<String> = batches[0]
            .columns()
            .iter()
            .map(|c| datafusion::arrow::util::display::array_value_to_string(c, 0).unwrap())
            .collect();
        assert_eq!(
            row,
            [
                "2026-11-30 14:01:02.123",
                "2026/11/30",
                "30 Nov 2026, 02 PM",
                "14h01"
            ]
        );
    }
}
