//! Lineage round trip on generated data (plain and gzip): every row leads back to its line.

use shape::config::Config;
use shape::generate::{generate, GenOptions};

use crate::common::{assert_lineage, count, gzip, ingest_into, query};

#[tokio::test(flavor = "multi_thread")]
async fn generated_logs_round_trip_to_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let truth = generate(
        dir.path(),
        &GenOptions {
            days: 1,
            events: 20_000,
            malformed_rate: 0.002,
            ..GenOptions::default()
        },
    )
    .unwrap();
    // One file compressed, as pipelines often deliver them.
    let plain = dir.path().join(&truth.files[0]);
    std::fs::write(
        dir.path().join(format!("{}.gz", truth.files[0])),
        gzip(&std::fs::read(&plain).unwrap()),
    )
    .unwrap();
    std::fs::remove_file(&plain).unwrap();

    let (report, errors) = ingest_into(
        data.path(),
        &Config::default(),
        &[format!("{}/*.jsonl*", dir.path().display())],
    )
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report.total(|l| l.lines), truth.lines);
    assert_eq!(report.total(|l| l.rows), truth.events);
    assert_eq!(report.total(|l| l.rejects), truth.malformed_lines);

    // attributes keeps unmapped fields as JSON, readable with the JSON functions.
    let users = count(
        data.path(),
        "SELECT count(*) FROM events WHERE json_get_str(attributes, 'user_id') LIKE 'u%'",
    )
    .await;
    assert_eq!(
        users,
        truth.events - 1,
        "every request carries user_id (the deploy marker does not)"
    );

    let checked = assert_lineage(data.path()).await;
    assert_eq!(checked as u64, truth.lines);

    // Incidents are in the data: the error burst's operation has far more errors in its window.
    let burst = truth
        .incidents
        .iter()
        .find(|i| i.kind == "error_burst")
        .unwrap();
    let inside = count(data.path(), &format!(
        "SELECT count(*) FROM events WHERE operation = '{}' AND outcome = 'error' AND ts >= '{}' AND ts < '{}'",
        burst.operation, burst.start, burst.end)).await;
    let per_op = query(
        data.path(),
        &format!(
            "SELECT count(*) FROM events WHERE operation = '{}' AND ts >= '{}' AND ts < '{}'",
            burst.operation, burst.start, burst.end
        ),
    )
    .await;
    let total: u64 = per_op[0][0].parse().unwrap();
    assert!(
        inside as f64 >= 0.2 * total as f64,
        "error burst visible: {inside}/{total}"
    );
}

/// Data dirs written when `_line` and `_offset` were unsigned (UInt64) still read: the files
/// are cast to the table's int8 columns, with the same values.
#[tokio::test(flavor = "multi_thread")]
async fn files_with_unsigned_lineage_columns_still_read() {
    use datafusion::arrow::array::{Array, RecordBatch};
    use datafusion::arrow::compute::cast;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use datafusion::parquet::arrow::ArrowWriter;
    use std::sync::Arc;

    let data = tempfile::tempdir().unwrap();
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/sample/renderx-web-1.jsonl"
    );
    let (_, errors) = ingest_into(data.path(), &Config::default(), &[sample.to_string()]).await;
    assert!(errors.is_empty(), "{errors:?}");
    let sums = "SELECT count(*), sum(_line), sum(_offset), max(_line) FROM events";
    let before = query(data.path(), sums).await;

    // Rewrite every events file the way older versions wrote it.
    let files: Vec<_> = glob::glob(&format!("{}/events/**/*.parquet", data.path().display()))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!files.is_empty());
    for path in files {
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap())
            .unwrap()
            .build()
            .unwrap();
        let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
        let schema = batches[0].schema();
        let unsigned = |name: &str| name == "_line" || name == "_offset";
        let old_schema = Arc::new(Schema::new(
            schema
                .fields()
                .iter()
                .map(|f| match unsigned(f.name()) {
                    true => Field::new(f.name(), DataType::UInt64, false),
                    false => f.as_ref().clone(),
                })
                .collect::<Vec<_>>(),
        ));
        let mut writer = ArrowWriter::try_new(
            std::fs::File::create(&path).unwrap(),
            old_schema.clone(),
            None,
        )
        .unwrap();
        for batch in batches {
            let columns = batch
                .columns()
                .iter()
                .zip(schema.fields())
                .map(|(c, f)| match unsigned(f.name()) {
                    true => cast(c, &DataType::UInt64).unwrap(),
                    false => c.clone(),
                })
                .collect::<Vec<Arc<dyn Array>>>();
            writer
                .write(&RecordBatch::try_new(old_schema.clone(), columns).unwrap())
                .unwrap();
        }
        writer.close().unwrap();
    }
    let types = query(
        data.path(),
        "SELECT arrow_typeof(_line), arrow_typeof(_offset) FROM events LIMIT 1",
    )
    .await;
    assert_eq!(types, [["Int64", "Int64"]]);
    assert_eq!(query(data.path(), sums).await, before);
}
