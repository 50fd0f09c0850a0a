//! The Loghub samples read with the regex patterns of data/loghub.toml: 2,000 rows each, and
//! `_line` equal to the ground truth's LineId with the same content.

use std::path::Path;

use shape::config::Config;

use crate::common::{assert_lineage, ingest_into, loghub_dir, query};

/// Minimal CSV reader (quoted fields, doubled quotes) for the ground-truth files.
fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn loghub_samples_match_ground_truth_line_ids() {
    let Some(dir) = loghub_dir() else {
        println!("NOTICE: ../shared/data/loghub is absent; Loghub checks skipped");
        return;
    };
    let config =
        Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/loghub.toml")).unwrap();
    let data = tempfile::tempdir().unwrap();
    for system in ["HDFS", "Apache", "OpenSSH", "OpenStack"] {
        let log = dir.join(system).join(format!("{system}_2k.log"));
        let (report, errors) =
            ingest_into(data.path(), &config, &[log.to_string_lossy().into_owned()]).await;
        assert!(errors.is_empty(), "{system}: {errors:?}");
        let s = &report.sources[0];
        assert_eq!(
            (s.log.lines, s.log.rows, s.log.rejects),
            (2000, 2000, 0),
            "{system}: {:?}",
            s.sample_rejects
        );

        let truth = read_csv(
            &dir.join(system)
                .join(format!("{system}_2k.log_structured.csv")),
        );
        let header = &truth[0];
        let content = header.iter().position(|h| h == "Content").unwrap();
        let uri = format!("file://{}", log.display());
        let rows = query(
            data.path(),
            &format!(
                "SELECT _line, message, service FROM events WHERE _source = '{uri}' ORDER BY _line"
            ),
        )
        .await;
        assert_eq!(rows.len(), 2000, "{system}");
        for (expected, row) in truth[1..].iter().zip(&rows) {
            assert_eq!(row[0], expected[0], "{system}: LineId");
            assert_eq!(
                row[1].trim(),
                expected[content].trim(),
                "{system} line {}",
                expected[0]
            );
            assert_eq!(row[2], system.to_lowercase());
        }
    }
    let levels = query(
        data.path(),
        "SELECT DISTINCT level FROM events ORDER BY level",
    )
    .await;
    assert!(
        levels
            .iter()
            .all(|l| ["DEBUG", "ERROR", "FATAL", "INFO", "TRACE", "WARN"].contains(&l[0].as_str())),
        "{levels:?}"
    );
    assert_eq!(assert_lineage(data.path()).await, 8000);
}
