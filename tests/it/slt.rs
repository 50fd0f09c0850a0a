//! sqllogictest files (`tests/slt/*.slt`): SQL semantics as expected rows, the DataFusion way.
//! Each `NAME.slt` runs against a data dir made by ingesting `NAME.jsonl` with the SLOs of
//! `NAME.toml`, twice: with SLO minutes from the rollups and straight from raw events, so every
//! expected row also proves that the rollups equal the raw computation.

use std::path::{Path, PathBuf};
use std::time::Duration;

use datafusion::prelude::SessionContext;
use shape::config::Config;
use shape::query::run_sql;
use shape::workspace::MinutesSource;
use sqllogictest::{DBOutput, DefaultColumnType};

use crate::common::{ingest_into, rows};

struct Db {
    ctx: SessionContext,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct SqlError(String);

#[async_trait::async_trait]
impl sqllogictest::AsyncDB for Db {
    type Error = SqlError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        let batches = run_sql(&self.ctx, sql)
            .await
            .map_err(|e| SqlError(e.to_string()))?;
        let width = batches.first().map(|b| b.num_columns()).unwrap_or(0);
        if width == 0 {
            return Ok(DBOutput::StatementComplete(0));
        }
        Ok(DBOutput::Rows {
            types: vec![DefaultColumnType::Any; width],
            rows: rows(&batches),
        })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "shape"
    }

    async fn sleep(duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

fn slt_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "slt"))
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread")]
async fn sqllogictest_files() {
    let files = slt_files();
    assert!(!files.is_empty());
    for file in files {
        let data = tempfile::tempdir().unwrap();
        let config = match file.with_extension("toml") {
            toml if toml.exists() => Config::load(&toml).unwrap(),
            _ => Config::default(),
        };
        let events = file.with_extension("jsonl");
        if events.exists() {
            let (_, errors) = ingest_into(
                data.path(),
                &config,
                &[events.to_string_lossy().into_owned()],
            )
            .await;
            assert!(errors.is_empty(), "{errors:?}");
        }
        let ws = crate::common::workspace(data.path(), &config);
        for source in [MinutesSource::Rollups, MinutesSource::RawEvents] {
            let options = shape::QueryOptions {
                minutes_source: source,
                ..Default::default()
            };
            // Rollups are caught up before the rollup-mode run, as every consumer does.
            let ctx = match source {
                MinutesSource::Rollups => ws.context(&options).await.unwrap(),
                MinutesSource::RawEvents => ws.context_as_is(&options).await.unwrap(),
            };
            let mut runner = sqllogictest::Runner::new(move || {
                let ctx = ctx.clone();
                async move { Ok(Db { ctx }) }
            });
            runner.with_column_validator(|_, _| true);
            let started = std::time::Instant::now();
            if let Err(e) = runner.run_file_async(&file).await {
                panic!("{} ({source:?}): {e}", file.display());
            }
            // shown with --nocapture: which file costs what (debug builds plan slowly)
            println!(
                "{} ({source:?}): {:.1} s",
                file.display(),
                started.elapsed().as_secs_f64()
            );
        }
    }
}
